// Civil dates and the Chinese working calendar (weekends off, statutory holidays off,
// make-up working days on), with the review SLA deadline built on it. Plain data and rules:
// the year data comes from config/calendar.toml through src/config.
//
// A year that is not in the calendar is an error (ErrorCode::NotFound naming the year), never
// silently treated as "weekends only": holidays shift every year and a wrong deadline is worse
// than a loud failure.
//
// SLA rule (sla_deadline):
//   1. The submission day D is the local calendar date of `submitted` at UTC+offset
//      (China: +480 minutes, no daylight saving).
//   2. Working days are counted strictly after D: the 1st is the first working day after D,
//      whatever time of day the photo arrived and whether or not D itself is a working day.
//   3. The deadline is the end of the n-th working day W, i.e. 00:00 local time of the day
//      after W, as unix seconds. It is an exclusive bound: a decision is on time iff
//      decided_at < deadline.
//   Example (n = 2): submitted Fri 2025-09-26 14:00 +08:00 -> Sun 09-28 is a make-up working
//   day (1st), Mon 09-29 is the 2nd -> deadline 2025-09-30 00:00 +08:00.
//   Only the years holding D+1 .. W must be in the calendar.
#pragma once

#include <compare>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace pd::domain {

// A proleptic Gregorian calendar date. Not validated on construction: use is_valid_date.
struct Date {
    int y = 1970, m = 1, d = 1;
    auto operator<=>(const Date&) const = default;
};

int days_in_month(int y, int m);                  // 0 when m is not 1..12
bool is_valid_date(int y, int m, int d);
std::int64_t days_from_civil(Date date);          // days since 1970-01-01 (negative before)
Date civil_from_days(std::int64_t days);
Date add_days(Date date, std::int64_t days);
int iso_weekday(Date date);                       // 1 = Monday ... 7 = Sunday
std::optional<Date> parse_date(std::string_view text);  // strict "YYYY-MM-DD", real dates only
std::string to_string(Date date);                 // "YYYY-MM-DD"

// The local calendar date of a unix time at a fixed UTC offset (minutes east of UTC).
Date local_date(std::int64_t unix_seconds, int utc_offset_minutes);
// Unix seconds of 00:00 local time on `date` at a fixed UTC offset.
std::int64_t local_midnight(Date date, int utc_offset_minutes);

// One year of the State Council's holiday notice.
struct CalendarYear {
    int year = 0;
    std::vector<Date> off_days;      // statutory days off (may include weekends)
    std::vector<Date> make_up_days;  // weekend days that are working days (调休上班)
};

class WorkCalendar {
public:
    // An empty calendar: every query fails with NotFound.
    WorkCalendar() = default;

    // Validates: years unique; every date in its year; no date twice; no date both off and
    // make-up; make-up days are Saturdays or Sundays; |utc_offset_minutes| <= 14 h;
    // sla_working_days >= 1. Errors are ErrorCode::InvalidArgument.
    static Result<WorkCalendar> create(const std::vector<CalendarYear>& years,
                                       int utc_offset_minutes, int sla_working_days);

    bool covers(int year) const { return years_.count(year) != 0; }
    std::vector<int> years() const;
    int utc_offset_minutes() const { return utc_offset_minutes_; }
    int sla_working_days() const { return sla_working_days_; }

    // NotFound when date.y is not in the calendar; InvalidArgument for an impossible date.
    Result<bool> is_working_day(Date date) const;

    // The n-th working day after `start` (n >= 1; n == 0 returns start). `start` itself need
    // not be covered; every year walked through must be.
    Result<Date> add_working_days(Date start, int n) const;

    // The SLA deadline per the rule in the header comment, as unix seconds.
    Result<std::int64_t> sla_deadline(std::int64_t submitted_unix_seconds, int working_days,
                                      int utc_offset_minutes) const;
    // Same, with the configured sla_working_days and utc_offset_minutes.
    Result<std::int64_t> sla_deadline(std::int64_t submitted_unix_seconds) const;

private:
    struct Year {
        std::set<Date> off;
        std::set<Date> make_up;
    };
    Error missing_year(int year) const;

    std::map<int, Year> years_;
    int utc_offset_minutes_ = 480;
    int sla_working_days_ = 2;
};

}  // namespace pd::domain
