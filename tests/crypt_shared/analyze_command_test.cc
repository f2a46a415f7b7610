// lib/mql's analysis of commands as drivers send them: where placeholders go, what they hold, and
// every refusal with the server's code (or querysafe's own code where the server has none).
#include "lib/mql/analyze_command.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "lib/common/bson_array.h"
#include "lib/common/bson_util.h"

namespace querysafe::mql {
namespace {

// keyIds are the UUIDs 11..11 (ssn), 22..22 (age), 33..33 (nested.secret).
constexpr const char* kInfo = R"("encryptionInformation": {"type": 1, "schema": {"db.patients": {
  "escCollection": "enxcol_.patients.esc", "ecocCollection": "enxcol_.patients.ecoc",
  "fields": [
    {"keyId": {"$binary": {"base64": "EREREREREREREREREREREQ==", "subType": "04"}},
     "path": "ssn", "bsonType": "string",
     "queries": {"queryType": "equality", "contention": {"$numberLong": "8"}}},
    {"keyId": {"$binary": {"base64": "IiIiIiIiIiIiIiIiIiIiIg==", "subType": "04"}},
     "path": "age", "bsonType": "int",
     "queries": {"queryType": "range", "min": 0, "max": 200, "sparsity": {"$numberLong": "1"},
                 "trimFactor": 1}},
    {"keyId": {"$binary": {"base64": "MzMzMzMzMzMzMzMzMzMzMw==", "subType": "04"}},
     "path": "nested.secret", "bsonType": "string"}]}}})";

BsonDoc Command(const std::string& body) {
  BsonDoc doc;
  bson_error_t error;
  const std::string json = "{" + body + ", " + kInfo + ", \"$db\": \"db\"}";
  EXPECT_TRUE(BsonDoc::FromJson(json, &doc, &error)) << error.message << "\n" << json;
  return doc;
}

CommandAnalysis Analyze(const std::string& body) {
  BsonDoc cmd = Command(body);
  return AnalyzeCommand(cmd.data(), cmd.size(), "db.patients");
}

// The placeholder document at `dotted` of the reply (after the subtype-6 binary's type byte).
BsonDoc Placeholder(const CommandAnalysis& a, const char* dotted) {
  bson_iter_t it;
  BsonDoc out;
  if (!bson_iter_init(&it, a.reply.get()) || !bson_iter_find_descendant(&it, dotted, &it) ||
      !BSON_ITER_HOLDS_BINARY(&it)) {
    ADD_FAILURE() << "no binary at " << dotted << " in " << ToCanonicalJson(a.reply.get());
    return out;
  }
  bson_subtype_t subtype;
  uint32_t len = 0;
  const uint8_t* data = nullptr;
  bson_iter_binary(&it, &subtype, &len, &data);
  EXPECT_EQ(subtype, BSON_SUBTYPE_ENCRYPTED);
  EXPECT_EQ(data[0], 3);
  BsonDoc::FromBytes(data + 1, len - 1, &out);
  return out;
}

std::string Relaxed(const BsonDoc& doc) { return ToRelaxedJson(doc.get()); }

TEST(MqlAnalyze, EqualityFindBecomesAFindPlaceholder) {
  CommandAnalysis a =
      Analyze(R"("find": "patients", "filter": {"ssn": "987-65-4320", "name": "x"})");
  ASSERT_TRUE(a.diagnostics.empty()) << a.diagnostics.front().message;
  EXPECT_EQ(a.placeholders, 1);
  EXPECT_EQ(Relaxed(Placeholder(a, "result.filter.ssn")),
            R"({ "t" : 2, "a" : 2, "ki" : { "$binary" : { "base64" : "EREREREREREREREREREREQ==", )"
            R"("subType" : "04" } }, "ku" : { "$binary" : { "base64" : )"
            R"("EREREREREREREREREREREQ==", "subType" : "04" } }, "v" : "987-65-4320", "cm" : 8 })");
  bson_iter_t it;
  ASSERT_TRUE(bson_iter_init(&it, a.reply.get()));
  EXPECT_TRUE(bson_iter_find(&it, "hasEncryptionPlaceholders") && bson_iter_as_bool(&it));
  EXPECT_TRUE(bson_iter_init_find(&it, a.reply.get(), "schemaRequiresEncryption") &&
              bson_iter_as_bool(&it));
  // $db is not returned (libmongocrypt puts it back); the rest is as it came.
  EXPECT_FALSE(bson_iter_init(&it, a.reply.get()) &&
               bson_iter_find_descendant(&it, "result.$db", &it));
  EXPECT_TRUE(bson_iter_init(&it, a.reply.get()) &&
              bson_iter_find_descendant(&it, "result.filter.name", &it));
}

