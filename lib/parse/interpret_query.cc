// QuerySets: `Model.manager` then method calls and slices. Each call is checked
// against the method's Python signature; filter/exclude/get arguments become
// one Q node; a method that does not return a QuerySet (count(), get()...) ends
// the chain.
#include <format>

#include "grammar/identifier.h"
#include "lib/parse/interpreter.h"
#include "lib/parse/methods.h"

namespace querysafe::parse_internal {

namespace {

bool IsConditionMethod(ast::Method m) {
  return m == ast::Method::kFilter || m == ast::Method::kExclude || m == ast::Method::kGet;
}

// Module names of the qualified spellings (models.Q, datetime.date...):
// `models.Foo(...)` is an unknown function rather than a misused manager.
bool IsModuleName(std::string_view name) {
  return name == "models" || name == "django" || name == "datetime" || name == "decimal" ||
         name == "uuid" || name == "bson" || name == "timezone";
}

bool IsSetOperation(ast::Method m) {
  return m == ast::Method::kUnion || m == ast::Method::kIntersection ||
         m == ast::Method::kDifference;
}

}  // namespace

namespace {

// Python's binding rules for a call of `m` with `args`: reports what Python's
// TypeError would.
bool CheckSignature(Interpreter& in, const MethodInfo& m, Span call_span, const CallArgs& args) {
  bool ok = true;
  const size_t given = args.positional.size();
  if (!m.varargs && given > m.num_params) {
    in.Error("parse.bad_arguments",
             m.num_params == 0
                 ? std::format("{}() takes no positional arguments ({} given)", m.name, given)
                 : std::format("{}() takes at most {} positional argument{} ({} given)", m.name,
                               m.num_params, m.num_params == 1 ? "" : "s", given),
             args.positional[m.num_params].node->span);
    ok = false;
  }
  std::array<bool, 4> bound = {};
  for (size_t i = 0; i < std::min<size_t>(given, m.num_params); ++i) bound[i] = true;
  for (const KeywordArg& kw : args.keywords) {
    const auto* param = std::find(m.params.begin(), m.params.begin() + m.num_params, kw.name);
    if (param != m.params.begin() + m.num_params) {
      const size_t index = static_cast<size_t>(param - m.params.begin());
      if (bound[index]) {
        in.Error("parse.bad_arguments",
                 std::format("{}() got multiple values for argument '{}'", m.name, kw.name),
                 kw.name_span);
        ok = false;
      }
      bound[index] = true;
      continue;
    }
    if (std::find(m.kwonly.begin(), m.kwonly.begin() + m.num_kwonly, kw.name) !=
            m.kwonly.begin() + m.num_kwonly ||
        m.varkw) {
      continue;
    }
    in.Error("parse.bad_arguments",
             std::format("{}() got an unexpected keyword argument '{}'", m.name, kw.name),
             kw.name_span);
    ok = false;
  }
  for (size_t i = 0; i < m.required; ++i) {
    if (!bound[i]) {
      in.Error("parse.bad_arguments",
               std::format("{}() missing required argument '{}'", m.name, m.params[i]), call_span);
      ok = false;
    }
  }
  return ok;
}

}  // namespace

Value Interpreter::QuerySet(const syntax::Postfix& postfix, const DottedName& dotted) {
  const std::string_view model = dotted.parts[0];
  const auto& trailers = postfix.trailers;
  if (grammar::IsPythonKeyword(model)) {
    Error("parse.keyword", std::format("'{}' is a Python keyword and cannot be used here", model),
          postfix.atom->span);
    return {};
  }
  if (trailers[0].kind != syntax::Trailer::Kind::kAttribute) {
    Error(trailers[0].kind == syntax::Trailer::Kind::kCall ? "parse.unknown_name"
                                                           : "parse.not_a_query",
          trailers[0].kind == syntax::Trailer::Kind::kCall
              ? std::format("'{}' is not a known function", model)
              : std::format("a query starts with {}.objects", model),
          trailers[0].kind == syntax::Trailer::Kind::kCall ? postfix.atom->span : trailers[0].span);
    return {};
  }
  const std::string_view manager = Text(trailers[0].name);
  if (manager != "objects" && (FindMethod(manager) != nullptr || IsUnsupportedMethod(manager))) {
    Error("parse.missing_manager",
          std::format("QuerySet methods are called on a manager: write "
                      "{0}.objects.{1}(...), "
                      "not {0}.{1}(...)",
                      model, manager),
          Span{postfix.atom->span.begin, trailers[0].span.end});
    return {};
  }
  if (grammar::IsPythonKeyword(manager)) {
    Error("parse.keyword", std::format("'{}' is a Python keyword and cannot be used here", manager),
          trailers[0].name);
    return {};
  }

  // Steps are written in place, in the arena (a step is large; copying one just
  // written is slow). (Constructed one by one as they are used: a step is
  // large.)
  auto* steps = static_cast<ast::Step*>(
      arena_->Allocate(sizeof(ast::Step) * trailers.size(), alignof(ast::Step)));
  size_t num_steps = 0;
  uint32_t depth = 0;
  bool ok = true;
  std::string_view terminal;  // "count()" after a method that ends the chain
  std::string_view returns;
  for (size_t i = 1; i < trailers.size(); ++i) {
    const syntax::Trailer& t = trailers[i];
    if (!terminal.empty()) {
      Error("parse.after_terminal",
            std::format("{} returns {}, not a QuerySet: nothing can follow it", terminal, returns),
            t.span);
      return {};
    }
    ast::Step& step = *::new (steps + num_steps) ast::Step();
    uint32_t step_depth = 0;
    if (t.kind == syntax::Trailer::Kind::kCall) {
      if (i > 1) {
        Error("parse.unsupported_expression", "a QuerySet is not callable", t.span);
      } else if (IsModuleName(model)) {
        Error("parse.unknown_name", std::format("'{}.{}' is not a known function", model, manager),
              Span{postfix.atom->span.begin, trailers[0].span.end});
      } else {
        Error("parse.unsupported_expression",
              std::format("'{0}.{1}' is a manager, not a function: write "
                          "{0}.{1}.all() or "
                          "{0}.{1}.filter(...)",
                          model, manager),
              t.span);
      }
      return {};
    }
    if (t.kind == syntax::Trailer::Kind::kSubscript) {
      step.span = t.span;
      const auto index = [&](const syntax::Node* node, const ast::Expr** out) {
        if (node == nullptr) return;
        const Value v = Expr(node);
        if (!v) {
          ok = false;
          return;
        }
        if (v.expr->kind == ast::ExprKind::kNone) return;  // [None:5] is [:5]
        if (v.expr->kind != ast::ExprKind::kInt && v.expr->kind != ast::ExprKind::kParam) {
          Error("parse.bad_index",
                std::format("QuerySet indices must be integers or slices, not {}.",
                            TypeName(*v.expr)),
                v.expr->span);
          ok = false;
          return;
        }
        *out = v.expr;
        step_depth = 1;
      };
      if (t.is_slice) {
        step.kind = ast::Step::Kind::kSlice;
        index(t.lower, &step.start);
        index(t.upper, &step.stop);
        index(t.step, &step.step);
      } else {
        step.kind = ast::Step::Kind::kIndex;
        index(t.lower, &step.index);
        if (ok && step.index == nullptr) {
          Error("parse.bad_index", "QuerySet indices must be integers or slices, not NoneType.",
                t.span);
          ok = false;
        }
        terminal = "indexing a QuerySet";
        returns = "a model instance";
      }
    } else {
      // A method: its name, then its call.
      const std::string_view name = Text(t.name);
      const MethodInfo* method = FindMethod(name);
      if (method == nullptr) {
        if (IsUnsupportedMethod(name)) {
          Error("parse.unsupported_method",
                std::format("QuerySet method '{}' is not supported", name), t.name);
        } else {
          const std::string_view suggestion = SuggestMethod(name);
          Error("parse.unknown_method",
                suggestion.empty() ? std::format("QuerySet has no method '{}'", name)
                                   : std::format("QuerySet has no method '{}'; did you mean '{}'?",
                                                 name, suggestion),
                t.name);
        }
        return {};
      }
      if (i + 1 == trailers.size() || trailers[i + 1].kind != syntax::Trailer::Kind::kCall) {
        Error("parse.expected_call", std::format("'{0}' is a method: call it, as in {0}()", name),
              t.name);
        return {};
      }
      const syntax::Trailer& call = trailers[++i];
      step.kind = ast::Step::Kind::kCall;
      step.method = method->method;
      step.method_span = t.name;
      step.span = Span{t.name.begin, call.span.end};
      CallArgs args;
      if (!NormalizeArgs(name, call, &args)) {
        ok = false;
      } else if (IsConditionMethod(method->method)) {
        absl::InlinedVector<const ast::Expr*, 4> children;
        uint32_t condition_depth = 0;
        if (QChildren(name, args, &children, &condition_depth)) {
          const Value q = New<ast::Q>(condition_depth + 1, call.span, ast::Q::Op::kAnd,
                                      arena_->Copy(std::span<const ast::Expr* const>(children)));
          if (q) {
            step.condition = &q.expr->Cast<ast::Q>();
            step_depth = q.depth;
          } else {
            ok = false;
          }
        } else {
          ok = false;
        }
      } else if (!CheckSignature(*this, *method, call.span, args)) {
        ok = false;
      } else {
        // Arguments as written: positional first, then keywords.
        std::span<ast::Arg> out =
            arena_->NewArray<ast::Arg>(args.positional.size() + args.keywords.size());
        size_t n = 0;
        const auto add = [&](std::string_view arg_name, Span name_span, const syntax::Node* node,
                             size_t position) {
          // datetimes()' tzinfo is a time zone, which no AST value stands for.
          if (method->method == ast::Method::kDatetimes &&
              (arg_name == "tzinfo" || position == 3) &&
              !(node->kind == syntax::Kind::kName && Text(node->span) == "None")) {
            Error("parse.unsupported_argument",
                  "datetimes(tzinfo=...) is not supported: leave it out to use "
                  "the current time "
                  "zone",
                  node->span);
            ok = false;
            return;
          }
          const Value v = Expr(node);
          if (!v) {
            ok = false;
            return;
          }
          if (IsSetOperation(method->method) && arg_name.empty() &&
              v.expr->kind != ast::ExprKind::kQuerySet) {
            Error("parse.bad_arguments",
                  std::format("{}() takes QuerySets, not {}", name, TypeName(*v.expr)),
                  v.expr->span);
            ok = false;
            return;
          }
          out[n++] = ast::Arg{arg_name, name_span, v.expr};
          step_depth = std::max(step_depth, v.depth);
        };
        for (size_t k = 0; k < args.positional.size(); ++k) {
          add({}, {}, args.positional[k].node, k);
        }
        for (const KeywordArg& kw : args.keywords) add(kw.name, kw.name_span, kw.node, SIZE_MAX);
        step.args = out.first(n);
      }
      if (!method->returns.empty()) {
        terminal = arena_->CopyString(std::format("{}()", method->name));
        returns = method->returns;
      }
    }
    depth = std::max(depth, step_depth + 1);
    ++num_steps;
  }
  if (!ok) return {};
  auto* query = arena_->New<ast::Query>();
  query->kind = ast::Query::Kind::kChain;
  query->span = postfix.span;
  query->model = model;
  query->model_span = postfix.atom->span;
  query->manager = manager;
  query->manager_span = trailers[0].name;
  query->steps = ast::List<ast::Step>(steps, num_steps);
  return New<ast::QuerySetExpr>(depth + 2, postfix.span, query);
}

}  // namespace querysafe::parse_internal
