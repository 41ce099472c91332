// The solver against an exact oracle on many random small inputs. The oracle enumerates
// every partition of the pods into nodes and prices each block with the cheapest type that
// holds it, under the same rules as the solver (GPU nodes only for GPU work unless nothing
// else fits). The solver must come within 2% of the optimum on every case.
#include <gtest/gtest.h>

#include <functional>
#include <random>

#include "binpack/solver.h"
#include "tests/support/builders.h"

namespace gantry::binpack {
namespace {

struct Case {
  api::InstanceTypes types;
  std::vector<api::Pod> pods;
};

Case randomCase(std::mt19937& rng) {
  std::uniform_int_distribution<int> typeCount(2, 6), podCount(1, 7), cpuPerType(1, 16),
      gpuChance(0, 3), podCpu(1, 8), podMemGi(1, 16), podGpu(0, 4);
  Case c;
  int n = typeCount(rng);
  for (int i = 0; i < n; ++i) {
    int cpu = cpuPerType(rng) * 2;
    int mem = cpu * (2 << (rng() % 3));  // 2, 4 or 8 GiB per vCPU
    int gpus = gpuChance(rng) == 0 ? 1 << (rng() % 3) : 0;
    // Roughly linear prices with +-30% noise, so that no single type dominates.
    double price = (0.02 * cpu + 0.005 * mem + 0.5 * gpus) * (0.7 + 0.6 * (rng() % 1000) / 1000.0);
    testing::TypeSpec spec{"t" + std::to_string(i) + ".x", std::to_string(cpu), std::to_string(mem) + "Gi",
                           price, gpus};
    spec.zones = {"us-east-1a"};
    spec.maxPods = 4 + static_cast<int>(rng() % 8);
    c.types.push_back(testing::makeType(spec));
  }
  int m = podCount(rng);
  for (int i = 0; i < m; ++i) {
    std::string cpu = std::to_string(podCpu(rng) * 500) + "m";
    std::string mem = std::to_string(podMemGi(rng)) + "Gi";
    api::Pod p = testing::makePod("p" + std::to_string(i), {{"cpu", cpu}, {"memory", mem}});
    if (podGpu(rng) == 0) p.requests.set("nvidia.com/gpu", api::Quantity::fromValue(1 + rng() % 2));
    c.pods.push_back(p);
  }
  return c;
}

// Exact optimum by enumerating set partitions; +infinity if some pod fits nowhere.
double oracle(const Case& c) {
  const size_t n = c.pods.size();
  auto accelType = [](const api::InstanceType& t) { return t.gpu.has_value(); };
  auto fitsAlone = [](const api::Pod& p, const api::InstanceType& t) {
    api::ResourceList need = p.requests;
    need.set("pods", api::Quantity::fromValue(1));
    return need.fitsIn(t.allocatable());
  };
  // Types a pod may use: non-GPU pods avoid GPU types unless nothing else fits them.
  std::vector<std::vector<bool>> allowed(n, std::vector<bool>(c.types.size()));
  std::vector<bool> plainFits(n, false);
  for (size_t i = 0; i < n; ++i) {
    const bool gpuPod = c.pods[i].needsAccelerator();
    for (const auto& t : c.types) plainFits[i] = plainFits[i] || (!accelType(t) && fitsAlone(c.pods[i], t));
    for (size_t t = 0; t < c.types.size(); ++t) {
      allowed[i][t] = fitsAlone(c.pods[i], c.types[t]) &&
                      (gpuPod || !accelType(c.types[t]) || !plainFits[i]);
    }
  }
  auto blockCost = [&](const std::vector<size_t>& block) {
    api::ResourceList need;
    // Every pod has its own owner here, so pods that need a GPU type (for its GPUs, or
    // because nothing else holds them) never share a node with pods that do not.
    bool gpu = false, plain = false;
    for (size_t i : block) {
      need += c.pods[i].requests;
      if (c.pods[i].needsAccelerator() || !plainFits[i]) {
        gpu = true;
      } else {
        plain = true;
      }
    }
    if (gpu && plain) return std::numeric_limits<double>::infinity();
    need.set("pods", api::Quantity::fromValue(static_cast<int64_t>(block.size())));
    double best = std::numeric_limits<double>::infinity();
    for (size_t t = 0; t < c.types.size(); ++t) {
      bool ok = need.fitsIn(c.types[t].allocatable());
      for (size_t i : block) ok = ok && allowed[i][t];
      if (ok) best = std::min(best, c.types[t].offerings.front().pricePerHour);
    }
    return best;
  };
  double best = std::numeric_limits<double>::infinity();
  std::vector<std::vector<size_t>> blocks;
  std::function<void(size_t)> rec = [&](size_t i) {
    if (i == n) {
      double cost = 0;
      for (const auto& b : blocks) cost += blockCost(b);
      best = std::min(best, cost);
      return;
    }
    // By index: the recursion appends to `blocks`, which would invalidate a reference.
    for (size_t k = 0; k < blocks.size(); ++k) {
      blocks[k].push_back(i);
      rec(i + 1);
      blocks[k].pop_back();
    }
    blocks.push_back({i});
    rec(i + 1);
    blocks.pop_back();
  };
  rec(0);
  return best;
}

std::string describe(const Case& c, const Plan& plan, double opt) {
  std::string s = "opt=" + std::to_string(opt) + " got=" + std::to_string(plan.totalPricePerHour) + "\n";
  for (const auto& t : c.types) {
    s += "  type " + t.name + " " + t.allocatable().toString() + " $" +
         std::to_string(t.offerings.front().pricePerHour) + "\n";
  }
  for (const auto& p : c.pods) s += "  pod " + p.name + " " + p.requests.toString() + "\n";
  for (const auto& n : plan.nodes) {
    s += "  node " + n.instanceType + ":";
    for (const auto& p : n.pods) s += " " + p;
    s += "\n";
  }
  return s;
}

struct Outcome {
  int cases = 0;
  int within2 = 0;
  double worst = 1.0;
  double sumRatio = 0;
};

Outcome runCases(const Options& options, int count, uint32_t seed) {
  std::mt19937 rng(seed);
  Outcome out;
  while (out.cases < count) {
    Case c = randomCase(rng);
    double opt = oracle(c);
    if (!std::isfinite(opt)) continue;  // some pod fits nowhere: not a packing question
    Snapshot snap;
    snap.pods = c.pods;
    snap.nodePools = {testing::openPool()};
    auto plan = solve(snap, c.types, options);
    EXPECT_TRUE(plan);
    if (!plan) return out;
    EXPECT_TRUE(plan->unschedulable.empty()) << "case " << out.cases;
    EXPECT_GE(plan->totalPricePerHour, opt - 1e-9) << "beat the oracle? case " << out.cases << " " << describe(c, *plan, opt);
    EXPECT_LE(plan->lowerBoundPerHour, opt + 1e-9) << "lower bound above optimum, case " << out.cases;
    double ratio = plan->totalPricePerHour / opt;
    ++out.cases;
    out.sumRatio += ratio;
    out.worst = std::max(out.worst, ratio);
    if (ratio <= 1.02 + 1e-12) ++out.within2;
  }
  return out;
}

TEST(SolverOracle, WithinTwoPercentOfOptimumOnRandomSmallCases) {
  Outcome o = runCases(Options{}, 400, 20261123);
  std::printf("solver vs oracle: %d cases, %d within 2%%, mean ratio %.4f, worst %.4f\n", o.cases,
              o.within2, o.sumRatio / o.cases, o.worst);
  EXPECT_EQ(o.within2, o.cases);
}

TEST(SolverOracle, GreedyAloneIsCloseOnAverage) {
  // The greedy packer without the exact search, measured against the same oracle: it
  // is what runs on large inputs, so its average gap is tracked here.
  Options greedyOnly;
  greedyOnly.exactSearchMaxPods = 0;
  Outcome o = runCases(greedyOnly, 400, 7);
  std::printf("greedy vs oracle: %d cases, %d within 2%%, mean ratio %.4f, worst %.4f\n", o.cases,
              o.within2, o.sumRatio / o.cases, o.worst);
  EXPECT_LE(o.sumRatio / o.cases, 1.05);
}

}  // namespace
}  // namespace gantry::binpack
