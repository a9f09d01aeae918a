// Photo sources, the usable-face rule, the crops, and each defect measured the way its check
// measures it (and, for a few portraits, judged by the engine itself).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <set>

#include <opencv2/imgproc.hpp>

#include "demo/demo_rng.h"
#include "demo/demo_support.h"
#include "engine/decode/decode.h"
#include "support/test_support.h"

namespace pd::test {
namespace {

using demo::Defect;
using demo::PhotoSpec;

const demo::Photo& must_photo(const Result<demo::Photo>& r) {
    if (!r) throw std::runtime_error(r.error().message);
    return r.value();
}

demo::Photo render(int portrait, Defect d, std::uint64_t seed, int donor = -1) {
    PhotoSpec spec;
    spec.portrait = portrait;
    spec.defect = d;
    spec.seed = seed;
    spec.donor = donor;
    return must_photo(demo::make_photo(loaded_portraits().portraits, spec, demo_config(), true, engine_detect_long_side()));
}

// Faces as the engine's analysis finds them (same detector size and minimum).
std::vector<engine::Face> engine_faces(const cv::Mat& bgr) {
    const auto& st = photo_engine().config().settings;
    return face_model().detect(bgr, st.detect_long_side, st.min_face_px);
}

double laplacian_variance(const cv::Mat& bgr, cv::Rect r) {
    cv::Mat grey, lap;
    cv::cvtColor(bgr(r & cv::Rect(0, 0, bgr.cols, bgr.rows)), grey, cv::COLOR_BGR2GRAY);
    cv::Laplacian(grey, lap, CV_64F);
    cv::Scalar mean, sd;
    cv::meanStdDev(lap, mean, sd);
    return sd[0] * sd[0];
}

cv::Mat lab_of(const cv::Mat& bgr) {
    cv::Mat f, lab;
    bgr.convertTo(f, CV_32FC3, 1 / 255.0);
    cv::cvtColor(f, lab, cv::COLOR_BGR2Lab);
    return lab;
}

double mean_l(const cv::Mat& bgr, cv::Rect r) {
    return cv::mean(lab_of(bgr(r & cv::Rect(0, 0, bgr.cols, bgr.rows))))[0];
}

cv::Rect face_rect(const engine::Face& f) {
    return cv::Rect(int(f.box.x), int(f.box.y), int(f.box.width), int(f.box.height));
}

// Share of the clothing band (below the neck, the face's columns widened) within dE76 22 of
// the spec background, as blue_clothing counts it.
double blue_share(const cv::Mat& bgr, const engine::Face& f) {
    const cv::Mat lab = lab_of(bgr);
    cv::Mat px(1, 1, CV_32FC3, cv::Scalar(1.0, 197 / 255.0, 100 / 255.0)), bgl;
    cv::cvtColor(px, bgl, cv::COLOR_BGR2Lab);
    const cv::Vec3f bg = bgl.at<cv::Vec3f>(0, 0);
    const double W = f.face_width();
    const int cx = int((f.points[0].x + f.points[16].x) / 2);
    const cv::Rect band = cv::Rect(int(cx - 0.9 * W), int(f.points[8].y + 0.5 * W), int(1.8 * W), int(0.8 * W)) &
                          cv::Rect(0, 0, bgr.cols, bgr.rows);
    int near = 0;
    for (int y = band.y; y < band.y + band.height; ++y)
        for (int x = band.x; x < band.x + band.width; ++x) near += cv::norm(lab.at<cv::Vec3f>(y, x) - bg) < 22;
    return band.area() ? double(near) / band.area() : 0;
}

// Lens lightness over cheek lightness (the lighter eye), as tinted_lenses measures it.
double lens_ratio(const cv::Mat& bgr, const engine::Face& f) {
    const cv::Mat lab = lab_of(bgr);
    const auto mean_in = [&](cv::Point2f c, float r) {
        cv::Mat m = cv::Mat::zeros(bgr.size(), CV_8U);
        cv::circle(m, c, std::max(1, int(r)), cv::Scalar(255), cv::FILLED);
        return cv::mean(lab, m)[0];
    };
    double best = 0;
    for (int first : {36, 42}) {
        cv::Point2f c(0, 0);
        for (int i = first; i < first + 6; ++i) c += f.points[i];
        c *= 1.f / 6;
        const float ew = float(cv::norm(f.points[first] - f.points[first + 3]));
        const cv::Point2f cheek = c + cv::Point2f(0, 1.6f * ew);
        best = std::max(best, mean_in(c, 0.6f * ew) / std::max(1.0, mean_in(cheek, 0.5f * ew)));
    }
    return best;
}

// Widest run of near-black (L <= 12), flat rows or columns at any edge.
int black_border_px(const cv::Mat& bgr) {
    const cv::Mat lab = lab_of(bgr);
    const auto dark_row = [&](int y) {
        for (int x = 0; x < lab.cols; ++x)
            if (lab.at<cv::Vec3f>(y, x)[0] > 12) return false;
        return true;
    };
    const auto dark_col = [&](int x) {
        for (int y = 0; y < lab.rows; ++y)
            if (lab.at<cv::Vec3f>(y, x)[0] > 12) return false;
        return true;
    };
    int best = 0, n = 0;
    for (n = 0; n < lab.rows && dark_row(n); ++n) {}
    best = std::max(best, n);
    for (n = 0; n < lab.rows && dark_row(lab.rows - 1 - n); ++n) {}
    best = std::max(best, n);
    for (n = 0; n < lab.cols && dark_col(n); ++n) {}
    best = std::max(best, n);
    for (n = 0; n < lab.cols && dark_col(lab.cols - 1 - n); ++n) {}
    return std::max(best, n);
}

// [SECTION] Sources and the usable-face rule

TEST(DemoSources, FindsTheSourcesInAFixedOrder) {
    const auto& l = loaded_portraits();
    ASSERT_FALSE(l.sources.empty());
    EXPECT_EQ(l.sources.front().name, "astronaut");
    EXPECT_EQ(l.sources.front().kind, demo::SourceKind::portrait);
    const auto groups = std::count_if(l.sources.begin(), l.sources.end(),
                                      [](const demo::SourceFile& s) { return s.kind == demo::SourceKind::group; });
    EXPECT_GE(groups, 10) << "dlib's example photos";
    const auto shared = shared_portraits();
    const auto portraits = std::count_if(l.sources.begin(), l.sources.end(),
                                         [](const demo::SourceFile& s) { return s.kind == demo::SourceKind::portrait; });
    EXPECT_EQ(portraits, 1 + long(shared.size()));
    // Never the held-out validation set.
    for (const auto& s : l.sources) EXPECT_EQ(s.path.find("portraits-dev"), std::string::npos) << s.path;
    std::vector<std::string> notes;
    const auto none = demo::find_sources(demo_config().sources, "/nonexistent/portraits", &notes);
    ASSERT_FALSE(notes.empty());
    EXPECT_NE(notes.front().find("/nonexistent/portraits is absent"), std::string::npos) << notes.front();
}

TEST(DemoSources, SharedPortraitsDecodeWhateverTheirExtensionSays) {
    const auto shared = shared_portraits();
    PD_REQUIRE_SHARED_PORTRAITS(shared);
    std::set<engine::ImageFormat> formats;
    for (const auto& p : loaded_portraits().portraits) {
        if (p.kind != demo::SourceKind::portrait || p.name == "astronaut") continue;
        formats.insert(engine::sniff_format(*p.bytes));
        EXPECT_GT(p.face.face_width(), 100) << p.name;
    }
    EXPECT_EQ(int(std::count_if(loaded_portraits().portraits.begin(), loaded_portraits().portraits.end(),
                                [](const demo::Portrait& p) { return p.kind == demo::SourceKind::portrait; })),
              1 + int(shared.size()));
    EXPECT_TRUE(formats.count(engine::ImageFormat::WebP)) << "woman-street-bg.jpg is a WebP";
    EXPECT_TRUE(formats.count(engine::ImageFormat::Png)) << "girl-room-bg.jpg is a PNG";
}

TEST(DemoSources, UsableDlibFacesFollowTheRule) {
    const auto& rules = demo_config().sources;
    int usable = 0, small = 0;
    std::set<std::string> files;
    for (const auto& p : loaded_portraits().portraits) {
        if (p.kind != demo::SourceKind::group) continue;
        ++usable;
        files.insert(p.file);
        SCOPED_TRACE(p.name);
        const double W = p.face.face_width();
        EXPECT_GE(W, rules.min_face_px);
        EXPECT_LE(std::abs(demo::yaw_deg(p.face)), rules.max_yaw_deg);
        EXPECT_NEAR(p.window.angle_deg, demo::eye_line_deg(p.face), 1e-3) << "levelled on the eye line";
        EXPECT_NEAR(p.window.size.height / p.window.size.width, 4.0 / 3.0, 1e-6);
        EXPECT_GE(p.window.size.width, rules.min_window_width * W - 1e-6);
        EXPECT_LE(p.window.size.width, rules.window_width * W + 1e-6);
        EXPECT_EQ(p.small(), W < rules.full_face_px);
        if (p.small()) {
            ++small;
            EXPECT_GE(p.enlarge, rules.small_enlarge);
        }
    }
    std::printf("usable dlib faces: %d (%d small) from %zu photos\n", usable, small, files.size());
    // dlib's examples are PASCAL VOC group photos with 37-100 px faces and a collage of head
    // shots cut at the crown and the neck: a few group-photo faces make low-resolution items.
    EXPECT_GE(usable, 3);
    // Skipped faces are each named with a reason.
    int turned = 0, tile = 0, room = 0, collage = 0;
    for (const auto& n : loaded_portraits().notes) {
        std::printf("  %s\n", n.c_str());
        turned += n.find("turned: yaw") != std::string::npos;
        tile += n.find("crosses a collage tile's edge") != std::string::npos;
        room += n.find("would leave the photo") != std::string::npos;
        collage += n.find("bald_guys: a collage") != std::string::npos;
    }
    EXPECT_GT(turned, 0);
    EXPECT_EQ(collage, 1);
    EXPECT_GT(tile, 0) << "the collage's tiles are head shots";
    EXPECT_GT(room, 0) << "Tom Cruise's face fills his photo: no window with shoulders fits";
}

TEST(DemoSources, OnlyTheCollageIsACollage) {
    for (const auto& src : loaded_portraits().sources) {
        auto bytes = engine::read_file_bytes(src.path);
        ASSERT_TRUE(bytes);
        const cv::Mat img = decode_bgr(bytes.value());
        EXPECT_EQ(demo::is_collage(demo::find_seams(img, 60), img.size()), src.name == "bald_guys") << src.name;
    }
}

TEST(DemoSources, JudgeFaceRefusesCutCrownsAndWindowsLeavingThePhoto) {
    const auto& ps = loaded_portraits().portraits;
    const int i = portrait_index("astronaut");
    ASSERT_GE(i, 0);
    const engine::Face& f0 = ps[i].face;
    const double W = f0.face_width();
    const auto moved = [&](cv::Point2f to_eyes) {
        engine::Face f = f0;
        const cv::Point2f d = to_eyes - f0.eyes_midpoint();
        for (auto& p : f.points) p += d;
        f.box.x += d.x, f.box.y += d.y;
        return f;
    };
    const cv::Rect photo(0, 0, int(8 * W), int(8 * W));
    const auto& rules = demo_config().sources;
    // Crown at the very top.
    const auto top = demo::judge_face(moved({float(4 * W), float(0.8 * W)}), {}, photo, 0, rules);
    EXPECT_FALSE(top.usable);
    EXPECT_NE(top.reason.find("crown"), std::string::npos) << top.reason;
    // Eyes half a face width above the bottom: no shoulders.
    const auto low = demo::judge_face(moved({float(4 * W), float(7.5 * W)}), {}, photo, int(6 * W), rules);
    EXPECT_FALSE(low.usable);
    EXPECT_NE(low.reason.find("leave the photo"), std::string::npos) << low.reason;
    // In the middle of a big photo: the preferred window.
    const engine::Face centred = moved({float(4 * W), float(3 * W)});
    const auto mid = demo::judge_face(centred, {centred}, photo, int(2 * W), rules);
    ASSERT_TRUE(mid.usable) << mid.reason;
    EXPECT_NEAR(mid.window.size.width, rules.window_width * W, 1e-6);
    // A neighbour's face close beside it: no window keeps it out.
    const auto crowd = demo::judge_face(centred, {centred, moved({float(4.9 * W), float(3 * W)})}, photo, int(2 * W), rules);
    EXPECT_FALSE(crowd.usable);
    EXPECT_NE(crowd.reason.find("neighbours"), std::string::npos) << crowd.reason;
}

// [SECTION] Crops

TEST(DemoPhotos, EveryPortraitMakesAPhotoTheEngineStandardizes) {
    const auto& ps = loaded_portraits().portraits;
    int n = 0;
    for (int i = 0; i < int(ps.size()); ++i) {
        SCOPED_TRACE(ps[i].name);
        const auto photo = render(i, Defect::clean, demo::derive(7, "look", std::uint64_t(i)));
        look("crop-" + ps[i].name, photo.bgr);
        const auto faces = engine_faces(decode_bgr(photo.bytes));
        ASSERT_FALSE(faces.empty()) << "the engine finds no face";
        // The one it finds is ours, and level.
        const cv::Point2f ours = photo.face.eyes_midpoint(), found = faces.front().eyes_midpoint();
        EXPECT_LT(cv::norm(ours - found), 0.15 * photo.face.face_width());
        EXPECT_LT(std::abs(demo::eye_line_deg(faces.front())), 4.0);
        // The whole pipeline reaches the spec: crown room above, shoulders below the chin.
        // Three seeds each. Two portraits sit at the edge of the spec bands and are refused on
        // some seeds whatever the resampling (measured over 16 seeds): the bun of
        // woman-uniform-beige-bg puts crown to eyes at 1.30 face widths, where the crown and eye
        // bands leave no margin (10 of 16 made), and the small group-photo face 2009_004587#02
        // reads 1.37 or has its crown cut by the demo window (4 of 16 made). Those two must make
        // a spec photo on at least one seed, every other portrait on all three.
        const bool at_the_edge = ps[i].name == "woman-uniform-beige-bg" || ps[i].name == "2009_004587#02";
        int made = 0;
        for (int k = 0; k < 3; ++k) {
            const auto p = k == 0 ? photo : render(i, Defect::clean, demo::derive(7 + k, "look", std::uint64_t(i)));
            auto o = photo_engine().process(p.bytes);
            ASSERT_TRUE(o) << o.error().message;
            if (o->photo) {
                if (made++ == 0) look("crop-" + ps[i].name + "-std", o->photo->bgr);
            } else {
                std::printf("  %-24s seed %d refused: %s\n", ps[i].name.c_str(), k,
                            o->spec_error ? o->spec_error->message.c_str() : "");
            }
        }
        EXPECT_GE(made, at_the_edge ? 1 : 3);
        ++n;
    }
    EXPECT_EQ(n, int(ps.size()));
    EXPECT_GE(n, 1 + int(shared_portraits().size()) + 3);
}

TEST(DemoPhotos, SameSeedSameBytesOtherSeedOtherBytes) {
    const int i = portrait_index("astronaut");
    ASSERT_GE(i, 0);
    for (Defect d : demo::all_defects()) {
        const int donor = d == Defect::second_face ? int(loaded_portraits().portraits.size()) - 1 : -1;
        const auto a = render(i, d, 11, donor), b = render(i, d, 11, donor), c = render(i, d, 12, donor);
        EXPECT_EQ(a.bytes, b.bytes) << demo::to_string(d);
        EXPECT_NE(a.bytes, c.bytes) << demo::to_string(d);
    }
}

TEST(DemoPhotos, OriginalBytesAreTheFileAsItIs) {
    const int i = portrait_index("astronaut");
    ASSERT_GE(i, 0);
    PhotoSpec spec;
    spec.portrait = i;
    spec.original_bytes = true;
    auto p = demo::make_photo(loaded_portraits().portraits, spec, demo_config());
    ASSERT_TRUE(p);
    EXPECT_TRUE(p->original);
    EXPECT_EQ(p->extension, ".png");
    auto file = engine::read_file_bytes(astronaut_path());
    ASSERT_TRUE(file);
    EXPECT_EQ(p->bytes, file.value());
}

// [SECTION] Defects, measured as their checks measure them

struct Pair {
    demo::Photo clean, bad;
};

Pair pair_for(int portrait, Defect d, std::uint64_t seed) {
    // The same seed gives the same jitter: the two photos differ by the defect only.
    const auto& ps = loaded_portraits().portraits;
    int donor = -1;
    for (int k = 0; k < int(ps.size()) && donor < 0; ++k)
        if (ps[k].file != ps[portrait].file) donor = k;
    return {render(portrait, Defect::clean, seed), render(portrait, d, seed, donor)};
}

// Portraits the defects are measured on: the astronaut, the largest dlib face and a shared
// portrait when present.
std::vector<int> measured_portraits() {
    std::vector<int> out = {portrait_index("astronaut")};
    for (const char* name : {"man-suit", "woman-street"})
        if (int i = portrait_index(name); i >= 0) out.push_back(i);
    return out;
}


TEST(DemoDefects, EachDefectChangesWhatItsCheckMeasures) {
    const auto& ps = loaded_portraits().portraits;
    for (int i : measured_portraits()) {
        ASSERT_GE(i, 0);
        const std::string name = ps[i].name;
        SCOPED_TRACE(name);
        const std::uint64_t seed = demo::derive(3, name);
        {
            const auto [c, b] = pair_for(i, Defect::tilt, seed);
            look("tilt-" + name, b.bgr);
            const auto fc = engine_faces(c.bgr), fb = engine_faces(b.bgr);
            ASSERT_FALSE(fc.empty());
            ASSERT_FALSE(fb.empty());
            EXPECT_LT(std::abs(demo::eye_line_deg(fc.front())), 4.0);
            EXPECT_GT(std::abs(demo::eye_line_deg(fb.front())), 6.0) << "eye_tilt fails above 6 deg";
        }
        {
            const auto [c, b] = pair_for(i, Defect::blur, seed);
            look("blur-" + name, b.bgr);
            const cv::Rect r = face_rect(c.face);
            EXPECT_LT(laplacian_variance(b.bgr, r), 0.3 * laplacian_variance(c.bgr, r));
        }
        {
            const auto [c, b] = pair_for(i, Defect::dark, seed);
            look("dark-" + name, b.bgr);
            const cv::Rect r = face_rect(c.face);
            EXPECT_LT(mean_l(b.bgr, r), 0.6 * mean_l(c.bgr, r));
            EXPECT_LT(mean_l(b.bgr, r), 35) << "skin L* far under exposure's 42 warning";
        }
        {
            const auto [c, b] = pair_for(i, Defect::blue_clothes, seed);
            look("blue-" + name, b.bgr);
            EXPECT_LT(blue_share(c.bgr, c.face), 0.1);
            EXPECT_GT(blue_share(b.bgr, b.face), 0.2);
        }
        {
            const auto [c, b] = pair_for(i, Defect::tinted_lenses, seed);
            look("tinted-" + name, b.bgr);
            EXPECT_LT(lens_ratio(b.bgr, b.face), 0.6 * lens_ratio(c.bgr, c.face));
            EXPECT_LT(lens_ratio(b.bgr, b.face), 0.6);
        }
        {
            const auto [c, b] = pair_for(i, Defect::low_resolution, seed);
            look("lowres-" + name, b.bgr);
            const cv::Rect r = face_rect(c.face);
            EXPECT_LT(laplacian_variance(b.bgr, r), 0.35 * laplacian_variance(c.bgr, r));
            EXPECT_EQ(b.bgr.size(), c.bgr.size());
        }
        {
            const auto [c, b] = pair_for(i, Defect::dark_border, seed);
            look("border-" + name, b.bgr);
            EXPECT_EQ(black_border_px(c.bgr), 0);
            EXPECT_GE(black_border_px(b.bgr), 2);
            EXPECT_GT(b.bgr.cols, c.bgr.cols);
        }
    }
}

TEST(DemoDefects, SecondFaceIsOneTheDetectorFinds) {
    const auto& ps = loaded_portraits().portraits;
    const auto& c = demo_config();
    int tried = 0;
    for (int i = 0; i < int(ps.size()); ++i) {
        if (!demo::has_room_for_second_face(ps[i], c, engine_detect_long_side())) continue;
        SCOPED_TRACE(ps[i].name);
        ++tried;
        const auto [clean, bad] = pair_for(i, Defect::second_face, demo::derive(5, ps[i].name));
        look("second-" + ps[i].name, bad.bgr);
        const auto other = [](const std::vector<engine::Face>& f) {
            // What other_faces counts: >= 25 % of the student's width, confidence >= 0.5.
            return std::count_if(f.begin() + 1, f.end(), [&](const engine::Face& g) {
                return g.face_width() >= 0.25 * f.front().face_width() && g.score >= 0.5;
            });
        };
        const auto fc = engine_faces(clean.bgr), fb = engine_faces(bad.bgr);
        ASSERT_FALSE(fb.empty());
        EXPECT_EQ(other(fc), 0);
        EXPECT_GE(other(fb), 1);
    }
    std::printf("portraits with room for a second face: %d\n", tried);
    if (shared_portraits().empty()) GTEST_SKIP() << "only the shared portraits leave room beside the head";
    EXPECT_GE(tried, 1);
}

// The engine's own verdicts on one portrait: each defect makes its check alarm.
TEST(DemoDefects, TheEngineChecksNoticeEachDefect) {
    const auto& ps = loaded_portraits().portraits;
    const std::vector<std::pair<Defect, std::string>> cases = {
        {Defect::tilt, "eye_tilt"},          {Defect::blur, "sharpness"},
        {Defect::dark, "exposure"},          {Defect::blue_clothes, "blue_clothing"},
        {Defect::tinted_lenses, "tinted_lenses"}, {Defect::second_face, "other_faces"},
        {Defect::low_resolution, "source_resolution"}, {Defect::dark_border, "black_border"}};
    std::vector<int> which = {portrait_index("astronaut")};
    for (const char* name : {"man-suit", "woman-street"})
        if (int i = portrait_index(name); i >= 0) which.push_back(i);
    int wrong_subject = 0;
    for (int i : which) {
        ASSERT_GE(i, 0);
        SCOPED_TRACE(ps[i].name);
        for (const auto& [d, check] : cases) {
            if (d == Defect::second_face && !demo::has_room_for_second_face(ps[i], demo_config(), engine_detect_long_side()))
                continue;
            const auto [clean, bad] = pair_for(i, d, demo::derive(9, ps[i].name));
            auto oc = photo_engine().process(clean.bytes);
            auto ob = photo_engine().process(bad.bytes);
            ASSERT_TRUE(oc && ob);
            // The engine takes the widest landmark fit as the student; on a busy photo that can
            // be a badge (a detection of confidence 0.03). Such a case says nothing about the
            // defect: it is reported, not counted.
            const auto& a = ob->analysis;
            ASSERT_TRUE(a.has_face());
            const cv::Point2f subject = a.subject().eyes_midpoint() * float(1.0 / a.working_per_original);
            if (cv::norm(subject - bad.face.eyes_midpoint()) > 0.3 * bad.face.face_width()) {
                std::printf("  %-22s %-16s the engine took another face as the student (score %.2f)\n",
                            ps[i].name.c_str(), check.c_str(), a.subject().score);
                ++wrong_subject;
                continue;
            }
            const auto find = [&](const std::vector<engine::CheckResult>& v) {
                return *std::find_if(v.begin(), v.end(), [&](const engine::CheckResult& r) { return r.id == check; });
            };
            const auto rc = find(oc->checks), rb = find(ob->checks);
            std::printf("  %-22s %-16s clean %-5s %8.3f  defect %-5s %8.3f\n", ps[i].name.c_str(), check.c_str(),
                        engine::to_string(rc.verdict), rc.value, engine::to_string(rb.verdict), rb.value);
            EXPECT_TRUE(rb.verdict == engine::Verdict::Warn || rb.verdict == engine::Verdict::Fail)
                << check << " " << engine::to_string(rb.verdict) << " " << rb.value;
        }
    }
    EXPECT_LE(wrong_subject, 1);
}

// A small face (a crop of a group photo) is enlarged: the engine calls it low resolution.
TEST(DemoDefects, SmallFacesMakeLowResolutionItems) {
    const auto& ps = loaded_portraits().portraits;
    int n = 0;
    for (int i = 0; i < int(ps.size()); ++i) {
        if (!ps[i].small()) continue;
        SCOPED_TRACE(ps[i].name);
        const auto photo = render(i, Defect::low_resolution, demo::derive(13, ps[i].name));
        look("lowres-" + ps[i].name, photo.bgr);
        EXPECT_GE(photo.amount, demo_config().sources.small_enlarge);
        auto o = photo_engine().process(photo.bytes);
        ASSERT_TRUE(o);
        const auto& r = *std::find_if(o->checks.begin(), o->checks.end(),
                                      [](const engine::CheckResult& c) { return c.id == "source_resolution"; });
        EXPECT_TRUE(r.verdict == engine::Verdict::Warn || r.verdict == engine::Verdict::Fail)
            << engine::to_string(r.verdict) << " " << r.value;
        ++n;
    }
    EXPECT_GE(n, 1);
}

// A clean item of a portrait at its own scale is not a low-resolution photo: the jitter's small
// zoom and roll must resample without the softness source_resolution reads as enlargement.
TEST(DemoDefects, CleanItemsAtSourceScaleAreNotLowResolution) {
    const auto& ps = loaded_portraits().portraits;
    int n = 0, warned = 0;
    for (int i = 0; i < int(ps.size()); ++i) {
        if (ps[i].small() || !ps[i].bytes) continue;
        // A source the engine already finds enlarged (astronaut.png, 512 px) says nothing here.
        auto src = photo_engine().process(*ps[i].bytes);
        ASSERT_TRUE(src);
        const auto is_res = [](const engine::CheckResult& c) { return c.id == "source_resolution"; };
        if (std::find_if(src->checks.begin(), src->checks.end(), is_res)->verdict != engine::Verdict::Pass) {
            std::printf("  %-22s skipped: the source itself reads as enlarged\n", ps[i].name.c_str());
            continue;
        }
        for (int k = 0; k < 3; ++k) {
            const auto photo = render(i, Defect::clean, demo::derive(21 + k, ps[i].name));
            auto o = photo_engine().process(photo.bytes);
            ASSERT_TRUE(o);
            const auto& r = *std::find_if(o->checks.begin(), o->checks.end(), is_res);
            ++n;
            if (r.verdict != engine::Verdict::Pass) {
                ++warned;
                std::printf("  %-22s seed %d  source_resolution %s %.3f\n", ps[i].name.c_str(), k,
                            engine::to_string(r.verdict), r.value);
            }
        }
    }
    std::printf("clean items at source scale: %d, source_resolution alarms: %d\n", n, warned);
    ASSERT_GE(n, 3);
    EXPECT_EQ(warned, 0);
}

}  // namespace
}  // namespace pd::test
