// The validation table of issue 8: every real photo available is spoiled in known ways, and
// per check the table prints the detection rate on each kind of degradation and the false-alarm
// rate on the clean photos, in two columns: the tuning photos and the held-out photos of
// config/validation.toml, so a threshold fitted to the tuning photos shows as a gap.
//
// Photos: astronaut.png, ../shared/data/portraits, ../shared/data/portraits-dev and the
// single-face photos among Debian's dlib examples (the group photos are skipped, with a note).
//
// What fails the test: a clean photo that cannot be analysed at all, or an empty table. The
// issue's targets (detection >= 95 % per degradation kind, false alarms <= 5 % per check) are
// printed as pass / MISS markers and not asserted: meeting them is issue 8's open work. The
// degradation suite on the six shared photos keeps its assertions (tests/engine).
//
// Jittered clean copies: the three clean variants are too gentle to show a detector's false
// alarm (the demo queue found a "face" in astronaut.png's helmet on a copy turned ~1 deg, zoomed
// and re-saved; a phone capture is never pixel-identical). Every photo also gets N seeded copies
// with a small roll, zoom, shift, exposure and JPEG quality (`apply_jitter`), reported after the
// table in their own rows: the clean rows' denominators stay as they were. On the tuning photos
// each check's false-alarm rate on the copies is asserted (<= 5 %, the clean rows' budget), but
// for the checks listed in `kJitterOverBudget` (none now): reported, not asserted. A copy whose
// roll turns the photo's eye line past eye_tilt's warning is a tilted photo: set aside for that
// check, like a named true positive, and listed.
//
// PD_VALIDATION_VERBOSE=1 prints every measured value. PD_VALIDATION_THREADS=n (default 2).
// PD_VALIDATION_CLEAN_ONLY=1 runs the clean photos only (the false-alarm rows, jittered too).
// PD_VALIDATION_JITTER=n jittered copies per photo (default 2, 0: none). Copy k of a photo is the
// same whatever n is, so a larger n adds copies and keeps the first ones.
// PD_VALIDATION_DUMP=DIR writes the tuning photos' missed degradations there, to look at, and
// their jittered copies that alarm.
// PD_VALIDATION_ONLY=check_id spoils the photos for that check only (the other rows stay empty).
#include <algorithm>
#include <cctype>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <opencv2/imgproc.hpp>

// The demo queue's seeded generator (header only): fixed mappings, the same copies with any
// standard library. The demo's jitter itself needs a demo Portrait (a face search, a window
// levelled on the eye line), so the copies are made here.
#include "demo/demo_rng.h"
#include "engine/degradations.h"
#include "engine/engine_fixture.h"
#include "engine/validation_config.h"
#include "support/test_support.h"

using namespace pd;
using namespace pd::engine;

