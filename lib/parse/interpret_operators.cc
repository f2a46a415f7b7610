// Operators: prefix operators, and operator chains with Python's precedence.
// Literal arithmetic is folded with Python's semantics (so `score__gte=10 * 60`
// is the int 600 and `-9223372036854775808` fits); Q objects combine into flat
// n-ary Q nodes; QuerySets combine into kCombine queries; F() and aggregates
// combine into Arith nodes; `and`, `or`, `not` and comparisons are rejected
// with what to write instead.
#include <cmath>
#include <format>
#include <limits>

#include "grammar/identifier.h"
#include "lib/parse/interpreter.h"
#include "lib/parse/operators.h"

namespace querysafe::parse_internal {

namespace {

using syntax::OpKind;

int Precedence(OpKind op) {
  switch (op) {
    case OpKind::kBitOr:
      return 1;
    case OpKind::kBitXor:
      return 2;
    case OpKind::kBitAnd:
      return 3;
    case OpKind::kAdd:
    case OpKind::kSub:
      return 4;
    default:  // * / %
      return 5;
  }
}

// The operators the grammar accepts but a query cannot use, with what to write
// instead.
bool RejectOperator(Interpreter& in, const syntax::OpToken& op) {
  switch (op.op) {
    case OpKind::kBoolAnd:
      in.Error("parse.boolean_operator", "use '&' instead of 'and' to combine Q objects", op.span);
      return true;
    case OpKind::kBoolOr:
      in.Error("parse.boolean_operator", "use '|' instead of 'or' to combine Q objects", op.span);
      return true;
    case OpKind::kBoolNot:
      in.Error("parse.boolean_operator", "use '~' instead of 'not' to negate a Q object", op.span);
      return true;
    case OpKind::kEq:
    case OpKind::kNe:
    case OpKind::kLt:
    case OpKind::kLe:
    case OpKind::kGt:
    case OpKind::kGe:
    case OpKind::kIn:
    case OpKind::kNotIn:
    case OpKind::kIs:
    case OpKind::kIsNot: {
      std::string_view instead;
      switch (op.op) {
        case OpKind::kEq:
          instead = "field=value";
          break;
        case OpKind::kNe:
          instead = "exclude(field=value) or ~Q(field=value)";
          break;
        case OpKind::kLt:
          instead = "field__lt=value";
          break;
        case OpKind::kLe:
          instead = "field__lte=value";
          break;
        case OpKind::kGt:
          instead = "field__gt=value";
          break;
        case OpKind::kGe:
          instead = "field__gte=value";
          break;
        case OpKind::kIn:
          instead = "field__in=[...]";
          break;
        case OpKind::kNotIn:
          instead = "exclude(field__in=[...])";
          break;
        case OpKind::kIs:
          instead = "field__isnull=True";
          break;
        default:
          instead = "field__isnull=False";
          break;
      }
      in.Error("parse.comparison",
               std::format("'{}' is not a lookup: write {} instead", in.Text(op.span), instead),
               op.span);
      return true;
    }
    case OpKind::kPow:
    case OpKind::kFloorDiv:
    case OpKind::kMatMul:
    case OpKind::kLShift:
    case OpKind::kRShift:
      in.Error("parse.unsupported_operator",
               std::format("operator '{}' is not supported in queries", in.Text(op.span)), op.span);
      return true;
    default:
      return false;
  }
}

}  // namespace
Value Interpreter::Operand(const syntax::Operand& operand) {
  // Signs in front of a number token fold into the literal (so INT64_MIN is
  // representable).
  size_t folded = operand.prefix.size();
  int flips = 0;
  if (const auto* number = operand.primary->As<syntax::Number>();
      number != nullptr && number->number_kind != syntax::NumberKind::kImaginary) {
    while (folded > 0 && (operand.prefix[folded - 1].op == OpKind::kNeg ||
                          operand.prefix[folded - 1].op == OpKind::kPos)) {
      --folded;
      if (operand.prefix[folded].op == OpKind::kNeg) ++flips;
    }
  }
  bool rejected = false;
  for (size_t i = 0; i < folded; ++i) rejected |= RejectOperator(*this, operand.prefix[i]);
  if (rejected) return {};
  Value value;
  if (folded < operand.prefix.size()) {
    const Span span{operand.prefix[folded].span.begin, operand.span.end};
    value = Number(operand.primary->Cast<syntax::Number>(), flips, span);
  } else {
    value = Expr(operand.primary);
  }
  // Then the remaining operators, innermost first.
  for (size_t i = folded; i-- > 0 && value;) {
    value = Prefix(operand.prefix[i], value, Span{operand.prefix[i].span.begin, operand.span.end});
  }
  return value;
}

Value Interpreter::Prefix(const syntax::OpToken& op, Value value, Span span) {
  const ast::Expr& e = *value.expr;
  const auto bad_operand = [&]() {
    Error("parse.bad_operand",
          std::format("bad operand type for unary {}: '{}'", Text(op.span), TypeName(e)), span);
    return Value{};
  };
  const auto int_result = [&](__int128 v) -> Value {
    if (v < std::numeric_limits<int64_t>::min() || v > std::numeric_limits<int64_t>::max()) {
      Error("parse.integer_out_of_range", "integer result does not fit in 64 bits", span);
      return {};
    }
    const std::string repr = std::format("{}", static_cast<int64_t>(v));
    return New<ast::IntLit>(1, span, static_cast<int64_t>(v), arena_->CopyString(repr));
  };
  switch (op.op) {
    case OpKind::kInvert:
      if (e.kind == ast::ExprKind::kQ) {
        const ast::Expr** child = arena_->NewArray<const ast::Expr*>(1).data();
        child[0] = value.expr;
        return New<ast::Q>(value.depth + 1, span, ast::Q::Op::kNot,
                           ast::List<const ast::Expr*>(child, 1));
      }
      if (auto n = AsNum(e); n && !n->is_float) return int_result(-n->i - 1);
      return bad_operand();
    case OpKind::kNeg:
      if (auto* f = e.As<ast::FloatLit>()) {
        return New<ast::FloatLit>(1, span, -f->value, arena_->CopyString(FloatRepr(-f->value)));
      }
      if (auto n = AsNum(e)) return int_result(-n->i);
      if (auto* td = e.As<ast::TimedeltaLit>()) {
        return New<ast::TimedeltaLit>(1, span, -td->microseconds);
      }
      if (IsCombinable(e) || e.kind == ast::ExprKind::kDecimal) {
        // -Decimal(x) rounds to the context's precision in Python, so it stays
        // an expression.
        return New<ast::Neg>(value.depth + 1, span, value.expr);
      }
      return bad_operand();
    case OpKind::kPos:
      if (auto n = AsNum(e); n && !n->is_float && e.kind == ast::ExprKind::kBool) {
        return int_result(n->i);
      }
      if (e.kind == ast::ExprKind::kInt || e.kind == ast::ExprKind::kFloat ||
          e.kind == ast::ExprKind::kDecimal || e.kind == ast::ExprKind::kTimedelta) {
        return value;
      }
      return bad_operand();
    default:
      RejectOperator(*this, op);
      return {};
  }
}

namespace {

ast::Q::Op QOp(OpKind op) {
  switch (op) {
    case OpKind::kBitOr:
      return ast::Q::Op::kOr;
    case OpKind::kBitAnd:
      return ast::Q::Op::kAnd;
    default:
      return ast::Q::Op::kXor;
  }
}

// A value on the operator chain's stack. Q objects joined by one operator
// accumulate in a pending group, so that `a | b | c | ...` builds one n-ary
// node in linear time.
struct ChainItem {
  Value value;
  bool pending = false;
  ast::Q::Op op = ast::Q::Op::kAnd;
  absl::InlinedVector<const ast::Expr*, 4> children;
  uint32_t child_depth = 0;
  Span span;

