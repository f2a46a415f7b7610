// MongoDB's driver specification tests for Queryable Encryption (tests/data/spec-qe/, from
// mongodb/specifications source/client-side-encryption/tests/), end to end through automatic
// encryption: for each operation of each test, the command a driver sends for it goes through
// libmongocrypt's auto-encryption context (mongocrypt_ctx_encrypt_init) with the spec's key vault,
// local master key and encryptedFields (as the collection's listCollections answer, or the
// client's encryptedFieldsMap), and libquerysafe_crypt_v1.so loaded by libmongocrypt as its
// crypt_shared library. The command libmongocrypt finally sends must match the spec's expected
// command_started_event (spec_command_match.h says how: extra top-level keys allowed, insert
// payloads by type, find payloads byte for byte); an operation the spec expects to fail must fail
// with an error containing its errorContains text (case-insensitive, as the legacy runner says).
// The listCollections filter and the key vault filter libmongocrypt asks for are checked against
// the spec's listCollections and datakeys events too.
//
// Range find payloads hold a payloadId. libmongocrypt's explicit path takes it from a
// process-wide counter (tests/data/spec-qe/README.md's caveat), but automatic encryption copies
// it from the analyzer's range find spec (mongocrypt-marking.c,
// _mongocrypt_fle2_placeholder_to_find_ciphertextForRange: `payload.payloadId =
// findSpec.payloadId`), and lib/mql numbers the range predicates of each command from 0, so the
// spec's bytes (payloadId 0) come out whatever ran before in the process.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <string>
#include <vector>

#include "lib/common/bson_util.h"
#include "tests/crypt/spec_fixture.h"
#include "tests/crypt_shared/mongocrypt_driver.h"
#include "tests/crypt_shared/spec_command_match.h"
#include "tests/crypt_shared/spec_operations.h"

