#include "lib/crypt/kms_transport.h"

#include <mongoc/mongoc.h>
#include <netdb.h>
#include <sys/socket.h>
#include <sys/types.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <format>
#include <fstream>
#include <limits>
#include <optional>
#include <span>
#include <thread>
#include <utility>

#include "absl/strings/cord.h"
#include "lib/crypt/mongocrypt_util.h"

namespace querysafe::crypt {
namespace {

using internal::BinaryPtr;
using internal::ContextError;
using internal::NewOutputBinary;
using internal::ViewBytes;

constexpr char kFailurePayloadUrl[] = "type.querysafe.dev/crypt.KmsFailure";
// Reads are bounded: one chunk at a time, and a whole reply at most this big
// (an AWS Decrypt reply is well under 1 KiB; a peer that keeps sending is
// cut off rather than buffered).
constexpr size_t kReadChunk = 4096;
constexpr size_t kMaxReplyBytes = size_t{1} << 20;
// KMS requests one context may make, retries included: a value needs one
// data key, a range expression one too; libmongocrypt retries a request at
// most 3 times. Far above that is a context that never finishes.
constexpr int kMaxRequests = 64;
// libmongocrypt's backoff stays under a few seconds; a larger request is not
// trusted to block a query.
constexpr std::chrono::microseconds kMaxBackoff = std::chrono::seconds(10);

absl::Status Failure(absl::StatusCode code, std::string_view kms_code, std::string message) {
  absl::Status status(code, message);
  status.SetPayload(kFailurePayloadUrl, absl::Cord(std::string(kms_code)));
  return status;
}

// mongoc reads these options as URI options, whose names ignore case.
bool EqualsIgnoringCase(std::string_view a, std::string_view b) {
  return std::ranges::equal(a, b, [](char x, char y) {
    return std::tolower(static_cast<unsigned char>(x)) ==
           std::tolower(static_cast<unsigned char>(y));
  });
}

struct StreamDeleter {
  void operator()(mongoc_stream_t* stream) const { mongoc_stream_destroy(stream); }
};
using StreamPtr = std::unique_ptr<mongoc_stream_t, StreamDeleter>;

// One deadline for a whole attempt, in the units each mongoc call takes.
class Deadline {
 public:
  explicit Deadline(std::chrono::milliseconds timeout)
      : end_(std::chrono::steady_clock::now() + timeout) {}
  bool Expired() const { return std::chrono::steady_clock::now() >= end_; }
  // At least 1: mongoc reads 0 as "do not wait" and -1 as "wait forever".
  int32_t RemainingMs() const {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        end_ - std::chrono::steady_clock::now());
    return static_cast<int32_t>(
        std::clamp<int64_t>(left.count(), 1, std::numeric_limits<int32_t>::max()));
  }
  // mongoc_socket_connect's expire_at: bson_get_monotonic_time() microseconds.
  int64_t ExpireAt() const { return bson_get_monotonic_time() + int64_t{RemainingMs()} * 1000; }

