// The MongoDB release queries are compiled for: the QE rules and encryptedFields options differ
// between 7.0, 8.0, 8.2 and 9.0. The one internal type for it; the public
// querysafe::ServerVersion (include/querysafe/query.h) is converted to it at the API boundary.
// It comes from the user ("8.0", ParseServerVersion) or from the maxWireVersion the server's
// handshake (hello) advertises (ServerVersionFromWire).
//
// Wire versions, from MongoDB's "Server Wire version and Feature List"
// (specifications, wireversion-featurelist): 17 = 6.0, 18 = 6.1, 19 = 6.2,
// 21 = 7.0 ... 24 = 7.3, 25 = 8.0. Since 5.1 the wire version is the number of
// releases since 4.0 (SERVER-58346), so 20 = 6.3 and 26, 27, 28 = 8.1, 8.2,
// 8.3.
#ifndef QUERYSAFE_LIB_COMMON_SERVER_VERSION_H_
#define QUERYSAFE_LIB_COMMON_SERVER_VERSION_H_

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace querysafe::common {

struct ServerVersion {
  int major = 8;
  int minor = 0;
  // What the server advertised; 0 when the version was given, not read.
  int32_t max_wire_version = 0;
  // The wire version is newer than any release querysafe knows: major/minor
  // are then the newest known release (whose capabilities it has at least).
  bool newer_than_known = false;

  std::string ToString() const;  // "8.0"

  // Releases compare by major.minor only: how the version was learnt does not change what it has.
  friend std::strong_ordering operator<=>(const ServerVersion& a, const ServerVersion& b) {
    if (a.major != b.major) return a.major <=> b.major;
    return a.minor <=> b.minor;
  }
  friend bool operator==(const ServerVersion& a, const ServerVersion& b) {
    return a.major == b.major && a.minor == b.minor;
  }
};

// "7.0", "8.2", "9.0": MAJOR.MINOR, two unsigned decimal numbers and nothing else (no sign, no
// spaces, no patch number). nullopt for anything else. Every version a user types goes through
// this one parser (the C++ API's ServerVersion::Parse, the CLI's --server-version).
std::optional<ServerVersion> ParseServerVersion(std::string_view text);

// The release of a maxWireVersion; nullopt for versions older than 4.2 (wire
// 8), which have no Queryable Encryption at all and need no finer name.
std::optional<ServerVersion> ServerVersionFromWire(int32_t max_wire_version);

// Queryable Encryption's protocol v2 (libmongocrypt >= 1.11, the only one it
// speaks) needs MongoDB 7.0: maxWireVersion 21.
inline constexpr int32_t kMinQeWireVersion = 21;

}  // namespace querysafe::common

#endif  // QUERYSAFE_LIB_COMMON_SERVER_VERSION_H_
