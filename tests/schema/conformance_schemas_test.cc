// The conformance schemas load, and their encryptedFields are the ones
// django-mongodb-backend generates for the same models
// (django-mongodb-backend.md 2.2 and test_management.py).
#include <bson/bson.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "lib/common/bson_util.h"
#include "tests/schema/schema_test_util.h"

namespace querysafe::schema {
namespace {

using testing::LoadOk;
using testing::ReadData;

BsonDoc Json(std::string_view json) {
  BsonDoc doc;
  bson_error_t error;
  EXPECT_TRUE(BsonDoc::FromJson(json, &doc, &error)) << error.message;
  return doc;
}

TEST(ConformanceSchemas, AllLoad) {
  for (const char* name : {"anchor", "medical", "qe_matrix", "risk"}) {
    SCOPED_TRACE(name);
    LoadOk(ReadData(std::format("conformance/schemas/{}.json", name)));
  }
}

TEST(ConformanceSchemas, MedicalEncryptedFieldsAreSsnAndBilling) {
  auto schema = LoadOk(ReadData("conformance/schemas/medical.json"));
  ASSERT_NE(schema, nullptr);
  // test_management.py's encryption__patient entry (keyIds left out there),
  // with querysafe's keyAltName in place of the keyId: the key
  // django-mongodb-backend created for the path.
  BsonDoc expected = Json(R"({"patients": {"fields": [
      {"bsonType": "string", "path": "patient_record.ssn",
       "keyAltName": "patients.patient_record.ssn", "queries": {"queryType": "equality"}},
      {"bsonType": "object", "path": "patient_record.billing",
       "keyAltName": "patients.patient_record.billing"}]}})");
  BsonDoc map = schema->EncryptedFieldsMap();
  EXPECT_EQ(ToCanonicalJson(map.get()), ToCanonicalJson(expected.get()));

  const Model* patient = schema->FindModel("Patient");
  ASSERT_NE(patient, nullptr);
  ASSERT_EQ(patient->encrypted_paths.size(), 2u);
  const EncryptedPath* ssn = patient->FindEncryptedPath("patient_record.ssn");
  ASSERT_NE(ssn, nullptr);
  EXPECT_EQ(ssn->bson_type, BsonType::kString);
  EXPECT_TRUE(ssn->queryable());
  EXPECT_EQ(ssn->field, schema->FindModel("PatientRecord")->FindField("ssn"));
  const EncryptedPath* billing = patient->FindEncryptedPath("patient_record.billing");
  ASSERT_NE(billing, nullptr);
  EXPECT_EQ(billing->bson_type, BsonType::kObject);
  EXPECT_FALSE(billing->queryable());
  // Sub-fields of a whole-encrypted subdocument are not encryptedFields entries
  // of their own.
  EXPECT_EQ(patient->FindEncryptedPath("patient_record.billing.cc_type"), nullptr);
  EXPECT_EQ(patient->FindEncryptedPath("patient_record.bill_amount"), nullptr);
  EXPECT_TRUE(schema->has_encrypted_fields());
}

struct MatrixEntry {
  const char* table;
  const char* path;
  const char* bson_type;
  const char* query_type;  // "" when not queryable
};

// django-mongodb-backend.md 2.2: the bsonType of each encrypted field class;
// db_table is the lowercased model name (no app_label in the schema).
constexpr MatrixEntry kMatrix[] = {
    {"binarymodel", "value", "binData", "equality"},
    {"booleanmodel", "value", "bool", "equality"},
    {"charmodel", "value", "string", "equality"},
    {"emailmodel", "value", "string", "equality"},
    {"genericipaddressmodel", "value", "string", "equality"},
    {"objectidmodel", "value", "objectId", "equality"},
    {"textmodel", "value", "string", "equality"},
    {"urlmodel", "value", "string", "equality"},
    {"uuidmodel", "value", "string", "equality"},
    {"bigintegermodel", "value", "long", "range"},
    {"datemodel", "value", "date", "range"},
    {"datetimemodel", "value", "date", "range"},
    {"decimalmodel", "value", "decimal", "range"},
    {"durationmodel", "value", "long", "range"},
    {"floatmodel", "value", "double", "range"},
    {"integermodel", "value", "long", "range"},
    {"positivebigintegermodel", "value", "long", "range"},
    {"positiveintegermodel", "value", "long", "range"},
    {"positivesmallintegermodel", "value", "int", "range"},
    {"smallintegermodel", "value", "int", "range"},
    {"timemodel", "value", "date", "range"},
    {"bounded_scores", "score", "int", "range"},
    {"secret", "note", "string", ""},
    {"movie", "cast", "array", ""},
    {"arraymodel", "values", "array", ""},
    {"book", "title", "string", "equality"},
};

