// querysafe translate: query text -> the MongoDB command, with a {"$encrypt": {...}} placeholder
// wherever an encrypted value goes. Nothing is encrypted and nothing leaves the process. QUERY is
// the text, - (standard input) or @FILE.

#include <boost/program_options.hpp>
#include <cstdio>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "querysafe/query.h"
#include "tools/cli.h"
#include "tools/usage.h"

namespace querysafe::cli {

int RunTranslate(const std::vector<std::string>& args) {
  namespace po = boost::program_options;
  po::options_description options(
      "querysafe translate --schema FILE [options] QUERY\n\nQUERY is the query text, - to read it "
      "from standard input, or @FILE.\n\nOptions");
  std::string schema_path, server_version = "8.0", format = "json", params_json, time_zone = "UTC";
  options.add_options()("help,h", "this text")("schema", po::value(&schema_path)->required(),
                                               "the schema JSON file")(
      "server-version", po::value(&server_version),
      "MongoDB version the query will run on (default 8.0)")(
      "format", po::value(&format),
      "json (default), or text: the command indented, refusals only as text on stderr")(
      "params", po::value(&params_json),
      "parameter values as an Extended JSON document, e.g. '{\"ssn\": \"987-65-4320\"}'")(
      "time-zone", po::value(&time_zone), kTimeZoneHelp);
  JsonStyle style;
  AddJsonStyleFlags(&options, &style, /*types=*/true);
  po::options_description hidden;
  std::string query;
  hidden.add_options()("query", po::value(&query)->required());
  po::positional_options_description positional;
  positional.add("query", 1);
  po::variables_map vm;
  if (std::optional<int> exit =
          ParseArgs("translate", {&options, &hidden, &positional}, args, &vm)) {
    return *exit;
  }
  if (format != "json" && format != "text")
    return BadUsage("translate", "--format is json or text");
  if (std::optional<int> exit = CheckTimeZoneFlag("translate", time_zone)) return *exit;
  if (schema_path == "-" && query == "-") {
    return BadUsage("translate", "the schema and the query cannot both come from stdin");
  }
  absl::StatusOr<QueryText> text = ReadQueryArgument(query);
  if (!text.ok()) return UsageError("translate", std::string(text.status().message()));
  CommandContext context;
  int status = LoadCommandContext("translate", schema_path, server_version, params_json, &context);
  if (status != kExitAccepted) return status;
  CompileOptions compile_options;
  compile_options.server_version = context.server_version;
  compile_options.time_zone = time_zone;
  return TranslateAndPrint("translate", context, *text, compile_options, format, style,
                           /*finish=*/nullptr);
}

}  // namespace querysafe::cli
