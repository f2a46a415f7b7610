// JSON strings for the two outputs libbson's writer cannot produce byte for byte, both kept as
// their users read them:
//   - the encryptedFields map as django-mongodb-backend's showencryptedfieldsmap prints it
//     (Python's json.dumps with ensure_ascii: lib/schema/python_json.cc), which a user diffs
//     against Django's;
//   - the parse tree (`querysafe parse --format json`, lib/parse/json.cc), whose strings escape
//     every control character as \u00XX.
// Every other JSON output is libbson's (bson_as_relaxed/canonical_extended_json, laid out by
// LayoutJson). Measured with libbson 1.30.4's bson_as_relaxed_extended_json: a newline is "\n"
// (the parse tree writes \u000a), DEL, "é" and U+1F600 pass through unescaped (json.dumps writes
// \u007f, \u00e9, \ud83d\ude00), and doubles are printed with %.20g (0.1 as
// 0.10000000000000000555, 1e16 as 10000000000000000.0, where Python prints 0.1 and 1e+16: see
// python_repr.h). One escaper serves both, with the dialect named.
#ifndef QUERYSAFE_LIB_COMMON_JSON_TEXT_H_
#define QUERYSAFE_LIB_COMMON_JSON_TEXT_H_

#include <cstdint>
#include <string>
#include <string_view>

namespace querysafe {

enum class JsonEscapes : uint8_t {
  // json.dumps(ensure_ascii=True): \" \\ \n \r \t \b \f, every other character outside ' '..'~'
  // as \uXXXX in lowercase hex (UTF-16 surrogate pairs above U+FFFF); a byte that does not
  // start a valid UTF-8 sequence is U+FFFD.
  kPythonAscii,
  // \" and \\, and every byte below 0x20 and DEL as \u00XX; everything else as it is.
  kControlCodes,
};

// Appends `s` as a quoted JSON string.
void AppendJsonString(std::string_view s, JsonEscapes escapes, std::string* out);

}  // namespace querysafe

#endif  // QUERYSAFE_LIB_COMMON_JSON_TEXT_H_