TEST(MqlAnalyze, TwoSidedRangeIsOneFindSpecWithAStub) {
  CommandAnalysis a = Analyze(R"("find": "patients", "filter": {"age": {"$gt": 10, "$lte": 50}})");
  ASSERT_TRUE(a.diagnostics.empty()) << a.diagnostics.front().message;
  EXPECT_EQ(a.placeholders, 2);
  const std::string first = Relaxed(Placeholder(a, "result.filter.age.$gt"));
  EXPECT_NE(first.find(R"("edgesInfo" : { "lowerBound" : 10, "lbIncluded" : false, )"
                       R"("upperBound" : 50, "ubIncluded" : true, "trimFactor" : 1, )"
                       R"("indexMin" : 0, "indexMax" : 200 }, "payloadId" : 0, )"
                       R"("firstOperator" : 1, "secondOperator" : 4 })"),
            std::string::npos)
      << first;
  EXPECT_NE(first.find(R"("cm" : 8, "s" : 1)"), std::string::npos) << first;
  const std::string stub = Relaxed(Placeholder(a, "result.filter.age.$lte"));
  EXPECT_EQ(stub.find("edgesInfo"), std::string::npos) << stub;
  EXPECT_NE(stub.find(R"("payloadId" : 0, "firstOperator" : 1, "secondOperator" : 4)"),
            std::string::npos)
      << stub;
}

TEST(MqlAnalyze, EqualityOnARangeFieldIsAPointRange) {
  CommandAnalysis a =
      Analyze(R"("find": "patients", "filter": {"$or": [{"age": 30}, {"age": {"$ne": 40}}]})");
  ASSERT_TRUE(a.diagnostics.empty()) << a.diagnostics.front().message;
  EXPECT_EQ(a.placeholders, 4);
  EXPECT_NE(Relaxed(Placeholder(a, "result.filter.$or.0.age.$gte")).find(R"("lowerBound" : 30)"),
            std::string::npos);
  Placeholder(a, "result.filter.$or.0.age.$lte");
  EXPECT_NE(Relaxed(Placeholder(a, "result.filter.$or.1.age.$not.$gte")).find(R"("payloadId" : 1)"),
            std::string::npos);
}

TEST(MqlAnalyze, InNinNeAndExistsOnAnEqualityField) {
  CommandAnalysis a =
      Analyze(R"("count": "patients", "query": {"$nor": [{"ssn": {"$in": ["1", "2"]}}, )"
              R"({"ssn": {"$nin": ["3"], "$ne": "4", "$exists": true}}]})");
  ASSERT_TRUE(a.diagnostics.empty()) << a.diagnostics.front().message;
  EXPECT_EQ(a.placeholders, 4);
  Placeholder(a, "result.query.$nor.0.ssn.$in.1");
  Placeholder(a, "result.query.$nor.1.ssn.$nin.0");
  Placeholder(a, "result.query.$nor.1.ssn.$ne");
}

TEST(MqlAnalyze, InsertMarksEachEncryptedFieldWithItsAlgorithm) {
  CommandAnalysis a =
      Analyze(R"("insert": "patients", "documents": [{"_id": 1, "ssn": "1", "age": 5, )"
              R"("nested": {"secret": "s", "plain": 1}}])");
  ASSERT_TRUE(a.diagnostics.empty()) << a.diagnostics.front().message;
  EXPECT_EQ(a.placeholders, 3);
  EXPECT_NE(Relaxed(Placeholder(a, "result.documents.0.ssn")).find(R"("t" : 1, "a" : 2)"),
            std::string::npos);
  const std::string age = Relaxed(Placeholder(a, "result.documents.0.age"));
  EXPECT_NE(age.find(R"("v" : { "v" : 5, "min" : 0, "max" : 200, "trimFactor" : 1 })"),
            std::string::npos)
      << age;
  EXPECT_NE(Relaxed(Placeholder(a, "result.documents.0.nested.secret")).find(R"("t" : 1, "a" : 1)"),
            std::string::npos);
}

