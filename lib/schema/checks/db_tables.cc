// Why: a collection holds one model's documents, and encryptedFields, the
// encrypted_fields_map and every lookup by collection are keyed by db_table;
// Django refuses two models on one table (models.E028).
#include <format>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "lib/schema/checks/check.h"

namespace querysafe::schema {

void CheckDbTables(CheckContext& ctx) {
  absl::flat_hash_map<std::string_view, std::vector<const Model*>> by_table;
  std::vector<std::string_view> order;
  for (const auto& model : ctx.schema.models) {
    if (model->embedded) continue;
    auto& models = by_table[model->db_table];
    if (models.empty()) order.push_back(model->db_table);
    models.push_back(model.get());
  }
  for (std::string_view table : order) {
    const std::vector<const Model*>& models = by_table[table];
    if (models.size() < 2) continue;
    std::string names;
    for (const Model* m : models) names += std::format("{}{}", names.empty() ? "" : ", ", m->name);
    ctx.sink.Error("schema.db_table_clash",
                   std::format("db_table '{}' is used by multiple models: {}.", table, names),
                   models[1]->location);
  }
}

}  // namespace querysafe::schema
