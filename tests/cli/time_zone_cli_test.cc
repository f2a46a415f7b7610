// `--time-zone` (Django's TIME_ZONE) on the commands that compile queries, run as a separate
// process: an unknown zone is a usage error (exit 2) before anything is compiled, a known one
// reaches the command.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;

struct Outcome {
  int exit_code = -1;
  std::string out;
  std::string err;
};

std::string Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string ShellQuote(const std::string& s) {
  std::string out = "'";
  for (const char c : s) {
    out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  }
  return out + "'";
}

// Runs `querysafe ARGS...`.
Outcome RunCli(const std::vector<std::string>& args) {
  char dir_template[] = "/tmp/querysafe_tz_cli_test.XXXXXX";
  const char* dir = mkdtemp(dir_template);
  if (dir == nullptr) std::abort();
  const std::string out = std::string(dir) + "/out";
  const std::string err = std::string(dir) + "/err";
  std::string command = ShellQuote(QUERYSAFE_CLI);
  for (const std::string& arg : args) command += " " + ShellQuote(arg);
  command += " </dev/null >" + out + " 2>" + err;
  const int status = std::system(command.c_str());
  Outcome run;
  run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  run.out = Slurp(out);
  run.err = Slurp(err);
  for (const std::string& path : {out, err}) std::remove(path.c_str());
  rmdir(dir);
  return run;
}

const std::string kSchema =
    std::string(QUERYSAFE_TEST_DATA_DIR) + "/conformance/schemas/events.json";
constexpr char kQuery[] = "Event.objects.filter(at__hour=1)";

TEST(CliTimeZone, TranslateWritesTheZone) {
  const Outcome run =
      RunCli({"translate", "--schema", kSchema, "--time-zone", "America/Chicago", kQuery});
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_THAT(run.out, HasSubstr("\"timezone\" : \"America/Chicago\""));
  EXPECT_THAT(run.err, IsEmpty());
}

TEST(CliTimeZone, DefaultIsUtcAndWritesNothing) {
  const Outcome run = RunCli({"translate", "--schema", kSchema, kQuery});
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_THAT(run.out, ::testing::Not(HasSubstr("timezone")));
}

// Checked before the schema's queries are compiled, the key vault is read or a server is asked.
TEST(CliTimeZone, UnknownZoneIsAUsageError) {
  const std::vector<std::vector<std::string>> runs = {
      {"translate", "--schema", kSchema, "--time-zone", "America/Chikago", kQuery},
      {"run", "--schema", kSchema, "--uri", "mongodb://127.0.0.1:1", "--time-zone",
       "America/Chikago", kQuery},
      {"explain", "--schema", kSchema, "--key-vault", "/nonexistent", "--kms-local-key", "x",
       "--time-zone", "America/Chikago", kQuery},
      {"translate", "--schema", kSchema, "--time-zone", "../../etc/passwd", kQuery}};
  for (const std::vector<std::string>& args : runs) {
    const Outcome run = RunCli(args);
    EXPECT_EQ(run.exit_code, 2) << args[0] << " " << args[args.size() - 2];
    EXPECT_THAT(run.err, HasSubstr("Incorrect timezone setting: " + args[args.size() - 2]));
    EXPECT_THAT(run.out, IsEmpty());
  }
}

}  // namespace
