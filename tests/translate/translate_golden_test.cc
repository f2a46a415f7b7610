// Golden tests of the whole translation (parse, analyze, lower), one record per query, in
// tests/data/translate/*.test:
//
//   # comment
//   schema: medical              (a schema in tests/data/conformance/schemas; applies onward)
//   server_version: 7.0          (optional; applies onward)
//   time_zone: America/Chicago   (optional, Django's TIME_ZONE; applies onward; default UTC)
//   schema_server_version: 9.0   (optional: the version the schema is loaded for, default 8.0;
//                                 applies onward)
//   params: {"ssn": "x"}         (optional; applies to the next query only)
//   query Patient.objects.filter(patient_record__ssn="987-65-4320")
//   ----
//   <the translation as indented canonical Extended JSON (exact BSON types), or the
//    diagnostics, one per line:
//    "Category code [server_code] begin-end: message">
//   (a blank line ends the record)
//
// QUERYSAFE_UPDATE_GOLDEN=1 rewrites the expectations from the current output; every rewritten
// expectation must then be read and checked against Django's and MongoDB's documented behaviour
// before it is committed.

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "lib/common/bson_util.h"
#include "querysafe/query.h"
#include "querysafe/schema.h"

namespace querysafe {
namespace {

namespace fs = std::filesystem;

struct Record {
  std::string file;
  int line = 0;
  std::string schema;
  std::string schema_server_version;
  std::string server_version;
  std::string time_zone;
  std::string params;
  std::string query;
  std::string expected;
};

// gtest prints a failing parameter; the whole record (expected output included) would bury the
// failure, so name where it is and the query.
void PrintTo(const Record& r, std::ostream* os) {
  *os << r.file << ":" << r.line << ": " << r.query;
}

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

fs::path DataDir() { return fs::path(QUERYSAFE_TEST_DATA_DIR); }

std::vector<Record> LoadRecords() {
  std::vector<Record> records;
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(DataDir() / "translate")) {
    if (entry.path().extension() == ".test") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  for (const fs::path& file : files) {
    std::istringstream in(ReadFile(file));
    std::string line, schema, schema_server_version, server_version, time_zone, params;
    int number = 0;
    while (std::getline(in, line)) {
      ++number;
      if (line.rfind("schema: ", 0) == 0) {
        schema = line.substr(8);
      } else if (line.rfind("schema_server_version: ", 0) == 0) {
        schema_server_version = line.substr(23);
      } else if (line.rfind("server_version: ", 0) == 0) {
        server_version = line.substr(16);
      } else if (line.rfind("time_zone: ", 0) == 0) {
        time_zone = line.substr(11);
      } else if (line.rfind("params: ", 0) == 0) {
        params = line.substr(8);
      } else if (line.rfind("query ", 0) == 0) {
        Record r{file.filename().string(),
                 number,
                 schema,
                 schema_server_version,
                 server_version,
                 time_zone,
                 params,
                 line.substr(6),
                 ""};
        params.clear();
        std::getline(in, line);
        ++number;
        if (line != "----") {
          ADD_FAILURE() << file << ":" << number << ": expected ----";
          continue;
        }
        while (std::getline(in, line) && !line.empty()) {
          ++number;
          r.expected += line + "\n";
        }
        ++number;
        records.push_back(r);
      }
    }
  }
  return records;
}

const Schema& SchemaNamed(const std::string& name, const std::string& server_version) {
  static std::map<std::string, Schema>* schemas = new std::map<std::string, Schema>();
  const std::string key = name + "@" + server_version;
  auto it = schemas->find(key);
  if (it == schemas->end()) {
    SchemaOptions options;
    if (!server_version.empty()) {
      std::optional<ServerVersion> v = ServerVersion::Parse(server_version);
      EXPECT_TRUE(v.has_value()) << server_version;
      if (v) options = SchemaOptions{v->major, v->minor};
    }
    SchemaResult r = Schema::FromJson(
        ReadFile(DataDir() / "conformance" / "schemas" / (name + ".json")), options);
    EXPECT_TRUE(r.ok()) << name << "\n" << FormatDiagnostics(r.diagnostics, "", name);
    it = schemas->emplace(key, *r.schema).first;
  }
  return it->second;
}

std::string Render(const Diagnostics& diagnostics) {
  std::string out;
  for (const Diagnostic& d : diagnostics) {
    out += std::string(CategoryName(d.category)) + " " + d.code;
    if (d.server_code != 0) out += " [" + std::to_string(d.server_code) + "]";
    out += " " + std::to_string(d.span.begin) + "-" + std::to_string(d.span.end) + ": " +
           d.message + "\n";
  }
  return out;
}

std::string Actual(const Record& r) {
  CompileOptions options;
  if (!r.server_version.empty()) options.server_version = *ServerVersion::Parse(r.server_version);
  if (!r.time_zone.empty()) options.time_zone = r.time_zone;
  CompileResult compiled =
      Query::Compile(SchemaNamed(r.schema, r.schema_server_version), r.query, options);
  if (!compiled.ok()) return Render(compiled.diagnostics);
  BsonDoc params;
  if (!r.params.empty()) {
    bson_error_t error;
    EXPECT_TRUE(BsonDoc::FromJson(r.params, &params, &error)) << error.message;
  }
  TranslateResult t = compiled.query->Translate(*params.get());
  if (!t.ok()) return Render(t.diagnostics);
  BsonDoc out;
  bson_append_utf8(out.get(), "database", -1, t.translation->database().c_str(), -1);
  bson_append_utf8(out.get(), "collection", -1, t.translation->collection().c_str(), -1);
  bson_append_document(out.get(), "command", -1, t.translation->command());
  return IndentJson(ToCanonicalJson(out.get())) + "\n";
}

// Rewrites every .test file with the current outputs (QUERYSAFE_UPDATE_GOLDEN=1).
void UpdateGoldens(const std::vector<Record>& records) {
  std::map<std::string, std::vector<const Record*>> by_file;
  for (const Record& r : records) by_file[r.file].push_back(&r);
  for (const auto& [file, recs] : by_file) {
    const fs::path path = DataDir() / "translate" / file;
    std::istringstream in(ReadFile(path));
    std::ostringstream out;
    std::string line;
    size_t index = 0;
    while (std::getline(in, line)) {
      out << line << "\n";
      if (line.rfind("query ", 0) == 0 && index < recs.size()) {
        std::getline(in, line);
        out << "----\n" << Actual(*recs[index++]) << "\n";
        while (std::getline(in, line) && !line.empty()) {
        }
      }
    }
    std::string text = out.str();
    while (text.size() > 1 && text[text.size() - 1] == '\n' && text[text.size() - 2] == '\n') {
      text.pop_back();
    }
    std::ofstream(path, std::ios::binary) << text;
  }
}

class TranslateGolden : public ::testing::TestWithParam<Record> {};

TEST_P(TranslateGolden, MatchesExpectation) {
  const Record& r = GetParam();
  EXPECT_EQ(Actual(r), r.expected) << r.file << ":" << r.line << "\n" << r.query;
}

std::string RecordName(const ::testing::TestParamInfo<Record>& info) {
  std::string name =
      info.param.file.substr(0, info.param.file.find('.')) + "_" + std::to_string(info.param.line);
  for (char& c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  }
  return name;
}

std::vector<Record> Records() {
  std::vector<Record> records = LoadRecords();
  const char* update = std::getenv("QUERYSAFE_UPDATE_GOLDEN");
  if (update != nullptr && std::string(update) == "1") UpdateGoldens(records);
  return records;
}

INSTANTIATE_TEST_SUITE_P(Files, TranslateGolden, ::testing::ValuesIn(Records()), RecordName);

}  // namespace
}  // namespace querysafe
