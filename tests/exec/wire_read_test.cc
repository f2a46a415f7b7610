// Reads: what a lowered find/aggregate/count becomes on the wire (payloads
// where the placeholders were, encryptionInformation added by libmongocrypt,
// no plaintext anywhere), and how replies come back (decrypted rows across
// getMore batches, killCursors, counts, get(), aggregate() and values()).
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "lib/exec/client.h"
#include "lib/schema/bson_equivalent.h"
#include "tests/crypt/plaintext_scan.h"
#include "tests/crypt/spec_fixture.h"
#include "tests/exec/wire_fixture.h"

namespace querysafe::testing {
namespace {

namespace ct = querysafe::crypt::testing;
using bound::Operation;
using lower::CommandKind;

using WireFind = WireTest;
using WireCursor = WireTest;
using WireCount = WireTest;
using WireGet = WireTest;
using WireAggregate = WireTest;
using WireValues = WireTest;

constexpr char kSsnFind[] =
    R"({"find": "patients", "filter": {"patient_record.ssn": {"$eq":
        {"$encrypt": {"id": 0, "role": "value", "path": "patient_record.ssn"}}}}})";

BsonDoc EncryptedDoc(int id, const char* key, const std::vector<uint8_t>& bytes) {
  BsonDoc doc;
  BSON_APPEND_INT32(doc.get(), "_id", id);
  bson_append_binary(doc.get(), key, -1, BSON_SUBTYPE_ENCRYPTED, bytes.data(),
                     static_cast<uint32_t>(bytes.size()));
  return doc;
}

TEST_F(WireFind, EqualityPayloadIsTheSpecsAndEncryptionInformationIsAdded) {
  auto schema = LoadTestSchema("spec_default.json");
  auto client = Connect(schema);
  ASSERT_NE(client, nullptr);
  Route("find", [](const ReceivedCommand&) {
    return PeerReply::Document(CursorReply("default.default", 0, {}));
  });
  // Default.objects.filter(encryptedIndexed="123"), as lowering writes it.
  std::vector<lower::EncryptionRequest> requests;
  requests.push_back(EqualityRequest(*schema, "default", "encryptedIndexed", 0, ct::Utf8("123")));
  exec::Result r = client->Run(Lowered("default", "default", CommandKind::kFind,
                                       R"({"find": "default", "filter": {"encryptedIndexed": {"$eq":
          {"$encrypt": {"id": 0, "role": "value"}}}}})",
                                       std::move(requests)));
  ASSERT_TRUE(r.ok()) << r.diagnostics[0].message;
  BsonDoc row;
  EXPECT_FALSE(r.rows->Next(&row));
  EXPECT_FALSE(r.rows->error().has_value());

  std::vector<ReceivedCommand> finds = Commands("find", "default.default");
  ASSERT_EQ(finds.size(), 1u);
  const bson_t* sent = finds[0].body.get();
  // The payload the spec expects a driver to send (fle2v2-InsertFind-Indexed).
  const char* kExpected = "tests.0.expectations.3.command_started_event.command";
  BsonDoc expected = ct::DocumentAt(spec_.get(), kExpected);
  EXPECT_EQ(BinaryAt(sent, "filter/encryptedIndexed/$eq"),
            BinaryAt(expected.get(), "filter/encryptedIndexed/$eq"));
  ASSERT_FALSE(BinaryAt(sent, "filter/encryptedIndexed/$eq").empty());
  // libmongocrypt added encryptionInformation, equal to the spec's.
  EXPECT_TRUE(
      schema::BsonDocsEquivalent(SubDocument(sent, "encryptionInformation").get(),
                                 SubDocument(expected.get(), "encryptionInformation").get()))
      << ToCanonicalJson(sent);
}