namespace {

// [SECTION] The photos

// The real photos, the held-out split and the clean photos named true positives (set aside,
// not counted as false alarms) are config/validation.toml's: tests/engine/validation_config.h.
using test::RealPhoto;

// [SECTION] The degradations

struct Case {
    std::string kind;    // the row of the table: strengths of one kind share a row
    std::string label;   // this strength
    std::string target;  // the check that must notice it
    std::function<std::vector<std::uint8_t>()> make;
};

// `out_per_orig`: spec-photo px per px of the clean photo (from the engine's crop, or the
// spec's face width when no spec photo can be made, as source_resolution judges then).
std::vector<Case> cases_for(const test::Photo& p, double out_per_orig) {
    std::vector<Case> c;
    const auto jpg = [](const cv::Mat& m) { return test::encode_jpeg_q(m, 95); };
    const auto add = [&](std::string kind, std::string label, std::string target, std::function<cv::Mat()> spoil) {
        // An empty image: the degradation does not apply to this photo (no bytes, skipped).
        c.push_back({std::move(kind), std::move(label), std::move(target), [jpg, spoil] {
                         const cv::Mat m = spoil();
                         return m.empty() ? std::vector<std::uint8_t>{} : jpg(m);
                     }});
    };
    const auto num = [](double v) {
        char b[32];
        std::snprintf(b, sizeof b, "%g", v);
        return std::string(b);
    };
    for (double d : {4.0, 6.0, 8.0, 10.0})
        add("rotate with the lean 4-10 deg", num(d), "eye_tilt", [&p, d] { return test::rotate_with_lean(p, d); });
    for (double d : {5.0, 8.0}) add("tilt clockwise 5, 8 deg", num(d), "eye_tilt", [&p, d] { return test::tilt_to(p, d); });
    for (double d : {5.0, 8.0})
        add("tilt counter-clockwise 5, 8 deg", num(d), "eye_tilt", [&p, d] { return test::tilt_to(p, -d); });
    add("mirror (pixels only)", "", "mirrored", [&p] {
        cv::Mat m;
        cv::flip(p.bgr, m, 1);
        return m;
    });
    c.push_back({"mirror, front-camera EXIF", "", "mirrored", [&p, jpg] {
                     cv::Mat m;
                     cv::flip(p.bgr, m, 1);
                     return test::with_exif(jpg(m), "TP-1 front camera 2.7mm f/2.2", "", 1);
                 }});
    c.push_back({"front-camera EXIF", "", "exif_front_camera",
                 [&p, jpg] { return test::with_exif(jpg(p.bgr), "TP-1 front camera 2.7mm f/2.2", "", 1); }});
    c.push_back({"beauty-app EXIF", "", "exif_beauty_software", [&p, jpg] { return test::with_exif(jpg(p.bgr), "", "Meitu 9.2.1", 1); }});
    for (double k : {2.0, 3.0, 4.0}) add("blur x2, x3, x4", num(k), "sharpness", [&p, k] { return test::blur(p, k); });
    for (double s : {-2.5, -3.0}) add("under-expose 2.5, 3 EV", num(s), "exposure", [&p, s] { return test::expose(p, s); });
    for (double s : {1.5, 2.0}) add("over-expose 1.5, 2 EV", num(s), "exposure", [&p, s] { return test::expose(p, s); });
    add("clothes the background's blue", "", "blue_clothing", [&p] { return test::blue_clothes(p); });
    add("mid-blue garment", "", "blue_clothing", [&p] { return test::recolour_clothes(p, cv::Scalar(190, 90, 40)); });
    add("navy garment", "", "blue_clothing", [&p] { return test::recolour_clothes(p, cv::Scalar(90, 40, 25)); });
    add("striped garment", "", "patterned_clothing", [&p] { return test::pattern_clothes(p, test::GarmentPattern::Stripes); });
    add("checked garment", "", "patterned_clothing", [&p] { return test::pattern_clothes(p, test::GarmentPattern::Checks); });
    add("printed garment", "", "patterned_clothing", [&p] { return test::pattern_clothes(p, test::GarmentPattern::Print); });
    add("strapless top", "", "bare_shoulders", [&p] { return test::bare_skin(p, test::Neckline::Strapless); });
    add("deep V neckline", "", "bare_shoulders", [&p] { return test::bare_skin(p, test::Neckline::DeepV); });
    for (double f : {0.02, 0.04}) add("dark border 2 %, 4 %", num(f), "black_border", [&p, f] { return test::dark_border(p, f); });
    // Detail lost so that the spec photo enlarges what is left x3 and x4 (the check's fail
    // level is x2.5). A shrink by x3 of a large photo is not a defect once it is scaled down to
    // 480x640: a photo that already needs that much is a true positive, not spoiled further.
    for (double k : {3.0, 4.0})
        add("spec photo enlarges detail x3, x4", num(k), "source_resolution", [&p, k, out_per_orig]() -> cv::Mat {
            const double shrink = k / out_per_orig;
            return shrink < 1.25 ? cv::Mat() : test::shrink_enlarge(p, shrink);
        });
    add("skin smoothing", "", "skin_smoothing", [&p] { return test::smooth_skin(p); });
    add("eye region darkened", "", "tinted_lenses", [&p] { return test::tint_lenses(p); });
    for (double s : {12.0, 18.0}) add("noise sigma 12, 18", num(s), "noise", [&p, s] { return test::add_noise(p, s, 7); });
    add("second face >= 110 px", "", "other_faces", [&p] { return test::second_face(p); });
    for (double w : {40.0, 50.0, 60.0})
        add("face pasted 40/50/60 px @512", num(w), "other_faces", [&p, w] { return test::second_face_at(p, w); });
    add("cluttered background", "", "background_uniformity", [&p] { return test::clutter(p, 11); });
    add("dark plain backdrop", "", "source_background", [&p] { return test::dark_plain_backdrop(p); });
    add("dark curtain backdrop", "", "source_background", [&p] { return test::dark_curtain_backdrop(p); });
    add("patterned backdrop", "", "source_background", [&p] { return test::patterned_backdrop(p); });
    return c;
}

struct Clean {
    std::string label;
    std::vector<std::uint8_t> bytes;
};

std::vector<Clean> clean_variants(const cv::Mat& bgr) {
    std::vector<Clean> c;
    c.push_back({"q95", test::encode_jpeg_q(bgr, 95)});
    c.push_back({"q75", test::encode_jpeg_q(bgr, 75)});
    // 80 %, but never exactly the spec's pixel size: the engine judges such a file as the
    // final photo (PhotoEngine::process) instead of standardizing it (600x800 -> 480x640).
    const auto& spec = test::shared_engine().config().spec;
    const double k = (std::lround(bgr.cols * 0.8) == spec.width && std::lround(bgr.rows * 0.8) == spec.height) ? 0.79 : 0.8;
    cv::Mat small;
    cv::resize(bgr, small, cv::Size(), k, k, cv::INTER_AREA);
    c.push_back({"80%", test::encode_jpeg_q(small, 92)});
    return c;
}

// [SECTION] Jittered clean copies

// A phone capture of the same scene: never pixel-identical. Ranges per copy, drawn uniformly:
// roll +/- 1 deg and zoom 1..1.03 about the centre, shift +/- 2 % of the width and of the
// height, +/- 0.15 EV in linear light, JPEG quality 85..92. Same size as the photo. Where the
// frame moves past the photo, the pixels are filled as the demo queue fills them
// (src/demo/sources.cpp): the top row repeated above (the wall over the head), mirrored beside
// and below.
struct Jitter {
    double roll_deg = 0, zoom = 1, dx = 0, dy = 0, ev = 0;
    int quality = 90;
};

// Copy k (1-based) of the photo `name`: seeded by the name and k only.
Jitter draw_jitter(const std::string& name, int k) {
    demo::Rng rng(demo::derive(8, "validation jitter " + name, std::uint64_t(k)));
    Jitter j;
    j.roll_deg = rng.uniform(-1.0, 1.0);
    j.zoom = rng.uniform(1.0, 1.03);
    j.dx = rng.uniform(-0.02, 0.02);
    j.dy = rng.uniform(-0.02, 0.02);
    j.ev = rng.uniform(-0.15, 0.15);
    j.quality = 85 + rng.index(8);
    return j;
}

std::string describe(const Jitter& j) {
    char b[96];
    std::snprintf(b, sizeof b, "roll %+.2f zoom %.3f shift %+.3f/%+.3f %+.2f EV q%d", j.roll_deg, j.zoom, j.dx, j.dy, j.ev,
                  j.quality);
    return b;
}

cv::Mat apply_jitter(const cv::Mat& bgr, const Jitter& j) {
    const int pad = int(std::ceil(0.08 * std::max(bgr.cols, bgr.rows)));
    cv::Mat padded;
    cv::copyMakeBorder(bgr, padded, pad, pad, pad, pad, cv::BORDER_REFLECT101);
    for (int y = 0; y < pad; ++y) padded.row(pad).copyTo(padded.row(y));
    // Output pixel -> padded source pixel: about the photo's centre, rotated and scaled, moved.
    const cv::Point2f c(float(pad + bgr.cols / 2.0), float(pad + bgr.rows / 2.0));
    cv::Mat m = cv::getRotationMatrix2D(c, j.roll_deg, j.zoom);
    m.at<double>(0, 2) += j.dx * bgr.cols - pad;
    m.at<double>(1, 2) += j.dy * bgr.rows - pad;
    cv::Mat out;
    // Bicubic, not bilinear as the demo renders: at sub-pixel offsets bilinear halves the 2-4 px
    // detail a fresh capture has, and source_resolution reads that as a x2 enlargement (6 of 46
    // tuning copies warned with it, none with bicubic).
    cv::warpAffine(padded, out, m, bgr.size(), cv::INTER_CUBIC, cv::BORDER_REPLICATE);
    // Exposure in linear light (as test::expose and the demo's linear_gain).
    cv::Mat lut(1, 256, CV_8U);
    const double gain = std::pow(2.0, j.ev);
    for (int i = 0; i < 256; ++i) {
        const double c8 = i / 255.0;
        const double lin = std::min(1.0, gain * (c8 <= 0.04045 ? c8 / 12.92 : std::pow((c8 + 0.055) / 1.055, 2.4)));
        const double s = lin <= 0.0031308 ? lin * 12.92 : 1.055 * std::pow(lin, 1 / 2.4) - 0.055;
        lut.at<uchar>(i) = cv::saturate_cast<uchar>(s * 255 + 0.5);
    }
    cv::LUT(out, lut, out);
    return out;
}

// The eye line's tilt of a jittered copy: the clean photo's, turned by the copy's roll (a positive
// roll turns the image counter-clockwise, which reads as a negative change of eye_tilt's angle).
double copy_tilt(double clean_tilt_deg, const Jitter& j) { return clean_tilt_deg - j.roll_deg; }

// Checks over the 5 % budget on the tuning photos' jittered copies when the section was added:
// printed, not asserted. Whether to fix the check, name a true positive or change the budget is
// for the project's steering (issue 8); drop an entry once its check is back under budget.
const std::map<std::string, std::string> kJitterOverBudget = {
    // eye_tilt was here until its copies turned past the warning were set aside as tilted (3/50
    // and, with 10 copies, 14/250 -> 1/48 and 4/240); matte_quality until its torso region took
    // the shape of a neck (2/40 -> 1/40).
};

// Copies per photo: PD_VALIDATION_JITTER (default 2, 0: none).
int jitter_copies_per_photo() {
    const char* e = std::getenv("PD_VALIDATION_JITTER");
    return e ? std::max(0, std::atoi(e)) : 2;
}

// [SECTION] Running

bool alarmed(Verdict v) { return v == Verdict::Warn || v == Verdict::Fail; }

struct Measured {
    std::string kind, label, target;
    Verdict verdict;
    double value;
};

struct PhotoRun {
    std::string error;  // the clean photo could not be analysed: fails the test
    bool no_face = false;
    std::vector<Measured> spoiled;
    std::vector<std::string> skipped;  // degradations that do not apply to this photo
    std::vector<std::pair<std::string, std::vector<CheckResult>>> clean;  // variant label, checks
    struct Jittered {
        std::string copy;  // "j<k>"
        Jitter jitter;
        std::vector<CheckResult> checks;
    };
    std::vector<Jittered> jittered;
    std::vector<std::string> jitter_errors;  // copies that could not be analysed: fail the test
};

// The median of one check's value over a photo's clean variants (NaN when none assessed it).
double median_clean_value(const PhotoRun& r, const std::string& id) {
    std::vector<double> v;
    for (const auto& [label, checks] : r.clean)
        for (const auto& cr : checks)
            if (cr.id == id && cr.verdict != Verdict::NotAssessable) v.push_back(cr.value);
    if (v.empty()) return std::nan("");
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

// PD_VALIDATION_DUMP=DIR: a tuning photo's bytes as the engine was given them, to look at
// (DIR/photo@check@what@label.jpg). Held-out photos are never dumped: they are not looked at
// while tuning.
void dump(const RealPhoto& s, const std::string& check, std::string what, const std::string& label,
          const std::vector<std::uint8_t>& bytes) {
    const char* dir = std::getenv("PD_VALIDATION_DUMP");
    if (!dir || s.held_out) return;
    for (char& ch : what)
        if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '-';
    std::ofstream(std::filesystem::path(dir) / (s.name + "@" + check + "@" + what + "@" + label + ".jpg"), std::ios::binary)
        .write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size()));
}

