#include "lib/crypt/substitute.h"

#include <array>
#include <format>
#include <string>
#include <string_view>

#include "absl/container/inlined_vector.h"
#include "absl/status/status.h"
#include "lib/common/bson_writer.h"

namespace querysafe::crypt {
namespace {

constexpr std::string_view kPlaceholderKey = "$encrypt";
constexpr std::array<std::string_view, 3> kRoles = {"value", "lower", "upper"};

size_t RoleIndex(std::string_view role) {
  for (size_t i = 0; i < kRoles.size(); ++i) {
    if (kRoles[i] == role) return i;
  }
  return kRoles.size();
}

bool IsLowerOperator(std::string_view op) { return op == "$gt" || op == "$gte"; }
bool IsUpperOperator(std::string_view op) { return op == "$lt" || op == "$lte"; }

struct Slot {
  const EncryptedRequest* request = nullptr;
  std::array<int, 3> uses = {0, 0, 0};
};

// A command has a handful of requests: a vector scanned linearly beats a hash
// map on the explain/execution hot path.
using Slots = absl::InlinedVector<Slot, 4>;

class Substituter {
 public:
  absl::Status Index(std::span<const EncryptedRequest> payloads) {
    slots_.reserve(payloads.size());
    for (const EncryptedRequest& request : payloads) {
      if (Find(request.id) != nullptr) {
        return absl::InvalidArgumentError(
            std::format("two sets of payloads for request {}", request.id));
      }
      slots_.push_back(Slot{&request, {0, 0, 0}});
    }
    return absl::OkStatus();
  }

  // Copies the elements under `iter` into the innermost open document of `out`. `op` is the
  // comparison operator the elements sit under, if any. Written with BsonWriter, as lowering
  // writes the command (lib/lower/README.md says why): with libbson's appends this copy was most
  // of explain's cost over raw libmongocrypt.
  absl::Status Copy(bson_iter_t* iter, BsonWriter& out, bool in_array, std::string_view op) {
    while (bson_iter_next(iter)) {
      std::string_view key(bson_iter_key(iter), bson_iter_key_len(iter));
      std::string_view here = in_array ? op : key;
      if (BSON_ITER_HOLDS_DOCUMENT(iter)) {
        bson_iter_t child;
        bson_iter_recurse(iter, &child);
        absl::StatusOr<bool> replaced = MaybeReplace(&child, key, here, out);
        if (!replaced.ok()) return replaced.status();
        if (*replaced) continue;
        out.BeginDocument(key);
        bson_iter_recurse(iter, &child);
        if (absl::Status s = Copy(&child, out, false, here); !s.ok()) return s;
        out.EndDocument();
      } else if (BSON_ITER_HOLDS_ARRAY(iter)) {
        bson_iter_t child;
        out.BeginArray(key);
        bson_iter_recurse(iter, &child);
        if (absl::Status s = Copy(&child, out, true, here); !s.ok()) return s;
        out.EndArray();
      } else {
        out.AppendValue(key, *bson_iter_value(iter));
      }
    }
    return absl::OkStatus();
  }

  absl::Status CheckAllUsed() const {
    for (const Slot& slot : slots_) {
      uint32_t id = slot.request->id;
      for (size_t i = 0; i < kRoles.size(); ++i) {
        if (slot.request->ForRole(kRoles[i]) != nullptr && slot.uses[i] == 0) {
          return absl::InvalidArgumentError(std::format(
              "request {}'s '{}' payload has no placeholder in the command", id, kRoles[i]));
        }
      }
    }
    return absl::OkStatus();
  }

