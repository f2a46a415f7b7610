// Usage errors in querysafe's own words (tools/usage.h): every wrong invocation in the table below
// exits 2 with querysafe's message and the command's usage line, nothing on stdout, and none of
// Boost.Program_options' or libbson's own phrasing. `querysafe help [COMMAND]` and the README's
// command table agree with each command's --help.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "tests/cli/cli_runner.h"

namespace querysafe::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

const std::string kExamples = QUERYSAFE_EXAMPLES_DIR;
const std::string kSchema = kExamples + "/medical-records/schema.json";
const std::string kVault = kExamples + "/keys/vault.json";
constexpr char kQuery[] = "Patient.objects.get(patient_record__ssn=\"987-65-4320\")";

struct WrongCall {
  std::vector<std::string> args;
  std::string says;   // a part of querysafe's message
  std::string usage;  // the usage line's start
};

void PrintTo(const WrongCall& c, std::ostream* os) {
  for (const std::string& a : c.args) *os << a << " ";
}

std::vector<WrongCall> WrongCalls() {
  const std::string s = kSchema, q = kQuery;
  return {
      {{}, "", "usage: querysafe COMMAND"},
      {{"tranlate", q},
       "unknown command 'tranlate'; did you mean 'translate'?",
       "usage: querysafe COMMAND"},
      {{"help", "tranlate"}, "unknown command 'tranlate'", "usage: querysafe COMMAND"},
      {{"translate", "--schema", s}, "missing the QUERY argument", "usage: querysafe translate"},
      {{"translate", q},
       "missing --schema, which this command needs",
       "usage: querysafe translate"},
      {{"translate", "--shcema", s, q},
       "unknown option '--shcema'; did you mean '--schema'?",
       "usage: querysafe translate"},
      {{"translate", q, "--schema"}, "--schema needs a value", "usage: querysafe translate"},
      {{"translate", "--schema", s, "--schema", s, q},
       "--schema is given more than once",
       "usage: querysafe translate"},
      {{"translate", "--schema", s, "--format", "xml", q},
       "--format is json or text",
       "usage: querysafe translate"},
      {{"translate", "--schema", s, "--params", "{bad", q},
       "--params is not valid JSON: unexpected 'b' at character 2",
       "usage: querysafe translate"},
      {{"translate", "--schema", s, "--server-version", "eight", q},
       "--server-version must look like 8.0",
       "usage: querysafe translate"},
      {{"translate", "--schema", s, q, "extra"},
       "too many arguments",
       "usage: querysafe translate"},
      {{"translate", "--schema", s, "--time-zone", "Mars/Olympus", q},
       "--time-zone",
       "usage: querysafe translate"},
      {{"explain", "--schema", s, "--key-vault", kVault, q},
       "the local master key is required",
       "usage: querysafe explain"},
      {{"parse"}, "missing the QUERY argument", "usage: querysafe parse"},
      {{"parse", "--fromat", "json", q}, "did you mean '--format'?", "usage: querysafe parse"},
      {{"version", "--format", "yaml"}, "--format is text or json", "usage: querysafe version"},
      {{"version", "extra"}, "takes no arguments besides its options", "usage: querysafe version"},
      {{"schema", "schema.json"},
       "run 'querysafe schema check --schema schema.json'",
       "usage: querysafe schema"},
      {{"schema", "chek", "--schema", s}, "did you mean 'check'?", "usage: querysafe schema"},
      {{"schema", "check"},
       "missing --schema, which this command needs",
       "usage: querysafe schema"},
      {{"keys"}, "missing the subcommand", "usage: querysafe keys"},
      {{"keys", "craete"}, "did you mean 'create'?", "usage: querysafe keys"},
      {{"keys", "list", "--key-valt", kVault},
       "did you mean '--key-vault'?",
       "usage: querysafe keys"},
      {{"check", "--schema", s, "--params", "{}", "--params-file", s},
       "give either --params or --params-file, not both",
       "usage: querysafe check"},
      {{"run", "--schema", s, q},
       "missing --uri, which this command needs",
       "usage: querysafe run"},
      {{"run", "--uri", "mongodb://127.0.0.1:1/"},
       "missing the QUERY argument",
       "usage: querysafe run"},
      {{"migrate", "--schema", s},
       "missing --uri, which this command needs",
       "usage: querysafe migrate"},
      {{"insert", "--schema", s, "--uri", "mongodb://127.0.0.1:1/", "Patient"},
       "expected the MODEL and JSON arguments, got 1",
       "usage: querysafe insert"},
  };
}

class UsageError : public ::testing::TestWithParam<WrongCall> {};

