// Pods with identical scheduling constraints and requests form a class; the solver works
// on classes, so 10,000 replicas of one Deployment cost one compatibility computation.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "binpack/catalog_index.h"
#include "binpack/resource_vector.h"
#include "src/api/pod.h"

namespace gantry::binpack {

// Offer masks per pool (index into CatalogIndex::pools()) and type: `strict` honours
// preferences (preferred node affinity), `relaxed` only what is required. A pool the
// class cannot use has an empty TypeMasks or only empty masks.
struct ClassMasks {
  std::vector<TypeMasks> strict;
  std::vector<TypeMasks> relaxed;
};

struct PodClass {
  std::vector<size_t> pods;  // indices into Snapshot::pods, in input order
  const api::Pod* rep = nullptr;
  ResourceVector requests;  // including one "pods" slot
  bool accelerator = false;
  // Owner identity for the GPU co-location rule ("Job/ns/name"), and the gang, if any.
  std::string owner;
  // Its pods belong to a Job (the batch GPU isolation policy lets them onto GPU nodes).
  bool jobOwned = false;
  std::string gang;
  bool hasTopology = false;
  // Host ports its pods bind (the same for every pod of the class, so two of them never
  // share a node); such classes are placed a pod at a time, like topology ones.
  std::vector<api::HostPort> hostPorts;
  // True when class `other`'s pods may not share a node with this class's (NodePorts).
  bool portsConflictWith(const PodClass& other) const;
  // A pod without accelerators that no accelerator-free type can hold: it may be given a
  // GPU type of its own, and may share a GPU node with another owner's GPU pods. Other
  // pods without accelerators keep GPU types in their masks (so they can ride along on a
  // GPU node of their own job) but never cause one to be bought.
  bool needsAcceleratorType = false;
  // Pods that make a node a GPU node: they need accelerators, or only GPU types hold them.
  bool usesAcceleratorType() const { return accelerator || needsAcceleratorType; }  // any spread / pod (anti-)affinity, required or preferred
  // Offer masks per pool and type (ClassMasks), shared by the classes whose placement
  // constraints and requests agree: one class per Katib trial would otherwise hold a copy of
  // the catalog's masks each, most of a large solve's memory.
  std::shared_ptr<const ClassMasks> masks;
  const std::vector<TypeMasks>& strict() const { return masks->strict; }
  const std::vector<TypeMasks>& relaxed() const { return masks->relaxed; }
  const std::vector<TypeMasks>& masksFor(bool strict) const {
    return strict ? masks->strict : masks->relaxed;
  }
  // Why each pool cannot host the class, when it cannot (for the unschedulable reason).
  std::vector<std::string> poolRejections;
};

// True when some port of `a` and some port of `b` may not share a node (HostPort::conflictsWith).
bool hostPortsOverlap(const std::vector<api::HostPort>& a, const std::vector<api::HostPort>& b);

// Groups pending pods into classes and computes their compatibility with every pool and
// type. Pods with nodeName set are skipped. Classes come out in placement order:
// accelerator pods first, then larger before smaller, ties by first pod key.
Result<std::vector<PodClass>> buildClasses(const std::vector<api::Pod>& pods,
                                           const CatalogIndex& index, ResourceDims& dims);

// "needs nvidia.com/gpu=100; the largest allowed instance type has 8" and the like:
// why no instance type of `pool` can hold the class's requests, or "" if some can.
std::string resourceRejection(const PodClass& c, const PoolEntry& pool, const TypeMasks& masks,
                              const ResourceDims& dims);

}  // namespace gantry::binpack
