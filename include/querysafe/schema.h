// File: querysafe/schema.h
//
// The models an ORM queries, with their encrypted fields: loaded once from the
// schema JSON (lib/schema/README.md describes the format), checked against the
// rules of Django, django-mongodb-backend and the MongoDB server, then shared
// by every query.
//
// Example:
//   querysafe::SchemaResult r = querysafe::Schema::FromJson(text);
//   if (!r.ok()) {
//     std::cerr << querysafe::FormatDiagnostics(r.diagnostics, text,
//     "schema.json"); return;
//   }
//   querysafe::Schema schema = *r.schema;   // cheap: shares the compiled
//   schema std::string map = schema.EncryptedFieldsMapJson();
//
// A Schema is immutable and safe to use from several threads at once.
#ifndef QUERYSAFE_SCHEMA_H_
#define QUERYSAFE_SCHEMA_H_

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "querysafe/diagnostic.h"
#include "querysafe/export.h"

namespace querysafe {

namespace schema {
class Schema;  // the compiled schema (lib/schema/model.h)
}  // namespace schema

struct SchemaOptions {
  // The MongoDB version the collections live on: the encryptedFields rules
  // differ (7.x: range sparsity 1..4; 8.0: range; 8.2: the text preview query
  // types; 9.0: prefix, suffix, substring).
  int server_major = 8;
  int server_minor = 0;
};

struct SchemaResult;

class QUERYSAFE_EXPORT Schema {
 public:
  // Never throws; a schema the rules refuse gives diagnostics and no Schema.
  static SchemaResult FromJson(std::string_view json, const SchemaOptions& options = {});

  const std::string& database() const;
  // "<database>.__keyVault" unless the schema names another.
  const std::string& key_vault_namespace() const;
  // Every model, in declaration order (embedded ones included).
  std::vector<std::string> model_names() const;
  // The collection (db_table) of a top-level model; empty for embedded or
  // unknown models.
  std::string db_table(std::string_view model_name) const;
  // True if some collection has encrypted fields: its connection then needs
  // automatic encryption, whose limitations apply to every model on it.
  bool has_encrypted_fields() const;
  // The top-level models (each a collection) and the encrypted paths across them, as `querysafe
  // schema check` reports them.
  size_t collection_count() const;
  size_t encrypted_path_count() const;
  // True if some encrypted path names its data key by alt name only ("<db_table>.<path>", as
  // django-mongodb-backend creates them), because the schema has no encrypted_fields_map.
  bool keys_by_alt_name() const;

  // The encryptedFields of every collection with encrypted fields, as
  // django-mongodb-backend's showencryptedfieldsmap prints them
  // (json_util.dumps(..., indent=4)): keyed by db_table, entries {"bsonType",
  // "path", "keyId", "queries"}. Keys known only by alt name (no
  // encrypted_fields_map in the schema) appear as "keyAltName":
  // "<db_table>.<path>".
  std::string EncryptedFieldsMapJson() const;
  // The same map as canonical Extended JSON on one line (exact BSON types), for
  // programs.
  std::string EncryptedFieldsMapExtendedJson() const;

  // For querysafe's own stages.
  const schema::Schema& impl() const { return *impl_; }
  std::shared_ptr<const schema::Schema> shared_impl() const { return impl_; }

 private:
  explicit Schema(std::shared_ptr<const schema::Schema> impl) : impl_(std::move(impl)) {}
  std::shared_ptr<const schema::Schema> impl_;
};

struct SchemaResult {
  std::optional<Schema> schema;  // set iff diagnostics is empty
  Diagnostics diagnostics;

  bool ok() const { return schema.has_value(); }
};

}  // namespace querysafe

#endif  // QUERYSAFE_SCHEMA_H_
