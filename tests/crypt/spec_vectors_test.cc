// MongoDB's spec vectors, reproduced byte for byte at the request level: each
// request is built as lowering builds it from the spec's encryptedFields,
// encrypted with the spec's key vault and local master key, and compared with
// the payload in the spec's expected find command.
//
// A range payload carries libmongocrypt's process-wide payloadId counter. ctest
// runs every test in its own process, where the first range find has payloadId
// 0 as in the spec; when the binary runs all tests in one process, the expected
// bytes get the id the counter must have reached (the count of range finds this
// binary made before), so the comparison stays exact.
#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "lib/crypt/encryptor.h"
#include "lib/crypt/substitute.h"
#include "tests/crypt/range_oracle.h"
#include "tests/crypt/spec_fixture.h"

namespace querysafe::crypt {
namespace {

using testing::BinaryAt;
using testing::DocumentAt;
using testing::LoadSpec;
using testing::SpecEncryptor;
using testing::SpecRequest;

int range_finds_in_this_process = 0;

absl::StatusOr<EncryptedRequest> EncryptRangeFind(const Encryptor& encryptor,
                                                  const lower::EncryptionRequest& request) {
  ++range_finds_in_this_process;
  return encryptor.Encrypt(request);
}

// The spec's payload with its payloadId set to what libmongocrypt's counter
// gives the range find about to be made.
std::vector<uint8_t> WithExpectedPayloadId(std::vector<uint8_t> payload) {
  static constexpr char kKey[] = "\x10payloadId";  // int32 element "payloadId"
  auto it = std::search(payload.begin(), payload.end(), kKey, kKey + sizeof(kKey));
  EXPECT_NE(it, payload.end()) << "the spec payload has no payloadId";
  if (it == payload.end()) return payload;
  int32_t id = range_finds_in_this_process;
  size_t at = static_cast<size_t>(it - payload.begin()) + sizeof(kKey);
  for (int i = 0; i < 4; ++i) payload[at + i] = static_cast<uint8_t>(id >> (8 * i));
  return payload;
}

std::vector<uint8_t> ExpectedFilterPayload(const bson_t* spec, const char* dotted) {
  return BinaryAt(spec, (std::string("tests.0.expectations.") + dotted).c_str());
}

TEST(SpecVectors, EqualityFindOfInsertFindIndexedIsByteIdentical) {
  BsonDoc spec = LoadSpec("fle2v2-InsertFind-Indexed.json");
  auto encryptor = SpecEncryptor(spec.get());
  ASSERT_NE(encryptor, nullptr);
  lower::EncryptionRequest request = SpecRequest(spec.get(), 0, /*is_query=*/true);
  ASSERT_EQ(request.algorithm, lower::Algorithm::kIndexed);
  EXPECT_EQ(request.contention, 0);
  request.operands = testing::ValueOperand(testing::Utf8("123"));

  absl::StatusOr<EncryptedRequest> out = encryptor->Encrypt(request);
  ASSERT_TRUE(out.ok()) << out.status();
  ASSERT_TRUE(out->value.has_value());
  EXPECT_EQ(out->value->bytes,
            ExpectedFilterPayload(spec.get(),
                                  "3.command_started_event.command.filter.encryptedIndexed.$eq"));
}

TEST(SpecVectors, FinishedFindFilterEqualsTheSpecCommandFilter) {
  BsonDoc spec = LoadSpec("fle2v2-InsertFind-Indexed.json");
  auto encryptor = SpecEncryptor(spec.get());
  ASSERT_NE(encryptor, nullptr);
  lower::EncryptionRequest request = SpecRequest(spec.get(), 0, true);
  request.id = 7;
  request.operands = testing::ValueOperand(testing::Utf8("123"));
  BsonDoc command;
  bson_error_t error;
  ASSERT_TRUE(BsonDoc::FromJson(
      R"({"find": "default", "filter": {"encryptedIndexed": {"$eq":
          {"$encrypt": {"id": 7, "role": "value", "path": "encryptedIndexed"}}}}})",
      &command, &error));
  absl::StatusOr<BsonDoc> finished = encryptor->FinishCommand(command.get(), {&request, 1});
  ASSERT_TRUE(finished.ok()) << finished.status();
  BsonDoc expected =
      DocumentAt(spec.get(), "tests.0.expectations.3.command_started_event.command.filter");
  BsonDoc actual = DocumentAt(finished->get(), "filter");
  ASSERT_EQ(actual.size(), expected.size());
  EXPECT_EQ(0, std::memcmp(actual.data(), expected.data(), expected.size()))
      << ToCanonicalJson(actual.get()) << "\n"
      << ToCanonicalJson(expected.get());
}

