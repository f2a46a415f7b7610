// The local master key off the command line: QUERYSAFE_KMS_LOCAL_KEY and --kms-local-key @FILE,
// `keys new-master-key --out FILE` (mode 0600, never overwriting), and no key material in any
// output of any command, with good and bad keys given in every form.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstddef>
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include "lib/crypt/kms_providers.h"
#include "tests/cli/cli_runner.h"

namespace querysafe::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;

const std::string kExamples = QUERYSAFE_EXAMPLES_DIR;
const std::string kSchema = kExamples + "/medical-records/schema.json";
const std::string kVault = kExamples + "/keys/vault.json";
const std::string kKeyFile = kExamples + "/keys/local-master.key";

constexpr char kQuery[] = "Patient.objects.get(patient_record__ssn=\"987-65-4320\")";
constexpr char kRefusedQuery[] = "Patient.objects.order_by(\"patient_record__ssn\")";
// Nothing listens on port 1: commands that connect fail fast, after reading the key.
constexpr char kUri[] = "mongodb://127.0.0.1:1/?serverSelectionTimeoutMS=100&connectTimeoutMS=100";

std::string Trim(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  return text;
}

// The examples' public test key: the key the vault's data keys are wrapped with.
std::string KnownKeyBase64() { return Trim(Slurp(kKeyFile)); }

std::string RawKey(const std::string& base64) {
  absl::StatusOr<std::string> raw = crypt::ParseLocalMasterKey(base64);
  if (!raw.ok()) std::abort();
  return *raw;
}

std::string Hex(const std::string& bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (const unsigned char c : bytes) {
    out.push_back(kDigits[c >> 4]);
    out.push_back(kDigits[c & 15]);
  }
  return out;
}

// Every `width`-long piece of `secret`: an output holding any of them leaks part of it.
std::vector<std::string> Pieces(const std::string& secret, size_t width) {
  std::vector<std::string> pieces;
  if (secret.empty()) return pieces;
  if (secret.size() <= width) return {secret};
  for (size_t i = 0; i + width <= secret.size(); ++i) pieces.push_back(secret.substr(i, width));
  return pieces;
}

// What must never appear: the key's base64 (any 16 characters of it), its raw bytes (any 12) and
// their hex (any 24 digits).
std::vector<std::string> Forbidden(const std::string& key_text) {
  std::vector<std::string> all = Pieces(key_text, 16);
  absl::StatusOr<std::string> raw = crypt::ParseLocalMasterKey(key_text);
  const std::string bytes = raw.ok() ? *raw : std::string();
  for (std::string& piece : Pieces(bytes, 12)) all.push_back(std::move(piece));
  for (std::string& piece : Pieces(Hex(bytes), 24)) all.push_back(std::move(piece));
  return all;
}

// How a key reaches querysafe.
enum class Form { kArgument, kEnvironment, kFile, kEnvironmentFile };

std::string FormName(Form form) {
  switch (form) {
    case Form::kArgument:
      return "--kms-local-key BASE64";
    case Form::kEnvironment:
      return "QUERYSAFE_KMS_LOCAL_KEY=BASE64";
    case Form::kFile:
      return "--kms-local-key @FILE";
    case Form::kEnvironmentFile:
      return "QUERYSAFE_KMS_LOCAL_KEY=@FILE";
  }
  return "";
}

struct Invocation {
  std::vector<std::string> args;
  std::vector<std::pair<std::string, std::string>> env;
};

// `args` with the key given as `form` (the flag right after the subcommand's words).
Invocation WithKey(std::vector<std::string> args, size_t insert_at, Form form,
                   const std::string& key_text, const std::string& key_file) {
  Invocation call;
  std::vector<std::string> flag;
  switch (form) {
    case Form::kArgument:
      flag = {"--kms-local-key", key_text};
      break;
    case Form::kEnvironment:
      call.env = {{"QUERYSAFE_KMS_LOCAL_KEY", key_text}};
      break;
    case Form::kFile:
      flag = {"--kms-local-key", "@" + key_file};
      break;
    case Form::kEnvironmentFile:
      call.env = {{"QUERYSAFE_KMS_LOCAL_KEY", "@" + key_file}};
      break;
  }
  args.insert(args.begin() + static_cast<std::ptrdiff_t>(insert_at), flag.begin(), flag.end());
  call.args = std::move(args);
  return call;
}

