// Why: MongoDB cannot index an encrypted value, so an encrypted field can be
// neither unique nor indexed, and it cannot hold null (django-mongodb-backend's
// docs/ref/models/encrypted-fields.rst, "Limitations"). django-mongodb-backend's
// EncryptedFieldMixin.__init__ raises ValueError for each option (checked db_index, null, unique in
// that order, stopping at the first); querysafe reports every one that is set.
#include "lib/schema/checks/check.h"

namespace querysafe::schema {

void CheckEncryptedFieldOptions(const Field& field, CheckContext& ctx) {
  if (!field.encrypted) return;
  if (field.db_index) {
    ctx.sink.Error("schema.encrypted_db_index", "Encrypted fields do not support db_index=True.",
                   Loc(field.location, "db_index"));
  }
  if (field.null) {
    ctx.sink.Error("schema.encrypted_null", "Encrypted fields do not support null=True.",
                   Loc(field.location, "null"));
  }
  if (field.unique) {
    ctx.sink.Error("schema.encrypted_unique", "Encrypted fields do not support unique=True.",
                   Loc(field.location, "unique"));
  }
}

}  // namespace querysafe::schema
