// querysafe check: many queries in one process, for CI jobs that check an application's queries.
//
//   querysafe check --schema FILE [--server-version X.Y] [--params JSON | --params-file FILE]
//                   [QUERYFILE | -]
//
// A process per query pays the process start and the schema load every time (milliseconds,
// against microseconds for a translation); here the schema is loaded once and the queries are
// read one a line from QUERYFILE or standard input. Each line is, told apart by its first
// character:
//   - query text:  Patient.objects.filter(patient_record__ssn=$ssn)
//   - JSON Lines:  {"id": "q1", "query": "Patient.objects...", "params": {"ssn": "987-65-4320"}}
//     (a query starts with a model name, never with '{'); "id" is any JSON value, "params" an
//     Extended JSON document; --params/--params-file give defaults for the names a query uses;
//   - blank, or starting with '#': skipped.
// Each query gives one line of JSON on stdout, written whole:
//   {"id": ID, "line": N, "accepted": true, "database": ..., "collection": ..., "command": {...}}
//   {"id": ID, "line": N, "accepted": false, "errors": [...]}   (as translate's JSON diagnostics)
// ID is the line's "id", or N, the line number. Spans in "errors" are byte offsets into the query
// text (into the line itself when the line is not valid JSON). Refusals are also printed for
// humans on stderr, with a summary at the end.
// Exit codes: 0 every query accepted, 1 at least one refused (a malformed line is a refusal of
// that line; the run goes on), 2 usage, schema or I/O error.
#include <unistd.h>

#include <algorithm>
#include <boost/program_options.hpp>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <format>
#include <iostream>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "lib/common/bson_util.h"
#include "lib/common/json_error.h"
#include "querysafe/diagnostic.h"
#include "querysafe/query.h"
#include "tools/cli.h"
#include "tools/json_style.h"
#include "tools/usage.h"

