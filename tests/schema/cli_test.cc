// `querysafe schema`, run as a user runs it: exit codes, stdout and stderr.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <format>
#include <fstream>
#include <sstream>
#include <string>

namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

struct CliRun {
  int exit_code = -1;
  std::string out;
  std::string err;
};

std::string Slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

CliRun Querysafe(const std::string& args) {
  // ctest runs every test of this file as its own process, in parallel: names must not clash.
  const std::string base = std::format("{}/schema_cli_{}", ::testing::TempDir(), getpid());
  std::string command = std::format("{} {} >{}.out 2>{}.err", QUERYSAFE_CLI, args, base, base);
  int status = std::system(command.c_str());
  CliRun run;
  run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  run.out = Slurp(base + ".out");
  run.err = Slurp(base + ".err");
  return run;
}

std::string Data(const char* relative) {
  return std::format("{}/{}", QUERYSAFE_TEST_DATA_DIR, relative);
}

std::string WriteTemp(const char* name, const std::string& text) {
  std::string path = std::format("{}/{}_{}", ::testing::TempDir(), getpid(), name);
  std::ofstream(path) << text;
  return path;
}

TEST(SchemaCli, CheckAcceptsAValidSchema) {
  CliRun r = Querysafe("schema check --schema " + Data("conformance/schemas/medical.json"));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("OK: database 'medical_records'"));
  r = Querysafe("schema check --format json --schema " + Data("conformance/schemas/risk.json"));
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_THAT(r.out, HasSubstr("\"errors\":[]"));
}

TEST(SchemaCli, CheckReportsDiagnostics) {
  std::string path = WriteTemp("bad_schema.json", R"({"database": "db", "models": {"M": {"fields": {
      "f": {"type": "EncryptedIntegerField", "queries": {"queryType": "range", "sparsity": 9}}}}}})");
  CliRun r = Querysafe("schema check --schema " + path);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out, "");
  EXPECT_THAT(r.err,
              HasSubstr("models.M.fields.f.queries.sparsity: ImproperlyConfigured: The field "
                        "'sparsity' must be between 1 and 8 [server code 6775214]"));
  // With the position in the file and a caret, like syntax errors.
  EXPECT_THAT(r.err, HasSubstr("bad_schema.json:2:"));
  EXPECT_THAT(r.err, HasSubstr("\"sparsity\": 9}}}}}}\n"));
  r = Querysafe("schema check --format json --schema " + path);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.out, HasSubstr("\"code\":\"schema.server.6775214\""));
  EXPECT_THAT(r.out, HasSubstr("\"line\":2"));
  EXPECT_THAT(r.out, HasSubstr("\"location\":\"models.M.fields.f.queries.sparsity\""));
}

TEST(SchemaCli, SyntaxErrorsPointIntoTheFile) {
  std::string path = WriteTemp("syntax.json", "{\"database\": \"db\",\n \"models\": }\n");
  CliRun r = Querysafe("schema check --schema " + path);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("syntax.json:2:12: ImproperlyConfigured: Invalid JSON"));
  EXPECT_THAT(r.err, HasSubstr("\n   \"models\": }\n"));
}

TEST(SchemaCli, EncryptedFieldsPrintsTheMap) {
  CliRun r =
      Querysafe("schema encrypted-fields --schema " + Data("conformance/schemas/medical.json"));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, StartsWith("{\n    \"patients\": {\n        \"fields\": [\n"));
  EXPECT_THAT(r.out, HasSubstr("\"keyAltName\": \"patients.patient_record.ssn\""));
  // Without an encrypted_fields_map the keys are alt names, and the command
  // says so.
  EXPECT_THAT(r.err, HasSubstr("has no encrypted_fields_map"));
}

TEST(SchemaCli, UsageErrorsExitWith2) {
  EXPECT_EQ(Querysafe("schema").exit_code, 2);
  EXPECT_EQ(Querysafe("schema check").exit_code, 2);
  EXPECT_EQ(Querysafe("schema frobnicate --schema x").exit_code, 2);
  EXPECT_EQ(Querysafe("schema check --schema /nonexistent/schema.json").exit_code, 2);
  EXPECT_EQ(
      Querysafe("schema check --format yaml --schema " + Data("conformance/schemas/medical.json"))
          .exit_code,
      2);
  CliRun r = Querysafe("schema check --bogus");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, StartsWith("querysafe schema"));
  EXPECT_EQ(Querysafe("schema check --help").exit_code, 0);
}

}  // namespace