 private:
  std::chrono::steady_clock::time_point end_;
};

struct Endpoint {
  std::string host;
  std::string port;
};

// "host:port", "[v6]:port"; libmongocrypt always gives a port, but a missing
// one gets the default libmongocrypt and mongoc use.
std::optional<Endpoint> ParseEndpoint(std::string_view text, std::string_view provider) {
  const char* default_port = provider.starts_with("kmip") ? "5696" : "443";
  if (text.starts_with('[')) {
    const size_t close = text.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    Endpoint e{std::string(text.substr(1, close - 1)), default_port};
    std::string_view rest = text.substr(close + 1);
    if (rest.starts_with(':')) e.port = std::string(rest.substr(1));
    return e.host.empty() || e.port.empty() ? std::nullopt : std::optional(std::move(e));
  }
  const size_t colon = text.rfind(':');
  Endpoint e{std::string(text.substr(0, colon)), default_port};
  if (colon != std::string_view::npos) e.port = std::string(text.substr(colon + 1));
  if (e.host.empty() || e.port.empty()) return std::nullopt;
  return e;
}

std::string KmsContextError(mongocrypt_kms_ctx_t* kms) {
  mongocrypt_status_t* status = mongocrypt_status_new();
  mongocrypt_kms_ctx_status(kms, status);
  uint32_t len = 0;
  const char* message = mongocrypt_status_message(status, &len);
  std::string text =
      message != nullptr && len > 0 ? std::string(message, len) : std::string("unknown error");
  mongocrypt_status_destroy(status);
  return text;
}

// libmongocrypt quotes a KMS reply's body in its errors. The body of a
// successful (HTTP 200) reply holds the unwrapped data key, so it is cut;
// an error reply's body is the KMS's explanation and is kept (shortened).
std::string WithoutKeyMaterial(std::string message) {
  const size_t body = message.find("Response body=");
  if (body != std::string::npos && message.find("HTTP status=200") != std::string::npos) {
    message.resize(body);
    message +=
        "(the reply's body is not shown: a successful reply holds key "
        "material)";
  }
  constexpr size_t kMaxMessage = 1024;
  if (message.size() > kMaxMessage) {
    message.resize(kMaxMessage);
    message += "...";
  }
  return message;
}

std::string ErrnoText(int error) {
  return error == 0 ? std::string("no error code") : std::string(std::strerror(error));
}

// How one attempt ended.
struct Outcome {
  enum class Kind { kDone, kNetwork, kKmsError } kind = Kind::kDone;
  absl::StatusCode code = absl::StatusCode::kOk;
  std::string_view kms_code;
  std::string message;