TEST(CliSecrets, NoOutputOfAnyCommandHoldsKeyMaterial) {
  TempDir dir;
  const std::string known = KnownKeyBase64();
  const std::string raw = RawKey(known);
  std::string other_raw = raw;
  std::reverse(other_raw.begin(), other_raw.end());
  const std::vector<std::pair<std::string, std::string>> keys = {
      {"the vault's key", known},
      {"another valid key", crypt::Base64Encode(other_raw)},
      {"a typo (not base64)", known.substr(0, 60) + "!" + known.substr(60)},
      {"the wrong length (64 bytes)", crypt::Base64Encode(raw.substr(0, 64))},
  };
  const std::string vault_copy = dir.File("vault.json");
  WriteFile(vault_copy, Slurp(kVault));
  const std::string insert_doc =
      R"({"patient_name": "Jon Doe", "patient_id": 1, "patient_record": {"ssn": "987-65-4320"}})";
  // Each command, and where its key flag goes.
  const std::vector<std::pair<std::vector<std::string>, size_t>> commands = {
      {{"explain", "--schema", kSchema, "--key-vault", kVault, kQuery}, 5},
      {{"explain", "--schema", kSchema, "--key-vault", kVault, kRefusedQuery}, 5},
      {{"explain", "--schema", kSchema, "--key-vault", kVault, "--format", "text", kQuery}, 5},
      {{"keys", "create", "--key-alt-name", "patients.other"}, 2},
      {{"keys", "create", "--key-vault", vault_copy, "--key-alt-name", "patients.more"}, 2},
      {{"run", "--schema", kSchema, "--uri", kUri, kQuery}, 5},
      {{"migrate", "--schema", kSchema, "--uri", kUri}, 5},
      {{"insert", "--schema", kSchema, "--uri", kUri, "Patient", insert_doc}, 5},
      // Commands without a key flag: the argument form is a usage error, which must not echo it.
      {{"translate", "--schema", kSchema, kQuery}, 3},
      {{"parse", kQuery}, 1},
      {{"schema", "encrypted-fields", "--schema", kSchema}, 4},
      {{"keys", "list", "--key-vault", kVault}, 2},
      {{"check", "--schema", kSchema}, 3},
  };
  int runs = 0, successes = 0;
  for (const auto& [key_name, key_text] : keys) {
    const std::string key_file = dir.File("key");
    WriteFile(key_file, key_text + "\n");
    std::vector<std::string> forbidden = Forbidden(key_text);
    // Parts of the vault's key hide in the bad keys too.
    for (std::string& piece : Forbidden(known)) forbidden.push_back(std::move(piece));
    for (const Form form :
         {Form::kArgument, Form::kEnvironment, Form::kFile, Form::kEnvironmentFile}) {
      for (const auto& [args, at] : commands) {
        const Invocation call = WithKey(args, at, form, key_text, key_file);
        const Outcome run = RunCli(call.args, std::string(kQuery) + "\n", call.env);
        ++runs;
        successes += run.exit_code == 0;
        const std::string output = run.out + run.err;
        for (const std::string& piece : forbidden) {
          ASSERT_EQ(output.find(piece), std::string::npos)
              << "key material in the output of querysafe " << ::testing::PrintToString(args)
              << " with " << key_name << " as " << FormName(form) << ":\n"
              << output;
        }
        // Also written as `--kms-local-key=VALUE`, one word.
        if (form == Form::kArgument) {
          std::vector<std::string> joined = args;
          joined.insert(joined.begin() + static_cast<std::ptrdiff_t>(at),
                        "--kms-local-key=" + key_text);
          const Outcome one_word = RunCli(joined, std::string(kQuery) + "\n");
          const std::string out = one_word.out + one_word.err;
          for (const std::string& piece : forbidden) {
            ASSERT_EQ(out.find(piece), std::string::npos)
                << "key material in the output of querysafe " << ::testing::PrintToString(joined)
                << ":\n"
                << out;
          }
        }
      }
    }
  }
  // The good key was used for real: explain, keys create and the key-less commands succeeded.
  EXPECT_GT(successes, 20);
  EXPECT_EQ(runs, 4 * 4 * static_cast<int>(commands.size()));
}

