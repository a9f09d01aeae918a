// Face detection beyond one HOG pass at 512 px (issue 8, item 1): a second face 40-60 px wide
// at the detection scale fires `other_faces`, a subject too small for the normal scale is found
// at a second scale, a photo lying on its side (pixels turned, no EXIF) is found and comes out
// upright, and clean single portraits raise no `other_faces`.
//
// All inputs are real photos from ../shared/data/portraits (tuning photos of issue 8): a face
// cut from one portrait is pasted into another, as a pasted or background face would be.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <regex>
#include <set>
#include <string>

#include <gtest/gtest.h>
#include <opencv2/imgproc.hpp>

#include "engine/degradations.h"
#include "engine/engine_fixture.h"
#include "support/test_support.h"

using namespace pd;
using namespace pd::engine;

namespace {

std::string portrait(const std::string& name) { return std::string(PD_SHARED_PORTRAITS) + "/" + name; }

bool have(const std::string& path) { return std::filesystem::exists(path); }

const FaceModel& model() {
    static const auto m = [] {
        auto r = FaceModel::shared();
        if (!r) throw std::runtime_error(r.error().message);
        return r.value();
    }();
    return *m;
}

int detect_long_side() { return test::shared_engine().config().settings.detect_long_side; }

// The subject of a photo, as the plain detector finds it at full resolution.
Face subject_of(const cv::Mat& bgr) {
    const auto faces = model().detect(bgr, detect_long_side(), 40);
    if (faces.empty()) throw std::runtime_error("test photo has no face");
    return faces.front();
}

// `host` with the face of `donor` pasted left of the host's subject, scaled so that its jaw
// width is `width_at_detect` px once the host is brought to the detection size (512 px long).
cv::Mat paste_second_face(const cv::Mat& host, const cv::Mat& donor, double width_at_detect) {
    const Face d = subject_of(donor);
    const Face h = subject_of(host);
    const double host_scale = double(detect_long_side()) / std::max(host.cols, host.rows);
    const double k = width_at_detect / host_scale / d.face_width();
    // The donor's head: jaw width plus margins on each side, brow to below the chin.
    const double w = d.face_width();
    const cv::Point2f c = d.eyes_midpoint();
    cv::Rect src(int(c.x - 0.85 * w), int(c.y - 0.9 * w), int(1.7 * w), int(2.0 * w));
    src &= cv::Rect(0, 0, donor.cols, donor.rows);
    cv::Mat patch;
    cv::resize(donor(src), patch, cv::Size(), k, k, k < 1 ? cv::INTER_AREA : cv::INTER_LINEAR);
    // In the middle of the background left of the subject's head, at its eye height.
    const int head_left = int(h.box.x - 0.4 * h.box.width);
    const int x = (head_left - patch.cols) / 2;
    const int y = std::clamp(int(h.eyes_midpoint().y - 0.45 * patch.rows), 0, host.rows - patch.rows);
    const cv::Rect dst(x, y, patch.cols, patch.rows);
    if (x < 0 || (dst & cv::Rect(0, 0, host.cols, host.rows)) != dst) throw std::runtime_error("no room for the pasted face: head at x " + std::to_string(head_left) + ", patch " + std::to_string(patch.cols) + " px");
    cv::Mat out = host.clone();
    patch.copyTo(out(dst));
    return out;
}

// "w 190 hog 2.31; w 41 cascade 0": what a failure message needs to say which pass missed.
std::string faces_summary(const SourceAnalysis& a) {
    std::string s;
    for (const auto& f : a.faces) {
        s += (s.empty() ? "" : "; ") + std::string("w ") + std::to_string(int(f.face_width())) + " " +
             (f.source == FaceSource::Cascade ? "cascade" : f.source == FaceSource::HogUpsampled ? "hog_up" : "hog") + " " +
             std::to_string(f.score);
    }
    return "faces: " + s;
}

StandardizeOutcome standardize(const cv::Mat& bgr) {
    auto r = test::shared_engine().process(test::encode_jpeg_q(bgr, 92));
    if (!r) throw std::runtime_error(r.error().message);
    return std::move(r.value());
}

}  // namespace

