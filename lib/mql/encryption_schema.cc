#include "lib/mql/encryption_schema.h"

#include <format>
#include <mutex>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "lib/common/bson_util.h"
#include "lib/schema/load.h"

namespace querysafe::mql {
namespace {

// The Django class whose storage type is each bsonType (django-mongodb-backend's data_types, as
// lib/schema/field_types.cc lists them): the encrypted variant of it stores exactly that type.
std::string_view ClassFor(std::string_view bson_type) {
  if (bson_type == "string") return "EncryptedTextField";
  if (bson_type == "int") return "EncryptedSmallIntegerField";
  if (bson_type == "long") return "EncryptedBigIntegerField";
  if (bson_type == "double") return "EncryptedFloatField";
  if (bson_type == "decimal") return "EncryptedDecimalField";
  if (bson_type == "date") return "EncryptedDateTimeField";
  if (bson_type == "bool") return "EncryptedBooleanField";
  if (bson_type == "binData") return "EncryptedBinaryField";
  if (bson_type == "objectId") return "EncryptedObjectIdField";
  return {};
}

struct ModelBuild {
  std::string name;
  bool embedded = false;
  BsonDoc fields;  // {"f0": {...}, ...}
  // column -> embedded model index, for the dotted prefixes
  absl::flat_hash_map<std::string, size_t> children;
  absl::flat_hash_map<std::string, bool> leaves;
};

void Fail(EncryptedCollection& out, std::string code, std::string message) {
  Diagnostic d;
  d.category = Category::kImproperlyConfigured;
  d.code = std::move(code);
  d.message = std::move(message);
  d.location = "encryptionInformation.schema";
  out.diagnostics.push_back(std::move(d));
}

// Compiled collections, by namespace and the bytes of their encryptedFields. libmongocrypt hands
// every command on a collection over with the same encryptionInformation, and compiling it (the
// schema document, its JSON, LoadSchema) was six sevenths of analysing a small find
// (bench/crypt_shared_bench.cc), several times the cost of the analysis proper. Only successes
// are kept; a schema is immutable and shared (schema::Schema is safe to read from many threads).
// Bounded: when full it starts over, which costs one compilation per collection.
class CompiledCache {
 public:
  static CompiledCache& Get() {
    static CompiledCache* cache = new CompiledCache();  // never destroyed: used up to exit
    return *cache;
  }
  bool Find(const std::string& key, EncryptedCollection* out) {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = entries_.find(key);
    if (it == entries_.end()) return false;
    *out = it->second;
    return true;
  }
  void Add(std::string key, const EncryptedCollection& compiled) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (entries_.size() >= kMaxEntries) entries_.clear();
    entries_.emplace(std::move(key), compiled);
  }

 private:
  static constexpr size_t kMaxEntries = 64;
  std::mutex mutex_;
  absl::flat_hash_map<std::string, EncryptedCollection> entries_;
};

// The schema of one collection's encryptedFields.
EncryptedCollection Compile(const bson_t* efc, const std::string& db, const std::string& coll);

}  // namespace

EncryptedCollection LoadEncryptedCollection(const bson_t* info, std::string_view ns) {
  EncryptedCollection out;
  const size_t dot = ns.find('.');
  if (dot == std::string_view::npos || dot == 0 || dot + 1 == ns.size()) {
    Fail(out, "mql.namespace",
         std::format("Invalid namespace '{}': expected \"db.collection\"", ns));
    return out;
  }
  const std::string db(ns.substr(0, dot));
  const std::string coll(ns.substr(dot + 1));

  bson_iter_t it;
  bson_t efc;
  if (!bson_iter_init_find(&it, info, "schema") || !BSON_ITER_HOLDS_DOCUMENT(&it)) {
    Fail(out, "mql.encryption_information",
         "encryptionInformation must contain a 'schema' document");
    return out;
  }
  bson_iter_t entry;
  const std::string key(ns);
  if (!bson_iter_recurse(&it, &entry) || !bson_iter_find_w_len(&entry, key.data(), key.size()) ||
      !BSON_ITER_HOLDS_DOCUMENT(&entry) || !IterChild(&entry, &efc)) {
    Fail(out, "mql.encryption_information",
         std::format("encryptionInformation.schema has no encryptedFields for '{}'", ns));
    return out;
  }
  // This thread's last collection first: a driver's thread usually queries one collection many
  // times, and the shared cache's key (a copy of the bytes), hash and lock were a tenth of an
  // analysis (callgrind, bench/crypt_shared_bench.cc).
  const std::string_view efc_bytes(reinterpret_cast<const char*>(bson_get_data(&efc)), efc.len);
  thread_local std::string last_key;
  thread_local EncryptedCollection last;
  if (last.schema && last_key.size() == key.size() + 1 + efc_bytes.size() &&
      std::string_view(last_key).substr(0, key.size()) == key &&
      std::string_view(last_key).substr(key.size() + 1) == efc_bytes) {
    return last;
  }
  std::string cache_key = key;
  cache_key.push_back('\0');
  cache_key.append(efc_bytes);
  if (!CompiledCache::Get().Find(cache_key, &out)) {
    out = Compile(&efc, db, coll);
    if (!out.schema) return out;
    CompiledCache::Get().Add(cache_key, out);
  }
  last_key = std::move(cache_key);
  last = out;
  return out;
}

