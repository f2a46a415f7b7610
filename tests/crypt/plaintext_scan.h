// Finds the plaintext of an encrypted value in bytes that must not contain it:
// a QE payload, a serialized command, the JSON querysafe prints, the bytes a
// wire test saw cross the socket.
//
// A value can leak in many encodings, so the scanner looks for all of them:
//   - strings: the UTF-8 bytes, the BSON string encoding (length, bytes, NUL),
//     JSON escaping;
//   - numbers: little- and big-endian int32/int64/double, decimal128 bytes and
//     the decimal text, plus the other numeric types the same number converts
//     to exactly (a lowering that forgot to coerce may leak 5 as an int64
//     where the field is an int);
//   - dates: the millisecond count in binary and text, and the ISO-8601 text;
//   - ObjectIds and binaries: their bytes, ObjectIds also as hex;
//   - documents and arrays (EncryptedEmbeddedModelField): their whole BSON,
//     and every leaf value;
//   - with a field name: the BSON element (type byte, name, value) as a
//     command would carry it.
// Encodings shorter than `min_length` bytes are skipped: a 2-byte sequence
// turns up by chance in any kilobyte of ciphertext. Tests should use
// distinctive values so that every encoding counts.
#ifndef QUERYSAFE_TESTS_CRYPT_PLAINTEXT_SCAN_H_
#define QUERYSAFE_TESTS_CRYPT_PLAINTEXT_SCAN_H_

#include <bson/bson.h>

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace querysafe::testing {

struct PlaintextEncoding {
  std::string description;  // "int64 little-endian of 123456789"
  std::string bytes;
};

inline constexpr size_t kDefaultMinEncodingLength = 4;

// Every encoding of `value` of at least `min_length` bytes (see above).
std::vector<PlaintextEncoding> PlaintextEncodings(const bson_value_t& value,
                                                  std::string_view field_name = "",
                                                  size_t min_length = kDefaultMinEncodingLength);

// Descriptions of the encodings found in `haystack`, each with its offset;
// empty if none.
std::vector<std::string> FindPlaintext(std::span<const uint8_t> haystack, const bson_value_t& value,
                                       std::string_view field_name = "",
                                       size_t min_length = kDefaultMinEncodingLength);
std::vector<std::string> FindPlaintext(std::string_view haystack, const bson_value_t& value,
                                       std::string_view field_name = "",
                                       size_t min_length = kDefaultMinEncodingLength);

}  // namespace querysafe::testing

#endif  // QUERYSAFE_TESTS_CRYPT_PLAINTEXT_SCAN_H_
