// The tables behind field_types.h. BSON types follow django-mongodb-backend's
// `data_types` (base.py) and `adapt_integerfield_value` (operations.py): every
// non-"Small" integer is stored as Int64, Duration as Int64 milliseconds,
// Date/DateTime/Time as BSON dates, UUID as a 32-char hex string. The "no
// encrypted version" reasons are the ones in django-mongodb-backend's
// docs/ref/models/encrypted-fields.rst, word for word.
#include "lib/schema/field_types.h"

#include <algorithm>
#include <array>
#include <vector>

namespace querysafe::schema {
namespace {

constexpr std::string_view kUnclear = "the use case for encrypting this field is unclear";

constexpr uint32_t kCommon = kCommonOptions;
using V = ValueKind;

// djongo's own classes have no Encrypted variant: djongo 1.3 has no Queryable Encryption.
constexpr std::string_view kNoQe = "djongo has no Queryable Encryption";

constexpr FieldTypeInfo kFieldTypes[] = {
    {"BigIntegerField", FieldClass::kBigInteger, BsonType::kLong, V::kInteger, "", kCommon},
    {"BinaryField", FieldClass::kBinary, BsonType::kBinData, V::kBinary, "", kCommon},
    {"BooleanField", FieldClass::kBoolean, BsonType::kBool, V::kBoolean, "", kCommon},
    {"CharField", FieldClass::kChar, BsonType::kString, V::kString, "", kCommon},
    {"DateField", FieldClass::kDate, BsonType::kDate, V::kDate, "", kCommon | kDateOptions},
    {"DateTimeField", FieldClass::kDateTime, BsonType::kDate, V::kDateTime, "",
     kCommon | kDateOptions},
    {"DecimalField", FieldClass::kDecimal, BsonType::kDecimal, V::kDecimal, "",
     kCommon | kDecimalOptions},
    {"DurationField", FieldClass::kDuration, BsonType::kLong, V::kDuration, "", kCommon},
    {"EmailField", FieldClass::kEmail, BsonType::kString, V::kString, "", kCommon},
    {"FileField", FieldClass::kFile, BsonType::kString, V::kString, kUnclear,
     kCommon | kFileOptions},
    {"FilePathField", FieldClass::kFilePath, BsonType::kString, V::kString, kUnclear,
     kCommon | kFilePathOptions},
    {"FloatField", FieldClass::kFloat, BsonType::kDouble, V::kFloat, "", kCommon},
    {"GenericIPAddressField", FieldClass::kGenericIPAddress, BsonType::kString, V::kString, "",
     kCommon},
    {"ImageField", FieldClass::kImage, BsonType::kString, V::kString, kUnclear,
     kCommon | kFileOptions},
    {"IntegerField", FieldClass::kInteger, BsonType::kLong, V::kInteger, "", kCommon},
    {"JSONField", FieldClass::kJSON, BsonType::kObject, V::kJson, "JSONField isn't recommended",
     kCommon},
    {"PositiveBigIntegerField", FieldClass::kPositiveBigInteger, BsonType::kLong, V::kInteger, "",
     kCommon},
    {"PositiveIntegerField", FieldClass::kPositiveInteger, BsonType::kLong, V::kInteger, "",
     kCommon},
    {"PositiveSmallIntegerField", FieldClass::kPositiveSmallInteger, BsonType::kInt, V::kInteger,
     "", kCommon},
    {"SlugField", FieldClass::kSlug, BsonType::kString, V::kString,
     "it requires a unique index which Queryable Encryption doesn't support", kCommon},
    {"SmallIntegerField", FieldClass::kSmallInteger, BsonType::kInt, V::kInteger, "", kCommon},
    {"TextField", FieldClass::kText, BsonType::kString, V::kString, "", kCommon},
    {"TimeField", FieldClass::kTime, BsonType::kDate, V::kTime, "", kCommon | kDateOptions},
    {"URLField", FieldClass::kURL, BsonType::kString, V::kString, "", kCommon},
    {"UUIDField", FieldClass::kUUID, BsonType::kString, V::kUuid, "", kCommon},
    // django_mongodb_backend.fields
    // ArrayField is both connectors': django-mongodb-backend's takes base_field, djongo's
    // model_container (parse_field.cc tells them apart by the schema's engine).
    {"ArrayField", FieldClass::kArray, BsonType::kArray, V::kList, "",
     kCommon | kArrayOptions | kArraySizeOptions | kContainerOptions},
    {"EmbeddedModelField", FieldClass::kEmbeddedModel, BsonType::kObject, V::kModel, "",
     kCommon | kEmbeddedOptions, Dialect::kMongodbBackend},
    {"EmbeddedModelArrayField", FieldClass::kEmbeddedModelArray, BsonType::kArray, V::kModel, "",
     kCommon | kEmbeddedOptions | kArraySizeOptions, Dialect::kMongodbBackend},
    {"ObjectIdField", FieldClass::kObjectId, BsonType::kObjectId, V::kObjectId, "", kCommon},
    {"ObjectIdAutoField", FieldClass::kObjectIdAuto, BsonType::kObjectId, V::kObjectId,
     "it is the primary key, stored as _id, which MongoDB cannot encrypt", kCommon,
     Dialect::kMongodbBackend},
    {"PolymorphicEmbeddedModelField", FieldClass::kPolymorphicEmbeddedModel, BsonType::kObject,
     V::kModel, "it may be implemented in the future", kCommon | kPolymorphicOptions,
     Dialect::kMongodbBackend},
    {"PolymorphicEmbeddedModelArrayField", FieldClass::kPolymorphicEmbeddedModelArray,
     BsonType::kArray, V::kModel, "it may be implemented in the future",
     kCommon | kPolymorphicOptions | kArraySizeOptions, Dialect::kMongodbBackend},
    // djongo.models (1.3, models/fields.py). EmbeddedField stores its model_container's fields
    // as a subdocument, as EmbeddedModelField does; GenericObjectIdField is a plain ObjectId;
    // ArrayReferenceField (a ForeignKey subclass) stores a list of the target's primary keys.
    // AutoField and BigAutoField are Django's IntegerField and BigIntegerField as primary keys:
    // djongo keeps Django's `id` column (and its own __schema__ counter).
    {"EmbeddedField", FieldClass::kEmbeddedModel, BsonType::kObject, V::kModel, kNoQe,
     kCommon | kContainerOptions, Dialect::kDjongo},
    {"GenericObjectIdField", FieldClass::kObjectId, BsonType::kObjectId, V::kObjectId, kNoQe,
     kCommon, Dialect::kDjongo},
    {"ArrayReferenceField", FieldClass::kArray, BsonType::kArray, V::kList, kNoQe,
     kCommon | kRelationOptions, Dialect::kDjongo},
    {"AutoField", FieldClass::kInteger, BsonType::kLong, V::kInteger, kNoQe, kCommon,
     Dialect::kDjongo},
    {"BigAutoField", FieldClass::kBigInteger, BsonType::kLong, V::kInteger, kNoQe, kCommon,
     Dialect::kDjongo},
    // Relations store the target's primary key; django-mongodb-backend has no
    // encrypted variant.
    {"ForeignKey", FieldClass::kForeignKey, BsonType::kObjectId, V::kObjectId,
     "a relation stores the target's primary key, which is never encrypted",
     kCommon | kRelationOptions},
    {"OneToOneField", FieldClass::kOneToOne, BsonType::kObjectId, V::kObjectId,
     "a relation stores the target's primary key, which is never encrypted",
     kCommon | kRelationOptions},
};

constexpr OptionSpec kOptions[] = {
    {"null", OptionKind::kBool, kCommonOptions},
    {"blank", OptionKind::kBool, kCommonOptions},
    {"unique", OptionKind::kBool, kCommonOptions},
    {"db_index", OptionKind::kBool, kCommonOptions},
    {"db_column", OptionKind::kString, kCommonOptions},
    {"primary_key", OptionKind::kBool, kCommonOptions},
    {"choices", OptionKind::kChoices, kCommonOptions},
    {"default", OptionKind::kAny, kCommonOptions},
    {"max_length", OptionKind::kNonNegativeInteger, kCommonOptions},
    {"editable", OptionKind::kBool, kCommonOptions},
    {"verbose_name", OptionKind::kString, kCommonOptions},
    {"help_text", OptionKind::kString, kCommonOptions},
    {"db_comment", OptionKind::kString, kCommonOptions},
    {"max_digits", OptionKind::kNonNegativeInteger, kDecimalOptions},
    {"decimal_places", OptionKind::kNonNegativeInteger, kDecimalOptions},
    {"auto_now", OptionKind::kBool, kDateOptions},
    {"auto_now_add", OptionKind::kBool, kDateOptions},
    {"base_field", OptionKind::kFieldSpec, kArrayOptions},
    // ArrayField's limit: `size` in django-mongodb-backend 5.x, `max_size` since.
    {"size", OptionKind::kNonNegativeInteger, kArraySizeOptions},
    {"max_size", OptionKind::kNonNegativeInteger, kArraySizeOptions},
    {"embedded_model", OptionKind::kString, kEmbeddedOptions},
    {"embedded_models", OptionKind::kStringList, kPolymorphicOptions},
    {"to", OptionKind::kString, kRelationOptions},
    {"on_delete", OptionKind::kString, kRelationOptions},
    {"related_name", OptionKind::kString, kRelationOptions},
    {"upload_to", OptionKind::kString, kFileOptions},
    {"path", OptionKind::kString, kFilePathOptions},
    {"queries", OptionKind::kQueries, kEncryptedOptions},
    // djongo's ModelField/FormedField (models/fields.py): the abstract model stored inside, and
    // the Django admin form classes, which say nothing about storage or queries.
    {"model_container", OptionKind::kString, kContainerOptions},
    {"model_form_class", OptionKind::kIgnored, kContainerOptions},
    {"model_form_kwargs", OptionKind::kIgnored, kContainerOptions},
};

struct Unsupported {
  std::string_view name;
  std::string_view reason;
};

// docs/topics/known-issues.rst: the primary key is ObjectIdAutoField.
constexpr Unsupported kUnsupported[] = {
    {"AutoField",
     "use ObjectIdAutoField: django-mongodb-backend does not support "
     "AutoField"},
    {"BigAutoField",
     "use ObjectIdAutoField: django-mongodb-backend does not support "
     "BigAutoField"},
    {"SmallAutoField",
     "use ObjectIdAutoField: django-mongodb-backend does not support "
     "SmallAutoField"},
    {"CompositePrimaryKey", "django-mongodb-backend does not support CompositePrimaryKey"},
    {"GeneratedField", "django-mongodb-backend does not support GeneratedField"},
};

// FieldTypeOf's index: the first row of each class (Django's own class before the connectors'
// aliases: IntegerField before djongo's AutoField). Every class has a row: schemas name classes
// by their name, so a class without one is never made.
constexpr size_t kMaxClasses = 64;
constexpr std::array<uint8_t, kMaxClasses> kRowOfClass = [] {
  std::array<uint8_t, kMaxClasses> rows{};
  for (size_t i = std::size(kFieldTypes); i-- > 0;) {
    rows[static_cast<size_t>(kFieldTypes[i].cls)] = static_cast<uint8_t>(i);
  }
  return rows;
}();
static_assert(std::size(kFieldTypes) < 256, "kRowOfClass holds row numbers in a byte");

// Every class up to the last one in the table has a row (and fits in kRowOfClass).
constexpr bool EveryClassHasARow() {
  size_t last = 0;
  for (const FieldTypeInfo& info : kFieldTypes)
    last = std::max(last, static_cast<size_t>(info.cls));
  if (last >= kMaxClasses) return false;
  for (size_t c = 0; c <= last; ++c) {
    bool found = false;
    for (const FieldTypeInfo& info : kFieldTypes)
      found = found || static_cast<size_t>(info.cls) == c;
    if (!found) return false;
  }
  return true;
}
static_assert(EveryClassHasARow(), "kFieldTypes: a row for every FieldClass");

size_t EditDistance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t above = row[j];
      size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + cost});
      diagonal = above;
    }
  }
  return row[b.size()];
}

}  // namespace

