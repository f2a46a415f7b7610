// `querysafe keys`, run as a user runs it: the built binary, its stdout and
// exit code.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <string>

#include "lib/crypt/encryptor.h"
#include "lib/crypt/key_vault_file.h"
#include "lib/crypt/kms_providers.h"
#include "tests/crypt/spec_fixture.h"

namespace querysafe::crypt {
namespace {

struct CliRun {
  int exit_code = -1;
  std::string out;
};

// Runs `querysafe <args>` (args are shell words the test controls), stderr
// discarded.
CliRun Querysafe(const std::string& args) {
  std::string command = std::string(QUERYSAFE_CLI) + " " + args + " 2>/dev/null";
  CliRun run;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return run;
  char buffer[4096];
  size_t n;
  while ((n = std::fread(buffer, 1, sizeof(buffer), pipe)) > 0) run.out.append(buffer, n);
  int status = pclose(pipe);
  run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return run;
}

std::string TempPath(const std::string& name) {
  return ::testing::TempDir() + "querysafe_cli_" + std::to_string(getpid()) + "_" + name;
}

TEST(CliKeys, NewMasterKeyPrintsABase64LocalKey) {
  CliRun run = Querysafe("keys new-master-key");
  ASSERT_EQ(run.exit_code, 0);
  absl::StatusOr<std::string> key = ParseLocalMasterKey(run.out);
  ASSERT_TRUE(key.ok()) << key.status() << ": " << run.out;
  EXPECT_EQ(key->size(), kLocalMasterKeySize);
  EXPECT_NE(Querysafe("keys new-master-key").out, run.out);
}

TEST(CliKeys, CreatedKeysAreUsableByTheEncryptor) {
  std::string master = TempPath("master.key"), vault_path = TempPath("vault.json");
  std::remove(vault_path.c_str());
  CliRun key = Querysafe("keys new-master-key");
  ASSERT_EQ(key.exit_code, 0);
  std::ofstream(master) << key.out;

  CliRun create = Querysafe("keys create --kms-local-key @" + master +
                            " --key-alt-name patients.patient_record.ssn patients.notes"
                            " --key-vault " +
                            vault_path);
  ASSERT_EQ(create.exit_code, 0);
  CliRun list = Querysafe("keys list --key-vault " + vault_path);
  ASSERT_EQ(list.exit_code, 0);
  EXPECT_NE(list.out.find("\"patients.patient_record.ssn\""), std::string::npos) << list.out;
  EXPECT_NE(list.out.find("\"patients.notes\""), std::string::npos) << list.out;
  EXPECT_EQ(std::count(list.out.begin(), list.out.end(), '\n'), 2);

  // Printed instead of appended: one document per line, a valid key vault in
  // itself.
  CliRun printed = Querysafe("keys create --kms-local-key @" + master + " --key-alt-name other");
  ASSERT_EQ(printed.exit_code, 0);
  auto printed_vault = KeyVaultFile::Parse(printed.out, "stdout");
  ASSERT_TRUE(printed_vault.ok()) << printed_vault.status();
  EXPECT_NE((*printed_vault)->FindByAltName("other"), nullptr);

  auto vault = KeyVaultFile::Load(vault_path);
  ASSERT_TRUE(vault.ok()) << vault.status();
  auto kms = KmsProviders::FromLocalKeyArgument("@" + master);
  ASSERT_TRUE(kms.ok()) << kms.status();
  EncryptorOptions options;
  options.kms_providers = *kms;
  options.key_source = *vault;
  auto encryptor = Encryptor::Create(std::move(options));
  ASSERT_TRUE(encryptor.ok()) << encryptor.status();
  lower::EncryptionRequest request;
  request.algorithm = lower::Algorithm::kIndexed;
  request.is_query = false;
  request.path = "patient_record.ssn";
  request.bson_type = schema::BsonType::kString;
  request.contention = 8;
  request.key = schema::KeyRef{std::nullopt, "patients.patient_record.ssn"};
  request.operands = testing::ValueOperand(testing::Utf8("987-65-4320"));
  auto out = (*encryptor)->Encrypt(request);
  ASSERT_TRUE(out.ok()) << out.status();
  auto decrypted = (*encryptor)->Decrypt(out->value->bytes);
  ASSERT_TRUE(decrypted.ok()) << decrypted.status();
  EXPECT_EQ(ToCanonicalJson(decrypted->get()), ToCanonicalJson(request.operands.get()));
  std::remove(master.c_str());
  std::remove(vault_path.c_str());
}

TEST(CliKeys, BadInputsAreUsageErrors) {
  EXPECT_EQ(Querysafe("keys create --kms-local-key AAAA --key-alt-name x").exit_code, 2);
  EXPECT_EQ(Querysafe("keys create --kms-local-key @/nonexistent/key --key-alt-name x").exit_code,
            2);
  EXPECT_EQ(Querysafe("keys list").exit_code, 2);
  EXPECT_EQ(Querysafe("keys list --key-vault /nonexistent/vault.json").exit_code, 2);
  EXPECT_EQ(Querysafe("keys frobnicate").exit_code, 2);
  EXPECT_EQ(Querysafe("keys").exit_code, 2);
  EXPECT_EQ(Querysafe("keys create --help").exit_code, 0);
}

}  // namespace
}  // namespace querysafe::crypt
