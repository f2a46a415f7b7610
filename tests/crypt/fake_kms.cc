#include "tests/crypt/fake_kms.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <cstring>
#include <format>
#include <fstream>

#include "absl/strings/escaping.h"
#include "lib/common/bson_array.h"
#include "lib/crypt/mongocrypt_util.h"

namespace querysafe::crypt::testing {
namespace {

struct Pkey {
  EVP_PKEY* p = nullptr;
  ~Pkey() { EVP_PKEY_free(p); }
};
struct Cert {
  X509* x = nullptr;
  ~Cert() { X509_free(x); }
};

std::string OpenSslError() {
  const unsigned long e = ERR_get_error();
  char text[256] = "unknown OpenSSL error";
  if (e != 0) ERR_error_string_n(e, text, sizeof text);
  return text;
}

bool AddExtension(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, const_cast<char*>(value));
  if (ext == nullptr) return false;
  const bool ok = X509_add_ext(cert, ext, -1) == 1;
  X509_EXTENSION_free(ext);
  return ok;
}

// A certificate for `key` named `cn`, signed by `issuer_key` (itself when
// `issuer` is null: a self-signed CA).
bool MakeCert(EVP_PKEY* key, const char* cn, X509* issuer, EVP_PKEY* issuer_key, long serial,
              const std::string& names, Cert* out) {
  X509* x = X509_new();
  out->x = x;
  X509_set_version(x, X509_VERSION_3);
  ASN1_INTEGER_set(X509_get_serialNumber(x), serial);
  X509_gmtime_adj(X509_getm_notBefore(x), -3600);
  X509_gmtime_adj(X509_getm_notAfter(x), 24 * 3600);
  X509_set_pubkey(x, key);
  X509_NAME* name = X509_get_subject_name(x);
  X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("querysafe"), -1, -1, 0);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(cn),
                             -1, -1, 0);
  const bool ca = issuer == nullptr;
  X509* signer = ca ? x : issuer;
  X509_set_issuer_name(x, X509_get_subject_name(signer));
  bool ok = AddExtension(x, signer, NID_subject_key_identifier, "hash") &&
            AddExtension(x, signer, NID_authority_key_identifier, "keyid:always");
  if (ca) {
    ok = ok && AddExtension(x, signer, NID_basic_constraints, "critical,CA:TRUE") &&
         AddExtension(x, signer, NID_key_usage, "critical,keyCertSign,cRLSign");
  } else {
    ok = ok && AddExtension(x, signer, NID_basic_constraints, "critical,CA:FALSE") &&
         AddExtension(x, signer, NID_key_usage, "critical,digitalSignature,keyEncipherment") &&
         AddExtension(x, signer, NID_ext_key_usage, "serverAuth") &&
         AddExtension(x, signer, NID_subject_alt_name, names.c_str());
  }
  return ok && X509_sign(x, ca ? key : issuer_key, EVP_sha256()) > 0;
}

std::string CertPem(X509* x) {
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_X509(bio, x);
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio, &data);
  std::string pem(data, static_cast<size_t>(len));
  BIO_free(bio);
  return pem;
}

bool WriteFile(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  return out.good();
}

bool ReadSome(SSL* ssl, std::string* into) {
  char buffer[4096];
  const int n = SSL_read(ssl, buffer, sizeof buffer);
  if (n <= 0) return false;
  into->append(buffer, static_cast<size_t>(n));
  return true;
}

void WriteAll(SSL* ssl, std::string_view data) {
  while (!data.empty()) {
    const int n = SSL_write(ssl, data.data(), static_cast<int>(data.size()));
    if (n <= 0) return;
    data.remove_prefix(static_cast<size_t>(n));
  }
}

std::string Http(int status, std::string_view body) {
  const char* reason = status == 200   ? "OK"
                       : status == 400 ? "Bad Request"
                       : status == 503 ? "Service Unavailable"
                                       : "Error";
  return std::format(
      "HTTP/1.1 {} {}\r\nx-amzn-RequestId: 0b6f9d4e-fake\r\n"
      "Content-Type: application/x-amz-json-1.1\r\nContent-Length: {}\r\n"
      "Connection: close\r\n\r\n{}",
      status, reason, body.size(), body);
}

}  // namespace

