// querysafe_capabilities and the linked libraries' versions: the C face of
// querysafe/capabilities.h.

#include "lib/crypt/capabilities.h"

#include <mongoc/mongoc.h>

#include "querysafe/querysafe.h"

extern "C" {

int querysafe_capabilities(void) {
  const querysafe::crypt::CryptCapabilities& c = querysafe::crypt::LinkedCapabilities();
  int bits = 0;
  if (c.range) bits |= QUERYSAFE_CAPABILITY_RANGE;
  if (c.text_preview) bits |= QUERYSAFE_CAPABILITY_TEXT_PREVIEW;
  if (c.text) bits |= QUERYSAFE_CAPABILITY_TEXT;
  if (c.text_substring) bits |= QUERYSAFE_CAPABILITY_TEXT_SUBSTRING;
  return bits;
}

const char* querysafe_libmongoc_version(void) { return mongoc_get_version(); }

const char* querysafe_libmongocrypt_version(void) {
  // A view of mongocrypt_version()'s static string, NUL-terminated.
  return querysafe::crypt::LinkedCapabilities().version.data();
}

}  // extern "C"
