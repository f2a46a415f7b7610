#include "lib/crypt/encryptor.h"

#include <algorithm>
#include <format>
#include <string>
#include <string_view>
#include <utility>

#include "lib/common/bson_array.h"
#include "lib/crypt/capabilities.h"
#include "lib/crypt/failure.h"
#include "lib/crypt/mongocrypt_util.h"
#include "lib/crypt/request_check.h"
#include "lib/crypt/substitute.h"

namespace querysafe::crypt {
namespace {

using internal::BinaryPtr;
using internal::ContextError;
using internal::CtxPtr;
using internal::NewOutputBinary;
using internal::ViewBson;
using internal::ViewBytes;
using lower::Algorithm;
using lower::EncryptionRequest;

// A bound on the state machine, so that a context that never progresses is an
// error, not a hang.
constexpr int kMaxSteps = 32;

bool Contains(std::string_view text, std::string_view part) {
  return text.find(part) != std::string_view::npos;
}

// Gives libmongocrypt's message for a request the kind of failure it is.
FailureKind ClassifyLibmongocryptError(std::string_view message, bool is_query) {
  if (Contains(message, "the range maximum") || Contains(message, "the range minimum") ||
      Contains(message, "Value must be greater than or equal to the minimum value")) {
    // Query analysis: "Range query predicate must be within the bounds of
    // encrypted index."
    return {Category::kValidationError, "crypt.out_of_bounds", is_query ? 6747900 : 0};
  }
  if (Contains(message, "must be less than or equal to range max")) {
    // An exclusive bound next to the other one leaves nothing to match, e.g. >
    // 5 and < 6 on ints.
    return {Category::kValidationError, "crypt.empty_range", 0};
  }
  if (Contains(message, "Infinity and NaN") || Contains(message, "Infinity and Nan")) {
    return {Category::kValidationError, "crypt.not_finite", 0};
  }
  if (Contains(message, "StrQuery:") || Contains(message, "StrEncode:")) {
    // mc-text-search-str-encode.c: a text query string outside the index's
    // query lengths, empty, or too long to encode. The analyzer refuses the
    // lengths first (qe_text_query_length.cc); this is its backstop.
    return {Category::kValidationError, "crypt.text_value", 0};
  }
  if (Contains(message, "contention")) {
    return {Category::kImproperlyConfigured, "crypt.contention", 0};
  }
  if (Contains(message, "Trim factor") || Contains(message, "trimFactor")) {
    return {Category::kImproperlyConfigured, "crypt.range_options", 8574000};
  }
  if (Contains(message, "cannot be represented in fewer than")) {
    return {Category::kImproperlyConfigured, "crypt.range_options", 9157100};
  }
  if (Contains(message, "RangeOpts") || Contains(message, "precision") ||
      Contains(message, "Precision") || Contains(message, "minimum value must be less") ||
      Contains(message, "Sparsity") || Contains(message, "sparsity")) {
    return {Category::kImproperlyConfigured, "crypt.range_options", 0};
  }
  return {Category::kDatabaseError, "crypt.libmongocrypt", 0};
}

// libmongocrypt's name for the algorithm: the request's (lower::AlgorithmName), except that
// both text generations take the linked library's text algorithm ("string" from 1.19,
// "textPreview" in 1.15-1.18), since the library, not the index, decides which name it
// accepts; CheckRequest has refused them when it has none.
std::string_view LinkedAlgorithmName(Algorithm algorithm) {
  if (lower::IsText(algorithm)) return LinkedCapabilities().text_algorithm;
  return lower::AlgorithmName(algorithm);
}

#ifdef QUERYSAFE_HAVE_MONGOCRYPT_TEXT
// The text options as the linked libmongocrypt reads them: before 1.18.1
// (MONGOCRYPT-903) caseSensitive and diacriticSensitive were taken inverted, so
// they are flipped there to get the same payload.
BsonDoc LinkedTextOptions(const BsonDoc& options) {
  if (!LinkedCapabilities().text_options_inverted) return options;
  BsonDoc out;
  bson_iter_t it;
  if (!bson_iter_init(&it, options.get())) return options;
  while (bson_iter_next(&it)) {
    std::string_view key = bson_iter_key(&it);
    if ((key == "caseSensitive" || key == "diacriticSensitive") && BSON_ITER_HOLDS_BOOL(&it)) {
      bson_append_bool(out.get(), key.data(), static_cast<int>(key.size()), !bson_iter_bool(&it));
    } else {
      bson_append_iter(out.get(), key.data(), static_cast<int>(key.size()), &it);
    }
  }
  return out;
}
#endif

// {"v": {"$and": [{path: {op: lower}}, {path: {op: upper}}]}}, the lower bound
// first so that it carries the full payload as query analysis places it.
BsonDoc RangeExpression(const EncryptionRequest& request) {
  BsonDoc message;
  bson_t expression, conjuncts;
  BSON_APPEND_DOCUMENT_BEGIN(message.get(), "v", &expression);
  querysafe::AppendArrayBegin(&expression, "$and", -1, &conjuncts);
  int index = 0;
  for (const char* role : {"lower", "upper"}) {
    bson_iter_t value;
    if (!bson_iter_init_find(&value, request.operands.get(), role)) continue;
    const std::string_view op = lower::RangeOperatorName(
        std::string_view(role) == "lower" ? request.lower_operator : request.upper_operator);
    std::string key = std::to_string(index++);
    bson_t conjunct, comparison;
    BSON_APPEND_DOCUMENT_BEGIN(&conjuncts, key.c_str(), &conjunct);
    bson_append_document_begin(&conjunct, request.path.data(),
                               static_cast<int>(request.path.size()), &comparison);
    bson_append_iter(&comparison, op.data(), static_cast<int>(op.size()), &value);
    bson_append_document_end(&conjunct, &comparison);
    bson_append_document_end(&conjuncts, &conjunct);
  }
  bson_append_array_end(&expression, &conjuncts);
  bson_append_document_end(message.get(), &expression);
  return message;
}

absl::StatusOr<Payload> PayloadFrom(const bson_iter_t* iter) {
  if (!BSON_ITER_HOLDS_BINARY(iter)) {
    return absl::InternalError("libmongocrypt returned something other than a binary");
  }
  bson_subtype_t subtype;
  uint32_t len = 0;
  const uint8_t* data = nullptr;
  bson_iter_binary(iter, &subtype, &len, &data);
  if (subtype != BSON_SUBTYPE_ENCRYPTED || len == 0) {
    return absl::InternalError("libmongocrypt returned a binary that is not an encrypted payload");
  }
  return Payload{std::vector<uint8_t>(data, data + len)};
}

// The payloads of a finalized range expression, by the operator each sits
// under.
absl::Status ExtractRangePayloads(const bson_t* result, EncryptedRequest* out) {
  bson_iter_t iter, conjuncts;
  if (!bson_iter_init(&iter, result) || !bson_iter_find_descendant(&iter, "v.$and", &conjuncts) ||
      !BSON_ITER_HOLDS_ARRAY(&conjuncts) || !bson_iter_recurse(&conjuncts, &conjuncts)) {
    return absl::InternalError("libmongocrypt's range expression has no '$and' array");
  }
  while (bson_iter_next(&conjuncts)) {
    bson_iter_t field, comparison;
    if (!BSON_ITER_HOLDS_DOCUMENT(&conjuncts) || !bson_iter_recurse(&conjuncts, &field) ||
        !bson_iter_next(&field) || !BSON_ITER_HOLDS_DOCUMENT(&field) ||
        !bson_iter_recurse(&field, &comparison) || !bson_iter_next(&comparison)) {
      return absl::InternalError("libmongocrypt's range expression has an unexpected shape");
    }
    std::string_view op = bson_iter_key(&comparison);
    absl::StatusOr<Payload> payload = PayloadFrom(&comparison);
    if (!payload.ok()) return payload.status();
    (op == "$gt" || op == "$gte" ? out->lower : out->upper) = *std::move(payload);
  }
  return absl::OkStatus();
}

// Decrypt's answer for a payload that holds no encrypted value.
absl::Status CannotDecrypt(uint8_t type) {
  return absl::FailedPreconditionError(
      std::format("a payload of type {} cannot be decrypted: it carries no encrypted value", type));
}

}  // namespace

absl::StatusOr<std::unique_ptr<Encryptor>> Encryptor::Create(EncryptorOptions options) {
  if (options.key_source == nullptr) {
    return absl::InvalidArgumentError("the encryptor needs a key source");
  }
  std::chrono::milliseconds expiration =
      options.key_cache_expiration.value_or(options.key_source->CacheExpiration());
  if (expiration.count() < 0) {
    return absl::InvalidArgumentError("the key cache expiration cannot be negative");
  }
  std::unique_ptr<Encryptor> encryptor(new Encryptor(std::move(options), expiration));
  mongocrypt_t* crypt = encryptor->crypt_;
  BinaryPtr kms = ViewBson(encryptor->options_.kms_providers.document().get());
  if (!mongocrypt_setopt_kms_providers(crypt, kms.get())) {
    return absl::InvalidArgumentError(
        std::format("KMS providers: {}", internal::CryptError(crypt)));
  }
  // Explicit encryption never needs query analysis; this also keeps
  // libmongocrypt from looking for the crypt_shared library.
  mongocrypt_setopt_bypass_query_analysis(crypt);
  // Without this, a provider given as an empty document ("aws": {}, which the
  // driver fills from the environment for the reads it decrypts) is refused
  // here, even for a schema whose keys are all local. With it, libmongocrypt
  // asks for credentials (ProvideCredentials answers with the providers that
  // have theirs) and FeedKeys refuses a key under a provider that has none.
  mongocrypt_setopt_use_need_kms_credentials_state(crypt);
  if (encryptor->options_.kms_transport != nullptr && !mongocrypt_setopt_retry_kms(crypt, true)) {
    return absl::InternalError(std::format("KMS retries: {}", internal::CryptError(crypt)));
  }
  if (!mongocrypt_setopt_key_expiration(crypt, static_cast<uint64_t>(expiration.count()))) {
    return absl::InvalidArgumentError(
        std::format("key cache expiration: {}", internal::CryptError(crypt)));
  }
  if (!mongocrypt_init(crypt)) {
    return absl::InvalidArgumentError(
        std::format("cannot initialize libmongocrypt: {}", internal::CryptError(crypt)));
  }
  return encryptor;
}

Encryptor::Encryptor(EncryptorOptions options, std::chrono::milliseconds expiration)
    : options_(std::move(options)), expiration_(expiration), crypt_(mongocrypt_new()) {}

Encryptor::~Encryptor() { mongocrypt_destroy(crypt_); }

absl::Status Encryptor::Run(mongocrypt_ctx_t* ctx, mongocrypt_binary_t* out) const {
  for (int step = 0; step < kMaxSteps; ++step) {
    switch (mongocrypt_ctx_state(ctx)) {
      case MONGOCRYPT_CTX_NEED_MONGO_KEYS:
        if (absl::Status status = FeedKeys(ctx); !status.ok()) return status;
        break;
      case MONGOCRYPT_CTX_NEED_KMS:
        if (options_.kms_transport != nullptr) {
          if (absl::Status status = options_.kms_transport->Run(ctx); !status.ok()) {
            return status;
          }
          break;
        }
        // Local master keys unwrap in process and leave no KMS request;
        // FeedKeys refuses the others before libmongocrypt could ask for one.
        if (mongocrypt_kms_ctx_t* kms = mongocrypt_ctx_next_kms_ctx(ctx)) {
          uint32_t len = 0;
          const char* provider = mongocrypt_kms_ctx_get_kms_provider(kms, &len);
          return absl::FailedPreconditionError(
              std::format("libmongocrypt needs the '{}' KMS over the network, and this "
                          "encryptor has no KMS transport (offline explain uses 'local' "
                          "keys only)",
                          provider == nullptr ? "" : std::string_view(provider, len)));
        }
        if (!mongocrypt_ctx_kms_done(ctx)) return absl::InternalError(ContextError(ctx));
        break;
      case MONGOCRYPT_CTX_NEED_KMS_CREDENTIALS:
        if (absl::Status status = ProvideCredentials(ctx); !status.ok()) return status;
        break;
      case MONGOCRYPT_CTX_READY:
        if (!mongocrypt_ctx_finalize(ctx, out)) {
          return absl::InvalidArgumentError(ContextError(ctx));
        }
        return absl::OkStatus();
      case MONGOCRYPT_CTX_ERROR:
        return absl::InvalidArgumentError(ContextError(ctx));
      default:
        return absl::InternalError(std::format("libmongocrypt context in unexpected state {}",
                                               static_cast<int>(mongocrypt_ctx_state(ctx))));
    }
  }
  return absl::InternalError("libmongocrypt context did not finish");
}

absl::StatusOr<EncryptedRequest> Encryptor::Encrypt(const EncryptionRequest& request) const {
  if (absl::Status status = CheckRequest(request); !status.ok()) return status;
  absl::StatusOr<EncryptedRequest> result = EncryptChecked(request);
  if (result.ok() || DiagnosticFromStatus(result.status()).has_value()) return result;
  // Give the failure its request context and a kind.
  absl::Status status = result.status();
  FailureKind kind;
  if (std::string_view kms_code = KmsFailureCode(status); !kms_code.empty()) {
    // Credentials are the user's to give; the rest is the KMS or the network.
    kind = {kms_code == "crypt.kms_credentials" ? Category::kImproperlyConfigured
                                                : Category::kDatabaseError,
            kms_code, 0};
    return RequestFailure(status.code(), request, kind, std::string(status.message()));
  }
  switch (status.code()) {
    case absl::StatusCode::kNotFound:
      kind = {Category::kImproperlyConfigured, "crypt.key_not_found", 0};
      break;
    case absl::StatusCode::kFailedPrecondition:
      kind = {Category::kImproperlyConfigured, "crypt.key_unusable", 0};
      break;
    case absl::StatusCode::kInvalidArgument:
      kind = ClassifyLibmongocryptError(std::string(status.message()), request.is_query);
      break;
    default:
      kind = {Category::kDatabaseError, "crypt.internal", 0};
  }
  return RequestFailure(status.code(), request, kind, std::string(status.message()));
}

absl::StatusOr<EncryptedRequest> Encryptor::EncryptChecked(const EncryptionRequest& request) const {
  absl::StatusOr<KeyId> key_id = ResolveKey(request.key);
  if (!key_id.ok()) return key_id.status();

  CtxPtr ctx(mongocrypt_ctx_new(crypt_));
  if (ctx == nullptr) return absl::InternalError("cannot create a libmongocrypt context");
  auto failed = [&ctx]() { return absl::InvalidArgumentError(ContextError(ctx.get())); };
  BinaryPtr id = ViewBytes(*key_id);
  const std::string_view algorithm = LinkedAlgorithmName(request.algorithm);
  if (!mongocrypt_ctx_setopt_key_id(ctx.get(), id.get()) ||
      !mongocrypt_ctx_setopt_algorithm(ctx.get(), algorithm.data(),
                                       static_cast<int>(algorithm.size()))) {
    return failed();
  }
  const bool range_find = request.algorithm == Algorithm::kRange && request.is_query;
  const bool text = lower::IsText(request.algorithm);
  // Text finds name the field's own query type ("prefix", "prefixPreview"...).
  const std::string_view query_type = range_find ? std::string_view("range")
                                      : text     ? std::string_view(request.query_type)
                                                 : std::string_view("equality");
  if (request.is_query && !mongocrypt_ctx_setopt_query_type(ctx.get(), query_type.data(),
                                                            static_cast<int>(query_type.size()))) {
    return failed();
  }
  if (request.algorithm != Algorithm::kUnindexed &&
      !mongocrypt_ctx_setopt_contention_factor(ctx.get(), request.contention)) {
    return failed();
  }
  if (request.algorithm == Algorithm::kRange) {
    BinaryPtr options = ViewBson(request.range_options.get());
    if (!mongocrypt_ctx_setopt_algorithm_range(ctx.get(), options.get())) return failed();
  }
  if (text) {
#ifdef QUERYSAFE_HAVE_MONGOCRYPT_TEXT
    BsonDoc linked = LinkedTextOptions(request.text_options);
    BinaryPtr options = ViewBson(linked.get());
    if (!mongocrypt_ctx_setopt_algorithm_text(ctx.get(), options.get())) return failed();
#else
    return absl::InternalError("text encryption reached a build without libmongocrypt's text API");
#endif
  }
  if (range_find) {
    BsonDoc expression = RangeExpression(request);
    BinaryPtr message = ViewBson(expression.get());
    if (!mongocrypt_ctx_explicit_encrypt_expression_init(ctx.get(), message.get())) {
      return failed();
    }
  } else {
    // The operands are already {"v": value}, the shape explicit_encrypt_init
    // takes.
    BinaryPtr message = ViewBson(request.operands.get());
    if (!mongocrypt_ctx_explicit_encrypt_init(ctx.get(), message.get())) return failed();
  }

  BinaryPtr finalized = NewOutputBinary();
  if (absl::Status status = Run(ctx.get(), finalized.get()); !status.ok()) {
    return status;
  }
  // A view of libmongocrypt's own buffer; the payloads are copied out of it
  // once.
  bson_t result;
  if (!bson_init_static(&result, mongocrypt_binary_data(finalized.get()),
                        mongocrypt_binary_len(finalized.get()))) {
    return absl::InternalError("libmongocrypt's result is not BSON");
  }
  EncryptedRequest out;
  out.id = request.id;
  if (range_find) {
    if (absl::Status status = ExtractRangePayloads(&result, &out); !status.ok()) {
      return status;
    }
  } else {
    bson_iter_t iter;
    if (!bson_iter_init_find(&iter, &result, "v")) {
      return absl::InternalError("libmongocrypt's result has no 'v'");
    }
    absl::StatusOr<Payload> payload = PayloadFrom(&iter);
    if (!payload.ok()) return payload.status();
    out.value = *std::move(payload);
  }
  return out;
}

absl::StatusOr<std::vector<EncryptedRequest>> Encryptor::EncryptAll(
    std::span<const EncryptionRequest> requests) const {
  std::vector<EncryptedRequest> out;
  out.reserve(requests.size());
  for (const EncryptionRequest& request : requests) {
    absl::StatusOr<EncryptedRequest> encrypted = Encrypt(request);
    if (!encrypted.ok()) return encrypted.status();
    out.push_back(*std::move(encrypted));
  }
  return out;
}

absl::StatusOr<BsonDoc> Encryptor::FinishCommand(
    const bson_t* command, std::span<const EncryptionRequest> requests) const {
  absl::StatusOr<std::vector<EncryptedRequest>> payloads = EncryptAll(requests);
  if (!payloads.ok()) return payloads.status();
  return SubstitutePlaceholders(command, *payloads);
}

absl::StatusOr<BsonDoc> Encryptor::Decrypt(std::span<const uint8_t> payload) const {
  // A find payload carries tokens, no value. libmongocrypt up to 1.13.2-1+deb13u1
  // hands one back unchanged; Debian's security update 1.13.2-1+deb13u2 (and
  // upstream since) refuses it at mongocrypt_ctx_explicit_decrypt_init. The
  // answer is ours to give, the same with either: decided here, before asking.
  const uint8_t type = payload.empty() ? 0 : payload.front();
  if (IsFindPayloadType(type)) return CannotDecrypt(type);
  BsonDoc message;
  bson_append_binary(message.get(), "v", 1, BSON_SUBTYPE_ENCRYPTED, payload.data(),
                     static_cast<uint32_t>(payload.size()));
  CtxPtr ctx(mongocrypt_ctx_new(crypt_));
  if (ctx == nullptr) return absl::InternalError("cannot create a libmongocrypt context");
  BinaryPtr view = ViewBson(message.get());
  if (!mongocrypt_ctx_explicit_decrypt_init(ctx.get(), view.get())) {
    return absl::InvalidArgumentError(
        std::format("a payload of type {} cannot be decrypted: {}", type, ContextError(ctx.get())));
  }
  BinaryPtr finalized = NewOutputBinary();
  if (absl::Status status = Run(ctx.get(), finalized.get()); !status.ok()) {
    return absl::Status(status.code(), std::format("a payload of type {} cannot be decrypted: {}",
                                                   type, std::string(status.message())));
  }
  absl::StatusOr<BsonDoc> result = internal::CopyBson(finalized.get());
  if (!result.ok()) return result;
  // libmongocrypt hands back, unchanged, what it cannot decrypt (find payloads
  // hold tokens, no value): that is a failure to decrypt, not a result.
  bson_iter_t iter;
  if (bson_iter_init_find(&iter, result->get(), "v") && BSON_ITER_HOLDS_BINARY(&iter)) {
    bson_subtype_t subtype;
    uint32_t len = 0;
    const uint8_t* data = nullptr;
    bson_iter_binary(&iter, &subtype, &len, &data);
    if (subtype == BSON_SUBTYPE_ENCRYPTED) return CannotDecrypt(len == 0 ? 0 : data[0]);
  }
  return result;
}

}  // namespace querysafe::crypt