TEST(MqlAnalyze, UpdateSetAndFindAndModify) {
  CommandAnalysis a =
      Analyze(R"("update": "patients", "updates": [{"q": {"ssn": "1"}, "u": {"$set": {"age": 7, )"
              R"("nested": {"secret": "t"}}, "$unset": {"ssn": ""}}}])");
  ASSERT_TRUE(a.diagnostics.empty()) << a.diagnostics.front().message;
  EXPECT_EQ(a.placeholders, 3);
  Placeholder(a, "result.updates.0.q.ssn");
  Placeholder(a, "result.updates.0.u.$set.age");
  Placeholder(a, "result.updates.0.u.$set.nested.secret");

  CommandAnalysis f = Analyze(
      R"("findAndModify": "patients", "query": {"ssn": "1"}, "update": {"ssn": "2"}, "new": true)");
  ASSERT_TRUE(f.diagnostics.empty()) << f.diagnostics.front().message;
  Placeholder(f, "result.query.ssn");
  EXPECT_NE(Relaxed(Placeholder(f, "result.update.ssn")).find(R"("t" : 1)"), std::string::npos);
}

TEST(MqlAnalyze, ExplainAndAggregateMatch) {
  BsonDoc cmd;
  bson_error_t error;
  ASSERT_TRUE(BsonDoc::FromJson(std::string(R"({"explain": {"aggregate": "patients", "pipeline": [)"
                                            R"({"$match": {"ssn": "1"}}, {"$limit": 1}], )") +
                                    kInfo +
                                    R"(, "$db": "db"}, "verbosity": "queryPlanner", "$db": "db"})",
                                &cmd, &error))
      << error.message;
  CommandAnalysis a = AnalyzeCommand(cmd.data(), cmd.size(), "db.patients");
  ASSERT_TRUE(a.diagnostics.empty()) << a.diagnostics.front().message;
  Placeholder(a, "result.explain.pipeline.0.$match.ssn");
  bson_iter_t it;
  EXPECT_TRUE(bson_iter_init(&it, a.reply.get()) &&
              bson_iter_find_descendant(&it, "result.explain.encryptionInformation", &it));
  EXPECT_TRUE(bson_iter_init(&it, a.reply.get()) &&
              bson_iter_find_descendant(&it, "result.verbosity", &it));
}

TEST(MqlAnalyze, CollectionWithoutEncryptedFieldsNeedsNoEncryption) {
  BsonDoc cmd;
  bson_error_t error;
  ASSERT_TRUE(BsonDoc::FromJson(
      R"({"find": "other", "filter": {"ssn": "1"}, "encryptionInformation": {"type": 1, )"
      R"("schema": {"db.other": {"fields": []}}}, "$db": "db"})",
      &cmd, &error));
  CommandAnalysis a = AnalyzeCommand(cmd.data(), cmd.size(), "db.other");
  ASSERT_TRUE(a.diagnostics.empty()) << a.diagnostics.front().message;
  bson_iter_t it;
  EXPECT_TRUE(bson_iter_init_find(&it, a.reply.get(), "schemaRequiresEncryption") &&
              !bson_iter_as_bool(&it));
  EXPECT_EQ(a.placeholders, 0);
}

struct Refusal {
  const char* body;
  int32_t server_code;
  const char* code;
  const char* location;
};

class MqlRefusal : public ::testing::TestWithParam<Refusal> {};

