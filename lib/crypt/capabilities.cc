#include "lib/crypt/capabilities.h"

#include <cstdio>

#include "lib/crypt/mongocrypt_util.h"

namespace querysafe::crypt {
namespace {

// "1.18.0", "1.13.2-1+deb13u2"... -> true if before (major, minor, patch).
[[maybe_unused]] bool VersionBefore(const char* version, int major, int minor, int patch) {
  int a = 0, b = 0, c = 0;
  if (version == nullptr || std::sscanf(version, "%d.%d.%d", &a, &b, &c) < 2) return false;
  if (a != major) return a < major;
  if (b != minor) return b < minor;
  return c < patch;
}

CryptCapabilities Detect() {
  CryptCapabilities c;
  const char* version = mongocrypt_version(nullptr);
  c.version = version == nullptr ? "" : version;
#ifdef QUERYSAFE_HAVE_MONGOCRYPT_RANGE
  c.range = true;
#endif
#ifdef QUERYSAFE_HAVE_MONGOCRYPT_TEXT
  // libmongocrypt's CHANGELOG: 1.19.0 removed prefixPreview and suffixPreview, 1.19.1 restored
  // them, and 1.21.0 removed all three previews ("Query type 'prefixPreview' is deprecated,
  // please use 'prefix'" from mongocrypt_ctx_setopt_query_type). The headers keep their names,
  // so only the running version tells.
  c.text_preview_removed = !VersionBefore(version, 1, 21, 0) ||
                           (!VersionBefore(version, 1, 19, 0) && VersionBefore(version, 1, 19, 1));
  c.text_preview = !c.text_preview_removed;
  c.text_algorithm = "textPreview";
  c.text_options_inverted = VersionBefore(version, 1, 18, 1);
#endif
#ifdef QUERYSAFE_HAVE_MONGOCRYPT_STRING_ALGORITHM
  c.text = true;
  c.text_algorithm = "string";
#endif
#ifdef QUERYSAFE_HAVE_MONGOCRYPT_SUBSTRING
  c.text_substring = c.text;
#endif
  return c;
}

}  // namespace

const CryptCapabilities& LinkedCapabilities() {
  static const CryptCapabilities capabilities = Detect();
  return capabilities;
}

}  // namespace querysafe::crypt
