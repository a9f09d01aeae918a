#include "review/item.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>

#include <openssl/evp.h>

#include "review/pixels.h"

namespace pd::review {

using nlohmann::json;

namespace {

// A malformed field: thrown inside parse_item and turned into an Error there.
struct Bad {
    std::string field, problem;
};

std::string str(const json& o, const char* key) {
    if (!o.is_object() || !o.contains(key) || o.at(key).is_null()) return "";
    if (!o.at(key).is_string()) throw Bad{key, "must be a string"};
    return o.at(key).get<std::string>();
}

double num(const json& o, const char* key, double fallback = 0) {
    if (!o.is_object() || !o.contains(key) || o.at(key).is_null()) return fallback;
    const json& v = o.at(key);
    if (!v.is_number()) throw Bad{key, "must be a number"};
    const double d = v.get<double>();
    if (!std::isfinite(d)) throw Bad{key, "must be finite"};
    return d;
}

std::int64_t integer(const json& o, const char* key, std::int64_t fallback = 0) {
    if (!o.is_object() || !o.contains(key) || o.at(key).is_null()) return fallback;
    const json& v = o.at(key);
    if (!v.is_number_integer()) throw Bad{key, "must be an integer"};
    return v.get<std::int64_t>();
}

std::vector<std::string> strings(const json& o, const char* key) {
    std::vector<std::string> out;
    if (!o.is_object() || !o.contains(key) || o.at(key).is_null()) return out;
    const json& a = o.at(key);
    if (!a.is_array()) throw Bad{key, "must be an array of strings"};
    for (const auto& e : a) {
        if (!e.is_string()) throw Bad{key, "must be an array of strings"};
        out.push_back(e.get<std::string>());
    }
    return out;
}

Point point(const json& p) {
    if (!p.is_array() || p.size() != 2 || !p[0].is_number() || !p[1].is_number()) throw Bad{"geometry", "a point must be [x, y]"};
    return {p[0].get<double>(), p[1].get<double>()};
}

// The report's "map": a grey PNG in base64 (wire/engine_json.h, check_map_png), at most
// kMaxMapSide px on its longer side.
constexpr int kMaxMapSide = 512;

CheckMap check_map(const json& m) {
    CheckMap out;
    if (!m.is_object() || !m.contains("png")) return out;   // an older report: size and coverage only
    if (!m.at("png").is_string()) {
        out.error = "map.png must be a string";
        return out;
    }
    const std::string& b64 = m.at("png").get_ref<const std::string&>();
    if (b64.size() % 4 != 0) {
        out.error = "map.png is not base64 (its length is not a multiple of 4)";
        return out;
    }
    std::vector<std::uint8_t> png(b64.size() / 4 * 3);
    const int n = EVP_DecodeBlock(png.data(), reinterpret_cast<const unsigned char*>(b64.data()), int(b64.size()));
    if (n < 0) {
        out.error = "map.png is not base64";
        return out;
    }
    // EVP_DecodeBlock counts the padding's zero bytes as data.
    const std::size_t pad = b64.ends_with("==") ? 2 : b64.ends_with("=") ? 1 : 0;
    png.resize(std::size_t(n) - std::min(pad, std::size_t(n)));
    auto px = decode_pixels(png, 0, std::int64_t(kMaxMapSide) * kMaxMapSide);
    if (!px) {
        out.error = "map.png: " + px.error().message;
        return out;
    }
    if (px->width > kMaxMapSide || px->height > kMaxMapSide) {
        out.error = "map.png is " + std::to_string(px->width) + "x" + std::to_string(px->height) + ", more than " +
                    std::to_string(kMaxMapSide) + " px on a side";
        return out;
    }
    out.width = px->width;
    out.height = px->height;
    out.values.resize(std::size_t(out.width) * std::size_t(out.height));
    for (std::size_t i = 0; i < out.values.size(); ++i) out.values[i] = px->rgba[4 * i];
    out.key = "map:" + std::to_string(std::hash<std::string>{}(b64)) + ":" + std::to_string(b64.size());
    return out;
}

Geometry geometry(const json& g) {
    Geometry out;
    if (!g.is_object()) return out;
    out.space = str(g, "space") == "original" ? Space::working : Space::standardized;
    if (g.contains("points"))
        for (const auto& p : g.at("points")) out.points.push_back(point(p));
    if (g.contains("lines"))
        for (const auto& l : g.at("lines")) {
            if (!l.is_array() || l.size() != 2) throw Bad{"geometry", "a line must be [[x, y], [x, y]]"};
            out.lines.emplace_back(point(l[0]), point(l[1]));
        }
    if (g.contains("rects"))
        for (const auto& r : g.at("rects")) {
            if (!r.is_array() || r.size() != 4) throw Bad{"geometry", "a rect must be [x, y, w, h]"};
            out.rects.push_back({r[0].get<double>(), r[1].get<double>(), r[2].get<double>(), r[3].get<double>()});
        }
    if (g.contains("polygons"))
        for (const auto& poly : g.at("polygons")) {
            std::vector<Point> pts;
            for (const auto& p : poly) pts.push_back(point(p));
            out.polygons.push_back(std::move(pts));
        }
    if (g.contains("hbands"))
        for (const auto& b : g.at("hbands")) {
            if (!b.is_array() || b.size() != 2) throw Bad{"geometry", "an hband must be [y0, y1]"};
            out.hbands.emplace_back(b[0].get<double>(), b[1].get<double>());
        }
    if (g.contains("map")) out.map = check_map(g.at("map"));
    return out;
}

Verdict verdict(const std::string& v) {
    if (v == "fail") return Verdict::fail;
    if (v == "warn") return Verdict::warn;
    if (v == "pass") return Verdict::pass;
    if (v == "not_assessable") return Verdict::not_assessable;
    throw Bad{"verdict", "'" + v + "' is not pass, warn, fail or not_assessable"};
}

void parse_report(const json& r, ReviewItem& it) {
    if (!r.is_object()) throw Bad{"checks", "the report must be an object"};
    it.spec = str(r, "spec");
    if (r.contains("source")) {
        it.source_width = int(integer(r.at("source"), "width"));
        it.source_height = int(integer(r.at("source"), "height"));
    }
    if (r.contains("working")) {
        it.working_width = int(integer(r.at("working"), "width"));
        it.working_height = int(integer(r.at("working"), "height"));
        it.per_original = num(r.at("working"), "per_original_px", 1);
        if (it.per_original <= 0) throw Bad{"working.per_original_px", "must be positive"};
    }
    if (r.contains("crop") && r.at("crop").is_object()) {
        const json& c = r.at("crop");
        Crop& k = it.crop;
        k.present = true;
        k.x = num(c, "x");
        k.y = num(c, "y");
        k.scale = num(c, "scale", 1);
        k.crown_y = num(c, "crown_y");
        k.eye_y = num(c, "eye_y");
        k.face_width = num(c, "face_width");
        k.centre_offset = num(c, "centre_offset");
        if (c.contains("window_original")) {
            const json& w = c.at("window_original");
            k.window_x = num(w, "x");
            k.window_y = num(w, "y");
            k.window_w = num(w, "width");
        }
        if (k.scale <= 0) throw Bad{"crop.scale", "must be positive"};
    }
    if (r.contains("landmarks") && r.at("landmarks").is_object() && r.at("landmarks").contains("points"))
        for (const auto& p : r.at("landmarks").at("points")) it.landmarks.push_back(point(p));
    if (r.contains("spec_error") && r.at("spec_error").is_object()) {
        const json& e = r.at("spec_error");
        it.spec_error = str(e, "message");
        it.spec_error_kind = str(e, "kind");
        if (it.spec_error_kind.empty()) it.spec_error_kind = str(e, "code");   // reports before kinds
    }
    if (r.contains("checks")) {
        if (!r.at("checks").is_array()) throw Bad{"checks.checks", "must be an array"};
        for (const auto& c : r.at("checks")) {
            Check k;
            k.id = str(c, "id");
            k.title = str(c, "title");
            k.verdict = verdict(str(c, "verdict"));
            k.value = num(c, "value");
            k.unit = str(c, "unit");
            k.threshold = str(c, "threshold");
            k.reason = str(c, "reason");
            k.detail = str(c, "detail");
            if (c.contains("geometry")) k.geometry = geometry(c.at("geometry"));
            it.checks.push_back(std::move(k));
        }
    }
    std::stable_sort(it.checks.begin(), it.checks.end(),
                     [](const Check& a, const Check& b) { return int(a.verdict) < int(b.verdict); });
    for (const auto& c : it.checks) {
        it.fails += c.verdict == Verdict::fail;
        it.warns += c.verdict == Verdict::warn;
        auto add = [&](std::vector<std::string>& to) {
            if (c.reason.empty()) return;
            for (const auto* list : {&it.suggested_fail, &it.suggested_warn})
                if (std::find(list->begin(), list->end(), c.reason) != list->end()) return;
            to.push_back(c.reason);
        };
        if (c.verdict == Verdict::fail) add(it.suggested_fail);
        else if (c.verdict == Verdict::warn) add(it.suggested_warn);
    }
}

}  // namespace

const char* to_string(Verdict v) {
    switch (v) {
        case Verdict::fail: return "fail";
        case Verdict::warn: return "warn";
        case Verdict::not_assessable: return "not_assessable";
        case Verdict::pass: return "pass";
    }
    return "?";
}

const Check* ReviewItem::find_check(const std::string& cid) const {
    for (const auto& c : checks)
        if (c.id == cid) return &c;
    return nullptr;
}

Point ReviewItem::to_output(Point p) const { return {(p.x - crop.x) * crop.scale, (p.y - crop.y) * crop.scale}; }

Result<ReviewItem> parse_item(const json& s) {
    ReviewItem it;
    try {
        if (!s.is_object()) throw Bad{"submission", "must be an object"};
        it.id = integer(s, "id");
        if (it.id <= 0) throw Bad{"id", "must be a positive integer"};
        it.attempt = int(integer(s, "attempt", 1));
        it.state = str(s, "state");
        if (s.contains("student")) {
            const json& st = s.at("student");
            it.name = str(st, "name");
            it.id_number = str(st, "id_number");
            it.student_no = str(st, "student_no");
            it.school = str(st, "school");
            it.station = str(st, "station");
            it.grade = str(st, "grade");
        }
        it.submitted_at = integer(s, "submitted_at");
        it.sla_deadline = integer(s, "sla_deadline");
        it.flags = strings(s, "flags");
        if (s.contains("images")) {
            const json& im = s.at("images");
            it.original = str(im, "original");
            it.standardized = str(im, "standardized");
            it.matte = str(im, "matte");
            it.thumbnail = str(im, "thumbnail");
        }
        if (s.contains("lease") && s.at("lease").is_object()) it.lease_expires = integer(s.at("lease"), "expires_at");
        if (s.contains("checks") && !s.at("checks").is_null()) parse_report(s.at("checks"), it);
        if (s.contains("history") && s.at("history").is_array())
            for (const auto& h : s.at("history")) {
                HistoryEntry e;
                e.submission_id = integer(h, "submission_id");
                e.attempt = int(integer(h, "attempt"));
                e.state = str(h, "state");
                e.verdict = str(h, "verdict");
                e.reasons = strings(h, "reasons");
                e.note = str(h, "note");
                e.decided_at = integer(h, "decided_at");
                e.thumbnail = str(h, "thumbnail");
                it.history.push_back(std::move(e));
            }
    } catch (const Bad& b) {
        return make_error(ErrorCode::InvalidArgument,
                          "submission " + std::to_string(it.id) + ": " + b.field + ": " + b.problem);
    } catch (const json::exception& e) {
        return make_error(ErrorCode::InvalidArgument, "submission " + std::to_string(it.id) + ": " + e.what());
    }
    return it;
}

const std::string& spec_refusal_text(const ReviewItem& item, const Strings& strings) {
    if (!item.spec_error_kind.empty() && strings.has("spec_refusal.", item.spec_error_kind))
        return strings.tr("spec_refusal.", item.spec_error_kind);
    return item.spec_error;
}

std::string format_measure(double value) {
    if (!std::isfinite(value)) return "?";
    char buf[32];
    std::snprintf(buf, sizeof buf, std::abs(value) >= 100 ? "%.0f" : "%.3g", value);
    return buf;
}

std::string measured_text(const Check& check, const Strings& strings) {
    std::string out = format_measure(check.value);
    const std::string& unit = strings.has("unit.", check.unit) ? strings.tr("unit.", check.unit) : check.unit;
    if (unit.empty()) return out;
    if (!unit.starts_with("°") && !unit.starts_with("×")) out += ' ';
    return out + unit;
}

}  // namespace pd::review
