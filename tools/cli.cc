#include "tools/cli.h"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <format>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>

#include "absl/status/status.h"
#include "lib/common/json_error.h"
#include "tools/usage.h"

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

absl::StatusOr<QueryText> ReadQueryArgument(const std::string& argument) {
  QueryText query;
  if (argument == "-" || (!argument.empty() && argument.front() == '@')) {
    const bool is_stdin = argument == "-";
    const std::string path = is_stdin ? "-" : argument.substr(1);
    if (path.empty()) return absl::InvalidArgumentError("'@' must be followed by a file name");
    absl::StatusOr<std::string> text = ReadFile(path);
    if (!text.ok()) return text.status();
    query.text = *std::move(text);
    while (!query.text.empty() && (query.text.back() == '\n' || query.text.back() == '\r')) {
      query.text.pop_back();
    }
    query.source = is_stdin ? "<stdin>" : path;
    return query;
  }
  query.text = argument;
  query.source = "query";
  return query;
}

std::string LocalKeyArgument(const std::string& flag) {
  if (!flag.empty()) return flag;
  const char* value = std::getenv(kLocalKeyEnvironment);
  return value != nullptr ? std::string(value) : std::string();
}

std::string RedactOptionValues(std::string_view message) {
  std::string out;
  out.reserve(message.size());
  size_t at = 0;
  for (size_t quote; (quote = message.find("'--", at)) != std::string_view::npos;) {
    const size_t end = message.find('\'', quote + 3);
    if (end == std::string_view::npos) break;
    const size_t equals = message.find('=', quote + 3);
    out.append(message.substr(at, quote - at));
    if (equals < end) {
      out.append(message.substr(quote, equals + 1 - quote));
      out.append("...'");
    } else {
      out.append(message.substr(quote, end + 1 - quote));
    }
    at = end + 1;
  }
  out.append(message.substr(at));
  return out;
}

std::string NotJson(std::string_view what, const bson_error_t& error) {
  const std::string_view message = error.message;
  if (std::optional<size_t> offset = JsonErrorOffset(message)) {
    // `Got parse error at "b", position 1: ...`: the quoted byte is the one found there.
    const char found = message[std::string_view("Got parse error at \"").size()];
    if (found < 0x20 || found >= 0x7f) {
      return std::format("{} is not valid JSON: unexpected byte at character {}", what,
                         *offset + 1);
    }
    return std::format("{} is not valid JSON: unexpected '{}' at character {}", what, found,
                       *offset + 1);
  }
  if (message.find("Incomplete JSON") != std::string_view::npos) {
    return std::format("{} is not valid JSON: it ends before the document is complete", what);
  }
  return std::format("{} is not valid JSON: {}", what, message);
}

int UsageError(std::string_view command, std::string_view message) {
  const std::string safe = RedactOptionValues(message);
  std::fprintf(stderr, "querysafe %.*s: %s\n", static_cast<int>(command.size()), command.data(),
               safe.c_str());
  return kExitUsage;
}

std::optional<int> CheckTimeZoneFlag(std::string_view command, std::string_view time_zone) {
  if (std::optional<Diagnostic> d = CheckTimeZone(time_zone)) {
    return BadUsage(command, "--time-zone: " + d->message);
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
    return BadUsage(
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
      return BadUsage(command, NotJson("--params", error));
    }
  }
  return kExitAccepted;
}

namespace {

int PrintRejection(const QueryText& query, const Diagnostics& diagnostics,
                   const std::string& format, const JsonStyle& style) {
  // --format text: text only, on stderr; stdout stays empty, as for any refused input.
  if (format != "text") {
    std::printf("%s\n", StyledJson(DiagnosticsToJson(diagnostics, query.text), style).c_str());
  }
  std::fprintf(stderr, "%s\n", FormatDiagnostics(diagnostics, query.text, query.source).c_str());
  for (const Diagnostic& d : diagnostics) {
    if (d.category == Category::kImproperlyConfigured) return kExitUsage;
  }
  return kExitRejected;
}

}  // namespace

int TranslateAndPrint(std::string_view command, const CommandContext& context,
                      const QueryText& query, const CompileOptions& options,
                      const std::string& format, const JsonStyle& style, const Finisher* finish) {
  (void)command;
  CompileResult compiled = Query::Compile(*context.schema, query.text, options);
  if (!compiled.ok()) return PrintRejection(query, compiled.diagnostics, format, style);
  TranslateResult translated = compiled.query->Translate(*context.params.get());
  if (!translated.ok()) return PrintRejection(query, translated.diagnostics, format, style);
  BsonDoc body(translated.translation->command());
  if (finish != nullptr) {
    Diagnostics errors;
    if (!(*finish)(*translated.translation, &body, &errors))
      return PrintRejection(query, errors, format, style);
  }
  BsonDoc out;
  bson_append_utf8(out.get(), "database", -1, translated.translation->database().c_str(), -1);
  bson_append_utf8(out.get(), "collection", -1, translated.translation->collection().c_str(), -1);
  bson_append_document(out.get(), "command", -1, body.get());
  JsonStyle shown = style;
  shown.pretty |= format == "text";
  std::printf("%s\n", StyledJson(out.get(), shown).c_str());
  return kExitAccepted;
}

}  // namespace querysafe::cli
