// Coercion of values to a field's BSON type, as Django's get_prep_value()/to_python() and
// django-mongodb-backend's adapters would store them. Expected values are Django's (its error
// messages, with their curly quotes) and CPython's (timestamps printed with calendar.timegm,
// decimal.Context(prec=n).create_decimal_from_float, ipaddress).

#include "lib/analyze/coerce.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "lib/analyze/py_value.h"
#include "lib/common/arena.h"
#include "lib/schema/model.h"

namespace querysafe::analyze {
namespace {

using schema::BsonType;
using schema::FieldClass;

schema::Field MakeField(FieldClass cls, BsonType type, std::string name = "value") {
  schema::Field f;
  f.name = name;
  f.cls = cls;
  f.bson_type = type;
  return f;
}

PyValue S(std::string_view s) {
  PyValue v;
  v.type = PyValue::Type::kStr;
  v.s = s;
  return v;
}

PyValue I(int64_t i) {
  PyValue v;
  v.type = PyValue::Type::kInt;
  v.i = i;
  return v;
}

PyValue F(double f) {
  PyValue v;
  v.type = PyValue::Type::kFloat;
  v.f = f;
  return v;
}

class CoerceTest : public ::testing::Test {
 protected:
  bool Coerce(const PyValue& v, const schema::Field& f,
              bound::LookupKind lookup = bound::LookupKind::kExact) {
    error_ = {};
    return CoerceToField(v, f, {lookup}, &arena_, &out_, &error_);
  }
  std::string Utf8() const { return std::string(out_.value.v_utf8.str, out_.value.v_utf8.len); }
  std::string Decimal() const {
    char text[BSON_DECIMAL128_STRING];
    bson_decimal128_to_string(&out_.value.v_decimal128, text);
    return text;
  }

