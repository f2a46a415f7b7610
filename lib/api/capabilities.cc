// The capability report: lib/crypt detects what the linked libmongocrypt can encrypt; the
// versions come from the libraries loaded at run time.

#include "querysafe/capabilities.h"

#include <mongoc/mongoc.h>

#include <format>

#include "lib/crypt/capabilities.h"
#include "querysafe/version.h"

namespace querysafe {

Capabilities GetCapabilities() {
  const crypt::CryptCapabilities& linked = crypt::LinkedCapabilities();
  Capabilities c;
  c.querysafe_version = QUERYSAFE_VERSION_STRING;
  c.libmongoc_version = mongoc_get_version();
  c.libmongocrypt_version = std::string(linked.version);
  c.range = linked.range;
  c.text_preview = linked.text_preview;
  c.text = linked.text;
  c.text_substring = linked.text_substring;
  return c;
}

std::string CapabilitiesJson(const Capabilities& c) {
  // Versions are dotted numbers with Debian suffixes at most; nothing to escape but quotes.
  auto quoted = [](const std::string& s) {
    std::string out = "\"";
    for (char ch : s) {
      if (ch == '"' || ch == '\\') out += '\\';
      if (static_cast<unsigned char>(ch) >= 0x20) out += ch;
    }
    return out + "\"";
  };
  auto flag = [](bool b) { return b ? "true" : "false"; };
  return std::format(
      "{{\"querysafe\": {}, \"libmongoc\": {}, \"libmongocrypt\": {}, \"encrypts\": {{\"range\": "
      "{}, \"textPreview\": {}, \"text\": {}, \"textSubstring\": {}}}}}",
      quoted(c.querysafe_version), quoted(c.libmongoc_version), quoted(c.libmongocrypt_version),
      flag(c.range), flag(c.text_preview), flag(c.text), flag(c.text_substring));
}

}  // namespace querysafe
