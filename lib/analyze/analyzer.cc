// The analyzer's driver: walks a `Model.objects...` chain step by step as Django's QuerySet would
// (each method's own argument checks, slicing, terminal methods), hands each clause to its
// binder, and assembles the bound::Query. QE rules live in rules/; the clause binders call them.

#include <format>

#include "lib/analyze/analyze.h"
#include "lib/analyze/binders.h"
#include "lib/analyze/context.h"
#include "lib/analyze/filter_binder.h"
#include "lib/analyze/rules/rules.h"
#include "lib/common/difflib.h"

namespace querysafe::analyze {
namespace {

using ast::Method;
using bound::Operation;

// Django's MAX_GET_RESULTS: get() fetches this many to say how many it found.
constexpr int64_t kMaxGetResults = 21;

// Query.set_limits(): slices compose relative to earlier ones.
void SetLimits(ChainState& state, std::optional<int64_t> low, std::optional<int64_t> high) {
  if (high) {
    state.high = state.high ? std::min(*state.high, state.low + *high) : state.low + *high;
  }
  if (low) {
    state.low = state.high ? std::min(*state.high, state.low + *low) : state.low + *low;
  }
  if (state.high && state.low == *state.high) state.empty = true;
  state.sliced = state.low != 0 || state.high.has_value();
}

// An integer slice bound: a literal, or a `$name` parameter (only on an unsliced query, where
// its meaning does not depend on earlier limits). Returns false after reporting.
bool SliceBound(Context& ctx, ChainState& state, const ast::Expr* e, std::optional<int64_t>* out,
                const bound::Value** param) {
  if (e == nullptr) return true;
  if (const auto* i = e->As<ast::IntLit>()) {
    if (i->value < 0) {
      ctx.Report(Category::kNotSupportedError, "queryset.negative_index",
                 "Negative indexing is not supported.", e->span);
      return false;
    }
    *out = i->value;
    return true;
  }
  if (const auto* p = e->As<ast::Param>()) {
    if (state.sliced) {
      ctx.Report(Category::kNotSupportedError, "queryset.param_slice_after_slice",
                 "A parameter slice bound must be the query's first slice.", e->span);
      return false;
    }
    bound::Param decl;
    decl.name = p->name;
    decl.use = bound::Param::Use::kSliceBound;
    decl.span = e->span;
    ctx.params().push_back(decl);
    auto* v = ctx.arena()->New<bound::Value>();
    v->kind = bound::Value::Kind::kParam;
    v->param = static_cast<uint32_t>(ctx.params().size() - 1);
    v->span = e->span;
    *param = v;
    return true;
  }
  ctx.Report(Category::kNotSupportedError, "queryset.slice_type",
             "QuerySet indices must be integers or slices.", e->span);
  return false;
}

void ApplySlice(Context& ctx, ChainState& state, const ast::Step& step) {
  if (step.step != nullptr) {
    ctx.Report(Category::kNotSupportedError, "queryset.slice_step",
               "A slice step cannot be expressed in one MongoDB command (Django evaluates the "
               "whole QuerySet for it).",
               step.step->span);
    return;
  }
  std::optional<int64_t> low, high;
  const bound::Value* low_param = nullptr;
  const bound::Value* high_param = nullptr;
  if (!SliceBound(ctx, state, step.start, &low, &low_param) ||
      !SliceBound(ctx, state, step.stop, &high, &high_param)) {
    return;
  }
  if (low_param != nullptr || high_param != nullptr) {
    state.low_param = low_param;
    state.high_param = high_param;
    if (low) state.low = *low;
    if (high) state.high = *high;
    state.sliced = true;
    return;
  }
  SetLimits(state, low, high);
}

std::string_view TerminalResultType(const ChainState& state) {
  switch (state.operation) {
    case Operation::kCount:
    case Operation::kUpdate:
      return "int";
    case Operation::kExists:
      return "bool";
    case Operation::kAggregate:
    case Operation::kInBulk:
      return "dict";
    case Operation::kDelete:
      return "tuple";
    default:
      return state.model->name;
  }
}

bool IsOrdered(const ChainState& state) {
  if (state.has_order_by) return !state.order_by.empty();
  return !state.model->ordering.empty();
}

// filter()/exclude()/get() arguments.
bool AddCondition(Context& ctx, ChainState& state, const ast::Step& step) {
  if (step.condition == nullptr || IsEmptyCondition(*step.condition)) return true;
  if (state.sliced) {
    ctx.Report(Category::kNotSupportedError, "queryset.filter_after_slice",
               "Cannot filter a query once a slice has been taken.", step.span);
    return false;
  }
  const bound::Filter* f = BindCondition(ctx, *state.model, *step.condition);
  if (f == nullptr) return false;
  if (step.method == Method::kExclude) {
    const bound::Filter* children[] = {f};
    f = MakeFilter(ctx, bound::Filter::Kind::kNot, children, step.span);
  }
  state.filters.push_back(f);
  return true;
}

void Terminal(ChainState& state, Operation op, std::string_view method) {
  state.operation = op;
  state.terminal = method;
}

void NoArguments(Context& ctx, const ast::Step& step) {
  if (!step.args.empty()) {
    ctx.Report(Category::kNotSupportedError, "queryset.unexpected_arguments",
               std::format("QuerySet.{}() takes no arguments.", ast::MethodName(step.method)),
               step.span);
  }
}

void BindCall(Context& ctx, ChainState& state, const ast::Step& step) {
  switch (step.method) {
    case Method::kAll:
    case Method::kUsing:
      return;
    case Method::kNone:
      state.empty = true;
      return;
    case Method::kFilter:
    case Method::kExclude:
      AddCondition(ctx, state, step);
      return;
    case Method::kGet:
      if (!AddCondition(ctx, state, step)) return;
      // get() drops the ordering of an unsliced query and fetches up to 21 to report how many.
      if (!state.sliced && state.distinct_on.empty()) {
        state.has_order_by = true;
        state.order_by.clear();
      }
      SetLimits(state, std::nullopt, kMaxGetResults);
      Terminal(state, Operation::kGet, "get");
      return;
    case Method::kOrderBy:
      BindOrderBy(ctx, state, step);
      return;
    case Method::kReverse:
      NoArguments(ctx, step);
      if (state.sliced) {
        ctx.Report(Category::kNotSupportedError, "queryset.reverse_after_slice",
                   "Cannot reverse a query once a slice has been taken.", step.span);
        return;
      }
      state.reversed = !state.reversed;
      return;
    case Method::kDistinct:
      BindDistinct(ctx, state, step);
      return;
    case Method::kValues:
    case Method::kValuesList:
      BindValues(ctx, state, step);
      return;
    case Method::kOnly:
    case Method::kDefer:
      BindOnlyDefer(ctx, state, step);
      return;
    case Method::kAnnotate:
    case Method::kAlias:
      BindAnnotate(ctx, state, step);
      return;
    case Method::kAggregate:
      BindAggregate(ctx, state, step);
      Terminal(state, Operation::kAggregate, "aggregate");
      return;
    case Method::kCount:
      NoArguments(ctx, step);
      Terminal(state, Operation::kCount, "count");
      return;
    case Method::kExists:
      NoArguments(ctx, step);
      if (!state.sliced) SetLimits(state, std::nullopt, 1);
      Terminal(state, Operation::kExists, "exists");
      return;
    case Method::kFirst:
    case Method::kLast: {
      NoArguments(ctx, step);
      const bool first = step.method == Method::kFirst;
      if (state.annotations_group && !IsOrdered(state)) {
        ctx.Report(Category::kNotSupportedError, "queryset.first_unordered_aggregation",
                   std::format("Cannot use QuerySet.{}() on an unordered queryset performing "
                               "aggregation. Add an ordering with order_by().",
                               first ? "first" : "last"),
                   step.span);
        return;
      }
      if (!IsOrdered(state)) {
        if (state.sliced) {
          ctx.Report(Category::kNotSupportedError, "queryset.reorder_after_slice",
                     "Cannot reorder a query once a slice has been taken.", step.span);
          return;
        }
        bound::FieldRef pk;
        pk.field = state.model->pk;
        pk.model = state.model;
        pk.db_path = state.model->pk->column;
        pk.django_path = "pk";
        pk.span = step.span;
        state.has_order_by = true;
        state.order_by.clear();
        state.order_by.push_back({pk, !first});
      } else if (!first) {
        if (state.sliced) {
          ctx.Report(Category::kNotSupportedError, "queryset.reverse_after_slice",
                     "Cannot reverse a query once a slice has been taken.", step.span);
          return;
        }
        state.reversed = !state.reversed;
      }
      SetLimits(state, std::nullopt, 1);
      Terminal(state, first ? Operation::kFirst : Operation::kLast, first ? "first" : "last");
      return;
    }
    case Method::kUpdate:
      BindUpdate(ctx, state, step);
      state.terminal = "update";
      return;
    case Method::kDelete:
      BindDelete(ctx, state, step);
      state.terminal = "delete";
      return;
    case Method::kUnion:
    case Method::kIntersection:
    case Method::kDifference: {
      const std::string_view name = ast::MethodName(step.method);
      if (rules::CheckSetOperation(ctx, name, step.span)) {
        ctx.Report(Category::kNotSupportedError, "queryset.combinator",
                   std::format("querysafe does not translate {}() (a $unionWith pipeline); run "
                               "the QuerySets separately.",
                               name),
                   step.span);
      }
      return;
    }
    case Method::kDates:
    case Method::kDatetimes:
      BindDates(ctx, state, step);
      return;
    case Method::kInBulk:
      BindInBulk(ctx, state, step);
      state.terminal = "in_bulk";
      return;
    case Method::kSelectRelated:
      BindSelectRelated(ctx, state, step);
      return;
  }
}

bool WalkChain(Context& ctx, const ast::Query& q, ChainState& state);

const schema::Model* FindQueryModel(Context& ctx, const ast::Query& q) {
  const schema::Model* model = ctx.schema().FindModel(q.model);
  if (model == nullptr) {
    std::vector<std::string_view> names;
    for (const auto& m : ctx.schema().models) {
      if (!m->embedded) names.push_back(m->name);
    }
    std::vector<std::string> close = GetCloseMatches(q.model, names);
    ctx.Report(Category::kImproperlyConfigured, "query.unknown_model",
               std::format("The schema has no model '{}'{}", q.model,
                           close.empty() ? std::string(".")
                                         : std::format("; did you mean '{}'?", close[0])),
               q.model_span);
    return nullptr;
  }
  if (model->embedded) {
    ctx.Report(Category::kImproperlyConfigured, "query.embedded_model",
               std::format("{} is an embedded model: it has no collection and no manager; query "
                           "it through the model that embeds it.",
                           model->name),
               q.model_span);
    return nullptr;
  }
  if (q.manager != "objects" && q.manager != "_default_manager" && q.manager != "_base_manager") {
    ctx.Report(Category::kImproperlyConfigured, "query.unknown_manager",
               std::format("type object '{}' has no attribute '{}' (querysafe knows the default "
                           "manager, 'objects').",
                           model->name, q.manager),
               q.manager_span);
    return nullptr;
  }
  return model;
}

void WalkSteps(Context& ctx, ast::List<ast::Step> steps, ChainState& state) {
  for (const ast::Step& step : steps) {
    if (ctx.full()) return;
    if (!state.terminal.empty()) {
      ctx.Report(Category::kNotSupportedError, "queryset.after_terminal",
                 std::format("'{}' object has no attribute '{}' ({}() does not return a "
                             "QuerySet).",
                             TerminalResultType(state),
                             step.kind == ast::Step::Kind::kCall ? ast::MethodName(step.method)
                                                                 : "__getitem__",
                             state.terminal),
                 step.span);
      return;
    }
    switch (step.kind) {
      case ast::Step::Kind::kSlice:
        ApplySlice(ctx, state, step);
        break;
      case ast::Step::Kind::kIndex: {
        std::optional<int64_t> index;
        const bound::Value* param = nullptr;
        if (step.index != nullptr && step.index->kind == ast::ExprKind::kParam) {
          ctx.Report(Category::kNotSupportedError, "queryset.param_index",
                     "Use a slice ([$n:$m]) for parameterized limits; qs[$n] is not supported.",
                     step.span);
          return;
        }
        if (!SliceBound(ctx, state, step.index, &index, &param) || !index) return;
        SetLimits(state, *index, *index + 1);
        state.single = true;
        state.terminal = "__getitem__";
        break;
      }
      case ast::Step::Kind::kCall:
        BindCall(ctx, state, step);
        break;
    }
  }
}

bool WalkChain(Context& ctx, const ast::Query& q, ChainState& state) {
  if (q.kind == ast::Query::Kind::kChain) {
    state.model = FindQueryModel(ctx, q);
    if (state.model == nullptr) return false;
    WalkSteps(ctx, q.steps, state);
    return true;
  }
  // qs1 | qs2 (and & ^): Django combines the two WHERE clauses; both must be plain filters on
  // the same model.
  ChainState lhs(ctx.arena()), rhs(ctx.arena());
  if (!WalkChain(ctx, *q.lhs, lhs) || !WalkChain(ctx, *q.rhs, rhs)) return false;
  if (lhs.model != rhs.model) {
    ctx.Report(Category::kNotSupportedError, "queryset.combine_models",
               "Cannot combine queries on two different base models.", q.operator_span);
    return false;
  }
  if (lhs.sliced || rhs.sliced) {
    ctx.Report(Category::kNotSupportedError, "queryset.combine_sliced",
               "Cannot combine queries once a slice has been taken.", q.operator_span);
    return false;
  }
  if (!lhs.terminal.empty() || !rhs.terminal.empty()) {
    ctx.Report(Category::kNotSupportedError, "queryset.combine_terminal",
               "Only QuerySets can be combined with | & ^.", q.operator_span);
    return false;
  }
  if (lhs.distinct != rhs.distinct) {
    ctx.Report(Category::kNotSupportedError, "queryset.combine_distinct",
               "Cannot combine a unique query with a non-unique query.", q.operator_span);
    return false;
  }
  auto side = [&ctx](const ChainState& s) -> const bound::Filter* {
    if (s.empty) return FalseFilter(ctx);
    if (s.filters.empty()) return TrueFilter(ctx);
    if (s.filters.size() == 1) return s.filters[0];
    return MakeFilter(ctx, bound::Filter::Kind::kAnd, s.filters.span(), {});
  };
  const bound::Filter* children[] = {side(lhs), side(rhs)};
  const bound::Filter* combined = nullptr;
  if (q.combine == ast::Query::Combine::kXor) {
    // qs1 ^ qs2 ^ qs3 is one n-ary XOR in Django (Node.add squashes it), grouped as for Q.
    combined = MakeXor(ctx, children, q.span);
  } else {
    combined = MakeFilter(ctx,
                          q.combine == ast::Query::Combine::kOr ? bound::Filter::Kind::kOr
                                                                : bound::Filter::Kind::kAnd,
                          children, q.span);
  }
  state = std::move(lhs);
  state.empty = false;
  state.filters.clear();
  state.filters.push_back(combined);
  if (rhs.has_order_by) {  // Query.combine keeps rhs's ordering
    state.has_order_by = true;
    state.order_by = rhs.order_by;
  }
  WalkSteps(ctx, q.steps, state);
  return true;
}

// Every join the query needs: select_related() ones and those its fields cross.
void CollectJoins(const bound::Filter* f, ArenaVector<bound::Join>& joins) {
  auto add = [&joins](const bound::Join* j) {
    if (j == nullptr) return;
    for (const bound::Join& seen : joins) {
      if (seen.fk == j->fk) return;
    }
    joins.push_back(*j);
  };
  if (f == nullptr) return;
  if (f->predicate != nullptr) {
    add(f->predicate->lhs.join);
  }
  for (const bound::Filter* c : f->children) CollectJoins(c, joins);
}

const bound::Query* Assemble(Context& ctx, ChainState& state, const ast::Query& q) {
  Arena* arena = ctx.arena();
  auto* out = arena->New<bound::Query>();
  out->database = ctx.schema().database;
  out->model = state.model;
  out->operation = state.operation;
  if (state.single) out->operation = Operation::kFirst;
  out->shape = state.shape;
  out->span = q.span;
  out->empty = state.empty;
  if (state.empty) {
    out->filter = FalseFilter(ctx);
  } else if (state.filters.empty()) {
    out->filter = TrueFilter(ctx);
  } else if (state.filters.size() == 1) {
    out->filter = state.filters[0];
  } else {
    out->filter = MakeFilter(ctx, bound::Filter::Kind::kAnd, state.filters.span(), q.span);
  }
  // Ordering matters only where Django keeps it.
  switch (state.operation) {
    case Operation::kSelect:
    case Operation::kGet:
    case Operation::kFirst:
    case Operation::kLast:
    case Operation::kDates:
    case Operation::kDatetimes: {
      out->order_by = EffectiveOrdering(ctx, state, q.span);
      out->ordered_by_default = !state.has_order_by;
      break;
    }
    default:
      break;
  }
  CheckGrouping(ctx, state);
  if (state.operation == Operation::kUpdate || state.operation == Operation::kDelete) {
    // django-mongodb-backend's compiler refuses a multi-collection write before anything is
    // sent, so the server's single-document rule comes after it.
    const bool update = state.operation == Operation::kUpdate;
    if (rules::CheckSingleCollectionWrite(ctx, *out->filter, update ? "update" : "delete",
                                          q.span) &&
        update) {
      rules::CheckUpdate(ctx, *out->filter, q.span);
    }
  }
  rules::CheckXorExpansion(ctx, *out->filter);
  out->fields = state.fields.span();
  out->deferred = state.deferred.span();
  out->distinct = state.distinct;
  out->distinct_on = state.distinct_on.span();
  out->annotations = state.annotations.span();
  if (state.annotations_group) out->group_by = out->fields;
  out->aggregates = state.aggregates.span();
  ArenaVector<bound::Join> joins = state.joins;
  if (ctx.made_joins()) CollectJoins(out->filter, joins);
  for (const bound::OrderBy& o : out->order_by) {
    if (o.field.join != nullptr) {
      bool seen = false;
      for (const bound::Join& j : joins) seen = seen || j.fk == o.field.join->fk;
      if (!seen) joins.push_back(*o.field.join);
    }
  }
  out->joins = joins.span();
  out->assignments = state.assignments.span();
  out->offset = state.low;
  out->limit = state.high ? *state.high - state.low : -1;
  out->offset_param = state.low_param;
  out->limit_param = state.high_param;
  out->in_bulk_field = state.in_bulk_field;
  out->in_bulk_values = state.in_bulk_values.span();
  out->in_bulk_ids = state.in_bulk_ids;
  out->multi_update = !ctx.encrypted_database();
  out->dates_field = state.dates_field;
  out->dates_kind = state.dates_kind;
  out->dates_descending = state.dates_descending;
  out->dates_time_zone = state.dates_time_zone;
  out->params = ctx.params().span();
  return out;
}

}  // namespace

AnalyzeResult Analyze(const ast::Query& query, const schema::Schema& schema,
                      const AnalyzeOptions& options, Arena* arena) {
  Context ctx(schema, options, arena);
  ChainState state(arena);
  const bound::Query* bound = nullptr;
  if (WalkChain(ctx, query, state) && !ctx.failed()) {
    bound = Assemble(ctx, state, query);
  }
  AnalyzeResult result;
  if (ctx.failed()) {
    result.diagnostics = ctx.TakeDiagnostics();
  } else {
    result.query = bound;
  }
  return result;
}

}  // namespace querysafe::analyze
