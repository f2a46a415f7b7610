// The value of a pattern or regex lookup is text whatever the field: Django does not prepare it
// (PatternLookup, IExact and Regex have prepare_rhs = False) and matches str(value) against the
// column's text. Lowering writes the value into a $regex, so anything but UTF-8 here would be
// read through the wrong member of bson_value_t's union (it was, for a JSON key or a transform's
// value, and wrote an empty pattern that matched every document).

#include <gtest/gtest.h>

#include <string>

#include "tests/analyze/analyze_fixture.h"

namespace querysafe::analyze {
namespace {

using testing::Analyze;
using testing::LoadSchemaJson;

constexpr std::string_view kSchema = R"({"database": "d", "models": {"Doc": {"fields": {
    "data": {"type": "JSONField", "null": true},
    "qty": {"type": "IntegerField", "null": true},
    "born": {"type": "DateField", "null": true}}}}})";

// The text of the one predicate's value, or "<not utf8>".
std::string PatternText(std::string_view query) {
  static const std::shared_ptr<Schema> schema = LoadSchemaJson(kSchema);
  auto a = Analyze(*schema, query);
  EXPECT_TRUE(a->ok()) << query;
  if (!a->ok()) return "<rejected>";
  const bound::Filter& f = *a->query->filter;
  EXPECT_EQ(f.kind, bound::Filter::Kind::kPredicate) << query;
  const bson_value_t& v = f.predicate->values[0].constant;
  if (v.value_type != BSON_TYPE_UTF8) return "<not utf8>";
  return std::string(v.value.v_utf8.str, v.value.v_utf8.len);
}

TEST(PatternValue, JsonKeyPatternsTakeTheTextOfTheValue) {
  EXPECT_EQ(PatternText("Doc.objects.filter(data__k__icontains=5)"), "5");
  EXPECT_EQ(PatternText("Doc.objects.filter(data__k__startswith=True)"), "True");
  EXPECT_EQ(PatternText("Doc.objects.filter(data__k__regex=5)"), "5");
  EXPECT_EQ(PatternText("Doc.objects.filter(data__k__iexact=1.5)"), "1.5");
}

TEST(PatternValue, TransformPatternsTakeTheTextOfTheValue) {
  EXPECT_EQ(PatternText("Doc.objects.filter(born__year__startswith=19)"), "19");
  EXPECT_EQ(PatternText("Doc.objects.filter(born__month__regex=\"^1[0-2]$\")"), "^1[0-2]$");
}

TEST(PatternValue, NonTextFieldsTakeStrOfTheValueUnvalidated) {
  // Django: IntegerField with startswith="-" is "qty"::text LIKE '-%', not a ValidationError.
  EXPECT_EQ(PatternText("Doc.objects.filter(qty__startswith=\"-\")"), "-");
  EXPECT_EQ(PatternText("Doc.objects.filter(qty__iexact=\"abc\")"), "abc");
  EXPECT_EQ(PatternText("Doc.objects.filter(born__contains=\"-02-\")"), "-02-");
  EXPECT_EQ(PatternText("Doc.objects.filter(born__contains=date(2024, 2, 29))"), "2024-02-29");
}

}  // namespace
}  // namespace querysafe::analyze
