// BsonWriter against libbson: every test makes the same appends through both and compares the
// documents byte for byte, return values included (a refused key must be refused by both).

#include "lib/common/bson_writer.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "lib/common/bson_array.h"

namespace querysafe {
namespace {

// A heap bson_t. Held in a struct because a template argument drops the alignment that
// libbson declares on the bson_t typedef, and clang then warns on every call that passes
// unique_ptr<bson_t>::get() to libbson (-Walign-mismatch); a member keeps it.
struct Doc {
  bson_t b;
};

// The same appends through libbson (a stack of open child bson_t) and a BsonWriter.
class Both {
 public:
  Both() {
    docs_.push_back(std::make_unique<Doc>());
    bson_init(&docs_.back()->b);
    live_.push_back(true);
  }
  ~Both() {
    // Only the root owns memory: children were ended (or never began).
    bson_destroy(&docs_.front()->b);
  }

  void Utf8(std::string_view key, std::string_view value) {
    Check(bson_append_utf8(top(), key.data(), Len(key), value.data(), Len(value)),
          writer_.AppendUtf8(key, value));
  }
  void Int32(std::string_view key, int32_t v) {
    Check(bson_append_int32(top(), key.data(), Len(key), v), writer_.AppendInt32(key, v));
  }
  void Int64(std::string_view key, int64_t v) {
    Check(bson_append_int64(top(), key.data(), Len(key), v), writer_.AppendInt64(key, v));
  }
  void Double(std::string_view key, double v) {
    Check(bson_append_double(top(), key.data(), Len(key), v), writer_.AppendDouble(key, v));
  }
  void Bool(std::string_view key, bool v) {
    Check(bson_append_bool(top(), key.data(), Len(key), v), writer_.AppendBool(key, v));
  }
  void Null(std::string_view key) {
    Check(bson_append_null(top(), key.data(), Len(key)), writer_.AppendNull(key));
  }
  void Binary(std::string_view key, bson_subtype_t subtype, std::string_view data) {
    const auto* bytes = reinterpret_cast<const uint8_t*>(data.data());
    const auto n = static_cast<uint32_t>(data.size());
    Check(bson_append_binary(top(), key.data(), Len(key), subtype, bytes, n),
          writer_.AppendBinary(key, subtype, bytes, n));
  }
  void Value(std::string_view key, const bson_value_t& v) {
    Check(bson_append_value(top(), key.data(), Len(key), &v), writer_.AppendValue(key, v));
  }
  void Document(std::string_view key, const bson_t* doc) {
    Check(bson_append_document(top(), key.data(), Len(key), doc), writer_.AppendDocument(key, doc));
  }
  void BeginDocument(std::string_view key) { Begin(key, false); }
  void BeginArray(std::string_view key) { Begin(key, true); }
  void EndDocument() { End(false); }
  void EndArray() { End(true); }

  // Finishes both and compares the bytes.
  void ExpectSame() {
    ASSERT_EQ(docs_.size(), 1u) << "unbalanced Begin/End in the test";
    // The depth the writer kept (lowering's depth check uses it) is the document's, dropped
    // scopes excluded.
    EXPECT_EQ(writer_.max_depth(), BsonDepth(&docs_.front()->b, 10000));
    BsonDoc out;
    writer_.Finish(&out);
    const bson_t* expected = &docs_.front()->b;
    ASSERT_EQ(out.size(), expected->len);
    EXPECT_EQ(std::memcmp(out.data(), bson_get_data(expected), expected->len), 0)
        << "writer: " << ToCanonicalJson(out.get()) << "\nlibbson: " << ToCanonicalJson(expected);
    size_t offset = 0;
    EXPECT_TRUE(bson_validate(out.get(), BSON_VALIDATE_NONE, &offset)) << offset;
  }

 private:
  static int Len(std::string_view s) { return static_cast<int>(s.size()); }

  // Inside a scope libbson refused, libbson has no document to append to: only the writer
  // appends (and must drop it all at the scope's end).
  bson_t* top() { return live_.back() ? &docs_.back()->b : &sink_; }
  void Check(bool libbson_ok, bool writer_ok) {
    if (live_.back()) {
      EXPECT_EQ(libbson_ok, writer_ok);
    } else {
      bson_destroy(&sink_);
      bson_init(&sink_);
    }
  }
  void Begin(std::string_view key, bool array) {
    auto child = std::make_unique<Doc>();
    bool libbson_ok = false;
    if (live_.back()) {
      libbson_ok = array ? querysafe::AppendArrayBegin(top(), key.data(), Len(key), &child->b)
                         : bson_append_document_begin(top(), key.data(), Len(key), &child->b);
    }
    const bool writer_ok = array ? writer_.BeginArray(key) : writer_.BeginDocument(key);
    if (live_.back()) {
      EXPECT_EQ(libbson_ok, writer_ok);
    }
    live_.push_back(libbson_ok);
    docs_.push_back(std::move(child));
  }
  void End(bool array) {
    const bool live = live_.back();
    std::unique_ptr<Doc> child = std::move(docs_.back());
    docs_.pop_back();
    live_.pop_back();
    if (live) {
      EXPECT_TRUE(array ? bson_append_array_end(top(), &child->b)
                        : bson_append_document_end(top(), &child->b));
    }
    if (array) {
      writer_.EndArray();
    } else {
      writer_.EndDocument();
    }
  }

