// ResourceList arithmetic. Names absent from a list are zero, so sums and differences
// keep every name that appears on either side.
#include "src/api/resources.h"

#include <string>

namespace gantry::api {

namespace resource {

bool isExtended(std::string_view name) {
  auto slash = name.find('/');
  if (slash == std::string_view::npos) return false;  // cpu, memory, pods, hugepages-*...
  std::string_view domain = name.substr(0, slash);
  return domain != "kubernetes.io" && !domain.ends_with(".kubernetes.io") &&
         !name.starts_with("requests.");
}

bool isAccelerator(std::string_view name) {
  return name == kNvidiaGpu || name == kAmdGpu || name == kNeuron || name == kNeuronCore;
}

}  // namespace resource

Quantity ResourceList::get(std::string_view name) const {
  auto it = entries_.find(name);
  return it == entries_.end() ? Quantity() : it->second;
}

void ResourceList::set(std::string_view name, Quantity q) {
  auto it = entries_.find(name);
  if (it == entries_.end()) {
    entries_.emplace(std::string(name), q);
  } else {
    it->second = q;
  }
}

ResourceList& ResourceList::operator+=(const ResourceList& other) {
  for (const auto& [name, q] : other.entries_) {
    auto it = entries_.find(name);
    if (it == entries_.end()) {
      entries_.emplace(name, q);
    } else {
      it->second += q;
    }
  }
  return *this;
}

ResourceList& ResourceList::operator-=(const ResourceList& other) {
  for (const auto& [name, q] : other.entries_) {
    auto it = entries_.find(name);
    if (it == entries_.end()) {
      entries_.emplace(name, -q);
    } else {
      it->second -= q;
    }
  }
  return *this;
}

ResourceList ResourceList::max(const ResourceList& a, const ResourceList& b) {
  // A name on one side only is compared with zero, so max({}, {cpu: -1}) is cpu=0.
  ResourceList out = a;
  for (auto& [name, q] : out.entries_) {
    if (!b.has(name) && q.sign() < 0) q = Quantity();
  }
  for (const auto& [name, q] : b.entries_) {
    auto it = out.entries_.find(name);
    if (it == out.entries_.end()) {
      out.entries_.emplace(name, q.sign() < 0 ? Quantity() : q);
    } else if (it->second < q) {
      it->second = q;
    }
  }
  return out;
}

bool ResourceList::fitsIn(const ResourceList& capacity) const {
  for (const auto& [name, q] : entries_) {
    if (q.sign() > 0 && capacity.get(name) < q) return false;
  }
  return true;
}

std::vector<std::string> ResourceList::exceeding(const ResourceList& capacity) const {
  std::vector<std::string> out;
  for (const auto& [name, q] : entries_) {
    if (q.sign() > 0 && capacity.get(name) < q) out.push_back(name);
  }
  return out;
}

std::string ResourceList::toString() const {
  std::string out;
  for (const auto& [name, q] : entries_) {
    if (!out.empty()) out += ", ";
    out += name;
    out += '=';
    out += q.toString();
  }
  return out;
}

bool operator==(const ResourceList& a, const ResourceList& b) {
  // Equal when every name has the same value on both sides, treating absent as zero.
  for (const auto& [name, q] : a.entries_) {
    if (b.get(name) != q) return false;
  }
  for (const auto& [name, q] : b.entries_) {
    if (a.get(name) != q) return false;
  }
  return true;
}

}  // namespace gantry::api
