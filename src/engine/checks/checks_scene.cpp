// [SECTION] Scene checks: the wall in the original, the new background, other people,
// clothing (its colour, patterns, bare shoulders), dark borders, the source's backdrop and the matte.
#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include <opencv2/imgproc.hpp>

#include "engine/checks/checks_impl.h"
#include "engine/color/colour.h"

namespace pd::engine::checks {

namespace {
const char* kNoPhoto = "no spec photo was produced";
}

struct BackgroundUniformityParams {
    double warn_delta_e, fail_delta_e;  // p95 of the wall's distance from a smooth wall model
    static BackgroundUniformityParams read(ParamReader& in) {
        return {.warn_delta_e = in.number("warn_delta_e"), .fail_delta_e = in.number("fail_delta_e")};
    }
};

static void background_uniformity(const CheckContext& c, const BackgroundUniformityParams& p, CheckResult& r) {
    r.unit = "dE";
    r.threshold = "warn > " + fmt_num(p.warn_delta_e) + ", fail > " + fmt_num(p.fail_delta_e);
    if (!c.has_face) return not_assessable(r, "no face found, so the wall cannot be told from the person");
    const PersonMatte& m = c.in.source.matte;
    // The 95th percentile distance of the wall samples from a smooth wall model: objects,
    // shadows and clutter stand out; an even gradient does not (it is reported separately).
    r.value = m.wall_residual_p95;
    r.verdict = grade_high(r.value, p.warn_delta_e, p.fail_delta_e);
    r.detail = "wall residual p95 " + fmt_num(m.wall_residual_p95) + " dE, gradient " + fmt_num(m.wall_gradient) +
               " dE across the frame, from " + std::to_string(m.wall_samples) + " samples";
    r.geometry.space = Space::Original;
    // Map: how far each background pixel is from the wall model (x8 per dE), at the matte's
    // small size (the overlay stretches it over the working image).
    if (!m.wall_distance.empty()) {
        m.wall_distance.convertTo(r.geometry.map, CV_8U, 8.0);
        if (c.overview_alpha.size() == r.geometry.map.size()) r.geometry.map.setTo(0, c.overview_alpha > 0.1f);
    }
}

struct BackgroundColourParams {
    double tolerance_delta_e;  // over the profile's max_delta_e by up to this: warn
    static BackgroundColourParams read(ParamReader& in) { return {.tolerance_delta_e = in.number("tolerance_delta_e")}; }
};

static void background_colour(const CheckContext& c, const BackgroundColourParams& p, CheckResult& r) {
    r.unit = "dE2000";
    const double limit = c.in.spec.background_max_delta_e;
    r.threshold = "<= " + fmt_num(limit);
    if (!c.has_photo) return not_assessable(r, kNoPhoto);
    const cv::Mat& bgr = c.in.photo->bgr;
    const cv::Mat& alpha = c.in.photo->alpha;
    const cv::Vec3d target = rgb_to_lab(c.in.spec.background);
    // The frame's top and side borders (4 px), where the matte says background.
    std::vector<double> de;
    const int b = 4;
    for (int y = 0; y < bgr.rows; y += 2) {
        for (int x = 0; x < bgr.cols; x += 2) {
            const bool border = y < b || x < b || x >= bgr.cols - b;
            if (!border || alpha.at<float>(y, x) > 0.05f) continue;
            const cv::Vec3b px = bgr.at<cv::Vec3b>(y, x);
            de.push_back(delta_e2000(bgr_to_lab(cv::Vec3d(px[0], px[1], px[2])), target));
        }
    }
    if (de.size() < 20) return not_assessable(r, "the person covers the borders: no background to measure");
    std::sort(de.begin(), de.end());
    r.value = de[size_t(0.95 * double(de.size() - 1))];
    r.verdict = grade_band(r.value, 0, limit, p.tolerance_delta_e);
    r.detail = "95th percentile dE2000 of border background pixels to RGB(" + std::to_string(c.in.spec.background.r) +
               "," + std::to_string(c.in.spec.background.g) + "," + std::to_string(c.in.spec.background.b) + ")";
    r.geometry.rects.emplace_back(0, 0, float(bgr.cols), float(b));
    r.geometry.rects.emplace_back(0, 0, float(b), float(bgr.rows));
    r.geometry.rects.emplace_back(float(bgr.cols - b), 0, float(b), float(bgr.rows));
}

struct OtherFacesParams {
    double min_size_ratio;  // of the subject's face width: smaller faces are ignored
    double min_score;       // HOG confidence (a face the cascade also found counts below it)
    static OtherFacesParams read(ParamReader& in) {
        return {.min_size_ratio = in.number("min_size_ratio"), .min_score = in.number("min_score")};
    }
};

static void other_faces(const CheckContext& c, const OtherFacesParams& p, CheckResult& r) {
    r.unit = "faces";
    r.threshold = "no other face >= " + fmt_num(100 * p.min_size_ratio, 0) + " % of the subject's width";
    r.geometry.space = Space::Original;
    const auto& faces = c.in.source.faces;
    if (faces.empty()) {
        r.verdict = Verdict::Fail;
        r.reason = "wrong_person";
        r.detail = "no face found at all";
        return;
    }
    const double min_w = p.min_size_ratio * faces.front().face_width();
    int others = 0;
    std::string scores;
    for (size_t i = 1; i < faces.size(); ++i) {
        // A cascade face has no HOG score: the cascade's own threshold (min_neighbours in
        // engine.toml) already kept it.
        // A HOG face under min_score counts when the cascade found it too (two detectors that
        // work differently rarely agree on a badge or a print).
        const bool cascade = faces[i].source == FaceSource::Cascade || faces[i].cascade_agrees;
        if (faces[i].face_width() >= min_w && (cascade || faces[i].score >= p.min_score)) {
            ++others;
            r.geometry.rects.push_back(faces[i].box);
            const bool hog = faces[i].source != FaceSource::Cascade;
            scores += (scores.empty() ? "" : ", ") + (hog ? fmt_num(faces[i].score, 2) : std::string("cascade")) +
                      (hog && faces[i].cascade_agrees ? " with the cascade agreeing" : "");
        }
    }
    r.value = others;
    r.verdict = others > 0 ? Verdict::Fail : Verdict::Pass;
    r.detail = others ? std::to_string(others) + " other face(s) besides the student (detector confidence " + scores + ")"
                      : "only the student";
    r.geometry.rects.insert(r.geometry.rects.begin(), faces.front().box);
}

struct BlueClothingParams {
    double max_delta_e;               // dE76 from the background colour: melts into the wall
    double min_chroma, min_l;         // blue only above these C* and L*
    double hue_min_deg, hue_max_deg;  // Lab hue band that is blue
    double warn_percent, fail_percent;
    static BlueClothingParams read(ParamReader& in) {
        return {.max_delta_e = in.number("max_delta_e"),
                .min_chroma = in.number("min_chroma"),
                .min_l = in.number("min_l"),
                .hue_min_deg = in.number("hue_min_deg"),
                .hue_max_deg = in.number("hue_max_deg"),
                .warn_percent = in.number("warn_percent"),
                .fail_percent = in.number("fail_percent")};
    }
};

static void blue_clothing(const CheckContext& c, const BlueClothingParams& p, CheckResult& r) {
    r.unit = "%";
    const double min_c = p.min_chroma, min_l = p.min_l;
    const double h0 = p.hue_min_deg, h1 = p.hue_max_deg;
    r.threshold = "share of clothing within dE " + fmt_num(p.max_delta_e, 0) + " of the background or blue (hue " +
                  fmt_num(h0, 0) + "-" + fmt_num(h1, 0) + " deg, C* >= " + fmt_num(min_c, 0) + ", L* >= " + fmt_num(min_l, 0) +
                  "): warn > " + fmt_num(p.warn_percent, 0) + ", fail > " + fmt_num(p.fail_percent, 0);
    if (!c.has_face) return not_assessable(r, "no face found, so the clothing cannot be located");
    // On the spec photo when there is one (its Lab copy is already made); otherwise on the
    // source, at half size: the clothes are the student's either way.
    cv::Mat lab, clothing;
    cv::Rect band;  // source rows below the neck, when judged on the source
    if (c.has_photo) {
        lab = c.lab;
        clothing = c.clothing_mask;
    } else {
        const SourceAnalysis& a = c.in.source;
        const Face& f = a.subject();
        // Below the neck, and beside the neck from the chin down: a tight press crop often
        // ends at the chin with the shoulders of a garment in the bottom corners.
        const int chin = std::clamp(int(f.points[lm::kChin].y), 0, a.working.rows);
        const int neck = std::clamp(int(f.points[lm::kChin].y + 0.35 * f.face_width()), chin, a.working.rows);
        if (chin >= a.working.rows - 1) return not_assessable(r, "the photo ends at the chin: no clothing in the frame");
        band = cv::Rect(0, chin, a.working.cols, a.working.rows - chin);
        cv::Mat small, f32, alpha;
        cv::resize(a.working(band), small, cv::Size(std::max(1, band.width / 2), std::max(1, band.height / 2)), 0, 0, cv::INTER_AREA);
        small.convertTo(f32, CV_32FC3, 1.0 / 255.0);
        cv::cvtColor(f32, lab, cv::COLOR_BGR2Lab);
        cv::resize(a.matte.alpha(band), alpha, small.size(), 0, 0, cv::INTER_AREA);
        clothing = alpha > 0.9f;
        // The neck (and a beard) between the jaw's ends is not clothing.
        const float sx = float(small.cols) / float(band.width), sy = float(small.rows) / float(band.height);
        const int x0 = std::clamp(int(f.points[lm::kJawLeft].x * sx), 0, small.cols);
        const int x1 = std::clamp(int(f.points[lm::kJawRight].x * sx) + 1, x0, small.cols);
        const int y1 = std::clamp(int((neck - chin) * sy), 0, small.rows);
        clothing(cv::Rect(x0, 0, x1 - x0, y1)).setTo(0);
    }
    const int n = cv::countNonZero(clothing);
    if (n < 200) return not_assessable(r, "too little clothing in the frame");
    const cv::Vec3d bg = rgb_to_lab(c.in.spec.background);
    const double limit2 = p.max_delta_e * p.max_delta_e;
    r.geometry.space = c.has_photo ? Space::Standardized : Space::Original;
    cv::Mat map = cv::Mat::zeros(lab.size(), CV_8U);
    int close = 0;
    for (int y = 0; y < lab.rows; ++y) {
        const auto* L = lab.ptr<cv::Vec3f>(y);
        const uchar* m = clothing.ptr<uchar>(y);
        uchar* out = map.ptr<uchar>(y);
        for (int x = 0; x < lab.cols; ++x) {
            if (!m[x]) continue;
            // dE76 in Lab: close enough at this scale and 30x cheaper than dE2000 per pixel.
            const double d2 = (L[x][0] - bg[0]) * (L[x][0] - bg[0]) + (L[x][1] - bg[1]) * (L[x][1] - bg[1]) +
                              (L[x][2] - bg[2]) * (L[x][2] - bg[2]);
            // Blue of any shade (the catalogue asks for no blue at all): a hue band, above a
            // chroma floor and a lightness floor so black and charcoal suits, which are often
            // faintly bluish, do not count.
            const double chroma = std::hypot(double(L[x][1]), double(L[x][2]));
            bool blue = false;
            if (chroma >= min_c && L[x][0] >= min_l) {
                double hue = std::atan2(double(L[x][2]), double(L[x][1])) * 180.0 / CV_PI;
                if (hue < 0) hue += 360.0;
                blue = hue >= h0 && hue <= h1;
            }
            if (d2 < limit2 || blue) {
                ++close;
                out[x] = 255;
            }
        }
    }
    if (c.has_photo) {
        r.geometry.map = map;
    } else {
        // Back to the working image's coordinates.
        r.geometry.map = cv::Mat::zeros(c.in.source.working.size(), CV_8U);
        cv::Mat up;
        cv::resize(map, up, band.size(), 0, 0, cv::INTER_NEAREST);
        up.copyTo(r.geometry.map(band));
    }
    r.value = 100.0 * close / n;
    r.verdict = grade_high(r.value, p.warn_percent, p.fail_percent);
    r.detail = "clothing pixels that are blue or melt into the background colour";
}

struct PatternedClothingParams {
    double face_px;          // the garment is judged at the scale where the face is this wide
    double edge_threshold;   // Sobel magnitude (grey levels) that counts as a strong edge
    double cell_face_widths; // side of a cell, in face widths
    double min_cover;        // share of a cell that must be garment for the cell to count
    int min_cells;           // fewer whole cells: too little clothing to judge
    double warn_percent, fail_percent;
    static PatternedClothingParams read(ParamReader& in) {
        return {.face_px = in.number("face_px"),
                .edge_threshold = in.number("edge_threshold"),
                .cell_face_widths = in.number("cell_face_widths"),
                .min_cover = in.number("min_cover"),
                .min_cells = in.whole("min_cells"),
                .warn_percent = in.number("warn_percent"),
                .fail_percent = in.number("fail_percent")};
    }
};

// The garment at the judging scale, cut into cells, and each whole cell's share of
// strong-edge pixels.
struct GarmentCells {
    std::vector<double> busy;  // % strong-edge pixels per cell
    cv::Mat edges;             // at the judging scale
    cv::Rect band;             // the rows judged, in the photo's (or the working image's) px
    cv::Size full;             // the photo's (or the working image's) size
    bool on_photo = false;
};

static GarmentCells garment_cells(cv::Mat grey, cv::Mat garment, const PatternedClothingParams& p) {
    GarmentCells g;
    if (grey.empty()) return g;
    // Away from the garment's outline, which is an edge on any garment.
    cv::erode(garment, garment, cv::getStructuringElement(cv::MORPH_RECT, {7, 7}));
    cv::Mat gx, gy, mag;
    cv::Sobel(grey, gx, CV_32F, 1, 0, 3);
    cv::Sobel(grey, gy, CV_32F, 0, 1, 3);
    cv::magnitude(gx, gy, mag);
    g.edges = (mag > p.edge_threshold) & garment;
    const int cell = std::max(4, int(std::lround(p.cell_face_widths * p.face_px)));
    for (int y = 0; y + cell <= grey.rows; y += cell)
        for (int x = 0; x + cell <= grey.cols; x += cell) {
            const cv::Rect rc(x, y, cell, cell);
            const int in = cv::countNonZero(garment(rc));
            if (in < p.min_cover * cell * cell) continue;
            g.busy.push_back(100.0 * cv::countNonZero(g.edges(rc)) / in);
        }
    return g;
}

// On the spec photo: its clothing mask (person below the neck).
static GarmentCells photo_garment_cells(const CheckContext& c, const PatternedClothingParams& p) {
    const int neck_y = std::clamp(int(c.face.points[lm::kChin].y + 0.35f * c.fw), 0, c.grey.rows);
    if (neck_y >= c.grey.rows - 1) return {};
    const cv::Rect band(0, neck_y, c.grey.cols, c.grey.rows - neck_y);
    const double k = p.face_px / std::max(1.0f, c.fw);
    cv::Mat grey, garment;
    cv::resize(c.grey(band), grey, cv::Size(), k, k, k < 1 ? cv::INTER_AREA : cv::INTER_LINEAR);
    cv::resize(c.clothing_mask(band), garment, grey.size(), 0, 0, cv::INTER_NEAREST);
    GarmentCells g = garment_cells(grey, garment, p);
    g.band = band;
    g.full = c.grey.size();
    g.on_photo = true;
    return g;
}

// On the source, as blue_clothing judges it there: person below the neck, and beside the neck
// from the chin down (a tight press crop's shoulders are in its bottom corners).
static GarmentCells source_garment_cells(const CheckContext& c, const PatternedClothingParams& p) {
    const SourceAnalysis& a = c.in.source;
    const Face& f = a.subject();
    const int chin = std::clamp(int(f.points[lm::kChin].y), 0, a.working.rows);
    const int neck = std::clamp(int(f.points[lm::kChin].y + 0.35 * f.face_width()), chin, a.working.rows);
    if (chin >= a.working.rows - 1 || a.matte.alpha.size() != a.working.size()) return {};
    const cv::Rect band(0, chin, a.working.cols, a.working.rows - chin);
    const double k = p.face_px / std::max(1.0, f.face_width());
    cv::Mat grey, alpha;
    cv::resize(c.work_grey(band), grey, cv::Size(), k, k, k < 1 ? cv::INTER_AREA : cv::INTER_LINEAR);
    cv::resize(a.matte.alpha(band), alpha, grey.size(), 0, 0, cv::INTER_LINEAR);
    cv::Mat garment = alpha > 0.9f;
    // The neck (and a beard) between the jaw's ends is not clothing.
    const int x0 = std::clamp(int(f.points[lm::kJawLeft].x * k), 0, grey.cols);
    const int x1 = std::clamp(int(f.points[lm::kJawRight].x * k) + 1, x0, grey.cols);
    const int y1 = std::clamp(int((neck - chin) * k), 0, grey.rows);
    garment(cv::Rect(x0, 0, x1 - x0, y1)).setTo(0);
    GarmentCells g = garment_cells(grey, garment, p);
    g.band = band;
    g.full = a.working.size();
    return g;
}

// A pattern covers the whole garment; a plain garment's strong edges (lapels, a collar on a
// dark suit, a tie, a badge, folds) lie along a few lines. So the garment is cut into cells
// about a pattern repeat wide, each cell's share of strong-edge pixels is measured, and the
// value is the median cell's: half the garment is at least that busy. It is judged at a fixed
// face width, so a stripe counts the same on a spec photo and on a press crop's source.
static void patterned_clothing(const CheckContext& c, const PatternedClothingParams& p, CheckResult& r) {
    r.unit = "%";
    r.threshold = "strong edges in the median cell of the garment: warn > " + fmt_num(p.warn_percent, 0) + ", fail > " +
                  fmt_num(p.fail_percent, 0);
    if (!c.has_face) return not_assessable(r, "no face found, so the clothing cannot be located");
    // Judged on the spec photo; when its frame shows too little garment (a tight crop ends
    // just below the chin), on the source, whose garment is the same one.
    GarmentCells g;
    if (c.has_photo) g = photo_garment_cells(c, p);
    if (!c.has_photo || g.busy.size() < std::size_t(p.min_cells)) g = source_garment_cells(c, p);
    if (g.busy.size() < std::size_t(p.min_cells)) return not_assessable(r, "too little clothing in the frame");
    std::nth_element(g.busy.begin(), g.busy.begin() + g.busy.size() / 2, g.busy.end());
    r.value = g.busy[g.busy.size() / 2];
    r.verdict = grade_high(r.value, p.warn_percent, p.fail_percent);
    r.detail = "strong edges (stripes, checks, prints) in the median of " + std::to_string(g.busy.size()) +
               " patches of the garment" + (g.on_photo ? "" : " (judged on the source: the spec photo shows too little)");
    r.geometry.space = g.on_photo ? Space::Standardized : Space::Original;
    r.geometry.map = cv::Mat::zeros(g.full, CV_8U);
    cv::Mat up;
    cv::resize(g.edges, up, g.band.size(), 0, 0, cv::INTER_NEAREST);
    up.copyTo(r.geometry.map(g.band));
}

struct BareShouldersParams {
    double shoulder_below_chin;   // shoulder zones start this far below the chin (face widths)
    double shoulder_beside_axis;  // ... and this far either side of the face's centre line
    double chest_below_chin;      // the chest zone: below the neck's base ...
    double chest_half_width;      // ... this far either side of the centre line
    double zone_depth;            // every zone ends this far below the chin (what a spec frame shows)
    double skin_hue_deg;          // hue (a*b* angle) within this of the face's own skin ...
    double skin_chroma_min, skin_chroma_max;  // ... and chroma within these ratios of the face's
    double skin_l_below, skin_l_above;  // L* range around the face's skin (shade on a shoulder)
    double min_skin_chroma;       // a face with less colour (black and white) gives no hue to match
    int min_px;                   // fewer person pixels in a zone: the zone is not judged
    double warn_percent, fail_percent;
    static BareShouldersParams read(ParamReader& in) {
        return {.shoulder_below_chin = in.number("shoulder_below_chin"),
                .shoulder_beside_axis = in.number("shoulder_beside_axis"),
                .chest_below_chin = in.number("chest_below_chin"),
                .chest_half_width = in.number("chest_half_width"),
                .zone_depth = in.number("zone_depth"),
                .skin_hue_deg = in.number("skin_hue_deg"),
                .skin_chroma_min = in.number("skin_chroma_min"),
                .skin_chroma_max = in.number("skin_chroma_max"),
                .skin_l_below = in.number("skin_l_below"),
                .skin_l_above = in.number("skin_l_above"),
                .min_skin_chroma = in.number("min_skin_chroma"),
                .min_px = in.whole("min_px"),
                .warn_percent = in.number("warn_percent"),
                .fail_percent = in.number("fail_percent")};
    }
};

// Sleeveless or low-cut tops (the spec asks for a collared top): bare skin where a garment
// should be. The face's own skin is the colour model, so the measure does not depend on the
// student's skin tone; the zones follow the face: the shoulders beside the neck, and the chest
// below the neck's base, down to what a spec frame shows. The value is the barer zone's share
// of skin among its person pixels. Judged on the spec photo, else on the source's overview.
static void bare_shoulders(const CheckContext& c, const BareShouldersParams& p, CheckResult& r) {
    r.unit = "%";
    r.threshold = "bare skin in the shoulders or below the neck: warn > " + fmt_num(p.warn_percent, 0) + ", fail > " +
                  fmt_num(p.fail_percent, 0);
    if (!c.has_face_view) return not_assessable(r, "no face found, so the shoulders cannot be located");
    // The face's skin: median L*, a*, b* of the skin mask (eyes, brows, mouth left out).
    std::vector<float> ls, as, bs;
    for (int y = 0; y < c.lab.rows; ++y) {
        const auto* px = c.lab.ptr<cv::Vec3f>(y);
        const uchar* m = c.skin_mask.ptr<uchar>(y);
        for (int x = 0; x < c.lab.cols; ++x)
            if (m[x]) ls.push_back(px[x][0]), as.push_back(px[x][1]), bs.push_back(px[x][2]);
    }
    if (ls.size() < 100) return not_assessable(r, "too little of the face's skin to compare with");
    auto median = [](std::vector<float>& v) {
        std::nth_element(v.begin(), v.begin() + v.size() / 2, v.end());
        return v[v.size() / 2];
    };
    const float skin_l = median(ls), skin_a = median(as), skin_b = median(bs);
    if (std::hypot(skin_a, skin_b) < p.min_skin_chroma)
        return not_assessable(r, "the face's skin has no colour to match (a black-and-white or tinted photo)");

    // Where to look: the spec photo, or the source's overview (320 px long) without one.
    cv::Mat lab, person;
    Face face;
    float fw;
    if (c.has_photo) {
        lab = c.lab;
        person = c.in.photo->alpha > 0.9f;
        face = c.face;
        fw = c.fw;
        r.geometry.space = Space::Standardized;
    } else {
        if (c.overview_lab.empty()) return not_assessable(r, kNoPhoto);
        lab = c.overview_lab;
        person = c.overview_alpha > 0.9f;
        face = c.in.source.subject();
        for (auto& q : face.points) q *= float(c.overview_scale);
        fw = float(face.face_width());
        r.geometry.space = Space::Original;
    }
    const cv::Point2f chin = face.points[lm::kChin];
    const float axis = (face.points[lm::kJawLeft].x + face.points[lm::kJawRight].x) / 2;
    const int bottom = std::clamp(int(chin.y + p.zone_depth * fw), 0, lab.rows);
    const int sh_top = std::clamp(int(chin.y + p.shoulder_below_chin * fw), 0, bottom);
    const int ch_top = std::clamp(int(chin.y + p.chest_below_chin * fw), 0, bottom);
    const float sh_off = float(p.shoulder_beside_axis) * fw, ch_half = float(p.chest_half_width) * fw;
    // Skin is told from a cream or beige garment by its hue and its chroma together: a pale
    // garment's chroma is well under the face's, a tan one's hue is yellower.
    // Per pixel without trigonometry: chroma squared against the bounds squared, and the hue
    // angle through the dot product of (a*, b*) with the skin's (cos dh >= cos of the limit).
    const double skin_c = std::hypot(double(skin_a), double(skin_b));
    const double c_lo2 = std::pow(p.skin_chroma_min * skin_c, 2), c_hi2 = std::pow(p.skin_chroma_max * skin_c, 2);
    const double cos_max = std::cos(p.skin_hue_deg * CV_PI / 180.0);
    // Zones: 0 the image-left shoulder, 1 the image-right one, 2 the chest; person and skin pixels in each.
    int n[3] = {0, 0, 0}, skin[3] = {0, 0, 0};
    cv::Mat map = cv::Mat::zeros(lab.size(), CV_8U);
    for (int y = sh_top; y < bottom; ++y) {
        const auto* px = lab.ptr<cv::Vec3f>(y);
        const uchar* m = person.ptr<uchar>(y);
        uchar* out = map.ptr<uchar>(y);
        for (int x = 0; x < lab.cols; ++x) {
            if (!m[x]) continue;
            const float dx = float(x) - axis;
            int zone = dx <= -sh_off ? 0 : dx >= sh_off ? 1 : (y >= ch_top && std::abs(dx) <= ch_half) ? 2 : -1;
            if (zone < 0) continue;
            ++n[zone];
            const double dl = px[x][0] - skin_l;
            if (dl < -p.skin_l_below || dl > p.skin_l_above) continue;
            const double a = px[x][1], b = px[x][2], c2 = a * a + b * b;
            if (c2 < c_lo2 || c2 > c_hi2) continue;
            if (a * skin_a + b * skin_b >= cos_max * std::sqrt(c2) * skin_c) {
                ++skin[zone];
                out[x] = 255;
            }
        }
    }
    static const char* kZone[] = {"the image-left shoulder", "the image-right shoulder", "the chest below the neck"};
    int worst = -1;
    double worst_pct = 0;
    for (int z = 0; z < 3; ++z) {
        if (n[z] < p.min_px) continue;
        const double pct = 100.0 * skin[z] / n[z];
        if (worst < 0 || pct > worst_pct) worst = z, worst_pct = pct;
    }
    if (worst < 0) return not_assessable(r, "too little of the shoulders in the frame");
    r.value = worst_pct;
    r.verdict = grade_high(r.value, p.warn_percent, p.fail_percent);
    r.detail = std::string("skin-coloured share of ") + kZone[worst] + " (" + std::to_string(n[worst]) +
               " px; the face's skin L* " + fmt_num(skin_l, 0) + ", a* " + fmt_num(skin_a, 0) + ", b* " + fmt_num(skin_b, 0) + ")";
    if (c.has_photo) {
        r.geometry.map = map;
    } else {
        cv::resize(map, r.geometry.map, c.in.source.working.size(), 0, 0, cv::INTER_NEAREST);
    }
}

struct BlackBorderParams {
    double max_l;         // L* at or below which an edge line counts as black
    int min_px;           // a band this wide (working image px) fails
    double flat_levels;   // grey levels around a line's median that count as flat
    double flat_percent;  // share of a line that must be flat
    double step_levels;   // rise in grey level where a band ends
    static BlackBorderParams read(ParamReader& in) {
        return {.max_l = in.number("max_l"),
                .min_px = in.whole("min_px"),
                .flat_levels = in.number("flat_levels"),
                .flat_percent = in.number("flat_percent"),
                .step_levels = in.number("step_levels")};
    }
};

static void black_border(const CheckContext& c, const BlackBorderParams& p, CheckResult& r) {
    r.unit = "px";
    r.threshold = "dark band of >= " + fmt_num(p.min_px, 0) + " px at an edge";
    r.geometry.space = Space::Original;
    const cv::Mat& g = c.work_grey;
    if (g.empty()) return not_assessable(r, "no image");
    // Luma that counts as black (0..255 scale, from L* in config).
    // L* -> relative luminance -> sRGB-encoded grey level.
    const double max_l = p.max_l;
    const double lin = std::pow((max_l + 16.0) / 116.0, 3.0);
    const double max_y = 255.0 * (lin <= 0.0031308 ? 12.92 * lin : 1.055 * std::pow(lin, 1 / 2.4) - 0.055);
    // A border a tool adds is one flat colour: nearly every pixel of each line sits within a few
    // levels of the line's median, and every line of the band has the same median. A dark
    // backdrop or dark clothes along an edge carry sensor noise, vignetting and folds.
    const double tol = p.flat_levels;
    const double min_share = p.flat_percent / 100.0;
    const auto line_median = [](const cv::Mat& line) {
        std::vector<uchar> v;
        v.reserve(line.total());
        for (int i = 0; i < line.rows; ++i)
            for (int j = 0; j < line.cols; ++j) v.push_back(line.at<uchar>(i, j));
        std::nth_element(v.begin(), v.begin() + v.size() / 2, v.end());
        return double(v[v.size() / 2]);
    };
    const auto flat_share = [&](const cv::Mat& line, double med) {
        int n = 0, flat = 0;
        for (int i = 0; i < line.rows; ++i)
            for (int j = 0; j < line.cols; ++j) {
                ++n;
                flat += std::abs(line.at<uchar>(i, j) - med) <= tol;
            }
        return n ? double(flat) / n : 0.0;
    };
    const auto band = [&](bool rows, bool from_end) {
        const int n = rows ? g.rows : g.cols;
        const int cap = n / 4;
        int k = 0;
        double first = -1;
        while (k < cap) {
            const int i = from_end ? n - 1 - k : k;
            const cv::Mat line = rows ? g.row(i) : g.col(i);
            const double med = line_median(line);
            if (med > max_y || flat_share(line, med) < min_share) break;
            if (first < 0) first = med;
            if (std::abs(med - first) > tol) break;  // getting lighter inwards: a backdrop, not a band
            ++k;
        }
        // Dark all the way to the cap: a dark backdrop or garment, not a band of constant width.
        if (k == 0 || k >= cap) return 0;
        // A band ends in a step: a line or two further in, the photo starts. A backdrop ends
        // where hair or a shoulder breaks it up, and the line beyond is still backdrop.
        const double last = line_median(rows ? g.row(from_end ? n - k : k - 1) : g.col(from_end ? n - k : k - 1));
        double step = 0;
        for (int d = 0; d < 2 && k + d < n; ++d) {
            const int i = from_end ? n - 1 - k - d : k + d;
            step = std::max(step, std::abs(line_median(rows ? g.row(i) : g.col(i)) - last));
        }
        return step >= p.step_levels ? k : 0;
    };
    const int top = band(true, false), bottom = band(true, true), left = band(false, false), right = band(false, true);
    r.value = std::max({top, bottom, left, right});
    r.verdict = r.value >= p.min_px ? Verdict::Fail : Verdict::Pass;
    r.detail = "dark bands top " + std::to_string(top) + ", bottom " + std::to_string(bottom) + ", left " +
               std::to_string(left) + ", right " + std::to_string(right) + " px";
    const float W = float(g.cols), H = float(g.rows);
    if (top) r.geometry.rects.emplace_back(0.f, 0.f, W, float(top));
    if (bottom) r.geometry.rects.emplace_back(0.f, H - bottom, W, float(bottom));
    if (left) r.geometry.rects.emplace_back(0.f, 0.f, float(left), H);
    if (right) r.geometry.rects.emplace_back(W - right, 0.f, float(right), H);
}

// [SECTION] The source's backdrop and the matte (issue 8): the notice asks for a white wall,
// and the matte is only trustworthy in front of one.

namespace {

// The subject's face in the scene view's coordinates (check_context.h).
struct SceneFace {
    float fw = 0, cx = 0, eyes_y = 0, chin_y = 0;
};

SceneFace scene_face(const CheckContext& c) {
    const Face& f = c.in.source.subject();
    const float s = float(c.scene_scale);
    const cv::Point2f eyes = f.eyes_midpoint() * s;
    return {float(f.face_width()) * s, eyes.x, eyes.y, f.points[lm::kChin].y * s};
}

// Where the person (hair, shoulders, arms) could be: a head ellipse and a widening torso, as
// the matte's own envelope but narrower below the shoulders so that a head-and-shoulders crop
// keeps some backdrop. What is left is backdrop whatever the matte says about the person.
cv::Mat person_region(cv::Size size, const SceneFace& g) {
    cv::Mat region(size, CV_8U, cv::Scalar(0));
    const float fw = g.fw, cx = g.cx;
    cv::ellipse(region, cv::RotatedRect(cv::Point2f(cx, g.eyes_y - 0.1f * fw), cv::Size2f(2.3f * fw, 3.1f * fw), 0),
                cv::Scalar(255), cv::FILLED);
    const float top = g.chin_y - 0.3f * fw, mid = g.chin_y + 1.2f * fw, h = float(size.height + 1);
    const std::vector<cv::Point> torso = {
        {int(cx - 1.0f * fw), int(top)}, {int(cx + 1.0f * fw), int(top)}, {int(cx + 2.6f * fw), int(mid)},
        {int(cx + 2.6f * fw), int(h)},   {int(cx - 2.6f * fw), int(h)},   {int(cx - 2.6f * fw), int(mid)}};
    cv::fillConvexPoly(region, torso, cv::Scalar(255));
    return region;
}

// The worst of several graded measures: its verdict, value and unit become the result's.
struct Graded {
    Verdict verdict;
    double value;
    const char* unit;
    const char* what;
};

int severity(Verdict v) { return v == Verdict::Fail ? 2 : v == Verdict::Warn ? 1 : 0; }

void report_worst(const std::vector<Graded>& measures, CheckResult& r) {
    const Graded* worst = &measures.front();
    for (const Graded& m : measures)
        if (severity(m.verdict) > severity(worst->verdict)) worst = &m;
    r.verdict = worst->verdict;
    r.value = worst->value;
    r.unit = worst->unit;
    std::string why;
    for (const Graded& m : measures) {
        if (m.verdict == Verdict::Pass) continue;
        why += (why.empty() ? "" : ", ") + std::string(m.what);
    }
    r.detail = (why.empty() ? std::string("plain: ") : why + ": ") + r.detail;
}

}  // namespace

struct SourceBackgroundParams {
    double edge_delta_e;  // Lab gradient (dE per px at the scene's size) that counts as an edge
    double warn_l, fail_l;  // median L* of the backdrop below these: dark
    double warn_chroma, fail_chroma;  // median chroma above these: coloured
    double warn_texture_percent, fail_texture_percent;  // share of the backdrop on an edge
    static SourceBackgroundParams read(ParamReader& in) {
        return {.edge_delta_e = in.number("edge_delta_e"),
                .warn_l = in.number("warn_l"),
                .fail_l = in.number("fail_l"),
                .warn_chroma = in.number("warn_chroma"),
                .fail_chroma = in.number("fail_chroma"),
                .warn_texture_percent = in.number("warn_texture_percent"),
                .fail_texture_percent = in.number("fail_texture_percent")};
    }
};

static void source_background(const CheckContext& c, const SourceBackgroundParams& p, CheckResult& r) {
    r.threshold = "median L* warn < " + fmt_num(p.warn_l, 0) + ", fail < " + fmt_num(p.fail_l, 0) +
                  "; median chroma warn > " + fmt_num(p.warn_chroma, 0) + ", fail > " + fmt_num(p.fail_chroma, 0) +
                  "; textured share warn > " + fmt_num(p.warn_texture_percent, 0) + " %, fail > " +
                  fmt_num(p.fail_texture_percent, 0) + " %";
    r.geometry.space = Space::Original;
    if (!c.has_face) return not_assessable(r, "no face found, so the backdrop cannot be told from the person");
    if (c.scene_lab.empty()) return not_assessable(r, "no matte");
    const SceneFace g = scene_face(c);
    // Backdrop: outside the matte and outside a generous head-and-torso region, kept two
    // pixels off both so that the person's own edge is not counted as texture. A tight
    // head-and-shoulders crop leaves little outside that region: then the matte alone says
    // what is backdrop (matte_quality says whether it can be trusted).
    const auto backdrop_mask = [&](bool with_region) {
        cv::Mat m = c.scene_alpha < 0.05f;
        if (with_region) m.setTo(0, person_region(m.size(), g));
        cv::erode(m, m, cv::getStructuringElement(cv::MORPH_RECT, {5, 5}), {-1, -1}, 1, cv::BORDER_CONSTANT,
                  cv::Scalar(255));
        return m;
    };
    const int min_n = std::max(100, int(0.015 * c.scene_alpha.total()));
    cv::Mat backdrop = backdrop_mask(true);
    bool matte_only = false;
    if (cv::countNonZero(backdrop) < min_n) {
        backdrop = backdrop_mask(false);
        matte_only = true;
    }
    const int n = cv::countNonZero(backdrop);
    if (n < min_n) return not_assessable(r, "the person fills the frame: too little backdrop to judge");

    // Lightness and colourfulness of the backdrop, and the share of it crossed by edges
    // (patterns, folds, furniture): none of them looks at the person, so skin tone and
    // clothing do not enter.
    cv::Mat L = channel(c.scene_lab, 0), chroma;
    cv::Mat a = channel(c.scene_lab, 1), b = channel(c.scene_lab, 2);
    cv::magnitude(a, b, chroma);
    const double median_l = masked_percentile(L, backdrop, 0.5);
    const double median_chroma = masked_percentile(chroma, backdrop, 0.5);
    const cv::Mat edges = (c.scene_edges > p.edge_delta_e) & backdrop;
    const double textured = 100.0 * cv::countNonZero(edges) / n;

    r.detail = "backdrop median L* " + fmt_num(median_l) + ", chroma " + fmt_num(median_chroma) + ", " +
               fmt_num(textured) + " % textured, over " + fmt_num(100.0 * n / double(backdrop.total()), 0) +
               " % of the frame" + (matte_only ? " (tight crop: outside the matte only)" : "");
    report_worst({{grade_low(median_l, p.warn_l, p.fail_l), median_l, "L*", "dark backdrop"},
                  {grade_high(median_chroma, p.warn_chroma, p.fail_chroma), median_chroma, "chroma",
                   "coloured backdrop"},
                  {grade_high(textured, p.warn_texture_percent, p.fail_texture_percent), textured, "%",
                   "textured or patterned backdrop"}},
                 r);
    // Map: the backdrop judged (dim), its edges (bright).
    cv::Mat map(backdrop.size(), CV_8U, cv::Scalar(0));
    map.setTo(64, backdrop);
    map.setTo(255, edges);
    r.geometry.map = map;  // scene size: the overlay stretches it
}

struct MatteQualityParams {
    double edge_delta_e;  // as source_background's
    double warn_face_percent, fail_face_percent;    // of the face and forehead that is person
    double warn_torso_percent, fail_torso_percent;  // of the neck and chest that is person
    double warn_hole_percent, fail_hole_percent;    // holes, as a share of the person
    double warn_edge_percent, fail_edge_percent;    // of the matte's edge on an image edge
    double crown_half_width, crown_height;          // the dome above the brows, in face widths
    double warn_crown_percent, fail_crown_percent;  // of the dome (in the frame) that is person
    static MatteQualityParams read(ParamReader& in) {
        return {.edge_delta_e = in.number("edge_delta_e"),
                .warn_face_percent = in.number("warn_face_percent"),
                .fail_face_percent = in.number("fail_face_percent"),
                .warn_torso_percent = in.number("warn_torso_percent"),
                .fail_torso_percent = in.number("fail_torso_percent"),
                .warn_hole_percent = in.number("warn_hole_percent"),
                .fail_hole_percent = in.number("fail_hole_percent"),
                .warn_edge_percent = in.number("warn_edge_percent"),
                .fail_edge_percent = in.number("fail_edge_percent"),
                .crown_half_width = in.number("crown_half_width"),
                .crown_height = in.number("crown_height"),
                .warn_crown_percent = in.number("warn_crown_percent"),
                .fail_crown_percent = in.number("fail_crown_percent")};
    }
};

static void matte_quality(const CheckContext& c, const MatteQualityParams& p, CheckResult& r) {
    r.threshold = "face and forehead person warn < " + fmt_num(p.warn_face_percent, 0) + " %, fail < " +
                  fmt_num(p.fail_face_percent, 0) + " %; crown person warn < " + fmt_num(p.warn_crown_percent, 0) +
                  " %, fail < " + fmt_num(p.fail_crown_percent, 0) + " %; torso person warn < " + fmt_num(p.warn_torso_percent, 0) +
                  " %, fail < " + fmt_num(p.fail_torso_percent, 0) + " %; holes warn > " +
                  fmt_num(p.warn_hole_percent) + " %, fail > " + fmt_num(p.fail_hole_percent) +
                  " %; edge on an image edge warn < " + fmt_num(p.warn_edge_percent, 0) + " %, fail < " +
                  fmt_num(p.fail_edge_percent, 0) + " %";
    r.geometry.space = Space::Original;
    if (!c.has_face) return not_assessable(r, "no face found, so there is no matte");
    if (c.scene_alpha.empty()) return not_assessable(r, "no matte");
    const SceneFace g = scene_face(c);
    const cv::Mat person = c.scene_alpha > 0.5f;
    const cv::Size sz = person.size();
    const float fw = g.fw;
    cv::Mat map(sz, CV_8U, cv::Scalar(0));

    // 1. The landmark hull (jaw and brows) and a band of forehead above the brows (skin or
    // hair on every head) must be person throughout.
    const Face& f = c.in.source.subject();
    const float s = float(c.scene_scale);
    std::vector<cv::Point> outline, hull;
    for (int i = 0; i <= lm::kBrowLast; ++i) outline.emplace_back(cv::Point(f.points[i] * s));
    const float lift = 0.3f * fw;
    for (int i = lm::kBrowFirst + 1; i < lm::kBrowLast; ++i)
        outline.emplace_back(cv::Point(f.points[i] * s - cv::Point2f(0, lift)));
    cv::convexHull(outline, hull);
    cv::Mat face(sz, CV_8U, cv::Scalar(0));
    cv::fillConvexPoly(face, hull, cv::Scalar(255));
    const int face_n = std::max(1, cv::countNonZero(face));
    const double face_pct = 100.0 * cv::countNonZero(face & person) / face_n;
    map.setTo(255, face & ~person);

    // 2. The crown: a half ellipse standing on the brows' line, square to the eye line,
    // inside the skull of any head (the brows to the top of the skull are ~0.8 face widths, the
    // skull ~1.1 wide), so it is hair or scalp whatever the hairstyle: a matte that cuts the top
    // of the head or hair lying flat on it (dark hair on a dark backdrop) leaves blue there in
    // the spec photo. Only the part inside the frame counts; a press crop cuts the crown off.
    const cv::Point2f ea = f.eye_centre_a() * s, eb = f.eye_centre_b() * s;
    const float tilt_deg = float(std::atan2(eb.y - ea.y, eb.x - ea.x) * 180.0 / CV_PI);
    cv::Point2f brows(0, 0);
    for (int i = lm::kBrowFirst; i <= lm::kBrowLast; ++i) brows += f.points[i] * s;
    brows *= 1.0f / float(lm::kBrowLast - lm::kBrowFirst + 1);
    cv::Mat crown(sz, CV_8U, cv::Scalar(0));
    const cv::Size axes(std::max(1, int(std::lround(p.crown_half_width * fw))), std::max(1, int(std::lround(p.crown_height * fw))));
    // Angles run clockwise in image coordinates from the rotated x axis: 180..360 is the upper half.
    cv::ellipse(crown, cv::Point(brows), axes, tilt_deg, 180, 360, cv::Scalar(255), cv::FILLED);
    const int crown_in_frame = cv::countNonZero(crown);
    const double crown_full = 0.5 * CV_PI * axes.width * axes.height;
    const bool crown_seen = crown_in_frame >= 0.3 * crown_full;
    const double crown_pct = crown_seen ? 100.0 * cv::countNonZero(crown & person) / crown_in_frame : 100.0;
    if (crown_seen) map.setTo(255, crown & ~person);

    // 3. Neck and chest: below the chin, a neck no wider than the slenderest (0.6 face widths:
    // a bare neck is 0.65-0.85 of the jaw's width), then the chest widening between the
    // shoulders, is person in any head-and-shoulders photo (hair falling over it is person too).
    // A wider neck band (it was 0.8 face widths) takes the backdrop beside a bare neck for
    // torso the matte lost.
    cv::Mat torso(sz, CV_8U, cv::Scalar(0));
    const float t0 = g.chin_y + 0.35f * fw, t1 = std::min(float(sz.height), g.chin_y + 1.4f * fw);
    const float shoulders = std::min(t1, g.chin_y + 0.7f * fw);
    double torso_pct = 100;
    bool torso_seen = t1 - t0 >= 0.25f * fw;
    if (torso_seen) {
        // Below the neck the chest widens a pixel each side per pixel down (to 1 face width each
        // side at 1.4 face widths below the chin), or less where the frame ends sooner.
        const float half_at_t1 = 0.3f * fw + std::max(0.0f, t1 - shoulders);
        const std::vector<cv::Point> trap = {{int(g.cx - 0.3f * fw), int(t0)},       {int(g.cx + 0.3f * fw), int(t0)},
                                             {int(g.cx + 0.3f * fw), int(shoulders)}, {int(g.cx + half_at_t1), int(t1)},
                                             {int(g.cx - half_at_t1), int(t1)},       {int(g.cx - 0.3f * fw), int(shoulders)}};
        cv::fillConvexPoly(torso, trap, cv::Scalar(255));
        const int torso_n = cv::countNonZero(torso);
        torso_seen = torso_n > 20;
        if (torso_seen) torso_pct = 100.0 * cv::countNonZero(torso & person) / torso_n;
        map.setTo(255, torso & ~person);
    }

    // 4. Holes and bites: background enclosed by the person, plus what a closing of a
    // quarter face width adds, as a share of the person. A clean silhouette gains only its
    // concave corners.
    const int k = std::max(3, int(0.25f * fw) | 1);
    cv::Mat closed, holes;
    cv::morphologyEx(person, closed, cv::MORPH_CLOSE, cv::getStructuringElement(cv::MORPH_ELLIPSE, {k, k}), {-1, -1}, 1,
                     cv::BORDER_REPLICATE);
    cv::Mat outside = ~person;  // background reachable from the frame's edges: 128
    for (int x = 0; x < sz.width; ++x)
        for (int y : {0, sz.height - 1})
            if (outside.at<uchar>(y, x) == 255) cv::floodFill(outside, cv::Point(x, y), cv::Scalar(128));
    for (int y = 0; y < sz.height; ++y)
        for (int x : {0, sz.width - 1})
            if (outside.at<uchar>(y, x) == 255) cv::floodFill(outside, cv::Point(x, y), cv::Scalar(128));
    holes = (closed & ~person) | (outside == 255);
    const double hole_pct = 100.0 * cv::countNonZero(holes) / std::max(1, cv::countNonZero(person));
    map.setTo(160, holes);

    // 5. The matte's edge should run along an edge of the image (the person against the
    // wall); a cut through plain clothing or a plain wall has none. The frame's own border
    // is no edge of the matte.
    cv::Mat eroded, boundary, strong;
    cv::erode(person, eroded, cv::Mat(), {-1, -1}, 1, cv::BORDER_REPLICATE);
    boundary = person & ~eroded;
    const cv::Rect inner(2, 2, std::max(0, sz.width - 4), std::max(0, sz.height - 4));
    cv::Mat inside(sz, CV_8U, cv::Scalar(0));
    inside(inner).setTo(255);
    boundary &= inside;
    // The image edge may sit a pixel either side of the matte's.
    cv::dilate(c.scene_edges > p.edge_delta_e, strong, cv::Mat());
    const int boundary_n = cv::countNonZero(boundary);
    const double edge_pct = boundary_n ? 100.0 * cv::countNonZero(boundary & strong) / boundary_n : 100.0;
    map.setTo(96, boundary & ~strong);

    r.detail = "face and forehead " + fmt_num(face_pct, 0) + " % person, crown " +
               (crown_seen ? fmt_num(crown_pct, 0) + " % person" : std::string("not in the frame")) + ", torso " +
               (torso_seen ? fmt_num(torso_pct, 0) + " % person" : std::string("not in the frame")) + ", holes " +
               fmt_num(hole_pct) + " % of the person, edge on an image edge " + fmt_num(edge_pct, 0) + " %" +
               (c.in.source.matte.used_grabcut ? " (GrabCut matte)" : "");
    report_worst({{grade_low(face_pct, p.warn_face_percent, p.fail_face_percent), face_pct, "% face",
                   "face or forehead taken for background"},
                  {grade_low(crown_pct, p.warn_crown_percent, p.fail_crown_percent), crown_pct, "% crown",
                   "top of the head taken for background"},
                  {grade_low(torso_pct, p.warn_torso_percent, p.fail_torso_percent), torso_pct, "% torso",
                   "torso taken for background"},
                  {grade_high(hole_pct, p.warn_hole_percent, p.fail_hole_percent), hole_pct, "% holes",
                   "holes in the person"},
                  {grade_low(edge_pct, p.warn_edge_percent, p.fail_edge_percent), edge_pct, "% edge",
                   "matte edge not on an image edge"}},
                 r);
    r.geometry.map = map;  // scene size: the overlay stretches it
}

// [SECTION] Setup

CheckRun setup_background_uniformity(ParamReader& in) {
    return bind_params(background_uniformity, BackgroundUniformityParams::read(in));
}
CheckRun setup_background_colour(ParamReader& in) {
    return bind_params(background_colour, BackgroundColourParams::read(in));
}
CheckRun setup_other_faces(ParamReader& in) { return bind_params(other_faces, OtherFacesParams::read(in)); }
CheckRun setup_blue_clothing(ParamReader& in) { return bind_params(blue_clothing, BlueClothingParams::read(in)); }
CheckRun setup_patterned_clothing(ParamReader& in) {
    return bind_params(patterned_clothing, PatternedClothingParams::read(in));
}
CheckRun setup_bare_shoulders(ParamReader& in) { return bind_params(bare_shoulders, BareShouldersParams::read(in)); }
CheckRun setup_black_border(ParamReader& in) { return bind_params(black_border, BlackBorderParams::read(in)); }
CheckRun setup_source_background(ParamReader& in) {
    return bind_params(source_background, SourceBackgroundParams::read(in));
}
CheckRun setup_matte_quality(ParamReader& in) { return bind_params(matte_quality, MatteQualityParams::read(in)); }

}  // namespace pd::engine::checks
