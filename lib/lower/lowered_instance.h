// A model instance lowered for insert or save: the bound instance's document (analyze/instance.h)
// with a {"$encrypt": {"id", "role": "value", "path"}} placeholder (encryption_request.h) in
// place of every encrypted value, and the requests that encrypt them: each with the field's own
// index (equality: Indexed with its contention; range: Range with its effective range options;
// text: the field's text indexes; no queries: Unindexed). lib/exec sends it.
#ifndef QUERYSAFE_LIB_LOWER_LOWERED_INSTANCE_H_
#define QUERYSAFE_LIB_LOWER_LOWERED_INSTANCE_H_

#include <bson/bson.h>

#include <cstdint>
#include <vector>

#include "lib/common/bson_util.h"
#include "lib/lower/encryption_request.h"
#include "lib/schema/model.h"

namespace querysafe::bound {
struct Instance;
}  // namespace querysafe::bound

namespace querysafe::lower {

struct LoweredInstance {
  BsonDoc document;  // by column, placeholders where encrypted values go
  std::vector<EncryptionRequest> encryptions;
  BsonDoc pk;  // {"_id": value}
};

// `instance` must be ok() (no diagnostics).
LoweredInstance LowerInstance(const bound::Instance& instance);

// The request an encrypted path's stored value is encrypted with: the field's first `queries`
// entry (Indexed or Range with its effective options, or its text indexes), or Unindexed.
// `value` must already have the path's BSON type.
EncryptionRequest StoredValueRequest(const schema::EncryptedPath& path, uint32_t id,
                                     const bson_value_t& value);

}  // namespace querysafe::lower

#endif  // QUERYSAFE_LIB_LOWER_LOWERED_INSTANCE_H_