FakeKms::FakeKms(std::string dir, std::string names) {
  Pkey ca_key, server_key, other_key;
  Cert ca, server, other;
  ca_key.p = EVP_EC_gen("P-256");
  server_key.p = EVP_EC_gen("P-256");
  other_key.p = EVP_EC_gen("P-256");
  if (ca_key.p == nullptr || server_key.p == nullptr || other_key.p == nullptr ||
      !MakeCert(ca_key.p, "querysafe test CA", nullptr, nullptr, 1, "", &ca) ||
      !MakeCert(server_key.p, "localhost", ca.x, ca_key.p, 2, names, &server) ||
      !MakeCert(other_key.p, "querysafe unrelated CA", nullptr, nullptr, 3, "", &other)) {
    error_ = "cannot make the certificates: " + OpenSslError();
    return;
  }
  ca_file_ = dir + "/ca.pem";
  other_ca_file_ = dir + "/other-ca.pem";
  if (!WriteFile(ca_file_, CertPem(ca.x)) || !WriteFile(other_ca_file_, CertPem(other.x))) {
    error_ = "cannot write the CA files in " + dir;
    return;
  }

  SSL_CTX* ctx = SSL_CTX_new(TLS_server_method());
  ssl_ctx_ = ctx;
  if (ctx == nullptr || SSL_CTX_use_certificate(ctx, server.x) != 1 ||
      SSL_CTX_use_PrivateKey(ctx, server_key.p) != 1) {
    error_ = "cannot set up the server's TLS: " + OpenSslError();
    return;
  }
  // OpenSSL writes with send() and no MSG_NOSIGNAL: a client that hangs up
  // first must not kill the test binary with SIGPIPE.
  signal(SIGPIPE, SIG_IGN);

  listen_fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (listen_fd_ < 0 || bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      listen(listen_fd_, 16) != 0 ||
      getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    error_ = std::format("cannot listen on 127.0.0.1: {}", std::strerror(errno));
    return;
  }
  port_ = ntohs(addr.sin_port);
  acceptor_ = std::thread([this] { Accept(); });
}

FakeKms::~FakeKms() {
  stopping_ = true;
  if (listen_fd_ >= 0) shutdown(listen_fd_, SHUT_RDWR);
  if (acceptor_.joinable()) acceptor_.join();
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (int fd : open_fds_) shutdown(fd, SHUT_RDWR);
  }
  for (std::thread& t : connections_) t.join();
  if (listen_fd_ >= 0) close(listen_fd_);
  SSL_CTX_free(static_cast<SSL_CTX*>(ssl_ctx_));
}

std::string FakeKms::endpoint() const { return std::format("127.0.0.1:{}", port_); }

void FakeKms::AddKey(std::span<const uint8_t> ciphertext, std::span<const uint8_t> plaintext) {
  std::lock_guard<std::mutex> lock(mu_);
  keys_[absl::Base64Escape(
      std::string(reinterpret_cast<const char*>(ciphertext.data()), ciphertext.size()))] =
      std::string(reinterpret_cast<const char*>(plaintext.data()), plaintext.size());
}

void FakeKms::Script(std::vector<KmsAction> actions) {
  std::lock_guard<std::mutex> lock(mu_);
  script_.assign(actions.begin(), actions.end());
}

std::vector<KmsRequest> FakeKms::Requests() const {
  std::lock_guard<std::mutex> lock(mu_);
  return requests_;
}

int FakeKms::request_count() const {
  std::lock_guard<std::mutex> lock(mu_);
  return static_cast<int>(requests_.size());
}

void FakeKms::Accept() {
  while (!stopping_) {
    const int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) {
      if (stopping_ || errno != EINTR) return;
      continue;
    }
    // A client that stalls cannot hold a serving thread past the test.
    timeval timeout{5, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
    std::lock_guard<std::mutex> lock(mu_);
    open_fds_.push_back(fd);
    connections_.emplace_back([this, fd] { Serve(fd); });
  }
}

