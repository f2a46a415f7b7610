// djongo 1.3's fields and database options ("engine": "djongo"): what each field becomes, and
// every refusal with its code, message and position in the schema text.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <format>
#include <string>
#include <string_view>

#include "querysafe/schema.h"
#include "tests/schema/schema_test_util.h"

namespace querysafe::schema {
namespace {

using ::testing::HasSubstr;
using testing::LoadError;
using testing::LoadOk;

// The documentation's Blog/Entry app, with every djongo field class.
constexpr std::string_view kBlog = R"({
  "database": "blog", "engine": "djongo", "enforce_schema": true,
  "models": {
    "Blog": {"abstract": true, "fields": {
      "name": {"type": "CharField", "max_length": 100},
      "tagline": {"type": "TextField"}}},
    "Author": {"abstract": true, "fields": {
      "name": {"type": "CharField", "max_length": 200}}},
    "Publisher": {"fields": {"name": {"type": "CharField", "max_length": 10}}},
    "Entry": {"fields": {
      "_id": {"type": "ObjectIdField"},
      "blog": {"type": "EmbeddedField", "model_container": "Blog", "model_form_class": "BlogForm",
               "model_form_kwargs": {"prefix": "b"}},
      "authors": {"type": "ArrayField", "model_container": "Author"},
      "source": {"type": "GenericObjectIdField"},
      "meta": {"type": "JSONField"},
      "publishers": {"type": "ArrayReferenceField", "to": "Publisher"}}}}})";

// A djongo schema with one collection model M and the given fields; Blog is abstract.
std::string Djongo(std::string_view fields, std::string_view top = "") {
  return std::format(
      R"({{"database": "db", "engine": "djongo"{}, "models": {{
        "Blog": {{"abstract": true, "fields": {{"name": {{"type": "CharField"}}}}}},
        "M": {{"fields": {{{}}}}}}}}})",
      top, fields);
}

std::string_view Spanned(std::string_view text, Span span) {
  return text.substr(span.begin, span.end - span.begin);
}

// Loads through the public API (which adds spans) and expects one diagnostic with `code`.
Diagnostic PublicError(std::string_view json, std::string_view code) {
  SchemaResult r = querysafe::Schema::FromJson(json);
  EXPECT_FALSE(r.ok());
  for (const Diagnostic& d : r.diagnostics) {
    if (d.code == code) return d;
  }
  ADD_FAILURE() << "no " << code << " in " << testing::Describe(r.diagnostics);
  return {};
}

TEST(DjongoFields, BlogEntryLoads) {
  auto schema = LoadOk(kBlog);
  ASSERT_NE(schema, nullptr);
  EXPECT_EQ(schema->engine, Engine::kDjongo);
  EXPECT_TRUE(schema->enforce_schema);
  const Model* entry = schema->FindModel("Entry");
  ASSERT_NE(entry, nullptr);
  EXPECT_EQ(entry->db_table, "entry");

  const Field* blog = entry->FindField("blog");
  ASSERT_NE(blog, nullptr);
  EXPECT_TRUE(blog->djongo);
  EXPECT_EQ(blog->cls, FieldClass::kEmbeddedModel);
  EXPECT_EQ(blog->bson_type, BsonType::kObject);
  ASSERT_NE(blog->embedded_model, nullptr);
  EXPECT_EQ(blog->embedded_model->name, "Blog");

  const Field* authors = entry->FindField("authors");
  ASSERT_NE(authors, nullptr);
  EXPECT_TRUE(authors->djongo);
  EXPECT_EQ(authors->cls, FieldClass::kEmbeddedModelArray);
  EXPECT_EQ(authors->bson_type, BsonType::kArray);
  EXPECT_EQ(authors->embedded_model, schema->FindModel("Author"));

  // djongo's ObjectIdField is the primary key on _id; no implicit `id` is added.
  const Field* id = entry->FindField("_id");
  ASSERT_NE(id, nullptr);
  EXPECT_TRUE(id->primary_key);
  EXPECT_EQ(id->column, "_id");
  EXPECT_EQ(entry->pk, id);
  EXPECT_EQ(entry->FindField("id"), nullptr);
  EXPECT_EQ(entry->FindField("pk"), id);

  const Field* source = entry->FindField("source");
  ASSERT_NE(source, nullptr);
  EXPECT_EQ(source->cls, FieldClass::kObjectId);
  EXPECT_FALSE(source->primary_key);

  EXPECT_EQ(entry->FindField("meta")->cls, FieldClass::kJSON);

  // ArrayReferenceField: a ForeignKey subclass storing an array of the target's keys.
  const Field* publishers = entry->FindField("publishers");
  ASSERT_NE(publishers, nullptr);
  EXPECT_EQ(publishers->column, "publishers_id");
  EXPECT_EQ(publishers->bson_type, BsonType::kArray);
  EXPECT_EQ(publishers->related_model, schema->FindModel("Publisher"));
}

