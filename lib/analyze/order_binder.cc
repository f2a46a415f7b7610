// order_by(), reverse() and the model's default ordering. QE enters through the order rule
// (rules/qe_order_by.cc): no field, explicit or default, may sort on ciphertext.

#include <format>

#include "lib/analyze/binders.h"
#include "lib/analyze/resolve.h"
#include "lib/analyze/rules/rules.h"

namespace querysafe::analyze {
namespace {

const schema::Model& CollectionOf(const ChainState& state, const bound::FieldRef& ref) {
  return ref.join != nullptr ? *ref.join->target : *state.model;
}

}  // namespace

std::optional<bound::FieldRef> ResolveFieldName(Context& ctx, const schema::Model& model,
                                                std::string_view name, Span span, size_t offset) {
  // The span covers the string literal, quotes included: names start one byte in.
  const uint32_t begin = span.begin + 1 + static_cast<uint32_t>(offset);
  std::string_view key = name.substr(offset);
  if (key.empty()) {
    ctx.Report(Category::kFieldError, "field.empty_name", "Cannot resolve keyword '' into field.",
               span);
    return std::nullopt;
  }
  KeyParts parts = SplitKey(key, begin);
  std::optional<Resolved> r = ResolveKey(ctx, model, parts, span, ResolveMode::kField);
  if (!r) return std::nullopt;
  return r->ref;
}

const ast::StringLit* StringArg(Context& ctx, const ast::Arg& arg, std::string_view method) {
  if (const auto* s = arg.value->As<ast::StringLit>()) return s;
  ctx.Report(Category::kNotSupportedError, "queryset.expected_field_name",
             std::format("{}() takes field names as strings here.", method), arg.value->span);
  return nullptr;
}

void UnexpectedKeyword(Context& ctx, std::string_view method, const ast::Arg& arg) {
  ctx.Report(Category::kNotSupportedError, "queryset.unexpected_keyword",
             std::format("QuerySet.{}() got an unexpected keyword argument '{}'", method, arg.name),
             arg.name_span);
}

void BindOrderBy(Context& ctx, ChainState& state, const ast::Step& step) {
  if (state.sliced) {
    ctx.Report(Category::kNotSupportedError, "queryset.reorder_after_slice",
               "Cannot reorder a query once a slice has been taken.", step.span);
    return;
  }
  state.has_order_by = true;
  state.order_by.clear();
  for (const ast::Arg& arg : step.args) {
    if (!arg.name.empty()) {
      UnexpectedKeyword(ctx, "order_by", arg);
      continue;
    }
    const ast::StringLit* s = StringArg(ctx, arg, "order_by");
    if (s == nullptr) continue;
    if (s->value == "?") {
      ctx.Report(Category::kNotSupportedError, "queryset.random_order",
                 "Random ordering (order_by('?')) cannot be expressed as a MongoDB sort.", s->span);
      continue;
    }
    const bool descending = !s->value.empty() && s->value[0] == '-';
    std::optional<bound::FieldRef> ref =
        ResolveFieldName(ctx, *state.model, s->value, s->span, descending ? 1 : 0);
    if (!ref) continue;
    if (!rules::CheckOrderBy(ctx, CollectionOf(state, *ref), *ref, s->span)) continue;
    state.order_by.push_back({*ref, descending});
  }
  state.order_span = step.span;
}

std::span<const bound::OrderBy> EffectiveOrdering(Context& ctx, const ChainState& state,
                                                  Span query_span) {
  if (state.has_order_by && !state.reversed) return state.order_by.span();
  if (!state.has_order_by && state.model->ordering.empty()) return {};
  ArenaVector<bound::OrderBy> order(ctx.arena());
  if (state.has_order_by) {
    for (const bound::OrderBy& o : state.order_by) order.push_back(o);
  } else {
    // Meta.ordering applies to every query that does not order explicitly; an encrypted field
    // there breaks all of them, so it is reported against the whole query.
    for (const schema::OrderSpec& spec : state.model->ordering) {
      KeyParts parts = SplitKey(spec.field, query_span.begin);
      for (ast::KeyPart& part : parts) part.span = query_span;
      std::optional<Resolved> r =
          ResolveKey(ctx, *state.model, parts, query_span, ResolveMode::kField);
      if (!r) continue;
      if (!rules::CheckOrderBy(ctx, CollectionOf(state, r->ref), r->ref, query_span)) continue;
      order.push_back({r->ref, spec.descending});
    }
  }
  if (state.reversed) {
    for (bound::OrderBy& o : order) o.descending = !o.descending;
  }
  return order.span();
}

}  // namespace querysafe::analyze
