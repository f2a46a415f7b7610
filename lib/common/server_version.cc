#include "lib/common/server_version.h"

#include <charconv>
#include <format>

namespace querysafe::common {
namespace {

struct Release {
  int32_t wire;
  int major;
  int minor;
};

// Ascending by wire version; 10-12 were internal (rapid) releases between 4.4
// and 5.0 that never shipped as server versions.
constexpr Release kReleases[] = {
    {8, 4, 2},  {9, 4, 4},  {13, 5, 0}, {14, 5, 1}, {15, 5, 2}, {16, 5, 3},
    {17, 6, 0}, {18, 6, 1}, {19, 6, 2}, {20, 6, 3}, {21, 7, 0}, {22, 7, 1},
    {23, 7, 2}, {24, 7, 3}, {25, 8, 0}, {26, 8, 1}, {27, 8, 2}, {28, 8, 3},
};

}  // namespace

std::string ServerVersion::ToString() const { return std::format("{}.{}", major, minor); }

namespace {

// One unsigned decimal number that is all of `text`.
std::optional<int> ParseNumber(std::string_view text) {
  if (text.empty() || text.front() < '0' || text.front() > '9') return std::nullopt;
  int value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

}  // namespace

std::optional<ServerVersion> ParseServerVersion(std::string_view text) {
  const size_t dot = text.find('.');
  if (dot == std::string_view::npos) return std::nullopt;
  std::optional<int> major = ParseNumber(text.substr(0, dot));
  std::optional<int> minor = ParseNumber(text.substr(dot + 1));
  if (!major || !minor) return std::nullopt;
  ServerVersion v;
  v.major = *major;
  v.minor = *minor;
  return v;
}

std::optional<ServerVersion> ServerVersionFromWire(int32_t max_wire_version) {
  if (max_wire_version < kReleases[0].wire) return std::nullopt;
  const Release* best = &kReleases[0];
  for (const Release& r : kReleases) {
    if (r.wire <= max_wire_version) best = &r;
  }
  ServerVersion v;
  v.major = best->major;
  v.minor = best->minor;
  v.max_wire_version = max_wire_version;
  v.newer_than_known = max_wire_version > std::end(kReleases)[-1].wire;
  return v;
}

}  // namespace querysafe::common