TEST(DjongoFields, AbstractModelsHaveNoCollectionAndNoKey) {
  auto schema = LoadOk(kBlog);
  ASSERT_NE(schema, nullptr);
  const Model* blog = schema->FindModel("Blog");
  EXPECT_TRUE(blog->abstract);
  EXPECT_TRUE(blog->embedded);
  EXPECT_TRUE(blog->db_table.empty());
  EXPECT_EQ(blog->pk, nullptr);
  EXPECT_EQ(blog->FindField("id"), nullptr);
}

TEST(DjongoFields, ImplicitKeyIsDjangosAutoFieldOnId) {
  auto schema = LoadOk(kBlog);
  ASSERT_NE(schema, nullptr);
  const Field* pk = schema->FindModel("Publisher")->pk;
  ASSERT_NE(pk, nullptr);
  EXPECT_EQ(pk->name, "id");
  EXPECT_EQ(pk->column, "id");
  EXPECT_EQ(pk->class_name, "AutoField");
  EXPECT_EQ(pk->cls, FieldClass::kInteger);
}

TEST(DjongoFields, EnforceSchemaDefaultsToFalse) {
  auto schema = LoadOk(Djongo(R"("f": {"type": "CharField"})"));
  ASSERT_NE(schema, nullptr);
  EXPECT_FALSE(schema->enforce_schema);
}

TEST(DjongoFields, ModelContainerIsRequired) {
  Diagnostic d = LoadError(Djongo(R"("f": {"type": "EmbeddedField"})"), "schema.missing_option");
  EXPECT_EQ(d.message,
            "EmbeddedField.__init__() missing 1 required positional argument: 'model_container'");
  d = LoadError(Djongo(R"("f": {"type": "ArrayField"})"), "schema.missing_option");
  EXPECT_EQ(d.message,
            "ArrayField.__init__() missing 1 required positional argument: 'model_container'");
}

TEST(DjongoFields, ModelContainerMustBeAbstract) {
  const std::string json = std::format(
      R"({{"database": "db", "engine": "djongo", "models": {{
        "Blog": {{"fields": {{"name": {{"type": "CharField"}}}}}},
        "M": {{"fields": {{"f": {{"type": "EmbeddedField", "model_container": "Blog"}}}}}}}}}})");
  Diagnostic d = PublicError(json, "schema.not_abstract_model");
  EXPECT_THAT(d.message, HasSubstr("The model of the container must be declared as abstract"));
  EXPECT_EQ(d.location, "models.M.fields.f.model_container");
  EXPECT_EQ(Spanned(json, d.span), R"("Blog")");
}

TEST(DjongoFields, UnknownContainerIsDjangosError) {
  Diagnostic d = LoadError(Djongo(R"("f": {"type": "EmbeddedField", "model_container": "Blg"})"),
                           "schema.unknown_model");
  EXPECT_THAT(d.message, HasSubstr("'Blg'"));
}

