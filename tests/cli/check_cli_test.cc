// `querysafe check`, the batch mode: one query a line (text or JSON Lines), one complete JSON
// line out per query, the run going on past refused and malformed lines, exit 0/1/2.
#include <bson/bson.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <sstream>
#include <string>
#include <vector>

#include "lib/common/bson_util.h"
#include "tests/cli/cli_runner.h"

namespace querysafe::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::StartsWith;

const std::string kSchema = std::string(QUERYSAFE_EXAMPLES_DIR) + "/medical-records/schema.json";

constexpr char kAccepted[] = "Patient.objects.get(patient_record__ssn=\"987-65-4320\")";
constexpr char kRefused[] = "Patient.objects.filter(patient_record__ssn__startswith=\"987\")";

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// Every output line is one whole JSON document.
std::vector<BsonDoc> ParseLines(const std::string& out) {
  std::vector<BsonDoc> docs;
  for (const std::string& line : Lines(out)) {
    BsonDoc doc;
    bson_error_t error;
    EXPECT_TRUE(BsonDoc::FromJson(line, &doc, &error)) << line << ": " << error.message;
    docs.push_back(std::move(doc));
  }
  return docs;
}

bson_iter_t Find(const BsonDoc& doc, const char* dotted) {
  bson_iter_t iter, found;
  bson_iter_init(&iter, doc.get());
  if (!bson_iter_find_descendant(&iter, dotted, &found)) {
    ADD_FAILURE() << "no " << dotted << " in " << ToRelaxedJson(doc.get());
    bson_iter_init(&found, doc.get());
  }
  return found;
}

int64_t Int(const BsonDoc& doc, const char* dotted) {
  bson_iter_t iter = Find(doc, dotted);
  return bson_iter_as_int64(&iter);
}

std::string Str(const BsonDoc& doc, const char* dotted) {
  bson_iter_t iter = Find(doc, dotted);
  return BSON_ITER_HOLDS_UTF8(&iter) ? bson_iter_utf8(&iter, nullptr) : "";
}

bool Accepted(const BsonDoc& doc) {
  bson_iter_t iter = Find(doc, "accepted");
  return BSON_ITER_HOLDS_BOOL(&iter) && bson_iter_bool(&iter);
}

TEST(CliCheck, OneJsonLinePerQueryIdIsTheLineNumber) {
  const std::string input =
      std::string(kAccepted) + "\n\n# a comment\n" + kRefused + "\n" + kAccepted + "\n";
  const Outcome run = RunCli({"check", "--schema", kSchema}, input);
  EXPECT_EQ(run.exit_code, 1);
  const std::vector<BsonDoc> docs = ParseLines(run.out);
  ASSERT_EQ(docs.size(), 3u) << run.out;
  EXPECT_EQ(Int(docs[0], "id"), 1);
  EXPECT_EQ(Int(docs[0], "line"), 1);
  EXPECT_TRUE(Accepted(docs[0]));
  EXPECT_EQ(Str(docs[0], "database"), "medical_records");
  EXPECT_EQ(Str(docs[0], "collection"), "patients");
  EXPECT_EQ(Str(docs[0], "command.find"), "patients");
  EXPECT_EQ(Int(docs[1], "id"), 4);
  EXPECT_FALSE(Accepted(docs[1]));
  EXPECT_EQ(Str(docs[1], "errors.0.code"), "qe.operator_not_allowed");
  EXPECT_EQ(Int(docs[1], "errors.0.server_code"), 51092);
  EXPECT_EQ(Int(docs[1], "errors.0.span.column"), 24);
  EXPECT_EQ(Int(docs[2], "id"), 5);
  EXPECT_TRUE(Accepted(docs[2]));
  // Humans get the refusal with a caret, and a summary.
  EXPECT_THAT(run.err, HasSubstr("<stdin> line 4:1:24: NotSupportedError: "));
  EXPECT_THAT(run.err, HasSubstr("querysafe check: 3 checked, 2 accepted, 1 refused\n"));
}

TEST(CliCheck, TheCommandIsWhatTranslatePrints) {
  const Outcome translated = RunCli({"translate", "--schema", kSchema, kAccepted});
  ASSERT_EQ(translated.exit_code, 0);
  const Outcome run = RunCli({"check", "--schema", kSchema}, std::string(kAccepted) + "\n");
  EXPECT_EQ(run.exit_code, 0);
  EXPECT_EQ(run.out, "{\"id\":1,\"line\":1,\"accepted\":true," + translated.out.substr(1));
}