  std::vector<std::unique_ptr<Doc>> docs_;
  std::vector<bool> live_;
  bson_t sink_ = BSON_INITIALIZER;
  BsonWriter writer_;
};

bson_value_t Utf8Value(const char* s, uint32_t len) {
  bson_value_t v{};
  v.value_type = BSON_TYPE_UTF8;
  v.value.v_utf8.str = const_cast<char*>(s);
  v.value.v_utf8.len = len;
  return v;
}

TEST(BsonWriter, EmptyDocument) {
  Both both;
  both.ExpectSame();
}

TEST(BsonWriter, ScalarTypes) {
  Both both;
  both.Utf8("s", "987-65-4320");
  both.Utf8("empty", "");
  both.Utf8("no data", std::string_view());
  both.Utf8("nul inside", std::string_view("a\0b", 3));
  both.Int32("i32", 7);
  both.Int32("i32min", std::numeric_limits<int32_t>::min());
  both.Int32("i32max", std::numeric_limits<int32_t>::max());
  both.Int64("i64", -1);
  both.Int64("i64min", std::numeric_limits<int64_t>::min());
  both.Int64("i64max", std::numeric_limits<int64_t>::max());
  both.Double("d", 1.5);
  both.Double("negzero", -0.0);
  both.Double("nan", std::numeric_limits<double>::quiet_NaN());
  both.Double("inf", -std::numeric_limits<double>::infinity());
  both.Double("denormal", std::numeric_limits<double>::denorm_min());
  both.Bool("t", true);
  both.Bool("f", false);
  both.Null("n");
  both.ExpectSame();
}

TEST(BsonWriter, Binary) {
  Both both;
  both.Binary("uuid", BSON_SUBTYPE_UUID, "0123456789abcdef");
  both.Binary("generic", BSON_SUBTYPE_BINARY, std::string_view("\0\1\2", 3));
  both.Binary("empty", BSON_SUBTYPE_BINARY, "");
  both.Binary("deprecated", BSON_SUBTYPE_BINARY_DEPRECATED, "old");
  both.Binary("user", BSON_SUBTYPE_USER, "x");
  both.Binary("encrypted", BSON_SUBTYPE_ENCRYPTED, "payload");
  both.ExpectSame();
}

TEST(BsonWriter, Utf8KeysAndValues) {
  Both both;
  both.Utf8("caf\xc3\xa9", "na\xc3\xafve \xe2\x82\xac \xf0\x9f\x98\x80");
  both.Int32("\xe6\x97\xa5\xe6\x9c\xac", 1);
  both.Utf8("", "empty key");
  both.Utf8("$regex", "^a\\.\\*");
  both.ExpectSame();
}

// Every type bson_append_value takes, the way lowering passes coerced values through.
TEST(BsonWriter, EveryValueType) {
  Both both;
  bson_value_t v{};

  v.value_type = BSON_TYPE_DOUBLE;
  v.value.v_double = 2.25;
  both.Value("double", v);
  const bson_value_t utf8 = Utf8Value("text", 4);
  both.Value("utf8", utf8);
  const bson_value_t utf8_nul = Utf8Value("a\0b", 3);
  both.Value("utf8 nul", utf8_nul);
  // An empty string whose pointer is null: libbson writes null; so must the writer.
  const bson_value_t null_str = Utf8Value(nullptr, 0);
  both.Value("null str", null_str);
  const bson_value_t empty_str = Utf8Value("", 0);
  both.Value("empty str", empty_str);

  bson_t* sub = BCON_NEW("a", BCON_INT32(1), "b", "[", BCON_UTF8("x"), "]");
  v = {};
  v.value_type = BSON_TYPE_DOCUMENT;
  v.value.v_doc.data = const_cast<uint8_t*>(bson_get_data(sub));
  v.value.v_doc.data_len = sub->len;
  both.Value("document", v);
  v.value_type = BSON_TYPE_ARRAY;
  both.Value("array", v);
  both.Document("appended document", sub);
  // A nested document whose length header lies: libbson refuses it.
  uint8_t bad[5] = {9, 0, 0, 0, 0};
  v.value_type = BSON_TYPE_DOCUMENT;
  v.value.v_doc.data = bad;
  v.value.v_doc.data_len = sizeof bad;
  both.Value("bad document", v);

  const uint8_t uuid[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
  v = {};
  v.value_type = BSON_TYPE_BINARY;
  v.value.v_binary.subtype = BSON_SUBTYPE_UUID;
  v.value.v_binary.data = const_cast<uint8_t*>(uuid);
  v.value.v_binary.data_len = 16;
  both.Value("binary", v);
  v.value.v_binary.subtype = BSON_SUBTYPE_BINARY_DEPRECATED;
  both.Value("binary old", v);

  v = {};
  v.value_type = BSON_TYPE_UNDEFINED;
  both.Value("undefined", v);
  v.value_type = BSON_TYPE_OID;
  bson_oid_init_from_string(&v.value.v_oid, "65f0c0ffee0123456789abcd");
  both.Value("oid", v);
  v = {};
  v.value_type = BSON_TYPE_BOOL;
  v.value.v_bool = true;
  both.Value("bool", v);
  v.value_type = BSON_TYPE_DATE_TIME;
  v.value.v_datetime = -62135596800000;  // 0001-01-01
  both.Value("date", v);
  v = {};
  v.value_type = BSON_TYPE_NULL;
  both.Value("null", v);
  v.value_type = BSON_TYPE_REGEX;
  v.value.v_regex.regex = const_cast<char*>("^a.*");
  v.value.v_regex.options = const_cast<char*>("xsmi");  // libbson sorts the options
  both.Value("regex", v);
  v = {};
  v.value_type = BSON_TYPE_DBPOINTER;
  v.value.v_dbpointer.collection = const_cast<char*>("coll");
  v.value.v_dbpointer.collection_len = 4;
  bson_oid_init_from_string(&v.value.v_dbpointer.oid, "65f0c0ffee0123456789abcd");
  both.Value("dbpointer", v);
  v = {};
  v.value_type = BSON_TYPE_CODE;
  v.value.v_code.code = const_cast<char*>("function() {}");
  v.value.v_code.code_len = 13;
  both.Value("code", v);
  v = {};
  v.value_type = BSON_TYPE_SYMBOL;
  v.value.v_symbol.symbol = const_cast<char*>("sym");
  v.value.v_symbol.len = 3;
  both.Value("symbol", v);
  v = {};
  v.value_type = BSON_TYPE_CODEWSCOPE;
  v.value.v_codewscope.code = const_cast<char*>("f()");
  v.value.v_codewscope.code_len = 3;
  v.value.v_codewscope.scope_data = const_cast<uint8_t*>(bson_get_data(sub));
  v.value.v_codewscope.scope_len = sub->len;
  both.Value("codewscope", v);
  v = {};
  v.value_type = BSON_TYPE_INT32;
  v.value.v_int32 = -5;
  both.Value("int32", v);
  v.value_type = BSON_TYPE_TIMESTAMP;
  v.value.v_timestamp.timestamp = 1700000000;
  v.value.v_timestamp.increment = 3;
  both.Value("timestamp", v);
  v = {};
  v.value_type = BSON_TYPE_INT64;
  v.value.v_int64 = 1LL << 40;
  both.Value("int64", v);
  v = {};
  v.value_type = BSON_TYPE_DECIMAL128;
  ASSERT_TRUE(bson_decimal128_from_string("-1234.5600", &v.value.v_decimal128));
  both.Value("decimal", v);
  v = {};
  v.value_type = BSON_TYPE_MAXKEY;
  both.Value("maxkey", v);
  v.value_type = BSON_TYPE_MINKEY;
  both.Value("minkey", v);
  both.ExpectSame();
  bson_destroy(sub);
}

TEST(BsonWriter, KeyWithNulIsRefused) {
  const std::string_view key("pa\0th", 5);
  Both both;
  both.Int32("before", 1);
  both.Utf8(key, "v");
  both.Int32(key, 1);
  both.Int64(key, 1);
  both.Double(key, 1);
  both.Bool(key, true);
  both.Null(key);
  both.Binary(key, BSON_SUBTYPE_UUID, "0123456789abcdef");
  bson_value_t v{};
  v.value_type = BSON_TYPE_INT64;
  both.Value(key, v);
  v.value_type = BSON_TYPE_REGEX;
  v.value.v_regex.regex = const_cast<char*>("a");
  v.value.v_regex.options = const_cast<char*>("");
  both.Value(key, v);
  both.Value(std::string_view("\0", 1), v);
  both.Int32("after", 2);
  both.ExpectSame();
}

TEST(BsonWriter, ScopeWithNulKeyIsDroppedWhole) {
  Both both;
  both.Int32("a", 1);
  both.BeginDocument(std::string_view("bad\0", 4));
  both.Utf8("inside", "dropped");
  both.BeginArray("0");
  both.Int32("0", 1);
  both.EndArray();
  both.EndDocument();
  both.BeginArray(std::string_view("\0", 1));
  both.Int32("0", 1);
  both.EndArray();
  both.Int32("b", 2);
  both.ExpectSame();
}

TEST(BsonWriter, NestedDocumentsAndArrays) {
  Both both;
  both.Utf8("find", "anchorapp_patient");
  both.BeginDocument("filter");
  both.BeginArray("$or");
  for (int i = 0; i < 3; ++i) {
    const std::string index = std::to_string(i);
    both.BeginDocument(index);
    both.BeginDocument("score");
    both.Int64("$gte", i);
    both.EndDocument();
    both.EndDocument();
  }
  both.EndArray();
  both.BeginDocument("empty");
  both.EndDocument();
  both.BeginArray("empty array");
  both.EndArray();
  both.EndDocument();
  both.BeginDocument("sort");
  both.Int32("assessed_on", -1);
  both.EndDocument();
  both.Int64("limit", 10);
  both.ExpectSame();
}

TEST(BsonWriter, DeepNesting) {
  Both both;
  constexpr int kDepth = 500;
  for (int i = 0; i < kDepth; ++i) {
    if (i % 2 == 0) {
      both.BeginDocument("$and");
    } else {
      both.BeginArray("0");
    }
  }
  both.Utf8("leaf", "v");
  for (int i = kDepth - 1; i >= 0; --i) {
    if (i % 2 == 0) {
      both.EndDocument();
    } else {
      both.EndArray();
    }
  }
  both.ExpectSame();
}

// Past the inline buffer: many small elements, and single elements larger than it.
TEST(BsonWriter, GrowsPastInlineBuffer) {
  Both both;
  both.BeginArray("$in");
  for (int i = 0; i < 5000; ++i) both.Int64(std::to_string(i), i * 7);
  both.EndArray();
  const std::string big(3 * BsonWriter::kInlineBytes + 17, 'x');
  both.Utf8("big", big);
  both.Binary("bigbin", BSON_SUBTYPE_BINARY, big);
  both.Utf8(big, "big key");
  both.ExpectSame();
}

// The open documents are chained through their length fields: the chain must survive the buffer
// moving to the heap (and growing again) while documents are open.
TEST(BsonWriter, GrowsWhileDocumentsAreOpen) {
  Both both;
  const std::string chunk(700, 'z');
  for (int i = 0; i < 40; ++i) {
    both.BeginDocument("d" + std::to_string(i));
    both.Utf8("v", chunk);
    both.BeginArray("a");
    both.Utf8("0", chunk);
  }
  for (int i = 0; i < 40; ++i) {
    both.Int32("1", i);
    both.EndArray();
    both.Int32("after", i);
    both.EndDocument();
  }
  both.ExpectSame();
}

// Refused scopes inside refused scopes, and good scopes inside refused ones: everything from the
// outermost refused key to its end is dropped, what follows is kept.
TEST(BsonWriter, NestedRefusedScopes) {
  const std::string_view bad("b\0d", 3);
  Both both;
  both.BeginDocument("kept");
  both.BeginDocument(bad);
  both.BeginArray("inner");
  both.BeginDocument(bad);
  both.Int32("x", 1);
  both.EndDocument();
  both.Utf8("0", std::string(2000, 'g'));  // grows the buffer inside a dropped scope
  both.EndArray();
  both.EndDocument();
  both.Int32("y", 2);
  both.EndDocument();
  both.BeginArray(bad);
  both.EndArray();
  both.Int32("z", 3);
  both.ExpectSame();
}

// Finish replaces what the output document held, small (inline) or large (heap).
TEST(BsonWriter, FinishReplacesOutput) {
  BsonDoc out;
  ASSERT_TRUE(BsonDoc::FromJson(R"({"old": "content", "n": [1, 2, 3]})", &out, nullptr));
  {
    BsonWriter w;
    w.AppendInt32("x", 1);
    w.Finish(&out);
  }
  EXPECT_EQ(ToCanonicalJson(out.get()), R"({ "x" : { "$numberInt" : "1" } })");
  {
    BsonWriter w;
    w.AppendUtf8("s", std::string(500, 'y'));
    w.Finish(&out);
  }
  EXPECT_EQ(out.size(), 4u + 1 + 2 + 4 + 501 + 1);
  {
    BsonWriter w;
    w.Finish(&out);
  }
  EXPECT_TRUE(out.empty());
}

}  // namespace
}  // namespace querysafe
