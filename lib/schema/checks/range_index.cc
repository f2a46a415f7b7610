// Why: a range index only works on numbers and dates, with bounds of exactly
// the field's type, a sparsity and trimFactor the encoding can use, and, for
// double and decimal, a precision domain small enough for range v2. The
// server's validateRangeIndex (encryption_fields_ validation.cpp) refuses
// anything else at `create`; these are its rules, in its order, with its codes
// and messages. Bound types (7018200/7018201) are checked where the bounds are
// coerced (bounds.cc). Two rules are stricter than the server, because
// libmongocrypt refuses to encrypt with them: precision on a non-floating field
// is refused even without a trimFactor (the server only notices when it sizes
// the domain for one), and a double domain must fit 53 bits.
#include <array>
#include <format>
#include <optional>
#include <string_view>
#include <tuple>

#include "lib/schema/checks/check.h"
#include "lib/schema/decimal128.h"
#include "lib/schema/range_domain.h"

namespace querysafe::schema {
namespace {

bool RangeIndexable(BsonType t) {
  return t == BsonType::kInt || t == BsonType::kLong || t == BsonType::kDate ||
         t == BsonType::kDouble || t == BsonType::kDecimal;
}

// Both of the field's type (bounds.cc coerced them).
int CompareBounds(const bson_value_t& a, const bson_value_t& b) {
  switch (a.value_type) {
    case BSON_TYPE_INT32:
      return a.value.v_int32 < b.value.v_int32 ? -1 : a.value.v_int32 > b.value.v_int32;
    case BSON_TYPE_INT64:
      return a.value.v_int64 < b.value.v_int64 ? -1 : a.value.v_int64 > b.value.v_int64;
    case BSON_TYPE_DATE_TIME:
      return a.value.v_datetime < b.value.v_datetime ? -1 : a.value.v_datetime > b.value.v_datetime;
    case BSON_TYPE_DOUBLE:
      // NaN compares as neither: not less than max, so "Min must be less than
      // max."
      return a.value.v_double < b.value.v_double ? -1 : 1;
    case BSON_TYPE_DECIMAL128: {
      Decimal da = DecodeDecimal(a.value.v_decimal128);
      Decimal db = DecodeDecimal(b.value.v_decimal128);
      if (da.nan || db.nan) return 1;
      return CompareDecimal(da, db);
    }
    default:
      return 0;
  }
}

struct NotAllowed {
  int32_t code;
  std::string_view key;
  bool (*present)(const QuerySpec&);
};

constexpr std::array<NotAllowed, 5> kTextKeys = {{
    {10774906, "strMaxLength", [](const QuerySpec& s) { return s.str_max_length.has_value(); }},
    {10774907, "strMinQueryLength",
     [](const QuerySpec& s) { return s.str_min_query_length.has_value(); }},
    {10774908, "strMaxQueryLength",
     [](const QuerySpec& s) { return s.str_max_query_length.has_value(); }},
    {10774909, "caseSensitive", [](const QuerySpec& s) { return s.case_sensitive.has_value(); }},
    {10774910, "diacriticSensitive",
     [](const QuerySpec& s) { return s.diacritic_sensitive.has_value(); }},
}};

// Returns false when the sparsity is unusable (the tag-limit rule then has
// nothing to size).
bool CheckSparsity(const QuerySpec& spec, CheckContext& ctx) {
  const bool v8 = ctx.options.AtLeast(8, 0);
  if (!spec.sparsity) {
    if (v8) return true;
    ctx.Server(6775202, "The field 'sparsity' is missing but required for range index",
               spec.location);
    return false;
  }
  const int64_t limit = v8 ? 8 : 4;
  if (*spec.sparsity >= 1 && *spec.sparsity <= limit) return true;
  ctx.Server(6775214, std::format("The field 'sparsity' must be between 1 and {}", limit),
             Loc(spec.location, "sparsity"));
  return false;
}

// 6967100 and the precision digit and domain rules. Returns false if the domain
// is unusable.
bool CheckFloating(const Field& field, const QuerySpec& spec, bool bounds_ok, CheckContext& ctx) {
  const bool is_double = field.bson_type == BsonType::kDouble;
  if (!(spec.has_min == spec.has_max && spec.has_min == spec.precision.has_value())) {
    ctx.Server(6967100,
               "Precision, min, and max must all be specified together for "
               "floating point "
               "fields",
               spec.location);
    return false;
  }
  if (!spec.precision) return true;
  if (*spec.precision < 0) {
    // libmongocrypt mc_getTypeInfoDouble / mc_getTypeInfoDecimal128.
    ctx.sink.Error("schema.precision_negative",
                   std::format("Precision must be non-negative, but got {}", *spec.precision),
                   Loc(spec.location, "precision"));
    return false;
  }
  if (!bounds_ok) return false;
  const std::string path = ctx.ServerPathOf(field);
  bool digits_ok = true;
  for (const auto& [value, which, code] :
       {std::tuple{spec.min(), "minimum", is_double ? 6966805 : 6966807},
        std::tuple{spec.max(), "maximum", is_double ? 6966806 : 6966808}}) {
    const bool fits =
        is_double ? DoubleFitsPrecision(value.value.v_double, *spec.precision)
                  : ScaledIsIntegral(DecodeDecimal(value.value.v_decimal128), *spec.precision);
    if (fits) continue;
    digits_ok = false;
    ctx.Server(code,
               std::format("The number of decimal digits for {} value of field "
                           "'{}' must be less "
                           "than or equal to precision",
                           which, path),
               Loc(spec.location, which == std::string_view("minimum") ? "min" : "max"));
  }
  if (!digits_ok) return false;
  RangeDomain domain =
      ComputeRangeDomain(field.bson_type, spec.min(), spec.max(), spec.precision, path);
  if (domain.server_code == 0) return true;
  ctx.Server(domain.server_code, domain.error, Loc(spec.location, "precision"));
  return false;
}

void CheckTrimFactor(const Field& field, const QuerySpec& spec, bool sparsity_ok,
                     CheckContext& ctx) {
  if (!spec.trim_factor || spec.domain_bits == 0) return;
  const int32_t tf = *spec.trim_factor;
  // "We allow the case where #bits = TF = 0."
  if (tf < 0 || (tf != 0 && static_cast<uint32_t>(tf) >= spec.domain_bits)) {
    ctx.Server(8574000,
               std::format("The field 'trimFactor' must be >= 0 and less than the "
                           "total number of "
                           "bits needed to represent elements in the domain ({})",
                           spec.domain_bits),
               Loc(spec.location, "trimFactor"));
    return;
  }
  if (!sparsity_ok) return;
  RangeDomain domain = ComputeRangeDomain(field.bson_type, spec.min(), spec.max(), spec.precision,
                                          ctx.ServerPathOf(field));
  if (std::optional<RuleFailure> failure =
          CheckTagLimit(field.bson_type, domain, spec.effective_sparsity, tf)) {
    ctx.Server(failure->server_code, failure->message, Loc(spec.location, "trimFactor"));
  }
}

}  // namespace

void CheckRangeIndex(const Field& field, CheckContext& ctx) {
  if (!field.encrypted) return;
  for (const QuerySpec& spec : field.queries) {
    if (spec.type != QueryType::kRange) continue;
    if (!RangeIndexable(field.bson_type)) {
      ctx.Server(6775201,
                 std::format("Type '{}' is not a supported range indexed type",
                             BsonTypeName(field.bson_type)),
                 Loc(spec.location, "queryType"));
      continue;
    }
    for (const NotAllowed& rule : kTextKeys) {
      if (!rule.present(spec)) continue;
      ctx.Server(
          rule.code,
          std::format("The field '{}' is not allowed for range index but is present", rule.key),
          Loc(spec.location, rule.key));
    }
    const bool sparsity_ok = CheckSparsity(spec, ctx);
    const bool floating =
        field.bson_type == BsonType::kDouble || field.bson_type == BsonType::kDecimal;
    if (!ctx.options.AtLeast(8, 0) && !floating) {
      if (!spec.has_min) {
        ctx.Server(6775203, "The field 'min' is missing but required for range index",
                   spec.location);
      }
      if (!spec.has_max) {
        ctx.Server(6775204, "The field 'max' is missing but required for range index",
                   spec.location);
      }
    }
    // bounds.cc leaves `bounds` empty when a declared bound did not coerce
    // (already reported).
    bool bounds_ok = spec.has_bounds();
    if (bounds_ok && spec.has_min && spec.has_max && CompareBounds(spec.min(), spec.max()) >= 0) {
      ctx.Server(6720005, "Min must be less than max.", Loc(spec.location, "min"));
      bounds_ok = false;
    }
    if (floating) {
      if (!CheckFloating(field, spec, bounds_ok, ctx)) continue;
    } else if (spec.precision) {
      ctx.Server(8574112, "Precision may only be set when type is double or decimal",
                 Loc(spec.location, "precision"));
      continue;
    }
    if (!bounds_ok && (spec.has_min || spec.has_max)) continue;
    CheckTrimFactor(field, spec, sparsity_ok, ctx);
  }
}

}  // namespace querysafe::schema