TEST(FaceDetection, SecondFaceFortyToSixtyPixelsWideFiresOtherFaces) {
    const std::string host_path = portrait("woman-uniform-beige-bg.jpg"), donor_path = portrait("man-suit-plain-bg.jpg");
    if (!have(host_path) || !have(donor_path)) GTEST_SKIP() << "shared portraits absent";
    const cv::Mat host = test::load_bgr(host_path), donor = test::load_bgr(donor_path);
    for (double width : {40.0, 50.0, 60.0}) {
        SCOPED_TRACE("pasted face " + std::to_string(int(width)) + " px wide at the detection size");
        const auto o = standardize(paste_second_face(host, donor, width));
        ASSERT_TRUE(o.analysis.has_face());
        const auto& r = test::find_check(o.checks, "other_faces");
        EXPECT_EQ(r.verdict, Verdict::Fail) << r.detail << "; " << faces_summary(o.analysis);
        EXPECT_GE(r.value, 1);
    }
}

// man-suit-plain-bg's own face pasted 60 px wide into its top corner: HOG finds it, but at a
// confidence of ~0.4, under other_faces' min_score (a badge or a print scores up to 0.3). The
// cascade finding a face on the same box is the second opinion that makes it count.
TEST(FaceDetection, LowScoreFaceConfirmedByTheCascadeFiresOtherFaces) {
    const std::string path = portrait("man-suit-plain-bg.jpg");
    if (!have(path)) GTEST_SKIP() << "shared portraits absent";
    const test::Photo p = test::analyse_photo("man-suit-plain-bg", test::load_bgr(path));
    const cv::Mat pasted = test::second_face_at(p, 60.0);  // as the validation table does
    ASSERT_FALSE(pasted.empty());
    const auto o = standardize(pasted);
    ASSERT_TRUE(o.analysis.has_face());
    const auto& r = test::find_check(o.checks, "other_faces");
    EXPECT_EQ(r.verdict, Verdict::Fail) << r.detail << "; " << faces_summary(o.analysis);
    const auto& faces = o.analysis.faces;
    const bool confirmed_low = std::any_of(faces.begin() + 1, faces.end(), [](const Face& f) {
        return f.source == FaceSource::Hog && f.score < 0.5 && f.cascade_agrees;
    });
    EXPECT_TRUE(confirmed_low) << "expected the pasted face as a low-score HOG face the cascade agrees with; "
                               << faces_summary(o.analysis);
}

// deepface-img19 (a tuning photo of config/validation.toml), a tight crop: its face box is 0.42
// of the frame's long side, so a face pasted 40-60 px wide (at 512 px) into the top corner ends
// 0.19-0.08 box widths beside the subject's box, and is 0.18-0.28 of the subject's width. The
// cascade finds it each time; it used to be dropped as the subject's own hair (the head was
// taken to reach 0.4 box widths out) and, at 40 and 50 px, as too small (under 25 %).
TEST(FaceDetection, FaceBesideTheHeadOfATightCropFiresOtherFaces) {
    const std::string path = std::string(PD_SHARED_DATA) + "/portraits-dev/deepface-img19.jpg";
    if (!have(path)) GTEST_SKIP() << "portraits-dev absent";
    const test::Photo p = test::analyse_photo("deepface-img19", test::load_bgr(path));
    for (double width : {40.0, 50.0, 60.0}) {
        SCOPED_TRACE("pasted face " + std::to_string(int(width)) + " px wide at 512 px");
        const cv::Mat pasted = test::second_face_at(p, width);  // as the validation table does
        ASSERT_FALSE(pasted.empty());
        const auto o = standardize(pasted);
        ASSERT_TRUE(o.analysis.has_face());
        const auto& r = test::find_check(o.checks, "other_faces");
        EXPECT_EQ(r.verdict, Verdict::Fail) << r.detail << "; " << faces_summary(o.analysis);
    }
}

TEST(FaceDetection, SubjectTooSmallForTheNormalScaleIsFoundAtTheSecond) {
    const std::string path = portrait("man-suit-plain-bg.jpg");
    if (!have(path)) GTEST_SKIP() << "shared portraits absent";
    const cv::Mat host = test::load_bgr(path);
    // Pad with white so the face is about 45 px wide (jaw) at the detection size: HOG's 80 px
    // window misses it at that scale.
    const double face_at_detect = subject_of(host).face_width() * detect_long_side() / std::max(host.cols, host.rows);
    const double grow = face_at_detect / 45.0;
    const int pad_x = int(host.cols * (grow - 1) / 2), pad_y = int(host.rows * (grow - 1) / 2);
    cv::Mat padded;
    cv::copyMakeBorder(host, padded, pad_y, pad_y, pad_x, pad_x, cv::BORDER_CONSTANT, cv::Scalar(255, 255, 255));
    const auto o = standardize(padded);
    ASSERT_TRUE(o.analysis.has_face());
    EXPECT_EQ(test::find_check(o.checks, "other_faces").verdict, Verdict::Pass);
}