TEST(ConformanceSchemas, QeMatrixEncryptedFieldsMatchDjangoBsonTypes) {
  auto schema = LoadOk(ReadData("conformance/schemas/qe_matrix.json"));
  ASSERT_NE(schema, nullptr);
  BsonDoc map = schema->EncryptedFieldsMap();
  EXPECT_EQ(bson_count_keys(map.get()),
            std::size(kMatrix));  // Author has no encrypted field
  for (const MatrixEntry& e : kMatrix) {
    SCOPED_TRACE(e.table);
    const Model* model = schema->FindModelByTable(e.table);
    ASSERT_NE(model, nullptr);
    ASSERT_EQ(model->encrypted_paths.size(), 1u);
    const EncryptedPath& path = model->encrypted_paths[0];
    EXPECT_EQ(path.path, e.path);
    EXPECT_EQ(BsonTypeName(path.bson_type), e.bson_type);
    EXPECT_EQ(path.key.key_alt_name, std::format("{}.{}", e.table, e.path));
    if (*e.query_type == '\0') {
      EXPECT_FALSE(path.queryable());
    } else {
      ASSERT_TRUE(path.queryable());
      EXPECT_EQ(QueryTypeName((*path.queries)[0].type), e.query_type);
    }
  }
  EXPECT_EQ(schema->FindModelByTable("author")->encrypted_paths.size(), 0u);
  // Book.author is a ForeignKey to Author (implicit ObjectId pk): column
  // author_id, objectId.
  const Field* author = schema->FindModel("Book")->FindField("author");
  ASSERT_NE(author, nullptr);
  EXPECT_EQ(author->column, "author_id");
  EXPECT_EQ(author->bson_type, BsonType::kObjectId);
  EXPECT_FALSE(author->encrypted);
}

TEST(ConformanceSchemas, QeMatrixBoundedScoreQueriesKeepTheirOrderWithServerTypes) {
  auto schema = LoadOk(ReadData("conformance/schemas/qe_matrix.json"));
  ASSERT_NE(schema, nullptr);
  const QuerySpec& spec = schema->FindModel("BoundedScore")->FindField("score")->queries[0];
  // Written {"queryType", "min": 0, "max": 200, "sparsity": 1, "trimFactor": 1,
  // "contention": 0}: min/max as the field's int, sparsity and contention long,
  // trimFactor int (the types of the spec's fle2v2-Rangev2-Int
  // encryptedFields).
  EXPECT_EQ(ToCanonicalJson(spec.declared.get()),
            ToCanonicalJson(Json(R"({"queryType": "range", "min": {"$numberInt": "0"},
                "max": {"$numberInt": "200"}, "sparsity": {"$numberLong": "1"},
                "trimFactor": {"$numberInt": "1"}, "contention": {"$numberLong": "0"}})")
                                .get()));
}

TEST(ConformanceSchemas, RiskPathsGoThroughNestedEmbeddedModels) {
  auto schema = LoadOk(ReadData("conformance/schemas/risk.json"));
  ASSERT_NE(schema, nullptr);
  const Model* assessment = schema->FindModel("RiskAssessment");
  std::vector<std::string> paths;
  for (const EncryptedPath& p : assessment->encrypted_paths) paths.push_back(p.path);
  // Declaration order, depth first (_get_encrypted_fields).
  EXPECT_THAT(paths, ::testing::ElementsAre("risk.title", "risk.description", "risk.category.name",
                                            "risk.category.description", "owner.username",
                                            "owner.email", "owner.role"));
  ASSERT_EQ(assessment->ordering.size(), 1u);
  EXPECT_EQ(assessment->ordering[0].field, "assessed_on");
  EXPECT_TRUE(assessment->ordering[0].descending);
}

TEST(ConformanceSchemas, AnchorHasNoEncryptedFields) {
  auto schema = LoadOk(ReadData("conformance/schemas/anchor.json"));
  ASSERT_NE(schema, nullptr);
  EXPECT_FALSE(schema->has_encrypted_fields());
  BsonDoc map = schema->EncryptedFieldsMap();
  EXPECT_TRUE(map.empty());
  const Model* patient = schema->FindModel("Patient");
  EXPECT_EQ(patient->FindField("score")->bson_type, BsonType::kInt);
  EXPECT_EQ(patient->FindField("patient_id")->bson_type, BsonType::kLong);
  EXPECT_EQ(patient->FindField("assessed_on")->bson_type, BsonType::kDate);
}

