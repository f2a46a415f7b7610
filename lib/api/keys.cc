// The C++ API's key functions (querysafe/keys.h): lib/crypt's data keys and key vault files
// behind the public header, every failure a diagnostic (ImproperlyConfigured: a key setting or
// file that is wrong). No exception leaves: the allocations are the only thing that can throw,
// and a failed one is reported as a diagnostic too.
#include "querysafe/keys.h"

#include <exception>
#include <format>

#include "absl/status/status.h"
#include "lib/common/diagnostic_util.h"
#include "lib/crypt/data_key.h"
#include "lib/crypt/key_source.h"
#include "lib/crypt/key_vault_file.h"
#include "lib/crypt/kms_providers.h"

namespace querysafe {
namespace {

Diagnostic KeyError(std::string code, const absl::Status& status) {
  return ConfigurationDiagnostic(std::move(code), std::string(status.message()));
}

KeyInfo ToPublic(const crypt::KeyDocumentInfo& info) {
  return KeyInfo{crypt::KeyIdToString(info.id), info.alt_names, info.provider, info.DisplayName()};
}

// Fills `out` from documents that came out of libmongocrypt or a key vault file.
void Describe(std::span<const BsonDoc> documents, KeysResult* out) {
  for (const BsonDoc& key : documents) {
    absl::StatusOr<crypt::KeyDocumentInfo> info = crypt::InspectKeyDocument(key.get());
    if (!info.ok()) {
      out->diagnostics.push_back(KeyError("keys.key_document", info.status()));
      continue;
    }
    out->documents.push_back(crypt::KeyDocumentToJson(key.get()));
    out->infos.push_back(ToPublic(*info));
  }
}

Diagnostic OutOfMemory(std::string_view what) {
  return ConfigurationDiagnostic("keys.internal", std::format("{}: out of memory", what));
}

}  // namespace

std::optional<std::string> NewLocalMasterKey(Diagnostics* diagnostics) try {
  absl::StatusOr<std::string> key = crypt::NewLocalMasterKey();
  if (!key.ok()) {
    if (diagnostics != nullptr) diagnostics->push_back(KeyError("keys.random", key.status()));
    return std::nullopt;
  }
  return crypt::Base64Encode(*key);
} catch (const std::exception&) {
  if (diagnostics != nullptr) diagnostics->push_back(OutOfMemory("a new master key"));
  return std::nullopt;
}

KeysResult CreateLocalDataKeys(std::string_view local_master_key,
                               const std::vector<std::string>& alt_names,
                               const std::string& key_vault_path) try {
  KeysResult result;
  absl::StatusOr<crypt::KmsProviders> kms =
      crypt::KmsProviders::FromLocalKeyArgument(local_master_key);
  if (!kms.ok()) {
    result.diagnostics.push_back(KeyError("keys.master_key", kms.status()));
    return result;
  }
  std::vector<BsonDoc> keys;
  for (const std::string& name : alt_names) {
    absl::StatusOr<BsonDoc> key = crypt::CreateLocalDataKey(*kms, {&name, 1});
    if (!key.ok()) {
      result.diagnostics.push_back(ConfigurationDiagnostic(
          "keys.data_key", std::format("key '{}': {}", name, std::string(key.status().message()))));
      return result;
    }
    keys.push_back(*std::move(key));
  }
  if (!key_vault_path.empty()) {
    absl::Status written = crypt::AppendToKeyVaultFile(key_vault_path, keys);
    if (!written.ok()) {
      result.diagnostics.push_back(KeyError("keys.key_vault_file", written));
      return result;
    }
  }
  Describe(keys, &result);
  return result;
} catch (const std::exception&) {
  KeysResult result;
  result.diagnostics.push_back(OutOfMemory("creating data keys"));
  return result;
}

KeysResult ReadKeyVaultFile(const std::string& path) try {
  KeysResult result;
  absl::StatusOr<std::shared_ptr<const crypt::KeyVaultFile>> vault =
      crypt::KeyVaultFile::Load(path);
  if (!vault.ok()) {
    result.diagnostics.push_back(KeyError("keys.key_vault_file", vault.status()));
    return result;
  }
  for (size_t i = 0; i < (*vault)->documents().size(); ++i) {
    result.documents.push_back(crypt::KeyDocumentToJson((*vault)->documents()[i].get()));
    result.infos.push_back(ToPublic((*vault)->infos()[i]));
  }
  return result;
} catch (const std::exception&) {
  KeysResult result;
  result.diagnostics.push_back(OutOfMemory("reading the key vault file"));
  return result;
}

}  // namespace querysafe
