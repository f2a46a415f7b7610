// The querysafe command: a thin shell over the library. Each subcommand lives in its own file
// (tools/cmd_*.cc) and is listed in tools/commands.cc. Exit codes: 0 accepted, 1 rejected (JSON
// on stdout, diagnostics for humans on stderr), 2 usage or configuration error.

#include <cstdio>
#include <exception>
#include <string>
#include <string_view>
#include <vector>

#include "querysafe/version.h"
#include "tools/cli.h"
#include "tools/exec_cli.h"
#include "tools/usage.h"

namespace {

void PrintUsage(std::FILE* out) {
  std::fputs("usage: querysafe COMMAND [OPTIONS] [ARGS]\n\ncommands:\n", out);
  for (const querysafe::cli::Command& c : querysafe::cli::Commands()) {
    std::fprintf(out, "  %-18.*s %.*s\n", static_cast<int>(c.name.size()), c.name.data(),
                 static_cast<int>(c.summary.size()), c.summary.data());
  }
  std::fputs(
      "  help [COMMAND]     this list, or a command's options\n"
      "  --version          print querysafe's version alone\n"
      "\nExit codes: 0 accepted, 1 a query or schema refused by a rule, 2 a usage, configuration "
      "or I/O error.\nRun `querysafe help COMMAND` (or `querysafe COMMAND --help`) for a "
      "command's options.\n",
      out);
}

}  // namespace

int main(int argc, char** argv) {
  // Before anything can connect: the driver's own handler would print on stdout.
  querysafe::cli::InstallDriverLog(false);
  if (argc < 2) {
    PrintUsage(stderr);
    return querysafe::cli::kExitUsage;
  }
  std::string_view name = argv[1];
  if (name == "--version") {
    std::printf("querysafe %s\n", QUERYSAFE_VERSION_STRING);
    return querysafe::cli::kExitAccepted;
  }
  std::vector<std::string> args(argv + 2, argv + argc);
  if (name == "help" || name == "--help" || name == "-h") {
    if (args.empty() || name != "help" || args.front() == "help") {
      PrintUsage(stdout);
      return querysafe::cli::kExitAccepted;
    }
    // `querysafe help COMMAND [SUBCOMMAND]` is `querysafe COMMAND [SUBCOMMAND] --help`.
    name = argv[2];
    args.erase(args.begin());
    args.push_back("--help");
  }
  for (const querysafe::cli::Command& c : querysafe::cli::Commands()) {
    if (c.name != name) continue;
    // The library never throws for bad input; this guards the command layer itself (argument
    // parsing, I/O) so that no exception ever reaches the user as an abort.
    try {
      return c.run(args);
    } catch (const std::exception& e) {
      return querysafe::cli::UsageError(name, e.what());
    }
  }
  std::vector<std::string> names;
  for (const querysafe::cli::Command& c : querysafe::cli::Commands()) names.emplace_back(c.name);
  const std::string nearest = querysafe::cli::NearestName(name, names);
  std::fprintf(stderr, "querysafe: unknown command '%.*s'%s%s%s\n\n", static_cast<int>(name.size()),
               name.data(), nearest.empty() ? "" : "; did you mean '", nearest.c_str(),
               nearest.empty() ? "" : "'?");
  PrintUsage(stderr);
  return querysafe::cli::kExitUsage;
}
