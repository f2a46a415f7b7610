// The compiled schema as later stages use it: hash lookups by name, attname and
// "pk", columns and BSON types of relations, and reads from several threads at
// once.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "lib/common/bson_util.h"
#include "tests/schema/schema_test_util.h"

namespace querysafe::schema {
namespace {

using testing::LoadOk;

constexpr const char* kShop = R"({"database": "shop", "models": {
  "Country": {"fields": {"code": {"type": "CharField", "max_length": 2, "primary_key": true}}},
  "Customer": {"fields": {
      "country": {"type": "ForeignKey", "to": "Country", "on_delete": "CASCADE"},
      "name": {"type": "CharField", "max_length": 50, "db_column": "n"}}},
  "Profile": {"fields": {
      "customer": {"type": "OneToOneField", "to": "Customer", "primary_key": true}}},
  "Note": {"fields": {"profile": {"type": "ForeignKey", "to": "Profile"},
                      "tags": {"type": "ArrayField", "max_size": 3,
                               "base_field": {"type": "SmallIntegerField"}}}}
}})";

TEST(Lookup, ByNameAttnameAndPk) {
  auto schema = LoadOk(kShop);
  ASSERT_NE(schema, nullptr);
  const Model* customer = schema->FindModel("Customer");
  ASSERT_NE(customer, nullptr);
  EXPECT_EQ(schema->FindModel("customer"),
            nullptr);  // model names are case-sensitive
  const Field* country = customer->FindField("country");
  ASSERT_NE(country, nullptr);
  EXPECT_EQ(customer->FindField("country_id"), country);
  EXPECT_EQ(country->attname, "country_id");
  EXPECT_EQ(country->column, "country_id");
  EXPECT_EQ(country->related_model, schema->FindModel("Country"));
  // A relation stores the target's primary key: Country's is a CharField.
  EXPECT_EQ(country->bson_type, BsonType::kString);
  // The implicit primary key: `id`, stored as `_id`, an ObjectId, first in the
  // field list.
  const Field* pk = customer->FindField("pk");
  ASSERT_NE(pk, nullptr);
  EXPECT_EQ(pk, customer->FindField("id"));
  EXPECT_EQ(pk, customer->fields[0].get());
  EXPECT_TRUE(pk->implicit);
  EXPECT_EQ(pk->column, "_id");
  EXPECT_EQ(pk->bson_type, BsonType::kObjectId);
  // By attribute name, not by column.
  EXPECT_NE(customer->FindField("name"), nullptr);
  EXPECT_EQ(customer->FindField("n"), nullptr);
  EXPECT_EQ(customer->FindField("name")->column, "n");
  // An explicit primary key replaces `id`.
  const Model* c = schema->FindModel("Country");
  EXPECT_EQ(c->FindField("pk"), c->FindField("code"));
  EXPECT_EQ(c->FindField("id"), nullptr);
  EXPECT_EQ(c->fields.size(), 1u);
}

TEST(Lookup, RelationsThroughOneToOnePrimaryKeys) {
  auto schema = LoadOk(kShop);
  ASSERT_NE(schema, nullptr);
  // Note.profile -> Profile, whose pk is customer (-> Customer, ObjectId pk).
  const Field* profile = schema->FindModel("Note")->FindField("profile");
  EXPECT_EQ(profile->bson_type, BsonType::kObjectId);
  EXPECT_EQ(schema->FindModel("Profile")->pk->column, "customer_id");
  const Field* tags = schema->FindModel("Note")->FindField("tags");
  ASSERT_NE(tags->base_field, nullptr);
  EXPECT_EQ(tags->bson_type, BsonType::kArray);
  EXPECT_EQ(tags->base_field->bson_type, BsonType::kInt);
  EXPECT_EQ(tags->size, 3);
}

TEST(Lookup, FieldOptionsAreKept) {
  auto schema = LoadOk(testing::FieldSchema(R"({"type": "CharField", "max_length": 10,
      "blank": true, "choices": [["L", "Low"], ["H", "High"]], "default": "L",
      "editable": false, "verbose_name": "level", "help_text": "h"})"));
  ASSERT_NE(schema, nullptr);
  const Field* f = testing::FieldF(*schema);
  EXPECT_EQ(f->max_length, 10);
  EXPECT_TRUE(f->blank);
  EXPECT_FALSE(f->editable);
  EXPECT_EQ(ToCanonicalJson(f->choices.get()),
            R"({ "0" : [ "L", "Low" ], "1" : [ "H", "High" ] })");
  EXPECT_EQ(ToCanonicalJson(f->default_value.get()), R"({ "v" : "L" })");
  EXPECT_EQ(f->model, schema->FindModel("M"));
  EXPECT_EQ(f->location, "models.M.fields.f");
}

TEST(Lookup, ConcurrentReadersShareOneSchema) {
  auto schema = LoadOk(testing::ReadData("conformance/schemas/qe_matrix.json"));
  ASSERT_NE(schema, nullptr);
  const std::string expected = ToCanonicalJson(schema->EncryptedFieldsMap().get());
  std::atomic<int> mismatches{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 200; ++i) {
        const Model* m = schema->FindModel(i % 2 ? "IntegerModel" : "Book");
        if (m == nullptr || m->FindField("pk") == nullptr) ++mismatches;
        const Model* by_table = schema->FindModelByTable(i % 2 ? "integermodel" : "book");
        if (by_table != m) ++mismatches;
        const char* path = i % 2 ? "value" : "title";
        if (m->FindEncryptedPath(path) == nullptr) ++mismatches;
        if ((i + t) % 50 == 0 && ToCanonicalJson(schema->EncryptedFieldsMap().get()) != expected) {
          ++mismatches;
        }
      }
    });
  }
  for (std::thread& th : threads) th.join();
  EXPECT_EQ(mismatches.load(), 0);
}

}  // namespace
}  // namespace querysafe::schema
