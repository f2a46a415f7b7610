// djongo's ENFORCE_SCHEMA on reads, against the wire peer: a document written before a field was
// added to its model (djongo's "Blog model (version 1)") reads as None with enforce_schema false,
// and is a MigrationError naming the field and the document with enforce_schema true
// (djongo 1.3: sql2mongo/query.py, SelectQuery._align_results).
#include <gtest/gtest.h>

#include <format>

#include "lib/exec/client.h"
#include "lib/schema/load.h"
#include "tests/exec/wire_fixture.h"

namespace querysafe::testing {
namespace {

using bound::Operation;
using lower::CommandKind;

// The documentation's Blog model, version 2: `description` was added after some documents were
// written.
std::shared_ptr<const schema::Schema> BlogSchema(std::string_view enforce) {
  schema::SchemaLoadResult r = schema::LoadSchema(std::format(
      R"({{"database": "blog", "engine": "djongo"{}, "models": {{"Blog": {{"db_table": "blog",
          "fields": {{"name": {{"type": "CharField", "max_length": 100}},
                     "tagline": {{"type": "TextField"}},
                     "description": {{"type": "TextField"}}}}}}}}}})",
      enforce));
  EXPECT_NE(r.schema, nullptr);
  return r.schema;
}

class WireDjongoRows : public WireTest {
 protected:
  void RouteBlogs() {
    Route("find", [](const ReceivedCommand&) {
      return PeerReply::Document(CursorReply(
          "blog.blog", 0,
          {Json(R"({"_id": 1, "id": 1, "name": "Beatles Blog", "tagline": "All the latest",
                    "description": "v2"})"),
           Json(R"({"_id": {"$oid": "5a5c3c87becdd9fe2fb255a9"}, "id": 2, "name": "Old",
                    "tagline": "written by version 1"})")}));
    });
  }
  lower::Command Find(Operation operation = Operation::kSelect) {
    return Lowered("blog", "blog", CommandKind::kFind, R"({"find": "blog", "filter": {}})", {},
                   operation);
  }
};

TEST_F(WireDjongoRows, EnforceSchemaFalseReadsTheMissingFieldAsNone) {
  auto client = Connect(BlogSchema(R"(, "enforce_schema": false)"));
  ASSERT_NE(client, nullptr);
  RouteBlogs();
  exec::Result r = client->Run(Find());
  ASSERT_TRUE(r.ok()) << r.diagnostics[0].message;
  BsonDoc row;
  ASSERT_TRUE(r.rows->Next(&row));
  EXPECT_EQ(StringAt(row.get(), "description"), "v2");
  ASSERT_TRUE(r.rows->Next(&row)) << r.rows->error()->message;
  bson_iter_t it;
  ASSERT_TRUE(bson_iter_init_find(&it, row.get(), "description")) << ToCanonicalJson(row.get());
  EXPECT_TRUE(BSON_ITER_HOLDS_NULL(&it));
  EXPECT_EQ(StringAt(row.get(), "tagline"), "written by version 1");
  EXPECT_FALSE(r.rows->Next(&row));
  EXPECT_FALSE(r.rows->error().has_value());
}

TEST_F(WireDjongoRows, FalseIsDjongosDefault) {
  auto client = Connect(BlogSchema(""));
  ASSERT_NE(client, nullptr);
  RouteBlogs();
  exec::Result r = client->Run(Find());
  ASSERT_TRUE(r.ok()) << r.diagnostics[0].message;
  int rows = 0;
  for (BsonDoc row; r.rows->Next(&row);) ++rows;
  EXPECT_EQ(rows, 2);
  EXPECT_FALSE(r.rows->error().has_value());
}

TEST_F(WireDjongoRows, EnforceSchemaTrueIsAMigrationErrorNamingFieldAndDocument) {
  auto client = Connect(BlogSchema(R"(, "enforce_schema": true)"));
  ASSERT_NE(client, nullptr);
  RouteBlogs();
  exec::Result r = client->Run(Find());
  ASSERT_TRUE(r.ok()) << r.diagnostics[0].message;
  BsonDoc row;
  ASSERT_TRUE(r.rows->Next(&row));  // the version-2 document is complete
  EXPECT_FALSE(r.rows->Next(&row));
  ASSERT_TRUE(r.rows->error().has_value());
  const Diagnostic& d = *r.rows->error();
  EXPECT_EQ(d.code, "exec.migration_error");
  EXPECT_EQ(d.category, Category::kDatabaseError);
  EXPECT_NE(d.message.find("MigrationError: description"), std::string::npos) << d.message;
  EXPECT_NE(d.message.find("5a5c3c87becdd9fe2fb255a9"), std::string::npos) << d.message;
  EXPECT_NE(d.message.find("Blog.description"), std::string::npos) << d.message;
}

TEST_F(WireDjongoRows, GetOfAStaleDocumentFailsWithTheMigrationError) {
  auto client = Connect(BlogSchema(R"(, "enforce_schema": true)"));
  ASSERT_NE(client, nullptr);
  RouteBlogs();
  exec::Result r = client->Run(Find(Operation::kGet));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.diagnostics[0].code, "exec.migration_error");
}

TEST_F(WireDjongoRows, OtherEnginesLeaveRowsAlone) {
  schema::SchemaLoadResult loaded = schema::LoadSchema(
      R"({"database": "blog", "models": {"Blog": {"db_table": "blog", "fields": {
          "name": {"type": "CharField"}, "tagline": {"type": "TextField"},
          "description": {"type": "TextField"}}}}})");
  ASSERT_NE(loaded.schema, nullptr);
  auto client = Connect(loaded.schema);
  ASSERT_NE(client, nullptr);
  RouteBlogs();
  exec::Result r = client->Run(Find());
  ASSERT_TRUE(r.ok()) << r.diagnostics[0].message;
  BsonDoc row;
  ASSERT_TRUE(r.rows->Next(&row));
  ASSERT_TRUE(r.rows->Next(&row));
  bson_iter_t it;
  EXPECT_FALSE(bson_iter_init_find(&it, row.get(), "description"));
}

}  // namespace
}  // namespace querysafe::testing
