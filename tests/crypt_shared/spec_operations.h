// The driver spec QE tests of tests/data/spec-qe/ as a driver runs them: for each test, the
// database and collection, the collection's encryptedFields, the client's encryptedFieldsMap, the
// key vault, the local master key, and each operation turned into the command a driver sends for
// it (with the command the spec expects the driver to send). Both of the spec's formats: the
// legacy one (fle2v2-*.json: top-level encrypted_fields, key_vault_data, per-test clientOptions and
// expectations) and the unified one (QE-Text-*.json: createEntities, initialData, expectEvents).
// Loading the files themselves is tests/crypt/spec_fixture's LoadSpec.
#ifndef QUERYSAFE_TESTS_CRYPT_SHARED_SPEC_OPERATIONS_H_
#define QUERYSAFE_TESTS_CRYPT_SHARED_SPEC_OPERATIONS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "lib/common/bson_util.h"
#include "tests/crypt_shared/mongocrypt_driver.h"

namespace querysafe::testing {

struct EncryptedField {
  std::string path;
  std::vector<uint8_t> key_id;
  int bson_type = 0;       // the BSON type byte of bsonType
  std::string query_type;  // empty: unindexed; else the (first) queries entry's queryType
};

struct SpecTest {
  std::string description;
  std::string db;
  std::string collection;
  BsonDoc encrypted_fields;      // the collection's, as created; empty: none
  BsonDoc encrypted_fields_map;  // autoEncryptOpts.encryptedFieldsMap; empty: none
  std::vector<BsonDoc> key_documents;
  std::vector<uint8_t> local_master_key;
  std::vector<EncryptedField> fields;  // of encrypted_fields or the map
  std::vector<BsonDoc> operations;     // {name, arguments, result | expectError...}
  // The expected command of each operation; nullopt where the spec gives none (an operation that
  // fails before sending, or a test without command expectations).
  std::vector<std::optional<BsonDoc>> expected;
  std::optional<BsonDoc> collinfo_filter;  // the listCollections event's filter
  std::optional<BsonDoc> key_filter;       // the key vault find's filter

  const EncryptedField* Field(const std::string& path) const;
  const BsonDoc* ExpectedCommand(size_t op) const;
  // The auto-encryption input for operation `op`: false, with the reason, for an operation no
  // driver command is mapped for.
  bool Input(const bson_t* op, AutoEncryptInput* input, std::string* why) const;
  // Why the linked libmongocrypt cannot run this test (a text query type it lacks), or "".
  std::string NeedsMissingCapability() const;
};

struct SpecFile {
  std::string name;
  std::vector<SpecTest> tests;
};

SpecFile LoadSpecFile(const std::string& name);

// The operation's name ("insertOne", "find"...).
std::string OperationName(const bson_t* op);
// The operation's expected error text (legacy result.errorContains, unified
// expectError.errorContains), or "" when it is expected to succeed.
std::string ErrorContains(const bson_t* op);

}  // namespace querysafe::testing

#endif  // QUERYSAFE_TESTS_CRYPT_SHARED_SPEC_OPERATIONS_H_
