// djongo's ENFORCE_SCHEMA on reads, against the wire peer: a document written before a field was
// added to its model (djongo's "Blog model (version 1)") reads as None with enforce_schema false,
// and is a MigrationError naming the field and the document with enforce_schema true, for every
// read shape that selects the field (djongo 1.3: sql2mongo/query.py, SelectQuery._align_results;
// lib/exec/enforce_schema.h). The queries go through the whole pipeline (querysafe/client.h),
// so the commands are the ones querysafe sends; the peer answers them as a server would for
// their projection.
#include <gtest/gtest.h>

#include <format>
#include <string>
#include <vector>

#include "querysafe/client.h"
#include "tests/exec/wire_fixture.h"

namespace querysafe::testing {
namespace {

// The documentation's Blog model, version 2: `description` was added after the document with
// the ObjectId was written.
constexpr std::string_view kBlogModels =
    R"("models": {"Blog": {"db_table": "blog", "fields": {
          "name": {"type": "CharField", "max_length": 100},
          "tagline": {"type": "TextField"},
          "description": {"type": "TextField"}}}})";

constexpr std::string_view kNew =
    R"({"_id": 1, "id": 1, "name": "New", "tagline": "All the latest", "description": "v2"})";
constexpr std::string_view kOld =
    R"({"_id": {"$oid": "5a5c3c87becdd9fe2fb255a9"}, "id": 2, "name": "Old",
        "tagline": "written by version 1"})";

std::string Relaxed(std::string_view json) { return ToRelaxedJson(Json(json).get()); }

// What a read gave: its rows (get(), first() and aggregate()'s document as one row), as relaxed
// Extended JSON, and the error that ended it ("" if none).
struct Outcome {
  std::vector<std::string> rows;
  std::optional<int64_t> count;
  std::string error_code;
  std::string error;
};

class WireDjongo : public WireTest {
 protected:
  // Runs `query` against the peer for a schema with `options` ("engine": "djongo", ...), the peer
  // answering its find or aggregate with `docs`.
  Outcome Read(std::string_view options, std::string_view query,
               const std::vector<std::string_view>& docs) {
    Outcome out;
    SchemaResult loaded =
        Schema::FromJson(std::format(R"({{"database": "blog", {}{}}})", options, kBlogModels));
    EXPECT_TRUE(loaded.ok()) << loaded.diagnostics[0].message;
    if (!loaded.ok()) return out;
    std::vector<BsonDoc> reply;
    for (std::string_view d : docs) reply.push_back(Json(d));
    for (const char* name : {"find", "aggregate"}) {
      Route(name, [reply](const ReceivedCommand&) {
        return PeerReply::Document(CursorReply("blog.blog", 0, reply));
      });
    }
    Route("count", [](const ReceivedCommand&) { return PeerReply::Json(R"({"n": 1, "ok": 1})"); });
    ConnectOptions connect;
    connect.uri = peer_.Uri();
    ClientResult c = Client::Connect(*loaded.schema, connect);
    EXPECT_TRUE(c.ok()) << (c.diagnostics.empty() ? "" : c.diagnostics[0].message);
    if (!c.ok()) return out;
    RunResult r = c.client->Run(query);
    out.count = r.count;
    if (!r.ok()) {
      out.error_code = r.diagnostics[0].code;
      out.error = r.diagnostics[0].message;
      return out;
    }
    if (r.returned_document && r.document) out.rows.push_back(ToRelaxedJson(r.document.get()));
    if (r.rows != nullptr) {
      while (const bson_t* row = r.rows->Next()) out.rows.push_back(ToRelaxedJson(row));
      if (r.rows->error()) {
        out.error_code = r.rows->error()->code;
        out.error = r.rows->error()->message;
      }
    }
    return out;
  }
};

constexpr std::string_view kEnforce = R"("engine": "djongo", "enforce_schema": true, )";
constexpr std::string_view kLenient = R"("engine": "djongo", "enforce_schema": false, )";

