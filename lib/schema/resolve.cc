// Resolves the model names fields refer to (embedded_model, embedded_models,
// to), and gives each relation the BSON type of its target's primary key, as
// django-mongodb-backend stores it.
#include <format>
#include <string>

#include "lib/schema/json_value.h"
#include "lib/schema/load_context.h"

namespace querysafe::schema {
namespace {

// Django's lazy-reference error for a model that does not exist (fields.E300).
const Model* Lookup(const std::string& name, const Field& field, LoadContext& ctx) {
  const Model* model = ctx.schema->FindModel(name);
  if (model == nullptr) {
    ctx.sink.Add(Category::kFieldError, "schema.unknown_model",
                 std::format("Field defines a relation with model '{}', which is either not "
                             "installed, or is abstract.",
                             name),
                 field.location);
  }
  return model;
}

// EmbeddedModelField.check() (django_mongodb_backend.embedded_model.E002): the
// target must be an EmbeddedModel, stored inside the parent's document.
bool RequireEmbedded(const Model& target, const Field& field, LoadContext& ctx) {
  if (field.djongo && !target.abstract) {
    // djongo's ArrayField docstring (models/fields.py): "The model of the container must be
    // declared as abstract, thus should not be treated as a collection of its own."
    ctx.sink.Error("schema.not_abstract_model",
                   std::format("The model of the container must be declared as abstract, thus "
                               "should not be treated as a collection of its own. ({} is not "
                               "abstract: give it \"abstract\": true.)",
                               target.name),
                   Loc(field.location, "model_container"));
    return false;
  }
  if (target.embedded) return true;
  ctx.sink.Error("schema.not_embedded_model",
                 std::format("Embedded models must be a subclass of "
                             "django_mongodb_backend.models.EmbeddedModel. ({} doesn't subclass "
                             "EmbeddedModel.)",
                             target.name),
                 field.location);
  return false;
}

// A relation's column holds the target's primary key; follow one-to-one primary
// keys to the type at the end of the chain.
void ResolveRelationType(Field& field, LoadContext& ctx) {
  const Model* target = field.related_model;
  for (size_t steps = 0; target != nullptr && target->pk != nullptr; ++steps) {
    const Field* pk = target->pk;
    bool relation = pk->cls == FieldClass::kForeignKey || pk->cls == FieldClass::kOneToOne;
    if (!relation) {
      field.bson_type = pk->bson_type;
      return;
    }
    if (steps > ctx.schema->models.size()) break;
    target = pk->related_model;
  }
  if (target != nullptr && target->pk != nullptr) {
    ctx.sink.Error("schema.relation_cycle",
                   std::format("The primary keys of '{}' and the models it relates to form a "
                               "cycle; the relation has no stored type",
                               field.related_model->name),
                   field.location);
  }
}

}  // namespace

void ResolveReferences(LoadContext& ctx) {
  for (PendingRefs& refs : ctx.refs) {
    Field& field = *refs.field;
    if (!ctx.IsLive(&field)) continue;
    if (!refs.embedded_model.empty()) {
      const Model* target = Lookup(refs.embedded_model, field, ctx);
      if (target != nullptr && RequireEmbedded(*target, field, ctx)) {
        field.embedded_model = target;
      }
    }
    for (const std::string& name : refs.embedded_models) {
      const Model* target = Lookup(name, field, ctx);
      if (target != nullptr && RequireEmbedded(*target, field, ctx)) {
        field.embedded_models.push_back(target);
      }
    }
    if (!refs.to.empty()) {
      const Model* target = Lookup(refs.to, field, ctx);
      if (target != nullptr && target->embedded) {
        ctx.sink.Error("schema.relation_to_embedded",
                       std::format("{} cannot relate to '{}': embedded models are stored inside "
                                   "another document and have no collection to refer to",
                                   field.class_name, target->name),
                       field.location);
      } else if (target != nullptr) {
        field.related_model = target;
      }
    }
  }
  // Types last: a relation's target may itself be resolved above.
  for (PendingRefs& refs : ctx.refs) {
    // An ArrayReferenceField stays an array (of the target's primary keys).
    if (ctx.IsLive(refs.field) && refs.field->related_model != nullptr &&
        refs.field->cls != FieldClass::kArray) {
      ResolveRelationType(*refs.field, ctx);
    }
  }
}

}  // namespace querysafe::schema