TEST_F(WireFind, NoPlaintextOfTheQueryValueCrossesTheSocket) {
  auto schema = LoadTestSchema("medical.json");
  auto client = Connect(schema);
  ASSERT_NE(client, nullptr);
  Route("find", [](const ReceivedCommand&) {
    return PeerReply::Document(CursorReply("medical_records.patients", 0, {}));
  });
  const bson_value_t ssn = ct::Utf8("987-65-4320");
  std::vector<lower::EncryptionRequest> requests;
  requests.push_back(EqualityRequest(*schema, "patients", "patient_record.ssn", 0, ssn));
  exec::Result r = client->Run(
      Lowered("medical_records", "patients", CommandKind::kFind, kSsnFind, std::move(requests)));
  ASSERT_TRUE(r.ok()) << r.diagnostics[0].message;
  std::vector<ReceivedCommand> finds = Commands("find", "medical_records.patients");
  ASSERT_EQ(finds.size(), 1u);
  const std::vector<uint8_t> payload =
      BinaryAt(finds[0].body.get(), "filter/patient_record.ssn/$eq");
  ASSERT_FALSE(payload.empty());
  EXPECT_EQ(payload[0], 12);  // FLE2FindEqualityPayloadV2
  EXPECT_EQ(StringAt(finds[0].body.get(),
                     "encryptionInformation/schema/"
                     "medical_records.patients/fields/0/path"),
            "patient_record.ssn");
  const std::string bytes = peer_.BytesReceived();
  // The scanner finds the value where it is, and nowhere on the wire.
  EXPECT_FALSE(FindPlaintext(std::string_view("x 987-65-4320 y"), ssn).empty());
  EXPECT_EQ(FindPlaintext(bytes, ssn), std::vector<std::string>{});
}

TEST_F(WireFind, ReturnedEncryptedValuesComeBackDecrypted) {
  auto schema = LoadTestSchema("medical.json");
  auto client = Connect(schema);
  ASSERT_NE(client, nullptr);
  // A whole EncryptedEmbeddedModelField value, as the server stores it.
  BsonDoc billing = Json(R"({"cc_type": "Visa", "cc_number": "4111222233334444"})");
  bson_value_t billing_value{};
  billing_value.value_type = BSON_TYPE_DOCUMENT;
  billing_value.value.v_doc.data = const_cast<uint8_t*>(billing.data());
  billing_value.value.v_doc.data_len = billing.size();
  std::vector<uint8_t> stored =
      StoredValue(*schema, "patients", "patient_record.billing", billing_value);
  ASSERT_EQ(stored.at(0), 16);
  Route("find", [&](const ReceivedCommand&) {
    BsonDoc record;
    bson_append_binary(record.get(), "billing", -1, BSON_SUBTYPE_ENCRYPTED, stored.data(),
                       static_cast<uint32_t>(stored.size()));
    BsonDoc doc = Json(R"({"_id": 7, "patient_name": "Jon Doe"})");
    BSON_APPEND_DOCUMENT(doc.get(), "patient_record", record.get());
    return PeerReply::Document(CursorReply("medical_records.patients", 0, {doc}));
  });
  exec::Result r = client->Run(Lowered("medical_records", "patients", CommandKind::kFind,
                                       R"({"find": "patients", "filter": {}})"));
  ASSERT_TRUE(r.ok()) << r.diagnostics[0].message;
  BsonDoc row;
  ASSERT_TRUE(r.rows->Next(&row)) << r.rows->error()->message;
  EXPECT_EQ(ToCanonicalJson(SubDocument(row.get(), "patient_record/billing").get()),
            ToCanonicalJson(billing.get()));
  EXPECT_EQ(StringAt(row.get(), "patient_name"), "Jon Doe");
  EXPECT_FALSE(r.rows->Next(&row));
  EXPECT_FALSE(r.rows->error().has_value());
}

TEST_F(WireCursor, GetMoreAcrossBatchesThenTheCursorIsDone) {
  auto schema = LoadTestSchema("spec_default.json");
  auto client = Connect(schema);
  ASSERT_NE(client, nullptr);
  std::vector<std::vector<uint8_t>> values;
  for (int i = 0; i < 4; ++i) {
    const std::string text = std::format("secret-number-{}", i);
    values.push_back(StoredValue(*schema, "default", "encryptedUnindexed", ct::Utf8(text.c_str())));
  }
  Route("find", [&](const ReceivedCommand&) {
    return PeerReply::Document(CursorReply("default.default", 77,
                                           {EncryptedDoc(0, "encryptedUnindexed", values[0]),
                                            EncryptedDoc(1, "encryptedUnindexed", values[1])}));
  });
  Route("getMore", [&](const ReceivedCommand& c) {
    const bool second = peer_.Received("getMore").size() > 1;
    if (second) {
      return PeerReply::Document(CursorReply(
          "default.default", 0, {EncryptedDoc(3, "encryptedUnindexed", values[3])}, "nextBatch"));
    }
    EXPECT_EQ(StringAt(c.body.get(), "collection"), "default");
    return PeerReply::Document(CursorReply(
        "default.default", 77, {EncryptedDoc(2, "encryptedUnindexed", values[2])}, "nextBatch"));
  });
  exec::Result r = client->Run(
      Lowered("default", "default", CommandKind::kFind, R"({"find": "default", "filter": {}})"));
  ASSERT_TRUE(r.ok()) << r.diagnostics[0].message;
  std::vector<std::string> seen;
  for (BsonDoc row; r.rows->Next(&row);) {
    seen.push_back(StringAt(row.get(), "encryptedUnindexed"));
  }
  EXPECT_FALSE(r.rows->error().has_value());
  EXPECT_EQ(seen, (std::vector<std::string>{"secret-number-0", "secret-number-1", "secret-number-2",
                                            "secret-number-3"}));
  std::vector<ReceivedCommand> more = peer_.Received("getMore");
  ASSERT_EQ(more.size(), 2u);
  bson_iter_t id;
  ASSERT_TRUE(bson_iter_init_find(&id, more[0].body.get(), "getMore"));
  EXPECT_TRUE(BSON_ITER_HOLDS_INT64(&id));
  EXPECT_EQ(bson_iter_int64(&id), 77);
  // The getMores run in the find's session.
  std::vector<ReceivedCommand> finds = Commands("find", "default.default");
  ASSERT_EQ(finds.size(), 1u);
  EXPECT_EQ(BinaryAt(more[0].body.get(), "lsid/id"), BinaryAt(finds[0].body.get(), "lsid/id"));
  EXPECT_FALSE(BinaryAt(finds[0].body.get(), "lsid/id").empty());
  EXPECT_TRUE(peer_.Received("killCursors").empty());
}

