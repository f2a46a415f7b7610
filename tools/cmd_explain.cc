// querysafe explain: translate, then encrypt every placeholder offline (key vault file + local
// master key): the command exactly as it would be sent, real payloads included.

#include <boost/program_options.hpp>
#include <iostream>
#include <string>
#include <vector>

#include "lib/common/bson_util.h"
#include "querysafe/crypt.h"
#include "querysafe/query.h"
#include "tools/cli.h"

namespace querysafe::cli {

int RunExplain(const std::vector<std::string>& args) {
  namespace po = boost::program_options;
  po::options_description options(
      "querysafe explain --schema FILE --key-vault KEYS.json --kms-local-key BASE64_OR_@FILE "
      "[options] QUERY");
  std::string schema_path, key_vault, local_key, server_version = "8.0", format = "json",
                                                 params_json, time_zone = "UTC";
  options.add_options()("help,h", "this text")("schema", po::value(&schema_path)->required(),
                                               "the schema JSON file")(
      "key-vault", po::value(&key_vault)->required(),
      "key documents (Extended JSON: an array, one per line, or one document)")(
      "kms-local-key", po::value(&local_key)->required(),
      "the 96-byte local master key: base64, or @FILE")(
      "server-version", po::value(&server_version), "MongoDB version (default 8.0)")(
      "format", po::value(&format), "json (default) or text")(
      "params", po::value(&params_json), "parameter values as an Extended JSON document")(
      "time-zone", po::value(&time_zone), kTimeZoneHelp);
  po::options_description hidden;
  std::string query;
  hidden.add_options()("query", po::value(&query)->required());
  po::positional_options_description positional;
  positional.add("query", 1);
  po::options_description all;
  all.add(options).add(hidden);
  po::variables_map vm;
  po::store(po::command_line_parser(args).options(all).positional(positional).run(), vm);
  if (vm.count("help")) {
    std::cout << options;
    return kExitAccepted;
  }
  po::notify(vm);
  if (format != "json" && format != "text")
    return UsageError("explain", "--format is json or text");
  if (std::optional<int> exit = CheckTimeZoneFlag("explain", time_zone)) return *exit;
  CommandContext context;
  int status = LoadCommandContext("explain", schema_path, server_version, params_json, &context);
  if (status != kExitAccepted) return status;
  EncryptorResult encryptor = Encryptor::OpenOffline(key_vault, local_key);
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
  return TranslateAndPrint("explain", context, query, compile_options, format, &finish);
}

}  // namespace querysafe::cli