TEST_P(UsageError, SaysWhatIsWrongWithTheUsageLineAndExits2) {
  const WrongCall& c = GetParam();
  const Outcome run = RunCli(c.args);
  EXPECT_EQ(run.exit_code, 2) << run.err;
  EXPECT_THAT(run.out, IsEmpty());
  EXPECT_THAT(run.err, HasSubstr(c.says));
  EXPECT_THAT(run.err, HasSubstr(c.usage));
  // Boost's and libbson's own words never reach the user.
  for (const char* foreign : {"the option '", "is required but missing", "unrecognised option",
                              "SPECIAL_EXPECTED", "Got parse error", "too many positional"}) {
    EXPECT_THAT(run.err, Not(HasSubstr(foreign))) << foreign;
  }
}

INSTANTIATE_TEST_SUITE_P(Table, UsageError, ::testing::ValuesIn(WrongCalls()));

TEST(UsageErrors, TableHasAtLeastFifteenInvocations) { EXPECT_GE(WrongCalls().size(), 15u); }

TEST(UsageErrors, AFlagValueIsNeverRepeated) {
  const Outcome run =
      RunCli({"translate", "--kms-local-key=c2VjcmV0", "--schema", kSchema, kQuery});
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_THAT(run.err, HasSubstr("unknown option '--kms-local-key'"));
  EXPECT_THAT(run.err, Not(HasSubstr("c2VjcmV0")));
}

TEST(Help, ListsEveryCommandAndTheExitCodes) {
  const Outcome run = RunCli({"help"});
  EXPECT_EQ(run.exit_code, 0);
  for (const char* command : {"translate", "explain", "check", "parse", "schema", "keys", "migrate",
                              "run", "insert", "version"}) {
    EXPECT_THAT(run.out, HasSubstr(std::string("  ") + command + " ")) << command;
  }
  EXPECT_THAT(run.out, HasSubstr("Exit codes: 0 accepted, 1"));
  const Outcome help_help = RunCli({"help", "help"});
  EXPECT_EQ(help_help.exit_code, 0);
  EXPECT_EQ(help_help.out, run.out);
}

TEST(Help, HelpCommandIsTheCommandsOwnHelp) {
  for (const char* command : {"translate", "explain", "check", "parse", "run", "version"}) {
    const Outcome help = RunCli({"help", command});
    const Outcome flag = RunCli({command, "--help"});
    EXPECT_EQ(help.exit_code, 0) << command;
    EXPECT_EQ(help.out, flag.out) << command;
    EXPECT_THAT(help.out, HasSubstr("--help")) << command;
  }
}

// The README's table of commands (the rows of "## The `querysafe` command"): each row's command
// exists, and every --flag the row shows is in that command's --help (or its subcommands').
TEST(Help, ReadmeCommandTableAgreesWithEachCommandsHelp) {
  const std::string readme = Slurp(kExamples + "/../README.md");
  const size_t section = readme.find("## The `querysafe` command");
  ASSERT_NE(section, std::string::npos);
  const size_t end = readme.find("\n## ", section + 1);
  std::istringstream lines(readme.substr(section, end - section));
  const std::regex row(R"(^\| `([a-z-]+)([^|]*(?:\\\|[^|]*)*)\|)");
  const std::regex flag(R"(--[a-z][a-z-]*)");
  const std::regex word(R"([a-z][a-z-]+)");
  const std::set<std::string> subcommands = {"check", "encrypted-fields", "new-master-key",
                                             "create", "list"};
  std::set<std::string> documented;
  std::string line;
  while (std::getline(lines, line)) {
    std::smatch m;
    if (!std::regex_search(line, m, row)) continue;
    const std::string command = m[1], rest = m[2];
    documented.insert(command);
    std::string help = RunCli({"help", command}).out;
    for (std::sregex_iterator it(rest.begin(), rest.end(), word), last; it != last; ++it) {
      if (subcommands.contains(it->str())) help += RunCli({command, it->str(), "--help"}).out;
    }
    ASSERT_FALSE(help.empty()) << command;
    for (std::sregex_iterator it(rest.begin(), rest.end(), flag), last; it != last; ++it) {
      EXPECT_THAT(help, HasSubstr(it->str())) << "README row of '" << command << "'";
    }
  }
  const std::string listed = RunCli({"help"}).out;
  for (const char* command : {"translate", "explain", "check", "parse", "schema", "keys", "migrate",
                              "run", "insert", "version"}) {
    EXPECT_TRUE(documented.contains(command)) << command << " has no row in the README's table";
  }
  EXPECT_GE(documented.size(), 10u) << listed;
}

}  // namespace
}  // namespace querysafe::testing
