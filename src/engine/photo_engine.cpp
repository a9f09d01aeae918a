#include "engine/photo_engine.h"

#include <algorithm>
#include <cmath>
#include <exception>
#include <string>

#include <opencv2/imgproc.hpp>

#include <mutex>

namespace pd::engine {

// The face width the working image is scaled to (px). A little larger than the output's
// (~200 px) so the final render slightly downsamples, never the other way round.
static constexpr double kWorkingFaceWidth = 260.0;

// Downscaling by `k` < 1: OpenCV's INTER_AREA is fast for integer factors and slow otherwise,
// so shrink by the integer part with it and finish with a mild INTER_LINEAR step (which does
// not alias at factors above 1/2).
static cv::Mat resize_down(const cv::Mat& src, double k) {
    const cv::Size target(std::max(1, int(std::lround(src.cols * k))), std::max(1, int(std::lround(src.rows * k))));
    cv::Mat m = src;
    const int n = int(1.0 / k);
    if (n >= 2) cv::resize(src, m, cv::Size(std::max(1, src.cols / n), std::max(1, src.rows / n)), 0, 0, cv::INTER_AREA);
    if (m.size() == target) return m;
    cv::Mat out;
    cv::resize(m, out, target, 0, 0, cv::INTER_LINEAR);
    return out;
}

static void composite_on_white(cv::Mat& bgr, const cv::Mat& alpha) {
    for (int y = 0; y < bgr.rows; ++y) {
        auto* p = bgr.ptr<cv::Vec3b>(y);
        const uchar* a = alpha.ptr<uchar>(y);
        for (int x = 0; x < bgr.cols; ++x) {
            if (a[x] == 255) continue;
            for (int c = 0; c < 3; ++c) p[x][c] = uchar((p[x][c] * a[x] + 255 * (255 - a[x]) + 127) / 255);
        }
    }
}

// OpenCV builds its CIELAB lookup tables on first use without a lock: two threads converting
// at once for the first time both build them and one copy leaks (seen under ASan with two
// ingest workers). Build them once here, before any engine is shared between threads.
static void warm_up_opencv_tables() {
    static std::once_flag once;
    std::call_once(once, [] {
        cv::Mat3b px8(1, 1, cv::Vec3b(10, 20, 30));
        cv::Mat3f px32;
        px8.convertTo(px32, CV_32FC3, 1.0 / 255.0);
        cv::Mat out;
        for (const cv::Mat& m : {cv::Mat(px8), cv::Mat(px32)}) {
            cv::cvtColor(m, out, cv::COLOR_BGR2Lab);
            cv::cvtColor(out, out, cv::COLOR_Lab2BGR);
        }
    });
}

Result<PhotoEngine> PhotoEngine::create(EngineConfig config, std::shared_ptr<const FaceModel> faces) {
    if (!faces) return make_error(ErrorCode::InvalidArgument, "PhotoEngine needs a face model");
    warm_up_opencv_tables();
    auto checks = configure_checks(config.checks);
    if (!checks) return checks.error();
    std::shared_ptr<const FaceCascade> cascade;
    if (config.settings.cascade_min_neighbours > 0) {
        auto c = FaceCascade::load(config.settings.cascade);
        if (!c) return c.error();
        cascade = std::move(c.value());
    }
    return PhotoEngine(std::move(config), std::move(checks.value()), std::move(faces), std::move(cascade));
}

// The engine's outer edge: OpenCV and dlib report broken invariants by throwing. Whatever
// escapes becomes an Internal error naming the stage, never a crash of the caller.
template <class F>
static auto guarded(const char* stage, F&& f) -> decltype(f()) {
    try {
        return f();
    } catch (const std::exception& e) {
        std::string what = e.what();
        std::replace(what.begin(), what.end(), '\n', ' ');
        return make_error(ErrorCode::Internal, std::string("engine failure in ") + stage + ": " + what);
    }
}

// [SECTION] Entry point

Result<StandardizeOutcome> PhotoEngine::process(std::span<const std::uint8_t> bytes) const {
    auto d = decode(bytes, false);  // decode_image turns every exception into an Error
    if (!d) return d.error();
    // The size the file stores (before EXIF orientation), as the platform will measure it. Only
    // a JPEG can be the final file: a PNG or WebP at that size is converted (standardized), so
    // the student is not sent back for a format the engine can fix.
    const bool final_size = d->facts.format == ImageFormat::Jpeg && d->facts.width == cfg_.spec.width &&
                            d->facts.height == cfg_.spec.height;
    if (!final_size) return guarded("standardize", [&] { return standardize(std::move(d).value()); });
    // A final file is judged at full size. The analysis-size decode is full size whenever
    // analysis_long_side is 0 or at least the spec's long side (the shipped settings: 1600);
    // only with a smaller one was it DCT-scaled, and is decoded again.
    if (d->scale != 1.0) {
        d = decode(bytes, true);
        if (!d) return d.error();
    }
    return guarded("check", [&] { return judge_final(bytes, std::move(d).value()); });
}

// [SECTION] Analysis

Result<DecodedImage> PhotoEngine::decode(std::span<const std::uint8_t> bytes, bool full_size) const {
    DecodeOptions opt;
    opt.max_pixels = cfg_.settings.max_pixels;
    opt.min_long_side = full_size ? 0 : cfg_.settings.analysis_long_side;
    return decode_image(bytes, opt);
}

Result<SourceAnalysis> PhotoEngine::analyze(std::span<const std::uint8_t> bytes) const {
    return guarded("analyze", [&]() -> Result<SourceAnalysis> {
        auto d = decode(bytes, false);
        if (!d) return d.error();
        return analyze_decoded(std::move(d).value(), false);
    });
}

// The student first: HOG's faces come widest first; of those scoring at least `share` of the
// best score, the widest becomes faces.front(). The rest keep their order.
static void put_subject_first(std::vector<Face>& faces, double share) {
    if (faces.size() < 2 || share <= 0) return;
    double best = 0;
    for (const auto& f : faces) best = std::max(best, f.score);
    if (best <= 0) return;
    const auto sure = std::find_if(faces.begin(), faces.end(), [&](const Face& f) { return f.score >= share * best; });
    std::rotate(faces.begin(), sure, sure + 1);
}

Result<SourceAnalysis> PhotoEngine::analyze_decoded(DecodedImage decoded, bool keep_size) const {
    const auto& st = cfg_.settings;
    SourceAnalysis a;
    a.decoded = std::move(decoded);
    // A cut-out with transparency (PNG/WebP from an app) is judged as shown: on white, the
    // wall students are asked to stand against.
    if (!a.decoded.alpha.empty()) composite_on_white(a.decoded.bgr, a.decoded.alpha);
    const cv::Mat& img = a.decoded.bgr;

    // Big non-JPEG sources (PNG, HEIF) arrive at full size: bring them to the analysis size.
    // (A JPEG is DCT-scaled to between 1x and 2x that size already; resizing it again would
    // cost more than it saves.)
    cv::Mat analysis = img;
    double analysis_scale = 1.0;
    const int long_side = std::max(img.cols, img.rows);
    if (!keep_size && st.analysis_long_side > 0 && long_side > st.analysis_long_side * 2 &&
        std::min(img.cols, img.rows) * st.analysis_long_side / long_side >= 1) {
        analysis_scale = double(st.analysis_long_side) / long_side;
        analysis = resize_down(img, analysis_scale);
    }

    // Slivers (a few pixels across) cannot hold a face, and resizing them would make an empty
    // image: they are analysed as faceless.
    constexpr int kMinSide = 32;
    std::vector<Face> faces;
    if (std::min(analysis.cols, analysis.rows) >= kMinSide) {
        const int detect_long_side = keep_size ? st.final_detect_long_side : st.detect_long_side;
        faces = faces_->detect(analysis, detect_long_side, st.min_face_px);
        // A subject under HOG's 80 px window at the detection size: a larger copy.
        if (faces.empty() && st.retry_upsample > 1) {
            faces = faces_->detect_upsampled(analysis, detect_long_side, st.min_face_px, st.retry_upsample);
        }
        // A photo lying on its side that no EXIF orientation turns: the same turns as the
        // decoder applies for orientations 6, 8 and 3, at the detection size only.
        if (faces.empty() && st.rotate_when_no_face) {
            for (const auto& [degrees, orientation] : {std::pair{90, 6}, std::pair{270, 8}, std::pair{180, 3}}) {
                cv::Mat turned = apply_exif_orientation(analysis, orientation);
                faces = faces_->detect(turned, detect_long_side, st.min_face_px);
                if (faces.empty()) continue;
                a.turned_clockwise = degrees;
                a.decoded.bgr = analysis.data == a.decoded.bgr.data ? turned : apply_exif_orientation(a.decoded.bgr, orientation);
                if (!a.decoded.alpha.empty()) a.decoded.alpha = apply_exif_orientation(a.decoded.alpha, orientation);
                analysis = turned;
                break;
            }
        }
        put_subject_first(faces, st.subject_score_share);
        if (!faces.empty() && !keep_size) add_small_faces(analysis, detect_long_side, faces);
    }
    double wscale = 1.0;
    if (!keep_size && !faces.empty()) {
        wscale = std::min(1.0, kWorkingFaceWidth / faces.front().face_width());
    }
    if (wscale < 1.0) {
        a.working = resize_down(analysis, wscale);
        const float k = float(a.working.cols) / float(analysis.cols);  // exact, after rounding
        for (auto& f : faces) {
            f.box = cv::Rect2f(f.box.x * k, f.box.y * k, f.box.width * k, f.box.height * k);
            for (auto& p : f.points) p *= k;
        }
    } else {
        a.working = analysis;
    }
    a.working_per_original = double(a.working.cols) / a.decoded.bgr.cols * a.decoded.scale;
    a.faces = std::move(faces);
    if (!a.has_face()) return a;

    MatteParams mp;
    mp.work_long_side = st.matte_long_side;
    mp.forehead_lift = st.forehead_lift;
    // The backdrop around the edge is for the renderer; a file judged as final is not rendered.
    mp.local_wall_sigma = keep_size ? 0.0 : st.local_wall_sigma;
    a.matte = compute_person_matte(a.working, a.subject(), mp);
    a.crown_row = find_crown_row(a.matte.alpha, a.subject());
    // Cut off: the person reaches the first row within the head's columns.
    if (a.crown_row < 0) {
        const auto& f = a.subject();
        const float cx = f.eyes_midpoint().x, hw = float(0.25 * f.face_width());
        const int x0 = std::clamp(int(cx - hw), 0, a.working.cols - 1);
        const int x1 = std::clamp(int(cx + hw), x0 + 1, a.working.cols);
        const double top = cv::mean(a.matte.alpha.row(0).colRange(x0, x1))[0];
        a.head_cut_off = top > 0.5;
    }
    a.head = measure_head(a.subject(), std::max(a.crown_row, 0));
    return a;
}

// True when most of `f` lies inside `r`.
static bool mostly_inside(const cv::Rect2f& f, const cv::Rect2f& r) { return (f & r).area() > 0.3 * f.area(); }

// True when `r` is a face of `faces` other than the subject (faces.front()), as the merge below
// tells one face from another.
static bool second_opinion(const cv::Rect2f& r, const std::vector<Face>& faces) {
    for (size_t i = 1; i < faces.size(); ++i) {
        if (mostly_inside(r, faces[i].box) || mostly_inside(faces[i].box, r)) return true;
    }
    return false;
}

// A cascade box HOG did not find at the detection size (too small for its 80 px window, or no
// face at all: an LBP cascade also fires on a helmet's reflection or a round badge) is kept only
// when HOG finds a face on it in a copy of its surroundings where it is cascade_verify_face_px
// wide. Two detectors that work differently rarely agree on what is not a face.
bool PhotoEngine::hog_confirms(const cv::Mat& img, const cv::Rect2f& box) const {
    const int target = cfg_.settings.cascade_verify_face_px;
    if (target <= 0) return true;
    const cv::Rect around = cv::Rect(cv::Rect2f(box.x - 0.6f * box.width, box.y - 0.6f * box.height, 2.2f * box.width,
                                                2.2f * box.height)) &
                            cv::Rect(0, 0, img.cols, img.rows);
    if (around.empty()) return false;
    const double k = target / std::max(1.0f, box.width);
    cv::Mat crop;
    cv::resize(img(around), crop, cv::Size(), k, k, k > 1 ? cv::INTER_LINEAR : cv::INTER_AREA);
    const cv::Rect2f box_in_crop((box.x - float(around.x)) * float(k), (box.y - float(around.y)) * float(k),
                                 box.width * float(k), box.height * float(k));
    for (const Face& f : faces_->detect(crop, std::max(crop.cols, crop.rows), cfg_.settings.min_face_px)) {
        if (mostly_inside(f.box, box_in_crop) || mostly_inside(box_in_crop, f.box)) return true;
    }
    return false;
}

void PhotoEngine::add_small_faces(const cv::Mat& img, int detect_long_side, std::vector<Face>& faces) const {
    const auto& st = cfg_.settings;
    // The subject's head: its face box grown over the ears and the hair above (engine.toml
    // head_side_margin, head_top_margin) and 0.3 box heights below it (the chin). Small faces
    // are looked for everywhere else.
    const cv::Rect2f b = faces.front().box;
    const float side = float(st.head_side_margin), top = float(st.head_top_margin);
    const cv::Rect2f head(b.x - side * b.width, b.y - top * b.height, (1 + 2 * side) * b.width, (1 + top + 0.3f) * b.height);
    std::vector<Face> found;
    if (st.small_face_upsample > 1) {
        found = faces_->detect_upsampled(img, detect_long_side, st.min_face_px, st.small_face_upsample, head);
    }
    if (cascade_) {
        CascadeParams cp;
        cp.detect_long_side = st.cascade_long_side;
        cp.min_face_px = st.cascade_min_face_px;
        cp.max_face_px = st.cascade_max_face_px;
        cp.scale_step = st.cascade_scale_step;
        cp.min_neighbours = st.cascade_min_neighbours;
        for (const auto& r : cascade_->detect(img, cp)) {
            // Beside the head only as a second opinion on a face HOG found there (one HOG
            // scored low); not as a face of its own.
            if (mostly_inside(r, head) && !second_opinion(r, faces)) continue;
            if (!second_opinion(r, faces) && !hog_confirms(img, r)) continue;
            Face f = faces_->fit(img, r);
            f.source = FaceSource::Cascade;
            found.push_back(f);
        }
    }
    for (const auto& f : found) {
        bool known = false;
        for (auto& g : faces) {
            if (!mostly_inside(f.box, g.box) && !mostly_inside(g.box, f.box)) continue;
            known = true;
            // A second opinion on a face HOG scored low (a pasted or distant face).
            if (f.source == FaceSource::Cascade && &g != &faces.front()) g.cascade_agrees = true;
        }
        if (!known) faces.push_back(f);
    }
}

// [SECTION] Plan, render, check

Result<CropPlan> PhotoEngine::plan(const SourceAnalysis& a) const {
    if (!a.has_face()) return make_error(ErrorCode::NoFace, refusal::kNoFace, "no face found in the photo");
    if (a.crown_row < 0 && !a.head_cut_off) {
        return make_error(ErrorCode::SpecUnreachable, refusal::kCrownNotFound,
                          "the top of the head cannot be told from the background above it");
    }
    return plan_crop(a.head, a.working.size(), a.head_cut_off, a.working_per_original, cfg_.spec);
}

Result<RenderedPhoto> PhotoEngine::render(const SourceAnalysis& a, const CropPlan& crop, int quality_hint) const {
    if (!a.has_face()) return make_error(ErrorCode::NoFace, "no face found in the photo");
    if (!(crop.scale > 0 && crop.scale < 100) || !std::isfinite(crop.x) || !std::isfinite(crop.y)) {
        return make_error(ErrorCode::InvalidArgument, "crop window has no valid scale or position");
    }
    const auto& st = cfg_.settings;
    const EdgeUnmix unmix{.radius = st.edge_unmix_radius,
                          .below_alpha = float(st.edge_unmix_below_alpha),
                          .margin = float(st.edge_unmix_margin),
                          .min_contrast = float(st.edge_unmix_min_contrast)};
    return guarded("render", [&] { return render_photo(a.working, a.matte, crop, cfg_.spec, quality_hint, unmix); });
}

std::vector<CheckResult> PhotoEngine::check(const SourceAnalysis& a, const RenderedPhoto* photo) const {
    CheckInput in{a, photo, cfg_.spec, cfg_.hints};
    return run_checks(in, checks_);
}

// [SECTION] process()'s two paths

// analyze + plan + render + check.
Result<StandardizeOutcome> PhotoEngine::standardize(DecodedImage decoded) const {
    auto a = guarded("analyze", [&] { return analyze_decoded(std::move(decoded), false); });
    if (!a) return a.error();
    StandardizeOutcome out;
    out.analysis = std::move(a.value());
    auto crop = plan(out.analysis);
    if (crop) {
        auto photo = render(out.analysis, crop.value());
        if (photo) out.photo = std::move(photo.value());
        else out.spec_error = photo.error();
    } else {
        out.spec_error = crop.error();
    }
    out.checks = check(out.analysis, out.photo ? &*out.photo : nullptr);
    return out;
}

// The file is the spec photo: nothing is resized, and the "rendered photo" is the file itself
// (its bytes, its pixels, the matte of its pixels), so every check judges what was sent.
Result<StandardizeOutcome> PhotoEngine::judge_final(std::span<const std::uint8_t> bytes, DecodedImage decoded) const {
    auto a = analyze_decoded(std::move(decoded), true);
    if (!a) return a.error();
    StandardizeOutcome out;
    out.judged_as_final = true;
    out.analysis = std::move(a.value());
    const SourceAnalysis& an = out.analysis;
    if (an.has_face()) {
        RenderedPhoto p;
        p.bgr = an.working;
        p.alpha = an.matte.alpha;
        p.jpeg.bytes.assign(bytes.begin(), bytes.end());
        p.jpeg.quality = 0;
        p.crop = crop_from_window(an.head, 0, 0, 1.0, cfg_.spec);
        p.crop.out_width = an.working.cols;
        p.crop.out_height = an.working.rows;
        out.photo = std::move(p);
    } else {
        out.spec_error = make_error(ErrorCode::NoFace, refusal::kNoFace, "no face found in the photo");
    }
    out.checks = check(out.analysis, out.photo ? &*out.photo : nullptr);
    return out;
}

}  // namespace pd::engine
