#include "lib/crypt/key_source.h"

#include <algorithm>
#include <format>
#include <string>

#include "absl/status/status.h"

namespace querysafe::crypt {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool IsDashPosition(size_t i) { return i == 8 || i == 13 || i == 18 || i == 23; }

}  // namespace

std::string KeyIdToString(const KeyId& id) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(36);
  for (size_t i = 0; i < id.size(); ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out.push_back('-');
    out.push_back(kHex[id[i] >> 4]);
    out.push_back(kHex[id[i] & 0xF]);
  }
  return out;
}

std::optional<KeyId> KeyIdFromString(std::string_view text) {
  if (text.size() != 36) return std::nullopt;
  KeyId id{};
  size_t byte = 0;
  for (size_t i = 0; i < text.size();) {
    if (IsDashPosition(i)) {
      if (text[i] != '-') return std::nullopt;
      ++i;
      continue;
    }
    int high = HexValue(text[i]);
    int low = HexValue(text[i + 1]);
    if (high < 0 || low < 0) return std::nullopt;
    id[byte++] = static_cast<uint8_t>(high << 4 | low);
    i += 2;
  }
  return id;
}

std::string KeyDocumentInfo::DisplayName() const {
  return alt_names.empty() ? KeyIdToString(id) : alt_names.front();
}

absl::StatusOr<KeyDocumentInfo> InspectKeyDocument(const bson_t* document) {
  KeyDocumentInfo info;
  bson_iter_t iter;
  bool has_id = false, has_material = false, has_master_key = false;
  if (!bson_iter_init(&iter, document)) {
    return absl::InvalidArgumentError("data key document: invalid BSON");
  }
  while (bson_iter_next(&iter)) {
    std::string_view field = bson_iter_key(&iter);
    if (field == "_id") {
      bson_subtype_t subtype = BSON_SUBTYPE_BINARY;
      uint32_t len = 0;
      const uint8_t* data = nullptr;
      if (BSON_ITER_HOLDS_BINARY(&iter)) bson_iter_binary(&iter, &subtype, &len, &data);
      if (!BSON_ITER_HOLDS_BINARY(&iter) || subtype != BSON_SUBTYPE_UUID || len != 16) {
        return absl::InvalidArgumentError(
            "data key document: '_id' must be a UUID (binary subtype 4, 16 "
            "bytes)");
      }
      std::copy(data, data + len, info.id.begin());
      has_id = true;
    } else if (field == "keyMaterial") {
      if (!BSON_ITER_HOLDS_BINARY(&iter)) {
        return absl::InvalidArgumentError("data key document: 'keyMaterial' must be binary");
      }
      has_material = true;
    } else if (field == "masterKey") {
      bson_iter_t child;
      if (!BSON_ITER_HOLDS_DOCUMENT(&iter) || !bson_iter_recurse(&iter, &child) ||
          !bson_iter_find(&child, "provider") || !BSON_ITER_HOLDS_UTF8(&child)) {
        return absl::InvalidArgumentError(
            "data key document: 'masterKey' must be a document with a string "
            "'provider'");
      }
      info.provider = bson_iter_utf8(&child, nullptr);
      has_master_key = true;
    } else if (field == "keyAltNames") {
      bson_iter_t child;
      if (!BSON_ITER_HOLDS_ARRAY(&iter) || !bson_iter_recurse(&iter, &child)) {
        return absl::InvalidArgumentError(
            "data key document: 'keyAltNames' must be an array of strings");
      }
      while (bson_iter_next(&child)) {
        if (!BSON_ITER_HOLDS_UTF8(&child)) {
          return absl::InvalidArgumentError(
              "data key document: 'keyAltNames' must be an array of strings");
        }
        std::string name = bson_iter_utf8(&child, nullptr);
        if (std::find(info.alt_names.begin(), info.alt_names.end(), name) != info.alt_names.end()) {
          return absl::InvalidArgumentError(
              std::format("data key document: key alt name '{}' appears twice", name));
        }
        info.alt_names.push_back(std::move(name));
      }
    }
  }
  if (!has_id) return absl::InvalidArgumentError("data key document has no '_id'");
  std::string name = info.DisplayName();
  if (!has_material) {
    return absl::InvalidArgumentError(std::format("data key '{}' has no 'keyMaterial'", name));
  }
  if (!has_master_key) {
    return absl::InvalidArgumentError(std::format("data key '{}' has no 'masterKey'", name));
  }
  return info;
}

}  // namespace querysafe::crypt
