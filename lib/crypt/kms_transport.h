// The network half of KMS master keys: when libmongocrypt needs a data key
// that an aws, azure, gcp or kmip master key wraps, it builds the KMS request
// (a signed HTTP request, or a KMIP message) and asks its caller to carry it
// (MONGOCRYPT_CTX_NEED_KMS). KmsTransport carries it:
//
//   for each mongocrypt_kms_ctx_t (mongocrypt_ctx_next_kms_ctx):
//     sleep mongocrypt_kms_ctx_usleep (libmongocrypt's backoff between
//     retries); TCP to mongocrypt_kms_ctx_endpoint ("host:port"; libmongocrypt
//     adds 443, or 5696 for kmip, when the key names none), TLS with SNI and
//     hostname (or IP) verification against the provider's tlsCAFile or the
//     system's roots, the provider's client certificate if any; write
//     mongocrypt_kms_ctx_message, read until mongocrypt_kms_ctx_bytes_needed is
//     0, feeding every byte read; on a network failure,
//     mongocrypt_kms_ctx_fail: libmongocrypt says whether to retry (then
//     next_kms_ctx hands the same request back).
//   mongocrypt_ctx_kms_done.
//
// It is made of mongoc's public stream API (mongoc_socket_*,
// mongoc_stream_socket_new, mongoc_stream_tls_new_with_hostname,
// mongoc_stream_tls_handshake_block), so TLS behaves as the driver's own KMS
// connections do (same OpenSSL setup, same OCSP handling), and no OpenSSL code
// lives here.
//
// Retries: libmongocrypt >= 1.12 retries KMS requests itself when asked to
// (mongocrypt_setopt_retry_kms, which the Encryptor sets when it has a
// transport): up to 3 retries of a network failure or of an HTTP reply it
// deems transient (a 503, in the tests), with backoff. HTTP replies are parsed
// by libmongocrypt; this file only moves bytes.
//
// Limits: every attempt (connect, handshake, write, read) has one deadline,
// `timeout` (10 s by default), so a silent KMS costs at most 4 timeouts plus
// libmongocrypt's backoff; a reply is read in at most 4 KiB at a time and at
// most 1 MiB in all, whatever the peer sends. Name resolution (getaddrinfo)
// has no timeout of its own.
//
// Failures are absl::Status values, never exceptions or aborts; their messages
// name the provider and the endpoint and never hold key material (an HTTP 200
// reply's body, which holds the unwrapped key, is cut from libmongocrypt's
// messages). KmsFailureCode() gives the diagnostic code a failure stands for.
//
// Thread safety: a KmsTransport is immutable once made; any number of threads
// may carry requests through one at once (each call has its own sockets).
#ifndef QUERYSAFE_LIB_CRYPT_KMS_TRANSPORT_H_
#define QUERYSAFE_LIB_CRYPT_KMS_TRANSPORT_H_

#include <bson/bson.h>

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

typedef struct _mongocrypt_ctx_t mongocrypt_ctx_t;

namespace querysafe::crypt {

// TLS settings for one KMS provider, as mongoc's kms tls_opts document gives
// them: {"aws": {"tlsCAFile": ..., "tlsCertificateKeyFile": ...,
// "tlsCertificateKeyFilePassword": ...}}.
struct KmsTlsSettings {
  std::string ca_file;            // tlsCAFile; empty: the system's trust store
  std::string cert_key_file;      // tlsCertificateKeyFile (KMIP client auth)
  std::string cert_key_password;  // tlsCertificateKeyFilePassword
};

struct KmsTransportOptions {
  // Per provider name ("aws", "kmip", "aws:name"...): looked up by the exact
  // name libmongocrypt gives the request; a provider without an entry uses
  // the system's trust store and no client certificate.
  std::map<std::string, KmsTlsSettings, std::less<>> tls;
  // The deadline of one attempt: connect, TLS handshake, request and reply.
  std::chrono::milliseconds timeout{10'000};
};

class KmsTransport {
 public:
  // Checks the options: files must be readable (so that a typo is an error
  // here, not a TLS failure on the first query), the timeout positive.
  static absl::StatusOr<std::shared_ptr<const KmsTransport>> Create(KmsTransportOptions options);

  // Reads mongoc's kms tls_opts document. Options the driver spec forbids for
  // KMS connections (tlsInsecure, tlsAllowInvalidCertificates,
  // tlsAllowInvalidHostnames, tlsDisableCertificateRevocationCheck) and
  // unknown ones are errors, as is tlsDisableOCSPEndpointCheck: true, which
  // mongoc's public API cannot set on a stream. May be empty (null or {}).
  static absl::StatusOr<std::map<std::string, KmsTlsSettings, std::less<>>> ParseTlsOptions(
      const bson_t* tls_options);

  // Carries every KMS request `ctx` has (it must be in
  // MONGOCRYPT_CTX_NEED_KMS) and calls mongocrypt_ctx_kms_done. Status codes:
  // kUnavailable for a network failure libmongocrypt would not retry further,
  // kDeadlineExceeded for a timeout, kFailedPrecondition for an error reply
  // from the KMS (an HTTP error, a malformed body), kInternal for a
  // libmongocrypt failure.
  absl::Status Run(mongocrypt_ctx_t* ctx) const;

  const KmsTransportOptions& options() const { return options_; }

 private:
  explicit KmsTransport(KmsTransportOptions options);

  KmsTransportOptions options_;
};

// The diagnostic code of a failure made by KmsTransport::Run:
// "crypt.kms_unreachable" (name resolution, connect), "crypt.kms_tls" (the TLS
// handshake: an untrusted certificate, a hostname mismatch...),
// "crypt.kms_network" (the connection failed or timed out mid-request, a
// truncated reply), "crypt.kms_error" (the KMS answered with an error or an
// unreadable reply), "crypt.kms_credentials" (the Encryptor's: a provider
// configured for on-demand credentials); empty for any other status.
std::string_view KmsFailureCode(const absl::Status& status);

namespace internal {
// A status KmsFailureCode() reads `kms_code` from.
absl::Status KmsFailure(absl::StatusCode code, std::string_view kms_code, std::string message);
}  // namespace internal

}  // namespace querysafe::crypt

#endif  // QUERYSAFE_LIB_CRYPT_KMS_TRANSPORT_H_