TEST(SpecVectors, KeyAltNameGivesTheSameEqualityPayloadAsKeyId) {
  BsonDoc spec = LoadSpec("fle2v2-InsertFind-Indexed.json");
  // django-mongodb-backend names keys "<db_table>.<path>".
  auto encryptor = SpecEncryptor(spec.get(), {"default.encryptedIndexed"});
  ASSERT_NE(encryptor, nullptr);
  lower::EncryptionRequest request = SpecRequest(spec.get(), 0, true);
  request.key = schema::KeyRef{std::nullopt, "default.encryptedIndexed"};
  request.operands = testing::ValueOperand(testing::Utf8("123"));
  absl::StatusOr<EncryptedRequest> out = encryptor->Encrypt(request);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(out->value->bytes,
            ExpectedFilterPayload(spec.get(),
                                  "3.command_started_event.command.filter.encryptedIndexed.$eq"));
}

void ExpectRangeGtZeroIsByteIdentical(const char* file, const char* field, bson_value_t zero) {
  BsonDoc spec = LoadSpec(file);
  auto encryptor = SpecEncryptor(spec.get());
  ASSERT_NE(encryptor, nullptr);
  lower::EncryptionRequest request = SpecRequest(spec.get(), 0, true);
  ASSERT_EQ(request.algorithm, lower::Algorithm::kRange);
  request.operands = testing::RangeOperands(&zero, nullptr);
  request.lower_operator = lower::RangeOperator::kGt;

  std::vector<uint8_t> expected = WithExpectedPayloadId(ExpectedFilterPayload(
      spec.get(),
      (std::string("4.command_started_event.command.filter.") + field + ".$gt").c_str()));
  absl::StatusOr<EncryptedRequest> out = EncryptRangeFind(*encryptor, request);
  ASSERT_TRUE(out.ok()) << out.status();
  ASSERT_TRUE(out->lower.has_value());
  EXPECT_FALSE(out->upper.has_value()) << "a one-sided range has no stub";
  EXPECT_EQ(out->lower->bytes, expected);
}

TEST(SpecVectors, RangeGtFindOfRangev2IntIsByteIdentical) {
  ExpectRangeGtZeroIsByteIdentical("fle2v2-Rangev2-Int-InsertFind.json", "encryptedInt",
                                   testing::Int32(0));
}

TEST(SpecVectors, RangeGtFindOfRangev2LongIsByteIdentical) {
  ExpectRangeGtZeroIsByteIdentical("fle2v2-Rangev2-Long-InsertFind.json", "encryptedLong",
                                   testing::Int64(0));
}

TEST(SpecVectors, RangeGtFindOfRangev2DateIsByteIdentical) {
  ExpectRangeGtZeroIsByteIdentical("fle2v2-Rangev2-Date-InsertFind.json", "encryptedDate",
                                   testing::Date(0));
}

// Validates the range model (range_oracle.h) on MongoDB's own payloads: $gt 0
// on [0, 200] with sparsity 1 and trim factor 1 covers [1, 200] in an 8-bit
// domain.
TEST(SpecVectors, RangeModelCountsTheEdgesOfTheSpecPayloads) {
  size_t expected = testing::MinCoverSize(1, 200, 200, 1, 1);
  for (const char* file :
       {"fle2v2-Rangev2-Int-InsertFind.json", "fle2v2-Rangev2-Long-InsertFind.json",
        "fle2v2-Rangev2-Date-InsertFind.json"}) {
    BsonDoc spec = LoadSpec(file);
    BsonDoc filter =
        DocumentAt(spec.get(), "tests.0.expectations.4.command_started_event.command.filter");
    bson_iter_t iter;
    ASSERT_TRUE(bson_iter_init(&iter, filter.get()) && bson_iter_next(&iter));
    std::string path = std::string(bson_iter_key(&iter)) + ".$gt";
    Payload payload{BinaryAt(filter.get(), path.c_str())};
    ASSERT_EQ(payload.type(), 13) << file;
    BsonDoc edges = DocumentAt(testing::PayloadBson(payload).get(), "payload.g");
    EXPECT_EQ(bson_count_keys(edges.get()), expected) << file;
  }
}

}  // namespace
}  // namespace querysafe::crypt
