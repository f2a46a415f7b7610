// The document Django's save() would write for a model instance, from field values keyed by
// attribute name: the analysis of an insert or a save (lib/api runs it, lowering places the
// encryption placeholders, lib/exec sends the result).
//
// As Django and django-mongodb-backend do it:
//   - keys are db columns, in field declaration order; the primary key is `_id` (the implicit
//     `id` first, a new ObjectId on insert when absent);
//   - each value is coerced to its field's BSON type by the same path query values take
//     (coerce.h): int64 for IntegerField, Decimal128, dates as UTC datetimes at midnight, UUIDs
//     as 32 hex digits...;
//   - absent values: auto_now (and auto_now_add on insert) is the current UTC time; else the
//     field's default; else Django's get_default(): "" for the string fields (b"" for
//     BinaryField), None for the others, and None is stored only for null=True fields;
//   - embedded models (EmbeddedModelField, EmbeddedModelArrayField and the polymorphic ones, with
//     their "_label") are built the same way, one level down; an unset embedded primary key is
//     left out.
//
// Encryption, as a driver with query analysis would mark it: an encrypted field's value is
// listed in Instance::encrypted with its encryptedFields entry; an EncryptedEmbeddedModelField
// (or encrypted array) is one value of bsonType object (array). Encrypted fields inside plain
// EmbeddedModelFields are listed at their dotted paths.
//
// Unknown attribute names, values that cannot be coerced and missing required values are
// diagnostics ("Patient() got unexpected keyword arguments: 'x'", Django's coercion messages,
// "This field cannot be null."), each with the field as its location
// ("Patient.patient_record.ssn").
#ifndef QUERYSAFE_LIB_ANALYZE_INSTANCE_BINDER_H_
#define QUERYSAFE_LIB_ANALYZE_INSTANCE_BINDER_H_

#include <bson/bson.h>

#include <chrono>
#include <cstdint>
#include <optional>

#include "lib/analyze/instance.h"
#include "lib/common/arena.h"
#include "lib/schema/model.h"
#include "querysafe/diagnostic.h"

namespace querysafe::analyze {

enum class BuildMode : uint8_t {
  kInsert,  // a new instance: implicit pk generated, auto_now_add applied
  kSave,    // an existing one: the pk is required
};

bound::Instance BindInstance(const schema::Schema& schema, const schema::Model& model,
                             const bson_t* values, BuildMode mode,
                             std::chrono::system_clock::time_point now);

// A primary key value for delete(): coerced to the pk field's type into `out` (its payload in
// `arena`), or the diagnostic saying why it cannot be, located at "<Model>.<pk>".
std::optional<Diagnostic> BindPrimaryKey(const schema::Model& model, const bson_value_t& pk,
                                         Arena* arena, bson_value_t* out);

}  // namespace querysafe::analyze

#endif  // QUERYSAFE_LIB_ANALYZE_INSTANCE_BINDER_H_
