// The C++ API's Query and Translation: parse -> analyze once, bind -> lower per translation.

#include <cstdio>
#include <exception>
#include <format>

#include "lib/analyze/params.h"
#include "lib/api/compiled_query.h"
#include "lib/common/server_version.h"
#include "lib/crypt/capabilities.h"
#include "lib/lower/lower.h"
#include "lib/parse/parse.h"

namespace querysafe {

std::optional<ServerVersion> ServerVersion::Parse(std::string_view text) {
  std::optional<common::ServerVersion> v = common::ParseServerVersion(text);
  if (!v) return std::nullopt;
  return ServerVersion{v->major, v->minor};
}

namespace internal {

namespace {

// Django's own words for a TIME_ZONE it cannot find (django/conf/__init__.py).
Diagnostic TimeZoneError(std::string_view name) {
  Diagnostic d;
  d.category = Category::kImproperlyConfigured;
  d.code = "options.time_zone";
  d.message = std::format(
      "Incorrect timezone setting: {} (not an IANA time zone name in this system's tz database, "
      "such as 'UTC' or 'America/Chicago')",
      name);
  return d;
}

}  // namespace

std::optional<Diagnostic> ToAnalyzeOptions(const CompileOptions& options,
                                           analyze::AnalyzeOptions* out) {
  out->server_version = {options.server_version.major, options.server_version.minor};
  out->require_encryptable = options.require_encryptable;
  const crypt::CryptCapabilities& caps = crypt::LinkedCapabilities();
  out->encrypt.crypt_version = caps.version;
  out->encrypt.text_preview = caps.text_preview;
  out->encrypt.text_preview_removed = caps.text_preview_removed;
  out->encrypt.text = caps.text;
  out->encrypt.text_substring = caps.text_substring;
  std::optional<TimeZone> zone = LoadTimeZone(options.time_zone);
  if (!zone) return TimeZoneError(options.time_zone);
  out->time_zone = *std::move(zone);
  return std::nullopt;
}

namespace {

Diagnostic InternalError(std::string_view what) {
  Diagnostic d;
  d.category = Category::kImproperlyConfigured;
  d.code = "internal.error";
  d.message = std::format("querysafe failed internally: {}", what);
  return d;
}

}  // namespace
}  // namespace internal

std::optional<Diagnostic> CheckTimeZone(std::string_view zone) {
  if (LoadTimeZone(zone)) return std::nullopt;
  return internal::TimeZoneError(zone);
}

CompileResult Query::Compile(const Schema& schema, std::string_view text,
                             const CompileOptions& options) {
  CompileResult result;
  // Nothing below throws for bad input; this guards against allocation failure and bugs, so
  // that no exception ever crosses the library boundary.
  try {
    auto compiled = std::make_shared<internal::CompiledQuery>(schema);
    compiled->text = std::string(text);
    if (std::optional<Diagnostic> d =
            internal::ToAnalyzeOptions(options, &compiled->analyze_options)) {
      result.diagnostics = {*std::move(d)};
      return result;
    }
    ParseOptions parse_options;
    parse_options.max_depth = options.max_depth;
    parse_options.max_input_bytes = options.max_input_bytes;
    ParseResult parsed = ParseQuery(compiled->text, parse_options, &compiled->arena);
    if (parsed.query == nullptr) {
      result.diagnostics = std::move(parsed.diagnostics);
      return result;
    }
    analyze::AnalyzeResult analyzed =
        analyze::Analyze(*parsed.query, schema.impl(), compiled->analyze_options, &compiled->arena);
    if (analyzed.query == nullptr) {
      result.diagnostics = std::move(analyzed.diagnostics);
      return result;
    }
    compiled->bound = analyzed.query;
    result.query = internal::CompiledQuery::Wrap(std::move(compiled));
  } catch (const std::exception& e) {
    result.diagnostics = {internal::InternalError(e.what())};
  }
  return result;
}

const std::string& Query::text() const { return impl_->text; }

std::vector<ParamInfo> Query::params() const {
  std::vector<ParamInfo> out;
  for (const bound::Param& p : impl_->bound->params) {
    ParamInfo info;
    info.name = std::string(p.name);
    switch (p.use) {
      case bound::Param::Use::kSliceBound:
        info.expected_type = "long";
        break;
      case bound::Param::Use::kUpdateValue:
        info.expected_type = std::string(schema::BsonTypeName(p.field->bson_type));
        info.encrypted = impl_->bound->model->FindEncryptedPath(p.field->column) != nullptr;
        break;
      default: {
        const bound::Predicate& pred = *p.predicate;
        info.expected_type = pred.value_field != nullptr
                                 ? std::string(schema::BsonTypeName(pred.value_field->bson_type))
                                 : "long";
        info.sequence =
            p.use == bound::Param::Use::kLookupValue &&
            (pred.lookup == bound::LookupKind::kIn || pred.lookup == bound::LookupKind::kRange);
        info.encrypted = pred.lhs.is_encrypted();
      }
    }
    out.push_back(std::move(info));
  }
  return out;
}

TranslateResult Query::Translate() const {
  bson_t empty = BSON_INITIALIZER;
  return Translate(empty);
}

namespace internal {

// Binds (when the query has parameters) and lowers into a new translation.
TranslateResult BindAndLower(const bound::Query& query, const bson_t& params,
                             const schema::Schema& schema, const analyze::AnalyzeOptions& options) {
  TranslateResult result;
  auto data = std::make_shared<TranslationData>();
  data->query_span = query.span;
  if (query.params.empty() && bson_empty(&params)) {
    lower::Lower(query, bound::Bindings(), &data->command);
  } else {
    // Bound values live in this arena until lowering has copied them into the command.
    Arena arena;
    analyze::BindResult bound = analyze::BindParams(query, params, schema, options, &arena);
    if (!bound.ok()) {
      result.diagnostics = std::move(bound.diagnostics);
      return result;
    }
    lower::Lower(query, bound.bindings, &data->command);
  }
  // What only the written command shows (its BSON size and nesting) is checked on it.
  if (std::optional<Diagnostic> d = lower::CheckLimits(data->command, query.span)) {
    result.diagnostics = {*std::move(d)};
    return result;
  }
  result.translation = TranslationData::Wrap(std::move(data));
  return result;
}

}  // namespace internal

TranslateResult Translate(const Schema& schema, std::string_view text, const bson_t& params,
                          const CompileOptions& options) {
  TranslateResult result;
  try {
    // One translation of one text: the trees live on this stack frame's arena, and the only
    // heap allocations left are the translation's own.
    analyze::AnalyzeOptions analyze_options;
    if (std::optional<Diagnostic> d = internal::ToAnalyzeOptions(options, &analyze_options)) {
      result.diagnostics = {*std::move(d)};
      return result;
    }
    Arena arena;
    ParseOptions parse_options;
    parse_options.max_depth = options.max_depth;
    parse_options.max_input_bytes = options.max_input_bytes;
    ParseResult parsed = ParseQuery(text, parse_options, &arena);
    if (parsed.query == nullptr) {
      result.diagnostics = std::move(parsed.diagnostics);
      return result;
    }
    analyze::AnalyzeResult analyzed =
        analyze::Analyze(*parsed.query, schema.impl(), analyze_options, &arena);
    if (analyzed.query == nullptr) {
      result.diagnostics = std::move(analyzed.diagnostics);
      return result;
    }
    return internal::BindAndLower(*analyzed.query, params, schema.impl(), analyze_options);
  } catch (const std::exception& e) {
    result.diagnostics = {internal::InternalError(e.what())};
  }
  return result;
}

TranslateResult Translate(const Schema& schema, std::string_view text,
                          const CompileOptions& options) {
  bson_t empty = BSON_INITIALIZER;
  return Translate(schema, text, empty, options);
}

TranslateResult Query::Translate(const bson_t& params) const {
  TranslateResult result;
  try {
    return internal::BindAndLower(*impl_->bound, params, impl_->schema.impl(),
                                  impl_->analyze_options);
  } catch (const std::exception& e) {
    result.diagnostics = {internal::InternalError(e.what())};
  }
  return result;
}

const std::string& Translation::database() const { return impl_->command.database; }
const std::string& Translation::collection() const { return impl_->command.collection; }
std::string_view Translation::command_name() const {
  return lower::CommandKindName(impl_->command.kind);
}
const bson_t* Translation::command() const { return impl_->command.body.get(); }
size_t Translation::encryption_count() const { return impl_->command.encryptions.size(); }
std::string Translation::ToJson() const { return lower::CommandToJson(impl_->command); }

}  // namespace querysafe
