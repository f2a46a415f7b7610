// The driver's log and an unreachable server, as a user at a terminal or a script reading stdout
// sees them: mongo-c-driver's own log handler prints on stdout (dozens of "monitor: ... Failed to
// connect" lines), which must carry only results. querysafe routes the log to stderr, only with
// --verbose or QUERYSAFE_VERBOSE, and says what went wrong once, as a diagnostic.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "tests/cli/cli_runner.h"

namespace querysafe::testing {
namespace {

const std::string kExamples = QUERYSAFE_EXAMPLES_DIR;
const std::string kSchema = kExamples + "/medical-records/schema.json";
const std::string kKeyFile = "@" + kExamples + "/keys/local-master.key";
// Port 1 on loopback: nothing listens there, so every connection is refused at once.
constexpr char kUnreachable[] =
    "mongodb://127.0.0.1:1/?serverSelectionTimeoutMS=1500&connectTimeoutMS=200";
constexpr char kQuery[] = "Patient.objects.filter(patient_id=1)";

size_t Lines(const std::string& text) { return std::count(text.begin(), text.end(), '\n'); }

TEST(CliDriverLog, UnreachableServerIsOneDiagnosticAndNothingOnStdout) {
  for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{
           {"run", "--schema", kSchema, "--uri", kUnreachable, "--kms-local-key", kKeyFile, kQuery},
           {"migrate", "--schema", kSchema, "--uri", kUnreachable, "--kms-local-key", kKeyFile},
       }) {
    Outcome run = RunCli(args);
    EXPECT_EQ(run.exit_code, 2) << args[0] << "\n" << run.err;
    EXPECT_EQ(run.out, "") << args[0];
    EXPECT_EQ(Lines(run.err), 1u) << args[0] << "\n" << run.err;
    EXPECT_NE(run.err.find("querysafe " + args[0]), std::string::npos) << run.err;
    EXPECT_EQ(run.err.find("querysafe: driver"), std::string::npos) << run.err;
  }
}

TEST(CliDriverLog, VerboseSendsTheDriverLogToStderr) {
  const std::vector<std::string> run = {"run",        "--schema",        kSchema,  "--uri",
                                        kUnreachable, "--kms-local-key", kKeyFile, kQuery};
  std::vector<std::string> flagged = run;
  flagged.insert(flagged.begin() + 1, "--verbose");
  for (const Outcome& verbose : {RunCli(flagged), RunCli(run, "", {{"QUERYSAFE_VERBOSE", "1"}})}) {
    EXPECT_EQ(verbose.exit_code, 2) << verbose.err;
    EXPECT_EQ(verbose.out, "");
    EXPECT_NE(verbose.err.find("querysafe: driver"), std::string::npos) << verbose.err;
    EXPECT_GT(Lines(verbose.err), 1u) << verbose.err;
  }
  // "0" is off, as unset.
  Outcome quiet = RunCli(run, "", {{"QUERYSAFE_VERBOSE", "0"}});
  EXPECT_EQ(quiet.err.find("querysafe: driver"), std::string::npos) << quiet.err;
}

}  // namespace
}  // namespace querysafe::testing
