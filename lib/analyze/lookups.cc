#include "lib/analyze/lookups.h"

#include <array>
#include <charconv>
#include <utility>

namespace querysafe::analyze {

using bound::LookupKind;
using bound::TransformKind;
using schema::FieldClass;

namespace {

struct NamedLookup {
  std::string_view name;
  LookupKind kind;
};

// Field's default lookups (django.db.models.lookups, registered on Field), in Django's
// registration order.
constexpr std::array<NamedLookup, 17> kFieldLookups = {{
    {"exact", LookupKind::kExact},
    {"iexact", LookupKind::kIExact},
    {"gt", LookupKind::kGt},
    {"gte", LookupKind::kGte},
    {"lt", LookupKind::kLt},
    {"lte", LookupKind::kLte},
    {"in", LookupKind::kIn},
    {"contains", LookupKind::kContains},
    {"icontains", LookupKind::kIContains},
    {"startswith", LookupKind::kStartsWith},
    {"istartswith", LookupKind::kIStartsWith},
    {"endswith", LookupKind::kEndsWith},
    {"iendswith", LookupKind::kIEndsWith},
    {"range", LookupKind::kRange},
    {"isnull", LookupKind::kIsNull},
    {"regex", LookupKind::kRegex},
    {"iregex", LookupKind::kIRegex},
}};

// Related fields register only these (django.db.models.fields.related_lookups).
constexpr std::array<NamedLookup, 7> kRelatedLookups = {{
    {"in", LookupKind::kIn},
    {"exact", LookupKind::kExact},
    {"lt", LookupKind::kLt},
    {"gt", LookupKind::kGt},
    {"gte", LookupKind::kGte},
    {"lte", LookupKind::kLte},
    {"isnull", LookupKind::kIsNull},
}};

// django-mongodb-backend's ArrayField lookups.
constexpr std::array<NamedLookup, 6> kArrayLookups = {{
    {"exact", LookupKind::kExact},
    {"in", LookupKind::kIn},
    {"isnull", LookupKind::kIsNull},
    {"contains", LookupKind::kArrayContains},
    {"contained_by", LookupKind::kContainedBy},
    {"overlap", LookupKind::kOverlap},
}};

struct NamedTransform {
  std::string_view name;
  TransformKind kind;
};

constexpr std::array<NamedTransform, 8> kDateTransforms = {{
    {"year", TransformKind::kYear},
    {"iso_year", TransformKind::kIsoYear},
    {"month", TransformKind::kMonth},
    {"day", TransformKind::kDay},
    {"week", TransformKind::kWeek},
    {"week_day", TransformKind::kWeekDay},
    {"iso_week_day", TransformKind::kIsoWeekDay},
    {"quarter", TransformKind::kQuarter},
}};

constexpr std::array<NamedTransform, 3> kTimeTransforms = {{
    {"hour", TransformKind::kHour},
    {"minute", TransformKind::kMinute},
    {"second", TransformKind::kSecond},
}};

constexpr std::array<NamedTransform, 2> kDateTimeOnlyTransforms = {{
    {"date", TransformKind::kDate},
    {"time", TransformKind::kTime},
}};

bool IsRelated(FieldClass cls) {
  return cls == FieldClass::kForeignKey || cls == FieldClass::kOneToOne;
}

bool IsArray(FieldClass cls) { return cls == FieldClass::kArray; }

template <size_t N>
std::optional<LookupKind> Find(const std::array<NamedLookup, N>& table, std::string_view name) {
  for (const NamedLookup& l : table) {
    if (l.name == name) return l.kind;
  }
  return std::nullopt;
}

template <size_t N>
std::optional<TransformKind> Find(const std::array<NamedTransform, N>& table,
                                  std::string_view name) {
  for (const NamedTransform& t : table) {
    if (t.name == name) return t.kind;
  }
  return std::nullopt;
}

}  // namespace

std::optional<LookupKind> FindLookup(FieldClass cls, std::string_view name) {
  if (IsRelated(cls)) return Find(kRelatedLookups, name);
  if (IsArray(cls)) return Find(kArrayLookups, name);
  return Find(kFieldLookups, name);
}

std::optional<TransformKind> FindTransform(FieldClass cls, std::string_view name, int64_t* index) {
  switch (cls) {
    case FieldClass::kDateTime:
      if (auto t = Find(kDateTimeOnlyTransforms, name)) return t;
      if (auto t = Find(kTimeTransforms, name)) return t;
      return Find(kDateTransforms, name);
    case FieldClass::kDate:
      return Find(kDateTransforms, name);
    case FieldClass::kTime:
      return Find(kTimeTransforms, name);
    case FieldClass::kArray: {
      if (name == "len") return TransformKind::kLen;
      int64_t i = 0;
      auto res = std::from_chars(name.data(), name.data() + name.size(), i);
      if (!name.empty() && res.ec == std::errc() && res.ptr == name.data() + name.size()) {
        *index = i;
        return TransformKind::kIndex;
      }
      return std::nullopt;
    }
    default:
      return std::nullopt;
  }
}

FieldClass TransformOutput(TransformKind kind, FieldClass input) {
  switch (kind) {
    case TransformKind::kDate:
      return FieldClass::kDate;
    case TransformKind::kTime:
      return FieldClass::kTime;
    case TransformKind::kIndex:
      return input;  // the caller substitutes the base field
    default:
      return FieldClass::kInteger;
  }
}

std::vector<std::string_view> LookupNames(FieldClass cls) {
  std::vector<std::string_view> names;
  if (IsRelated(cls)) {
    for (const auto& l : kRelatedLookups) names.push_back(l.name);
    return names;
  }
  if (IsArray(cls)) {
    for (const auto& l : kArrayLookups) names.push_back(l.name);
    names.push_back("len");
    return names;
  }
  for (const auto& l : kFieldLookups) names.push_back(l.name);
  if (cls == FieldClass::kDate || cls == FieldClass::kDateTime) {
    for (const auto& t : kDateTransforms) names.push_back(t.name);
  }
  if (cls == FieldClass::kTime || cls == FieldClass::kDateTime) {
    for (const auto& t : kTimeTransforms) names.push_back(t.name);
  }
  if (cls == FieldClass::kDateTime) {
    for (const auto& t : kDateTimeOnlyTransforms) names.push_back(t.name);
  }
  return names;
}

std::string_view DjangoClassName(FieldClass cls) {
  switch (cls) {
    case FieldClass::kBigInteger:
      return "BigIntegerField";
    case FieldClass::kBinary:
      return "BinaryField";
    case FieldClass::kBoolean:
      return "BooleanField";
    case FieldClass::kChar:
      return "CharField";
    case FieldClass::kDate:
      return "DateField";
    case FieldClass::kDateTime:
      return "DateTimeField";
    case FieldClass::kDecimal:
      return "DecimalField";
    case FieldClass::kDuration:
      return "DurationField";
    case FieldClass::kEmail:
      return "EmailField";
    case FieldClass::kFile:
      return "FileField";
    case FieldClass::kFilePath:
      return "FilePathField";
    case FieldClass::kFloat:
      return "FloatField";
    case FieldClass::kGenericIPAddress:
      return "GenericIPAddressField";
    case FieldClass::kImage:
      return "ImageField";
    case FieldClass::kInteger:
      return "IntegerField";
    case FieldClass::kJSON:
      return "JSONField";
    case FieldClass::kPositiveBigInteger:
      return "PositiveBigIntegerField";
    case FieldClass::kPositiveInteger:
      return "PositiveIntegerField";
    case FieldClass::kPositiveSmallInteger:
      return "PositiveSmallIntegerField";
    case FieldClass::kSlug:
      return "SlugField";
    case FieldClass::kSmallInteger:
      return "SmallIntegerField";
    case FieldClass::kText:
      return "TextField";
    case FieldClass::kTime:
      return "TimeField";
    case FieldClass::kURL:
      return "URLField";
    case FieldClass::kUUID:
      return "UUIDField";
    case FieldClass::kArray:
      return "ArrayField";
    case FieldClass::kEmbeddedModel:
      return "EmbeddedModelField";
    case FieldClass::kEmbeddedModelArray:
      return "EmbeddedModelArrayField";
    case FieldClass::kObjectId:
      return "ObjectIdField";
    case FieldClass::kObjectIdAuto:
      return "ObjectIdAutoField";
    case FieldClass::kPolymorphicEmbeddedModel:
      return "PolymorphicEmbeddedModelField";
    case FieldClass::kPolymorphicEmbeddedModelArray:
      return "PolymorphicEmbeddedModelArrayField";
    case FieldClass::kForeignKey:
      return "ForeignKey";
    case FieldClass::kOneToOne:
      return "OneToOneField";
  }
  return "Field";
}

std::string_view MqlOperator(LookupKind kind) {
  switch (kind) {
    case LookupKind::kExact:
      return "$eq";
    case LookupKind::kIn:
      return "$in";
    case LookupKind::kGt:
      return "$gt";
    case LookupKind::kGte:
      return "$gte";
    case LookupKind::kLt:
      return "$lt";
    case LookupKind::kLte:
      return "$lte";
    case LookupKind::kRange:
      return "$gte/$lte";
    case LookupKind::kIsNull:
      return "$exists";
    case LookupKind::kArrayContains:
      return "$all";
    case LookupKind::kContainedBy:
    case LookupKind::kOverlap:
      return "$in";
    default:
      return "$regex";
  }
}

}  // namespace querysafe::analyze