TEST(FaceDetection, PhotoOnItsSideIsFoundAndComesOutUpright) {
    const std::string path = portrait("man-suit-plain-bg.jpg");
    if (!have(path)) GTEST_SKIP() << "shared portraits absent";
    const cv::Mat host = test::load_bgr(path);
    for (auto turn : {cv::ROTATE_90_CLOCKWISE, cv::ROTATE_90_COUNTERCLOCKWISE}) {
        SCOPED_TRACE(turn == cv::ROTATE_90_CLOCKWISE ? "turned clockwise" : "turned counter-clockwise");
        cv::Mat turned;
        cv::rotate(host, turned, turn);
        const auto o = standardize(turned);
        ASSERT_TRUE(o.analysis.has_face());
        ASSERT_TRUE(o.photo.has_value()) << (o.spec_error ? o.spec_error->message : "");
        EXPECT_EQ(o.photo->bgr.cols, 480);
        EXPECT_EQ(o.photo->bgr.rows, 640);
        // Upright: both eyes above the mouth, the eye line level, in the working image the
        // spec photo is cut from.
        const Face& f = o.analysis.subject();
        const float mouth_y = 0.5f * (f.points[lm::kMouthLeft].y + f.points[lm::kMouthRight].y);
        EXPECT_LT(f.eye_centre_a().y, mouth_y - 0.2f * f.face_width());
        EXPECT_LT(f.eye_centre_b().y, mouth_y - 0.2f * f.face_width());
        EXPECT_LT(f.eye_centre_a().x, f.eye_centre_b().x);
        EXPECT_EQ(o.analysis.working.cols < o.analysis.working.rows, host.cols < host.rows);
        // The reviewer sees that the engine turned it.
        const auto& side = test::find_check(o.checks, "stored_on_its_side");
        EXPECT_EQ(side.verdict, Verdict::Warn);
        EXPECT_EQ(side.value, turn == cv::ROTATE_90_CLOCKWISE ? 270 : 90) << side.detail;
    }
    // Upright, the same photo passes.
    EXPECT_EQ(test::find_check(standardize(host).checks, "stored_on_its_side").verdict, Verdict::Pass);
}

TEST(FaceDetection, CleanSinglePortraitsHaveNoOtherFaces) {
    auto photos = test::shared_portraits();
    PD_REQUIRE_SHARED_PORTRAITS(photos);
    photos.push_back(test::astronaut_path());
    for (const auto& p : photos) {
        // As they are and at 80 % (the degradation suite's clean variants): the cascade's
        // false alarms come and go with the scale.
        const cv::Mat bgr = test::load_bgr(p.string());
        cv::Mat small;
        cv::resize(bgr, small, cv::Size(), 0.8, 0.8, cv::INTER_AREA);
        for (const cv::Mat& m : {bgr, small}) {
            SCOPED_TRACE(p.filename().string() + (m.cols == bgr.cols ? "" : " at 80 %"));
            const auto o = standardize(m);
            ASSERT_TRUE(o.analysis.has_face());
            const auto& r = test::find_check(o.checks, "other_faces");
            EXPECT_EQ(r.verdict, Verdict::Pass) << r.detail << "; " << faces_summary(o.analysis);
        }
    }
}

