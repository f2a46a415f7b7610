// libmongocrypt's own explicit text find vectors (test/data/fle2-explicit/find-{prefix,suffix,
// substring}.json and the Python binding's fle2-text-search, copied into
// tests/data/libmongocrypt-text/ with the key document they use): text find payloads are
// deterministic, so the encryptor's payload for the same key, value and options must be the same
// bytes. The C vectors encrypt "abc" with key ABCDEFAB..., contention 1, caseSensitive and
// diacriticSensitive true and query lengths 1..100 (strMaxLength 100 for substring); each is also
// the vector of the preview query type of the same kind. The Python vector encrypts "foo" as a
// `suffix` find with options that hold only a `prefix` block: libmongocrypt then builds the
// exact-match token set, which is how querysafe makes iexact's $encStrNormalizedEq payload
// (lib/lower/text_options.h). The previews' vectors run on libmongocrypt 1.15 to 1.20 only: 1.21
// removed the preview query types.
//
// These need a libmongocrypt with the text algorithm; with an older one (Debian 13: 1.13) they
// skip and say which version they need, and the request is refused with a diagnostic instead.

#include <bson/bson.h>
#include <gtest/gtest.h>

#include <array>
#include <format>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "lib/common/bson_util.h"
#include "lib/crypt/capabilities.h"
#include "lib/crypt/encryptor.h"
#include "lib/crypt/failure.h"
#include "lib/crypt/key_vault_file.h"
#include "lib/crypt/kms_providers.h"
#include "lib/lower/encryption_request.h"
#include "lib/lower/text_options.h"
#include "lib/schema/model.h"