  static Outcome Network(absl::StatusCode code, std::string_view kms_code, std::string message) {
    return {Kind::kNetwork, code, kms_code, std::move(message)};
  }
};

absl::StatusOr<StreamPtr> Connect(const Endpoint& endpoint, const Deadline& deadline) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  const int rc = getaddrinfo(endpoint.host.c_str(), endpoint.port.c_str(), &hints, &found);
  if (rc != 0) {
    return absl::UnavailableError(
        std::format("cannot resolve '{}': {}", endpoint.host, gai_strerror(rc)));
  }
  int error = 0;
  StreamPtr stream;
  for (addrinfo* ai = found; ai != nullptr && stream == nullptr; ai = ai->ai_next) {
    mongoc_socket_t* sock = mongoc_socket_new(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
    if (sock == nullptr) {
      error = errno;
      continue;
    }
    if (mongoc_socket_connect(sock, ai->ai_addr, static_cast<mongoc_socklen_t>(ai->ai_addrlen),
                              deadline.ExpireAt()) == 0) {
      stream.reset(mongoc_stream_socket_new(sock));  // owns sock
    } else {
      error = mongoc_socket_errno(sock);
      mongoc_socket_destroy(sock);
    }
  }
  freeaddrinfo(found);
  if (stream == nullptr) {
    if (deadline.Expired()) {
      return absl::DeadlineExceededError("connecting timed out");
    }
    return absl::UnavailableError(std::format("cannot connect: {}", ErrnoText(error)));
  }
  return stream;
}

Outcome Attempt(mongocrypt_kms_ctx_t* kms, const Endpoint& endpoint,
                std::span<const uint8_t> request, const KmsTlsSettings& tls,
                std::chrono::milliseconds timeout) {
  const Deadline deadline(timeout);
  absl::StatusOr<StreamPtr> base = Connect(endpoint, deadline);
  if (!base.ok()) {
    return Outcome::Network(base.status().code(), "crypt.kms_unreachable",
                            std::string(base.status().message()));
  }
  mongoc_ssl_opt_t ssl{};
  ssl.ca_file = tls.ca_file.empty() ? nullptr : tls.ca_file.c_str();
  ssl.pem_file = tls.cert_key_file.empty() ? nullptr : tls.cert_key_file.c_str();
  ssl.pem_pwd = tls.cert_key_password.empty() ? nullptr : tls.cert_key_password.c_str();
  // The host gives SNI and the name (or IP address) the certificate must
  // carry; mongoc sets both from it.
  StreamPtr stream(
      mongoc_stream_tls_new_with_hostname(base->get(), endpoint.host.c_str(), &ssl, /*client=*/1));
  if (stream == nullptr) {
    // On failure the TLS stream did not take the base stream; `base` still
    // owns and closes it.
    return Outcome::Network(absl::StatusCode::kUnavailable, "crypt.kms_tls",
                            "cannot set up TLS (is tlsCertificateKeyFile a PEM certificate and "
                            "key, and its password right?)");
  }
  base->release();  // now owned by `stream`
  bson_error_t error{};
  if (!mongoc_stream_tls_handshake_block(stream.get(), endpoint.host.c_str(),
                                         deadline.RemainingMs(), &error)) {
    return Outcome::Network(absl::StatusCode::kUnavailable, "crypt.kms_tls", error.message);
  }

  size_t written = 0;
  while (written < request.size()) {
    if (deadline.Expired()) {
      return Outcome::Network(absl::StatusCode::kDeadlineExceeded, "crypt.kms_network",
                              "sending the request timed out");
    }
    errno = 0;
    const ssize_t n =
        mongoc_stream_write(stream.get(), const_cast<uint8_t*>(request.data()) + written,
                            request.size() - written, deadline.RemainingMs());
    if (n <= 0) {
      const bool timed_out = mongoc_stream_timed_out(stream.get());
      return Outcome::Network(
          timed_out ? absl::StatusCode::kDeadlineExceeded : absl::StatusCode::kUnavailable,
          "crypt.kms_network",
          timed_out ? std::string("sending the request timed out")
                    : std::format("sending the request failed: {}", ErrnoText(errno)));
    }
    written += static_cast<size_t>(n);
  }

  uint8_t buffer[kReadChunk];
  size_t total = 0;
  while (const uint32_t needed = mongocrypt_kms_ctx_bytes_needed(kms)) {
    if (total >= kMaxReplyBytes) {
      return {Outcome::Kind::kKmsError, absl::StatusCode::kFailedPrecondition, "crypt.kms_error",
              std::format("the reply is longer than {} bytes", kMaxReplyBytes)};
    }
    const size_t want = std::min({size_t{needed}, kReadChunk, kMaxReplyBytes - total});
    errno = 0;
    const ssize_t n = mongoc_stream_read(stream.get(), buffer, want,
                                         /*min_bytes=*/1, deadline.RemainingMs());
    if (n <= 0) {
      if (mongoc_stream_timed_out(stream.get()) || deadline.Expired()) {
        return Outcome::Network(absl::StatusCode::kDeadlineExceeded, "crypt.kms_network",
                                std::format("timed out waiting for the reply after {} bytes of "
                                            "it",
                                            total));
      }
      const int e = errno;
      return Outcome::Network(
          absl::StatusCode::kUnavailable, "crypt.kms_network",
          std::format("the connection ended after {} bytes of the reply, "
                      "before it was complete{}",
                      total, e == 0 ? std::string() : std::format(" ({})", ErrnoText(e))));
    }
    total += static_cast<size_t>(n);
    BinaryPtr bytes = ViewBytes(std::span<const uint8_t>(buffer, static_cast<size_t>(n)));
    if (!mongocrypt_kms_ctx_feed(kms, bytes.get())) {
      return {Outcome::Kind::kKmsError, absl::StatusCode::kFailedPrecondition, "crypt.kms_error",
              WithoutKeyMaterial(KmsContextError(kms))};
    }
  }
  return {};
}

bool IsKnownProvider(std::string_view name) {
  const std::string_view type = name.substr(0, name.find(':'));
  return type == "aws" || type == "azure" || type == "gcp" || type == "kmip" || type == "local";
}

absl::Status CheckReadable(const std::string& path, std::string_view option,
                           std::string_view provider) {
  if (path.empty()) return absl::OkStatus();
  std::ifstream in(path, std::ios::binary);
  if (!in.good()) {
    return absl::InvalidArgumentError(
        std::format("cannot read {} '{}' for the '{}' KMS provider: {}", option, path, provider,
                    ErrnoText(errno)));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::map<std::string, KmsTlsSettings, std::less<>>> KmsTransport::ParseTlsOptions(
    const bson_t* tls_options) {
  std::map<std::string, KmsTlsSettings, std::less<>> out;
  if (tls_options == nullptr) return out;
  bson_iter_t provider;
  if (!bson_iter_init(&provider, tls_options)) {
    return absl::InvalidArgumentError("the KMS TLS options are not valid BSON");
  }
  while (bson_iter_next(&provider)) {
    const std::string name = bson_iter_key(&provider);
    if (!IsKnownProvider(name)) {
      return absl::InvalidArgumentError(
          std::format("KMS TLS options: unknown KMS provider '{}' (expected aws, azure, "
                      "gcp, kmip or local, optionally as '<provider>:<name>')",
                      name));
    }
    if (!BSON_ITER_HOLDS_DOCUMENT(&provider)) {
      return absl::InvalidArgumentError(
          std::format("KMS TLS options for '{}' must be a document", name));
    }
    KmsTlsSettings settings;
    bson_iter_t option;
    bson_iter_recurse(&provider, &option);
    while (bson_iter_next(&option)) {
      const std::string_view key = bson_iter_key(&option);
      std::string* target = nullptr;
      if (EqualsIgnoringCase(key, "tlsCAFile")) {
        target = &settings.ca_file;
      } else if (EqualsIgnoringCase(key, "tlsCertificateKeyFile")) {
        target = &settings.cert_key_file;
      } else if (EqualsIgnoringCase(key, "tlsCertificateKeyFilePassword")) {
        target = &settings.cert_key_password;
      } else if (EqualsIgnoringCase(key, "tlsDisableOCSPEndpointCheck")) {
        if (BSON_ITER_HOLDS_BOOL(&option) && !bson_iter_bool(&option)) continue;
        return absl::InvalidArgumentError(
            std::format("KMS TLS options for '{}': tlsDisableOCSPEndpointCheck cannot be "
                        "set on querysafe's KMS connections (mongoc's public TLS API has "
                        "no such setting); remove it",
                        name));
      } else if (EqualsIgnoringCase(key, "tlsInsecure") ||
                 EqualsIgnoringCase(key, "tlsAllowInvalidCertificates") ||
                 EqualsIgnoringCase(key, "tlsAllowInvalidHostnames") ||
                 EqualsIgnoringCase(key, "tlsDisableCertificateRevocationCheck")) {
        return absl::InvalidArgumentError(
            std::format("KMS TLS options for '{}': '{}' is not allowed for KMS "
                        "connections (the drivers' client-side encryption spec forbids "
                        "it)",
                        name, key));
      } else {
        return absl::InvalidArgumentError(
            std::format("KMS TLS options for '{}': unknown option '{}' (expected "
                        "tlsCAFile, tlsCertificateKeyFile, tlsCertificateKeyFilePassword)",
                        name, key));
      }
      if (!BSON_ITER_HOLDS_UTF8(&option)) {
        return absl::InvalidArgumentError(
            std::format("KMS TLS options for '{}': '{}' must be a string", name, key));
      }
      *target = bson_iter_utf8(&option, nullptr);
    }
    out[name] = std::move(settings);
  }
  return out;
}

absl::StatusOr<std::shared_ptr<const KmsTransport>> KmsTransport::Create(
    KmsTransportOptions options) {
  if (options.timeout.count() <= 0 ||
      options.timeout.count() > std::numeric_limits<int32_t>::max()) {
    return absl::InvalidArgumentError(
        "the KMS timeout must be positive and fit in 32 bits of milliseconds");
  }
  for (const auto& [name, tls] : options.tls) {
    for (auto [path, option] : {std::pair{&tls.ca_file, "tlsCAFile"},
                                std::pair{&tls.cert_key_file, "tlsCertificateKeyFile"}}) {
      if (absl::Status s = CheckReadable(*path, option, name); !s.ok()) {
        return s;
      }
    }
  }
  // TLS streams need mongoc's (and OpenSSL's) global state; mongoc_init runs
  // once however often it is called.
  mongoc_init();
  return std::shared_ptr<const KmsTransport>(new KmsTransport(std::move(options)));
}

KmsTransport::KmsTransport(KmsTransportOptions options) : options_(std::move(options)) {}

absl::Status KmsTransport::Run(mongocrypt_ctx_t* ctx) const {
  static const KmsTlsSettings kNoSettings;
  mongocrypt_kms_ctx_t* previous = nullptr;
  int attempts = 0;
  for (int requests = 0;; ++requests) {
    mongocrypt_kms_ctx_t* kms = mongocrypt_ctx_next_kms_ctx(ctx);
    if (kms == nullptr) break;
    if (requests == kMaxRequests) {
      return absl::InternalError(std::format(
          "libmongocrypt asked for more than {} KMS requests for one value", kMaxRequests));
    }
    // A retried request comes back as the same handle.
    attempts = kms == previous ? attempts + 1 : 1;
    previous = kms;

    uint32_t provider_len = 0;
    const char* provider_text = mongocrypt_kms_ctx_get_kms_provider(kms, &provider_len);
    const std::string provider = provider_text == nullptr
                                     ? std::string("unknown")
                                     : std::string(provider_text, provider_len);
    const char* endpoint_text = nullptr;
    BinaryPtr message = NewOutputBinary();
    if (!mongocrypt_kms_ctx_endpoint(kms, &endpoint_text) || endpoint_text == nullptr ||
        !mongocrypt_kms_ctx_message(kms, message.get())) {
      return absl::InternalError(
          std::format("the '{}' KMS request: {}", provider, KmsContextError(kms)));
    }
    const std::string endpoint_name = endpoint_text;
    std::optional<Endpoint> endpoint = ParseEndpoint(endpoint_name, provider);
    if (!endpoint) {
      return Failure(absl::StatusCode::kInvalidArgument, "crypt.kms_unreachable",
                     std::format("the '{}' KMS endpoint '{}' is not "
                                 "'host:port'",
                                 provider, endpoint_name));
    }
    const int64_t backoff = mongocrypt_kms_ctx_usleep(kms);
    if (backoff > 0) {
      std::this_thread::sleep_for(std::min(std::chrono::microseconds(backoff), kMaxBackoff));
    }
    auto tls = options_.tls.find(provider);
    const std::span<const uint8_t> request(mongocrypt_binary_data(message.get()),
                                           mongocrypt_binary_len(message.get()));
    Outcome outcome =
        Attempt(kms, *endpoint, request, tls == options_.tls.end() ? kNoSettings : tls->second,
                options_.timeout);
    const std::string where = std::format("the '{}' KMS at {}", provider, endpoint_name);
    switch (outcome.kind) {
      case Outcome::Kind::kDone:
        break;
      case Outcome::Kind::kKmsError:
        return Failure(outcome.code, outcome.kms_code,
                       std::format("{} answered with an error: {}", where, outcome.message));
      case Outcome::Kind::kNetwork:
        // libmongocrypt decides whether to try again (then the handle comes
        // back from next_kms_ctx, with a backoff to sleep first).
        if (mongocrypt_kms_ctx_fail(kms)) break;
        return Failure(outcome.code, outcome.kms_code,
                       std::format("{}: {} ({} attempt{}; libmongocrypt: {})", where,
                                   outcome.message, attempts, attempts == 1 ? "" : "s",
                                   WithoutKeyMaterial(KmsContextError(kms))));
    }
  }
  // next_kms_ctx returns null at the end of the list, and on an error.
  mongocrypt_status_t* status = mongocrypt_status_new();
  const bool ok = mongocrypt_ctx_status(ctx, status);
  mongocrypt_status_destroy(status);
  if (!ok) return absl::InternalError(ContextError(ctx));
  if (!mongocrypt_ctx_kms_done(ctx)) {
    // The replies were complete but did not give a usable key (a wrong
    // length, a failed decryption of the key material).
    return Failure(absl::StatusCode::kFailedPrecondition, "crypt.kms_error",
                   WithoutKeyMaterial(ContextError(ctx)));
  }
  return absl::OkStatus();
}

std::string_view KmsFailureCode(const absl::Status& status) {
  static constexpr std::string_view kCodes[] = {"crypt.kms_unreachable", "crypt.kms_tls",
                                                "crypt.kms_network", "crypt.kms_error",
                                                "crypt.kms_credentials"};
  auto payload = status.GetPayload(kFailurePayloadUrl);
  if (!payload.has_value()) return {};
  const std::string code(*payload);
  for (std::string_view known : kCodes) {
    if (code == known) return known;
  }
  return {};
}

namespace internal {

absl::Status KmsFailure(absl::StatusCode code, std::string_view kms_code, std::string message) {
  return Failure(code, kms_code, std::move(message));
}

}  // namespace internal
}  // namespace querysafe::crypt