// Copies of the astronaut as the demo queue makes them (turned by up to a degree, zoomed by up to
// 4 %, JPEG q84-95): the LBP cascade fires on her helmet's reflection in most of them. A cascade
// box HOG does not confirm (engine.toml cascade_verify_face_px) is not another person.
TEST(FaceDetection, JitteredCopiesHaveNoOtherFaces) {
    const cv::Mat bgr = test::load_bgr(test::astronaut_path());
    const cv::Point2f centre(bgr.cols / 2.0f, bgr.rows / 2.0f);
    int runs = 0;
    for (const double deg : {-1.0, -0.5, 0.5, 1.0})
        for (const double zoom : {1.01, 1.03}) {
            cv::Mat turned;
            cv::warpAffine(bgr, turned, cv::getRotationMatrix2D(centre, deg, zoom), bgr.size(), cv::INTER_LINEAR,
                           cv::BORDER_REFLECT);
            for (const int q : {86, 91}) {
                SCOPED_TRACE(std::to_string(deg) + " deg, zoom " + std::to_string(zoom) + ", q" + std::to_string(q));
                auto o = test::shared_engine().process(test::encode_jpeg_q(turned, q));
                ASSERT_TRUE(o) << o.error().message;
                const auto& r = test::find_check(o->checks, "other_faces");
                EXPECT_EQ(r.verdict, Verdict::Pass) << r.detail << "; " << faces_summary(o->analysis);
                ++runs;
            }
        }
    EXPECT_EQ(runs, 16);
}

// The student is the widest face HOG is sure of, not the widest box: on a q80 copy of the
// astronaut HOG boxes the round mission patch on her suit wider than her face, at a score of
// 0.1 against 1.6 (engine.toml subject_score_share).
TEST(FaceDetection, TheStudentIsTheFaceHogIsSureOf) {
    const cv::Mat bgr = test::load_bgr(test::astronaut_path());
    for (const int q : {75, 80, 85, 90, 95}) {
        SCOPED_TRACE("q" + std::to_string(q));
        auto a = test::shared_engine().analyze(test::encode_jpeg_q(bgr, q));
        ASSERT_TRUE(a) << a.error().message;
        ASSERT_TRUE(a->has_face());
        // Her face is in the upper third of the photo; the patch is in the lower half.
        const float eyes_y = a->subject().eyes_midpoint().y / float(a->working.rows);
        EXPECT_LT(eyes_y, 0.33f) << faces_summary(a.value());
    }
}

// The figures for issue 8, not a pass/fail test: `other_faces` on the real single-person photos
// and what the extra passes found, per photo. PD_FACE_SURVEY=tuning runs the tuning photos
// (the shared portraits, astronaut and portraits-dev except config/validation.toml's held_out);
// PD_FACE_SURVEY=held_out runs only the held-out photos (never used to choose a number).
TEST(FaceDetection, Survey) {
    const char* which = std::getenv("PD_FACE_SURVEY");
    if (!which) GTEST_SKIP() << "set PD_FACE_SURVEY=tuning or held_out";
    const bool held = std::string(which) == "held_out";
    std::set<std::string> held_out;
    {
        std::ifstream in(test::config_dir() + "/validation.toml");
        std::string line;
        const std::regex quoted("\"([^\"]+)\"");
        std::smatch m;
        while (std::getline(in, line)) {
            if (std::regex_search(line, m, quoted)) held_out.insert(std::filesystem::path(m[1].str()).filename().string());
        }
    }
    ASSERT_FALSE(held_out.empty());
    std::vector<std::filesystem::path> photos;
    const std::filesystem::path dev = std::filesystem::path(PD_SHARED_PORTRAITS).parent_path() / "portraits-dev";
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator(dev, ec)) {
        if (e.path().extension() == ".jpg" && held_out.count(e.path().filename().string()) == size_t(held)) photos.push_back(e.path());
    }
    if (!held) {
        for (const auto& p : test::shared_portraits()) photos.push_back(p);
        photos.emplace_back(test::astronaut_path());
    }
    std::sort(photos.begin(), photos.end());
    int fired = 0, no_face = 0, turned = 0;
    for (const auto& p : photos) {
        const auto o = standardize(test::load_bgr(p.string()));
        const auto& r = test::find_check(o.checks, "other_faces");
        int by[3] = {0, 0, 0};
        for (const auto& f : o.analysis.faces) ++by[int(f.source)];
        fired += r.verdict != Verdict::Pass;
        no_face += !o.analysis.has_face();
        turned += o.analysis.turned_clockwise != 0;
        std::printf("[ survey   ] %-28s other_faces %-4s faces hog %d upsampled %d cascade %d turned %d  %s\n",
                    p.filename().c_str(), to_string(r.verdict), by[0], by[1], by[2], o.analysis.turned_clockwise,
                    r.detail.c_str());
    }
    std::printf("[ survey   ] %s: %zu photos, other_faces fired on %d, no face on %d, turned %d\n", which, photos.size(),
                fired, no_face, turned);
}
