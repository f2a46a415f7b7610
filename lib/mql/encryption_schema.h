// The schema phase of the MQL front end: the `encryptionInformation.schema` libmongocrypt puts in
// the command it hands to query analysis ({"db.coll": <encryptedFields>}), compiled into the same
// schema::Schema the Django front end uses, so that both reach the same QE rules with the same
// effective contention, sparsity, trimFactor and range bounds.
//
// The encryptedFields are turned into the schema format of lib/schema/README.md (one model for
// the collection, an embedded model per dotted prefix, an Encrypted*Field per path, each field
// named as its path component (so Django's field-name rules apply to them), the map
// itself as `encrypted_fields_map` for the keyIds) and loaded with LoadSchema: every check the
// loader makes on encryptedFields (queries IDL, range bounds and trimFactor, duplicate keyIds,
// prefix clashes) applies to what drivers send too.
#ifndef QUERYSAFE_LIB_MQL_ENCRYPTION_SCHEMA_H_
#define QUERYSAFE_LIB_MQL_ENCRYPTION_SCHEMA_H_

#include <bson/bson.h>

#include <memory>
#include <string>
#include <string_view>

#include "lib/schema/model.h"
#include "querysafe/diagnostic.h"

namespace querysafe::mql {

struct EncryptedCollection {
  // Null when `diagnostics` is not empty, and when the collection has no encrypted fields.
  std::shared_ptr<const schema::Schema> schema;
  const schema::Model* collection = nullptr;  // the model of the namespace's collection
  Diagnostics diagnostics;
};

// `encryption_information` is the command's `encryptionInformation` document; `ns` is
// "db.coll". The entry for `ns` in its `schema` is compiled; a missing entry or a schema that
// does not load gives diagnostics (ImproperlyConfigured, with the loader's server codes).
EncryptedCollection LoadEncryptedCollection(const bson_t* encryption_information,
                                            std::string_view ns);

}  // namespace querysafe::mql

#endif  // QUERYSAFE_LIB_MQL_ENCRYPTION_SCHEMA_H_
