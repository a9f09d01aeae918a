#include "review/sla.h"

#include <algorithm>

namespace pd::review {

SlaCountdown countdown(const domain::WorkCalendar& cal, std::int64_t now, std::int64_t deadline) {
    SlaCountdown c;
    const int off = cal.utc_offset_minutes();
    if (deadline <= 0) return c;
    if (now >= deadline) {
        c.known = true;
        c.overdue = true;
        c.overdue_seconds = now - deadline;
        return c;
    }
    const domain::Date today = domain::local_date(now, off);
    const std::int64_t tonight = domain::local_midnight(domain::add_days(today, 1), off);
    c.due_today = deadline <= tonight;
    // Walk the days from today to the deadline's day, adding the working part of each.
    std::int64_t left = 0;
    domain::Date d = today;
    for (int guard = 0; guard < 400; ++guard) {
        const std::int64_t start = domain::local_midnight(d, off);
        if (start >= deadline) break;
        const std::int64_t end = domain::local_midnight(domain::add_days(d, 1), off);
        auto working = cal.is_working_day(d);
        if (!working) return c;   // a year missing from the calendar: unknown, never guessed
        if (working.value()) left += std::max<std::int64_t>(0, std::min(end, deadline) - std::max(start, now));
        d = domain::add_days(d, 1);
    }
    c.known = true;
    c.working_seconds_left = left;
    c.days = int(left / 86400);
    c.hours = int(left % 86400 / 3600);
    c.minutes = int(left % 3600 / 60);
    return c;
}

}  // namespace pd::review
