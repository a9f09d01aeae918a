// config/calendar.toml -> domain::WorkCalendar.
//   utc_offset_minutes = 480      # local time of the service (China, no DST)
//   sla_working_days = 2
//   [year.2025]
//   off = ["2025-01-01", "2025-01-28..2025-02-04"]   # single days or inclusive ranges
//   make_up_workdays = ["2025-01-26"]                 # weekend days that are working days
// Every date must lie in its year; the domain rejects overlaps and weekday make-up days.
#include "config/config.h"
#include "config/toml_reader.h"

namespace pd::config {

using detail::Node;

namespace {

std::vector<domain::Date> read_days(const Node& node, std::string_view key, int year) {
    const toml::value& v = node.require(key);
    if (!v.is_array()) node.fail_value(key, "must be an array of \"YYYY-MM-DD\" or \"YYYY-MM-DD..YYYY-MM-DD\" strings");
    std::vector<domain::Date> out;
    const auto& items = v.as_array();
    for (std::size_t i = 0; i < items.size(); ++i) {
        const toml::value& e = items[i];
        const std::string at = node.key_path(key) + "[" + std::to_string(i) + "] = " + detail::describe(e);
        if (!e.is_string()) node.fail_at(e, at + ": must be a string \"YYYY-MM-DD\" or \"YYYY-MM-DD..YYYY-MM-DD\"");
        const std::string& text = e.as_string().str;
        const std::size_t dots = text.find("..");
        const std::string first_text = text.substr(0, dots);
        const std::string last_text = dots == std::string::npos ? first_text : text.substr(dots + 2);
        const auto first = domain::parse_date(first_text);
        const auto last = domain::parse_date(last_text);
        if (!first || !last)
            node.fail_at(e, at + ": not a real date \"YYYY-MM-DD\" or range \"YYYY-MM-DD..YYYY-MM-DD\"");
        if (first->y != year || last->y != year) node.fail_at(e, at + ": not in " + std::to_string(year));
        if (*last < *first) node.fail_at(e, at + ": range ends before it starts");
        for (domain::Date d = *first; d <= *last; d = domain::add_days(d, 1)) out.push_back(d);
    }
    return out;
}

int read_year_key(const Node& years, const std::string& key, const toml::value& at) {
    const bool four_digits = key.size() == 4 && key.find_first_not_of("0123456789") == std::string::npos;
    if (!four_digits || key.front() == '0')
        years.fail_at(at, "'" + years.key_path(key) + "': the key must be a four-digit year, e.g. [year.2025]");
    return std::stoi(key);
}

}  // namespace

Result<domain::WorkCalendar> parse_calendar(std::string_view toml_text, std::string_view origin) {
    domain::WorkCalendar calendar;
    Status status = detail::parse_document(toml_text, origin, [&](const Node& root) {
        root.allow_only({"utc_offset_minutes", "sla_working_days", "year"});
        const int offset = root.int_in("utc_offset_minutes", -840, 840);
        const int sla_days = root.int_in("sla_working_days", 1, 30);

        const Node years = root.table("year");
        std::vector<domain::CalendarYear> data;
        for (const auto& [key, value] : years.entries()) {
            domain::CalendarYear cy;
            cy.year = read_year_key(years, key, *value);
            const Node year(*value, years.key_path(key), std::string(origin));
            year.allow_only({"off", "make_up_workdays"});
            cy.off_days = read_days(year, "off", cy.year);
            cy.make_up_days = read_days(year, "make_up_workdays", cy.year);
            data.push_back(std::move(cy));
        }
        if (data.empty()) years.fail("table 'year' lists no years");

        Result<domain::WorkCalendar> created = domain::WorkCalendar::create(data, offset, sla_days);
        if (!created) root.fail(created.error().message);
        calendar = std::move(*created);
    });
    if (!status) return status.error();
    return calendar;
}

Result<domain::WorkCalendar> load_calendar(const std::string& config_dir) {
    return detail::load_file<domain::WorkCalendar>(detail::join_path(config_dir, "calendar.toml"), parse_calendar);
}

}  // namespace pd::config
