// The one JSON string escaper for the outputs libbson's writer cannot produce, in both of its
// dialects. Python dialect expectations are CPython's json.dumps(s) (ensure_ascii=True).
#include "lib/common/json_text.h"

#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "lib/common/python_repr.h"

namespace querysafe {
namespace {

std::string Escaped(std::string_view s, JsonEscapes escapes) {
  std::string out;
  AppendJsonString(s, escapes, &out);
  return out;
}

TEST(JsonText, PythonDialectIsJsonDumpsWithEnsureAscii) {
  constexpr JsonEscapes kPython = JsonEscapes::kPythonAscii;
  EXPECT_EQ(Escaped("", kPython), R"("")");
  EXPECT_EQ(Escaped("a/b'c", kPython), R"("a/b'c")");
  EXPECT_EQ(Escaped("\"\\\n\r\t\b\f", kPython), R"("\"\\\n\r\t\b\f")");
  EXPECT_EQ(Escaped(std::string_view("\x00\x01\x1f\x7f", 4), kPython),
            R"("\u0000\u0001\u001f\u007f")");
  EXPECT_EQ(Escaped("\xc3\xa9\xe2\x82\xac", kPython), R"("\u00e9\u20ac")");  // é€
  EXPECT_EQ(Escaped("\xf0\x9f\x98\x80", kPython), R"("\ud83d\ude00")");      // U+1F600
  // Bytes that start no valid sequence (a lone continuation byte, a truncated sequence at the
  // end) are U+FFFD each, as a decode with errors="replace" gives.
  EXPECT_EQ(Escaped("a\x80z", kPython), R"("a\ufffdz")");
  EXPECT_EQ(Escaped("a\xc3", kPython), R"("a\ufffd")");
}

TEST(JsonText, ControlCodesDialectEscapesOnlyControlsQuotesAndBackslashes) {
  constexpr JsonEscapes kControl = JsonEscapes::kControlCodes;
  EXPECT_EQ(Escaped("\"\\\n\t", kControl), R"("\"\\\u000a\u0009")");
  EXPECT_EQ(Escaped(std::string_view("\x00\x7f", 2), kControl), R"("\u0000\u007f")");
  EXPECT_EQ(Escaped("\xc3\xa9/\xf0\x9f\x98\x80", kControl), "\"\xc3\xa9/\xf0\x9f\x98\x80\"");
}

TEST(PythonRepr, FloatsAsPythonReprPrintsThem) {
  EXPECT_EQ(FloatRepr(0.1), "0.1");
  EXPECT_EQ(FloatRepr(1e16), "1e+16");
  EXPECT_EQ(FloatRepr(9999999999999998.0), "9999999999999998.0");
  EXPECT_EQ(FloatRepr(1e-5), "1e-05");
  EXPECT_EQ(FloatRepr(0.0001), "0.0001");
  EXPECT_EQ(FloatRepr(123456789012345.6), "123456789012345.6");
  EXPECT_EQ(FloatRepr(-0.0), "-0.0");
  EXPECT_EQ(FloatRepr(5e-324), "5e-324");
}

}  // namespace
}  // namespace querysafe
