// C API: the offline encryptor and explain.

#include <string>

#include "lib/capi/handles.h"
#include "lib/capi/status.h"

using querysafe::capi::Fail;
using querysafe::capi::Guard;
using querysafe::capi::Invalid;

namespace {

int FinishOpen(querysafe_encryptor** out, querysafe::EncryptorResult result,
               querysafe_error* error) {
  if (!result.ok()) return Fail(error, QUERYSAFE_EREJECTED, result.diagnostics, {}, "keys");
  *out = new querysafe_encryptor{std::move(*result.encryptor)};
  return QUERYSAFE_OK;
}

}  // namespace

extern "C" {

int querysafe_encryptor_open_offline(querysafe_encryptor** out, const char* key_vault_path,
                                     const char* local_master_key, querysafe_error* error) {
  constexpr char kFunction[] = "querysafe_encryptor_open_offline";
  if (out == nullptr) return Invalid(error, kFunction, "`out` is NULL.");
  *out = nullptr;
  if (key_vault_path == nullptr) return Invalid(error, kFunction, "`key_vault_path` is NULL.");
  if (local_master_key == nullptr) {
    return Invalid(error, kFunction, "`local_master_key` is NULL.");
  }
  return Guard(error, kFunction, [&] {
    return FinishOpen(out, querysafe::Encryptor::OpenOffline(key_vault_path, local_master_key),
                      error);
  });
}

int querysafe_encryptor_open_offline_from_text(querysafe_encryptor** out,
                                               const char* key_vault_json, ptrdiff_t length,
                                               const char* local_master_key,
                                               querysafe_error* error) {
  constexpr char kFunction[] = "querysafe_encryptor_open_offline_from_text";
  if (out == nullptr) return Invalid(error, kFunction, "`out` is NULL.");
  *out = nullptr;
  if (key_vault_json == nullptr) return Invalid(error, kFunction, "`key_vault_json` is NULL.");
  if (local_master_key == nullptr) {
    return Invalid(error, kFunction, "`local_master_key` is NULL.");
  }
  return Guard(error, kFunction, [&] {
    return FinishOpen(out,
                      querysafe::Encryptor::OpenOfflineFromText(
                          querysafe::capi::TextArg(key_vault_json, length), local_master_key),
                      error);
  });
}

int querysafe_encryptor_explain(querysafe_translation** out, const querysafe_encryptor* encryptor,
                                const querysafe_translation* translation, querysafe_error* error) {
  constexpr char kFunction[] = "querysafe_encryptor_explain";
  if (out == nullptr) return Invalid(error, kFunction, "`out` is NULL.");
  *out = nullptr;
  if (encryptor == nullptr) return Invalid(error, kFunction, "`encryptor` is NULL.");
  if (translation == nullptr) return Invalid(error, kFunction, "`translation` is NULL.");
  return Guard(error, kFunction, [&] {
    return querysafe::capi::FinishTranslate(
        out, encryptor->encryptor.Explain(translation->translation), {}, error);
  });
}

void querysafe_encryptor_free(querysafe_encryptor* encryptor) { delete encryptor; }

}  // extern "C"
