// `--time-zone` (Django's TIME_ZONE) on the commands that compile queries, run as a separate
// process: an unknown zone is a usage error (exit 2) before anything is compiled, a known one
// reaches the command.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/cli/cli_runner.h"

namespace {

using ::querysafe::testing::Outcome;
using ::querysafe::testing::RunCli;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

const std::string kSchema =
    std::string(QUERYSAFE_TEST_DATA_DIR) + "/conformance/schemas/events.json";
constexpr char kQuery[] = "Event.objects.filter(at__hour=1)";

TEST(CliTimeZone, TranslateWritesTheZone) {
  const Outcome run =
      RunCli({"translate", "--schema", kSchema, "--time-zone", "America/Chicago", kQuery});
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_THAT(run.out, HasSubstr("\"timezone\":\"America/Chicago\""));
  EXPECT_THAT(run.err, IsEmpty());
}

TEST(CliTimeZone, CheckAppliesTheZoneToEveryQuery) {
  const Outcome run = RunCli({"check", "--schema", kSchema, "--time-zone", "Asia/Kolkata"},
                             std::string(kQuery) + "\n" + kQuery + "\n");
  EXPECT_EQ(run.exit_code, 0) << run.err;
  size_t zones = 0;
  for (size_t at = run.out.find("Asia/Kolkata"); at != std::string::npos;
       at = run.out.find("Asia/Kolkata", at + 1)) {
    ++zones;
  }
  EXPECT_EQ(zones, 2u) << run.out;
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
      {"translate", "--schema", kSchema, "--time-zone", "../../etc/passwd", kQuery},
      {"check", "--schema", kSchema, "--time-zone", "America/Chikago", "-"}};
  for (const std::vector<std::string>& args : runs) {
    const Outcome run = RunCli(args);
    EXPECT_EQ(run.exit_code, 2) << args[0] << " " << args[args.size() - 2];
    EXPECT_THAT(run.err, HasSubstr("Incorrect timezone setting: " + args[args.size() - 2]));
    EXPECT_THAT(run.out, IsEmpty());
  }
}

}  // namespace
