// Input that is not a usable schema: every case gives diagnostics with a
// location (or, for the JSON text itself, a byte span), never a crash or an
// exception.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <random>
#include <string>

#include "tests/schema/schema_test_util.h"

namespace querysafe::schema {
namespace {

using testing::Describe;
using testing::FieldSchema;
using ::testing::HasSubstr;
using testing::LoadError;

Diagnostic Syntax(std::string_view text) {
  SchemaLoadResult r = LoadSchema(text);
  EXPECT_EQ(r.schema, nullptr);
  EXPECT_FALSE(r.diagnostics.empty());
  if (r.diagnostics.empty()) return {};
  EXPECT_EQ(r.diagnostics[0].code, "schema.json_syntax") << Describe(r.diagnostics);
  EXPECT_EQ(r.diagnostics[0].category, Category::kImproperlyConfigured);
  return r.diagnostics[0];
}

TEST(MalformedJson, PointsAtTheError) {
  // libbson's reader reports the byte offset: the '}' where a value was
  // expected.
  Diagnostic d = Syntax("{\"database\": \"db\",\n \"models\": }");
  EXPECT_EQ(d.span.begin, 30u);
  EXPECT_THAT(d.message, HasSubstr("Invalid JSON"));
  d = Syntax("{\"database\": \"db\", \"models\": {}} trailing");
  EXPECT_EQ(d.span.begin, 33u);
  d = Syntax("{\"database\": \"db\", \"models\": {");
  EXPECT_EQ(d.span.begin, 30u);  // the end: the text stops inside the object
  d = Syntax("{\"a\": 1,}");
  EXPECT_EQ(d.span.begin, 8u);
}

TEST(MalformedJson, PositionsComeOnlyFromTheReadersOwnForm) {
  // A fuzz finding: the schema's own text said "position 75808" inside a bad
  // $numberLong, and the position was read out of libbson's message quoting it.
  std::string text =
      R"({"database": "db", "models": {"M": {"fields": {"f": {"type": "EncryptedBigIntegerField",)"
      R"( "queries": {"queryType": "range", "min": {"$numberLong": "-92233position 75808"}}}}}}})";
  Diagnostic d = Syntax(text);
  EXPECT_THAT(d.message, HasSubstr("Invalid Extended JSON"));
  ASSERT_LE(d.span.end, text.size());
  EXPECT_EQ(text.substr(d.span.begin, d.span.end - d.span.begin), "-92233position 75808");
  // The end of the text is an empty span at the end, never a byte past it.
  text = "{\"database\": \"db\", \"models\": {";
  d = Syntax(text);
  EXPECT_EQ(d.span.begin, text.size());
  EXPECT_EQ(d.span.end, text.size());
}

TEST(MalformedJson, RejectsWhatIsNotOneObject) {
  EXPECT_THAT(Syntax("").message, HasSubstr("empty"));
  EXPECT_THAT(Syntax("   \n ").message, HasSubstr("empty"));
  Diagnostic d = Syntax("  [1, 2]");
  EXPECT_EQ(d.message, "The schema must be a JSON object");
  EXPECT_EQ(d.span.begin, 2u);
  Syntax("\"models\"");
  Syntax("42");
  Syntax("null");
  EXPECT_THAT(Syntax("{\"database\": \"a\", \"models\": {}} {\"database\": \"b\"}").message,
              HasSubstr("more than one value"));
}

TEST(MalformedJson, FindsInvalidUtf8) {
  std::string text = "{\"database\": \"d\xff\", \"models\": {}}";
  Diagnostic d = Syntax(text);
  EXPECT_THAT(d.message, HasSubstr("UTF-8"));
  EXPECT_EQ(d.span.begin, 15u);
}

TEST(MalformedJson, HugeNumbersDoNotWrap) {
  // libbson would read this as 7766279631452241919.
  std::string text = R"({"database": "db", "models": {"M": {"fields": {"f": {
      "type": "EncryptedIntegerField", "queries": {"queryType": "range",
      "max": 99999999999999999999}}}}}})";
  Diagnostic d = Syntax(text);
  EXPECT_EQ(d.message,
            "Number 99999999999999999999 is out of range (an integer must fit "
            "in 64 bits)");
  EXPECT_EQ(text.substr(d.span.begin, d.span.end - d.span.begin), "99999999999999999999");
  d = Syntax(R"({"database": "db", "models": {}, "x": -1e999})");
  EXPECT_THAT(d.message, HasSubstr("-1e999"));
  // Digits inside strings are not numbers.
  testing::LoadOk(R"({"database": "db", "models": {"M": {"fields": {"f": {
      "type": "CharField", "max_length": 30, "default": "99999999999999999999"}}}}})");
}

