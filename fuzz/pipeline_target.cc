// The `pipeline` target: query text through the whole public path, Query::Compile (parse and
// analyze) against fixed schemas, Query::Translate (bind and lower) with typical and hostile
// parameter values, and Encryptor::Explain offline with the spec key material, so that every
// query the analyzer accepts reaches libmongocrypt.
//
// Which schemas: a first line comment `# <schema> [<server version>]` (the grammar reads it as a
// comment, so the text is still a query) picks schemas and the MongoDB version to check against;
// otherwise every fixed schema with a model of the query's leading name is used, and the medical
// schema when none has it. The golden tests' seeds carry that line.
//
// Besides the invariants of every result (fuzz_check.h), it checks what the stages promise each
// other: a compiled query keeps its text, a translation is valid BSON whose JSON rendering parses
// back to the same command, it holds placeholders exactly when it has encryptions, binding an
// unknown parameter or leaving one out is refused, and a query that compiled for encryption
// (require_encryptable) and bound is encrypted: Explain may only refuse it for the reasons
// kLateFailures lists, and what it returns holds no placeholder, has a payload for every
// encryption and no encrypted string in the clear.
#include <algorithm>
#include <format>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz/fixtures.h"
#include "fuzz/fuzz_check.h"
#include "fuzz/targets.h"
#include "fuzz/translation_check.h"
#include "lib/common/bson_util.h"
#include "lib/crypt/key_source.h"
#include "lib/crypt/key_vault_file.h"
#include "querysafe/crypt.h"
#include "querysafe/query.h"
#include "querysafe/schema.h"

