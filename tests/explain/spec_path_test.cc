// MongoDB's spec vectors through the whole path: schema JSON + query text + key file + local
// master key -> explain. The find filters must equal the commands the spec expects a driver to
// send, byte for byte (fle2v2-InsertFind-Indexed's equality find and the `$gt 0` range finds of
// fle2v2-Rangev2-Int/-Long/-Date-InsertFind). A range payload's payloadId counts up in a
// process, so each range test encrypts exactly one range here (ctest runs every test in its
// own process).

#include <bson/bson.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

#include "lib/common/bson_util.h"
#include "querysafe/crypt.h"
#include "querysafe/query.h"
#include "querysafe/schema.h"
#include "tests/crypt/plaintext_scan.h"

namespace querysafe {
namespace {

std::string Dir() { return std::string(QUERYSAFE_TEST_DATA_DIR) + "/spec-qe/"; }

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

Schema LoadSchema(const std::string& name) {
  SchemaResult r = Schema::FromJson(ReadFile(Dir() + "schemas/" + name + ".json"));
  EXPECT_TRUE(r.ok()) << FormatDiagnostics(r.diagnostics, "", name);
  return *r.schema;
}

Encryptor OpenEncryptor() {
  EncryptorResult r =
      Encryptor::OpenOffline(Dir() + "keys/key1.json", "@" + Dir() + "keys/local-master.key");
  EXPECT_TRUE(r.ok()) << (r.diagnostics.empty() ? "" : r.diagnostics[0].message);
  return *r.encryptor;
}

// The filter of the spec's expected `find` command (the last find of the first test).
std::string SpecFilter(const std::string& spec) {
  std::string json = ReadFile(Dir() + spec + ".json");
  BsonDoc doc;
  bson_error_t error;
  EXPECT_TRUE(BsonDoc::FromJson(json, &doc, &error)) << error.message;
  bson_iter_t tests, expectation;
  std::string filter;
  for (int i = 0; i < 16; ++i) {
    const std::string path =
        "tests.0.expectations." + std::to_string(i) + ".command_started_event.command";
    if (!bson_iter_init(&tests, doc.get()) ||
        !bson_iter_find_descendant(&tests, path.c_str(), &expectation)) {
      break;
    }
    uint32_t len;
    const uint8_t* data;
    bson_iter_document(&expectation, &len, &data);
    bson_t command;
    bson_init_static(&command, data, len);
    bson_iter_t find, f;
    if (bson_iter_init_find(&find, &command, "find") &&
        std::string(bson_iter_utf8(&find, nullptr)) != "datakeys" &&
        bson_iter_init_find(&f, &command, "filter")) {
      bson_iter_document(&f, &len, &data);
      bson_t filter_doc;
      bson_init_static(&filter_doc, data, len);
      filter = ToCanonicalJson(&filter_doc);
    }
  }
  EXPECT_FALSE(filter.empty()) << spec;
  return filter;
}

std::string ExplainedFilter(const std::string& schema, const std::string& query) {
  CompileResult compiled = Query::Compile(LoadSchema(schema), query);
  EXPECT_TRUE(compiled.ok()) << FormatDiagnostics(compiled.diagnostics, query, "query");
  TranslateResult translated = compiled.query->Translate();
  EXPECT_TRUE(translated.ok());
  TranslateResult sent = OpenEncryptor().Explain(*translated.translation);
  EXPECT_TRUE(sent.ok()) << (sent.diagnostics.empty() ? "" : sent.diagnostics[0].message);
  EXPECT_EQ(sent.translation->encryption_count(), 0u);
  bson_iter_t it;
  EXPECT_TRUE(bson_iter_init_find(&it, sent.translation->command(), "filter"));
  uint32_t len;
  const uint8_t* data;
  bson_iter_document(&it, &len, &data);
  bson_t filter;
  bson_init_static(&filter, data, len);
  return ToCanonicalJson(&filter);
}

TEST(ExplainSpecVectors, EqualityFindMatchesInsertFindIndexed) {
  EXPECT_EQ(ExplainedFilter("indexed", R"(Default.objects.filter(encryptedIndexed="123"))"),
            SpecFilter("fle2v2-InsertFind-Indexed"));
}

TEST(ExplainSpecVectors, IntRangeFindMatchesRangev2Int) {
  EXPECT_EQ(ExplainedFilter("range_int", "Default.objects.filter(encryptedInt__gt=0)"),
            SpecFilter("fle2v2-Rangev2-Int-InsertFind"));
}

TEST(ExplainSpecVectors, LongRangeFindMatchesRangev2Long) {
  EXPECT_EQ(ExplainedFilter("range_long", "Default.objects.filter(encryptedLong__gt=0)"),
            SpecFilter("fle2v2-Rangev2-Long-InsertFind"));
}

TEST(ExplainSpecVectors, DateRangeFindMatchesRangev2Date) {
  EXPECT_EQ(ExplainedFilter("range_date",
                            "Default.objects.filter(encryptedDate__gt=datetime(1970, 1, 1))"),
            SpecFilter("fle2v2-Rangev2-Date-InsertFind"));
}

TEST(ExplainSpecVectors, BoundParameterEncryptsLikeTheLiteral) {
  CompileResult compiled =
      Query::Compile(LoadSchema("indexed"), "Default.objects.filter(encryptedIndexed=$v)");
  ASSERT_TRUE(compiled.ok());
  bson_t* params = BCON_NEW("v", BCON_UTF8("123"));
  TranslateResult translated = compiled.query->Translate(*params);
  bson_destroy(params);
  ASSERT_TRUE(translated.ok());
  TranslateResult sent = OpenEncryptor().Explain(*translated.translation);
  ASSERT_TRUE(sent.ok());
  bson_iter_t it;
  ASSERT_TRUE(bson_iter_init_find(&it, sent.translation->command(), "filter"));
  uint32_t len;
  const uint8_t* data;
  bson_iter_document(&it, &len, &data);
  bson_t filter;
  bson_init_static(&filter, data, len);
  EXPECT_EQ(ToCanonicalJson(&filter), SpecFilter("fle2v2-InsertFind-Indexed"));
}

TEST(ExplainSpecVectors, SentCommandHoldsNoPlaintext) {
  // A query with an equality and a two-sided range value: none of the values may appear in the
  // command as sent, in any encoding.
  CompileResult compiled =
      Query::Compile(LoadSchema("range_int"),
                     "Default.objects.filter(encryptedInt__gte=123, encryptedInt__lt=199)");
  ASSERT_TRUE(compiled.ok()) << FormatDiagnostics(compiled.diagnostics, "", "q");
  TranslateResult translated = compiled.query->Translate();
  ASSERT_TRUE(translated.ok());
  TranslateResult sent = OpenEncryptor().Explain(*translated.translation);
  ASSERT_TRUE(sent.ok()) << sent.diagnostics[0].message;
  const bson_t* command = sent.translation->command();
  std::span<const uint8_t> bytes(bson_get_data(command), command->len);
  for (int32_t plain : {123, 199}) {
    bson_value_t v{};
    v.value_type = BSON_TYPE_INT32;
    v.value.v_int32 = plain;
    EXPECT_THAT(testing::FindPlaintext(bytes, v, "encryptedInt"), ::testing::IsEmpty()) << plain;
  }
  // The translation before encryption does carry them: the scan can see them.
  const bson_t* pending = translated.translation->command();
  bson_value_t v{};
  v.value_type = BSON_TYPE_INT32;
  v.value.v_int32 = 123;
  EXPECT_THAT(testing::FindPlaintext({bson_get_data(pending), pending->len}, v, "encryptedInt"),
              ::testing::Not(::testing::IsEmpty()));
}

TEST(ExplainSpecVectors, RangeBoundOutsideTheIndexIsADiagnosticBeforeEncryption) {
  CompileResult compiled =
      Query::Compile(LoadSchema("range_int"), "Default.objects.filter(encryptedInt__gt=500)");
  ASSERT_FALSE(compiled.ok());
  EXPECT_EQ(compiled.diagnostics[0].server_code, 6747901);
}

// Found by the schema fuzzer (tests/data/regression/schema/): `gt` the index's max (or `lt` its
// min) is inside [min, max], but excludes the last value there is; libmongocrypt refused it
// only at encryption. Inclusive bounds at the ends encrypt.
TEST(ExplainSpecVectors, ExclusiveBoundAtTheEndOfTheIndexIsADiagnosticBeforeEncryption) {
  const Schema schema = LoadSchema("range_int");  // encryptedInt: [0, 200]
  for (std::string_view query : {"Default.objects.filter(encryptedInt__gt=200)",
                                 "Default.objects.filter(encryptedInt__lt=0)"}) {
    CompileResult compiled = Query::Compile(schema, query);
    ASSERT_FALSE(compiled.ok()) << query;
    EXPECT_EQ(compiled.diagnostics[0].code, "qe.range_out_of_bounds");
    EXPECT_THAT(compiled.diagnostics[0].message, ::testing::HasSubstr("is excluded from range"));
  }
  // A parameter is checked when it is bound.
  CompileResult prepared = Query::Compile(schema, "Default.objects.filter(encryptedInt__gt=$v)");
  ASSERT_TRUE(prepared.ok());
  BsonDoc params;
  bson_append_int32(params.get(), "v", -1, 200);
  TranslateResult bound = prepared.query->Translate(*params.get());
  ASSERT_FALSE(bound.ok());
  EXPECT_EQ(bound.diagnostics[0].code, "qe.range_out_of_bounds");

  for (std::string_view query : {"Default.objects.filter(encryptedInt__gte=200)",
                                 "Default.objects.filter(encryptedInt__lte=0)",
                                 "Default.objects.filter(encryptedInt__gt=199)"}) {
    CompileResult compiled = Query::Compile(schema, query);
    ASSERT_TRUE(compiled.ok()) << query;
    TranslateResult translated = compiled.query->Translate();
    ASSERT_TRUE(translated.ok()) << query;
    TranslateResult sent = OpenEncryptor().Explain(*translated.translation);
    EXPECT_TRUE(sent.ok()) << query << ": " << sent.diagnostics[0].message;
  }
}

}  // namespace
}  // namespace querysafe
