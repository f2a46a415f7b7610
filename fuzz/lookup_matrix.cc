#include "fuzz/lookup_matrix.h"

#include <algorithm>
#include <format>
#include <optional>
#include <string_view>

#include "fuzz/fixtures.h"
#include "fuzz/fuzz_check.h"
#include "lib/analyze/lookup_table.h"
#include "lib/schema/model.h"
#include "querysafe/schema.h"

namespace querysafe::fuzzing {
namespace {

using schema::FieldClass;

// Every FieldClass, so that the union of the registered names is Django's whole vocabulary.
constexpr FieldClass kEveryClass[] = {
    FieldClass::kBigInteger,
    FieldClass::kBinary,
    FieldClass::kBoolean,
    FieldClass::kChar,
    FieldClass::kDate,
    FieldClass::kDateTime,
    FieldClass::kDecimal,
    FieldClass::kDuration,
    FieldClass::kEmail,
    FieldClass::kFile,
    FieldClass::kFilePath,
    FieldClass::kFloat,
    FieldClass::kGenericIPAddress,
    FieldClass::kImage,
    FieldClass::kInteger,
    FieldClass::kJSON,
    FieldClass::kPositiveBigInteger,
    FieldClass::kPositiveInteger,
    FieldClass::kPositiveSmallInteger,
    FieldClass::kSlug,
    FieldClass::kSmallInteger,
    FieldClass::kText,
    FieldClass::kTime,
    FieldClass::kURL,
    FieldClass::kUUID,
    FieldClass::kArray,
    FieldClass::kEmbeddedModel,
    FieldClass::kEmbeddedModelArray,
    FieldClass::kObjectId,
    FieldClass::kObjectIdAuto,
    FieldClass::kPolymorphicEmbeddedModel,
    FieldClass::kPolymorphicEmbeddedModelArray,
    FieldClass::kForeignKey,
    FieldClass::kOneToOne,
};

// A key to put lookups after: a field path and the class of what it names.
struct Path {
  std::string key;
  FieldClass cls;
};

std::vector<Path> Paths(const schema::Model& model) {
  std::vector<Path> out;
  for (const auto& f : model.fields) {
    out.push_back({f->name, f->cls});
    std::vector<const schema::Model*> inner = f->embedded_models;
    if (f->embedded_model != nullptr) inner.push_back(f->embedded_model);
    if (f->related_model != nullptr) inner.push_back(f->related_model);
    for (const schema::Model* m : inner) {
      for (const auto& g : m->fields) {
        if (!g->implicit) out.push_back({f->name + "__" + g->name, g->cls});
      }
    }
  }
  return out;
}

}  // namespace

const std::vector<std::string>& MatrixRhsKinds() {
  static const std::vector<std::string>* kinds = new std::vector<std::string>{
      // literals of the types a lookup may get (coercion, refusals, isnull's bool, in's list,
      // range's pair, a hostile pattern)
      R"("a.*%_\\")",
      "7",
      "None",
      "True",
      "[1, 2]",
      "(1, 5)",
      "date(2024, 1, 31)",
      // a parameter (the target binds typical and hostile values)
      "$v",
      // F(): a text field, an integer field, an encrypted field, a field through a join
      R"(F("p_text"))",
      R"(F("p_integer"))",
      R"(F("e_char"))",
      R"(F("p_fk__title"))",
      // expressions
      R"(F("p_integer") + 1)",
      R"(-F("p_float"))",
  };
  return *kinds;
}

std::vector<MatrixCase> LookupMatrix() {
  SchemaOptions options;
  options.server_major = 8;
  options.server_minor = 2;
  SchemaResult loaded = Schema::FromJson(ReadDataFile("matrix/schemas/every.json"), options);
  QUERYSAFE_FUZZ_CHECK(loaded.ok(),
                       "the matrix schema does not load: " + Codes(loaded.diagnostics));
  const schema::Model* model = loaded.schema->impl().FindModel("Every");
  QUERYSAFE_FUZZ_CHECK(model != nullptr, "the matrix schema has no model Every");

  // Django's whole vocabulary, so that a name a class does not register is tried on it too
  // (the "Unsupported lookup" path).
  std::vector<std::string_view> every_name;
  for (FieldClass cls : kEveryClass) {
    for (std::string_view name : analyze::LookupNames(cls)) {
      if (std::find(every_name.begin(), every_name.end(), name) == every_name.end()) {
        every_name.push_back(name);
      }
    }
  }
  std::sort(every_name.begin(), every_name.end());
  every_name.push_back("0");  // an ArrayField index (`tags__0`), a transform no list names

  std::vector<std::string> keys;
  for (const Path& path : Paths(*model)) {
    keys.push_back(path.key);  // exact, implied
    for (std::string_view name : every_name) {
      keys.push_back(std::format("{}__{}", path.key, name));
      // A transform, then every name registered after it.
      const std::optional<bound::Transform> t = analyze::FindTransform(path.cls, name);
      if (!t) continue;
      for (std::string_view next :
           analyze::LookupNames(analyze::TransformOutputClass(t->kind, path.cls))) {
        keys.push_back(std::format("{}__{}__{}", path.key, name, next));
      }
    }
  }
  const std::vector<std::string>& rhs = MatrixRhsKinds();
  std::vector<MatrixCase> out;
  out.reserve(keys.size() * rhs.size());
  for (const std::string& key : keys) {
    for (size_t i = 0; i < rhs.size(); ++i) {
      out.push_back({std::format("# every 8.2\nEvery.objects.filter({}={})", key, rhs[i]),
                     static_cast<int>(i)});
    }
  }
  return out;
}

}  // namespace querysafe::fuzzing
