// The finished command never carries the plaintext of an encrypted value: for
// every kind of request, neither the payload bytes nor the finished command (as
// BSON, and as the JSON explain prints) contain the value in any encoding it
// could take (plaintext_scan.h).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "lib/common/bson_array.h"
#include "lib/crypt/encryptor.h"
#include "lib/crypt/substitute.h"
#include "tests/crypt/plaintext_scan.h"
#include "tests/crypt/spec_fixture.h"

namespace querysafe::crypt {
namespace {

using lower::Algorithm;
using lower::RangeOperator;
using querysafe::testing::FindPlaintext;
using querysafe::testing::PlaintextEncodings;
using schema::BsonType;

BsonDoc Json(const std::string& json) {
  BsonDoc doc;
  bson_error_t error;
  EXPECT_TRUE(BsonDoc::FromJson(json, &doc, &error)) << json << ": " << error.message;
  return doc;
}

bson_value_t DocumentValue(const BsonDoc& doc, bson_type_t type = BSON_TYPE_DOCUMENT) {
  bson_value_t value{};
  value.value_type = type;
  value.value.v_doc.data = const_cast<uint8_t*>(doc.data());
  value.value.v_doc.data_len = doc.size();
  return value;
}

class LeakTest : public ::testing::Test {
 protected:
  void SetUp() override {
    spec_ = testing::LoadSpec("fle2v2-InsertFind-Indexed.json");
    encryptor_ = testing::SpecEncryptor(spec_.get());
    ASSERT_NE(encryptor_, nullptr);
  }

  lower::EncryptionRequest Base(Algorithm algorithm, BsonType type, bool is_query,
                                const char* range_options = "{}") {
    lower::EncryptionRequest request = testing::SpecRequest(spec_.get(), 0, is_query);
    request.id = 1;
    request.algorithm = algorithm;
    request.bson_type = type;
    request.path = "patient_record.secret";
    request.contention = 8;
    request.range_options = Json(range_options);
    return request;
  }

