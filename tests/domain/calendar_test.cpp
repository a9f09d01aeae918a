#include "domain/calendar.h"

#include <gtest/gtest.h>

namespace pd::domain {
namespace {

// --- civil date arithmetic ------------------------------------------------------------

TEST(Date, DaysFromCivilKnownValues) {
    EXPECT_EQ(days_from_civil({1970, 1, 1}), 0);
    EXPECT_EQ(days_from_civil({1969, 12, 31}), -1);
    EXPECT_EQ(days_from_civil({2000, 3, 1}), 11017);
    EXPECT_EQ(days_from_civil({2025, 9, 26}), 20357);  // 1758844800 / 86400
    EXPECT_EQ(days_from_civil({1600, 1, 1}), -135140);
}

TEST(Date, RoundTripsEveryDayOverFourCenturies) {
    for (std::int64_t n = days_from_civil({1800, 1, 1}); n <= days_from_civil({2200, 12, 31}); ++n) {
        const Date d = civil_from_days(n);
        ASSERT_TRUE(is_valid_date(d.y, d.m, d.d)) << n;
        ASSERT_EQ(days_from_civil(d), n) << to_string(d);
    }
}

TEST(Date, Weekdays) {
    EXPECT_EQ(iso_weekday({1970, 1, 1}), 4);    // Thursday
    EXPECT_EQ(iso_weekday({1969, 12, 31}), 3);  // Wednesday, before the epoch
    EXPECT_EQ(iso_weekday({2000, 1, 1}), 6);    // Saturday
    EXPECT_EQ(iso_weekday({2025, 9, 26}), 5);   // Friday
    EXPECT_EQ(iso_weekday({2025, 9, 28}), 7);   // Sunday
    EXPECT_EQ(iso_weekday({2026, 2, 16}), 1);   // Monday
}

TEST(Date, LeapYearsAndMonthLengths) {
    EXPECT_TRUE(is_valid_date(2000, 2, 29));
    EXPECT_TRUE(is_valid_date(2024, 2, 29));
    EXPECT_FALSE(is_valid_date(1900, 2, 29));
    EXPECT_FALSE(is_valid_date(2025, 2, 29));
    EXPECT_FALSE(is_valid_date(2025, 4, 31));
    EXPECT_FALSE(is_valid_date(2025, 13, 1));
    EXPECT_FALSE(is_valid_date(2025, 0, 1));
    EXPECT_FALSE(is_valid_date(2025, 1, 0));
    EXPECT_EQ(days_in_month(2025, 12), 31);
}

TEST(Date, ParseIsStrict) {
    ASSERT_TRUE(parse_date("2024-02-29").has_value());
    EXPECT_EQ(*parse_date("2025-10-08"), (Date{2025, 10, 8}));
    EXPECT_FALSE(parse_date("2025-02-29"));
    EXPECT_FALSE(parse_date("2025-2-01"));
    EXPECT_FALSE(parse_date("2025/02/01"));
    EXPECT_FALSE(parse_date("2025-02-01 "));
    EXPECT_FALSE(parse_date("20250201"));
    EXPECT_FALSE(parse_date("2025-0a-01"));
    EXPECT_EQ(to_string({2025, 1, 5}), "2025-01-05");
}

TEST(Date, LocalDateAtOffset) {
    // 2025-09-26T15:59:59Z is 23:59:59 Friday in China, 16:00:00Z is Saturday.
    EXPECT_EQ(local_date(1758902399, 480), (Date{2025, 9, 26}));
    EXPECT_EQ(local_date(1758902400, 480), (Date{2025, 9, 27}));
    EXPECT_EQ(local_date(1758902400, 0), (Date{2025, 9, 26}));
    EXPECT_EQ(local_date(-1, 0), (Date{1969, 12, 31}));
    EXPECT_EQ(local_midnight({2025, 9, 30}, 480), 1759161600);
}

// --- the working calendar -------------------------------------------------------------

std::vector<Date> range(Date first, Date last) {
    std::vector<Date> out;
    for (Date d = first; d <= last; d = add_days(d, 1)) out.push_back(d);
    return out;
}

void append(std::vector<Date>& to, const std::vector<Date>& more) { to.insert(to.end(), more.begin(), more.end()); }

// The same facts as config/calendar.toml, built here so the domain is tested without I/O.
WorkCalendar china_2025_2026() {
    CalendarYear y25{2025, {}, {{2025, 1, 26}, {2025, 2, 8}, {2025, 4, 27}, {2025, 9, 28}, {2025, 10, 11}}};
    y25.off_days.push_back({2025, 1, 1});
    append(y25.off_days, range({2025, 1, 28}, {2025, 2, 4}));
    append(y25.off_days, range({2025, 4, 4}, {2025, 4, 6}));
    append(y25.off_days, range({2025, 5, 1}, {2025, 5, 5}));
    append(y25.off_days, range({2025, 5, 31}, {2025, 6, 2}));
    append(y25.off_days, range({2025, 10, 1}, {2025, 10, 8}));
    CalendarYear y26{2026, {}, {{2026, 1, 4}, {2026, 2, 14}, {2026, 2, 28}, {2026, 5, 9}, {2026, 9, 20}, {2026, 10, 10}}};
    append(y26.off_days, range({2026, 1, 1}, {2026, 1, 3}));
    append(y26.off_days, range({2026, 2, 15}, {2026, 2, 23}));
    append(y26.off_days, range({2026, 4, 4}, {2026, 4, 6}));
    append(y26.off_days, range({2026, 5, 1}, {2026, 5, 5}));
    append(y26.off_days, range({2026, 6, 19}, {2026, 6, 21}));
    append(y26.off_days, range({2026, 9, 25}, {2026, 9, 27}));
    append(y26.off_days, range({2026, 10, 1}, {2026, 10, 7}));
    auto cal = WorkCalendar::create({y25, y26}, 480, 2);
    EXPECT_TRUE(cal.ok()) << (cal.ok() ? "" : cal.error().message);
    return *cal;
}

bool working(const WorkCalendar& cal, Date d) {
    auto r = cal.is_working_day(d);
    EXPECT_TRUE(r.ok()) << to_string(d) << ": " << (r.ok() ? "" : r.error().message);
    return r.ok() && *r;
}

TEST(WorkCalendar, WeekendsAndWeekdays) {
    const WorkCalendar cal = china_2025_2026();
    EXPECT_TRUE(working(cal, {2025, 3, 14}));   // Friday
    EXPECT_FALSE(working(cal, {2025, 3, 15}));  // Saturday
    EXPECT_FALSE(working(cal, {2025, 3, 16}));  // Sunday
    EXPECT_TRUE(working(cal, {2025, 3, 17}));   // Monday
}

TEST(WorkCalendar, NationalDay2025) {
    const WorkCalendar cal = china_2025_2026();
    EXPECT_TRUE(working(cal, {2025, 9, 28}));  // Sunday, make-up working day
    EXPECT_TRUE(working(cal, {2025, 9, 30}));
    for (const Date& d : range({2025, 10, 1}, {2025, 10, 8})) EXPECT_FALSE(working(cal, d)) << to_string(d);
    EXPECT_TRUE(working(cal, {2025, 10, 9}));
    EXPECT_TRUE(working(cal, {2025, 10, 10}));
    EXPECT_TRUE(working(cal, {2025, 10, 11}));   // Saturday, make-up working day
    EXPECT_FALSE(working(cal, {2025, 10, 12}));  // ordinary Sunday
}

TEST(WorkCalendar, SpringFestival2026) {
    const WorkCalendar cal = china_2025_2026();
    EXPECT_TRUE(working(cal, {2026, 2, 13}));
    EXPECT_TRUE(working(cal, {2026, 2, 14}));  // Saturday, make-up
    for (const Date& d : range({2026, 2, 15}, {2026, 2, 23})) EXPECT_FALSE(working(cal, d)) << to_string(d);
    EXPECT_TRUE(working(cal, {2026, 2, 24}));
    EXPECT_TRUE(working(cal, {2026, 2, 28}));  // Saturday, make-up
    EXPECT_FALSE(working(cal, {2026, 3, 1}));  // Sunday
}

TEST(WorkCalendar, CountsWorkingDaysPerYear) {
    const WorkCalendar cal = china_2025_2026();
    for (int year : {2025, 2026}) {
        int count = 0;
        for (const Date& d : range({year, 1, 1}, {year, 12, 31})) count += working(cal, d) ? 1 : 0;
        EXPECT_EQ(count, 248) << year;
    }
}

TEST(WorkCalendar, MissingYearIsAnErrorNotWeekendsOnly) {
    const WorkCalendar cal = china_2025_2026();
    auto r = cal.is_working_day({2027, 1, 4});
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, ErrorCode::NotFound);
    EXPECT_NE(r.error().message.find("2027"), std::string::npos) << r.error().message;
    EXPECT_NE(r.error().message.find("2025, 2026"), std::string::npos) << r.error().message;
    EXPECT_FALSE(cal.is_working_day({2024, 12, 31}).ok());
    EXPECT_FALSE(WorkCalendar().is_working_day({2025, 1, 2}).ok());
    EXPECT_EQ(cal.is_working_day({2025, 2, 29}).error().code, ErrorCode::InvalidArgument);
}

TEST(WorkCalendar, AddWorkingDays) {
    const WorkCalendar cal = china_2025_2026();
    EXPECT_EQ(*cal.add_working_days({2025, 9, 30}, 0), (Date{2025, 9, 30}));
    EXPECT_EQ(*cal.add_working_days({2025, 9, 30}, 1), (Date{2025, 10, 9}));
    EXPECT_EQ(*cal.add_working_days({2025, 9, 30}, 2), (Date{2025, 10, 10}));
    EXPECT_EQ(*cal.add_working_days({2025, 9, 30}, 3), (Date{2025, 10, 11}));  // Saturday make-up
    EXPECT_EQ(*cal.add_working_days({2025, 9, 30}, 4), (Date{2025, 10, 13}));
    EXPECT_EQ(*cal.add_working_days({2025, 9, 26}, 1), (Date{2025, 9, 28}));   // Sunday make-up
    // The start day's year need not be covered, only the days walked through.
    EXPECT_EQ(*cal.add_working_days({2024, 12, 31}, 1), (Date{2025, 1, 2}));
    EXPECT_EQ(cal.add_working_days({2026, 12, 30}, 2).error().code, ErrorCode::NotFound);
    EXPECT_EQ(cal.add_working_days({2025, 1, 2}, -1).error().code, ErrorCode::InvalidArgument);
}

// Unix seconds below were computed independently (Python datetime, +08:00).
TEST(SlaDeadline, FridayBeforeMakeUpSunday) {
    const WorkCalendar cal = china_2025_2026();
    // Fri 2025-09-26 14:00 -> Sun 09-28 (make-up) is the 1st, Mon 09-29 the 2nd
    // -> deadline 2025-09-30 00:00 +08:00.
    EXPECT_EQ(*cal.sla_deadline(1758866400, 2, 480), 1759161600);
    EXPECT_EQ(*cal.sla_deadline(1758866400), 1759161600);  // configured 2 days at +480
    // The last second of Friday and all of Saturday give the same deadline.
    EXPECT_EQ(*cal.sla_deadline(1758902399), 1759161600);
    EXPECT_EQ(*cal.sla_deadline(1758902400), 1759161600);
}

TEST(SlaDeadline, SubmissionDayBoundaryUsesLocalTime) {
    const WorkCalendar cal = china_2025_2026();
    // Thu 2025-09-25 23:59:59 +08 -> Fri 26, Sun 28 -> deadline Mon 09-29 00:00 +08.
    EXPECT_EQ(*cal.sla_deadline(1758815999), 1759075200);
    // One second later it is Friday -> deadline Tue 09-30 00:00 +08.
    EXPECT_EQ(*cal.sla_deadline(1758816000), 1759161600);
    // In UTC, 2025-09-26T16:00Z is still Friday: deadline end of Mon 09-29 UTC.
    EXPECT_EQ(*cal.sla_deadline(1758902400, 2, 0), 1759190400);
}

TEST(SlaDeadline, NationalDay2025) {
    const WorkCalendar cal = china_2025_2026();
    // Tue 2025-09-30 10:00 -> Oct 1-8 off -> Thu 10-09, Fri 10-10 -> deadline 10-11 00:00 +08.
    EXPECT_EQ(*cal.sla_deadline(1759197600), 1760112000);
}

TEST(SlaDeadline, SpringFestival2026) {
    const WorkCalendar cal = china_2025_2026();
    // Fri 2026-02-13 09:00 -> Sat 02-14 (make-up), Feb 15-23 off, Tue 02-24 -> 02-25 00:00 +08.
    EXPECT_EQ(*cal.sla_deadline(1770944400), 1771948800);
    // Thu 2026-02-12 16:00 -> Fri 02-13, Sat 02-14 (make-up) -> 02-15 00:00 +08.
    EXPECT_EQ(*cal.sla_deadline(1770883200), 1771084800);
}

TEST(SlaDeadline, AcrossNewYear) {
    const WorkCalendar cal = china_2025_2026();
    // Wed 2025-12-31 18:00 -> Jan 1-3 off, Sun 01-04 (make-up), Mon 01-05 -> 01-06 00:00 +08.
    EXPECT_EQ(*cal.sla_deadline(1767175200), 1767628800);
}

TEST(SlaDeadline, MissingYear2027IsReported) {
    const WorkCalendar cal = china_2025_2026();
    // Wed 2026-12-30 12:00: Thu 12-31 is the 1st working day, the 2nd would be in 2027.
    auto r = cal.sla_deadline(1798603200);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, ErrorCode::NotFound);
    EXPECT_NE(r.error().message.find("2027"), std::string::npos) << r.error().message;
    // One working day stays inside 2026: deadline 2027-01-01 00:00 +08.
    EXPECT_EQ(*cal.sla_deadline(1798603200, 1, 480), 1798732800);
}

