// update() and delete(). On a database with automatic encryption, updates must touch one
// document with constant values (rules/qe_multi_update.cc, checked once the filter is complete);
// an encrypted field's new value is encrypted for storage, never compared, so it needs no QE
// index, only a value the field can store.

#include <format>

#include "lib/analyze/binders.h"
#include "lib/analyze/coerce.h"
#include "lib/analyze/filter_binder.h"
#include "lib/analyze/py_value.h"
#include "lib/analyze/rules/rules.h"
#include "lib/common/bson_type_name.h"

namespace querysafe::analyze {

void BindUpdate(Context& ctx, ChainState& state, const ast::Step& step) {
  state.operation = bound::Operation::kUpdate;
  if (state.sliced) {
    ctx.Report(Category::kNotSupportedError, "queryset.update_after_slice",
               "Cannot update a query once a slice has been taken.", step.span);
    return;
  }
  for (const ast::Arg& arg : step.args) {
    if (arg.name.empty()) {
      ctx.Report(Category::kNotSupportedError, "queryset.update_positional",
                 "QuerySet.update() takes keyword arguments only (field=value).", arg.value->span);
      continue;
    }
    // Django's add_update_values(): Options.get_field(name), so only the model's own fields.
    const schema::Field* field = state.model->FindField(arg.name);
    if (field == nullptr) {
      ctx.Report(Category::kFieldError, "field.unknown",
                 std::format("{} has no field named '{}'", state.model->name, arg.name),
                 arg.name_span);
      continue;
    }
    bound::Assignment assignment;
    bound::FieldRef& ref = assignment.field;
    ref.field = field;
    ref.model = state.model;
    ref.db_path = field->column;
    ref.django_path = field->name;
    ref.encrypted = state.model->FindEncryptedPath(field->column);
    ref.span = arg.name_span;
    const ast::Expr& value = *arg.value;
    assignment.value.span = value.span;
    if (value.kind == ast::ExprKind::kF || value.kind == ast::ExprKind::kArith ||
        value.kind == ast::ExprKind::kNeg) {
      // django-mongodb-backend refuses expressions on an encrypted connection; elsewhere they
      // would need a pipeline update, which querysafe does not emit.
      if (ctx.encrypted_database()) {
        rules::ReportUpdateExpression(ctx, value.span);
      } else {
        ctx.Report(Category::kNotSupportedError, "queryset.update_expression",
                   "querysafe translates update() with constant values only.", value.span);
      }
      continue;
    }
    if (value.kind == ast::ExprKind::kParam) {
      bound::Param decl;
      decl.name = value.Cast<ast::Param>().name;
      decl.use = bound::Param::Use::kUpdateValue;
      decl.field = field;
      decl.span = value.span;
      ctx.params().push_back(decl);
      assignment.value.kind = bound::Value::Kind::kParam;
      assignment.value.param = static_cast<uint32_t>(ctx.params().size() - 1);
      state.assignments.push_back(assignment);
      continue;
    }
    PyValue raw;
    if (!PyValueFromAst(value, ctx.arena(), &raw)) {
      ctx.Report(Category::kValidationError, "value.unsupported",
                 "update() values must be constants.", value.span);
      continue;
    }
    if (raw.type == PyValue::Type::kNone) {
      if (ref.is_encrypted()) {
        rules::ReportEncryptNull(ctx, value.span);
        continue;
      }
      assignment.value.constant.value_type = BSON_TYPE_NULL;
      state.assignments.push_back(assignment);
      continue;
    }
    CoerceError error;
    if (!CoerceToField(raw, *field, {.time_zone = &ctx.options().time_zone}, ctx.arena(),
                       &assignment.value.constant, &error)) {
      ctx.Report(error.category, error.code, error.message, value.span, error.server_code);
      continue;
    }
    if (ref.is_encrypted() && static_cast<uint8_t>(assignment.value.constant.value_type) !=
                                  static_cast<uint8_t>(ref.encrypted->bson_type)) {
      rules::ReportUnencryptableValue(ctx, ref, BsonTypeName(assignment.value.constant.value_type),
                                      value.span);
      continue;
    }
    state.assignments.push_back(assignment);
  }
  if (step.args.empty()) {
    ctx.Report(Category::kNotSupportedError, "queryset.update_nothing",
               "update() needs at least one field=value.", step.span);
  }
}

void BindDelete(Context& ctx, ChainState& state, const ast::Step& step) {
  state.operation = bound::Operation::kDelete;
  if (!step.args.empty()) {
    ctx.Report(Category::kNotSupportedError, "queryset.delete_arguments",
               "QuerySet.delete() takes no arguments.", step.span);
  }
  if (state.sliced) {
    ctx.Report(Category::kNotSupportedError, "queryset.delete_after_slice",
               "Cannot use 'limit' or 'offset' with delete().", step.span);
  }
  if (state.shape != bound::ResultShape::kModels) {
    ctx.Report(Category::kNotSupportedError, "queryset.delete_after_values",
               "Cannot call delete() after .values() or .values_list()", step.span);
  }
  if (state.distinct) {
    ctx.Report(Category::kNotSupportedError, "queryset.delete_after_distinct",
               "Cannot call delete() after .distinct().", step.span);
  }
  // Django's delete() collects and deletes related objects first (on_delete); that is several
  // commands, which a single translated command cannot express.
  for (const auto& other : ctx.schema().models) {
    for (const auto& f : other->fields) {
      if (f->related_model == state.model) {
        ctx.Report(Category::kNotSupportedError, "queryset.delete_cascade",
                   std::format("Deleting {} objects also handles {}.{} (on_delete); querysafe "
                               "translates deletes that touch one collection only.",
                               state.model->name, other->name, f->name),
                   step.span);
        return;
      }
    }
  }
}

}  // namespace querysafe::analyze
