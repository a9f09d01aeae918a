// Rendering submission photos and their defects (photos.h).
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <optional>
#include <set>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "demo/demo_rng.h"
#include "demo/photos.h"
#include "engine/matte/person_matte.h"

namespace pd::demo {

namespace {

constexpr double kPi = 3.14159265358979323846;

// The chsi-2017 background, RGB(100,197,255): what "blue clothes" drift towards.
const cv::Vec3b kBackgroundBgr(255, 197, 100);

// Canvas px -> source px for a window rendered at `scale` source px per output px into an
// output of `out` px with a margin of `m` px on every side.
cv::Matx23d window_affine(const Window& w, cv::Size out, double scale, int m) {
    const double a = w.angle_deg * kPi / 180, c = std::cos(a) * scale, s = std::sin(a) * scale;
    const double qx = m + out.width / 2.0, qy = m + out.height / 2.0;
    return {c, -s, w.centre.x - (c * qx - s * qy), s, c, w.centre.y - (s * qx + c * qy)};
}

engine::Face transform_face(const engine::Face& f, const cv::Matx23d& m) {
    engine::Face out = f;
    for (auto& p : out.points)
        p = cv::Point2f(float(m(0, 0) * p.x + m(0, 1) * p.y + m(0, 2)), float(m(1, 0) * p.x + m(1, 1) * p.y + m(1, 2)));
    // The box follows its centre; its size scales with the transform.
    const double k = std::sqrt(std::abs(m(0, 0) * m(1, 1) - m(0, 1) * m(1, 0)));
    const cv::Point2f c(f.box.x + f.box.width / 2, f.box.y + f.box.height / 2);
    const cv::Point2f nc(float(m(0, 0) * c.x + m(0, 1) * c.y + m(0, 2)), float(m(1, 0) * c.x + m(1, 1) * c.y + m(1, 2)));
    out.box = cv::Rect2f(nc.x - float(f.box.width * k / 2), nc.y - float(f.box.height * k / 2), float(f.box.width * k),
                         float(f.box.height * k));
    return out;
}

engine::Face shift_face(const engine::Face& f, float dx, float dy) {
    return transform_face(f, cv::Matx23d(1, 0, dx, 0, 1, dy));
}

// Warps the window of `p` (moved/turned/zoomed as given) onto a canvas with margin m. Bicubic:
// bilinear softens a copy at its own scale enough that source_resolution read 6 of 15 clean
// items as enlarged x2 (DemoDefects.CleanItemsAtSourceScaleAreNotLowResolution).
cv::Mat render_window(const Portrait& p, const Window& w, double scale, int m, engine::Face* face) {
    const cv::Matx23d to_src = window_affine(w, p.out_size, scale, m);
    cv::Mat canvas;
    cv::warpAffine(*p.image, canvas, to_src, cv::Size(p.out_size.width + 2 * m, p.out_size.height + 2 * m),
                   cv::INTER_CUBIC | cv::WARP_INVERSE_MAP, cv::BORDER_REFLECT101);
    cv::Matx23d to_canvas;
    cv::invertAffineTransform(to_src, to_canvas);
    *face = transform_face(p.face, to_canvas);
    return canvas;
}

// sRGB <-> linear tables.
double to_linear(double c) { return c <= 0.04045 ? c / 12.92 : std::pow((c + 0.055) / 1.055, 2.4); }
double to_srgb(double l) { return l <= 0.0031308 ? l * 12.92 : 1.055 * std::pow(l, 1 / 2.4) - 0.055; }

// Multiplies each channel in linear light by gain[c] (B, G, R).
cv::Mat linear_gain(const cv::Mat& bgr, cv::Vec3d gain) {
    cv::Mat lut(1, 256, CV_8UC3);
    for (int i = 0; i < 256; ++i)
        for (int c = 0; c < 3; ++c)
            lut.at<cv::Vec3b>(0, i)[c] =
                cv::saturate_cast<uchar>(to_srgb(std::min(1.0, to_linear(i / 255.0) * gain[c])) * 255 + 0.5);
    cv::Mat out;
    cv::LUT(bgr, lut, out);
    return out;
}

// out = a * (1 - w) + b * w, w CV_32F in [0, 1].
cv::Mat blend(const cv::Mat& a, const cv::Mat& b, const cv::Mat& w) {
    cv::Mat out = a.clone();
    for (int y = 0; y < a.rows; ++y) {
        const float* wr = w.ptr<float>(y);
        const cv::Vec3b* ar = a.ptr<cv::Vec3b>(y);
        const cv::Vec3b* br = b.ptr<cv::Vec3b>(y);
        cv::Vec3b* o = out.ptr<cv::Vec3b>(y);
        for (int x = 0; x < a.cols; ++x) {
            const float k = wr[x];
            if (k <= 0.f) continue;
            for (int c = 0; c < 3; ++c) o[x][c] = cv::saturate_cast<uchar>(ar[x][c] * (1 - k) + br[x][c] * k);
        }
    }
    return out;
}

cv::Vec3f lab_of(cv::Vec3b bgr) {
    cv::Mat px(1, 1, CV_32FC3, cv::Scalar(bgr[0] / 255.0, bgr[1] / 255.0, bgr[2] / 255.0)), lab;
    cv::cvtColor(px, lab, cv::COLOR_BGR2Lab);
    return lab.at<cv::Vec3f>(0, 0);
}

// [SECTION] The defects

cv::Mat tilt(const cv::Mat& bgr, engine::Face& face, double amount, Rng& rng) {
    const double now = eye_line_deg(face);
    // Away from level in the direction the head leans already (when it visibly does).
    const double sign = std::abs(now) > 0.2 ? (now > 0 ? 1 : -1) : rng.sign();
    // getRotationMatrix2D turns counter-clockwise on screen for positive angles; a growing eye
    // angle (falling to the right) is a clockwise turn.
    const cv::Mat r = cv::getRotationMatrix2D(face.eyes_midpoint(), -sign * amount, 1.0);
    cv::Mat out;
    cv::warpAffine(bgr, out, r, bgr.size(), cv::INTER_LINEAR, cv::BORDER_REFLECT101);
    face = transform_face(face, cv::Matx23d(r));
    return out;
}

cv::Mat blur(const cv::Mat& bgr, const engine::Face& face, double amount) {
    cv::Mat out;
    cv::GaussianBlur(bgr, out, cv::Size(), std::max(0.5, amount * face.face_width() / 150.0));
    return out;
}

cv::Mat tinted_lenses(const cv::Mat& bgr, const engine::Face& face, double amount) {
    const double W = face.face_width(), roll = eye_line_deg(face);
    cv::Mat w = cv::Mat::zeros(bgr.size(), CV_32F);
    std::vector<cv::RotatedRect> lenses;
    for (int first : {engine::lm::kEyeAFirst, engine::lm::kEyeBFirst}) {
        cv::Point2f c(0, 0);
        for (int i = first; i < first + 6; ++i) c += face.points[i];
        c *= 1.0f / 6;
        const float ew = float(cv::norm(face.points[first] - face.points[first + 3]));
        lenses.emplace_back(c, cv::Size2f(2.1f * ew, 1.55f * ew), float(roll));
        cv::ellipse(w, lenses.back(), cv::Scalar(1), cv::FILLED);
    }
    cv::GaussianBlur(w, w, cv::Size(), std::max(0.6, W / 110.0));
    // Dark grey-brown lenses: the pixels keep `amount` of their light plus a little tint.
    cv::Mat dark;
    bgr.convertTo(dark, -1, amount, 0);
    dark += cv::Scalar(10, 14, 18);
    cv::Mat out = blend(bgr, dark, w);
    // A thin frame and the bridge, so that they read as glasses.
    const int t = std::max(1, int(std::lround(W / 90.0)));
    const cv::Scalar frame(28, 30, 34);
    for (const auto& l : lenses) cv::ellipse(out, l, frame, t, cv::LINE_AA);
    const cv::Point2f a = lenses[0].center + cv::Point2f(lenses[0].size.width / 2, 0),
                      b = lenses[1].center - cv::Point2f(lenses[1].size.width / 2, 0);
    cv::line(out, a, b, frame, t, cv::LINE_AA);
    return out;
}

cv::Mat blue_clothes(const cv::Mat& bgr, const engine::Face& face, double amount) {
    const engine::PersonMatte matte = engine::compute_person_matte(bgr, face);
    const double W = face.face_width();
    cv::Mat f, lab;
    bgr.convertTo(f, CV_32FC3, 1 / 255.0);
    cv::cvtColor(f, lab, cv::COLOR_BGR2Lab);

    // The skin's colour, sampled on the cheeks (the neck and a V-neck keep it), and the
    // hair's, above the brows (long hair over the shoulders keeps it).
    const auto sample = [&](std::initializer_list<cv::Point2f> at) {
        cv::Vec3f sum(0, 0, 0);
        int n = 0;
        for (const cv::Point2f& c : at) {
            const cv::Point p(int(c.x), int(c.y));
            if (p.x < 0 || p.y < 0 || p.x >= lab.cols || p.y >= lab.rows || matte.alpha.at<float>(p) < 0.5f) continue;
            sum += lab.at<cv::Vec3f>(p), ++n;
        }
        return n ? std::optional<cv::Vec3f>(sum * (1.f / float(n))) : std::nullopt;
    };
    const cv::Point2f nose = face.points[engine::lm::kNoseTip], up(0, float(0.6 * W));
    const auto skin = sample({face.points[2] * 0.6f + nose * 0.4f, face.points[3] * 0.6f + nose * 0.4f,
                              face.points[13] * 0.6f + nose * 0.4f, face.points[14] * 0.6f + nose * 0.4f});
    const auto hair = sample({face.points[19] - up, face.points[24] - up, (face.points[19] + face.points[24]) * 0.5f - up});
    const auto unlike = [](const std::optional<cv::Vec3f>& ref, const cv::Vec3f& v, float near, float ramp) {
        return ref ? std::clamp((float(cv::norm(v - *ref)) - near) / ramp, 0.f, 1.f) : 1.f;
    };

    // Clothing: the person matte below the chin, not skin, and not hair when the hair differs
    // from the clothes (dark hair over a dark suit is left to the suit).
    const double top = face.points[engine::lm::kChin].y + 0.05 * W, ramp = std::max(2.0, 0.1 * W);
    // The clothes' colour at the middle of the chest (long hair frames the sides).
    const double cx = (face.points[engine::lm::kJawLeft].x + face.points[engine::lm::kJawRight].x) / 2.0;
    const double chin_y = face.points[engine::lm::kChin].y;
    std::vector<cv::Vec3f> chest;
    for (int y = std::max(0, int(chin_y + 0.5 * W)); y < std::min(lab.rows, int(chin_y + 1.2 * W)); y += 2)
        for (int x = std::max(0, int(cx - 0.4 * W)); x < std::min(lab.cols, int(cx + 0.4 * W)); x += 2)
            if (matte.alpha.at<float>(y, x) > 0.7f) chest.push_back(lab.at<cv::Vec3f>(y, x));
    std::optional<cv::Vec3f> clothes;
    if (!chest.empty()) {
        cv::Vec3f m(0, 0, 0);
        for (int c = 0; c < 3; ++c) {
            std::vector<float> v;
            for (const auto& b : chest) v.push_back(b[c]);
            std::nth_element(v.begin(), v.begin() + long(v.size() / 2), v.end());
            m[c] = v[v.size() / 2];
        }
        clothes = m;
    }
    // The hair: pixels of the person like the hair's colour, in pieces that reach above the
    // eyes (the head's hair and what falls from it over the shoulders; a dark jacket does not
    // reach that high).
    cv::Mat hair_mask = cv::Mat::zeros(bgr.size(), CV_32F);
    if (hair && clothes && cv::norm(*hair - *clothes) > 25) {
        cv::Mat like(bgr.size(), CV_8U);
        for (int y = 0; y < lab.rows; ++y)
            for (int x = 0; x < lab.cols; ++x)
                like.at<uchar>(y, x) = matte.alpha.at<float>(y, x) > 0.5f && cv::norm(lab.at<cv::Vec3f>(y, x) - *hair) < 25;
        cv::Mat labels;
        const int n = cv::connectedComponents(like, labels, 8, CV_32S);
        std::vector<char> is_hair(std::size_t(n), 0);
        const int eyes = std::clamp(int(face.eyes_midpoint().y), 0, lab.rows);
        for (int y = 0; y < eyes; ++y)
            for (int x = 0; x < lab.cols; ++x)
                if (const int k = labels.at<int>(y, x); k > 0) is_hair[std::size_t(k)] = 1;
        for (int y = 0; y < lab.rows; ++y)
            for (int x = 0; x < lab.cols; ++x)
                if (is_hair[std::size_t(labels.at<int>(y, x))] && labels.at<int>(y, x) > 0) hair_mask.at<float>(y, x) = 1;
        cv::dilate(hair_mask, hair_mask, cv::Mat(), cv::Point(-1, -1), 2);
    }
    cv::Mat w(bgr.size(), CV_32F);
    for (int y = 0; y < bgr.rows; ++y) {
        const float down = float(std::clamp((y - top) / ramp, 0.0, 1.0));
        const float* a = matte.alpha.ptr<float>(y);
        const float* h = hair_mask.ptr<float>(y);
        const cv::Vec3f* l = lab.ptr<cv::Vec3f>(y);
        float* o = w.ptr<float>(y);
        for (int x = 0; x < bgr.cols; ++x)
            o[x] = down * unlike(skin, l[x], 12, 8) * (1 - h[x]) * std::clamp((a[x] - 0.3f) / 0.4f, 0.f, 1.f);
    }
    // Only what is joined to the chest: specks of wall the matte took for the person stay.
    {
        cv::Mat on = w > 0.3f, labels;
        cv::connectedComponents(on, labels, 8, CV_32S);
        std::set<int> chest_parts;
        for (int y = std::max(0, int(chin_y + 0.5 * W)); y < std::min(lab.rows, int(chin_y + 1.2 * W)); ++y)
            for (int x = std::max(0, int(cx - 0.5 * W)); x < std::min(lab.cols, int(cx + 0.5 * W)); ++x)
                if (const int k = labels.at<int>(y, x); k > 0) chest_parts.insert(k);
        for (int y = 0; y < w.rows; ++y)
            for (int x = 0; x < w.cols; ++x)
                if (!chest_parts.count(labels.at<int>(y, x))) w.at<float>(y, x) = 0;
    }
    cv::GaussianBlur(w, w, cv::Size(), std::max(0.8, W / 100.0));

    // Towards the background's hue and lightness, the clothing's folds kept at 25 %.
    const cv::Vec3f bg = lab_of(kBackgroundBgr);
    double sum = 0, n = 0;
    for (int y = 0; y < lab.rows; ++y)
        for (int x = 0; x < lab.cols; ++x)
            if (w.at<float>(y, x) > 0.5f) sum += lab.at<cv::Vec3f>(y, x)[0], ++n;
    const float mean_l = n > 0 ? float(sum / n) : 50.f;
    for (int y = 0; y < lab.rows; ++y)
        for (int x = 0; x < lab.cols; ++x) {
            const float k = w.at<float>(y, x) * float(amount);
            if (k <= 0.f) continue;
            cv::Vec3f& v = lab.at<cv::Vec3f>(y, x);
            const cv::Vec3f target(std::clamp(bg[0] + (v[0] - mean_l) * 0.25f, 0.f, 100.f), bg[1], bg[2]);
            v = v * (1 - k) + target * k;
        }
    cv::cvtColor(lab, f, cv::COLOR_Lab2BGR);
    cv::Mat out;
    f.convertTo(out, CV_8UC3, 255);
    return out;
}

// The pasted face's width: `amount` of the student's, and at least what the engine's HOG
// detector (80 px windows on a copy `detect_long_side` long) can see.
double paste_width(cv::Size image, double student_width, double amount, int detect_long_side) {
    const double det_scale = std::min(1.0, double(detect_long_side) / std::max(image.width, image.height));
    return std::max(amount * student_width, 92.0 / det_scale);
}

// Free columns beside the head (0.8 face widths either side of the face centre).
std::pair<double, double> side_room(cv::Size image, const engine::Face& face) {
    const double W = face.face_width();
    const double cx = (face.points[engine::lm::kJawLeft].x + face.points[engine::lm::kJawRight].x) / 2.0;
    return {cx - 0.8 * W, image.width - (cx + 0.8 * W)};
}

cv::Mat second_face(const cv::Mat& bgr, const engine::Face& face, double amount, const DonorFace& donor,
                    int detect_long_side) {
    const double W = face.face_width();
    const double pw = std::min(paste_width(bgr.size(), W, amount, detect_long_side), 0.92 * W);
    // The donor's head: 1.7 face widths wide, from above the hair to below the chin.
    const engine::Face& d = donor.face;
    const double dw = d.face_width();
    const cv::Point2f dc = (d.points[engine::lm::kJawLeft] + d.points[engine::lm::kJawRight]) * 0.5f;
    const double dey = d.eyes_midpoint().y;
    const cv::Rect want(int(dc.x - 0.85 * dw), int(dey - 1.05 * dw), int(1.7 * dw), int(2.3 * dw));
    const cv::Rect from = want & cv::Rect(0, 0, donor.bgr.cols, donor.bgr.rows);
    if (from.width < 8 || from.height < 8) return bgr.clone();
    const double k = pw / dw;
    cv::Mat head;
    cv::resize(donor.bgr(from), head, cv::Size(), k, k, k < 1 ? cv::INTER_AREA : cv::INTER_LINEAR);
    // Where the donor's eyes land in `head`.
    const cv::Point2d eyes_in_head((dc.x - from.x) * k, (dey - from.y) * k);

    // Beside the head on the roomier side, the eyes a little above the student's.
    const auto [left, right] = side_room(bgr.size(), face);
    const double ey = std::max(face.eyes_midpoint().y - 0.25 * W, 1.1 * pw);
    const double ex = left >= right ? std::max(0.55 * pw, left / 2) : bgr.cols - std::max(0.55 * pw, right / 2);
    const cv::Point origin(int(std::lround(ex - eyes_in_head.x)), int(std::lround(ey - eyes_in_head.y)));

    // A feathered ellipse: a person behind, not a pasted rectangle.
    cv::Mat mask = cv::Mat::zeros(head.size(), CV_32F);
    cv::ellipse(mask, cv::Point(head.cols / 2, int(head.rows * 0.47)), cv::Size(int(head.cols * 0.46), int(head.rows * 0.48)),
                0, 0, 360, cv::Scalar(1), cv::FILLED);
    cv::GaussianBlur(mask, mask, cv::Size(), std::max(1.0, head.cols * 0.05));

    cv::Mat out = bgr.clone();
    const cv::Rect dst = cv::Rect(origin, head.size()) & cv::Rect(0, 0, out.cols, out.rows);
    if (dst.empty()) return out;
    const cv::Rect src(dst.x - origin.x, dst.y - origin.y, dst.width, dst.height);
    cv::Mat region = out(dst);
    blend(region, head(src), mask(src)).copyTo(region);
    return out;
}

cv::Mat dark_border(const cv::Mat& bgr, engine::Face& face, double amount, Rng& rng) {
    const int b = std::max(3, int(std::lround(amount * bgr.cols)));
    const int v = 4 + rng.index(9);  // near-black, a little above 0 as padding apps write it
    // Two styles: a frame all round, or bars left and right (a screenshot of a portrait).
    const bool frame = rng.chance(0.6);
    const int tb = frame ? b : 0;
    cv::Mat out;
    cv::copyMakeBorder(bgr, out, tb, tb, b, b, cv::BORDER_CONSTANT, cv::Scalar(v, v, v));
    face = shift_face(face, float(b), float(tb));
    return out;
}

}  // namespace

// [SECTION] apply_defect

cv::Mat apply_defect(const cv::Mat& bgr, engine::Face& face, Defect defect, double amount, std::uint64_t seed,
                     const DonorFace* donor, int engine_detect_long_side) {
    Rng rng(seed);
    switch (defect) {
        case Defect::clean: return bgr.clone();
        case Defect::tilt: return tilt(bgr, face, amount, rng);
        case Defect::blur: return blur(bgr, face, amount);
        case Defect::dark: return linear_gain(bgr, cv::Vec3d::all(std::pow(2.0, -amount)));
        case Defect::blue_clothes: return blue_clothes(bgr, face, amount);
        case Defect::tinted_lenses: return tinted_lenses(bgr, face, amount);
        case Defect::second_face:
            return donor ? second_face(bgr, face, amount, *donor, engine_detect_long_side) : bgr.clone();
        case Defect::low_resolution: {
            cv::Mat small, out;
            cv::resize(bgr, small, cv::Size(), 1 / amount, 1 / amount, cv::INTER_AREA);
            cv::resize(small, out, bgr.size(), 0, 0, cv::INTER_LINEAR);
            return out;
        }
        case Defect::dark_border: return dark_border(bgr, face, amount, rng);
    }
    return bgr.clone();
}

// [SECTION] Portrait renders

DonorFace render_base(const Portrait& p) {
    DonorFace d;
    d.bgr = render_window(p, p.window, 1.0 / p.enlarge, 0, &d.face);
    return d;
}

bool has_room_for_second_face(const Portrait& p, const DemoConfig& config, int engine_detect_long_side) {
    if (p.small()) return false;
    cv::Matx23d to_canvas;
    cv::invertAffineTransform(window_affine(p.window, p.out_size, 1.0, 0), to_canvas);
    const engine::Face f = transform_face(p.face, to_canvas);
    const double W = f.face_width();
    // The pasted face must stay clearly smaller than the student's: the engine takes the
    // widest face for the student.
    const double pw = paste_width(p.out_size, W, config.defect(Defect::second_face).amount.max, engine_detect_long_side);
    if (pw > 0.92 * W) return false;
    const auto [left, right] = side_room(p.out_size, f);
    return std::max(left, right) >= 1.1 * pw;
}

Result<Photo> make_photo(const std::vector<Portrait>& portraits, const PhotoSpec& spec, const DemoConfig& config,
                         bool keep_pixels, int engine_detect_long_side) {
    if (spec.portrait < 0 || spec.portrait >= int(portraits.size()))
        return make_error(ErrorCode::InvalidArgument, "make_photo: portrait index out of range");
    const Portrait& p = portraits[spec.portrait];
    Photo photo;

    if (spec.original_bytes && p.bytes && spec.defect == Defect::clean) {
        photo.bytes = *p.bytes;
        photo.extension = std::filesystem::path(p.file).extension().string();
        photo.original = true;
        if (keep_pixels) {
            photo.bgr = (*p.image)(p.area).clone();
            photo.face = shift_face(p.face, float(-p.area.x), float(-p.area.y));
        }
        return photo;
    }
    if (spec.defect == Defect::second_face && (spec.donor < 0 || spec.donor >= int(portraits.size())))
        return make_error(ErrorCode::InvalidArgument, "make_photo: second_face needs a donor portrait");

    // [jitter] Drawn in a fixed order, so one seed always gives the same photo.
    const JitterConfig& j = config.jitter;
    Rng rng(spec.seed);
    const double dx = rng.uniform(-j.shift, j.shift);
    double dy = rng.uniform(-j.shift, j.shift);
    double zoom = 1 + rng.uniform(-j.zoom, j.zoom);
    const double roll = rng.uniform(-j.roll_deg, j.roll_deg);
    const double ev = rng.uniform(-j.ev, j.ev);
    const double wb_b = 1 + rng.uniform(-j.white_balance, j.white_balance);
    const double wb_r = 1 + rng.uniform(-j.white_balance, j.white_balance);
    const int quality = j.quality_min + rng.index(std::size_t(j.quality_max - j.quality_min + 1));
    const domain::Range range = config.defect(spec.defect).amount;
    const double amount = spec.defect == Defect::clean ? 0 : rng.uniform(range.min, range.max);
    const std::uint64_t defect_seed = rng.next();

    // A whole photo's crown may sit a few pixels under its top: its window only moves up and
    // grows (into the filled margin), never cuts into the hair.
    const bool whole = p.kind == SourceKind::portrait;
    Window w = p.window;
    if (whole) dy = -std::abs(dy), zoom = 1 + std::abs(zoom - 1);
    const double a = w.angle_deg * kPi / 180;
    const cv::Point2d u(std::cos(a), std::sin(a)), v(-std::sin(a), std::cos(a));
    w.centre += u * (dx * w.size.width) + v * (dy * w.size.height);
    w.angle_deg += roll;

    // A margin of real source pixels around the window, for rotation and blur.
    const int m = int(std::lround(0.12 * std::max(p.out_size.width, p.out_size.height)));
    engine::Face face;
    cv::Mat canvas = render_window(p, w, zoom / p.enlarge, m, &face);
    const double g = std::pow(2.0, ev);
    canvas = linear_gain(canvas, {g * wb_b, g, g * wb_r});

    // Defects of the whole scene on the canvas; those placed by the photo's edges (a pasted
    // face beside the head, a border) on the final frame.
    const bool on_frame = spec.defect == Defect::second_face || spec.defect == Defect::dark_border;
    // A small face's enlargement is its low resolution already.
    const bool inherent = p.small() && spec.defect == Defect::low_resolution;
    if (!on_frame && !inherent) canvas = apply_defect(canvas, face, spec.defect, amount, defect_seed);
    cv::Mat out = canvas(cv::Rect(m, m, p.out_size.width, p.out_size.height)).clone();
    face = shift_face(face, float(-m), float(-m));
    if (on_frame) {
        DonorFace donor;
        if (spec.defect == Defect::second_face) donor = render_base(portraits[spec.donor]);
        out = apply_defect(out, face, spec.defect, amount, defect_seed, &donor, engine_detect_long_side);
    }

    std::vector<uchar> buf;
    cv::imencode(".jpg", out, buf, {cv::IMWRITE_JPEG_QUALITY, quality});
    photo.bytes.assign(buf.begin(), buf.end());
    photo.extension = ".jpg";
    photo.amount = inherent ? p.enlarge : amount;
    if (keep_pixels) {
        photo.bgr = out;
        photo.face = face;
    }
    return photo;
}

}  // namespace pd::demo
