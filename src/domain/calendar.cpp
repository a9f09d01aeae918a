#include "domain/calendar.h"

#include <cstdio>

namespace pd::domain {

namespace {

constexpr std::int64_t kSecondsPerDay = 86400;
constexpr int kMaxUtcOffsetMinutes = 14 * 60;

std::int64_t floor_div(std::int64_t a, std::int64_t b) {
    std::int64_t q = a / b;
    if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
    return q;
}

bool is_leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

const char* weekday_name(int iso) {
    static const char* names[] = {"Monday", "Tuesday", "Wednesday", "Thursday",
                                  "Friday", "Saturday", "Sunday"};
    return names[(iso - 1) % 7];
}

Error invalid(std::string message) { return make_error(ErrorCode::InvalidArgument, std::move(message)); }

}  // namespace

int days_in_month(int y, int m) {
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m < 1 || m > 12) return 0;
    return (m == 2 && is_leap(y)) ? 29 : days[m - 1];
}

bool is_valid_date(int y, int m, int d) { return d >= 1 && d <= days_in_month(y, m); }

// Howard Hinnant's days_from_civil / civil_from_days (public domain algorithms).
std::int64_t days_from_civil(Date date) {
    std::int64_t y = date.y - (date.m <= 2 ? 1 : 0);
    const std::int64_t era = floor_div(y, 400);
    const std::int64_t yoe = y - era * 400;                                       // [0, 399]
    const std::int64_t mp = date.m > 2 ? date.m - 3 : date.m + 9;                 // March = 0
    const std::int64_t doy = (153 * mp + 2) / 5 + date.d - 1;                     // [0, 365]
    const std::int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;               // [0, 146096]
    return era * 146097 + doe - 719468;
}

Date civil_from_days(std::int64_t days) {
    const std::int64_t z = days + 719468;
    const std::int64_t era = floor_div(z, 146097);
    const std::int64_t doe = z - era * 146097;
    const std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const std::int64_t mp = (5 * doy + 2) / 153;
    const int d = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
    const int m = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
    const int y = static_cast<int>(yoe + era * 400 + (m <= 2 ? 1 : 0));
    return Date{y, m, d};
}

Date add_days(Date date, std::int64_t days) { return civil_from_days(days_from_civil(date) + days); }

int iso_weekday(Date date) {
    // Days since Monday 1969-12-29; 1970-01-01 was a Thursday (ISO 4).
    const std::int64_t since_monday = days_from_civil(date) + 3;
    return static_cast<int>(since_monday - floor_div(since_monday, 7) * 7) + 1;
}

std::optional<Date> parse_date(std::string_view text) {
    if (text.size() != 10 || text[4] != '-' || text[7] != '-') return std::nullopt;
    auto number = [&](std::size_t pos, std::size_t len, int& out) {
        out = 0;
        for (std::size_t i = pos; i < pos + len; ++i) {
            if (text[i] < '0' || text[i] > '9') return false;
            out = out * 10 + (text[i] - '0');
        }
        return true;
    };
    Date date;
    if (!number(0, 4, date.y) || !number(5, 2, date.m) || !number(8, 2, date.d)) return std::nullopt;
    if (!is_valid_date(date.y, date.m, date.d)) return std::nullopt;
    return date;
}

std::string to_string(Date date) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", date.y, date.m, date.d);
    return buf;
}

Date local_date(std::int64_t unix_seconds, int utc_offset_minutes) {
    const std::int64_t local = unix_seconds + std::int64_t{utc_offset_minutes} * 60;
    return civil_from_days(floor_div(local, kSecondsPerDay));
}

std::int64_t local_midnight(Date date, int utc_offset_minutes) {
    return days_from_civil(date) * kSecondsPerDay - std::int64_t{utc_offset_minutes} * 60;
}

