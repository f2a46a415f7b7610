// The field-class predicates the analyzer, lowering and the executor share
// (lib/schema/model.h): which classes Django treats as str, and which default to "".
#include <gtest/gtest.h>

#include "lib/schema/field_types.h"
#include "lib/schema/model.h"

namespace querysafe::schema {
namespace {

TEST(FieldClass, StringClassesAreDjangosStrFields) {
  for (FieldClass c : {FieldClass::kChar, FieldClass::kText, FieldClass::kEmail, FieldClass::kURL,
                       FieldClass::kSlug, FieldClass::kFile, FieldClass::kFilePath,
                       FieldClass::kImage, FieldClass::kGenericIPAddress}) {
    EXPECT_TRUE(IsStringClass(c)) << static_cast<int>(c);
  }
  // Matched through their text by a pattern lookup (a UUID is stored as text, but its Python
  // value is a uuid.UUID, not a str).
  for (FieldClass c : {FieldClass::kInteger, FieldClass::kDate, FieldClass::kUUID,
                       FieldClass::kBinary, FieldClass::kJSON, FieldClass::kObjectId}) {
    EXPECT_FALSE(IsStringClass(c)) << static_cast<int>(c);
  }
}

TEST(FieldClass, EmptyStringsAllowedFollowsDjango) {
  EXPECT_TRUE(EmptyStringsAllowed(FieldClass::kChar));
  EXPECT_TRUE(EmptyStringsAllowed(FieldClass::kFilePath));
  // BinaryField.empty_strings_allowed is True (its default is b"").
  EXPECT_TRUE(EmptyStringsAllowed(FieldClass::kBinary));
  // GenericIPAddressField.empty_strings_allowed is False: "" is stored as None.
  EXPECT_FALSE(EmptyStringsAllowed(FieldClass::kGenericIPAddress));
  EXPECT_FALSE(EmptyStringsAllowed(FieldClass::kInteger));
  EXPECT_FALSE(EmptyStringsAllowed(FieldClass::kUUID));
}

TEST(FieldClass, EveryClassHasItsRowInTheTable) {
  for (int c = 0; c <= static_cast<int>(FieldClass::kOneToOne); ++c) {
    const FieldTypeInfo& info = FieldTypeOf(static_cast<FieldClass>(c));
    EXPECT_EQ(static_cast<int>(info.cls), c) << info.name;
  }
  // Django's own class, not a connector's alias of it (djongo's AutoField is an IntegerField).
  EXPECT_EQ(FieldTypeOf(FieldClass::kInteger).name, "IntegerField");
  EXPECT_EQ(FieldTypeOf(FieldClass::kObjectId).name, "ObjectIdField");
  EXPECT_EQ(FieldTypeOf(FieldClass::kEmbeddedModel).name, "EmbeddedModelField");
  EXPECT_EQ(FieldTypeOf(FieldClass::kUUID).value, ValueKind::kUuid);
}

}  // namespace
}  // namespace querysafe::schema
