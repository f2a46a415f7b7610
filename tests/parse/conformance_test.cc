// Every query of the shared conformance cases through the parser: the ones
// whose expected category is SyntaxError must be rejected (with SyntaxError
// diagnostics), all others must parse. (Whether they are then accepted is for
// later stages.)
#include <gtest/gtest.h>

#include <fstream>
#include <string>
#include <vector>

#include "lib/common/arena.h"
#include "lib/common/bson_util.h"
#include "lib/parse/parse.h"

namespace querysafe {
namespace {

struct ConformanceCase {
  std::string id;
  std::string query;
  bool syntax_error = false;
};

std::vector<ConformanceCase> LoadCases() {
  std::ifstream in(std::string(QUERYSAFE_TEST_DATA_DIR) + "/conformance/cases.jsonl");
  std::vector<ConformanceCase> cases;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    BsonDoc doc;
    bson_error_t error;
    if (!BsonDoc::FromJson(line, &doc, &error)) {
      ADD_FAILURE() << error.message << ": " << line;
      continue;
    }
    ConformanceCase c;
    bson_iter_t it;
    if (bson_iter_init_find(&it, doc.get(), "id")) c.id = bson_iter_utf8(&it, nullptr);
    if (bson_iter_init_find(&it, doc.get(), "query")) {
      uint32_t len;
      const char* s = bson_iter_utf8(&it, &len);
      c.query.assign(s, len);
    }
    bson_iter_t category;
    if (bson_iter_init(&it, doc.get()) &&
        bson_iter_find_descendant(&it, "expect.category", &category) &&
        BSON_ITER_HOLDS_UTF8(&category)) {
      c.syntax_error = std::string_view(bson_iter_utf8(&category, nullptr)) == "SyntaxError";
    }
    cases.push_back(std::move(c));
  }
  return cases;
}

TEST(Conformance, EveryCaseParsesUnlessItIsASyntaxError) {
  const std::vector<ConformanceCase> cases = LoadCases();
  ASSERT_GE(cases.size(), 30u);
  int syntax_errors = 0;
  for (const ConformanceCase& c : cases) {
    Arena arena;
    const ParseResult r = ParseQuery(c.query, {}, &arena);
    if (c.syntax_error) {
      ++syntax_errors;
      EXPECT_EQ(r.query, nullptr) << c.id << ": " << c.query;
      ASSERT_FALSE(r.diagnostics.empty()) << c.id;
      EXPECT_EQ(r.diagnostics[0].category, Category::kSyntaxError) << c.id;
    } else {
      EXPECT_NE(r.query, nullptr) << c.id << ": " << c.query << "\n"
                                  << FormatDiagnostics(r.diagnostics, c.query, "query");
    }
  }
  EXPECT_GE(syntax_errors, 2);
}

}  // namespace
}  // namespace querysafe
