// Binds each encryptedFields entry to its data key. With an
// "encrypted_fields_map" in the schema (showencryptedfieldsmap's output, keyed
// by db_table) the keyIds come from it, and the map must describe exactly the
// models: a map that disagrees would encrypt with one configuration and query
// with another, and the tokens would match nothing. Without a map, each entry's
// key is the alt name `<db_table>.<path>` django-mongodb-backend creates its
// keys under, resolved through the key vault later.
#include <bson/bson.h>

#include <array>
#include <cstdint>
#include <cstring>
#include <format>
#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "lib/common/bson_array.h"
#include "lib/common/bson_util.h"
#include "lib/schema/bson_equivalent.h"
#include "lib/schema/json_value.h"
#include "lib/schema/load_context.h"

namespace querysafe::schema {
namespace {

constexpr std::string_view kMap = "encrypted_fields_map";
constexpr std::string_view kMismatch = "schema.encrypted_fields_map";

struct MapEntry {
  std::string location;
  std::string path;
  std::optional<std::array<uint8_t, 16>> key_id;
  std::string key_alt_name;
  std::string bson_type;
  BsonDoc queries;  // {"q": <queries>} when present and not empty
  bool matched = false;
};

struct MapCollection {
  std::string table;
  std::string location;
  std::vector<MapEntry> entries;
  bool matched = false;
};

void MapError(LoadContext& ctx, std::string message, std::string location,
              int32_t server_code = 0) {
  ctx.sink.Error(
      server_code ? std::format("schema.server.{}", server_code) : std::string(kMismatch),
      std::move(message), std::move(location), server_code);
}

bool IsEmptyContainer(const bson_iter_t& it) {
  if (!BSON_ITER_HOLDS_DOCUMENT(&it) && !BSON_ITER_HOLDS_ARRAY(&it)) return false;
  bson_iter_t child;
  bson_iter_recurse(&it, &child);
  return !bson_iter_next(&child);
}

std::optional<MapEntry> ParseEntry(const bson_iter_t& value, std::string location,
                                   LoadContext& ctx) {
  if (!BSON_ITER_HOLDS_DOCUMENT(&value)) {
    MapError(ctx,
             std::format("Expected an encryptedFields entry object, got {}", JsonTypeName(value)),
             location);
    return std::nullopt;
  }
  MapEntry entry;
  entry.location = location;
  bool ok = true;
  bson_iter_t it;
  bson_iter_recurse(&value, &it);
  while (bson_iter_next(&it)) {
    std::string_view key = IterKey(it);
    std::string at = Loc(location, key);
    if (key == "keyId") {
      bson_subtype_t subtype;
      uint32_t len = 0;
      const uint8_t* data = nullptr;
      if (BSON_ITER_HOLDS_BINARY(&it)) bson_iter_binary(&it, &subtype, &len, &data);
      if (!BSON_ITER_HOLDS_BINARY(&it) || subtype != BSON_SUBTYPE_UUID || len != 16) {
        MapError(ctx,
                 "'keyId' must be a UUID: {\"$binary\": {\"base64\": ..., "
                 "\"subType\": "
                 "\"04\"}} of 16 bytes",
                 at);
        ok = false;
        continue;
      }
      std::array<uint8_t, 16> id;
      std::memcpy(id.data(), data, 16);
      entry.key_id = id;
    } else if (key == "keyAltName" || key == "path" || key == "bsonType") {
      std::optional<std::string_view> s = IterName(it);
      if (!s) {
        MapError(ctx, std::format("'{}' must be a string, got {}", key, JsonTypeName(it)), at);
        ok = false;
        continue;
      }
      (key == "path"       ? entry.path
       : key == "bsonType" ? entry.bson_type
                           : entry.key_alt_name) = std::string(*s);
    } else if (key == "queries") {
      if (!IsEmptyContainer(it) && !BSON_ITER_HOLDS_NULL(&it)) {
        bson_append_iter(entry.queries.get(), "q", 1, &it);
      }
    } else {
      MapError(ctx, std::format("BSON field 'EncryptedField.{}' is an unknown field.", key), at,
               40415);
      ok = false;
    }
  }
  if (entry.path.empty()) {
    MapError(ctx, "Encrypted field must have a non-empty path", location, 6316402);
    ok = false;
  }
  if (!entry.key_id && entry.key_alt_name.empty()) {
    MapError(ctx, "An encryptedFields entry needs a 'keyId' (or a 'keyAltName')", location);
    ok = false;
  }
  if (!ok) return std::nullopt;
  return entry;
}

std::vector<MapCollection> ParseMap(LoadContext& ctx) {
  std::vector<MapCollection> collections;
  bson_iter_t table;
  bson_iter_init(&table, ctx.encrypted_fields_map.get());
  absl::flat_hash_set<std::string_view> seen;
  while (bson_iter_next(&table)) {
    MapCollection collection;
    collection.table = std::string(IterKey(table));
    collection.location = Loc(kMap, collection.table);
    if (!seen.insert(IterKey(table)).second) {
      MapError(ctx, std::format("Duplicate key '{}'", collection.table), collection.location);
      continue;
    }
    if (!BSON_ITER_HOLDS_DOCUMENT(&table)) {
      MapError(ctx, std::format("Expected an encryptedFields object, got {}", JsonTypeName(table)),
               collection.location);
      continue;
    }
    bson_iter_t key;
    bson_iter_recurse(&table, &key);
    bool has_fields = false;
    while (bson_iter_next(&key)) {
      std::string_view k = IterKey(key);
      std::string at = Loc(collection.location, k);
      if (k == "fields" && BSON_ITER_HOLDS_ARRAY(&key)) {
        has_fields = true;
        bson_iter_t item;
        bson_iter_recurse(&key, &item);
        while (bson_iter_next(&item)) {
          std::optional<MapEntry> entry = ParseEntry(item, Loc(at, IterKey(item)), ctx);
          if (entry) collection.entries.push_back(std::move(*entry));
        }
      } else if (k == "fields") {
        MapError(ctx, std::format("'fields' must be a list, got {}", JsonTypeName(key)), at);
        has_fields = true;
      } else if (k != "escCollection" && k != "ecocCollection" && k != "eccCollection" &&
                 k != "strEncodeVersion") {
        // The state-collection names and strEncodeVersion are what
        // listCollections adds.
        MapError(ctx, std::format("BSON field 'EncryptedFieldConfig.{}' is an unknown field.", k),
                 at, 40415);
      }
    }
    if (!has_fields) {
      MapError(ctx,
               "BSON field 'EncryptedFieldConfig.fields' is missing but a "
               "required field",
               collection.location, 40414);
    }
    collections.push_back(std::move(collection));
  }
  return collections;
}

std::string Describe(const EncryptedPath& path) {
  return std::format("{}.{} ({})", path.field->model->name, path.field->name,
                     path.field->class_name);
}

std::string QueriesJson(const bson_t* holder) {
  bson_iter_t it;
  if (!bson_iter_init_find(&it, holder, "q")) return "none";
  std::string json = ToRelaxedJson(holder);  // { "q" : ... }
  size_t colon = json.find(':');
  return json.substr(colon + 2, json.size() - colon - 4);
}

// One `queries` entry with the defaults the server fills in and lists back
// (contention; for a range, sparsity and the int/long/date bounds of
// setRangeDefaults), so that a map taken from listCollections agrees with
// models that leave them out.
void AppendWithDefaults(const bson_t* entry, BsonType type, bson_t* out) {
  bson_concat(out, entry);
  bson_iter_t it;
  if (!bson_iter_init_find(&it, entry, "contention")) bson_append_int64(out, "contention", -1, 8);
  if (!bson_iter_init_find(&it, entry, "queryType") || !BSON_ITER_HOLDS_UTF8(&it) ||
      std::string_view(bson_iter_utf8(&it, nullptr)) != "range") {
    return;
  }
  if (!bson_iter_init_find(&it, entry, "sparsity")) bson_append_int64(out, "sparsity", -1, 2);
  for (const char* key : {"min", "max"}) {
    if (bson_iter_init_find(&it, entry, key)) continue;
    const bool max = key[1] == 'a';
    if (type == BsonType::kInt) bson_append_int32(out, key, -1, max ? INT32_MAX : INT32_MIN);
    if (type == BsonType::kLong) bson_append_int64(out, key, -1, max ? INT64_MAX : INT64_MIN);
    if (type == BsonType::kDate) bson_append_date_time(out, key, -1, max ? INT64_MAX : INT64_MIN);
  }
}

// {"q": queries} with every entry given its defaults.
BsonDoc WithDefaults(const bson_t* holder, BsonType type) {
  BsonDoc out;
  bson_iter_t it;
  if (!bson_iter_init_find(&it, holder, "q")) return out;
  auto append_entry = [&](const bson_iter_t& entry, bson_t* parent, const char* key) {
    uint32_t len = 0;
    const uint8_t* data = nullptr;
    bson_t doc, child;
    bson_iter_document(&entry, &len, &data);
    bson_append_document_begin(parent, key, -1, &child);
    if (data != nullptr && bson_init_static(&doc, data, len))
      AppendWithDefaults(&doc, type, &child);
    bson_append_document_end(parent, &child);
  };
  if (BSON_ITER_HOLDS_DOCUMENT(&it)) {
    append_entry(it, out.get(), "q");
  } else if (BSON_ITER_HOLDS_ARRAY(&it)) {
    bson_t list;
    querysafe::AppendArrayBegin(out.get(), "q", 1, &list);
    bson_iter_t entry;
    bson_iter_recurse(&it, &entry);
    while (bson_iter_next(&entry)) {
      if (BSON_ITER_HOLDS_DOCUMENT(&entry)) {
        append_entry(entry, &list, bson_iter_key(&entry));
      } else {
        bson_append_iter(&list, bson_iter_key(&entry), -1, &entry);
      }
    }
    bson_append_array_end(out.get(), &list);
  } else {
    bson_append_iter(out.get(), "q", 1, &it);
  }
  return out;
}

// The `queries` the models would put in encryptedFields, as {"q": ...}, or
// empty.
BsonDoc ModelQueries(const EncryptedPath& path) {
  BsonDoc holder;
  if (!path.queryable()) return holder;
  const Field& field = *path.field;
  if (field.queries_is_list) {
    bson_t list;
    querysafe::AppendArrayBegin(holder.get(), "q", 1, &list);
    for (size_t i = 0; i < field.queries.size(); ++i) {
      std::string key = std::to_string(i);
      bson_append_document(&list, key.c_str(), -1, field.queries[i].declared.get());
    }
    bson_append_array_end(holder.get(), &list);
  } else {
    bson_append_document(holder.get(), "q", 1, field.queries[0].declared.get());
  }
  return holder;
}

void Compare(const Model& model, EncryptedPath& path, MapEntry& entry, LoadContext& ctx) {
  entry.matched = true;
  std::string_view type = BsonTypeName(path.bson_type);
  if (entry.bson_type != type) {
    MapError(ctx,
             std::format("{}['{}'] gives '{}' the bsonType '{}', but {} stores '{}'", kMap,
                         model.db_table, path.path, entry.bson_type, Describe(path), type),
             Loc(entry.location, "bsonType"));
  }
  BsonDoc ours = ModelQueries(path);
  if (!BsonDocsEquivalent(WithDefaults(ours.get(), path.bson_type).get(),
                          WithDefaults(entry.queries.get(), path.bson_type).get())) {
    MapError(ctx,
             std::format("{}['{}'] gives '{}' the queries {}, but {} declares {}", kMap,
                         model.db_table, path.path, QueriesJson(entry.queries.get()),
                         Describe(path), QueriesJson(ours.get())),
             Loc(entry.location, "queries"));
  }
  path.key.key_id = entry.key_id;
  path.key.key_alt_name = entry.key_id ? std::string() : entry.key_alt_name;
}

void BindFromMap(Model& model, MapCollection& collection, LoadContext& ctx) {
  collection.matched = true;
  absl::flat_hash_set<std::string_view> paths;
  absl::flat_hash_set<std::string> key_ids;
  for (MapEntry& entry : collection.entries) {
    // validateEncryptedFieldConfig's rules on the map itself.
    if (!paths.insert(entry.path).second) {
      MapError(ctx, "Duplicate paths are not allowed", entry.location, 6338402);
    }
    if (entry.key_id &&
        !key_ids.insert(std::string(entry.key_id->begin(), entry.key_id->end())).second) {
      MapError(ctx, "Duplicate key ids are not allowed", Loc(entry.location, "keyId"), 6338401);
    }
  }
  for (EncryptedPath& path : model.encrypted_paths) {
    MapEntry* found = nullptr;
    for (MapEntry& entry : collection.entries) {
      if (entry.path == path.path && !entry.matched) {
        found = &entry;
        break;
      }
    }
    if (found == nullptr) {
      MapError(ctx,
               std::format("{}['{}'] has no entry for '{}', which {} encrypts", kMap,
                           model.db_table, path.path, Describe(path)),
               collection.location);
      continue;
    }
    Compare(model, path, *found, ctx);
  }
  for (const MapEntry& entry : collection.entries) {
    if (!entry.matched) {
      bool known = false;
      for (const EncryptedPath& path : model.encrypted_paths) known |= path.path == entry.path;
      if (!known) {
        MapError(ctx,
                 std::format("{}['{}'] lists '{}', but model {} has no encrypted field at "
                             "that path",
                             kMap, model.db_table, entry.path, model.name),
                 entry.location);
      }
    }
  }
}

}  // namespace

void BindKeys(LoadContext& ctx) {
  std::vector<MapCollection> collections;
  if (ctx.has_encrypted_fields_map) collections = ParseMap(ctx);
  for (const auto& model : ctx.schema->models) {
    if (model->embedded) continue;
    MapCollection* collection = nullptr;
    for (MapCollection& c : collections) {
      if (c.table == model->db_table) collection = &c;
    }
    if (collection != nullptr && model->has_encrypted_fields()) {
      BindFromMap(*model, *collection, ctx);
      continue;
    }
    if (ctx.has_encrypted_fields_map && model->managed && model->has_encrypted_fields()) {
      std::string paths;
      for (const EncryptedPath& path : model->encrypted_paths) {
        paths += std::format("{}'{}'", paths.empty() ? "" : ", ", path.path);
      }
      MapError(ctx,
               std::format("{} has no entry for '{}', but model {} has "
                           "encrypted fields ({})",
                           kMap, model->db_table, model->name, paths),
               std::string(kMap));
    }
    // django-mongodb-backend's key alt names:
    // "<db_table>.<column>[.<column>...]".
    for (EncryptedPath& path : model->encrypted_paths) {
      if (!path.key.key_id && path.key.key_alt_name.empty()) {
        path.key.key_alt_name = std::format("{}.{}", model->db_table, path.path);
      }
    }
  }
  for (const MapCollection& collection : collections) {
    if (collection.matched) continue;
    MapError(ctx,
             std::format("{} lists collection '{}', but no model with encrypted fields has "
                         "that db_table",
                         kMap, collection.table),
             collection.location);
  }
}

}  // namespace querysafe::schema
