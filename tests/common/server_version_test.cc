// The one internal ServerVersion: releases from wire versions, and the one parser every version a
// user types goes through.

#include "lib/common/server_version.h"

#include <gtest/gtest.h>

#include <tuple>
#include <utility>

namespace querysafe {
namespace {

using common::ParseServerVersion;
using common::ServerVersion;
using common::ServerVersionFromWire;

TEST(ServerVersion, WireVersionsAreTheSpecsReleases) {
  // specifications: wireversion-featurelist; 5.1 onwards count releases.
  const std::pair<int, const char*> table[] = {{8, "4.2"},  {9, "4.4"},  {13, "5.0"}, {17, "6.0"},
                                               {19, "6.2"}, {20, "6.3"}, {21, "7.0"}, {22, "7.1"},
                                               {25, "8.0"}, {26, "8.1"}, {27, "8.2"}, {28, "8.3"}};
  for (auto [wire, name] : table) {
    std::optional<ServerVersion> v = ServerVersionFromWire(wire);
    ASSERT_TRUE(v.has_value()) << wire;
    EXPECT_EQ(v->ToString(), name) << wire;
    EXPECT_EQ(v->max_wire_version, wire);
    EXPECT_FALSE(v->newer_than_known);
  }
  EXPECT_FALSE(ServerVersionFromWire(7).has_value());  // 4.0: no QE
  std::optional<ServerVersion> future = ServerVersionFromWire(40);
  ASSERT_TRUE(future.has_value());
  EXPECT_TRUE(future->newer_than_known);
  EXPECT_EQ(future->ToString(), "8.3");
}

TEST(ServerVersion, ParsesMajorDotMinor) {
  for (auto [text, major, minor] : {std::tuple{"7.0", 7, 0}, std::tuple{"8.2", 8, 2},
                                    std::tuple{"9.0", 9, 0}, std::tuple{"10.12", 10, 12}}) {
    std::optional<ServerVersion> v = ParseServerVersion(text);
    ASSERT_TRUE(v.has_value()) << text;
    EXPECT_EQ(v->major, major) << text;
    EXPECT_EQ(v->minor, minor) << text;
    EXPECT_EQ(v->max_wire_version, 0) << text;
  }
}

TEST(ServerVersion, RejectsAnythingButMajorDotMinor) {
  for (const char* text : {"", "8", "8.", ".0", "8.0.1", "-8.0", "8.-1", "+8.0", " 8.0", "8.0 ",
                           "8.x", "eight", "99999999999.0"}) {
    EXPECT_FALSE(ParseServerVersion(text).has_value()) << text;
  }
}

TEST(ServerVersion, ComparesReleasesOnly) {
  ServerVersion read = *ServerVersionFromWire(25);
  EXPECT_EQ(read, (ServerVersion{8, 0}));
  EXPECT_LT((ServerVersion{7, 0}), read);
  EXPECT_GT((ServerVersion{8, 2}), read);
}

}  // namespace
}  // namespace querysafe