// The MigrationError for the version-1 document, as querysafe words it.
void ExpectMigrationError(const Outcome& o, std::string_view column, bool names_document = true) {
  EXPECT_EQ(o.error_code, "exec.migration_error") << o.error;
  EXPECT_NE(o.error.find(std::format("MigrationError: {}:", column)), std::string::npos) << o.error;
  EXPECT_NE(o.error.find(std::format("Blog.{}", column)), std::string::npos) << o.error;
  if (names_document) {
    EXPECT_NE(o.error.find("5a5c3c87becdd9fe2fb255a9"), std::string::npos) << o.error;
  }
}

// Model rows: every concrete column.

TEST_F(WireDjongo, ModelRowsReadTheMissingFieldAsNoneWhenFalse) {
  Outcome o = Read(kLenient, "Blog.objects.all()", {kNew, kOld});
  EXPECT_EQ(o.error, "");
  ASSERT_EQ(o.rows.size(), 2u);
  EXPECT_EQ(o.rows[0], Relaxed(kNew));
  EXPECT_EQ(o.rows[1], Relaxed(R"({"_id": {"$oid": "5a5c3c87becdd9fe2fb255a9"}, "id": 2,
      "name": "Old", "tagline": "written by version 1", "description": null})"));
}

TEST_F(WireDjongo, FalseIsDjongosDefault) {
  Outcome o = Read(R"("engine": "djongo", )", "Blog.objects.all()", {kNew, kOld});
  EXPECT_EQ(o.error, "");
  ASSERT_EQ(o.rows.size(), 2u);
  EXPECT_NE(o.rows[1].find(R"("description" : null)"), std::string::npos) << o.rows[1];
}

TEST_F(WireDjongo, ModelRowsAreAMigrationErrorNamingFieldAndDocumentWhenTrue) {
  Outcome o = Read(kEnforce, "Blog.objects.all()", {kNew, kOld});
  ASSERT_EQ(o.rows.size(), 1u);  // the version-2 document is complete
  ExpectMigrationError(o, "description");
}

TEST_F(WireDjongo, GetFirstLastAndInBulkReadModelRows) {
  for (std::string_view query :
       {"Blog.objects.get(name='Old')", "Blog.objects.first()", "Blog.objects.last()",
        "Blog.objects.in_bulk([1, 2])", "Blog.objects.filter(name='Old')[:1]"}) {
    SCOPED_TRACE(query);
    Outcome strict = Read(kEnforce, query, {kOld});
    EXPECT_TRUE(strict.rows.empty());
    ExpectMigrationError(strict, "description");
    Outcome lenient = Read(kLenient, query, {kOld});
    EXPECT_EQ(lenient.error, "");
    ASSERT_EQ(lenient.rows.size(), 1u);
    EXPECT_NE(lenient.rows[0].find(R"("description" : null)"), std::string::npos)
        << lenient.rows[0];
  }
}

// only() and defer(): Django selects the columns they keep, and djongo reads those only.
TEST_F(WireDjongo, OnlyAndDeferCheckTheColumnsTheyKeep) {
  constexpr std::string_view kOldProjected =
      R"({"_id": {"$oid": "5a5c3c87becdd9fe2fb255a9"}, "id": 2, "name": "Old"})";
  Outcome only = Read(kEnforce, "Blog.objects.only('name')", {kOldProjected});
  EXPECT_EQ(only.error, "");
  EXPECT_EQ(only.rows.size(), 1u);
  Outcome defer = Read(kEnforce, "Blog.objects.defer('tagline')", {kOldProjected});
  ExpectMigrationError(defer, "description");
  Outcome lenient = Read(kLenient, "Blog.objects.defer('tagline')", {kOldProjected});
  EXPECT_EQ(lenient.error, "");
  ASSERT_EQ(lenient.rows.size(), 1u);
  EXPECT_NE(lenient.rows[0].find(R"("description" : null)"), std::string::npos) << lenient.rows[0];
}