TEST_P(MqlRefusal, IsRefusedWithItsCodeAndPlace) {
  const Refusal& r = GetParam();
  CommandAnalysis a = Analyze(r.body);
  ASSERT_FALSE(a.diagnostics.empty()) << "accepted: " << r.body;
  EXPECT_EQ(a.diagnostics.front().server_code, r.server_code) << a.diagnostics.front().message;
  EXPECT_EQ(a.diagnostics.front().code, r.code) << a.diagnostics.front().message;
  EXPECT_EQ(a.diagnostics.front().location, r.location);
  EXPECT_TRUE(a.reply.empty());
}

INSTANTIATE_TEST_SUITE_P(
    MqlAnalyze, MqlRefusal,
    ::testing::Values(
        Refusal{R"("find": "patients", "filter": {"ssn": {"$regex": "^9"}})", 51092,
                "qe.operator_not_allowed", "filter.ssn"},
        Refusal{
            R"("find": "patients", "filter": {"ssn": {"$regularExpression": {"pattern": "a", "options": ""}}})",
            51092, "qe.operator_not_allowed", "filter.ssn"},
        Refusal{R"("find": "patients", "filter": {"ssn": null})", 51095, "qe.null_equality",
                "filter.ssn"},
        Refusal{R"("find": "patients", "filter": {"ssn": {"$in": ["1", null]}})", 51120,
                "qe.null_in_in", "filter.ssn.$in.1"},
        Refusal{R"("find": "patients", "filter": {"ssn": {"$gt": "1"}})", 6720400,
                "qe.range_without_range_index", "filter.ssn.$gt"},
        Refusal{R"("find": "patients", "filter": {"ssn": 5})", 31118, "qe.value_type",
                "filter.ssn"},
        Refusal{R"("find": "patients", "filter": {"age": {"$gt": 500}})", 6747901,
                "qe.range_out_of_bounds", "filter.age.$gt"},
        Refusal{R"("find": "patients", "filter": {"age": {"$in": [1, 2]}})", 0, "mql.not_analyzed",
                "filter.age.$in.0"},
        Refusal{R"("find": "patients", "filter": {"ssn.x": 1})", 51102, "qe.encrypted_path_prefix",
                "filter.ssn.x"},
        Refusal{R"("find": "patients", "filter": {"nested": {"secret": "x"}})", 0,
                "qe.encrypted_descendant", "filter.nested"},
        Refusal{R"("find": "patients", "filter": {"nested.secret": "x"})", 63165,
                "qe.field_not_queryable", "filter.nested.secret"},
        Refusal{R"("find": "patients", "filter": {"ssn": {"$type": "string"}})", 51092,
                "qe.operator_not_allowed", "filter.ssn.$type"},
        Refusal{R"("find": "patients", "filter": {"$expr": {"$eq": ["$ssn", "1"]}})", 0,
                "mql.not_analyzed", "filter.$expr"},
        Refusal{R"("find": "patients", "filter": {}, "sort": {"ssn": 1})", 6316401,
                "qe.order_by_encrypted", "sort.ssn"},
        Refusal{
            R"("update": "patients", "updates": [{"q": {}, "u": {"$set": {"x": 1}}, "multi": true}])",
            6329900, "qe.multi_document_update", "updates.0.multi"},
        Refusal{R"("update": "patients", "updates": [{"q": {}, "u": {"$inc": {"age": 1}}}])", 0,
                "qe.update_operator", "updates.0.u.$inc.age"},
        Refusal{R"("update": "patients", "updates": [{"q": {}, "u": [{"$set": {"x": 1}}]}])", 0,
                "mql.not_analyzed", "updates.0.u"},
        Refusal{R"("insert": "patients", "documents": [{"ssn": null}])", 31041, "qe.encrypt_null",
                "documents.0.ssn"},
        Refusal{R"("insert": "patients", "documents": [{"nested": [{"secret": "x"}]}])", 0,
                "mql.not_analyzed", "documents.0.nested"},
        Refusal{
            R"("aggregate": "patients", "pipeline": [{"$group": {"_id": "$ssn"}}], "cursor": {})",
            0, "mql.not_analyzed", "pipeline.0.$group"},
        Refusal{R"("distinct": "patients", "key": "ssn")", 51222, "qe.group_on_encrypted", "key"},
        Refusal{R"("createIndexes": "patients", "indexes": [{"key": {"x": 1}, "name": "x"}, )"
                R"({"key": {"nested": 1}, "name": "n"}])",
                0, "mql.not_analyzed", "indexes.1.key.nested"},
        Refusal{R"("mapReduce": "patients", "map": "", "reduce": "")", 0, "mql.not_analyzed",
                "mapReduce"}));

