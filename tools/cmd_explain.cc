// querysafe explain: translate, then encrypt every placeholder offline (key vault file + local
// master key): the command exactly as it would be sent, real payloads included. The key comes
// from --kms-local-key or QUERYSAFE_KMS_LOCAL_KEY; QUERY is the text, - or @FILE.

#include <boost/program_options.hpp>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "lib/common/bson_util.h"
#include "querysafe/crypt.h"
#include "querysafe/query.h"
#include "tools/cli.h"
#include "tools/usage.h"

namespace querysafe::cli {

int RunExplain(const std::vector<std::string>& args) {
  namespace po = boost::program_options;
  po::options_description options(
      "querysafe explain --schema FILE --key-vault KEYS.json [--kms-local-key @FILE] [options] "
      "QUERY\n\nQUERY is the query text, - to read it from standard input, or @FILE. The local "
      "master key\ncomes from --kms-local-key or the environment variable QUERYSAFE_KMS_LOCAL_KEY "
      "(base64\nor @FILE): a key given as an argument is readable by every local user in\n"
      "/proc/PID/cmdline and stays in shell history.\n\nOptions");
  std::string schema_path, key_vault, local_key, server_version = "8.0", format = "json",
                                                 params_json, time_zone = "UTC";
  options.add_options()("help,h", "this text")("schema", po::value(&schema_path)->required(),
                                               "the schema JSON file")(
      "key-vault", po::value(&key_vault)->required(),
      "key documents (Extended JSON: an array, one per line, or one document)")(
      "kms-local-key", po::value(&local_key),
      "the 96-byte local master key: @FILE (or base64); default: $QUERYSAFE_KMS_LOCAL_KEY")(
      "server-version", po::value(&server_version), "MongoDB version (default 8.0)")(
      "format", po::value(&format),
      "json (default), or text: the command indented, refusals only as text on stderr")(
      "params", po::value(&params_json), "parameter values as an Extended JSON document")(
      "time-zone", po::value(&time_zone), kTimeZoneHelp);
  JsonStyle style;
  AddJsonStyleFlags(&options, &style, /*types=*/true);
  po::options_description hidden;
  std::string query;
  hidden.add_options()("query", po::value(&query)->required());
  po::positional_options_description positional;
  positional.add("query", 1);
  po::variables_map vm;
  if (std::optional<int> exit = ParseArgs("explain", {&options, &hidden, &positional}, args, &vm)) {
    return *exit;
  }
  if (format != "json" && format != "text") return BadUsage("explain", "--format is json or text");
  if (std::optional<int> exit = CheckTimeZoneFlag("explain", time_zone)) return *exit;
  if (schema_path == "-" && query == "-") {
    return BadUsage("explain", "the schema and the query cannot both come from stdin");
  }
  const std::string key = LocalKeyArgument(local_key);
  if (key.empty()) {
    return BadUsage("explain",
                    std::string("the local master key is required: --kms-local-key @FILE, or "
                                "the environment variable ") +
                        kLocalKeyEnvironment);
  }
  absl::StatusOr<QueryText> text = ReadQueryArgument(query);
  if (!text.ok()) return UsageError("explain", std::string(text.status().message()));
  CommandContext context;
  int status = LoadCommandContext("explain", schema_path, server_version, params_json, &context);
  if (status != kExitAccepted) return status;
  EncryptorResult encryptor = Encryptor::OpenOffline(key_vault, key);
  if (!encryptor.ok()) {
    for (const Diagnostic& d : encryptor.diagnostics) UsageError("explain", d.message);
    return kExitUsage;
  }
  CompileOptions compile_options;
  compile_options.server_version = context.server_version;
  compile_options.require_encryptable = true;
  compile_options.time_zone = time_zone;
  Finisher finish = [&](const Translation& t, BsonDoc* command, Diagnostics* errors) {
    TranslateResult sent = encryptor.encryptor->Explain(t);
    if (!sent.ok()) {
      *errors = sent.diagnostics;
      return false;
    }
    *command = BsonDoc(sent.translation->command());
    return true;
  };
  return TranslateAndPrint("explain", context, *text, compile_options, format, style, &finish);
}

}  // namespace querysafe::cli
