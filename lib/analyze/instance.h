// The bound tree of a model instance (insert, save): the document Django's save() would write,
// every value coerced to its field's BSON type, and where in it the values of encrypted fields
// are. Lowering (lib/lower/lowered_instance.h) puts an encryption placeholder at each of those
// places; the analyzer (instance_binder.h) makes it.
#ifndef QUERYSAFE_LIB_ANALYZE_INSTANCE_H_
#define QUERYSAFE_LIB_ANALYZE_INSTANCE_H_

#include <string>
#include <vector>

#include "lib/common/bson_util.h"
#include "lib/schema/model.h"
#include "querysafe/diagnostic.h"

namespace querysafe::bound {

// An encrypted field's value in Instance::document.
struct StoredValue {
  const schema::EncryptedPath* path = nullptr;  // its encryptedFields entry
  std::string db_path;                          // "patient_record.ssn"
  // The keys from the document's top to the value ("patient_record", "ssn"); inside arrays of
  // embedded models, the element's index is one of them.
  std::vector<std::string> keys;
};

struct Instance {
  // By column, in field declaration order; encrypted values in plain, at the places `encrypted`
  // lists.
  BsonDoc document;
  std::vector<StoredValue> encrypted;  // in document order
  BsonDoc pk;  // {"_id": value}; empty if the instance has none (a diagnostic)
  Diagnostics diagnostics;

  bool ok() const { return diagnostics.empty(); }
};

}  // namespace querysafe::bound

#endif  // QUERYSAFE_LIB_ANALYZE_INSTANCE_H_
