// Values: literals, names, displays, postfix expressions (calls, QuerySets) and
// the checks every interpreted node goes through (depth, type names for
// messages). Operators are in interpret_operators.cc.
#include <cmath>
#include <format>
#include <limits>

#include "grammar/identifier.h"
#include "lib/parse/interpreter.h"

namespace querysafe::parse_internal {

void Interpreter::Report(Category category, std::string_view code, std::string message, Span span) {
  ++errors_;
  // Diagnostics come roughly in source order; the cap is applied again after
  // sorting.
  if (diagnostics_->size() >= options_.max_diagnostics * 4) return;
  diagnostics_->push_back(Diagnostic{.category = category,
                                     .code = std::string(code),
                                     .message = std::move(message),
                                     .span = span,
                                     .location = {}});
}

Value Interpreter::TooDeep(const ast::Expr* expr, uint32_t depth) {
  // A QuerySetExpr at the top is dropped (the AST's root is its Query), and
  // anywhere else it has a parent whose depth is checked: so it may be one
  // deeper than the limit.
  if (expr->kind == ast::ExprKind::kQuerySet && depth == options_.max_depth + 1) {
    return {expr, depth};
  }
  if (!reported_depth_) {
    reported_depth_ = true;
    Error("syntax.too_deep",
          std::format("the query nests deeper than the limit of {}", options_.max_depth),
          expr->span);
  } else {
    ++errors_;
  }
  return {};
}

std::string_view Interpreter::TypeName(const ast::Expr& e) {
  switch (e.kind) {
    case ast::ExprKind::kNone:
      return "NoneType";
    case ast::ExprKind::kBool:
      return "bool";
    case ast::ExprKind::kInt:
      return "int";
    case ast::ExprKind::kFloat:
      return "float";
    case ast::ExprKind::kString:
      return "str";
    case ast::ExprKind::kBytes:
      return "bytes";
    case ast::ExprKind::kDecimal:
      return "Decimal";
    case ast::ExprKind::kDate:
      return "datetime.date";
    case ast::ExprKind::kDateTime:
      return "datetime.datetime";
    case ast::ExprKind::kTime:
      return "datetime.time";
    case ast::ExprKind::kTimedelta:
      return "datetime.timedelta";
    case ast::ExprKind::kUuid:
      return "UUID";
    case ast::ExprKind::kObjectId:
      return "ObjectId";
    case ast::ExprKind::kList:
      return "list";
    case ast::ExprKind::kTuple:
      return "tuple";
    case ast::ExprKind::kDict:
      return "dict";
    case ast::ExprKind::kParam:
      return "parameter";
    case ast::ExprKind::kLookup:
      return "lookup";
    case ast::ExprKind::kQ:
      return "Q";
    case ast::ExprKind::kF:
      return "F";
    case ast::ExprKind::kAggregate:
      return "Aggregate";
    case ast::ExprKind::kArith:
    case ast::ExprKind::kNeg:
      return "CombinedExpression";
    case ast::ExprKind::kQuerySet:
      return "QuerySet";
  }
  return "object";
}

std::string Interpreter::WithArticle(std::string_view type_name) {
  // By sound: "an F", "a UUID".
  const bool vowel = type_name == "F" ||
                     (type_name != "UUID" && !type_name.empty() &&
                      std::string_view("aeiouAEIOU").find(type_name[0]) != std::string_view::npos);
  return std::format("{} {}", vowel ? "an" : "a", type_name);
}

const ast::Query* Interpreter::TopLevel(const syntax::Node* root) {
  if (root->kind == syntax::Kind::kName && !grammar::IsPythonKeyword(Text(root->span))) {
    Error("parse.not_a_query",
          std::format("a query starts with a model's manager: {}.objects", Text(root->span)),
          root->span);
    return nullptr;
  }
  const Value v = Expr(root);
  if (!v) return nullptr;
  if (const auto* qs = v.expr->As<ast::QuerySetExpr>()) return qs->query;
  Error("parse.not_a_query",
        std::format("expected a query such as Model.objects.filter(...), not {}",
                    WithArticle(TypeName(*v.expr))),
        v.expr->span);
  return nullptr;
}

Value Interpreter::Expr(const syntax::Node* node) {
  switch (node->kind) {
    case syntax::Kind::kError:
      ++errors_;  // reported by the grammar
      return {};
    case syntax::Kind::kName:
      return Name(*node);
    case syntax::Kind::kNumber:
      return Number(node->Cast<syntax::Number>(), 0, node->span);
    case syntax::Kind::kString: {
      const auto decoded = DecodeString(node->Cast<syntax::String>(), text_,
                                        options_.max_literal_bytes, arena_, this);
      if (!decoded) return {};
      if (decoded->is_bytes) return New<ast::BytesLit>(1, node->span, decoded->value);
      return New<ast::StringLit>(1, node->span, decoded->value);
    }
    case syntax::Kind::kParam:
      return New<ast::Param>(1, node->span, Text(node->Cast<syntax::Param>().name));
    case syntax::Kind::kParen:
      return Expr(static_cast<const syntax::Display*>(node)->items.front());
    case syntax::Kind::kTuple:
    case syntax::Kind::kList:
      return Display(*static_cast<const syntax::Display*>(node));
    case syntax::Kind::kSet:
      Error("parse.unsupported_expression", "set literals are not supported: use a list",
            node->span);
      return {};
    case syntax::Kind::kDict:
      return DictDisplay(node->Cast<syntax::Dict>());
    case syntax::Kind::kPostfix:
      return Postfix(node->Cast<syntax::Postfix>());
    case syntax::Kind::kOperand:
      return Operand(node->Cast<syntax::Operand>());
    case syntax::Kind::kChain:
      return ChainValue(node->Cast<syntax::Chain>());
  }
  return {};
}

Value Interpreter::Name(const syntax::Node& node) {
  const std::string_view name = Text(node.span);
  if (name == "None") return New<ast::NoneLit>(1, node.span);
  if (name == "True") return New<ast::BoolLit>(1, node.span, true);
  if (name == "False") return New<ast::BoolLit>(1, node.span, false);
  if (grammar::IsPythonKeyword(name)) {
    Error("parse.keyword", std::format("'{}' is a Python keyword and cannot be used here", name),
          node.span);
    return {};
  }
  DottedName dotted;
  dotted.parts.push_back(name);
  dotted.span = node.span;
  if (LookupBuiltin(dotted)) {
    Error("parse.unsupported_expression",
          std::format("'{0}' is used without arguments: call it, as in {0}(...)", name), node.span);
    return {};
  }
  if (LookupConstant(dotted)) {
    Error("parse.unsupported_expression", std::format("'{}' can only be a datetime's tzinfo", name),
          node.span);
    return {};
  }
  Error("parse.unknown_name",
        std::format("name '{0}' is not defined (a query parameter is written ${0})", name),
        node.span);
  return {};
}

// An int or float token, with `sign_flips` unary minuses folded in; `span`
// covers them.
Value Interpreter::Number(const syntax::Number& number, int sign_flips, Span span) {
  const std::string_view token = Text(number.span);
  if (token.size() > options_.max_literal_bytes) {
    Error("parse.literal_too_large",
          std::format("number literal of {} characters is longer than the limit of {}",
                      token.size(), options_.max_literal_bytes),
          number.span);
    return {};
  }
  const bool negative = sign_flips % 2 != 0;
  std::string_view text = token;
  if (negative) {
    char* buffer = static_cast<char*>(arena_->Allocate(token.size() + 1, 1));
    buffer[0] = '-';
    std::copy(token.begin(), token.end(), buffer + 1);
    text = std::string_view(buffer, token.size() + 1);
  }
  switch (number.number_kind) {
    case syntax::NumberKind::kImaginary:
      Error("parse.complex", "complex numbers are not supported", number.span);
      return {};
    case syntax::NumberKind::kFloat: {
      const double value = FloatTokenValue(token);
      return New<ast::FloatLit>(1, span, negative ? -value : value, text);
    }
    case syntax::NumberKind::kInt: {
      const std::optional<uint64_t> magnitude = number.has_value
                                                    ? std::optional<uint64_t>(number.value)
                                                    : IntTokenValue(token, number.base);
      const uint64_t limit = negative ? uint64_t{1} << 63 : (uint64_t{1} << 63) - 1;
      if (!magnitude || *magnitude > limit) {
        Error("parse.integer_out_of_range", std::format("integer {} does not fit in 64 bits", text),
              span);
        return {};
      }
      const int64_t value =
          negative ? static_cast<int64_t>(0 - *magnitude) : static_cast<int64_t>(*magnitude);
      return New<ast::IntLit>(1, span, value, text);
    }
  }
  return {};
}

Value Interpreter::Display(const syntax::Display& display) {
  absl::InlinedVector<const ast::Expr*, 8> items;
  uint32_t depth = 0;
  bool ok = true;
  for (const syntax::Node* item : display.items) {
    const Value v = Expr(item);
    if (!v) {
      ok = false;
      continue;
    }
    items.push_back(v.expr);
    depth = std::max(depth, v.depth);
  }
  if (!ok) return {};
  const auto list = arena_->Copy(std::span<const ast::Expr* const>(items.data(), items.size()));
  if (display.kind == syntax::Kind::kList) return New<ast::ListLit>(depth + 1, display.span, list);
  return New<ast::TupleLit>(depth + 1, display.span, list);
}

Value Interpreter::DictDisplay(const syntax::Dict& dict) {
  absl::InlinedVector<ast::DictEntry, 4> entries;
  uint32_t depth = 0;
  bool ok = true;
  for (const syntax::DictItem& item : dict.items) {
    if (item.key == nullptr) {
      Error("parse.unsupported_expression", "dict unpacking inside a dict literal is not supported",
            item.span);
      ok = false;
      continue;
    }
    const Value key = Expr(item.key);
    const Value value = Expr(item.value);
    if (!key || !value) {
      ok = false;
      continue;
    }
    entries.push_back({key.expr, value.expr});
    depth = std::max({depth, key.depth, value.depth});
  }
  if (!ok) return {};
  return New<ast::DictLit>(depth + 1, dict.span,
                           arena_->Copy(std::span<const ast::DictEntry>(entries)));
}

Value Interpreter::Postfix(const syntax::Postfix& postfix) {
  if (postfix.atom->kind == syntax::Kind::kName) {
    const DottedName dotted = Dotted(postfix);
    const bool called = dotted.next_trailer < postfix.trailers.size() &&
                        postfix.trailers[dotted.next_trailer].kind == syntax::Trailer::Kind::kCall;
    if (called) {
      if (const auto builtin = LookupBuiltin(dotted)) {
        const Value v = Call(*builtin, dotted, postfix.trailers[dotted.next_trailer]);
        if (dotted.next_trailer + 1 < postfix.trailers.size()) {
          const syntax::Trailer& extra = postfix.trailers[dotted.next_trailer + 1];
          Error("parse.unsupported_expression",
                *builtin == Builtin::kF
                    ? std::format("nothing can follow {}(...) in a query (for .desc() or "
                                  ".asc(), order by \"-field\" or \"field\")",
                                  JoinDotted(dotted))
                    : std::format("nothing can follow {}(...) in a query", JoinDotted(dotted)),
                extra.span);
          return {};
        }
        return v;
      }
    } else if (dotted.parts.size() > 1 && LookupConstant(dotted)) {
      const std::string name = JoinDotted(dotted);
      Error("parse.unsupported_expression",
            name.starts_with("Q.") ? std::format("'{}' can only be Q's _connector", name)
                                   : std::format("'{}' can only be a datetime's tzinfo", name),
            dotted.span);
      return {};
    }
    return QuerySet(postfix, dotted);
  }
  const Value atom = Expr(postfix.atom);
  if (!atom) return {};
  if (atom.expr->kind == ast::ExprKind::kQuerySet) {
    Error("parse.unsupported_expression",
          "QuerySet methods must follow Model.objects directly: calling them "
          "on a "
          "parenthesized or combined QuerySet is not supported",
          postfix.trailers.front().span);
  } else {
    Error("parse.unsupported_expression",
          std::format("{} has no attributes, calls or subscripts in a query",
                      WithArticle(TypeName(*atom.expr))),
          postfix.trailers.front().span);
  }
  return {};
}

}  // namespace querysafe::parse_internal
