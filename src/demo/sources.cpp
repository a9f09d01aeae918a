// Photo sources and portraits: which files, which faces, which window (photos.h).
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <optional>

#include <opencv2/imgproc.hpp>

#include "demo/photos.h"
#include "engine/decode/decode.h"
#include "engine/matte/person_matte.h"

namespace pd::demo {

namespace fs = std::filesystem;

namespace {

constexpr double kPi = 3.14159265358979323846;

std::vector<fs::path> jpgs_in(const fs::path& dir) {
    std::vector<fs::path> out;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(dir, ec)) {
        std::string ext = e.path().extension().string();
        std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return char(std::tolower(c)); });
        if (e.is_regular_file(ec) && ext == ".jpg") out.push_back(e.path());
    }
    std::sort(out.begin(), out.end());
    return out;
}

std::string fmt(const char* f, double a, double b = 0) {
    char buf[128];
    std::snprintf(buf, sizeof buf, f, a, b);
    return buf;
}

// The window's unit axes in image coordinates.
cv::Point2d axis_u(double deg) { return {std::cos(deg * kPi / 180), std::sin(deg * kPi / 180)}; }
cv::Point2d axis_v(double deg) { return {-std::sin(deg * kPi / 180), std::cos(deg * kPi / 180)}; }

bool inside_window(const Window& w, cv::Point2d p) {
    const cv::Point2d d = p - w.centre, u = axis_u(w.angle_deg), v = axis_v(w.angle_deg);
    return std::abs(d.dot(u)) <= w.size.width / 2 && std::abs(d.dot(v)) <= w.size.height / 2;
}

// How far a window reaches beyond `bounds` on each side, as a share of its width (left,
// right) or height (top, bottom), measured on its axis-aligned hull.
struct Outside {
    double left = 0, right = 0, top = 0, bottom = 0;
};
Outside outside(const Window& w, cv::Rect b) {
    const cv::Point2d u = axis_u(w.angle_deg) * (w.size.width / 2), v = axis_v(w.angle_deg) * (w.size.height / 2);
    double x0 = 1e18, x1 = -1e18, y0 = 1e18, y1 = -1e18;
    for (int sx : {-1, 1})
        for (int sy : {-1, 1}) {
            const cv::Point2d c = w.centre + u * sx + v * sy;
            x0 = std::min(x0, c.x), x1 = std::max(x1, c.x), y0 = std::min(y0, c.y), y1 = std::max(y1, c.y);
        }
    Outside o;
    o.left = std::max(0.0, b.x - x0) / w.size.width;
    o.right = std::max(0.0, x1 - (b.x + b.width - 1)) / w.size.width;
    o.top = std::max(0.0, b.y - y0) / w.size.height;
    o.bottom = std::max(0.0, y1 - (b.y + b.height - 1)) / w.size.height;
    return o;
}

// Share of a face box inside the window, sampled on a 7x7 grid.
double share_inside(const Window& w, const cv::Rect2f& box) {
    int in = 0;
    for (int i = 0; i < 7; ++i)
        for (int j = 0; j < 7; ++j)
            in += inside_window(w, {box.x + box.width * (i + 0.5) / 7, box.y + box.height * (j + 0.5) / 7});
    return in / 49.0;
}

// A seam inside the window (away from its edges) over a quarter of its width or height: the
// window shows two collage tiles.
bool crosses_seam(const Window& w, const std::vector<Seam>& seams) {
    if (seams.empty()) return false;
    const cv::Point2d u = axis_u(w.angle_deg) * (w.size.width / 2), v = axis_v(w.angle_deg) * (w.size.height / 2);
    double x0 = 1e18, x1 = -1e18, y0 = 1e18, y1 = -1e18;
    for (int sx : {-1, 1})
        for (int sy : {-1, 1}) {
            const cv::Point2d c = w.centre + u * sx + v * sy;
            x0 = std::min(x0, c.x), x1 = std::max(x1, c.x), y0 = std::min(y0, c.y), y1 = std::max(y1, c.y);
        }
    for (const auto& s : seams) {
        const double lo = s.horizontal ? x0 : y0, hi = s.horizontal ? x1 : y1;
        const double across_lo = s.horizontal ? y0 : x0, across_hi = s.horizontal ? y1 : x1;
        if (s.at <= across_lo + 3 || s.at >= across_hi - 3) continue;
        const double overlap = std::min<double>(hi, s.to) - std::max<double>(lo, s.from);
        if (overlap >= 0.25 * (hi - lo)) return true;
    }
    return false;
}

