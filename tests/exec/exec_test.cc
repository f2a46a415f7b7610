// The parts of lib/exec that need no server: how rows are shaped and what
// aggregate() of nothing gives; and the documents Django's save() would write
// as exec sends them (analyzed by lib/analyze/instance_binder.h, lowered by
// lib/lower/lowered_instance.h).
#include <gtest/gtest.h>

#include <chrono>

#include "lib/analyze/instance_binder.h"
#include "lib/exec/row_shape.h"
#include "lib/lower/lowered_instance.h"
#include "tests/exec/wire_fixture.h"

namespace querysafe::testing {
namespace {

using analyze::BuildMode;

// An instance analyzed, then lowered when it has no diagnostics.
struct BuiltDocument {
  BsonDoc document;
  std::vector<lower::EncryptionRequest> encryptions;
  Diagnostics diagnostics;

  bool ok() const { return diagnostics.empty(); }
};

TEST(ExecRowShape, AggregateOfNothingFollowsDjango) {
  // Count(distinct) is $addToSet then $size; Avg is None over no rows.
  BsonDoc command = Json(R"({"aggregate": "t", "pipeline": [
      {"$group": {"_id": null, "n": {"$addToSet": "$a"}, "avg": {"$avg": "$a"},
                  "c": {"$sum": {"$cond": [{"$and": [true]}, 1, 0]}},
                  "s": {"$sum": {"$cond": [{"$and": [true]}, "$a", null]}}}},
      {"$project": {"_id": 0, "n": {"$size": "$n"}, "avg": 1, "c": 1, "s": 1}}],
      "cursor": {}})");
  EXPECT_EQ(ToCanonicalJson(exec::EmptyAggregateRow(command.get()).get()),
            ToCanonicalJson(Json(R"({"n": {"$numberInt": "0"}, "avg": null,
                                     "c": {"$numberInt": "0"}, "s": null})")
                                .get()));
  EXPECT_TRUE(exec::EmptyAggregateRow(Json(R"({"find": "t"})").get()).empty());
}

TEST(ExecRowShape, DjangosGetMessages) {
  EXPECT_EQ(exec::DoesNotExist("Patient").message, "Patient matching query does not exist.");
  EXPECT_EQ(exec::MultipleObjectsReturned("Patient", 20).message,
            "get() returned more than one Patient -- it returned 20!");
  EXPECT_EQ(exec::MultipleObjectsReturned("Patient", 21).message,
            "get() returned more than one Patient -- it returned more than 20!");
}

TEST(ExecRowShape, FlatAndTupleRowsFromAFind) {
  lower::Command c;
  c.kind = lower::CommandKind::kFind;
  c.body = Json(R"({"find": "t", "projection": {"a.b": 1, "c": true, "_id": 0}})");
  c.field_names = {"a__b", "c"};
  c.shape = bound::ResultShape::kValuesList;
  BsonDoc doc = Json(R"({"c": 2, "a": {"b": "x"}})");
  EXPECT_EQ(ToCanonicalJson(exec::RowShaper(c).Shape(doc.get()).get()),
            ToCanonicalJson(Json(R"({"0": "x", "1": {"$numberInt": "2"}})").get()));
  c.shape = bound::ResultShape::kNamed;
  EXPECT_EQ(ToCanonicalJson(exec::RowShaper(c).Shape(doc.get()).get()),
            ToCanonicalJson(Json(R"({"a__b": "x", "c": {"$numberInt": "2"}})").get()));
  c.shape = bound::ResultShape::kModels;
  EXPECT_EQ(ToCanonicalJson(exec::RowShaper(c).Shape(doc.get()).get()), ToCanonicalJson(doc.get()));
}

class ExecDocument : public ::testing::Test {
 protected:
  void SetUp() override {
    schema_ = LoadTestSchema("shapes.json");
    ASSERT_NE(schema_, nullptr);
    shelf_ = schema_->FindModel("Shelf");
  }
  BuiltDocument Build(std::string_view json, BuildMode mode = BuildMode::kInsert) {
    bound::Instance instance =
        analyze::BindInstance(*schema_, *shelf_, Json(json).get(), mode, now_);
    BuiltDocument built;
    built.diagnostics = std::move(instance.diagnostics);
    if (!built.ok()) return built;
    lower::LoweredInstance lowered = lower::LowerInstance(instance);
    built.document = std::move(lowered.document);
    built.encryptions = std::move(lowered.encryptions);
    return built;
  }

  std::shared_ptr<const schema::Schema> schema_;
  const schema::Model* shelf_ = nullptr;
  // 2024-03-05T10:20:30.456Z
  std::chrono::system_clock::time_point now_{std::chrono::milliseconds(1709634030456)};
};

