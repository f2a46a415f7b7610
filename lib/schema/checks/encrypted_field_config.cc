// Why: the server's validateEncryptedFieldConfig refuses a collection whose
// encryptedFields encrypt `_id` (or inside it), list a path twice, or list a
// path and a prefix of it: a value cannot be encrypted inside an encrypted
// value. With db_column, two models' columns can produce any of these; the
// codes and messages are the server's.
#include <format>
#include <string_view>

#include "lib/schema/checks/check.h"

namespace querysafe::schema {
namespace {

std::string_view FirstPart(std::string_view path) { return path.substr(0, path.find('.')); }

// FieldRef::fullyOverlapsWith: one path equals the other or is a prefix of it
// by components.
bool Overlaps(std::string_view a, std::string_view b) {
  if (a.size() > b.size()) std::swap(a, b);
  return b.starts_with(a) && (a.size() == b.size() || b[a.size()] == '.');
}

}  // namespace

void CheckEncryptedFieldConfig(const Model& model, CheckContext& ctx) {
  const auto& paths = model.encrypted_paths;
  for (size_t i = 0; i < paths.size(); ++i) {
    const std::string& path = paths[i].path;
    const std::string& location = paths[i].field->location;
    if (FirstPart(path) == "_id") {
      ctx.Server(6316403, "Cannot encrypt _id or its subfields", location);
    }
    for (size_t j = 0; j < i; ++j) {
      if (paths[j].path == path) {
        ctx.Server(6338402, "Duplicate paths are not allowed", location);
        break;
      }
      if (Overlaps(paths[j].path, path)) {
        ctx.Server(6338403,
                   std::format("Conflicting index paths found as one is a "
                               "prefix of another '{}' "
                               "and '{}'",
                               path, paths[j].path),
                   location);
        break;
      }
    }
  }
}

}  // namespace querysafe::schema
