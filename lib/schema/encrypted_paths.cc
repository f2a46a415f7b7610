// A collection's encryptedFields paths, as django-mongodb-backend's
// _get_encrypted_fields walks them: every encrypted field of the model, and of
// the models reached through plain (not encrypted) EmbeddedModelFields at any
// depth, in declaration order, depth first, joined by db columns. Its recursion
// has no guard: a model that embeds itself (A -> B -> A) with encrypted fields
// on the way would need infinitely many paths, so that is reported instead.
#include <algorithm>
#include <format>
#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "lib/schema/load_context.h"

namespace querysafe::schema {
namespace {

// Far beyond any real collection; only a diamond of embedded models reused at
// every level gets near it, and then the map would be unusable anyway.
constexpr size_t kMaxPathsPerCollection = 1000;

bool IsPlainEmbedded(const Field& field) {
  return !field.encrypted && field.cls == FieldClass::kEmbeddedModel &&
         field.embedded_model != nullptr;
}

// True if `model`, or a model it reaches through plain EmbeddedModelFields, has
// an encrypted field. Visits each model once, so cycles end.
bool ReachesEncrypted(const Model& model, absl::flat_hash_set<const Model*>& visited) {
  if (!visited.insert(&model).second) return false;
  for (const auto& field : model.fields) {
    if (field->encrypted) return true;
    if (IsPlainEmbedded(*field) && ReachesEncrypted(*field->embedded_model, visited)) return true;
  }
  return false;
}

struct Walker {
  LoadContext& ctx;
  Model& collection;
  std::vector<const Model*> stack;
  absl::flat_hash_set<const Field*> reported;
  bool overflow = false;

  void Walk(const Model& model, const std::string& prefix) {
    for (const auto& field : model.fields) {
      if (overflow) return;
      std::string path =
          prefix.empty() ? field->column : std::format("{}.{}", prefix, field->column);
      if (field->encrypted) {
        Add(*field, std::move(path));
      } else if (IsPlainEmbedded(*field)) {
        const Model* target = field->embedded_model;
        if (std::find(stack.begin(), stack.end(), target) != stack.end()) {
          ReportCycle(*field, *target);
          continue;
        }
        stack.push_back(target);
        Walk(*target, path);
        stack.pop_back();
      }
    }
  }

  void Add(const Field& field, std::string path) {
    if (collection.encrypted_paths.size() >= kMaxPathsPerCollection) {
      overflow = true;
      ctx.sink.Error("schema.too_many_encrypted_paths",
                     std::format("Collection '{}' would have more than {} encrypted paths",
                                 collection.db_table, kMaxPathsPerCollection),
                     collection.location);
      return;
    }
    ctx.first_path.try_emplace(&field, path);
    EncryptedPath entry;
    entry.path = std::move(path);
    entry.field = &field;
    entry.bson_type = field.bson_type;
    entry.queries = &field.queries;
    collection.encrypted_paths.push_back(std::move(entry));
  }

  void ReportCycle(const Field& field, const Model& target) {
    absl::flat_hash_set<const Model*> visited;
    if (!ReachesEncrypted(target, visited) || !reported.insert(&field).second) return;
    std::string chain;
    auto start = std::find(stack.begin(), stack.end(), &target);
    for (auto it = start; it != stack.end(); ++it) chain += std::format("'{}' -> ", (*it)->name);
    chain += std::format("'{}'", target.name);
    ctx.sink.Error("schema.recursive_encrypted",
                   std::format("Embedded models {} form a cycle that contains encrypted fields: "
                               "encryptedFields would need infinitely many paths",
                               chain),
                   field.location);
  }
};

}  // namespace

void BuildEncryptedPaths(LoadContext& ctx) {
  for (const auto& model : ctx.schema->models) {
    if (model->embedded) continue;
    Walker walker{ctx, *model, {model.get()}, {}, false};
    walker.Walk(*model, "");
  }
}

std::string ServerPath(const LoadContext& ctx, const Field& field) {
  auto it = ctx.first_path.find(&field);
  return it != ctx.first_path.end() ? it->second : field.column;
}

}  // namespace querysafe::schema