void FakeKms::Serve(int fd) {
  SSL* ssl = SSL_new(static_cast<SSL_CTX*>(ssl_ctx_));
  SSL_set_fd(ssl, fd);
  auto finish = [&] {
    SSL_free(ssl);
    std::lock_guard<std::mutex> lock(mu_);
    std::erase(open_fds_, fd);
    close(fd);
  };
  if (SSL_accept(ssl) != 1) {
    ++failed_handshakes_;
    ERR_clear_error();
    finish();
    return;
  }
  // The request: headers up to a blank line, then Content-Length bytes.
  std::string data;
  size_t head_end;
  while ((head_end = data.find("\r\n\r\n")) == std::string::npos) {
    if (data.size() > 64 * 1024 || !ReadSome(ssl, &data)) {
      finish();
      return;
    }
  }
  KmsRequest request;
  request.head = data.substr(0, head_end);
  size_t length = 0;
  for (std::string_view name : {"Content-Length:", "content-length:"}) {
    size_t at = request.head.find(name);
    if (at == std::string::npos) continue;
    at += name.size();
    while (at < request.head.size() && request.head[at] == ' ') ++at;
    length = std::strtoul(request.head.c_str() + at, nullptr, 10);
  }
  request.body = data.substr(head_end + 4);
  while (request.body.size() < length && request.body.size() < 64 * 1024) {
    if (!ReadSome(ssl, &request.body)) break;
  }
  KmsAction action;
  {
    std::lock_guard<std::mutex> lock(mu_);
    requests_.push_back(request);
    if (!script_.empty()) {
      action = script_.front();
      script_.pop_front();
    }
  }
  switch (action.kind) {
    case KmsAction::Kind::kAnswer:
      WriteAll(ssl, Reply(request, &action));
      break;
    case KmsAction::Kind::kStatus:
      WriteAll(ssl, Http(action.status, action.body));
      break;
    case KmsAction::Kind::kTruncate: {
      const std::string whole = Reply(request, &action);
      WriteAll(ssl, whole.substr(0, whole.size() - 40));
      break;
    }
    case KmsAction::Kind::kClose:
      break;
    case KmsAction::Kind::kStall: {
      // Until the client closes (or the 5 s receive timeout, or shutdown).
      std::string ignored;
      while (!stopping_ && ReadSome(ssl, &ignored)) ignored.clear();
      break;
    }
  }
  SSL_shutdown(ssl);
  finish();
}

std::string FakeKms::Reply(const KmsRequest& request, KmsAction* action) {
  BsonDoc body;
  bson_error_t error;
  std::string ciphertext;
  if (BsonDoc::FromJson(request.body, &body, &error)) {
    bson_iter_t it;
    if (bson_iter_init_find(&it, body.get(), "CiphertextBlob") && BSON_ITER_HOLDS_UTF8(&it)) {
      ciphertext = bson_iter_utf8(&it, nullptr);
    }
  }
  std::string plaintext;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto key = keys_.find(ciphertext);
    if (key != keys_.end()) plaintext = key->second;
  }
  if (plaintext.empty()) {
    action->status = 400;
    return Http(400, R"({"__type": "InvalidCiphertextException", "message": "The )"
                     R"(ciphertext refers to a customer master key that does not )"
                     R"(exist"})");
  }
  return Http(200, std::format(R"({{"KeyId": "{}", "Plaintext": "{}"}})", kFakeKeyArn,
                               absl::Base64Escape(plaintext)));
}

BsonDoc AwsKeyDocument(const KeyId& id, std::span<const uint8_t> ciphertext,
                       std::string_view endpoint, std::vector<std::string> alt_names) {
  BsonDoc doc;
  bson_append_binary(doc.get(), "_id", 3, BSON_SUBTYPE_UUID, id.data(), 16);
  if (!alt_names.empty()) {
    bson_t names;
    querysafe::AppendArrayBegin(doc.get(), "keyAltNames", -1, &names);
    for (size_t i = 0; i < alt_names.size(); ++i) {
      AppendUtf8(&names, std::to_string(i), alt_names[i]);
    }
    bson_append_array_end(doc.get(), &names);
  }
  bson_append_binary(doc.get(), "keyMaterial", -1, BSON_SUBTYPE_BINARY, ciphertext.data(),
                     static_cast<uint32_t>(ciphertext.size()));
  BSON_APPEND_DATE_TIME(doc.get(), "creationDate", 1700000000000);
  BSON_APPEND_DATE_TIME(doc.get(), "updateDate", 1700000000000);
  BSON_APPEND_INT32(doc.get(), "status", 0);
  bson_t master;
  BSON_APPEND_DOCUMENT_BEGIN(doc.get(), "masterKey", &master);
  BSON_APPEND_UTF8(&master, "provider", "aws");
  BSON_APPEND_UTF8(&master, "region", "us-east-1");
  BSON_APPEND_UTF8(&master, "key", kFakeKeyArn);
  AppendUtf8(&master, "endpoint", endpoint);
  bson_append_document_end(doc.get(), &master);
  return doc;
}

