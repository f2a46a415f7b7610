// File: querysafe/capabilities.h
//
// What this build of querysafe can do, decided by the libraries it is linked with: the versions
// of libmongoc and libmongocrypt, and which Queryable Encryption query types the linked
// libmongocrypt can encrypt. Every query type can be checked and translated whatever is linked;
// these say what `Encryptor::Explain` and `Client::Run` can encrypt.
//
//   range          "range" finds (libmongocrypt 1.10+; MongoDB 8.0+)
//   text_preview   prefixPreview, suffixPreview, substringPreview (libmongocrypt 1.15 to 1.20:
//                  1.21 removed them; MongoDB 8.2, and 9.0 for collections created with them)
//   text           prefix and suffix (libmongocrypt 1.19+; MongoDB 9.0+)
//   text_substring substring (libmongocrypt 1.20+; MongoDB 9.0+)
#ifndef QUERYSAFE_CAPABILITIES_H_
#define QUERYSAFE_CAPABILITIES_H_

#include <string>

#include "querysafe/export.h"

namespace querysafe {

struct Capabilities {
  std::string querysafe_version;      // "MAJOR.MINOR.PATCH"
  std::string libmongoc_version;      // the libmongoc loaded at run time
  std::string libmongocrypt_version;  // the libmongocrypt loaded at run time
  bool range = false;
  bool text_preview = false;
  bool text = false;
  bool text_substring = false;
};

// The same answer on every call.
QUERYSAFE_EXPORT Capabilities GetCapabilities();

// {"querysafe": ..., "libmongoc": ..., "libmongocrypt": ..., "encrypts": {"range": true,
//  "textPreview": false, "text": false, "textSubstring": false}}
QUERYSAFE_EXPORT std::string CapabilitiesJson(const Capabilities& capabilities);

}  // namespace querysafe

#endif  // QUERYSAFE_CAPABILITIES_H_
