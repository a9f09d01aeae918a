// The source-backdrop and matte-quality checks (issue 8, item 6): a photo that was not taken
// against a light plain wall, or whose matte is broken, never comes back all-green; clean
// white-wall portraits raise no alarm.
//
// The dark and patterned backdrops are made from real white-wall portraits: the engine's own
// matte of the clean photo lifts the person onto a new backdrop. The broken mattes are the
// clean photo's real matte, damaged the way a matte fails on a dark curtain (torso taken for
// background, holes, a blotch across the face).
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <opencv2/core/utility.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "engine/engine_fixture.h"
#include "engine/validation_config.h"
#include "support/test_support.h"

using namespace pd;
using namespace pd::engine;

namespace {

namespace fs = std::filesystem;

const char* kClean[] = {"man-suit-plain-bg.jpg", "woman-dark-suit-plain-bg.jpg"};

fs::path shared_portrait(const char* name) { return fs::path(PD_SHARED_PORTRAITS) / name; }

SourceAnalysis analyse(const std::vector<std::uint8_t>& bytes) {
    auto a = test::shared_engine().analyze(bytes);
    if (!a) throw std::runtime_error(a.error().message);
    return std::move(a.value());
}

bool flagged(Verdict v) { return v == Verdict::Warn || v == Verdict::Fail; }

std::string verdicts(const std::vector<CheckResult>& checks) {
    std::string s;
    for (const CheckResult& c : checks) {
        if (c.verdict == Verdict::Pass) continue;
        s += c.id + "=" + to_string(c.verdict) + " ";
    }
    return s.empty() ? "all pass" : s;
}

// Nothing a reviewer would look at: no check warns or fails (not assessable is grey, not a flag).
bool all_green(const std::vector<CheckResult>& checks) {
    for (const CheckResult& c : checks)
        if (flagged(c.verdict)) return false;
    return true;
}

// [SECTION] Backdrops, each a full-size BGR image the size of the working image.

enum class Backdrop { DarkPlain, DarkCurtain, Pattern };
const char* name(Backdrop b) {
    return b == Backdrop::DarkPlain ? "dark plain" : b == Backdrop::DarkCurtain ? "dark curtain" : "pattern";
}

cv::Mat make_backdrop(Backdrop kind, cv::Size size, double fw) {
    cv::Mat bg(size, CV_8UC3);
    cv::RNG rng(8);
    for (int y = 0; y < size.height; ++y) {
        auto* row = bg.ptr<cv::Vec3b>(y);
        for (int x = 0; x < size.width; ++x) {
            double b = 0, g = 0, r = 0;
            switch (kind) {
                case Backdrop::DarkPlain:  // a dark grey-blue studio wall
                    b = 52, g = 44, r = 40;
                    break;
                case Backdrop::DarkCurtain: {  // dark red velvet in vertical folds, lit from one side
                    const double fold = 0.5 + 0.5 * std::sin(2 * CV_PI * x / (0.45 * fw) + 0.3 * std::sin(y / (0.8 * fw)));
                    const double k = 0.35 + 0.65 * fold * fold;
                    b = 25 * k, g = 22 * k, r = 95 * k;
                    break;
                }
                case Backdrop::Pattern: {  // a light wallpaper with a brown diamond lattice
                    const double u = std::fmod(std::abs(x + y) / (0.35 * fw), 1.0);
                    const double v = std::fmod(std::abs(x - y + 4000) / (0.35 * fw), 1.0);
                    const bool line = u < 0.18 || v < 0.18;
                    b = line ? 70 : 215, g = line ? 95 : 225, r = line ? 130 : 230;
                    break;
                }
            }
            const double n = rng.gaussian(2.0);
            row[x] = cv::Vec3b(cv::saturate_cast<uchar>(b + n), cv::saturate_cast<uchar>(g + n),
                               cv::saturate_cast<uchar>(r + n));
        }
    }
    return bg;
}

// The person of a clean photo (its working image and matte) in front of `bg`.
cv::Mat composite(const SourceAnalysis& a, const cv::Mat& bg) {
    cv::Mat out(a.working.size(), CV_8UC3);
    for (int y = 0; y < out.rows; ++y) {
        const auto* s = a.working.ptr<cv::Vec3b>(y);
        const auto* b = bg.ptr<cv::Vec3b>(y);
        const float* al = a.matte.alpha.ptr<float>(y);
        auto* o = out.ptr<cv::Vec3b>(y);
        for (int x = 0; x < out.cols; ++x)
            for (int c = 0; c < 3; ++c) o[x][c] = cv::saturate_cast<uchar>(al[x] * s[x][c] + (1 - al[x]) * b[x][c]);
    }
    return out;
}

// The analysis of one of the shared portraits (no face when it cannot be read).
SourceAnalysis analyse_portrait(const char* name) {
    auto bytes = read_file_bytes(shared_portrait(name).string());
    EXPECT_TRUE(bytes.ok()) << name;
    return bytes.ok() ? analyse(bytes.value()) : SourceAnalysis{};
}

// [SECTION] Clean white-wall portraits: no false alarm.

TEST(SceneChecks, CleanWhiteWallPortraitsPassBoth) {
    PD_REQUIRE_SHARED_PORTRAITS(test::shared_portraits());
    for (const char* name : kClean) {
        SCOPED_TRACE(name);
        auto bytes = read_file_bytes(shared_portrait(name).string());
        ASSERT_TRUE(bytes.ok());
        auto out = test::shared_engine().process(bytes.value());
        ASSERT_TRUE(out.ok()) << out.error().message;
        ASSERT_TRUE(out->photo.has_value());
        const CheckResult& bg = test::find_check(out->checks, "source_background");
        const CheckResult& mq = test::find_check(out->checks, "matte_quality");
        EXPECT_EQ(bg.verdict, Verdict::Pass) << bg.detail;
        EXPECT_EQ(mq.verdict, Verdict::Pass) << mq.detail;
    }
}

// The backdrop check looks at the backdrop only: the same white-wall photo with the person
// (skin, hair, clothes) darkened to a deep skin tone's lightness still passes.
TEST(SceneChecks, BackdropVerdictDoesNotDependOnTheSubjectsLightness) {
    PD_REQUIRE_SHARED_PORTRAITS(test::shared_portraits());
    auto bytes = read_file_bytes(shared_portrait("man-suit-plain-bg.jpg").string());
    ASSERT_TRUE(bytes.ok());
    const SourceAnalysis clean = analyse(bytes.value());
    ASSERT_TRUE(clean.has_face());
    cv::Mat darker;
    clean.working.convertTo(darker, CV_8UC3, 0.5);
    SourceAnalysis dim = clean;  // the person from the darkened copy, the wall as taken
    dim.working = darker;
    const cv::Mat photo = composite(dim, clean.working);
    const SourceAnalysis a = analyse(test::encode_jpeg_q(photo, 92));
    ASSERT_TRUE(a.has_face());
    const auto checks = test::shared_engine().check(a, nullptr);
    const CheckResult& bg = test::find_check(checks, "source_background");
    const auto as_taken = test::shared_engine().check(clean, nullptr);
    const CheckResult& ref = test::find_check(as_taken, "source_background");
    EXPECT_EQ(bg.verdict, Verdict::Pass) << bg.detail;
    std::printf("  person at half lightness: %s (%s); as taken: %s (%s)\n", to_string(bg.verdict), bg.detail.c_str(),
                to_string(ref.verdict), ref.detail.c_str());
}

// [SECTION] Dark and patterned backdrops: never all-green, the backdrop check at least warns.

TEST(SceneChecks, DarkCurtainAndPatternedBackdropsAreFlagged) {
    PD_REQUIRE_SHARED_PORTRAITS(test::shared_portraits());
    for (const char* name : kClean) {
        const SourceAnalysis clean = analyse_portrait(name);
        ASSERT_TRUE(clean.has_face()) << name;
        for (Backdrop kind : {Backdrop::DarkPlain, Backdrop::DarkCurtain, Backdrop::Pattern}) {
            SCOPED_TRACE(std::string(name) + " on a " + ::name(kind) + " backdrop");
            const cv::Mat photo =
                composite(clean, make_backdrop(kind, clean.working.size(), clean.subject().face_width()));
            auto out = test::shared_engine().process(test::encode_jpeg_q(photo, 92));
            ASSERT_TRUE(out.ok()) << out.error().message;
            ASSERT_TRUE(out->analysis.has_face());
            const CheckResult& bg = test::find_check(out->checks, "source_background");
            const CheckResult& mq = test::find_check(out->checks, "matte_quality");
            EXPECT_TRUE(flagged(bg.verdict)) << to_string(bg.verdict) << ": " << bg.detail;
            EXPECT_FALSE(all_green(out->checks));
            std::printf("  %-30s %-13s source_background %-5s (%s)\n  %44s matte_quality %-5s (%s)\n  %44s %s\n", name,
                        ::name(kind), to_string(bg.verdict), bg.detail.c_str(), "", to_string(mq.verdict),
                        mq.detail.c_str(), "", verdicts(out->checks).c_str());
        }
    }
}

// [SECTION] Broken mattes: the check, given the clean photo's matte damaged, warns or fails.

// Runs every check on the analysis with `alpha` in place of its matte (no spec photo: the
// checks that need one are not assessable, the source checks run).
std::vector<CheckResult> check_with_matte(const SourceAnalysis& clean, const cv::Mat& alpha) {
    SourceAnalysis a = clean;
    a.matte.alpha = alpha;
    return test::shared_engine().check(a, nullptr);
}

TEST(SceneChecks, BrokenMattesAreFlagged) {
    PD_REQUIRE_SHARED_PORTRAITS(test::shared_portraits());
    for (const char* name : kClean) {
        const SourceAnalysis clean = analyse_portrait(name);
        ASSERT_TRUE(clean.has_face()) << name;
        const Face& f = clean.subject();
        const float fw = float(f.face_width());
        const cv::Point2f chin = f.points[lm::kChin], eyes = f.eyes_midpoint();
        const int H = clean.working.rows;

        {
            SCOPED_TRACE(std::string(name) + ": the real matte");
            const auto checks = check_with_matte(clean, clean.matte.alpha);
            const CheckResult& mq = test::find_check(checks, "matte_quality");
            EXPECT_EQ(mq.verdict, Verdict::Pass) << mq.detail;
        }
        struct Damage {
            const char* what;
            cv::Mat alpha;
        };
        std::vector<Damage> damaged;
        {  // The torso taken for background, as on a dark jacket against a dark curtain.
            cv::Mat a = clean.matte.alpha.clone();
            const int y0 = std::min(H - 1, int(chin.y + 0.3f * fw));
            const cv::Rect torso = cv::Rect(int(eyes.x - 1.3f * fw), y0, int(2.6f * fw), H - y0) &
                                   cv::Rect(0, 0, a.cols, a.rows);
            a(torso).setTo(0.f);
            damaged.push_back({"torso erased", a});
        }
        {  // Holes punched through the chest and shoulders (blotches of a dark backdrop).
            cv::Mat a = clean.matte.alpha.clone();
            for (const cv::Point2f& d : {cv::Point2f(-0.6f, 0.8f), cv::Point2f(0.5f, 1.0f), cv::Point2f(0.0f, 1.3f),
                                         cv::Point2f(-1.0f, 1.4f), cv::Point2f(1.0f, 1.5f)}) {
                cv::circle(a, cv::Point(int(eyes.x + d.x * fw), int(chin.y + d.y * fw)), int(0.16f * fw), cv::Scalar(0.f),
                           cv::FILLED);
            }
            damaged.push_back({"holes punched", a});
        }
        {  // A blotch across the forehead and one eye: part of the face taken for wall.
            cv::Mat a = clean.matte.alpha.clone();
            cv::circle(a, cv::Point(int(eyes.x - 0.25f * fw), int(eyes.y - 0.2f * fw)), int(0.22f * fw), cv::Scalar(0.f),
                       cv::FILLED);
            damaged.push_back({"face blotch", a});
        }
        {  // The top of the head taken for background, as dark hair on a dark curtain.
            cv::Mat a = clean.matte.alpha.clone();
            const float brows = std::min(f.points[19].y, f.points[24].y);
            const cv::Rect top = cv::Rect(int(eyes.x - fw), 0, int(2 * fw), std::max(1, int(brows - 0.1f * fw))) &
                                 cv::Rect(0, 0, a.cols, a.rows);
            a(top).setTo(0.f);
            damaged.push_back({"top of the head erased", a});
        }
        for (const Damage& d : damaged) {
            SCOPED_TRACE(std::string(name) + ": " + d.what);
            const auto checks = check_with_matte(clean, d.alpha);
            const CheckResult& mq = test::find_check(checks, "matte_quality");
            EXPECT_TRUE(flagged(mq.verdict)) << to_string(mq.verdict) << ": " << mq.detail;
            EXPECT_FALSE(all_green(checks));
            std::printf("  %-30s %-22s matte_quality %-5s (%s)\n", name, d.what, to_string(mq.verdict), mq.detail.c_str());
        }
    }
}

// The hair above the forehead taken for background while the forehead itself is kept: dark hair
// on a dark backdrop, an updo against a busy one (img5, img8, img41, img44, img50 of
// portraits-dev). The spec photo shows a flattened or bald crown, and the crop, placed by that
// crown, sits too low. The face-and-forehead band (to 0.3 face widths above the brows) is whole,
// so only the crown's dome can see it.
TEST(SceneChecks, AMatteThatLosesTheHairAboveTheForeheadIsFlagged) {
    PD_REQUIRE_SHARED_PORTRAITS(test::shared_portraits());
    for (const char* name : kClean) {
        const SourceAnalysis clean = analyse_portrait(name);
        ASSERT_TRUE(clean.has_face()) << name;
        const Face& f = clean.subject();
        const float fw = float(f.face_width()), cx = f.eyes_midpoint().x;
        const float brows = std::min(f.points[19].y, f.points[24].y);
        cv::Mat a = clean.matte.alpha.clone();
        const cv::Rect top = cv::Rect(int(cx - fw), 0, int(2 * fw), std::max(1, int(brows - 0.4f * fw))) &
                             cv::Rect(0, 0, a.cols, a.rows);
        a(top).setTo(0.f);
        SCOPED_TRACE(name);
        const auto checks = check_with_matte(clean, a);
        const CheckResult& mq = test::find_check(checks, "matte_quality");
        EXPECT_TRUE(flagged(mq.verdict)) << to_string(mq.verdict) << ": " << mq.detail;
        EXPECT_NE(mq.detail.find("top of the head taken for background"), std::string::npos) << mq.detail;
        EXPECT_NE(mq.detail.find("face and forehead 100 %"), std::string::npos) << mq.detail;
        std::printf("  %-30s hair above the forehead erased: matte_quality %-5s (%s)\n", name, to_string(mq.verdict),
                    mq.detail.c_str());
    }
}

// A bare, slender neck and sloping shoulders (a dress with a low neckline, hair put up) are a
// whole person, not a torso the matte lost. The clean portraits' real mattes, carved to that
// silhouette below the chin: a neck 0.66 face widths wide down to 0.7 face widths below the
// chin, then shoulders falling away at 1.5 px across per px down. The neck band the check
// expected used to be 0.8-1.2 face widths wide, and such a silhouette read 86 % torso (warn).
TEST(SceneChecks, ABareNeckAndSlopingShouldersAreNotTakenForALostTorso) {
    PD_REQUIRE_SHARED_PORTRAITS(test::shared_portraits());
    for (const char* name : kClean) {
        const SourceAnalysis clean = analyse_portrait(name);
        ASSERT_TRUE(clean.has_face()) << name;
        const Face& f = clean.subject();
        const float fw = float(f.face_width()), cx = f.eyes_midpoint().x, chin = f.points[lm::kChin].y;
        cv::Mat a = clean.matte.alpha.clone();
        for (int y = std::max(0, int(chin)); y < a.rows; ++y) {
            const float below = float(y) - chin;
            const float half = 0.33f * fw + 1.5f * std::max(0.0f, below - 0.7f * fw);
            float* row = a.ptr<float>(y);
            for (int x = 0; x < a.cols; ++x)
                if (std::abs(float(x) - cx) > half) row[x] = 0.f;
        }
        SCOPED_TRACE(name);
        const auto checks = check_with_matte(clean, a);
        const CheckResult& mq = test::find_check(checks, "matte_quality");
        // The carving cuts through the suit, where the image has no edge: that part of the
        // verdict is right and not what is judged here; the torso's share is.
        EXPECT_EQ(mq.detail.find("torso taken for background"), std::string::npos) << mq.detail;
        const auto at = mq.detail.find("torso ");
        ASSERT_NE(at, std::string::npos) << mq.detail;
        EXPECT_GE(std::atof(mq.detail.c_str() + at + 6), 99.0) << mq.detail;
        std::printf("  %-30s bare neck: matte_quality %-5s (%s)\n", name, to_string(mq.verdict), mq.detail.c_str());
    }
}

// The real matte of a photo on a dark curtain: whatever the matte makes of it, the report is
// not all-green.
TEST(SceneChecks, RealMatteOfADarkCurtainPhotoIsNotAllGreen) {
    PD_REQUIRE_SHARED_PORTRAITS(test::shared_portraits());
    auto bytes = read_file_bytes(shared_portrait("woman-dark-suit-plain-bg.jpg").string());
    ASSERT_TRUE(bytes.ok());
    const SourceAnalysis clean = analyse(bytes.value());
    ASSERT_TRUE(clean.has_face());
    const cv::Mat photo =
        composite(clean, make_backdrop(Backdrop::DarkCurtain, clean.working.size(), clean.subject().face_width()));
    const SourceAnalysis dark = analyse(test::encode_jpeg_q(photo, 92));
    ASSERT_TRUE(dark.has_face());
    const auto checks = test::shared_engine().check(dark, nullptr);
    const CheckResult& bg = test::find_check(checks, "source_background");
    const CheckResult& mq = test::find_check(checks, "matte_quality");
    EXPECT_TRUE(flagged(bg.verdict) || flagged(mq.verdict)) << bg.detail << " / " << mq.detail;
    std::printf("  dark curtain, real matte: source_background %s (%s); matte_quality %s (%s)\n", to_string(bg.verdict),
                bg.detail.c_str(), to_string(mq.verdict), mq.detail.c_str());
}

// A busy real backdrop (the astronaut in front of a flag and a shuttle model) is not a wall.
TEST(SceneChecks, AstronautsBusyBackdropIsFlagged) {
    auto bytes = read_file_bytes(test::astronaut_path());
    ASSERT_TRUE(bytes.ok());
    const SourceAnalysis a = analyse(bytes.value());
    ASSERT_TRUE(a.has_face());
    const auto checks = test::shared_engine().check(a, nullptr);
    const CheckResult& bg = test::find_check(checks, "source_background");
    EXPECT_TRUE(flagged(bg.verdict)) << to_string(bg.verdict) << ": " << bg.detail;
}

// [SECTION] Calibration over the real photos (not run by default).
//
//   build/release/tests/test_engine --gtest_also_run_disabled_tests  (continued:)
//       --gtest_filter='SceneChecks.DISABLED_RealPhotos'                       # tuning photos
//   PD_SCENE_HELD_OUT=1 build/release/tests/test_engine ...                    # held-out photos
//   PD_SCENE_DUMP=/tmp/dir ...   writes each working image with its verdicts to look at
//
// The split is config/validation.toml's: held-out photos are only ever run with
// PD_SCENE_HELD_OUT=1, never tuned on.

TEST(SceneChecks, DISABLED_RealPhotos) {
    const bool held_out = std::getenv("PD_SCENE_HELD_OUT") != nullptr;
    const char* dump = std::getenv("PD_SCENE_DUMP");
    const fs::path data = fs::path(PD_SHARED_PORTRAITS).parent_path();
    const auto& skip = test::validation_config().held_out;
    std::vector<std::pair<std::string, fs::path>> photos;  // (validation name, path)
    for (const char* dir : {"portraits", "portraits-dev"}) {
        if (!fs::exists(data / dir)) continue;
        for (const auto& e : fs::directory_iterator(data / dir))
            if (e.path().extension() == ".jpg") photos.emplace_back(std::string(dir) + "/" + e.path().filename().string(), e.path());
    }
    const fs::path dlib = "/usr/share/doc/libdlib19.1/examples/faces";
    if (fs::exists(dlib))
        for (const auto& e : fs::directory_iterator(dlib))
            if (e.path().extension() == ".jpg") photos.emplace_back(e.path().string(), e.path());
    photos.emplace_back("astronaut.png", test::astronaut_path());
    std::sort(photos.begin(), photos.end());
    int counts[2][4] = {};  // [check][verdict]
    int n = 0;
    for (const auto& [id, path] : photos) {
        const bool is_held_out = skip.count(id) > 0;
        if (is_held_out != held_out) continue;
        auto bytes = read_file_bytes(path.string());
        if (!bytes) continue;
        const SourceAnalysis a = analyse(bytes.value());
        const auto checks = test::shared_engine().check(a, nullptr);
        const CheckResult& bg = test::find_check(checks, "source_background");
        const CheckResult& mq = test::find_check(checks, "matte_quality");
        ++n;
        ++counts[0][int(bg.verdict)];
        ++counts[1][int(mq.verdict)];
        std::printf("%-46s bg %-5s %s\n%-46s mq %-5s %s\n", id.c_str(), to_string(bg.verdict), bg.detail.c_str(), "",
                    to_string(mq.verdict), mq.detail.c_str());
        if (dump && a.has_face()) {
            cv::Mat view = a.working.clone();
            cv::Mat tint(view.size(), CV_8UC3, cv::Scalar(255, 120, 0));
            cv::Mat person = a.matte.alpha > 0.5f;
            cv::addWeighted(view, 0.45, tint, 0.55, 0, tint);
            tint.copyTo(view, ~person);
            cv::putText(view, std::string("bg ") + to_string(bg.verdict) + " mq " + to_string(mq.verdict), {8, 30},
                        cv::FONT_HERSHEY_SIMPLEX, 0.9, cv::Scalar(0, 255, 0), 2);
            fs::path out = fs::path(dump) / (path.stem().string() + ".png");
            cv::imwrite(out.string(), view);
        }
    }
    std::printf("%s photos: %d\n  source_background pass %d warn %d fail %d n/a %d\n  matte_quality     pass %d warn %d "
                "fail %d n/a %d\n",
                held_out ? "held-out" : "tuning", n, counts[0][0], counts[0][1], counts[0][2], counts[0][3], counts[1][0],
                counts[1][1], counts[1][2], counts[1][3]);
}

}  // namespace