namespace querysafe::cli {
namespace {

namespace po = boost::program_options;

// Compiled queries kept for repeated text (the same prepared query with other params). A text is
// kept from its second sighting on: keeping every compiled query (its arena) made a batch of
// distinct queries twice as slow (bench/batch.sh), while a hash per text seen costs little.
// Both are bounded so that a long stream of distinct queries does not grow without end.
constexpr size_t kMaxCachedQueries = 4096;
constexpr size_t kMaxSeenTexts = 1 << 20;

// Output is gathered in whole lines and written with write(2) in blocks of about this size: a
// reader never sees half a line, whatever stdio's buffering would have cut.
constexpr size_t kFlushBytes = 64 * 1024;

// One input line, made ready to compile: the query text, its id as JSON, its own parameters.
struct Item {
  std::string id_json;
  std::string query;
  BsonDoc params;
  bool has_params = false;
};

Diagnostic LineError(std::string code, std::string message, uint32_t begin, uint32_t end) {
  Diagnostic d;
  d.category = Category::kSyntaxError;
  d.code = std::move(code);
  d.message = std::move(message);
  d.span = {begin, end};
  return d;
}

// The JSON text of one value of `doc`'s iterator, as relaxed Extended JSON.
std::string ValueJson(const bson_iter_t* iter) {
  BsonDoc one;
  bson_append_value(one.get(), "v", 1, bson_iter_value(const_cast<bson_iter_t*>(iter)));
  const std::string json = ToRelaxedJson(one.get());  // { "v" : VALUE }
  constexpr std::string_view kPrefix = "{ \"v\" : ";
  if (json.size() < kPrefix.size() + 2) return "null";
  return json.substr(kPrefix.size(), json.size() - kPrefix.size() - 2);
}

// Reads a JSON Lines object into `item`; false with the diagnostic that says why.
bool ParseJsonLine(std::string_view line, Item* item, Diagnostic* error) {
  const uint32_t size = static_cast<uint32_t>(line.size());
  BsonDoc doc;
  bson_error_t bson_error;
  if (!BsonDoc::FromJson(line, &doc, &bson_error)) {
    // libbson's offset when its message has one (lib/common/json_error.h), else the line's end.
    const uint32_t at = static_cast<uint32_t>(
        std::min(JsonErrorOffset(bson_error.message).value_or(line.size()), line.size()));
    *error = LineError("check.bad_json",
                       std::format("the line is not a JSON object: {}", bson_error.message), at,
                       std::min(at + 1, size));
    return false;
  }
  bool has_query = false;
  bson_iter_t iter;
  bson_iter_init(&iter, doc.get());
  while (bson_iter_next(&iter)) {
    const std::string_view key = bson_iter_key(&iter);
    if (key == "id") {
      item->id_json = ValueJson(&iter);
    } else if (key == "query") {
      if (!BSON_ITER_HOLDS_UTF8(&iter)) {
        *error = LineError("check.bad_line", "\"query\" must be a string", 0, size);
        return false;
      }
      uint32_t length = 0;
      const char* text = bson_iter_utf8(&iter, &length);
      item->query.assign(text, length);
      has_query = true;
    } else if (key == "params") {
      bson_t params;
      if (!BSON_ITER_HOLDS_DOCUMENT(&iter) || !IterChild(&iter, &params)) {
        *error = LineError("check.bad_line", "\"params\" must be a JSON object", 0, size);
        return false;
      }
      item->params = BsonDoc(&params);
      item->has_params = true;
    } else {
      *error = LineError(
          "check.bad_line",
          std::format("unknown key \"{}\": a line has \"id\", \"query\" and \"params\"", key), 0,
          size);
      return false;
    }
  }
  if (!has_query) {
    *error = LineError("check.bad_line", "the line has no \"query\"", 0, size);
    return false;
  }
  return true;
}

// The parameters one query is translated with: the line's own, then those of the defaults
// (--params / --params-file) that the query uses and the line does not give. The defaults are
// shared by every line, so a default a query does not use is left out; a line's own unknown
// name is still reported (param.unknown), being almost always a misspelling.
BsonDoc QueryParams(const Query& query, const Item& item, const bson_t* defaults) {
  BsonDoc params = item.has_params ? item.params : BsonDoc();
  if (bson_empty(defaults)) return params;
  const std::vector<ParamInfo> used = query.params();
  bson_iter_t iter;
  bson_iter_init(&iter, defaults);
  while (bson_iter_next(&iter)) {
    const std::string_view name = bson_iter_key(&iter);
    const bool wanted =
        std::any_of(used.begin(), used.end(), [&](const ParamInfo& p) { return p.name == name; });
    if (wanted && !bson_has_field(params.get(), bson_iter_key(&iter))) {
      bson_append_value(params.get(), bson_iter_key(&iter), -1, bson_iter_value(&iter));
    }
  }
  return params;
}

class Output {
 public:
  // False once a write failed (stdout closed, disk full); the error is in error().
  bool Add(std::string_view line) {
    buffer_.append(line);
    buffer_.push_back('\n');
    return buffer_.size() < kFlushBytes || Flush();
  }
  bool Flush() {
    std::string_view rest = buffer_;
    while (!rest.empty()) {
      const ssize_t written = write(STDOUT_FILENO, rest.data(), rest.size());
      if (written < 0) {
        if (errno == EINTR) continue;
        error_ = std::strerror(errno);
        return false;
      }
      rest.remove_prefix(static_cast<size_t>(written));
    }
    buffer_.clear();
    return true;
  }
  const std::string& error() const { return error_; }

 private:
  std::string buffer_;
  std::string error_;
};

class Checker {
 public:
  Checker(const Schema& schema, const CompileOptions& options, const bson_t* defaults,
          const JsonStyle& style)
      : schema_(schema), options_(options), defaults_(defaults), style_(style) {}

