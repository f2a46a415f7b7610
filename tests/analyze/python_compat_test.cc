// Python behaviour querysafe reproduces so that its messages and values are Django's: difflib's
// suggestions, repr()/str(), int()/float(), Decimal from float. Every expected value here was
// printed by CPython 3.11 (difflib.get_close_matches, repr, str, int, float,
// decimal.Context(prec=n).create_decimal_from_float, ipaddress), not by querysafe.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "lib/analyze/coerce.h"
#include "lib/analyze/py_value.h"
#include "lib/common/arena.h"
#include "lib/common/difflib.h"

namespace querysafe::analyze {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

const std::vector<std::string_view> kLookups = {
    "exact",     "iexact",   "gt",        "gte",        "lt",          "lte",
    "in",        "contains", "icontains", "startswith", "istartswith", "endswith",
    "iendswith", "range",    "isnull",    "regex",      "iregex"};

TEST(GetCloseMatches, SuggestsWhatDjangoSuggests) {
  EXPECT_THAT(GetCloseMatches("startwith", kLookups), ElementsAre("startswith", "istartswith"));
  EXPECT_THAT(GetCloseMatches("exat", kLookups), ElementsAre("exact", "iexact"));
  EXPECT_THAT(GetCloseMatches("icontain", kLookups), ElementsAre("icontains", "contains"));
  EXPECT_THAT(GetCloseMatches("gtee", kLookups), ElementsAre("gte", "gt"));
  EXPECT_THAT(GetCloseMatches("isnul", kLookups), ElementsAre("isnull"));
  EXPECT_THAT(GetCloseMatches("rnage", kLookups), ElementsAre("range", "regex"));
  EXPECT_THAT(GetCloseMatches("lts", kLookups), ElementsAre("lt", "lte"));
  EXPECT_THAT(GetCloseMatches("regx", kLookups), ElementsAre("regex", "iregex"));
  EXPECT_THAT(GetCloseMatches("contain", kLookups), ElementsAre("contains", "icontains"));
}

TEST(GetCloseMatches, SuggestsNothingBelowTheCutoff) {
  EXPECT_THAT(GetCloseMatches("xyz", kLookups), IsEmpty());
  EXPECT_THAT(GetCloseMatches("", kLookups), IsEmpty());
}

TEST(FloatRepr, MatchesPython) {
  EXPECT_EQ(FloatRepr(0.1), "0.1");
  EXPECT_EQ(FloatRepr(1.5), "1.5");
  EXPECT_EQ(FloatRepr(3.0), "3.0");
  EXPECT_EQ(FloatRepr(1e16), "1e+16");
  EXPECT_EQ(FloatRepr(1e15), "1000000000000000.0");
  EXPECT_EQ(FloatRepr(123456789012345678.0), "1.2345678901234568e+17");
  EXPECT_EQ(FloatRepr(0.0001), "0.0001");
  EXPECT_EQ(FloatRepr(0.00001), "1e-05");
  EXPECT_EQ(FloatRepr(-2.5e-7), "-2.5e-07");
  EXPECT_EQ(FloatRepr(1.0 / 3), "0.3333333333333333");
  EXPECT_EQ(FloatRepr(9007199254740992.0), "9007199254740992.0");
  EXPECT_EQ(FloatRepr(5e-324), "5e-324");
  EXPECT_EQ(FloatRepr(1.7976931348623157e308), "1.7976931348623157e+308");
  EXPECT_EQ(FloatRepr(-0.0), "-0.0");
  EXPECT_EQ(FloatRepr(std::numeric_limits<double>::quiet_NaN()), "nan");
  EXPECT_EQ(FloatRepr(-std::numeric_limits<double>::infinity()), "-inf");
}

PyValue Str(std::string_view s) {
  PyValue v;
  v.type = PyValue::Type::kStr;
  v.s = s;
  return v;
}

TEST(Repr, QuotesStringsAsPython) {
  EXPECT_EQ(Repr(Str("abc")), "'abc'");
  EXPECT_EQ(Repr(Str("it's")), "\"it's\"");
  EXPECT_EQ(Repr(Str("say \"hi\"")), "'say \"hi\"'");
  EXPECT_EQ(Repr(Str("both ' and \"")), "'both \\' and \"'");
  EXPECT_EQ(Repr(Str("tab\tnl\n")), "'tab\\tnl\\n'");
  EXPECT_EQ(Repr(Str(std::string_view("\x00\x7f", 2))), "'\\x00\\x7f'");
  EXPECT_EQ(Repr(Str("\xC3\xA9")), "'\xC3\xA9'");
  PyValue b;
  b.type = PyValue::Type::kBytes;
  b.s = std::string_view(
      "\x00"
      "a'b",
      4);
  EXPECT_EQ(Repr(b), "b\"\\x00a'b\"");
}

PyValue Timedelta(int64_t us) {
  PyValue v;
  v.type = PyValue::Type::kTimedelta;
  v.i = us;
  return v;
}

TEST(Repr, FormatsDatesAndDurationsAsPython) {
  constexpr int64_t kDay = 86'400'000'000LL;
  EXPECT_EQ(analyze::Str(Timedelta(3 * kDay)), "3 days, 0:00:00");
  EXPECT_EQ(analyze::Str(Timedelta(-kDay + 5'000'000)), "-1 day, 0:00:05");
  EXPECT_EQ(analyze::Str(Timedelta(7)), "0:00:00.000007");
  EXPECT_EQ(analyze::Str(Timedelta(2 * kDay + 3723'000'000LL)), "2 days, 1:02:03");
  EXPECT_EQ(Repr(Timedelta(3 * kDay)), "datetime.timedelta(days=3)");
  EXPECT_EQ(Repr(Timedelta(0)), "datetime.timedelta(0)");
  EXPECT_EQ(Repr(Timedelta(-5'000'000)), "datetime.timedelta(days=-1, seconds=86395)");

  PyValue dt;
  dt.type = PyValue::Type::kDateTime;
  dt.year = 2024, dt.month = 1, dt.day = 31, dt.hour = 12;
  EXPECT_EQ(Repr(dt), "datetime.datetime(2024, 1, 31, 12, 0)");
  dt.second = 5, dt.microsecond = 7;
  EXPECT_EQ(Repr(dt), "datetime.datetime(2024, 1, 31, 12, 0, 5, 7)");
  PyValue midnight_utc;
  midnight_utc.type = PyValue::Type::kDateTime;
  midnight_utc.year = 2024, midnight_utc.month = 1, midnight_utc.day = 31;
  midnight_utc.aware = true;
  EXPECT_EQ(Repr(midnight_utc),
            "datetime.datetime(2024, 1, 31, 0, 0, tzinfo=datetime.timezone.utc)");
  PyValue aware = dt;
  aware.second = 0, aware.microsecond = 5, aware.aware = true;
  EXPECT_EQ(analyze::Str(aware), "2024-01-31 12:00:00.000005+00:00");

  PyValue t;
  t.type = PyValue::Type::kTime;
  t.hour = 12;
  EXPECT_EQ(Repr(t), "datetime.time(12, 0)");
  t.second = 5;
  EXPECT_EQ(Repr(t), "datetime.time(12, 0, 5)");
  PyValue d;
  d.type = PyValue::Type::kDate;
  d.year = 2024, d.month = 1, d.day = 31;
  EXPECT_EQ(Repr(d), "datetime.date(2024, 1, 31)");
}

TEST(PyInt, ParsesStringsAsPythonInt) {
  int64_t n = 0;
  EXPECT_TRUE(PyInt(Str(" 12 "), &n));
  EXPECT_EQ(n, 12);
  EXPECT_TRUE(PyInt(Str("1_000"), &n));
  EXPECT_EQ(n, 1000);
  EXPECT_TRUE(PyInt(Str("-7"), &n));
  EXPECT_EQ(n, -7);
  EXPECT_TRUE(PyInt(Str("+3"), &n));
  EXPECT_EQ(n, 3);
  for (std::string_view bad : {"1.5", "1__0", "_1", "0x10", ""}) {
    EXPECT_FALSE(PyInt(Str(bad), &n)) << bad;
  }
}

TEST(PyInt, TruncatesFloatsAndDecimalsTowardZero) {
  int64_t n = 0;
  PyValue f;
  f.type = PyValue::Type::kFloat;
  f.f = -1.9;
  EXPECT_TRUE(PyInt(f, &n));
  EXPECT_EQ(n, -1);
  f.f = std::numeric_limits<double>::quiet_NaN();
  EXPECT_FALSE(PyInt(f, &n));
  PyValue d;
  d.type = PyValue::Type::kDecimal;
  d.s = "-12.5E1";
  EXPECT_TRUE(PyInt(d, &n));
  EXPECT_EQ(n, -125);
  d.s = "9007199254740993.9999999";
  EXPECT_TRUE(PyInt(d, &n));
  EXPECT_EQ(n, 9007199254740993);  // exact, never through a double
}

TEST(PyFloat, ParsesStringsAsPythonFloat) {
  double d = 0;
  EXPECT_TRUE(PyFloat(Str("1.5"), &d));
  EXPECT_EQ(d, 1.5);
  EXPECT_TRUE(PyFloat(Str(" -2.5e3 "), &d));
  EXPECT_EQ(d, -2500.0);
  EXPECT_TRUE(PyFloat(Str("nan"), &d));
  EXPECT_TRUE(std::isnan(d));
  EXPECT_TRUE(PyFloat(Str("-inf"), &d));
  EXPECT_EQ(d, -std::numeric_limits<double>::infinity());
  EXPECT_TRUE(PyFloat(Str("Infinity"), &d));
  EXPECT_EQ(d, std::numeric_limits<double>::infinity());
  EXPECT_TRUE(PyFloat(Str("1_0.5"), &d));
  EXPECT_EQ(d, 10.5);
  EXPECT_TRUE(PyFloat(Str("1e400"), &d));
  EXPECT_EQ(d, std::numeric_limits<double>::infinity());
  EXPECT_FALSE(PyFloat(Str("abc"), &d));
  EXPECT_FALSE(PyFloat(Str("0x1p3"), &d));
}

}  // namespace
}  // namespace querysafe::analyze
