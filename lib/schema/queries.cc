// A field's `queries`: MongoDB's own QueryTypeConfig, a dict or a list of them.
// Each key is read with the type the server's IDL gives it; unknown keys are
// the server's strict-IDL error. The rules that need the field's BSON type
// (bounds, and which keys each query type allows) run later: bounds.cc and
// checks/.
#include <bson/bson.h>

#include <array>
#include <format>
#include <string>
#include <string_view>

#include "absl/container/flat_hash_set.h"
#include "lib/schema/field_types.h"
#include "lib/schema/json_value.h"
#include "lib/schema/load_context.h"

namespace querysafe::schema {
namespace {

// IDL error codes: a key the struct does not have (strict), a required key
// missing, a value of the wrong BSON type.
constexpr int32_t kIdlUnknownField = 40415;
constexpr int32_t kIdlMissingField = 40414;
constexpr int32_t kTypeMismatch = 14;

constexpr std::array<std::string_view, 12> kQueryKeys = {
    "queryType",         "contention",   "min",           "max",
    "sparsity",          "precision",    "trimFactor",    "strMinQueryLength",
    "strMaxQueryLength", "strMaxLength", "caseSensitive", "diacriticSensitive"};

struct QueryTypeEntry {
  std::string_view name;
  QueryType type;
};
constexpr std::array<QueryTypeEntry, 8> kQueryTypes = {{
    {"equality", QueryType::kEquality},
    {"range", QueryType::kRange},
    {"prefixPreview", QueryType::kPrefixPreview},
    {"suffixPreview", QueryType::kSuffixPreview},
    {"substringPreview", QueryType::kSubstringPreview},
    {"prefix", QueryType::kPrefix},
    {"suffix", QueryType::kSuffix},
    {"substring", QueryType::kSubstring},
}};

// The encrypted classes built on NoQueriesMixin; checks/no_queries_argument.cc
// reports them.
bool TakesNoQueries(const Field& field) {
  return field.encrypted &&
         (field.cls == FieldClass::kArray || field.cls == FieldClass::kEmbeddedModel ||
          field.cls == FieldClass::kEmbeddedModelArray);
}

void WrongType(const bson_iter_t& it, std::string_view key, std::string_view expected,
               const std::string& location, LoadContext& ctx) {
  ctx.sink.Error("schema.wrong_type",
                 std::format("'{}' must be {}, got {}", key, expected, JsonTypeName(it)), location,
                 kTypeMismatch);
}

std::optional<int32_t> ReadInt32(const bson_iter_t& it, std::string_view key,
                                 const std::string& location, LoadContext& ctx) {
  std::optional<int64_t> v = IterInteger(it);
  if (!v || *v < INT32_MIN || *v > INT32_MAX) {
    WrongType(it, key, "a 32-bit integer", location, ctx);
    return std::nullopt;
  }
  return static_cast<int32_t>(*v);
}

std::optional<bool> ReadBool(const bson_iter_t& it, std::string_view key,
                             const std::string& location, LoadContext& ctx) {
  if (!BSON_ITER_HOLDS_BOOL(&it)) {
    WrongType(it, key, "a boolean", location, ctx);
    return std::nullopt;
  }
  return bson_iter_bool(&it);
}

// One QueryTypeConfig. Returns false if it has no usable queryType.
bool ParseEntry(Field& field, const bson_iter_t& value, const std::string& location,
                LoadContext& ctx) {
  QuerySpec spec;
  spec.location = location;
  bool has_type = false;
  bool type_ok = false;
  bson_iter_t it;
  bson_iter_recurse(&value, &it);
  absl::flat_hash_set<std::string_view> seen;
  while (bson_iter_next(&it)) {
    std::string_view key = IterKey(it);
    std::string at = Loc(location, key);
    if (!seen.insert(key).second) {
      ctx.sink.Error("schema.duplicate_key", std::format("Duplicate key '{}'", key), at);
      continue;
    }
    if (key == "queryType") {
      has_type = true;
      std::optional<std::string_view> name = IterName(it);
      if (!name) {
        WrongType(it, key, "a string", at, ctx);
        continue;
      }
      for (const QueryTypeEntry& e : kQueryTypes) {
        if (e.name == *name) {
          spec.type = e.type;
          type_ok = true;
        }
      }
      if (type_ok) continue;
      if (*name == "rangePreview") {
        // libmongocrypt 1.13 (mc-efc.c) refuses the pre-8.0 name outright.
        ctx.sink.Error("schema.range_preview",
                       std::format("Cannot use field '{}' with 'rangePreview' queries. "
                                   "'rangePreview' is "
                                   "unsupported. Use 'range' instead. 'range' is not compatible "
                                   "with "
                                   "'rangePreview' and requires recreating the collection.",
                                   field.column),
                       at);
        continue;
      }
      std::string message = std::format("Unknown queryType '{}'", *name);
      std::array<std::string_view, kQueryTypes.size()> names;
      for (size_t i = 0; i < kQueryTypes.size(); ++i) names[i] = kQueryTypes[i].name;
      std::string_view close = ClosestName(*name, names);
      if (!close.empty()) message += std::format("; did you mean '{}'?", close);
      ctx.sink.Error("schema.unknown_query_type", std::move(message), at);
    } else if (key == "contention" || key == "sparsity") {
      std::optional<int64_t> v = IterInteger(it);
      if (!v) {
        WrongType(it, key, "an integer", at, ctx);
        continue;
      }
      (key == "contention" ? spec.contention : spec.sparsity) = *v;
    } else if (key == "trimFactor") {
      spec.trim_factor = ReadInt32(it, key, at, ctx);
    } else if (key == "precision") {
      spec.precision = ReadInt32(it, key, at, ctx);
    } else if (key == "strMinQueryLength") {
      spec.str_min_query_length = ReadInt32(it, key, at, ctx);
    } else if (key == "strMaxQueryLength") {
      spec.str_max_query_length = ReadInt32(it, key, at, ctx);
    } else if (key == "strMaxLength") {
      spec.str_max_length = ReadInt32(it, key, at, ctx);
    } else if (key == "caseSensitive") {
      spec.case_sensitive = ReadBool(it, key, at, ctx);
    } else if (key == "diacriticSensitive") {
      spec.diacritic_sensitive = ReadBool(it, key, at, ctx);
    } else if (key == "min") {
      spec.has_min = true;  // coerced to the field's type in bounds.cc
    } else if (key == "max") {
      spec.has_max = true;
    } else {
      std::string message = std::format("BSON field 'queries.{}' is an unknown field.", key);
      std::string_view close = ClosestName(key, kQueryKeys);
      if (!close.empty()) message += std::format(" Did you mean '{}'?", close);
      ctx.sink.Error("schema.unknown_query_key", std::move(message), at, kIdlUnknownField);
    }
  }
  if (!has_type) {
    ctx.sink.Error("schema.missing_query_type",
                   "BSON field 'queries.queryType' is missing but a required field", location,
                   kIdlMissingField);
  }
  if (!type_ok) return false;
  PendingQuery pending;
  pending.field = &field;
  pending.index = field.queries.size();
  uint32_t len = 0;
  const uint8_t* data = nullptr;
  bson_iter_document(&value, &len, &data);
  BsonDoc::FromBytes(data, len, &pending.entry);
  field.queries.push_back(std::move(spec));
  ctx.queries.push_back(std::move(pending));
  return true;
}

}  // namespace

void ParseQueries(Field& field, const bson_iter_t& value, const std::string& location,
                  LoadContext& ctx) {
  field.queries_declared = true;
  if (TakesNoQueries(field)) return;
  if (BSON_ITER_HOLDS_NULL(&value)) return;
  if (BSON_ITER_HOLDS_DOCUMENT(&value)) {
    bson_iter_t it;
    bson_iter_recurse(&value, &it);
    // {} is falsy: django-mongodb-backend leaves it out of encryptedFields.
    if (!bson_iter_next(&it)) return;
    ParseEntry(field, value, location, ctx);
    return;
  }
  if (BSON_ITER_HOLDS_ARRAY(&value)) {
    field.queries_is_list = true;
    bson_iter_t it;
    bson_iter_recurse(&value, &it);
    while (bson_iter_next(&it)) {
      std::string at = Loc(location, IterKey(it));
      if (!BSON_ITER_HOLDS_DOCUMENT(&it)) {
        WrongType(it, "queries", "a list of objects", at, ctx);
        continue;
      }
      ParseEntry(field, it, at, ctx);
    }
    return;
  }
  WrongType(value, "queries", "an object or a list of objects", location, ctx);
}

}  // namespace querysafe::schema
