// The top level of the schema JSON and its models. Every key is checked against
// the known ones (a misspelt key must not be silently ignored) and every
// value's JSON type, with the location of anything wrong.
#include <bson/bson.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <format>
#include <string>
#include <string_view>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "lib/schema/field_types.h"
#include "lib/schema/json_value.h"
#include "lib/schema/load_context.h"

namespace querysafe::schema {
namespace {

constexpr std::array<std::string_view, 7> kTopLevelKeys = {
    "database", "app_label", "key_vault_namespace", "encrypted_fields_map",
    "models",   "engine",    "enforce_schema"};
constexpr std::array<std::string_view, 7> kModelKeys = {
    "db_table", "embedded", "abstract", "fields", "ordering", "indexes", "managed"};

void UnknownKey(std::string_view what, std::string_view key,
                std::span<const std::string_view> known, const std::string& location,
                LoadContext& ctx) {
  std::string message = std::format("Unknown {} key '{}'", what, key);
  std::string_view close = ClosestName(key, known);
  // Django's settings spell DATABASES keys in capitals (ENGINE, ENFORCE_SCHEMA).
  for (std::string_view k : known) {
    if (k.size() == key.size() && std::equal(k.begin(), k.end(), key.begin(), [](char a, char b) {
          return std::tolower(static_cast<unsigned char>(a)) ==
                 std::tolower(static_cast<unsigned char>(b));
        })) {
      close = k;
    }
  }
  if (!close.empty()) message += std::format("; did you mean '{}'?", close);
  ctx.sink.Error("schema.unknown_key", std::move(message), Loc(location, key));
}

void WrongType(const bson_iter_t& it, std::string_view expected, const std::string& location,
               LoadContext& ctx) {
  ctx.sink.Error("schema.wrong_type",
                 std::format("Expected {}, got {}", expected, JsonTypeName(it)), location);
}

// A JSON key seen twice in one object: libbson keeps both, and which one wins
// would be a guess.
bool Duplicate(absl::flat_hash_set<std::string_view>& seen, std::string_view key,
               const std::string& location, LoadContext& ctx) {
  if (seen.insert(key).second) return false;
  ctx.sink.Error("schema.duplicate_key", std::format("Duplicate key '{}'", key), location);
  return true;
}

std::optional<std::string> ReadString(const bson_iter_t& it, const std::string& location,
                                      LoadContext& ctx) {
  std::optional<std::string_view> s = IterName(it);
  if (!s) {
    WrongType(it, BSON_ITER_HOLDS_UTF8(&it) ? "a string without NUL characters" : "a string",
              location, ctx);
    return std::nullopt;
  }
  return std::string(*s);
}

std::optional<bool> ReadBool(const bson_iter_t& it, const std::string& location, LoadContext& ctx) {
  if (!BSON_ITER_HOLDS_BOOL(&it)) {
    WrongType(it, "a boolean", location, ctx);
    return std::nullopt;
  }
  return bson_iter_bool(&it);
}

bool IsIdentifier(std::string_view name) {
  if (name.empty() || std::isdigit(static_cast<unsigned char>(name[0]))) return false;
  for (char c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') return false;
  }
  return true;
}

// MongoDB database names: 1 to 63 bytes, none of /\. "$ (the Unix
// restrictions).
bool IsValidDatabaseName(std::string_view name) {
  return !name.empty() && name.size() < 64 &&
         name.find_first_of(std::string_view("/\\. \"$\0", 7)) == std::string_view::npos;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// A list of field names (the "fields" of an index).
bool ReadNameList(const bson_iter_t& it, const std::string& location, LoadContext& ctx,
                  std::vector<std::string>* out) {
  if (!BSON_ITER_HOLDS_ARRAY(&it)) {
    WrongType(it, "a list of field names", location, ctx);
    return false;
  }
  bson_iter_t child;
  bson_iter_recurse(&it, &child);
  bool ok = true;
  while (bson_iter_next(&child)) {
    std::optional<std::string> name = ReadString(child, Loc(location, IterKey(child)), ctx);
    if (name) {
      out->push_back(std::move(*name));
    } else {
      ok = false;
    }
  }
  return ok;
}

void ParseOrdering(const bson_iter_t& it, Model& model, LoadContext& ctx) {
  std::string location = Loc(model.location, "ordering");
  if (!BSON_ITER_HOLDS_ARRAY(&it)) return WrongType(it, "a list of strings", location, ctx);
  bson_iter_t child;
  bson_iter_recurse(&it, &child);
  while (bson_iter_next(&child)) {
    std::optional<std::string> entry = ReadString(child, Loc(location, IterKey(child)), ctx);
    if (!entry) continue;
    OrderSpec spec;
    spec.descending = !entry->empty() && (*entry)[0] == '-';
    spec.field = spec.descending ? entry->substr(1) : *entry;
    model.ordering.push_back(std::move(spec));
  }
}

void ParseIndexes(const bson_iter_t& it, Model& model, LoadContext& ctx) {
  std::string location = Loc(model.location, "indexes");
  if (!BSON_ITER_HOLDS_ARRAY(&it)) return WrongType(it, "a list of indexes", location, ctx);
  bson_iter_t child;
  bson_iter_recurse(&it, &child);
  while (bson_iter_next(&child)) {
    std::string at = Loc(location, IterKey(child));
    std::vector<std::string> names;
    if (BSON_ITER_HOLDS_DOCUMENT(&child)) {
      // {"fields": [...], "name": "..."}, as models.Index(fields=...,
      // name=...).
      bson_iter_t key;
      bson_iter_recurse(&child, &key);
      bool has_fields = false;
      while (bson_iter_next(&key)) {
        std::string_view k = IterKey(key);
        if (k == "fields") {
          has_fields = ReadNameList(key, Loc(at, k), ctx, &names);
        } else if (k == "name") {
          ReadString(key, Loc(at, k), ctx);
        } else {
          constexpr std::array<std::string_view, 2> kIndexKeys = {"fields", "name"};
          UnknownKey("index", k, kIndexKeys, at, ctx);
        }
      }
      if (!has_fields) continue;
    } else if (!ReadNameList(child, at, ctx, &names)) {
      continue;
    }
    model.indexes.push_back(std::move(names));
  }
}

void ParseFields(const bson_iter_t& it, Model& model, LoadContext& ctx) {
  std::string location = Loc(model.location, "fields");
  if (!BSON_ITER_HOLDS_DOCUMENT(&it)) return WrongType(it, "an object of fields", location, ctx);
  bson_iter_t child;
  bson_iter_recurse(&it, &child);
  absl::flat_hash_set<std::string_view> seen;
  while (bson_iter_next(&child)) {
    std::string_view name = IterKey(child);
    std::string at = Loc(location, name);
    if (Duplicate(seen, name, at, ctx)) continue;
    std::unique_ptr<Field> field = ParseField(name, child, &model, at, ctx);
    if (field) model.fields.push_back(std::move(field));
  }
}

// The primary key: the field with primary_key=True, or the `id`
// ObjectIdAutoField Django adds (DEFAULT_AUTO_FIELD = ObjectIdAutoField, whose
// column is always `_id`). Embedded models are ordinary Django models and get
// one too; django-mongodb-backend omits it when unset.
void AddPrimaryKey(Model& model, Engine engine) {
  // Django gives an abstract model no primary key: its fields are copied into the model that
  // uses it (for djongo, embedded in its document).
  if (model.abstract) return;
  for (const auto& field : model.fields) {
    if (field->primary_key) {
      model.pk = field.get();
      return;
    }
  }
  for (const auto& field : model.fields) {
    if (field->name == "id") return;  // models.E004, reported by the model checks
  }
  auto id = std::make_unique<Field>();
  id->name = "id";
  id->attname = "id";
  if (engine == Engine::kDjongo) {
    // djongo keeps Django's DEFAULT_AUTO_FIELD, an AutoField stored in its own `id` column
    // (numbered through djongo's __schema__ collection); `_id` is MongoDB's and not a model
    // field unless the model declares `_id = models.ObjectIdField()`.
    id->column = "id";
    id->class_name = "AutoField";
    id->cls = FieldClass::kInteger;
    id->bson_type = BsonType::kLong;
    id->djongo = true;
  } else {
    id->column = "_id";
    id->class_name = "ObjectIdAutoField";
    id->cls = FieldClass::kObjectIdAuto;
    id->bson_type = BsonType::kObjectId;
  }
  id->primary_key = true;
  id->implicit = true;
  id->editable = false;
  id->blank = true;
  id->model = &model;
  id->location = Loc(Loc(model.location, "fields"), "id");
  model.pk = id.get();
  model.fields.insert(model.fields.begin(), std::move(id));
}

void ParseModel(std::string_view name, const bson_iter_t& it, LoadContext& ctx) {
  std::string location = Loc("models", name);
  if (!BSON_ITER_HOLDS_DOCUMENT(&it)) return WrongType(it, "a model object", location, ctx);
  if (!IsIdentifier(name)) {
    ctx.sink.Error("schema.invalid_model_name",
                   std::format("Model name '{}' is not a Python class name", name), location);
  }
  auto model = std::make_unique<Model>();
  model->name = std::string(name);
  model->location = location;
  bool has_db_table = false;
  bson_iter_t key;
  bson_iter_recurse(&it, &key);
  absl::flat_hash_set<std::string_view> seen;
  while (bson_iter_next(&key)) {
    std::string_view k = IterKey(key);
    std::string at = Loc(location, k);
    if (Duplicate(seen, k, at, ctx)) continue;
    if (k == "db_table") {
      if (std::optional<std::string> table = ReadString(key, at, ctx)) {
        model->db_table = std::move(*table);
        has_db_table = true;
        if (model->db_table.empty() || model->db_table[0] == '$' ||
            model->db_table.starts_with("system.")) {
          ctx.sink.Error("schema.invalid_db_table",
                         std::format("'{}' is not a valid collection name", model->db_table), at);
        }
      }
    } else if (k == "embedded") {
      model->embedded = model->embedded || ReadBool(key, at, ctx).value_or(false);
    } else if (k == "abstract") {
      // Meta.abstract, djongo's model_container models: no collection, stored inside the
      // document of the model that embeds them.
      model->abstract = ReadBool(key, at, ctx).value_or(false);
      model->embedded = model->embedded || model->abstract;
    } else if (k == "managed") {
      model->managed = ReadBool(key, at, ctx).value_or(true);
    } else if (k == "fields") {
      ParseFields(key, *model, ctx);
    } else if (k == "ordering") {
      ParseOrdering(key, *model, ctx);
    } else if (k == "indexes") {
      ParseIndexes(key, *model, ctx);
    } else {
      UnknownKey("model", k, kModelKeys, location, ctx);
    }
  }
  if (model->embedded) {
    // An EmbeddedModel is stored inside its parent's document, never in a
    // collection of its own: a db_table (which ORMs emit for every model) is
    // accepted and has no effect.
    model->db_table.clear();
  } else if (!has_db_table) {
    // Django's Options.contribute_to_class: "<app_label>_<model_name>" with
    // model_name lowercased.
    const std::string& app = ctx.schema->app_label;
    model->db_table = app.empty() ? Lower(name) : std::format("{}_{}", app, Lower(name));
  }
  AddPrimaryKey(*model, ctx.schema->engine);
  model->IndexFields();
  if (!ctx.schema->models_by_name.try_emplace(model->name, model.get()).second) {
    ctx.sink.Error("schema.duplicate_key", std::format("Duplicate model '{}'", name), location);
    // Kept alive: the pending references and queries of its fields point into
    // it.
    ctx.discarded_models.push_back(std::move(model));
    return;
  }
  ctx.schema->models.push_back(std::move(model));
}

}  // namespace

void ParseSchemaDocument(const BsonDoc& doc, LoadContext& ctx) {
  Schema& schema = *ctx.schema;
  bson_iter_t it;
  absl::flat_hash_set<std::string_view> seen;
  bool has_database = false;
  bool has_models = false;
  bool has_enforce_schema = false;
  // The scalars first: a model's default db_table needs app_label, wherever it
  // is written.
  bson_iter_init(&it, doc.get());
  while (bson_iter_next(&it)) {
    std::string_view k = IterKey(it);
    std::string at(k);
    if (Duplicate(seen, k, at, ctx)) continue;
    if (k == "database") {
      has_database = true;
      if (std::optional<std::string> db = ReadString(it, at, ctx)) {
        schema.database = std::move(*db);
        if (!IsValidDatabaseName(schema.database)) {
          ctx.sink.Error("schema.invalid_database",
                         std::format("'{}' is not a valid MongoDB database name", schema.database),
                         at);
        }
      }
    } else if (k == "app_label") {
      if (std::optional<std::string> label = ReadString(it, at, ctx)) {
        schema.app_label = std::move(*label);
        if (!IsIdentifier(schema.app_label)) {
          ctx.sink.Error("schema.invalid_app_label",
                         std::format("'{}' is not a valid app label", schema.app_label), at);
        }
      }
    } else if (k == "key_vault_namespace") {
      if (std::optional<std::string> ns = ReadString(it, at, ctx)) {
        schema.key_vault_namespace = std::move(*ns);
        size_t dot = schema.key_vault_namespace.find('.');
        if (dot == 0 || dot == std::string::npos || dot + 1 == schema.key_vault_namespace.size()) {
          ctx.sink.Error("schema.invalid_key_vault_namespace",
                         std::format("'{}' is not a namespace of the form <database>.<collection>",
                                     schema.key_vault_namespace),
                         at);
        }
      }
    } else if (k == "encrypted_fields_map") {
      if (!BSON_ITER_HOLDS_DOCUMENT(&it)) {
        WrongType(it, "an object keyed by db_table", at, ctx);
        continue;
      }
      uint32_t len = 0;
      const uint8_t* data = nullptr;
      bson_iter_document(&it, &len, &data);
      BsonDoc::FromBytes(data, len, &ctx.encrypted_fields_map);
      ctx.has_encrypted_fields_map = true;
    } else if (k == "engine") {
      // DATABASES['default']['ENGINE'].
      if (std::optional<std::string> engine = ReadString(it, at, ctx)) {
        if (*engine == "djongo") {
          schema.engine = Engine::kDjongo;
        } else if (*engine != "django_mongodb_backend") {
          ctx.sink.Error("schema.unknown_engine",
                         std::format("Unknown engine '{}': querysafe knows "
                                     "'django_mongodb_backend' (the default) and 'djongo' "
                                     "(djongo 1.3)",
                                     *engine),
                         at);
        }
      }
    } else if (k == "enforce_schema") {
      // DATABASES['default']['ENFORCE_SCHEMA'], djongo's option (default False).
      has_enforce_schema = true;
      schema.enforce_schema = ReadBool(it, at, ctx).value_or(false);
    } else if (k == "models") {
      has_models = true;
      if (!BSON_ITER_HOLDS_DOCUMENT(&it)) WrongType(it, "an object of models", at, ctx);
    } else {
      UnknownKey("top-level", k, kTopLevelKeys, "", ctx);
    }
  }
  if (!has_database) {
    ctx.sink.Error("schema.missing_key", "The schema has no 'database'", "database");
  }
  if (!has_models) ctx.sink.Error("schema.missing_key", "The schema has no 'models'", "models");
  if (has_enforce_schema && schema.engine != Engine::kDjongo) {
    ctx.sink.Error("schema.engine_option",
                   "'enforce_schema' is djongo's ENFORCE_SCHEMA: it needs \"engine\": \"djongo\"",
                   "enforce_schema");
  }
  if (schema.key_vault_namespace.empty() && !schema.database.empty()) {
    schema.key_vault_namespace = std::format("{}.__keyVault", schema.database);
  }
  if (bson_iter_init_find(&it, doc.get(), "models") && BSON_ITER_HOLDS_DOCUMENT(&it)) {
    bson_iter_t model;
    bson_iter_recurse(&it, &model);
    while (bson_iter_next(&model)) {
      if (ctx.sink.full()) return;
      ParseModel(IterKey(model), model, ctx);
    }
  }
}

}  // namespace querysafe::schema
