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

#include "lib/common/arena.h"
#include "lib/parse/parse.h"
#include "querysafe/diagnostic.h"
#include "tools/cli.h"
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

  Arena arena;
  const ParseResult result = ParseQuery(text, ParseOptions{}, &arena);
  if (result.query == nullptr) {
    std::cerr << FormatDiagnostics(result.diagnostics, text, query->source) << "\n";
    if (format == "json") std::cout << DiagnosticsToJson(result.diagnostics, text) << "\n";
    return kExitRejected;
  }
  if (format == "json") {
    std::cout << QueryToJson(*result.query) << "\n";
  } else {
    std::cout << DebugString(*result.query);
  }
  return kExitAccepted;
}

}  // namespace querysafe::cli