TEST_F(WireCursor, DroppingAnOpenCursorKillsIt) {
  auto schema = LoadTestSchema("spec_default.json");
  auto client = Connect(schema);
  ASSERT_NE(client, nullptr);
  Route("find", [&](const ReceivedCommand&) {
    return PeerReply::Document(
        CursorReply("default.default", 88, {Json(R"({"_id": 1})"), Json(R"({"_id": 2})")}));
  });
  {
    exec::Result r = client->Run(
        Lowered("default", "default", CommandKind::kFind, R"({"find": "default", "filter": {}})"));
    ASSERT_TRUE(r.ok());
    BsonDoc row;
    ASSERT_TRUE(r.rows->Next(&row));
  }
  std::vector<ReceivedCommand> kills = peer_.Received("killCursors");
  ASSERT_EQ(kills.size(), 1u);
  EXPECT_EQ(StringAt(kills[0].body.get(), "killCursors"), "default");
  bson_iter_t it;
  ASSERT_TRUE(bson_iter_init(&it, kills[0].body.get()));
  ASSERT_TRUE(bson_iter_find_descendant(&it, "cursors.0", &it));
  EXPECT_EQ(bson_iter_as_int64(&it), 88);
  EXPECT_TRUE(peer_.Received("getMore").empty());
}

TEST_F(WireCount, CountCommandCarriesThePayloadAndReturnsN) {
  auto schema = LoadTestSchema("medical.json");
  auto client = Connect(schema);
  ASSERT_NE(client, nullptr);
  Route("count", [](const ReceivedCommand&) { return PeerReply::Json(R"({"n": 3, "ok": 1})"); });
  std::vector<lower::EncryptionRequest> requests;
  requests.push_back(
      EqualityRequest(*schema, "patients", "patient_record.ssn", 0, ct::Utf8("987-65-4320")));
  lower::Command count = Lowered("medical_records", "patients", CommandKind::kCount,
                                 R"({"count": "patients", "query": {"patient_record.ssn": {"$eq":
          {"$encrypt": {"id": 0, "role": "value"}}}}})",
                                 std::move(requests), Operation::kCount);
  exec::Result r = client->Run(count);
  ASSERT_TRUE(r.ok()) << r.diagnostics[0].message;
  EXPECT_EQ(r.count, 3);
  std::vector<ReceivedCommand> sent = Commands("count", "medical_records.patients");
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(BinaryAt(sent[0].body.get(), "query/patient_record.ssn/$eq").at(0), 12);
  EXPECT_TRUE(Has(sent[0].body.get(), "encryptionInformation"));
}

TEST_F(WireCount, AnAggregateCountOfNothingIsZero) {
  auto client = Connect(LoadTestSchema("medical.json"));
  ASSERT_NE(client, nullptr);
  Route("aggregate", [](const ReceivedCommand&) {
    return PeerReply::Document(CursorReply("medical_records.patients", 0, {}));
  });
  exec::Result r = client->Run(
      Lowered("medical_records", "patients", CommandKind::kAggregate,
              R"({"aggregate": "patients", "pipeline": [{"$count": "n"}], "cursor": {}})", {},
              Operation::kCount));
  ASSERT_TRUE(r.ok()) << r.diagnostics[0].message;
  EXPECT_EQ(r.count, 0);
}

