// The names a query may call (Q, F, aggregates, constructors, with their
// qualified spellings) and Python's rules for call arguments: order,
// repetition, and * / ** unpacking of literal displays.
#include <algorithm>
#include <array>
#include <format>
#include <unordered_set>

#include "grammar/identifier.h"
#include "lib/parse/interpreter.h"

namespace querysafe::parse_internal {

namespace {

struct NamedBuiltin {
  std::string_view name;
  Builtin builtin;
};

// Sorted by name, for binary search.
constexpr std::array kBuiltins = {
    NamedBuiltin{"Avg", Builtin::kAvg},
    NamedBuiltin{"Count", Builtin::kCount},
    NamedBuiltin{"Decimal", Builtin::kDecimal},
    NamedBuiltin{"F", Builtin::kF},
    NamedBuiltin{"Max", Builtin::kMax},
    NamedBuiltin{"Min", Builtin::kMin},
    NamedBuiltin{"ObjectId", Builtin::kObjectId},
    NamedBuiltin{"Q", Builtin::kQ},
    NamedBuiltin{"StdDev", Builtin::kStdDev},
    NamedBuiltin{"Sum", Builtin::kSum},
    NamedBuiltin{"UUID", Builtin::kUuid},
    NamedBuiltin{"Variance", Builtin::kVariance},
    NamedBuiltin{"bson.ObjectId", Builtin::kObjectId},
    NamedBuiltin{"bson.objectid.ObjectId", Builtin::kObjectId},
    NamedBuiltin{"date", Builtin::kDate},
    NamedBuiltin{"datetime", Builtin::kDateTime},
    NamedBuiltin{"datetime.date", Builtin::kDate},
    NamedBuiltin{"datetime.datetime", Builtin::kDateTime},
    NamedBuiltin{"datetime.time", Builtin::kTime},
    NamedBuiltin{"datetime.timedelta", Builtin::kTimedelta},
    NamedBuiltin{"datetime.timezone", Builtin::kTimezone},
    NamedBuiltin{"decimal.Decimal", Builtin::kDecimal},
    NamedBuiltin{"django.db.models.Avg", Builtin::kAvg},
    NamedBuiltin{"django.db.models.Count", Builtin::kCount},
    NamedBuiltin{"django.db.models.F", Builtin::kF},
    NamedBuiltin{"django.db.models.Max", Builtin::kMax},
    NamedBuiltin{"django.db.models.Min", Builtin::kMin},
    NamedBuiltin{"django.db.models.Q", Builtin::kQ},
    NamedBuiltin{"django.db.models.StdDev", Builtin::kStdDev},
    NamedBuiltin{"django.db.models.Sum", Builtin::kSum},
    NamedBuiltin{"django.db.models.Variance", Builtin::kVariance},
    NamedBuiltin{"float", Builtin::kFloat},
    NamedBuiltin{"models.Avg", Builtin::kAvg},
    NamedBuiltin{"models.Count", Builtin::kCount},
    NamedBuiltin{"models.F", Builtin::kF},
    NamedBuiltin{"models.Max", Builtin::kMax},
    NamedBuiltin{"models.Min", Builtin::kMin},
    NamedBuiltin{"models.Q", Builtin::kQ},
    NamedBuiltin{"models.StdDev", Builtin::kStdDev},
    NamedBuiltin{"models.Sum", Builtin::kSum},
    NamedBuiltin{"models.Variance", Builtin::kVariance},
    NamedBuiltin{"time", Builtin::kTime},
    NamedBuiltin{"timedelta", Builtin::kTimedelta},
    NamedBuiltin{"timezone", Builtin::kTimezone},
    NamedBuiltin{"uuid.UUID", Builtin::kUuid},
};

struct NamedConstant {
  std::string_view name;
  Constant constant;
};

constexpr std::array kConstants = {
    NamedConstant{"Q.AND", Constant::kQAnd},
    NamedConstant{"Q.OR", Constant::kQOr},
    NamedConstant{"Q.XOR", Constant::kQXor},
    NamedConstant{"UTC", Constant::kUtc},
    NamedConstant{"datetime.UTC", Constant::kUtc},
    NamedConstant{"datetime.timezone.utc", Constant::kUtc},
    NamedConstant{"models.Q.AND", Constant::kQAnd},
    NamedConstant{"models.Q.OR", Constant::kQOr},
    NamedConstant{"models.Q.XOR", Constant::kQXor},
    NamedConstant{"timezone.utc", Constant::kUtc},
};

constexpr bool SortedByName(auto const& table) {
  for (size_t i = 1; i < table.size(); ++i) {
    if (!(table[i - 1].name < table[i].name)) return false;
  }
  return true;
}
static_assert(SortedByName(kBuiltins));
static_assert(SortedByName(kConstants));

// Names of `table` that start like `name` (the table is sorted), then an exact
// comparison: a few comparisons instead of a binary search over the table.
template <typename Table>
auto Find(const Table& table, std::string_view name) -> decltype(&table[0]) {
  for (const auto& entry : table) {
    if (entry.name[0] > name[0]) break;
    if (entry.name[0] == name[0] && entry.name == name) return &entry;
  }
  return nullptr;
}

// Detects repeated keyword names: a linear scan for the usual handful, a hash
// set beyond. (std::unordered_set, not absl::flat_hash_set: Debian's abseil
// 20240722 does not compile under GCC 14 with -fsanitize=undefined.)
class NameSet {
 public:
  bool Insert(std::string_view name) {
    if (!set_.empty() || names_.size() >= 16) {
      if (set_.empty()) set_.insert(names_.begin(), names_.end());
      return set_.insert(name).second;
    }
    if (std::find(names_.begin(), names_.end(), name) != names_.end()) return false;
    names_.push_back(name);
    return true;
  }