TEST(MqlAnalyze, CreateIndexesOnPlainFieldsPassesThrough) {
  CommandAnalysis a =
      Analyze(R"("createIndexes": "patients", "indexes": [{"key": {"x": 1}, "name": "x"}])");
  ASSERT_TRUE(a.diagnostics.empty()) << a.diagnostics.front().message;
  EXPECT_EQ(a.placeholders, 0);
}

TEST(MqlAnalyze, CsfleSchemaIsNotSupported) {
  BsonDoc cmd;
  bson_error_t error;
  ASSERT_TRUE(BsonDoc::FromJson(
      R"({"find": "c", "filter": {}, "jsonSchema": {"properties": {"a": {"encrypt": {}}}}, )"
      R"("isRemoteSchema": true, "$db": "db"})",
      &cmd, &error));
  CommandAnalysis a = AnalyzeCommand(cmd.data(), cmd.size(), "db.c");
  ASSERT_EQ(a.diagnostics.size(), 1u);
  EXPECT_EQ(a.diagnostics[0].code, "mql.csfle");
}

TEST(MqlAnalyze, BadInputIsADiagnosticNeverACrash) {
  const uint8_t garbage[] = {12, 0, 0, 0, 2, 'a', 0, 9, 0, 0, 0, 0};
  EXPECT_EQ(AnalyzeCommand(garbage, sizeof garbage, "db.c").diagnostics.front().code,
            "mql.invalid_bson");
  BsonDoc empty;
  EXPECT_EQ(AnalyzeCommand(empty.data(), empty.size(), "db.c").diagnostics.front().code,
            "mql.empty_command");
  BsonDoc cmd = Command(R"("find": "patients")");
  EXPECT_EQ(AnalyzeCommand(cmd.data(), cmd.size(), "nodot").diagnostics.front().code,
            "mql.namespace");
  EXPECT_EQ(AnalyzeCommand(cmd.data(), cmd.size(), "db.other").diagnostics.front().code,
            "mql.encryption_information");

  // 300 nested $and: refused before the recursive walk (libbson's validation bounds nesting).
  BsonDoc deep;
  BSON_APPEND_UTF8(deep.get(), "find", "patients");
  std::vector<bson_t> levels(600);
  bson_t* parent = deep.get();
  const char* key = "filter";
  for (size_t i = 0; i < levels.size(); i += 2) {
    bson_append_document_begin(parent, key, -1, &levels[i]);
    querysafe::AppendArrayBegin(&levels[i], "$and", -1, &levels[i + 1]);
    parent = &levels[i + 1];
    key = "0";
  }
  for (size_t i = levels.size(); i > 0; i -= 2) {
    bson_append_array_end(&levels[i - 2], &levels[i - 1]);
    bson_append_document_end(i == 2 ? deep.get() : &levels[i - 3], &levels[i - 2]);
  }
  EXPECT_EQ(AnalyzeCommand(deep.data(), deep.size(), "db.patients").diagnostics.front().code,
            "mql.invalid_bson");
}

// `bytes` with the int32 length before the string `text` set to 0x7fffffff: no longer BSON.
std::vector<uint8_t> WithBadStringLength(const BsonDoc& doc, std::string_view text) {
  std::vector<uint8_t> bytes(doc.data(), doc.data() + doc.size());
  const std::string needle = std::string(text) + '\0';
  auto at = std::search(bytes.begin(), bytes.end(), needle.begin(), needle.end());
  EXPECT_NE(at, bytes.end()) << text;
  if (at - bytes.begin() >= 4) std::fill(at - 4, at - 1, 0xff), *(at - 1) = 0x7f;
  return bytes;
}

