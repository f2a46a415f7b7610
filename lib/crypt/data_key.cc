#include "lib/crypt/data_key.h"

#include <algorithm>
#include <format>

#include "absl/status/status.h"
#include "lib/crypt/mongocrypt_util.h"

namespace querysafe::crypt {

using internal::BinaryPtr;
using internal::ContextError;
using internal::CryptPtr;
using internal::CtxPtr;
using internal::ViewBson;

absl::StatusOr<BsonDoc> CreateLocalDataKey(const KmsProviders& kms,
                                           std::span<const std::string> alt_names,
                                           std::string_view provider) {
  if (!KmsProviders::IsLocal(provider)) {
    return absl::InvalidArgumentError(
        std::format("cannot create a data key under the '{}' KMS provider "
                    "offline; only local master keys "
                    "can wrap keys without the network",
                    provider));
  }
  if (!kms.Has(provider)) {
    return absl::InvalidArgumentError(
        std::format("no '{}' master key is configured to wrap the data key", provider));
  }
  for (size_t i = 0; i < alt_names.size(); ++i) {
    if (alt_names[i].empty()) return absl::InvalidArgumentError("a key alt name cannot be empty");
    if (std::find(alt_names.begin(), alt_names.begin() + i, alt_names[i]) !=
        alt_names.begin() + i) {
      return absl::InvalidArgumentError(
          std::format("the key alt name '{}' is given twice", alt_names[i]));
    }
  }

  CryptPtr crypt(mongocrypt_new());
  BinaryPtr providers = ViewBson(kms.document().get());
  if (!mongocrypt_setopt_kms_providers(crypt.get(), providers.get()) ||
      (mongocrypt_setopt_bypass_query_analysis(crypt.get()), !mongocrypt_init(crypt.get()))) {
    return absl::InvalidArgumentError(
        std::format("cannot initialize libmongocrypt: {}", internal::CryptError(crypt.get())));
  }
  CtxPtr ctx(mongocrypt_ctx_new(crypt.get()));
  BsonDoc master_key;
  AppendUtf8(master_key.get(), "provider", provider);
  BinaryPtr kek = ViewBson(master_key.get());
  if (!mongocrypt_ctx_setopt_key_encryption_key(ctx.get(), kek.get())) {
    return absl::InvalidArgumentError(ContextError(ctx.get()));
  }
  for (const std::string& name : alt_names) {
    BsonDoc alt_name;
    AppendUtf8(alt_name.get(), "keyAltName", name);
    BinaryPtr view = ViewBson(alt_name.get());
    if (!mongocrypt_ctx_setopt_key_alt_name(ctx.get(), view.get())) {
      return absl::InvalidArgumentError(ContextError(ctx.get()));
    }
  }
  if (!mongocrypt_ctx_datakey_init(ctx.get())) {
    return absl::InvalidArgumentError(ContextError(ctx.get()));
  }
  // A local master key wraps in process: the context goes straight to READY (a
  // KMS state with no request in it is passed through).
  for (int step = 0; step < 8; ++step) {
    switch (mongocrypt_ctx_state(ctx.get())) {
      case MONGOCRYPT_CTX_NEED_KMS:
        if (mongocrypt_ctx_next_kms_ctx(ctx.get()) != nullptr) {
          return absl::FailedPreconditionError(
              "libmongocrypt asked for a KMS round trip to wrap a local data "
              "key");
        }
        if (!mongocrypt_ctx_kms_done(ctx.get())) {
          return absl::InternalError(ContextError(ctx.get()));
        }
        break;
      case MONGOCRYPT_CTX_READY: {
        BinaryPtr out = internal::NewOutputBinary();
        if (!mongocrypt_ctx_finalize(ctx.get(), out.get())) {
          return absl::InternalError(ContextError(ctx.get()));
        }
        return internal::CopyBson(out.get());
      }
      case MONGOCRYPT_CTX_ERROR:
        return absl::InvalidArgumentError(ContextError(ctx.get()));
      default:
        return absl::InternalError(
            std::format("unexpected libmongocrypt state {} while making a data key",
                        static_cast<int>(mongocrypt_ctx_state(ctx.get()))));
    }
  }
  return absl::InternalError("libmongocrypt did not finish making the data key");
}

}  // namespace querysafe::crypt
