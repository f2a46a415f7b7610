// PythonJsonDumps beyond the map test in encrypted_fields_map_test.cc: the edge
// cases of the binary values a map holds (key ids), checked against RFC 4648's
// base64 test vectors (section 10) and json_util's nested {"$binary": ...} form.
#include "lib/schema/python_json.h"

#include <bson/bson.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "lib/common/bson_util.h"

namespace querysafe::schema {
namespace {

std::string DumpBinary(std::string_view bytes, bson_subtype_t subtype = BSON_SUBTYPE_BINARY) {
  BsonDoc doc;
  bson_append_binary(doc.get(), "v", 1, subtype, reinterpret_cast<const uint8_t*>(bytes.data()),
                     static_cast<uint32_t>(bytes.size()));
  return PythonJsonDumps(doc.get());
}

std::string Expected(std::string_view base64, std::string_view subtype = "00") {
  return std::string(R"({
    "v": {
        "$binary": {
            "base64": ")") +
         std::string(base64) + R"(",
            "subType": ")" +
         std::string(subtype) + R"("
        }
    }
})";
}

TEST(PythonJson, Base64OfLengthsZeroToSix) {
  EXPECT_EQ(DumpBinary(""), Expected(""));
  EXPECT_EQ(DumpBinary("f"), Expected("Zg=="));
  EXPECT_EQ(DumpBinary("fo"), Expected("Zm8="));
  EXPECT_EQ(DumpBinary("foo"), Expected("Zm9v"));
  EXPECT_EQ(DumpBinary("foob"), Expected("Zm9vYg=="));
  EXPECT_EQ(DumpBinary("fooba"), Expected("Zm9vYmE="));
  EXPECT_EQ(DumpBinary("foobar"), Expected("Zm9vYmFy"));
}

TEST(PythonJson, Base64OfEveryByteValueAndSubtype) {
  // High bytes and NULs use the last alphabet characters ('+', '/') and must not stop the copy.
  EXPECT_EQ(DumpBinary(std::string_view("\x00\xfb\xff\x00", 4), BSON_SUBTYPE_UUID),
            Expected("APv/AA==", "04"));
  EXPECT_EQ(DumpBinary("\xf8", BSON_SUBTYPE_ENCRYPTED), Expected("+A==", "06"));
}

}  // namespace
}  // namespace querysafe::schema
