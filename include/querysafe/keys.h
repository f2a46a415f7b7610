// File: querysafe/keys.h
//
// Keys for offline use (`querysafe keys`, explain, tests, a demo): a new local master key, data
// keys wrapped by it, and what a key vault file holds. A key vault file holds key documents in
// Extended JSON, as mongoexport writes a key vault collection (an array, or one per line).
//
// Example:
//   querysafe::Diagnostics errors;
//   std::optional<std::string> master = querysafe::NewLocalMasterKey(&errors);  // base64
//   querysafe::KeysResult made =
//       querysafe::CreateLocalDataKeys(*master, {"patients.patient_record.ssn"}, "keys.json");
//
// Keys wrapped by a cloud KMS are made by Migrate (querysafe/client.h), against a server.
#ifndef QUERYSAFE_KEYS_H_
#define QUERYSAFE_KEYS_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "querysafe/diagnostic.h"
#include "querysafe/export.h"

namespace querysafe {

// What a key document says about itself.
struct KeyInfo {
  std::string id;                      // the _id UUID, canonical 36-character form
  std::vector<std::string> alt_names;  // keyAltNames
  std::string provider;                // masterKey.provider: "local", "aws", "local:name"...
  std::string display_name;            // the first alt name, else the id
};

struct KeysResult {
  Diagnostics diagnostics;
  // The key documents, each one line of canonical Extended JSON (types survive a round trip),
  // and what each says about itself, in the same order.
  std::vector<std::string> documents;
  std::vector<KeyInfo> infos;

  bool ok() const { return diagnostics.empty(); }
};

// 96 bytes from the operating system's CSPRNG, as standard base64: a local master key for
// --kms-local-key / ConnectOptions::local_master_key. nullopt (and a diagnostic) when the system
// has no randomness to give.
QUERYSAFE_EXPORT std::optional<std::string> NewLocalMasterKey(Diagnostics* diagnostics);

// One new data key per alt name, wrapped by `local_master_key` (base64 text, or "@FILE" holding
// the base64 or the 96 raw bytes). With `key_vault_path` set, the keys are added to that file
// (created if needed; an array file is rewritten through a temporary file and a rename, so it is
// never left half-written), and an _id or alt name already in it is refused before anything is
// written. Diagnostics never repeat key material.
QUERYSAFE_EXPORT KeysResult CreateLocalDataKeys(std::string_view local_master_key,
                                                const std::vector<std::string>& alt_names,
                                                const std::string& key_vault_path = "");

// The keys of a key vault file ("-": standard input is not read; give a path).
QUERYSAFE_EXPORT KeysResult ReadKeyVaultFile(const std::string& path);

}  // namespace querysafe

#endif  // QUERYSAFE_KEYS_H_