namespace {

EncryptedCollection Compile(const bson_t* efc, const std::string& db, const std::string& coll) {
  EncryptedCollection out;
  std::vector<ModelBuild> models(1);
  models[0].name = "Collection";
  bson_iter_t fields;
  if (bson_iter_init_find(&fields, efc, "fields") && BSON_ITER_HOLDS_ARRAY(&fields)) {
    bson_iter_t f;
    bson_iter_recurse(&fields, &f);
    while (bson_iter_next(&f)) {
      bson_t field;
      if (!BSON_ITER_HOLDS_DOCUMENT(&f) || !IterChild(&f, &field)) continue;
      bson_iter_t p;
      if (!bson_iter_init_find(&p, &field, "path") || !BSON_ITER_HOLDS_UTF8(&p)) continue;
      uint32_t len = 0;
      const char* text = bson_iter_utf8(&p, &len);
      const std::string path(text, len);
      std::string bson_type;
      if (bson_iter_init_find(&p, &field, "bsonType") && BSON_ITER_HOLDS_UTF8(&p)) {
        bson_type = bson_iter_utf8(&p, &len);
      }
      const std::string_view cls = ClassFor(bson_type);
      if (cls.empty()) {
        Fail(out, "mql.unsupported_bson_type",
             std::format("querysafe does not analyze queries on encrypted field '{}' of "
                         "bsonType '{}'",
                         path, bson_type));
        continue;
      }
      size_t model = 0;
      size_t start = 0;
      bool clash = false;
      while (true) {
        const size_t next = path.find('.', start);
        const std::string column =
            path.substr(start, next == std::string::npos ? std::string::npos : next - start);
        ModelBuild& m = models[model];
        if (next == std::string::npos) {
          if (m.children.contains(column) || m.leaves.contains(column)) {
            clash = true;
            break;
          }
          m.leaves[column] = true;
          BsonDoc def;
          BSON_APPEND_UTF8(def.get(), "type", std::string(cls).c_str());
          if (cls == "EncryptedDecimalField") {
            // Any decimal the server accepts: 34 digits is Decimal128's precision.
            BSON_APPEND_INT32(def.get(), "max_digits", 34);
            BSON_APPEND_INT32(def.get(), "decimal_places", 0);
          }
          bson_iter_t q;
          if (bson_iter_init_find(&q, &field, "queries")) {
            bson_append_iter(def.get(), "queries", -1, &q);
          }
          bson_append_document(m.fields.get(), column.data(), static_cast<int>(column.size()),
                               def.get());
          break;
        }
        if (m.leaves.contains(column)) {
          clash = true;
          break;
        }
        auto child = m.children.find(column);
        size_t index = 0;
        if (child == m.children.end()) {
          index = models.size();
          ModelBuild embedded;
          embedded.name = std::format("Embedded{}", index);
          embedded.embedded = true;
          models.push_back(std::move(embedded));
          ModelBuild& parent = models[model];  // push_back may have moved it
          parent.children[column] = index;
          BsonDoc def;
          BSON_APPEND_UTF8(def.get(), "type", "EmbeddedModelField");
          BSON_APPEND_UTF8(def.get(), "embedded_model", models[index].name.c_str());
          bson_append_document(parent.fields.get(), column.data(), static_cast<int>(column.size()),
                               def.get());
        } else {
          index = child->second;
        }
        model = index;
        start = next + 1;
      }
      if (clash) {
        // The server's check of encryptedFields (encryption_fields_validation.cpp).
        Fail(out, "mql.encrypted_prefix",
             std::format("Encrypted fields cannot be prefixes of other encrypted fields: '{}'",
                         path));
      }
    }
  }
  if (!out.diagnostics.empty() || (models[0].leaves.empty() && models[0].children.empty())) {
    return out;  // errors, or no encrypted field: nothing to compile
  }

  BsonDoc doc;
  AppendUtf8(doc.get(), "database", db);
  bson_t models_doc;
  BSON_APPEND_DOCUMENT_BEGIN(doc.get(), "models", &models_doc);
  for (ModelBuild& m : models) {
    bson_t model;
    BSON_APPEND_DOCUMENT_BEGIN(&models_doc, m.name.c_str(), &model);
    if (m.embedded) {
      BSON_APPEND_BOOL(&model, "embedded", true);
    } else {
      AppendUtf8(&model, "db_table", coll);
    }
    BSON_APPEND_DOCUMENT(&model, "fields", m.fields.get());
    bson_append_document_end(&models_doc, &model);
  }
  bson_append_document_end(doc.get(), &models_doc);
  bson_t map2;
  BSON_APPEND_DOCUMENT_BEGIN(doc.get(), "encrypted_fields_map", &map2);
  bson_append_document(&map2, coll.data(), static_cast<int>(coll.size()), efc);
  bson_append_document_end(doc.get(), &map2);

  schema::SchemaLoadResult loaded = schema::LoadSchema(ToRelaxedJson(doc.get()));
  if (!loaded.schema) {
    out.diagnostics = std::move(loaded.diagnostics);
    return out;
  }
  out.collection = loaded.schema->FindModelByTable(coll);
  if (out.collection == nullptr) {
    Fail(out, "mql.encryption_information", std::format("no collection '{}' in the schema", coll));
    return out;
  }
  out.schema = std::move(loaded.schema);
  return out;
}

}  // namespace
}  // namespace querysafe::mql