cv::Mat composite_on_white(const cv::Mat& bgr, const cv::Mat& alpha) {
    cv::Mat out(bgr.size(), CV_8UC3);
    for (int y = 0; y < bgr.rows; ++y)
        for (int x = 0; x < bgr.cols; ++x) {
            const float a = alpha.at<uchar>(y, x) / 255.f;
            const cv::Vec3b p = bgr.at<cv::Vec3b>(y, x);
            for (int c = 0; c < 3; ++c) out.at<cv::Vec3b>(y, x)[c] = cv::saturate_cast<uchar>(p[c] * a + 255 * (1 - a));
        }
    return out;
}

}  // namespace

std::vector<Seam> find_seams(const cv::Mat& bgr, int min_length) {
    // The colour step across three pixels (resampling and JPEG soften an edge), summed over the
    // channels. A seam pixel steps hard while four pixels to either side it does not: a thin
    // straight edge, not texture (foliage and fabric step everywhere).
    const auto step = [&](cv::Point a, cv::Point b) {
        const cv::Vec3b p = bgr.at<cv::Vec3b>(a), q = bgr.at<cv::Vec3b>(b);
        return std::abs(p[0] - q[0]) + std::abs(p[1] - q[1]) + std::abs(p[2] - q[2]);
    };
    const auto seam_at = [&](cv::Point p, cv::Point along) {  // along: the step's direction
        const int d = step(p - 2 * along, p + along);
        if (d <= 30) return false;
        const int before = step(p - 6 * along, p - 3 * along), after = step(p + 3 * along, p + 6 * along);
        return 2 * std::max(before, after) < d;
    };
    std::vector<Seam> out;
    constexpr int kGap = 4;  // a seam may fade for this many pixels (a white shirt on a white tile)
    const auto runs = [&](bool horizontal, int at, int n, auto&& is_seam) {
        int start = -1, last = -1;
        for (int k = 0; k <= n; ++k) {
            if (k < n && is_seam(k)) {
                if (start < 0) start = k;
                last = k;
            } else if (start >= 0 && (k == n || k - last > kGap)) {
                if (last + 1 - start >= min_length) out.push_back({horizontal, at, start, last + 1});
                start = -1;
            }
        }
    };
    for (int y = 6; y + 6 < bgr.rows; ++y) runs(true, y, bgr.cols, [&](int x) { return seam_at({x, y}, {0, 1}); });
    for (int x = 6; x + 6 < bgr.cols; ++x) runs(false, x, bgr.rows, [&](int y) { return seam_at({x, y}, {1, 0}); });
    return out;
}

bool is_collage(const std::vector<Seam>& seams, cv::Size size) {
    int h = 0, v = 0;
    for (const auto& s : seams) {
        if (s.horizontal && s.to - s.from >= size.width / 5) ++h;
        if (!s.horizontal && s.to - s.from >= size.height / 5) ++v;
    }
    return h >= 6 && v >= 6;
}

double eye_line_deg(const engine::Face& f) {
    const cv::Point2f a = f.eye_centre_a(), b = f.eye_centre_b();
    return std::atan2(b.y - a.y, b.x - a.x) * 180 / kPi;
}

double yaw_deg(const engine::Face& f) {
    const cv::Point2f n = f.points[engine::lm::kNoseTip], l = f.points[engine::lm::kJawLeft],
                      r = f.points[engine::lm::kJawRight];
    const double dl = cv::norm(n - l), dr = cv::norm(r - n);
    return std::asin(std::clamp((dl - dr) / std::max(1.0, dl + dr), -1.0, 1.0)) * 180 / kPi;
}

