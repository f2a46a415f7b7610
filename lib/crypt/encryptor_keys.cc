// How the Encryptor gets its data keys: alt names resolved to key ids, and key
// documents fed to libmongocrypt when a context asks for them (the rest of the
// Encryptor is in encryptor.cc).
#include <algorithm>
#include <format>
#include <optional>
#include <string>
#include <string_view>

#include "lib/crypt/encryptor.h"
#include "lib/crypt/mongocrypt_util.h"

namespace querysafe::crypt {
namespace {

using internal::BinaryPtr;
using internal::ContextError;
using internal::NewOutputBinary;
using internal::ViewBson;

// The ids and alt names libmongocrypt asks for, from its key vault filter
// {$or: [{_id: {$in: [UUID...]}}, {keyAltNames: {$in: [string...]}}]}: UUIDs
// under "_id" and strings under "keyAltNames", wherever the operators put them.
void CollectKeyQuery(bson_iter_t* iter, std::string_view field, bool in_array, KeyQuery* query) {
  while (bson_iter_next(iter)) {
    std::string_view key = bson_iter_key(iter);
    // Operators ($or, $in) and array indexes keep the field they apply to.
    std::string_view context = in_array || key.starts_with('$') ? field : key;
    if (BSON_ITER_HOLDS_DOCUMENT(iter) || BSON_ITER_HOLDS_ARRAY(iter)) {
      bson_iter_t child;
      if (bson_iter_recurse(iter, &child)) {
        CollectKeyQuery(&child, context, BSON_ITER_HOLDS_ARRAY(iter), query);
      }
    } else if (context == "_id" && BSON_ITER_HOLDS_BINARY(iter)) {
      bson_subtype_t subtype;
      uint32_t len = 0;
      const uint8_t* data = nullptr;
      bson_iter_binary(iter, &subtype, &len, &data);
      if (subtype == BSON_SUBTYPE_UUID && len == 16) {
        KeyId id;
        std::copy(data, data + len, id.begin());
        query->ids.push_back(id);
      }
    } else if (context == "keyAltNames" && BSON_ITER_HOLDS_UTF8(iter)) {
      query->alt_names.emplace_back(bson_iter_utf8(iter, nullptr));
    }
  }
}

// Whether `provider` is configured as an empty document: credentials on demand
// (the driver fetches them from the environment or instance metadata); nullopt
// if not, else the message saying what to give instead.
std::optional<std::string> OnDemandCredentials(const KmsProviders& kms, std::string_view provider) {
  bson_iter_t it;
  const std::string name(provider);
  if (!bson_iter_init_find(&it, kms.document().get(), name.c_str()) ||
      !BSON_ITER_HOLDS_DOCUMENT(&it)) {
    return std::nullopt;
  }
  uint32_t len = 0;
  const uint8_t* data = nullptr;
  bson_iter_document(&it, &len, &data);
  if (len != 5) return std::nullopt;  // an empty BSON document is 5 bytes
  const std::string_view type = provider.substr(0, provider.find(':'));
  const char* fields = type == "aws"     ? "accessKeyId and secretAccessKey (and sessionToken "
                                           "for temporary credentials)"
                       : type == "azure" ? "tenantId, clientId and clientSecret, or accessToken"
                       : type == "gcp"   ? "email and privateKey, or accessToken"
                                         : "its options";
  return std::format(
      "the '{}' KMS provider is configured with an empty document, which asks "
      "for credentials on demand (from the environment or instance metadata); "
      "querysafe does not fetch them: give {} in the KMS providers' '{}'",
      provider, fields, provider);
}

}  // namespace

absl::StatusOr<KeyId> Encryptor::ResolveKey(const schema::KeyRef& key) const {
  if (key.key_id.has_value()) return *key.key_id;
  if (key.key_alt_name.empty()) {
    return absl::InvalidArgumentError("the field has neither a keyId nor a key alt name");
  }
  auto now = std::chrono::steady_clock::now();
  {
    std::lock_guard<std::mutex> lock(alt_names_mutex_);
    auto it = alt_names_.find(key.key_alt_name);
    if (it != alt_names_.end() &&
        (expiration_.count() == 0 || now - it->second.resolved < expiration_)) {
      return it->second.id;
    }
  }
  // Asked outside the lock: a slow key vault must not block threads whose keys
  // are known.
  absl::StatusOr<std::vector<BsonDoc>> found =
      options_.key_source->Find(KeyQuery{.ids = {}, .alt_names = {key.key_alt_name}});
  if (!found.ok()) return found.status();
  if (found->empty()) {
    return absl::NotFoundError(std::format("no data key has the key alt name '{}' in the {}",
                                           key.key_alt_name, options_.key_source->Describe()));
  }
  if (found->size() > 1) {
    return absl::FailedPreconditionError(
        std::format("{} data keys have the key alt name '{}' in the {}", found->size(),
                    key.key_alt_name, options_.key_source->Describe()));
  }
  absl::StatusOr<KeyDocumentInfo> info = InspectKeyDocument(found->front().get());
  if (!info.ok()) {
    return absl::FailedPreconditionError(std::format("{}: {}", options_.key_source->Describe(),
                                                     std::string(info.status().message())));
  }
  std::lock_guard<std::mutex> lock(alt_names_mutex_);
  alt_names_[key.key_alt_name] = AltNameEntry{info->id, now};
  return info->id;
}

absl::Status Encryptor::FeedKeys(mongocrypt_ctx_t* ctx) const {
  BinaryPtr op = NewOutputBinary();
  if (!mongocrypt_ctx_mongo_op(ctx, op.get())) {
    return absl::InternalError(ContextError(ctx));
  }
  bson_t filter;
  if (!bson_init_static(&filter, mongocrypt_binary_data(op.get()),
                        mongocrypt_binary_len(op.get()))) {
    return absl::InternalError("libmongocrypt's key filter is not valid BSON");
  }
  KeyQuery query;
  bson_iter_t iter;
  if (bson_iter_init(&iter, &filter)) CollectKeyQuery(&iter, "", false, &query);
  absl::StatusOr<std::vector<BsonDoc>> found = options_.key_source->Find(query);
  if (!found.ok()) return found.status();

  std::vector<KeyDocumentInfo> fed;
  for (const BsonDoc& doc : *found) {
    absl::StatusOr<KeyDocumentInfo> info = InspectKeyDocument(doc.get());
    if (!info.ok()) {
      return absl::FailedPreconditionError(std::format("{}: {}", options_.key_source->Describe(),
                                                       std::string(info.status().message())));
    }
    if (!KmsProviders::IsLocal(info->provider) && options_.kms_transport == nullptr) {
      return absl::FailedPreconditionError(
          std::format("data key '{}' is encrypted with the '{}' KMS provider; offline "
                      "explain can only use 'local' keys (the KMS needs the network)",
                      info->DisplayName(), info->provider));
    }
    if (!options_.kms_providers.Has(info->provider)) {
      return absl::FailedPreconditionError(
          std::format("data key '{}' is encrypted with the '{}' KMS provider, but no "
                      "'{}' {} is configured",
                      info->DisplayName(), info->provider, info->provider,
                      KmsProviders::IsLocal(info->provider) ? "master key" : "KMS provider"));
    }
    if (std::optional<std::string> wanted =
            OnDemandCredentials(options_.kms_providers, info->provider)) {
      return internal::KmsFailure(absl::StatusCode::kFailedPrecondition, "crypt.kms_credentials",
                                  std::format("data key '{}': {}", info->DisplayName(), *wanted));
    }
    BinaryPtr key = ViewBson(doc.get());
    if (!mongocrypt_ctx_mongo_feed(ctx, key.get())) {
      return absl::FailedPreconditionError(
          std::format("data key '{}': {}", info->DisplayName(), ContextError(ctx)));
    }
    fed.push_back(*std::move(info));
  }
  for (const KeyId& id : query.ids) {
    if (std::none_of(fed.begin(), fed.end(), [&](const auto& k) { return k.id == id; })) {
      return absl::NotFoundError(std::format("data key {} is not in the {}", KeyIdToString(id),
                                             options_.key_source->Describe()));
    }
  }
  for (const std::string& name : query.alt_names) {
    if (std::none_of(fed.begin(), fed.end(), [&](const auto& k) {
          return std::find(k.alt_names.begin(), k.alt_names.end(), name) != k.alt_names.end();
        })) {
      return absl::NotFoundError(std::format("no data key has the key alt name '{}' in the {}",
                                             name, options_.key_source->Describe()));
    }
  }
  if (!mongocrypt_ctx_mongo_done(ctx)) return absl::InternalError(ContextError(ctx));
  return absl::OkStatus();
}

absl::Status Encryptor::ProvideCredentials(mongocrypt_ctx_t* ctx) const {
  // libmongocrypt 1.13 asks as soon as some provider is configured for
  // on-demand credentials, before it knows which keys the context needs, and
  // refuses an empty answer. querysafe fetches no credentials: it answers
  // with the providers that have theirs, and FeedKeys refuses a key under one
  // that has none.
  BsonDoc given;
  std::optional<std::string> wanted;
  bson_iter_t it;
  if (bson_iter_init(&it, options_.kms_providers.document().get())) {
    while (bson_iter_next(&it)) {
      std::optional<std::string> on_demand =
          OnDemandCredentials(options_.kms_providers, bson_iter_key(&it));
      if (on_demand) {
        if (!wanted) wanted = std::move(on_demand);
      } else {
        bson_append_iter(given.get(), nullptr, 0, &it);
      }
    }
  }
  if (given.empty()) {
    return internal::KmsFailure(
        absl::StatusCode::kFailedPrecondition, "crypt.kms_credentials",
        wanted.value_or("libmongocrypt asks for KMS credentials, and no KMS "
                        "provider has any"));
  }
  BinaryPtr providers = ViewBson(given.get());
  if (!mongocrypt_ctx_provide_kms_providers(ctx, providers.get())) {
    return absl::InternalError(ContextError(ctx));
  }
  return absl::OkStatus();
}

}  // namespace querysafe::crypt
