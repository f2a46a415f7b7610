// Placeholder substitution (substitute.h) on hand-made payloads: every
// placeholder replaced exactly once, every payload used, nothing
// placeholder-like left behind.
#include "lib/crypt/substitute.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace querysafe::crypt {
namespace {

BsonDoc Json(const char* json) {
  BsonDoc doc;
  bson_error_t error;
  EXPECT_TRUE(BsonDoc::FromJson(json, &doc, &error)) << json << ": " << error.message;
  return doc;
}

Payload Bytes(std::initializer_list<uint8_t> bytes) { return Payload{std::vector<uint8_t>(bytes)}; }

EncryptedRequest Value(uint32_t id, Payload payload) {
  EncryptedRequest r;
  r.id = id;
  r.value = std::move(payload);
  return r;
}

EncryptedRequest Range(uint32_t id, std::optional<Payload> lower, std::optional<Payload> upper) {
  EncryptedRequest r;
  r.id = id;
  r.lower = std::move(lower);
  r.upper = std::move(upper);
  return r;
}

// The subtype-6 binary at a dotted path.
std::vector<uint8_t> EncryptedAt(const bson_t* doc, const char* dotted) {
  bson_iter_t iter, target;
  if (!bson_iter_init(&iter, doc) || !bson_iter_find_descendant(&iter, dotted, &target) ||
      !BSON_ITER_HOLDS_BINARY(&target)) {
    ADD_FAILURE() << "no binary at " << dotted << " in " << ToCanonicalJson(doc);
    return {};
  }
  bson_subtype_t subtype;
  uint32_t len = 0;
  const uint8_t* data = nullptr;
  bson_iter_binary(&target, &subtype, &len, &data);
  EXPECT_EQ(subtype, BSON_SUBTYPE_ENCRYPTED) << dotted;
  return {data, data + len};
}

std::string Error(const char* command_json, const std::vector<EncryptedRequest>& payloads) {
  BsonDoc command = Json(command_json);
  absl::StatusOr<BsonDoc> out = SubstitutePlaceholders(command.get(), payloads);
  EXPECT_FALSE(out.ok()) << "accepted: " << ToCanonicalJson(out->get());
  EXPECT_EQ(out.status().code(), absl::StatusCode::kInvalidArgument);
  return std::string(out.status().message());
}

TEST(Substitute, ReplacesEveryPlaceholderWithItsPayload) {
  BsonDoc command = Json(R"({
    "find": "patients",
    "filter": {"$and": [
      {"ssn": {"$eq": {"$encrypt": {"id": 1, "role": "value", "path": "patient_record.ssn"}}}},
      {"$and": [{"age": {"$gte": {"$encrypt": {"id": 2, "role": "lower"}}}},
                {"age": {"$lt": {"$encrypt": {"id": 2, "role": "upper"}}}}]},
      {"code": {"$in": [{"$encrypt": {"id": 3, "role": "value"}}, {"$encrypt": {"id": {"$numberLong": "4"}, "role": "value"}}]}},
      {"$expr": {"$gt": ["$score", {"$encrypt": {"id": 5, "role": "lower"}}]}}
    ]},
    "limit": 10})");
  std::vector<EncryptedRequest> payloads = {
      Value(1, Bytes({12, 1})), Range(2, Bytes({13, 2}), Bytes({13, 3})), Value(3, Bytes({12, 4})),
      Value(4, Bytes({12, 5})), Range(5, Bytes({13, 6}), std::nullopt)};
  absl::StatusOr<BsonDoc> out = SubstitutePlaceholders(command.get(), payloads);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(EncryptedAt(out->get(), "filter.$and.0.ssn.$eq"), (std::vector<uint8_t>{12, 1}));
  EXPECT_EQ(EncryptedAt(out->get(), "filter.$and.1.$and.0.age.$gte"),
            (std::vector<uint8_t>{13, 2}));
  EXPECT_EQ(EncryptedAt(out->get(), "filter.$and.1.$and.1.age.$lt"), (std::vector<uint8_t>{13, 3}));
  EXPECT_EQ(EncryptedAt(out->get(), "filter.$and.2.code.$in.0"), (std::vector<uint8_t>{12, 4}));
  EXPECT_EQ(EncryptedAt(out->get(), "filter.$and.2.code.$in.1"), (std::vector<uint8_t>{12, 5}));
  EXPECT_EQ(EncryptedAt(out->get(), "filter.$and.3.$expr.$gt.1"), (std::vector<uint8_t>{13, 6}));
  // Everything else is as it was, in its order.
  BsonDoc expected = Json(R"({"find": "patients", "filter": {"$and": [
      {"ssn": {"$eq": {"$binary": {"base64": "DAE=", "subType": "06"}}}},
      {"$and": [{"age": {"$gte": {"$binary": {"base64": "DQI=", "subType": "06"}}}},
                {"age": {"$lt": {"$binary": {"base64": "DQM=", "subType": "06"}}}}]},
      {"code": {"$in": [{"$binary": {"base64": "DAQ=", "subType": "06"}}, {"$binary": {"base64": "DAU=", "subType": "06"}}]}},
      {"$expr": {"$gt": ["$score", {"$binary": {"base64": "DQY=", "subType": "06"}}]}}]},
      "limit": 10})");
  EXPECT_EQ(ToCanonicalJson(out->get()), ToCanonicalJson(expected.get()));
}

