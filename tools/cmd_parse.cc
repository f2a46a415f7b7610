// querysafe parse QUERY [--format text|json]: the AST of a query, or why it
// does not parse.
// - exit 0: the AST on stdout (DebugString, or JSON);
// - exit 1: diagnostics on stderr (and {"errors": [...]} on stdout with
//   --format json);
// - exit 2: usage errors.
#include <boost/program_options.hpp>
#include <cstdio>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "querysafe/diagnostic.h"
#include "querysafe/query.h"
#include "tools/cli.h"
#include "tools/json_style.h"
#include "tools/usage.h"

namespace querysafe::cli {

int RunParse(const std::vector<std::string>& args) {
  namespace po = boost::program_options;
  po::options_description options(
      "querysafe parse QUERY [options]\n\nQUERY is the query text, "
      "- to read it from standard input, or @FILE.\n\nOptions");
  std::string format = "text";
  options.add_options()("help,h", "show this help")(
      "format", po::value<std::string>(&format)->default_value("text"), "text or json");
  JsonStyle style;
  AddJsonStyleFlags(&options, &style, /*types=*/false);
  po::options_description hidden;
  hidden.add_options()("query", po::value<std::string>(), "the query");
  po::positional_options_description positional;
  positional.add("query", 1);

  po::variables_map vm;
  if (std::optional<int> exit = ParseArgs("parse", {&options, &hidden, &positional}, args, &vm)) {
    return *exit;
  }
  if (!vm.count("query")) return BadUsage("parse", "missing the QUERY argument");
  if (format != "text" && format != "json") return BadUsage("parse", "--format is text or json");
  absl::StatusOr<QueryText> query = ReadQueryArgument(vm["query"].as<std::string>());
  if (!query.ok()) return UsageError("parse", std::string(query.status().message()));
  const std::string& text = query->text;

  const ParseTreeResult result = ParseTree(text);
  if (!result.ok()) {
    std::cerr << FormatDiagnostics(result.diagnostics, text, query->source) << "\n";
    if (format == "json") {
      std::cout << StyledJson(DiagnosticsToJson(result.diagnostics, text), style) << "\n";
    }
    return kExitRejected;
  }
  if (format == "json") {
    std::cout << StyledJson(result.json, style) << "\n";
  } else {
    std::cout << result.debug_string;
  }
  return kExitAccepted;
}

}  // namespace querysafe::cli
