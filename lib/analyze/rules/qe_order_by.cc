// Why: the server cannot order ciphertext meaningfully, and a find command's `sort` is not
// analysed by query analysis (it would sort on ciphertext bytes). django-mongodb-backend sorts
// through `$addFields {value: "$value"}`, which query analysis rejects with 6316401, the message
// the seed documents for order_by(). A model's default `ordering` on an encrypted field breaks
// every query of the model the same way, so it is checked here too. Sorting on a sub-document
// that contains encrypted fields sorts on their ciphertext as well, so prefixes count.

#include "lib/analyze/rules/rules.h"

namespace querysafe::analyze::rules {
namespace {

// True if `path` is an encrypted field of the collection or a prefix of one.
bool TouchesEncrypted(const schema::Model& collection, std::string_view path) {
  for (const schema::EncryptedPath& p : collection.encrypted_paths) {
    if (p.path == path) return true;
    if (p.path.size() > path.size() && p.path.compare(0, path.size(), path) == 0 &&
        p.path[path.size()] == '.') {
      return true;
    }
  }
  return false;
}

}  // namespace

bool CheckOrderBy(Context& ctx, const schema::Model& collection, const bound::FieldRef& field,
                  Span span) {
  if (!field.is_encrypted() && !TouchesEncrypted(collection, ServerPath(field))) return true;
  ctx.Report(Category::kNotSupportedError, "qe.order_by_encrypted",
             "Cannot add an encrypted field as a prefix of another encrypted field", span, 6316401);
  return false;
}

}  // namespace querysafe::analyze::rules
