// What the linked libmongocrypt can encrypt. The API is detected when querysafe is configured
// (lib/crypt/CMakeLists.txt checks libmongocrypt's header for the text algorithm's function and
// its query type names), not guessed from version strings; the running library's version only
// decides the behaviour changes that have no symbol of their own (the inverted case/diacritic
// options before 1.18.1, and the 8.2 previews' removal in 1.21.0).
#ifndef QUERYSAFE_LIB_CRYPT_CAPABILITIES_H_
#define QUERYSAFE_LIB_CRYPT_CAPABILITIES_H_

#include <string_view>

namespace querysafe::crypt {

struct CryptCapabilities {
  std::string_view version;  // mongocrypt_version(): the library actually loaded
  bool range = false;        // the "range" query type (libmongocrypt 1.10+; 8.0 servers)
  // mongocrypt_ctx_setopt_algorithm_text and the 8.2 preview query types (1.15 to 1.20).
  bool text_preview = false;
  // The linked libmongocrypt once had the previews and dropped them (1.21.0; prefixPreview and
  // suffixPreview also in 1.19.0 alone): what to say when a preview cannot be encrypted.
  bool text_preview_removed = false;
  // The "string" algorithm with the 9.0 "prefix" and "suffix" query types (1.19+).
  bool text = false;
  // The 9.0 "substring" query type (1.20+).
  bool text_substring = false;
  // libmongocrypt's explicit text options (caseSensitive, diacriticSensitive) meant the
  // opposite before MONGOCRYPT-903 (fixed in 1.18.1): they must be inverted to get the payload
  // the server expects.
  bool text_options_inverted = false;
  // The algorithm name for the text types: "string" from 1.19, "textPreview" before.
  std::string_view text_algorithm;
};

// The capabilities of the libmongocrypt this build links. Cheap; the answer never changes.
const CryptCapabilities& LinkedCapabilities();

}  // namespace querysafe::crypt

#endif  // QUERYSAFE_LIB_CRYPT_CAPABILITIES_H_