TEST(CliSecrets, EveryKeyFormGivesTheSameExplain) {
  TempDir dir;
  const std::string known = KnownKeyBase64();
  const std::vector<std::string> base = {"explain",     "--schema", kSchema,
                                         "--key-vault", kVault,     kQuery};
  const Outcome by_file = RunCli(WithKey(base, 5, Form::kFile, known, kKeyFile).args);
  ASSERT_EQ(by_file.exit_code, 0) << by_file.err;
  EXPECT_THAT(by_file.out, HasSubstr("\"subType\":\"06\""));
  for (const Form form : {Form::kArgument, Form::kEnvironment, Form::kEnvironmentFile}) {
    const Invocation call = WithKey(base, 5, form, known, kKeyFile);
    const Outcome run = RunCli(call.args, "", call.env);
    EXPECT_EQ(run.exit_code, 0) << FormName(form) << ": " << run.err;
    EXPECT_EQ(run.out, by_file.out) << FormName(form);
  }
}

TEST(CliSecrets, TheFlagWinsOverTheEnvironment) {
  const Outcome run = RunCli({"explain", "--schema", kSchema, "--key-vault", kVault,
                              "--kms-local-key", "@" + kKeyFile, kQuery},
                             "", {{"QUERYSAFE_KMS_LOCAL_KEY", "not a key"}});
  EXPECT_EQ(run.exit_code, 0) << run.err;
}

TEST(CliSecrets, AMissingKeyNamesBothWays) {
  for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{
           {"explain", "--schema", kSchema, "--key-vault", kVault, kQuery},
           {"keys", "create", "--key-alt-name", "a.b"},
           {"run", "--schema", kSchema, "--uri", kUri, kQuery},
       }) {
    const Outcome run = RunCli(args);
    EXPECT_EQ(run.exit_code, 2) << ::testing::PrintToString(args);
    EXPECT_THAT(run.err, HasSubstr("QUERYSAFE_KMS_LOCAL_KEY")) << ::testing::PrintToString(args);
  }
}

TEST(CliSecrets, KeysCreateTakesTheKeyFromTheEnvironment) {
  const Outcome run = RunCli({"keys", "create", "--key-alt-name", "patients.x"}, "",
                             {{"QUERYSAFE_KMS_LOCAL_KEY", KnownKeyBase64()}});
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_THAT(run.out, HasSubstr("\"keyAltNames\":[\"patients.x\"]"));
}

TEST(CliSecrets, NewMasterKeyWritesAFileOfMode0600) {
  TempDir dir;
  const std::string path = dir.File("master.key");
  const mode_t old_umask = umask(0);  // the mode must not depend on the umask
  const Outcome run = RunCli({"keys", "new-master-key", "--out", path});
  umask(old_umask);
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_THAT(run.out, IsEmpty());
  EXPECT_THAT(run.err, HasSubstr(path));
  struct stat info;
  ASSERT_EQ(stat(path.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 07777, 0600u);
  const std::string text = Slurp(path);
  EXPECT_EQ(text.size(), 129u);  // 128 base64 characters and a newline
  EXPECT_EQ(run.err.find(Trim(text)), std::string::npos);
  absl::StatusOr<std::string> key = crypt::ParseLocalMasterKey("@" + path);
  ASSERT_TRUE(key.ok()) << key.status();
  EXPECT_EQ(key->size(), crypt::kLocalMasterKeySize);
  // The file is a key querysafe takes.
  const Outcome used =
      RunCli({"keys", "create", "--kms-local-key", "@" + path, "--key-alt-name", "a.b"});
  EXPECT_EQ(used.exit_code, 0) << used.err;
}

TEST(CliSecrets, NewMasterKeyNeverOverwrites) {
  TempDir dir;
  const std::string path = dir.File("master.key");
  WriteFile(path, "precious\n");
  const Outcome run = RunCli({"keys", "new-master-key", "--out", path});
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_THAT(run.out, IsEmpty());
  EXPECT_THAT(run.err, HasSubstr("querysafe keys: '" + path + "' already exists"));
  EXPECT_EQ(Slurp(path), "precious\n");
  // Nor through a symbolic link, even one to a file that does not exist yet.
  const std::string target = dir.File("elsewhere");
  ASSERT_EQ(symlink(target.c_str(), dir.File("link").c_str()), 0);
  const Outcome linked = RunCli({"keys", "new-master-key", "--out", dir.File("link")});
  EXPECT_EQ(linked.exit_code, 2);
  EXPECT_NE(access(target.c_str(), F_OK), 0);
}

TEST(CliSecrets, NewMasterKeyReportsAnUnwritablePath) {
  const Outcome run =
      RunCli({"keys", "new-master-key", "--out", "/nonexistent/directory/master.key"});
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_THAT(run.err, HasSubstr("cannot create '/nonexistent/directory/master.key'"));
  EXPECT_THAT(run.out, IsEmpty());
}

}  // namespace
}  // namespace querysafe::testing
