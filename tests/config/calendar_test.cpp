#include <gtest/gtest.h>

#include "config/config.h"
#include "config/config_test_util.h"
#include "support/test_support.h"

namespace pd::config {
namespace {

using domain::Date;
using test::replace_once;

TEST(CalendarConfig, RepositoryFileHoldsTheStateCouncilNotices) {
    auto cal = load_calendar(test::config_dir());
    ASSERT_TRUE(cal.ok()) << cal.error().message;
    EXPECT_EQ(cal->years(), (std::vector<int>{2025, 2026}));
    EXPECT_EQ(cal->utc_offset_minutes(), 480);
    EXPECT_EQ(cal->sla_working_days(), 2);

    auto working = [&](Date d) { return *cal->is_working_day(d); };
    // 2025: every off day and make-up day of design.md section 4.
    EXPECT_FALSE(working({2025, 1, 1}));
    for (Date d = {2025, 1, 28}; d <= Date{2025, 2, 4}; d = domain::add_days(d, 1)) EXPECT_FALSE(working(d));
    for (Date d = {2025, 10, 1}; d <= Date{2025, 10, 8}; d = domain::add_days(d, 1)) EXPECT_FALSE(working(d));
    EXPECT_FALSE(working({2025, 4, 4}));
    EXPECT_FALSE(working({2025, 5, 5}));
    EXPECT_FALSE(working({2025, 6, 2}));  // Monday, Dragon Boat
    for (Date d : {Date{2025, 1, 26}, Date{2025, 2, 8}, Date{2025, 4, 27}, Date{2025, 9, 28}, Date{2025, 10, 11}})
        EXPECT_TRUE(working(d)) << domain::to_string(d);
    // 2026
    EXPECT_FALSE(working({2026, 1, 2}));
    for (Date d = {2026, 2, 15}; d <= Date{2026, 2, 23}; d = domain::add_days(d, 1)) EXPECT_FALSE(working(d));
    EXPECT_FALSE(working({2026, 6, 19}));
    EXPECT_FALSE(working({2026, 9, 25}));
    EXPECT_FALSE(working({2026, 10, 7}));
    EXPECT_TRUE(working({2026, 10, 8}));
    for (Date d : {Date{2026, 1, 4}, Date{2026, 2, 14}, Date{2026, 2, 28}, Date{2026, 5, 9}, Date{2026, 9, 20},
                   Date{2026, 10, 10}})
        EXPECT_TRUE(working(d)) << domain::to_string(d);

    for (int year : {2025, 2026}) {
        int count = 0;
        for (Date d = {year, 1, 1}; d <= Date{year, 12, 31}; d = domain::add_days(d, 1)) count += working(d);
        EXPECT_EQ(count, 248) << year;
    }
    // Fri 2025-09-26 14:00 +08 -> deadline Tue 2025-09-30 00:00 +08 (see calendar.h).
    EXPECT_EQ(*cal->sla_deadline(1758866400), 1759161600);
    EXPECT_EQ(test::error_code(cal->is_working_day({2027, 1, 4})), ErrorCode::NotFound);
}

constexpr const char* kCalendar = R"(utc_offset_minutes = 480
sla_working_days = 2

[year.2025]
off = ["2025-01-01", "2025-10-01..2025-10-08"]
make_up_workdays = ["2025-09-28", "2025-10-11"]
)";

Result<domain::WorkCalendar> parse_with(std::string_view from, std::string_view to) {
    return parse_calendar(replace_once(kCalendar, from, to), "calendar.toml");
}

TEST(CalendarConfig, ParsesRangesAndSingleDays) {
    auto cal = parse_calendar(kCalendar, "calendar.toml");
    ASSERT_TRUE(cal.ok()) << cal.error().message;
    EXPECT_FALSE(*cal->is_working_day({2025, 10, 1}));
    EXPECT_FALSE(*cal->is_working_day({2025, 10, 8}));
    EXPECT_TRUE(*cal->is_working_day({2025, 10, 9}));
    EXPECT_TRUE(*cal->is_working_day({2025, 10, 11}));
    // Empty lists are allowed: a year of plain weekends, stated explicitly.
    auto plain = parse_calendar("utc_offset_minutes = 0\nsla_working_days = 1\n[year.2030]\noff = []\nmake_up_workdays = []\n",
                                "calendar.toml");
    ASSERT_TRUE(plain.ok()) << plain.error().message;
    EXPECT_TRUE(*plain->is_working_day({2030, 1, 1}));
}

TEST(CalendarConfig, BadDates) {
    EXPECT_CONFIG_ERROR(parse_with("\"2025-01-01\",", "\"2025-02-30\","),
                        "calendar.toml:5: year.2025.off[0] = \"2025-02-30\": not a real date");
    EXPECT_CONFIG_ERROR(parse_with("\"2025-01-01\",", "\"2025/01/01\","), "year.2025.off[0] = \"2025/01/01\": not a real date");
    EXPECT_CONFIG_ERROR(parse_with("\"2025-01-01\",", "\"2026-01-01\","), "year.2025.off[0] = \"2026-01-01\": not in 2025");
    EXPECT_CONFIG_ERROR(parse_with("2025-10-01..2025-10-08", "2025-10-08..2025-10-01"),
                        "year.2025.off[1] = \"2025-10-08..2025-10-01\": range ends before it starts");
    EXPECT_CONFIG_ERROR(parse_with("2025-10-01..2025-10-08", "2025-12-30..2026-01-02"), "not in 2025");
    EXPECT_CONFIG_ERROR(parse_with("\"2025-01-01\",", "2025-01-01,"),
                        "year.2025.off[0] = date: must be a string");
    EXPECT_CONFIG_ERROR(parse_with("off = [\"2025-01-01\", \"2025-10-01..2025-10-08\"]", "off = 5"), "year.2025.off = 5: must be an array");
}

TEST(CalendarConfig, InconsistentDaysAreRejected) {
    EXPECT_CONFIG_ERROR(parse_with("\"2025-09-28\"", "\"2025-09-29\""),
                        "calendar.toml: year 2025: make-up working day 2025-09-29 is a Monday, not a weekend day");
    EXPECT_CONFIG_ERROR(parse_with("\"2025-09-28\"", "\"2025-10-04\""), "2025-10-04 is both an off day and a make-up working day");
    EXPECT_CONFIG_ERROR(parse_with("\"2025-01-01\",", "\"2025-01-01\", \"2025-10-03\","), "off day 2025-10-03 is listed twice");
}

TEST(CalendarConfig, KeysAreValidated) {
    EXPECT_CONFIG_ERROR(parse_with("make_up_workdays", "makeup_workdays"), "calendar.toml:6: unknown key 'year.2025.makeup_workdays'");
    EXPECT_CONFIG_ERROR(parse_with("make_up_workdays = [\"2025-09-28\", \"2025-10-11\"]\n", ""),
                        "calendar.toml:4: missing key 'year.2025.make_up_workdays'");
    EXPECT_CONFIG_ERROR(parse_with("[year.2025]", "[year.25]"), "'year.25': the key must be a four-digit year");
    EXPECT_CONFIG_ERROR(parse_with("[year.2025]", "[years.2025]"), "unknown table 'years'");
    EXPECT_CONFIG_ERROR(parse_with("utc_offset_minutes = 480", "utc_offset_minutes = 1000"),
                        "calendar.toml:1: utc_offset_minutes = 1000: must be within -840..840");
    EXPECT_CONFIG_ERROR(parse_with("utc_offset_minutes = 480\n", ""), "calendar.toml: missing key 'utc_offset_minutes'");
    EXPECT_CONFIG_ERROR(parse_with("sla_working_days = 2", "sla_working_days = 0"), "sla_working_days = 0: must be within 1..30");
    EXPECT_CONFIG_ERROR(parse_with("sla_working_days = 2", "sla_working_days = 2.5"), "sla_working_days = 2.5: must be an integer");
    EXPECT_CONFIG_ERROR(parse_calendar("utc_offset_minutes = 480\nsla_working_days = 2\n[year]\n", "calendar.toml"),
                        "table 'year' lists no years");
}

TEST(CalendarConfig, MissingFileIsNotFound) {
    EXPECT_EQ(test::error_code(load_calendar("/nonexistent/photodesk")), ErrorCode::NotFound);
}

}  // namespace
}  // namespace pd::config
