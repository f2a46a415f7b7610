// `querysafe parse`, run as a separate process: the exit-code contract of
// tools/cli.h (0 accepted, 1 rejected, 2 usage) and what goes to which stream.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/cli/cli_runner.h"

namespace querysafe::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::StartsWith;

// Runs `querysafe parse ARGS...`, with `input` on standard input.
Outcome Parse(std::vector<std::string> args, const std::string& input = "") {
  args.insert(args.begin(), "parse");
  return RunCli(args, input);
}

constexpr char kSimple[] = "Patient.objects.filter(ssn=\"987-65-4320\")";

TEST(CliParse, PrintsTheAstAndExitsZero) {
  const Outcome run = Parse({kSimple});
  EXPECT_EQ(run.exit_code, 0);
  EXPECT_EQ(run.out,
            "query Patient.objects @0:41 model@0:7 manager@8:15\n"
            "  filter @16:41 name@16:22\n"
            "    Q and @22:41\n"
            "      lookup ssn @23:40 key@23:26 parts=[ssn@23:26]\n"
            "        str \"987-65-4320\" @27:40\n");
  EXPECT_THAT(run.err, IsEmpty());
}

TEST(CliParse, PrintsJsonWhenAsked) {
  const Outcome run = Parse({kSimple, "--format", "json"});
  EXPECT_EQ(run.exit_code, 0);
  EXPECT_THAT(run.out, StartsWith("{\"kind\":"));
  EXPECT_THAT(run.out, HasSubstr("\"987-65-4320\""));
  EXPECT_THAT(run.err, IsEmpty());
}

TEST(CliParse, ReadsTheQueryFromStandardInput) {
  const Outcome run = Parse({"-"}, std::string(kSimple) + "\n");
  EXPECT_EQ(run.exit_code, 0);
  EXPECT_THAT(run.out, StartsWith("query Patient.objects @0:41"));
}

TEST(CliParse, RejectsWithACaretOnStderrAndExitsOne) {
  const Outcome run = Parse({"Patient.objects.filter(ssn=1"});
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_THAT(run.out, IsEmpty());
  EXPECT_EQ(run.err,
            "query:1:29: SyntaxError: expected ')' to close 'filter(' opened "
            "at 1:23\n"
            "  Patient.objects.filter(ssn=1\n"
            "                              ^\n");
}

TEST(CliParse, RejectsWithJsonErrorsOnStdout) {
  const Outcome run = Parse({"Patient.objects.fliter(ssn=1)", "--format=json"});
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_THAT(run.out, StartsWith("{\"errors\":["));
  EXPECT_THAT(run.out, HasSubstr("parse.unknown_method"));
  EXPECT_THAT(run.out, HasSubstr("did you mean 'filter'"));
  EXPECT_THAT(run.err, HasSubstr("fliter"));
}

TEST(CliParse, UsageErrorsExitTwo) {
  for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{
           {},
           {kSimple, "--format", "xml"},
           {kSimple, "--no-such-option"},
           {kSimple, "extra"},
       }) {
    const Outcome run = Parse(args);
    EXPECT_EQ(run.exit_code, 2) << ::testing::PrintToString(args);
    EXPECT_THAT(run.err, StartsWith("querysafe parse: ")) << ::testing::PrintToString(args);
    EXPECT_THAT(run.out, IsEmpty());
  }
}

TEST(CliParse, HelpExitsZero) {
  const Outcome run = Parse({"--help"});
  EXPECT_EQ(run.exit_code, 0);
  EXPECT_THAT(run.out, HasSubstr("--format"));
}

}  // namespace
}  // namespace querysafe::testing