// [SECTION] Sources

std::vector<SourceFile> find_sources(const SourceRules& rules, const std::string& shared_portraits,
                                     std::vector<std::string>* notes) {
    std::vector<SourceFile> out;
    std::error_code ec;
    auto note = [&](std::string s) {
        if (notes) notes->push_back(std::move(s));
    };
    if (fs::is_regular_file(rules.astronaut, ec))
        out.push_back({rules.astronaut, fs::path(rules.astronaut).stem().string(), SourceKind::portrait});
    else
        note("photo source " + rules.astronaut + " is absent (install python3-skimage): skipped");

    if (shared_portraits.empty()) {
        note("no shared portraits folder given: skipped");
    } else if (!fs::is_directory(shared_portraits, ec)) {
        note("shared portraits folder " + shared_portraits + " is absent: skipped");
    } else {
        const auto files = jpgs_in(shared_portraits);
        if (files.empty()) note("shared portraits folder " + shared_portraits + " holds no *.jpg: skipped");
        for (const auto& p : files) out.push_back({p.string(), p.stem().string(), SourceKind::portrait});
    }

    if (!fs::is_directory(rules.dlib_faces, ec)) {
        note("dlib example faces " + rules.dlib_faces + " are absent (install libdlib19.1's docs): skipped");
    } else {
        for (const auto& p : jpgs_in(rules.dlib_faces)) out.push_back({p.string(), p.stem().string(), SourceKind::group});
    }
    return out;
}

// [SECTION] The usable-face rule

namespace {
// Rules 1-2: size, yaw, roll. The reason when the face fails one.
std::optional<std::string> face_precheck(const engine::Face& face, const SourceRules& rules) {
    const double W = face.face_width(), yaw = yaw_deg(face), roll = eye_line_deg(face);
    if (W < rules.min_face_px) return fmt("face %.0f px wide < %.0f", W, rules.min_face_px);
    if (std::abs(yaw) > rules.max_yaw_deg) return fmt("turned: yaw %.1f deg > %.0f", yaw, rules.max_yaw_deg);
    if (std::abs(roll) > rules.max_roll_deg) return fmt("head rolled %.1f deg > %.0f", roll, rules.max_roll_deg);
    return std::nullopt;
}
}  // namespace

