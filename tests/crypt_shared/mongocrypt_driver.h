// Drives libmongocrypt's automatic-encryption context offline, as a driver does: the command in,
// collinfo or an encryptedFieldsMap, the key documents of tests/data/libmongocrypt-markings/keys
// (local master key of 96 zero bytes, as libmongocrypt's own tests use), the final command out.
// Markings come either from lib/mql called directly (the mongocryptd path: libmongocrypt asks
// for them with NEED_MONGO_MARKINGS and the test answers) or from libquerysafe_crypt_v1.so loaded
// by libmongocrypt itself as crypt_shared.
#ifndef QUERYSAFE_TESTS_CRYPT_SHARED_MONGOCRYPT_DRIVER_H_
#define QUERYSAFE_TESTS_CRYPT_SHARED_MONGOCRYPT_DRIVER_H_

#include <string>

#include "lib/common/bson_util.h"

namespace querysafe::testing {

struct AutoEncryptRun {
  bool ok = false;
  std::string error;                 // libmongocrypt's status message when !ok
  BsonDoc markings_request;          // what libmongocrypt asked query analysis (mongocryptd path)
  BsonDoc reply;                     // the analysis reply fed back (mongocryptd path)
  BsonDoc final_command;             // the command libmongocrypt would send
  std::string crypt_shared_version;  // mongocrypt_crypt_shared_lib_version_string, if loaded
};

enum class Analyzer { kDirect, kCryptShared };

// `folder` under tests/data/libmongocrypt-markings; `cmd_file` the command's file there.
AutoEncryptRun RunAutoEncrypt(const std::string& folder, Analyzer analyzer,
                              const std::string& cmd_file = "cmd.json");

// A file of the data folder as BSON (Extended JSON).
BsonDoc LoadJson(const std::string& path);
std::string DataPath(const std::string& relative);

}  // namespace querysafe::testing

#endif  // QUERYSAFE_TESTS_CRYPT_SHARED_MONGOCRYPT_DRIVER_H_
