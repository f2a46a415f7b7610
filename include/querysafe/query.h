// File: querysafe/query.h
//
// Compiling and translating queries. A query is compiled once against a schema (parsed,
// resolved, checked against every QE rule and QuerySet limitation) and then translated as many
// times as needed, binding its `$name` parameters to values each time. Translation gives the
// MongoDB command with a placeholder where each encrypted value goes; querysafe/crypt.h turns it
// into the command as it would be sent.
//
// Example:
//   querysafe::CompileResult compiled = querysafe::Query::Compile(
//       schema, R"(Patient.objects.get(patient_record__ssn=$ssn))");
//   if (!compiled.ok()) { ... compiled.diagnostics ... }
//   bson_t* params = BCON_NEW("ssn", BCON_UTF8("987-65-4320"));
//   querysafe::TranslateResult t = compiled.query->Translate(*params);
//   if (t.ok()) std::cout << t.translation->ToJson();
//
// Thread safety: a Query is immutable; any number of threads may translate it at once.
#ifndef QUERYSAFE_QUERY_H_
#define QUERYSAFE_QUERY_H_

#include <bson/bson.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "querysafe/diagnostic.h"
#include "querysafe/export.h"
#include "querysafe/schema.h"

namespace querysafe {

namespace internal {
struct CompiledQuery;
struct TranslationData;
}  // namespace internal

// The MongoDB server version queries will run on: it decides which QE query types exist.
struct ServerVersion {
  int major = 8;
  int minor = 0;
  // "7.0", "8.0", "8.2"...; nullopt if `text` is not MAJOR.MINOR.
  QUERYSAFE_EXPORT static std::optional<ServerVersion> Parse(std::string_view text);
};

struct CompileOptions {
  ServerVersion server_version;
  // Reject, already at compile time, queries whose values this build's libmongocrypt cannot
  // encrypt (text queries, with a libmongocrypt older than they need: querysafe/capabilities.h).
  // Set by callers that will encrypt (explain, execution).
  bool require_encryptable = false;
  // Limits on the query text (defaults are safe for untrusted input).
  uint32_t max_depth = 200;
  uint32_t max_input_bytes = 1u << 20;
  // Django's TIME_ZONE, with USE_TZ=True: an IANA name ("America/Chicago"), checked against the
  // system's tz database; an unknown name is an ImproperlyConfigured diagnostic. Transforms on a
  // DateTimeField (`__hour`, `__date`, `__year`...) and dates()/datetimes() on one extract or
  // truncate in this zone, and a naive datetime compared with a DateTimeField is local time in
  // it, as in Django. DateField and TimeField values have no zone. A compile option, not part of
  // the schema: the same models run under any TIME_ZONE, and Django can switch the current zone
  // per request (timezone.activate()): compile once per zone.
  std::string time_zone = "UTC";
};

class Translation;
struct CompileResult;
struct TranslateResult;

// What a parameter expects, for ORMs that bind values by type.
struct ParamInfo {
  std::string name;
  std::string expected_type;  // the BSON type the value becomes ("long", "string", ...)
  bool sequence = false;      // a list (`in`, `range`)
  bool encrypted = false;     // the value will be encrypted
};

class Query {
 public:
  // Compiles query text (the QuerySet language of README.md). Never throws.
  QUERYSAFE_EXPORT static CompileResult Compile(const Schema& schema, std::string_view text,
                                                const CompileOptions& options = {});

  // The text this query was compiled from (for a built query, the generated text).
  QUERYSAFE_EXPORT const std::string& text() const;
  QUERYSAFE_EXPORT std::vector<ParamInfo> params() const;

  // Binds `params` ({name: value}; empty for a query without parameters) and lowers.
  QUERYSAFE_EXPORT TranslateResult Translate(const bson_t& params) const;
  QUERYSAFE_EXPORT TranslateResult Translate() const;

  // For the library's own stages.
  const internal::CompiledQuery& impl() const { return *impl_; }

 private:
  friend struct internal::CompiledQuery;
  explicit Query(std::shared_ptr<const internal::CompiledQuery> impl) : impl_(std::move(impl)) {}
  std::shared_ptr<const internal::CompiledQuery> impl_;
};

struct CompileResult {
  std::optional<Query> query;
  Diagnostics diagnostics;
  bool ok() const { return query.has_value(); }
};

// A translated command: the database, the collection, and the command document with a
// `{"$encrypt": {...}}` placeholder wherever an encrypted value goes.
class Translation {
 public:
  QUERYSAFE_EXPORT const std::string& database() const;
  QUERYSAFE_EXPORT const std::string& collection() const;
  // "find", "aggregate", "count", "update" or "delete".
  QUERYSAFE_EXPORT std::string_view command_name() const;
  // Borrowed; valid as long as this Translation.
  QUERYSAFE_EXPORT const bson_t* command() const;
  // How many values must be encrypted before the command can be sent.
  QUERYSAFE_EXPORT size_t encryption_count() const;
  // {"database", "collection", "command"} as canonical Extended JSON.
  QUERYSAFE_EXPORT std::string ToJson() const;