  // Encrypts, finishes a command around the payload(s), and scans everything
  // that leaves the process for every plaintext value of the request.
  void ExpectNoLeak(const lower::EncryptionRequest& request) {
    // The plaintexts are the operands' values (a vector of bson_value_t would
    // drop its alignment, so they are read through iterators).
    auto for_each_plaintext = [&request](auto&& fn) {
      bson_iter_t iter;
      bson_iter_init(&iter, request.operands.get());
      while (bson_iter_next(&iter)) fn(*bson_iter_value(&iter));
    };
    ASSERT_FALSE(request.operands.empty());
    for_each_plaintext([&](const bson_value_t& value) {
      // Every value used here is distinctive enough to be scanned in several
      // encodings; and the scanner does find it where it is (the operands
      // themselves).
      EXPECT_GE(PlaintextEncodings(value).size(), 2u);
      EXPECT_FALSE(
          FindPlaintext(std::span(request.operands.data(), request.operands.size()), value, "v")
              .empty());
    });

    // Placeholders as lowering writes them: they carry the plaintext (for the
    // translate output), so substitution must drop the whole placeholder.
    auto placeholder = [&request](bson_t* parent, const char* key, const char* role,
                                  const char* operand) {
      bson_t outer, fields;
      BSON_APPEND_DOCUMENT_BEGIN(parent, key, &outer);
      BSON_APPEND_DOCUMENT_BEGIN(&outer, "$encrypt", &fields);
      BSON_APPEND_INT32(&fields, "id", 1);
      BSON_APPEND_UTF8(&fields, "role", role);
      BSON_APPEND_UTF8(&fields, "path", request.path.c_str());
      bson_iter_t value;
      if (bson_iter_init_find(&value, request.operands.get(), operand)) {
        bson_append_iter(&fields, "value", 5, &value);
      }
      bson_append_document_end(&outer, &fields);
      bson_append_document_end(parent, &outer);
    };
    BsonDoc command;
    bson_t* c = command.get();
    if (!request.is_query) {
      bson_t documents, document, record;
      BSON_APPEND_UTF8(c, "insert", "patients");
      querysafe::AppendArrayBegin(c, "documents", -1, &documents);
      BSON_APPEND_DOCUMENT_BEGIN(&documents, "0", &document);
      BSON_APPEND_INT32(&document, "_id", 1);
      BSON_APPEND_DOCUMENT_BEGIN(&document, "patient_record", &record);
      placeholder(&record, "secret", "value", "v");
      bson_append_document_end(&document, &record);
      bson_append_document_end(&documents, &document);
      bson_append_array_end(c, &documents);
    } else {
      bson_t filter;
      BSON_APPEND_UTF8(c, "find", "patients");
      BSON_APPEND_DOCUMENT_BEGIN(c, "filter", &filter);
      if (request.algorithm == Algorithm::kRange) {
        bson_t conjuncts;
        querysafe::AppendArrayBegin(&filter, "$and", -1, &conjuncts);
        int index = 0;
        for (const char* role : {"lower", "upper"}) {
          if (!bson_has_field(request.operands.get(), role)) continue;
          bson_t conjunct, comparison;
          std::string key = std::to_string(index++);
          BSON_APPEND_DOCUMENT_BEGIN(&conjuncts, key.c_str(), &conjunct);
          BSON_APPEND_DOCUMENT_BEGIN(&conjunct, "patient_record.secret", &comparison);
          placeholder(&comparison, std::string_view(role) == "lower" ? "$gte" : "$lte", role, role);
          bson_append_document_end(&conjunct, &comparison);
          bson_append_document_end(&conjuncts, &conjunct);
        }
        bson_append_array_end(&filter, &conjuncts);
      } else {
        bson_t comparison;
        BSON_APPEND_DOCUMENT_BEGIN(&filter, "patient_record.secret", &comparison);
        placeholder(&comparison, "$eq", "value", "v");
        bson_append_document_end(&filter, &comparison);
      }
      bson_append_document_end(c, &filter);
    }
    // The placeholder command does hold the plaintext: the scan below would
    // see it if substitution left any of it behind.
    for_each_plaintext([&](const bson_value_t& value) {
      EXPECT_FALSE(FindPlaintext(std::span(command.data(), command.size()), value).empty());
    });

    absl::StatusOr<EncryptedRequest> payloads = encryptor_->Encrypt(request);
    ASSERT_TRUE(payloads.ok()) << payloads.status();
    absl::StatusOr<BsonDoc> finished = SubstitutePlaceholders(command.get(), {&*payloads, 1});
    ASSERT_TRUE(finished.ok()) << finished.status();

    std::vector<std::pair<std::string, std::string>> outputs = {
        {"command BSON",
         std::string(reinterpret_cast<const char*>(finished->data()), finished->size())},
        {"canonical JSON", ToCanonicalJson(finished->get())},
        {"relaxed JSON", ToRelaxedJson(finished->get())},
    };
    for (const auto* payload : {&payloads->value, &payloads->lower, &payloads->upper}) {
      if (payload->has_value()) {
        outputs.push_back({"payload of type " + std::to_string((*payload)->type()),
                           std::string((*payload)->bytes.begin(), (*payload)->bytes.end())});
      }
    }
    for_each_plaintext([&](const bson_value_t& value) {
      for (const auto& [what, bytes] : outputs) {
        std::vector<std::string> found =
            FindPlaintext(std::string_view(bytes), value, "patient_record.secret");
        EXPECT_TRUE(found.empty()) << what << " leaks: " << found.front();
      }
    });
  }

  BsonDoc spec_;
  std::unique_ptr<Encryptor> encryptor_;
};

TEST_F(LeakTest, ScannerFindsAPlaintextThatIsThere) {
  // The guard against a scanner that never finds anything: the same command
  // with the value in clear is caught in BSON and in JSON.
  BsonDoc command = Json(R"({"find": "patients", "filter": {"ssn": "987-65-4320",
                                                             "age": {"$numberLong": "9876543210123"}}})");
  bson_value_t ssn = testing::Utf8("987-65-4320");
  bson_value_t age = testing::Int64(9876543210123);
  std::string_view bson(reinterpret_cast<const char*>(command.data()), command.size());
  EXPECT_FALSE(FindPlaintext(bson, ssn).empty());
  EXPECT_FALSE(FindPlaintext(bson, age).empty());
  EXPECT_FALSE(FindPlaintext(ToRelaxedJson(command.get()), ssn).empty());
  EXPECT_FALSE(FindPlaintext(ToRelaxedJson(command.get()), age).empty());
  // An int that lowering forgot to coerce to the field's long is still found.
  BsonDoc as_int = Json(R"({"filter": {"n": {"$numberInt": "123456789"}}})");
  EXPECT_FALSE(
      FindPlaintext(std::string_view(reinterpret_cast<const char*>(as_int.data()), as_int.size()),
                    testing::Int64(123456789))
          .empty());
}