  Arena arena_;
  bson_value_t out_{};
  CoerceError error_;
};

TEST_F(CoerceTest, IntegerFieldStoresLongFromIntStringAndFloat) {
  schema::Field f = MakeField(FieldClass::kInteger, BsonType::kLong, "patient_id");
  ASSERT_TRUE(Coerce(S("12"), f));
  EXPECT_EQ(out_.value_type, BSON_TYPE_INT64);
  EXPECT_EQ(out_.value.v_int64, 12);
  ASSERT_TRUE(Coerce(F(1.9), f));
  EXPECT_EQ(out_.value.v_int64, 1);  // int(1.9)
  PyValue t;
  t.type = PyValue::Type::kBool;
  t.b = true;
  ASSERT_TRUE(Coerce(t, f));
  EXPECT_EQ(out_.value.v_int64, 1);
}

TEST_F(CoerceTest, IntegerFieldRoundsFloatsUpForGteAndLt) {
  // Django's IntegerFieldFloatRounding: gte 1.5 is gte 2, lt 1.5 is lt 2; gt keeps int().
  schema::Field f = MakeField(FieldClass::kInteger, BsonType::kLong);
  ASSERT_TRUE(Coerce(F(1.5), f, bound::LookupKind::kGte));
  EXPECT_EQ(out_.value.v_int64, 2);
  ASSERT_TRUE(Coerce(F(1.5), f, bound::LookupKind::kLt));
  EXPECT_EQ(out_.value.v_int64, 2);
  ASSERT_TRUE(Coerce(F(1.5), f, bound::LookupKind::kGt));
  EXPECT_EQ(out_.value.v_int64, 1);
}

TEST_F(CoerceTest, IntegerFieldRejectsTextWithDjangosMessage) {
  schema::Field f = MakeField(FieldClass::kBigInteger, BsonType::kLong, "patient_id");
  EXPECT_FALSE(Coerce(S("abc"), f));
  EXPECT_EQ(error_.category, Category::kValidationError);
  EXPECT_EQ(error_.message, "Field 'patient_id' expected a number but got 'abc'.");
}

TEST_F(CoerceTest, SmallIntegerFieldStoresIntUnlessTooLarge) {
  schema::Field f = MakeField(FieldClass::kSmallInteger, BsonType::kInt);
  ASSERT_TRUE(Coerce(I(-5), f));
  EXPECT_EQ(out_.value_type, BSON_TYPE_INT32);
  ASSERT_TRUE(Coerce(I(int64_t{1} << 40), f));
  EXPECT_EQ(out_.value_type, BSON_TYPE_INT64);  // PyMongo's encoding of a large Python int
}

TEST_F(CoerceTest, FloatField) {
  schema::Field f = MakeField(FieldClass::kFloat, BsonType::kDouble, "ratio");
  ASSERT_TRUE(Coerce(S("1.5"), f));
  EXPECT_EQ(out_.value.v_double, 1.5);
  EXPECT_FALSE(Coerce(S("abc"), f));
  EXPECT_EQ(error_.message, "Field 'ratio' expected a number but got 'abc'.");
}

TEST_F(CoerceTest, DecimalFieldRoundsFloatsToMaxDigits) {
  schema::Field f = MakeField(FieldClass::kDecimal, BsonType::kDecimal);
  f.max_digits = 10;
  ASSERT_TRUE(Coerce(F(1.1), f));
  EXPECT_EQ(Decimal(), "1.100000000");
  ASSERT_TRUE(Coerce(F(1.0), f));
  EXPECT_EQ(Decimal(), "1");
  f.max_digits = 3;
  ASSERT_TRUE(Coerce(F(123456.0), f));
  EXPECT_EQ(Decimal(), "1.23E+5");
  PyValue exact;
  exact.type = PyValue::Type::kDecimal;
  exact.s = "200.50";
  ASSERT_TRUE(Coerce(exact, f));
  EXPECT_EQ(Decimal(), "200.50");
}

TEST_F(CoerceTest, DecimalFieldRejectsTextAndNonFinite) {
  schema::Field f = MakeField(FieldClass::kDecimal, BsonType::kDecimal);
  EXPECT_FALSE(Coerce(S("abc"), f));
  EXPECT_EQ(error_.message, "\u201cabc\u201d value must be a decimal number.");
  PyValue nan;
  nan.type = PyValue::Type::kDecimal;
  nan.s = "NaN";
  EXPECT_FALSE(Coerce(nan, f));
}

TEST_F(CoerceTest, CharFieldTakesStrOfAnyValue) {
  schema::Field f = MakeField(FieldClass::kChar, BsonType::kString);
  ASSERT_TRUE(Coerce(I(5), f));
  EXPECT_EQ(Utf8(), "5");
  ASSERT_TRUE(Coerce(F(1.5), f));
  EXPECT_EQ(Utf8(), "1.5");
  PyValue d;
  d.type = PyValue::Type::kDate;
  d.year = 2024, d.month = 1, d.day = 31;
  ASSERT_TRUE(Coerce(d, f));
  EXPECT_EQ(Utf8(), "2024-01-31");
}

TEST_F(CoerceTest, GenericIpAddressFieldNormalizesIpv6AsDjango) {
  schema::Field f = MakeField(FieldClass::kGenericIPAddress, BsonType::kString);
  ASSERT_TRUE(Coerce(S("2001:DB8:0:0:0:0:0:1"), f));
  EXPECT_EQ(Utf8(), "2001:db8::1");
  ASSERT_TRUE(Coerce(S("1:0:0:2:0:0:0:3"), f));
  EXPECT_EQ(Utf8(), "1:0:0:2::3");
  ASSERT_TRUE(Coerce(S("0:0:0:0:0:0:0:1"), f));
  EXPECT_EQ(Utf8(), "::1");
  ASSERT_TRUE(Coerce(S("::ffff:1.2.3.4"), f));
  EXPECT_EQ(Utf8(), "::ffff:1.2.3.4");  // clean_ipv6_address keeps IPv4-mapped dotted
  ASSERT_TRUE(Coerce(S("1::2::3"), f));
  EXPECT_EQ(Utf8(), "1::2::3");  // not an address: left as it is
  ASSERT_TRUE(Coerce(S("192.168.0.1"), f));
  EXPECT_EQ(Utf8(), "192.168.0.1");
}

TEST_F(CoerceTest, BooleanField) {
  schema::Field f = MakeField(FieldClass::kBoolean, BsonType::kBool);
  ASSERT_TRUE(Coerce(S("t"), f));
  EXPECT_TRUE(out_.value.v_bool);
  ASSERT_TRUE(Coerce(S("False"), f));
  EXPECT_FALSE(out_.value.v_bool);
  ASSERT_TRUE(Coerce(I(1), f));
  EXPECT_TRUE(out_.value.v_bool);
  EXPECT_FALSE(Coerce(I(2), f));
  EXPECT_EQ(error_.message, "\u201c2\u201d value must be either True or False.");
}

TEST_F(CoerceTest, DateFieldStoresMidnightUtc) {
  schema::Field f = MakeField(FieldClass::kDate, BsonType::kDate);
  ASSERT_TRUE(Coerce(S("2024-01-31"), f));
  EXPECT_EQ(out_.value.v_datetime, 1706659200000);
  EXPECT_FALSE(Coerce(S("2024-02-30"), f));
  EXPECT_EQ(error_.message,
            "\u201c2024-02-30\u201d value has the correct format (YYYY-MM-DD) but it is an "
            "invalid date.");
  EXPECT_FALSE(Coerce(S("31/01/2024"), f));
  EXPECT_EQ(error_.message,
            "\u201c31/01/2024\u201d value has an invalid date format. It must be in YYYY-MM-DD "
            "format.");
  // An aware datetime becomes its UTC date first (23:30 at -02:00 is 01:30 the next day).
  PyValue dt;
  dt.type = PyValue::Type::kDateTime;
  dt.year = 2024, dt.month = 1, dt.day = 31, dt.hour = 23, dt.minute = 30;
  dt.aware = true;
  dt.utc_offset_minutes = -120;
  ASSERT_TRUE(Coerce(dt, f));
  EXPECT_EQ(out_.value.v_datetime, 1706745600000);
}

TEST_F(CoerceTest, DateTimeFieldStoresUtcMilliseconds) {
  schema::Field f = MakeField(FieldClass::kDateTime, BsonType::kDate);
  ASSERT_TRUE(Coerce(S("2024-01-31 12:00:00.123456"), f));
  EXPECT_EQ(out_.value.v_datetime, 1706702400123);  // microseconds truncated, as PyMongo does
  ASSERT_TRUE(Coerce(S("2024-01-31T23:30:00-02:00"), f));
  EXPECT_EQ(out_.value.v_datetime, 1706751000000);
  ASSERT_TRUE(Coerce(S("2024-01-31"), f));
  EXPECT_EQ(out_.value.v_datetime, 1706659200000);
  EXPECT_FALSE(Coerce(S("2024-01-31 25:00"), f));
  EXPECT_EQ(error_.message,
            "\u201c2024-01-31 25:00\u201d value has the correct format (YYYY-MM-DD "
            "HH:MM[:ss[.uuuuuu]][TZ]) but it is an invalid date/time.");
}

// Under a TIME_ZONE other than UTC: a naive datetime (or a date, or text without an offset) for a
// DateTimeField is local time (Django's make_aware with the default zone); an aware one keeps its
// instant. An aware datetime for a DateField is its date in the zone (to_python's make_naive); a
// bound BSON date for a DateField is the date stored at midnight UTC. TimeField has no zone.
TEST_F(CoerceTest, TimeZoneAppliesToNaiveDateTimesAndAwareDates) {
  const TimeZone chicago = *LoadTimeZone("America/Chicago");
  auto coerce = [&](const PyValue& v, const schema::Field& f) {
    error_ = {};
    CoerceOptions options;
    options.time_zone = &chicago;
    return CoerceToField(v, f, options, &arena_, &out_, &error_);
  };
  schema::Field dt = MakeField(FieldClass::kDateTime, BsonType::kDate);
  ASSERT_TRUE(coerce(S("2024-03-10 02:30"), dt));  // the missing 02:30: CST kept (fold=0)
  EXPECT_EQ(out_.value.v_datetime, 1710059400000);
  ASSERT_TRUE(coerce(S("2024-03-10"), dt));  // local midnight
  EXPECT_EQ(out_.value.v_datetime, 1710050400000);
  ASSERT_TRUE(coerce(S("2024-03-10T02:30:00Z"), dt));  // aware: its own instant
  EXPECT_EQ(out_.value.v_datetime, 1710037800000);
  PyValue naive;
  naive.type = PyValue::Type::kDateTime;
  naive.year = 2024, naive.month = 11, naive.day = 3, naive.hour = 1, naive.minute = 30;
  ASSERT_TRUE(coerce(naive, dt));  // the repeated 01:30: the first, CDT
  EXPECT_EQ(out_.value.v_datetime, 1730615400000);

  schema::Field date = MakeField(FieldClass::kDate, BsonType::kDate);
  PyValue aware;
  aware.type = PyValue::Type::kDateTime;
  aware.year = 2024, aware.month = 3, aware.day = 10, aware.hour = 3;
  aware.aware = true;  // 03:00Z is 21:00 on the 9th in Chicago
  ASSERT_TRUE(coerce(aware, date));
  EXPECT_EQ(out_.value.v_datetime, 1709942400000);  // 2024-03-09
  aware.bson_date = true;  // the same instant bound as a BSON date: its UTC date
  ASSERT_TRUE(coerce(aware, date));
  EXPECT_EQ(out_.value.v_datetime, 1710028800000);  // 2024-03-10

  schema::Field time = MakeField(FieldClass::kTime, BsonType::kDate);
  ASSERT_TRUE(coerce(S("02:30"), time));
  EXPECT_EQ(out_.value.v_datetime, -62135587800000);  // 0001-01-01T02:30Z, unchanged
}

TEST_F(CoerceTest, TimeFieldStoresTheTimeOnYearOne) {
  schema::Field f = MakeField(FieldClass::kTime, BsonType::kDate);
  ASSERT_TRUE(Coerce(S("12:30"), f));
  EXPECT_EQ(out_.value.v_datetime, -62135551800000);
  EXPECT_FALSE(Coerce(S("12h30"), f));
}

TEST_F(CoerceTest, DurationFieldStoresMilliseconds) {
  schema::Field f = MakeField(FieldClass::kDuration, BsonType::kLong);
  PyValue td;
  td.type = PyValue::Type::kTimedelta;
  td.i = 3LL * 86'400'000'000LL;
  ASSERT_TRUE(Coerce(td, f));
  EXPECT_EQ(out_.value.v_int64, 259200000);
  td.i = -1;  // -1 µs // 1000 == -1 ms (floor)
  ASSERT_TRUE(Coerce(td, f));
  EXPECT_EQ(out_.value.v_int64, -1);
  ASSERT_TRUE(Coerce(S("1 day, 00:00:01"), f));
  EXPECT_EQ(out_.value.v_int64, 86401000);
  ASSERT_TRUE(Coerce(S("P1DT1S"), f));
  EXPECT_EQ(out_.value.v_int64, 86401000);
}

TEST_F(CoerceTest, UuidFieldStoresHexWithoutHyphens) {
  schema::Field f = MakeField(FieldClass::kUUID, BsonType::kString);
  ASSERT_TRUE(Coerce(S("{12345678-1234-5678-1234-567812345678}"), f));
  EXPECT_EQ(Utf8(), "12345678123456781234567812345678");
  ASSERT_TRUE(Coerce(S("urn:uuid:12345678-1234-5678-1234-567812345678"), f));
  EXPECT_EQ(Utf8(), "12345678123456781234567812345678");
  EXPECT_FALSE(Coerce(S("xyz"), f));
  EXPECT_EQ(error_.message, "\u201cxyz\u201d is not a valid UUID.");
}

TEST_F(CoerceTest, ObjectIdPrimaryKeyAcceptsHexIntsAndDigitStrings) {
  schema::Field f = MakeField(FieldClass::kObjectIdAuto, BsonType::kObjectId, "id");
  ASSERT_TRUE(Coerce(S("507f1f77bcf86cd799439011"), f));
  EXPECT_EQ(out_.value_type, BSON_TYPE_OID);
  ASSERT_TRUE(Coerce(I(5), f));
  EXPECT_EQ(out_.value_type, BSON_TYPE_INT32);
  ASSERT_TRUE(Coerce(S("123"), f));
  EXPECT_EQ(out_.value.v_int32, 123);
  EXPECT_FALSE(Coerce(S("abc"), f));
  EXPECT_EQ(error_.message, "Field 'id' expected an ObjectId but got 'abc'.");
}

TEST_F(CoerceTest, BinaryFieldTakesBytesOnly) {
  schema::Field f = MakeField(FieldClass::kBinary, BsonType::kBinData);
  PyValue b;
  b.type = PyValue::Type::kBytes;
  b.s = std::string_view("\x00\x01", 2);
  ASSERT_TRUE(Coerce(b, f));
  EXPECT_EQ(out_.value_type, BSON_TYPE_BINARY);
  EXPECT_EQ(out_.value.v_binary.data_len, 2u);
  EXPECT_FALSE(Coerce(S("x"), f));
  EXPECT_EQ(error_.code, "value.expected_bytes");
}

}  // namespace
}  // namespace querysafe::analyze
