#include "lib/exec/encrypted_clients.h"

#include <format>

namespace querysafe::exec {

EncryptedClients::Lease& EncryptedClients::Lease::operator=(Lease&& other) noexcept {
  if (this != &other) {
    if (owner_ != nullptr && client_ != nullptr) owner_->Release(client_);
    owner_ = std::move(other.owner_);
    client_ = other.client_;
    other.owner_ = nullptr;
    other.client_ = nullptr;
  }
  return *this;
}

EncryptedClients::Lease::~Lease() {
  if (owner_ != nullptr && client_ != nullptr) owner_->Release(client_);
}

EncryptedClients::EncryptedClients(const mongoc_uri_t* uri, AutoEncryptionSettings settings)
    : uri_(mongoc_uri_copy(uri)), settings_(std::move(settings)) {
  const int32_t max = mongoc_uri_get_option_as_int32(uri, MONGOC_URI_MAXPOOLSIZE, 100);
  max_size_ = max > 0 ? static_cast<size_t>(max) : 100;
}

EncryptedClients::~EncryptedClients() = default;

std::shared_ptr<EncryptedClients> EncryptedClients::Create(const mongoc_uri_t* uri,
                                                           AutoEncryptionSettings settings,
                                                           Diagnostic* error) {
  std::shared_ptr<EncryptedClients> pool(new EncryptedClients(uri, std::move(settings)));
  std::unique_ptr<Entry> first = pool->MakeEntry(error);
  if (first == nullptr) return nullptr;
  pool->idle_.push_back(first->encrypted.get());
  pool->all_.push_back(std::move(first));
  return pool;
}

std::unique_ptr<EncryptedClients::Entry> EncryptedClients::MakeEntry(Diagnostic* error) const {
  auto entry = std::make_unique<Entry>();
  bson_error_t e;
  // Both clients take TLS options from the URI (tls, tlsCAFile...), which
  // mongoc applies to single-threaded clients itself.
  entry->key_vault.reset(mongoc_client_new_from_uri_with_error(uri_.get(), &e));
  if (entry->key_vault != nullptr) {
    entry->encrypted.reset(mongoc_client_new_from_uri_with_error(uri_.get(), &e));
  }
  if (entry->key_vault == nullptr || entry->encrypted == nullptr) {
    *error = DatabaseError("exec.client", std::format("cannot create a client: {}", e.message));
    return nullptr;
  }
  mongoc_client_set_error_api(entry->key_vault.get(), MONGOC_ERROR_API_VERSION_2);
  mongoc_client_set_error_api(entry->encrypted.get(), MONGOC_ERROR_API_VERSION_2);
  if (!settings_.enabled) return entry;

  MongocPtr<mongoc_auto_encryption_opts_t> opts(mongoc_auto_encryption_opts_new());
  // No query analysis: querysafe has already encrypted every value (its own
  // analysis replaces crypt_shared/mongocryptd); libmongocrypt still adds
  // encryptionInformation and decrypts replies.
  mongoc_auto_encryption_opts_set_bypass_query_analysis(opts.get(), true);
  mongoc_auto_encryption_opts_set_keyvault_client(opts.get(), entry->key_vault.get());
  mongoc_auto_encryption_opts_set_keyvault_namespace(
      opts.get(), settings_.key_vault_database.c_str(), settings_.key_vault_collection.c_str());
  mongoc_auto_encryption_opts_set_kms_providers(opts.get(), settings_.kms_providers.get());
  if (!settings_.kms_tls_options.empty()) {
    mongoc_auto_encryption_opts_set_tls_opts(opts.get(), settings_.kms_tls_options.get());
  }
  if (!settings_.encrypted_fields_map.empty()) {
    mongoc_auto_encryption_opts_set_encrypted_fields_map(opts.get(),
                                                         settings_.encrypted_fields_map.get());
  }
  if (!mongoc_client_enable_auto_encryption(entry->encrypted.get(), opts.get(), &e)) {
    *error = DatabaseError("exec.auto_encryption",
                           std::format("cannot enable automatic encryption: {}", e.message));
    return nullptr;
  }
  return entry;
}

EncryptedClients::Lease EncryptedClients::Acquire(Diagnostic* error) {
  std::unique_lock<std::mutex> lock(mutex_);
  returned_.wait(lock, [this] { return !idle_.empty() || all_.size() + being_made_ < max_size_; });
  Lease lease;
  if (!idle_.empty()) {
    lease.owner_ = shared_from_this();
    lease.client_ = idle_.back();
    idle_.pop_back();
    return lease;
  }
  // Make a new client outside the lock: it may take a while (libmongocrypt
  // initialization), and others may return theirs meanwhile.
  ++being_made_;
  lock.unlock();
  std::unique_ptr<Entry> entry = MakeEntry(error);
  lock.lock();
  --being_made_;
  if (entry == nullptr) {
    returned_.notify_one();
    return lease;
  }
  lease.owner_ = shared_from_this();
  lease.client_ = entry->encrypted.get();
  all_.push_back(std::move(entry));
  return lease;
}

void EncryptedClients::Release(mongoc_client_t* client) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    idle_.push_back(client);
  }
  returned_.notify_one();
}

}  // namespace querysafe::exec
