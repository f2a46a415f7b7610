// The compiled schema: models, fields, encrypted fields and their declared QE queries, as every
// later stage asks for them. Built once by LoadSchema() (lib/schema/load.h), immutable after,
// and safe to share between threads (it is only ever read through const pointers). Lookups by
// name are hash lookups, or a scan for the small models and schemas (FindField, FindModel).
//
// Vocabulary follows Django and django-mongodb-backend: a Model has Fields; a Field has a Django
// class (CharField, EncryptedCharField, EmbeddedModelField...), a column (db_column or the name)
// and the BSON type django-mongodb-backend stores it as. A top-level (non-embedded) model is a
// collection; its encrypted fields, reached through plain EmbeddedModelFields at any depth, are
// the collection's encryptedFields entries (EncryptedPath), keyed by their dotted db path.
#ifndef QUERYSAFE_LIB_SCHEMA_MODEL_H_
#define QUERYSAFE_LIB_SCHEMA_MODEL_H_

#include <bson/bson.h>

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "lib/common/bson_util.h"

namespace querysafe::schema {

// BSON types by their type byte, named as MongoDB's `bsonType` spells them.
enum class BsonType : uint8_t {
  kDouble = 0x01,
  kString = 0x02,
  kObject = 0x03,
  kArray = 0x04,
  kBinData = 0x05,
  kObjectId = 0x07,
  kBool = 0x08,
  kDate = 0x09,
  kNull = 0x0A,
  kRegex = 0x0B,
  kDbPointer = 0x0C,
  kJavascript = 0x0D,
  kSymbol = 0x0E,
  kInt = 0x10,
  kTimestamp = 0x11,
  kLong = 0x12,
  kDecimal = 0x13,
};

// "double", "string", "object", "array", "binData", "objectId", "bool", "date", "int", "long",
// "decimal", ...: lib/common/bson_type_name.h's table.
std::string_view BsonTypeName(BsonType type);

// Django field classes querysafe knows, without the "Encrypted" prefix (that is Field::encrypted).
enum class FieldClass : uint8_t {
  kBigInteger,
  kBinary,
  kBoolean,
  kChar,
  kDate,
  kDateTime,
  kDecimal,
  kDuration,
  kEmail,
  kFile,
  kFilePath,
  kFloat,
  kGenericIPAddress,
  kImage,
  kInteger,
  kJSON,
  kPositiveBigInteger,
  kPositiveInteger,
  kPositiveSmallInteger,
  kSlug,
  kSmallInteger,
  kText,
  kTime,
  kURL,
  kUUID,
  // django_mongodb_backend.fields
  kArray,
  kEmbeddedModel,
  kEmbeddedModelArray,
  kObjectId,
  kObjectIdAuto,  // the implicit primary key `id`, stored as `_id`
  kPolymorphicEmbeddedModel,
  kPolymorphicEmbeddedModelArray,
  // relations
  kForeignKey,
  kOneToOne,
};

// Django's str-valued field classes (CharField and its subclasses, TextField, the file fields,
// GenericIPAddressField): a pattern lookup matches their stored value as it is, where for the
// other classes Django matches the value's text (CAST in SQL, $toString in MQL). The analyzer,
// lowering and the executor all ask, so the list lives here.
bool IsStringClass(FieldClass c);
// Django's Field.empty_strings_allowed: the classes whose get_default() without a default is ""
// (b"" for BinaryField) rather than None.
bool EmptyStringsAllowed(FieldClass c);

// The queryType values MongoDB accepts in encryptedFields: equality (7.0), range (8.0), the text
// previews (8.2; still served on 9.0 for collections created with them) and the text types of
// MongoDB 9.0 (prefix, suffix, substring).
enum class QueryType : uint8_t {
  kEquality,
  kRange,
  kPrefixPreview,
  kSuffixPreview,
  kSubstringPreview,
  kPrefix,
  kSuffix,
  kSubstring,
};
std::string_view QueryTypeName(QueryType type);  // "equality", "range", "prefixPreview", ...

// The text query types, of either generation.
bool IsTextQuery(QueryType type);
// The 8.2 previews (prefixPreview, suffixPreview, substringPreview).
bool IsTextPreview(QueryType type);
// What a text index answers, whichever generation declared it.
enum class TextKind : uint8_t { kPrefix, kSuffix, kSubstring };
TextKind TextKindOf(QueryType type);  // only for IsTextQuery(type)

// One entry of a field's `queries` (a dict, or each element of a list).
struct QuerySpec {
  QueryType type = QueryType::kEquality;
  std::string location;  // e.g. "models.PatientRecord.fields.ssn.queries"