  // Checks one non-blank line; returns its JSON result. `refused` is set when it was refused.
  std::string CheckLine(std::string_view line, uint64_t number, std::string_view input_name,
                        bool* refused) {
    Item item;
    item.id_json = std::to_string(number);
    std::string_view text = line;
    if (line.find_first_not_of(" \t") != std::string_view::npos &&
        line[line.find_first_not_of(" \t")] == '{') {
      Diagnostic error;
      if (!ParseJsonLine(line, &item, &error)) {
        *refused = true;
        return Refusal(item.id_json, number, line, {error}, input_name);
      }
      text = item.query;
    }
    const CompileResult& compiled = Compile(text);
    if (!compiled.ok()) {
      *refused = true;
      return Refusal(item.id_json, number, text, compiled.diagnostics, input_name);
    }
    const BsonDoc params = QueryParams(*compiled.query, item, defaults_);
    TranslateResult translated = compiled.query->Translate(*params.get());
    if (!translated.ok()) {
      *refused = true;
      return Refusal(item.id_json, number, text, translated.diagnostics, input_name);
    }
    BsonDoc out;
    const Translation& t = *translated.translation;
    AppendUtf8(out.get(), "database", t.database());
    AppendUtf8(out.get(), "collection", t.collection());
    bson_append_document(out.get(), "command", -1, t.command());
    // The command as `translate` prints it (relaxed, or canonical with --canonical); the whole
    // line is laid out once, compact, by the caller.
    const std::string command =
        style_.canonical ? ToCanonicalJson(out.get()) : ToRelaxedJson(out.get());
    return std::format("{{\"id\": {}, \"line\": {}, \"accepted\": true,{}", item.id_json, number,
                       std::string_view(command).substr(1));
  }

 private:
  const CompileResult& Compile(std::string_view text) {
    const size_t hash = std::hash<std::string_view>{}(text);
    const bool seen = !seen_.insert(hash).second;
    if (seen) {
      auto found = cache_.find(std::string(text));
      if (found != cache_.end()) return found->second;
    } else if (seen_.size() > kMaxSeenTexts) {
      seen_.clear();
    }
    CompileResult compiled = Query::Compile(schema_, text, options_);
    if (!seen || cache_.size() >= kMaxCachedQueries) {
      last_ = std::move(compiled);
      return last_;
    }
    return cache_.emplace(std::string(text), std::move(compiled)).first->second;
  }

  static std::string Refusal(std::string_view id_json, uint64_t number, std::string_view text,
                             const Diagnostics& diagnostics, std::string_view input_name) {
    std::fprintf(stderr, "%s\n",
                 FormatDiagnostics(diagnostics, text, std::format("{} line {}", input_name, number))
                     .c_str());
    // DiagnosticsToJson gives {"errors": [...]}: its members follow ours.
    return std::format("{{\"id\": {}, \"line\": {}, \"accepted\": false,{}", id_json, number,
                       std::string_view(DiagnosticsToJson(diagnostics, text)).substr(1));
  }

