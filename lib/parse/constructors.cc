// Constructor literals: Decimal, date, datetime, time, timedelta, UUID,
// ObjectId and float(), checked the way the Python constructors check them, so
// the analyzer only ever sees valid values. Wrong values are ValidationErrors
// with Python's ValueError messages ("month must be in 1..12"); wrong argument
// shapes are SyntaxErrors, as for any call. The datetime family is in
// constructors_datetime.cc.
#include <array>
#include <format>

#include "lib/parse/constructor_args.h"
#include "lib/parse/values.h"

namespace querysafe::parse_internal {

Value Interpreter::Constructor(Builtin builtin, Span span, const CallArgs& args) {
  switch (builtin) {
    case Builtin::kDate:
    case Builtin::kDateTime:
      return DateTimeCall(builtin, span, args);
    case Builtin::kTime:
      return TimeCall(builtin, span, args);
    case Builtin::kTimedelta:
      return TimedeltaCall(builtin, span, args);
    case Builtin::kDecimal:
      return DecimalCall(builtin, span, args);
    case Builtin::kUuid:
      return UuidCall(builtin, span, args);
    case Builtin::kObjectId:
      return ObjectIdCall(builtin, span, args);
    case Builtin::kFloat:
      return FloatCall(builtin, span, args);
    case Builtin::kTimezone:
      Error("parse.unsupported_expression", "timezone(...) can only be a datetime's tzinfo", span);
      return {};
    default:
      return {};
  }
}

Value Interpreter::DecimalCall(Builtin builtin, Span span, const CallArgs& args) {
  const std::string_view func = ConstructorName(builtin);
  const auto invalid = [&](std::string message, Span where) {
    Report(Category::kValidationError, kBadValue, std::move(message), where);
    return Value{};
  };
  std::array<const syntax::Node*, 2> bound;
  if (!Bind(*this, func, span, args, std::array<std::string_view, 2>{"value", "context"}, 0, 0,
            &bound)) {
    return {};
  }
  if (bound[1] != nullptr) {
    Error("parse.bad_arguments", "Decimal()'s context argument is not supported", bound[1]->span);
    return {};
  }
  if (bound[0] == nullptr) return New<ast::DecimalLit>(1, span, "0");
  std::string_view s;
  Span s_span;
  bool is_source;
  switch (StringArg(bound[0], &s, &s_span, &is_source)) {
    case StringArgResult::kError:
      return {};
    case StringArgResult::kOk: {
      const std::optional<std::string> text = DecimalFromString(s);
      if (!text)
        return invalid(std::format("Invalid literal for Decimal: '{}'", s), bound[0]->span);
      return New<ast::DecimalLit>(1, span, arena_->CopyString(*text));
    }
    case StringArgResult::kNotString:
      break;
  }
  // An int keeps its exact digits, however long (Decimal has no 64-bit limit).
  const syntax::Node* number = bound[0];
  bool negative = false;
  if (const auto* operand = number->As<syntax::Operand>()) {
    bool only_signs = true;
    for (const syntax::OpToken& op : operand->prefix) {
      only_signs &= op.op == syntax::OpKind::kNeg || op.op == syntax::OpKind::kPos;
      negative ^= op.op == syntax::OpKind::kNeg;
    }
    if (only_signs) number = operand->primary;
  }
  if (const auto* n = number->As<syntax::Number>();
      n != nullptr && n->number_kind == syntax::NumberKind::kInt && n->base == 10) {
    std::string digits;
    for (char c : Text(n->span)) {
      if (c != '_') digits.push_back(c);
    }
    return New<ast::DecimalLit>(1, span, arena_->CopyString(DecimalFromInt(negative, digits)));
  }
  const Value v = LiteralArg(*this, func, bound[0]);
  if (!v) return {};
  if (const auto* i = v.expr->As<ast::IntLit>()) {
    return New<ast::DecimalLit>(1, span, arena_->CopyString(std::format("{}", i->value)));
  }
  if (const auto* b = v.expr->As<ast::BoolLit>()) {
    return New<ast::DecimalLit>(1, span, b->value ? "1" : "0");
  }
  if (const auto* d = v.expr->As<ast::DecimalLit>()) {
    return New<ast::DecimalLit>(1, span, d->text);
  }
  if (v.expr->kind == ast::ExprKind::kFloat) {
    Report(Category::kValidationError, "parse.decimal_from_float",
           std::format("a float gives Decimal its exact binary value, not {0}: write "
                       "Decimal(\"{0}\")",
                       FloatRepr(v.expr->Cast<ast::FloatLit>().value)),
           bound[0]->span);
    return {};
  }
  Error("parse.bad_arguments",
        std::format("conversion from {} to Decimal is not supported", TypeName(*v.expr)),
        bound[0]->span);
  return {};
}

Value Interpreter::UuidCall(Builtin builtin, Span span, const CallArgs& args) {
  const std::string_view func = ConstructorName(builtin);
  const auto invalid = [&](std::string message, Span where) {
    Report(Category::kValidationError, kBadValue, std::move(message), where);
    return Value{};
  };
  std::array<const syntax::Node*, 1> bound;
  if (!Bind(*this, func, span, args, std::array<std::string_view, 1>{"hex"}, 0, 0, &bound)) {
    return {};
  }
  std::string_view s;
  Span s_span;
  bool is_source;
  const StringArgResult r = bound[0] != nullptr ? StringArg(bound[0], &s, &s_span, &is_source)
                                                : StringArgResult::kNotString;
  if (r == StringArgResult::kError) return {};
  if (r == StringArgResult::kNotString) {
    Error("parse.bad_arguments", "UUID() takes one argument, a hexadecimal string",
          bound[0] != nullptr ? bound[0]->span : span);
    return {};
  }
  const UuidResult uuid = UuidFromHex(s);
  if (!uuid.bytes) return invalid(uuid.error, bound[0]->span);
  auto* lit = arena_->New<ast::UuidLit>(span);
  std::copy(uuid.bytes->begin(), uuid.bytes->end(), lit->bytes);
  return Make(lit, 1);
}

Value Interpreter::ObjectIdCall(Builtin builtin, Span span, const CallArgs& args) {
  const std::string_view func = ConstructorName(builtin);
  const auto invalid = [&](std::string message, Span where) {
    Report(Category::kValidationError, kBadValue, std::move(message), where);
    return Value{};
  };
  std::array<const syntax::Node*, 1> bound;
  if (!Bind(*this, func, span, args, std::array<std::string_view, 1>{"oid"}, 0, 0, &bound)) {
    return {};
  }
  if (bound[0] == nullptr) {
    Error("parse.bad_arguments",
          "ObjectId() without an argument makes a new id when it runs: pass "
          "the id as a "
          "24-digit hexadecimal string",
          span);
    return {};
  }
  const Value v = LiteralArg(*this, func, bound[0]);
  if (!v) return {};
  auto* lit = arena_->New<ast::ObjectIdLit>(span);
  if (const auto* b = v.expr->As<ast::BytesLit>(); b != nullptr && b->value.size() == 12) {
    std::copy(b->value.begin(), b->value.end(), lit->bytes);
    return Make(lit, 1);
  }
  const auto* str = v.expr->As<ast::StringLit>();
  const auto hex_value = [](char c) {
    return c >= '0' && c <= '9'                     ? c - '0'
           : (c | 0x20) >= 'a' && (c | 0x20) <= 'f' ? (c | 0x20) - 'a' + 10
                                                    : -1;
  };
  bool valid = str != nullptr && str->value.size() == 24;
  for (size_t i = 0; valid && i < 12; ++i) {
    const int hi = hex_value(str->value[2 * i]);
    const int lo = hex_value(str->value[2 * i + 1]);
    valid = hi >= 0 && lo >= 0;
    if (valid) lit->bytes[i] = static_cast<uint8_t>(hi * 16 + lo);
  }
  if (!valid) {
    if (str == nullptr && v.expr->kind != ast::ExprKind::kBytes) {
      Error("parse.bad_arguments",
            std::format("id must be an instance of (str, bytes, ObjectId), not {}",
                        TypeName(*v.expr)),
            bound[0]->span);
      return {};
    }
    return invalid(std::format("'{}' is not a valid ObjectId, it must be a 12-byte input or "
                               "a 24-character hex string",
                               str != nullptr ? str->value : Text(bound[0]->span)),
                   bound[0]->span);
  }
  return Make(lit, 1);
}

Value Interpreter::FloatCall(Builtin builtin, Span span, const CallArgs& args) {
  const std::string_view func = ConstructorName(builtin);
  if (!args.keywords.empty()) {
    Error("parse.bad_arguments", "float() takes no keyword arguments", args.keywords[0].name_span);
    return {};
  }
  if (args.positional.size() > 1) {
    Error("parse.bad_arguments",
          std::format("float expected at most 1 argument, got {}", args.positional.size()),
          args.positional[1].node->span);
    return {};
  }
  double value = 0;
  if (!args.positional.empty()) {
    const syntax::Node* node = args.positional[0].node;
    const Value v = LiteralArg(*this, func, node);
    if (!v) return {};
    if (const auto* s = v.expr->As<ast::StringLit>()) {
      const std::optional<double> parsed = FloatFromString(s->value);
      if (!parsed) {
        Report(Category::kValidationError, "parse.invalid_value",
               std::format("could not convert string to float: '{}'", s->value), node->span);
        return {};
      }
      value = *parsed;
    } else if (const auto* f = v.expr->As<ast::FloatLit>()) {
      value = f->value;
    } else if (const auto* i = v.expr->As<ast::IntLit>()) {
      value = static_cast<double>(i->value);
    } else if (const auto* b = v.expr->As<ast::BoolLit>()) {
      value = b->value ? 1 : 0;
    } else {
      Error("parse.bad_arguments",
            std::format("float() argument must be a string or a real number, not '{}'",
                        TypeName(*v.expr)),
            node->span);
      return {};
    }
  }
  return New<ast::FloatLit>(1, span, value, arena_->CopyString(FloatRepr(value)));
}

}  // namespace querysafe::parse_internal
