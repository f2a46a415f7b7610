// Turns the schema file's text into BSON with libbson's Extended JSON reader,
// reporting every way the text can be unusable as a diagnostic with its byte
// offset: not JSON, not an object, more than one value, invalid UTF-8, nesting
// past libbson's limit, and numbers libbson cannot hold.
#ifndef QUERYSAFE_LIB_SCHEMA_JSON_INPUT_H_
#define QUERYSAFE_LIB_SCHEMA_JSON_INPUT_H_

#include <optional>
#include <string_view>

#include "lib/common/bson_util.h"
#include "lib/schema/diagnostic_sink.h"

namespace querysafe::schema {

// The document, or nullopt with at least one diagnostic in `sink`.
std::optional<BsonDoc> ParseSchemaJson(std::string_view text, DiagnosticSink& sink);

}  // namespace querysafe::schema

#endif  // QUERYSAFE_LIB_SCHEMA_JSON_INPUT_H_