TEST(CliCheck, JsonLinesCarryIdsAndParams) {
  const std::string input =
      R"j({"id": "by-ssn", "query": "Patient.objects.filter(patient_record__ssn=$ssn)", )j"
      R"("params": {"ssn": "111-11-1111"}})"
      "\n"
      R"j({"query": "Patient.objects.filter(patient_record__ssn=$ssn)", "id": 7})j"
      "\n"
      "Patient.objects.filter(patient_id=$id)\n";
  const Outcome run = RunCli({"check", "--schema", kSchema, "--canonical", "--params",
                              R"({"ssn": "222-22-2222", "id": 5})"},
                             input);
  EXPECT_EQ(run.exit_code, 0) << run.err;
  const std::vector<BsonDoc> docs = ParseLines(run.out);
  ASSERT_EQ(docs.size(), 3u) << run.out;
  EXPECT_EQ(Str(docs[0], "id"), "by-ssn");
  EXPECT_THAT(run.out, HasSubstr("111-11-1111"));  // the line's own value wins
  EXPECT_EQ(Int(docs[1], "id"), 7);
  EXPECT_EQ(Int(docs[1], "line"), 2);
  EXPECT_THAT(Lines(run.out)[1], HasSubstr("222-22-2222"));  // the default
  EXPECT_THAT(Lines(run.out)[2], HasSubstr("\"patient_id\":{\"$numberLong\":\"5\"}"));
}

TEST(CliCheck, ParamsFileGivesTheDefaults) {
  TempDir dir;
  WriteFile(dir.File("params.json"), "{\"ssn\": \"333-33-3333\"}\n");
  WriteFile(dir.File("queries.txt"), "Patient.objects.filter(patient_record__ssn=$ssn)\n");
  const Outcome run = RunCli({"check", "--schema", kSchema, "--params-file",
                              dir.File("params.json"), dir.File("queries.txt")});
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_THAT(run.out, HasSubstr("333-33-3333"));
  EXPECT_THAT(run.err, HasSubstr("1 checked, 1 accepted, 0 refused"));
}

TEST(CliCheck, MalformedLinesAreRefusedWithAPositionAndTheRunGoesOn) {
  const std::string input = std::string(R"j({"id": 1, "query": "Patient.objects.all()")j") +
                            "\n" +                                              // unclosed
                            R"({"id": 2, "query": 5})" + "\n" +                 // not a string
                            R"({"id": 3, "query": "x", "param": {}})" + "\n" +  // unknown key
                            R"({"id": 4})" + "\n" +                             // no query
                            R"j({"id": 5, "query": "Patient.objects.all()", "params": [1]})j" +
                            "\n" +                              // params not an object
                            "Patient.objects.filter(ssn=1\n" +  // a query that does not parse
                            kAccepted + "\n";
  const Outcome run = RunCli({"check", "--schema", kSchema}, input);
  EXPECT_EQ(run.exit_code, 1);
  const std::vector<BsonDoc> docs = ParseLines(run.out);
  ASSERT_EQ(docs.size(), 7u) << run.out;
  EXPECT_EQ(Int(docs[0], "line"), 1);
  EXPECT_EQ(Int(docs[0], "id"), 1);  // no id could be read: the line number
  EXPECT_EQ(Str(docs[0], "errors.0.code"), "check.bad_json");
  EXPECT_EQ(Str(docs[0], "errors.0.category"), "SyntaxError");
  EXPECT_EQ(Int(docs[0], "errors.0.span.line"), 1);
  EXPECT_GT(Int(docs[0], "errors.0.span.column"), 1);
  for (int i = 1; i <= 4; ++i) {
    EXPECT_FALSE(Accepted(docs[i]));
    EXPECT_EQ(Str(docs[i], "errors.0.code"), "check.bad_line") << i;
  }
  EXPECT_THAT(Str(docs[2], "errors.0.message"), HasSubstr("unknown key \"param\""));
  EXPECT_EQ(Str(docs[5], "errors.0.category"), "SyntaxError");
  EXPECT_EQ(Int(docs[5], "errors.0.span.column"), 29);
  EXPECT_TRUE(Accepted(docs[6]));
  EXPECT_THAT(run.err, HasSubstr("7 checked, 1 accepted, 6 refused"));
}

