// The clause binders besides filters (DuckDB splits its binder the same way): each QuerySet
// clause has its own rules, QE ones included. They fill in a ChainState as the analyzer walks a
// `Model.objects...` chain; the analyzer turns the state into the bound::Query at the end.
#ifndef QUERYSAFE_LIB_ANALYZE_BINDERS_H_
#define QUERYSAFE_LIB_ANALYZE_BINDERS_H_

#include <optional>
#include <string_view>
#include <vector>

#include "lib/analyze/bound.h"
#include "lib/analyze/context.h"
#include "lib/common/arena_vector.h"
#include "lib/parse/ast.h"

namespace querysafe::analyze {

// Everything a chain has said so far, in Django's terms. Lists live in the query's arena.
struct ChainState {
  explicit ChainState(Arena* arena)
      : filters(arena),
        order_by(arena),
        fields(arena),
        deferred(arena),
        distinct_on(arena),
        annotations(arena),
        pending_arguments(arena),
        joins(arena),
        aggregates(arena),
        assignments(arena),
        in_bulk_values(arena) {}

  const schema::Model* model = nullptr;
  ArenaVector<const bound::Filter*> filters;  // ANDed
  // Slicing: Django's low/high marks.
  int64_t low = 0;
  std::optional<int64_t> high;
  const bound::Value* low_param = nullptr;
  const bound::Value* high_param = nullptr;
  bool sliced = false;
  bool single = false;  // qs[n]
  // Ordering: explicit order_by() replaces the model's default; order_by() with no fields
  // clears both.
  bool has_order_by = false;
  ArenaVector<bound::OrderBy> order_by;
  bool reversed = false;
  Span order_span;
  // values()/values_list()/only()/defer()
  bound::ResultShape shape = bound::ResultShape::kModels;
  ArenaVector<bound::FieldRef> fields;
  ArenaVector<bound::FieldRef> deferred;
  bool distinct = false;
  ArenaVector<bound::FieldRef> distinct_on;
  Span distinct_span;
  ArenaVector<bound::Aggregate> annotations;
  bool annotations_group = false;  // an aggregate was annotated: Django groups
  Span annotate_span;
  // Aggregate arguments of annotate()/alias(), checked only once the grouping passed: the
  // server rejects the $group key first, so that is the error Django users see.
  struct PendingArgument {
    bound::AggregateFunc func;
    bool sample;
    bound::FieldRef field;
    Span span;
    bool filter_reference = false;  // an encrypted field in the aggregate's filter=
  };
  ArenaVector<PendingArgument> pending_arguments;
  ArenaVector<bound::Join> joins;  // select_related()
  bool empty = false;              // none()
  // Terminal methods.
  bound::Operation operation = bound::Operation::kSelect;
  std::string_view terminal;  // the method that ended the chain, for "... has no attribute"
  ArenaVector<bound::Aggregate> aggregates;
  ArenaVector<bound::Assignment> assignments;
  bound::FieldRef in_bulk_field;
  ArenaVector<bound::Value> in_bulk_values;
  bool in_bulk_ids = false;
  bound::FieldRef dates_field;
  std::string_view dates_kind;
  bool dates_descending = false;
  std::string_view dates_time_zone;
  std::string_view combinator;  // "union", ... (only on databases without encryption)
};

// order_by(*fields) and reverse(); the model's default ordering.
void BindOrderBy(Context& ctx, ChainState& state, const ast::Step& step);
std::span<const bound::OrderBy> EffectiveOrdering(Context& ctx, const ChainState& state,
                                                  Span query_span);

// values(), values_list(), only(), defer(), distinct().
void BindValues(Context& ctx, ChainState& state, const ast::Step& step);
void BindOnlyDefer(Context& ctx, ChainState& state, const ast::Step& step);
void BindDistinct(Context& ctx, ChainState& state, const ast::Step& step);

// annotate(), alias(), aggregate().
void BindAnnotate(Context& ctx, ChainState& state, const ast::Step& step);
void BindAggregate(Context& ctx, ChainState& state, const ast::Step& step);
// Checks the grouping an annotation implies, once the chain is complete.
void CheckGrouping(Context& ctx, const ChainState& state);

// update(), delete().
void BindUpdate(Context& ctx, ChainState& state, const ast::Step& step);
void BindDelete(Context& ctx, ChainState& state, const ast::Step& step);

// dates(), datetimes(), in_bulk(), select_related().
void BindDates(Context& ctx, ChainState& state, const ast::Step& step);
void BindInBulk(Context& ctx, ChainState& state, const ast::Step& step);
void BindSelectRelated(Context& ctx, ChainState& state, const ast::Step& step);

// A field named by a string argument (order_by("-a__b"), values("a"), F("a")): resolves it
// from `model` with the string's span. `offset` skips a leading '-' or '?'.
std::optional<bound::FieldRef> ResolveFieldName(Context& ctx, const schema::Model& model,
                                                std::string_view name, Span span,
                                                size_t offset = 0);

// The string value of a positional argument, or null after reporting that it must be one.
const ast::StringLit* StringArg(Context& ctx, const ast::Arg& arg, std::string_view method);

// Reports "QuerySet.<method>() got an unexpected keyword argument '<name>'".
void UnexpectedKeyword(Context& ctx, std::string_view method, const ast::Arg& arg);

}  // namespace querysafe::analyze

#endif  // QUERYSAFE_LIB_ANALYZE_BINDERS_H_
