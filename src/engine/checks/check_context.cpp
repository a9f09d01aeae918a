#include "engine/checks/check_context.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include <opencv2/imgproc.hpp>

namespace pd::engine {

cv::Rect clamp_rect(const cv::Rect& r, const cv::Size& s) { return r & cv::Rect(0, 0, s.width, s.height); }

cv::Mat channel(const cv::Mat& m, int c) {
    cv::Mat out;
    cv::extractChannel(m, out, c);
    return out;
}

double masked_percentile(const cv::Mat& values_32f, const cv::Mat& mask, double p) {
    CV_Assert(values_32f.type() == CV_32FC1);
    std::vector<float> v;
    v.reserve(size_t(cv::countNonZero(mask)));
    for (int y = 0; y < values_32f.rows; ++y) {
        const float* a = values_32f.ptr<float>(y);
        const uchar* m = mask.ptr<uchar>(y);
        for (int x = 0; x < values_32f.cols; ++x)
            if (m[x]) v.push_back(a[x]);
    }
    if (v.empty()) return 0;
    const size_t k = std::min(v.size() - 1, size_t(p * double(v.size() - 1)));
    std::nth_element(v.begin(), v.begin() + long(k), v.end());
    return v[k];
}

static std::vector<cv::Point> pts(const Face& f, int first, int last) {
    std::vector<cv::Point> out;
    for (int i = first; i <= last; ++i) out.emplace_back(cv::Point(f.points[i]));
    return out;
}

Face face_in_output(const Face& f, const CropPlan& crop) {
    Face o = f;
    const auto map = [&](cv::Point2f p) {
        return cv::Point2f(float((p.x - crop.x) * crop.scale), float((p.y - crop.y) * crop.scale));
    };
    for (auto& p : o.points) p = map(p);
    const cv::Point2f tl = map(f.box.tl());
    o.box = cv::Rect2f(tl.x, tl.y, float(f.box.width * crop.scale), float(f.box.height * crop.scale));
    return o;
}

FaceMasks make_face_masks(const Face& f, cv::Size sz) {
    FaceMasks m;
    const float fw = float(f.face_width());
    std::vector<cv::Point> outline = pts(f, 0, lm::kBrowLast), hull;
    cv::convexHull(outline, hull);
    m.face = cv::Mat::zeros(sz, CV_8U);
    cv::fillConvexPoly(m.face, hull, cv::Scalar(255));

    // Eyes and brows, generously: where lenses and frames would sit.
    m.eyes = cv::Mat::zeros(sz, CV_8U);
    cv::Rect eyes_all;
    for (int e = 0; e < 2; ++e) {
        const int a = e == 0 ? lm::kEyeAFirst : lm::kEyeBFirst;
        const cv::Rect r = cv::boundingRect(pts(f, a, a + 5));
        const int grow_x = int(r.width * 0.45), grow_y = int(r.width * 0.5);
        const cv::Rect lens = clamp_rect(cv::Rect(r.x - grow_x, r.y - grow_y, r.width + 2 * grow_x,
                                                  r.height + 2 * grow_y), sz);
        m.eyes(lens).setTo(255);
        eyes_all |= lens;
    }
    m.eye_box = clamp_rect(eyes_all | cv::boundingRect(pts(f, lm::kBrowFirst, lm::kBrowLast)), sz);

    // Skin: face without eyes, brows, nostrils and mouth.
    m.skin = m.face.clone();
    m.skin.setTo(0, m.eyes);
    cv::Rect br = clamp_rect(cv::boundingRect(pts(f, lm::kBrowFirst, lm::kBrowLast)), sz);
    br.height += int(0.04 * fw);
    m.skin(clamp_rect(br, sz)).setTo(0);
    std::vector<cv::Point> mouth = pts(f, lm::kMouthLeft, 59), mouth_hull;
    cv::convexHull(mouth, mouth_hull);
    cv::fillConvexPoly(m.skin, mouth_hull, cv::Scalar(0));
    m.skin(clamp_rect(cv::boundingRect(pts(f, 31, 35)), sz)).setTo(0);
    // Keep off the face outline (hair, background) by a margin that scales with the face.
    const int k = std::max(3, int(0.03 * fw) | 1);
    const cv::Rect hull_box = clamp_rect(cv::boundingRect(hull), sz);
    const cv::Rect roi = clamp_rect(cv::Rect(hull_box.x - k, hull_box.y - k, hull_box.width + 2 * k, hull_box.height + 2 * k), sz);
    if (roi.area() > 0) {
        cv::Mat eroded;
        cv::erode(m.skin(roi), eroded, cv::getStructuringElement(cv::MORPH_ELLIPSE, {k, k}));
        eroded.copyTo(m.skin(roi));
    }
    return m;
}

// The matte already made the small copy (area average, Lab); only its alpha is shrunk here.
static void make_overview(const SourceAnalysis& a, CheckContext& c) {
    const PersonMatte& m = a.matte;
    c.overview_scale = m.wall_scale;
    c.overview_lab = m.small_lab;
    if (m.small_lab.size() == m.alpha.size()) c.overview_alpha = m.alpha;
    else cv::resize(m.alpha, c.overview_alpha, m.small_lab.size(), 0, 0, cv::INTER_AREA);
}

static void make_scene_view(const SourceAnalysis& a, CheckContext& c) {
    const cv::Mat& w = a.working;
    const double fw = std::max(1.0, a.subject().face_width());
    c.scene_scale = std::min({1.0, CheckContext::kSceneFaceWidth / fw, 320.0 / std::max(w.cols, w.rows)});
    const cv::Size sz(std::max(1, int(std::lround(w.cols * c.scene_scale))),
                      std::max(1, int(std::lround(w.rows * c.scene_scale))));
    // Shrunk from the overview rather than from the working image: nearly the same area
    // average, without a second pass over the large image.
    if (sz == c.overview_lab.size()) {
        c.scene_lab = c.overview_lab;
        c.scene_alpha = c.overview_alpha;
    } else {
        cv::Mat small, f32;
        cv::resize(a.matte.small_bgr, small, sz, 0, 0, cv::INTER_AREA);
        small.convertTo(f32, CV_32FC3, 1.0 / 255.0);
        cv::cvtColor(f32, c.scene_lab, cv::COLOR_BGR2Lab);
        cv::resize(c.overview_alpha, c.scene_alpha, sz, 0, 0, cv::INTER_AREA);
    }
    // The largest of the three Lab channels' gradients: an edge of colour alone (a red shirt
    // on a grey wall of the same lightness) counts as much as one of lightness.
    c.scene_edges = cv::Mat::zeros(sz, CV_32F);
    cv::Mat ch[3], gx, gy, mag;
    cv::split(c.scene_lab, ch);
    for (const cv::Mat& m : ch) {
        cv::Sobel(m, gx, CV_32F, 1, 0, 3, 1.0 / 8);
        cv::Sobel(m, gy, CV_32F, 0, 1, 3, 1.0 / 8);
        cv::magnitude(gx, gy, mag);
        cv::max(c.scene_edges, mag, c.scene_edges);
    }
}

// The output-space part of the context from an image and the face in its coordinates. When the
// image is the working image itself (a file judged as final: same pixels, same face), its grey
// copy and masks are the ones made already.
static void fill_face_view(CheckContext& c, const cv::Mat& bgr, const Face& f, bool is_working = false) {
    c.has_face_view = true;
    c.face = f;
    c.fw = float(f.face_width());
    if (is_working) c.grey = c.work_grey;
    else cv::cvtColor(bgr, c.grey, cv::COLOR_BGR2GRAY);
    cv::Mat f32;
    bgr.convertTo(f32, CV_32FC3, 1.0 / 255.0);
    cv::cvtColor(f32, c.lab, cv::COLOR_BGR2Lab);
    FaceMasks m = is_working ? c.work : make_face_masks(f, bgr.size());
    c.face_mask = m.face;
    c.skin_mask = m.skin;
    c.eye_mask = m.eyes;
    c.eye_box = m.eye_box;
}

// No spec photo (its crop is out of reach): the head, cut from the working image and scaled
// so the face is as wide as the spec wants it, stands in for the photo in the face checks.
static void make_source_face_view(CheckContext& c) {
    const SourceAnalysis& a = c.in.source;
    const Face& f = a.subject();
    const double fw = std::max(1.0, f.face_width());
    const cv::Rect2f b = f.box;
    const cv::Rect head = clamp_rect(cv::Rect(int(b.x - 0.6f * b.width), int(b.y - 0.8f * b.height), int(2.2f * b.width),
                                              int(2.4f * b.height)), a.working.size());
    if (head.width < 16 || head.height < 16) return;
    c.view_scale = std::clamp(c.in.spec.face_width.mid() / fw, 0.05, 8.0);
    c.view_origin = cv::Point2d(head.x, head.y);
    cv::Mat view;
    cv::resize(a.working(head), view, cv::Size(), c.view_scale, c.view_scale,
               c.view_scale < 1 ? cv::INTER_AREA : cv::INTER_LINEAR);
    Face vf = f;
    const auto map = [&](cv::Point2f p) {
        return cv::Point2f(float((p.x - head.x) * c.view_scale), float((p.y - head.y) * c.view_scale));
    };
    for (auto& p : vf.points) p = map(p);
    const cv::Point2f tl = map(b.tl());
    vf.box = cv::Rect2f(tl.x, tl.y, float(b.width * c.view_scale), float(b.height * c.view_scale));
    fill_face_view(c, view, vf);
}

CheckContext make_check_context(const CheckInput& in) {
    CheckContext c(in);
    c.has_face = in.source.has_face();
    if (!in.source.working.empty()) cv::cvtColor(in.source.working, c.work_grey, cv::COLOR_BGR2GRAY);
    if (c.has_face) {
        c.work = make_face_masks(in.source.subject(), c.work_grey.size());
        const PersonMatte& m = in.source.matte;
        if (m.alpha.size() == in.source.working.size() && !m.small_lab.empty()) {
            make_overview(in.source, c);
            make_scene_view(in.source, c);
        }
    }
    if (!c.has_face) return c;
    if (in.photo) {
        const RenderedPhoto& p = *in.photo;
        c.has_photo = true;
        c.view_scale = p.crop.scale;
        const bool is_working = p.bgr.data == in.source.working.data && p.bgr.size() == in.source.working.size() &&
                                p.crop.x == 0 && p.crop.y == 0 && p.crop.scale == 1.0;
        fill_face_view(c, p.bgr, face_in_output(in.source.subject(), p.crop), is_working);
        // Clothing: person below the neck (chin + a third of the face width).
        const int neck_y = std::clamp(int(c.face.points[lm::kChin].y + 0.35f * c.fw), 0, p.bgr.rows);
        c.clothing_mask = p.alpha > 0.9f;
        c.clothing_mask.rowRange(0, neck_y).setTo(0);
    } else {
        make_source_face_view(c);
    }
    return c;
}

}  // namespace pd::engine