TEST(MalformedJson, DeepNestingIsAnErrorNotAStackOverflow) {
  std::string deep =
      R"({"database": "db", "models": {"M": {"fields": {"f": {"type": "JSONField", "default": )";
  deep += std::string(100000, '[') + std::string(100000, ']') + "}}}}}";
  Diagnostic d = Syntax(deep);
  EXPECT_GT(d.span.begin, 0u);
}

struct WrongType {
  const char* json;
  const char* location;
};

// A value of the wrong JSON type at every level of the format.
constexpr WrongType kWrongTypes[] = {
    {R"({"database": 5, "models": {}})", "database"},
    {R"({"database": "db", "models": []})", "models"},
    {R"({"database": "db", "app_label": true, "models": {}})", "app_label"},
    {R"({"database": "db", "key_vault_namespace": {}, "models": {}})", "key_vault_namespace"},
    {R"({"database": "db", "encrypted_fields_map": [], "models": {}})", "encrypted_fields_map"},
    {R"({"database": "db", "models": {"M": "x"}})", "models.M"},
    {R"({"database": "db", "models": {"M": {"db_table": 1}}})", "models.M.db_table"},
    {R"({"database": "db", "models": {"M": {"embedded": "yes"}}})", "models.M.embedded"},
    {R"({"database": "db", "models": {"M": {"managed": 0}}})", "models.M.managed"},
    {R"({"database": "db", "models": {"M": {"fields": []}}})", "models.M.fields"},
    {R"({"database": "db", "models": {"M": {"ordering": "name"}}})", "models.M.ordering"},
    {R"({"database": "db", "models": {"M": {"ordering": [1]}}})", "models.M.ordering.0"},
    {R"({"database": "db", "models": {"M": {"indexes": {}}}})", "models.M.indexes"},
    {R"({"database": "db", "models": {"M": {"indexes": [[1]]}}})", "models.M.indexes.0.0"},
    {R"({"database": "db", "models": {"M": {"indexes": [{"fields": "a"}]}}})",
     "models.M.indexes.0.fields"},
    {R"({"database": "db", "models": {"M": {"fields": {"f": "CharField"}}}})", "models.M.fields.f"},
    {R"({"database": "db", "models": {"M": {"fields": {"f": {"type": 3}}}}})",
     "models.M.fields.f.type"},
    {R"({"database": "db", "models": {"M": {"fields": {"f": {"type": "CharField",
        "max_length": "11"}}}}})",
     "models.M.fields.f.max_length"},
    {R"({"database": "db", "models": {"M": {"fields": {"f": {"type": "CharField",
        "max_length": -1}}}}})",
     "models.M.fields.f.max_length"},
    {R"({"database": "db", "models": {"M": {"fields": {"f": {"type": "CharField",
        "null": "false"}}}}})",
     "models.M.fields.f.null"},
    {R"({"database": "db", "models": {"M": {"fields": {"f": {"type": "CharField",
        "choices": "abc"}}}}})",
     "models.M.fields.f.choices"},
    {R"({"database": "db", "models": {"M": {"fields": {"f": {"type": "CharField",
        "choices": [["a"]]}}}}})",
     "models.M.fields.f.choices.0"},
    {R"({"database": "db", "models": {"M": {"fields": {"f": {"type": "ArrayField",
        "base_field": "IntegerField"}}}}})",
     "models.M.fields.f.base_field"},
    {R"({"database": "db", "models": {"M": {"fields": {"f": {"type": "EmbeddedModelField",
        "embedded_model": ["E"]}}}}})",
     "models.M.fields.f.embedded_model"},
    {R"({"database": "db", "models": {"M": {"fields": {"f": {
        "type": "PolymorphicEmbeddedModelField", "embedded_models": [1]}}}}})",
     "models.M.fields.f.embedded_models.0"},
    {R"({"database": "db", "models": {"M": {"fields": {"f": {"type": "EncryptedCharField",
        "queries": "equality"}}}}})",
     "models.M.fields.f.queries"},
    {R"({"database": "db", "models": {"M": {"fields": {"f": {"type": "EncryptedCharField",
        "queries": [1]}}}}})",
     "models.M.fields.f.queries.0"},
    {R"({"database": "db", "models": {"M": {"fields": {"f": {"type": "EncryptedCharField",
        "queries": {"queryType": 1}}}}}})",
     "models.M.fields.f.queries.queryType"},
    {R"({"database": "db", "models": {"M": {"fields": {"f": {"type": "EncryptedCharField",
        "queries": {"queryType": "equality", "contention": "8"}}}}}})",
     "models.M.fields.f.queries.contention"},
    {R"({"database": "db", "models": {"M": {"fields": {"f": {"type": "EncryptedIntegerField",
        "queries": {"queryType": "range", "trimFactor": 4294967296}}}}}})",
     "models.M.fields.f.queries.trimFactor"},
    {R"({"database": "db", "models": {"M": {"fields": {"f": {"type": "EncryptedTextField",
        "queries": {"queryType": "prefixPreview", "caseSensitive": 1}}}}}})",
     "models.M.fields.f.queries.caseSensitive"},
};