TEST(DjongoFields, ArrayFieldTakesModelContainerOnlyUnderDjongo) {
  const std::string json =
      Djongo(R"("f": {"type": "ArrayField", "base_field": {"type": "IntegerField"}})");
  Diagnostic d = PublicError(json, "schema.unknown_option");
  EXPECT_THAT(d.message, HasSubstr("djongo's ArrayField takes model_container"));
  EXPECT_EQ(d.location, "models.M.fields.f.base_field");

  d = LoadError(testing::FieldSchema(R"({"type": "ArrayField", "model_container": "X"})"),
                "schema.engine_field");
  EXPECT_THAT(d.message, HasSubstr("is djongo's field"));
}

TEST(DjongoFields, DjongoClassesNeedTheEngine) {
  for (std::string_view type : {"EmbeddedField", "GenericObjectIdField", "ArrayReferenceField"}) {
    SCOPED_TRACE(type);
    const std::string json = testing::FieldSchema(std::format(R"({{"type": "{}"}})", type));
    Diagnostic d = PublicError(json, "schema.engine_field");
    EXPECT_EQ(d.message, std::format("{} is djongo's field: declare \"engine\": \"djongo\" at the "
                                     "top of the schema to use djongo's fields and query forms.",
                                     type));
    EXPECT_EQ(Spanned(json, d.span), std::format("\"{}\"", type));
  }
  // Without djongo, AutoField keeps django-mongodb-backend's reason.
  Diagnostic d =
      LoadError(testing::FieldSchema(R"({"type": "AutoField"})"), "schema.unsupported_field");
  EXPECT_THAT(d.message, HasSubstr("use ObjectIdAutoField"));
}

TEST(DjongoFields, BackendClassesAndEncryptionAreRefusedByName) {
  for (std::string_view type :
       {"EmbeddedModelField", "EmbeddedModelArrayField", "ObjectIdAutoField",
        "PolymorphicEmbeddedModelField", "EncryptedCharField"}) {
    SCOPED_TRACE(type);
    Diagnostic d =
        LoadError(Djongo(std::format(R"("f": {{"type": "{}"}})", type)), "schema.engine_field");
    EXPECT_THAT(d.message, HasSubstr(std::format("{} is django-mongodb-backend's field", type)));
  }
  Diagnostic d = LoadError(Djongo(R"("f": {"type": "EncryptedEmbeddedField"})"),
                           "schema.no_encrypted_version");
  EXPECT_THAT(d.message, HasSubstr("djongo has no Queryable Encryption"));
}

TEST(DjongoFields, EngineAndEnforceSchemaAreChecked) {
  const std::string bad_engine = R"({"database": "db", "engine": "djongo2", "models": {}})";
  Diagnostic d = PublicError(bad_engine, "schema.unknown_engine");
  EXPECT_EQ(Spanned(bad_engine, d.span), R"("djongo2")");

  const std::string no_engine = R"({"database": "db", "enforce_schema": true, "models": {}})";
  d = PublicError(no_engine, "schema.engine_option");
  EXPECT_THAT(d.message, HasSubstr("djongo's ENFORCE_SCHEMA"));
  EXPECT_EQ(Spanned(no_engine, d.span), "true");

  d = LoadError(Djongo(R"("f": {"type": "CharField"})", R"(, "enforce_schema": "yes")"),
                "schema.wrong_type");
  EXPECT_EQ(d.location, "enforce_schema");

  // Django's settings spelling gets a suggestion.
  d = LoadError(R"({"database": "db", "ENFORCE_SCHEMA": false, "models": {}})",
                "schema.unknown_key");
  EXPECT_THAT(d.message, HasSubstr("did you mean 'enforce_schema'?"));
}

TEST(DjongoFields, FormOptionsOnlyOnContainers) {
  Diagnostic d = LoadError(Djongo(R"("f": {"type": "CharField", "model_form_class": "F"})"),
                           "schema.unknown_option");
  EXPECT_EQ(d.message, "CharField does not take the option 'model_form_class'");
}

}  // namespace
}  // namespace querysafe::schema
