// Lowering: a bound query becomes the MongoDB command that gives Django's answer, written with
// BsonWriter (lib/common/bson_writer.h) and handed over as a libbson document (README.md says
// why). Plaintext lookups lower as django-mongodb-backend lowers them (path form when the
// right-hand side is a constant, `$expr` only where needed); every encrypted predicate becomes a
// placeholder and an EncryptionRequest (lib/lower/encryption_request.h), placed exactly where
// the server expects its payload.
//
// Lowering has no user-error paths: the analyzer has rejected everything that cannot be lowered.
#ifndef QUERYSAFE_LIB_LOWER_LOWER_H_
#define QUERYSAFE_LIB_LOWER_LOWER_H_

#include <bson/bson.h>

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "lib/analyze/bound.h"
#include "lib/common/bson_util.h"
#include "lib/lower/encryption_request.h"

namespace querysafe::lower {

using Bindings = bound::Bindings;

enum class CommandKind : uint8_t { kFind, kAggregate, kCount, kUpdate, kDelete };
std::string_view CommandKindName(CommandKind kind);

struct Command {
  std::string database;
  std::string collection;
  std::string model;  // the Django model, for Django's messages (DoesNotExist...)
  CommandKind kind = CommandKind::kFind;
  // The command, with `{"$encrypt": {...}}` placeholders where payloads go.
  BsonDoc body;
  std::vector<EncryptionRequest> encryptions;

  // How to read the result.
  bound::Operation operation = bound::Operation::kSelect;
  bound::ResultShape shape = bound::ResultShape::kModels;
  std::vector<std::string> field_names;  // values()/values_list() output keys, in order
  std::string key_path;                  // in_bulk(): the field keying the result
};

// Lowers `query` with `bindings` for its parameters (empty for a query without any).
void Lower(const bound::Query& query, const Bindings& bindings, Command* out);

// `{"database", "collection", "command"}` as canonical Extended JSON (translate's output).
std::string CommandToJson(const Command& command);

}  // namespace querysafe::lower

#endif  // QUERYSAFE_LIB_LOWER_LOWER_H_
