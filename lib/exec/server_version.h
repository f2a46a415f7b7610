// The MongoDB version of the connected server, from the maxWireVersion its
// handshake (hello) advertises: what the rest of querysafe compiles queries
// for (the QE rules and encryptedFields options differ between 7.0, 8.0 and
// 8.2).
//
// Wire versions, from MongoDB's "Server Wire version and Feature List"
// (specifications, wireversion-featurelist): 17 = 6.0, 18 = 6.1, 19 = 6.2,
// 21 = 7.0 ... 24 = 7.3, 25 = 8.0. Since 5.1 the wire version is the number of
// releases since 4.0 (SERVER-58346), so 20 = 6.3 and 26, 27, 28 = 8.1, 8.2,
// 8.3.
#ifndef QUERYSAFE_LIB_EXEC_SERVER_VERSION_H_
#define QUERYSAFE_LIB_EXEC_SERVER_VERSION_H_

#include <cstdint>
#include <optional>
#include <string>

namespace querysafe::exec {

struct ServerVersion {
  int major = 8;
  int minor = 0;
  // What the server advertised; 0 when the version was given, not read.
  int32_t max_wire_version = 0;
  // The wire version is newer than any release querysafe knows: major/minor
  // are then the newest known release (whose capabilities it has at least).
  bool newer_than_known = false;

  std::string ToString() const;  // "8.0"
};

// The release of a maxWireVersion; nullopt for versions older than 4.2 (wire
// 8), which have no Queryable Encryption at all and need no finer name.
std::optional<ServerVersion> ServerVersionFromWire(int32_t max_wire_version);

// Queryable Encryption's protocol v2 (libmongocrypt >= 1.11, the only one it
// speaks) needs MongoDB 7.0: maxWireVersion 21.
inline constexpr int32_t kMinQeWireVersion = 21;

}  // namespace querysafe::exec

#endif  // QUERYSAFE_LIB_EXEC_SERVER_VERSION_H_
