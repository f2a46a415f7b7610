#include "lib/parse/constructor_args.h"

namespace querysafe::parse_internal {

std::string_view ConstructorName(Builtin b) {
  switch (b) {
    case Builtin::kDecimal:
      return "Decimal";
    case Builtin::kDate:
      return "date";
    case Builtin::kDateTime:
      return "datetime";
    case Builtin::kTime:
      return "time";
    case Builtin::kTimedelta:
      return "timedelta";
    case Builtin::kTimezone:
      return "timezone";
    case Builtin::kUuid:
      return "UUID";
    case Builtin::kObjectId:
      return "ObjectId";
    default:
      return "float";
  }
}

Value LiteralArg(Interpreter& in, std::string_view func, const syntax::Node* node) {
  const Value v = in.Expr(node);
  if (v && v.expr->kind == ast::ExprKind::kParam) {
    in.Error("parse.bad_arguments",
             std::format("{}() arguments must be literals: pass the whole value as a "
                         "$parameter instead",
                         func),
             node->span);
    return {};
  }
  return v;
}

std::optional<int64_t> IntArg(Interpreter& in, std::string_view func, const syntax::Node* node) {
  const Value v = LiteralArg(in, func, node);
  if (!v) return std::nullopt;
  if (const auto* i = v.expr->As<ast::IntLit>()) return i->value;
  if (const auto* b = v.expr->As<ast::BoolLit>()) return b->value ? 1 : 0;
  in.Error("parse.bad_arguments",
           std::format("'{}' object cannot be interpreted as an integer",
                       Interpreter::TypeName(*v.expr)),
           node->span);
  return std::nullopt;
}

}  // namespace querysafe::parse_internal
