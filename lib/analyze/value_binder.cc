#include "lib/analyze/value_binder.h"

#include <cstring>
#include <format>

#include "lib/analyze/coerce.h"
#include "lib/analyze/coerce_internal.h"
#include "lib/analyze/lookup_table.h"
#include "lib/analyze/rules/rules.h"
#include "lib/common/bson_compare.h"
#include "lib/common/bson_type_name.h"

namespace querysafe::analyze {

using bound::LookupKind;
using schema::FieldClass;

namespace {

// The Python type a value would reach PyMongo as, named as the server names BSON types.
std::string_view PassthroughTypeName(const PyValue& v) {
  switch (v.type) {
    case PyValue::Type::kStr:
      return "string";
    case PyValue::Type::kInt:
      return v.i >= INT32_MIN && v.i <= INT32_MAX ? "int" : "long";
    case PyValue::Type::kFloat:
      return "double";
    case PyValue::Type::kBool:
      return "bool";
    case PyValue::Type::kDecimal:
      return "decimal";
    case PyValue::Type::kList:
    case PyValue::Type::kTuple:
      return "array";
    default:
      return "object";
  }
}

// A transform's output field (IntegerField for year, DateField for date...): Django gives it no
// name, so messages name the lookup path instead.
bool CoerceTransformed(Context& ctx, const bound::Predicate& p, const PyValue& value,
                       bson_value_t* out) {
  CoerceError error;
  bool ok = false;
  if (p.value_class == FieldClass::kDate || p.value_class == FieldClass::kTime) {
    static const schema::Field kDate = [] {
      schema::Field f;
      f.cls = FieldClass::kDate;
      f.bson_type = schema::BsonType::kDate;
      return f;
    }();
    ok = p.value_class == FieldClass::kDate
             ? coerce_internal::CoerceDate(value, kDate, &ctx.options().time_zone, out, &error)
             : coerce_internal::CoerceTime(value, kDate, out, &error);
  } else {
    int64_t n = 0;
    ok = PyInt(value, &n);
    if (ok) {
      out->value_type = BSON_TYPE_INT64;
      out->value.v_int64 = n;
    } else {
      error = {
          Category::kValidationError, "value.expected_number",
          std::format("Field '{}' expected a number but got {}.", p.lhs.django_path, Repr(value))};
    }
  }
  if (!ok) ctx.Report(error.category, error.code, error.message, value.span, error.server_code);
  return ok;
}

}  // namespace

rules::BoundRole RoleOf(LookupKind lookup, size_t index) {
  switch (lookup) {
    case LookupKind::kGt:
    case LookupKind::kGte:
      return rules::BoundRole::kLower;
    case LookupKind::kLt:
    case LookupKind::kLte:
      return rules::BoundRole::kUpper;
    case LookupKind::kRange:
      return index == 0 ? rules::BoundRole::kLower : rules::BoundRole::kUpper;
    default:  // only the comparisons bound a range; every other lookup's value is a point
      return rules::BoundRole::kPoint;
  }
}

namespace {

// Django de-duplicates an `in` list after preparing it (an OrderedSet of prepared values).
bool SameBson(const bson_value_t& a, const bson_value_t& b) {
  if (a.value_type != b.value_type) return false;
  switch (a.value_type) {
    case BSON_TYPE_INT32:
      return a.value.v_int32 == b.value.v_int32;
    case BSON_TYPE_INT64:
      return a.value.v_int64 == b.value.v_int64;
    case BSON_TYPE_DATE_TIME:
      return a.value.v_datetime == b.value.v_datetime;
    case BSON_TYPE_BOOL:
      return a.value.v_bool == b.value.v_bool;
    case BSON_TYPE_UTF8:
      return std::string_view(a.value.v_utf8.str, a.value.v_utf8.len) ==
             std::string_view(b.value.v_utf8.str, b.value.v_utf8.len);
    case BSON_TYPE_OID:
      return std::memcmp(a.value.v_oid.bytes, b.value.v_oid.bytes, 12) == 0;
    case BSON_TYPE_DOUBLE:
      // Bit patterns, as the encoded documents would compare (NaN equals NaN, 0.0 != -0.0).
      return std::memcmp(&a.value.v_double, &b.value.v_double, sizeof(double)) == 0;
    default:
      break;
  }
  bson_t da, db;
  bson_init(&da);
  bson_init(&db);
  bson_append_value(&da, "", 0, &a);
  bson_append_value(&db, "", 0, &b);
  bool same = da.len == db.len && std::memcmp(bson_get_data(&da), bson_get_data(&db), da.len) == 0;
  bson_destroy(&da);
  bson_destroy(&db);
  return same;
}

uint32_t DeclareElementParam(Context& ctx, const bound::Predicate& p, const ast::Param& param) {
  bound::Param decl;
  decl.name = param.name;
  decl.use = bound::Param::Use::kLookupElement;
  decl.predicate = &p;
  decl.span = param.span;
  ctx.params().push_back(decl);
  return static_cast<uint32_t>(ctx.params().size() - 1);
}

const ast::Expr* ElementAst(const ast::Expr* seq, size_t i) {
  if (seq == nullptr) return nullptr;
  if (const auto* l = seq->As<ast::ListLit>()) return i < l->items.size() ? l->items[i] : nullptr;
  if (const auto* t = seq->As<ast::TupleLit>()) return i < t->items.size() ? t->items[i] : nullptr;
  return nullptr;
}

}  // namespace

bool CheckEncryptedValue(Context& ctx, const bound::Predicate& p, const bson_value_t& v,
                         rules::BoundRole role, Span span) {
  const schema::EncryptedPath& path = *p.lhs.encrypted;
  if (static_cast<uint8_t>(v.value_type) != static_cast<uint8_t>(path.bson_type)) {
    rules::ReportUnencryptableValue(ctx, p.lhs, BsonTypeName(v.value_type), span);
    return false;
  }
  if (p.qe_index != nullptr && p.qe_index->type == schema::QueryType::kRange) {
    const bool exclusive = role != rules::BoundRole::kPoint &&
                           (p.lookup == LookupKind::kGt || p.lookup == LookupKind::kLt);
    return rules::CheckRangeValue(ctx, p.lhs, *p.qe_index, v, role, exclusive, span);
  }
  // iexact on a text index is a normalized equality, which has no length bounds.
  if (p.qe_index != nullptr && schema::IsTextQuery(p.qe_index->type) &&
      p.lookup != LookupKind::kIExact) {
    return rules::CheckTextQueryLength(ctx, p.lhs, *p.qe_index, v, span);
  }
  return true;
}

bool CoerceScalar(Context& ctx, const bound::Predicate& p, const PyValue& value, LookupKind lookup,
                  bson_value_t* out) {
  std::memset(out, 0, sizeof *out);
  // Django prepares neither a regex nor a pattern lookup's value (Regex, PatternLookup and
  // IExact have prepare_rhs = False; a JSON key's text lookups take str() of it too): it matches
  // str(value) against the text of the column, of the transform (born__year__startswith="19")
  // or of the key. So qty__startswith="-" is a valid query on an IntegerField, not a
  // ValidationError, and lowering, which writes a pattern, always gets text.
  const bool regex = bound::LookupOf(lookup).pattern == bound::Pattern::kRegex;
  const bool text_pattern =
      bound::IsEscapedPatternLookup(lookup) && !p.lhs.is_encrypted() &&
      (p.json_key || (!schema::IsStringClass(p.value_class) && p.value_class != FieldClass::kUUID));
  if (regex || text_pattern) {
    const std::string text = Str(value);
    // A regex lookup's value is the pattern itself (a pattern lookup's is escaped, NUL as
    // \x00), and the server refuses a pattern with a NUL in it (51091); PostgreSQL refuses
    // NUL in any text. Found by the lookup matrix (fuzz/lookup_matrix.h), with a parameter.
    if (regex && text.find('\0') != std::string::npos) {
      ctx.Report(Category::kDatabaseError, "value.regex_nul",
                 "Regular expression cannot contain an embedded null byte", value.span, 51091);
      return false;
    }
    coerce_internal::SetUtf8(text, ctx.arena(), out);
    return true;
  }
  if (p.json_key) {
    if (NaturalBson(value, ctx.arena(), out)) return true;
    ctx.Report(Category::kValidationError, "value.not_json",
               std::format("Object of type {} is not JSON serializable", PyTypeName(value.type)),
               value.span);
    return false;
  }
  if (p.value_field == nullptr) return CoerceTransformed(ctx, p, value, out);
  const schema::Field& field = *p.value_field;
  CoerceError error;
  bool ok = false;
  if (bound::IsEscapedPatternLookup(lookup) && !schema::IsStringClass(field.cls)) {
    // A UUIDField matches against the stored hex digits without hyphens (django-mongodb-backend
    // strips them from the value); an encrypted field keeps the field's own diagnostics.
    bson_value_t prepared;
    ok = CoerceToField(value, field, {lookup, &ctx.options().time_zone}, ctx.arena(), &prepared,
                       &error);
    if (ok) {
      std::string text = prepared.value_type == BSON_TYPE_UTF8
                             ? std::string(prepared.value.v_utf8.str, prepared.value.v_utf8.len)
                             : Str(value);
      if (field.cls == FieldClass::kUUID) std::erase(text, '-');
      coerce_internal::SetUtf8(text, ctx.arena(), out);
    }
  } else {
    ok = CoerceToField(value, field, {lookup, &ctx.options().time_zone}, ctx.arena(), out, &error);
  }
  if (!ok) {
    if (p.lhs.is_encrypted() && error.code == "value.expected_bytes") {
      rules::ReportUnencryptableValue(ctx, p.lhs, PassthroughTypeName(value), value.span);
    } else {
      ctx.Report(error.category, error.code, error.message, value.span, error.server_code);
    }
  }
  return ok;
}

bool PrepareValues(Context& ctx, const bound::Predicate& p, const PyValue& raw,
                   const ast::Expr* ast_value, ArenaVector<bound::Value>* out,
                   ValueOutcome* outcome) {
  const bool encrypted = p.lhs.is_encrypted();
  auto push_constant = [&](const bson_value_t& v, Span span) {
    bound::Value value;
    value.kind = bound::Value::Kind::kConstant;
    value.constant = v;
    value.span = span;
    out->push_back(value);
  };
  auto push_param = [&](uint32_t index, Span span) {
    bound::Value value;
    value.kind = bound::Value::Kind::kParam;
    value.param = index;
    value.span = span;
    out->push_back(value);
  };

  switch (bound::LookupOf(p.lookup).arity) {
    case bound::Arity::kBool: {
      if (raw.type != PyValue::Type::kBool) {
        ctx.Report(Category::kValidationError, "value.isnull_not_bool",
                   "The QuerySet value for an isnull lookup must be True or False.", raw.span);
        return false;
      }
      if (encrypted) {
        rules::ReportNullEquality(ctx, p.lhs, false, p.span);
        return false;
      }
      bson_value_t v{};
      v.value_type = BSON_TYPE_BOOL;
      v.value.v_bool = raw.b;
      push_constant(v, raw.span);
      return true;
    }
    case bound::Arity::kList: {
      if (!raw.is_sequence()) {
        ctx.Report(Category::kValidationError, "value.expected_sequence",
                   std::format("The QuerySet value for an '{}' lookup must be a list or tuple of "
                               "values, got {}.",
                               LookupName(p.lookup), Repr(raw)),
                   raw.span);
        return false;
      }
      bool ok = true;
      for (size_t i = 0; i < raw.items.size(); ++i) {
        const PyValue& item = raw.items[i];
        const ast::Expr* item_ast = ElementAst(ast_value, i);
        if (item_ast != nullptr && item_ast->kind == ast::ExprKind::kParam) {
          push_param(DeclareElementParam(ctx, p, item_ast->Cast<ast::Param>()), item_ast->span);
          continue;
        }
        if (item.type == PyValue::Type::kNone) {
          if (encrypted) {
            rules::ReportNullEquality(ctx, p.lhs, true, item.span);
            ok = false;
            continue;
          }
          // Django's In lookup drops None from the list, but under exclude() or ~Q on a
          // nullable column its build_filter adds `OR col IS NULL` (Django 6.1). The null stays
          // here, once, and lowering writes it only where Django's SQL has that clause.
          bool seen_null = false;
          for (const bound::Value& seen : *out) {
            seen_null = seen_null || (seen.kind == bound::Value::Kind::kConstant &&
                                      seen.constant.value_type == BSON_TYPE_NULL);
          }
          if (p.lookup == LookupKind::kIn && seen_null) continue;
          bson_value_t null{};
          null.value_type = BSON_TYPE_NULL;
          push_constant(null, item.span);
          continue;
        }
        bson_value_t v;
        if (!CoerceScalar(ctx, p, item, LookupKind::kExact, &v)) {
          ok = false;
          continue;
        }
        if (encrypted && !CheckEncryptedValue(ctx, p, v, rules::BoundRole::kPoint, item.span)) {
          ok = false;
          continue;
        }
        bool duplicate = false;
        if (p.lookup == LookupKind::kIn) {
          for (const bound::Value& seen : *out) {
            duplicate = duplicate ||
                        (seen.kind == bound::Value::Kind::kConstant && SameBson(seen.constant, v));
          }
        }
        if (!duplicate) push_constant(v, item.span);
      }
      if (ok && p.lookup == LookupKind::kIn && out->empty()) outcome->matches_nothing = true;
      return ok;
    }
    case bound::Arity::kPair: {
      if (!raw.is_sequence() || raw.items.size() != 2) {
        ctx.Report(Category::kValidationError, "value.range_not_pair",
                   std::format("The QuerySet value for a range lookup must be a pair (start, "
                               "end), got {}.",
                               Repr(raw)),
                   raw.span);
        return false;
      }
      bool ok = true;
      for (size_t i = 0; i < 2; ++i) {
        const PyValue& item = raw.items[i];
        const ast::Expr* item_ast = ElementAst(ast_value, i);
        bool present = true;
        if (item_ast != nullptr && item_ast->kind == ast::ExprKind::kParam) {
          push_param(DeclareElementParam(ctx, p, item_ast->Cast<ast::Param>()), item_ast->span);
        } else if (item.type == PyValue::Type::kNone) {
          // django-mongodb-backend leaves a None bound open.
          present = false;
          bound::Value absent;
          absent.span = item.span;
          out->push_back(absent);
        } else {
          bson_value_t v;
          if (!CoerceScalar(ctx, p, item, i == 0 ? LookupKind::kGte : LookupKind::kLte, &v) ||
              (encrypted &&
               !CheckEncryptedValue(ctx, p, v, RoleOf(LookupKind::kRange, i), item.span))) {
            ok = false;
            bound::Value absent;
            out->push_back(absent);
            continue;
          }
          push_constant(v, item.span);
        }
        (i == 0 ? outcome->range_has_lower : outcome->range_has_upper) = present;
      }
      if (!ok) return false;
      if (!outcome->range_has_lower && !outcome->range_has_upper) {
        outcome->matches_everything = true;
      } else if (outcome->range_has_lower && outcome->range_has_upper &&
                 (*out)[0].kind == bound::Value::Kind::kConstant &&
                 (*out)[1].kind == bound::Value::Kind::kConstant) {
        // start > end can match nothing (django-mongodb-backend: EmptyResultSet).
        const bson_value_t& lo = (*out)[0].constant;
        const bson_value_t& hi = (*out)[1].constant;
        std::optional<int> order = CompareBsonNumbers(lo, hi);
        if (!order && lo.value_type == BSON_TYPE_UTF8 && hi.value_type == BSON_TYPE_UTF8) {
          order = std::string_view(lo.value.v_utf8.str, lo.value.v_utf8.len)
                      .compare(std::string_view(hi.value.v_utf8.str, hi.value.v_utf8.len));
        }
        if (order && *order > 0) outcome->matches_nothing = true;
      }
      return true;
    }
    case bound::Arity::kOne: {
      if (raw.type == PyValue::Type::kNone) {
        ctx.Report(Category::kValidationError, "value.none", "Cannot use None as a query value",
                   raw.span);
        return false;
      }
      bson_value_t v;
      if (!CoerceScalar(ctx, p, raw, p.lookup, &v)) return false;
      if (encrypted && !CheckEncryptedValue(ctx, p, v, RoleOf(p.lookup, 0), raw.span)) {
        return false;
      }
      push_constant(v, raw.span);
      return true;
    }
  }
  return false;
}

}  // namespace querysafe::analyze
