// Gauge families and their help texts, and the publish-and-prune step.
#include "provisioner/gauges/cluster_gauges.h"

namespace gantry::provisioner::gauges {

namespace {

prometheus::Family<prometheus::Gauge>& gauge(prometheus::Registry& registry, const char* name,
                                             const char* help) {
  return prometheus::BuildGauge().Name(name).Help(help).Register(registry);
}

}  // namespace

void PublishedSeries::publish(const Series& series) {
  for (auto it = published_.begin(); it != published_.end();) {
    if (series.contains(it->first)) {
      ++it;
    } else {
      family_.Remove(it->second);
      it = published_.erase(it);
    }
  }
  for (const auto& [labels, value] : series) {
    auto [it, added] = published_.try_emplace(labels, nullptr);
    if (added) it->second = &family_.Add(labels);
    it->second->Set(value);
  }
}

ClusterGauges::ClusterGauges(prometheus::Registry& registry)
    : podsPending_(gauge(registry, "gantry_pods_pending",
                         "Pending pods by reason: unschedulable (Gantry's to place, nothing "
                         "planned yet), nominated (capacity planned or on its way), gated "
                         "(scheduling gates).")),
      nodes_(gauge(registry, "gantry_nodes",
                   "Nodes of Gantry's NodePools by NodePool, instance type, capacity type and "
                   "zone.")),
      nodePoolUsage_(gauge(registry, "gantry_nodepool_usage",
                           "Resources a NodePool's NodeClaims provide (cores, bytes, counts; "
                           "resource \"nodes\" counts the claims).")),
      nodePoolLimit_(gauge(registry, "gantry_nodepool_limit",
                           "A NodePool's spec.limits by resource (cores, bytes, counts).")),
      gpusAllocatable_(gauge(registry, "gantry_gpus_allocatable",
                             "GPUs the Nodes of a NodePool offer (paid for).")),
      gpusRequested_(gauge(registry, "gantry_gpus_requested",
                           "GPUs the pods bound to a NodePool's Nodes request (in use).")),
      clusterPrice_(gauge(registry, "gantry_cluster_price_dollars_per_hour",
                          "Hourly catalog price of the launched NodeClaims, by NodePool and "
                          "capacity type.")),
      nodeClaimsDrifted_(gauge(registry, "gantry_nodeclaims_drifted",
                               "NodeClaims marked Drifted (NodePool template or requirements "
                               "changed, or the EC2NodeClass resolves differently), waiting to "
                               "be replaced, by NodePool.")),
      unavailableOfferings_(gauge(registry, "gantry_unavailable_offerings",
                                  "Offerings (type, zone, capacity type) marked unavailable "
                                  "after capacity errors.")) {}

void ClusterGauges::publish(const GaugeValues& values) {
  std::lock_guard lock(mu_);
  podsPending_.publish(values.podsPending);
  nodes_.publish(values.nodes);
  nodePoolUsage_.publish(values.nodePoolUsage);
  nodePoolLimit_.publish(values.nodePoolLimit);
  gpusAllocatable_.publish(values.gpusAllocatable);
  gpusRequested_.publish(values.gpusRequested);
  clusterPrice_.publish(values.clusterPrice);
  nodeClaimsDrifted_.publish(values.nodeClaimsDrifted);
  unavailableOfferings_.publish({{LabelSet{}, values.unavailableOfferings}});
}

void ClusterGauges::clear() {
  std::lock_guard lock(mu_);
  for (PublishedSeries* s : {&podsPending_, &nodes_, &nodePoolUsage_, &nodePoolLimit_,
                             &gpusAllocatable_, &gpusRequested_, &clusterPrice_,
                             &nodeClaimsDrifted_, &unavailableOfferings_}) {
    s->publish({});
  }
}

}  // namespace gantry::provisioner::gauges
