// What goes wrong on the wire becomes a DatabaseError diagnostic, never a
// crash or a hang: server errors (with the server's code and words), write
// errors, an error in the middle of a cursor, replies that are garbled,
// truncated or of the wrong shape, a dropped connection, and a returned value
// that cannot be decrypted.
#include <gtest/gtest.h>

#include <chrono>

#include "lib/exec/client.h"
#include "tests/crypt/spec_fixture.h"
#include "tests/exec/wire_fixture.h"

namespace querysafe::testing {
namespace {

namespace ct = querysafe::crypt::testing;
using lower::CommandKind;

class WireErrors : public WireTest {
 protected:
  void SetUp() override {
    WireTest::SetUp();
    schema_ = LoadTestSchema("medical.json");
    client_ = Connect(schema_);
    ASSERT_NE(client_, nullptr);
  }

  exec::Result Find() {
    return client_->Run(Lowered("medical_records", "patients", CommandKind::kFind,
                                R"({"find": "patients", "filter": {}})"));
  }

  // The diagnostic of a find whose first reply the route spoils; checks that
  // it came quickly.
  Diagnostic FindError() {
    const auto start = std::chrono::steady_clock::now();
    exec::Result r = Find();
    Diagnostic d;
    if (!r.ok()) {
      d = r.diagnostics[0];
    } else {
      BsonDoc row;
      EXPECT_TRUE(r.rows != nullptr);
      while (r.rows != nullptr && r.rows->Next(&row)) {
      }
      EXPECT_TRUE(r.rows->error().has_value()) << "the find succeeded";
      if (r.rows->error()) d = *r.rows->error();
    }
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
    EXPECT_EQ(d.category, Category::kDatabaseError);
    EXPECT_FALSE(d.message.empty());
    return d;
  }

  std::shared_ptr<const schema::Schema> schema_;
  std::unique_ptr<exec::Client> client_;
};

// A message header (length, requestID, responseTo, opCode) in little endian.
std::string Header(int32_t length, int32_t op_code) {
  std::string out;
  for (int32_t v : {length, 1, 0, op_code}) {
    for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
  }
  return out;
}

TEST_F(WireErrors, ServerErrorKeepsTheServersCodeAndMessage) {
  Route("find", [](const ReceivedCommand&) {
    return PeerReply::Document(ErrorReply(51092, "Location51092",
                                          "Invalid match expression operator on encrypted field "
                                          "'patient_record.ssn': $regex"));
  });
  exec::Result r = Find();
  ASSERT_EQ(r.diagnostics.size(), 1u);
  EXPECT_EQ(r.diagnostics[0].category, Category::kDatabaseError);
  EXPECT_EQ(r.diagnostics[0].code, "exec.server_error");
  EXPECT_EQ(r.diagnostics[0].server_code, 51092);
  EXPECT_EQ(r.diagnostics[0].message,
            "Invalid match expression operator on encrypted field "
            "'patient_record.ssn': $regex");
}

TEST_F(WireErrors, AWriteErrorIsTheDiagnostic) {
  Route("insert", [](const ReceivedCommand&) {
    return PeerReply::Json(
        R"({"n": 0, "writeErrors": [{"index": 0, "code": 11000,
        "errmsg": "E11000 duplicate key error collection: medical_records.patients index: _id_"}],
        "ok": 1})");
  });
  exec::WriteResult w =
      client_->Insert("Patient", Json(R"({"patient_id": 1, "patient_record": {"ssn": "123-45-6789",
          "billing": {"cc_type": "x", "cc_number": "1"}, "bill_amount": 5}})")
                                     .get());
  ASSERT_EQ(w.diagnostics.size(), 1u);
  EXPECT_EQ(w.diagnostics[0].code, "exec.write_error");
  EXPECT_EQ(w.diagnostics[0].server_code, 11000);
  EXPECT_EQ(w.diagnostics[0].message,
            "E11000 duplicate key error collection: medical_records.patients "
            "index: _id_");
}

TEST_F(WireErrors, AnErrorMidCursorEndsItWithTheServersCode) {
  Route("find", [](const ReceivedCommand&) {
    return PeerReply::Document(CursorReply("medical_records.patients", 5, {Json(R"({"_id": 1})")}));
  });
  Route("getMore", [](const ReceivedCommand&) {
    return PeerReply::Document(ErrorReply(43, "CursorNotFound", "cursor id 5 not found"));
  });
  exec::Result r = Find();
  ASSERT_TRUE(r.ok());
  BsonDoc row;
  ASSERT_TRUE(r.rows->Next(&row));
  EXPECT_FALSE(r.rows->Next(&row));
  ASSERT_TRUE(r.rows->error().has_value());
  EXPECT_EQ(r.rows->error()->server_code, 43);
  EXPECT_EQ(r.rows->error()->message, "cursor id 5 not found");
  EXPECT_FALSE(r.rows->Next(&row));  // and stays ended
}

