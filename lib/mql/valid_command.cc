#include "lib/mql/valid_command.h"

#include <cstdint>
#include <cstring>
#include <vector>

#include "absl/container/inlined_vector.h"

namespace querysafe::mql {
namespace {

bool Validate(const uint8_t* data, size_t len) {
  bson_t doc;
  size_t bad = 0;
  return bson_init_static(&doc, data, len) && bson_validate(&doc, BSON_VALIDATE_NONE, &bad);
}

}  // namespace

// A command carries its collection's whole encryptionInformation: most of its bytes, and
// usually the same bytes from one call to the next. Validating them again on every call was a
// third of an analysis (callgrind, a find with one equality and one range predicate: ~12,000 of
// ~36,000 instructions). So a top-level encryptionInformation document is validated apart, and
// not again while its bytes equal the last ones this thread validated; the rest of the command
// (every other top-level element, copied into a document of its own) is validated on every
// call. Validity of a document does not depend on where it is nested, so the two checks
// together judge what one bson_validate of the whole command judges. Any other shape (explain,
// bulkWrite's nsInfo, no encryptionInformation) is validated whole.
bool ValidCommand(const bson_t* cmd) {
  const uint8_t* data = bson_get_data(cmd);
  const size_t len = cmd->len;
  bson_iter_t it;
  // bson_iter_init_find walks the top level up to the element, bounds-checking each element's
  // length; an element that does not fit ends the walk (and the whole command is validated).
  if (!bson_iter_init_find(&it, cmd, "encryptionInformation") || !BSON_ITER_HOLDS_DOCUMENT(&it)) {
    return Validate(data, len);
  }
  const uint8_t* info = nullptr;
  uint32_t info_len = 0;
  bson_iter_document(&it, &info_len, &info);
  // The element: its type byte (before the key), then through the end of its document.
  const auto* key = reinterpret_cast<const uint8_t*>(bson_iter_key(&it));
  if (info == nullptr || key <= data + 4 || info + info_len > data + len - 1) {
    return Validate(data, len);
  }
  const size_t start = static_cast<size_t>(key - 1 - data);
  const size_t end = static_cast<size_t>(info + info_len - data);
  // The rest, on the stack unless the command is large.
  absl::InlinedVector<uint8_t, 1024> rest(len - (end - start));
  const uint32_t rest_len = BSON_UINT32_TO_LE(static_cast<uint32_t>(rest.size()));
  std::memcpy(rest.data(), &rest_len, 4);
  std::memcpy(rest.data() + 4, data + 4, start - 4);
  std::memcpy(rest.data() + start, data + end, len - end);
  if (!Validate(rest.data(), rest.size())) return false;

  thread_local std::vector<uint8_t> validated;
  if (validated.size() == info_len && std::memcmp(validated.data(), info, info_len) == 0) {
    return true;
  }
  if (!Validate(info, info_len)) return false;
  validated.assign(info, info + info_len);
  return true;
}

}  // namespace querysafe::mql