 private:
  absl::InlinedVector<std::string_view, 16> names_;
  std::unordered_set<std::string_view> set_;
};

}  // namespace

Interpreter::DottedName Interpreter::Dotted(const syntax::Postfix& postfix) const {
  DottedName name;
  name.parts.push_back(Text(postfix.atom->span));
  name.span = postfix.atom->span;
  size_t i = 0;
  while (i < postfix.trailers.size() &&
         postfix.trailers[i].kind == syntax::Trailer::Kind::kAttribute) {
    name.parts.push_back(Text(postfix.trailers[i].name));
    name.span.end = postfix.trailers[i].span.end;
    ++i;
  }
  name.next_trailer = i;
  return name;
}

std::string Interpreter::JoinDotted(const DottedName& name) {
  std::string out;
  for (std::string_view part : name.parts) {
    if (!out.empty()) out.push_back('.');
    out.append(part);
  }
  return out;
}

namespace {

// The dotted name in `buffer`, or empty when it is longer than any known name
// (every query's `Model.objects.method` goes through here, so no string is
// built on the heap).
std::string_view JoinInto(const Interpreter::DottedName& name, char (&buffer)[32]) {
  size_t n = 0;
  for (std::string_view part : name.parts) {
    if (n + part.size() + 1 > sizeof buffer) return {};
    if (n > 0) buffer[n++] = '.';
    std::copy(part.begin(), part.end(), buffer + n);
    n += part.size();
  }
  return {buffer, n};
}

}  // namespace

namespace {

// The first characters of the names in `table`: most dotted names (every
// `Model.objects...`) are rejected on it.
template <typename Table>
constexpr std::array<bool, 128> FirstChars(const Table& table) {
  std::array<bool, 128> first = {};
  for (const auto& entry : table) {
    first[static_cast<unsigned char>(entry.name[0])] = true;
  }
  return first;
}
constexpr std::array<bool, 128> kBuiltinFirst = FirstChars(kBuiltins);
constexpr std::array<bool, 128> kConstantFirst = FirstChars(kConstants);

bool MayBeIn(const std::array<bool, 128>& first, std::string_view name) {
  const auto c = static_cast<unsigned char>(name.empty() ? 0 : name[0]);
  return c < 128 && first[c];
}

}  // namespace

std::optional<Builtin> Interpreter::LookupBuiltin(const DottedName& name) {
  if (!MayBeIn(kBuiltinFirst, name.parts[0])) return std::nullopt;
  char buffer[32];
  const std::string_view joined = JoinInto(name, buffer);
  const auto* entry = joined.empty() ? nullptr : Find(kBuiltins, joined);
  if (entry == nullptr) return std::nullopt;
  return entry->builtin;
}

std::optional<Constant> Interpreter::LookupConstant(const DottedName& name) {
  if (!MayBeIn(kConstantFirst, name.parts[0])) return std::nullopt;
  char buffer[32];
  const std::string_view joined = JoinInto(name, buffer);
  const auto* entry = joined.empty() ? nullptr : Find(kConstants, joined);
  if (entry == nullptr) return std::nullopt;
  return entry->constant;
}

Interpreter::StringArgResult Interpreter::StringArg(const syntax::Node* node,
                                                    std::string_view* value, Span* span,
                                                    bool* is_source) {
  const auto* s = node->As<syntax::String>();
  if (s == nullptr || (s->pieces.front().flags & syntax::kStringBytes)) {
    return StringArgResult::kNotString;
  }
  const auto decoded = DecodeString(*s, text_, options_.max_literal_bytes, arena_, this);
  if (!decoded) return StringArgResult::kError;
  if (decoded->is_bytes) return StringArgResult::kNotString;
  *value = decoded->value;
  const Span body = s->pieces.front().body;
  *is_source = s->pieces.size() == 1 && decoded->value == Text(body);
  *span = *is_source ? body : s->span;
  return StringArgResult::kOk;
}

bool Interpreter::NormalizeArgs(std::string_view callee, const syntax::Trailer& call,
                                CallArgs* args) {
  bool ok = true;
  bool seen_keyword = false;
  bool seen_unpacked_keywords = false;
  NameSet names;
  const auto add_keyword = [&](const KeywordArg& kw) {
    if (names.Insert(kw.name)) {
      args->keywords.push_back(kw);
      return;
    }
    const auto earlier = std::find_if(args->keywords.begin(), args->keywords.end(),
                                      [&](const KeywordArg& k) { return k.name == kw.name; });
    if (!kw.unpacked && !earlier->unpacked) {
      Error("parse.repeated_keyword", std::format("keyword argument repeated: {}", kw.name),
            kw.name_span);
    } else {
      Error("parse.repeated_keyword",
            std::format("{}() got multiple values for keyword argument '{}'", callee, kw.name),
            kw.name_span);
    }
    ok = false;
  };

  for (const syntax::Argument& arg : call.args) {
    if (arg.value->kind == syntax::Kind::kError) {
      ++errors_;
      ok = false;
      continue;
    }
    switch (arg.kind) {
      case syntax::Argument::Kind::kPositional:
        if (seen_unpacked_keywords) {
          Error("parse.argument_order", "positional argument follows keyword argument unpacking",
                arg.span);
          ok = false;
        } else if (seen_keyword) {
          Error("parse.argument_order", "positional argument follows keyword argument", arg.span);
          ok = false;
        } else {
          args->positional.push_back({arg.value});
        }
        break;
      case syntax::Argument::Kind::kStar: {
        if (seen_unpacked_keywords) {
          Error("parse.argument_order",
                "iterable argument unpacking follows keyword argument unpacking", arg.span);
          ok = false;
          break;
        }
        const syntax::Node* v = arg.value;
        if (v->kind != syntax::Kind::kList && v->kind != syntax::Kind::kTuple) {
          Error("parse.unsupported_unpack",
                "only a list or tuple literal can be unpacked with '*' in a "
                "query",
                arg.span);
          ok = false;
          break;
        }
        for (const syntax::Node* item : static_cast<const syntax::Display*>(v)->items) {
          args->positional.push_back({item});
        }
        break;
      }
      case syntax::Argument::Kind::kKeyword: {
        const std::string_view name = Text(arg.name);
        if (grammar::IsPythonKeyword(name)) {
          Error("parse.keyword_argument",
                std::format("'{0}' is a Python keyword and cannot be a keyword "
                            "argument name: "
                            "write **{{\"{0}\": ...}} instead",
                            name),
                arg.name);
          ok = false;
          break;
        }
        seen_keyword = true;
        add_keyword({name, arg.name, true, false, arg.span, arg.value});
        break;
      }
      case syntax::Argument::Kind::kDoubleStar: {
        seen_keyword = seen_unpacked_keywords = true;
        const auto* dict = arg.value->As<syntax::Dict>();
        if (dict == nullptr) {
          Error("parse.unsupported_unpack",
                "only a dict literal can be unpacked with '**' in a query", arg.span);
          ok = false;
          break;
        }
        // A dict display keeps the last value of a repeated key (at the first
        // key's place).
        absl::InlinedVector<KeywordArg, 4> unpacked;
        for (const syntax::DictItem& item : dict->items) {
          if (item.key == nullptr) {
            Error("parse.unsupported_unpack",
                  "dict unpacking inside a dict literal is not supported", item.span);
            ok = false;
            continue;
          }
          KeywordArg kw{{}, {}, false, true, item.span, item.value};
          const StringArgResult r =
              StringArg(item.key, &kw.name, &kw.name_span, &kw.name_is_source);
          if (r == StringArgResult::kNotString) {
            Error("parse.bad_arguments", "keywords must be strings", item.key->span);
          }
          if (r != StringArgResult::kOk) {
            ok = false;
            continue;
          }
          auto same = std::find_if(unpacked.begin(), unpacked.end(),
                                   [&](const KeywordArg& k) { return k.name == kw.name; });
          if (same != unpacked.end()) {
            *same = kw;  // keeps the first key's place, as a dict does
          } else {
            unpacked.push_back(kw);
          }
        }
        for (const KeywordArg& kw : unpacked) add_keyword(kw);
        break;
      }
    }
  }
  return ok;
}

}  // namespace querysafe::parse_internal
