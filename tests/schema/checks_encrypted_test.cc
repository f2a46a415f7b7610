// django-mongodb-backend's rules on encrypted fields (EncryptedFieldMixin,
// NoQueriesMixin, the E001 system check) and the seed's fields without an
// encrypted version: each with a schema it rejects and the closest one it
// accepts.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/schema/schema_test_util.h"

namespace querysafe::schema {
namespace {

using testing::FieldSchema;
using ::testing::HasSubstr;
using testing::LoadError;
using testing::LoadOk;
using testing::Schema1;

TEST(EncryptedFieldOptions, RejectsNullUniqueAndDbIndexTogether) {
  SchemaLoadResult r = LoadSchema(FieldSchema(
      R"({"type": "EncryptedIntegerField", "null": true, "unique": true, "db_index": true})"));
  ASSERT_EQ(r.schema, nullptr);
  // FieldMixinTests.test_db_index / test_null / test_unique: all three, not
  // just the first.
  std::vector<std::string> messages;
  for (const Diagnostic& d : r.diagnostics) messages.push_back(d.message);
  EXPECT_THAT(messages,
              ::testing::UnorderedElementsAre("Encrypted fields do not support db_index=True.",
                                              "Encrypted fields do not support null=True.",
                                              "Encrypted fields do not support unique=True."));
  Diagnostic null = *testing::FindCode(r.diagnostics, "schema.encrypted_null");
  EXPECT_EQ(null.category, Category::kImproperlyConfigured);
  EXPECT_EQ(null.location, "models.M.fields.f.null");
}

TEST(EncryptedFieldOptions, AcceptsTheOptionsSetToFalse) {
  LoadOk(FieldSchema(
      R"({"type": "EncryptedIntegerField", "null": false, "unique": false, "db_index": false})"));
  // The same options on a plain field are Django's business, not QE's.
  LoadOk(
      FieldSchema(R"({"type": "IntegerField", "null": true, "unique": true, "db_index": true})"));
}

TEST(NoQueriesArgument, RejectsQueriesOnArrayAndEmbeddedEncryptedFields) {
  const std::string embedded = R"(, "Actor": {"embedded": true, "fields": {
      "name": {"type": "CharField", "max_length": 10}}})";
  for (const char* field :
       {R"({"type": "EncryptedArrayField", "base_field": {"type": "IntegerField"}, "queries": {}})",
        R"({"type": "EncryptedEmbeddedModelField", "embedded_model": "Actor", "queries": null})",
        R"({"type": "EncryptedEmbeddedModelArrayField", "embedded_model": "Actor",
            "queries": {"queryType": "equality"}})"}) {
    SCOPED_TRACE(field);
    Diagnostic d = LoadError(Schema1(std::format(R"("f": {})", field), embedded),
                             "schema.queries_not_supported");
    // FieldMixinTests.test_fields_without_queries: even an empty or null
    // `queries` is refused.
    EXPECT_THAT(d.message, ::testing::MatchesRegex(
                               "Encrypted(Array|EmbeddedModel|EmbeddedModelArray)Field does not "
                               "support the queries argument\\."));
    EXPECT_EQ(d.location, "models.M.fields.f.queries");
  }
}

TEST(NoQueriesArgument, AcceptsThemWithoutTheKey) {
  LoadOk(Schema1(
      R"("f": {"type": "EncryptedArrayField", "base_field": {"type": "IntegerField"}},
                    "g": {"type": "EncryptedEmbeddedModelField", "embedded_model": "Actor"})",
      R"(, "Actor": {"embedded": true, "fields": {"name": {"type": "CharField",
                    "max_length": 10}}})"));
}

constexpr const char* kEmbeddedWithEncrypted =
    R"(, "Embedded": {"embedded": true, "fields": {"value": {"type": "EncryptedIntegerField"}}})";

TEST(ContainsEncrypted, RejectsEncryptedFieldsInWholeEncryptedOrArrayEmbedding) {
  // test_invalid_models.py: the three E001 cases.
  for (const char* cls : {"EmbeddedModelArrayField", "EncryptedEmbeddedModelField",
                          "EncryptedEmbeddedModelArrayField"}) {
    SCOPED_TRACE(cls);
    Diagnostic d = LoadError(
        Schema1(std::format(R"("f": {{"type": "{}", "embedded_model": "Embedded"}})", cls),
                kEmbeddedWithEncrypted),
        "schema.contains_encrypted");
    EXPECT_EQ(
        d.message,
        std::format("{} cannot contain encrypted fields (found EncryptedIntegerField).", cls));
    EXPECT_EQ(d.location, "models.M.fields.f");
  }
}

TEST(ContainsEncrypted, AcceptsSelectedFieldEncryptionThroughAPlainEmbeddedModelField) {
  auto schema =
      LoadOk(Schema1(R"("f": {"type": "EmbeddedModelField", "embedded_model": "Embedded"})",
                     kEmbeddedWithEncrypted));
  ASSERT_NE(schema, nullptr);
  EXPECT_NE(schema->FindModel("M")->FindEncryptedPath("f.value"), nullptr);
  // And a whole-encrypted subdocument whose model has no encrypted field.
  LoadOk(Schema1(R"("f": {"type": "EncryptedEmbeddedModelField", "embedded_model": "Plain"})",
                 R"(, "Plain": {"embedded": true, "fields": {"v": {"type": "IntegerField"}}})"));
}