const FieldTypeInfo* FindFieldType(std::string_view name) {
  for (const FieldTypeInfo& info : kFieldTypes) {
    if (info.name == name) return &info;
  }
  return nullptr;
}

const FieldTypeInfo& FieldTypeOf(FieldClass cls) {
  return kFieldTypes[kRowOfClass[static_cast<size_t>(cls) % kMaxClasses]];
}

bool IsStringClass(FieldClass c) { return FieldTypeOf(c).value == ValueKind::kString; }

bool EmptyStringsAllowed(FieldClass c) {
  // Django's Field.empty_strings_allowed: true for the str-valued classes, except
  // GenericIPAddressField (a str, but Django stores None for ""); BinaryField's empty value is b"".
  return (IsStringClass(c) && c != FieldClass::kGenericIPAddress) || c == FieldClass::kBinary;
}

std::span<const FieldTypeInfo> AllFieldTypes() { return kFieldTypes; }

std::string_view UnsupportedFieldReason(std::string_view name) {
  for (const Unsupported& u : kUnsupported) {
    if (u.name == name) return u.reason;
  }
  return {};
}

const OptionSpec* FindOption(std::string_view name) {
  for (const OptionSpec& o : kOptions) {
    if (o.name == name) return &o;
  }
  return nullptr;
}

std::span<const OptionSpec> AllOptions() { return kOptions; }

std::string_view ClosestName(std::string_view name, std::span<const std::string_view> known) {
  std::string_view best;
  size_t best_distance = 0;
  for (std::string_view candidate : known) {
    size_t d = EditDistance(name, candidate);
    if (best.empty() || d < best_distance) {
      best = candidate;
      best_distance = d;
    }
  }
  // A typo is a couple of edits; anything further is a different word.
  size_t limit = std::max<size_t>(1, std::min<size_t>(3, name.size() / 3));
  return best_distance <= limit ? best : std::string_view();
}

}  // namespace querysafe::schema
