// Migrate: what django-mongodb-backend's `migrate` does for the schema's
// collections (schema.py, BaseSchemaEditor._create_collection), so that
// either tool can read and write the other's data:
//   1. the key vault's unique partial index on keyAltNames
//      (createIndexes {keyAltNames: 1}, unique, partialFilterExpression
//      {keyAltNames: {$exists: true}}, name "keyAltNames_1");
//   2. one data key per encrypted path, keyAltName "<db_table>.<path>",
//      wrapped by the configured KMS provider's master key
//      (mongoc_client_encryption_create_datakey, which inserts it into the key
//      vault with writeConcern majority); a key that already holds the alt
//      name is reused, and a keyId from the schema's encrypted_fields_map must
//      exist;
//   3. each collection created: those with encrypted fields with their
//      encryptedFields (mongoc then creates the enxcol_.<coll>.esc/.ecoc state
//      collections and the __safeContent__ index), the others plainly.
// It is idempotent, unlike Django's (which runs once per migration): keys and
// collections that exist are kept. An existing collection whose encryptedFields
// differ from the schema's (other keys, paths, types or queries) is an error
// naming both: MongoDB cannot change encrypted fields in place.
//
// KMS: exactly one provider (Django: "Multiple KMS providers per database
// aren't supported..."), or the one ClientOptions::kms_provider names; a
// provider other than local needs ClientOptions::master_key.
//
// Runs on one plain (non-encrypting) connection; no auto-encryption is
// involved, so it also works before any key exists.
#ifndef QUERYSAFE_LIB_EXEC_MIGRATE_H_
#define QUERYSAFE_LIB_EXEC_MIGRATE_H_

#include <string>
#include <vector>

#include "lib/common/bson_util.h"
#include "lib/exec/client.h"
#include "querysafe/diagnostic.h"

namespace querysafe::exec {

struct MigrateResult {
  Diagnostics diagnostics;
  // What was done, one line each, for humans: "created data key
  // 'patients.patient_record.ssn' (<uuid>)", "created collection
  // medical_records.patients with encryptedFields", "collection
  // medical_records.patients is up to date".
  std::vector<std::string> actions;
  // {"<db>.<collection>": encryptedFields with keyIds}: what Connect will use,
  // and what an encrypted_fields_map setting should hold.
  BsonDoc encrypted_fields_map;

  bool ok() const { return diagnostics.empty(); }
};

MigrateResult Migrate(const ClientOptions& options);

}  // namespace querysafe::exec

#endif  // QUERYSAFE_LIB_EXEC_MIGRATE_H_
