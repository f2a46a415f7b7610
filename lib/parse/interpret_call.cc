// Q, F and aggregate calls, and lookups (`key=value`, split into parts).
#include <algorithm>
#include <format>

#include "lib/parse/interpreter.h"
#include "lib/parse/lookup_key.h"

namespace querysafe::parse_internal {

namespace {

std::string_view AggregateName(Builtin b) {
  switch (b) {
    case Builtin::kCount:
      return "Count";
    case Builtin::kSum:
      return "Sum";
    case Builtin::kAvg:
      return "Avg";
    case Builtin::kMin:
      return "Min";
    case Builtin::kMax:
      return "Max";
    case Builtin::kStdDev:
      return "StdDev";
    default:
      return "Variance";
  }
}

ast::AggregateFunc AggregateFunc(Builtin b) {
  switch (b) {
    case Builtin::kCount:
      return ast::AggregateFunc::kCount;
    case Builtin::kSum:
      return ast::AggregateFunc::kSum;
    case Builtin::kAvg:
      return ast::AggregateFunc::kAvg;
    case Builtin::kMin:
      return ast::AggregateFunc::kMin;
    case Builtin::kMax:
      return ast::AggregateFunc::kMax;
    case Builtin::kStdDev:
      return ast::AggregateFunc::kStdDev;
    default:
      return ast::AggregateFunc::kVariance;
  }
}

}  // namespace

Value Interpreter::Call(Builtin builtin, const DottedName& callee, const syntax::Trailer& call) {
  CallArgs args;
  if (!NormalizeArgs(callee.parts.back(), call, &args)) return {};
  const Span span{callee.span.begin, call.span.end};
  switch (builtin) {
    case Builtin::kQ:
      return QCall(span, args);
    case Builtin::kF:
      return FCall(span, args);
    case Builtin::kCount:
    case Builtin::kSum:
    case Builtin::kAvg:
    case Builtin::kMin:
    case Builtin::kMax:
    case Builtin::kStdDev:
    case Builtin::kVariance:
      return AggregateCall(builtin, callee.span, span, args);
    default:
      return Constructor(builtin, span, args);
  }
}

Value Interpreter::Lookup(const KeyText& key, Span span, const syntax::Node* value_node) {
  ast::List<ast::KeyPart> parts;
  const bool key_ok = SplitKey(key, "lookup", false, arena_, this, &parts);
  const Value value = Expr(value_node);
  if (!key_ok || !value) return {};
  auto* lookup = arena_->New<ast::Lookup>(span);
  lookup->key = key.key;
  lookup->key_span = key.span;
  lookup->parts = parts;
  lookup->value = value.expr;
  return Make(lookup, value.depth + 1);
}

bool Interpreter::QChildren(std::string_view callee, const CallArgs& args,
                            absl::InlinedVector<const ast::Expr*, 4>* children, uint32_t* depth) {
  bool ok = true;
  for (const PositionalArg& arg : args.positional) {
    // Q(("field", value)): a child as Q stores it, a (lookup, value) pair.
    const auto* tuple = arg.node->kind == syntax::Kind::kTuple
                            ? static_cast<const syntax::Display*>(arg.node)
                            : nullptr;
    if (tuple != nullptr && tuple->items.size() == 2 &&
        tuple->items[0]->kind == syntax::Kind::kString) {
      std::string_view key;
      Span key_span;
      bool is_source = false;
      if (StringArg(tuple->items[0], &key, &key_span, &is_source) != StringArgResult::kOk) {
        ok = false;
        continue;
      }
      const Value v = Lookup({key, key_span, is_source, false}, arg.node->span, tuple->items[1]);
      if (!v) {
        ok = false;
        continue;
      }
      children->push_back(v.expr);
      *depth = std::max(*depth, v.depth);
      continue;
    }
    const Value v = Expr(arg.node);
    if (!v) {
      ok = false;
      continue;
    }
    if (v.expr->kind != ast::ExprKind::kQ) {
      Error("parse.bad_arguments",
            std::format("positional arguments of {}() must be Q objects, not "
                        "{} (write lookups "
                        "as keyword arguments: field=value)",
                        callee, TypeName(*v.expr)),
            arg.node->span);
      ok = false;
      continue;
    }
    children->push_back(v.expr);
    *depth = std::max(*depth, v.depth);
  }
  for (const KeywordArg& kw : args.keywords) {
    const Value v =
        Lookup({kw.name, kw.name_span, kw.name_is_source, !kw.unpacked}, kw.span, kw.node);
    if (!v) {
      ok = false;
      continue;
    }
    children->push_back(v.expr);
    *depth = std::max(*depth, v.depth);
  }
  return ok;
}

Value Interpreter::QCall(Span span, const CallArgs& all_args) {
  // Q's own keyword arguments (_connector, _negated); every other keyword is a
  // lookup.
  const bool has_own = std::any_of(all_args.keywords.begin(), all_args.keywords.end(),
                                   [](const KeywordArg& kw) { return kw.name.starts_with('_'); });
  CallArgs own_removed;
  if (has_own) own_removed.positional = all_args.positional;
  CallArgs& args = own_removed;
  ast::Q::Op op = ast::Q::Op::kAnd;
  bool negated = false;
  bool ok = true;
  for (const KeywordArg& kw : all_args.keywords) {
    if (kw.name == "_connector") {
      std::optional<ast::Q::Op> connector;
      const syntax::Node* v = kw.node;
      std::string_view s;
      Span s_span;
      bool is_source;
      if (const auto* p = v->As<syntax::Postfix>(); p && p->atom->kind == syntax::Kind::kName) {
        const DottedName dotted = Dotted(*p);
        if (dotted.next_trailer == p->trailers.size()) {
          switch (LookupConstant(dotted).value_or(Constant::kUtc)) {
            case Constant::kQAnd:
              connector = ast::Q::Op::kAnd;
              break;
            case Constant::kQOr:
              connector = ast::Q::Op::kOr;
              break;
            case Constant::kQXor:
              connector = ast::Q::Op::kXor;
              break;
            case Constant::kUtc:
              break;
          }
        }
      } else if (v->kind == syntax::Kind::kName && Text(v->span) == "None") {
        connector = ast::Q::Op::kAnd;
      } else if (StringArg(v, &s, &s_span, &is_source) == StringArgResult::kOk) {
        if (s == "AND") connector = ast::Q::Op::kAnd;
        if (s == "OR") connector = ast::Q::Op::kOr;
        if (s == "XOR") connector = ast::Q::Op::kXor;
      }
      if (connector) {
        op = *connector;
      } else {
        Error("parse.bad_arguments", "_connector must be Q.AND, Q.OR or Q.XOR", v->span);
        ok = false;
      }
    } else if (kw.name == "_negated") {
      const std::string_view v = Text(kw.node->span);
      if (kw.node->kind == syntax::Kind::kName && (v == "True" || v == "False")) {
        negated = v == "True";
      } else {
        Error("parse.bad_arguments", "_negated must be True or False", kw.node->span);
        ok = false;
      }
    } else if (has_own) {
      args.keywords.push_back(kw);
    }
  }
  absl::InlinedVector<const ast::Expr*, 4> children;
  uint32_t depth = 0;
  ok &= QChildren("Q", has_own ? args : all_args, &children, &depth);
  if (!ok) return {};
  Value q =
      New<ast::Q>(depth + 1, span, op, arena_->Copy(std::span<const ast::Expr* const>(children)));
  if (!q || !negated) return q;
  const ast::Expr** child = arena_->NewArray<const ast::Expr*>(1).data();
  child[0] = q.expr;
  return New<ast::Q>(q.depth + 1, span, ast::Q::Op::kNot, ast::List<const ast::Expr*>(child, 1));
}

Value Interpreter::FieldRef(std::string_view path, Span path_span, bool path_is_source, Span span,
                            bool allow_star) {
  ast::List<ast::KeyPart> parts;
  if (!SplitKey({path, path_span, path_is_source, false}, "field reference", allow_star, arena_,
                this, &parts)) {
    return {};
  }
  auto* f = arena_->New<ast::F>(span);
  f->path = path;
  f->path_span = path_span;
  f->parts = parts;
  return Make(f, 1);
}

Value Interpreter::FCall(Span span, const CallArgs& args) {
  std::string_view path;
  Span path_span;
  bool is_source = false;
  StringArgResult r = StringArgResult::kNotString;
  if (args.positional.size() == 1 && args.keywords.empty()) {
    r = StringArg(args.positional[0].node, &path, &path_span, &is_source);
  }
  if (r == StringArgResult::kError) return {};
  if (r == StringArgResult::kNotString) {
    Error("parse.bad_arguments", "F() takes exactly one argument, a field name string", span);
    return {};
  }
  return FieldRef(path, path_span, is_source, span, false);
}

Value Interpreter::AggregateCall(Builtin builtin, Span name_span, Span span, const CallArgs& args) {
  const std::string_view name = AggregateName(builtin);
  if (args.positional.size() != 1) {
    Error("parse.bad_arguments",
          args.positional.empty()
              ? std::format("{}() needs the field or expression to aggregate", name)
              : std::format("{}() takes exactly one expression ({} given)", name,
                            args.positional.size()),
          span);
    return {};
  }
  // A string is a field reference, as Django reads it.
  Value expression;
  const syntax::Node* node = args.positional[0].node;
  std::string_view path;
  Span path_span;
  bool is_source = false;
  switch (StringArg(node, &path, &path_span, &is_source)) {
    case StringArgResult::kError:
      return {};
    case StringArgResult::kOk:
      expression = FieldRef(path, path_span, is_source, node->span, builtin == Builtin::kCount);
      break;
    case StringArgResult::kNotString:
      expression = Expr(node);
      if (expression && expression.expr->kind != ast::ExprKind::kF &&
          expression.expr->kind != ast::ExprKind::kArith &&
          expression.expr->kind != ast::ExprKind::kNeg &&
          expression.expr->kind != ast::ExprKind::kAggregate &&
          expression.expr->kind != ast::ExprKind::kParam) {
        Error("parse.bad_arguments",
              std::format("{}() takes a field name or an expression, not {}", name,
                          WithArticle(TypeName(*expression.expr))),
              node->span);
        return {};
      }
      break;
  }
  bool ok = static_cast<bool>(expression);
  uint32_t depth = expression.depth;
  absl::InlinedVector<ast::Kwarg, 2> kwargs;
  for (const KeywordArg& kw : args.keywords) {
    const bool allowed =
        (kw.name == "distinct" &&
         (builtin == Builtin::kCount || builtin == Builtin::kSum || builtin == Builtin::kAvg)) ||
        kw.name == "filter" || (kw.name == "default" && builtin != Builtin::kCount) ||
        (kw.name == "sample" && (builtin == Builtin::kStdDev || builtin == Builtin::kVariance));
    if (!allowed) {
      Error("parse.bad_arguments",
            kw.name == "distinct" ? std::format("{} does not allow distinct.", name)
            : kw.name == "default"
                ? std::format("{} does not allow default.", name)
                : std::format("{}() got an unexpected keyword argument '{}'", name, kw.name),
            kw.name_span);
      ok = false;
      continue;
    }
    const Value v = Expr(kw.node);
    if (!v) {
      ok = false;
      continue;
    }
    const bool is_bool = v.expr->kind == ast::ExprKind::kBool;
    if ((kw.name == "distinct" || kw.name == "sample") && !is_bool) {
      Error("parse.bad_arguments", std::format("{} must be True or False", kw.name), kw.node->span);
      ok = false;
      continue;
    }
    if (kw.name == "filter" && v.expr->kind != ast::ExprKind::kQ) {
      Error("parse.bad_arguments",
            std::format("filter must be a Q object, not {}", TypeName(*v.expr)), kw.node->span);
      ok = false;
      continue;
    }
    kwargs.push_back({kw.name, kw.name_span, v.expr});
    depth = std::max(depth, v.depth);
  }
  if (!ok) return {};
  auto* aggregate = arena_->New<ast::Aggregate>(span, AggregateFunc(builtin));
  aggregate->name_span = name_span;
  const ast::Expr** arg = arena_->NewArray<const ast::Expr*>(1).data();
  arg[0] = expression.expr;
  aggregate->args = ast::List<const ast::Expr*>(arg, 1);
  aggregate->kwargs = arena_->Copy(std::span<const ast::Kwarg>(kwargs));
  return Make(aggregate, depth + 1);
}

}  // namespace querysafe::parse_internal