TEST_F(LeakTest, EqualityFindsCarryNoPlaintext) {
  auto request = Base(Algorithm::kIndexed, BsonType::kString, true);
  request.operands = testing::ValueOperand(testing::Utf8("987-65-4320"));
  ExpectNoLeak(request);
  request = Base(Algorithm::kIndexed, BsonType::kInt, true);
  request.operands = testing::ValueOperand(testing::Int32(123456789));
  ExpectNoLeak(request);
  request = Base(Algorithm::kIndexed, BsonType::kLong, true);
  request.operands = testing::ValueOperand(testing::Int64(9876543210123));
  ExpectNoLeak(request);
  request = Base(Algorithm::kIndexed, BsonType::kDate, true);
  request.operands = testing::ValueOperand(testing::Date(1700000000123));
  ExpectNoLeak(request);
}

TEST_F(LeakTest, RangeFindsCarryNoPlaintext) {
  auto request = Base(Algorithm::kRange, BsonType::kInt, true,
                      R"({"min": {"$numberInt": "0"}, "max": {"$numberInt": "200000000"}})");
  bson_value_t a = testing::Int32(123456789), b = testing::Int32(198765432);
  request.operands = testing::RangeOperands(&a, nullptr);
  ExpectNoLeak(request);
  request.operands = testing::RangeOperands(&a, &b);
  ExpectNoLeak(request);

  request = Base(Algorithm::kRange, BsonType::kLong, true,
                 R"({"min": {"$numberLong": "0"}, "max": {"$numberLong": "99999999999999"}})");
  a = testing::Int64(9876543210123), b = testing::Int64(9876543219999);
  request.operands = testing::RangeOperands(&a, &b);
  ExpectNoLeak(request);

  request = Base(Algorithm::kRange, BsonType::kDate, true,
                 R"({"min": {"$date": {"$numberLong": "0"}},
                     "max": {"$date": {"$numberLong": "4102444800000"}}})");
  a = testing::Date(1700000000123), b = testing::Date(1700000999999);
  request.operands = testing::RangeOperands(&a, &b);
  ExpectNoLeak(request);

  request = Base(Algorithm::kRange, BsonType::kDouble, true,
                 R"({"min": {"$numberDouble": "0"}, "max": {"$numberDouble": "100000"},
                     "precision": {"$numberInt": "2"}})");
  a = testing::Double(12345.67), b = testing::Double(23456.78);
  request.operands = testing::RangeOperands(&a, &b);
  ExpectNoLeak(request);

  request = Base(Algorithm::kRange, BsonType::kDouble, true);
  a = testing::Double(98765.4321);
  request.operands = testing::RangeOperands(nullptr, &a);
  ExpectNoLeak(request);

  request = Base(Algorithm::kRange, BsonType::kDecimal, true);
  a = testing::Decimal("98765.4321");
  request.operands = testing::RangeOperands(&a, nullptr);
  ExpectNoLeak(request);

  request = Base(Algorithm::kRange, BsonType::kDecimal, true,
                 R"({"min": {"$numberDecimal": "0"}, "max": {"$numberDecimal": "100000"},
                     "precision": {"$numberInt": "2"}})");
  a = testing::Decimal("12345.67"), b = testing::Decimal("23456.78");
  request.operands = testing::RangeOperands(&a, &b);
  ExpectNoLeak(request);
}

TEST_F(LeakTest, InsertsCarryNoPlaintext) {
  auto request = Base(Algorithm::kIndexed, BsonType::kString, false);
  request.operands = testing::ValueOperand(testing::Utf8("987-65-4320"));
  ExpectNoLeak(request);

  request = Base(Algorithm::kRange, BsonType::kInt, false,
                 R"({"min": {"$numberInt": "0"}, "max": {"$numberInt": "200000000"}})");
  request.operands = testing::ValueOperand(testing::Int32(123456789));
  ExpectNoLeak(request);

  request = Base(Algorithm::kUnindexed, BsonType::kString, false);
  request.operands = testing::ValueOperand(testing::Utf8("Visa-Platinum-4111"));
  ExpectNoLeak(request);

  // EncryptedEmbeddedModelField: the whole embedded document, and each of its
  // values.
  BsonDoc billing = Json(R"({"cc_type": "Visa-Platinum", "cc_number": "4111111111111111",
                             "limit": {"$numberLong": "9876543210123"}})");
  request = Base(Algorithm::kUnindexed, BsonType::kObject, false);
  request.operands = testing::ValueOperand(DocumentValue(billing));
  ExpectNoLeak(request);

  BsonDoc array = Json(R"({"0": "allergy-penicillin", "1": "allergy-latex-gloves"})");
  request = Base(Algorithm::kUnindexed, BsonType::kArray, false);
  request.operands = testing::ValueOperand(DocumentValue(array, BSON_TYPE_ARRAY));
  ExpectNoLeak(request);
}

}  // namespace
}  // namespace querysafe::crypt
