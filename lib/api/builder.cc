// QueryBuilder: ORM calls become query text plus bound parameters. Values never enter the text
// (each is a `$pN` parameter); names enter it only after the lookup-key grammar has accepted
// them, so a hostile key cannot change the query's structure.

#include <format>
#include <string>
#include <vector>

#include "lib/common/arena.h"
#include "lib/common/bson_util.h"
#include "lib/parse/parse.h"
#include "querysafe/query.h"

namespace querysafe {
namespace {

// Python keywords cannot be keyword-argument names; such keys go through **{"key": value}.
bool IsPythonKeyword(std::string_view s) {
  static constexpr std::string_view kKeywords[] = {
      "False", "None",     "True",  "and",    "as",   "assert", "async",  "await",    "break",
      "class", "continue", "def",   "del",    "elif", "else",   "except", "finally",  "for",
      "from",  "global",   "if",    "import", "in",   "is",     "lambda", "nonlocal", "not",
      "or",    "pass",     "raise", "return", "try",  "while",  "with",   "yield"};
  for (std::string_view k : kKeywords) {
    if (k == s) return true;
  }
  return false;
}

bool IsIdentifier(std::string_view s) {
  if (s.empty() || (s[0] >= '0' && s[0] <= '9')) return false;
  for (char c : s) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '_' || static_cast<unsigned char>(c) >= 0x80;
    if (!ok) return false;
  }
  return true;
}

}  // namespace

struct QueryBuilder::State {
  std::string model;
  std::string steps;
  BsonDoc params;
  int next_param = 0;
  bool terminal = false;
  Diagnostics errors;

  void Error(std::string code, std::string message) {
    Diagnostic d;
    d.category = Category::kSyntaxError;
    d.code = std::move(code);
    d.message = std::move(message);
    errors.push_back(std::move(d));
  }

  // A lookup key (or order_by name) is safe to splice when the lookup-key grammar accepts it.
  bool CheckKey(std::string_view key) {
    Arena arena;
    LookupKeyResult r = ParseLookupKey(key, &arena);
    if (!r.diagnostics.empty() || !IsIdentifier(key)) {
      Error("builder.invalid_key", std::format("'{}' is not a valid lookup key.", key));
      return false;
    }
    return true;
  }

  void AddLookup(std::string_view method, std::string_view key, const bson_value_t& value) {
    if (terminal) {
      Error("builder.after_terminal", std::format("{}() after a terminal method.", method));
      return;
    }
    if (!CheckKey(key)) return;
    const std::string name = std::format("p{}", next_param++);
    bson_append_value(params.get(), name.c_str(), -1, &value);
    if (IsPythonKeyword(key)) {
      steps += std::format(".{}(**{{\"{}\": ${}}})", method, key, name);
    } else {
      steps += std::format(".{}({}=${})", method, key, name);
    }
  }
};

QueryBuilder::QueryBuilder(std::string_view model) : state_(std::make_unique<State>()) {
  state_->model = std::string(model);
  if (!IsIdentifier(model)) {
    state_->Error("builder.invalid_model", std::format("'{}' is not a model name.", model));
  }
}

QueryBuilder::~QueryBuilder() = default;

QueryBuilder& QueryBuilder::Filter(std::string_view key, const bson_value_t& value) {
  state_->AddLookup("filter", key, value);
  return *this;
}

QueryBuilder& QueryBuilder::Exclude(std::string_view key, const bson_value_t& value) {
  state_->AddLookup("exclude", key, value);
  return *this;
}

QueryBuilder& QueryBuilder::OrderBy(const std::vector<std::string>& fields) {
  std::string args;
  for (const std::string& f : fields) {
    std::string_view name = f;
    if (!name.empty() && name[0] == '-') name.remove_prefix(1);
    if (!state_->CheckKey(name)) return *this;
    if (!args.empty()) args += ", ";
    args += std::format("\"{}\"", f);
  }
  state_->steps += std::format(".order_by({})", args);
  return *this;
}

QueryBuilder& QueryBuilder::Slice(int64_t offset, int64_t limit) {
  if (offset < 0) {
    state_->Error("builder.negative_offset", "Negative indexing is not supported.");
    return *this;
  }
  state_->steps +=
      limit < 0 ? std::format("[{}:]", offset) : std::format("[{}:{}]", offset, offset + limit);
  return *this;
}

QueryBuilder& QueryBuilder::Terminal(std::string_view method) {
  static constexpr std::string_view kAllowed[] = {"get",   "count", "exists",
                                                  "first", "last",  "delete"};
  bool known = false;
  for (std::string_view m : kAllowed) known = known || m == method;
  if (!known) {
    state_->Error("builder.unknown_terminal",
                  std::format("'{}' is not a terminal method the builder knows.", method));
    return *this;
  }
  state_->steps += std::format(".{}()", method);
  state_->terminal = true;
  return *this;
}

std::string QueryBuilder::text() const {
  return std::format("{}.objects{}", state_->model, state_->steps);
}

const bson_t& QueryBuilder::params() const { return *state_->params.get(); }

CompileResult QueryBuilder::Compile(const Schema& schema, const CompileOptions& options) const {
  if (!state_->errors.empty()) {
    CompileResult result;
    result.diagnostics = state_->errors;
    return result;
  }
  return Query::Compile(schema, text(), options);
}

}  // namespace querysafe
