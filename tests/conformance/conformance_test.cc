// The conformance cases (tests/data/conformance/*.jsonl): a query on one of the seed schemas and
// either "accept" (optionally with the plaintext filter it must lower to) or the diagnostic that
// must come out (category and a fragment of the documented message). cases.jsonl is the shared
// sample; more_cases.jsonl grows it.

#include <bson/bson.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "lib/common/bson_array.h"
#include "lib/common/bson_util.h"
#include "querysafe/diagnostic.h"
#include "querysafe/query.h"
#include "querysafe/schema.h"

namespace querysafe {
namespace {

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string DataDir() { return std::string(QUERYSAFE_TEST_DATA_DIR) + "/conformance/"; }

std::string NormalizedJson(const bson_t* doc);

struct Case {
  std::string file;
  int line = 0;
  std::string id;
  std::string schema;
  std::string query;
  std::string server_version;
  bool accept = false;
  std::string category;
  std::string message_contains;
  std::string filter_json;  // canonical Extended JSON, or empty
};

std::string Utf8At(const bson_t* doc, const char* key) {
  bson_iter_t it;
  if (!bson_iter_init_find(&it, doc, key) || !BSON_ITER_HOLDS_UTF8(&it)) return "";
  return bson_iter_utf8(&it, nullptr);
}

std::vector<Case> LoadCases() {
  std::vector<Case> cases;
  for (const char* file : {"cases.jsonl", "more_cases.jsonl"}) {
    std::istringstream lines(ReadFile(DataDir() + file));
    std::string line;
    int number = 0;
    while (std::getline(lines, line)) {
      ++number;
      if (line.empty() || line[0] == '#') continue;
      BsonDoc doc;
      bson_error_t error;
      if (!BsonDoc::FromJson(line, &doc, &error)) {
        ADD_FAILURE() << file << ":" << number << ": " << error.message;
        continue;
      }
      Case c;
      c.file = file;
      c.line = number;
      c.id = Utf8At(doc.get(), "id");
      c.schema = Utf8At(doc.get(), "schema");
      c.query = Utf8At(doc.get(), "query");
      c.server_version = Utf8At(doc.get(), "server_version");
      bson_iter_t it;
      if (bson_iter_init_find(&it, doc.get(), "expect") && BSON_ITER_HOLDS_UTF8(&it)) {
        c.accept = std::string(bson_iter_utf8(&it, nullptr)) == "accept";
      } else if (bson_iter_init_find(&it, doc.get(), "expect") && BSON_ITER_HOLDS_DOCUMENT(&it)) {
        uint32_t len;
        const uint8_t* data;
        bson_iter_document(&it, &len, &data);
        bson_t expect;
        bson_init_static(&expect, data, len);
        c.category = Utf8At(&expect, "category");
        c.message_contains = Utf8At(&expect, "message_contains");
      }
      if (bson_iter_init_find(&it, doc.get(), "filter") && BSON_ITER_HOLDS_DOCUMENT(&it)) {
        uint32_t len;
        const uint8_t* data;
        bson_iter_document(&it, &len, &data);
        bson_t filter;
        bson_init_static(&filter, data, len);
        c.filter_json = NormalizedJson(&filter);
      }
      cases.push_back(c);
    }
  }
  return cases;
}

const Schema& SchemaNamed(const std::string& name) {
  static std::map<std::string, Schema>* schemas = new std::map<std::string, Schema>();
  auto it = schemas->find(name);
  if (it == schemas->end()) {
    SchemaResult r = Schema::FromJson(ReadFile(DataDir() + "schemas/" + name + ".json"));
    EXPECT_TRUE(r.ok()) << name << ": " << FormatDiagnostics(r.diagnostics, "", name);
    it = schemas->emplace(name, *r.schema).first;
  }
  return it->second;
}

// Rewrites BSON regex values ({field: /p/o}) as {field: {$regex: p, $options: o}}: the two
// forms match the same documents, and libbson reads `{"$regex": ..., "$options": ...}` in a
// case's JSON as a regex value.
void NormalizeRegexes(const bson_t* in, bson_t* out) {
  bson_iter_t it;
  if (!bson_iter_init(&it, in)) return;
  while (bson_iter_next(&it)) {
    const char* key = bson_iter_key(&it);
    if (BSON_ITER_HOLDS_REGEX(&it)) {
      const char* options;
      const char* pattern = bson_iter_regex(&it, &options);
      bson_t op;
      bson_append_document_begin(out, key, -1, &op);
      BSON_APPEND_UTF8(&op, "$regex", pattern);
      if (options != nullptr && options[0] != '\0') BSON_APPEND_UTF8(&op, "$options", options);
      bson_append_document_end(out, &op);
    } else if (BSON_ITER_HOLDS_DOCUMENT(&it) || BSON_ITER_HOLDS_ARRAY(&it)) {
      uint32_t len;
      const uint8_t* data;
      const bool array = BSON_ITER_HOLDS_ARRAY(&it);
      if (array) {
        bson_iter_array(&it, &len, &data);
      } else {
        bson_iter_document(&it, &len, &data);
      }
      bson_t child_in, child_out;
      bson_init_static(&child_in, data, len);
      if (array) {
        querysafe::AppendArrayBegin(out, key, -1, &child_out);
        NormalizeRegexes(&child_in, &child_out);
        bson_append_array_end(out, &child_out);
      } else {
        bson_append_document_begin(out, key, -1, &child_out);
        NormalizeRegexes(&child_in, &child_out);
        bson_append_document_end(out, &child_out);
      }
    } else {
      bson_append_iter(out, key, -1, &it);
    }
  }
}

std::string NormalizedJson(const bson_t* doc) {
  BsonDoc out;
  NormalizeRegexes(doc, out.get());
  return ToCanonicalJson(out.get());
}

// The filter of a translated command: find's filter, count's query, or the pipeline's $match.
std::string FilterOf(const bson_t* command) {
  bson_iter_t it, child;
  for (const char* key : {"filter", "query"}) {
    if (bson_iter_init_find(&it, command, key) && BSON_ITER_HOLDS_DOCUMENT(&it)) {
      uint32_t len;
      const uint8_t* data;
      bson_iter_document(&it, &len, &data);
      bson_t doc;
      bson_init_static(&doc, data, len);
      return NormalizedJson(&doc);
    }
  }
  if (bson_iter_init(&it, command) && bson_iter_find_descendant(&it, "pipeline.0.$match", &child) &&
      BSON_ITER_HOLDS_DOCUMENT(&child)) {
    uint32_t len;
    const uint8_t* data;
    bson_iter_document(&child, &len, &data);
    bson_t doc;
    bson_init_static(&doc, data, len);
    return NormalizedJson(&doc);
  }
  return "";
}

class Conformance : public ::testing::TestWithParam<Case> {};

TEST_P(Conformance, MatchesExpectation) {
  const Case& c = GetParam();
  SCOPED_TRACE(c.file + ":" + std::to_string(c.line) + " " + c.query);
  CompileOptions options;
  if (!c.server_version.empty()) {
    std::optional<ServerVersion> v = ServerVersion::Parse(c.server_version);
    ASSERT_TRUE(v.has_value());
    options.server_version = *v;
  }
  CompileResult compiled = Query::Compile(SchemaNamed(c.schema), c.query, options);
  Diagnostics diagnostics = compiled.diagnostics;
  std::optional<Translation> translation;
  if (compiled.ok()) {
    TranslateResult t = compiled.query->Translate();
    diagnostics = t.diagnostics;
    translation = t.translation;
  }
  if (c.accept) {
    ASSERT_TRUE(translation.has_value()) << FormatDiagnostics(diagnostics, c.query, "query");
    if (!c.filter_json.empty()) {
      EXPECT_EQ(FilterOf(translation->command()), c.filter_json) << translation->ToJson();
    }
    return;
  }
  ASSERT_FALSE(translation.has_value()) << "accepted: " << translation->ToJson();
  bool found = false;
  for (const Diagnostic& d : diagnostics) {
    found = found || (CategoryName(d.category) == c.category &&
                      d.message.find(c.message_contains) != std::string::npos);
  }
  EXPECT_TRUE(found) << "expected " << c.category << " containing \"" << c.message_contains
                     << "\", got:\n"
                     << FormatDiagnostics(diagnostics, c.query, "query");
}

std::string CaseName(const ::testing::TestParamInfo<Case>& info) {
  std::string name = info.param.id.empty() ? std::to_string(info.index) : info.param.id;
  for (char& ch : name) {
    if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
  }
  return name;
}

INSTANTIATE_TEST_SUITE_P(Cases, Conformance, ::testing::ValuesIn(LoadCases()), CaseName);

}  // namespace
}  // namespace querysafe
