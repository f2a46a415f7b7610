// LocateJsonPath: schema rule violations point at the offending part of the file.
#include "lib/schema/json_locate.h"

#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "querysafe/schema.h"

namespace querysafe::schema {
namespace {

std::string_view Spanned(std::string_view text, Span span) {
  return text.substr(span.begin, span.end - span.begin);
}

constexpr std::string_view kDoc = R"({
  "database": "db",
  "models": {
    "Patient": {
      "fields": {
        "ssn": {"type": "EncryptedCharField", "queries": {"queryType": "equality"}},
        "tags": {"type": "ArrayField", "size": [1, 2, "x"]}
      },
      "indexes": [{"fields": ["a"]}, {"fields": ["b"]}]
    }
  },
  "encrypted_fields_map": {"patients": {"fields": [{"path": "patient_record.ssn"}]}},
  "odd": {"patient_record.ssn": 1, "patient_record": {"ssn": 2}, "esc\u0061ped": true}
})";

TEST(JsonLocate, ScalarValueIsTheWholeToken) {
  EXPECT_EQ(Spanned(kDoc, LocateJsonPath(kDoc, "database")), R"("db")");
  EXPECT_EQ(Spanned(kDoc, LocateJsonPath(kDoc, "models.Patient.fields.ssn.queries.queryType")),
            R"("equality")");
}

TEST(JsonLocate, ContainerIsItsKey) {
  EXPECT_EQ(Spanned(kDoc, LocateJsonPath(kDoc, "models.Patient.fields.ssn.queries")),
            R"("queries")");
  EXPECT_EQ(Spanned(kDoc, LocateJsonPath(kDoc, "models.Patient")), R"("Patient")");
}

TEST(JsonLocate, ArrayIndexes) {
  EXPECT_EQ(Spanned(kDoc, LocateJsonPath(kDoc, "models.Patient.fields.tags.size.2")), R"("x")");
  EXPECT_EQ(Spanned(kDoc, LocateJsonPath(kDoc, "models.Patient.indexes.1")), "{");
  EXPECT_EQ(Spanned(kDoc, LocateJsonPath(kDoc, "models.Patient.indexes.1.fields.0")), R"("b")");
  EXPECT_EQ(Spanned(kDoc, LocateJsonPath(kDoc, "encrypted_fields_map.patients.fields.0.path")),
            R"("patient_record.ssn")");
}

TEST(JsonLocate, KeysWithDotsPreferTheLongestMatch) {
  EXPECT_EQ(Spanned(kDoc, LocateJsonPath(kDoc, "odd.patient_record.ssn")), "1");
  EXPECT_EQ(Spanned(kDoc, LocateJsonPath(kDoc, "odd.escaped")), "true");
}

TEST(JsonLocate, MissingKeyPointsAtTheDeepestAncestor) {
  EXPECT_EQ(Spanned(kDoc, LocateJsonPath(kDoc, "models.Patient.fields.nope")), R"("fields")");
  EXPECT_EQ(Spanned(kDoc, LocateJsonPath(kDoc, "nope")), "{");
  EXPECT_EQ(Spanned(kDoc, LocateJsonPath(kDoc, "models.Patient.indexes.7")), R"("indexes")");
  EXPECT_EQ(Spanned(kDoc, LocateJsonPath(kDoc, "database.below_a_scalar")), R"("database")");
}

TEST(JsonLocate, NeverReadsPastTruncatedText) {
  // Not JSON libbson would accept, but the scanner must still stop cleanly at every prefix.
  for (size_t n = 0; n <= kDoc.size(); ++n) {
    const std::string_view prefix = kDoc.substr(0, n);
    const Span s = LocateJsonPath(prefix, "models.Patient.fields.tags.size.2");
    EXPECT_LE(s.begin, s.end);
    EXPECT_LE(s.end, prefix.size());
  }
  EXPECT_EQ(LocateJsonPath("[1, 2]", "0"), Span{});
  EXPECT_EQ(LocateJsonPath("", "a"), Span{});
}

TEST(JsonLocate, RuleViolationsFromFromJsonCarryTheSpan) {
  constexpr std::string_view kBad = R"({"database": "db", "models": {"M": {"fields": {
      "f": {"type": "EncryptedIntegerField", "queries": {"queryType": "range", "sparsity": 9}}}}}})";
  SchemaResult r = querysafe::Schema::FromJson(kBad);
  ASSERT_FALSE(r.ok());
  ASSERT_EQ(r.diagnostics.size(), 1u);
  EXPECT_EQ(r.diagnostics[0].location, "models.M.fields.f.queries.sparsity");
  EXPECT_EQ(Spanned(kBad, r.diagnostics[0].span), "9");
}

}  // namespace
}  // namespace querysafe::schema
