// `querysafe insert`: insert one instance of a model, its encrypted fields
// encrypted by querysafe (lib/exec/client.h, Client::Insert).
//
//   querysafe insert --schema FILE --uri URI [--kms-local-key KEY |
//   --kms-providers JSON]
//                    [--key-vault-namespace DB.COLL] MODEL JSON
//
// JSON holds the field values by Django attribute name (Extended JSON; - reads
// stdin, @FILE a file). stdout: {"_id": ...} of the new document. Exit codes: 0
// inserted, 1 a value or the server refused it, 2 usage or configuration error.
#include <boost/program_options.hpp>
#include <cstdio>
#include <format>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "lib/common/bson_util.h"
#include "querysafe/client.h"
#include "tools/cli.h"
#include "tools/exec_cli.h"
#include "tools/json_style.h"
#include "tools/usage.h"

namespace querysafe::cli {
namespace {

namespace po = boost::program_options;

constexpr char kUsage[] =
    "usage: querysafe insert --schema FILE --uri URI [--kms-local-key KEY | "
    "--kms-providers "
    "JSON]\n"
    "                        [--key-vault-namespace DB.COLL] MODEL JSON\n";

}  // namespace

int RunInsert(const std::vector<std::string>& args) {
  po::options_description options(std::string(kUsage) + "\nOptions");
  ConnectionFlags flags;
  std::vector<std::string> positional;
  options.add_options()("help,h", "this help");
  JsonStyle style;
  AddJsonStyleFlags(&options, &style, /*types=*/true);
  AddConnectionFlags(&options, &flags, /*migrate=*/false);
  po::options_description hidden;
  hidden.add_options()("positional", po::value<std::vector<std::string>>(&positional));
  po::positional_options_description order;
  order.add("positional", -1);
  po::variables_map vm;
  if (std::optional<int> exit = ParseArgs("insert", {&options, &hidden, &order}, args, &vm)) {
    return *exit;
  }
  if (positional.size() != 2) {
    return BadUsage(
        "insert", std::format("expected the MODEL and JSON arguments, got {}", positional.size()));
  }
  std::string values_text = positional[1];
  if (values_text == "-" || values_text.starts_with("@")) {
    absl::StatusOr<std::string> text =
        ReadFile(values_text == "-" ? values_text : values_text.substr(1));
    if (!text.ok()) return UsageError("insert", std::string(text.status().message()));
    values_text = *std::move(text);
  }
  BsonDoc values;
  bson_error_t error;
  if (!BsonDoc::FromJson(values_text, &values, &error)) {
    return BadUsage("insert", NotJson("JSON", error));
  }
  ConnectOptions connect;
  std::optional<Schema> schema;
  if (std::optional<int> exit = MakeClientOptions("insert", flags, &connect, &schema)) {
    return *exit;
  }
  std::unique_ptr<Client> client = ConnectOrReport("insert", *schema, connect);
  if (client == nullptr) return kExitUsage;
  WriteResult w = client->Insert(positional[0], *values.get());
  if (!w.ok()) return ReportDiagnostics("insert", w.diagnostics, "", "", stderr);
  std::printf("%s\n", StyledJson(w.id.get(), style).c_str());
  return kExitAccepted;
}

}  // namespace querysafe::cli
