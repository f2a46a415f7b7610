// The Django field classes a schema may name, with the facts every later stage
// depends on: the BSON type django-mongodb-backend stores each as, whether an
// Encrypted variant exists (and the documented reason when it does not), and
// which constructor options each class accepts.
#ifndef QUERYSAFE_LIB_SCHEMA_FIELD_TYPES_H_
#define QUERYSAFE_LIB_SCHEMA_FIELD_TYPES_H_

#include <cstdint>
#include <span>
#include <string_view>

#include "lib/schema/model.h"

namespace querysafe::schema {

// How an option's JSON value is read.
enum class OptionKind : uint8_t {
  kBool,
  kString,
  kNonNegativeInteger,
  kAny,         // default
  kChoices,     // [[value, label], ...] or grouped
  kFieldSpec,   // base_field: a nested field object
  kStringList,  // embedded_models
  kQueries,     // the encrypted fields' `queries`
  kIgnored,     // accepted and ignored: djongo's form options (model_form_class...)
};

// Groups of class-specific options (a bit set on FieldTypeInfo::options).
enum OptionGroup : uint32_t {
  kCommonOptions = 1u << 0,  // Field.__init__: every class
  kDecimalOptions = 1u << 1,
  kDateOptions = 1u << 2,
  kArrayOptions = 1u << 3,
  kEmbeddedOptions = 1u << 4,
  kPolymorphicOptions = 1u << 5,
  kRelationOptions = 1u << 6,
  kFileOptions = 1u << 7,
  kFilePathOptions = 1u << 8,
  kEncryptedOptions = 1u << 9,   // only with the "Encrypted" prefix
  kArraySizeOptions = 1u << 10,  // size / max_size: ArrayField and its subclasses
  kContainerOptions = 1u << 11,  // djongo's model_container, model_form_class, model_form_kwargs
};

// Which connector has the class: a schema names its engine ("engine": "djongo"), and a class of
// the other connector is refused by name rather than reinterpreted.
enum class Dialect : uint8_t {
  kBoth,
  kMongodbBackend,  // django_mongodb_backend.fields (and its Encrypted* classes)
  kDjongo,          // djongo.models (1.3)
};

// What Django's to_python() makes of a value (a query value, a default): the Python type, which
// decides how querysafe coerces it (analyze/coerce.cc). IsStringClass is kString.
enum class ValueKind : uint8_t {
  kInteger,
  kFloat,
  kDecimal,
  kString,  // str: CharField and its subclasses, TextField, the file fields, GenericIPAddressField
  kBoolean,
  kDate,
  kDateTime,
  kTime,
  kDuration,
  kUuid,      // uuid.UUID (stored as its 32 hex digits)
  kObjectId,  // bson.ObjectId; a relation's value is the target's primary key
  kBinary,
  kList,   // ArrayField: a list of its base field's values
  kJson,   // any JSON-serializable value
  kModel,  // an embedded model instance
};

struct OptionSpec {
  std::string_view name;
  OptionKind kind;
  OptionGroup group;
};

struct FieldTypeInfo {
  std::string_view name;  // without the "Encrypted" prefix: "CharField"
  FieldClass cls;
  BsonType bson_type;  // for relations, replaced by the target's primary key type
  ValueKind value;
  // Empty when django-mongodb-backend has Encrypted<name>; otherwise the reason
  // its docs give.
  std::string_view no_encrypted_reason;
  uint32_t options;  // OptionGroup bits
  Dialect dialect = Dialect::kBoth;
};

// By class name without the "Encrypted" prefix; null if querysafe does not know
// the class.
const FieldTypeInfo* FindFieldType(std::string_view name);
const FieldTypeInfo& FieldTypeOf(FieldClass cls);
std::span<const FieldTypeInfo> AllFieldTypes();

// Django fields django-mongodb-backend does not support at all, with its
// documented reason; empty if `name` is not one of them.
std::string_view UnsupportedFieldReason(std::string_view name);

// The option named `name`, or null.
const OptionSpec* FindOption(std::string_view name);
std::span<const OptionSpec> AllOptions();

// The known name closest to `name` by edit distance, if close enough to be a
// likely typo
// ("max_lenght" -> "max_length"); empty otherwise.
std::string_view ClosestName(std::string_view name, std::span<const std::string_view> known);

}  // namespace querysafe::schema

#endif  // QUERYSAFE_LIB_SCHEMA_FIELD_TYPES_H_
