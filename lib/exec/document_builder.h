// The document Django's save() would write for a model instance, from field
// values keyed by attribute name, with querysafe's encryption requests in
// place of every encrypted value.
//
// As Django and django-mongodb-backend do it:
//   - keys are db columns, in field declaration order; the primary key is
//     `_id` (the implicit `id` first, a new ObjectId on insert when absent);
//   - each value is coerced to its field's BSON type by the same path query
//     values take (lib/analyze/coerce.h): int64 for IntegerField, Decimal128,
//     dates as UTC datetimes at midnight, UUIDs as 32 hex digits...;
//   - absent values: auto_now (and auto_now_add on insert) is the current UTC
//     time; else the field's default; else Django's get_default(): "" for the
//     string fields (b"" for BinaryField), None for the others, and None is
//     stored only for null=True fields;
//   - embedded models (EmbeddedModelField, EmbeddedModelArrayField and the
//     polymorphic ones, with their "_label") are built the same way, one level
//     down; an unset embedded primary key is left out.
//
// Encryption, as a driver with query analysis would mark it: an encrypted
// field's value becomes an insert request with the field's own index
// (equality: Indexed with its contention; range: Range with its effective
// range options; no queries: Unindexed) and a {"$encrypt": {...}} placeholder
// at its place; an EncryptedEmbeddedModelField (or encrypted array) is one
// Unindexed value of bsonType object (array). Encrypted fields inside plain
// EmbeddedModelFields are encrypted at their dotted paths.
//
// Unknown attribute names, values that cannot be coerced and missing required
// values are diagnostics ("Patient() got unexpected keyword arguments: 'x'",
// Django's coercion messages, "This field cannot be null."), each with the
// field as its location ("Patient.patient_record.ssn").
#ifndef QUERYSAFE_LIB_EXEC_DOCUMENT_BUILDER_H_
#define QUERYSAFE_LIB_EXEC_DOCUMENT_BUILDER_H_

#include <bson/bson.h>

#include <chrono>
#include <vector>

#include "lib/common/bson_util.h"
#include "lib/lower/encryption_request.h"
#include "lib/schema/model.h"
#include "querysafe/diagnostic.h"

namespace querysafe::exec {

enum class BuildMode : uint8_t {
  kInsert,  // a new instance: implicit pk generated, auto_now_add applied
  kSave,    // an existing one: the pk is required
};

struct BuiltDocument {
  BsonDoc document;  // by column, placeholders where encrypted values go
  std::vector<lower::EncryptionRequest> encryptions;
  BsonDoc pk;  // {"_id": value}; empty if the instance has none (a diagnostic)
  Diagnostics diagnostics;

  bool ok() const { return diagnostics.empty(); }
};

BuiltDocument BuildDocument(const schema::Schema& schema, const schema::Model& model,
                            const bson_t* values, BuildMode mode,
                            std::chrono::system_clock::time_point now);

// The request an encrypted path's stored value is encrypted with: the field's
// first `queries` entry (Indexed or Range with its effective options), or
// Unindexed. `value` must already have the path's BSON type.
lower::EncryptionRequest StoredValueRequest(const schema::EncryptedPath& path, uint32_t id,
                                            const bson_value_t& value);

}  // namespace querysafe::exec

#endif  // QUERYSAFE_LIB_EXEC_DOCUMENT_BUILDER_H_
