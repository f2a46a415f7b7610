#include "lib/crypt/kms_providers.h"

#include <sys/random.h>

#include <cerrno>
#include <cstring>
#include <format>
#include <fstream>
#include <iterator>
#include <string>

#include "absl/strings/escaping.h"

namespace querysafe::crypt {
namespace {

// Anything larger is not a key file; reading it whole would only waste memory.
constexpr size_t kMaxKeyFileSize = 64 * 1024;

bool IsBase64Space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

// Decodes base64 text of a 96-byte key; `what` names the source in errors.
absl::StatusOr<std::string> DecodeKeyText(std::string_view text, std::string_view what) {
  std::string compact;
  compact.reserve(text.size());
  for (char c : text) {
    if (!IsBase64Space(c)) compact.push_back(c);
  }
  if (compact.empty()) {
    return absl::InvalidArgumentError(
        std::format("{} is empty; a local master key is {} bytes, given as "
                    "base64 text or '@FILE'",
                    what, kLocalMasterKeySize));
  }
  std::string key;
  if (!absl::Base64Unescape(compact, &key)) {
    return absl::InvalidArgumentError(
        std::format("{} is not valid base64; a local master key is {} bytes, "
                    "given as base64 text (128 "
                    "characters) or '@FILE'",
                    what, kLocalMasterKeySize));
  }
  if (key.size() != kLocalMasterKeySize) {
    return absl::InvalidArgumentError(
        std::format("{} decodes to {} bytes; a local master key must be exactly {} bytes", what,
                    key.size(), kLocalMasterKeySize));
  }
  return key;
}

absl::StatusOr<std::string> ReadKeyFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::NotFoundError(
        std::format("cannot read local master key file '{}': {}", path, std::strerror(errno)));
  }
  std::string data;
  char buffer[4096];
  while (in.read(buffer, sizeof(buffer)) || in.gcount() > 0) {
    data.append(buffer, static_cast<size_t>(in.gcount()));
    if (data.size() > kMaxKeyFileSize) {
      return absl::InvalidArgumentError(
          std::format("local master key file '{}' is larger than {} bytes; it "
                      "must hold the {} key bytes or "
                      "their base64 text",
                      path, kMaxKeyFileSize, kLocalMasterKeySize));
    }
  }
  if (in.bad()) {
    return absl::DataLossError(std::format("error reading local master key file '{}'", path));
  }
  return data;
}

bool IsKnownProviderType(std::string_view type) {
  return type == "aws" || type == "azure" || type == "gcp" || type == "kmip" || type == "local";
}

// "aws:prod" -> "aws"; "aws" -> "aws".
std::string_view ProviderType(std::string_view name) { return name.substr(0, name.find(':')); }

absl::Status CheckProviderName(std::string_view name) {
  std::string_view type = ProviderType(name);
  if (!IsKnownProviderType(type)) {
    return absl::InvalidArgumentError(
        std::format("unknown KMS provider '{}': expected aws, azure, gcp, kmip "
                    "or local (optionally named, "
                    "as 'local:<name>')",
                    name));
  }
  if (name.size() == type.size() + 1) {  // "local:"
    return absl::InvalidArgumentError(
        std::format("KMS provider '{}' has an empty name after ':'", name));
  }
  return absl::OkStatus();
}

// Validates a local provider's options and returns them with the key as binary.
absl::StatusOr<BsonDoc> NormalizeLocal(std::string_view name, const bson_t* options) {
  bson_iter_t iter;
  std::string key;
  bool has_key = false;
  if (!bson_iter_init(&iter, options)) {
    return absl::InvalidArgumentError(std::format("KMS provider '{}': invalid BSON", name));
  }
  while (bson_iter_next(&iter)) {
    std::string_view field = bson_iter_key(&iter);
    if (field != "key") {
      return absl::InvalidArgumentError(
          std::format("KMS provider '{}': unexpected option '{}' (a local "
                      "provider has only 'key')",
                      name, field));
    }
    has_key = true;
    if (BSON_ITER_HOLDS_BINARY(&iter)) {
      bson_subtype_t subtype;
      uint32_t len = 0;
      const uint8_t* data = nullptr;
      bson_iter_binary(&iter, &subtype, &len, &data);
      if (len != kLocalMasterKeySize) {
        return absl::InvalidArgumentError(
            std::format("KMS provider '{}': the key is {} bytes; a local "
                        "master key must be exactly {} bytes",
                        name, len, kLocalMasterKeySize));
      }
      key.assign(reinterpret_cast<const char*>(data), len);
    } else if (BSON_ITER_HOLDS_UTF8(&iter)) {
      uint32_t len = 0;
      const char* text = bson_iter_utf8(&iter, &len);
      absl::StatusOr<std::string> decoded =
          DecodeKeyText(std::string_view(text, len), std::format("KMS provider '{}' key", name));
      if (!decoded.ok()) return decoded.status();
      key = *std::move(decoded);
    } else {
      return absl::InvalidArgumentError(
          std::format("KMS provider '{}': 'key' must be binary or base64 text of {} bytes", name,
                      kLocalMasterKeySize));
    }
  }
  if (!has_key) {
    return absl::InvalidArgumentError(std::format("KMS provider '{}' has no 'key'", name));
  }
  BsonDoc out;
  bson_append_binary(out.get(), "key", 3, BSON_SUBTYPE_BINARY,
                     reinterpret_cast<const uint8_t*>(key.data()),
                     static_cast<uint32_t>(key.size()));
  return out;
}

}  // namespace