 private:
  // If the document under `doc` is a placeholder, appends its payload as `key`
  // and returns true.
  absl::StatusOr<bool> MaybeReplace(bson_iter_t* doc, std::string_view key, std::string_view op,
                                    BsonWriter& out) {
    bson_iter_t scan = *doc;
    bool has_placeholder_key = false;
    int count = 0;
    while (bson_iter_next(&scan)) {
      ++count;
      if (std::string_view(bson_iter_key(&scan)) == kPlaceholderKey) has_placeholder_key = true;
    }
    if (!has_placeholder_key) return false;
    if (count != 1) {
      return absl::InvalidArgumentError(
          std::format("malformed placeholder under '{}': '$encrypt' must be "
                      "the document's only key",
                      key));
    }
    bson_iter_t encrypt;
    bson_iter_t fields;
    bson_iter_next(doc);
    encrypt = *doc;
    if (!BSON_ITER_HOLDS_DOCUMENT(&encrypt) || !bson_iter_recurse(&encrypt, &fields)) {
      return absl::InvalidArgumentError(
          std::format("malformed placeholder under '{}': '$encrypt' must be a document", key));
    }
    int64_t id = -1;
    std::string role;
    while (bson_iter_next(&fields)) {
      std::string_view field = bson_iter_key(&fields);
      if (field == "id" && (BSON_ITER_HOLDS_INT32(&fields) || BSON_ITER_HOLDS_INT64(&fields))) {
        id = bson_iter_as_int64(&fields);
      } else if (field == "role" && BSON_ITER_HOLDS_UTF8(&fields)) {
        role = bson_iter_utf8(&fields, nullptr);
      }
    }
    if (id < 0 || id > UINT32_MAX) {
      return absl::InvalidArgumentError(
          std::format("malformed placeholder under '{}': it needs an integer "
                      "'id' (the request id)",
                      key));
    }
    size_t role_index = RoleIndex(role);
    if (role_index == kRoles.size()) {
      return absl::InvalidArgumentError(
          std::format("malformed placeholder under '{}': 'role' must be "
                      "\"value\", \"lower\" or \"upper\"",
                      key));
    }
    Slot* slot = Find(static_cast<uint32_t>(id));
    if (slot == nullptr) {
      return absl::InvalidArgumentError(
          std::format("placeholder under '{}' names request {}, which has no payloads", key, id));
    }
    const Payload* payload = slot->request->ForRole(role);
    if (payload == nullptr) {
      return absl::InvalidArgumentError(
          std::format("placeholder under '{}' asks for request {}'s '{}' "
                      "payload, which it does not have",
                      key, id, role));
    }
    if (++slot->uses[role_index] > 1) {
      return absl::InvalidArgumentError(std::format(
          "request {}'s '{}' payload is asked for by more than one placeholder", id, role));
    }
    if ((role == "lower" && IsUpperOperator(op)) || (role == "upper" && IsLowerOperator(op))) {
      return absl::InvalidArgumentError(
          std::format("request {}'s '{}' payload is placed under '{}': a lower "
                      "bound belongs under $gt or "
                      "$gte, an upper bound under $lt or $lte",
                      id, role, op));
    }
    out.AppendBinary(key, BSON_SUBTYPE_ENCRYPTED, payload->bytes.data(),
                     static_cast<uint32_t>(payload->bytes.size()));
    return true;
  }

  Slot* Find(uint32_t id) {
    for (Slot& slot : slots_) {
      if (slot.request->id == id) return &slot;
    }
    return nullptr;
  }

  Slots slots_;
};

}  // namespace

absl::StatusOr<BsonDoc> SubstitutePlaceholders(const bson_t* command,
                                               std::span<const EncryptedRequest> payloads) {
  Substituter substituter;
  if (absl::Status s = substituter.Index(payloads); !s.ok()) return s;
  bson_iter_t iter;
  if (!bson_iter_init(&iter, command)) {
    return absl::InvalidArgumentError("the command is not valid BSON");
  }
  BsonWriter writer;
  if (absl::Status s = substituter.Copy(&iter, writer, false, ""); !s.ok()) return s;
  if (absl::Status s = substituter.CheckAllUsed(); !s.ok()) return s;
  BsonDoc out;
  writer.Finish(&out);
  return out;
}

}  // namespace querysafe::crypt