namespace querysafe::fuzzing {
namespace {

struct FixedSchema {
  std::string name;
  Schema schema;
  std::vector<std::string> models;
};

struct Fixture {
  std::vector<FixedSchema> schemas;
  std::optional<Encryptor> encryptor;
};

// Every keyId and keyAltName the schemas' encryptedFields maps name.
void CollectKeys(const bson_t* map, std::vector<crypt::KeyId>* ids,
                 std::vector<std::string>* alt_names) {
  bson_iter_t iter;
  if (!bson_iter_init(&iter, map)) return;
  while (bson_iter_next(&iter)) {
    std::string_view key = bson_iter_key(&iter);
    if (key == "keyId" && BSON_ITER_HOLDS_BINARY(&iter)) {
      bson_subtype_t subtype;
      uint32_t length;
      const uint8_t* data;
      bson_iter_binary(&iter, &subtype, &length, &data);
      crypt::KeyId id;
      if (length == id.size()) {
        std::copy(data, data + length, id.begin());
        if (std::find(ids->begin(), ids->end(), id) == ids->end()) ids->push_back(id);
      }
    } else if (key == "keyAltName" && BSON_ITER_HOLDS_UTF8(&iter)) {
      std::string name = bson_iter_utf8(&iter, nullptr);
      if (std::find(alt_names->begin(), alt_names->end(), name) == alt_names->end()) {
        alt_names->push_back(name);
      }
    } else if (bson_t child; IterChild(&iter, &child)) {
      CollectKeys(&child, ids, alt_names);
    }
  }
}

const Fixture& GetFixture() {
  static const Fixture* fixture = [] {
    // Each loaded for MongoDB 8.0, but `every` (every field class, for the lookup matrix of
    // lookup_matrix.h), whose text-preview fields need 8.2.
    static const char* const kSchemas[][2] = {
        {"medical", "conformance/schemas/medical.json"},
        {"qe_matrix", "conformance/schemas/qe_matrix.json"},
        {"risk", "conformance/schemas/risk.json"},
        {"anchor", "conformance/schemas/anchor.json"},
        {"indexed", "spec-qe/schemas/indexed.json"},
        {"range_int", "spec-qe/schemas/range_int.json"},
        {"range_long", "spec-qe/schemas/range_long.json"},
        {"range_date", "spec-qe/schemas/range_date.json"},
        {"range_double", "spec-qe/schemas/range_double.json"},
        {"range_double_precision", "spec-qe/schemas/range_double_precision.json"},
        {"range_decimal", "spec-qe/schemas/range_decimal.json"},
        {"range_decimal_precision", "spec-qe/schemas/range_decimal_precision.json"},
        {"every", "matrix/schemas/every.json"},
    };
    auto* f = new Fixture();
    std::vector<crypt::KeyId> ids;
    std::vector<std::string> alt_names;
    for (const auto& [name, path] : kSchemas) {
      SchemaOptions options;
      if (std::string_view(name) == "every") options.server_minor = 2;
      SchemaResult r = Schema::FromJson(ReadDataFile(path), options);
      if (!r.ok()) {
        Fail(std::format("fixed schema {} does not load: {}", name, Codes(r.diagnostics)));
      }
      BsonDoc map;
      bson_error_t error;
      if (!BsonDoc::FromJson(r.schema->EncryptedFieldsMapExtendedJson(), &map, &error)) {
        Fail(std::format("fixed schema {}: encryptedFields map is not JSON", name));
      }
      CollectKeys(map.get(), &ids, &alt_names);
      f->schemas.push_back({name, *r.schema, r.schema->model_names()});
    }
    // One key vault, as `querysafe explain --key-vault` reads it: the spec key under its own
    // _id with every alt name the schemas use, and under every other keyId they name.
    crypt::KeyId spec_id{};
    bson_iter_t iter;
    if (bson_iter_init_find(&iter, SpecKeyDocument().get(), "_id") &&
        BSON_ITER_HOLDS_BINARY(&iter)) {
      bson_subtype_t subtype;
      uint32_t length;
      const uint8_t* data;
      bson_iter_binary(&iter, &subtype, &length, &data);
      if (length == spec_id.size()) std::copy(data, data + length, spec_id.begin());
    }
    std::string vault = "[" + crypt::KeyDocumentToJson(SpecKeyAs(spec_id, alt_names).get());
    for (const crypt::KeyId& id : ids) {
      if (id != spec_id) vault += ",\n" + crypt::KeyDocumentToJson(SpecKeyAs(id, {}).get());
    }
    vault += "]";
    EncryptorResult e = Encryptor::OpenOfflineFromText(vault, SpecMasterKeyArgument());
    if (!e.ok()) {
      Fail(std::format("the fuzz key vault does not open: {}", e.diagnostics[0].message));
    }
    f->encryptor = *e.encryptor;
    return f;
  }();
  return *fixture;
}

struct Selection {
  std::vector<const FixedSchema*> schemas;
  ServerVersion version;
};

bool IsNameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

Selection Select(std::string_view input, const Fixture& fixture) {
  Selection s;
  std::string_view rest = input;
  if (!input.empty() && input[0] == '#') {
    size_t end = input.find_first_of("\r\n");
    std::string_view line = input.substr(1, end == std::string_view::npos ? input.npos : end - 1);
    size_t pos = 0;
    while (pos < line.size()) {
      size_t stop = line.find_first_of(" \t,", pos);
      if (stop == std::string_view::npos) stop = line.size();
      std::string_view word = line.substr(pos, stop - pos);
      pos = stop + 1;
      if (word.empty()) continue;
      for (const FixedSchema& schema : fixture.schemas) {
        if (schema.name == word) s.schemas.push_back(&schema);
      }
      if (std::optional<ServerVersion> v = ServerVersion::Parse(word)) s.version = *v;
    }
    rest = end == std::string_view::npos ? std::string_view() : input.substr(end);
  }
  if (!s.schemas.empty()) return s;
  size_t begin = rest.find_first_not_of(" \t\r\n\f");
  std::string_view model;
  if (begin != std::string_view::npos) {
    size_t end = begin;
    while (end < rest.size() && IsNameChar(rest[end])) ++end;
    model = rest.substr(begin, end - begin);
  }
  for (const FixedSchema& schema : fixture.schemas) {
    if (std::find(schema.models.begin(), schema.models.end(), model) != schema.models.end()) {
      s.schemas.push_back(&schema);
    }
  }
  if (s.schemas.empty()) s.schemas.push_back(&fixture.schemas.front());
  return s;
}

void RunSchema(const FixedSchema& schema, ServerVersion version, std::string_view input,
               const Encryptor& encryptor, std::string* outcome) {
  CompileOptions options;
  options.server_version = version;
  options.require_encryptable = true;
  CompileResult c = Query::Compile(schema.schema, input, options);
  const std::string where = std::format("{} {}.{}", schema.name, version.major, version.minor);
  CheckResult(c.ok(), c.diagnostics, input, where + ": compile");
  if (!c.ok()) {
    if (outcome) *outcome += std::format("{}: compile rejected {}\n", where, Codes(c.diagnostics));
    return;
  }
  const Query& query = *c.query;
  QUERYSAFE_FUZZ_CHECK(query.text() == input, where + ": Query::text() is not the input");
  std::vector<ParamInfo> params = query.params();
  for (const ParamInfo& p : params) {
    QUERYSAFE_FUZZ_CHECK(
        !p.name.empty() && !p.expected_type.empty(),
        std::format("{}: parameter '{}' of type '{}'", where, p.name, p.expected_type));
  }
  if (outcome) *outcome += std::format("{}: compile ok, {} params\n", where, params.size());
  const uint64_t seed = StableHash(input);
  for (Binding binding : {Binding::kTypical, Binding::kHostile}) {
    const char* name = binding == Binding::kTypical ? "typical" : "hostile";
    BoundParams bound = MakeParams(params, binding, seed);
    // Without parameters a hostile binding is the typical one unless it added an unknown name.
    if (binding == Binding::kHostile && params.empty() && !bound.must_reject) continue;
    const std::string what = std::format("{} {}", where, name);
    TranslateResult t = query.Translate(*bound.values.get());
    CheckResult(t.ok(), t.diagnostics, input, what + ": translate");
    QUERYSAFE_FUZZ_CHECK(!bound.must_reject || !t.ok(),
                         what + ": an unknown or missing parameter was accepted");
    if (!t.ok()) {
      if (outcome) {
        *outcome += std::format("{}: translate rejected {}\n", what, Codes(t.diagnostics));
      }
      continue;
    }
    CheckTranslation(*t.translation, what);
    std::string explained = ExplainAndCheck(encryptor, *t.translation, input, what);
    if (outcome) {
      *outcome +=
          std::format("{}: translate ok, {} {} encryptions; {}\n", what,
                      t.translation->command_name(), t.translation->encryption_count(), explained);
    }
  }
}

}  // namespace

void RunPipeline(std::string_view input, std::string* outcome) {
  const Fixture& fixture = GetFixture();
  Selection selection = Select(input, fixture);
  for (const FixedSchema* schema : selection.schemas) {
    RunSchema(*schema, selection.version, input, *fixture.encryptor, outcome);
  }
}

}  // namespace querysafe::fuzzing
