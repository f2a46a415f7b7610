// The lookup table (lib/analyze/lookup_table.cc): the registry Django's field classes expose
// (Field.get_lookups()), read back through the functions resolution uses.
#include "lib/analyze/lookup_table.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string_view>
#include <vector>

namespace querysafe::analyze {
namespace {

using bound::LookupKind;
using bound::TransformKind;
using schema::FieldClass;

bool Has(const std::vector<std::string_view>& names, std::string_view name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

TEST(LookupTable, EveryNamedLookupIsFoundOnItsClasses) {
  for (int k = 0; k <= static_cast<int>(LookupKind::kOverlap); ++k) {
    const bound::LookupInfo& info = bound::LookupOf(static_cast<LookupKind>(k));
    EXPECT_EQ(static_cast<int>(info.kind), k);
    EXPECT_FALSE(info.name.empty()) << k;
    EXPECT_FALSE(info.mql_operator.empty()) << k;
    for (FieldClass c : {FieldClass::kChar, FieldClass::kInteger, FieldClass::kForeignKey,
                         FieldClass::kArray, FieldClass::kJSON}) {
      if ((info.classes & bound::ClassBit(c)) == 0) continue;
      EXPECT_EQ(FindLookup(c, info.name), info.kind) << info.name;
      EXPECT_TRUE(Has(LookupNames(c), info.name)) << info.name;
    }
  }
}

TEST(LookupTable, ContainsIsAPatternOnTextAndAllOnArrays) {
  EXPECT_EQ(FindLookup(FieldClass::kChar, "contains"), LookupKind::kContains);
  EXPECT_EQ(FindLookup(FieldClass::kArray, "contains"), LookupKind::kArrayContains);
  EXPECT_EQ(bound::LookupOf(LookupKind::kContains).pattern, bound::Pattern::kSubstring);
  EXPECT_EQ(bound::LookupOf(LookupKind::kArrayContains).mql_operator, "$all");
  // Related fields register only in, exact, lt, gt, gte, lte and isnull.
  EXPECT_FALSE(FindLookup(FieldClass::kForeignKey, "contains").has_value());
  EXPECT_FALSE(FindLookup(FieldClass::kForeignKey, "range").has_value());
}

TEST(LookupTable, PatternColumnsSayWhatTheOldPredicatesSaid) {
  EXPECT_TRUE(bound::IsPatternLookup(LookupKind::kIRegex));
  EXPECT_FALSE(bound::IsEscapedPatternLookup(LookupKind::kIRegex));
  EXPECT_TRUE(bound::IsEscapedPatternLookup(LookupKind::kIExact));
  EXPECT_FALSE(bound::IsPatternLookup(LookupKind::kExact));
  EXPECT_TRUE(bound::IsCaseInsensitiveLookup(LookupKind::kIStartsWith));
  EXPECT_FALSE(bound::IsCaseInsensitiveLookup(LookupKind::kStartsWith));
  EXPECT_EQ(bound::LookupOf(LookupKind::kIEndsWith).qe_query, bound::QeQuery::kSuffix);
  EXPECT_EQ(bound::LookupOf(LookupKind::kIExact).qe_query, bound::QeQuery::kText);
  EXPECT_EQ(bound::LookupOf(LookupKind::kRange).arity, bound::Arity::kPair);
}

TEST(LookupTable, TransformsFollowTheirClasses) {
  EXPECT_EQ(FindTransform(FieldClass::kDate, "year")->kind, TransformKind::kYear);
  EXPECT_FALSE(FindTransform(FieldClass::kDate, "hour").has_value());
  EXPECT_EQ(FindTransform(FieldClass::kTime, "hour")->kind, TransformKind::kHour);
  EXPECT_EQ(FindTransform(FieldClass::kDateTime, "date")->kind, TransformKind::kDate);
  EXPECT_EQ(TransformOutputClass(TransformKind::kDate, FieldClass::kDateTime), FieldClass::kDate);
  EXPECT_EQ(TransformOutputClass(TransformKind::kYear, FieldClass::kDate), FieldClass::kInteger);
  const std::optional<bound::Transform> index = FindTransform(FieldClass::kArray, "12");
  ASSERT_TRUE(index.has_value());
  EXPECT_EQ(index->kind, TransformKind::kIndex);
  EXPECT_EQ(index->index, 12);
  EXPECT_FALSE(FindTransform(FieldClass::kArray, "1x").has_value());
  EXPECT_FALSE(FindTransform(FieldClass::kChar, "0").has_value());
  // An array index is named by its number, never listed.
  EXPECT_TRUE(Has(LookupNames(FieldClass::kArray), "len"));
  EXPECT_FALSE(Has(LookupNames(FieldClass::kArray), ""));
  EXPECT_EQ(bound::TransformOf(TransformKind::kWeekDay).mql_operator, "$dayOfWeek");
}

TEST(LookupTable, ArraysOfEmbeddedModelsHaveLen) {
  for (FieldClass c :
       {FieldClass::kEmbeddedModelArray, FieldClass::kPolymorphicEmbeddedModelArray}) {
    ASSERT_TRUE(FindTransform(c, "len").has_value());
    EXPECT_EQ(FindTransform(c, "len")->kind, TransformKind::kLen);
    // Only len: an index names a field of the embedded models there.
    EXPECT_FALSE(FindTransform(c, "0").has_value());
  }
  EXPECT_FALSE(FindTransform(FieldClass::kEmbeddedModel, "len").has_value());
}

}  // namespace
}  // namespace querysafe::analyze
