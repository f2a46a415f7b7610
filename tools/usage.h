// Usage errors in querysafe's own words. Boost.Program_options parses the flags, but its messages
// name things the user never typed ("the option '--query' is required but missing", for the
// positional QUERY) and give no way forward. Every usage error says what is wrong, shows the
// command's usage line and, for a misspelt flag or command, the nearest one; it exits 2.
#ifndef QUERYSAFE_TOOLS_USAGE_H_
#define QUERYSAFE_TOOLS_USAGE_H_

#include <boost/program_options.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace querysafe::cli {

// Prints "querysafe COMMAND: MESSAGE", COMMAND's usage line and where its options are described,
// to stderr; returns kExitUsage. COMMAND may be a subcommand ("schema check").
int BadUsage(std::string_view command, std::string_view message);

// The arguments a command takes: the flags `--help` lists, and the positional arguments (their
// options hidden from --help; empty when the command takes none).
struct ArgumentSpec {
  const boost::program_options::options_description* flags = nullptr;
  const boost::program_options::options_description* hidden = nullptr;
  const boost::program_options::positional_options_description* positional = nullptr;
};

// Parses `args` into `vm` and runs the notifiers. nullopt: go on. Otherwise the exit code: 0 after
// printing --help (before required flags are checked), 2 after BadUsage.
std::optional<int> ParseArgs(std::string_view command, const ArgumentSpec& spec,
                             const std::vector<std::string>& args,
                             boost::program_options::variables_map* vm);

// What a Boost.Program_options error means, in querysafe's words (no option value is repeated:
// it may be a secret).
std::string DescribeError(const boost::program_options::error& e, const ArgumentSpec& spec);

// The candidate nearest to `typed` when it is close enough to be a typo (at most two edits, a
// third for names of nine characters or more), else "". Ties go to the first candidate.
std::string NearestName(std::string_view typed, const std::vector<std::string>& candidates);

}  // namespace querysafe::cli

#endif  // QUERYSAFE_TOOLS_USAGE_H_
