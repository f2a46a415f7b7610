// Why: the text query types (the 8.2 previews and MongoDB 9.0's prefix, suffix
// and substring) index strings only and need their length and sensitivity
// parameters; the server's validateTextSearchIndex
// (src/mongo/crypto/encryption_fields_validation.cpp) refuses anything else with
// these codes and messages, the same rules for both generations.
#include <array>
#include <format>

#include "lib/schema/checks/check.h"

namespace querysafe::schema {
namespace {

struct NotAllowed {
  int32_t code;
  std::string_view key;
  bool (*present)(const QuerySpec&);
};

constexpr std::array<NotAllowed, 5> kNotAllowed = {{
    {10774911, "sparsity", [](const QuerySpec& s) { return s.sparsity.has_value(); }},
    {10774912, "min", [](const QuerySpec& s) { return s.has_min; }},
    {10774913, "max", [](const QuerySpec& s) { return s.has_max; }},
    {10774914, "trimFactor", [](const QuerySpec& s) { return s.trim_factor.has_value(); }},
    {10774915, "precision", [](const QuerySpec& s) { return s.precision.has_value(); }},
}};

}  // namespace

void CheckTextIndex(const Field& field, CheckContext& ctx) {
  if (!field.encrypted) return;
  for (const QuerySpec& spec : field.queries) {
    if (!IsTextQuery(spec.type)) continue;
    const std::string path = ctx.ServerPathOf(field);
    const std::string_view type = QueryTypeName(spec.type);
    if (field.bson_type != BsonType::kString) {
      ctx.Server(9783400,
                 std::format("Type '{}' is not a supported type for text search indexed "
                             "encrypted field {}",
                             BsonTypeName(field.bson_type), path),
                 Loc(spec.location, "queryType"));
    }
    for (const NotAllowed& rule : kNotAllowed) {
      if (!rule.present(spec)) continue;
      ctx.Server(rule.code,
                 std::format("The field '{}' is not allowed for text-based "
                             "index but is present",
                             rule.key),
                 Loc(spec.location, rule.key));
    }
    auto require = [&](bool present, int32_t code, std::string_view key) {
      if (present) return;
      ctx.Server(
          code,
          std::format("{} parameter is required for {} query type of field {}", key, type, path),
          spec.location);
    };
    require(spec.str_min_query_length.has_value(), 9783402, "strMinQueryLength");
    require(spec.str_max_query_length.has_value(), 9783403, "strMaxQueryLength");
    require(spec.case_sensitive.has_value(), 9783404, "caseSensitive");
    require(spec.diacritic_sensitive.has_value(), 9783405, "diacriticSensitive");
    if (spec.str_min_query_length && spec.str_max_query_length &&
        *spec.str_min_query_length > *spec.str_max_query_length) {
      ctx.Server(9783406, "strMinQueryLength cannot be greater than strMaxQueryLength",
                 Loc(spec.location, "strMinQueryLength"));
    }
    if (TextKindOf(spec.type) == TextKind::kSubstring) {
      require(spec.str_max_length.has_value(), 9783407, "strMaxLength");
      if (spec.str_max_length && spec.str_max_query_length &&
          *spec.str_max_query_length > *spec.str_max_length) {
        ctx.Server(9783408, "strMaxQueryLength cannot be greater than strMaxLength",
                   Loc(spec.location, "strMaxQueryLength"));
      }
    }
    // libmongocrypt's text options
    // (mongoc_client_encryption_encrypt_text_*_opts) take lengths greater than
    // zero.
    for (auto [value, key] : {std::pair{spec.str_min_query_length, "strMinQueryLength"},
                              std::pair{spec.str_max_query_length, "strMaxQueryLength"},
                              std::pair{spec.str_max_length, "strMaxLength"}}) {
      if (value && *value <= 0) {
        ctx.sink.Error("schema.text_length",
                       std::format("'{}' must be greater than zero, got {}", key, *value),
                       Loc(spec.location, key));
      }
    }
  }
}

}  // namespace querysafe::schema
