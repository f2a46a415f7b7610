// libmongocrypt's own query-analysis vectors (tests/data/libmongocrypt-markings, copied from
// mongodb/libmongocrypt test/data; README.md there says which are covered and why not the rest):
// libmongocrypt's auto-encryption context runs offline with lib/mql answering its markings
// request, and the command it finally sends is compared with the vector's: byte for byte for
// finds, deletes and explains (find payloads are deterministic), structurally for inserts (their
// payloads hold random IVs). The same runs with libquerysafe_crypt_v1.so loaded by libmongocrypt
// as crypt_shared give the same bytes.
#include <gtest/gtest.h>

#include <cctype>
#include <string>
#include <vector>

#include "lib/common/bson_array.h"
#include "lib/mql/analyze_command.h"
#include "tests/crypt_shared/mongocrypt_driver.h"

namespace querysafe::testing {
namespace {

// The subtype-6 binaries of `doc`, in document order.
void Payloads(const bson_t* doc, std::vector<std::string>* out) {
  bson_iter_t it;
  bson_iter_init(&it, doc);
  while (bson_iter_next(&it)) {
    if (BSON_ITER_HOLDS_BINARY(&it)) {
      bson_subtype_t subtype;
      uint32_t len = 0;
      const uint8_t* data = nullptr;
      bson_iter_binary(&it, &subtype, &len, &data);
      if (subtype == BSON_SUBTYPE_ENCRYPTED) {
        out->emplace_back(reinterpret_cast<const char*>(data), len);
      }
    } else if (BSON_ITER_HOLDS_DOCUMENT(&it) || BSON_ITER_HOLDS_ARRAY(&it)) {
      bson_t child;
      IterChild(&it, &child);
      Payloads(&child, out);
    }
  }
}

std::vector<std::string> PayloadsOf(const BsonDoc& doc) {
  std::vector<std::string> out;
  Payloads(doc.get(), &out);
  return out;
}

// `doc` with each subtype-6 binary replaced by "payload <type byte>": the shape of an insert
// whose ciphertext is random.
void Mask(const bson_t* doc, bson_t* out, bool array) {
  bson_iter_t it;
  bson_iter_init(&it, doc);
  (void)array;
  while (bson_iter_next(&it)) {
    const char* key = bson_iter_key(&it);
    if (BSON_ITER_HOLDS_BINARY(&it)) {
      bson_subtype_t subtype;
      uint32_t len = 0;
      const uint8_t* data = nullptr;
      bson_iter_binary(&it, &subtype, &len, &data);
      if (subtype == BSON_SUBTYPE_ENCRYPTED && len > 0) {
        BSON_APPEND_UTF8(out, key, ("payload " + std::to_string(data[0])).c_str());
        continue;
      }
    }
    if (BSON_ITER_HOLDS_DOCUMENT(&it) || BSON_ITER_HOLDS_ARRAY(&it)) {
      const bool is_array = BSON_ITER_HOLDS_ARRAY(&it);
      bson_t child, masked;
      IterChild(&it, &child);
      if (is_array) {
        querysafe::AppendArrayBegin(out, key, -1, &masked);
      } else {
        bson_append_document_begin(out, key, -1, &masked);
      }
      Mask(&child, &masked, is_array);
      if (is_array) {
        bson_append_array_end(out, &masked);
      } else {
        bson_append_document_end(out, &masked);
      }
      continue;
    }
    bson_append_iter(out, key, -1, &it);
  }
}

std::string Masked(const BsonDoc& doc) {
  BsonDoc out;
  Mask(doc.get(), out.get(), false);
  return ToCanonicalJson(out.get());
}

std::string Json(const BsonDoc& doc) { return ToCanonicalJson(doc.get()); }

struct Vector {
  std::string folder;
  std::string expected;  // file with the final command
};

// "fle2-explain/with-csfle" -> "fle2_explain_with_csfle", for the test names.
std::string VectorName(const ::testing::TestParamInfo<Vector>& param) {
  std::string name;
  for (char c : param.param.folder) name += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
  return name;
}

class ExactFinal : public ::testing::TestWithParam<Vector> {};

// Finds, deletes, explains, commands without encryption: the final command, byte for byte.
TEST_P(ExactFinal, SameBytesAsLibmongocryptsVector) {
  const Vector& v = GetParam();
  AutoEncryptRun run = RunAutoEncrypt(v.folder, Analyzer::kDirect);
  ASSERT_TRUE(run.ok) << run.error;
  BsonDoc expected = LoadJson(DataPath(v.folder + "/" + v.expected));
  EXPECT_EQ(Json(run.final_command), Json(expected)) << "reply: " << Json(run.reply);
  EXPECT_TRUE(bson_equal(run.final_command.get(), expected.get()));

  AutoEncryptRun shared = RunAutoEncrypt(v.folder, Analyzer::kCryptShared);
  ASSERT_TRUE(shared.ok) << shared.error;
  EXPECT_NE(shared.crypt_shared_version.find("querysafe"), std::string::npos);
  EXPECT_EQ(Json(shared.final_command), Json(expected));
}

INSTANTIATE_TEST_SUITE_P(
    Markings, ExactFinal,
    ::testing::Values(Vector{"fle2-explain/with-mongocryptd", "encrypted-payload.json"},
                      Vector{"fle2-delete/empty", "encrypted-payload-v2.json"},
                      Vector{"dollardb/omitted", "encrypted-payload.json"},
                      Vector{"dollardb/preserved", "encrypted-payload.json"},
                      Vector{"dollardb/preserved_empty", "encrypted-payload.json"},
                      Vector{"fle2-create", "encrypted-payload.json"}),
    VectorName);

class SamePayloads : public ::testing::TestWithParam<Vector> {};

// Vectors whose command shape differs from querysafe's but whose payloads must not: the real
// crypt_shared's `$eq` wrapping (fle2-explain/with-csfle), the server's `$and` of `$gte`/`$lte`
// where querysafe writes {$gte, $lte} in place (range-sends-cryptoParams/auto-find-int32).
TEST_P(SamePayloads, SamePayloadBytes) {
  const Vector& v = GetParam();
  for (Analyzer analyzer : {Analyzer::kDirect, Analyzer::kCryptShared}) {
    AutoEncryptRun run = RunAutoEncrypt(v.folder, analyzer);
    ASSERT_TRUE(run.ok) << run.error;
    BsonDoc expected = LoadJson(DataPath(v.folder + "/" + v.expected));
    const std::vector<std::string> got = PayloadsOf(run.final_command);
    ASSERT_FALSE(got.empty()) << Json(run.final_command);
    EXPECT_EQ(got, PayloadsOf(expected)) << Json(run.final_command);
  }
}

INSTANTIATE_TEST_SUITE_P(
    Markings, SamePayloads,
    ::testing::Values(Vector{"fle2-explain/with-csfle", "encrypted-payload.json"},
                      Vector{"range-sends-cryptoParams/auto-find-int32", "encrypted-payload.json"}),
    VectorName);

class InsertShape : public ::testing::TestWithParam<Vector> {};

// Inserts: the same command with payloads of the same type where the vector has them (the
// ciphertext differs: the vectors were made with injected random bytes).
TEST_P(InsertShape, SameShapeAsLibmongocryptsVector) {
  const Vector& v = GetParam();
  for (Analyzer analyzer : {Analyzer::kDirect, Analyzer::kCryptShared}) {
    AutoEncryptRun run = RunAutoEncrypt(v.folder, analyzer);
    ASSERT_TRUE(run.ok) << run.error;
    BsonDoc expected = LoadJson(DataPath(v.folder + "/" + v.expected));
    EXPECT_EQ(Masked(run.final_command), Masked(expected));
  }
}

INSTANTIATE_TEST_SUITE_P(
    Markings, InsertShape,
    ::testing::Values(Vector{"fle2-insert-v2", "encrypted-payload.json"},
                      Vector{"fle2-insert-unindexed-v2", "encrypted-payload.json"},
                      Vector{"fle2-insert-range/int32-v2", "encrypted-payload.json"},
                      Vector{"fle2-insert-range/int64-v2", "encrypted-payload.json"},
                      Vector{"fle2-insert-range/date-v2", "encrypted-payload.json"},
                      Vector{"fle2-insert-range/double-v2", "encrypted-payload.json"},
                      Vector{"fle2-insert-range/double-precision-v2", "encrypted-payload.json"},
                      Vector{"fle2-insert-range/decimal128-v2", "encrypted-payload.json"},
                      Vector{"fle2-insert-range/decimal128-precision-v2", "encrypted-payload.json"},
                      Vector{"no-trimFactor/insert", "encrypted-payload.json"},
                      Vector{"range-sends-cryptoParams/auto-insert-int32",
                             "encrypted-payload.json"}),
    VectorName);

// fle2-find-range/*: the vectors' replies are hand-written (a one-sided $gt with payloadId 1234
// for an equality filter), so their final bytes are not what an analyzer of `{encrypted: v}`
// produces. What must hold: libmongocrypt accepts querysafe's point range for every range type
// and makes a range find payload (type 13) for $gte and a stub for $lte.
TEST(MarkingsRangeFind, EveryRangeTypeEncryptsAsAPointRange) {
  for (const char* type : {"int32", "int64", "date", "double", "double-precision", "decimal128",
                           "decimal128-precision"}) {
    const std::string folder = std::string("fle2-find-range/") + type + "-v2";
    for (Analyzer analyzer : {Analyzer::kDirect, Analyzer::kCryptShared}) {
      AutoEncryptRun run = RunAutoEncrypt(folder, analyzer);
      ASSERT_TRUE(run.ok) << folder << ": " << run.error;
      const std::vector<std::string> payloads = PayloadsOf(run.final_command);
      ASSERT_EQ(payloads.size(), 2u) << folder << ": " << Json(run.final_command);
      EXPECT_EQ(payloads[0][0], 13) << folder;
      EXPECT_EQ(payloads[1][0], 13) << folder;
      bson_iter_t it;
      EXPECT_TRUE(bson_iter_init(&it, run.final_command.get()) &&
                  bson_iter_find_descendant(&it, "filter.encrypted.$gte", &it))
          << Json(run.final_command);
    }
  }
}

// Hand-written replies that contradict their own schema, where querysafe follows the schema:
// fle2-delete/success marks `value`, which its encryptedFields do not list (they list
// `encrypted`, `nested.encrypted`, `nested.notindexed`), so the filter stays plaintext;
// fle2-find-equality-v2 declares bsonType 'int32', which is no BSON type alias (MongoDB's is
// 'int'), so querysafe refuses it instead of guessing.
TEST(MarkingsHandWritten, FollowTheSchemaNotTheReply) {
  AutoEncryptRun del = RunAutoEncrypt("fle2-delete/success", Analyzer::kDirect);
  ASSERT_TRUE(del.ok) << del.error;
  EXPECT_TRUE(PayloadsOf(del.final_command).empty()) << Json(del.final_command);
  bson_iter_t it;
  ASSERT_TRUE(bson_iter_init(&it, del.final_command.get()) &&
              bson_iter_find_descendant(&it, "deletes.0.q.value", &it));
  EXPECT_EQ(bson_iter_int32(&it), 123456);

  AutoEncryptRun find = RunAutoEncrypt("fle2-find-equality-v2", Analyzer::kDirect);
  EXPECT_FALSE(find.ok);
  EXPECT_NE(find.error.find("bsonType 'int32'"), std::string::npos) << find.error;
}

// no-trimFactor/find was captured from a server whose default sparsity was 1 (the reply's `s`);
// MongoDB 8.0's default is 2 (as range-sends-cryptoParams's capture shows), which querysafe
// applies. Apart from that, the same two payloads at the same operators.
TEST(MarkingsRangeFind, NoTrimFactorDiffersOnlyInDefaultSparsity) {
  AutoEncryptRun run = RunAutoEncrypt("no-trimFactor/find", Analyzer::kDirect);
  ASSERT_TRUE(run.ok) << run.error;
  const std::vector<std::string> got = PayloadsOf(run.final_command);
  const std::vector<std::string> want =
      PayloadsOf(LoadJson(DataPath("no-trimFactor/find/encrypted-payload.json")));
  ASSERT_EQ(got.size(), want.size());
  EXPECT_EQ(got[1], want[1]);  // the stub names only payloadId and the operators
  EXPECT_NE(got[0], want[0]);
}

// Commands and placeholders querysafe does not produce are refused with an error naming them,
// never passed through unmarked.
TEST(MarkingsRefused, BulkWriteAndTextSearchInsertAreRefused) {
  AutoEncryptRun bulk = RunAutoEncrypt("bulkWrite/simple", Analyzer::kDirect);
  EXPECT_FALSE(bulk.ok);
  EXPECT_NE(bulk.error.find("bulkWrite"), std::string::npos) << bulk.error;
  AutoEncryptRun text = RunAutoEncrypt("fle2-insert-text-search", Analyzer::kDirect);
  EXPECT_FALSE(text.ok);
  // The substring-preview index needs 8.2; this library implements 8.0's query analysis.
  EXPECT_NE(text.error.find("substringPreview"), std::string::npos) << text.error;
}

// An unencrypted bulkWrite needs no analysis of its operations: the reply to libmongocrypt's
// request is mongocryptd's (schemaRequiresEncryption false, the command unchanged). Compared as
// replies: libmongocrypt 1.13 cannot fetch the collinfo of a bulkWrite's namespace offline.
TEST(MarkingsRefused, UnencryptedBulkWritePassesThrough) {
  BsonDoc request = LoadJson(DataPath("bulkWrite/unencrypted/cmd-to-mongocryptd.json"));
  mql::CommandAnalysis analysis = mql::AnalyzeCommand(request.data(), request.size(), "db.test");
  ASSERT_TRUE(analysis.diagnostics.empty()) << analysis.diagnostics.front().message;
  BsonDoc expected = LoadJson(DataPath("bulkWrite/unencrypted/mongocryptd-reply.json"));
  EXPECT_EQ(Json(analysis.reply), Json(expected));
}

}  // namespace
}  // namespace querysafe::testing
