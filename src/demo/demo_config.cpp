// config/demo.toml -> DemoConfig. A small strict reader over toml11 (pd_config's reader is
// internal to that library): every table lists the keys it allows, and every failure is one
// line "FILE:LINE: key = value: problem".
#include "demo/demo_config.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <sstream>

#include <toml.hpp>

namespace pd::demo {

// [SECTION] Defect names

namespace {
constexpr std::array<const char*, kDefectCount> kDefectNames = {
    "clean", "tilt", "blur", "dark", "blue_clothes", "tinted_lenses", "second_face", "low_resolution",
    "dark_border"};
}

const char* to_string(Defect d) { return kDefectNames[static_cast<int>(d)]; }

std::optional<Defect> parse_defect(std::string_view name) {
    for (int i = 0; i < kDefectCount; ++i)
        if (name == kDefectNames[i]) return static_cast<Defect>(i);
    return std::nullopt;
}

const std::array<Defect, kDefectCount>& all_defects() {
    static const std::array<Defect, kDefectCount> all = [] {
        std::array<Defect, kDefectCount> a{};
        for (int i = 0; i < kDefectCount; ++i) a[i] = static_cast<Defect>(i);
        return a;
    }();
    return all;
}

// [SECTION] Strict reading

namespace {

struct Failure {
    std::string message;
};

std::string describe(const toml::value& v) {
    switch (v.type()) {
        case toml::value_t::boolean: return v.as_boolean() ? "true" : "false";
        case toml::value_t::integer: return std::to_string(v.as_integer());
        case toml::value_t::floating: {
            std::ostringstream s;
            s << v.as_floating();
            return s.str();
        }
        case toml::value_t::string: {
            std::string s = v.as_string().str;
            if (s.size() > 40) s = s.substr(0, 37) + "...";
            return "\"" + s + "\"";
        }
        case toml::value_t::array: return "[...]";
        case toml::value_t::table: return "table";
        default: return "value";
    }
}

class Table {
public:
    Table(const toml::value& v, std::string path, std::string origin)
        : v_(v), path_(std::move(path)), origin_(std::move(origin)) {}

    std::string key_path(std::string_view key) const {
        return path_.empty() ? std::string(key) : path_ + "." + std::string(key);
    }
    std::string where(const toml::value& at) const {
        const auto line = at.location().line();
        return line > 0 ? origin_ + ":" + std::to_string(line) : origin_;
    }
    [[noreturn]] void fail(std::string_view key, const std::string& problem) const {
        const toml::value* at = find(key);
        if (!at) throw Failure{where(v_) + ": " + key_path(key) + ": " + problem};
        throw Failure{where(*at) + ": " + key_path(key) + " = " + describe(*at) + ": " + problem};
    }
    [[noreturn]] void fail_table(const std::string& problem) const {
        throw Failure{where(v_) + ": " + (path_.empty() ? "" : "[" + path_ + "] ") + problem};
    }

    void allow_only(std::initializer_list<std::string_view> keys) const {
        for (const auto& [k, val] : v_.as_table()) {
            if (std::find(keys.begin(), keys.end(), k) == keys.end())
                throw Failure{where(val) + ": unknown key '" + key_path(k) + "'"};
        }
    }
    const toml::value* find(std::string_view key) const {
        const auto& t = v_.as_table();
        auto it = t.find(std::string(key));
        return it == t.end() ? nullptr : &it->second;
    }
    bool has(std::string_view key) const { return find(key) != nullptr; }
    const toml::value& require(std::string_view key) const {
        const toml::value* v = find(key);
        if (!v) fail_table("missing key '" + key_path(key) + "'");
        return *v;
    }