absl::StatusOr<std::string> ParseLocalMasterKey(std::string_view argument) {
  if (!argument.empty() && argument.front() == '@') {
    std::string path(argument.substr(1));
    if (path.empty()) {
      return absl::InvalidArgumentError("'@' must be followed by the path of a key file");
    }
    absl::StatusOr<std::string> data = ReadKeyFile(path);
    if (!data.ok()) return data.status();
    if (data->size() == kLocalMasterKeySize) return *std::move(data);
    return DecodeKeyText(*data, std::format("local master key file '{}'", path));
  }
  return DecodeKeyText(argument, "the local master key");
}

absl::StatusOr<std::string> NewLocalMasterKey() {
  std::string key(kLocalMasterKeySize, '\0');
  size_t filled = 0;
  while (filled < key.size()) {
    ssize_t got = getrandom(key.data() + filled, key.size() - filled, 0);
    if (got < 0) {
      if (errno == EINTR) continue;
      return absl::UnavailableError(
          std::format("cannot get random bytes from the system: {}", std::strerror(errno)));
    }
    filled += static_cast<size_t>(got);
  }
  return key;
}

std::string Base64Encode(std::string_view bytes) { return absl::Base64Escape(std::string(bytes)); }

absl::StatusOr<KmsProviders> KmsProviders::Local(std::span<const uint8_t> key) {
  BsonDoc options;
  bson_append_binary(options.get(), "key", 3, BSON_SUBTYPE_BINARY, key.data(),
                     static_cast<uint32_t>(key.size()));
  KmsProviders providers;
  absl::Status status = providers.Set("local", options.get());
  if (!status.ok()) return status;
  return providers;
}

absl::StatusOr<KmsProviders> KmsProviders::FromLocalKeyArgument(std::string_view argument) {
  absl::StatusOr<std::string> key = ParseLocalMasterKey(argument);
  if (!key.ok()) return key.status();
  return Local(
      std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(key->data()), key->size()));
}

absl::StatusOr<KmsProviders> KmsProviders::FromDocument(const bson_t* document) {
  KmsProviders providers;
  bson_iter_t iter;
  if (!bson_iter_init(&iter, document)) {
    return absl::InvalidArgumentError("kms_providers: invalid BSON");
  }
  while (bson_iter_next(&iter)) {
    std::string_view name = bson_iter_key(&iter);
    if (!BSON_ITER_HOLDS_DOCUMENT(&iter)) {
      return absl::InvalidArgumentError(
          std::format("KMS provider '{}': options must be a document", name));
    }
    uint32_t len = 0;
    const uint8_t* data = nullptr;
    bson_iter_document(&iter, &len, &data);
    BsonDoc options;
    if (!BsonDoc::FromBytes(data, len, &options)) {
      return absl::InvalidArgumentError(std::format("KMS provider '{}': invalid BSON", name));
    }
    absl::Status status = providers.Set(name, options.get());
    if (!status.ok()) return status;
  }
  return providers;
}

absl::Status KmsProviders::Set(std::string_view name, const bson_t* options) {
  absl::Status status = CheckProviderName(name);
  if (!status.ok()) return status;
  BsonDoc normalized(options);
  if (IsLocal(name)) {
    absl::StatusOr<BsonDoc> local = NormalizeLocal(name, options);
    if (!local.ok()) return local.status();
    normalized = *std::move(local);
  }
  BsonDoc rebuilt;
  bson_iter_t iter;
  if (bson_iter_init(&iter, document_.get())) {
    while (bson_iter_next(&iter)) {
      if (std::string_view(bson_iter_key(&iter)) == name) continue;
      bson_append_iter(rebuilt.get(), nullptr, 0, &iter);
    }
  }
  bson_append_document(rebuilt.get(), name.data(), static_cast<int>(name.size()), normalized.get());
  document_ = std::move(rebuilt);
  return absl::OkStatus();
}

bool KmsProviders::Has(std::string_view name) const {
  bson_iter_t iter;
  if (!bson_iter_init(&iter, document_.get())) return false;
  while (bson_iter_next(&iter)) {
    if (std::string_view(bson_iter_key(&iter)) == name) return true;
  }
  return false;
}

std::vector<std::string> KmsProviders::Names() const {
  std::vector<std::string> names;
  bson_iter_t iter;
  if (!bson_iter_init(&iter, document_.get())) return names;
  while (bson_iter_next(&iter)) names.emplace_back(bson_iter_key(&iter));
  return names;
}

bool KmsProviders::IsLocal(std::string_view provider) { return ProviderType(provider) == "local"; }

}  // namespace querysafe::crypt