Result<WorkCalendar> WorkCalendar::create(const std::vector<CalendarYear>& years,
                                          int utc_offset_minutes, int sla_working_days) {
    if (utc_offset_minutes < -kMaxUtcOffsetMinutes || utc_offset_minutes > kMaxUtcOffsetMinutes)
        return invalid("utc_offset_minutes " + std::to_string(utc_offset_minutes) +
                       " is outside -840..840");
    if (sla_working_days < 1)
        return invalid("sla_working_days " + std::to_string(sla_working_days) + " must be at least 1");

    WorkCalendar cal;
    cal.utc_offset_minutes_ = utc_offset_minutes;
    cal.sla_working_days_ = sla_working_days;
    for (const CalendarYear& cy : years) {
        const std::string y = std::to_string(cy.year);
        if (cal.years_.count(cy.year)) return invalid("year " + y + " is listed twice");
        Year& out = cal.years_[cy.year];
        for (const Date& d : cy.off_days) {
            if (!is_valid_date(d.y, d.m, d.d) || d.y != cy.year)
                return invalid("year " + y + ": off day " + to_string(d) + " is not a date in " + y);
            if (!out.off.insert(d).second)
                return invalid("year " + y + ": off day " + to_string(d) + " is listed twice");
        }
        for (const Date& d : cy.make_up_days) {
            if (!is_valid_date(d.y, d.m, d.d) || d.y != cy.year)
                return invalid("year " + y + ": make-up day " + to_string(d) + " is not a date in " + y);
            if (out.off.count(d))
                return invalid("year " + y + ": " + to_string(d) + " is both an off day and a make-up working day");
            const int wd = iso_weekday(d);
            if (wd < 6)
                return invalid("year " + y + ": make-up working day " + to_string(d) + " is a " +
                               weekday_name(wd) + ", not a weekend day");
            if (!out.make_up.insert(d).second)
                return invalid("year " + y + ": make-up day " + to_string(d) + " is listed twice");
        }
    }
    return cal;
}

std::vector<int> WorkCalendar::years() const {
    std::vector<int> out;
    for (const auto& [y, _] : years_) out.push_back(y);
    return out;
}

Error WorkCalendar::missing_year(int year) const {
    std::string covered;
    for (const auto& [y, _] : years_) covered += (covered.empty() ? "" : ", ") + std::to_string(y);
    return make_error(ErrorCode::NotFound,
                      "working calendar has no data for year " + std::to_string(year) +
                          " (covered: " + (covered.empty() ? "none" : covered) +
                          "); add the State Council holiday notice for " + std::to_string(year) +
                          " to config/calendar.toml");
}

Result<bool> WorkCalendar::is_working_day(Date date) const {
    if (!is_valid_date(date.y, date.m, date.d))
        return invalid("not a real date: " + to_string(date));
    auto it = years_.find(date.y);
    if (it == years_.end()) return missing_year(date.y);
    if (it->second.make_up.count(date)) return true;
    if (it->second.off.count(date)) return false;
    return iso_weekday(date) < 6;
}

Result<Date> WorkCalendar::add_working_days(Date start, int n) const {
    if (n < 0) return invalid("add_working_days: n must not be negative, got " + std::to_string(n));
    if (!is_valid_date(start.y, start.m, start.d)) return invalid("not a real date: " + to_string(start));
    Date day = start;
    // Terminates: each step either counts a working day or eventually reaches a missing year.
    for (int found = 0; found < n;) {
        day = add_days(day, 1);
        Result<bool> working = is_working_day(day);
        if (!working) return working.error();
        if (*working) ++found;
    }
    return day;
}

Result<std::int64_t> WorkCalendar::sla_deadline(std::int64_t submitted_unix_seconds, int working_days,
                                                int utc_offset_minutes) const {
    if (working_days < 1)
        return invalid("sla_deadline: working_days must be at least 1, got " + std::to_string(working_days));
    if (utc_offset_minutes < -kMaxUtcOffsetMinutes || utc_offset_minutes > kMaxUtcOffsetMinutes)
        return invalid("sla_deadline: utc_offset_minutes " + std::to_string(utc_offset_minutes) +
                       " is outside -840..840");
    const Date submitted_day = local_date(submitted_unix_seconds, utc_offset_minutes);
    Result<Date> last = add_working_days(submitted_day, working_days);
    if (!last) return last.error();
    return local_midnight(add_days(*last, 1), utc_offset_minutes);
}

Result<std::int64_t> WorkCalendar::sla_deadline(std::int64_t submitted_unix_seconds) const {
    return sla_deadline(submitted_unix_seconds, sla_working_days_, utc_offset_minutes_);
}

}  // namespace pd::domain