TEST_F(WireErrors, AGarbledReplyIsADiagnostic) {
  Route("find", [](const ReceivedCommand&) {
    // A well-framed OP_MSG whose body is not BSON.
    // flagBits, section kind 0, then no document at all.
    std::string body(5, '\0');
    body += "garbage, not a document";
    return PeerReply::Raw(Header(16 + static_cast<int32_t>(body.size()), 2013) + body);
  });
  Diagnostic d = FindError();
  EXPECT_EQ(d.server_code, 0);
  EXPECT_EQ(d.code, "exec.protocol_error") << d.message;
}

TEST_F(WireErrors, ATruncatedReplyIsADiagnostic) {
  Route("find", [](const ReceivedCommand&) {
    // The header promises 400 bytes; the connection ends after 30.
    std::string bytes = Header(400, 2013) + std::string(14, '\0');
    return PeerReply::Raw(bytes);
  });
  Diagnostic d = FindError();
  EXPECT_EQ(d.code, "exec.network_error");
}

TEST_F(WireErrors, AClosedConnectionIsADiagnostic) {
  Route("find", [](const ReceivedCommand&) { return PeerReply::Close(); });
  Diagnostic d = FindError();
  EXPECT_EQ(d.code, "exec.network_error");
  // mongoc retried the read once on a new connection, as retryable reads do.
  EXPECT_EQ(Commands("find", "medical_records.patients").size(), 2u);
}

TEST_F(WireErrors, RepliesOfTheWrongShapeAreDiagnostics) {
  Route("count",
        [](const ReceivedCommand&) { return PeerReply::Json(R"({"n": "three", "ok": 1})"); });
  exec::Result count =
      client_->Run(Lowered("medical_records", "patients", CommandKind::kCount,
                           R"({"count": "patients", "query": {}})", {}, bound::Operation::kCount));
  ASSERT_EQ(count.diagnostics.size(), 1u);
  EXPECT_EQ(count.diagnostics[0].code, "exec.malformed_reply");

  Route("find", [](const ReceivedCommand&) {
    return PeerReply::Json(
        R"({"cursor": {"id": "x", "ns": "medical_records.patients",
                                          "firstBatch": []}, "ok": 1})");
  });
  {
    SCOPED_TRACE("cursor id is a string");
    FindError();
  }
  Route("find", [](const ReceivedCommand&) {
    return PeerReply::Json(
        R"({"cursor": {"id": 0, "ns": "medical_records.patients",
                                          "firstBatch": "none"}, "ok": 1})");
  });
  {
    SCOPED_TRACE("firstBatch is a string");
    FindError();
  }
  Route("find", [](const ReceivedCommand&) { return PeerReply::Json(R"({"ok": 1})"); });
  {
    SCOPED_TRACE("no cursor");
    FindError();
  }
  Route("delete", [](const ReceivedCommand&) { return PeerReply::Json(R"({"ok": 1})"); });
  bson_value_t id{};
  id.value_type = BSON_TYPE_UTF8;
  id.value.v_utf8.str = const_cast<char*>("65a1b2c3d4e5f60718293a4b");
  id.value.v_utf8.len = 24;
  exec::WriteResult w = client_->Delete("Patient", id);
  ASSERT_EQ(w.diagnostics.size(), 1u);
  EXPECT_EQ(w.diagnostics[0].code, "exec.malformed_reply");
}

TEST_F(WireErrors, AValueThatDoesNotDecryptIsADiagnostic) {
  // Encrypted with a key the key vault does not hold (any more).
  std::vector<uint8_t> stored =
      StoredValue(*schema_, "visits", "notes", ct::Utf8("a note nobody can read"));
  ASSERT_FALSE(stored.empty());
  keys().pop_back();  // visits.notes
  Route("find", [&](const ReceivedCommand&) {
    BsonDoc doc;
    bson_append_binary(doc.get(), "notes", -1, BSON_SUBTYPE_ENCRYPTED, stored.data(),
                       static_cast<uint32_t>(stored.size()));
    return PeerReply::Document(CursorReply("medical_records.patients", 0, {doc}));
  });
  Diagnostic d = FindError();
  EXPECT_EQ(d.code, "exec.encryption_error");
}

}  // namespace
}  // namespace querysafe::testing
