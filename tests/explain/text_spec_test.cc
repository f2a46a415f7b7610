// MongoDB's QE text spec tests (QE-Text-prefix/-suffix/-substring, 9.0, and their 8.2 previews,
// tests/data/spec-qe/) through the whole path: each `find` the spec runs, written as the Django
// lookup it stands for (`$encStrStartsWith` is `startswith`, `$encStrEndsWith` `endswith`,
// `$encStrContains` `contains`), must translate to the spec's filter with a placeholder where the
// string goes, and explain to that filter with a text find payload (type 18) in its place, made
// with the field's options (contention, case and diacritic folding, query lengths). The
// payload's bytes are checked against libmongocrypt's own vectors in tests/crypt; here, its
// content. Explain needs a libmongocrypt with the text algorithm; with an older one (Debian 13:
// 1.13) those tests skip and say which version they need.

#include <bson/bson.h>
#include <gtest/gtest.h>

#include <cctype>
#include <format>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "lib/common/bson_util.h"
#include "querysafe/capabilities.h"
#include "querysafe/crypt.h"
#include "querysafe/query.h"
#include "querysafe/schema.h"

namespace querysafe {
namespace {

std::string Dir() { return std::string(QUERYSAFE_TEST_DATA_DIR) + "/spec-qe/"; }

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
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

BsonDoc Sub(const bson_t* doc, const char* dotted) {
  bson_iter_t it, target;
  BsonDoc out;
  if (bson_iter_init(&it, doc) && bson_iter_find_descendant(&it, dotted, &target) &&
      (BSON_ITER_HOLDS_DOCUMENT(&target) || BSON_ITER_HOLDS_ARRAY(&target))) {
    uint32_t len = 0;
    const uint8_t* data = nullptr;
    if (BSON_ITER_HOLDS_ARRAY(&target)) {
      bson_iter_array(&target, &len, &data);
    } else {
      bson_iter_document(&target, &len, &data);
    }
    BsonDoc::FromBytes(data, len, &out);
  }
  return out;
}

struct SpecFind {
  std::string file;     // "QE-Text-prefix"
  std::string op;       // "$encStrStartsWith"
  std::string operand;  // "prefix"
  std::string value;    // "foo"
  std::string lookup;   // "startswith"
  std::string version;  // the server the spec runs on: "9.0" or "8.2"
  std::string type;     // the field's queryType
};

void PrintTo(const SpecFind& f, std::ostream* os) {
  *os << f.file << " " << f.op << " " << f.value;
}

// Every find of every QE-Text spec file.
std::vector<SpecFind> SpecFinds() {
  std::vector<SpecFind> out;
  for (std::string type :
       {"prefix", "suffix", "substring", "prefixPreview", "suffixPreview", "substringPreview"}) {
    const std::string file = "QE-Text-" + type;
    BsonDoc spec = Json(ReadFile(Dir() + file + ".json"));
    BsonDoc tests = Sub(spec.get(), "tests");
    bson_iter_t t;
    bson_iter_init(&t, tests.get());
    while (bson_iter_next(&t)) {
      const std::string at = std::string(bson_iter_key(&t)) + ".operations";
      BsonDoc ops = Sub(tests.get(), at.c_str());
      bson_iter_t o;
      bson_iter_init(&o, ops.get());
      while (bson_iter_next(&o)) {
        const std::string op_at = std::string(bson_iter_key(&o));
        BsonDoc op = Sub(ops.get(), op_at.c_str());
        bson_iter_t name;
        if (!bson_iter_init_find(&name, op.get(), "name") ||
            std::string(bson_iter_utf8(&name, nullptr)) != "find") {
          continue;
        }
        BsonDoc expr = Sub(op.get(), "arguments.filter.$expr");
        bson_iter_t e, operand;
        if (!bson_iter_init(&e, expr.get()) || !bson_iter_next(&e)) continue;
        SpecFind f;
        f.file = file;
        f.op = bson_iter_key(&e);
        f.operand = f.op == "$encStrStartsWith" ? "prefix"
                    : f.op == "$encStrEndsWith" ? "suffix"
                                                : "substring";
        f.lookup = f.op == "$encStrStartsWith" ? "startswith"
                   : f.op == "$encStrEndsWith" ? "endswith"
                                               : "contains";
        BsonDoc args = Sub(expr.get(), f.op.c_str());
        EXPECT_TRUE(bson_iter_init_find(&operand, args.get(), f.operand.c_str()));
        f.value = bson_iter_utf8(&operand, nullptr);
        f.version = type.ends_with("Preview") ? "8.2" : "9.0";
        f.type = type;
        out.push_back(f);
      }
    }
  }
  return out;
}

Schema LoadSchema(const SpecFind& f) {
  SchemaOptions options;
  options.server_major = f.version == "8.2" ? 8 : 9;
  options.server_minor = f.version == "8.2" ? 2 : 0;
  const std::string path = Dir() + "schemas/text_" + f.type + ".json";
  SchemaResult r = Schema::FromJson(ReadFile(path), options);
  EXPECT_TRUE(r.ok()) << FormatDiagnostics(r.diagnostics, "", path);
  return *r.schema;
}

std::string QueryText(const SpecFind& f) {
  return "Coll.objects.filter(encryptedText__" + f.lookup + "=\"" + f.value + "\")";
}

// The filter of a translated or explained command.
BsonDoc FilterOf(const Translation& t) { return Sub(t.command(), "filter"); }

// Whether `what` can be encrypted here, and if not, why (for GTEST_SKIP).
std::string MissingCapability(const SpecFind& f) {
  const Capabilities c = GetCapabilities();
  if (f.version == "8.2") {
    return c.text_preview ? "" : "the text previews need libmongocrypt 1.15 to 1.20";
  }
  if (f.type == "substring") return c.text_substring ? "" : "substring needs libmongocrypt 1.20";
  return c.text ? "" : "prefix/suffix need libmongocrypt 1.19";
}

class TextSpec : public ::testing::TestWithParam<SpecFind> {};

TEST_P(TextSpec, TranslatesToTheSpecsExpression) {
  const SpecFind& f = GetParam();
  CompileOptions options;
  options.server_version = *ServerVersion::Parse(f.version);
  CompileResult compiled = Query::Compile(LoadSchema(f), QueryText(f), options);
  ASSERT_TRUE(compiled.ok()) << FormatDiagnostics(compiled.diagnostics, QueryText(f), "query");
  TranslateResult t = compiled.query->Translate();
  ASSERT_TRUE(t.ok());
  BsonDoc filter = FilterOf(*t.translation);
  // {"$expr": {op: {"input": "$encryptedText", operand: {"$encrypt": {...}}}}}
  const std::string args_at = "$expr." + f.op;
  BsonDoc args = Sub(filter.get(), args_at.c_str());
  bson_iter_t it;
  ASSERT_TRUE(bson_iter_init(&it, args.get()));
  ASSERT_TRUE(bson_iter_next(&it));
  EXPECT_STREQ(bson_iter_key(&it), "input");
  EXPECT_STREQ(bson_iter_utf8(&it, nullptr), "$encryptedText");
  ASSERT_TRUE(bson_iter_next(&it));
  EXPECT_EQ(bson_iter_key(&it), f.operand);
  const std::string placeholder_at = f.operand + ".$encrypt";
  BsonDoc placeholder = Sub(args.get(), placeholder_at.c_str());
  bson_iter_t p;
  ASSERT_TRUE(bson_iter_init_find(&p, placeholder.get(), "queryType"));
  EXPECT_EQ(bson_iter_utf8(&p, nullptr), f.type);
  ASSERT_TRUE(bson_iter_init_find(&p, placeholder.get(), "value"));
  EXPECT_EQ(bson_iter_utf8(&p, nullptr), f.value);
  EXPECT_FALSE(bson_iter_next(&it));
}

TEST_P(TextSpec, ExplainsToTheSpecsFilterWithATextFindPayload) {
  const SpecFind& f = GetParam();
  if (std::string missing = MissingCapability(f); !missing.empty()) {
    GTEST_SKIP() << "linked with libmongocrypt " << GetCapabilities().libmongocrypt_version << ": "
                 << missing;
  }
  CompileOptions options;
  options.server_version = *ServerVersion::Parse(f.version);
  options.require_encryptable = true;
  CompileResult compiled = Query::Compile(LoadSchema(f), QueryText(f), options);
  ASSERT_TRUE(compiled.ok()) << FormatDiagnostics(compiled.diagnostics, QueryText(f), "query");
  TranslateResult t = compiled.query->Translate();
  ASSERT_TRUE(t.ok());
  EncryptorResult e =
      Encryptor::OpenOffline(Dir() + "keys/text-key.json", "@" + Dir() + "keys/local-master.key");
  ASSERT_TRUE(e.ok()) << (e.diagnostics.empty() ? "" : e.diagnostics[0].message);
  TranslateResult sent = e.encryptor->Explain(*t.translation);
  ASSERT_TRUE(sent.ok()) << (sent.diagnostics.empty() ? "" : sent.diagnostics[0].message);
  BsonDoc filter = FilterOf(*sent.translation);

  // The payload, then the spec's filter with it in the string's place.
  const std::string payload_at = "$expr." + f.op + "." + f.operand;
  bson_iter_t it, payload;
  ASSERT_TRUE(bson_iter_init(&it, filter.get()) &&
              bson_iter_find_descendant(&it, payload_at.c_str(), &payload));
  ASSERT_TRUE(BSON_ITER_HOLDS_BINARY(&payload));
  bson_subtype_t subtype;
  uint32_t len = 0;
  const uint8_t* data = nullptr;
  bson_iter_binary(&payload, &subtype, &len, &data);
  ASSERT_EQ(subtype, BSON_SUBTYPE_ENCRYPTED);
  ASSERT_GT(len, 1u);
  EXPECT_EQ(data[0], 18) << "FLE2FindTextPayload";
  BsonDoc expected;
  bson_t expr, op;
  BSON_APPEND_DOCUMENT_BEGIN(expected.get(), "$expr", &expr);
  bson_append_document_begin(&expr, f.op.c_str(), -1, &op);
  BSON_APPEND_UTF8(&op, "input", "$encryptedText");
  bson_append_binary(&op, f.operand.c_str(), -1, BSON_SUBTYPE_ENCRYPTED, data, len);
  bson_append_document_end(&expr, &op);
  bson_append_document_end(expected.get(), &expr);
  EXPECT_EQ(ToCanonicalJson(filter.get()), ToCanonicalJson(expected.get()));

  // What the payload was made from: contention 0 (cm), caseSensitive and diacriticSensitive true
  // (no folding: cf, df false), and the query lengths of the spec's index (lb, ub; mlen).
  BsonDoc body;
  ASSERT_TRUE(BsonDoc::FromBytes(data + 1, len - 1, &body));
  const char* block = f.operand == "prefix" ? "ps" : f.operand == "suffix" ? "fs" : "ss";
  const bool substring = f.operand == "substring";
  const std::string want = std::format(
      R"({{ "cm" : {{ "$numberLong" : "0" }}, "cf" : false, "df" : false, "{}" : {{ {}"ub" : {{ "$numberInt" : "{}" }}, "lb" : {{ "$numberInt" : "3" }} }} }})",
      block, substring ? R"("mlen" : { "$numberInt" : "20" }, )" : "", substring ? 6 : 30);
  BsonDoc without_tokens;
  bson_copy_to_excluding_noinit(body.get(), without_tokens.get(), "ts", nullptr);
  EXPECT_EQ(ToCanonicalJson(without_tokens.get()), want);
}

// A libmongocrypt that dropped the previews (1.21) cannot encrypt the 8.2 finds: explain refuses
// them before libmongocrypt is asked, naming the 9.0 type to declare instead.
TEST_P(TextSpec, PreviewsAreRefusedWhereLibmongocryptRemovedThem) {
  const SpecFind& f = GetParam();
  const Capabilities c = GetCapabilities();
  if (f.version != "8.2" || c.text_preview || !c.text) {
    GTEST_SKIP() << "libmongocrypt " << c.libmongocrypt_version << ", a " << f.version << " find";
  }
  CompileOptions options;
  options.server_version = *ServerVersion::Parse(f.version);
  options.require_encryptable = true;
  CompileResult compiled = Query::Compile(LoadSchema(f), QueryText(f), options);
  ASSERT_FALSE(compiled.ok());
  ASSERT_EQ(compiled.diagnostics.size(), 1u);
  EXPECT_EQ(compiled.diagnostics[0].code, "capability.text_preview_encryption");
  const std::string kind = f.type.substr(0, f.type.size() - std::string("Preview").size());
  EXPECT_NE(compiled.diagnostics[0].message.find("libmongocrypt 1.21 removed"), std::string::npos)
      << compiled.diagnostics[0].message;
  EXPECT_NE(compiled.diagnostics[0].message.find("'" + kind + "' (MongoDB 9.0)"), std::string::npos)
      << compiled.diagnostics[0].message;
}

std::string Name(const ::testing::TestParamInfo<SpecFind>& info) {
  std::string name = info.param.type + "_" + info.param.value;
  for (char& c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  }
  return name;
}

INSTANTIATE_TEST_SUITE_P(QeText, TextSpec, ::testing::ValuesIn(SpecFinds()), Name);

TEST(TextSpecData, HasTheSpecsFinds) {
  // Two finds (a match and a miss) in each of the six files.
  EXPECT_EQ(SpecFinds().size(), 12u);
}

}  // namespace
}  // namespace querysafe