TEST(Substitute, UnknownRequestIdIsAnError) {
  std::string message = Error(R"({"filter": {"a": {"$encrypt": {"id": 9, "role": "value"}}}})",
                              {Value(1, Bytes({12}))});
  EXPECT_NE(message.find("request 9"), std::string::npos) << message;
}

TEST(Substitute, PayloadLeftWithoutAPlaceholderIsAnError) {
  // A two-sided range whose stub placeholder was dropped: the server would
  // refuse the query.
  std::string message =
      Error(R"({"filter": {"age": {"$gte": {"$encrypt": {"id": 2, "role": "lower"}}}}})",
            {Range(2, Bytes({13, 1}), Bytes({13, 2}))});
  EXPECT_NE(message.find("request 2's 'upper' payload has no placeholder"), std::string::npos)
      << message;
}

TEST(Substitute, SamePlaceholderTwiceIsAnError) {
  std::string message = Error(R"({"filter": {"$or": [
      {"a": {"$encrypt": {"id": 1, "role": "value"}}},
      {"a": {"$encrypt": {"id": 1, "role": "value"}}}]}})",
                              {Value(1, Bytes({12}))});
  EXPECT_NE(message.find("more than one placeholder"), std::string::npos) << message;
}

TEST(Substitute, RoleTheRequestHasNoPayloadForIsAnError) {
  std::string message = Error(R"({"filter": {"a": {"$encrypt": {"id": 1, "role": "upper"}}}})",
                              {Value(1, Bytes({12}))});
  EXPECT_NE(message.find("'upper' payload, which it does not have"), std::string::npos) << message;
}

TEST(Substitute, MalformedPlaceholdersAreErrorsNotPassedThrough) {
  std::vector<EncryptedRequest> payloads = {Value(1, Bytes({12}))};
  EXPECT_NE(Error(R"({"a": {"$encrypt": {"id": 1, "role": "value"}, "b": 1}})", payloads)
                .find("only key"),
            std::string::npos);
  EXPECT_NE(Error(R"({"a": {"$encrypt": "1"}})", payloads).find("must be a document"),
            std::string::npos);
  EXPECT_NE(
      Error(R"({"a": {"$encrypt": {"id": "1", "role": "value"}}})", payloads).find("integer 'id'"),
      std::string::npos);
  EXPECT_NE(Error(R"({"a": {"$encrypt": {"id": 1, "role": "middle"}}})", payloads).find("'role'"),
            std::string::npos);
  EXPECT_NE(Error(R"({"a": {"$encrypt": {"role": "value"}}})", payloads).find("integer 'id'"),
            std::string::npos);
}

TEST(Substitute, BoundUnderTheWrongSideOfTheRangeIsAnError) {
  std::string message = Error(R"({"filter": {"$and": [
      {"age": {"$lt": {"$encrypt": {"id": 2, "role": "lower"}}}},
      {"age": {"$gt": {"$encrypt": {"id": 2, "role": "upper"}}}}]}})",
                              {Range(2, Bytes({13, 1}), Bytes({13, 2}))});
  EXPECT_NE(message.find("placed under '$lt'"), std::string::npos) << message;
}

TEST(Substitute, TwoPayloadSetsForOneRequestAreAnError) {
  std::string message = Error(R"({"a": {"$encrypt": {"id": 1, "role": "value"}}})",
                              {Value(1, Bytes({12})), Value(1, Bytes({12, 1}))});
  EXPECT_NE(message.find("two sets of payloads for request 1"), std::string::npos) << message;
}

TEST(Substitute, CommandWithoutPlaceholdersIsUnchanged) {
  BsonDoc command = Json(R"({"find": "patients", "filter": {"name": "x"}, "limit": 10})");
  absl::StatusOr<BsonDoc> out = SubstitutePlaceholders(command.get(), {});
  ASSERT_TRUE(out.ok()) << out.status();
  ASSERT_EQ(out->size(), command.size());
  EXPECT_EQ(0, std::memcmp(out->data(), command.data(), command.size()));
}

}  // namespace
}  // namespace querysafe::crypt
