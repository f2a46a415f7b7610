#include "lib/crypt/key_vault_file.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <format>
#include <fstream>
#include <iterator>
#include <sstream>
#include <utility>

namespace querysafe::crypt {
namespace {

bool IsJsonSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

char FirstNonSpace(std::string_view text) {
  for (char c : text) {
    if (!IsJsonSpace(c)) return c;
  }
  return '\0';
}

class JsonReader {
 public:
  explicit JsonReader(std::string_view text) : reader_(bson_json_data_reader_new(false, 0)) {
    bson_json_data_reader_ingest(reader_, reinterpret_cast<const uint8_t*>(text.data()),
                                 text.size());
  }
  ~JsonReader() { bson_json_reader_destroy(reader_); }
  JsonReader(const JsonReader&) = delete;
  JsonReader& operator=(const JsonReader&) = delete;

  // 1: a document in `out`; 0: end of input; -1: `error` set.
  int Next(BsonDoc* out, bson_error_t* error) {
    out->Clear();
    return bson_json_reader_read(reader_, out->get(), error);
  }

 private:
  bson_json_reader_t* reader_;
};

absl::StatusOr<std::string> ReadWholeFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::NotFoundError(
        std::format("cannot read key vault file '{}': {}", path, std::strerror(errno)));
  }
  std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) return absl::DataLossError(std::format("error reading key vault file '{}'", path));
  return data;
}