TEST(ContainsEncrypted, FindsEncryptedFieldsTwoLevelsDown) {
  // Django's check looks one level down and misses this; MongoDB cannot do it
  // either.
  Diagnostic d = LoadError(
      Schema1(R"("f": {"type": "EncryptedEmbeddedModelField", "embedded_model": "Outer"})",
              R"(, "Outer": {"embedded": true, "fields": {
                    "inner": {"type": "EmbeddedModelField", "embedded_model": "Inner"}}},
                  "Inner": {"embedded": true, "fields": {
                    "secret": {"type": "EncryptedDateField"}}})"),
      "schema.contains_encrypted");
  EXPECT_EQ(d.message,
            "EncryptedEmbeddedModelField cannot contain encrypted fields (found "
            "EncryptedDateField).");
  LoadError(Schema1(R"("f": {"type": "EmbeddedModelArrayField", "embedded_model": "Outer"})",
                    R"(, "Outer": {"embedded": true, "fields": {
                          "inner": {"type": "EmbeddedModelField", "embedded_model": "Inner"}}},
                        "Inner": {"embedded": true, "fields": {
                          "secret": {"type": "EncryptedDateField"}}})"),
            "schema.contains_encrypted");
}

TEST(ContainsEncrypted, EndsOnRecursiveEmbeddedModels) {
  // A embeds B embeds A, no encrypted field anywhere: accepted, and the walk
  // terminates.
  LoadOk(Schema1(R"("f": {"type": "EmbeddedModelArrayField", "embedded_model": "A"})",
                 R"(, "A": {"embedded": true, "fields": {
                       "b": {"type": "EmbeddedModelField", "embedded_model": "B", "null": true}}},
                     "B": {"embedded": true, "fields": {
                       "a": {"type": "EmbeddedModelField", "embedded_model": "A", "null": true}}})"));
  // The same cycle with an encrypted field in it, under an array: rejected,
  // still terminating.
  LoadError(Schema1(R"("f": {"type": "EmbeddedModelArrayField", "embedded_model": "A"})",
                    R"(, "A": {"embedded": true, "fields": {
                          "b": {"type": "EmbeddedModelField", "embedded_model": "B"}}},
                        "B": {"embedded": true, "fields": {
                          "a": {"type": "EmbeddedModelField", "embedded_model": "A"},
                          "s": {"type": "EncryptedCharField", "max_length": 5}}})"),
            "schema.contains_encrypted");
}

TEST(ContainsEncrypted, RejectsEncryptedFieldsDjangoWouldStoreInPlaintext) {
  // Inside a polymorphic embedded model _get_encrypted_fields never looks: the
  // value would be stored unencrypted.
  Diagnostic d = LoadError(
      Schema1(
          R"("f": {"type": "PolymorphicEmbeddedModelField",
                       "embedded_models": ["Plain", "Embedded"]})",
          std::string(kEmbeddedWithEncrypted) +
              R"(, "Plain": {"embedded": true, "fields": {"v": {"type": "IntegerField"}}})"),
      "schema.contains_encrypted");
  EXPECT_EQ(d.message,
            "PolymorphicEmbeddedModelField cannot contain encrypted fields (found "
            "EncryptedIntegerField).");
  d = LoadError(FieldSchema(
                    R"({"type": "ArrayField", "base_field": {"type": "EncryptedCharField",
                                "max_length": 3}})"),
                "schema.contains_encrypted");
  EXPECT_EQ(d.message, "ArrayField cannot contain encrypted fields (found EncryptedCharField).");
  LoadOk(FieldSchema(
      R"({"type": "ArrayField", "base_field": {"type": "CharField", "max_length": 3},
                         "size": 4})"));
}

// django-mongodb-backend's documentation of encrypted fields
// (docs/ref/models/encrypted-fields.rst): the fields with "Encrypted version available? No", and
// the reason given.
struct NoEncryptedVersion {
  const char* type;
  const char* message;
};

constexpr NoEncryptedVersion kNoEncryptedVersion[] = {
    {"EncryptedFileField",
     "EncryptedFileField does not exist: FileField has no encrypted version "
     "(the use case for "
     "encrypting this field is unclear)."},
    {"EncryptedFilePathField",
     "EncryptedFilePathField does not exist: FilePathField has no encrypted "
     "version (the use "
     "case for encrypting this field is unclear)."},
    {"EncryptedImageField",
     "EncryptedImageField does not exist: ImageField has no encrypted version "
     "(the use case for "
     "encrypting this field is unclear)."},
    {"EncryptedJSONField",
     "EncryptedJSONField does not exist: JSONField has no encrypted version "
     "(JSONField isn't "
     "recommended)."},
    {"EncryptedSlugField",
     "EncryptedSlugField does not exist: SlugField has no encrypted version "
     "(it requires a unique "
     "index which Queryable Encryption doesn't support)."},
    {"EncryptedPolymorphicEmbeddedModelField",
     "EncryptedPolymorphicEmbeddedModelField does not exist: "
     "PolymorphicEmbeddedModelField has no "
     "encrypted version (it may be implemented in the future)."},
    {"EncryptedPolymorphicEmbeddedModelArrayField",
     "EncryptedPolymorphicEmbeddedModelArrayField does not exist: "
     "PolymorphicEmbeddedModelArrayField has no encrypted version (it may be "
     "implemented in the "
     "future)."},
};

