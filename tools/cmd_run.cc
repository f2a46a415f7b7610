// `querysafe run`: compile a query for the server it will run on, encrypt its values and run it
// on an encrypted connection; the decrypted result on stdout (lib/exec/client.h).
//
//   querysafe run --schema FILE --uri URI [--kms-local-key KEY | --kms-providers JSON]
//                 [--key-vault-namespace DB.COLL] [--params JSON] [--time-zone ZONE]
//                 [--canonical] QUERY
//
// QUERY is the text, - (standard input) or @FILE. The local master key comes from --kms-local-key
// or, when neither it nor --kms-providers is given, QUERYSAFE_KMS_LOCAL_KEY (tools/cli.h).
//
// stdout: rows one per line as Extended JSON (relaxed; --canonical keeps every BSON type), the
// one document of get()/first()/last()/aggregate() (null for no row), the number of count(),
// update() and delete(), or true/false for exists(). Diagnostics on stderr, with a caret into
// QUERY. Exit codes: 0 ran, 1 the query was refused (by querysafe before sending, or by the
// server) or get() found no or several rows, 2 usage or configuration error.
#include <boost/program_options.hpp>
#include <cstdio>
#include <format>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "lib/common/bson_util.h"
#include "querysafe/client.h"
#include "querysafe/query.h"
#include "tools/cli.h"
#include "tools/exec_cli.h"
#include "tools/usage.h"

namespace querysafe::cli {
namespace {

namespace po = boost::program_options;

constexpr char kUsage[] =
    "usage: querysafe run --schema FILE --uri URI [--kms-local-key @FILE | --kms-providers JSON]\n"
    "                     [--key-vault-namespace DB.COLL] [--params JSON] [--time-zone ZONE]\n"
    "                     [--canonical] QUERY\n"
    "QUERY is the query text, - (standard input) or @FILE. Without --kms-local-key and\n"
    "--kms-providers, the local master key comes from $QUERYSAFE_KMS_LOCAL_KEY (base64 or "
    "@FILE).\n";

}  // namespace

int RunRun(const std::vector<std::string>& args) {
  po::options_description options(std::string(kUsage) + "\nOptions");
  ConnectionFlags flags;
  std::string params_json, query, time_zone = "UTC";
  options.add_options()("help,h", "this help")(
      "params", po::value(&params_json),
      "parameter values as an Extended JSON document, e.g. '{\"ssn\": \"987-65-4320\"}'")(
      "time-zone", po::value(&time_zone), kTimeZoneHelp);
  JsonStyle style;
  AddJsonStyleFlags(&options, &style, /*types=*/true);
  AddConnectionFlags(&options, &flags, /*migrate=*/false);
  po::options_description hidden;
  hidden.add_options()("query", po::value(&query));
  po::positional_options_description positional;
  positional.add("query", 1);
  po::variables_map vm;
  if (std::optional<int> exit = ParseArgs("run", {&options, &hidden, &positional}, args, &vm)) {
    return *exit;
  }
  if (query.empty()) return BadUsage("run", "missing the QUERY argument");
  if (std::optional<int> exit = CheckTimeZoneFlag("run", time_zone)) return *exit;
  if (flags.schema == "-" && query == "-") {
    return BadUsage("run", "the schema and the query cannot both come from stdin");
  }
  absl::StatusOr<QueryText> text = ReadQueryArgument(query);
  if (!text.ok()) return UsageError("run", std::string(text.status().message()));
  BsonDoc params;
  if (!params_json.empty()) {
    bson_error_t error;
    if (!BsonDoc::FromJson(params_json, &params, &error)) {
      return BadUsage("run", NotJson("--params", error));
    }
  }
  ConnectOptions connect;
  std::optional<Schema> schema;
  if (std::optional<int> exit = MakeClientOptions("run", flags, &connect, &schema)) return *exit;
  connect.time_zone = time_zone;
  std::unique_ptr<Client> client = ConnectOrReport("run", *schema, connect);
  if (client == nullptr) return kExitUsage;
  // Compiled for the server the connection reached, refusing what this build's libmongocrypt
  // cannot encrypt (Client::compile_options()).
  return PrintRunResult(client->Run(text->text, *params.get()), text->text, text->source, stdout,
                        stderr, style);
}

}  // namespace querysafe::cli
