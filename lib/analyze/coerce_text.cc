// Text and identifiers: CharField and its subclasses (str()), GenericIPAddressField's IPv6
// normalization, BooleanField, UUIDField (stored as 32 hex digits), ObjectIdField and the
// ObjectId primary key, BinaryField.

#include <arpa/inet.h>

#include <cstring>
#include <format>
#include <string>

#include "absl/strings/escaping.h"
#include "lib/analyze/coerce.h"
#include "lib/analyze/coerce_internal.h"

namespace querysafe::analyze::coerce_internal {
namespace {

// Python's str(ipaddress.IPv6Address(text)): lowercase hextets without leading zeros, the
// longest run (two or more, leftmost on ties) of zero hextets written as "::". Django stores
// this form, so an equality query must use it too or it would miss (or, encrypted, encrypt
// different bytes).
bool NormalizeIpv6(std::string_view text, std::string* out) {
  std::string input(text);
  unsigned char addr[16];
  if (inet_pton(AF_INET6, input.c_str(), addr) != 1) return false;
  uint16_t groups[8];
  for (int i = 0; i < 8; ++i) groups[i] = static_cast<uint16_t>(addr[2 * i] << 8 | addr[2 * i + 1]);
  // IPv4-mapped (::ffff:a.b.c.d): Django's clean_ipv6_address keeps the dotted form.
  bool mapped = true;
  for (int i = 0; i < 5; ++i) mapped = mapped && groups[i] == 0;
  if (mapped && groups[5] == 0xffff) {
    *out = std::format("::ffff:{}.{}.{}.{}", addr[12], addr[13], addr[14], addr[15]);
    return true;
  }
  int best = -1, best_len = 0;
  for (int i = 0; i < 8;) {
    if (groups[i] != 0) {
      ++i;
      continue;
    }
    int j = i;
    while (j < 8 && groups[j] == 0) ++j;
    if (j - i > best_len) best = i, best_len = j - i;
    i = j;
  }
  if (best_len < 2) best = -1;
  out->clear();
  for (int i = 0; i < 8; ++i) {
    if (i == best) {
      *out += "::";
      i += best_len - 1;
      continue;
    }
    if (!out->empty() && out->back() != ':') out->push_back(':');
    *out += std::format("{:x}", groups[i]);
  }
  return true;
}

bool HexDigit(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

}  // namespace

void SetUtf8(std::string_view text, Arena* arena, bson_value_t* out) {
  std::string_view copy = arena->CopyString(text);
  out->value_type = BSON_TYPE_UTF8;
  out->value.v_utf8.str = const_cast<char*>(copy.empty() ? "" : copy.data());
  out->value.v_utf8.len = static_cast<uint32_t>(copy.size());
}

bool CoerceString(const PyValue& value, const schema::Field& field, Arena* arena, bson_value_t* out,
                  CoerceError* error) {
  (void)error;
  // CharField.to_python(): str values as they are, anything else through str().
  std::string text = value.type == PyValue::Type::kStr ? std::string(value.s) : Str(value);
  if (field.cls == schema::FieldClass::kGenericIPAddress && text.find(':') != std::string::npos) {
    std::string normalized;
    // An invalid IPv6 address is left as it is, as Django does (the query just won't match).
    if (NormalizeIpv6(text, &normalized)) text = normalized;
  }
  SetUtf8(text, arena, out);
  return true;
}

bool CoerceBoolean(const PyValue& value, const schema::Field& field, bson_value_t* out,
                   CoerceError* error) {
  (void)field;
  // BooleanField.to_python(): `value in (True, False)` (so 1, 0, 1.0 count), then the strings
  // Django knows.
  int truth = -1;
  switch (value.type) {
    case PyValue::Type::kBool:
      truth = value.b;
      break;
    case PyValue::Type::kInt:
      if (value.i == 0 || value.i == 1) truth = static_cast<int>(value.i);
      break;
    case PyValue::Type::kFloat:
      if (value.f == 0.0 || value.f == 1.0) truth = value.f == 1.0;
      break;
    case PyValue::Type::kStr:
      if (value.s == "t" || value.s == "True" || value.s == "1") truth = 1;
      if (value.s == "f" || value.s == "False" || value.s == "0") truth = 0;
      break;
    default:
      break;
  }
  if (truth < 0) {
    *error = {Category::kValidationError, "value.invalid_boolean",
              std::format("\u201c{}\u201d value must be either True or False.", Str(value))};
    return false;
  }
  out->value_type = BSON_TYPE_BOOL;
  out->value.v_bool = truth == 1;
  return true;
}

bool CoerceUuid(const PyValue& value, const schema::Field& field, Arena* arena, bson_value_t* out,
                CoerceError* error) {
  (void)field;
  std::string hex;
  if (value.type == PyValue::Type::kUuid) {
    hex = absl::BytesToHexString(absl::string_view(reinterpret_cast<const char*>(value.bytes), 16));
  } else if (value.type == PyValue::Type::kStr) {
    // uuid.UUID(hex=...): drop "urn:", "uuid:", surrounding braces and hyphens; 32 hex digits.
    std::string s(value.s);
    for (std::string_view prefix : {"urn:", "uuid:"}) {
      for (size_t p; (p = s.find(prefix)) != std::string::npos;) s.erase(p, prefix.size());
    }
    while (!s.empty() && (s.front() == '{' || s.front() == '}')) s.erase(0, 1);
    while (!s.empty() && (s.back() == '{' || s.back() == '}')) s.pop_back();
    for (char c : s) {
      if (c != '-') hex.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
    }
    bool valid = hex.size() == 32;
    for (char c : hex) valid = valid && HexDigit(c);
    if (!valid) hex.clear();
  } else if (value.type == PyValue::Type::kInt && value.i >= 0) {
    // uuid.UUID(int=...)
    hex = std::format("{:032x}", static_cast<uint64_t>(value.i));
  }
  if (hex.empty()) {
    *error = {Category::kValidationError, "value.invalid_uuid",
              std::format("\u201c{}\u201d is not a valid UUID.", Str(value))};
    return false;
  }
  // UUIDField.get_db_prep_value(): `value.hex` on a backend without a native UUID type.
  SetUtf8(hex, arena, out);
  return true;
}

bool CoerceObjectId(const PyValue& value, const schema::Field& field, bson_value_t* out,
                    CoerceError* error) {
  const bool auto_pk = field.cls == schema::FieldClass::kObjectIdAuto ||
                       (field.related_model != nullptr && field.related_model->pk != nullptr &&
                        field.related_model->pk->cls == schema::FieldClass::kObjectIdAuto);
  auto set_oid = [out](const uint8_t* bytes) {
    out->value_type = BSON_TYPE_OID;
    std::memcpy(out->value.v_oid.bytes, bytes, 12);
  };
  auto set_int = [out](int64_t n) {
    if (n >= INT32_MIN && n <= INT32_MAX) {
      out->value_type = BSON_TYPE_INT32;
      out->value.v_int32 = static_cast<int32_t>(n);
    } else {
      out->value_type = BSON_TYPE_INT64;
      out->value.v_int64 = n;
    }
  };
  if (value.type == PyValue::Type::kObjectId) {
    set_oid(value.bytes);
    return true;
  }
  if (value.type == PyValue::Type::kStr && value.s.size() == 24) {
    bool valid = true;
    for (char c : value.s) valid = valid && HexDigit(c);
    if (valid) {
      bson_oid_t oid;
      bson_oid_init_from_string(&oid, std::string(value.s).c_str());
      set_oid(oid.bytes);
      return true;
    }
  }
  if (value.type == PyValue::Type::kBytes && value.s.size() == 12) {
    set_oid(reinterpret_cast<const uint8_t*>(value.s.data()));
    return true;
  }
  if (auto_pk) {
    // ObjectIdAutoField accepts ints (and digit strings) for Django's own test suite's sake.
    if (value.type == PyValue::Type::kInt) {
      set_int(value.i);
      return true;
    }
    if (value.type == PyValue::Type::kStr && !value.s.empty() &&
        value.s.find_first_not_of("0123456789") == std::string_view::npos) {
      int64_t n = 0;
      if (PyInt(value, &n)) {
        set_int(n);
        return true;
      }
    }
    const std::string& name =
        field.cls == schema::FieldClass::kObjectIdAuto ? field.name : field.related_model->pk->name;
    *error = {Category::kValidationError, "value.expected_objectid",
              std::format("Field '{}' expected an ObjectId but got {}.", name, Repr(value))};
    return false;
  }
  *error = {Category::kValidationError, "value.invalid_objectid",
            std::format("\u201c{}\u201d value must be an Object Id.", Str(value))};
  return false;
}

bool CoerceBinary(const PyValue& value, const schema::Field& field, Arena* arena, bson_value_t* out,
                  CoerceError* error) {
  if (value.type != PyValue::Type::kBytes) {
    // BinaryField has no get_prep_value(): the value would reach PyMongo's Binary() as it is.
    *error = {Category::kValidationError, "value.expected_bytes",
              std::format("Field '{}' expected bytes but got {}.", field.name, Repr(value))};
    return false;
  }
  std::string_view copy = arena->CopyString(value.s);
  out->value_type = BSON_TYPE_BINARY;
  out->value.v_binary.subtype = BSON_SUBTYPE_BINARY;
  out->value.v_binary.data = reinterpret_cast<uint8_t*>(const_cast<char*>(copy.data()));
  out->value.v_binary.data_len = static_cast<uint32_t>(copy.size());
  return true;
}

}  // namespace querysafe::analyze::coerce_internal
