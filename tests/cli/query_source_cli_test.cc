// QUERY as `-` (standard input) or `@FILE` for translate, explain, run and parse: a query too
// long for the command line (a 10,000-value `__in` list, ~170 KB, over Linux's 128 KiB limit on
// one argument) goes through a file or a pipe and gives what the argument form gives.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <string>
#include <vector>

#include "tests/cli/cli_runner.h"

namespace querysafe::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::StartsWith;

const std::string kSchema = std::string(QUERYSAFE_EXAMPLES_DIR) + "/medical-records/schema.json";
const std::string kVault = std::string(QUERYSAFE_EXAMPLES_DIR) + "/keys/vault.json";
const std::string kKeyFile = std::string(QUERYSAFE_EXAMPLES_DIR) + "/keys/local-master.key";

constexpr char kSsnQuery[] = "Patient.objects.get(patient_record__ssn=\"987-65-4320\")";

std::string Ssn(int i) {
  char text[16];
  std::snprintf(text, sizeof text, "%03d-%02d-%04d", i / 10000 % 1000, i / 100 % 100, i % 10000);
  return text;
}

// The 10,000-value `__in` query of issue 20: 10,000 SSN strings.
std::string LongInQuery() {
  std::string query = "Patient.objects.filter(patient_record__ssn__in=[";
  for (int i = 0; i < 10000; ++i) {
    if (i > 0) query += ", ";
    query += "\"" + Ssn(i) + "\"";
  }
  return query + "])";
}

size_t Count(const std::string& text, const std::string& needle) {
  size_t n = 0;
  for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

void ExpectTenThousandPlaceholders(const Outcome& run) {
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_THAT(run.err, IsEmpty());
  EXPECT_EQ(Count(run.out, "\"$encrypt\""), 10000u);
  EXPECT_THAT(run.out, HasSubstr("\"" + Ssn(9999) + "\""));
}

TEST(CliQuerySource, TheLongInQueryIsTooLongForOneArgument) {
  // Linux's MAX_ARG_STRLEN (32 pages): the reason `-` and `@FILE` exist.
  EXPECT_GT(LongInQuery().size(), 128u * 1024u);
}

TEST(CliQuerySource, TranslateReadsTheLongInQueryFromAFile) {
  TempDir dir;
  WriteFile(dir.File("query.txt"), LongInQuery() + "\n");
  ExpectTenThousandPlaceholders(
      RunCli({"translate", "--schema", kSchema, "@" + dir.File("query.txt")}));
}

TEST(CliQuerySource, TranslateReadsTheLongInQueryFromStandardInput) {
  ExpectTenThousandPlaceholders(RunCli({"translate", "--schema", kSchema, "-"}, LongInQuery()));
}

TEST(CliQuerySource, FileAndStdinGiveWhatTheArgumentGives) {
  TempDir dir;
  WriteFile(dir.File("query.txt"), std::string(kSsnQuery) + "\r\n");
  const Outcome by_argument = RunCli({"translate", "--schema", kSchema, kSsnQuery});
  ASSERT_EQ(by_argument.exit_code, 0) << by_argument.err;
  for (const Outcome& run :
       {RunCli({"translate", "--schema", kSchema, "-"}, kSsnQuery),
        RunCli({"translate", "--schema", kSchema, "@" + dir.File("query.txt")})}) {
    EXPECT_EQ(run.exit_code, 0) << run.err;
    EXPECT_EQ(run.out, by_argument.out);
  }
}

TEST(CliQuerySource, ExplainReadsTheQueryFromAFileAndStdin) {
  TempDir dir;
  WriteFile(dir.File("query.txt"), std::string(kSsnQuery) + "\n");
  const std::vector<std::string> flags = {
      "explain", "--schema", kSchema, "--key-vault", kVault, "--kms-local-key", "@" + kKeyFile};
  std::vector<std::string> by_argument = flags, by_file = flags, by_stdin = flags;
  by_argument.push_back(kSsnQuery);
  by_file.push_back("@" + dir.File("query.txt"));
  by_stdin.push_back("-");
  const Outcome expected = RunCli(by_argument);
  ASSERT_EQ(expected.exit_code, 0) << expected.err;
  EXPECT_THAT(expected.out, HasSubstr("\"subType\":\"06\""));
  EXPECT_EQ(RunCli(by_file).out, expected.out);
  EXPECT_EQ(RunCli(by_stdin, kSsnQuery).out, expected.out);
}

TEST(CliQuerySource, ParseReadsTheQueryFromAFile) {
  TempDir dir;
  WriteFile(dir.File("query.txt"), std::string(kSsnQuery) + "\n");
  const Outcome run = RunCli({"parse", "@" + dir.File("query.txt")});
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(run.out, RunCli({"parse", kSsnQuery}).out);
}

TEST(CliQuerySource, DiagnosticsNameTheFile) {
  TempDir dir;
  const std::string path = dir.File("query.txt");
  WriteFile(path, "Patient.objects.filter(patient_record__ssn__startswith=\"987\")\n");
  const Outcome run = RunCli({"translate", "--schema", kSchema, "@" + path});
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_THAT(run.err, StartsWith(path + ":1:24: NotSupportedError: "));
  EXPECT_THAT(run.out, HasSubstr("\"column\":24"));
  const Outcome from_stdin =
      RunCli({"translate", "--schema", kSchema, "-"},
             "Patient.objects.filter(patient_record__ssn__startswith=\"9\")");
  EXPECT_EQ(from_stdin.exit_code, 1);
  EXPECT_THAT(from_stdin.err, StartsWith("<stdin>:1:24: NotSupportedError: "));
}

TEST(CliQuerySource, RunReadsTheQueryBeforeConnecting) {
  // No server here: an unreadable query file must be reported as such, before any connection.
  const Outcome run = RunCli({"run", "--schema", kSchema, "--uri", "mongodb://127.0.0.1:1",
                              "--kms-local-key", "@" + kKeyFile, "@/nonexistent/query.txt"});
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_THAT(run.err, HasSubstr("querysafe run: cannot read '/nonexistent/query.txt'"));
  EXPECT_THAT(run.out, IsEmpty());
}

TEST(CliQuerySource, UsageErrorsExitTwo) {
  for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{
           {"translate", "--schema", kSchema, "@/nonexistent/query.txt"},
           {"translate", "--schema", kSchema, "@"},
           {"translate", "--schema", "-", "-"},
           {"explain", "--schema", "-", "--key-vault", kVault, "--kms-local-key", "@" + kKeyFile,
            "-"},
           {"run", "--schema", "-", "--uri", "mongodb://127.0.0.1:1", "-"},
           {"parse", "@/nonexistent/query.txt"},
       }) {
    const Outcome run = RunCli(args);
    EXPECT_EQ(run.exit_code, 2) << ::testing::PrintToString(args);
    EXPECT_THAT(run.err, StartsWith("querysafe " + args[0] + ": "))
        << ::testing::PrintToString(args);
    EXPECT_THAT(run.out, IsEmpty()) << ::testing::PrintToString(args);
  }
}

}  // namespace
}  // namespace querysafe::testing
