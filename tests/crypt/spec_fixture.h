// MongoDB's QE spec vectors (tests/data/spec-qe/) as lib/crypt inputs: the key
// vault, the local master key, and encryption requests built from a test's
// encryptedFields exactly as lowering builds them (path, bsonType, keyId,
// contention, range options).
#ifndef QUERYSAFE_TESTS_CRYPT_SPEC_FIXTURE_H_
#define QUERYSAFE_TESTS_CRYPT_SPEC_FIXTURE_H_

#include <bson/bson.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "lib/common/bson_util.h"
#include "lib/crypt/encryptor.h"
#include "lib/crypt/key_vault_file.h"
#include "lib/crypt/kms_providers.h"
#include "lib/lower/encryption_request.h"

namespace querysafe::crypt::testing {

// The whole spec file tests/data/spec-qe/<name>; fails the test if it does not
// parse.
BsonDoc LoadSpec(std::string_view name);

// The document, binary or value at a dotted path ("key_vault_data.0"); test
// failure if absent.
BsonDoc DocumentAt(const bson_t* doc, const char* dotted);
std::vector<uint8_t> BinaryAt(const bson_t* doc, const char* dotted);

// The spec's key vault (key_vault_data) as a key vault file, optionally giving
// key i the alt names in `alt_names`.
std::shared_ptr<const KeyVaultFile> SpecKeyVault(const bson_t* spec,
                                                 std::vector<std::string> alt_names = {});
// The spec's local master key (tests.0.clientOptions...kmsProviders.local.key).
KmsProviders SpecKms(const bson_t* spec);
std::unique_ptr<Encryptor> SpecEncryptor(const bson_t* spec,
                                         std::vector<std::string> alt_names = {});

// A request for encrypted_fields.fields[index], as lowering builds it:
// algorithm from queryType (equality: Indexed, range: Range, none: Unindexed),
// the field's contention, and its range options (min, max, sparsity,
// trimFactor, precision) exactly as declared.
lower::EncryptionRequest SpecRequest(const bson_t* spec, size_t index, bool is_query);

// The BSON document inside a payload (the bytes after the type byte).
BsonDoc PayloadBson(const Payload& payload);
// The same with the given top-level keys removed (payloadId differs between
// calls).
BsonDoc WithoutKeys(const bson_t* doc, std::initializer_list<std::string_view> keys);

// Operands: {"v": value}; for a range find {"lower": a, "upper": b}, a null
// side left out. (bson_value_t is over-aligned, so it cannot be a template
// argument.)
BsonDoc ValueOperand(const bson_value_t& value);
BsonDoc RangeOperands(const bson_value_t* lower, const bson_value_t* upper);
bson_value_t Int32(int32_t v);
bson_value_t Int64(int64_t v);
bson_value_t Double(double v);
bson_value_t Date(int64_t millis);
bson_value_t Utf8(const char* text);  // the text must outlive the value
bson_value_t Decimal(const char* text);

}  // namespace querysafe::crypt::testing

#endif  // QUERYSAFE_TESTS_CRYPT_SPEC_FIXTURE_H_