  // What the user declared; absent keys stay empty.
  std::optional<int64_t> contention;
  std::optional<int64_t> sparsity;
  std::optional<int32_t> trim_factor;
  std::optional<int32_t> precision;
  std::optional<int32_t> str_min_query_length;
  std::optional<int32_t> str_max_query_length;
  std::optional<int32_t> str_max_length;
  std::optional<bool> case_sensitive;
  std::optional<bool> diacritic_sensitive;
  bool has_min = false;
  bool has_max = false;

  // What the server applies (MongoDB 8.0 defaults): contention 8, sparsity 2, trimFactor
  // min(6, bits - 1) capped to the domain, and for int/long/date ranges without bounds the full
  // range of the type. These are the values find payloads must be made with.
  int64_t effective_contention = 8;
  int64_t effective_sparsity = 2;
  int32_t effective_trim_factor = 6;

  // {"min": v, "max": v} with both values of the field's BSON type: the declared bounds, or the
  // effective ones for int/long/date; empty for double/decimal declared without bounds.
  BsonDoc bounds;
  // The `queries` entry exactly as it goes into encryptedFields: the declared keys only (no
  // defaults added, as django-mongodb-backend passes them through), numbers coerced to the types
  // the server expects (contention and sparsity long, trimFactor and precision int, min and max
  // the field's type).
  BsonDoc declared;
  // Range only: the number of bits libmongocrypt needs for the domain [min, max] (with
  // precision for double/decimal): 32 for a full int, 64 for long/date, 128 for decimal without
  // bounds. The default trimFactor and the trimFactor bound come from it. 0 otherwise.
  uint32_t domain_bits = 0;

  bool has_bounds() const { return !bounds.empty(); }
  // The effective bounds; only valid when has_bounds(). The view points into `bounds`.
  bson_value_t min() const;
  bson_value_t max() const;
};

struct Model;

// A data key reference: a keyId from the schema's encrypted_fields_map, or the key alt name
// `<db_table>.<path>` that django-mongodb-backend creates keys under, resolved through the key
// vault later.
struct KeyRef {
  std::optional<std::array<uint8_t, 16>> key_id;
  std::string key_alt_name;
};

struct Field {
  std::string name;        // the attribute name: `patient_record`, `author`
  std::string attname;     // `author_id` for a ForeignKey, else `name`
  std::string column;      // db_column, else attname; `_id` for the primary key
  std::string class_name;  // as written in the schema: "EncryptedCharField"
  FieldClass cls = FieldClass::kChar;
  bool encrypted = false;
  BsonType bson_type = BsonType::kString;

  bool null = false;
  bool blank = false;
  bool unique = false;
  bool db_index = false;
  bool primary_key = false;
  bool auto_now = false;
  bool auto_now_add = false;
  bool implicit = false;  // the `id` primary key querysafe added
  // A djongo 1.3 field (EmbeddedField, ArrayField with model_container, GenericObjectIdField,
  // ArrayReferenceField, djongo's ObjectIdField and AutoField): its queries follow djongo's
  // forms (a dict of sub-field values), not django-mongodb-backend's `a__b` paths.
  bool djongo = false;
  bool editable = true;
  std::optional<int64_t> max_length;
  std::optional<int64_t> max_digits;
  std::optional<int64_t> decimal_places;
  std::optional<int64_t> size;  // ArrayField and subclasses: size / max_size
  // choices as [[value, label], ...]; empty doc if none.
  BsonDoc choices;
  // default, as {"v": value}; empty doc if none.
  BsonDoc default_value;

  const Model* model = nullptr;               // the model the field belongs to
  const Model* embedded_model = nullptr;      // EmbeddedModelField / EmbeddedModelArrayField
  std::vector<const Model*> embedded_models;  // the polymorphic ones
  const Model* related_model = nullptr;       // ForeignKey / OneToOneField `to`
  std::unique_ptr<Field> base_field;          // ArrayField

  bool queries_declared = false;  // the `queries` key was present (even if null or empty)
  // `queries` was written as a list; encryptedFields gets it back as a list then.
  bool queries_is_list = false;
  // Empty when `queries` was absent, null, {} or []: django-mongodb-backend then leaves the key
  // out of encryptedFields and the field is encrypted but not queryable.
  std::vector<QuerySpec> queries;

