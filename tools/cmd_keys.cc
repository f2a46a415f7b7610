// `querysafe keys`: local master keys and data keys for offline use (explain,
// tests, the demo).
//   keys new-master-key [--out FILE]
//       96 random bytes, base64, for --kms-local-key @FILE: printed, or written to a new file
//       of mode 0600 (never overwriting one)
//   keys create [--kms-local-key @FILE_OR_BASE64] --key-alt-name NAME...
//   [--key-vault FILE]
//       (the key defaults to $QUERYSAFE_KMS_LOCAL_KEY)
//       one data key per alt name, wrapped by the local master key; appended to
//       FILE (created if needed) or printed, one Extended JSON document per
//       line
//   keys list --key-vault FILE
//       one line per key: {"_id", "keyAltNames", "provider"}
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/program_options.hpp>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <format>
#include <iostream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "lib/common/bson_array.h"
#include "lib/common/bson_util.h"
#include "querysafe/keys.h"
#include "tools/cli.h"
#include "tools/json_style.h"
#include "tools/usage.h"

namespace querysafe::cli {
namespace {

namespace po = boost::program_options;

constexpr char kUsage[] =
    "usage: querysafe keys new-master-key [--out FILE]\n"
    "       querysafe keys create [--kms-local-key @FILE] --key-alt-name NAME...\n"
    "                             [--key-vault FILE]\n"
    "       querysafe keys list --key-vault FILE\n"
    "The local master key of `keys create` comes from --kms-local-key (@FILE, or base64) or the\n"
    "environment variable QUERYSAFE_KMS_LOCAL_KEY: an argument is readable by every local user\n"
    "in /proc/PID/cmdline and stays in shell history.\n";

int Fail(std::string_view message) { return UsageError("keys", message); }

// Parses `args` against `options`; false (after printing why) on a usage error
// or --help.
bool Parse(const std::vector<std::string>& args, const po::options_description& options,
           po::variables_map* vm, int* exit_code) {
  try {
    po::store(po::command_line_parser(args).options(options).run(), *vm);
    // --help before notify(), which would complain about the required options.
    if (vm->count("help") != 0) {
      std::cout << kUsage << "\n" << options;
      *exit_code = kExitAccepted;
      return false;
    }
    po::notify(*vm);
  } catch (const po::error& e) {
    *exit_code = BadUsage("keys", DescribeError(e, {&options}));
    return false;
  }
  return true;
}

// Writes `text` to a new file at `path`, readable and writable by its owner only. O_EXCL: an
// existing file (perhaps the key that wraps every data key of a database) is never overwritten,
// and a symbolic link planted at `path` is not followed. fchmod() makes the mode exactly 0600
// whatever the umask. A file left half-written is removed.
absl::Status WriteSecretFile(const std::string& path, std::string_view text) {
  const int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) {
    if (errno == EEXIST) {
      return absl::AlreadyExistsError(
          std::format("'{}' already exists; querysafe never overwrites a key file (remove it "
                      "first, or choose another name)",
                      path));
    }
    return absl::UnavailableError(std::format("cannot create '{}': {}", path, strerror(errno)));
  }
  std::string_view rest = text;
  int error = fchmod(fd, 0600) == 0 ? 0 : errno;
  while (error == 0 && !rest.empty()) {
    const ssize_t written = write(fd, rest.data(), rest.size());
    if (written < 0) {
      if (errno != EINTR) error = errno;
      continue;
    }
    rest.remove_prefix(static_cast<size_t>(written));
  }
  if (error == 0 && fsync(fd) != 0) error = errno;
  if (close(fd) != 0 && error == 0) error = errno;
  if (error != 0) {
    unlink(path.c_str());
    return absl::DataLossError(std::format("cannot write '{}': {}", path, strerror(error)));
  }
  return absl::OkStatus();
}

int NewMasterKey(const std::vector<std::string>& args) {
  po::options_description options("keys new-master-key");
  options.add_options()("help,h", "this help")(
      "out", po::value<std::string>(),
      "write the key to this new file (mode 0600; an existing file is never overwritten) "
      "instead of standard output");
  po::variables_map vm;
  int exit_code = kExitAccepted;
  if (!Parse(args, options, &vm, &exit_code)) return exit_code;
  Diagnostics errors;
  std::optional<std::string> key = NewLocalMasterKey(&errors);
  if (!key) return Fail(errors.empty() ? "no key was made" : errors.front().message);
  const std::string line = *key + "\n";
  if (vm.count("out") == 0) {
    std::fputs(line.c_str(), stdout);
    return kExitAccepted;
  }
  const std::string& path = vm["out"].as<std::string>();
  absl::Status written = WriteSecretFile(path, line);
  if (!written.ok()) return Fail(std::string(written.message()));
  std::fprintf(stderr, "querysafe keys: wrote a new local master key to %s (mode 0600)\n",
               path.c_str());
  return kExitAccepted;
}

int Create(const std::vector<std::string>& args) {
  po::options_description options("keys create");
  options.add_options()("help,h", "this help")(
      "kms-local-key", po::value<std::string>(),
      "the local master key: @FILE holding the 96 bytes or their base64 (or the base64 text); "
      "default: $QUERYSAFE_KMS_LOCAL_KEY")(
      "key-alt-name", po::value<std::vector<std::string>>()->required()->multitoken(),
      "one data key per name; django-mongodb-backend names them "
      "<db_table>.<path>")("key-vault", po::value<std::string>(),
                           "append the keys to this key vault file");
  po::variables_map vm;
  int exit_code = kExitAccepted;
  if (!Parse(args, options, &vm, &exit_code)) return exit_code;

  const std::string key_argument = LocalKeyArgument(
      vm.count("kms-local-key") != 0 ? vm["kms-local-key"].as<std::string>() : std::string());
  if (key_argument.empty()) {
    return Fail(std::format("keys create needs the local master key: --kms-local-key @FILE, or {}",
                            kLocalKeyEnvironment));
  }
  const std::string path =
      vm.count("key-vault") != 0 ? vm["key-vault"].as<std::string>() : std::string();
  KeysResult made =
      CreateLocalDataKeys(key_argument, vm["key-alt-name"].as<std::vector<std::string>>(), path);
  if (!made.ok()) return Fail(made.diagnostics.front().message);
  if (path.empty()) {
    // One key a line, as `keys list` and a key vault file hold them.
    for (const std::string& key : made.documents) {
      std::printf("%s\n", StyledJson(key, JsonStyle{}).c_str());
    }
    return kExitAccepted;
  }
  for (const KeyInfo& info : made.infos) {
    std::fprintf(stderr, "querysafe keys: created data key %s '%s' in %s\n", info.id.c_str(),
                 info.display_name.c_str(), path.c_str());
  }
  return kExitAccepted;
}

int List(const std::vector<std::string>& args) {
  po::options_description options("keys list");
  options.add_options()("help,h", "this help")("key-vault", po::value<std::string>()->required(),
                                               "the key vault file to read");
  po::variables_map vm;
  int exit_code = kExitAccepted;
  if (!Parse(args, options, &vm, &exit_code)) return exit_code;
  KeysResult vault = ReadKeyVaultFile(vm["key-vault"].as<std::string>());
  if (!vault.ok()) return Fail(vault.diagnostics.front().message);
  for (const KeyInfo& info : vault.infos) {
    BsonDoc line;
    AppendUtf8(line.get(), "_id", info.id);
    bson_t names;
    querysafe::AppendArrayBegin(line.get(), "keyAltNames", -1, &names);
    for (size_t i = 0; i < info.alt_names.size(); ++i) {
      AppendUtf8(&names, std::to_string(i), info.alt_names[i]);
    }
    bson_append_array_end(line.get(), &names);
    AppendUtf8(line.get(), "provider", info.provider);
    std::printf("%s\n", StyledJson(line.get(), JsonStyle{}).c_str());
  }
  return kExitAccepted;
}

}  // namespace

int RunKeys(const std::vector<std::string>& args) {
  if (args.empty())
    return BadUsage("keys", "missing the subcommand: new-master-key, create or list");
  const std::string& command = args.front();
  std::vector<std::string> rest(args.begin() + 1, args.end());
  if (command == "new-master-key") return NewMasterKey(rest);
  if (command == "create") return Create(rest);
  if (command == "list") return List(rest);
  if (command == "--help" || command == "-h" || command == "help") {
    std::fputs(kUsage, stdout);
    return kExitAccepted;
  }
  const std::string nearest = NearestName(command, {"new-master-key", "create", "list"});
  return BadUsage("keys", std::format("unknown subcommand '{}'{}", command,
                                      nearest.empty() ? "" : "; did you mean '" + nearest + "'?"));
}

}  // namespace querysafe::cli