FaceJudgement judge_face(const engine::Face& face, const std::vector<engine::Face>& all, cv::Rect bounds, int crown_y,
                         const SourceRules& rules, const std::vector<Seam>& seams) {
    FaceJudgement j;
    if (auto why = face_precheck(face, rules)) {
        j.reason = *why;
        return j;
    }
    const double W = face.face_width(), roll = eye_line_deg(face);
    if (crown_y < bounds.y + rules.crown_margin * W) {
        j.reason = "the crown touches the top of the photo";
        return j;
    }
    const cv::Point2d u = axis_u(roll), v = axis_v(roll);
    const cv::Point2f jaw_mid = (face.points[engine::lm::kJawLeft] + face.points[engine::lm::kJawRight]) * 0.5f;
    const cv::Point2d eyes(face.eyes_midpoint());
    // On the eye line, centred on the jaw's midpoint.
    const cv::Point2d anchor = cv::Point2d(jaw_mid) + v * (eyes - cv::Point2d(jaw_mid)).dot(v);
    // Candidate placements, best first: a window wholly inside the photo before one that needs
    // a band filled beyond its edges; the widest window; the eyes nearest eye_from_top of the
    // way down; the face nearest the centre. Room above the eyes (crown), below (chin and
    // shoulders) and beside the face centre is kept in every candidate.
    bool blocked_by_face = false, crosses_tile = false;
    for (int pass = 0; pass < 2; ++pass) {
        const double side_out = pass ? rules.max_outside_side : 0, bottom_out = pass ? rules.max_outside_bottom : 0;
        const double top_out = pass ? rules.max_outside_top : 0;
        for (double f = rules.window_width; f >= rules.min_window_width - 1e-9; f -= 0.1) {
            const double ww = f * W, wh = ww * 4 / 3;
            const double a_lo = rules.room_above * W, a_hi = wh - rules.room_below * W;
            const double x_max = ww / 2 - rules.room_side * W;
            if (a_lo > a_hi || x_max < 0) continue;
            std::vector<double> as, xs;
            const double a0 = std::clamp(rules.eye_from_top * wh, a_lo, a_hi);
            for (int k = 0; k < 40; ++k) {
                const double a = a0 + (k % 2 ? 1 : -1) * ((k + 1) / 2) * 0.02 * wh;
                if (a >= a_lo - 1e-9 && a <= a_hi + 1e-9) as.push_back(a);
            }
            for (int k = 0; k < 40; ++k) {
                const double x = (k % 2 ? 1 : -1) * ((k + 1) / 2) * 0.03 * ww;
                if (std::abs(x) <= x_max + 1e-9) xs.push_back(x);
            }
            for (double a : as)
                for (double dx : xs) {
                    Window w;
                    w.size = {ww, wh};
                    w.angle_deg = roll;
                    w.centre = anchor - u * dx + v * (wh / 2 - a);
                    const Outside o = outside(w, bounds);
                    if (o.left > side_out + 1e-9 || o.right > side_out + 1e-9 || o.top > top_out + 1e-9 ||
                        o.bottom > bottom_out + 1e-9)
                        continue;
                    if (crosses_seam(w, seams)) {
                        crosses_tile = true;
                        continue;
                    }
                    bool clash = false;
                    for (const auto& g : all) {
                        if (g.box == face.box) continue;
                        if (share_inside(w, g.box) > 1.0 / 3) {
                            clash = true;
                            break;
                        }
                    }
                    if (clash) {
                        blocked_by_face = true;
                        continue;
                    }
                    j.usable = true;
                    j.window = w;
                    return j;
                }
        }
    }
    j.reason = blocked_by_face ? fmt("no %.1f-face-wide 3:4 window clear of the neighbours' faces", rules.min_window_width)
               : crosses_tile ? fmt("every %.1f-face-wide 3:4 window with the shoulders crosses a collage tile's edge",
                                    rules.min_window_width)
                              : fmt("a %.1f-face-wide 3:4 window with the shoulders would leave the photo too far",
                                    rules.min_window_width);
    (void)roll;
    return j;
}

// [SECTION] Loading

