#include "tools/json_style.h"

#include "lib/common/bson_util.h"

namespace querysafe::cli {

namespace po = boost::program_options;

void AddJsonStyleFlags(po::options_description* options, JsonStyle* style, bool types,
                       bool pretty) {
  if (pretty) {
    options->add_options()("pretty", po::bool_switch(&style->pretty),
                           "indent the JSON output for reading (default: one line per value)");
  }
  if (types) {
    options->add_options()("canonical", po::bool_switch(&style->canonical),
                           "canonical Extended JSON, which keeps every BSON type (default: "
                           "relaxed, which prints Int32, Int64 and Double numbers as plain "
                           "numbers)");
  }
}

std::string StyledJson(std::string_view json, const JsonStyle& style) {
  return LayoutJson(json, style.pretty ? JsonLayout::kIndented : JsonLayout::kCompact);
}

std::string StyledJson(const bson_t* doc, const JsonStyle& style) {
  return StyledJson(style.canonical ? ToCanonicalJson(doc) : ToRelaxedJson(doc), style);
}

std::string StyledJsonArray(const bson_t* array, const JsonStyle& style) {
  char* json = style.canonical ? bson_array_as_canonical_extended_json(array, nullptr)
                               : bson_array_as_relaxed_extended_json(array, nullptr);
  const std::string out = StyledJson(json != nullptr ? std::string_view(json) : "[]", style);
  bson_free(json);
  return out;
}

}  // namespace querysafe::cli