TEST(SlaDeadline, RejectsBadArguments) {
    const WorkCalendar cal = china_2025_2026();
    EXPECT_EQ(cal.sla_deadline(1758866400, 0, 480).error().code, ErrorCode::InvalidArgument);
    EXPECT_EQ(cal.sla_deadline(1758866400, 2, 900).error().code, ErrorCode::InvalidArgument);
}

TEST(WorkCalendarCreate, RejectsInconsistentData) {
    auto weekday_make_up = WorkCalendar::create({{2025, {}, {{2025, 1, 27}}}}, 480, 2);
    ASSERT_FALSE(weekday_make_up.ok());
    EXPECT_NE(weekday_make_up.error().message.find("2025-01-27 is a Monday"), std::string::npos)
        << weekday_make_up.error().message;

    auto both = WorkCalendar::create({{2025, {{2025, 1, 26}}, {{2025, 1, 26}}}}, 480, 2);
    ASSERT_FALSE(both.ok());
    EXPECT_NE(both.error().message.find("both an off day and a make-up"), std::string::npos);

    auto wrong_year = WorkCalendar::create({{2025, {{2026, 1, 1}}, {}}}, 480, 2);
    ASSERT_FALSE(wrong_year.ok());
    EXPECT_NE(wrong_year.error().message.find("2026-01-01 is not a date in 2025"), std::string::npos);

    auto twice = WorkCalendar::create({{2025, {{2025, 1, 1}, {2025, 1, 1}}, {}}}, 480, 2);
    ASSERT_FALSE(twice.ok());
    EXPECT_NE(twice.error().message.find("listed twice"), std::string::npos);

    EXPECT_FALSE(WorkCalendar::create({{2025, {}, {}}, {2025, {}, {}}}, 480, 2).ok());
    EXPECT_FALSE(WorkCalendar::create({}, 480, 0).ok());
    EXPECT_FALSE(WorkCalendar::create({}, 841, 2).ok());
}

}  // namespace
}  // namespace pd::domain