PhotoRun run_photo(const RealPhoto& s, const std::set<std::string>& catalogue, bool clean_only, int jitter_n) {
    PhotoRun r;
    const auto& E = test::shared_engine();
    cv::Mat bgr;
    try {
        bgr = test::load_bgr(s.path.string());
    } catch (const std::exception& e) {
        r.error = e.what();
        return r;
    }
    double out_per_orig = 0;
    for (auto& c : clean_variants(bgr)) {
        auto o = E.process(c.bytes);
        if (!o) {
            r.error = c.label + ": " + o.error().message;
            return r;
        }
        if (out_per_orig == 0 && o->analysis.has_face()) {
            const auto& a = o->analysis;
            out_per_orig = a.working_per_original * (o->photo ? o->photo->crop.scale
                                                              : E.config().spec.face_width.mid() / a.subject().face_width());
        }
        r.clean.emplace_back(c.label, std::move(o->checks));
    }
    for (int k = 1; k <= jitter_n; ++k) {
        const Jitter j = draw_jitter(s.name, k);
        const std::string copy = "j" + std::to_string(k);
        const auto bytes = test::encode_jpeg_q(apply_jitter(bgr, j), j.quality);
        auto o = E.process(bytes);
        if (!o) {
            r.jitter_errors.push_back(copy + " (" + describe(j) + "): " + o.error().message);
            continue;
        }
        // The copies that alarm (true positives aside), to look at (PD_VALIDATION_DUMP).
        for (const auto& cr : o->checks)
            if (alarmed(cr.verdict) && !test::validation_config().is_true_positive(s.name, cr.id))
                dump(s, cr.id, "jitter", copy, bytes);
        r.jittered.push_back({copy, j, std::move(o->checks)});
    }
    if (clean_only) return r;
    test::Photo p;
    try {
        p = test::analyse_photo(s.name, bgr);
    } catch (const std::exception&) {
        r.no_face = true;  // nothing to spoil: the landmarks and the matte are needed
        return r;
    }
    const char* only = std::getenv("PD_VALIDATION_ONLY");
    for (const auto& c : cases_for(p, out_per_orig)) {
        if (only && c.target != only) continue;
        if (!catalogue.count(c.target)) {
            r.spoiled.push_back({c.kind, c.label, c.target, Verdict::NotAssessable, 0});
            continue;
        }
        const auto bytes = c.make();
        if (bytes.empty()) {
            r.skipped.push_back(c.kind + (c.label.empty() ? "" : " " + c.label));
            continue;
        }
        auto o = E.process(bytes);
        if (!o) {
            r.spoiled.push_back({c.kind, c.label, c.target, Verdict::NotAssessable, 0});
            continue;
        }
        const auto& cr = test::find_check(o->checks, c.target);
        r.spoiled.push_back({c.kind, c.label, c.target, cr.verdict, cr.value});
        // Every missed degradation of a tuning photo, to look at (PD_VALIDATION_DUMP).
        if (!alarmed(cr.verdict)) dump(s, c.target, c.kind, c.label, bytes);
    }
    return r;
}

