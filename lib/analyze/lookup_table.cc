// The table behind lookup_table.h. Names and the classes each is registered on follow Django's
// registry: Field's default lookups (django/db/models/lookups.py), the related fields' own set
// (django/db/models/fields/related_lookups.py), the date and time transforms
// (django/db/models/functions/datetime.py), and django-mongodb-backend's ArrayField lookups and
// transforms (django_mongodb_backend/fields/array.py). MQL operators follow
// django-mongodb-backend's operator tables (base.py) as the server's messages name them.
#include "lib/analyze/lookup_table.h"

#include <array>
#include <charconv>

namespace querysafe::bound {
namespace {

using schema::FieldClass;

constexpr ClassSet kRelations = ClassBit(FieldClass::kForeignKey) | ClassBit(FieldClass::kOneToOne);
constexpr ClassSet kArray = ClassBit(FieldClass::kArray);
// The arrays of embedded models are ArrayFields too (django-mongodb-backend's
// EmbeddedModelArrayField and PolymorphicEmbeddedModelArrayField subclass it) and keep its len
// transform: their _get_lookup() lets ArrayLenTransform through, where their other lookups go
// to the embedded models' fields.
constexpr ClassSet kArrays = kArray | ClassBit(FieldClass::kEmbeddedModelArray) |
                             ClassBit(FieldClass::kPolymorphicEmbeddedModelArray);
// Field's lookups: every class but the relations and ArrayField, which register their own.
constexpr ClassSet kFields = ~(kRelations | kArray);
constexpr ClassSet kAll = ~ClassSet{0};
constexpr ClassSet kDates = ClassBit(FieldClass::kDate) | ClassBit(FieldClass::kDateTime);
constexpr ClassSet kTimes = ClassBit(FieldClass::kTime) | ClassBit(FieldClass::kDateTime);
constexpr ClassSet kDateTime = ClassBit(FieldClass::kDateTime);

using enum LookupKind;
using enum Arity;
using P = Pattern;
using Q = QeQuery;

// In LookupKind's order (checked below); Field's in Django's registration order.
constexpr LookupInfo kLookups[] = {
    // kind, name, MQL operator, pattern, case-insensitive, QE query, arity, classes
    {kExact, "exact", "$eq", P::kNone, false, Q::kEquality, kOne, kAll},
    {kIExact, "iexact", "$regex", P::kExact, true, Q::kText, kOne, kFields},
    {kContains, "contains", "$regex", P::kSubstring, false, Q::kSubstring, kOne, kFields},
    {kIContains, "icontains", "$regex", P::kSubstring, true, Q::kSubstring, kOne, kFields},
    {kIn, "in", "$in", P::kNone, false, Q::kEquality, kList, kAll},
    {kGt, "gt", "$gt", P::kNone, false, Q::kRange, kOne, kFields | kRelations},
    {kGte, "gte", "$gte", P::kNone, false, Q::kRange, kOne, kFields | kRelations},
    {kLt, "lt", "$lt", P::kNone, false, Q::kRange, kOne, kFields | kRelations},
    {kLte, "lte", "$lte", P::kNone, false, Q::kRange, kOne, kFields | kRelations},
    {kStartsWith, "startswith", "$regex", P::kPrefix, false, Q::kPrefix, kOne, kFields},
    {kIStartsWith, "istartswith", "$regex", P::kPrefix, true, Q::kPrefix, kOne, kFields},
    {kEndsWith, "endswith", "$regex", P::kSuffix, false, Q::kSuffix, kOne, kFields},
    {kIEndsWith, "iendswith", "$regex", P::kSuffix, true, Q::kSuffix, kOne, kFields},
    {kRange, "range", "$gte/$lte", P::kNone, false, Q::kRange, kPair, kFields},
    {kIsNull, "isnull", "$exists", P::kNone, false, Q::kNone, kBool, kAll},
    {kRegex, "regex", "$regex", P::kRegex, false, Q::kNone, kOne, kFields},
    {kIRegex, "iregex", "$regex", P::kRegex, true, Q::kNone, kOne, kFields},
    // ArrayField's: `contains` is every given element ($all), `contained_by` and `overlap` are
    // set comparisons with the given list.
    {kArrayContains, "contains", "$all", P::kNone, false, Q::kNone, kList, kArray},
    {kContainedBy, "contained_by", "$in", P::kNone, false, Q::kNone, kList, kArray},
    {kOverlap, "overlap", "$in", P::kNone, false, Q::kNone, kList, kArray},
};

using enum TransformKind;

// In TransformKind's order (checked below). The date parts of a DateField, those of a TimeField,
// and DateTimeField's date and time; the ArrayField's length and index.
constexpr TransformInfo kTransforms[] = {
    // kind, name, MQL operator, output class, array element, classes
    {kYear, "year", "$year", FieldClass::kInteger, false, kDates},
    {kIsoYear, "iso_year", "$isoWeekYear", FieldClass::kInteger, false, kDates},
    {kMonth, "month", "$month", FieldClass::kInteger, false, kDates},
    {kDay, "day", "$dayOfMonth", FieldClass::kInteger, false, kDates},
    {kWeek, "week", "$isoWeek", FieldClass::kInteger, false, kDates},
    {kWeekDay, "week_day", "$dayOfWeek", FieldClass::kInteger, false, kDates},  // Sunday=1
    {kIsoWeekDay, "iso_week_day", "$isoDayOfWeek", FieldClass::kInteger, false, kDates},
    // ceil($month / 3)
    {kQuarter, "quarter", "$month", FieldClass::kInteger, false, kDates},
    {kHour, "hour", "$hour", FieldClass::kInteger, false, kTimes},
    {kMinute, "minute", "$minute", FieldClass::kInteger, false, kTimes},
    {kSecond, "second", "$second", FieldClass::kInteger, false, kTimes},
    // The date and the time of day, as the server names what evaluates them.
    {kDate, "date", "$dateToString", FieldClass::kDate, false, kDateTime},
    {kTime, "time", "$dateToString", FieldClass::kTime, false, kDateTime},
    {kLen, "len", "$size", FieldClass::kInteger, false, kArrays},
    // Named by a number: `tags__0`.
    {kIndex, "", "$arrayElemAt", FieldClass::kArray, true, kArray},
};

template <typename Row, size_t N>
constexpr bool InKindOrder(const Row (&rows)[N]) {
  for (size_t i = 0; i < N; ++i) {
    if (static_cast<size_t>(rows[i].kind) != i) return false;
  }
  return true;
}
static_assert(InKindOrder(kLookups), "kLookups: one row per LookupKind, in its order");
static_assert(static_cast<size_t>(LookupKind::kOverlap) + 1 == std::size(kLookups),
              "kLookups: a row for the last LookupKind");
static_assert(InKindOrder(kTransforms), "kTransforms: one row per TransformKind, in its order");
static_assert(static_cast<size_t>(TransformKind::kIndex) + 1 == std::size(kTransforms),
              "kTransforms: a row for the last TransformKind");

}  // namespace

const LookupInfo& LookupOf(LookupKind kind) { return kLookups[static_cast<size_t>(kind)]; }

const TransformInfo& TransformOf(TransformKind kind) {
  return kTransforms[static_cast<size_t>(kind)];
}

}  // namespace querysafe::bound