TEST_F(ExecDocument, EmbeddedValuesDefaultsAndAutoTimes) {
  BuiltDocument b = Build(R"({
      "items": [{"label": "a"}, {"label": "b", "weight": 9}],
      "pet": {"_label": "zoo.Dog", "bark": "woof"},
      "extra": {"any": ["json", 1]},
      "tags": ["x", "y"], "code": 7})");
  ASSERT_TRUE(b.ok()) << b.diagnostics[0].message;
  BsonDoc doc;
  bson_copy_to_excluding_noinit(b.document.get(), doc.get(), "_id", "tags", "code", nullptr);
  // Embedded ids are left out; SmallIntegerField stores int; Django's
  // defaults: b"" for BinaryField, None for a nullable CharField; auto_now_add
  // of a DateField is the day at midnight UTC.
  EXPECT_EQ(ToCanonicalJson(doc.get()), ToCanonicalJson(Json(R"({
      "items": [{"label": "a", "weight": {"$numberInt": "3"}},
                {"label": "b", "weight": {"$numberInt": "9"}}],
      "pet": {"bark": "woof", "_label": "zoo.Dog"},
      "blob": {"$binary": {"base64": "", "subType": "00"}},
      "note": null,
      "extra": {"any": ["json", {"$numberInt": "1"}]},
      "born": {"$date": {"$numberLong": "1709596800000"}},
      "touched": {"$date": {"$numberLong": "1709634030456"}}})")
                                                            .get()));
  EXPECT_EQ(StringAt(b.document.get(), "tags/$encrypt/path"), "tags");
}

TEST_F(ExecDocument, EncryptedValuesBecomeRequestsWithTheFieldsOptions) {
  BuiltDocument b = Build(R"({"items": [], "pet": {"_label": "Cat", "lives": 9},
                                    "extra": 1, "tags": ["x"], "code": 7})");
  ASSERT_TRUE(b.ok()) << b.diagnostics[0].message;
  ASSERT_EQ(b.encryptions.size(), 2u);
  const lower::EncryptionRequest& tags = b.encryptions[0];
  EXPECT_EQ(tags.algorithm, lower::Algorithm::kUnindexed);
  EXPECT_EQ(tags.bson_type, schema::BsonType::kArray);
  EXPECT_FALSE(tags.is_query);
  EXPECT_EQ(tags.key.key_alt_name, "shelves.tags");
  const lower::EncryptionRequest& code = b.encryptions[1];
  EXPECT_EQ(code.algorithm, lower::Algorithm::kRange);
  EXPECT_EQ(code.id, 1u);
  EXPECT_EQ(ToCanonicalJson(code.operands.get()),
            ToCanonicalJson(Json(R"({"v": {"$numberLong": "7"}})").get()));
  // The options the field's range index gives (schema effective values).
  const schema::QuerySpec& spec = shelf_->FindField("code")->queries.front();
  BsonDoc expected;
  bson_value_t min = spec.min(), max = spec.max();
  bson_append_value(expected.get(), "min", 3, &min);
  bson_append_value(expected.get(), "max", 3, &max);
  BSON_APPEND_INT64(expected.get(), "sparsity", spec.effective_sparsity);
  BSON_APPEND_INT32(expected.get(), "trimFactor", spec.effective_trim_factor);
  EXPECT_EQ(ToCanonicalJson(code.range_options.get()), ToCanonicalJson(expected.get()));
  EXPECT_EQ(code.contention,
            8);  // the server's default: the field declares none
}

TEST_F(ExecDocument, ProblemsAreDiagnosticsWithTheirField) {
  BuiltDocument b = Build(R"({"items": {"label": 1}, "pet": {"lives": 1},
                                    "extra": 1, "tags": ["x"], "code": 7})");
  ASSERT_EQ(b.diagnostics.size(), 2u);
  EXPECT_EQ(b.diagnostics[0].location, "Shelf.items");
  EXPECT_EQ(b.diagnostics[0].message,
            "Expected a list of EmbeddedModelArrayField values, not a JSON object.");
  EXPECT_EQ(b.diagnostics[1].location, "Shelf.pet");
  EXPECT_EQ(b.diagnostics[1].message,
            "A PolymorphicEmbeddedModelField value needs a \"_label\" naming one "
            "of: Cat, Dog");
  // save() of an existing instance: auto_now_add keeps the value it has.
  BuiltDocument save = Build(R"({"items": [], "extra": 1, "tags": [], "code": 1,
                                       "pet": {"_label": "Cat", "lives": 2},
                                       "born": "2024-01-31"})",
                             BuildMode::kSave);
  ASSERT_EQ(save.diagnostics.size(), 1u);
  EXPECT_EQ(save.diagnostics[0].message,
            "save() needs the primary key 'id' of the Shelf to update");
}

}  // namespace
}  // namespace querysafe::testing
