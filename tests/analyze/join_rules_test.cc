// Rules about queries that reach another collection through a ForeignKey: encrypted fields of
// the joined collection (rules/qe_join_encrypted_field.cc), update()/delete() across collections
// (rules/queryset_multi_collection_write.cc) and `let` (rules/qe_join_let.cc). Schemas:
// tests/data/conformance/schemas/library.json (Book -> Author, both with encrypted fields) and
// library_plain.json (the same models without encryption).

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/analyze/analyze_fixture.h"

namespace querysafe::analyze {
namespace {

using testing::Analyze;
using testing::ConformanceSchema;
using ::testing::HasSubstr;

class JoinRules : public ::testing::Test {
 protected:
  void SetUp() override {
    library_ = ConformanceSchema("library");
    plain_ = ConformanceSchema("library_plain");
    ASSERT_NE(library_, nullptr);
    ASSERT_NE(plain_, nullptr);
  }
  std::shared_ptr<Schema> library_;
  std::shared_ptr<Schema> plain_;
};

TEST_F(JoinRules, EncryptedFieldOfJoinedCollectionFailsWith31133From81) {
  auto a = Analyze(*library_, R"(Book.objects.filter(author__ssn="123-45-6789"))", {8, 1});
  ASSERT_EQ(a->code(), "qe.join_encrypted_field");
  EXPECT_EQ(a->first().server_code, 31133);
  EXPECT_EQ(a->first().category, Category::kNotSupportedError);
  EXPECT_THAT(a->first().message,
              HasSubstr("Cannot get metadata for path whose encryption properties are not known "
                        "until runtime."));
  EXPECT_THAT(a->first().message, HasSubstr("'author__ssn'"));
  EXPECT_EQ(a->spanned(), R"(author__ssn="123-45-6789")");
}

TEST_F(JoinRules, EncryptedFieldOfJoinedCollectionFailsWith51204Before81) {
  for (ServerVersion v : {ServerVersion{7, 0}, ServerVersion{8, 0}}) {
    auto a = Analyze(*library_, R"(Book.objects.filter(author__ssn="123-45-6789"))", v);
    ASSERT_EQ(a->code(), "qe.join_encrypted_field") << v.major << "." << v.minor;
    EXPECT_EQ(a->first().server_code, 51204);
    EXPECT_THAT(a->first().message,
                HasSubstr("Pipeline over an encrypted collection cannot reference additional "
                          "collections."));
  }
}

TEST_F(JoinRules, EveryLookupOnAJoinedEncryptedFieldIsRefusedBeforeItsOwnRules) {
  // Range, in, isnull, exclude, an unqueryable field, an aggregate's filter: the path fails
  // first, whatever the lookup would have needed.
  for (const char* q : {
           R"(Book.objects.filter(author__birth_year__gte=1900))",
           R"(Book.objects.filter(author__ssn__in=["1", "2"]))",
           R"(Book.objects.filter(author__ssn__isnull=True))",
           R"(Book.objects.filter(author__ssn=None))",
           R"(Book.objects.exclude(author__ssn="1"))",
           R"(Book.objects.filter(author__bio="x"))",
           R"(Book.objects.filter(author__ssn__startswith="1"))",
           R"(Book.objects.filter(Q(pages=1) | Q(author__ssn="1")))",
           R"(Book.objects.filter(author__name=F("author__ssn")))",
           R"(Book.objects.aggregate(n=Count("id", filter=Q(author__ssn="1"))))",
       }) {
    auto a = Analyze(*library_, q, {8, 2});
    EXPECT_EQ(a->code(), "qe.join_encrypted_field") << q;
  }
}

TEST_F(JoinRules, PlainFieldsOfTheJoinedCollectionStayAccepted) {
  for (const char* q : {
           R"(Book.objects.filter(author__name="Bob"))",
           R"(Book.objects.filter(author__name="Bob", isbn="978"))",
           R"(Book.objects.select_related("author"))",
           R"(Book.objects.filter(author__pk=ObjectId("507f1f77bcf86cd799439011")))",
           R"(Book.objects.filter(author__name=F("author__name")))",
       }) {
    auto a = Analyze(*library_, q, {8, 1});
    EXPECT_TRUE(a->ok()) << q << ": " << (a->diagnostics.empty() ? "" : a->first().message);
  }
}

TEST_F(JoinRules, ComparingWithTheOuterCollectionStillNeedsLet) {
  auto a = Analyze(*library_, R"(Book.objects.filter(author__name=F("title")))");
  ASSERT_EQ(a->code(), "qe.join_let");
  EXPECT_EQ(a->first().server_code, 51208);
}

TEST_F(JoinRules, DeleteAcrossCollectionsIsRefusedOnEveryDatabase) {
  for (const auto& schema : {library_, plain_}) {
    auto a = Analyze(*schema, R"(Book.objects.filter(author__name="Bob").delete())");
    ASSERT_EQ(a->code(), "queryset.write_multiple_collections");
    EXPECT_EQ(a->first().category, Category::kNotSupportedError);
    EXPECT_EQ(a->first().message,
              "Cannot use QuerySet.delete() when querying across multiple collections on "
              "MongoDB.");
    EXPECT_EQ(a->first().server_code, 0);
    EXPECT_EQ(a->spanned(), R"(author__name="Bob")");
  }
}

TEST_F(JoinRules, ExcludeAcrossCollectionsWouldHaveDeletedEverything) {
  // Lowered as {$nor: [{"author.name": "Bob"}]} on books, it would match every book.
  auto a = Analyze(*plain_, R"(Book.objects.exclude(author__name="Bob").delete())");
  EXPECT_EQ(a->code(), "queryset.write_multiple_collections");
}

TEST_F(JoinRules, UpdateAcrossCollectionsIsRefusedBeforeTheMultiDocumentRule) {
  auto plain = Analyze(*plain_, R"(Book.objects.filter(author__name="Bob").update(pages=1))");
  ASSERT_EQ(plain->code(), "queryset.write_multiple_collections");
  EXPECT_EQ(plain->first().message,
            "Cannot use QuerySet.update() when querying across multiple collections on "
            "MongoDB.");
  // On an encrypted database django-mongodb-backend's compiler refuses it before the server
  // would refuse the multi-document update (6329900).
  auto encrypted = Analyze(*library_, R"(Book.objects.filter(author__name="Bob").update(pages=1))");
  EXPECT_EQ(encrypted->code(), "queryset.write_multiple_collections");
}

TEST_F(JoinRules, AJoinInsideAnExpressionCountsToo) {
  auto a = Analyze(*plain_, R"(Book.objects.filter(pages=F("author__birth_year")).delete())");
  ASSERT_EQ(a->code(), "queryset.write_multiple_collections");
  EXPECT_EQ(a->spanned(), R"(pages=F("author__birth_year"))");
}

TEST_F(JoinRules, WritesThatStayInTheCollectionAreAccepted) {
  for (const char* q : {
           R"(Book.objects.filter(author=ObjectId("507f1f77bcf86cd799439011")).delete())",
           R"(Book.objects.filter(author__pk=ObjectId("507f1f77bcf86cd799439011")).delete())",
           R"(Book.objects.select_related("author").filter(pages=3).delete())",
           R"(Book.objects.filter(pages=3).update(title="x"))",
       }) {
    auto a = Analyze(*plain_, q);
    EXPECT_TRUE(a->ok()) << q << ": " << (a->diagnostics.empty() ? "" : a->first().message);
  }
}

TEST_F(JoinRules, MultiDocumentRuleStillAppliesToSingleCollectionUpdates) {
  auto a = Analyze(*library_, R"(Book.objects.filter(pages=3).update(title="x"))");
  ASSERT_EQ(a->code(), "qe.multi_document_update");
  EXPECT_EQ(a->first().server_code, 6329900);
}

}  // namespace
}  // namespace querysafe::analyze
