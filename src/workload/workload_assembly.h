// From a ManifestCollection (manifest_loader.h) to a Workload: which collected objects are
// expanded, and the error list made readable.
#pragma once

#include <vector>

#include "src/workload/manifest_loader.h"
#include "src/workload/workload.h"

namespace gantry::workload {

// Expands each collected object in order (expander.h), with the collection's errors
// between them in the order of the input, except:
//  - an object with parse problems (duplicate keys, invalid UTF-8): one error per problem;
//  - an object without a kind: an error;
//  - a kind known to create no pods (known_kinds.h): skipped;
//  - any other kind Gantry does not plan: an error, or skipped with ignoreUnknownKinds;
//  - an object owned (metadata.ownerReferences, by uid, else by kind and name in its
//    namespace) by a pod-creating object of the collection: skipped, because expanding the
//    owner already counts its pods (a Deployment's ReplicaSet, that ReplicaSet's pods).
//  - once out.pods holds options.expand.maxPodsTotal pods, every further pod-creating object:
//    one error each, worded alike per file (object left empty) so that they collapse.
void expandManifests(const ManifestCollection& collection, Workload& out, const LoadOptions& options);

// Merges errors equal in source, object, field and message into the first of them, adding
// up their counts, and keeps the first-seen order. A file that repeats one broken object
// 100,000 times then reads as one error with a count.
void collapseRepeatedErrors(std::vector<ManifestError>& errors);

}  // namespace gantry::workload
