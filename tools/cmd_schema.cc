// `querysafe schema`: check a schema file, or print the encryptedFields map its
// models give.
//
//   querysafe schema check --schema FILE [--format text|json]
//   [--server-version 8.0] querysafe schema encrypted-fields --schema FILE
//   [--server-version 8.0]
//
// Exit codes: 0 valid, 1 the schema has diagnostics, 2 usage error or
// unreadable file.
#include <boost/program_options.hpp>
#include <cstdio>
#include <format>
#include <iostream>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "querysafe/diagnostic.h"
#include "querysafe/query.h"
#include "querysafe/schema.h"
#include "tools/cli.h"
#include "tools/json_style.h"
#include "tools/usage.h"

namespace querysafe::cli {
namespace {

namespace po = boost::program_options;

constexpr std::string_view kUsage =
    "usage: querysafe schema check --schema FILE [--format text|json] [--pretty] "
    "[--server-version X.Y]\n"
    "       querysafe schema encrypted-fields --schema FILE [--server-version "
    "X.Y]\n";

struct Options {
  std::string schema_path;
  std::string format = "text";
  SchemaOptions schema_options;
  JsonStyle style;
};

// Returns an exit code on error or help, nothing when the options are usable.
std::optional<int> ParseOptions(std::string_view sub, const std::vector<std::string>& args,
                                bool with_format, Options* options) {
  po::options_description desc(std::string(kUsage) + "\noptions");
  std::string version = "8.0";
  desc.add_options()("help,h", "show this help")(
      "schema", po::value<std::string>(&options->schema_path),
      "the schema JSON file (- for stdin)")("server-version", po::value<std::string>(&version),
                                            "MongoDB version of the collections (default 8.0)");
  if (with_format) {
    desc.add_options()("format", po::value<std::string>(&options->format),
                       "text (default) or json");
    AddJsonStyleFlags(&desc, &options->style, /*types=*/false);
  }
  const std::string command = std::format("schema {}", sub);
  po::variables_map vm;
  if (std::optional<int> exit = ParseArgs(command, {&desc}, args, &vm)) return *exit;
  if (options->schema_path.empty()) {
    return BadUsage(command, "missing --schema, which this command needs");
  }
  if (options->format != "text" && options->format != "json") {
    return BadUsage(command, "--format is text or json");
  }
  std::optional<ServerVersion> parsed = ServerVersion::Parse(version);
  if (!parsed) return BadUsage(command, "--server-version must look like 8.0");
  options->schema_options.server_major = parsed->major;
  options->schema_options.server_minor = parsed->minor;
  return std::nullopt;
}

int Check(const std::vector<std::string>& args) {
  Options options;
  if (std::optional<int> exit = ParseOptions("check", args, true, &options)) return *exit;
  absl::StatusOr<std::string> text = ReadFile(options.schema_path);
  if (!text.ok()) return UsageError("schema check", std::string(text.status().message()));
  SchemaResult result = Schema::FromJson(*text, options.schema_options);
  if (options.format == "json") {
    std::cout << StyledJson(DiagnosticsToJson(result.diagnostics, *text), options.style) << "\n";
    return result.ok() ? kExitAccepted : kExitRejected;
  }
  if (!result.ok()) {
    std::cerr << FormatDiagnostics(result.diagnostics, *text, options.schema_path) << "\n";
    return kExitRejected;
  }
  const Schema& s = *result.schema;
  std::cout << std::format(
      "{}: OK: database '{}': {} model(s), {} collection(s), {} encrypted "
      "path(s)\n",
      options.schema_path, s.database(), s.model_names().size(), s.collection_count(),
      s.encrypted_path_count());
  return kExitAccepted;
}

int EncryptedFields(const std::vector<std::string>& args) {
  Options options;
  if (std::optional<int> exit = ParseOptions("encrypted-fields", args, false, &options)) {
    return *exit;
  }
  absl::StatusOr<std::string> text = ReadFile(options.schema_path);
  if (!text.ok())
    return UsageError("schema encrypted-fields", std::string(text.status().message()));
  SchemaResult result = Schema::FromJson(*text, options.schema_options);
  if (!result.ok()) {
    std::cerr << FormatDiagnostics(result.diagnostics, *text, options.schema_path) << "\n";
    return kExitRejected;
  }
  if (result.schema->keys_by_alt_name()) {
    std::cerr << std::format(
        "querysafe schema: {} has no encrypted_fields_map: entries name their "
        "data key by "
        "\"keyAltName\" (<db_table>.<path>, as django-mongodb-backend creates "
        "them) instead of "
        "\"keyId\"; the keys are looked up in {}\n",
        options.schema_path, result.schema->key_vault_namespace());
  }
  std::cout << result.schema->EncryptedFieldsMapJson() << "\n";
  return kExitAccepted;
}

}  // namespace

int RunSchema(const std::vector<std::string>& args) {
  if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    std::fputs(kUsage.data(), args.empty() ? stderr : stdout);
    return args.empty() ? kExitUsage : kExitAccepted;
  }
  std::vector<std::string> rest(args.begin() + 1, args.end());
  if (args[0] == "check") return Check(rest);
  if (args[0] == "encrypted-fields") return EncryptedFields(rest);
  // `querysafe schema FILE`, as older documentation had it: say the command that does that.
  if (!args[0].starts_with("-") && args[0].find_first_of("./") != std::string::npos) {
    return BadUsage("schema",
                    std::format("unknown subcommand '{}'; to check a schema file, run 'querysafe "
                                "schema check --schema {}'",
                                args[0], args[0]));
  }
  const std::string nearest = NearestName(args[0], {"check", "encrypted-fields"});
  return BadUsage("schema",
                  std::format("unknown subcommand '{}'{}", args[0],
                              nearest.empty() ? "" : "; did you mean '" + nearest + "'?"));
}

}  // namespace querysafe::cli