  bool IsQ() const { return pending || value.expr->kind == ast::ExprKind::kQ; }

  // Adds `other` (a Q) to this pending group, taking over its children when it
  // is a group of the same operator.
  void Absorb(ChainItem& other) {
    if (other.pending && other.op == op) {
      children.insert(children.end(), other.children.begin(), other.children.end());
      child_depth = std::max(child_depth, other.child_depth);
    } else if (!other.pending && other.value.combined &&
               other.value.expr->Cast<ast::Q>().op == op) {
      for (const ast::Expr* c : other.value.expr->Cast<ast::Q>().children) children.push_back(c);
      child_depth = std::max(child_depth, other.value.depth - 1);
    } else {
      // `other` is a pending group of another operator only if it was
      // materialized first.
      children.push_back(other.value.expr);
      child_depth = std::max(child_depth, other.value.depth);
    }
  }
};

}  // namespace

Value Interpreter::ChainValue(const syntax::Chain& chain) {
  bool rejected = false;
  for (const syntax::OpToken& op : chain.ops) rejected |= RejectOperator(*this, op);
  // An operator that has no place in a query says it all; its operands (often
  // bare names, as in `score >= 5`) would only add noise.
  if (rejected) return {};
  absl::InlinedVector<Value, 8> operands;
  bool ok = true;
  for (const syntax::Node* node : chain.operands) {
    operands.push_back(Expr(node));
    ok &= static_cast<bool>(operands.back());
  }
  if (!ok) return {};
  const auto push = [&](size_t i, absl::InlinedVector<ChainItem, 8>& stack) {
    stack.emplace_back();
    stack.back().value = operands[i];
    stack.back().span = chain.operands[i]->span;
  };

  const auto materialize = [&](ChainItem& item) -> Value {
    if (!item.pending) return item.value;
    item.pending = false;
    item.value = New<ast::Q>(item.child_depth + 1, item.span, item.op,
                             arena_->Copy(std::span<const ast::Expr* const>(item.children.data(),
                                                                            item.children.size())));
    item.value.combined = true;
    return item.value;
  };
  // Shunting-yard over the flat chain (all these operators are
  // left-associative).
  absl::InlinedVector<ChainItem, 8> stack;
  absl::InlinedVector<const syntax::OpToken*, 8> ops;
  const auto reduce = [&]() -> bool {
    ChainItem rhs = std::move(stack.back());
    stack.pop_back();
    ChainItem& lhs = stack.back();
    const syntax::OpToken& op = *ops.back();
    ops.pop_back();
    const bool q_operator =
        op.op == OpKind::kBitOr || op.op == OpKind::kBitAnd || op.op == OpKind::kBitXor;
    if (q_operator && lhs.IsQ() && rhs.IsQ()) {
      const ast::Q::Op q_op = QOp(op.op);
      if (!(lhs.pending && lhs.op == q_op)) {
        if (lhs.pending && !materialize(lhs)) return false;
        ChainItem group;
        group.pending = true;
        group.op = q_op;
        group.span = lhs.span;
        group.Absorb(lhs);
        lhs = std::move(group);
      }
      if (rhs.pending && rhs.op != q_op && !materialize(rhs)) return false;
      lhs.Absorb(rhs);
      lhs.span.end = rhs.span.end;
      return true;
    }
    const Value l = materialize(lhs);
    const Value r = materialize(rhs);
    if (!l || !r) return false;
    lhs.children.clear();
    lhs.value = Binary(op, l, r);
    lhs.span.end = rhs.span.end;
    return static_cast<bool>(lhs.value);
  };
  push(0, stack);
  for (size_t i = 0; i < chain.ops.size(); ++i) {
    const syntax::OpToken& op = chain.ops[i];
    while (!ops.empty() && Precedence(ops.back()->op) >= Precedence(op.op)) {
      if (!reduce()) return {};
    }
    ops.push_back(&op);
    push(i + 1, stack);
  }
  while (!ops.empty()) {
    if (!reduce()) return {};
  }
  return materialize(stack.back());
}

}  // namespace querysafe::parse_internal
