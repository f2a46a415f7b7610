// values(), values_list(), only(), defer() and distinct(): which fields come back, and which
// ones the server must group on (distinct). Projecting an encrypted field is fine (the client
// decrypts it); grouping on one is not (rules/qe_group.cc, checked in CheckGrouping).

#include <format>

#include "lib/analyze/binders.h"
#include "lib/analyze/rules/rules.h"

namespace querysafe::analyze {
namespace {

std::optional<bool> BoolKeyword(Context& ctx, const ast::Arg& arg) {
  if (const auto* b = arg.value->As<ast::BoolLit>()) return b->value;
  ctx.Report(Category::kValidationError, "queryset.expected_bool",
             std::format("'{}' must be True or False.", arg.name), arg.value->span);
  return std::nullopt;
}

}  // namespace

void BindValues(Context& ctx, ChainState& state, const ast::Step& step) {
  const bool is_list = step.method == ast::Method::kValuesList;
  const std::string_view method = is_list ? "values_list" : "values";
  bool flat = false, named = false;
  ArenaVector<bound::FieldRef> fields(ctx.arena());
  for (const ast::Arg& arg : step.args) {
    if (!arg.name.empty()) {
      if (is_list && (arg.name == "flat" || arg.name == "named")) {
        std::optional<bool> v = BoolKeyword(ctx, arg);
        if (v) (arg.name == "flat" ? flat : named) = *v;
        continue;
      }
      if (!is_list) {
        ctx.Report(Category::kNotSupportedError, "queryset.values_expression",
                   "querysafe translates values() over field names; expressions "
                   "(values(name=...)) are not supported.",
                   arg.name_span);
        continue;
      }
      UnexpectedKeyword(ctx, method, arg);
      continue;
    }
    const ast::StringLit* s = StringArg(ctx, arg, method);
    if (s == nullptr) continue;
    if (std::optional<bound::FieldRef> ref =
            ResolveFieldName(ctx, *state.model, s->value, s->span)) {
      fields.push_back(*ref);
    }
  }
  if (flat && named) {
    ctx.Report(Category::kNotSupportedError, "queryset.flat_and_named",
               "'flat' and 'named' can't be used together.", step.span);
  }
  if (flat && fields.size() > 1) {
    ctx.Report(Category::kNotSupportedError, "queryset.flat_many_fields",
               "'flat' is not valid when values_list is called with more than one field.",
               step.span);
  }
  state.fields = fields;
  state.deferred.clear();
  state.shape = !is_list ? bound::ResultShape::kValues
                : flat   ? bound::ResultShape::kFlat
                : named  ? bound::ResultShape::kNamed
                         : bound::ResultShape::kValuesList;
}

void BindOnlyDefer(Context& ctx, ChainState& state, const ast::Step& step) {
  const bool only = step.method == ast::Method::kOnly;
  const std::string_view method = only ? "only" : "defer";
  if (state.shape != bound::ResultShape::kModels) {
    ctx.Report(Category::kNotSupportedError, "queryset.only_after_values",
               std::format("Cannot call {}() after .values() or .values_list()", method),
               step.span);
    return;
  }
  ArenaVector<bound::FieldRef>& target = only ? state.fields : state.deferred;
  if (only) state.fields.clear();
  for (const ast::Arg& arg : step.args) {
    if (!arg.name.empty()) {
      UnexpectedKeyword(ctx, method, arg);
      continue;
    }
    if (arg.value->kind == ast::ExprKind::kNone) {
      if (only) {
        ctx.Report(Category::kNotSupportedError, "queryset.only_none",
                   "Cannot pass None as an argument to only().", arg.value->span);
      } else {
        state.deferred.clear();  // defer(None) clears the deferred fields
      }
      continue;
    }
    const ast::StringLit* s = StringArg(ctx, arg, method);
    if (s == nullptr) continue;
    if (std::optional<bound::FieldRef> ref =
            ResolveFieldName(ctx, *state.model, s->value, s->span)) {
      target.push_back(*ref);
    }
  }
}

void BindDistinct(Context& ctx, ChainState& state, const ast::Step& step) {
  if (state.sliced) {
    ctx.Report(Category::kNotSupportedError, "queryset.distinct_after_slice",
               "Cannot create distinct fields once a slice has been taken.", step.span);
    return;
  }
  state.distinct = true;
  state.distinct_span = step.span;
  for (const ast::Arg& arg : step.args) {
    if (!arg.name.empty()) {
      UnexpectedKeyword(ctx, "distinct", arg);
      continue;
    }
    const ast::StringLit* s = StringArg(ctx, arg, "distinct");
    if (s == nullptr) continue;
    std::optional<bound::FieldRef> ref = ResolveFieldName(ctx, *state.model, s->value, s->span);
    if (!ref) continue;
    const schema::Model& collection = ref->join ? *ref->join->target : *state.model;
    if (!rules::CheckGroupKey(ctx, collection, *ref, s->span)) continue;
    state.distinct_on.push_back(*ref);
  }
}

}  // namespace querysafe::analyze
