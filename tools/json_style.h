// One JSON style for every command's output: relaxed Extended JSON v2 (MongoDB's "Extended JSON
// v2" specification, the mode mongosh and mongoexport print), compact on one line, so that a
// pipeline can read each output line as one value. `--pretty` indents it for a person reading
// it; `--canonical`, on the commands whose values carry BSON types, prints canonical Extended
// JSON, which keeps every type (relaxed writes an Int32 and an Int64 alike as a plain number).
//
// The one exception is `schema encrypted-fields`, which prints exactly what
// django-mongodb-backend's showencryptedfieldsmap prints, so that the two can be diffed.
#ifndef QUERYSAFE_TOOLS_JSON_STYLE_H_
#define QUERYSAFE_TOOLS_JSON_STYLE_H_

#include <bson/bson.h>

#include <boost/program_options.hpp>
#include <string>
#include <string_view>

namespace querysafe::cli {

struct JsonStyle {
  bool pretty = false;
  bool canonical = false;
};

// Adds --pretty (unless the output is JSON Lines, one value a line by contract), and --canonical
// when `types` (the command prints BSON values whose types matter).
void AddJsonStyleFlags(boost::program_options::options_description* options, JsonStyle* style,
                       bool types, bool pretty = true);

// A document, an array (its elements' keys dropped) or any JSON text (laid out again).
std::string StyledJson(const bson_t* doc, const JsonStyle& style);
std::string StyledJsonArray(const bson_t* array, const JsonStyle& style);
std::string StyledJson(std::string_view json, const JsonStyle& style);

}  // namespace querysafe::cli

#endif  // QUERYSAFE_TOOLS_JSON_STYLE_H_