  const Schema& schema_;
  const CompileOptions options_;
  const bson_t* defaults_;
  const JsonStyle style_;
  std::unordered_set<size_t> seen_;
  std::unordered_map<std::string, CompileResult> cache_;
  CompileResult last_;
};

constexpr char kUsage[] =
    "usage: querysafe check --schema FILE [--server-version X.Y] [--params JSON | --params-file "
    "FILE]\n"
    "                       [--time-zone ZONE] [QUERYFILE | -]\n"
    "Checks and translates one query a line (standard input without QUERYFILE): query text, or\n"
    "JSON Lines {\"id\", \"query\", \"params\"}; blank lines and '#' lines are skipped. Prints "
    "one\n"
    "JSON line per query: {\"id\", \"line\", \"accepted\": true, \"database\", \"collection\",\n"
    "\"command\"} or {\"id\", \"line\", \"accepted\": false, \"errors\"}. Exit 0 if every query "
    "is\n"
    "accepted, 1 if any is refused, 2 on a usage, schema or I/O error.\n";

}  // namespace

int RunCheck(const std::vector<std::string>& args) {
  po::options_description options(std::string(kUsage) + "\nOptions");
  std::string schema_path, server_version = "8.0", params_json, params_file, input = "-",
                           time_zone = "UTC";
  options.add_options()("help,h", "this help")("schema", po::value(&schema_path),
                                               "the schema JSON file")(
      "server-version", po::value(&server_version),
      "MongoDB version the queries will run on (default 8.0)")(
      "params", po::value(&params_json),
      "default parameter values (an Extended JSON document), for the queries that use them")(
      "params-file", po::value(&params_file), "the same, read from a file")(
      "time-zone", po::value(&time_zone), kTimeZoneHelp);
  JsonStyle style;
  AddJsonStyleFlags(&options, &style, /*types=*/true, /*pretty=*/false);
  po::options_description hidden;
  hidden.add_options()("input", po::value(&input));
  po::positional_options_description positional;
  positional.add("input", 1);
  po::variables_map vm;
  if (std::optional<int> exit = ParseArgs("check", {&options, &hidden, &positional}, args, &vm)) {
    return *exit;
  }
  if (schema_path.empty()) return BadUsage("check", "missing --schema, which this command needs");
  if (std::optional<int> exit = CheckTimeZoneFlag("check", time_zone)) return *exit;
  if (!params_json.empty() && !params_file.empty()) {
    return BadUsage("check", "give either --params or --params-file, not both");
  }
  if (schema_path == "-" && input == "-") {
    return BadUsage("check", "the schema and the queries cannot both come from stdin");
  }
  if (!params_file.empty()) {
    absl::StatusOr<std::string> text = ReadFile(params_file);
    if (!text.ok()) return UsageError("check", std::string(text.status().message()));
    if (text->find_first_not_of(" \t\r\n") == std::string::npos) {
      return UsageError("check", std::format("--params-file '{}' is empty", params_file));
    }
    params_json = *std::move(text);
  }
  CommandContext context;
  int status = LoadCommandContext("check", schema_path, server_version, params_json, &context);
  if (status != kExitAccepted) return status;

  std::FILE* in = stdin;
  const std::string input_name = input == "-" ? "<stdin>" : input;
  if (input != "-") {
    in = std::fopen(input.c_str(), "rb");
    if (in == nullptr) {
      return UsageError("check", std::format("cannot read '{}': {}", input, std::strerror(errno)));
    }
  }
  CompileOptions compile_options;
  compile_options.server_version = context.server_version;
  compile_options.time_zone = time_zone;
  Checker checker(*context.schema, compile_options, context.params.get(), style);
  Output output;
  uint64_t number = 0, accepted = 0, refused = 0;
  char* buffer = nullptr;
  size_t capacity = 0;
  bool write_failed = false;
  for (ssize_t length; (length = getline(&buffer, &capacity, in)) >= 0;) {
    ++number;
    std::string_view line(buffer, static_cast<size_t>(length));
    while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
    const size_t first = line.find_first_not_of(" \t");
    if (first == std::string_view::npos || line[first] == '#') continue;
    bool was_refused = false;
    const std::string result =
        StyledJson(checker.CheckLine(line, number, input_name, &was_refused), style);
    ++(was_refused ? refused : accepted);
    if (!output.Add(result)) {
      write_failed = true;
      break;
    }
  }
  const bool read_failed = std::ferror(in) != 0;
  std::free(buffer);
  if (in != stdin) std::fclose(in);
  if (write_failed || !output.Flush()) {
    return UsageError("check", std::format("cannot write the results: {}", output.error()));
  }
  if (read_failed) {
    return UsageError("check", std::format("error reading '{}' after line {}", input_name, number));
  }
  std::fprintf(stderr, "querysafe check: %llu checked, %llu accepted, %llu refused\n",
               static_cast<unsigned long long>(accepted + refused),
               static_cast<unsigned long long>(accepted), static_cast<unsigned long long>(refused));
  return refused == 0 ? kExitAccepted : kExitRejected;
}

}  // namespace querysafe::cli