TEST_F(WireGet, ExactlyOneOrDjangosExceptions) {
  auto client = Connect(LoadTestSchema("medical.json"));
  ASSERT_NE(client, nullptr);
  int returned = 0;
  Route("find", [&](const ReceivedCommand&) {
    std::vector<BsonDoc> docs;
    for (int i = 0; i < returned; ++i) docs.push_back(Json(std::format(R"({{"_id": {}}})", i)));
    return PeerReply::Document(CursorReply("medical_records.patients", 0, docs));
  });
  lower::Command get =
      Lowered("medical_records", "patients", CommandKind::kFind,
              R"({"find": "patients", "filter": {}, "limit": 21})", {}, Operation::kGet);
  returned = 1;
  exec::Result one = client->Run(get);
  ASSERT_TRUE(one.ok());
  ASSERT_TRUE(one.document.has_value());
  EXPECT_EQ(ToCanonicalJson(one.document->get()), ToCanonicalJson(Json(R"({"_id": 0})").get()));

  returned = 0;
  exec::Result none = client->Run(get);
  ASSERT_EQ(none.diagnostics.size(), 1u);
  EXPECT_EQ(none.diagnostics[0].category, Category::kDoesNotExist);
  EXPECT_EQ(none.diagnostics[0].message, "Patient matching query does not exist.");

  returned = 2;
  exec::Result two = client->Run(get);
  ASSERT_EQ(two.diagnostics.size(), 1u);
  EXPECT_EQ(two.diagnostics[0].category, Category::kMultipleObjectsReturned);
  EXPECT_EQ(two.diagnostics[0].message, "get() returned more than one Patient -- it returned 2!");

  returned = 21;
  exec::Result many = client->Run(get);
  ASSERT_EQ(many.diagnostics.size(), 1u);
  EXPECT_EQ(many.diagnostics[0].message,
            "get() returned more than one Patient -- it returned more than 20!");
}

TEST_F(WireGet, FirstOfNothingIsNoneAndExistsIsFalse) {
  auto client = Connect(LoadTestSchema("medical.json"));
  ASSERT_NE(client, nullptr);
  Route("find", [&](const ReceivedCommand&) {
    return PeerReply::Document(CursorReply("medical_records.patients", 0, {}));
  });
  exec::Result first =
      client->Run(Lowered("medical_records", "patients", CommandKind::kFind,
                          R"({"find": "patients", "filter": {}, "limit": 1, "singleBatch": true})",
                          {}, Operation::kFirst));
  ASSERT_TRUE(first.ok());
  EXPECT_FALSE(first.document.has_value());
  exec::Result exists = client->Run(
      Lowered("medical_records", "patients", CommandKind::kFind,
              R"({"find": "patients", "filter": {}, "projection": {"_id": 1}, "limit": 1,
          "singleBatch": true})",
              {}, Operation::kExists));
  ASSERT_TRUE(exists.ok());
  EXPECT_EQ(exists.exists, false);
}

TEST_F(WireAggregate, NoRowsGiveZeroForCountAndNoneForTheRest) {
  auto client = Connect(LoadTestSchema("medical.json"));
  ASSERT_NE(client, nullptr);
  Route("aggregate", [](const ReceivedCommand&) {
    return PeerReply::Document(CursorReply("medical_records.patients", 0, {}));
  });
  // aggregate(Count("patient_id"), Sum("patient_id")) as lowering writes it.
  exec::Result r = client->Run(Lowered("medical_records", "patients", CommandKind::kAggregate,
                                       R"({"aggregate": "patients", "pipeline": [
           {"$group": {"_id": null,
             "patient_id__count": {"$sum": {"$cond": [{"$and": [{"$ne": [
                 {"$ifNull": ["$patient_id", null]}, null]}, true]}, 1, 0]}},
             "patient_id__sum": {"$sum": "$patient_id"}}},
           {"$project": {"_id": 0, "patient_id__count": 1, "patient_id__sum": 1}}],
          "cursor": {}})",
                                       {}, Operation::kAggregate));
  ASSERT_TRUE(r.ok()) << r.diagnostics[0].message;
  ASSERT_TRUE(r.document.has_value());
  EXPECT_EQ(ToCanonicalJson(r.document->get()),
            ToCanonicalJson(Json(R"({"patient_id__count": {"$numberInt": "0"},
                         "patient_id__sum": null})")
                                .get()));
}

