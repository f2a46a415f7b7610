// Every finding of the fuzzers stays fixed: tests/data/regression/<target>/<name> is the input
// that broke something (the minimized reproducer, byte for byte) and <name>.expected what each
// stage of the target must now do with it (the outcome summary of fuzz/targets.h, e.g.
// "medical 8.0: compile rejected qe.range_out_of_bounds"). The target also re-checks all of its
// invariants, and aborts the test if one breaks again. The same bytes must be in the fuzzer's
// corpus as fuzz/corpora/<target>/repro-<name>, so fuzzing keeps mutating around the bug.
//
// QUERYSAFE_UPDATE_GOLDEN=1 rewrites the .expected files from the current outcomes (read every
// change before committing it).
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "fuzz/targets.h"

namespace querysafe {
namespace {

namespace fs = std::filesystem;

struct Case {
  std::string target;
  std::string name;
  fs::path input;
};

void PrintTo(const Case& c, std::ostream* os) { *os << c.target << "/" << c.name; }

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<Case> Cases() {
  std::vector<Case> cases;
  const fs::path root = fs::path(QUERYSAFE_TEST_DATA_DIR) / "regression";
  if (!fs::is_directory(root)) {
    ADD_FAILURE() << root << " is missing";
    return cases;
  }
  for (const auto& dir : fs::directory_iterator(root)) {
    if (!dir.is_directory()) continue;
    for (const auto& file : fs::directory_iterator(dir.path())) {
      if (file.path().extension() == ".expected") continue;
      cases.push_back(
          {dir.path().filename().string(), file.path().filename().string(), file.path()});
    }
  }
  std::sort(cases.begin(), cases.end(),
            [](const Case& a, const Case& b) { return a.input < b.input; });
  return cases;
}

class FuzzRegression : public ::testing::TestWithParam<Case> {};

TEST_P(FuzzRegression, KeepsItsOutcome) {
  const Case& c = GetParam();
  fuzzing::TargetFunction target = fuzzing::FindTarget(c.target);
  ASSERT_NE(target, nullptr) << "tests/data/regression/" << c.target
                             << ": not a fuzz target (parse, pipeline, schema)";
  const std::string input = ReadFile(c.input);
  std::string outcome;
  target(input, &outcome);

  fs::path expected_path = c.input;
  expected_path += ".expected";
  const char* update = std::getenv("QUERYSAFE_UPDATE_GOLDEN");
  if (update != nullptr && std::string(update) == "1") {
    std::ofstream(expected_path, std::ios::binary) << outcome;
  }
  ASSERT_TRUE(fs::exists(expected_path)) << expected_path << " is missing";
  EXPECT_EQ(outcome, ReadFile(expected_path)) << "input: " << c.input;

  const fs::path corpus_copy =
      fs::path(QUERYSAFE_FUZZ_CORPORA_DIR) / c.target / ("repro-" + c.name);
  ASSERT_TRUE(fs::exists(corpus_copy)) << "add the reproducer to the corpus as " << corpus_copy;
  EXPECT_EQ(ReadFile(corpus_copy), input) << corpus_copy << " differs from " << c.input;
}

// The gtest name of a case: <target>_<name>, punctuation turned into '_'.
std::string CaseName(const ::testing::TestParamInfo<Case>& info) {
  std::string name = info.param.target + "_" + info.param.name;
  for (char& ch : name) {
    if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
  }
  return name;
}

INSTANTIATE_TEST_SUITE_P(Findings, FuzzRegression, ::testing::ValuesIn(Cases()), CaseName);

}  // namespace
}  // namespace querysafe
