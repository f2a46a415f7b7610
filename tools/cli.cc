#include "tools/cli.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>

#include "absl/status/status.h"
#include "lib/api/compiled_query.h"

namespace querysafe::cli {

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  if (path == "-") {
    std::ostringstream ss;
    ss << std::cin.rdbuf();
    return ss.str();
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::NotFoundError("cannot read '" + path + "': " + std::strerror(errno));
  }
  std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) return absl::DataLossError("error reading '" + path + "'");
  return data;
}

int UsageError(std::string_view command, std::string_view message) {
  std::fprintf(stderr, "querysafe %.*s: %.*s\n", static_cast<int>(command.size()), command.data(),
               static_cast<int>(message.size()), message.data());
  return kExitUsage;
}

std::optional<int> CheckTimeZoneFlag(std::string_view command, std::string_view time_zone) {
  if (std::optional<Diagnostic> d = internal::CheckTimeZone(time_zone)) {
    return UsageError(command, "--time-zone: " + d->message);
  }
  return std::nullopt;
}

}  // namespace querysafe::cli

namespace querysafe::cli {

int LoadCommandContext(std::string_view command, const std::string& schema_path,
                       const std::string& server_version, const std::string& params_json,
                       CommandContext* context) {
  std::optional<ServerVersion> version = ServerVersion::Parse(server_version);
  if (!version) {
    return UsageError(
        command, "--server-version must look like 8.0 (MAJOR.MINOR), not '" + server_version + "'");
  }
  context->server_version = *version;
  absl::StatusOr<std::string> text = ReadFile(schema_path);
  if (!text.ok()) return UsageError(command, std::string(text.status().message()));
  SchemaOptions schema_options;
  schema_options.server_major = version->major;
  schema_options.server_minor = version->minor;
  SchemaResult loaded = Schema::FromJson(*text, schema_options);
  if (!loaded.ok()) {
    std::fprintf(stderr, "%s\n", FormatDiagnostics(loaded.diagnostics, *text, schema_path).c_str());
    return UsageError(command, "the schema is not valid (see above)");
  }
  context->schema = *loaded.schema;
  if (!params_json.empty()) {
    bson_error_t error;
    if (!BsonDoc::FromJson(params_json, &context->params, &error)) {
      return UsageError(command, std::string("--params is not a JSON document: ") + error.message);
    }
  }
  return kExitAccepted;
}

namespace {

int PrintRejection(std::string_view text, const Diagnostics& diagnostics) {
  std::printf("%s\n", DiagnosticsToJson(diagnostics, text).c_str());
  std::fprintf(stderr, "%s\n", FormatDiagnostics(diagnostics, text, "query").c_str());
  for (const Diagnostic& d : diagnostics) {
    if (d.category == Category::kImproperlyConfigured) return kExitUsage;
  }
  return kExitRejected;
}

}  // namespace

int TranslateAndPrint(std::string_view command, const CommandContext& context,
                      const std::string& query, const CompileOptions& options,
                      const std::string& format, const Finisher* finish) {
  (void)command;
  CompileResult compiled = Query::Compile(*context.schema, query, options);
  if (!compiled.ok()) return PrintRejection(query, compiled.diagnostics);
  TranslateResult translated = compiled.query->Translate(*context.params.get());
  if (!translated.ok()) return PrintRejection(query, translated.diagnostics);
  BsonDoc body(translated.translation->command());
  if (finish != nullptr) {
    Diagnostics errors;
    if (!(*finish)(*translated.translation, &body, &errors)) return PrintRejection(query, errors);
  }
  BsonDoc out;
  bson_append_utf8(out.get(), "database", -1, translated.translation->database().c_str(), -1);
  bson_append_utf8(out.get(), "collection", -1, translated.translation->collection().c_str(), -1);
  bson_append_document(out.get(), "command", -1, body.get());
  if (format == "text") {
    std::printf("%s\n", IndentJson(ToRelaxedJson(out.get())).c_str());
  } else {
    std::printf("%s\n", ToCanonicalJson(out.get()).c_str());
  }
  return kExitAccepted;
}

}  // namespace querysafe::cli