// The spec tests' encryptedFields, given to querysafe as the schema's
// encrypted_fields_map next to models declaring the same fields in plain JSON:
// the map must be accepted (it agrees), and the map querysafe generates must
// have exactly the spec's BSON types in every value.
struct SpecCase {
  const char* file;
  const char* fields;  // the model's fields
};

constexpr SpecCase kSpecCases[] = {
    {"fle2v2-Rangev2-Int-InsertFind.json",
     R"("encryptedInt": {"type": "EncryptedSmallIntegerField", "queries": {"queryType": "range",
        "contention": 0, "trimFactor": 1, "sparsity": 1, "min": 0, "max": 200}})"},
    {"fle2v2-Rangev2-Long-InsertFind.json",
     R"("encryptedLong": {"type": "EncryptedBigIntegerField", "queries": {"queryType": "range",
        "contention": 0, "trimFactor": 1, "sparsity": 1, "min": 0, "max": 200}})"},
    {"fle2v2-Rangev2-Date-InsertFind.json",
     R"("encryptedDate": {"type": "EncryptedDateTimeField", "queries": {"queryType": "range",
        "contention": 0, "trimFactor": 1, "sparsity": 1,
        "min": {"$date": {"$numberLong": "0"}}, "max": {"$date": {"$numberLong": "200"}}}})"},
    {"fle2v2-InsertFind-Indexed.json",
     R"("encryptedIndexed": {"type": "EncryptedCharField", "max_length": 10,
        "queries": {"queryType": "equality", "contention": 0}},
        "encryptedUnindexed": {"type": "EncryptedTextField"})"},
};

TEST(ConformanceSchemas, SpecEncryptedFieldsRoundTripWithExactTypes) {
  for (const SpecCase& c : kSpecCases) {
    SCOPED_TRACE(c.file);
    BsonDoc spec = Json(ReadData(std::format("spec-qe/{}", c.file)));
    bson_iter_t it;
    ASSERT_TRUE(bson_iter_init_find(&it, spec.get(), "encrypted_fields"));
    uint32_t len = 0;
    const uint8_t* data = nullptr;
    bson_iter_document(&it, &len, &data);
    BsonDoc efc;
    ASSERT_TRUE(BsonDoc::FromBytes(data, len, &efc));
    std::string efc_json = ToCanonicalJson(efc.get());
    std::string json = std::format(
        R"({{"database": "db", "encrypted_fields_map": {{"default": {}}},
             "models": {{"Default": {{"db_table": "default", "fields": {{{}}}}}}}}})",
        efc_json, c.fields);
    auto schema = LoadOk(json);
    ASSERT_NE(schema, nullptr);
    BsonDoc ours = schema->EncryptedFieldsMap();
    bson_iter_t root, ours_fields;
    bson_iter_init(&root, ours.get());
    ASSERT_TRUE(bson_iter_find_descendant(&root, "default.fields", &ours_fields));
    bson_iter_t spec_fields;
    ASSERT_TRUE(bson_iter_init_find(&spec_fields, efc.get(), "fields"));
    bson_iter_t a, b;
    bson_iter_recurse(&ours_fields, &a);
    bson_iter_recurse(&spec_fields, &b);
    while (bson_iter_next(&b)) {
      ASSERT_TRUE(bson_iter_next(&a));
      BsonDoc ours_entry, spec_entry;
      bson_iter_document(&a, &len, &data);
      BsonDoc::FromBytes(data, len, &ours_entry);
      bson_iter_document(&b, &len, &data);
      BsonDoc::FromBytes(data, len, &spec_entry);
      // Same keys, and each value canonically equal: same BSON types, not just
      // equal numbers.
      EXPECT_EQ(bson_count_keys(ours_entry.get()), bson_count_keys(spec_entry.get()));
      bson_iter_t key;
      bson_iter_init(&key, spec_entry.get());
      while (bson_iter_next(&key)) {
        bson_iter_t mine;
        ASSERT_TRUE(bson_iter_init_find(&mine, ours_entry.get(), bson_iter_key(&key)))
            << bson_iter_key(&key);
        BsonDoc x, y;
        bson_append_iter(x.get(), "v", 1, &mine);
        bson_append_iter(y.get(), "v", 1, &key);
        EXPECT_EQ(ToCanonicalJson(x.get()), ToCanonicalJson(y.get())) << bson_iter_key(&key);
      }
    }
    EXPECT_FALSE(bson_iter_next(&a));
  }
}

}  // namespace
}  // namespace querysafe::schema
