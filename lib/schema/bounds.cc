// Finalizes each `queries` entry once its field's BSON type is known:
//  - min/max are coerced to the field's type. MongoDB compares the bounds' BSON
//  types with the
//    field's exactly (7018200/7018201), and JSON has one number type, so a
//    bound written `0` on a long field means Int64(0); a value the type cannot
//    hold exactly (2^40 on an int field, 1.5 on a long field) keeps its own
//    type and gets the server's error instead of wrapping.
//  - the effective values are computed: what the server and libmongocrypt use
//  when a key is
//    absent (contention 8; range sparsity 2, trimFactor min(6, bits - 1), and
//    for int/long/date the type's full range, as 8.0 query analysis does).
//    Payloads must be made with these.
//  - `declared` is rebuilt in the order written, with the coerced values, as it
//  goes into
//    encryptedFields (django-mongodb-backend passes `queries` through
//    untouched).
#include <bson/bson.h>

#include <charconv>
#include <cmath>
#include <cstdint>
#include <format>
#include <limits>
#include <string>

#include "lib/schema/json_value.h"
#include "lib/schema/load_context.h"
#include "lib/schema/range_domain.h"

namespace querysafe::schema {
namespace {

constexpr int64_t kDefaultContention = 8;  // the server's default since 7.0
constexpr int64_t kDefaultSparsity = 2;    // kFLERangeSparsityDefault

bool IsRangeType(BsonType t) {
  return t == BsonType::kInt || t == BsonType::kLong || t == BsonType::kDate ||
         t == BsonType::kDouble || t == BsonType::kDecimal;
}

bool DecimalFromString(const std::string& s, bson_value_t* out) {
  out->value_type = BSON_TYPE_DECIMAL128;
  return bson_decimal128_from_string(s.c_str(), &out->value.v_decimal128);
}

// The value `raw` as `target`, if it converts exactly.
bool Coerce(const bson_iter_t& raw, BsonType target, bson_value_t* out) {
  const bson_type_t source = bson_iter_type(&raw);
  const bool integer = source == BSON_TYPE_INT32 || source == BSON_TYPE_INT64;
  switch (target) {
    case BsonType::kInt:
    case BsonType::kLong: {
      if (!integer && source != BSON_TYPE_DOUBLE) return false;
      std::optional<int64_t> v = IterInteger(raw);
      if (!v) return false;
      if (target == BsonType::kLong) {
        out->value_type = BSON_TYPE_INT64;
        out->value.v_int64 = *v;
        return true;
      }
      if (*v < INT32_MIN || *v > INT32_MAX) return false;
      out->value_type = BSON_TYPE_INT32;
      out->value.v_int32 = static_cast<int32_t>(*v);
      return true;
    }
    case BsonType::kDouble: {
      out->value_type = BSON_TYPE_DOUBLE;
      if (source == BSON_TYPE_DOUBLE) {
        out->value.v_double = bson_iter_double(&raw);
        return true;
      }
      if (!integer) return false;
      int64_t v = bson_iter_as_int64(&raw);
      constexpr int64_t kExact = int64_t{1} << 53;
      if (v < -kExact || v > kExact) return false;
      out->value.v_double = static_cast<double>(v);
      return true;
    }
    case BsonType::kDecimal: {
      if (source == BSON_TYPE_DECIMAL128) {
        out->value_type = BSON_TYPE_DECIMAL128;
        bson_iter_decimal128(&raw, &out->value.v_decimal128);
        return true;
      }
      if (integer) return DecimalFromString(std::to_string(bson_iter_as_int64(&raw)), out);
      if (source == BSON_TYPE_DOUBLE) {
        // The shortest text that reads back as the same double: what the author
        // wrote.
        double d = bson_iter_double(&raw);
        if (!std::isfinite(d)) return false;
        char buf[64];
        auto [end, ec] = std::to_chars(buf, buf + sizeof buf, d);
        return ec == std::errc() && DecimalFromString(std::string(buf, end), out);
      }
      return false;
    }
    case BsonType::kDate:
      if (source != BSON_TYPE_DATE_TIME) return false;
      out->value_type = BSON_TYPE_DATE_TIME;
      out->value.v_datetime = bson_iter_date_time(&raw);
      return true;
    default:
      return false;
  }
}

// The server names the type it received: what the JSON value is as BSON after
// coercion failed.
std::string_view ReceivedTypeName(const bson_iter_t& raw) {
  switch (bson_iter_type(&raw)) {
    case BSON_TYPE_INT32:
      return "int";
    case BSON_TYPE_INT64:
      return "long";
    case BSON_TYPE_DOUBLE:
      return "double";
    case BSON_TYPE_DECIMAL128:
      return "decimal";
    case BSON_TYPE_DATE_TIME:
      return "date";
    case BSON_TYPE_UTF8:
      return "string";
    case BSON_TYPE_BOOL:
      return "bool";
    case BSON_TYPE_NULL:
      return "null";
    case BSON_TYPE_DOCUMENT:
      return "object";
    case BSON_TYPE_ARRAY:
      return "array";
    default:
      return JsonTypeName(raw);
  }
}

bson_value_t TypeLimit(BsonType type, bool maximum) {
  bson_value_t v{};
  switch (type) {
    case BsonType::kInt:
      v.value_type = BSON_TYPE_INT32;
      v.value.v_int32 = maximum ? INT32_MAX : INT32_MIN;
      break;
    case BsonType::kLong:
      v.value_type = BSON_TYPE_INT64;
      v.value.v_int64 = maximum ? INT64_MAX : INT64_MIN;
      break;
    case BsonType::kDate:
      v.value_type = BSON_TYPE_DATE_TIME;
      v.value.v_datetime = maximum ? INT64_MAX : INT64_MIN;
      break;
    default:
      v.value_type = BSON_TYPE_EOD;
  }
  return v;
}

void Finalize(PendingQuery& pending, LoadContext& ctx) {
  Field& field = *pending.field;
  QuerySpec& spec = field.queries[pending.index];
  const bool range = spec.type == QueryType::kRange && IsRangeType(field.bson_type);
  bson_value_t min{};
  bson_value_t max{};
  min.value_type = max.value_type = BSON_TYPE_EOD;
  bool bounds_ok = true;

  BsonDoc declared;
  bson_iter_t it;
  bson_iter_init(&it, pending.entry.get());
  while (bson_iter_next(&it)) {
    std::string_view key = IterKey(it);
    const char* k = bson_iter_key(&it);
    if ((key == "contention" && spec.contention) || (key == "sparsity" && spec.sparsity)) {
      bson_append_int64(declared.get(), k, -1,
                        key == "contention" ? *spec.contention : *spec.sparsity);
    } else if (key == "trimFactor" && spec.trim_factor) {
      bson_append_int32(declared.get(), k, -1, *spec.trim_factor);
    } else if (key == "precision" && spec.precision) {
      bson_append_int32(declared.get(), k, -1, *spec.precision);
    } else if (key == "strMinQueryLength" && spec.str_min_query_length) {
      bson_append_int32(declared.get(), k, -1, *spec.str_min_query_length);
    } else if (key == "strMaxQueryLength" && spec.str_max_query_length) {
      bson_append_int32(declared.get(), k, -1, *spec.str_max_query_length);
    } else if (key == "strMaxLength" && spec.str_max_length) {
      bson_append_int32(declared.get(), k, -1, *spec.str_max_length);
    } else if (range && (key == "min" || key == "max")) {
      bson_value_t& target = key == "min" ? min : max;
      if (Coerce(it, field.bson_type, &target)) {
        bson_append_value(declared.get(), k, -1, &target);
      } else {
        bounds_ok = false;
        target.value_type = BSON_TYPE_EOD;
        const int32_t code = key == "min" ? 7018200 : 7018201;
        ctx.sink.Error(std::format("schema.server.{}", code),
                       std::format("Range field type '{}' does not match the {} value type '{}'",
                                   BsonTypeName(field.bson_type), key, ReceivedTypeName(it)),
                       Loc(spec.location, key), code);
        bson_append_iter(declared.get(), k, -1, &it);
      }
    } else {
      bson_append_iter(declared.get(), k, -1, &it);
    }
  }
  spec.declared = std::move(declared);
  spec.effective_contention = spec.contention.value_or(kDefaultContention);
  if (!range) return;

  spec.effective_sparsity = spec.sparsity.value_or(kDefaultSparsity);
  if (!bounds_ok) return;
  // 8.0's setRangeDefaults: a missing int/long/date bound is the type's limit.
  // A double or decimal range without bounds stays unbounded (all-or-none,
  // checked in checks/).
  if (min.value_type == BSON_TYPE_EOD) min = TypeLimit(field.bson_type, false);
  if (max.value_type == BSON_TYPE_EOD) max = TypeLimit(field.bson_type, true);
  if (min.value_type != BSON_TYPE_EOD && max.value_type != BSON_TYPE_EOD) {
    bson_append_value(spec.bounds.get(), "min", 3, &min);
    bson_append_value(spec.bounds.get(), "max", 3, &max);
  }
  const bool floating =
      field.bson_type == BsonType::kDouble || field.bson_type == BsonType::kDecimal;
  if (floating && spec.precision.has_value() != spec.has_bounds()) return;  // 6967100
  RangeDomain domain =
      ComputeRangeDomain(field.bson_type, min, max, spec.precision, ServerPath(ctx, field));
  spec.domain_bits = domain.bits;
  spec.effective_trim_factor = spec.trim_factor.value_or(DefaultTrimFactor(domain.bits));
}

}  // namespace

void FinalizeQueries(LoadContext& ctx) {
  for (PendingQuery& pending : ctx.queries) {
    if (!ctx.IsLive(pending.field)) continue;
    Finalize(pending, ctx);
  }
}

}  // namespace querysafe::schema
