// Runs the analyzer on query text against a schema (one of the conformance schemas in
// tests/data/conformance/schemas, or JSON given inline), for tests that look at the bound tree or
// at the diagnostics one rule produces.
#ifndef QUERYSAFE_TESTS_ANALYZE_ANALYZE_FIXTURE_H_
#define QUERYSAFE_TESTS_ANALYZE_ANALYZE_FIXTURE_H_

#include <gtest/gtest.h>

#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <string_view>

#include "lib/analyze/analyze.h"
#include "lib/common/arena.h"
#include "lib/parse/parse.h"
#include "querysafe/diagnostic.h"
#include "querysafe/schema.h"

namespace querysafe::analyze::testing {

inline std::string ReadTestData(const std::string& relative) {
  std::ifstream in(std::string(QUERYSAFE_TEST_DATA_DIR) + "/" + relative, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline std::shared_ptr<Schema> LoadSchemaJson(std::string_view json) {
  SchemaResult r = Schema::FromJson(json);
  EXPECT_TRUE(r.ok()) << FormatDiagnostics(r.diagnostics, json, "schema");
  if (!r.ok()) return nullptr;
  return std::make_shared<Schema>(*r.schema);
}

inline std::shared_ptr<Schema> ConformanceSchema(const std::string& name) {
  return LoadSchemaJson(ReadTestData("conformance/schemas/" + name + ".json"));
}

// One analysis: owns the arena the bound tree lives in.
struct Analysis {
  Arena arena;
  const bound::Query* query = nullptr;
  Diagnostics diagnostics;
  std::string text;

  bool ok() const { return query != nullptr; }
  // The only diagnostic's code ("" unless there is exactly one).
  std::string code() const { return diagnostics.size() == 1 ? diagnostics[0].code : ""; }
  const Diagnostic& first() const { return diagnostics.at(0); }
  // The query text the first diagnostic's span covers.
  std::string_view spanned() const {
    const Span s = diagnostics.at(0).span;
    return std::string_view(text).substr(s.begin, s.end - s.begin);
  }
};

inline std::unique_ptr<Analysis> Analyze(const Schema& schema, std::string_view text,
                                         ServerVersion version = {8, 0}) {
  auto a = std::make_unique<Analysis>();
  a->text = std::string(text);
  ParseResult parsed = ParseQuery(a->text, ParseOptions{}, &a->arena);
  if (parsed.query == nullptr) {
    a->diagnostics = std::move(parsed.diagnostics);
    ADD_FAILURE() << "parse failed: " << FormatDiagnostics(a->diagnostics, a->text, "query");
    return a;
  }
  AnalyzeOptions options;
  options.server_version = version;
  AnalyzeResult r = analyze::Analyze(*parsed.query, schema.impl(), options, &a->arena);
  a->query = r.query;
  a->diagnostics = std::move(r.diagnostics);
  return a;
}

}  // namespace querysafe::analyze::testing

#endif  // QUERYSAFE_TESTS_ANALYZE_ANALYZE_FIXTURE_H_
