// Lookups on the compiled schema and the encryptedFields map it generates.
#include "lib/schema/model.h"

#include <bson/bson.h>

#include <string_view>

#include "lib/common/bson_array.h"
#include "lib/common/bson_type_name.h"

namespace querysafe::schema {
namespace {

// Appends one encryptedFields entry in showencryptedfieldsmap's key order:
// bsonType, path, keyId (or keyAltName), queries.
void AppendEntry(const EncryptedPath& entry, bson_t* out) {
  bson_append_utf8(out, "bsonType", -1, BsonTypeName(entry.bson_type).data(),
                   static_cast<int>(BsonTypeName(entry.bson_type).size()));
  bson_append_utf8(out, "path", -1, entry.path.data(), static_cast<int>(entry.path.size()));
  if (entry.key.key_id.has_value()) {
    bson_append_binary(out, "keyId", -1, BSON_SUBTYPE_UUID, entry.key.key_id->data(), 16);
  } else {
    bson_append_utf8(out, "keyAltName", -1, entry.key.key_alt_name.data(),
                     static_cast<int>(entry.key.key_alt_name.size()));
  }
  if (!entry.queryable()) return;
  const Field& field = *entry.field;
  if (field.queries_is_list) {
    bson_t list;
    querysafe::AppendArrayBegin(out, "queries", -1, &list);
    uint32_t i = 0;
    for (const QuerySpec& spec : field.queries) {
      char buf[16];
      const char* key;
      bson_uint32_to_string(i++, &key, buf, sizeof buf);
      bson_append_document(&list, key, -1, spec.declared.get());
    }
    bson_append_array_end(out, &list);
  } else {
    bson_append_document(out, "queries", -1, field.queries[0].declared.get());
  }
}

// Debian's abseil hashes its own absl::string_view, which std::string_view does
// not convert to.
absl::string_view View(std::string_view s) { return absl::string_view(s.data(), s.size()); }

bson_value_t FindBound(const BsonDoc& bounds, const char* key) {
  bson_value_t value{};
  value.value_type = BSON_TYPE_EOD;
  bson_iter_t it;
  if (bson_iter_init_find(&it, bounds.get(), key)) value = *bson_iter_value(&it);
  return value;
}

}  // namespace

std::string_view BsonTypeName(BsonType type) {
  return querysafe::BsonTypeName(static_cast<bson_type_t>(type));
}

// IsStringClass and EmptyStringsAllowed read the field class table (field_types.cc).

std::string_view QueryTypeName(QueryType type) {
  switch (type) {
    case QueryType::kEquality:
      return "equality";
    case QueryType::kRange:
      return "range";
    case QueryType::kPrefixPreview:
      return "prefixPreview";
    case QueryType::kSuffixPreview:
      return "suffixPreview";
    case QueryType::kSubstringPreview:
      return "substringPreview";
    case QueryType::kPrefix:
      return "prefix";
    case QueryType::kSuffix:
      return "suffix";
    case QueryType::kSubstring:
      return "substring";
  }
  return "unknown";
}

bool IsTextQuery(QueryType type) {
  return type != QueryType::kEquality && type != QueryType::kRange;
}

bool IsTextPreview(QueryType type) {
  return type == QueryType::kPrefixPreview || type == QueryType::kSuffixPreview ||
         type == QueryType::kSubstringPreview;
}

TextKind TextKindOf(QueryType type) {
  switch (type) {
    case QueryType::kSuffix:
    case QueryType::kSuffixPreview:
      return TextKind::kSuffix;
    case QueryType::kSubstring:
    case QueryType::kSubstringPreview:
      return TextKind::kSubstring;
    default:
      return TextKind::kPrefix;
  }
}

// min/max hold only int32, int64, date, double or decimal128 values, none of
// which point outside the value itself, so the copies stay valid as long as
// `bounds` does.
bson_value_t QuerySpec::min() const { return FindBound(bounds, "min"); }
bson_value_t QuerySpec::max() const { return FindBound(bounds, "max"); }

const QuerySpec* Field::FindQuery(QueryType type) const {
  for (const QuerySpec& spec : queries) {
    if (spec.type == type) return &spec;
  }
  return nullptr;
}

const Field* Model::FindField(std::string_view field_name) const {
  if (field_name == "pk") return pk;
  if (field_names.size() <= kScanFields) {
    for (const NamedField& f : field_names) {
      if (f.name == field_name) return f.field;
    }
    return nullptr;
  }
  auto it = fields_by_name.find(View(field_name));
  return it == fields_by_name.end() ? nullptr : it->second;
}

void Model::IndexFields() {
  fields_by_name.clear();
  field_names.clear();
  const auto add = [&](const std::string& field_name, const Field* field) {
    // The first field with a name keeps it, as in the map.
    if (fields_by_name.try_emplace(field_name, field).second) {
      field_names.push_back({field_name, field});
    }
  };
  for (const auto& field : fields) {
    add(field->name, field.get());
    if (field->attname != field->name) add(field->attname, field.get());
  }
}

const EncryptedPath* Model::FindEncryptedPath(std::string_view path) const {
  auto it = encrypted_by_path.find(View(path));
  return it == encrypted_by_path.end() ? nullptr : it->second;
}

const Model* Schema::FindModel(std::string_view model_name) const {
  // Every query starts here; schemas have a few models, where a scan beats hashing the name.
  // `models` holds exactly the models of models_by_name (a duplicate name is discarded).
  if (models.size() <= Model::kScanFields) {
    for (const auto& model : models) {
      if (model->name == model_name) return model.get();
    }
    return nullptr;
  }
  auto it = models_by_name.find(View(model_name));
  return it == models_by_name.end() ? nullptr : it->second;
}

const Model* Schema::FindModelByTable(std::string_view db_table) const {
  auto it = models_by_table.find(View(db_table));
  return it == models_by_table.end() ? nullptr : it->second;
}

bool Schema::has_encrypted_fields() const {
  for (const auto& model : models) {
    if (!model->embedded && model->has_encrypted_fields()) return true;
  }
  return false;
}

BsonDoc Schema::EncryptedFieldsMap() const {
  BsonDoc map;
  for (const auto& model : models) {
    // showencryptedfieldsmap lists the migratable models with encrypted fields;
    // embedded models are not collections and unmanaged ones are not migrated.
    if (model->embedded || !model->managed || !model->has_encrypted_fields()) continue;
    bson_t collection;
    bson_t fields;
    bson_append_document_begin(map.get(), model->db_table.data(),
                               static_cast<int>(model->db_table.size()), &collection);
    querysafe::AppendArrayBegin(&collection, "fields", -1, &fields);
    uint32_t i = 0;
    for (const EncryptedPath& entry : model->encrypted_paths) {
      char buf[16];
      const char* key;
      bson_uint32_to_string(i++, &key, buf, sizeof buf);
      bson_t item;
      bson_append_document_begin(&fields, key, -1, &item);
      AppendEntry(entry, &item);
      bson_append_document_end(&fields, &item);
    }
    bson_append_array_end(&collection, &fields);
    bson_append_document_end(map.get(), &collection);
  }
  return map;
}

}  // namespace querysafe::schema
