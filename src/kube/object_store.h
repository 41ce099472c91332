// The informer cache: decoded objects by key ("ns/name", or "name" when cluster-scoped),
// each with the resourceVersion it was stored at, plus secondary indexes (pods by node,
// pods by phase). Objects are immutable once stored and shared by pointer, so a reader
// keeps a consistent object after the lock is gone, and an update replaces the pointer.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

namespace gantry::kube {

template <typename T>
using ObjectPtr = std::shared_ptr<const T>;

// The values an object is filed under in one index ("node-a"; "Pending").
template <typename T>
using IndexFunction = std::function<std::vector<std::string>(const T&)>;

// Thread-safe: every method takes the store's lock; none calls back into user code except
// the index functions, which must be pure.
template <typename T>
class ObjectStore {
 public:
  struct Entry {
    ObjectPtr<T> object;
    std::string resourceVersion;
  };

  // REQUIRES: called before the first put (indexes are not back-filled).
  void addIndex(std::string name, IndexFunction<T> function) {
    std::lock_guard lock(mu_);
    indexFunctions_.emplace(std::move(name), std::move(function));
  }

  // Stores `object` under `key`; returns the entry it replaced (object null if none).
  Entry put(const std::string& key, ObjectPtr<T> object, std::string resourceVersion) {
    std::lock_guard lock(mu_);
    Entry previous;
    auto it = entries_.find(key);
    if (it != entries_.end()) {
      previous = std::move(it->second);
      unindex(*it, *previous.object);
      it->second = Entry{object, std::move(resourceVersion)};
    } else {
      it = entries_.emplace(key, Entry{object, std::move(resourceVersion)}).first;
    }
    index(*it, *object);
    return previous;
  }

  // Removes `key`; returns what was stored (object null if nothing was).
  Entry erase(const std::string& key) {
    std::lock_guard lock(mu_);
    auto it = entries_.find(key);
    if (it == entries_.end()) return {};
    Entry previous = std::move(it->second);
    unindex(*it, *previous.object);
    entries_.erase(it);
    return previous;
  }

  ObjectPtr<T> get(const std::string& key) const {
    std::lock_guard lock(mu_);
    auto it = entries_.find(key);
    return it == entries_.end() ? nullptr : it->second.object;
  }

  // The stored resourceVersion of `key`, or "" when absent.
  std::string resourceVersionOf(const std::string& key) const {
    std::lock_guard lock(mu_);
    auto it = entries_.find(key);
    return it == entries_.end() ? std::string() : it->second.resourceVersion;
  }

  std::vector<ObjectPtr<T>> list() const {
    std::lock_guard lock(mu_);
    std::vector<ObjectPtr<T>> out;
    out.reserve(entries_.size());
    for (const auto& [key, entry] : entries_) out.push_back(entry.object);
    return out;
  }

  std::vector<std::string> keys() const {
    std::lock_guard lock(mu_);
    std::vector<std::string> out;
    out.reserve(entries_.size());
    for (const auto& [key, entry] : entries_) out.push_back(key);
    return out;
  }

  // Objects filed under `value` in index `name`; empty for an unknown index or value.
  std::vector<ObjectPtr<T>> byIndex(const std::string& name, const std::string& value) const {
    std::lock_guard lock(mu_);
    std::vector<ObjectPtr<T>> out;
    auto idx = indexes_.find(name);
    if (idx == indexes_.end()) return out;
    auto bucket = idx->second.find(value);
    if (bucket == idx->second.end()) return out;
    out.reserve(bucket->second.size());
    for (const Slot* slot : bucket->second) out.push_back(slot->second.object);
    return out;
  }

  // Whether some object filed under `value` in index `name` passes `test`, which runs under
  // the store's lock and must not call back into it. Copies nothing, stops at the first.
  template <typename Test>
  bool anyInIndex(const std::string& name, const std::string& value, const Test& test) const {
    std::lock_guard lock(mu_);
    auto idx = indexes_.find(name);
    if (idx == indexes_.end()) return false;
    auto bucket = idx->second.find(value);
    if (bucket == idx->second.end()) return false;
    for (const Slot* slot : bucket->second) {
      if (test(*slot->second.object)) return true;
    }
    return false;
  }

  size_t size() const {
    std::lock_guard lock(mu_);
    return entries_.size();
  }

 private:
  // One (key, entry) pair of entries_.
  using Slot = std::pair<const std::string, Entry>;

  // Index buckets hold pointers to the slots of entries_ (stable: unordered_map nodes do not
  // move, and put() replaces an entry in place), not copies of the keys: with 50,000 pods in
  // three indexes the copies cost ~20 MiB. Pointing at the slot rather than at its key lets
  // byIndex() read the object without hashing the key again: a node's pods are read on every
  // disruption pass, for every node.
  void index(const Slot& slot, const T& object) {
    for (const auto& [name, function] : indexFunctions_) {
      for (auto& value : function(object)) indexes_[name][std::move(value)].insert(&slot);
    }
  }
  void unindex(const Slot& slot, const T& object) {
    for (const auto& [name, function] : indexFunctions_) {
      auto& index = indexes_[name];
      for (const auto& value : function(object)) {
        auto bucket = index.find(value);
        if (bucket == index.end()) continue;
        bucket->second.erase(&slot);
        if (bucket->second.empty()) index.erase(bucket);
      }
    }
  }

  mutable std::mutex mu_;
  std::unordered_map<std::string, Entry> entries_;  // guarded by mu_
  std::map<std::string, IndexFunction<T>> indexFunctions_;  // guarded by mu_
  // index name → value → slots of entries_; guarded by mu_
  std::map<std::string, std::unordered_map<std::string, std::unordered_set<const Slot*>>>
      indexes_;
};

}  // namespace gantry::kube
