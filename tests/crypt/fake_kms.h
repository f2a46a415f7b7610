// A fake AWS KMS for the KMS tests: an HTTPS server on 127.0.0.1 (an ephemeral
// port) inside the test binary, with a certificate authority and a server
// certificate (subjectAltName IP:127.0.0.1, DNS:localhost) made with OpenSSL
// when it starts, so that clients verify it exactly as they would verify AWS.
// It answers TrentService.Decrypt as AWS KMS does: {"KeyId": <ARN>,
// "Plaintext": base64(the data key)} for a CiphertextBlob it knows, an
// InvalidCiphertextException (HTTP 400) for one it does not; tests can script
// the next replies instead (an HTTP error, a truncated reply, a dropped
// connection).
//
// Why in process and with real TLS: the transport under test (lib/crypt
// kms_transport) and mongoc's own KMS client (the driver decrypting replies in
// the wire tests) both connect to it over real sockets with certificate and
// hostname checks, and the test sees every request they send.
//
// Threads: one accepts, one per connection serves it; destroying the server
// stops and joins them. Its methods are safe to call from the test's thread
// while clients are connected.
#ifndef QUERYSAFE_TESTS_CRYPT_FAKE_KMS_H_
#define QUERYSAFE_TESTS_CRYPT_FAKE_KMS_H_

#include <atomic>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "lib/common/bson_util.h"
#include "lib/crypt/key_source.h"
#include "lib/crypt/kms_providers.h"

namespace querysafe::crypt::testing {

// What the fake does with one request instead of answering it.
struct KmsAction {
  enum class Kind {
    kAnswer,    // the Decrypt reply (or 400 for an unknown ciphertext)
    kStatus,    // HTTP `status` with `body`
    kTruncate,  // headers announcing the whole reply, half of its body, close
    kClose,     // close the connection without replying
    kStall,     // say nothing until the client gives up
  };
  Kind kind = Kind::kAnswer;
  int status = 200;
  std::string body;

  static KmsAction Of(Kind kind) { return {kind, 200, ""}; }
  static KmsAction Status(int status, std::string body) {
    return {Kind::kStatus, status, std::move(body)};
  }
};

// One request as received.
struct KmsRequest {
  std::string head;  // request line and headers
  std::string body;
};

class FakeKms {
 public:
  // Makes the certificates in `dir` (ca.pem, and other-ca.pem: a CA that did
  // not sign the server's certificate) and starts listening; ok() says
  // whether all of that worked, error() why not. `names` is the server
  // certificate's subjectAltName.
  explicit FakeKms(std::string dir, std::string names = "IP:127.0.0.1,DNS:localhost");
  ~FakeKms();
  FakeKms(const FakeKms&) = delete;
  FakeKms& operator=(const FakeKms&) = delete;

  bool ok() const { return error_.empty(); }
  const std::string& error() const { return error_; }
  int port() const { return port_; }
  std::string endpoint() const;  // "127.0.0.1:<port>"
  const std::string& ca_file() const { return ca_file_; }
  const std::string& other_ca_file() const { return other_ca_file_; }

  // Decrypt requests for `ciphertext` are answered with `plaintext`.
  void AddKey(std::span<const uint8_t> ciphertext, std::span<const uint8_t> plaintext);
  // The next requests get these actions, in order; then answers again.
  void Script(std::vector<KmsAction> actions);
  // Requests whose headers and body were read (handshakes that failed are
  // not requests).
  std::vector<KmsRequest> Requests() const;
  int request_count() const;
  int failed_handshakes() const { return failed_handshakes_.load(); }

 private:
  void Accept();
  void Serve(int fd);
  std::string Reply(const KmsRequest& request, KmsAction* action);

  std::string error_;
  std::string ca_file_, other_ca_file_;
  int listen_fd_ = -1;
  int port_ = 0;
  void* ssl_ctx_ = nullptr;  // SSL_CTX*, kept out of this header
  std::atomic<bool> stopping_{false};
  std::atomic<int> failed_handshakes_{0};
  std::thread acceptor_;
  mutable std::mutex mu_;
  std::vector<std::thread> connections_;
  std::vector<int> open_fds_;
  std::map<std::string, std::string> keys_;  // base64 ciphertext -> plaintext
  std::deque<KmsAction> script_;
  std::vector<KmsRequest> requests_;
};

// The ARN the fake's keys are said to be under.
inline constexpr char kFakeKeyArn[] =
    "arn:aws:kms:us-east-1:579766882180:key/"
    "89fcc2c4-08b0-4bd9-9f25-e30687b580d0";

// A key vault document for a data key wrapped by an AWS master key at
// `endpoint`: {_id, keyAltNames, keyMaterial: `ciphertext`, creationDate,
// updateDate, status: 0, masterKey: {provider: "aws", region: "us-east-1",
// key: kFakeKeyArn, endpoint}}.
BsonDoc AwsKeyDocument(const KeyId& id, std::span<const uint8_t> ciphertext,
                       std::string_view endpoint, std::vector<std::string> alt_names = {});

// The same data key (`plaintext`, 96 bytes) wrapped by the local master key of
// `kms` instead, with the same _id: made by libmongocrypt
// (mongocrypt_ctx_setopt_key_material), so that the two documents stand for
// one key.
BsonDoc LocalKeyDocument(const KmsProviders& kms, const KeyId& id,
                         std::span<const uint8_t> plaintext,
                         std::vector<std::string> alt_names = {});

// KMS providers with AWS credentials the fake accepts (it checks none).
KmsProviders AwsProviders();

// A fresh directory under the test's temporary directory.
std::string MakeTempDir(std::string_view name);

}  // namespace querysafe::crypt::testing

#endif  // QUERYSAFE_TESTS_CRYPT_FAKE_KMS_H_