BsonDoc LocalKeyDocument(const KmsProviders& kms, const KeyId& id,
                         std::span<const uint8_t> plaintext, std::vector<std::string> alt_names) {
  using internal::BinaryPtr;
  using internal::ViewBson;
  internal::CryptPtr crypt(mongocrypt_new());
  BinaryPtr providers = ViewBson(kms.document().get());
  EXPECT_TRUE(mongocrypt_setopt_kms_providers(crypt.get(), providers.get()));
  EXPECT_TRUE(mongocrypt_init(crypt.get())) << internal::CryptError(crypt.get());
  internal::CtxPtr ctx(mongocrypt_ctx_new(crypt.get()));
  BsonDoc kek, material;
  BSON_APPEND_UTF8(kek.get(), "provider", "local");
  bson_append_binary(material.get(), "keyMaterial", -1, BSON_SUBTYPE_BINARY, plaintext.data(),
                     static_cast<uint32_t>(plaintext.size()));
  BinaryPtr kek_bin = ViewBson(kek.get());
  BinaryPtr material_bin = ViewBson(material.get());
  EXPECT_TRUE(mongocrypt_ctx_setopt_key_encryption_key(ctx.get(), kek_bin.get()));
  EXPECT_TRUE(mongocrypt_ctx_setopt_key_material(ctx.get(), material_bin.get()))
      << internal::ContextError(ctx.get());
  EXPECT_TRUE(mongocrypt_ctx_datakey_init(ctx.get())) << internal::ContextError(ctx.get());
  EXPECT_EQ(mongocrypt_ctx_state(ctx.get()), MONGOCRYPT_CTX_READY)
      << internal::ContextError(ctx.get());
  BinaryPtr out = internal::NewOutputBinary();
  EXPECT_TRUE(mongocrypt_ctx_finalize(ctx.get(), out.get())) << internal::ContextError(ctx.get());
  absl::StatusOr<BsonDoc> made = internal::CopyBson(out.get());
  EXPECT_TRUE(made.ok()) << made.status();
  if (!made.ok()) return BsonDoc();
  // The same _id as the AWS document; alt names as asked.
  BsonDoc doc;
  bson_append_binary(doc.get(), "_id", 3, BSON_SUBTYPE_UUID, id.data(), 16);
  if (!alt_names.empty()) {
    bson_t names;
    querysafe::AppendArrayBegin(doc.get(), "keyAltNames", -1, &names);
    for (size_t i = 0; i < alt_names.size(); ++i) {
      AppendUtf8(&names, std::to_string(i), alt_names[i]);
    }
    bson_append_array_end(doc.get(), &names);
  }
  bson_copy_to_excluding_noinit(made->get(), doc.get(), "_id", "keyAltNames", nullptr);
  return doc;
}

KmsProviders AwsProviders() {
  BsonDoc aws;
  BSON_APPEND_UTF8(aws.get(), "accessKeyId", "AKIAFAKEFAKEFAKEFAKE");
  BSON_APPEND_UTF8(aws.get(), "secretAccessKey", "not-a-secret");
  KmsProviders kms;
  EXPECT_TRUE(kms.Set("aws", aws.get()).ok());
  return kms;
}

std::string MakeTempDir(std::string_view name) {
  std::string dir = std::format("{}querysafe_{}_{}", ::testing::TempDir(), name, getpid());
  mkdir(dir.c_str(), 0700);
  return dir;
}

}  // namespace querysafe::crypt::testing