namespace querysafe::bound {

std::string_view LookupName(LookupKind kind) {
  switch (kind) {
    case LookupKind::kExact:
      return "exact";
    case LookupKind::kIExact:
      return "iexact";
    case LookupKind::kContains:
    case LookupKind::kArrayContains:
      return "contains";
    case LookupKind::kIContains:
      return "icontains";
    case LookupKind::kIn:
      return "in";
    case LookupKind::kGt:
      return "gt";
    case LookupKind::kGte:
      return "gte";
    case LookupKind::kLt:
      return "lt";
    case LookupKind::kLte:
      return "lte";
    case LookupKind::kStartsWith:
      return "startswith";
    case LookupKind::kIStartsWith:
      return "istartswith";
    case LookupKind::kEndsWith:
      return "endswith";
    case LookupKind::kIEndsWith:
      return "iendswith";
    case LookupKind::kRange:
      return "range";
    case LookupKind::kIsNull:
      return "isnull";
    case LookupKind::kRegex:
      return "regex";
    case LookupKind::kIRegex:
      return "iregex";
    case LookupKind::kContainedBy:
      return "contained_by";
    case LookupKind::kOverlap:
      return "overlap";
  }
  return "lookup";
}

bool IsPatternLookup(LookupKind kind) {
  return IsEscapedPatternLookup(kind) || kind == LookupKind::kRegex || kind == LookupKind::kIRegex;
}

bool IsEscapedPatternLookup(LookupKind kind) {
  switch (kind) {
    case LookupKind::kIExact:
    case LookupKind::kContains:
    case LookupKind::kIContains:
    case LookupKind::kStartsWith:
    case LookupKind::kIStartsWith:
    case LookupKind::kEndsWith:
    case LookupKind::kIEndsWith:
      return true;
    case LookupKind::kExact:
    case LookupKind::kIn:
    case LookupKind::kGt:
    case LookupKind::kGte:
    case LookupKind::kLt:
    case LookupKind::kLte:
    case LookupKind::kRange:
    case LookupKind::kIsNull:
    case LookupKind::kRegex:
    case LookupKind::kIRegex:
    case LookupKind::kArrayContains:
    case LookupKind::kContainedBy:
    case LookupKind::kOverlap:
      return false;
  }
  return false;
}

bool IsCaseInsensitiveLookup(LookupKind kind) {
  switch (kind) {
    case LookupKind::kIExact:
    case LookupKind::kIContains:
    case LookupKind::kIStartsWith:
    case LookupKind::kIEndsWith:
    case LookupKind::kIRegex:
      return true;
    case LookupKind::kExact:
    case LookupKind::kContains:
    case LookupKind::kIn:
    case LookupKind::kGt:
    case LookupKind::kGte:
    case LookupKind::kLt:
    case LookupKind::kLte:
    case LookupKind::kStartsWith:
    case LookupKind::kEndsWith:
    case LookupKind::kRange:
    case LookupKind::kIsNull:
    case LookupKind::kRegex:
    case LookupKind::kArrayContains:
    case LookupKind::kContainedBy:
    case LookupKind::kOverlap:
      return false;
  }
  return false;
}

}  // namespace querysafe::bound
