// Finds where a schema diagnostic's `location` ("models.Patient.fields.ssn.queries",
// "models.Patient.indexes.0") is in the schema's JSON text, so that rule violations get a line,
// a column and a caret like syntax errors do. The checks work on the BSON libbson made from the
// text, which keeps no offsets; this walks the text again instead, only for failed loads.
#ifndef QUERYSAFE_LIB_SCHEMA_JSON_LOCATE_H_
#define QUERYSAFE_LIB_SCHEMA_JSON_LOCATE_H_

#include <string_view>

#include "querysafe/diagnostic.h"

namespace querysafe::schema {

// The span of the value at `location` in `json` (text libbson already accepted): a scalar's
// whole token, or a container's member key ("fields") or opening bracket. When the location
// names something absent (a missing key), the span of its deepest present ancestor. Segments
// are object keys (a key may itself contain dots: the longest key that matches wins) or array
// indexes. An empty span if `json` is not a JSON object.
Span LocateJsonPath(std::string_view json, std::string_view location);

}  // namespace querysafe::schema

#endif  // QUERYSAFE_LIB_SCHEMA_JSON_LOCATE_H_