namespace querysafe::testing {
namespace {

// The spec files, all of them (SpecAutoEncryptCoverage checks the folder against this list): a
// file added to tests/data/spec-qe/ must be added here, mapped or skipped.
const char* const kSpecFiles[] = {
    "fle2v2-BypassQueryAnalysis.json",
    "fle2v2-Delete.json",
    "fle2v2-EncryptedFieldsMap-defaults.json",
    "fle2v2-InsertFind-Indexed.json",
    "fle2v2-InsertFind-Unindexed.json",
    "fle2v2-Rangev2-Date-InsertFind.json",
    "fle2v2-Rangev2-Int-InsertFind.json",
    "fle2v2-Rangev2-Long-InsertFind.json",
    "fle2v2-Update.json",
    "QE-Text-prefix.json",
    "QE-Text-prefixPreview.json",
    "QE-Text-substring.json",
    "QE-Text-substringPreview.json",
    "QE-Text-suffix.json",
    "QE-Text-suffixPreview.json",
};

// Spec tests that do not exercise query analysis, with the reason.
struct Unmapped {
  const char* file;
  const char* reason;
};
const Unmapped kUnmapped[] = {
    {"fle2v2-BypassQueryAnalysis.json",
     "bypassQueryAnalysis: true, so libmongocrypt never calls query analysis and the analyzer is "
     "not under test (the insert carries a payload made by explicit encryption)"},
};

const char* UnmappedReason(const std::string& file) {
  for (const Unmapped& u : kUnmapped) {
    if (file == u.file) return u.reason;
  }
  return nullptr;
}

// Spec files whose operations querysafe's analysis refuses today, with the refusal they must
// meet (so that no plaintext is ever sent where ciphertext belongs) and why. When lib/mql learns
// them, these cases fail, and the entry goes.
struct KnownGap {
  const char* file_prefix;
  const char* refusal;
  const char* reason;
};
const KnownGap kKnownGaps[] = {
    {"QE-Text-", "needs MongoDB 9.0 or later",
     "lib/mql implements MongoDB 8.0's query analysis (the library reports the 8.0 feature level) "
     "and does not mark text-search fields or $encStr* expressions (lib/mql/README.md, \"Refused "
     "by name\"): the collection's 9.0 text query types are refused when its encryptedFields are "
     "compiled, so every operation on it fails in analysis"},
};

const KnownGap* GapFor(const std::string& file) {
  for (const KnownGap& gap : kKnownGaps) {
    if (file.starts_with(gap.file_prefix)) return &gap;
  }
  return nullptr;
}

struct Case {
  std::string file;
  size_t test = 0;
  size_t op = 0;
  std::string name;
};

void PrintTo(const Case& c, std::ostream* os) {
  *os << c.file << " test " << c.test << " op " << c.op;
}

std::vector<Case> AllCases() {
  std::vector<Case> cases;
  for (const char* file : kSpecFiles) {
    const SpecFile spec = LoadSpecFile(file);
    for (size_t t = 0; t < spec.tests.size(); ++t) {
      for (size_t o = 0; o < spec.tests[t].operations.size(); ++o) {
        std::string name = std::string(file).substr(0, std::string(file).size() - 5);
        name += "_t" + std::to_string(t) + "_op" + std::to_string(o) + "_" +
                OperationName(spec.tests[t].operations[o].get());
        for (char& c : name) {
          if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
        }
        cases.push_back(Case{file, t, o, name});
      }
    }
  }
  return cases;
}

std::string Lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

std::string Json(const bson_t* doc) { return ToCanonicalJson(doc); }

std::string Differences(const CommandMatch& match) {
  std::string out;
  for (const std::string& d : match.differences) out += "\n  " + d;
  return out;
}

// An insert or update value: FLE2InsertUpdatePayloadV2 (type 11) for an indexed field, its
// document with d, s, p, u (the index key id), t (the BSON type), v, e, l, k, plus the edges `g`
// for a range field and the text token sets `b` for a text field (libmongocrypt's
// src/mc-fle2-insert-update-payload-private-v2.h); FLE2UnindexedEncryptedValueV2 (type 16:
// the key id, the BSON type byte, the ciphertext; src/mc-fle2-payload-uev-v2-private.h) for an
// unindexed one.
void CheckInsertPayload(const SpecTest& test, const MatchedPayload& payload) {
  const EncryptedField* field = test.Field(payload.field);
  ASSERT_NE(field, nullptr) << payload.path << " is no encrypted field";
  ASSERT_GT(payload.bytes.size(), 18u) << payload.path;
  if (field->query_type.empty()) {
    EXPECT_EQ(payload.bytes[0], 16) << payload.path << ": an unindexed value";
    EXPECT_TRUE(std::equal(field->key_id.begin(), field->key_id.end(), payload.bytes.begin() + 1))
        << payload.path << ": the key id";
    EXPECT_EQ(payload.bytes[17], field->bson_type) << payload.path << ": the value's BSON type";
    return;
  }
  EXPECT_EQ(payload.bytes[0], 11) << payload.path << ": an insert/update payload";
  BsonDoc doc;
  ASSERT_TRUE(BsonDoc::FromBytes(payload.bytes.data() + 1, payload.bytes.size() - 1, &doc))
      << payload.path;
  for (const char* key : {"d", "s", "p", "u", "t", "v", "e", "l", "k"}) {
    EXPECT_TRUE(bson_has_field(doc.get(), key)) << payload.path << " has no '" << key << "'";
  }
  const bool range = field->query_type == "range";
  const bool text = !range && field->query_type != "equality";
  EXPECT_EQ(bson_has_field(doc.get(), "g"), range)
      << payload.path << ": edges ('g') exactly for a range field";
  EXPECT_EQ(bson_has_field(doc.get(), "b"), text)
      << payload.path << ": text token sets ('b') exactly for a text field";
  bson_iter_t it;
  if (bson_iter_init_find(&it, doc.get(), "t")) {
    EXPECT_EQ(bson_iter_as_int64(&it), field->bson_type) << payload.path;
  }
  if (bson_iter_init_find(&it, doc.get(), "u") && BSON_ITER_HOLDS_BINARY(&it)) {
    bson_subtype_t subtype;
    uint32_t len = 0;
    const uint8_t* data = nullptr;
    bson_iter_binary(&it, &subtype, &len, &data);
    EXPECT_EQ(std::vector<uint8_t>(data, data + len), field->key_id) << payload.path;
  }
}

class SpecAutoEncrypt : public ::testing::TestWithParam<Case> {};

TEST_P(SpecAutoEncrypt, CommandAsTheSpecExpects) {
  const Case& c = GetParam();
  if (const char* reason = UnmappedReason(c.file)) GTEST_SKIP() << reason;
  const SpecFile spec = LoadSpecFile(c.file);
  const SpecTest& test = spec.tests[c.test];
  if (std::string why = test.NeedsMissingCapability(); !why.empty()) GTEST_SKIP() << why;
  const bson_t* op = test.operations[c.op].get();

  AutoEncryptInput input;
  std::string unmappable;
  ASSERT_TRUE(test.Input(op, &input, &unmappable)) << unmappable;
  const AutoEncryptRun run = RunAutoEncrypt(input, Analyzer::kCryptShared);
  SCOPED_TRACE("command: " + Json(input.command.get()));

  if (const KnownGap* gap = GapFor(c.file)) {
    ASSERT_FALSE(run.ok) << "a known gap now passes analysis; compare it and drop the entry: "
                         << Json(run.final_command.get());
    EXPECT_NE(run.error.find("analyze_query"), std::string::npos) << run.error;
    EXPECT_NE(run.error.find(gap->refusal), std::string::npos) << run.error;
    GTEST_SKIP() << "known gap, refused as expected: " << gap->reason;
  }

  if (std::string fragment = ErrorContains(op); !fragment.empty()) {
    ASSERT_FALSE(run.ok) << "expected an error containing '" << fragment
                         << "', got: " << Json(run.final_command.get());
    EXPECT_NE(Lower(run.error).find(Lower(fragment)), std::string::npos) << run.error;
    // The error is query analysis's, reported by libmongocrypt from crypt_shared.
    EXPECT_NE(run.error.find("analyze_query"), std::string::npos) << run.error;
    return;
  }
  ASSERT_TRUE(run.ok) << run.error;
  EXPECT_NE(run.crypt_shared_version.find("querysafe"), std::string::npos)
      << "crypt_shared: '" << run.crypt_shared_version << "'";

  if (const BsonDoc* expected = test.ExpectedCommand(c.op)) {
    const BsonDoc want = WithExplicitEq(expected->get());
    const BsonDoc got = WithExplicitEq(run.final_command.get());
    const CommandMatch match = MatchCommand(want.get(), got.get());
    EXPECT_TRUE(match.differences.empty())
        << Differences(match) << "\nexpected: " << Json(expected->get())
        << "\nactual:   " << Json(run.final_command.get());
    for (const MatchedPayload& payload : match.payloads) CheckInsertPayload(test, payload);
    // The spec allows fields it does not name at the top level, for what a driver adds (lsid,
    // $db...). The commands here carry none of those, and libmongocrypt adds encryptionInformation
    // exactly where the spec names it (not to the unindexed insert, nor to a find on _id), so
    // nothing unnamed is allowed.
    for (const std::string& key : match.extra_top_level)
      ADD_FAILURE() << "unexpected field " << key;
  }
  // What libmongocrypt asked the "server" for, against the spec's listCollections and datakeys
  // events (a driver adds $db and readConcern to the datakeys find; the filter is
  // libmongocrypt's). The spec has one datakeys find per test (libmongocrypt caches the keys);
  // each case here starts a fresh libmongocrypt, so the filter is compared on the test's first
  // operation, which in every file here is an insert that needs the keys.
  if (test.collinfo_filter.has_value()) {
    ASSERT_FALSE(run.collinfo_filter.empty()) << "libmongocrypt asked for no collinfo";
    const CommandMatch match = MatchCommand(test.collinfo_filter->get(), run.collinfo_filter.get());
    EXPECT_TRUE(match.differences.empty()) << "listCollections filter" << Differences(match);
  }
  if (test.key_filter.has_value() && c.op == 0) {
    ASSERT_FALSE(run.key_filter.empty()) << "libmongocrypt asked for no keys";
    const CommandMatch match = MatchCommand(test.key_filter->get(), run.key_filter.get());
    EXPECT_TRUE(match.differences.empty()) << "key vault filter" << Differences(match);
  }
}

INSTANTIATE_TEST_SUITE_P(Spec, SpecAutoEncrypt, ::testing::ValuesIn(AllCases()),
                         [](const ::testing::TestParamInfo<Case>& p) { return p.param.name; });

// The count of covered and skipped cases stays visible, and a spec file that gains a test is
// noticed: 55 operations, of which 2 are unmapped (bypassQueryAnalysis) and 30 are text (a known
// gap where the linked libmongocrypt has the text API, skipped where it has not); the other 23,
// every operation of the fle2v2 files, are compared.
TEST(SpecAutoEncryptCoverage, EveryOperationOfEveryFileIsACase) {
  size_t unmapped = 0;
  size_t gaps = 0;
  const std::vector<Case> cases = AllCases();
  for (const Case& c : cases) {
    unmapped += UnmappedReason(c.file) != nullptr;
    gaps += GapFor(c.file) != nullptr;
  }
  std::vector<std::string> on_disk;
  for (const auto& entry :
       std::filesystem::directory_iterator(std::string(QUERYSAFE_TEST_DATA_DIR) + "/spec-qe")) {
    if (entry.path().extension() == ".json") on_disk.push_back(entry.path().filename().string());
  }
  std::vector<std::string> listed(std::begin(kSpecFiles), std::end(kSpecFiles));
  std::sort(on_disk.begin(), on_disk.end());
  std::sort(listed.begin(), listed.end());
  EXPECT_EQ(listed, on_disk);
  EXPECT_EQ(cases.size(), 55u);
  EXPECT_EQ(unmapped, 2u);
  EXPECT_EQ(gaps, 30u);
}

}  // namespace
}  // namespace querysafe::testing
