// Drives libmongocrypt's automatic-encryption context offline, as a driver does: the command in,
// collinfo or an encryptedFieldsMap, key documents fed from memory, a local master key, the final
// command out. RunAutoEncrypt(folder) takes them from a folder of
// tests/data/libmongocrypt-markings (its keys, and the 96 zero bytes libmongocrypt's own tests use
// as master key); RunAutoEncrypt(AutoEncryptInput) from the caller (the driver spec tests).
// Markings come either from lib/mql called directly (the mongocryptd path: libmongocrypt asks
// for them with NEED_MONGO_MARKINGS and the test answers) or from libquerysafe_crypt_v1.so loaded
// by libmongocrypt itself as crypt_shared.
#ifndef QUERYSAFE_TESTS_CRYPT_SHARED_MONGOCRYPT_DRIVER_H_
#define QUERYSAFE_TESTS_CRYPT_SHARED_MONGOCRYPT_DRIVER_H_

#include <cstdint>
#include <string>
#include <vector>

#include "lib/common/bson_util.h"

namespace querysafe::testing {

struct AutoEncryptRun {
  bool ok = false;
  std::string error;                 // libmongocrypt's status message when !ok
  BsonDoc markings_request;          // what libmongocrypt asked query analysis (mongocryptd path)
  BsonDoc reply;                     // the analysis reply fed back (mongocryptd path)
  BsonDoc final_command;             // the command libmongocrypt would send
  std::string crypt_shared_version;  // mongocrypt_crypt_shared_lib_version_string, if loaded
  BsonDoc collinfo_filter;  // libmongocrypt's listCollections filter, if it asked for collinfo
  BsonDoc key_filter;       // libmongocrypt's first key vault filter, if it asked for keys
};

enum class Analyzer { kDirect, kCryptShared };

// Everything a driver gives libmongocrypt for one command.
struct AutoEncryptInput {
  std::string db;                // the database the command runs on
  BsonDoc command;               // as the driver sends it, without $db
  BsonDoc encrypted_fields_map;  // mongocrypt_setopt_encrypted_field_config_map; empty: none
  BsonDoc collinfo;              // the listCollections answer; empty: the collection is unknown
  std::vector<BsonDoc> key_documents;     // the key vault; those whose _id is asked for are fed
  std::vector<uint8_t> local_master_key;  // 96 bytes
};

AutoEncryptRun RunAutoEncrypt(const AutoEncryptInput& input, Analyzer analyzer);

// `folder` under tests/data/libmongocrypt-markings; `cmd_file` the command's file there.
AutoEncryptRun RunAutoEncrypt(const std::string& folder, Analyzer analyzer,
                              const std::string& cmd_file = "cmd.json");

// A file of the data folder as BSON (Extended JSON).
BsonDoc LoadJson(const std::string& path);
std::string DataPath(const std::string& relative);

}  // namespace querysafe::testing

#endif  // QUERYSAFE_TESTS_CRYPT_SHARED_MONGOCRYPT_DRIVER_H_
