// Django's TIME_ZONE: which names load, and the conversions Django's make_aware() (zoneinfo,
// fold=0) and make_naive() do. Expected instants are Python's:
// datetime(..., tzinfo=ZoneInfo(zone)).timestamp().

#include "lib/common/time_zone.h"

#include <gtest/gtest.h>

namespace querysafe {
namespace {

TEST(TimeZone, LoadsIanaNames) {
  for (const char* name : {"UTC", "America/Chicago", "Asia/Kolkata", "Etc/GMT+5",
                           "America/Argentina/Buenos_Aires", "America/Port-au-Prince"}) {
    std::optional<TimeZone> zone = LoadTimeZone(name);
    ASSERT_TRUE(zone.has_value()) << name;
    EXPECT_EQ(zone->name, name);
  }
  EXPECT_TRUE(LoadTimeZone("UTC")->is_default());
  EXPECT_FALSE(LoadTimeZone("Etc/UTC")->is_default());
}

TEST(TimeZone, RefusesWhatIsNotAZoneName) {
  // Unknown names, and what absl would read besides zone names: paths, its fixed offsets, the
  // process's local zone, the alternative trees of the tz database, its data files.
  for (const char* name :
       {"", "America/Chikago", "Mars/Olympus", "../../etc/passwd", "/etc/localtime",
        "America//Chicago", "America/Chicago/", "file:/etc/localtime", "Fixed/UTC+05:00",
        "localtime", "posix/America/Chicago", "right/UTC", "zone.tab", "tzdata.zi", "+05:30",
        "UTC ", "America/Chicago\n"}) {
    EXPECT_FALSE(LoadTimeZone(name).has_value()) << '"' << name << '"';
  }
}

TEST(TimeZone, NaiveLocalTimeIsMadeAwareAsZoneinfoWithFoldZero) {
  const TimeZone chicago = *LoadTimeZone("America/Chicago");
  // CST (-06:00) before the change, CDT (-05:00) after.
  EXPECT_EQ(LocalToUtcSeconds(chicago, 2024, 3, 10, 0, 0, 0), 1710050400);  // 06:00Z
  // 02:30 on 2024-03-10 does not exist: fold=0 keeps the offset before the change (08:30Z).
  EXPECT_EQ(LocalToUtcSeconds(chicago, 2024, 3, 10, 2, 30, 0), 1710059400);
  // 01:30 on 2024-11-03 happens twice: fold=0 is the first, in CDT (06:30Z).
  EXPECT_EQ(LocalToUtcSeconds(chicago, 2024, 11, 3, 1, 30, 0), 1730615400);
  const TimeZone kolkata = *LoadTimeZone("Asia/Kolkata");
  EXPECT_EQ(LocalToUtcSeconds(kolkata, 2024, 1, 15, 0, 0, 0), 1705257000);  // 2024-01-14 18:30Z
  EXPECT_EQ(LocalToUtcSeconds(TimeZone{}, 2024, 3, 10, 0, 0, 0), 1710028800);
}

TEST(TimeZone, UtcInstantsAsLocalTime) {
  const TimeZone chicago = *LoadTimeZone("America/Chicago");
  LocalTime t = UtcToLocal(chicago, 1710054000);  // 2024-03-10 07:00Z: 01:00 CST
  EXPECT_EQ(t.year, 2024);
  EXPECT_EQ(t.month, 3);
  EXPECT_EQ(t.day, 10);
  EXPECT_EQ(t.hour, 1);
  t = UtcToLocal(chicago, 1710046800);  // 2024-03-10 05:00Z: the 9th, 23:00 CST
  EXPECT_EQ(t.day, 9);
  EXPECT_EQ(t.hour, 23);
  t = UtcToLocal(*LoadTimeZone("Asia/Kolkata"), 1705257000);
  EXPECT_EQ(t.day, 15);
  EXPECT_EQ(t.hour, 0);
  EXPECT_EQ(t.minute, 0);
}

}  // namespace
}  // namespace querysafe