absl::Status WriteWholeFile(const std::string& path, std::string_view data) {
  std::string temporary = std::format("{}.tmp.{}", path, getpid());
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    out.write(data.data(), static_cast<std::streamsize>(data.size()));
    out.flush();
    if (!out) {
      std::remove(temporary.c_str());
      return absl::UnavailableError(
          std::format("cannot write '{}': {}", temporary, std::strerror(errno)));
    }
  }
  if (std::rename(temporary.c_str(), path.c_str()) != 0) {
    std::string reason = std::strerror(errno);
    std::remove(temporary.c_str());
    return absl::UnavailableError(std::format("cannot replace '{}': {}", path, reason));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::shared_ptr<const KeyVaultFile>> KeyVaultFile::Load(const std::string& path) {
  absl::StatusOr<std::string> text = ReadWholeFile(path);
  if (!text.ok()) return text.status();
  return Parse(*text, path);
}

absl::StatusOr<std::shared_ptr<const KeyVaultFile>> KeyVaultFile::Parse(std::string_view text,
                                                                        std::string name) {
  std::shared_ptr<KeyVaultFile> file(new KeyVaultFile());
  file->name_ = std::move(name);
  const std::string where = std::format("key vault file '{}'", file->name_);
  char first = FirstNonSpace(text);
  if (first == '\0') return file;
  if (first != '[' && first != '{') {
    return absl::InvalidArgumentError(
        std::format("{}: expected a JSON array of key documents or key "
                    "documents ('{{...}}'), found '{}'",
                    where, first));
  }
  JsonReader reader(text);
  BsonDoc doc;
  bson_error_t error;
  size_t number = 0;
  int rc;
  if (first == '[') {
    file->is_array_ = true;
    size_t last = text.find_last_not_of(" \t\r\n");
    if (text[last] != ']') {
      return absl::InvalidArgumentError(
          std::format("{}: unexpected text after the array of key documents", where));
    }
    rc = reader.Next(&doc, &error);
    if (rc < 0) return absl::InvalidArgumentError(std::format("{}: {}", where, error.message));
    BsonDoc array = doc;
    rc = reader.Next(&doc, &error);
    if (rc != 0) {
      return absl::InvalidArgumentError(
          std::format("{}: unexpected text after the array of key documents", where));
    }
    bson_iter_t iter;
    bson_iter_init(&iter, array.get());
    while (bson_iter_next(&iter)) {
      ++number;
      if (!BSON_ITER_HOLDS_DOCUMENT(&iter)) {
        return absl::InvalidArgumentError(
            std::format("{}: element {} of the array is not a document", where, number));
      }
      uint32_t len = 0;
      const uint8_t* data = nullptr;
      bson_iter_document(&iter, &len, &data);
      BsonDoc element;
      BsonDoc::FromBytes(data, len, &element);
      absl::Status status = file->Add(std::move(element), number);
      if (!status.ok()) return status;
    }
    return file;
  }
  while ((rc = reader.Next(&doc, &error)) == 1) {
    absl::Status status = file->Add(doc, ++number);
    if (!status.ok()) return status;
  }
  if (rc < 0) {
    return absl::InvalidArgumentError(
        std::format("{}: document {}: {}", where, number + 1, error.message));
  }
  return file;
}

absl::Status KeyVaultFile::Add(BsonDoc document, size_t number) {
  absl::StatusOr<KeyDocumentInfo> info = InspectKeyDocument(document.get());
  if (!info.ok()) {
    return absl::InvalidArgumentError(std::format("key vault file '{}': document {}: {}", name_,
                                                  number, std::string(info.status().message())));
  }
  size_t index = documents_.size();
  if (auto [it, inserted] = by_id_.try_emplace(info->id, index); !inserted) {
    return absl::InvalidArgumentError(
        std::format("key vault file '{}': documents {} and {} have the same _id {}", name_,
                    it->second + 1, number, KeyIdToString(info->id)));
  }
  for (const std::string& alt_name : info->alt_names) {
    if (auto [it, inserted] = by_alt_name_.try_emplace(alt_name, index); !inserted) {
      return absl::InvalidArgumentError(
          std::format("key vault file '{}': documents {} and {} both have the "
                      "key alt name '{}'",
                      name_, it->second + 1, number, alt_name));
    }
  }
  documents_.push_back(std::move(document));
  infos_.push_back(*std::move(info));
  return absl::OkStatus();
}

absl::StatusOr<std::vector<BsonDoc>> KeyVaultFile::Find(const KeyQuery& query) const {
  std::vector<size_t> found;
  auto take = [&found](size_t index) {
    if (std::find(found.begin(), found.end(), index) == found.end()) found.push_back(index);
  };
  for (const KeyId& id : query.ids) {
    if (auto it = by_id_.find(id); it != by_id_.end()) take(it->second);
  }
  for (const std::string& alt_name : query.alt_names) {
    if (auto it = by_alt_name_.find(alt_name); it != by_alt_name_.end()) take(it->second);
  }
  std::vector<BsonDoc> out;
  out.reserve(found.size());
  for (size_t index : found) out.push_back(documents_[index]);
  return out;
}

std::string KeyVaultFile::Describe() const { return std::format("key vault file '{}'", name_); }

const BsonDoc* KeyVaultFile::FindById(const KeyId& id) const {
  auto it = by_id_.find(id);
  return it == by_id_.end() ? nullptr : &documents_[it->second];
}

const BsonDoc* KeyVaultFile::FindByAltName(std::string_view alt_name) const {
  auto it = by_alt_name_.find(alt_name);
  return it == by_alt_name_.end() ? nullptr : &documents_[it->second];
}

std::string KeyDocumentToJson(const bson_t* document) { return ToCanonicalJson(document); }

absl::Status AppendToKeyVaultFile(const std::string& path, std::span<const BsonDoc> keys) {
  std::string existing;
  if (access(path.c_str(), F_OK) == 0) {
    absl::StatusOr<std::string> text = ReadWholeFile(path);
    if (!text.ok()) return text.status();
    existing = *std::move(text);
  }
  absl::StatusOr<std::shared_ptr<const KeyVaultFile>> parsed = KeyVaultFile::Parse(existing, path);
  if (!parsed.ok()) return parsed.status();

  // The whole new vault is parsed before the file is touched, so a malformed
  // key or an _id or alt name clash leaves the file as it was.
  if ((*parsed)->is_array()) {
    std::string array = "[\n";
    const char* separator = "";
    for (const BsonDoc& doc : (*parsed)->documents()) {
      array += separator + KeyDocumentToJson(doc.get());
      separator = ",\n";
    }
    for (const BsonDoc& doc : keys) {
      array += separator + KeyDocumentToJson(doc.get());
      separator = ",\n";
    }
    array += "\n]\n";
    absl::StatusOr<std::shared_ptr<const KeyVaultFile>> check = KeyVaultFile::Parse(array, path);
    if (!check.ok()) return check.status();
    return WriteWholeFile(path, array);
  }
  std::string lines = existing.empty() || existing.back() == '\n' ? "" : "\n";
  for (const BsonDoc& key : keys) {
    lines += KeyDocumentToJson(key.get());
    lines += '\n';
  }
  absl::StatusOr<std::shared_ptr<const KeyVaultFile>> check =
      KeyVaultFile::Parse(existing + lines, path);
  if (!check.ok()) return check.status();
  std::ofstream out(path, std::ios::binary | std::ios::app);
  out << lines;
  out.flush();
  if (!out) {
    return absl::UnavailableError(
        std::format("cannot append to key vault file '{}': {}", path, std::strerror(errno)));
  }
  return absl::OkStatus();
}

}  // namespace querysafe::crypt
