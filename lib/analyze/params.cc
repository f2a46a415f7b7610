#include "lib/analyze/params.h"

#include <cstring>
#include <format>
#include <string>
#include <vector>

#include "lib/analyze/coerce.h"
#include "lib/analyze/context.h"
#include "lib/analyze/py_value.h"
#include "lib/analyze/rules/rules.h"
#include "lib/analyze/value_binder.h"
#include "lib/common/bson_type_name.h"

namespace querysafe::analyze {
namespace {

std::span<const bson_value_t> Keep(Arena* arena, const std::vector<bson_value_t>& values) {
  return arena->Copy(std::span<const bson_value_t>(values));
}

bson_value_t Absent() {
  bson_value_t v{};
  v.value_type = BSON_TYPE_EOD;
  return v;
}

// What PyValueFromBson refused, for the message.
std::string Refused(const bson_value_t& value) {
  switch (value.value_type) {
    case BSON_TYPE_UTF8:
      return "a string that is not valid UTF-8 (PyMongo cannot decode it)";
    case BSON_TYPE_ARRAY:
      return std::format(
          "a list with an element that cannot be one (a BSON type Python has no "
          "value for, a string that is not valid UTF-8, lists nested more than {} "
          "deep)",
          kMaxBsonValueDepth);
    default:
      return std::format("a BSON {}", BsonTypeName(value.value_type));
  }
}

// The position of parameter `index` among a predicate's values.
size_t ElementPosition(const bound::Predicate& p, uint32_t index) {
  for (size_t i = 0; i < p.values.size(); ++i) {
    if (p.values[i].kind == bound::Value::Kind::kParam && p.values[i].param == index) return i;
  }
  return 0;
}

// A parameter for a whole right-hand side.
bool BindLookupValue(Context& ctx, const bound::Param& param, const PyValue& value,
                     std::vector<bson_value_t>* out) {
  const bound::Predicate& p = *param.predicate;
  const bool encrypted = p.lhs.is_encrypted();
  if (value.type == PyValue::Type::kNone &&
      (p.lookup == bound::LookupKind::kExact || p.lookup == bound::LookupKind::kIExact)) {
    // `field=None` is Django's isnull=True; `{field: null}` means the same in MongoDB.
    if (encrypted) {
      rules::ReportNullEquality(ctx, p.lhs, false, param.span);
      return false;
    }
    bson_value_t null{};
    null.value_type = BSON_TYPE_NULL;
    out->push_back(null);
    return true;
  }
  ArenaVector<bound::Value> values(ctx.arena());
  ValueOutcome outcome;
  if (!PrepareValues(ctx, p, value, nullptr, &values, &outcome)) return false;
  if (p.lookup == bound::LookupKind::kRange) {
    // Always two positions: an absent bound is EOD.
    for (size_t i = 0; i < 2; ++i) {
      const bool present = i == 0 ? outcome.range_has_lower : outcome.range_has_upper;
      out->push_back(present ? values[i].constant : Absent());
    }
    return true;
  }
  for (const bound::Value& v : values) out->push_back(v.constant);
  return true;
}

// A parameter for one element of `in` or `range`.
bool BindLookupElement(Context& ctx, const bound::Param& param, uint32_t index,
                       const PyValue& value, std::vector<bson_value_t>* out) {
  const bound::Predicate& p = *param.predicate;
  const bool encrypted = p.lhs.is_encrypted();
  const size_t position = ElementPosition(p, index);
  if (value.type == PyValue::Type::kNone) {
    if (encrypted) {
      rules::ReportNullEquality(ctx, p.lhs, p.lookup == bound::LookupKind::kIn, param.span);
      return false;
    }
    if (p.lookup == bound::LookupKind::kRange) out->push_back(Absent());
    // In `in`, None stays a null that lowering writes only under a negation, where Django adds
    // `OR col IS NULL` (value_binder.cc).
    if (p.lookup == bound::LookupKind::kIn) {
      bson_value_t null{};
      null.value_type = BSON_TYPE_NULL;
      out->push_back(null);
    }
    return true;
  }
  const bound::LookupKind lookup =
      p.lookup == bound::LookupKind::kRange
          ? (position == 0 ? bound::LookupKind::kGte : bound::LookupKind::kLte)
          : bound::LookupKind::kExact;
  bson_value_t v;
  if (!CoerceScalar(ctx, p, value, lookup, &v)) return false;
  if (encrypted && !CheckEncryptedValue(ctx, p, v, RoleOf(p.lookup, position), param.span)) {
    return false;
  }
  out->push_back(v);
  return true;
}

bool BindSliceBound(Context& ctx, const bound::Param& param, const PyValue& value,
                    std::vector<bson_value_t>* out) {
  if (value.type != PyValue::Type::kInt || value.i < 0) {
    ctx.Report(Category::kValidationError, "param.slice_bound",
               std::format("Parameter '${}' is a slice bound: it needs a non-negative integer, "
                           "got {}.",
                           param.name, Repr(value)),
               param.span);
    return false;
  }
  bson_value_t v{};
  v.value_type = BSON_TYPE_INT64;
  v.value.v_int64 = value.i;
  out->push_back(v);
  return true;
}

bool BindUpdateValue(Context& ctx, const bound::Query& query, const bound::Param& param,
                     const PyValue& value, std::vector<bson_value_t>* out) {
  const schema::Field& field = *param.field;
  const schema::EncryptedPath* encrypted = query.model->FindEncryptedPath(field.column);
  bson_value_t v{};
  if (value.type == PyValue::Type::kNone) {
    if (encrypted != nullptr) {
      rules::ReportEncryptNull(ctx, param.span);
      return false;
    }
    v.value_type = BSON_TYPE_NULL;
    out->push_back(v);
    return true;
  }
  CoerceError error;
  if (!CoerceToField(value, field, {.time_zone = &ctx.options().time_zone}, ctx.arena(), &v,
                     &error)) {
    ctx.Report(error.category, error.code, error.message, param.span, error.server_code);
    return false;
  }
  if (encrypted != nullptr &&
      static_cast<uint8_t>(v.value_type) != static_cast<uint8_t>(encrypted->bson_type)) {
    bound::FieldRef ref;
    ref.field = &field;
    ref.db_path = field.column;
    ref.encrypted = encrypted;
    rules::ReportUnencryptableValue(ctx, ref, BsonTypeName(v.value_type), param.span);
    return false;
  }
  out->push_back(v);
  return true;
}

}  // namespace

BindResult BindParams(const bound::Query& query, const bson_t& values, const schema::Schema& schema,
                      const AnalyzeOptions& options, Arena* arena) {
  Context ctx(schema, options, arena);
  BindResult result;
  result.bindings.values.resize(query.params.size());
  std::vector<std::string_view> used;
  for (uint32_t i = 0; i < query.params.size(); ++i) {
    const bound::Param& param = query.params[i];
    used.push_back(param.name);
    bson_iter_t it;
    const std::string name(param.name);
    if (!bson_iter_init_find(&it, &values, name.c_str())) {
      ctx.Report(Category::kValidationError, "param.missing",
                 std::format("No value was bound for parameter '${}'.", param.name), param.span);
      continue;
    }
    PyValue value;
    if (!PyValueFromBson(*bson_iter_value(&it), arena, &value)) {
      ctx.Report(Category::kValidationError, "param.unsupported_type",
                 std::format("Parameter '${}': {} cannot be a query value.", param.name,
                             Refused(*bson_iter_value(&it))),
                 param.span);
      continue;
    }
    value.span = param.span;
    std::vector<bson_value_t> bound_values;
    bool ok = false;
    switch (param.use) {
      case bound::Param::Use::kLookupValue:
        ok = BindLookupValue(ctx, param, value, &bound_values);
        break;
      case bound::Param::Use::kLookupElement:
        ok = BindLookupElement(ctx, param, i, value, &bound_values);
        break;
      case bound::Param::Use::kSliceBound:
        ok = BindSliceBound(ctx, param, value, &bound_values);
        break;
      case bound::Param::Use::kUpdateValue:
        ok = BindUpdateValue(ctx, query, param, value, &bound_values);
        break;
    }
    if (ok) result.bindings.values[i] = Keep(arena, bound_values);
  }
  // A value nobody asked for is almost always a misspelt name.
  bson_iter_t it;
  if (bson_iter_init(&it, &values)) {
    while (bson_iter_next(&it)) {
      std::string_view key = bson_iter_key(&it);
      if (std::find(used.begin(), used.end(), key) == used.end()) {
        ctx.Report(Category::kValidationError, "param.unknown",
                   std::format("The query has no parameter '${}'.", key), query.span);
      }
    }
  }
  if (ctx.failed()) result.diagnostics = ctx.TakeDiagnostics();
  return result;
}

}  // namespace querysafe::analyze