TEST_F(WireValues, FindRowsAreKeyedByTheOutputNames) {
  auto schema = LoadTestSchema("medical.json");
  auto client = Connect(schema);
  ASSERT_NE(client, nullptr);
  Route("find", [&](const ReceivedCommand&) {
    return PeerReply::Document(
        CursorReply("medical_records.patients", 0,
                    {Json(R"({"patient_name": "Ann", "patient_record": {"bill_amount":
                  {"$numberDecimal": "12.50"}}})"),
                     Json(R"({"patient_name": "Bob"})")}));
  });
  lower::Command values = Lowered("medical_records", "patients", CommandKind::kFind,
                                  R"({"find": "patients", "filter": {}, "projection":
          {"patient_record.bill_amount": 1, "patient_name": 1, "_id": 0}})");
  values.shape = bound::ResultShape::kValues;
  values.field_names = {"patient_record__bill_amount", "patient_name"};
  exec::Result r = client->Run(values);
  ASSERT_TRUE(r.ok());
  BsonDoc row;
  ASSERT_TRUE(r.rows->Next(&row));
  EXPECT_EQ(ToCanonicalJson(row.get()), ToCanonicalJson(Json(R"({"patient_record__bill_amount":
                {"$numberDecimal": "12.50"}, "patient_name": "Ann"})")
                                                            .get()));
  ASSERT_TRUE(r.rows->Next(&row));
  // A missing field is None, as Django gives it.
  EXPECT_EQ(ToCanonicalJson(row.get()),
            ToCanonicalJson(Json(R"({"patient_record__bill_amount": null,
                                     "patient_name": "Bob"})")
                                .get()));

  values.shape = bound::ResultShape::kValuesList;
  exec::Result tuples = client->Run(values);
  ASSERT_TRUE(tuples.ok());
  EXPECT_EQ(tuples.row_kind, exec::RowKind::kTuple);
  ASSERT_TRUE(tuples.rows->Next(&row));
  EXPECT_EQ(ToCanonicalJson(row.get()), ToCanonicalJson(Json(R"({"0": {"$numberDecimal": "12.50"},
                                     "1": "Ann"})")
                                                            .get()));
}

using WireThreads = WireTest;

TEST_F(WireThreads, OneClientServesManyThreadsAtOnce) {
  auto schema = LoadTestSchema("medical.json");
  auto client = Connect(schema);
  ASSERT_NE(client, nullptr);
  BsonDoc billing = Json(R"({"cc_type": "Amex", "cc_number": "378282246310005"})");
  bson_value_t value{};
  value.value_type = BSON_TYPE_DOCUMENT;
  value.value.v_doc.data = const_cast<uint8_t*>(billing.data());
  value.value.v_doc.data_len = billing.size();
  std::vector<uint8_t> stored = StoredValue(*schema, "patients", "patient_record.billing", value);
  Route("find", [&](const ReceivedCommand&) {
    BsonDoc record;
    bson_append_binary(record.get(), "billing", -1, BSON_SUBTYPE_ENCRYPTED, stored.data(),
                       static_cast<uint32_t>(stored.size()));
    BsonDoc doc;
    BSON_APPEND_DOCUMENT(doc.get(), "patient_record", record.get());
    return PeerReply::Document(CursorReply("medical_records.patients", 0, {doc}));
  });
  constexpr int kThreads = 8, kQueries = 5;
  std::atomic<int> decrypted{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kQueries; ++i) {
        const std::string ssn = std::format("900-{:02}-{:04}", t, i);
        std::vector<lower::EncryptionRequest> requests;
        requests.push_back(
            EqualityRequest(*schema, "patients", "patient_record.ssn", 0, ct::Utf8(ssn.c_str())));
        exec::Result r = client->Run(Lowered("medical_records", "patients", CommandKind::kFind,
                                             kSsnFind, std::move(requests)));
        BsonDoc row;
        if (r.ok() && r.rows->Next(&row) &&
            StringAt(row.get(), "patient_record/billing/cc_number") == "378282246310005") {
          ++decrypted;
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(decrypted.load(), kThreads * kQueries);
  std::vector<ReceivedCommand> finds = Commands("find", "medical_records.patients");
  ASSERT_EQ(finds.size(), static_cast<size_t>(kThreads * kQueries));
  for (const ReceivedCommand& c : finds) {
    EXPECT_EQ(BinaryAt(c.body.get(), "filter/patient_record.ssn/$eq").at(0), 12);
  }
}

}  // namespace
}  // namespace querysafe::testing
