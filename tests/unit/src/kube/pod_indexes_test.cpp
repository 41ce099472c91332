// The pod cache's indexes over a bare store: a node's bucket holds its pods while they are
// pending or running and lets go of them when they finish, and anyInIndex answers from the
// bucket without copying it.
#include <gtest/gtest.h>

#include "src/kube/cluster_cache.h"
#include "src/kube/object_store.h"

namespace gantry::kube {
namespace {

std::shared_ptr<const api::Pod> pod(const std::string& name, const std::string& node,
                                    const std::string& phase) {
  api::Pod p;
  p.ns = "ns";
  p.name = name;
  p.nodeName = node;
  p.phase = phase;
  return std::make_shared<const api::Pod>(std::move(p));
}

TEST(PodIndexes, ANodeBucketLetsGoOfFinishedPods) {
  ObjectStore<api::Pod> store;
  addPodIndexes(store);
  store.put("ns/a", pod("a", "n1", "Running"), "1");
  store.put("ns/b", pod("b", "n1", "Pending"), "1");
  store.put("ns/c", pod("c", "", "Pending"), "1");
  EXPECT_EQ(store.byIndex(kPodsByNode, "n1").size(), 2u);

  store.put("ns/a", pod("a", "n1", "Succeeded"), "2");
  store.put("ns/b", pod("b", "n1", "Failed"), "2");
  EXPECT_TRUE(store.byIndex(kPodsByNode, "n1").empty());
  EXPECT_EQ(store.byIndex(kPodsByPhase, "Succeeded").size(), 1u) << "still in the cache";
}

TEST(PodIndexes, AnyInIndexStopsAtTheFirstMatch) {
  ObjectStore<api::Pod> store;
  addPodIndexes(store);
  store.put("ns/a", pod("a", "n1", "Running"), "1");
  store.put("ns/b", pod("b", "n1", "Running"), "1");
  size_t asked = 0;
  EXPECT_TRUE(store.anyInIndex(kPodsByNode, "n1", [&](const api::Pod&) { return ++asked > 0; }));
  EXPECT_EQ(asked, 1u);
  EXPECT_FALSE(store.anyInIndex(kPodsByNode, "n1", [](const api::Pod& p) { return p.name == "z"; }));
  EXPECT_FALSE(store.anyInIndex(kPodsByNode, "n2", [](const api::Pod&) { return true; }));
  EXPECT_FALSE(store.anyInIndex("nope", "n1", [](const api::Pod&) { return true; }));
}

}  // namespace
}  // namespace gantry::kube