TEST(MalformedSchema, WrongTypesAtEveryLevelAreLocated) {
  for (const WrongType& c : kWrongTypes) {
    SCOPED_TRACE(c.json);
    SchemaLoadResult r = LoadSchema(c.json);
    EXPECT_EQ(r.schema, nullptr);
    bool found = false;
    for (const Diagnostic& d : r.diagnostics) found |= d.location == c.location;
    EXPECT_TRUE(found) << "no diagnostic at " << c.location << Describe(r.diagnostics);
  }
}

TEST(MalformedSchema, MissingAndUnknownKeys) {
  Diagnostic d = LoadError(R"({"models": {}})", "schema.missing_key");
  EXPECT_EQ(d.location, "database");
  d = LoadError(R"({"database": "db"})", "schema.missing_key");
  EXPECT_EQ(d.location, "models");
  d = LoadError(R"({"database": "db", "model": {}})", "schema.unknown_key");
  EXPECT_EQ(d.message, "Unknown top-level key 'model'; did you mean 'models'?");
  d = LoadError(R"({"database": "db", "models": {"M": {"db_tabel": "m"}}})", "schema.unknown_key");
  EXPECT_EQ(d.message, "Unknown model key 'db_tabel'; did you mean 'db_table'?");
  EXPECT_EQ(d.location, "models.M.db_tabel");
  // The brief's example: a typo in a field option.
  d = LoadError(FieldSchema(R"({"type": "CharField", "max_lenght": 11})"), "schema.unknown_option");
  EXPECT_EQ(d.message, "CharField has no option 'max_lenght'; did you mean 'max_length'?");
  EXPECT_EQ(d.location, "models.M.fields.f.max_lenght");
  d = LoadError(FieldSchema(R"({"type": "CharField", "max_digits": 5})"), "schema.unknown_option");
  EXPECT_EQ(d.message, "CharField does not take the option 'max_digits'");
  d = LoadError(FieldSchema(R"({"type": "CharField", "queries": {"queryType": "equality"}})"),
                "schema.unknown_option");
  EXPECT_THAT(d.message, HasSubstr("only encrypted fields do, e.g. EncryptedCharField"));
  d = LoadError(FieldSchema(R"({"max_length": 5})"), "schema.missing_option");
  EXPECT_EQ(d.location, "models.M.fields.f");
  d = LoadError(FieldSchema(R"({"type": "EncryptedCharField",
                               "queries": {"queryType": "equality", "contension": 1}})"),
                "schema.unknown_query_key");
  EXPECT_EQ(d.server_code, 40415);
  EXPECT_THAT(d.message, HasSubstr("Did you mean 'contention'?"));
  d = LoadError(FieldSchema(R"({"type": "EncryptedCharField", "queries": {"contention": 1}})"),
                "schema.missing_query_type");
  EXPECT_EQ(d.server_code, 40414);
  d = LoadError(FieldSchema(R"({"type": "EncryptedCharField", "queries": {"queryType": "eq"}})"),
                "schema.unknown_query_type");
  d = LoadError(FieldSchema(R"({"type": "EncryptedIntegerField",
                               "queries": {"queryType": "rangePreview"}})"),
                "schema.range_preview");
  EXPECT_THAT(d.message, HasSubstr("'rangePreview' is unsupported. Use 'range' instead."));
}