// [SECTION] The table

struct Count {
    int hit = 0, n = 0;
    void add(bool h) { hit += h; ++n; }
    double rate() const { return n ? 100.0 * hit / n : 0; }
    std::string str() const {
        if (!n) return "-";
        char b[48];
        std::snprintf(b, sizeof b, "%d/%d %5.1f%%", hit, n, rate());
        return b;
    }
};

struct Row {
    std::string check, what;
    bool false_alarm = false;
    Count col[2];  // tuning, held-out
    int set_aside = 0;
    bool in_catalogue = true;
};

std::string marker(const Row& r) {
    if (!r.in_catalogue) return "";
    const auto meets = [&](const Count& c) { return c.n == 0 || (r.false_alarm ? c.rate() <= 5.0 : c.rate() >= 95.0); };
    const bool t = meets(r.col[0]), h = meets(r.col[1]);
    if (t && h) return "pass";
    if (!t && !h) return "MISS both";
    return t ? "MISS held-out" : "MISS tuning";
}

double median(std::vector<double> v) {
    if (v.empty()) return 0;
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

}  // namespace

TEST(Validation, TableOverEveryRealPhoto) {
    const auto t0 = std::chrono::steady_clock::now();
    const auto& cfg = test::validation_config();
    const auto real = test::real_photos(cfg);
    std::vector<std::string> notes = {"split and true positives: " + cfg.path + " (" + std::to_string(cfg.held_out.size()) +
                                      " held-out photos, " + std::to_string(cfg.true_positives.size()) + " true positives)"};
    notes.insert(notes.end(), real.notes.begin(), real.notes.end());
    // A typo in the true-positive list would silently hide a false alarm: refuse to run.
    const auto problems = test::true_positive_problems(cfg, real);
    for (const auto& p : problems) ADD_FAILURE() << p;
    ASSERT_TRUE(problems.empty()) << "fix the true-positive list in " << cfg.path;
    const auto& sources = real.photos;
    std::set<std::string> catalogue;
    std::vector<std::string> order;
    for (const auto& d : check_catalogue()) {
        catalogue.insert(d.id);
        order.push_back(d.id);
    }

    // PD_VALIDATION_CLEAN_ONLY=1: only the clean photos (false alarms), in seconds.
    const bool clean_only = std::getenv("PD_VALIDATION_CLEAN_ONLY") != nullptr;
    const int jitter_n = jitter_copies_per_photo();
    std::vector<PhotoRun> runs(sources.size());
    {
        int threads = 2;
        if (const char* e = std::getenv("PD_VALIDATION_THREADS")) threads = std::max(1, std::atoi(e));
        std::atomic<std::size_t> next{0};
        std::vector<std::thread> pool;
        for (int i = 0; i < threads; ++i)
            pool.emplace_back([&] {
                for (std::size_t k; (k = next++) < sources.size();)
                    runs[k] = run_photo(sources[k], catalogue, clean_only, jitter_n);
            });
        for (auto& t : pool) t.join();
    }
    const bool verbose = std::getenv("PD_VALIDATION_VERBOSE") != nullptr;

    // Rows: per check, its degradation kinds in the order they were made, then false alarms.
    std::map<std::string, std::vector<Row>> rows;
    // For the notes under the table: misses on the tuning photos by (check, kind), and every
    // clean photo's alarms (q95 value, how many of its three clean variants alarm).
    std::map<std::pair<std::string, std::string>, std::vector<std::string>> missed_tuning;
    std::map<std::string, std::vector<double>> clean_values_tuning;
    struct CleanAlarm { int variants = 0; std::string first; };
    std::vector<std::pair<std::string, std::map<std::string, CleanAlarm>>> clean_alarms;  // photo -> check -> alarm
    std::vector<std::string> targets_not_in_catalogue;
    // The jittered copies, per check (not in `rows`: the clean rows keep their denominators).
    // Alarms are named for the tuning photos only; of the held-out ones only counts are kept.
    struct JitterRow {
        Count col[2];
        int set_aside = 0;
        std::vector<std::pair<std::string, std::string>> tuning_alarms;  // "photo j<k>", "verdict value"
        std::set<std::string> held_out_photos;  // held-out photos with an alarm (counted, not named)
    };
    std::map<std::string, JitterRow> jitter_rows;
    std::map<std::string, std::string> jitter_params;  // tuning photo j<k> -> its jitter, for the list
    const double tilt_warn_deg = test::shared_engine().config().checks.at("eye_tilt").params.at("warn_deg");
    std::vector<std::string> turned_past;  // tuning photos' jittered copies whose own tilt is past the warning
    int turned_past_held_out = 0;
    int photos[2] = {0, 0}, no_face[2] = {0, 0};
    for (std::size_t i = 0; i < sources.size(); ++i) {
        const auto& s = sources[i];
        const auto& r = runs[i];
        EXPECT_TRUE(r.error.empty()) << s.key << ": clean photo cannot be analysed: " << r.error;
        if (!r.error.empty()) continue;
        const int col = s.held_out ? 1 : 0;
        ++photos[col];
        if (r.no_face) {
            ++no_face[col];
            notes.push_back("no face found on clean " + s.key + ": its degradations are not in the table");
        }
        if (!r.skipped.empty()) {
            std::string what;
            for (const auto& k : r.skipped) what += (what.empty() ? "" : ", ") + k;
            notes.push_back(s.key + ": not applicable, skipped: " + what);
        }
        for (const auto& m : r.spoiled) {
            auto& list = rows[m.target];
            auto it = std::find_if(list.begin(), list.end(), [&](const Row& x) { return !x.false_alarm && x.what == m.kind; });
            if (it == list.end()) {
                list.push_back({m.target, m.kind});
                it = list.end() - 1;
                it->in_catalogue = catalogue.count(m.target) > 0;
            }
            if (!it->in_catalogue) continue;
            it->col[col].add(alarmed(m.verdict));
            if (!alarmed(m.verdict) && col == 0)
                missed_tuning[{m.target, m.kind}].push_back(s.name + (m.label.empty() ? "" : "@" + m.label) + " " +
                                                            (m.verdict == Verdict::NotAssessable ? "n/a" : fmt_num(m.value, 3)));
            if (verbose)
                std::printf("  %-28s %-32s %-6s %-22s %-14s %.3f\n", s.name.c_str(), m.kind.c_str(), m.label.c_str(),
                            m.target.c_str(), to_string(m.verdict), m.value);
        }
        clean_alarms.emplace_back(s.name + (s.held_out ? " (held-out)" : ""), std::map<std::string, CleanAlarm>{});
        for (const auto& [label, checks] : r.clean) {
            for (const auto& cr : checks) {
                auto& list = rows[cr.id];
                auto it = std::find_if(list.begin(), list.end(), [](const Row& x) { return x.false_alarm; });
                if (it == list.end()) {
                    list.push_back({cr.id, "false alarms on clean photos", true});
                    it = list.end() - 1;
                }
                if (alarmed(cr.verdict)) {
                    auto& ca = clean_alarms.back().second[cr.id];
                    if (!ca.variants++)
                        ca.first = label + " " + to_string(cr.verdict) + " " + fmt_num(cr.value, 3) +
                                   (cfg.is_true_positive(s.name, cr.id) ? " TP" : "");
                }
                if (cfg.is_true_positive(s.name, cr.id)) {
                    ++it->set_aside;
                    continue;
                }
                it->col[col].add(alarmed(cr.verdict));
                if (col == 0 && label == "q95") clean_values_tuning[cr.id].push_back(cr.value);
                if (verbose)
                    std::printf("  %-28s %-32s %-6s %-22s %-14s %.3f\n", s.name.c_str(), "clean", label.c_str(), cr.id.c_str(),
                                to_string(cr.verdict), cr.value);
            }
        }
        for (const auto& e : r.jitter_errors) ADD_FAILURE() << s.key << ": jittered clean copy cannot be analysed: " << e;
        const double clean_tilt = median_clean_value(r, "eye_tilt");
        for (const auto& [copy, jitter, checks] : r.jittered) {
            if (col == 0) jitter_params[s.name + " " + copy] = describe(jitter);
            for (const auto& cr : checks) {
                auto& jr = jitter_rows[cr.id];
                // Set aside exactly as the clean rows do: a named true positive is not a false alarm.
                if (cfg.is_true_positive(s.name, cr.id)) {
                    ++jr.set_aside;
                    continue;
                }
                // A copy the roll turned past the tilt warning is a tilted photo, not a clean one.
                if (cr.id == "eye_tilt" && std::isfinite(clean_tilt) &&
                    std::abs(copy_tilt(clean_tilt, jitter)) >= tilt_warn_deg) {
                    ++jr.set_aside;
                    if (s.held_out) ++turned_past_held_out;
                    else
                        turned_past.push_back(s.name + " " + copy + " " + fmt_num(copy_tilt(clean_tilt, jitter), 2) +
                                              " deg: " + to_string(cr.verdict));
                    continue;
                }
                jr.col[col].add(alarmed(cr.verdict));
                if (alarmed(cr.verdict)) {
                    if (col == 0)
                        jr.tuning_alarms.emplace_back(s.name + " " + copy,
                                                      std::string(to_string(cr.verdict)) + " " + fmt_num(cr.value, 3));
                    else
                        jr.held_out_photos.insert(s.name);
                }
                if (verbose)
                    std::printf("  %-28s %-32s %-6s %-22s %-14s %.3f\n", s.held_out ? "(held-out)" : s.name.c_str(), "jittered",
                                copy.c_str(), cr.id.c_str(), to_string(cr.verdict), cr.value);
            }
        }
    }
    for (const auto& [id, _] : rows)
        if (!catalogue.count(id)) order.push_back(id);

    std::printf("\nValidation table (issue 8): %d tuning photos, %d held-out photos; targets: detection >= 95 %% per "
                "degradation kind, false alarms <= 5 %% per check\n",
                photos[0], photos[1]);
    for (const auto& n : notes) std::printf("note: %s\n", n.c_str());
    std::printf("\n%-22s %-38s %-17s %-17s %s\n", "check", "degradation kind", "tuning", "held-out", "target");
    int printed = 0;
    for (const auto& id : order) {
        auto it = rows.find(id);
        if (it == rows.end()) continue;
        // Detection rows first, then the false-alarm row.
        std::stable_sort(it->second.begin(), it->second.end(), [](const Row& a, const Row& b) { return !a.false_alarm && b.false_alarm; });
        bool first = true;
        for (const auto& r : it->second) {
            const std::string name = first ? id : "";
            first = false;
            if (!r.in_catalogue) {
                std::printf("%-22s %-38s %s\n", name.c_str(), r.what.c_str(), "n/a (check not in catalogue)");
                continue;
            }
            std::string what = r.what;
            if (r.false_alarm && r.set_aside) what += " (" + std::to_string(r.set_aside) + " TP)";
            std::printf("%-22s %-38s %-17s %-17s %s\n", name.c_str(), what.c_str(), r.col[0].str().c_str(), r.col[1].str().c_str(),
                        marker(r).c_str());
            ++printed;
        }
    }
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::printf("(%.0f s)\n", secs);

    // For the people recalibrating: misses on the TUNING photos only (photo@strength value).
    std::printf("\nMisses on the tuning photos (photo@strength measured value; n/a = not assessable)\n");
    for (const auto& id : order)
        for (const auto& [key, list] : missed_tuning) {
            if (key.first != id) continue;
            std::string line;
            for (const auto& m : list) line += (line.empty() ? "" : ", ") + m;
            std::printf("%s / %s: %zu missed (clean median %s): %s\n", id.c_str(), key.second.c_str(), list.size(),
                        fmt_num(median(clean_values_tuning[id]), 3).c_str(), line.c_str());
        }
    // Every clean photo's alarms, to look at: a true positive goes into config/validation.toml.
    std::printf("\nAlarms on clean photos (first variant's verdict and value, variants alarming of 3; TP = named true positive)\n");
    for (const auto& [photo, alarms] : clean_alarms) {
        if (alarms.empty()) continue;
        std::string line;
        for (const auto& [id, a] : alarms) line += (line.empty() ? "" : "; ") + id + " " + a.first + " " + std::to_string(a.variants) + "/3";
        std::printf("%s: %s\n", photo.c_str(), line.c_str());
    }

    // [jittered] After the table and its notes, in the same columns.
    if (jitter_n > 0) {
        std::printf("\nFalse alarms on jittered clean copies: %d per photo (roll +/-1 deg, zoom +0-3 %%, shift +/-2 %%, "
                    "+/-0.15 EV, JPEG q85-92; seeded by photo name), target <= 5 %% per check\n",
                    jitter_n);
        std::printf("%-22s %-38s %-17s %-17s %s\n", "check", "", "tuning", "held-out", "target");
        for (const auto& id : order) {
            auto it = jitter_rows.find(id);
            if (it == jitter_rows.end()) continue;
            const auto& jr = it->second;
            const Row r{id, "", true, {jr.col[0], jr.col[1]}, jr.set_aside, catalogue.count(id) > 0};
            const std::string what = "jittered copies" + (jr.set_aside ? " (" + std::to_string(jr.set_aside) + " TP)" : "");
            std::printf("%-22s %-38s %-17s %-17s %s%s\n", id.c_str(), what.c_str(), jr.col[0].str().c_str(),
                        jr.col[1].str().c_str(), marker(r).c_str(), kJitterOverBudget.count(id) ? ", not asserted" : "");
        }
        for (const auto& [id, why] : kJitterOverBudget) std::printf("not asserted: %s: %s\n", id.c_str(), why.c_str());
        if (!turned_past.empty() || turned_past_held_out) {
            std::printf("eye_tilt: copies set aside as tilted (the clean photo's median tilt turned by the copy's roll "
                        "is at or past the %.1f deg warning):",
                        tilt_warn_deg);
            for (const auto& t : turned_past) std::printf(" %s;", t.c_str());
            std::printf(" held-out: %d copies\n", turned_past_held_out);
        }
        std::printf("\nAlarms on jittered copies (tuning photos: copy, verdict, value; held-out photos: counts only)\n");
        std::set<std::string> listed;
        for (const auto& id : order) {
            auto it = jitter_rows.find(id);
            if (it == jitter_rows.end()) continue;
            const auto& jr = it->second;
            std::string line;
            for (const auto& [copy, what] : jr.tuning_alarms) {
                line += (line.empty() ? "" : ", ") + copy + " " + what;
                listed.insert(copy);
            }
            if (!jr.held_out_photos.empty())
                line += (line.empty() ? "" : "; ") + std::string("held-out: ") + std::to_string(jr.col[1].hit) + " of " +
                        std::to_string(jr.col[1].n) + " copies, on " + std::to_string(jr.held_out_photos.size()) + " photo(s)";
            if (!line.empty()) std::printf("%s: %s\n", id.c_str(), line.c_str());
        }
        for (const auto& copy : listed) std::printf("  %s: %s\n", copy.c_str(), jitter_params[copy].c_str());

        // The tuning photos only: the held-out column is there to show a gap, not to gate on.
        for (const auto& [id, _] : kJitterOverBudget) EXPECT_TRUE(catalogue.count(id)) << "kJitterOverBudget: no check " << id;
        for (const auto& [id, jr] : jitter_rows) {
            if (!jr.col[0].n || kJitterOverBudget.count(id) || !catalogue.count(id)) continue;
            EXPECT_LE(jr.col[0].rate(), 5.0) << id << ": false alarms on the tuning photos' jittered clean copies "
                                             << jr.col[0].str() << " (see \"Alarms on jittered copies\" above)";
        }
    }

    EXPECT_GT(printed, 0) << "the validation table is empty";
    EXPECT_GT(photos[0] + photos[1], 0);
}
