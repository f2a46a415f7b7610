// The C++ API's Encryptor: lib/crypt behind the public header, with every failure a diagnostic.

#include "querysafe/crypt.h"

#include <exception>
#include <format>

#include "absl/status/status.h"
#include "lib/api/compiled_query.h"
#include "lib/crypt/encryptor.h"
#include "lib/crypt/failure.h"
#include "lib/crypt/key_vault_file.h"
#include "lib/crypt/kms_providers.h"

namespace querysafe {
namespace {

Diagnostic ConfigurationError(std::string code, const absl::Status& status) {
  Diagnostic d;
  d.category = Category::kImproperlyConfigured;
  d.code = std::move(code);
  d.message = std::string(status.message());
  return d;
}

EncryptorResult Open(absl::StatusOr<std::shared_ptr<const crypt::KeyVaultFile>> keys,
                     std::string_view local_master_key) {
  EncryptorResult result;
  if (!keys.ok()) {
    result.diagnostics = {ConfigurationError("crypt.key_vault_file", keys.status())};
    return result;
  }
  absl::StatusOr<crypt::KmsProviders> kms =
      crypt::KmsProviders::FromLocalKeyArgument(local_master_key);
  if (!kms.ok()) {
    result.diagnostics = {ConfigurationError("crypt.kms_local_key", kms.status())};
    return result;
  }
  crypt::EncryptorOptions options;
  options.kms_providers = *std::move(kms);
  options.key_source = *std::move(keys);
  absl::StatusOr<std::unique_ptr<crypt::Encryptor>> encryptor =
      crypt::Encryptor::Create(std::move(options));
  if (!encryptor.ok()) {
    result.diagnostics = {ConfigurationError("crypt.encryptor", encryptor.status())};
    return result;
  }
  result.encryptor =
      internal::WrapEncryptor(std::shared_ptr<const crypt::Encryptor>(std::move(*encryptor)));
  return result;
}

}  // namespace

namespace internal {
Encryptor WrapEncryptor(std::shared_ptr<const crypt::Encryptor> impl) {
  return Encryptor(std::move(impl));
}
}  // namespace internal

EncryptorResult Encryptor::OpenOffline(const std::string& key_vault_path,
                                       std::string_view local_master_key) {
  try {
    return Open(crypt::KeyVaultFile::Load(key_vault_path), local_master_key);
  } catch (const std::exception& e) {
    EncryptorResult result;
    result.diagnostics = {ConfigurationError("internal.error", absl::InternalError(e.what()))};
    return result;
  }
}

EncryptorResult Encryptor::OpenOfflineFromText(std::string_view key_vault_json,
                                               std::string_view local_master_key) {
  try {
    return Open(crypt::KeyVaultFile::Parse(key_vault_json, "key vault"), local_master_key);
  } catch (const std::exception& e) {
    EncryptorResult result;
    result.diagnostics = {ConfigurationError("internal.error", absl::InternalError(e.what()))};
    return result;
  }
}

TranslateResult Encryptor::Explain(const Translation& translation) const {
  TranslateResult result;
  try {
    const lower::Command& command = translation.impl().command;
    absl::StatusOr<BsonDoc> finished =
        impl_->FinishCommand(command.body.get(), command.encryptions);
    if (!finished.ok()) {
      std::optional<Diagnostic> d = crypt::DiagnosticFromStatus(finished.status());
      result.diagnostics = {d ? *d : ConfigurationError("crypt.failed", finished.status())};
      return result;
    }
    auto data = std::make_shared<internal::TranslationData>();
    data->command.database = command.database;
    data->command.model = command.model;
    data->command.collection = command.collection;
    data->command.kind = command.kind;
    data->command.operation = command.operation;
    data->command.shape = command.shape;
    data->command.field_names = command.field_names;
    data->command.key_path = command.key_path;
    data->command.body = *std::move(finished);
    // Each placeholder document became a BinData payload: the command is no deeper than the
    // translation's, which passed CheckLimits, so only its size needs checking again.
    data->command.depth = command.depth;
    data->query_span = translation.impl().query_span;
    // The payloads are larger than the placeholders they replace.
    if (std::optional<Diagnostic> d = lower::CheckLimits(data->command, data->query_span)) {
      result.diagnostics = {*std::move(d)};
      return result;
    }
    result.translation = internal::TranslationData::Wrap(std::move(data));
  } catch (const std::exception& e) {
    result.diagnostics = {ConfigurationError("internal.error", absl::InternalError(e.what()))};
  }
  return result;
}

}  // namespace querysafe