  std::string location;  // "models.PatientRecord.fields.ssn"

  const QuerySpec* FindQuery(QueryType type) const;
};

// One encryptedFields entry of a collection.
struct EncryptedPath {
  std::string path;  // dotted db path: "patient_record.ssn"
  const Field* field = nullptr;
  BsonType bson_type = BsonType::kString;
  KeyRef key;
  const std::vector<QuerySpec>* queries = nullptr;  // the field's; empty for non-queryable

  bool queryable() const { return queries != nullptr && !queries->empty(); }
};

struct OrderSpec {
  std::string field;  // as written, without the '-'
  bool descending = false;
};

struct Model {
  std::string name;
  bool embedded = false;
  std::string db_table;                        // collection name; empty for embedded models
  std::vector<std::unique_ptr<Field>> fields;  // declaration order; the implicit `id` first
  std::vector<OrderSpec> ordering;
  std::vector<std::vector<std::string>> indexes;
  // Meta.managed: showencryptedfieldsmap (and so EncryptedFieldsMap) skips unmanaged models.
  bool managed = true;
  std::string location;  // "models.Patient"
  // Meta.abstract: djongo's model_container models. Stored inside a parent's document like an
  // EmbeddedModel (`embedded` is set too), never a collection of their own.
  bool abstract = false;

  const Field* pk = nullptr;

  // Top-level models: the collection's encryptedFields, in the order
  // django-mongodb-backend generates them (declaration order, depth first).
  std::vector<EncryptedPath> encrypted_paths;

  // By attribute name, attname and "pk". Not by column: Django resolves attribute names.
  const Field* FindField(std::string_view name) const;
  // Builds FindField's index once `fields` is final (the schema loader calls it).
  void IndexFields();
  // The encryptedFields entry for a dotted db path, or null.
  const EncryptedPath* FindEncryptedPath(std::string_view path) const;
  // True if this model, or an embedded model reached through a plain EmbeddedModelField, has an
  // encrypted field.
  bool has_encrypted_fields() const { return !encrypted_paths.empty(); }

  absl::flat_hash_map<std::string, const Field*> fields_by_name;
  absl::flat_hash_map<std::string, const EncryptedPath*> encrypted_by_path;
  // The same names as fields_by_name, in insertion order. Models are small, and every key of a
  // query is looked up here: below kScanFields names, a scan that compares lengths first costs a
  // third of hashing the name (callgrind on the anchor queries).
  struct NamedField {
    std::string_view name;  // into the Field's own strings
    const Field* field;
  };
  static constexpr size_t kScanFields = 16;
  std::vector<NamedField> field_names;
};

// DATABASES['default']['ENGINE']: which connector wrote the collections, and so which fields,
// storage and query forms the schema's models follow.
enum class Engine : uint8_t {
  kDjangoMongodbBackend,  // "django_mongodb_backend" (the default)
  kDjongo,                // "djongo": djongo 1.3, the SQL-translating connector
};

class Schema {
 public:
  std::string database;
  Engine engine = Engine::kDjangoMongodbBackend;
  // djongo's ENFORCE_SCHEMA (engine djongo only; djongo's default is False): true makes a read
  // of a document that lacks a model field an error (djongo raises MigrationError); false reads
  // the missing field as None.
  bool enforce_schema = false;
  std::string app_label;  // empty if the schema has none
  // "<database>.__keyVault" unless the schema says otherwise (django-mongodb-backend's layout).
  std::string key_vault_namespace;
  std::vector<std::unique_ptr<Model>> models;  // declaration order

  const Model* FindModel(std::string_view name) const;
  // The top-level model stored in a collection, or null.
  const Model* FindModelByTable(std::string_view db_table) const;
  // True if any model of the database has encrypted fields: then the connection uses automatic
  // encryption, and the limitations that apply to every model on such a connection apply.
  bool has_encrypted_fields() const;

  // {db_table: {"fields": [{"bsonType", "path", "keyId", "queries"}]}} for every collection with
  // encrypted fields, as django-mongodb-backend's showencryptedfieldsmap prints it. Entries whose
  // key is known only by alt name carry "keyAltName" instead of "keyId".
  BsonDoc EncryptedFieldsMap() const;

  absl::flat_hash_map<std::string, const Model*> models_by_name;  // `models` by name
  absl::flat_hash_map<std::string, const Model*> models_by_table;
};

}  // namespace querysafe::schema

#endif  // QUERYSAFE_LIB_SCHEMA_MODEL_H_
