// The `schema` target: schema JSON through Schema::FromJson for MongoDB 7.0, 8.0 and 8.2 (the
// rules differ: 7.x sparsity and range, 8.2 text previews). A schema is an ORM's output, but
// querysafe reads it from a file a person may have edited, so it gets the same care as query
// text.
//
// A schema that loads is then used, because a schema the checks let through is a promise to
// every later stage: its renderings must parse, every collection of its encryptedFields map must
// be a model's, and probe queries on its fields (equality, `in`, and range bounds at the
// declared min and max) compiled for encryption must, once their parameters bind, be encrypted
// by libmongocrypt with the queries options the schema declared. A key source that has a key for
// every name (fixtures.h) lets any schema reach it. This is where a range option the schema
// checks accept but libmongocrypt refuses shows up.
#include <format>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz/fixtures.h"
#include "fuzz/fuzz_check.h"
#include "fuzz/targets.h"
#include "fuzz/translation_check.h"
#include "lib/common/bson_array.h"
#include "lib/common/bson_util.h"
#include "lib/crypt/encryptor.h"
#include "lib/crypt/kms_providers.h"
#include "lib/schema/model.h"
#include "querysafe/crypt.h"
#include "querysafe/query.h"
#include "querysafe/schema.h"

namespace querysafe::fuzzing {
namespace {

// Probing is bounded so that a schema with hundreds of fields costs no more than a small one.
constexpr size_t kMaxProbedModels = 4;
constexpr size_t kMaxProbedFields = 8;
constexpr int kMaxEmbeddingDepth = 3;

std::string Message(const absl::Status& status) {
  return std::string(status.message().data(), status.message().size());
}

const Encryptor& AnyKeyEncryptor() {
  static const Encryptor* encryptor = [] {
    absl::StatusOr<crypt::KmsProviders> kms =
        crypt::KmsProviders::FromLocalKeyArgument(SpecMasterKeyArgument());
    if (!kms.ok()) Fail(std::format("local master key: {}", Message(kms.status())));
    crypt::EncryptorOptions options;
    options.kms_providers = *std::move(kms);
    options.key_source = std::make_shared<AnyKeySource>();
    absl::StatusOr<std::unique_ptr<crypt::Encryptor>> e =
        crypt::Encryptor::Create(std::move(options));
    if (!e.ok()) Fail(std::format("encryptor: {}", Message(e.status())));
    return new Encryptor(
        internal::WrapEncryptor(std::shared_ptr<const crypt::Encryptor>(std::move(*e))));
  }();
  return *encryptor;
}

// A field a probe query can name: its lookup path from the model ("a__b") and the field.
struct Candidate {
  std::string path;
  const schema::Field* field;
};

void CollectCandidates(const schema::Model& model, const std::string& prefix, int depth,
                       std::vector<Candidate>* out) {
  for (const std::unique_ptr<schema::Field>& field : model.fields) {
    if (out->size() >= kMaxProbedFields) return;
    if (field->cls == schema::FieldClass::kEmbeddedModel && !field->encrypted &&
        field->embedded_model != nullptr && depth < kMaxEmbeddingDepth) {
      CollectCandidates(*field->embedded_model, prefix + field->name + "__", depth + 1, out);
    } else {
      out->push_back({prefix + field->name, field.get()});
    }
  }
}

struct Probe {
  std::string text;
  BsonDoc params;
};

// A value for a probe on field `c`: one of the range index's bounds when it has them (`upper`
// picks the max), where the analyzer's bounds checks and libmongocrypt's meet; a typical value
// of the field's type otherwise.
void AppendProbeValue(bson_t* doc, const char* key, const Candidate& c, bool upper, uint64_t seed) {
  const schema::QuerySpec* range = c.field->FindQuery(schema::QueryType::kRange);
  if (range != nullptr && range->has_bounds()) {
    bson_value_t bound = upper ? range->max() : range->min();
    bson_append_value(doc, key, -1, &bound);
  } else {
    AppendTypicalValue(doc, key, schema::BsonTypeName(c.field->bson_type), seed);
  }
}

// Queries on one field: equality for every field; for an encrypted one, `in` on an equality
// index, and on a range index the widest closed range and one-sided ranges starting at a bound
// (`gt` the max and `lt` the min leave nothing to match: the edge cases).
std::vector<Probe> ProbesFor(const std::string& model, const Candidate& c, uint64_t seed) {
  std::vector<Probe> probes;
  const std::string_view type = schema::BsonTypeName(c.field->bson_type);
  Probe eq{std::format("{}.objects.filter({}=$v)", model, c.path), {}};
  AppendProbeValue(eq.params.get(), "v", c, seed % 2 == 1, seed);
  probes.push_back(std::move(eq));
  if (!c.field->encrypted) return probes;
  if (c.field->FindQuery(schema::QueryType::kEquality) != nullptr) {
    Probe in{std::format("{}.objects.filter({}__in=$v)", model, c.path), {}};
    bson_t list;
    querysafe::AppendArrayBegin(in.params.get(), "v", -1, &list);
    AppendTypicalValue(&list, "0", type, seed);
    AppendTypicalValue(&list, "1", type, seed >> 8);
    bson_append_array_end(in.params.get(), &list);
    probes.push_back(std::move(in));
  }
  if (c.field->FindQuery(schema::QueryType::kRange) != nullptr) {
    Probe both{std::format("{}.objects.filter({}__gte=$lo, {}__lte=$hi)", model, c.path, c.path),
               {}};
    AppendProbeValue(both.params.get(), "lo", c, false, seed);
    AppendProbeValue(both.params.get(), "hi", c, true, seed >> 8);
    probes.push_back(std::move(both));
    const bool flip = (seed >> 16) % 2 == 1;
    Probe gt{std::format("{}.objects.filter({}__gt=$v)", model, c.path), {}};
    AppendProbeValue(gt.params.get(), "v", c, flip, seed >> 24);
    probes.push_back(std::move(gt));
    Probe lt{std::format("{}.objects.filter({}__lt=$v)", model, c.path), {}};
    AppendProbeValue(lt.params.get(), "v", c, !flip, seed >> 32);
    probes.push_back(std::move(lt));
  }
  return probes;
}

void RunProbe(const Schema& schema, const Probe& probe, const SchemaOptions& version,
              std::string* outcome) {
  CompileOptions options;
  options.server_version = {version.server_major, version.server_minor};
  options.require_encryptable = true;
  const std::string what = std::format("probe '{}'", probe.text);
  CompileResult c = Query::Compile(schema, probe.text, options);
  CheckResult(c.ok(), c.diagnostics, probe.text, what + ": compile");
  if (!c.ok()) {
    if (outcome) {
      *outcome += std::format("  {}: compile rejected {}\n", probe.text, Codes(c.diagnostics));
    }
    return;
  }
  TranslateResult t = c.query->Translate(*probe.params.get());
  CheckResult(t.ok(), t.diagnostics, probe.text, what + ": translate");
  if (!t.ok()) {
    if (outcome) {
      *outcome += std::format("  {}: translate rejected {}\n", probe.text, Codes(t.diagnostics));
    }
    return;
  }
  CheckTranslation(*t.translation, what);
  std::string explained = ExplainAndCheck(AnyKeyEncryptor(), *t.translation, probe.text, what);
  if (outcome) *outcome += std::format("  {}: {}\n", probe.text, explained);
}

// What a loaded schema promises about itself, and the probes.
void CheckLoaded(const Schema& schema, const SchemaOptions& version, uint64_t seed,
                 std::string* outcome) {
  const schema::Schema& impl = schema.impl();
  QUERYSAFE_FUZZ_CHECK(!schema.database().empty(), "loaded schema without a database");
  QUERYSAFE_FUZZ_CHECK(schema.key_vault_namespace().find('.') != std::string::npos,
                       "key vault namespace without a '.': " + schema.key_vault_namespace());
  QUERYSAFE_FUZZ_CHECK(schema.has_encrypted_fields() == impl.has_encrypted_fields(),
                       "has_encrypted_fields() disagrees with the compiled schema");
  bson_t map;
  CheckJson(schema.EncryptedFieldsMapJson(), "EncryptedFieldsMapJson", &map);
  bson_destroy(&map);
  CheckJson(schema.EncryptedFieldsMapExtendedJson(), "EncryptedFieldsMapExtendedJson", &map);
  bson_iter_t iter;
  bson_iter_init(&iter, &map);
  while (bson_iter_next(&iter)) {
    const schema::Model* model = impl.FindModelByTable(bson_iter_key(&iter));
    QUERYSAFE_FUZZ_CHECK(
        model != nullptr && !model->embedded,
        std::format("encryptedFields map names '{}', no model's collection", bson_iter_key(&iter)));
  }
  bson_destroy(&map);
  size_t probed = 0;
  for (const std::string& name : schema.model_names()) {
    const schema::Model* model = impl.FindModel(name);
    QUERYSAFE_FUZZ_CHECK(model != nullptr, "model_names() lists unknown model " + name);
    QUERYSAFE_FUZZ_CHECK(schema.db_table(name).empty() == model->embedded,
                         std::format("model {}: db_table '{}' but embedded={}", name,
                                     schema.db_table(name), model->embedded));
    if (model->embedded || probed++ >= kMaxProbedModels) continue;
    std::vector<Candidate> candidates;
    CollectCandidates(*model, "", 0, &candidates);
    for (const Candidate& c : candidates) {
      for (const Probe& probe : ProbesFor(name, c, seed)) {
        RunProbe(schema, probe, version, outcome);
      }
    }
  }
}

}  // namespace

void RunSchema(std::string_view input, std::string* outcome) {
  const uint64_t seed = StableHash(input);
  static const SchemaOptions kVersions[] = {{8, 0}, {8, 2}, {7, 0}};
  for (const SchemaOptions& version : kVersions) {
    SchemaResult r = Schema::FromJson(input, version);
    const std::string where =
        std::format("schema {}.{}", version.server_major, version.server_minor);
    CheckResult(r.ok(), r.diagnostics, input, where);
    if (!r.ok()) {
      if (outcome) *outcome += std::format("{}: rejected {}\n", where, Codes(r.diagnostics));
      continue;
    }
    if (outcome) *outcome += std::format("{}: ok\n", where);
    CheckLoaded(*r.schema, version, seed, outcome);
  }
}

}  // namespace querysafe::fuzzing
