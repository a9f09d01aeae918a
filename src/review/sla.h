// The SLA countdown in working time, for the item on screen: how much of the working calendar
// (weekends and statutory holidays off, make-up days on; domain/calendar.h) is left before the
// item's deadline. A deadline is the end of a working day (00:00 local of the next day), so
// "due today" means the deadline falls at tonight's midnight or earlier.
#pragma once

#include <cstdint>

#include "domain/calendar.h"

namespace pd::review {

struct SlaCountdown {
    bool known = false;          // false when the calendar lacks a year on the way
    bool overdue = false;        // now >= deadline
    bool due_today = false;      // not overdue, and the deadline is tonight (local midnight)
    std::int64_t working_seconds_left = 0;
    int days = 0, hours = 0, minutes = 0;  // working_seconds_left as whole days of 24 h + rest
    std::int64_t overdue_seconds = 0;      // wall-clock time since the deadline when overdue
};

SlaCountdown countdown(const domain::WorkCalendar& calendar, std::int64_t now, std::int64_t deadline);

}  // namespace pd::review
