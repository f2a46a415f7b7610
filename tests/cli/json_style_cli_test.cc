// One JSON style for every command (tools/json_style.h): relaxed Extended JSON v2, compact on one
// line; --pretty indents it; --canonical keeps every BSON type; --format text sends a refusal to
// stderr only.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/cli/cli_runner.h"

namespace querysafe::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

const std::string kExamples = QUERYSAFE_EXAMPLES_DIR;
const std::string kSchema = kExamples + "/medical-records/schema.json";
const std::string kVault = kExamples + "/keys/vault.json";
const std::string kKey = "@" + kExamples + "/keys/local-master.key";
const std::string kQuery = R"(Patient.objects.filter(patient_record__ssn="987-65-4320")[:2])";
const std::string kRefused = R"(Patient.objects.filter(patient_record__ssn__gt="1"))";

// True if `json` has no space, tab or line break outside its strings.
bool IsCompact(const std::string& json) {
  bool in_string = false, escaped = false;
  for (const char c : json) {
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
      return false;
    }
  }
  return true;
}

// Every line but the last (the output ends with a line break).
std::vector<std::string> Lines(const std::string& out) {
  std::vector<std::string> lines;
  size_t start = 0;
  for (size_t end; (end = out.find('\n', start)) != std::string::npos; start = end + 1) {
    lines.push_back(out.substr(start, end - start));
  }
  return lines;
}

TEST(JsonStyle, EveryCommandPrintsCompactRelaxedJsonByDefault) {
  const std::vector<std::vector<std::string>> commands = {
      {"translate", "--schema", kSchema, kQuery},
      {"translate", "--schema", kSchema, kRefused},
      {"explain", "--schema", kSchema, "--key-vault", kVault, "--kms-local-key", kKey, kQuery},
      {"parse", "--format", "json", kQuery},
      {"schema", "check", "--schema", kSchema, "--format", "json"},
      {"version", "--format", "json"},
      {"keys", "list", "--key-vault", kVault},
  };
  for (const std::vector<std::string>& args : commands) {
    const Outcome run = RunCli(args);
    SCOPED_TRACE(args.front() + " " + args[1]);
    ASSERT_THAT(run.exit_code, ::testing::AnyOf(0, 1)) << run.err;
    ASSERT_FALSE(run.out.empty());
    for (const std::string& line : Lines(run.out)) {
      EXPECT_TRUE(IsCompact(line)) << line;
      EXPECT_THAT(line, Not(HasSubstr("$numberInt"))) << "relaxed by default: " << line;
    }
  }
  // check: JSON Lines, one compact line per query.
  const Outcome check = RunCli({"check", "--schema", kSchema}, kQuery + "\n" + kRefused + "\n");
  EXPECT_EQ(check.exit_code, 1);
  ASSERT_EQ(Lines(check.out).size(), 2u) << check.out;
  for (const std::string& line : Lines(check.out)) EXPECT_TRUE(IsCompact(line)) << line;
  EXPECT_THAT(check.out, StartsWith(R"({"id":1,"line":1,"accepted":true,"database":)"));
}

TEST(JsonStyle, PrettyIndentsAndCanonicalKeepsTypes) {
  const Outcome pretty = RunCli({"translate", "--schema", kSchema, "--pretty", kQuery});
  ASSERT_EQ(pretty.exit_code, 0) << pretty.err;
  EXPECT_THAT(pretty.out, StartsWith("{\n  \"database\": \"medical_records\",\n"));
  EXPECT_THAT(pretty.out, HasSubstr("\n    \"limit\": 2\n"));

  const Outcome relaxed = RunCli({"translate", "--schema", kSchema, kQuery});
  EXPECT_THAT(relaxed.out, HasSubstr(R"("contention":8,)"));
  const Outcome canonical = RunCli({"translate", "--schema", kSchema, "--canonical", kQuery});
  ASSERT_EQ(canonical.exit_code, 0) << canonical.err;
  EXPECT_TRUE(IsCompact(canonical.out.substr(0, canonical.out.size() - 1)));
  EXPECT_THAT(canonical.out, HasSubstr(R"("contention":{"$numberLong":"8"},)"));
  EXPECT_THAT(canonical.out, HasSubstr(R"("limit":{"$numberLong":"2"})"));

  // check --canonical prints the command as translate --canonical does.
  const Outcome check = RunCli({"check", "--schema", kSchema, "--canonical"}, kQuery + "\n");
  EXPECT_THAT(check.out, HasSubstr(R"("contention":{"$numberLong":"8"},)"));
}

TEST(JsonStyle, FormatTextSendsRefusalsOnlyToStderr) {
  const Outcome text = RunCli({"translate", "--schema", kSchema, "--format", "text", kRefused});
  EXPECT_EQ(text.exit_code, 1);
  EXPECT_EQ(text.out, "");
  EXPECT_THAT(text.err, HasSubstr("NotSupportedError"));
  EXPECT_THAT(text.err, HasSubstr("^~~~"));

  const Outcome json = RunCli({"translate", "--schema", kSchema, kRefused});
  EXPECT_EQ(json.exit_code, 1);
  EXPECT_THAT(json.out, StartsWith(R"({"errors":[{"category":"NotSupportedError",)"));
  EXPECT_THAT(json.err, HasSubstr("^~~~"));
}

}  // namespace
}  // namespace querysafe::testing
