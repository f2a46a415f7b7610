#include "querysafe/diagnostic.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace querysafe {
namespace {

using ::testing::HasSubstr;

Diagnostic MakeDiag(uint32_t begin, uint32_t end) {
  Diagnostic d;
  d.category = Category::kNotSupportedError;
  d.code = "qe.operator_not_allowed";
  d.message =
      "Invalid match expression operator on encrypted field "
      "'patient_record.ssn'";
  d.server_code = 51092;
  d.span = {begin, end};
  return d;
}

TEST(LocateOffset, CountsLinesAndCharacters) {
  EXPECT_EQ(LocateOffset("abc", 0).column, 1u);
  EXPECT_EQ(LocateOffset("abc", 2).column, 3u);
  LineColumn lc = LocateOffset("ab\ncd", 4);
  EXPECT_EQ(lc.line, 2u);
  EXPECT_EQ(lc.column, 2u);
  // "é" is two bytes but one column.
  EXPECT_EQ(LocateOffset("\xC3\xA9x", 2).column, 2u);
  // Offsets past the end clamp instead of reading out of bounds.
  EXPECT_EQ(LocateOffset("ab", 99).column, 3u);
}

TEST(FormatDiagnostic, PutsCaretUnderSpan) {
  std::string text = "Patient.objects.filter(x__startswith=\"9\")";
  std::string out = FormatDiagnostic(MakeDiag(23, 40), text, "query");
  EXPECT_EQ(out,
            "query:1:24: NotSupportedError: Invalid match expression operator "
            "on encrypted "
            "field 'patient_record.ssn' [server code 51092]\n"
            "  Patient.objects.filter(x__startswith=\"9\")\n"
            "                         ^~~~~~~~~~~~~~~~~");
}

TEST(FormatDiagnostic, AlignsCaretAfterMultibyteCharacters) {
  std::string text = "f(\"\xC3\xA9\xC3\xA9\", y)";
  // 'y' is at byte 10 but column 9: the two "é" take two bytes each.
  std::string out = FormatDiagnostic(MakeDiag(10, 11), text, "q");
  EXPECT_THAT(out, HasSubstr("q:1:9:"));
  EXPECT_THAT(out, HasSubstr("\n" + std::string(2 + 8, ' ') + "^"));
}

TEST(FormatDiagnostic, ShowsOnlyTheLineOfTheSpan) {
  std::string text = "a\nbcd\ne";
  std::string out = FormatDiagnostic(MakeDiag(3, 4), text, "q");
  EXPECT_THAT(out, HasSubstr("q:2:2:"));
  EXPECT_THAT(out, HasSubstr("\n  bcd\n   ^"));
}

TEST(FormatDiagnostic, WithoutTextGivesLocation) {
  Diagnostic d = MakeDiag(0, 0);
  d.location = "models.Patient.fields.ssn";
  d.server_code = 0;
  EXPECT_EQ(FormatDiagnostic(d, "", "schema.json"),
            "schema.json: models.Patient.fields.ssn: NotSupportedError: "
            "Invalid match "
            "expression operator on encrypted field 'patient_record.ssn'");
}

TEST(DiagnosticsToJson, HasEveryField) {
  std::string json = DiagnosticsToJson({MakeDiag(2, 5)}, "abcdef");
  EXPECT_EQ(json,
            "{ \"errors\" : [ { \"category\" : \"NotSupportedError\", \"code\" : "
            "\"qe.operator_not_allowed\", \"server_code\" : 51092, \"message\" : "
            "\"Invalid "
            "match expression operator on encrypted field 'patient_record.ssn'\", "
            "\"span\" : { "
            "\"begin\" : 2, \"end\" : 5, \"line\" : 1, \"column\" : 3 } } ] }");
}

TEST(DiagnosticsToJson, ReplacesInvalidUtf8InsteadOfFailing) {
  Diagnostic d = MakeDiag(0, 1);
  d.message = "bad \xFF byte";
  std::string json = DiagnosticsToJson({d}, "");
  EXPECT_THAT(json, HasSubstr("bad \xEF\xBF\xBD byte"));
}

}  // namespace
}  // namespace querysafe
