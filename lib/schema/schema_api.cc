// querysafe::Schema (include/querysafe/schema.h) over the compiled schema.
#include <string>
#include <vector>

#include "lib/common/bson_util.h"
#include "lib/schema/load.h"
#include "lib/schema/python_json.h"
#include "querysafe/schema.h"

namespace querysafe {

SchemaResult Schema::FromJson(std::string_view json, const SchemaOptions& options) {
  schema::SchemaLoadOptions load_options;
  load_options.server_version = {options.server_major, options.server_minor};
  schema::SchemaLoadResult loaded = schema::LoadSchema(json, load_options);
  SchemaResult result;
  result.diagnostics = std::move(loaded.diagnostics);
  if (loaded.schema) result.schema = Schema(std::move(loaded.schema));
  return result;
}

const std::string& Schema::database() const { return impl_->database; }

const std::string& Schema::key_vault_namespace() const { return impl_->key_vault_namespace; }

std::vector<std::string> Schema::model_names() const {
  std::vector<std::string> names;
  names.reserve(impl_->models.size());
  for (const auto& model : impl_->models) names.push_back(model->name);
  return names;
}

std::string Schema::db_table(std::string_view model_name) const {
  const schema::Model* model = impl_->FindModel(model_name);
  return model == nullptr ? std::string() : model->db_table;
}

bool Schema::has_encrypted_fields() const { return impl_->has_encrypted_fields(); }

size_t Schema::collection_count() const {
  size_t count = 0;
  for (const auto& model : impl_->models) count += model->embedded ? 0 : 1;
  return count;
}

size_t Schema::encrypted_path_count() const {
  size_t count = 0;
  for (const auto& model : impl_->models) {
    if (!model->embedded) count += model->encrypted_paths.size();
  }
  return count;
}

bool Schema::keys_by_alt_name() const {
  for (const auto& model : impl_->models) {
    for (const schema::EncryptedPath& path : model->encrypted_paths) {
      if (!path.key.key_id.has_value()) return true;
    }
  }
  return false;
}

std::string Schema::EncryptedFieldsMapJson() const {
  BsonDoc map = impl_->EncryptedFieldsMap();
  return schema::PythonJsonDumps(map.get());
}

std::string Schema::EncryptedFieldsMapExtendedJson() const {
  BsonDoc map = impl_->EncryptedFieldsMap();
  return ToCanonicalJson(map.get());
}

}  // namespace querysafe
