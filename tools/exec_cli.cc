#include "tools/exec_cli.h"

#include <mongoc/mongoc.h>

#include <atomic>
#include <cstdlib>
#include <format>

#include "querysafe/client.h"
#include "tools/cli.h"
#include "tools/usage.h"

namespace querysafe::cli {
namespace {

namespace po = boost::program_options;

// "@path" reads the file; anything else is the text itself.
absl::StatusOr<std::string> TextOrFile(const std::string& value) {
  if (!value.empty() && value[0] == '@') return ReadFile(value.substr(1));
  return value;
}

// The one element of a compact JSON array "[v]": a values_list(flat=True) row.
std::string_view StripBrackets(std::string_view json) {
  if (json.size() >= 2 && json.starts_with("[") && json.ends_with("]")) {
    return json.substr(1, json.size() - 2);
  }
  return json;
}

}  // namespace

void AddConnectionFlags(po::options_description* options, ConnectionFlags* flags, bool migrate) {
  options->add_options()("schema", po::value<std::string>(&flags->schema),
                         "the schema JSON file (- for stdin)")(
      "uri", po::value<std::string>(&flags->uri),
      "MongoDB connection string (TLS options go here: "
      "tls=true&tlsCAFile=...)")(
      "kms-local-key", po::value<std::string>(&flags->kms_local_key),
      "the local master key: @FILE holding the 96 bytes or their base64 (or the base64 text "
      "itself, readable by other users in /proc/PID/cmdline); default: "
      "$QUERYSAFE_KMS_LOCAL_KEY")(
      "kms-providers", po::value<std::string>(&flags->kms_providers),
      "a kms_providers document (JSON or @FILE), as the drivers take it")(
      "key-vault-namespace", po::value<std::string>(&flags->key_vault_namespace),
      "DB.COLLECTION of the key vault (default: the schema's, "
      "<database>.__keyVault)")("kms-tls-options", po::value<std::string>(&flags->kms_tls_options),
                                "TLS options for KMS providers (JSON or "
                                "@FILE): {\"aws\": {\"tlsCAFile\": "
                                "...}}, for querysafe's KMS requests and "
                                "the driver's")(
      "server-version", po::value<std::string>(&flags->server_version),
      "compile for this MongoDB version (X.Y) instead of the server's")(
      "verbose", po::bool_switch(&flags->verbose),
      "print the driver's log on stderr (also: QUERYSAFE_VERBOSE=1)");
  if (migrate) {
    options->add_options()("kms-provider", po::value<std::string>(&flags->kms_provider),
                           "the provider that wraps new data keys (default: the only one "
                           "configured)")("master-key", po::value<std::string>(&flags->master_key),
                                          "the master key document for a provider other than "
                                          "local (JSON or @FILE), e.g. {\"region\": ..., \"key\": "
                                          "...} for aws");
  }
}

namespace {

std::atomic<bool> driver_log_verbose{false};

void DriverLog(mongoc_log_level_t level, const char* domain, const char* message, void*) {
  if (!driver_log_verbose.load(std::memory_order_relaxed)) return;
  std::fprintf(stderr, "querysafe: driver %s [%s]: %s\n", mongoc_log_level_str(level),
               domain != nullptr ? domain : "", message != nullptr ? message : "");
}

}  // namespace

void InstallDriverLog(bool verbose) {
  const char* env = std::getenv(kVerboseEnvironment);
  const bool from_env = env != nullptr && *env != '\0' && std::string_view(env) != "0";
  driver_log_verbose.store(verbose || from_env, std::memory_order_relaxed);
  mongoc_log_set_handler(DriverLog, nullptr);
}

std::optional<int> MakeClientOptions(std::string_view command, const ConnectionFlags& flags,
                                     ConnectOptions* options, std::optional<Schema>* schema_out) {
  // A flag can only turn the log on: $QUERYSAFE_VERBOSE stays in force without it.
  if (flags.verbose) InstallDriverLog(true);
  if (flags.schema.empty()) return BadUsage(command, "missing --schema, which this command needs");
  if (flags.uri.empty()) return BadUsage(command, "missing --uri, which this command needs");
  if (!flags.kms_local_key.empty() && !flags.kms_providers.empty()) {
    return BadUsage(command, "give either --kms-local-key or --kms-providers, not both");
  }
  // The environment's key stands in for a missing --kms-local-key, not for --kms-providers.
  const std::string local_key =
      flags.kms_providers.empty() ? LocalKeyArgument(flags.kms_local_key) : std::string();
  SchemaOptions schema_options;
  *options = ConnectOptions{};
  if (!flags.server_version.empty()) {
    std::optional<ServerVersion> version = ServerVersion::Parse(flags.server_version);
    if (!version) return UsageError(command, "--server-version must look like 8.0");
    schema_options.server_major = version->major;
    schema_options.server_minor = version->minor;
    options->server_version = *version;
  }
  absl::StatusOr<std::string> text = ReadFile(flags.schema);
  if (!text.ok()) return UsageError(command, std::string(text.status().message()));
  SchemaResult loaded = Schema::FromJson(*text, schema_options);
  if (!loaded.ok()) {
    ReportDiagnostics(command, loaded.diagnostics, *text, flags.schema, stderr);
    return kExitUsage;
  }
  if (loaded.schema->has_encrypted_fields() && local_key.empty() && flags.kms_providers.empty()) {
    return UsageError(command,
                      "the schema has encrypted fields: --kms-local-key @FILE, --kms-providers or "
                      "the environment variable QUERYSAFE_KMS_LOCAL_KEY is required");
  }
  options->uri = flags.uri;
  options->local_master_key = local_key;  // "@FILE" is read there
  options->key_vault_namespace = flags.key_vault_namespace;
  options->kms_provider = flags.kms_provider;
  // The API takes these settings as JSON text; the flags also take @FILE.
  struct JsonSetting {
    const char* flag;
    const std::string* value;
    std::string* setting;
  };
  const JsonSetting json_settings[] = {
      {"kms-providers", &flags.kms_providers, &options->kms_providers},
      {"kms-tls-options", &flags.kms_tls_options, &options->kms_tls_options},
      {"master-key", &flags.master_key, &options->master_key},
  };
  for (const JsonSetting& s : json_settings) {
    if (s.value->empty()) continue;
    absl::StatusOr<std::string> json = TextOrFile(*s.value);
    if (!json.ok()) {
      return UsageError(command,
                        std::format("--{}: {}", s.flag, std::string(json.status().message())));
    }
    *s.setting = *std::move(json);
  }
  *schema_out = std::move(loaded.schema);
  return std::nullopt;
}

std::unique_ptr<Client> ConnectOrReport(std::string_view command, const Schema& schema,
                                        const ConnectOptions& options) {
  ClientResult connected = Client::Connect(schema, options);
  if (!connected.ok()) ReportDiagnostics(command, connected.diagnostics, "", "", stderr);
  return std::move(connected.client);
}

int ReportDiagnostics(std::string_view command, const Diagnostics& diagnostics,
                      std::string_view text, std::string_view source, std::FILE* err) {
  const std::string name =
      source.empty() ? std::format("querysafe {}", command) : std::string(source);
  bool configuration = false;
  for (const Diagnostic& d : diagnostics) {
    // A server that cannot be reached is the connection's configuration (exit 2, as `run`'s
    // connect says), not a refusal of the input, whichever command met it first.
    configuration |= d.category == Category::kImproperlyConfigured ||
                     d.code == "exec.server_selection" || d.code == "exec.network_error";
    // Only diagnostics about the text (a value's span) get a caret; a server
    // error is about the whole query.
    const std::string line =
        FormatDiagnostic(d, d.span.end > d.span.begin ? text : std::string_view(), name);
    std::fprintf(err, "%s\n", line.c_str());
  }
  return configuration ? kExitUsage : kExitRejected;
}

std::string RowJson(const bson_t* row, RowShape shape, const JsonStyle& style) {
  if (shape == RowShape::kDocument) return StyledJson(row, style);
  if (shape == RowShape::kTuple) return StyledJsonArray(row, style);
  JsonStyle compact = style;
  compact.pretty = false;
  return StyledJson(StripBrackets(StyledJsonArray(row, compact)), style);
}

int PrintRunResult(RunResult r, std::string_view query_text, std::string_view source,
                   std::FILE* out, std::FILE* err, const JsonStyle& style) {
  if (!r.ok()) return ReportDiagnostics("run", r.diagnostics, query_text, source, err);
  if (r.rows != nullptr) {
    while (const bson_t* row = r.rows->Next()) {
      std::fprintf(out, "%s\n", RowJson(row, r.shape, style).c_str());
    }
    if (r.rows->error()) {
      return ReportDiagnostics("run", {*r.rows->error()}, query_text, source, err);
    }
  } else if (r.count) {
    std::fprintf(out, "%lld\n", static_cast<long long>(*r.count));
  } else if (r.exists) {
    std::fprintf(out, "%s\n", *r.exists ? "true" : "false");
  } else if (r.document) {
    std::fprintf(out, "%s\n", RowJson(r.document.get(), r.shape, style).c_str());
  } else {
    std::fprintf(out, "null\n");  // first()/last() of nothing: None
  }
  return kExitAccepted;
}

}  // namespace querysafe::cli
