// [SECTION] Image checks: exposure, clipping, sharpness, noise, retouching and resolution.
// Measured on the rendered pixels before JPEG encoding (so the encoder's own loss does not
// count against the student), at the fixed scale of the spec photo.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include <opencv2/imgproc.hpp>

#include "engine/checks/checks_impl.h"

namespace pd::engine::checks {

namespace {
const char* kNoPhoto = "no spec photo was produced";

// Fine texture: absolute difference between the image and a slightly blurred copy (CV_32F).
// Its median over a mask ignores the few strong edges (nostrils, hair strands) inside it.
cv::Mat fine_texture(const cv::Mat& grey) {
    cv::Mat f, blur;
    grey.convertTo(f, CV_32F);
    cv::GaussianBlur(f, blur, cv::Size(0, 0), 1.0);
    return cv::abs(f - blur);
}
// The face's bounding box in the working image, with a margin for the filters' support.
cv::Rect face_roi(const CheckContext& c) {
    const cv::Rect box = cv::boundingRect(c.work.face);
    return clamp_rect(cv::Rect(box.x - 4, box.y - 4, box.width + 8, box.height + 8), c.work_grey.size());
}
}  // namespace

struct ExposureParams {
    double high_percentile;                       // of the frame's L*: its brightest tones
    double dark_warn_high_l, dark_fail_high_l;    // ... below these: too dark
    double skin_percentile;                       // of the skin's L*: its highlights
    double bright_warn_skin_l, bright_fail_skin_l;  // ... above these: too bright
    double skin_warn_high, skin_fail_high;        // median skin L* above these: too bright
    static ExposureParams read(ParamReader& in) {
        return {.high_percentile = in.number("high_percentile"),
                .dark_warn_high_l = in.number("dark_warn_high_l"),
                .dark_fail_high_l = in.number("dark_fail_high_l"),
                .skin_percentile = in.number("skin_percentile"),
                .bright_warn_skin_l = in.number("bright_warn_skin_l"),
                .bright_fail_skin_l = in.number("bright_fail_skin_l"),
                .skin_warn_high = in.number("skin_warn_high"),
                .skin_fail_high = in.number("skin_fail_high")};
    }
};

static void exposure(const CheckContext& c, const ExposureParams& p, CheckResult& r) {
    r.unit = "L*";
    const double hi_q = p.high_percentile / 100.0, pq = p.skin_percentile / 100.0;
    const double dw = p.dark_warn_high_l, df = p.dark_fail_high_l;
    const double bw = p.bright_warn_skin_l, bf = p.bright_fail_skin_l;
    const double sw = p.skin_warn_high, sf = p.skin_fail_high;
    r.threshold = "too dark: frame p" + fmt_num(100 * hi_q, 0) + " L* warn < " + fmt_num(dw, 0) + ", fail < " + fmt_num(df, 0) +
                  "; too bright: skin p" + fmt_num(100 * pq, 0) + " L* warn > " + fmt_num(bw, 0) + ", fail > " + fmt_num(bf, 1) +
                  " or median skin L* warn > " + fmt_num(sw, 0) + ", fail > " + fmt_num(sf, 0);
    if (!c.has_face) return not_assessable(r, "no face found");
    // Issue 8: judged on tonal range rather than on the median skin lightness, which depends on
    // the student's skin tone. On the source: compositing replaces the wall, and this also
    // judges photos that could not be cropped to the spec.
    // - Too dark: the frame's brightest tones (the white wall, a shirt, highlights) sink with
    //   under-exposure whatever the skin tone.
    // - Too bright: the skin's highlights (forehead, nose, cheekbones) pile up at white; hair is
    //   left out (silver or blond hair is light on a well-exposed photo). This can miss an
    //   over-exposed dark skin but never flags one that is not; the median skin lightness is
    //   kept as a second, one-sided opinion: a high one is over-exposure for every skin tone,
    //   while a low one may just be a darker skin.
    const SourceAnalysis& a = c.in.source;
    if (c.overview_lab.empty()) return not_assessable(r, "no person matte");
    const cv::Mat L = channel(c.overview_lab, 0);  // percentiles need no detail
    const double frame_hi = masked_percentile(L, cv::Mat(L.size(), CV_8U, cv::Scalar(255)), hi_q);
    const cv::Rect roi = face_roi(c);
    cv::Mat sf32, slab;
    a.working(roi).convertTo(sf32, CV_32FC3, 1.0 / 255.0);
    cv::cvtColor(sf32, slab, cv::COLOR_BGR2Lab);
    const cv::Mat skin_l = channel(slab, 0);
    const double skin = masked_percentile(skin_l, c.work.skin(roi), 0.5);
    const double skin_hi = masked_percentile(skin_l, c.work.skin(roi), pq);

    const Verdict dark = grade_low(frame_hi, dw, df);
    const Verdict bright = std::max(grade_high(skin_hi, bw, bf), grade_high(skin, sw, sf));
    const std::string range = "frame p" + fmt_num(100 * hi_q, 0) + " L* " + fmt_num(frame_hi, 0) + ", skin p" +
                              fmt_num(100 * pq, 0) + " L* " + fmt_num(skin_hi, 0) + ", median skin L* " + fmt_num(skin, 0);
    if (dark != Verdict::Pass && dark >= bright) {
        r.value = frame_hi;
        r.verdict = dark;
        r.detail = "too dark: the frame's brightest tones are grey (" + range + ")";
    } else {
        r.value = skin_hi;
        r.verdict = bright;
        r.detail = (bright != Verdict::Pass ? "too bright: the skin's highlights clip (" : "tonal range (") + range + ")";
    }
    r.geometry.space = Space::Original;
}

struct ClippingParams {
    double warn_percent, fail_percent;  // of the face blown out or crushed
    static ClippingParams read(ParamReader& in) {
        return {.warn_percent = in.number("warn_percent"), .fail_percent = in.number("fail_percent")};
    }
};

static void clipping(const CheckContext& c, const ClippingParams& p, CheckResult& r) {
    r.unit = "%";
    r.threshold = "warn > " + fmt_num(p.warn_percent) + ", fail > " + fmt_num(p.fail_percent);
    if (!c.has_photo) return not_assessable(r, kNoPhoto);
    const cv::Mat& bgr = c.in.photo->bgr;
    // Map over the whole photo: 255 = blown highlight, 128 = crushed shadow.
    r.geometry.map = cv::Mat::zeros(bgr.size(), CV_8U);
    int n = 0, clipped = 0;
    for (int y = 0; y < bgr.rows; ++y) {
        const auto* px = bgr.ptr<cv::Vec3b>(y);
        const uchar* m = c.face_mask.ptr<uchar>(y);
        uchar* out = r.geometry.map.ptr<uchar>(y);
        for (int x = 0; x < bgr.cols; ++x) {
            const int hi = std::max({px[x][0], px[x][1], px[x][2]});
            const int lo = std::min({px[x][0], px[x][1], px[x][2]});
            const bool blown = hi >= 250 && lo >= 235, crushed = hi <= 6;
            out[x] = blown ? 255 : crushed ? 128 : 0;
            if (m[x]) {
                ++n;
                clipped += blown || crushed;
            }
        }
    }
    r.value = n ? 100.0 * clipped / n : 0;
    r.verdict = grade_high(r.value, p.warn_percent, p.fail_percent);
    r.detail = "share of the face that is blown out or crushed";
}

struct SharpnessParams {
    double warn, fail;  // edge crispness ratio
    static SharpnessParams read(ParamReader& in) { return {.warn = in.number("warn"), .fail = in.number("fail")}; }
};

static void sharpness(const CheckContext& c, const SharpnessParams& p, CheckResult& r) {
    r.unit = "ratio";
    r.threshold = "warn < " + fmt_num(p.warn, 2) + ", fail < " + fmt_num(p.fail, 2);
    if (!c.has_face) return not_assessable(r, "no face found");
    // Second over first derivative on the eyes and brows: ~1/edge width, independent of
    // contrast. Judged on the source pixels: up-scaling is source_resolution's business.
    cv::Mat roi;
    c.work_grey(c.work.eye_box).convertTo(roi, CV_32F);
    cv::Mat lap, gx, gy, mag;
    cv::Laplacian(roi, lap, CV_32F, 1);
    cv::Sobel(roi, gx, CV_32F, 1, 0, 3);
    cv::Sobel(roi, gy, CV_32F, 0, 1, 3);
    cv::magnitude(gx, gy, mag);
    const double g = cv::mean(mag)[0];
    r.value = g > 1e-3 ? 8.0 * cv::mean(cv::abs(lap))[0] / g : 0;  // Sobel carries a factor 8 over central differences
    r.verdict = grade_low(r.value, p.warn, p.fail);
    r.detail = "edge crispness around the eyes (Laplacian over gradient)";
    r.geometry.space = Space::Original;
    r.geometry.rects.emplace_back(c.work.eye_box);
}

struct NoiseParams {
    double warn_sigma, fail_sigma;  // grey levels
    double chroma_weight;           // colour-difference sigma counts this many times
    int blocks_across;              // the grey is estimated per block, this many across the face
    double block_percentile;        // ... and read at this percentile of the blocks
    static NoiseParams read(ParamReader& in) {
        return {.warn_sigma = in.number("warn_sigma"), .fail_sigma = in.number("fail_sigma"),
                .chroma_weight = in.number("chroma_weight"),
                .blocks_across = in.whole("blocks_across"),
                .block_percentile = in.number("block_percentile")};
    }
};

namespace {
// Immerkaer's sigma from a response's mean absolute value.
double immerkaer_sigma(double mean_abs_response) { return std::sqrt(3.14159265358979 / 2.0) * mean_abs_response / 6.0; }

// The grey's noise, block by block over the smooth skin, read at a low percentile of the blocks:
// a sensor's noise is in every block, skin texture (pores, stubble, make-up) only in some, so
// the quietest blocks measure the noise and not the skin. Falls back to the whole mask when
// fewer than four blocks are mostly smooth skin.
double blockwise_sigma(const cv::Mat& response, const cv::Mat& smooth, int blocks_across, double percentile) {
    const cv::Mat abs_response = cv::abs(response);
    const int side = std::max(8, response.cols / std::max(1, blocks_across));
    std::vector<double> sigmas;
    for (int y = 0; y + side <= response.rows; y += side)
        for (int x = 0; x + side <= response.cols; x += side) {
            const cv::Rect block(x, y, side, side);
            if (2 * cv::countNonZero(smooth(block)) < side * side) continue;
            sigmas.push_back(immerkaer_sigma(cv::mean(abs_response(block), smooth(block))[0]));
        }
    if (sigmas.size() < 4) return immerkaer_sigma(cv::mean(abs_response, smooth)[0]);
    const auto k = static_cast<size_t>(percentile / 100.0 * static_cast<double>(sigmas.size() - 1) + 0.5);
    std::nth_element(sigmas.begin(), sigmas.begin() + static_cast<std::ptrdiff_t>(k), sigmas.end());
    return sigmas[k];
}
}  // namespace

static void noise(const CheckContext& c, const NoiseParams& p, CheckResult& r) {
    r.unit = "grey levels";
    r.threshold = "warn > " + fmt_num(p.warn_sigma) + ", fail > " + fmt_num(p.fail_sigma);
    if (!c.has_face) return not_assessable(r, "no face found");
    // Immerkaer (1996): a Laplacian-difference mask blind to linear ramps, over the smooth parts
    // of the skin, on the source pixels.
    // Only the face box is filtered: the skin is all inside it.
    const cv::Rect roi = face_roi(c);
    cv::Mat f;
    c.work_grey(roi).convertTo(f, CV_32F);
    const cv::Mat skin_mask = c.work.skin(roi);
    const cv::Matx33f M(1, -2, 1, -2, 4, -2, 1, -2, 1);
    cv::Mat resp, gx, gy, mag;
    cv::filter2D(f, resp, CV_32F, M);
    cv::Sobel(f, gx, CV_32F, 1, 0, 3);
    cv::Sobel(f, gy, CV_32F, 0, 1, 3);
    cv::magnitude(gx, gy, mag);
    const double edge_cut = masked_percentile(mag, skin_mask, 0.5);
    cv::Mat smooth = skin_mask & (mag <= edge_cut);
    const int n = cv::countNonZero(smooth);
    if (n < 100) return not_assessable(r, "too little smooth skin to measure noise on");
    const auto immerkaer = [&](const cv::Mat& response) { return immerkaer_sigma(cv::mean(cv::abs(response), smooth)[0]); };
    const double luma = blockwise_sigma(resp, smooth, p.blocks_across, p.block_percentile);
    // Colour noise, on the same smooth skin: R-G and B-G. A sensor's noise is independent per
    // channel, so it shows in the colour differences at least as strongly as in the grey, and
    // JPEG's colour subsampling keeps a clean photo's colour differences smooth.
    cv::Mat bgr32;
    c.in.source.working(roi).convertTo(bgr32, CV_32FC3);
    std::vector<cv::Mat> ch;
    cv::split(bgr32, ch);
    cv::Mat rg = ch[2] - ch[1], bg = ch[0] - ch[1], r_rg, r_bg;
    cv::filter2D(rg, r_rg, CV_32F, M);
    cv::filter2D(bg, r_bg, CV_32F, M);
    const double chroma = 0.5 * (immerkaer(r_rg) + immerkaer(r_bg));
    r.value = std::max(luma, p.chroma_weight * chroma);
    r.verdict = grade_high(r.value, p.warn_sigma, p.fail_sigma);
    r.detail = "noise sigma estimated on smooth skin: grey " + fmt_num(luma, 2) + " (its quietest blocks), colour differences " + fmt_num(chroma, 2);
    r.geometry.space = Space::Original;
    r.geometry.map = cv::Mat::zeros(c.work_grey.size(), CV_8U);
    smooth.copyTo(r.geometry.map(roi));
}

struct SkinSmoothingParams {
    double warn_ratio, fail_ratio;  // skin texture over eye-region texture
    static SkinSmoothingParams read(ParamReader& in) {
        return {.warn_ratio = in.number("warn_ratio"), .fail_ratio = in.number("fail_ratio")};
    }
};

static void skin_smoothing(const CheckContext& c, const SkinSmoothingParams& p, CheckResult& r) {
    r.unit = "ratio";
    r.threshold = "warn < " + fmt_num(p.warn_ratio, 2) + ", fail < " + fmt_num(p.fail_ratio, 2);
    if (!c.has_face) return not_assessable(r, "no face found");
    // A beauty filter flattens skin texture but keeps the eyes crisp; blur flattens both.
    const cv::Rect roi = face_roi(c);
    const cv::Mat g = c.work_grey(roi);
    cv::Mat eyes = c.work.eyes(roi) & c.work.face(roi);
    cv::Mat hp = fine_texture(g);
    const double skin = masked_percentile(hp, c.work.skin(roi), 0.5);
    const double ref = masked_percentile(hp, eyes, 0.9);
    r.value = ref > 1e-3 ? skin / ref : 0;
    r.verdict = grade_low(r.value, p.warn_ratio, p.fail_ratio);
    r.detail = "fine skin texture " + fmt_num(skin, 2) + " over eye-region texture " + fmt_num(ref, 2);
    // Map: where the skin is flattest.
    cv::GaussianBlur(hp, hp, cv::Size(0, 0), 3.0);
    cv::Mat flat;
    hp.convertTo(flat, CV_8U, -60.0, 255.0);  // 0 texture -> 255
    r.geometry.space = Space::Original;
    r.geometry.map = cv::Mat::zeros(c.work_grey.size(), CV_8U);
    flat.copyTo(r.geometry.map(roi), c.work.skin(roi));
}

struct SourceResolutionParams {
    double warn_upscale, fail_upscale;        // output px per source px of real detail
    double detail_ratio_x2, detail_ratio_x3;  // detail lost by a x2 (x3) round trip, relative to x8, below which
                                              // the face was already enlarged that much
    static SourceResolutionParams read(ParamReader& in) {
        return {.warn_upscale = in.number("warn_upscale"),
                .fail_upscale = in.number("fail_upscale"),
                .detail_ratio_x2 = in.number("detail_ratio_x2"),
                .detail_ratio_x3 = in.number("detail_ratio_x3")};
    }
};

static void source_resolution(const CheckContext& c, const SourceResolutionParams& p, CheckResult& r) {
    r.unit = "x";
    r.threshold = "warn > " + fmt_num(p.warn_upscale, 2) + ", fail > " + fmt_num(p.fail_upscale, 2);
    if (!c.has_face_view) return not_assessable(r, "no face found");
    const SourceAnalysis& a = c.in.source;
    // Detail test on the face in the working image: if shrinking by k and enlarging back loses
    // (almost) nothing compared with shrinking by 8, the face holds no detail finer than k px:
    // it was enlarged by about k before it reached us.
    // Sizes divisible by 24 keep every shrink factor exact, so no phase drift adds to the loss.
    cv::Rect box = clamp_rect(cv::Rect(a.subject().box), c.work_grey.size());
    box.width -= box.width % 24;
    box.height -= box.height % 24;
    double k_eff = 0;
    if (box.width >= 48 && box.height >= 48) {
        cv::Mat f;
        c.work_grey(box).convertTo(f, CV_32F);
        const auto loss = [&](double k) {
            cv::Mat small, back;
            cv::resize(f, small, cv::Size(), 1.0 / k, 1.0 / k, cv::INTER_AREA);
            cv::resize(small, back, f.size(), 0, 0, cv::INTER_CUBIC);
            cv::Mat d = f - back;
            return cv::mean(d.mul(d))[0];
        };
        const double ref = std::max(1e-6, loss(8.0));
        if (loss(2.0) / ref < p.detail_ratio_x2) k_eff = 2;
        if (loss(3.0) / ref < p.detail_ratio_x3) k_eff = 3;
    }
    const double pixels = a.working_per_original;
    r.value = c.view_scale * std::max(pixels, k_eff);  // without a spec photo: at the scale it would have
    r.verdict = grade_high(r.value, p.warn_upscale, p.fail_upscale);
    r.detail = "output px per source px of real detail" +
               std::string(k_eff > 0 ? " (the face looks enlarged x" + fmt_num(k_eff) + " already)" : "");
    r.geometry.space = Space::Original;
    r.geometry.rects.emplace_back(box);
}

// [SECTION] Setup

CheckRun setup_exposure(ParamReader& in) { return bind_params(exposure, ExposureParams::read(in)); }
CheckRun setup_clipping(ParamReader& in) { return bind_params(clipping, ClippingParams::read(in)); }
CheckRun setup_sharpness(ParamReader& in) { return bind_params(sharpness, SharpnessParams::read(in)); }
CheckRun setup_noise(ParamReader& in) { return bind_params(noise, NoiseParams::read(in)); }
CheckRun setup_skin_smoothing(ParamReader& in) { return bind_params(skin_smoothing, SkinSmoothingParams::read(in)); }
CheckRun setup_source_resolution(ParamReader& in) {
    return bind_params(source_resolution, SourceResolutionParams::read(in));
}

}  // namespace pd::engine::checks