Result<std::vector<Portrait>> load_portraits(const SourceFile& source, const engine::FaceModel& model,
                                             const SourceRules& rules, std::vector<std::string>* notes) {
    auto bytes = engine::read_file_bytes(source.path);
    if (!bytes) return bytes.error();
    auto decoded = engine::decode_image(bytes.value());
    if (!decoded) return make_error(decoded.error().code, source.path + ": " + decoded.error().message);
    cv::Mat img = decoded->alpha.empty() ? decoded->bgr : composite_on_white(decoded->bgr, decoded->alpha);
    auto image = std::make_shared<const cv::Mat>(img);

    // The detector scans windows of 80 px and more: faces under min_face_px are not needed.
    const auto faces = model.detect(*image, rules.detect_long_side, 40);
    std::vector<Portrait> out;
    if (faces.empty()) {
        if (notes) notes->push_back(source.name + ": no face found, skipped");
        return out;
    }
    if (source.kind == SourceKind::portrait) {
        const engine::Face& f = faces.front();
        // The photo has no pixels beyond its edges, and the jitter and a tilt reach a little
        // past them: a margin repeats its top row above (the wall over the head) and mirrors
        // it beside and below.
        const int pad = int(std::lround(0.15 * std::max(image->cols, image->rows)));
        cv::Mat padded;
        cv::copyMakeBorder(*image, padded, pad, pad, pad, pad, cv::BORDER_REFLECT101);
        for (int y = 0; y < pad; ++y) padded.row(pad).copyTo(padded.row(y));
        Portrait p;
        p.name = source.name;
        p.file = source.path;
        p.kind = SourceKind::portrait;
        p.image = std::make_shared<const cv::Mat>(std::move(padded));
        p.area = cv::Rect(pad, pad, image->cols, image->rows);
        p.bytes = std::make_shared<const std::vector<std::uint8_t>>(std::move(bytes.value()));
        p.face = f;
        for (auto& pt : p.face.points) pt += cv::Point2f(float(pad), float(pad));
        p.face.box.x += float(pad), p.face.box.y += float(pad);
        p.window.centre = {pad + image->cols / 2.0, pad + image->rows / 2.0};
        p.window.size = {double(image->cols), double(image->rows)};
        p.window.angle_deg = std::clamp(eye_line_deg(f), -rules.max_roll_deg, rules.max_roll_deg);
        p.out_size = {int(std::lround(p.window.size.width)), int(std::lround(p.window.size.height))};
        out.push_back(std::move(p));
        return out;
    }
    const std::vector<Seam> seams = find_seams(*image, 60), no_seams;
    const bool collage = is_collage(seams, image->size());
    if (collage && notes) notes->push_back(source.name + ": a collage: crops stay inside its tiles");
    // Rows above the photo repeat its top row (the wall over the head); the sides and the
    // bottom are mirrored by the renderer. One padded copy serves every face of the photo.
    std::shared_ptr<const cv::Mat> padded;
    const int pad = int(std::ceil(rules.max_outside_top * image->rows)) + 2;
    for (std::size_t i = 0; i < faces.size(); ++i) {
        char name[256];
        std::snprintf(name, sizeof name, "%s#%02zu", source.name.c_str(), i + 1);
        const auto skip = [&](const std::string& why) {
            if (notes) notes->push_back(std::string(name) + ": skipped, " + why);
        };
        const engine::Face& face = faces[i];
        if (auto why = face_precheck(face, rules)) {
            skip(*why);
            continue;
        }
        // The window first (cheap), then where the hair ends, as the engine finds the crown:
        // on the person matte, computed around the head only (the collage is 2000 px wide).
        const cv::Rect all_of(0, 0, image->cols, image->rows);
        const std::vector<Seam>& tile_edges = collage ? seams : no_seams;
        if (const FaceJudgement pre = judge_face(face, faces, all_of, image->rows, rules, tile_edges); !pre.usable) {
            skip(pre.reason);
            continue;
        }
        const double W = face.face_width();
        const cv::Point2f e = face.eyes_midpoint();
        const cv::Rect head = cv::Rect(int(e.x - 1.6 * W), int(e.y - 1.6 * W), int(3.2 * W), int(3.4 * W)) &
                              cv::Rect(0, 0, image->cols, image->rows);
        engine::Face in_head = face;
        for (auto& pt : in_head.points) pt -= cv::Point2f(float(head.x), float(head.y));
        in_head.box.x -= float(head.x), in_head.box.y -= float(head.y);
        const int crown_row =
            engine::find_crown_row(engine::compute_person_matte((*image)(head).clone(), in_head).alpha, in_head);
        const int crown = crown_row < 0 ? -1 : head.y + crown_row;
        const FaceJudgement j = judge_face(face, faces, all_of, crown, rules, tile_edges);
        if (!j.usable) {
            skip(j.reason);
            continue;
        }
        if (!padded) {
            cv::Mat m;
            cv::copyMakeBorder(*image, m, pad, 0, 0, 0, cv::BORDER_REPLICATE);
            padded = std::make_shared<const cv::Mat>(std::move(m));
        }
        Portrait p;
        p.name = name;
        p.file = source.path;
        p.kind = SourceKind::group;
        p.image = padded;
        p.area = cv::Rect(0, pad, image->cols, image->rows);
        p.face = face;
        for (auto& pt : p.face.points) pt.y += float(pad);
        p.face.box.y += float(pad);
        p.window = j.window;
        p.window.centre.y += pad;
        p.enlarge = W >= rules.full_face_px ? 1.0 : std::max(rules.small_enlarge, rules.small_face_target / W);
        p.out_size = {int(std::lround(j.window.size.width * p.enlarge)), int(std::lround(j.window.size.height * p.enlarge))};
        out.push_back(std::move(p));
    }
    return out;
}

}  // namespace pd::demo
