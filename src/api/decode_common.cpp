// Decoders for the building blocks every object uses: quantities, label maps, selectors,
// requirements, taints and tolerations.
#include <nlohmann/json.hpp>

#include "src/api/decode_internal.h"

namespace gantry::api {

using namespace detail;

namespace detail {

std::optional<FieldError> expectObject(const json& v, const std::string& path) {
  if (v.is_object()) return std::nullopt;
  return FieldError{path, "expected an object, got " + std::string(v.type_name())};
}

std::optional<FieldError> expectArray(const json& v, const std::string& path) {
  if (v.is_array()) return std::nullopt;
  return FieldError{path, "expected a list, got " + std::string(v.type_name())};
}

DecodeResult<std::string> stringField(const json& obj, const std::string& path,
                                      std::string_view field, std::string fallback) {
  const json* v = child(obj, field);
  if (!v) return fallback;
  if (!v->is_string()) {
    return fieldError(join(path, field), "expected a string, got " + std::string(v->type_name()));
  }
  return v->get<std::string>();
}

std::string describe(const json& v) {
  constexpr size_t kMax = 80;
  std::string text = v.dump(-1, ' ', false, json::error_handler_t::replace);
  if (text.size() > kMax) text = text.substr(0, kMax) + "...";
  return text;
}

DecodeResult<int64_t> intField(const json& obj, const std::string& path, std::string_view field,
                               int64_t fallback) {
  const json* v = child(obj, field);
  if (!v) return fallback;
  if (v->is_number_unsigned()) {
    // Unsigned values above INT64_MAX would wrap around to negative ones.
    if (v->get<uint64_t>() <= static_cast<uint64_t>(INT64_MAX)) return v->get<int64_t>();
  } else if (v->is_number_integer()) {
    return v->get<int64_t>();
  } else if (v->is_number_float()) {
    // YAML "2.0" arrives as a float. Casting a double outside int64's range is undefined
    // behaviour, so check the range (2^63 is exact in a double) before converting.
    double d = v->get<double>();
    if (d >= -9223372036854775808.0 && d < 9223372036854775808.0 &&
        d == static_cast<double>(static_cast<int64_t>(d))) {
      return static_cast<int64_t>(d);
    }
  }
  return fieldError(join(path, field), "expected an integer, got " + describe(*v));
}

DecodeResult<int32_t> int32Field(const json& obj, const std::string& path, std::string_view field,
                                 int32_t fallback, int32_t min, int32_t max) {
  auto v = intField(obj, path, field, fallback);
  if (!v) return std::unexpected(v.error());
  if (*v < min || *v > max) {
    return fieldError(join(path, field), "must be between " + std::to_string(min) + " and " +
                                             std::to_string(max) + ", got " + std::to_string(*v));
  }
  return static_cast<int32_t>(*v);
}

DecodeResult<bool> boolField(const json& obj, const std::string& path, std::string_view field,
                             bool fallback) {
  const json* v = child(obj, field);
  if (!v) return fallback;
  if (!v->is_boolean()) {
    return fieldError(join(path, field), "expected true or false, got " + describe(*v));
  }
  return v->get<bool>();
}

DecodeResult<std::vector<std::string>> stringList(const json& obj, const std::string& path,
                                                  std::string_view field) {
  std::vector<std::string> out;
  const json* v = child(obj, field);
  if (!v) return out;
  const std::string here = join(path, field);
  if (auto e = expectArray(*v, here)) return std::unexpected(*e);
  for (size_t i = 0; i < v->size(); ++i) {
    const json& item = (*v)[i];
    if (!item.is_string()) return fieldError(index(here, i), "expected a string, got " + describe(item));
    out.push_back(item.get<std::string>());
  }
  return out;
}

DecodeResult<std::string> objectName(const json& object) {
  const json* meta = child(object, "metadata");
  if (!meta) return fieldError("metadata", "required");
  if (auto e = expectObject(*meta, "metadata")) return std::unexpected(*e);
  auto name = stringField(*meta, "metadata", "name");
  if (!name) return std::unexpected(name.error());
  if (name->empty()) return fieldError("metadata.name", "required");
  return *name;
}

DecodeResult<LabelSelector> decodeLabelSelector(const json& value, const std::string& path) {
  if (auto e = expectObject(value, path)) return std::unexpected(*e);
  LabelSelector sel;
  if (const json* ml = child(value, "matchLabels")) {
    auto labels = decodeStringMap(*ml, join(path, "matchLabels"));
    if (!labels) return std::unexpected(labels.error());
    sel.matchLabels = std::move(*labels);
  }
  if (const json* me = child(value, "matchExpressions")) {
    const std::string here = join(path, "matchExpressions");
    if (auto e = expectArray(*me, here)) return std::unexpected(*e);
    for (size_t i = 0; i < me->size(); ++i) {
      auto req = decodeRequirement((*me)[i], index(here, i));
      if (!req) return std::unexpected(req.error());
      if (req->op == SelectorOp::kGt || req->op == SelectorOp::kLt) {
        return fieldError(index(here, i) + ".operator",
                          "label selectors accept In, NotIn, Exists, DoesNotExist only");
      }
      sel.matchExpressions.push_back(std::move(*req));
    }
  }
  return sel;
}

DecodeResult<NodeSelectorTerm> decodeNodeSelectorTerm(const json& value, const std::string& path) {
  if (auto e = expectObject(value, path)) return std::unexpected(*e);
  NodeSelectorTerm term;
  // matchFields only ever selects metadata.name; a new node's name is unknown, so a term
  // using it cannot be planned for. We keep it as a requirement on a key no node carries.
  for (std::string_view field : {"matchExpressions", "matchFields"}) {
    const json* list = child(value, field);
    if (!list) continue;
    const std::string here = join(path, field);
    if (auto e = expectArray(*list, here)) return std::unexpected(*e);
    for (size_t i = 0; i < list->size(); ++i) {
      auto req = decodeRequirement((*list)[i], index(here, i));
      if (!req) return std::unexpected(req.error());
      if (field == "matchFields") req->key = "metadata.name(field)";
      term.requirements.push_back(std::move(*req));
    }
  }
  return term;
}

DecodeResult<std::vector<Toleration>> decodeTolerations(const json& value, const std::string& path) {
  if (auto e = expectArray(value, path)) return std::unexpected(*e);
  std::vector<Toleration> out;
  for (size_t i = 0; i < value.size(); ++i) {
    const std::string here = index(path, i);
    const json& item = value[i];
    if (auto e = expectObject(item, here)) return std::unexpected(*e);
    Toleration t;
    auto key = stringField(item, here, "key");
    auto op = stringField(item, here, "operator", "Equal");
    auto val = stringField(item, here, "value");
    auto effect = stringField(item, here, "effect");
    if (!key) return std::unexpected(key.error());
    if (!op) return std::unexpected(op.error());
    if (!val) return std::unexpected(val.error());
    if (!effect) return std::unexpected(effect.error());
    t.key = *key;
    t.value = *val;
    if (*op == "Exists") {
      t.op = Toleration::Op::kExists;
    } else if (*op == "Equal") {
      t.op = Toleration::Op::kEqual;
    } else {
      return fieldError(here + ".operator", "unknown operator \"" + *op + "\" (want Equal or Exists)");
    }
    if (!effect->empty()) {
      auto e = parseTaintEffect(*effect);
      if (!e) return fieldError(here + ".effect", e.error().message());
      t.effect = *e;
    }
    // The apiserver's rules: an empty key needs Exists, and Exists takes no value.
    if (t.key.empty() && t.op != Toleration::Op::kExists) {
      return fieldError(here + ".operator", "must be Exists when the key is empty");
    }
    if (t.op == Toleration::Op::kExists && !t.value.empty()) {
      return fieldError(here + ".value", "must be empty when the operator is Exists");
    }
    if (child(item, "tolerationSeconds")) {
      auto secs = intField(item, here, "tolerationSeconds", 0);
      if (!secs) return std::unexpected(secs.error());
      t.tolerationSeconds = *secs;
    }
    out.push_back(std::move(t));
  }
  return out;
}

}  // namespace detail

DecodeResult<ResourceList> decodeResourceList(const json& value, const std::string& path) {
  if (auto e = expectObject(value, path)) return std::unexpected(*e);
  ResourceList out;
  for (const auto& [name, q] : value.items()) {
    const std::string here = join(path, name);
    std::string text;
    if (q.is_string()) {
      text = q.get<std::string>();
    } else if (q.is_number()) {
      // YAML `cpu: 2` or `cpu: 0.5` arrives as a number; its JSON text is a valid quantity
      // (dump() also keeps unsigned values above INT64_MAX exact).
      text = q.dump();
    } else {
      return fieldError(here, "expected a quantity, got " + describe(q));
    }
    auto parsed = Quantity::parse(text);
    if (!parsed) return fieldError(here, parsed.error().message());
    if (parsed->sign() < 0) return fieldError(here, "quantity \"" + text + "\" must not be negative");
    out.set(name, *parsed);
  }
  return out;
}

DecodeResult<Labels> decodeStringMap(const json& value, const std::string& path) {
  if (auto e = expectObject(value, path)) return std::unexpected(*e);
  Labels out;
  for (const auto& [k, v] : value.items()) {
    if (v.is_string()) {
      out.emplace(k, v.get<std::string>());
    } else if (v.is_null()) {
      out.emplace(k, "");  // `key:` with no value; Go's decoder leaves the string empty
    } else if (v.is_boolean() || v.is_number()) {
      // YAML `gpu: true` is a common slip; Kubernetes rejects it, and so do we.
      return fieldError(join(path, k), "expected a string, got " + describe(v) + " (quote it)");
    } else {
      return fieldError(join(path, k), "expected a string, got " + std::string(v.type_name()));
    }
  }
  return out;
}

DecodeResult<Requirement> decodeRequirement(const json& value, const std::string& path) {
  if (auto e = expectObject(value, path)) return std::unexpected(*e);
  auto key = stringField(value, path, "key");
  if (!key) return std::unexpected(key.error());
  auto opText = stringField(value, path, "operator");
  if (!opText) return std::unexpected(opText.error());
  auto op = parseSelectorOp(*opText);
  if (!op) return fieldError(join(path, "operator"), op.error().message());
  auto values = stringList(value, path, "values");
  if (!values) return std::unexpected(values.error());
  auto req = Requirement::make(*key, *op, std::move(*values));
  if (!req) return fieldError(path, req.error().message());
  return *req;
}

DecodeResult<std::vector<Taint>> decodeTaints(const json& value, const std::string& path) {
  if (auto e = expectArray(value, path)) return std::unexpected(*e);
  std::vector<Taint> out;
  for (size_t i = 0; i < value.size(); ++i) {
    const std::string here = index(path, i);
    if (auto e = expectObject(value[i], here)) return std::unexpected(*e);
    auto key = stringField(value[i], here, "key");
    auto val = stringField(value[i], here, "value");
    auto effect = stringField(value[i], here, "effect");
    if (!key) return std::unexpected(key.error());
    if (!val) return std::unexpected(val.error());
    if (!effect) return std::unexpected(effect.error());
    if (key->empty()) return fieldError(here + ".key", "taint key must not be empty");
    auto e = parseTaintEffect(*effect);
    if (!e) return fieldError(here + ".effect", e.error().message());
    out.push_back(Taint{*key, *val, *e});
  }
  return out;
}

}  // namespace gantry::api