TEST(CliCheck, RepeatedTextWithOtherParamsGivesEachItsOwnCommand) {
  std::string input;
  for (const char* ssn : {"111-11-1111", "222-22-2222", "111-11-1111"}) {
    input += R"j({"query": "Patient.objects.filter(patient_record__ssn=$s)", "params": {"s": ")j" +
             std::string(ssn) + "\"}}\n";
  }
  const Outcome run = RunCli({"check", "--schema", kSchema}, input);
  EXPECT_EQ(run.exit_code, 0) << run.err;
  const std::vector<std::string> lines = Lines(run.out);
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_THAT(lines[0], HasSubstr("111-11-1111"));
  EXPECT_THAT(lines[1], HasSubstr("222-22-2222"));
  EXPECT_EQ(lines[2].substr(lines[2].find("\"accepted\"")),
            lines[0].substr(lines[0].find("\"accepted\"")));
}

TEST(CliCheck, ALinesOwnUnknownParameterIsARefusal) {
  const Outcome run = RunCli(
      {"check", "--schema", kSchema, "--params", R"({"unused": 1})"},
      R"j({"query": "Patient.objects.filter(patient_id=$id)", "params": {"id": 1, "idd": 2}})j"
      "\n");
  EXPECT_EQ(run.exit_code, 1);
  const std::vector<BsonDoc> docs = ParseLines(run.out);
  ASSERT_EQ(docs.size(), 1u);
  EXPECT_EQ(Str(docs[0], "errors.0.code"), "param.unknown");
}

TEST(CliCheck, AMissingParameterIsARefusal) {
  const Outcome run =
      RunCli({"check", "--schema", kSchema}, "Patient.objects.filter(patient_record__ssn=$ssn)\n");
  EXPECT_EQ(run.exit_code, 1);
  const std::vector<BsonDoc> docs = ParseLines(run.out);
  ASSERT_EQ(docs.size(), 1u);
  EXPECT_FALSE(Accepted(docs[0]));
}

TEST(CliCheck, EmptyInputIsAccepted) {
  const Outcome run = RunCli({"check", "--schema", kSchema}, "\n# nothing\n");
  EXPECT_EQ(run.exit_code, 0);
  EXPECT_THAT(run.out, IsEmpty());
  EXPECT_THAT(run.err, HasSubstr("0 checked"));
}

TEST(CliCheck, ManyQueriesInOneProcess) {
  std::string input;
  for (int i = 0; i < 5000; ++i) {
    input += "Patient.objects.filter(patient_id=" + std::to_string(i) + ")\n";
    input +=
        R"({"id": "s)" + std::to_string(i) +
        R"j(", "query": "Patient.objects.filter(patient_record__ssn=$s)", "params": {"s": ")j" +
        std::to_string(i) + "\"}}\n";
  }
  const Outcome run = RunCli({"check", "--schema", kSchema}, input);
  EXPECT_EQ(run.exit_code, 0) << run.err.substr(0, 2000);
  const std::vector<std::string> lines = Lines(run.out);
  ASSERT_EQ(lines.size(), 10000u);
  EXPECT_THAT(lines[9999], StartsWith("{\"id\":\"s4999\",\"line\":10000,\"accepted\":true,"));
  EXPECT_EQ(ParseLines(run.out).size(), 10000u);
}

TEST(CliCheck, UsageErrorsExitTwo) {
  for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{
           {"check"},
           {"check", "--schema", "/nonexistent/schema.json"},
           {"check", "--schema", kSchema, "/nonexistent/queries.txt"},
           {"check", "--schema", kSchema, "--params", "{"},
           {"check", "--schema", kSchema, "--params-file", "/nonexistent/params.json"},
           {"check", "--schema", kSchema, "--params", "{}", "--params-file", kSchema},
           {"check", "--schema", "-"},
           {"check", "--schema", kSchema, "a", "b"},
           {"check", "--schema", kSchema, "--no-such-flag"},
       }) {
    const Outcome run = RunCli(args, std::string(kAccepted) + "\n");
    EXPECT_EQ(run.exit_code, 2) << ::testing::PrintToString(args);
    EXPECT_THAT(run.err, HasSubstr("querysafe check: ")) << ::testing::PrintToString(args);
    EXPECT_THAT(run.out, IsEmpty()) << ::testing::PrintToString(args);
  }
}

}  // namespace
}  // namespace querysafe::testing
