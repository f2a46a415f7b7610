// Golden tests for the query language: every tests/data/parse/*.test file is a
// list of cases
//
//   === case_name
//   <query, one or more lines>
//   ----
//   <the expected DebugString, or the expected diagnostics>
//
// Diagnostics are rendered as `[code] ` followed by FormatDiagnostic(), caret
// line included. Lines before the first `===` are the file's header comments.
//
// QUERYSAFE_UPDATE_GOLDEN=1 rewrites the expectations from the current output
// (then review every change by hand against Python and Django before committing
// it).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "lib/common/arena.h"
#include "lib/parse/ast.h"
#include "lib/parse/parse.h"
#include "querysafe/diagnostic.h"

namespace querysafe {
namespace {

struct GoldenCase {
  std::string file;  // stem, e.g. "methods"
  std::string name;
  int line = 0;
  std::string input;
  std::string expected;
  int input_lines = 0;
};

// Test names, not the whole struct, in gtest's and ctest's output.
void PrintTo(const GoldenCase& c, std::ostream* os) { *os << c.file << "/" << c.name; }

std::string DataDir() { return std::string(QUERYSAFE_TEST_DATA_DIR) + "/parse"; }

std::vector<std::string> GoldenFiles() {
  std::vector<std::string> files;
  for (const auto& entry : std::filesystem::directory_iterator(DataDir())) {
    if (entry.path().extension() == ".test") files.push_back(entry.path().string());
  }
  std::sort(files.begin(), files.end());
  return files;
}

std::string TrimTrailingNewlines(std::string s) {
  while (!s.empty() && s.back() == '\n') s.pop_back();
  return s;
}

// Parses one golden file; `header` gets the lines before the first case.
std::vector<GoldenCase> ReadGolden(const std::string& path, std::string* header = nullptr) {
  std::ifstream in(path);
  std::vector<GoldenCase> cases;
  const std::string stem = std::filesystem::path(path).stem().string();
  std::string line;
  int number = 0;
  enum { kHeader, kInput, kExpected } state = kHeader;
  while (std::getline(in, line)) {
    ++number;
    if (line.starts_with("=== ")) {
      cases.push_back({stem, line.substr(4), number, "", "", 0});
      state = kInput;
      continue;
    }
    if (state == kHeader) {
      if (header != nullptr) *header += line + "\n";
    } else if (state == kInput) {
      if (line == "----") {
        state = kExpected;
      } else {
        GoldenCase& c = cases.back();
        if (c.input_lines++ > 0) c.input += "\n";
        c.input += line;
      }
    } else {
      cases.back().expected += line + "\n";
    }
  }
  for (GoldenCase& c : cases) c.expected = TrimTrailingNewlines(c.expected);
  return cases;
}

// A case's input is its lines joined with "\n" (no lines: the empty query).
std::vector<GoldenCase> AllCases() {
  std::vector<GoldenCase> all;
  for (const std::string& file : GoldenFiles()) {
    std::vector<GoldenCase> cases = ReadGolden(file);
    all.insert(all.end(), cases.begin(), cases.end());
  }
  return all;
}

std::string Render(const std::string& input) {
  Arena arena;
  const ParseResult result = ParseQuery(input, ParseOptions{}, &arena);
  if (result.query != nullptr) return TrimTrailingNewlines(DebugString(*result.query));
  std::string out;
  for (const Diagnostic& d : result.diagnostics) {
    if (!out.empty()) out += "\n";
    out += "[" + d.code + "] " + FormatDiagnostic(d, input, "query");
  }
  return out;
}

class ParseGolden : public testing::TestWithParam<GoldenCase> {};

TEST_P(ParseGolden, MatchesExpectation) {
  const GoldenCase& c = GetParam();
  EXPECT_EQ(Render(c.input), c.expected)
      << DataDir() << "/" << c.file << ".test:" << c.line << ": " << c.name;
}

std::string CaseName(const testing::TestParamInfo<GoldenCase>& info) {
  std::string name = info.param.file + "_" + info.param.name;
  for (char& ch : name) {
    if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
  }
  return name;
}

INSTANTIATE_TEST_SUITE_P(Files, ParseGolden, testing::ValuesIn(AllCases()), CaseName);

TEST(ParseGoldenFiles, CaseNamesAreUnique) {
  std::map<std::string, int> seen;
  for (const GoldenCase& c : AllCases()) {
    EXPECT_EQ(++seen[c.file + "/" + c.name], 1) << "duplicate case " << c.file << "/" << c.name;
  }
  EXPECT_GT(seen.size(), 100u);
}

// What the golden ASTs contain, to check that the files cover the language.
struct Coverage {
  std::set<ast::Method> methods;
  std::set<ast::ExprKind> kinds;
  std::set<ast::Q::Op> q_ops;
  std::set<ast::Arith::Op> arith_ops;
  std::set<ast::AggregateFunc> aggregates;
  std::set<ast::Step::Kind> steps;
  std::set<ast::Query::Combine> combines;