// A top-level encryptionInformation is validated apart from the rest of the command, and not
// again while its bytes stay the same (valid_command.cc): neither shortcut may let an invalid
// command through.
TEST(MqlAnalyze, EveryPartOfACommandIsValidatedEvenWithItsSchemaSeenBefore) {
  const std::string body = R"("find": "patients", "filter": {"ssn": "987-65-4320"})";
  ASSERT_TRUE(Analyze(body).diagnostics.empty());
  ASSERT_TRUE(Analyze(body).diagnostics.empty());  // the schema's bytes seen before

  BsonDoc cmd = Command(body);
  // The filter broken, the schema the very bytes validated before.
  std::vector<uint8_t> bad_filter = WithBadStringLength(cmd, "987-65-4320");
  EXPECT_EQ(
      AnalyzeCommand(bad_filter.data(), bad_filter.size(), "db.patients").diagnostics.front().code,
      "mql.invalid_bson");
  // The schema broken, after a valid one.
  std::vector<uint8_t> bad_schema = WithBadStringLength(cmd, "enxcol_.patients.esc");
  EXPECT_EQ(
      AnalyzeCommand(bad_schema.data(), bad_schema.size(), "db.patients").diagnostics.front().code,
      "mql.invalid_bson");
  // The element after encryptionInformation ($db) broken: its value's length.
  std::vector<uint8_t> bad_db(cmd.data(), cmd.data() + cmd.size());
  const std::string db_key("$db", 4);
  auto at = std::search(bad_db.begin(), bad_db.end(), db_key.begin(), db_key.end());
  ASSERT_NE(at, bad_db.end());
  std::fill(at + 4, at + 7, 0xff);
  *(at + 7) = 0x7f;
  EXPECT_EQ(AnalyzeCommand(bad_db.data(), bad_db.size(), "db.patients").diagnostics.front().code,
            "mql.invalid_bson");
  // And the valid command is still answered.
  EXPECT_TRUE(Analyze(body).diagnostics.empty());
}

// Compiled encryptedFields are kept between calls (encryption_schema.cc), keyed by their bytes:
// the same schema twice gives the same answer, and a changed schema for the same namespace is
// compiled anew, never answered from the earlier one.
TEST(MqlAnalyze, ChangedEncryptedFieldsForOneNamespaceAreNotServedFromTheCache) {
  const std::string body = R"("find": "patients", "filter": {"ssn": "987-65-4320"})";
  CommandAnalysis first = Analyze(body);
  CommandAnalysis again = Analyze(body);
  ASSERT_TRUE(first.diagnostics.empty() && again.diagnostics.empty());
  EXPECT_EQ(Relaxed(first.reply), Relaxed(again.reply));

  // The same namespace, ssn now with contention 2 and age no longer encrypted.
  BsonDoc changed;
  bson_error_t error;
  ASSERT_TRUE(BsonDoc::FromJson(
      R"({"find": "patients", "filter": {"ssn": "987-65-4320", "age": 5},
          "encryptionInformation": {"type": 1, "schema": {"db.patients": {"fields": [
            {"keyId": {"$binary": {"base64": "EREREREREREREREREREREQ==", "subType": "04"}},
             "path": "ssn", "bsonType": "string",
             "queries": {"queryType": "equality", "contention": {"$numberLong": "2"}}}]}}},
          "$db": "db"})",
      &changed, &error))
      << error.message;
  CommandAnalysis b = AnalyzeCommand(changed.data(), changed.size(), "db.patients");
  ASSERT_TRUE(b.diagnostics.empty()) << b.diagnostics.front().message;
  EXPECT_EQ(b.placeholders, 1);
  bson_iter_t it;
  ASSERT_TRUE(bson_iter_init(&it, Placeholder(b, "result.filter.ssn").get()) &&
              bson_iter_find(&it, "cm"));
  EXPECT_EQ(bson_iter_as_int64(&it), 2);
  ASSERT_TRUE(bson_iter_init(&it, b.reply.get()) &&
              bson_iter_find_descendant(&it, "result.filter.age", &it));
  EXPECT_TRUE(BSON_ITER_HOLDS_INT32(&it));  // plain now: no placeholder

  // And the first schema still gives its own answer.
  EXPECT_EQ(Relaxed(Analyze(body).reply), Relaxed(first.reply));
}

}  // namespace
}  // namespace querysafe::mql
