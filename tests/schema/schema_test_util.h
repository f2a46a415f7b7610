// Helpers for the schema tests: load a schema, find a diagnostic, build small
// schemas.
#ifndef QUERYSAFE_TESTS_SCHEMA_SCHEMA_TEST_UTIL_H_
#define QUERYSAFE_TESTS_SCHEMA_SCHEMA_TEST_UTIL_H_

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <format>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>

#include "lib/schema/load.h"
#include "lib/schema/model.h"

namespace querysafe::schema::testing {

inline std::string ReadData(std::string_view relative) {
  std::ifstream in(std::format("{}/{}", QUERYSAFE_TEST_DATA_DIR, relative), std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline std::string Describe(const Diagnostics& diagnostics) {
  std::string out;
  for (const Diagnostic& d : diagnostics) {
    out += std::format("\n  [{}] {} ({}) server={} at '{}'", CategoryName(d.category), d.message,
                       d.code, d.server_code, d.location);
  }
  return out;
}

// A schema with one collection model "M" (db_table "m") whose fields are
// `fields` (the inside of the "fields" object), plus `more_models` (inside of
// "models", with a leading comma).
inline std::string Schema1(std::string_view fields, std::string_view more_models = "") {
  return std::format(
      R"({{"database": "db", "models": {{"M": {{"db_table": "m", "fields": {{{}}}}}{}}}}})", fields,
      more_models);
}

// One field "f" of the collection model.
inline std::string FieldSchema(std::string_view field_json) {
  return Schema1(std::format(R"("f": {})", field_json));
}

inline const Diagnostic* FindCode(const Diagnostics& diagnostics, std::string_view code) {
  for (const Diagnostic& d : diagnostics) {
    if (d.code == code) return &d;
  }
  return nullptr;
}

// Loads and expects no diagnostics.
inline std::shared_ptr<const Schema> LoadOk(std::string_view json,
                                            const SchemaLoadOptions& options = {}) {
  SchemaLoadResult r = LoadSchema(json, options);
  EXPECT_TRUE(r.diagnostics.empty()) << Describe(r.diagnostics) << "\nschema: " << json;
  EXPECT_NE(r.schema, nullptr);
  return r.schema;
}

// Loads and expects a diagnostic with `code`; returns it (or a blank one after
// a failure).
inline Diagnostic LoadError(std::string_view json, std::string_view code,
                            const SchemaLoadOptions& options = {}) {
  SchemaLoadResult r = LoadSchema(json, options);
  EXPECT_EQ(r.schema, nullptr);
  const Diagnostic* d = FindCode(r.diagnostics, code);
  EXPECT_NE(d, nullptr) << "no " << code << " in" << Describe(r.diagnostics)
                        << "\nschema: " << json;
  return d ? *d : Diagnostic{};
}

inline const Field* FieldF(const Schema& schema) { return schema.FindModel("M")->FindField("f"); }

}  // namespace querysafe::schema::testing

#endif  // QUERYSAFE_TESTS_SCHEMA_SCHEMA_TEST_UTIL_H_
