// Why: MongoDB cannot encrypt a field inside a value that is itself encrypted,
// nor selected fields of the documents of an array. django-mongodb-backend's
// NoEncryptedEmbeddedFieldsMixin check (mongodb.fields.encryption.E001) rejects
// encrypted fields in the model of an EmbeddedModelArrayField,
// EncryptedEmbeddedModelField or EncryptedEmbeddedModelArrayField, but only
// looks one level down. querysafe looks at any depth (an EmbeddedModelField
// inside the embedded model whose own model has an encrypted field is just as
// impossible), through recursive models without looping, and applies the same
// rule where django-mongodb-backend silently stores plaintext: inside the
// polymorphic embedded fields (its _get_encrypted_fields does not look into
// them) and in an ArrayField's base_field.
#include <format>

#include "absl/container/flat_hash_set.h"
#include "lib/schema/checks/check.h"

namespace querysafe::schema {
namespace {

using Visited = absl::flat_hash_set<const Model*>;

const Field* FirstEncryptedInModel(const Model& model, Visited& visited);

// The first encrypted field among what `container` holds: its base field, its
// embedded model(s).
const Field* FirstEncryptedIn(const Field& container, Visited& visited) {
  if (container.base_field) {
    if (container.base_field->encrypted) return container.base_field.get();
    if (const Field* found = FirstEncryptedIn(*container.base_field, visited)) return found;
  }
  if (container.embedded_model != nullptr) {
    if (const Field* found = FirstEncryptedInModel(*container.embedded_model, visited)) {
      return found;
    }
  }
  for (const Model* model : container.embedded_models) {
    if (const Field* found = FirstEncryptedInModel(*model, visited)) return found;
  }
  return nullptr;
}

// Declaration order, depth first, each model once (A embeds B embeds A ends).
const Field* FirstEncryptedInModel(const Model& model, Visited& visited) {
  if (!visited.insert(&model).second) return nullptr;
  for (const auto& field : model.fields) {
    if (field->encrypted) return field.get();
    if (const Field* found = FirstEncryptedIn(*field, visited)) return found;
  }
  return nullptr;
}

bool MustNotContainEncrypted(const Field& field) {
  switch (field.cls) {
    case FieldClass::kEmbeddedModel:
      return field.encrypted;  // a plain one may hold encrypted fields:
                               // selected-field encryption
    case FieldClass::kEmbeddedModelArray:
    case FieldClass::kPolymorphicEmbeddedModel:
    case FieldClass::kPolymorphicEmbeddedModelArray:
    case FieldClass::kArray:
      return true;
    default:  // the other classes hold no fields
      return false;
  }
}

}  // namespace

void CheckContainsEncrypted(const Field& field, CheckContext& ctx) {
  if (!MustNotContainEncrypted(field)) return;
  Visited visited;
  const Field* found = FirstEncryptedIn(field, visited);
  if (found == nullptr) return;
  ctx.sink.Error("schema.contains_encrypted",
                 std::format("{} cannot contain encrypted fields (found {}).", field.class_name,
                             found->class_name),
                 field.location);
}

}  // namespace querysafe::schema