namespace querysafe::crypt {
namespace {

std::string Data(const std::string& name) {
  std::ifstream in(std::string(QUERYSAFE_TEST_DATA_DIR) + "/libmongocrypt-text/" + name,
                   std::ios::binary);
  EXPECT_TRUE(in.good()) << name;
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

BsonDoc Json(const std::string& text) {
  BsonDoc doc;
  bson_error_t error;
  EXPECT_TRUE(BsonDoc::FromJson(text, &doc, &error)) << error.message;
  return doc;
}

// The "v" binary of an expected-payload file.
std::vector<uint8_t> ExpectedPayload(const std::string& name) {
  BsonDoc doc = Json(Data(name));
  bson_iter_t it;
  EXPECT_TRUE(bson_iter_init_find(&it, doc.get(), "v") && BSON_ITER_HOLDS_BINARY(&it)) << name;
  bson_subtype_t subtype;
  uint32_t len = 0;
  const uint8_t* data = nullptr;
  bson_iter_binary(&it, &subtype, &len, &data);
  return {data, data + len};
}

// The vectors' key, under their local master key of 96 zero bytes.
std::unique_ptr<Encryptor> VectorEncryptor() {
  EncryptorOptions options;
  std::array<uint8_t, 96> zeros{};
  absl::StatusOr<KmsProviders> kms = KmsProviders::Local(zeros);
  EXPECT_TRUE(kms.ok());
  options.kms_providers = *kms;
  absl::StatusOr<std::shared_ptr<const KeyVaultFile>> vault =
      KeyVaultFile::Parse(Data("key-ABCDEFAB.json"), "key-ABCDEFAB.json");
  EXPECT_TRUE(vault.ok()) << vault.status();
  options.key_source = *vault;
  absl::StatusOr<std::unique_ptr<Encryptor>> encryptor = Encryptor::Create(std::move(options));
  EXPECT_TRUE(encryptor.ok()) << encryptor.status();
  return encryptor.ok() ? *std::move(encryptor) : nullptr;
}

lower::EncryptionRequest TextFind(std::string_view query_type, const char* value,
                                  int64_t contention, const std::string& options_json) {
  lower::EncryptionRequest r;
  r.is_query = true;
  r.algorithm =
      query_type.ends_with("Preview") ? lower::Algorithm::kTextPreview : lower::Algorithm::kString;
  r.query_type = std::string(query_type);
  r.path = "v";
  r.bson_type = schema::BsonType::kString;
  r.key.key_id = std::array<uint8_t, 16>{0xab, 0xcd, 0xef, 0xab, 0x12, 0x34, 0x98, 0x76,
                                         0x12, 0x34, 0x12, 0x34, 0x56, 0x78, 0x90, 0x12};
  r.contention = contention;
  r.text_options = Json(options_json);
  BSON_APPEND_UTF8(r.operands.get(), "v", value);
  return r;
}

// The C vectors' options for one kind: caseSensitive and diacriticSensitive true, lengths 1..100.
std::string COptions(std::string_view kind) {
  const std::string block = kind == "substring"
                                ? R"({"strMaxLength": 100, "strMaxQueryLength": 100,
                                      "strMinQueryLength": 1})"
                                : R"({"strMaxQueryLength": 100, "strMinQueryLength": 1})";
  return std::format(R"({{"caseSensitive": true, "diacriticSensitive": true, "{}": {}}})", kind,
                     block);
}

// Skips (with the reason) when the linked libmongocrypt cannot make `query_type`.
std::string Missing(std::string_view query_type) {
  const CryptCapabilities& c = LinkedCapabilities();
  if (query_type.ends_with("Preview")) return c.text_preview ? "" : "1.15 to 1.20";
  if (query_type == "substring") return c.text_substring ? "" : "1.20";
  return c.text ? "" : "1.19";
}

struct Vector {
  std::string query_type;
  std::string kind;
  std::string file;
};

void PrintTo(const Vector& v, std::ostream* os) { *os << v.query_type << " " << v.file; }

class TextFindVector : public ::testing::TestWithParam<Vector> {};

TEST_P(TextFindVector, PayloadIsLibmongocryptsBytes) {
  const Vector& v = GetParam();
  if (std::string needed = Missing(v.query_type); !needed.empty()) {
    GTEST_SKIP() << "'" << v.query_type << "' finds need libmongocrypt " << needed
                 << "; linked: " << LinkedCapabilities().version;
  }
  std::unique_ptr<Encryptor> encryptor = VectorEncryptor();
  ASSERT_NE(encryptor, nullptr);
  absl::StatusOr<EncryptedRequest> out =
      encryptor->Encrypt(TextFind(v.query_type, "abc", 1, COptions(v.kind)));
  ASSERT_TRUE(out.ok()) << out.status();
  ASSERT_TRUE(out->value.has_value());
  EXPECT_EQ(out->value->bytes, ExpectedPayload(v.file));
  EXPECT_EQ(out->value->bytes.front(), 18) << "FLE2FindTextPayload";
}

INSTANTIATE_TEST_SUITE_P(
    Explicit, TextFindVector,
    ::testing::Values(Vector{"prefix", "prefix", "find-prefix.json"},
                      Vector{"suffix", "suffix", "find-suffix.json"},
                      Vector{"substring", "substring", "find-substring.json"},
                      Vector{"prefixPreview", "prefix", "find-prefix.json"},
                      Vector{"suffixPreview", "suffix", "find-suffix.json"},
                      Vector{"substringPreview", "substring", "find-substring.json"}),
    [](const ::testing::TestParamInfo<Vector>& param) { return param.param.query_type; });

// The text index of one kind as a field declares it: case- and diacritic-insensitive, lengths
// 2..10 (strMaxLength 10 for substring), as the Python vector's options.
schema::QuerySpec InsensitiveIndex(schema::QueryType type) {
  schema::QuerySpec q;
  q.type = type;
  q.case_sensitive = false;
  q.diacritic_sensitive = false;
  q.str_min_query_length = 2;
  q.str_max_query_length = 10;
  if (type == schema::QueryType::kSubstring) q.str_max_length = 10;
  return q;
}

TEST(TextFindVector, ExactMatchPayloadIsThePythonVector) {
  if (std::string needed = Missing("suffix"); !needed.empty()) {
    GTEST_SKIP() << "needs libmongocrypt " << needed
                 << "; linked: " << LinkedCapabilities().version;
  }
  std::unique_ptr<Encryptor> encryptor = VectorEncryptor();
  ASSERT_NE(encryptor, nullptr);
  const std::vector<uint8_t> expected = ExpectedPayload("python-text-search-payload.json");
  // The vector's own call: a suffix find with only prefix options.
  absl::StatusOr<EncryptedRequest> theirs =
      encryptor->Encrypt(TextFind("suffix", "foo", 0, Data("python-text-search-textopts.json")));
  ASSERT_TRUE(theirs.ok()) << theirs.status();
  EXPECT_EQ(theirs->value->bytes, expected);
  // The request lowering makes for iexact on each shape of text field: its own blocks with a query
  // type it does not index. Every one is the same exact-match payload.
  using schema::QueryType;
  const std::vector<std::vector<QueryType>> shapes = {
      {QueryType::kPrefix}, {QueryType::kSuffix}, {QueryType::kPrefix, QueryType::kSuffix}};
  std::vector<std::vector<QueryType>> all = shapes;
  if (LinkedCapabilities().text_substring) all.push_back({QueryType::kSubstring});
  for (const std::vector<QueryType>& shape : all) {
    std::vector<schema::QuerySpec> specs;
    for (QueryType t : shape) specs.push_back(InsensitiveIndex(t));
    std::vector<const schema::QuerySpec*> indexes;
    for (const schema::QuerySpec& q : specs) indexes.push_back(&q);
    BsonDoc options;
    lower::AppendTextOptions(indexes, options.get());
    const std::string_view query_type = schema::QueryTypeName(lower::ExactMatchQueryType(indexes));
    absl::StatusOr<EncryptedRequest> ours =
        encryptor->Encrypt(TextFind(query_type, "foo", 0, ToRelaxedJson(options.get())));
    ASSERT_TRUE(ours.ok()) << query_type << " " << ToRelaxedJson(options.get()) << ": "
                           << ours.status();
    EXPECT_EQ(ours->value->bytes, expected) << query_type << " " << ToRelaxedJson(options.get());
  }
}

// The diagnostic of a find on "abc" that the linked libmongocrypt cannot make (nullopt: it made
// it).
std::optional<Diagnostic> Refusal(std::string_view query_type, std::string_view kind) {
  std::unique_ptr<Encryptor> encryptor = VectorEncryptor();
  if (encryptor == nullptr) return std::nullopt;
  absl::StatusOr<EncryptedRequest> out =
      encryptor->Encrypt(TextFind(query_type, "abc", 1, COptions(kind)));
  if (out.ok()) return std::nullopt;
  return DiagnosticFromStatus(out.status());
}

TEST(TextFindVector, PreviewsAreRefusedByALibmongocryptThatRemovedThem) {
  if (!LinkedCapabilities().text_preview_removed) {
    GTEST_SKIP() << "libmongocrypt " << LinkedCapabilities().version << " has the previews";
  }
  std::optional<Diagnostic> d = Refusal("prefixPreview", "prefix");
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(d->code, "crypt.text_unsupported");
  EXPECT_NE(d->message.find("libmongocrypt 1.21 removed"), std::string::npos) << d->message;
}

TEST(TextFindVector, WithoutTheTextApiTheRequestIsRefusedNamingTheVersion) {
  if (LinkedCapabilities().text) GTEST_SKIP() << "this libmongocrypt encrypts text";
  std::optional<Diagnostic> d = Refusal("prefix", "prefix");
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(d->code, "crypt.text_unsupported");
  EXPECT_NE(d->message.find("libmongocrypt 1.19"), std::string::npos) << d->message;
}

}  // namespace
}  // namespace querysafe::crypt
