#include "lib/analyze/filter_binder.h"

#include <format>
#include <vector>

#include "lib/analyze/coerce.h"
#include "lib/analyze/lookup_table.h"
#include "lib/analyze/py_value.h"
#include "lib/analyze/resolve.h"
#include "lib/analyze/rules/rules.h"
#include "lib/analyze/value_binder.h"

namespace querysafe::analyze {

using bound::Filter;
using bound::LookupKind;

const Filter* MakeFilter(Context& ctx, Filter::Kind kind, std::span<const Filter* const> children,
                         Span span) {
  auto* f = ctx.arena()->New<Filter>();
  f->kind = kind;
  f->children = ctx.arena()->Copy(children);
  f->span = span;
  return f;
}

const Filter* TrueFilter(Context& ctx) {
  auto* f = ctx.arena()->New<Filter>();
  f->kind = Filter::Kind::kTrue;
  return f;
}

const Filter* FalseFilter(Context& ctx) {
  auto* f = ctx.arena()->New<Filter>();
  f->kind = Filter::Kind::kFalse;
  return f;
}

namespace {

// XOR is associative (an odd number of operands hold), so nested XORs are one XOR, as Django's
// Node.add() squashes them.
void CollectXorOperands(const Filter* f, ArenaVector<const Filter*>& out) {
  if (f->kind == Filter::Kind::kXor) {
    for (const Filter* c : f->children) CollectXorOperands(c, out);
    return;
  }
  out.push_back(f);
}

const Filter* BalancedXor(Context& ctx, std::span<const Filter* const> operands, Span span) {
  if (operands.size() == 1) return operands[0];
  const size_t mid = (operands.size() + 1) / 2;
  const Filter* halves[] = {BalancedXor(ctx, operands.first(mid), span),
                            BalancedXor(ctx, operands.subspan(mid), span)};
  return MakeFilter(ctx, Filter::Kind::kXor, halves, span);
}

}  // namespace

const Filter* MakeXor(Context& ctx, std::span<const Filter* const> operands, Span span) {
  ArenaVector<const Filter*> flat(ctx.arena());
  for (const Filter* f : operands) CollectXorOperands(f, flat);
  if (flat.empty()) return FalseFilter(ctx);  // no operand holds: an even number (zero)
  return BalancedXor(ctx, flat.span(), span);
}

const bound::Expr* BindExpression(Context& ctx, const schema::Model& model, const ast::Expr& e,
                                  std::vector<bound::FieldRef>* referenced) {
  Arena* arena = ctx.arena();
  switch (e.kind) {
    case ast::ExprKind::kF: {
      const auto& f = e.Cast<ast::F>();
      std::optional<Resolved> r = ResolveKey(ctx, model, f.parts, f.path_span, ResolveMode::kField);
      if (!r) return nullptr;
      auto* out = arena->New<bound::Expr>();
      out->kind = bound::Expr::Kind::kField;
      out->field = r->ref;
      out->span = e.span;
      referenced->push_back(r->ref);
      return out;
    }
    case ast::ExprKind::kArith: {
      const auto& a = e.Cast<ast::Arith>();
      const bound::Expr* lhs = BindExpression(ctx, model, *a.lhs, referenced);
      const bound::Expr* rhs = BindExpression(ctx, model, *a.rhs, referenced);
      if (lhs == nullptr || rhs == nullptr) return nullptr;
      auto* out = arena->New<bound::Expr>();
      out->kind = bound::Expr::Kind::kArith;
      out->op = static_cast<bound::Expr::Op>(a.op);
      out->lhs = lhs;
      out->rhs = rhs;
      out->span = e.span;
      return out;
    }
    case ast::ExprKind::kNeg: {
      const bound::Expr* operand =
          BindExpression(ctx, model, *e.Cast<ast::Neg>().operand, referenced);
      if (operand == nullptr) return nullptr;
      auto* out = arena->New<bound::Expr>();
      out->kind = bound::Expr::Kind::kNeg;
      out->lhs = operand;
      out->span = e.span;
      return out;
    }
    default: {
      PyValue v;
      bson_value_t bson;
      if (!PyValueFromAst(e, arena, &v) || !NaturalBson(v, arena, &bson)) {
        ctx.Report(Category::kNotSupportedError, "expr.unsupported",
                   "querysafe supports F(), constants and + - * / % in expressions here.", e.span);
        return nullptr;
      }
      auto* out = arena->New<bound::Expr>();
      out->kind = bound::Expr::Kind::kValue;
      out->value = bson;
      out->span = e.span;
      return out;
    }
  }
}

namespace {

bool IsExpression(ast::ExprKind k) {
  return k == ast::ExprKind::kF || k == ast::ExprKind::kArith || k == ast::ExprKind::kNeg ||
         k == ast::ExprKind::kAggregate;
}

// The lookups that take an expression (F(), arithmetic) as their right-hand side, and what
// that expression may be. Lowering writes an expression right-hand side only for these; the
// others need a constant (or a parameter) and are refused here, never lowered without one.
bool CheckExpressionLookup(Context& ctx, const bound::Predicate& p, const bound::Expr& expr,
                           Span rhs_span) {
  const std::string_view name = bound::LookupName(p.lookup);
  switch (p.lookup) {
    case LookupKind::kExact:
    case LookupKind::kGt:
    case LookupKind::kGte:
    case LookupKind::kLt:
    case LookupKind::kLte:
    case LookupKind::kContainedBy:
      return true;
    case LookupKind::kIsNull:
      // Django's IsNull.as_sql raises ValueError for anything but a bool.
      ctx.Report(Category::kValidationError, "value.isnull_not_bool",
                 "The QuerySet value for an isnull lookup must be True or False.", rhs_span);
      return false;
    // The pattern lookups (a pattern built from another text column) and the lists: below.
    case LookupKind::kIExact:
    case LookupKind::kContains:
    case LookupKind::kIContains:
    case LookupKind::kStartsWith:
    case LookupKind::kIStartsWith:
    case LookupKind::kEndsWith:
    case LookupKind::kIEndsWith:
    case LookupKind::kRegex:
    case LookupKind::kIRegex:
    case LookupKind::kIn:
    case LookupKind::kRange:
    case LookupKind::kArrayContains:
    case LookupKind::kOverlap:
      break;
  }
  if (bound::IsPatternLookup(p.lookup)) {
    // Django builds the pattern from the other column's text (PatternLookup.get_rhs_op with
    // the backend's pattern_esc: REPLACE() of the escape characters, then UPPER() for the
    // i-variants), so the right-hand side is a text column: on PostgreSQL REPLACE() of an
    // integer column, or of arithmetic, fails in the database.
    if (expr.kind == bound::Expr::Kind::kField && expr.field.field != nullptr &&
        schema::IsStringClass(expr.field.field->cls)) {
      return true;
    }
    ctx.Report(Category::kNotSupportedError, "expr.pattern_rhs",
               std::format("The right-hand side of '{}' must be F() of a text field "
                           "(CharField, TextField, EmailField...), whose value is the pattern.",
                           name),
               rhs_span);
    return false;
  }
  // in, range and the array lookups contains/overlap take a list of constants here.
  ctx.Report(Category::kNotSupportedError, "expr.lookup_needs_value",
             std::format("querysafe supports F() and expressions with exact, gt, gte, lt, lte, the "
                         "pattern lookups and contained_by; '{}' takes a value or a parameter.",
                         name),
             rhs_span);
  return false;
}

const Filter* Leaf(Context& ctx, const bound::Predicate* p) {
  auto* f = ctx.arena()->New<Filter>();
  f->kind = Filter::Kind::kPredicate;
  f->predicate = p;
  f->span = p->span;
  return f;
}

const Filter* BindLookup(Context& ctx, const schema::Model& model, const ast::Lookup& lookup) {
  // djongo's fields take djongo's query forms (a dict of sub-field values); djongo_binder.cc.
  if (const schema::Field* first = model.FindField(lookup.parts[0].name);
      first != nullptr && first->djongo) {
    return BindDjongoLookup(ctx, model, *first, lookup);
  }
  std::optional<Resolved> r =
      ResolveKey(ctx, model, lookup.parts, lookup.key_span, ResolveMode::kLookup);
  if (!r) return nullptr;
  return BindResolved(ctx, model, *r, *lookup.value, lookup.span);
}

}  // namespace

const Filter* BindResolved(Context& ctx, const schema::Model& model, const Resolved& resolved,
                           const ast::Expr& value, Span span) {
  const Resolved* r = &resolved;
  Arena* arena = ctx.arena();
  auto* p = arena->New<bound::Predicate>();
  p->lhs = r->ref;
  p->transforms = arena->Copy(std::span<const bound::Transform>(r->transforms));
  p->lookup = r->lookup;
  p->value_field = r->value_field;
  p->value_class = r->lookup_class;
  p->through_array = r->through_array;
  p->json_key = r->json_key;
  p->span = span;
  const bool encrypted = p->lhs.is_encrypted();
  // An encrypted field of a joined collection cannot be evaluated where the join puts it;
  // query analysis fails on the path before it looks at the operator or the value.
  if (!rules::CheckJoinedEncryptedField(ctx, p->lhs, p->span)) return nullptr;
  // Inside an aggregate's filter= (an expression in $group) any encrypted field is refused;
  // it is recorded for the aggregate binder, which reports it in the server's order.
  std::vector<bound::FieldRef>* group_refs = ctx.group_expression_refs();
  auto record_group_ref = [&](const bound::FieldRef& ref) {
    bound::FieldRef at = ref;
    at.span = p->span;
    group_refs->push_back(at);
  };
  if (group_refs != nullptr && encrypted) {
    record_group_ref(p->lhs);
    return nullptr;
  }

  // A right-hand side that is not a constant: F() and expressions.
  if (IsExpression(value.kind)) {
    // A pattern lookup on an encrypted field is refused for its operator ($regex), whatever
    // its right-hand side, as it is with a constant; one its text-preview index serves is
    // refused below for comparing with a non-constant.
    if (encrypted && bound::IsPatternLookup(p->lookup) &&
        rules::CheckEncryptedLookup(ctx, *r, p->span) == nullptr) {
      return nullptr;
    }
    std::vector<bound::FieldRef> referenced;
    const bound::Expr* expr = BindExpression(ctx, model, value, &referenced);
    if (expr == nullptr) return nullptr;
    for (const bound::FieldRef& other : referenced) {
      if (!rules::CheckJoinWithoutLet(ctx, p->lhs, other, p->span)) return nullptr;
      if (!rules::CheckJoinedEncryptedField(ctx, other, p->span)) return nullptr;
    }
    const bound::FieldRef* encrypted_other = nullptr;
    for (const bound::FieldRef& other : referenced) {
      if (other.is_encrypted()) encrypted_other = &other;
    }
    if (group_refs != nullptr && encrypted_other != nullptr) {
      record_group_ref(*encrypted_other);
      return nullptr;
    }
    if (encrypted || encrypted_other != nullptr) {
      const bound::FieldRef& field = encrypted ? p->lhs : *encrypted_other;
      rules::ReportNonConstantComparison(ctx, field, encrypted ? encrypted_other : nullptr,
                                         p->span);
      return nullptr;
    }
    if (!CheckExpressionLookup(ctx, *p, *expr, value.span)) return nullptr;
    p->expr = expr;
    return Leaf(ctx, p);
  }
  if (value.kind == ast::ExprKind::kQuerySet) {
    rules::ReportSubquery(ctx, value.span);
    return nullptr;
  }

  // The QE index the lookup uses, before looking at values.
  if (encrypted && p->lookup != LookupKind::kIsNull) {
    bool none_exact = value.kind == ast::ExprKind::kNone &&
                      (p->lookup == LookupKind::kExact || p->lookup == LookupKind::kIExact);
    if (none_exact) {
      rules::ReportNullEquality(ctx, p->lhs, false, p->span);
      return nullptr;
    }
    p->qe_index = rules::CheckEncryptedLookup(ctx, *r, p->span);
    if (p->qe_index == nullptr) return nullptr;
    if (!rules::CheckQueryTypeAvailable(ctx, p->lhs, *p->qe_index, p->span)) return nullptr;
  }

  ArenaVector<bound::Value> values(arena);
  if (value.kind == ast::ExprKind::kParam) {
    bound::Param decl;
    decl.name = value.Cast<ast::Param>().name;
    decl.use = bound::Param::Use::kLookupValue;
    decl.predicate = p;
    decl.span = value.span;
    ctx.params().push_back(decl);
    bound::Value v;
    v.kind = bound::Value::Kind::kParam;
    v.param = static_cast<uint32_t>(ctx.params().size() - 1);
    v.span = value.span;
    values.push_back(v);
    p->values = values.span();
    return Leaf(ctx, p);
  }

  PyValue raw;
  if (!PyValueFromAst(value, arena, &raw)) {
    // Containers may hold parameters: convert what can be converted; PrepareValues takes the
    // parameter slots from the AST.
    const ast::List<const ast::Expr*>* items = nullptr;
    if (const auto* l = value.As<ast::ListLit>()) items = &l->items;
    if (const auto* t = value.As<ast::TupleLit>()) items = &t->items;
    if (items == nullptr) {
      ctx.Report(Category::kValidationError, "value.unsupported",
                 "This value cannot be used in a lookup.", value.span);
      return nullptr;
    }
    std::span<PyValue> converted = arena->NewArray<PyValue>(items->size());
    for (size_t i = 0; i < items->size(); ++i) {
      const ast::Expr& item = *(*items)[i];
      if (item.kind == ast::ExprKind::kParam) continue;
      if (!PyValueFromAst(item, arena, &converted[i])) {
        ctx.Report(Category::kValidationError, "value.unsupported",
                   "This value cannot be used in a lookup.", item.span);
        return nullptr;
      }
    }
    raw.type = value.kind == ast::ExprKind::kList ? PyValue::Type::kList : PyValue::Type::kTuple;
    raw.items = converted;
    raw.span = value.span;
  }
  // Django: `field=None` (and iexact=None) means `field__isnull=True`.
  if (raw.type == PyValue::Type::kNone &&
      (p->lookup == LookupKind::kExact || p->lookup == LookupKind::kIExact)) {
    p->lookup = LookupKind::kIsNull;
    raw.type = PyValue::Type::kBool;
    raw.b = true;
  }
  ValueOutcome outcome;
  if (!PrepareValues(ctx, *p, raw, &value, &values, &outcome)) return nullptr;
  if (outcome.matches_nothing) return FalseFilter(ctx);
  if (outcome.matches_everything) return TrueFilter(ctx);
  p->values = values.span();
  return Leaf(ctx, p);
}

bool IsEmptyCondition(const ast::Q& q) {
  for (const ast::Expr* child : q.children) {
    const auto* sub = child->As<ast::Q>();
    if (sub == nullptr || !IsEmptyCondition(*sub)) return false;
  }
  return true;
}

const Filter* BindCondition(Context& ctx, const schema::Model& model, const ast::Q& q) {
  ArenaVector<const Filter*> children(ctx.arena());
  bool ok = true;
  for (const ast::Expr* child : q.children) {
    if (ctx.full()) return nullptr;
    const Filter* bound = nullptr;
    if (const auto* sub = child->As<ast::Q>(); sub != nullptr && IsEmptyCondition(*sub)) {
      continue;  // Django drops it, whatever the connector
    }
    if (const auto* lookup = child->As<ast::Lookup>()) {
      bound = BindLookup(ctx, model, *lookup);
    } else if (const auto* sub = child->As<ast::Q>()) {
      bound = BindCondition(ctx, model, *sub);
    } else {
      ctx.Report(Category::kNotSupportedError, "queryset.bad_condition",
                 "Conditions are keyword lookups or Q objects.", child->span);
    }
    if (bound == nullptr) {
      ok = false;
      continue;
    }
    children.push_back(bound);
  }
  if (!ok) return nullptr;
  // No condition at all (Q(), ~Q(): Django's empty WhereNode) matches every row.
  if (children.empty()) return TrueFilter(ctx);
  switch (q.op) {
    case ast::Q::Op::kNot:
      return MakeFilter(ctx, Filter::Kind::kNot, children.span(), q.span);
    case ast::Q::Op::kAnd:
      if (children.size() == 1) return children[0];
      return MakeFilter(ctx, Filter::Kind::kAnd, children.span(), q.span);
    case ast::Q::Op::kOr:
      if (children.size() == 1) return children[0];
      return MakeFilter(ctx, Filter::Kind::kOr, children.span(), q.span);
    case ast::Q::Op::kXor:
      return MakeXor(ctx, children.span(), q.span);
  }
  return nullptr;
}

}  // namespace querysafe::analyze
