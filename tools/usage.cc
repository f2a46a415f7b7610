#include "tools/usage.h"

#include <algorithm>
#include <cstdio>
#include <iostream>
#include <limits>
#include <utility>

#include "tools/cli.h"

namespace querysafe::cli {
namespace po = boost::program_options;
namespace {

// Damerau-Levenshtein distance (adjacent transpositions count one edit: "--shcema"). Boost and
// abseil have none; the names compared are a few dozen characters, so the table is tiny.
size_t EditDistance(std::string_view a, std::string_view b) {
  std::vector<std::vector<size_t>> d(a.size() + 1, std::vector<size_t>(b.size() + 1));
  for (size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
  for (size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[a.size()][b.size()];
}

// "--kms-local-key=SECRET" -> "--kms-local-key": what the user typed, without a value.
std::string WithoutValue(std::string_view token) {
  return std::string(token.substr(0, token.find('=')));
}

std::vector<std::string> LongFlags(const po::options_description& flags) {
  std::vector<std::string> names;
  for (const auto& option : flags.options()) {
    if (!option->long_name().empty()) names.push_back("--" + option->long_name());
  }
  return names;
}

// The positional argument `option` ("--query", as Boost names it) stands for, upper-cased as the
// usage line shows it ("QUERY"), or "" when it is a flag.
std::string PositionalName(std::string_view option, const ArgumentSpec& spec) {
  if (spec.positional == nullptr) return "";
  const std::string bare(option.substr(option.find_first_not_of('-') == std::string_view::npos
                                           ? option.size()
                                           : option.find_first_not_of('-')));
  const unsigned count = spec.positional->max_total_count();
  const unsigned known = count == std::numeric_limits<unsigned>::max() ? 1 : count;
  for (unsigned i = 0; i < known; ++i) {
    if (spec.positional->name_for_position(i) == bare) {
      std::string upper = bare;
      for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      return upper;
    }
  }
  return "";
}

// Each command's usage line. They live here rather than in the command table (commands.cc) so
// that the pieces of the CLI compiled into the wire tests (cli.cc, exec_cli.cc) need no command.
std::string_view UsageLine(std::string_view command) {
  static constexpr std::pair<std::string_view, std::string_view> kLines[] = {
      {"translate", "querysafe translate --schema FILE [OPTIONS] QUERY"},
      {"explain",
       "querysafe explain --schema FILE --key-vault FILE [--kms-local-key @FILE] [OPTIONS] QUERY"},
      {"check", "querysafe check --schema FILE [OPTIONS] [QUERYFILE | -]"},
      {"parse", "querysafe parse [--format text|json] QUERY"},
      {"schema", "querysafe schema check|encrypted-fields --schema FILE [OPTIONS]"},
      {"keys", "querysafe keys new-master-key|create|list [OPTIONS]"},
      {"migrate", "querysafe migrate --schema FILE --uri URI [OPTIONS]"},
      {"run", "querysafe run --schema FILE --uri URI [OPTIONS] QUERY"},
      {"insert", "querysafe insert --schema FILE --uri URI [OPTIONS] MODEL JSON"},
      {"version", "querysafe version [--format text|json]"},
  };
  const std::string_view top = command.substr(0, command.find(' '));
  for (const auto& [name, line] : kLines) {
    if (name == top) return line;
  }
  return "querysafe COMMAND [OPTIONS] [ARGS]";
}

}  // namespace

int BadUsage(std::string_view command, std::string_view message) {
  UsageError(command, message);
  const std::string_view top = command.substr(0, command.find(' '));
  const std::string_view usage = UsageLine(command);
  std::fprintf(stderr, "usage: %.*s\nRun 'querysafe help %.*s' for its options.\n",
               static_cast<int>(usage.size()), usage.data(), static_cast<int>(top.size()),
               top.data());
  return kExitUsage;
}

std::string NearestName(std::string_view typed, const std::vector<std::string>& candidates) {
  std::string best;
  size_t best_distance = std::numeric_limits<size_t>::max();
  for (const std::string& c : candidates) {
    const size_t d = EditDistance(typed, c);
    if (d < best_distance) best = c, best_distance = d;
  }
  const size_t allowed = typed.size() >= 9 ? 3 : 2;
  return best_distance <= allowed && best_distance < typed.size() ? best : "";
}

std::string DescribeError(const po::error& e, const ArgumentSpec& spec) {
  if (const auto* unknown = dynamic_cast<const po::unknown_option*>(&e)) {
    const std::string typed = WithoutValue(unknown->get_option_name());
    std::string message = "unknown option '" + typed + "'";
    const std::string nearest = NearestName(typed, LongFlags(*spec.flags));
    if (!nearest.empty()) message += "; did you mean '" + nearest + "'?";
    return message;
  }
  if (const auto* required = dynamic_cast<const po::required_option*>(&e)) {
    const std::string option = required->get_option_name();
    if (std::string positional = PositionalName(option, spec); !positional.empty()) {
      return "missing the " + positional + " argument";
    }
    return "missing " + WithoutValue(option) + ", which this command needs";
  }
  if (const auto* syntax = dynamic_cast<const po::invalid_command_line_syntax*>(&e)) {
    const std::string option = WithoutValue(syntax->get_option_name());
    switch (syntax->kind()) {
      case po::invalid_syntax::missing_parameter:
        return option + " needs a value";
      case po::invalid_syntax::extra_parameter:
        return option + " takes no value";
      case po::invalid_syntax::empty_adjacent_parameter:
        return option + "= needs a value after '='";
      default:
        return "'" + option + "' is not a valid option";
    }
  }
  if (const auto* twice = dynamic_cast<const po::multiple_occurrences*>(&e)) {
    return WithoutValue(twice->get_option_name()) + " is given more than once";
  }
  if (const auto* ambiguous = dynamic_cast<const po::ambiguous_option*>(&e)) {
    std::string message = "'" + WithoutValue(ambiguous->get_option_name()) + "' is ambiguous: ";
    const std::vector<std::string>& alternatives = ambiguous->alternatives();
    for (size_t i = 0; i < alternatives.size(); ++i) {
      message += (i == 0 ? "--" : ", --") + alternatives[i];
    }
    return message;
  }
  if (const auto* value = dynamic_cast<const po::validation_error*>(&e)) {
    return "the value of " + WithoutValue(value->get_option_name()) + " is not valid";
  }
  if (dynamic_cast<const po::too_many_positional_options_error*>(&e) != nullptr) {
    return spec.positional == nullptr || spec.positional->max_total_count() == 0
               ? "this command takes no arguments besides its options"
               : "too many arguments";
  }
  // A Boost error not foreseen above: its text, with any option value cut off.
  return RedactOptionValues(e.what());
}

std::optional<int> ParseArgs(std::string_view command, const ArgumentSpec& spec,
                             const std::vector<std::string>& args, po::variables_map* vm) {
  po::options_description all;
  all.add(*spec.flags);
  if (spec.hidden != nullptr) all.add(*spec.hidden);
  static const po::positional_options_description kNone;
  try {
    po::store(po::command_line_parser(args)
                  .options(all)
                  .positional(spec.positional != nullptr ? *spec.positional : kNone)
                  .run(),
              *vm);
  } catch (const po::error& e) {
    return BadUsage(command, DescribeError(e, spec));
  }
  if (vm->count("help") != 0) {
    std::cout << *spec.flags << "\n";
    return kExitAccepted;
  }
  try {
    po::notify(*vm);
  } catch (const po::error& e) {
    return BadUsage(command, DescribeError(e, spec));
  }
  return std::nullopt;
}

}  // namespace querysafe::cli
