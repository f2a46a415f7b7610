// Why: the rules on `queries` as a whole, before each entry's own index rules:
// which query types the server version knows, how many entries a field may have
// and which may be combined (the server's validateEncryptedField), and the
// contention factor's lower bound (the IDL validator of
// QueryTypeConfig.contention, `gte: 0`). A contention that differs between the
// entries of one field would make their tokens disagree.
#include <format>

#include "lib/schema/checks/check.h"

namespace querysafe::schema {
namespace {

void CheckVersion(const QuerySpec& spec, CheckContext& ctx) {
  const SchemaLoadOptions& o = ctx.options;
  if (spec.type == QueryType::kRange && !o.AtLeast(8, 0)) {
    ctx.sink.Error("schema.server_version",
                   std::format("queryType 'range' needs MongoDB 8.0 or later (server version "
                               "{}; earlier versions only had 'rangePreview')",
                               o.server_version.ToString()),
                   Loc(spec.location, "queryType"));
  }
  if (IsTextPreview(spec.type) && !o.AtLeast(8, 2)) {
    ctx.sink.Error("schema.server_version",
                   std::format("queryType '{}' needs MongoDB 8.2 or later (server version {})",
                               QueryTypeName(spec.type), o.server_version.ToString()),
                   Loc(spec.location, "queryType"));
  }
  // The text types became generally available in 9.0 under new names; 8.2 knew only the
  // previews.
  if (IsTextQuery(spec.type) && !IsTextPreview(spec.type) && !o.AtLeast(9, 0)) {
    ctx.sink.Error("schema.server_version",
                   std::format("queryType '{}' needs MongoDB 9.0 or later (server version {}; "
                               "8.2 has '{}Preview')",
                               QueryTypeName(spec.type), o.server_version.ToString(),
                               QueryTypeName(spec.type)),
                   Loc(spec.location, "queryType"));
  }
}

}  // namespace

void CheckQueryList(const Field& field, CheckContext& ctx) {
  if (!field.encrypted) return;
  for (const QuerySpec& spec : field.queries) {
    CheckVersion(spec, ctx);
    if (spec.contention && *spec.contention < 0) {
      ctx.Server(51024,
                 std::format("BSON field 'contention' value must be >= 0, actual value '{}'",
                             *spec.contention),
                 Loc(spec.location, "contention"));
    }
  }
  if (field.queries.size() <= 1) return;
  const std::string location = Loc(field.location, "queries");
  if (!ctx.options.AtLeast(8, 2)) {
    ctx.Server(6338404, "Exactly one query type should be specified per field", location);
    return;
  }
  if (field.queries.size() > 2) {
    ctx.Server(9783413, "The number of query types for an encrypted field cannot exceed two",
               location);
    return;
  }
  const QuerySpec& first = field.queries[0];
  const QuerySpec& second = field.queries[1];
  // Prefix with suffix of one generation: the server's 8.2 message names the previews; 9.0 names
  // the pair the field uses. A field mixing the generations would be served by neither (9.0
  // refuses new preview schemas; 8.2 has no 'prefix').
  auto is = [&](QueryType a, QueryType b) {
    return (first.type == a && second.type == b) || (first.type == b && second.type == a);
  };
  const bool preview_pair = is(QueryType::kPrefixPreview, QueryType::kSuffixPreview);
  const bool ga_pair = is(QueryType::kPrefix, QueryType::kSuffix);
  if (!preview_pair && !ga_pair) {
    auto is_ga = [](QueryType t) { return IsTextQuery(t) && !IsTextPreview(t); };
    const bool ga = is_ga(first.type) || is_ga(second.type);
    ctx.Server(9783414,
               std::format("Multiple query types may only include the {} and {} query types",
                           ga ? "suffix" : "suffixPreview", ga ? "prefix" : "prefixPreview"),
               location);
    return;
  }
  const std::string path = ctx.ServerPathOf(field);
  if (first.case_sensitive && second.case_sensitive &&
      *first.case_sensitive != *second.case_sensitive) {
    ctx.Server(9783409,
               std::format("caseSensitive parameter must be the same for all query types of "
                           "field {}",
                           path),
               Loc(second.location, "caseSensitive"));
  }
  if (first.diacritic_sensitive && second.diacritic_sensitive &&
      *first.diacritic_sensitive != *second.diacritic_sensitive) {
    ctx.Server(9783410,
               std::format("diacriticSensitive parameter must be the same for all query types "
                           "of field {}",
                           path),
               Loc(second.location, "diacriticSensitive"));
  }
  if (first.effective_contention != second.effective_contention) {
    ctx.Server(9783411,
               std::format("contention parameter must be the same for all "
                           "query types of field {}",
                           path),
               Loc(second.location, "contention"));
  }
}

}  // namespace querysafe::schema
