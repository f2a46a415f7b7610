// Binary operators between two interpreted values: Q objects and QuerySets
// combined with | & ^, literal arithmetic folded as Python computes it, and
// F()/aggregate/parameter arithmetic kept as Arith nodes for the analyzer.
#include <cmath>
#include <format>
#include <limits>

#include "lib/parse/interpreter.h"
#include "lib/parse/literals.h"
#include "lib/parse/operators.h"

namespace querysafe::parse_internal {

namespace {

using syntax::OpKind;

// Python's floor division and modulo (the remainder has the divisor's sign).
__int128 FloorDivMod(__int128 a, __int128 b, __int128* mod) {
  __int128 q = a / b;
  __int128 r = a % b;
  if (r != 0 && ((r < 0) != (b < 0))) {
    --q;
    r += b;
  }
  *mod = r;
  return q;
}

}  // namespace

Value Interpreter::Binary(const syntax::OpToken& op, Value lhs, Value rhs) {
  const ast::Expr& l = *lhs.expr;
  const ast::Expr& r = *rhs.expr;
  const Span span{l.span.begin, r.span.end};
  const auto unsupported = [&]() {
    Error("parse.bad_operand",
          std::format("unsupported operand type(s) for {}: '{}' and '{}'", OpText(op.op),
                      TypeName(l), TypeName(r)),
          op.span);
    return Value{};
  };
  const auto int_result = [&](__int128 v) -> Value {
    if (v < std::numeric_limits<int64_t>::min() || v > std::numeric_limits<int64_t>::max()) {
      Error("parse.integer_out_of_range", "integer result does not fit in 64 bits", span);
      return {};
    }
    return New<ast::IntLit>(1, span, static_cast<int64_t>(v),
                            arena_->CopyString(std::format("{}", static_cast<int64_t>(v))));
  };
  const auto float_result = [&](double v) {
    return New<ast::FloatLit>(1, span, v, arena_->CopyString(FloatRepr(v)));
  };
  const std::optional<Num> a = AsNum(l);
  const std::optional<Num> b = AsNum(r);

  switch (op.op) {
    case OpKind::kBitOr:
    case OpKind::kBitAnd:
    case OpKind::kBitXor: {
      if (l.kind == ast::ExprKind::kQuerySet && r.kind == ast::ExprKind::kQuerySet) {
        auto* query = arena_->New<ast::Query>();
        query->kind = ast::Query::Kind::kCombine;
        query->span = span;
        query->combine = op.op == OpKind::kBitOr    ? ast::Query::Combine::kOr
                         : op.op == OpKind::kBitAnd ? ast::Query::Combine::kAnd
                                                    : ast::Query::Combine::kXor;
        query->operator_span = op.span;
        query->lhs = l.Cast<ast::QuerySetExpr>().query;
        query->rhs = r.Cast<ast::QuerySetExpr>().query;
        return New<ast::QuerySetExpr>(std::max(lhs.depth, rhs.depth) + 1, span, query);
      }
      if (!a || !b || a->is_float || b->is_float) return unsupported();
      const __int128 v = op.op == OpKind::kBitOr    ? (a->i | b->i)
                         : op.op == OpKind::kBitAnd ? (a->i & b->i)
                                                    : (a->i ^ b->i);
      if (l.kind == ast::ExprKind::kBool && r.kind == ast::ExprKind::kBool) {
        return New<ast::BoolLit>(1, span, v != 0);
      }
      return int_result(v);
    }
    default:
      break;
  }

  // Arithmetic. Literals fold as Python computes them.
  if (a && b) {
    const bool is_float = a->is_float || b->is_float || op.op == OpKind::kDiv;
    if (op.op == OpKind::kDiv || op.op == OpKind::kMod) {
      if (b->AsDouble() == 0) {
        Error("parse.division_by_zero",
              op.op == OpKind::kMod && !is_float ? "integer modulo by zero" : "division by zero",
              span);
        return {};
      }
    }
    if (!is_float) {
      switch (op.op) {
        case OpKind::kAdd:
          return int_result(a->i + b->i);
        case OpKind::kSub:
          return int_result(a->i - b->i);
        case OpKind::kMul:  // both fit in 64 bits, so the product fits in 128
          return int_result(a->i * b->i);
        default: {  // kMod
          __int128 mod;
          FloorDivMod(a->i, b->i, &mod);
          return int_result(mod);
        }
      }
    }
    const double x = a->AsDouble();
    const double y = b->AsDouble();
    switch (op.op) {
      case OpKind::kAdd:
        return float_result(x + y);
      case OpKind::kSub:
        return float_result(x - y);
      case OpKind::kMul:
        return float_result(x * y);
      case OpKind::kDiv:
        return float_result(x / y);
      default: {  // kMod, with the sign of the divisor
        double mod = std::fmod(x, y);
        if (mod != 0) {
          if ((y < 0) != (mod < 0)) mod += y;
        } else {
          mod = std::copysign(0.0, y);
        }
        return float_result(mod);
      }
    }
  }
  if (op.op == OpKind::kAdd && l.kind == r.kind &&
      (l.kind == ast::ExprKind::kString || l.kind == ast::ExprKind::kBytes)) {
    const std::string_view x = l.kind == ast::ExprKind::kString ? l.Cast<ast::StringLit>().value
                                                                : l.Cast<ast::BytesLit>().value;
    const std::string_view y = r.kind == ast::ExprKind::kString ? r.Cast<ast::StringLit>().value
                                                                : r.Cast<ast::BytesLit>().value;
    if (x.size() + y.size() > options_.max_literal_bytes) {
      Error("parse.literal_too_large",
            std::format("string of {} bytes is longer than the limit of {}", x.size() + y.size(),
                        options_.max_literal_bytes),
            span);
      return {};
    }
    char* buffer = static_cast<char*>(arena_->Allocate(x.size() + y.size() + 1, 1));
    std::copy(x.begin(), x.end(), buffer);
    std::copy(y.begin(), y.end(), buffer + x.size());
    const std::string_view joined(buffer, x.size() + y.size());
    if (l.kind == ast::ExprKind::kString) return New<ast::StringLit>(1, span, joined);
    return New<ast::BytesLit>(1, span, joined);
  }
  // F() + 1, Sum("a") * 2, $p - 1: an expression for the analyzer.
  const bool l_ok = IsCombinable(l) || IsScalarLiteral(l);
  const bool r_ok = IsCombinable(r) || IsScalarLiteral(r);
  if ((IsCombinable(l) || IsCombinable(r)) && l_ok && r_ok) {
    ast::Arith::Op arith_op;
    switch (op.op) {
      case OpKind::kAdd:
        arith_op = ast::Arith::Op::kAdd;
        break;
      case OpKind::kSub:
        arith_op = ast::Arith::Op::kSub;
        break;
      case OpKind::kMul:
        arith_op = ast::Arith::Op::kMul;
        break;
      case OpKind::kDiv:
        arith_op = ast::Arith::Op::kDiv;
        break;
      default:
        arith_op = ast::Arith::Op::kMod;
        break;
    }
    return New<ast::Arith>(std::max(lhs.depth, rhs.depth) + 1, span, arith_op, lhs.expr, rhs.expr);
  }
  if (IsScalarLiteral(l) && IsScalarLiteral(r)) {
    Error("parse.unsupported_arithmetic",
          std::format("arithmetic on '{}' and '{}' is not supported in "
                      "queries: write the "
                      "resulting value",
                      TypeName(l), TypeName(r)),
          span);
    return {};
  }
  return unsupported();
}

}  // namespace querysafe::parse_internal