TEST(MalformedSchema, DuplicateKeysAreNotSilentlyResolved) {
  Diagnostic d =
      LoadError(R"({"database": "a", "database": "b", "models": {}})", "schema.duplicate_key");
  EXPECT_EQ(d.location, "database");
  LoadError(R"({"database": "db", "models": {"M": {}, "M": {}}})", "schema.duplicate_key");
  d = LoadError(R"({"database": "db", "models": {"M": {"fields": {
                    "f": {"type": "CharField"}, "f": {"type": "IntegerField"}}}}})",
                "schema.duplicate_key");
  EXPECT_EQ(d.location, "models.M.fields.f");
}

TEST(MalformedSchema, NamesWithNulCharactersAreRefused) {
  LoadError(R"({"database": "d\u0000b", "models": {}})", "schema.wrong_type");
  LoadError(FieldSchema(R"({"type": "CharField", "db_column": "a\u0000b"})"), "schema.wrong_type");
  LoadError(R"({"database": "my.db", "models": {}})", "schema.invalid_database");
}

TEST(MalformedSchema, RandomMutationsNeverCrash) {
  // Byte flips, truncations and insertions of a valid schema: every result
  // either loads or has diagnostics, none throws, and the cap holds.
  const std::string base = testing::ReadData("conformance/schemas/qe_matrix.json");
  std::mt19937 rng(12345);
  const std::string alphabet = "{}[]\",:0123456789.-eE tfnul\\\xff\x80";
  for (int i = 0; i < 3000; ++i) {
    std::string text = base;
    int edits = 1 + static_cast<int>(rng() % 4);
    for (int e = 0; e < edits && !text.empty(); ++e) {
      size_t at = rng() % text.size();
      switch (rng() % 3) {
        case 0:
          text[at] = alphabet[rng() % alphabet.size()];
          break;
        case 1:
          text.erase(at, 1 + rng() % 8);
          break;
        default:
          text.insert(at, 1, alphabet[rng() % alphabet.size()]);
      }
    }
    SchemaLoadResult r = LoadSchema(text);
    EXPECT_EQ(r.schema == nullptr, !r.diagnostics.empty());
    EXPECT_LE(r.diagnostics.size(), kMaxDiagnostics);
  }
}

TEST(MalformedSchema, DiagnosticsAreCapped) {
  std::string fields;
  for (int i = 0; i < 50; ++i) {
    fields += std::format(R"({}"f{}": {{"type": "EncryptedIntegerField", "null": true}})",
                          i ? ", " : "", i);
  }
  SchemaLoadResult r = LoadSchema(testing::Schema1(fields));
  EXPECT_EQ(r.schema, nullptr);
  EXPECT_EQ(r.diagnostics.size(), kMaxDiagnostics);
}

}  // namespace
}  // namespace querysafe::schema