namespace querysafe::analyze {

using bound::ClassBit;
using schema::FieldClass;

std::optional<bound::LookupKind> FindLookup(FieldClass cls, std::string_view name) {
  for (const bound::LookupInfo& l : bound::kLookups) {
    if ((l.classes & ClassBit(cls)) != 0 && l.name == name) return l.kind;
  }
  return std::nullopt;
}

namespace {

// A transform named by a number (an array index): the whole name, in decimal.
bool ParseIndex(std::string_view name, int64_t* index) {
  const auto res = std::from_chars(name.data(), name.data() + name.size(), *index);
  return !name.empty() && res.ec == std::errc() && res.ptr == name.data() + name.size();
}

}  // namespace

std::optional<bound::Transform> FindTransform(FieldClass cls, std::string_view name) {
  for (const bound::TransformInfo& t : bound::kTransforms) {
    if ((t.classes & ClassBit(cls)) == 0) continue;
    bound::Transform out{};
    out.kind = t.kind;
    if (t.name.empty() ? ParseIndex(name, &out.index) : t.name == name) return out;
  }
  return std::nullopt;
}

FieldClass TransformOutputClass(bound::TransformKind kind, FieldClass input) {
  const bound::TransformInfo& t = bound::TransformOf(kind);
  return t.element ? input : t.output;
}

std::vector<std::string_view> LookupNames(FieldClass cls) {
  std::vector<std::string_view> names;
  for (const bound::LookupInfo& l : bound::kLookups) {
    if ((l.classes & ClassBit(cls)) != 0) names.push_back(l.name);
  }
  for (const bound::TransformInfo& t : bound::kTransforms) {
    if ((t.classes & ClassBit(cls)) != 0 && !t.name.empty()) names.push_back(t.name);
  }
  return names;
}

}  // namespace querysafe::analyze
