// Lowering: a bound query becomes the MongoDB command that gives Django's answer, written with
// BsonWriter (lib/common/bson_writer.h) and handed over as a libbson document (README.md says
// why). Plaintext lookups lower as django-mongodb-backend lowers them (path form when the
// right-hand side is a constant, `$expr` only where needed); every encrypted predicate becomes a
// placeholder and an EncryptionRequest (lib/lower/encryption_request.h), placed exactly where
// the server expects its payload.
//
// Lowering has one user-error path, the limits of MongoDB on a command (16 MiB, 100 levels of
// nesting), which only the written command shows exactly: CheckLimits() reports it. Everything
// else that cannot be lowered the analyzer has rejected.
#ifndef QUERYSAFE_LIB_LOWER_LOWER_H_
#define QUERYSAFE_LIB_LOWER_LOWER_H_

#include <bson/bson.h>

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "lib/analyze/bound.h"
#include "lib/common/bson_util.h"
#include "lib/lower/encryption_request.h"
#include "querysafe/diagnostic.h"

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
  // Lowering stopped writing because the command was past kMaxCommandBytes already (an XOR
  // writes its operands twice, so nested ones grow exponentially); `body` is incomplete.
  bool too_large = false;
  // The nesting of `body` as Lower() wrote it (1: a document without subdocuments), so that
  // CheckLimits need not walk it; 0 when unknown (a command rebuilt elsewhere, as explain's
  // encrypted one), and CheckLimits measures it.
  int depth = 0;
};

// MongoDB's documented limits on a document, which a command is: the server refuses a larger
// one, and guarantees queries only up to that nesting (its match-expression parser and BSON
// depth checks refuse deeper ones). The command document itself is level 1.
inline constexpr uint32_t kMaxCommandBytes = 16 * 1024 * 1024;
inline constexpr int kMaxCommandDepth = 100;

// Lowers `query` with `bindings` for its parameters (empty for a query without any).
void Lower(const bound::Query& query, const Bindings& bindings, Command* out);

// The diagnostic for a command past MongoDB's limits (too_large, more than kMaxCommandBytes, or
// nested deeper than kMaxCommandDepth), at `span` (the query); nullopt when it is within them.
// Translate and Explain (whose payloads make the command larger) check every command they return.
std::optional<Diagnostic> CheckLimits(const Command& command, Span span);

// `{"database", "collection", "command"}` as canonical Extended JSON (translate's output).
std::string CommandToJson(const Command& command);

}  // namespace querysafe::lower

#endif  // QUERYSAFE_LIB_LOWER_LOWER_H_
