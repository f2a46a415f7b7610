// dates(), datetimes(), in_bulk() and select_related(): Django's own argument checks, then the
// QE limitations the seed documents for them (rules/qe_dates.cc, rules/qe_in_bulk.cc).

#include <algorithm>
#include <format>
#include <string>

#include "lib/analyze/binders.h"
#include "lib/analyze/coerce.h"
#include "lib/analyze/py_value.h"
#include "lib/analyze/rules/rules.h"

namespace querysafe::analyze {
namespace {

const ast::Arg* Positional(const ast::Step& step, size_t index) {
  size_t seen = 0;
  for (const ast::Arg& arg : step.args) {
    if (arg.name.empty() && seen++ == index) return &arg;
  }
  return nullptr;
}

const ast::Arg* Keyword(const ast::Step& step, std::string_view name) {
  for (const ast::Arg& arg : step.args) {
    if (arg.name == name) return &arg;
  }
  return nullptr;
}

bool IsRelation(const schema::Field& f) {
  return f.cls == schema::FieldClass::kForeignKey || f.cls == schema::FieldClass::kOneToOne;
}

std::string RelationChoices(const schema::Model& model) {
  std::string out;
  for (const auto& f : model.fields) {
    if (!IsRelation(*f)) continue;
    if (!out.empty()) out += ", ";
    out += f->name;
  }
  return out.empty() ? "(none)" : out;
}

}  // namespace

void BindDates(Context& ctx, ChainState& state, const ast::Step& step) {
  const bool datetimes = step.method == ast::Method::kDatetimes;
  const std::string_view method = datetimes ? "datetimes" : "dates";
  state.operation = datetimes ? bound::Operation::kDatetimes : bound::Operation::kDates;
  for (const ast::Arg& arg : step.args) {
    if (!arg.name.empty() && arg.name != "order" && arg.name != "kind" &&
        arg.name != "field_name" && !(datetimes && arg.name == "tzinfo")) {
      UnexpectedKeyword(ctx, method, arg);
      return;
    }
  }
  const ast::Arg* field_arg =
      Positional(step, 0) ? Positional(step, 0) : Keyword(step, "field_name");
  const ast::Arg* kind_arg = Positional(step, 1) ? Positional(step, 1) : Keyword(step, "kind");
  const ast::Arg* order_arg = Positional(step, 2) ? Positional(step, 2) : Keyword(step, "order");
  if (field_arg == nullptr || kind_arg == nullptr) {
    ctx.Report(Category::kNotSupportedError, "queryset.dates_arguments",
               std::format("QuerySet.{}() needs a field name and a kind.", method), step.span);
    return;
  }
  const ast::StringLit* field_name = StringArg(ctx, *field_arg, method);
  const ast::StringLit* kind = StringArg(ctx, *kind_arg, method);
  if (field_name == nullptr || kind == nullptr) return;
  static constexpr std::string_view kKinds[] = {"year", "month",  "week",  "day",
                                                "hour", "minute", "second"};
  const size_t kind_count = datetimes ? 7 : 4;
  if (std::find(kKinds, kKinds + kind_count, kind->value) == kKinds + kind_count) {
    ctx.Report(Category::kValidationError, "queryset.dates_kind",
               datetimes ? "'kind' must be one of 'year', 'month', 'week', 'day', 'hour', "
                           "'minute', or 'second'."
                         : "'kind' must be one of 'year', 'month', 'week', or 'day'.",
               kind->span);
    return;
  }
  if (order_arg != nullptr) {
    const ast::StringLit* order = StringArg(ctx, *order_arg, method);
    if (order == nullptr) return;
    if (order->value != "ASC" && order->value != "DESC") {
      ctx.Report(Category::kValidationError, "queryset.dates_order",
                 "'order' must be either 'ASC' or 'DESC'.", order->span);
      return;
    }
    state.dates_descending = order->value == "DESC";
  }
  std::optional<bound::FieldRef> ref =
      ResolveFieldName(ctx, *state.model, field_name->value, field_name->span);
  if (!ref) return;
  const schema::FieldClass cls = ref->field->cls;
  const bool date_like = cls == schema::FieldClass::kDate || cls == schema::FieldClass::kDateTime;
  if (!date_like) {
    ctx.Report(
        Category::kFieldError, "queryset.dates_field",
        std::format("'{}' isn't a DateField, TimeField, or DateTimeField.", ref->field->name),
        field_name->span);
    return;
  }
  if (datetimes && cls == schema::FieldClass::kDate) {
    ctx.Report(Category::kFieldError, "queryset.datetimes_field",
               std::format("Cannot truncate DateField '{}' to DateTimeField.", ref->field->name),
               field_name->span);
    return;
  }
  if (!rules::CheckDatesField(ctx, *ref, step.span)) return;
  state.dates_field = *ref;
  state.dates_kind = kind->value;
  // Trunc converts a DateTimeField to the current time zone before truncating, for dates() as for
  // datetimes() (TruncBase.as_sql); a DateField has no time zone.
  if (cls == schema::FieldClass::kDateTime) state.dates_time_zone = ctx.time_zone();
}

void BindInBulk(Context& ctx, ChainState& state, const ast::Step& step) {
  state.operation = bound::Operation::kInBulk;
  if (state.sliced) {
    ctx.Report(Category::kNotSupportedError, "queryset.in_bulk_after_slice",
               "Cannot use 'limit' or 'offset' with in_bulk().", step.span);
    return;
  }
  if (state.shape != bound::ResultShape::kModels) {
    ctx.Report(Category::kNotSupportedError, "queryset.in_bulk_after_values",
               "in_bulk() cannot be used with values() or values_list().", step.span);
    return;
  }
  std::string_view field_name = "pk";
  Span field_span = step.span;
  if (const ast::Arg* fn = Keyword(step, "field_name")) {
    const ast::StringLit* s = StringArg(ctx, *fn, "in_bulk");
    if (s == nullptr) return;
    field_name = s->value;
    field_span = s->span;
  }
  const schema::Field* field = state.model->FindField(field_name);
  if (field == nullptr) {
    ctx.Report(Category::kFieldError, "field.unknown",
               std::format("{} has no field named '{}'", state.model->name, field_name),
               field_span);
    return;
  }
  bound::FieldRef ref;
  ref.field = field;
  ref.model = state.model;
  ref.db_path = field->column;
  ref.django_path = field->name;
  ref.encrypted = state.model->FindEncryptedPath(field->column);
  ref.span = field_span;
  if (!rules::CheckInBulkField(ctx, ref, field_span)) return;
  if (field_name != "pk" && !field->unique && !field->primary_key) {
    ctx.Report(
        Category::kNotSupportedError, "queryset.in_bulk_not_unique",
        std::format("in_bulk()'s field_name must be a unique field but '{}' isn't.", field_name),
        field_span);
    return;
  }
  state.in_bulk_field = ref;
  const ast::Arg* ids = Positional(step, 0) ? Positional(step, 0) : Keyword(step, "id_list");
  if (ids == nullptr || ids->value->kind == ast::ExprKind::kNone) return;  // every object
  state.in_bulk_ids = true;
  PyValue list;
  if (!PyValueFromAst(*ids->value, ctx.arena(), &list) || !list.is_sequence()) {
    ctx.Report(Category::kValidationError, "value.expected_sequence",
               "in_bulk()'s id_list must be a list or tuple of values.", ids->value->span);
    return;
  }
  for (const PyValue& item : list.items) {
    bound::Value v;
    v.span = item.span;
    CoerceError error;
    if (!CoerceToField(item, *field, {.time_zone = &ctx.options().time_zone}, ctx.arena(),
                       &v.constant, &error)) {
      ctx.Report(error.category, error.code, error.message, item.span, error.server_code);
      continue;
    }
    state.in_bulk_values.push_back(v);
  }
}

void BindSelectRelated(Context& ctx, ChainState& state, const ast::Step& step) {
  auto add_join = [&](const schema::Field& fk) {
    for (const bound::Join& j : state.joins) {
      if (j.fk == &fk) return;
    }
    bound::Join join;
    join.fk = &fk;
    join.target = fk.related_model;
    join.local_column = fk.column;
    join.alias = fk.name;
    state.joins.push_back(join);
  };
  if (step.args.empty()) {
    // select_related() follows every non-null relation.
    for (const auto& f : state.model->fields) {
      if (IsRelation(*f) && !f->null) add_join(*f);
    }
    return;
  }
  for (const ast::Arg& arg : step.args) {
    if (arg.value->kind == ast::ExprKind::kNone) {
      state.joins.clear();
      continue;
    }
    const ast::StringLit* s = StringArg(ctx, arg, "select_related");
    if (s == nullptr) continue;
    const schema::Field* f = state.model->FindField(s->value);
    if (f == nullptr) {
      ctx.Report(Category::kFieldError, "queryset.select_related_invalid",
                 std::format("Invalid field name(s) given in select_related: '{}'. Choices are: {}",
                             s->value, RelationChoices(*state.model)),
                 s->span);
      continue;
    }
    if (!IsRelation(*f)) {
      ctx.Report(Category::kFieldError, "queryset.select_related_non_relational",
                 std::format("Non-relational field given in select_related: '{}'. Choices are: {}",
                             s->value, RelationChoices(*state.model)),
                 s->span);
      continue;
    }
    add_join(*f);
  }
}

}  // namespace querysafe::analyze
