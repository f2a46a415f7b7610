// Where libbson's JSON reader says its input went wrong. Its parse errors read
// `Got parse error at "x", position 15: "..."` with a byte offset (bson-json.c,
// `_bson_json_read_parse_error`). Only that form carries a position: other messages quote the input
// ("Number \"...\" is invalid"), and input may well contain the word "position" followed by
// digits, so a plain search for it would point anywhere (a schema fuzz finding).
#ifndef QUERYSAFE_LIB_COMMON_JSON_ERROR_H_
#define QUERYSAFE_LIB_COMMON_JSON_ERROR_H_

#include <charconv>
#include <cstddef>
#include <optional>
#include <string_view>
#include <system_error>

namespace querysafe {

// The byte offset in libbson's own parse-error form, or nullopt for any other message.
inline std::optional<size_t> JsonErrorOffset(std::string_view message) {
  constexpr std::string_view kPrefix = "Got parse error at \"";
  constexpr std::string_view kPosition = "\", position ";
  if (!message.starts_with(kPrefix) || message.size() < kPrefix.size() + 1) return std::nullopt;
  std::string_view rest = message.substr(kPrefix.size() + 1);  // the one quoted byte
  if (!rest.starts_with(kPosition)) return std::nullopt;
  rest.remove_prefix(kPosition.size());
  size_t value = 0;
  auto [end, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), value);
  if (ec != std::errc() || end == rest.data()) return std::nullopt;
  return value;
}

}  // namespace querysafe

#endif  // QUERYSAFE_LIB_COMMON_JSON_ERROR_H_