  void Add(const ast::Query& query) {
    if (query.kind == ast::Query::Kind::kCombine) {
      combines.insert(query.combine);
      Add(*query.lhs);
      Add(*query.rhs);
      return;
    }
    for (const ast::Step& step : query.steps) {
      steps.insert(step.kind);
      if (step.kind == ast::Step::Kind::kCall) methods.insert(step.method);
      Add(step.condition);
      for (const ast::Arg& arg : step.args) Add(arg.value);
      for (const ast::Expr* e : {step.start, step.stop, step.step, step.index}) Add(e);
    }
  }

  void Add(const ast::Expr* e) {
    if (e == nullptr) return;
    kinds.insert(e->kind);
    switch (e->kind) {
      case ast::ExprKind::kList:
        for (const ast::Expr* item : e->Cast<ast::ListLit>().items) Add(item);
        break;
      case ast::ExprKind::kTuple:
        for (const ast::Expr* item : e->Cast<ast::TupleLit>().items) Add(item);
        break;
      case ast::ExprKind::kDict:
        for (const ast::DictEntry& entry : e->Cast<ast::DictLit>().entries) {
          Add(entry.key);
          Add(entry.value);
        }
        break;
      case ast::ExprKind::kLookup:
        Add(e->Cast<ast::Lookup>().value);
        break;
      case ast::ExprKind::kQ:
        q_ops.insert(e->Cast<ast::Q>().op);
        for (const ast::Expr* child : e->Cast<ast::Q>().children) Add(child);
        break;
      case ast::ExprKind::kAggregate:
        aggregates.insert(e->Cast<ast::Aggregate>().func);
        for (const ast::Expr* arg : e->Cast<ast::Aggregate>().args) Add(arg);
        for (const ast::Kwarg& kw : e->Cast<ast::Aggregate>().kwargs) Add(kw.value);
        break;
      case ast::ExprKind::kArith:
        arith_ops.insert(e->Cast<ast::Arith>().op);
        Add(e->Cast<ast::Arith>().lhs);
        Add(e->Cast<ast::Arith>().rhs);
        break;
      case ast::ExprKind::kNeg:
        Add(e->Cast<ast::Neg>().operand);
        break;
      case ast::ExprKind::kQuerySet:
        Add(*e->Cast<ast::QuerySetExpr>().query);
        break;
      default:
        break;
    }
  }
};

Coverage GoldenCoverage() {
  Coverage coverage;
  for (const GoldenCase& c : AllCases()) {
    Arena arena;
    const ParseResult result = ParseQuery(c.input, ParseOptions{}, &arena);
    if (result.query != nullptr) coverage.Add(*result.query);
  }
  return coverage;
}

// Every enumerator from `first` to `last` is in `seen`.
template <typename Enum>
std::vector<int> Missing(const std::set<Enum>& seen, Enum first, Enum last) {
  std::vector<int> missing;
  for (int i = static_cast<int>(first); i <= static_cast<int>(last); ++i) {
    if (!seen.contains(static_cast<Enum>(i))) missing.push_back(i);
  }
  return missing;
}

TEST(ParseGoldenFiles, CoverEveryMethod) {
  const Coverage coverage = GoldenCoverage();
  for (const int i : Missing(coverage.methods, ast::Method::kAll, ast::Method::kUsing)) {
    ADD_FAILURE() << "no golden case calls " << ast::MethodName(static_cast<ast::Method>(i));
  }
}

TEST(ParseGoldenFiles, CoverEveryNodeAndOperator) {
  const Coverage coverage = GoldenCoverage();
  EXPECT_THAT(Missing(coverage.kinds, ast::ExprKind::kNone, ast::ExprKind::kQuerySet),
              testing::IsEmpty())
      << "ExprKind values without a golden case";
  EXPECT_THAT(Missing(coverage.q_ops, ast::Q::Op::kAnd, ast::Q::Op::kNot), testing::IsEmpty());
  EXPECT_THAT(Missing(coverage.arith_ops, ast::Arith::Op::kAdd, ast::Arith::Op::kMod),
              testing::IsEmpty());
  EXPECT_THAT(
      Missing(coverage.aggregates, ast::AggregateFunc::kCount, ast::AggregateFunc::kVariance),
      testing::IsEmpty());
  EXPECT_THAT(Missing(coverage.steps, ast::Step::Kind::kCall, ast::Step::Kind::kIndex),
              testing::IsEmpty());
  EXPECT_THAT(Missing(coverage.combines, ast::Query::Combine::kOr, ast::Query::Combine::kXor),
              testing::IsEmpty());
}

// Every diagnostic code the grammar and lib/parse can produce (found in their
// sources) has a golden case, or is one of the few that need inputs no golden
// file should hold (megabytes, NUL bytes, invalid UTF-8, memory exhaustion);
// those have C++ tests, named here.
TEST(ParseGoldenFiles, CoverEveryDiagnosticCode) {
  const std::map<std::string, std::string> elsewhere = {
      {"syntax.input_too_large", "ParseLimits.InputLargerThanTheLimit..."},
      {"syntax.invalid_utf8", "ParseLimits.InvalidUtf8IsRejected..."},
      {"syntax.nul_byte", "ParseLimits.NulBytesAreRejected..."},
      {"syntax.too_large", "ParseLimits.HundredThousandOrChainIsTooLarge..."},
      {"parse.literal_too_large", "ParseLimits.LiteralSizeIsLimited"},
      {"syntax.resource_exhausted", "std::bad_alloc only"},
  };
  std::set<std::string> golden;
  const std::regex code_in_golden(R"(^\[((syntax|parse)\.[a-z0-9_]+)\])");
  for (const GoldenCase& c : AllCases()) {
    std::istringstream lines(c.expected);
    std::string line;
    std::smatch m;
    while (std::getline(lines, line)) {
      if (std::regex_search(line, m, code_in_golden)) golden.insert(m[1]);
    }
  }
  const std::string root = std::string(QUERYSAFE_TEST_DATA_DIR) + "/../..";
  const std::regex code_in_source(R"re("((syntax|parse)\.[a-z0-9_]+)")re");
  std::set<std::string> produced;
  for (const char* dir : {"grammar", "lib/parse"}) {
    for (const auto& entry : std::filesystem::directory_iterator(root + "/" + dir)) {
      std::ifstream in(entry.path());
      const std::string text((std::istreambuf_iterator<char>(in)),
                             std::istreambuf_iterator<char>());
      for (std::sregex_iterator it(text.begin(), text.end(), code_in_source);
           it != std::sregex_iterator(); ++it) {
        produced.insert((*it)[1]);
      }
    }
  }
  EXPECT_GT(produced.size(), 30u);
  for (const std::string& code : produced) {
    EXPECT_TRUE(golden.contains(code) || elsewhere.contains(code))
        << "no golden case produces " << code;
  }
  for (const auto& [code, test] : elsewhere) {
    EXPECT_TRUE(produced.contains(code)) << "stale entry " << code;
  }
}

// Not a test of the parser: regenerates the files when asked to.
TEST(ParseGoldenFiles, UpdateWhenRequested) {
  const char* update = std::getenv("QUERYSAFE_UPDATE_GOLDEN");
  if (update == nullptr || std::string(update) != "1")
    GTEST_SKIP() << "set QUERYSAFE_UPDATE_GOLDEN=1";
  for (const std::string& file : GoldenFiles()) {
    std::string header;
    const std::vector<GoldenCase> cases = ReadGolden(file, &header);
    std::ostringstream out;
    out << header;
    for (const GoldenCase& c : cases) {
      out << "=== " << c.name << "\n"
          << c.input << (c.input_lines > 0 ? "\n" : "") << "----\n"
          << Render(c.input) << "\n\n";
    }
    std::string text = out.str();
    text = TrimTrailingNewlines(text) + "\n";
    std::ofstream(file) << text;
  }
}

}  // namespace
}  // namespace querysafe
