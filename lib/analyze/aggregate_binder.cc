// annotate(), alias() and aggregate(): aggregates and the grouping they imply. QE forbids
// aggregating encrypted fields (rules/qe_aggregate.cc), comparing them in an aggregate's
// filter= (rules/qe_aggregate_filter.cc) and grouping on them (rules/qe_group.cc); Django groups
// annotate()s on every selected field, so a model with an encrypted field cannot be annotated
// with an aggregate unless values() narrows the group first.

#include <cctype>
#include <format>
#include <string>

#include "lib/analyze/binders.h"
#include "lib/analyze/filter_binder.h"
#include "lib/analyze/rules/rules.h"

namespace querysafe::analyze {
namespace {

std::string_view FuncName(ast::AggregateFunc f) {
  switch (f) {
    case ast::AggregateFunc::kCount:
      return "count";
    case ast::AggregateFunc::kSum:
      return "sum";
    case ast::AggregateFunc::kAvg:
      return "avg";
    case ast::AggregateFunc::kMin:
      return "min";
    case ast::AggregateFunc::kMax:
      return "max";
    case ast::AggregateFunc::kStdDev:
      return "stddev";
    case ast::AggregateFunc::kVariance:
      return "variance";
  }
  return "aggregate";
}

// One aggregate expression; `alias` empty means Django's default alias (`value__count`).
// `pending`, when given, receives the encrypted-argument checks instead of running them now.
std::optional<bound::Aggregate> BindAggregateExpr(
    Context& ctx, const schema::Model& model, const ast::Aggregate& agg, std::string_view alias,
    ArenaVector<ChainState::PendingArgument>* pending) {
  bound::Aggregate out;
  out.func = static_cast<bound::AggregateFunc>(agg.func);
  out.span = agg.span;
  // Encrypted fields the filter= names; reported after the argument's own checks, as the server
  // checks accumulators (51221) while propagating the schema, before it analyses expressions.
  std::vector<bound::FieldRef> filter_refs;
  if (agg.args.size() != 1) {
    ctx.Report(Category::kNotSupportedError, "aggregate.arity",
               std::format("{}() takes exactly one expression.", FuncName(agg.func)), agg.span);
    return std::nullopt;
  }
  for (const ast::Kwarg& kw : agg.kwargs) {
    if (kw.name == "distinct" || kw.name == "sample") {
      const auto* b = kw.value->As<ast::BoolLit>();
      if (b == nullptr) {
        ctx.Report(Category::kValidationError, "aggregate.expected_bool",
                   std::format("'{}' must be True or False.", kw.name), kw.value->span);
        return std::nullopt;
      }
      (kw.name == "distinct" ? out.distinct : out.sample) = b->value;
    } else if (kw.name == "filter") {
      const auto* q = kw.value->As<ast::Q>();
      if (q == nullptr) {
        ctx.Report(Category::kValidationError, "aggregate.filter_not_q",
                   "An aggregate's filter must be a Q object.", kw.value->span);
        return std::nullopt;
      }
      ctx.set_group_expression_refs(&filter_refs);
      out.filter = BindCondition(ctx, model, *q);
      ctx.set_group_expression_refs(nullptr);
      if (out.filter == nullptr && filter_refs.empty()) return std::nullopt;
    } else {
      ctx.Report(
          Category::kNotSupportedError, "aggregate.unexpected_keyword",
          std::format("{}() got an unexpected keyword argument '{}'", FuncName(agg.func), kw.name),
          kw.name_span);
      return std::nullopt;
    }
  }
  const ast::Expr& arg = *agg.args[0];
  std::string default_alias;
  if (const auto* f = arg.As<ast::F>(); f != nullptr && f->path == "*") {
    if (agg.func != ast::AggregateFunc::kCount) {
      ctx.Report(Category::kFieldError, "aggregate.star", "Star is only allowed with Count.",
                 arg.span);
      return std::nullopt;
    }
  } else {
    std::vector<bound::FieldRef> referenced;
    out.arg = BindExpression(ctx, model, arg, &referenced);
    if (out.arg == nullptr) return std::nullopt;
    for (const bound::FieldRef& ref : referenced) {
      if (pending != nullptr) {
        pending->push_back({out.func, out.sample, ref, agg.span});
      } else if (!rules::CheckAggregateArgument(ctx, out.func, out.sample, ref, agg.span)) {
        return std::nullopt;
      }
    }
    if (const auto* named = arg.As<ast::F>()) {
      default_alias = std::format("{}__{}", named->path, FuncName(agg.func));
    }
  }
  for (const bound::FieldRef& ref : filter_refs) {
    if (pending == nullptr) {
      rules::ReportEncryptedAggregateFilter(ctx, ref, ref.span);
      return std::nullopt;
    }
    pending->push_back({out.func, out.sample, ref, ref.span, /*filter_reference=*/true});
  }
  // annotate() with a recorded filter field: CheckGrouping reports it (or a grouping error
  // first), so the query fails either way; the aggregate, its filter unbound, is kept only so
  // that the grouping it implies is checked.
  if (alias.empty()) {
    if (default_alias.empty()) {
      ctx.Report(Category::kNotSupportedError, "aggregate.needs_alias",
                 "Complex aggregates require an alias", agg.span);
      return std::nullopt;
    }
    alias = ctx.Keep(default_alias);
  }
  out.alias = alias;
  return out;
}

}  // namespace

void BindAnnotate(Context& ctx, ChainState& state, const ast::Step& step) {
  const std::string_view method = step.method == ast::Method::kAlias ? "alias" : "annotate";
  for (const ast::Arg& arg : step.args) {
    const auto* agg = arg.value->As<ast::Aggregate>();
    if (agg == nullptr) {
      ctx.Report(Category::kNotSupportedError, "queryset.annotate_expression",
                 std::format("querysafe translates aggregates in {}(); other expressions are "
                             "not supported.",
                             method),
                 arg.value->span);
      continue;
    }
    if (!arg.name.empty() && state.model->FindField(arg.name) != nullptr) {
      ctx.Report(Category::kNotSupportedError, "queryset.annotation_conflict",
                 std::format("The annotation '{}' conflicts with a field on the model.", arg.name),
                 arg.name_span);
      continue;
    }
    std::optional<bound::Aggregate> bound =
        BindAggregateExpr(ctx, *state.model, *agg, arg.name, &state.pending_arguments);
    if (!bound) continue;
    bound->selected = step.method != ast::Method::kAlias;
    state.annotations.push_back(*bound);
    state.annotations_group = true;
    if (state.annotate_span.end == 0) state.annotate_span = step.span;
  }
}

void BindAggregate(Context& ctx, ChainState& state, const ast::Step& step) {
  state.operation = bound::Operation::kAggregate;
  for (const ast::Arg& arg : step.args) {
    const auto* agg = arg.value->As<ast::Aggregate>();
    if (agg == nullptr) {
      ctx.Report(Category::kNotSupportedError, "queryset.not_aggregate",
                 "aggregate() takes aggregate expressions (Count, Sum, Avg, Min, Max...).",
                 arg.value->span);
      continue;
    }
    std::optional<bound::Aggregate> bound =
        BindAggregateExpr(ctx, *state.model, *agg, arg.name, nullptr);
    if (bound) state.aggregates.push_back(*bound);
  }
}

void CheckGrouping(Context& ctx, const ChainState& state) {
  const bool groups = state.annotations_group || (state.distinct && state.distinct_on.empty());
  if (!groups) return;
  const Span span = state.annotations_group ? state.annotate_span : state.distinct_span;
  auto check_arguments = [&] {
    // Accumulator arguments first (the server checks them while propagating the schema), then
    // encrypted fields in filter= (found when it analyses the expressions).
    for (const ChainState::PendingArgument& a : state.pending_arguments) {
      if (a.filter_reference) continue;
      if (!rules::CheckAggregateArgument(ctx, a.func, a.sample, a.field, a.span)) return;
    }
    for (const ChainState::PendingArgument& a : state.pending_arguments) {
      if (!a.filter_reference) continue;
      rules::ReportEncryptedAggregateFilter(ctx, a.field, a.span);
      return;
    }
  };
  if (!state.fields.empty()) {
    for (const bound::FieldRef& ref : state.fields) {
      const schema::Model& collection = ref.join ? *ref.join->target : *state.model;
      if (!rules::CheckGroupKey(ctx, collection, ref, span)) return;
    }
    check_arguments();
    return;
  }
  // Without values(), Django groups on every concrete field of the model.
  for (const auto& field : state.model->fields) {
    bound::FieldRef ref;
    ref.field = field.get();
    ref.model = state.model;
    ref.db_path = field->column;
    ref.django_path = field->name;
    ref.encrypted = state.model->FindEncryptedPath(field->column);
    ref.span = span;
    if (!rules::CheckGroupKey(ctx, *state.model, ref, span)) return;
  }
  check_arguments();
}

}  // namespace querysafe::analyze
