// keyLess: the order of Pod::key() ("ns/name") without building the keys. It must agree with
// comparing the keys as strings, including namespaces that are prefixes of one another, where
// "/" (0x2F) sorts after "-" and "." but before digits and letters.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "src/api/pod.h"

namespace gantry::api {
namespace {

Pod pod(std::string ns, std::string name) {
  Pod p;
  p.ns = std::move(ns);
  p.name = std::move(name);
  return p;
}

TEST(PodKeyOrderTest, AgreesWithComparingTheKeysOnEveryPair) {
  const std::vector<Pod> pods = {
      pod("a", "b"),     pod("a", "a"),       pod("a-x", "c"),   pod("a.x", "c"),
      pod("a0", "c"),    pod("ab", "c"),      pod("", "z"),      pod("default", "trial-1"),
      pod("default", "trial-10"), pod("default", "trial-2"), pod("kubeflow", "a"),
      pod("kube", "flow"), pod("a", ""),
  };
  for (const Pod& a : pods) {
    for (const Pod& b : pods) {
      EXPECT_EQ(keyLess(a, b), a.key() < b.key()) << a.key() << " vs " << b.key();
      EXPECT_EQ(keyLess(a, b.key()), a.key() < b.key()) << a.key() << " vs " << b.key();
    }
  }
}

}  // namespace
}  // namespace gantry::api
