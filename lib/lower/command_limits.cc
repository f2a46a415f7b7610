// MongoDB's limits on a command, checked on the command as written: the analyzer cannot know how
// large or deep the lowering of a filter is (XOR writes its operands twice, NOT adds a $nor
// around its clause, a pipeline wraps the filter in a stage). Without the check querysafe would
// send commands the server refuses, and its own JSON output would be deeper than libbson's JSON
// reader takes. Found by fuzzing (tests/data/regression/).

#include <format>

#include "lib/common/bson_util.h"
#include "lib/lower/lower.h"

namespace querysafe::lower {
namespace {

Diagnostic LimitDiagnostic(std::string code, std::string message, int32_t server_code, Span span) {
  Diagnostic d;
  d.category = Category::kDatabaseError;
  d.code = std::move(code);
  d.message = std::move(message);
  d.server_code = server_code;
  d.span = span;
  return d;
}

}  // namespace

std::optional<Diagnostic> CheckLimits(const Command& command, Span span) {
  const bson_t* body = command.body.get();
  if (command.too_large || body->len > kMaxCommandBytes) {
    // BSONObjectTooLarge: what the server answers a command over its maximum document size.
    return LimitDiagnostic(
        "query.command_too_large",
        command.too_large
            ? std::format("the {} command would be larger than MongoDB's maximum document size of "
                          "16 MiB (XOR expands each operand twice)",
                          CommandKindName(command.kind))
            : std::format("the {} command is {} bytes, larger than MongoDB's maximum document "
                          "size of 16 MiB",
                          CommandKindName(command.kind), body->len),
        10334, span);
  }
  const int depth = command.depth != 0 ? command.depth : BsonDepth(body, kMaxCommandDepth);
  if (depth > kMaxCommandDepth) {
    return LimitDiagnostic(
        "query.command_too_deep",
        std::format("the {} command nests documents more than {} levels deep, the most MongoDB "
                    "supports; nest fewer Q objects (~, |, ^ each add levels)",
                    CommandKindName(command.kind), kMaxCommandDepth),
        0, span);
  }
  return std::nullopt;
}

}  // namespace querysafe::lower
