// The SLA countdown in working time on the real calendar (config/calendar.toml).
#include <gtest/gtest.h>

#include "config/config.h"
#include "review/sla.h"
#include "support/test_support.h"

using namespace pd::review;
using pd::domain::Date;

namespace {

pd::domain::WorkCalendar calendar() {
    auto c = pd::config::load_calendar(pd::test::config_dir());
    EXPECT_TRUE(c.ok()) << c.error().message;
    return c.value();
}

std::int64_t at(Date d, int hour, int minute = 0) {
    return pd::domain::local_midnight(d, 480) + hour * 3600 + minute * 60;
}

TEST(Sla, DueTonightIsDueToday) {
    const auto cal = calendar();
    // Monday 2026-11-30 14:00; deadline Tuesday 00:00 (the end of Monday).
    const auto c = countdown(cal, at({2026, 11, 30}, 14), at({2026, 12, 1}, 0));
    ASSERT_TRUE(c.known);
    EXPECT_TRUE(c.due_today);
    EXPECT_FALSE(c.overdue);
    EXPECT_EQ(c.working_seconds_left, 10 * 3600);
    EXPECT_EQ(c.hours, 10);
}

TEST(Sla, AWeekendDoesNotCount) {
    const auto cal = calendar();
    // Friday 2026-12-04 18:00, deadline the end of Monday 12-07: Friday's 6 h + Monday's 24 h.
    const auto c = countdown(cal, at({2026, 12, 4}, 18), at({2026, 12, 8}, 0));
    ASSERT_TRUE(c.known);
    EXPECT_FALSE(c.due_today);
    EXPECT_EQ(c.working_seconds_left, 30 * 3600);
    EXPECT_EQ(c.days, 1);
    EXPECT_EQ(c.hours, 6);
}

TEST(Sla, AHolidayDoesNotCountAndAMakeUpDayDoes) {
    const auto cal = calendar();
    // National Day 2026: Oct 1-7 off, Sat Oct 10 a make-up working day.
    const auto c = countdown(cal, at({2026, 9, 30}, 12), at({2026, 10, 11}, 0));
    ASSERT_TRUE(c.known);
    // Sep 30 (12 h) + Oct 8, 9 (48 h) + Oct 10 (24 h, make-up Saturday).
    EXPECT_EQ(c.working_seconds_left, 84 * 3600);
}

TEST(Sla, OverdueSaysForHowLong) {
    const auto c = countdown(calendar(), at({2026, 11, 30}, 9), at({2026, 11, 30}, 0));
    ASSERT_TRUE(c.known);
    EXPECT_TRUE(c.overdue);
    EXPECT_EQ(c.overdue_seconds, 9 * 3600);
}

TEST(Sla, AMissingYearIsUnknownNotGuessed) {
    const auto c = countdown(calendar(), at({2027, 12, 30}, 9), at({2028, 1, 3}, 0));
    EXPECT_FALSE(c.known);
}

}  // namespace