// values() and values_list(): the columns they name. The find projects _id out, so the message
// names no document.
TEST_F(WireDjongo, ValuesCheckTheColumnsTheyName) {
  constexpr std::string_view kOldName = R"({"name": "Old"})";
  Outcome named = Read(kEnforce, "Blog.objects.values('name', 'description')", {kOldName});
  ExpectMigrationError(named, "description", /*names_document=*/false);
  EXPECT_NE(named.error.find("a document in 'blog'"), std::string::npos) << named.error;
  Outcome other = Read(kEnforce, "Blog.objects.values('name')", {kOldName});
  EXPECT_EQ(other.error, "");
  EXPECT_EQ(other.rows, std::vector<std::string>{Relaxed(kOldName)});

  Outcome dict = Read(kLenient, "Blog.objects.values('name', 'description')", {kOldName});
  EXPECT_EQ(dict.rows,
            std::vector<std::string>{Relaxed(R"({"name": "Old", "description": null})")});
  Outcome tuple = Read(kLenient, "Blog.objects.values_list('description', 'name')", {kOldName});
  EXPECT_EQ(tuple.rows, std::vector<std::string>{Relaxed(R"({"0": null, "1": "Old"})")});
  Outcome flat = Read(kEnforce, "Blog.objects.values_list('description', flat=True)", {"{}"});
  ExpectMigrationError(flat, "description", /*names_document=*/false);
}

// values().annotate(): the grouped columns, read back from the $group key ("$_id.f0", absent
// when the documents lack the field); the aggregate is read by its alias.
TEST_F(WireDjongo, GroupedValuesCheckTheGroupKeysNotTheAggregates) {
  constexpr std::string_view kGroupOfOld = R"({"n": 1})";
  constexpr std::string_view kGroupOfNew = R"({"description": "v2", "n": 1})";
  const std::string_view query = "Blog.objects.values('description').annotate(n=Count('id'))";
  Outcome strict = Read(kEnforce, query, {kGroupOfNew, kGroupOfOld});
  EXPECT_EQ(strict.rows.size(), 1u);
  ExpectMigrationError(strict, "description", /*names_document=*/false);
  Outcome lenient = Read(kLenient, query, {kGroupOfNew, kGroupOfOld});
  EXPECT_EQ(lenient.error, "");
  EXPECT_EQ(lenient.rows, (std::vector<std::string>{Relaxed(kGroupOfNew),
                                                    Relaxed(R"({"n": 1, "description": null})")}));
  // A tuple keeps its positions: None where the $project left the key out.
  Outcome tuple = Read(kLenient, "Blog.objects.values_list('description').annotate(n=Count('id'))",
                       {kGroupOfOld});
  EXPECT_EQ(tuple.rows, std::vector<std::string>{Relaxed(R"({"0": null, "1": 1})")});
}

// aggregate(), count() and exists() select aliases only: djongo reads no column, and MongoDB's
// accumulators skip a missing field as SQL skips NULL.
TEST_F(WireDjongo, AggregatesReadNoColumn) {
  Outcome aggregate =
      Read(kEnforce, "Blog.objects.aggregate(n=Count('description'))", {R"({"n": 1})"});
  EXPECT_EQ(aggregate.error, "");
  EXPECT_EQ(aggregate.rows, std::vector<std::string>{Relaxed(R"({"n": 1})")});
  Outcome count = Read(kEnforce, "Blog.objects.filter(name='Old').count()", {R"({"n": 1})"});
  EXPECT_EQ(count.error, "");
  EXPECT_EQ(count.count, 1);
}

TEST_F(WireDjongo, OtherEnginesLeaveRowsAlone) {
  Outcome o = Read("", "Blog.objects.all()", {kOld});
  EXPECT_EQ(o.error, "");
  EXPECT_EQ(o.rows, std::vector<std::string>{Relaxed(kOld)});
}

}  // namespace
}  // namespace querysafe::testing
