// querysafe::ParseTree (querysafe/query.h): the parser's tree rendered for tools, so that they
// need no internal header. Both renderings are made here, while the arena that holds the tree is
// alive; neither is long next to the text it describes.
#include <exception>

#include "lib/common/arena.h"
#include "lib/common/diagnostic_util.h"
#include "lib/parse/parse.h"
#include "querysafe/query.h"

namespace querysafe {

ParseTreeResult ParseTree(std::string_view text) try {
  ParseTreeResult result;
  Arena arena;
  const ParseResult parsed = ParseQuery(text, ParseOptions{}, &arena);
  if (parsed.query == nullptr) {
    result.diagnostics = parsed.diagnostics;
    return result;
  }
  result.debug_string = DebugString(*parsed.query);
  result.json = QueryToJson(*parsed.query);
  return result;
} catch (const std::exception&) {
  ParseTreeResult result;
  result.diagnostics.push_back(ConfigurationDiagnostic(
      "internal.error", "querysafe failed internally: out of memory while parsing"));
  return result;
}

}  // namespace querysafe
