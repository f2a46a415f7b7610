// libbson helpers: the depth MongoDB's 100-level limit counts (CheckLimits, BsonWriter) and the
// sub-document of an iterator.
#include "lib/common/bson_util.h"

#include <gtest/gtest.h>

#include <string>

namespace querysafe {
namespace {

BsonDoc Json(const std::string& json) {
  BsonDoc doc;
  bson_error_t error;
  EXPECT_TRUE(BsonDoc::FromJson(json, &doc, &error)) << error.message;
  return doc;
}

TEST(BsonDepth, CountsDocumentsAndArrays) {
  EXPECT_EQ(BsonDepth(Json("{}").get(), 100), 1);
  EXPECT_EQ(BsonDepth(Json(R"({"a": 1, "b": "x"})").get(), 100), 1);
  EXPECT_EQ(BsonDepth(Json(R"({"a": {"b": 1}})").get(), 100), 2);
  EXPECT_EQ(BsonDepth(Json(R"({"a": [1, [2, {"c": 3}]], "d": {}})").get(), 100), 4);
}

TEST(BsonDepth, StopsPastTheLimit) {
  std::string json;
  for (int i = 0; i < 50; ++i) json += R"({"a": )";
  json += "1";
  for (int i = 0; i < 50; ++i) json += "}";
  const BsonDoc deep = Json(json);
  EXPECT_EQ(BsonDepth(deep.get(), 100), 50);
  // Counted up to limit + 1 only: enough to tell "too deep".
  EXPECT_EQ(BsonDepth(deep.get(), 10), 11);
}

TEST(IterChild, GivesTheDocumentOrArrayUnderTheIterator) {
  const BsonDoc doc = Json(R"({"d": {"x": 1}, "a": [7], "s": "no"})");
  bson_iter_t iter;
  bson_t child;
  ASSERT_TRUE(bson_iter_init_find(&iter, doc.get(), "d"));
  ASSERT_TRUE(IterChild(&iter, &child));
  EXPECT_TRUE(bson_has_field(&child, "x"));
  ASSERT_TRUE(bson_iter_init_find(&iter, doc.get(), "a"));
  ASSERT_TRUE(IterChild(&iter, &child));
  EXPECT_EQ(bson_count_keys(&child), 1u);
  ASSERT_TRUE(bson_iter_init_find(&iter, doc.get(), "s"));
  EXPECT_FALSE(IterChild(&iter, &child));
}

}  // namespace
}  // namespace querysafe
