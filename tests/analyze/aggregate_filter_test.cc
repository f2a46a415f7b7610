// An aggregate's filter= is evaluated inside $group as an aggregation expression, where
// Queryable Encryption refuses any encrypted field (6331102) on every server version
// (rules/qe_aggregate_filter.cc); plaintext conditions there stay accepted. Schemas:
// tests/data/conformance/schemas/medical.json and qe_matrix.json.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "querysafe/query.h"
#include "tests/analyze/analyze_fixture.h"

namespace querysafe::analyze {
namespace {

using testing::Analyze;
using testing::ConformanceSchema;
using ::testing::HasSubstr;

class AggregateFilter : public ::testing::Test {
 protected:
  void SetUp() override {
    medical_ = ConformanceSchema("medical");
    matrix_ = ConformanceSchema("qe_matrix");
    ASSERT_NE(medical_, nullptr);
    ASSERT_NE(matrix_, nullptr);
  }
  std::shared_ptr<Schema> medical_;
  std::shared_ptr<Schema> matrix_;
};

TEST_F(AggregateFilter, EncryptedEqualityIsRefusedOnEveryServerVersion) {
  const char* q =
      R"(Patient.objects.aggregate(n=Count("patient_id", filter=Q(patient_record__ssn="987-65-4320"))))";
  for (ServerVersion v : {ServerVersion{7, 0}, ServerVersion{8, 0}, ServerVersion{8, 2}}) {
    auto a = Analyze(*medical_, q, v);
    ASSERT_EQ(a->code(), "qe.aggregate_filter_encrypted") << v.major << "." << v.minor;
    EXPECT_EQ(a->first().server_code, 6331102);
    EXPECT_EQ(a->first().category, Category::kNotSupportedError);
    EXPECT_THAT(a->first().message,
                HasSubstr("Invalid reference to an encrypted field within aggregate expression: "
                          "patient_record.ssn"));
    EXPECT_EQ(a->spanned(), R"(patient_record__ssn="987-65-4320")");
  }
}

TEST_F(AggregateFilter, RangeAndUnqueryableFieldsAreRefusedTheSameWay) {
  for (const char* q : {
           R"(IntegerModel.objects.aggregate(n=Count("id", filter=Q(value__gte=5))))",
           R"(IntegerModel.objects.aggregate(n=Count("id", filter=Q(value=5))))",
           R"(Secret.objects.aggregate(n=Count("id", filter=Q(note="x"))))",
           R"(CharModel.objects.aggregate(n=Count("id", filter=Q(value__startswith="x"))))",
           R"(CharModel.objects.aggregate(n=Count("id", filter=Q(plain="a") | ~Q(value="x"))))",
           R"(CharModel.objects.aggregate(n=Count("id", filter=Q(plain=F("value")))))",
           R"(CharModel.objects.aggregate(n=Count("*", filter=Q(value="x"))))",
       }) {
    auto a = Analyze(*matrix_, q, {8, 2});
    ASSERT_EQ(a->code(), "qe.aggregate_filter_encrypted") << q;
    EXPECT_EQ(a->first().server_code, 6331102) << q;
  }
}

TEST_F(AggregateFilter, TheAccumulatorArgumentIsCheckedFirst) {
  // The server checks the accumulator (51221) while propagating the schema, before it analyses
  // the filter expression.
  auto a =
      Analyze(*matrix_, R"(IntegerModel.objects.aggregate(s=Sum("value", filter=Q(value=1))))");
  ASSERT_EQ(a->code(), "qe.aggregate_accumulator");
  EXPECT_EQ(a->first().server_code, 51221);
}

TEST_F(AggregateFilter, AnnotateReportsTheGroupingFirst) {
  auto grouped = Analyze(
      *medical_,
      R"(Patient.objects.annotate(n=Count("patient_id", filter=Q(patient_record__ssn="x"))))");
  ASSERT_EQ(grouped->code(), "qe.group_on_encrypted");
  EXPECT_EQ(grouped->first().server_code, 51222);
  auto narrowed =
      Analyze(*medical_, R"(Patient.objects.values("patient_name").annotate()"
                         R"(n=Count("patient_id", filter=Q(patient_record__ssn="x"))))");
  ASSERT_EQ(narrowed->code(), "qe.aggregate_filter_encrypted");
  EXPECT_EQ(narrowed->spanned(), R"(patient_record__ssn="x")");
}

TEST_F(AggregateFilter, PlaintextConditionsAreAccepted) {
  for (
      const char* q : {
          R"(Patient.objects.aggregate(n=Count("patient_id", filter=Q(patient_id__gte=5))))",
          R"(Patient.objects.filter(patient_record__ssn="x").aggregate(n=Count("patient_id", filter=Q(patient_name="a") ^ Q(patient_id=1))))",
          R"(Patient.objects.values("patient_name").annotate(n=Count("patient_id", filter=Q(patient_id=1))))",
      }) {
    auto a = Analyze(*medical_, q);
    EXPECT_TRUE(a->ok()) << q << ": " << (a->diagnostics.empty() ? "" : a->first().message);
  }
}

TEST_F(AggregateFilter, NoPlaintextOfAnEncryptedConstantIsEverTranslated) {
  TranslateResult r = Translate(
      *medical_,
      R"(Patient.objects.aggregate(n=Count("patient_id", filter=Q(patient_record__ssn="987-65-4320"))))");
  EXPECT_FALSE(r.ok());
  ASSERT_EQ(r.diagnostics.size(), 1u);
  EXPECT_EQ(r.diagnostics[0].code, "qe.aggregate_filter_encrypted");
}

}  // namespace
}  // namespace querysafe::analyze
