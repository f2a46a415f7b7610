// Binding parameter values (analyze::BindParams, through Query::Translate): values an ORM hands
// over as BSON are refused, with a diagnostic, where PyMongo could not have decoded them into a
// Python value.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "lib/common/bson_array.h"
#include "lib/common/bson_util.h"
#include "lib/common/bson_writer.h"
#include "querysafe/query.h"
#include "querysafe/schema.h"

namespace querysafe {
namespace {

using ::testing::HasSubstr;
using ::testing::SizeIs;

Schema Medical() {
  std::ifstream in(std::filesystem::path(QUERYSAFE_TEST_DATA_DIR) / "conformance" / "schemas" /
                   "medical.json");
  std::stringstream ss;
  ss << in.rdbuf();
  SchemaResult r = Schema::FromJson(ss.str());
  EXPECT_TRUE(r.ok());
  return *r.schema;
}

TranslateResult Bind(std::string_view query, const BsonDoc& params) {
  CompileResult c = Query::Compile(Medical(), query);
  EXPECT_TRUE(c.ok()) << query;
  return c.query->Translate(*params.get());
}

// Found by the pipeline fuzzer (tests/data/regression/pipeline/): a string parameter that is not
// UTF-8 went into the command as it was, on an encrypted field too. PyMongo refuses to decode
// such a string, so no Django query can hold one; NUL is a character like any other.
TEST(BindParams, RefusesStringsThatAreNotUtf8) {
  for (std::string_view query :
       {"Patient.objects.filter(patient_record__ssn=$v)", "Patient.objects.filter(patient_name=$v)",
        "Patient.objects.filter(patient_name__in=$v)"}) {
    BsonDoc params;
    const bool list = query.find("__in") != std::string_view::npos;
    bson_t items;
    bson_t* target = params.get();
    if (list) {
      querysafe::AppendArrayBegin(params.get(), "v", -1, &items);
      target = &items;
    }
    bson_append_utf8(target, list ? "0" : "v", -1, "bad \xff\xfe", 6);
    if (list) bson_append_array_end(params.get(), &items);
    TranslateResult t = Bind(query, params);
    ASSERT_FALSE(t.ok()) << query;
    ASSERT_THAT(t.diagnostics, SizeIs(1));
    EXPECT_EQ(t.diagnostics[0].code, "param.unsupported_type");
    EXPECT_EQ(t.diagnostics[0].category, Category::kValidationError);
    EXPECT_THAT(t.diagnostics[0].message, HasSubstr("not valid UTF-8")) << query;
  }
  BsonDoc nul;
  bson_append_utf8(nul.get(), "v", -1, "a\0b", 3);
  EXPECT_TRUE(Bind("Patient.objects.filter(patient_name=$v)", nul).ok());
}

TEST(BindParams, RefusesListsNestedPastMongoDbsLimit) {
  // {"v": [[[...[1]...]]]}, 150 lists deep (deeper than libbson's JSON reader goes).
  // Written with BsonWriter: a std::vector<bson_t> of open children loses bson_t's alignment
  // (clang's -Walign-mismatch), and the writer nests to any depth without one.
  constexpr int kDepth = 150;
  BsonWriter w;
  w.BeginArray("v");
  for (int i = 1; i < kDepth; ++i) w.BeginArray("0");
  w.AppendInt32("0", 1);
  for (int i = 0; i < kDepth; ++i) w.EndArray();
  BsonDoc params;
  w.Finish(&params);
  TranslateResult t = Bind("Patient.objects.filter(patient_id__in=$v)", params);
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.diagnostics[0].code, "param.unsupported_type");
  EXPECT_THAT(t.diagnostics[0].message, HasSubstr("nested more than 100 deep"));
}

}  // namespace
}  // namespace querysafe