  const internal::TranslationData& impl() const { return *impl_; }

 private:
  friend struct internal::TranslationData;
  explicit Translation(std::shared_ptr<const internal::TranslationData> impl)
      : impl_(std::move(impl)) {}
  std::shared_ptr<const internal::TranslationData> impl_;
};

struct TranslateResult {
  std::optional<Translation> translation;
  Diagnostics diagnostics;
  bool ok() const { return translation.has_value(); }
};

// Translates query text once: compile, bind `params` ({name: value}) and lower in one call, with
// no compiled query kept. For a text translated many times, compile it once (Query::Compile).
QUERYSAFE_EXPORT TranslateResult Translate(const Schema& schema, std::string_view text,
                                           const CompileOptions& options = {});
QUERYSAFE_EXPORT TranslateResult Translate(const Schema& schema, std::string_view text,
                                           const bson_t& params,
                                           const CompileOptions& options = {});

// The syntax tree of query text, before any schema is read: what `querysafe parse` prints, for
// tools that work on the text itself. Spans are byte offsets into `text`.
struct ParseTreeResult {
  Diagnostics diagnostics;   // why the text does not parse
  std::string debug_string;  // one node a line, indented by depth
  std::string json;          // the tree as JSON: {"kind": "query", "model": ..., "steps": [...]}
  bool ok() const { return diagnostics.empty(); }
};
QUERYSAFE_EXPORT ParseTreeResult ParseTree(std::string_view text);

// Checks a Django TIME_ZONE setting (CompileOptions::time_zone) before compiling: nullopt when it
// names a zone of this system's IANA time zone database, else the ImproperlyConfigured diagnostic
// Compile would give.
QUERYSAFE_EXPORT std::optional<Diagnostic> CheckTimeZone(std::string_view zone);

// Builds a query from calls instead of text, for ORMs. Every value becomes a bound parameter and
// every lookup key is checked against the lookup-key grammar before it enters the generated text,
// so nothing an application passes can change the query's structure.
//
// Example:
//   querysafe::QueryBuilder b("Patient");
//   b.Filter("patient_record__ssn", ssn_value).OrderBy({"-patient_id"}).Slice(0, 10);
//   querysafe::CompileResult c = b.Compile(schema);
//   querysafe::TranslateResult t = c.query->Translate(b.params());
class QueryBuilder {
 public:
  QUERYSAFE_EXPORT explicit QueryBuilder(std::string_view model);
  QUERYSAFE_EXPORT ~QueryBuilder();
  QueryBuilder(const QueryBuilder&) = delete;
  QueryBuilder& operator=(const QueryBuilder&) = delete;

  // filter(key=value) / exclude(key=value); `value` is copied.
  QUERYSAFE_EXPORT QueryBuilder& Filter(std::string_view lookup_key, const bson_value_t& value);
  QUERYSAFE_EXPORT QueryBuilder& Exclude(std::string_view lookup_key, const bson_value_t& value);
  // order_by("-a", "b"); the names are checked like lookup keys (a leading '-' allowed).
  QUERYSAFE_EXPORT QueryBuilder& OrderBy(const std::vector<std::string>& fields);
  // [offset:offset+limit]; limit < 0 means no upper bound.
  QUERYSAFE_EXPORT QueryBuilder& Slice(int64_t offset, int64_t limit);
  // A final method without arguments: "get", "count", "exists", "first", "last", "delete".
  QUERYSAFE_EXPORT QueryBuilder& Terminal(std::string_view method);

  // The text built so far, with $p0, $p1... for the values.
  QUERYSAFE_EXPORT std::string text() const;
  // {p0: value, p1: value...}: pass to Query::Translate.
  QUERYSAFE_EXPORT const bson_t& params() const;
  // Compiles the built query. Invalid keys or methods given earlier are reported here.
  QUERYSAFE_EXPORT CompileResult Compile(const Schema& schema,
                                         const CompileOptions& options = {}) const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace querysafe

#endif  // QUERYSAFE_QUERY_H_