// Cost of the two checks on a 480x640 file (run with --gtest_also_run_disabled_tests): the
// shared context alone, then each check on top of it, median of 101 runs on one thread.
TEST(SceneChecks, DISABLED_Cost480) {
    PD_REQUIRE_SHARED_PORTRAITS(test::shared_portraits());
    auto bytes = read_file_bytes(shared_portrait("woman-dark-suit-plain-bg.jpg").string());
    ASSERT_TRUE(bytes.ok());
    auto out = test::shared_engine().process(bytes.value());
    ASSERT_TRUE(out.ok() && out->photo);
    auto fin = test::shared_engine().process(out->photo->jpeg.bytes);
    ASSERT_TRUE(fin.ok() && fin->photo);
    const auto& cfg = test::shared_engine().config();
    const CheckInput in{fin->analysis, &*fin->photo, cfg.spec, cfg.hints};
    const int threads = cv::getNumThreads();
    cv::setNumThreads(1);
    std::printf("working image %dx%d\n", fin->analysis.working.cols, fin->analysis.working.rows);
    for (const char* id : {"", "source_background", "matte_quality", "background_uniformity"}) {
        domain::CheckSettings only = cfg.checks;
        for (auto& [k, c] : only) c.enabled = c.enabled && k == id;
        const auto checks = configure_checks(only).value();
        std::vector<double> ms;
        for (int i = 0; i < 101; ++i) {
            // Thread CPU time: the machine may be shared, and one core is the budget.
            timespec t0{}, t1{};
            clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t0);
            auto r = run_checks(in, checks);
            clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t1);
            ms.push_back((t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) * 1e-6);
        }
        std::nth_element(ms.begin(), ms.begin() + 50, ms.end());
        std::printf("  %-22s %.3f ms CPU (median; context included)\n", *id ? id : "(context only)", ms[50]);
    }
    cv::setNumThreads(threads);
}
