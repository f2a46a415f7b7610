#include "lib/exec/key_vault.h"

#include <format>
#include <string_view>

#include "absl/status/status.h"
#include "lib/common/bson_array.h"
#include "lib/exec/mongoc_util.h"

namespace querysafe::exec {

bool SplitNamespace(std::string_view ns, std::string* database, std::string* collection) {
  const size_t dot = ns.find('.');
  if (dot == std::string_view::npos || dot == 0 || dot + 1 == ns.size()) {
    return false;
  }
  *database = std::string(ns.substr(0, dot));
  *collection = std::string(ns.substr(dot + 1));
  return true;
}

namespace {

// {$or: [{_id: {$in: ids}}, {keyAltNames: {$in: names}}]}, the filter
// libmongocrypt's key broker builds (mongocrypt-key-broker.c).
BsonDoc KeyFilter(const crypt::KeyQuery& query) {
  BsonDoc filter;
  bson_t any, by_id, by_name, in, list;
  querysafe::AppendArrayBegin(filter.get(), "$or", 3, &any);
  bson_append_document_begin(&any, "0", 1, &by_id);
  bson_append_document_begin(&by_id, "_id", 3, &in);
  querysafe::AppendArrayBegin(&in, "$in", 3, &list);
  for (size_t i = 0; i < query.ids.size(); ++i) {
    const std::string key = std::to_string(i);
    bson_append_binary(&list, key.c_str(), -1, BSON_SUBTYPE_UUID, query.ids[i].data(), 16);
  }
  bson_append_array_end(&in, &list);
  bson_append_document_end(&by_id, &in);
  bson_append_document_end(&any, &by_id);
  bson_append_document_begin(&any, "1", 1, &by_name);
  bson_append_document_begin(&by_name, "keyAltNames", -1, &in);
  querysafe::AppendArrayBegin(&in, "$in", 3, &list);
  for (size_t i = 0; i < query.alt_names.size(); ++i) {
    AppendUtf8(&list, std::to_string(i), query.alt_names[i]);
  }
  bson_append_array_end(&in, &list);
  bson_append_document_end(&by_name, &in);
  bson_append_document_end(&any, &by_name);
  bson_append_array_end(filter.get(), &any);
  return filter;
}

}  // namespace

absl::StatusOr<std::vector<BsonDoc>> FindKeys(mongoc_client_t* client, const std::string& database,
                                              const std::string& collection,
                                              const crypt::KeyQuery& query) {
  const std::string ns = std::format("{}.{}", database, collection);
  MongocPtr<mongoc_collection_t> keys(
      mongoc_client_get_collection(client, database.c_str(), collection.c_str()));
  MongocPtr<mongoc_read_concern_t> majority(mongoc_read_concern_new());
  mongoc_read_concern_set_level(majority.get(), MONGOC_READ_CONCERN_LEVEL_MAJORITY);
  mongoc_collection_set_read_concern(keys.get(), majority.get());
  BsonDoc filter = KeyFilter(query);
  MongocPtr<mongoc_cursor_t> cursor(
      mongoc_collection_find_with_opts(keys.get(), filter.get(), nullptr, nullptr));
  std::vector<BsonDoc> found;
  const bson_t* doc = nullptr;
  while (mongoc_cursor_next(cursor.get(), &doc)) found.emplace_back(doc);
  bson_error_t error;
  const bson_t* reply = nullptr;
  if (mongoc_cursor_error_document(cursor.get(), &error, &reply)) {
    Diagnostic d = DriverError(error, reply, std::format("find on {}", ns));
    return absl::UnavailableError(
        std::format("cannot read the key vault collection '{}': {}", ns, d.message));
  }
  return found;
}

KeyVaultCollection::KeyVaultCollection(mongoc_client_pool_t* pool, std::string database,
                                       std::string collection)
    : pool_(pool), database_(std::move(database)), collection_(std::move(collection)) {}

std::string KeyVaultCollection::Describe() const {
  return std::format("key vault collection '{}.{}'", database_, collection_);
}

absl::StatusOr<std::vector<BsonDoc>> KeyVaultCollection::Find(const crypt::KeyQuery& query) const {
  mongoc_client_t* client = mongoc_client_pool_pop(pool_);
  absl::StatusOr<std::vector<BsonDoc>> found = FindKeys(client, database_, collection_, query);
  mongoc_client_pool_push(pool_, client);
  return found;
}

absl::StatusOr<std::map<std::string, crypt::KeyId, std::less<>>>
KeyVaultCollection::ResolveAltNames(std::span<const std::string> alt_names) const {
  crypt::KeyQuery query;
  query.alt_names.assign(alt_names.begin(), alt_names.end());
  absl::StatusOr<std::vector<BsonDoc>> found = Find(query);
  if (!found.ok()) return found.status();
  std::map<std::string, crypt::KeyId, std::less<>> ids;
  for (const BsonDoc& doc : *found) {
    absl::StatusOr<crypt::KeyDocumentInfo> info = crypt::InspectKeyDocument(doc.get());
    if (!info.ok()) {
      return absl::FailedPreconditionError(std::format("a key document in {} is malformed: {}",
                                                       Describe(),
                                                       std::string(info.status().message())));
    }
    for (const std::string& name : info->alt_names) ids[name] = info->id;
  }
  return ids;
}

}  // namespace querysafe::exec
