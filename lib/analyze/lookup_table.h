// Django's lookups and transforms, one row each (lookup_table.cc): what resolution, coercion,
// the QE rules and lowering need to know about a lookup, read from one place. The kinds are the
// bound tree's (bound.h); the field classes and their facts are lib/schema's (field_types.cc).
//
// lib/analyze/README.md says which files a new lookup, transform or field class touches.
#ifndef QUERYSAFE_LIB_ANALYZE_LOOKUP_TABLE_H_
#define QUERYSAFE_LIB_ANALYZE_LOOKUP_TABLE_H_

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "lib/analyze/bound.h"
#include "lib/schema/model.h"

namespace querysafe::bound {

// The text a pattern lookup matches: Django's PatternLookup subclasses, IExact and Regex.
enum class Pattern : uint8_t {
  kNone,       // not a pattern lookup
  kExact,      // iexact: the whole text
  kPrefix,     // startswith, istartswith
  kSuffix,     // endswith, iendswith
  kSubstring,  // contains, icontains
  kRegex,      // regex, iregex: the value is the pattern itself, not escaped
};

// The QE query type that can answer the lookup on an encrypted field (qe_lookup_allowed.cc).
enum class QeQuery : uint8_t {
  kNone,       // no index serves it (isnull, regex, the ArrayField lookups)
  kEquality,   // exact, in: an equality index (or a range index, as [v, v])
  kRange,      // gt, gte, lt, lte, range: a range index
  kText,       // iexact: $encStrNormalizedEq, served by any case-insensitive text index
  kPrefix,     // startswith, istartswith: a prefix index (8.2 preview or 9.0)
  kSuffix,     // endswith, iendswith: a suffix index
  kSubstring,  // contains, icontains: a substring index
};

// The shape of the right-hand side.
enum class Arity : uint8_t {
  kOne,   // one value
  kList,  // an iterable of values (in, and the ArrayField lookups)
  kPair,  // two bounds (range)
  kBool,  // True or False (isnull)
};

// A set of field classes, one bit per schema::FieldClass.
using ClassSet = uint64_t;
constexpr ClassSet ClassBit(schema::FieldClass c) { return ClassSet{1} << static_cast<int>(c); }

struct LookupInfo {
  LookupKind kind;
  std::string_view name;  // the last part of a key: "exact", "startswith", "contained_by"
  // The MQL operator, as the server's messages name it: "$eq", "$gt", "$regex", "$all"...
  std::string_view mql_operator;
  Pattern pattern;
  bool case_insensitive;  // Django compares case-insensitively (UPPER() on both sides)
  QeQuery qe_query;
  Arity arity;
  ClassSet classes;  // the field classes Django registers it on
};

struct TransformInfo {
  TransformKind kind;
  // The name in a key; empty for the transforms named by a number (an ArrayField index).
  std::string_view name;
  // The MQL operator that applies it, as the server names it when it refuses to evaluate it on
  // an encrypted field (31110); for the date parts, the operator lowering writes.
  std::string_view mql_operator;
  // The class of its result: IntegerField for the date parts and len, DateField for date...
  // A result of the field's own class keeps the field (and its options) for what follows.
  schema::FieldClass output;
  bool element;  // an ArrayField index: the result is the array's base field, not `output`
  ClassSet classes;
};

const LookupInfo& LookupOf(LookupKind kind);
const TransformInfo& TransformOf(TransformKind kind);

// The lookup's name in a key ("contains" for both kContains and kArrayContains).
inline std::string_view LookupName(LookupKind kind) { return LookupOf(kind).name; }
// The pattern lookups: their value is text matched against the text of the left-hand side.
inline bool IsPatternLookup(LookupKind kind) { return LookupOf(kind).pattern != Pattern::kNone; }
// The pattern lookups whose value is literal text, escaped into a pattern (all but regex and
// iregex, whose value is the pattern itself).
inline bool IsEscapedPatternLookup(LookupKind kind) {
  return IsPatternLookup(kind) && LookupOf(kind).pattern != Pattern::kRegex;
}
inline bool IsCaseInsensitiveLookup(LookupKind kind) { return LookupOf(kind).case_insensitive; }

}  // namespace querysafe::bound

namespace querysafe::analyze {

// The lookup `name` on a field of class `cls`, if Django registers one.
std::optional<bound::LookupKind> FindLookup(schema::FieldClass cls, std::string_view name);

// The transform `name` on a field of class `cls` (date parts on dates, len and indexes on
// arrays), if Django registers one, with its index for an ArrayField index. The caller sets
// the span and the time zone.
std::optional<bound::Transform> FindTransform(schema::FieldClass cls, std::string_view name);

// The field class a transform's result has (year -> IntegerField, date -> DateField...), for
// resolving what comes after it; `input` for an array element (the caller substitutes the
// array's base field).
schema::FieldClass TransformOutputClass(bound::TransformKind kind, schema::FieldClass input);

// Every lookup and transform name registered for `cls`, as Field.get_lookups() lists them.
std::vector<std::string_view> LookupNames(schema::FieldClass cls);

}  // namespace querysafe::analyze

#endif  // QUERYSAFE_LIB_ANALYZE_LOOKUP_TABLE_H_