TEST(NoEncryptedVersion, GivesTheDocumentedReason) {
  for (const NoEncryptedVersion& c : kNoEncryptedVersion) {
    SCOPED_TRACE(c.type);
    Diagnostic d = LoadError(FieldSchema(std::format(R"({{"type": "{}"}})", c.type)),
                             "schema.no_encrypted_version");
    EXPECT_EQ(d.message, c.message);
    EXPECT_EQ(d.location, "models.M.fields.f.type");
  }
  LoadError(FieldSchema(R"({"type": "EncryptedForeignKey", "to": "M"})"),
            "schema.no_encrypted_version");
}

TEST(NoEncryptedVersion, AcceptsThePlainFields) {
  LoadOk(Schema1(
      R"("a": {"type": "FileField", "upload_to": "x/"},
                    "b": {"type": "FilePathField", "path": "/tmp"},
                    "c": {"type": "ImageField"}, "d": {"type": "JSONField"},
                    "e": {"type": "SlugField", "max_length": 50},
                    "p": {"type": "PolymorphicEmbeddedModelField", "embedded_models": ["E"]},
                    "q": {"type": "PolymorphicEmbeddedModelArrayField", "embedded_models": ["E"]})",
      R"(, "E": {"embedded": true, "fields": {"v": {"type": "IntegerField"}}})"));
}

TEST(FieldTypes, EveryEncryptedVariantThatExistsLoadsWithItsBsonType) {
  struct Case {
    const char* type;
    BsonType bson;
  } cases[] = {
      {"EncryptedBigIntegerField", BsonType::kLong},
      {"EncryptedBinaryField", BsonType::kBinData},
      {"EncryptedBooleanField", BsonType::kBool},
      {"EncryptedCharField", BsonType::kString},
      {"EncryptedDateField", BsonType::kDate},
      {"EncryptedDateTimeField", BsonType::kDate},
      {"EncryptedDurationField", BsonType::kLong},
      {"EncryptedEmailField", BsonType::kString},
      {"EncryptedFloatField", BsonType::kDouble},
      {"EncryptedGenericIPAddressField", BsonType::kString},
      {"EncryptedIntegerField", BsonType::kLong},
      {"EncryptedPositiveBigIntegerField", BsonType::kLong},
      {"EncryptedPositiveIntegerField", BsonType::kLong},
      {"EncryptedPositiveSmallIntegerField", BsonType::kInt},
      {"EncryptedSmallIntegerField", BsonType::kInt},
      {"EncryptedTextField", BsonType::kString},
      {"EncryptedTimeField", BsonType::kDate},
      {"EncryptedURLField", BsonType::kString},
      {"EncryptedUUIDField", BsonType::kString},
      {"EncryptedObjectIdField", BsonType::kObjectId},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.type);
    auto schema = LoadOk(FieldSchema(std::format(R"({{"type": "{}"}})", c.type)));
    ASSERT_NE(schema, nullptr);
    const Field* f = testing::FieldF(*schema);
    EXPECT_TRUE(f->encrypted);
    EXPECT_EQ(f->bson_type, c.bson);
    EXPECT_EQ(f->class_name, c.type);
    EXPECT_EQ(schema->FindModel("M")->encrypted_paths.at(0).bson_type, c.bson);
  }
  // The decimal one needs its digits (fields.E130/E132).
  auto schema = LoadOk(
      FieldSchema(R"({"type": "EncryptedDecimalField", "max_digits": 10, "decimal_places": 2})"));
  ASSERT_NE(schema, nullptr);
  EXPECT_EQ(testing::FieldF(*schema)->bson_type, BsonType::kDecimal);
}

TEST(FieldTypes, UnknownAndUnsupportedTypesAreNamed) {
  Diagnostic d = LoadError(FieldSchema(R"({"type": "ChrField"})"), "schema.unknown_field_type");
  EXPECT_EQ(d.message, "Unknown field type 'ChrField'; did you mean 'CharField'?");
  d = LoadError(FieldSchema(R"({"type": "EncryptedIntgerField"})"), "schema.unknown_field_type");
  EXPECT_THAT(d.message, HasSubstr("did you mean 'EncryptedIntegerField'?"));
  d = LoadError(FieldSchema(R"({"type": "AutoField", "primary_key": true})"),
                "schema.unsupported_field");
  EXPECT_THAT(d.message, HasSubstr("use ObjectIdAutoField"));
}

}  // namespace
}  // namespace querysafe::schema
