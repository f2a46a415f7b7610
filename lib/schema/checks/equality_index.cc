// Why: the server's validateEncryptedField (encryption_fields_validation.cpp)
// refuses an equality index on a type it cannot tokenize deterministically, and
// any option of the other index kinds; `create` fails with these codes and
// messages, so querysafe reports them first.
#include <array>
#include <format>

#include "lib/schema/checks/check.h"

namespace querysafe::schema {
namespace {

// isFLE2EqualityIndexedSupportedType (encryption_fields_util.h): not double,
// decimal, object, array, null, undefined, minKey, maxKey, javascriptWithScope.
bool EqualityIndexable(BsonType t) {
  switch (t) {
    case BsonType::kBinData:
    case BsonType::kJavascript:
    case BsonType::kRegex:
    case BsonType::kString:
    case BsonType::kInt:
    case BsonType::kLong:
    case BsonType::kBool:
    case BsonType::kTimestamp:
    case BsonType::kDate:
    case BsonType::kObjectId:
    case BsonType::kSymbol:
    case BsonType::kDbPointer:
      return true;
    default:
      return false;
  }
}

struct NotAllowed {
  int32_t code;
  std::string_view key;
  bool (*present)(const QuerySpec&);
};

constexpr std::array<NotAllowed, 10> kNotAllowed = {{
    {6775205, "sparsity", [](const QuerySpec& s) { return s.sparsity.has_value(); }},
    {6775206, "min", [](const QuerySpec& s) { return s.has_min; }},
    {6775207, "max", [](const QuerySpec& s) { return s.has_max; }},
    {8574104, "trimFactor", [](const QuerySpec& s) { return s.trim_factor.has_value(); }},
    {10774900, "precision", [](const QuerySpec& s) { return s.precision.has_value(); }},
    {10774901, "strMaxLength", [](const QuerySpec& s) { return s.str_max_length.has_value(); }},
    {10774902, "strMinQueryLength",
     [](const QuerySpec& s) { return s.str_min_query_length.has_value(); }},
    {10774903, "strMaxQueryLength",
     [](const QuerySpec& s) { return s.str_max_query_length.has_value(); }},
    {10774904, "caseSensitive", [](const QuerySpec& s) { return s.case_sensitive.has_value(); }},
    {10774905, "diacriticSensitive",
     [](const QuerySpec& s) { return s.diacritic_sensitive.has_value(); }},
}};

}  // namespace

void CheckEqualityIndex(const Field& field, CheckContext& ctx) {
  if (!field.encrypted) return;
  for (const QuerySpec& spec : field.queries) {
    if (spec.type != QueryType::kEquality) continue;
    if (!EqualityIndexable(field.bson_type)) {
      ctx.Server(6338405,
                 std::format("Type '{}' is not a supported equality indexed type",
                             BsonTypeName(field.bson_type)),
                 Loc(spec.location, "queryType"));
    }
    for (const NotAllowed& rule : kNotAllowed) {
      if (!rule.present(spec)) continue;
      ctx.Server(
          rule.code,
          std::format("The field '{}' is not allowed for equality index but is present", rule.key),
          Loc(spec.location, rule.key));
    }
  }
}

}  // namespace querysafe::schema