    double number(std::string_view key, double lo, double hi) const {
        const toml::value& v = require(key);
        double d = 0;
        if (v.is_integer()) d = double(v.as_integer());
        else if (v.is_floating()) d = v.as_floating();
        else fail(key, "must be a number");
        if (!std::isfinite(d) || d < lo || d > hi)
            fail(key, "must be within " + num(lo) + ".." + num(hi));
        return d;
    }
    std::int64_t integer(std::string_view key, std::int64_t lo, std::int64_t hi) const {
        const toml::value& v = require(key);
        if (!v.is_integer()) fail(key, "must be an integer");
        const std::int64_t i = v.as_integer();
        if (i < lo || i > hi) fail(key, "must be within " + std::to_string(lo) + ".." + std::to_string(hi));
        return i;
    }
    std::string string(std::string_view key) const {
        const toml::value& v = require(key);
        if (!v.is_string() || v.as_string().str.empty()) fail(key, "must be a non-empty string");
        return v.as_string().str;
    }
    std::vector<std::string> strings(std::string_view key) const {
        const toml::value& v = require(key);
        if (!v.is_array() || v.as_array().empty()) fail(key, "must be a non-empty array of strings");
        std::vector<std::string> out;
        for (const auto& e : v.as_array()) {
            if (!e.is_string() || e.as_string().str.empty())
                fail(key, "every entry must be a non-empty string");
            out.push_back(e.as_string().str);
        }
        return out;
    }
    domain::Range range(std::string_view key, double lo, double hi) const {
        const toml::value& v = require(key);
        if (!v.is_array() || v.as_array().size() != 2) fail(key, "must be [min, max]");
        double r[2];
        for (int i = 0; i < 2; ++i) {
            const auto& e = v.as_array()[i];
            if (e.is_integer()) r[i] = double(e.as_integer());
            else if (e.is_floating()) r[i] = e.as_floating();
            else fail(key, "must be [min, max] numbers");
        }
        if (!(r[0] >= lo && r[1] <= hi && r[0] <= r[1]))
            fail(key, "must be [min, max] with " + num(lo) + " <= min <= max <= " + num(hi));
        return {r[0], r[1]};
    }
    Table table(std::string_view key) const {
        const toml::value& v = require(key);
        if (!v.is_table()) fail(key, "must be a table");
        return Table(v, key_path(key), origin_);
    }
    std::vector<Table> tables(std::string_view key) const {
        const toml::value& v = require(key);
        if (!v.is_array() || v.as_array().empty()) fail(key, "must be one or more [[" + key_path(key) + "]] tables");
        std::vector<Table> out;
        for (std::size_t i = 0; i < v.as_array().size(); ++i) {
            const auto& e = v.as_array()[i];
            if (!e.is_table()) fail(key, "must be one or more [[" + key_path(key) + "]] tables");
            out.emplace_back(e, key_path(key) + "[" + std::to_string(i) + "]", origin_);
        }
        return out;
    }

private:
    static std::string num(double d) {
        std::ostringstream s;
        s << d;
        return s.str();
    }
    const toml::value& v_;
    std::string path_;
    std::string origin_;
};

void read_defects(const Table& root, DemoConfig& c) {
    const Table defects = root.table("defects");
    // Every defect has a table; an unknown defect name is an error.
    for (const auto& [k, val] : root.require("defects").as_table())
        if (!parse_defect(k))
            throw Failure{defects.where(val) + ": unknown defect 'defects." + k +
                          "' (known: clean, tilt, blur, dark, blue_clothes, tinted_lenses, second_face, "
                          "low_resolution, dark_border)"};
    double sum = 0;
    for (Defect d : all_defects()) {
        const Table t = defects.table(to_string(d));
        DefectConfig& dc = c.defects[static_cast<int>(d)];
        if (d == Defect::clean) {
            t.allow_only({"share"});
            dc.share = t.number("share", 0, 1);
        } else {
            t.allow_only({"share", "amount", "reasons", "note"});
            dc.share = t.number("share", 0, 1);
            dc.amount = t.range("amount", 0, 100);
            dc.reasons = t.strings("reasons");
            dc.note = t.string("note");
        }
        sum += dc.share;
    }
    if (std::abs(sum - 1.0) > 1e-6) {
        std::ostringstream s;
        s << "the defect shares sum to " << sum << ", not 1";
        defects.fail_table(s.str());
    }
}

void read_students(const Table& root, DemoConfig& c) {
    const Table t = root.table("students");
    t.allow_only({"birth", "rare_share", "rare_min", "study_years", "surnames", "given_male", "given_female",
                  "rare_given", "regions", "grade", "school"});
    StudentLists& s = c.students;
    {
        const auto dates = t.strings("birth");
        if (dates.size() != 2) t.fail("birth", "must be [\"YYYY-MM-DD\", \"YYYY-MM-DD\"]");
        const auto a = domain::parse_date(dates[0]), b = domain::parse_date(dates[1]);
        if (!a || !b || *b < *a) t.fail("birth", "must be two real dates, the first not after the second");
        s.birth_from = *a;
        s.birth_to = *b;
    }
    s.rare_share = t.number("rare_share", 0, 1);
    s.rare_min = int(t.integer("rare_min", 0, 1000));
    s.study_years = int(t.integer("study_years", 1, 10));
    s.surnames = t.strings("surnames");
    s.given_male = t.strings("given_male");
    s.given_female = t.strings("given_female");
    s.rare_given = t.strings("rare_given");
    s.regions = t.strings("regions");
    for (const auto& r : s.regions)
        if (r.size() != 6 || r.find_first_not_of("0123456789") != std::string::npos || r[0] == '0')
            t.fail("regions", "'" + r + "' is not a 6-digit region code");
    for (const Table& g : t.tables("grade")) {
        g.allow_only({"name", "weight"});
        Grade grade{g.string("name"), g.number("weight", 0, 1e6)};
        if (grade.name.size() != 4 || grade.name.find_first_not_of("0123456789") != std::string::npos)
            g.fail("name", "must be a four-digit year");
        s.grades.push_back(grade);
    }
    for (const Table& sc : t.tables("school")) {
        sc.allow_only({"name", "code", "stations", "weight"});
        School school{sc.string("name"), sc.string("code"), sc.strings("stations"), sc.number("weight", 0, 1e6)};
        if (school.code.size() != 2 || school.code.find_first_not_of("0123456789") != std::string::npos)
            sc.fail("code", "must be two digits");
        s.schools.push_back(school);
    }
}

DemoConfig read_root(const Table& root) {
    DemoConfig c;
    root.allow_only({"queue", "defects", "sources", "jitter", "timing", "resubmissions", "students"});

    const Table q = root.table("queue");
    q.allow_only({"count", "seed", "grow_pool"});
    c.count = int(q.integer("count", 1, 10'000'000));
    c.seed = std::uint64_t(q.integer("seed", 1, INT64_MAX));
    c.grow_pool = int(q.integer("grow_pool", 1, 100'000));

    read_defects(root, c);

    const Table s = root.table("sources");
    s.allow_only({"astronaut", "dlib_faces", "detect_long_side", "min_face_px", "full_face_px", "small_enlarge",
                  "small_face_target", "max_yaw_deg", "max_roll_deg", "crown_margin", "window_width",
                  "min_window_width", "eye_from_top", "room_above", "room_below", "room_side", "max_outside_side",
                  "max_outside_bottom", "max_outside_top"});
    SourceRules& sr = c.sources;
    sr.astronaut = s.string("astronaut");
    sr.dlib_faces = s.string("dlib_faces");
    sr.detect_long_side = int(s.integer("detect_long_side", 0, 8192));
    sr.min_face_px = s.number("min_face_px", 20, 4000);
    sr.full_face_px = s.number("full_face_px", sr.min_face_px, 4000);
    sr.small_enlarge = s.number("small_enlarge", 1, 5);
    sr.small_face_target = s.number("small_face_target", 40, 1000);
    sr.max_yaw_deg = s.number("max_yaw_deg", 0, 45);
    sr.max_roll_deg = s.number("max_roll_deg", 0, 45);
    sr.crown_margin = s.number("crown_margin", 0, 1);
    sr.window_width = s.number("window_width", 1.5, 6);
    sr.min_window_width = s.number("min_window_width", 1.5, 6);
    if (sr.min_window_width > sr.window_width) s.fail("min_window_width", "must not exceed window_width");
    sr.eye_from_top = s.number("eye_from_top", 0.2, 0.6);
    sr.room_above = s.number("room_above", 0.3, 3);
    sr.room_below = s.number("room_below", 0.5, 5);
    sr.room_side = s.number("room_side", 0.3, 3);
    sr.max_outside_side = s.number("max_outside_side", 0, 0.3);
    sr.max_outside_bottom = s.number("max_outside_bottom", 0, 0.3);
    sr.max_outside_top = s.number("max_outside_top", 0, 0.3);

    const Table j = root.table("jitter");
    j.allow_only({"shift", "zoom", "roll_deg", "ev", "white_balance", "jpeg_quality"});
    c.jitter.shift = j.number("shift", 0, 0.2);
    c.jitter.zoom = j.number("zoom", 0, 0.3);
    c.jitter.roll_deg = j.number("roll_deg", 0, 3);
    c.jitter.ev = j.number("ev", 0, 1);
    c.jitter.white_balance = j.number("white_balance", 0, 0.2);
    const auto quality = j.range("jpeg_quality", 60, 100);
    c.jitter.quality_min = int(quality.min);
    c.jitter.quality_max = int(quality.max);

    const Table t = root.table("timing");
    t.allow_only({"days_back", "overdue", "due_today", "night_share"});
    c.timing.days_back = int(t.integer("days_back", 3, 60));
    c.timing.overdue = t.number("overdue", 0, 1);
    c.timing.due_today = t.number("due_today", 0, 1);
    c.timing.night_share = t.number("night_share", 0, 1);
    if (c.timing.overdue + c.timing.due_today > 1) t.fail("due_today", "overdue + due_today must not exceed 1");

    const Table r = root.table("resubmissions");
    r.allow_only({"share", "gap_hours", "decided_after_hours", "claim_page", "max_claim_pages"});
    c.resubmissions.share = r.number("share", 0, 1);
    c.resubmissions.gap_hours = r.range("gap_hours", 1, 24 * 30);
    c.resubmissions.decided_after_hours = r.range("decided_after_hours", 0.1, 24 * 30);
    c.resubmissions.claim_page = int(r.integer("claim_page", 1, 1000));
    c.resubmissions.max_claim_pages = int(r.integer("max_claim_pages", 1, 1000));
    if (c.resubmissions.decided_after_hours.max >= c.resubmissions.gap_hours.min)
        r.fail("decided_after_hours", "the rejection must come before attempt 2 (max below gap_hours' min)");
    if (c.resubmissions.share > c.defect(Defect::clean).share + 1e-9)
        r.fail("share", "must not exceed defects.clean.share (attempt 2 is the corrected, clean photo)");

    read_students(root, c);
    return c;
}

}  // namespace

Result<DemoConfig> parse_demo_config(std::string_view toml_text, std::string_view origin) {
    const std::string name(origin);
    try {
        std::istringstream in{std::string(toml_text)};
        const toml::value root = toml::parse(in, name);
        return read_root(Table(root, "", name));
    } catch (const Failure& f) {
        return make_error(ErrorCode::ConfigInvalid, f.message);
    } catch (const toml::exception& e) {
        std::string what = e.what();
        what = what.substr(0, what.find('\n'));
        return make_error(ErrorCode::ConfigInvalid,
                          name + ":" + std::to_string(e.location().line()) + ": " + what);
    } catch (const std::exception& e) {
        std::string what = e.what();
        return make_error(ErrorCode::ConfigInvalid, name + ": " + what.substr(0, what.find('\n')));
    }
}

Result<DemoConfig> load_demo_config(const std::string& config_dir) {
    const std::string path = config_dir + "/demo.toml";
    std::ifstream in(path, std::ios::binary);
    if (!in) return make_error(ErrorCode::NotFound, path + ": file not found");
    std::ostringstream text;
    text << in.rdbuf();
    return parse_demo_config(text.str(), path);
}

// [SECTION] Reasons

Status validate_defect_reasons(const DemoConfig& config, const std::set<std::string>& codes) {
    for (Defect d : all_defects()) {
        if (d == Defect::clean) continue;
        for (const auto& code : config.defect(d).reasons)
            if (!codes.count(code))
                return make_error(ErrorCode::ConfigInvalid, std::string("demo.toml: defects.") + to_string(d) +
                                                                ".reasons: unknown reason '" + code + "'");
    }
    return Ok{};
}

Status validate_defect_reasons(const DemoConfig& config, const domain::ReasonCatalog& catalog) {
    std::set<std::string> codes;
    for (const auto& r : catalog.all()) codes.insert(r.code);
    if (auto st = validate_defect_reasons(config, codes); !st) return st;
    for (Defect d : all_defects()) {
        if (d == Defect::clean) continue;
        for (const auto& code : config.defect(d).reasons)
            if (catalog.find(code)->note_required && config.defect(d).note.empty())
                return make_error(ErrorCode::ConfigInvalid, std::string("demo.toml: defects.") + to_string(d) +
                                                                ": reason '" + code + "' needs a note");
    }
    return Ok{};
}

}  // namespace pd::demo
