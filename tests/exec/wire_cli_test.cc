// The command line against the peer: `querysafe migrate` and `querysafe
// insert` run as a user runs them (the built binary, its stdout and exit
// code), and the printing function `querysafe run` uses.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>

#include "lib/crypt/kms_providers.h"
#include "querysafe/client.h"
#include "tests/crypt/plaintext_scan.h"
#include "tests/crypt/spec_fixture.h"
#include "tests/exec/wire_fixture.h"
#include "tools/exec_cli.h"

namespace querysafe::testing {
namespace {

namespace ct = querysafe::crypt::testing;

using WireCli = WireTest;

struct CliRun {
  int exit_code = -1;
  std::string out;
};

// `querysafe <args>` (shell words the test controls), stderr discarded.
CliRun Querysafe(const std::string& args) {
  const std::string command = std::string(QUERYSAFE_CLI) + " " + args + " 2>/dev/null";
  CliRun run;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return run;
  char buffer[4096];
  size_t n;
  while ((n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) run.out.append(buffer, n);
  const int status = pclose(pipe);
  run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return run;
}

std::string TempFile(const std::string& name, const std::string& content) {
  const std::string path =
      ::testing::TempDir() + "querysafe_wire_cli_" + std::to_string(getpid()) + "_" + name;
  std::ofstream(path, std::ios::binary) << content;
  return path;
}

// The spec's local master key as --kms-local-key takes it (base64).
std::string SpecKeyArgument(const bson_t* spec) {
  std::vector<uint8_t> key =
      ct::BinaryAt(spec, "tests.0.clientOptions.autoEncryptOpts.kmsProviders.local.key");
  return crypt::Base64Encode(std::string(key.begin(), key.end()));
}

std::string SchemaPath() { return std::string(QUERYSAFE_TEST_DATA_DIR) + "/exec/medical.json"; }

TEST_F(WireCli, MigrateThenInsert) {
  keys().clear();
  const std::string connection =
      std::format("--schema {} --uri '{}' --kms-local-key {}", SchemaPath(), peer_.Uri(),
                  SpecKeyArgument(spec_.get()));
  CliRun migrate = Querysafe("migrate " + connection);
  ASSERT_EQ(migrate.exit_code, 0) << migrate.out;
  BsonDoc map = Json(migrate.out);
  // Keyed by db_table, with the new keys' ids: the schema's
  // encrypted_fields_map format.
  EXPECT_EQ(StringAt(map.get(), "patients/fields/0/path"), "patient_record.ssn");
  EXPECT_EQ(BinaryAt(map.get(), "patients/fields/0/keyId").size(), 16u);
  EXPECT_EQ(keys().size(), 4u);

  Route("insert", [](const ReceivedCommand&) { return PeerReply::Json(R"({"n": 1, "ok": 1})"); });
  const std::string values =
      TempFile("patient.json",
               R"({"patient_name": "Jon Doe", "patient_id": 7, "patient_record":
          {"ssn": "987-65-4320", "billing": {"cc_type": "Visa",
           "cc_number": "4111222233334444"}, "bill_amount": 10}})");
  CliRun insert = Querysafe("insert " + connection + " Patient @" + values);
  ASSERT_EQ(insert.exit_code, 0) << insert.out;
  EXPECT_TRUE(insert.out.starts_with(R"({"_id":{"$oid":")")) << insert.out;
  std::vector<ReceivedCommand> inserts = Commands("insert", "medical_records.patients");
  ASSERT_EQ(inserts.size(), 1u);
  EXPECT_EQ(BinaryAt(inserts[0].body.get(), "documents/0/patient_record/ssn").at(0), 11);

  CliRun bad = Querysafe("insert " + connection + " Patient '{\"patient_id\": \"x\"}'");
  EXPECT_EQ(bad.exit_code, 1);
  CliRun usage = Querysafe("insert --uri x Patient '{}'");
  EXPECT_EQ(usage.exit_code, 2);
  std::remove(values.c_str());
}

TEST_F(WireCli, RunCompilesQueryTextEncryptsAndPrintsDecryptedRows) {
  const std::string connection =
      std::format("--schema {} --uri '{}' --kms-local-key {}", SchemaPath(), peer_.Uri(),
                  SpecKeyArgument(spec_.get()));
  Route("find", [](const ReceivedCommand&) {
    return PeerReply::Document(
        CursorReply("medical_records.patients", 0, {Json(R"({"_id": 1, "patient_name": "Ann"})")}));
  });
  CliRun run = Querysafe(
      "run " + connection +
      R"( --params '{"ssn": "987-65-4320"}' 'Patient.objects.filter(patient_record__ssn=$ssn)')");
  ASSERT_EQ(run.exit_code, 0) << run.out;
  EXPECT_EQ(run.out, "{\"_id\":1,\"patient_name\":\"Ann\"}\n");
  std::vector<ReceivedCommand> finds = Commands("find", "medical_records.patients");
  ASSERT_EQ(finds.size(), 1u);
  EXPECT_EQ(BinaryAt(finds[0].body.get(), "filter/patient_record.ssn/$eq").at(0), 12);
  EXPECT_EQ(FindPlaintext(peer_.BytesReceived(), ct::Utf8("987-65-4320")),
            std::vector<std::string>{});

  // Refused by querysafe: exit 1, and nothing more is sent.
  CliRun refused = Querysafe("run " + connection +
                             R"( 'Patient.objects.filter(patient_record__ssn__startswith="9")')");
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_EQ(refused.out, "");
  EXPECT_EQ(Commands("find", "medical_records.patients").size(), 1u);
  // No query, or a schema that is not there: usage errors.
  EXPECT_EQ(Querysafe("run " + connection).exit_code, 2);
  EXPECT_EQ(Querysafe("run --schema /nonexistent --uri x 'Patient.objects.all()'").exit_code, 2);
}

TEST_F(WireCli, RunPrintsRowsAsExtendedJsonLines) {
  // What `querysafe run` does after its flags: the public API's Client runs the text, and
  // PrintRunResult prints what came back.
  SchemaResult schema = Schema::FromJson(ReadTestData("exec/medical.json"));
  ASSERT_TRUE(schema.ok());
  ConnectOptions options;
  options.uri = peer_.Uri();
  options.kms_providers = ToCanonicalJson(kms_.document().get());
  ClientResult client = Client::Connect(*schema.schema, options);
  ASSERT_TRUE(client.ok()) << client.diagnostics.front().message;
  Route("find", [](const ReceivedCommand& command) {
    // values_list("patient_name", flat=True) projects; all() does not.
    const bool flat =
        command.body.get() != nullptr && bson_has_field(command.body.get(), "projection");
    return PeerReply::Document(
        CursorReply("medical_records.patients", 0,
                    flat ? std::vector<BsonDoc>{Json(R"({"patient_name": "Ann"})"),
                                                Json(R"({"patient_name": "Bob"})")}
                         : std::vector<BsonDoc>{Json(R"({"_id": 1, "patient_name": "Ann"})"),
                                                Json(R"({"_id": 2, "patient_name": "Bob"})")}));
  });
  for (const char* name : {"count", "aggregate"}) {
    Route(name, [](const ReceivedCommand&) {
      return PeerReply::Document(ErrorReply(13, "Unauthorized", "not authorized"));
    });
  }
  auto run = [&](std::string_view text, const cli::JsonStyle& style, int* exit_code) {
    std::FILE* out = std::tmpfile();
    std::FILE* err = std::tmpfile();
    *exit_code = cli::PrintRunResult(client.client->Run(text), text, "query", out, err, style);
    std::string printed;
    for (std::FILE* f : {out, err}) {
      std::rewind(f);
      char buffer[1024];
      size_t n;
      while ((n = std::fread(buffer, 1, sizeof buffer, f)) > 0) printed.append(buffer, n);
      std::fclose(f);
      printed += "|";
    }
    return printed;
  };
  int exit_code = -1;
  // One compact line of relaxed Extended JSON a row (tools/json_style.h).
  EXPECT_EQ(run("Patient.objects.all()", {}, &exit_code),
            "{\"_id\":1,\"patient_name\":\"Ann\"}\n"
            "{\"_id\":2,\"patient_name\":\"Bob\"}\n||");
  EXPECT_EQ(exit_code, 0);
  EXPECT_EQ(run("Patient.objects.all()", {.canonical = true}, &exit_code),
            "{\"_id\":{\"$numberInt\":\"1\"},\"patient_name\":\"Ann\"}\n"
            "{\"_id\":{\"$numberInt\":\"2\"},\"patient_name\":\"Bob\"}\n||");
  EXPECT_EQ(run(R"(Patient.objects.values_list("patient_name", flat=True))", {}, &exit_code),
            "\"Ann\"\n\"Bob\"\n||");
  EXPECT_EQ(exit_code, 0);
  EXPECT_EQ(run("Patient.objects.count()", {}, &exit_code),
            "|query: DatabaseError: not authorized [server code 13]\n|");
  EXPECT_EQ(exit_code, 1);
}

}  // namespace
}  // namespace querysafe::testing
