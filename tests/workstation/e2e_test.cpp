// The real workstation against a real photodeskd, under Xvfb: what is drawn (glReadPixels),
// and the promises about decisions: a kill -9 loses nothing and doubles nothing, an outage is
// worked through, and a lease taken by someone else shows up as a conflict.
#include <gtest/gtest.h>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <chrono>
#include <fstream>
#include <map>
#include <set>
#include <thread>

#include "review/profile.h"
#include "server/server_fixture.h"
#include "support/test_support.h"
#include "workstation/workstation_support.h"

namespace pd::test {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using namespace std::chrono_literals;

class WorkstationTest : public ServerTest {
protected:
    void SetUp() override {
        std::string why;
        if (xvfb_display(&why).empty()) GTEST_FAIL() << why;
        ServerTest::SetUp();
        profile_ = dir_ / "profile";
        config_ = test_config_dir(dir_);
        photo_ = read_bytes(astronaut_path());
    }

    // Ingests students i..i+n-1 with the astronaut (the server reuses its engine results for the
    // same bytes after the first). Names in `names` go first.
    std::vector<std::int64_t> ingest(int n, int first = 0, std::vector<std::string> names = {}) {
        auto admin = client("admin");
        std::vector<std::int64_t> ids;
        for (int i = 0; i < n; ++i) {
            const std::string name = i < int(names.size()) ? names[size_t(i)] : "学生" + std::to_string(first + i);
            json meta = {{"name", name},       {"id_number", valid_id(first + i)}, {"student_no", "S" + std::to_string(first + i)},
                         {"school", "示例大学"}, {"station", "本部"},              {"grade", "2026"}};
            auto r = admin.ingest(meta, photo_, "astronaut.png");
            EXPECT_TRUE(r.ok() && r->status == 201) << (r ? r->body : r.error().message);
            if (r.ok() && r->status == 201) ids.push_back(r->json()["submission"]["id"].get<std::int64_t>());
        }
        return ids;
    }

    std::vector<std::string> args(std::vector<std::string> extra = {}, const fs::path& config = {}) {
        std::vector<std::string> a = {"--server", base_url(), "--token", token("rev1"), "--profile", profile_.string(),
                                      "--config", (config.empty() ? config_ : config).string(), "--size", "1280x800",
                                      "--no-vsync"};
        a.insert(a.end(), extra.begin(), extra.end());
        return a;
    }
    fs::path account_dir() const {
        return profile_ / "state" / "accounts" / review::Profile::account_key(base_url(), "rev1");
    }
    fs::path journal() const { return account_dir() / "journal.db"; }
    fs::path cache() const { return profile_ / "cache" / "accounts" / review::Profile::account_key(base_url(), "rev1"); }

    // Decision events per submission, from the feed the collection platform reads.
    std::map<std::int64_t, int> decision_events() {
        std::map<std::int64_t, int> n;
        auto admin = client("admin");
        std::int64_t after = 0;
        while (true) {
            auto r = admin.events(after, 1000);
            EXPECT_TRUE(r.ok() && r->ok());
            if (!r.ok() || !r->ok()) break;
            const json j = r->json();
            for (const auto& e : j["events"])
                if (e["type"] == "decision") ++n[e["submission_id"].get<std::int64_t>()];
            if (j["events"].empty()) break;
            after = j["next_cursor"].get<std::int64_t>();
        }
        return n;
    }
    json queue() {
        auto r = client("admin").queue();
        EXPECT_TRUE(r.ok() && r->ok());
        return r.ok() ? r->json() : json::object();
    }

    fs::path profile_, config_;
    std::vector<unsigned char> photo_;
};

INSTANTIATE_TEST_SUITE_P(Sqlite, WorkstationTest, ::testing::Values("sqlite"), server_backend_name);

// [SECTION] the window

cv::Vec3d mean_rgb(const cv::Mat& bgr, cv::Rect r) {
    const cv::Scalar m = cv::mean(bgr(r & cv::Rect(0, 0, bgr.cols, bgr.rows)));
    return {m[2], m[1], m[0]};
}

cv::Rect rect_of(const json& layout, const std::string& name, double k) {
    const auto& a = layout.at(name);
    return cv::Rect(cv::Point(int(a[0].get<double>() * k), int(a[1].get<double>() * k)),
                    cv::Point(int(a[2].get<double>() * k), int(a[3].get<double>() * k)));
}

// Pixels of row y within [x0, x1) whose colour is within `tol` of `rgb`.
double share_near(const cv::Mat& bgr, int y, int x0, int x1, cv::Vec3d rgb, double tol) {
    int n = 0, near = 0;
    for (int x = std::max(0, x0); x < std::min(bgr.cols, x1); ++x, ++n) {
        const cv::Vec3b p = bgr.at<cv::Vec3b>(y, x);
        const double d = std::hypot(std::hypot(p[2] - rgb[0], p[1] - rgb[1]), p[0] - rgb[2]);
        near += d <= tol;
    }
    return n ? double(near) / n : 0;
}

TEST_P(WorkstationTest, TheWindowDrawsBothPhotosTheBandsTheBadgesAndARareName) {
    ingest(1, 0, {"刘䶮堃"});   // first in the queue: the same deadline, the lowest id
    ingest(2, 1);
    const fs::path probe = dir_ / "probe";
    Photodesk app(dir_ / "run", args({"--probe", probe.string(), "--exit-when-done"}));
    ASSERT_EQ(app.wait(120s), 0) << app.log();
    const json info = read_json(probe.string() + ".json");
    ASSERT_TRUE(info.is_object()) << app.log();
    const cv::Mat shot = cv::imread(probe.string() + ".png");
    ASSERT_FALSE(shot.empty());
    const double k = info["framebuffer"][0].get<double>() / info["display"][0].get<double>();
    const json& layout = info["layout"];
    EXPECT_EQ(info["photo_shader_error"], "");

    // The standardized photo: the spec's light blue at the top corners, above the crown band.
    const cv::Rect std_r = rect_of(layout, "standardized", k);
    ASSERT_GT(std_r.width, 200);
    const cv::Vec3d corner = mean_rgb(shot, {std_r.x + 4, std_r.y + 4, std_r.width / 8, std_r.height / 20});
    EXPECT_NEAR(corner[0], 100, 30);
    EXPECT_NEAR(corner[1], 197, 30);
    EXPECT_NEAR(corner[2], 255, 30);

    // The original: the astronaut, not blue, with detail.
    const cv::Rect orig_r = rect_of(layout, "original", k);
    cv::Scalar mean, sd;
    cv::meanStdDev(shot(orig_r), mean, sd);
    EXPECT_GT(sd[0] + sd[1] + sd[2], 60) << "a photo has detail; a placeholder does not";
    EXPECT_LT(std::abs(mean[0] - 255) + std::abs(mean[1] - 197) + std::abs(mean[2] - 100), 400);

    // The crown and eye bands: their edges are lines across the photo in their check's colour
    // (the astronaut's crown and eye positions pass: green).
    const cv::Vec3d green(86, 190, 110);
    for (const char* band : {"crown_band", "eye_band"}) {
        const cv::Rect b = rect_of(layout, band, k);
        double best = 0;
        for (int dy = -2; dy <= 2; ++dy) best = std::max(best, share_near(shot, b.y + dy, std_r.x, std_r.x + std_r.width, green, 60));
        EXPECT_GT(best, 0.6) << band << ": no green edge line at y " << b.y;
        const double inside = share_near(shot, b.y + b.height / 2, std_r.x, std_r.x + std_r.width, green, 60);
        EXPECT_LT(inside, best) << band << ": the middle of the band is not an edge";
    }

    // Badges: each starts with its verdict's symbol in the verdict's colour.
    const std::map<std::string, cv::Vec3d> verdict = {
        {"pass", {86, 190, 110}}, {"warn", {240, 178, 50}}, {"fail", {232, 80, 64}}};
    int badges = 0;
    const cv::Rect visible = rect_of(layout, "checks_visible", k);
    for (auto it = layout.begin(); it != layout.end(); ++it) {
        if (it.key().rfind("badge:", 0) != 0) continue;
        const std::string v = it.key().substr(it.key().rfind(':') + 1);
        if (!verdict.count(v)) continue;
        const cv::Rect r = rect_of(layout, it.key(), k);
        if ((r & visible) != r) continue;   // scrolled out of view
        double best = 0;
        for (int y = r.y; y < r.y + r.height; ++y) best = std::max(best, share_near(shot, y, r.x, r.x + int(16 * k), verdict.at(v), 70));
        EXPECT_GT(best, 0.05) << it.key() << ": no " << v << " symbol";
        ++badges;
    }
    EXPECT_GE(badges, 10);

    // The rare-character name: every glyph in the atlas, none drawn as the fallback.
    EXPECT_EQ(info["item"]["name"], "刘䶮堃");
    EXPECT_EQ(info["missing_glyphs_in_name"], 0);
}

// A focused check tints the pixels it counted, through the GL texture path: the astronaut's
// failing backdrop check (a working-space map over the whole original) shown on the original
// pane. The pane is compared with the astronaut itself: the map's pixels move toward the fail
// colour, the rest (the person, whom the backdrop check did not count) stays as it was.
TEST_P(WorkstationTest, AFocusedCheckTintsThePixelsItCountedOnTheOriginal) {
    ingest(1);
    const fs::path probe = dir_ / "probe";
    // Failing badges first: noise (its map a few face pixels), then the two backdrop checks.
    Photodesk app(dir_ / "run", args({"--keys", "Down Down", "--probe", probe.string(), "--exit-when-done"}));
    ASSERT_EQ(app.wait(120s), 0) << app.log();
    const json info = read_json(probe.string() + ".json");
    ASSERT_TRUE(info.is_object()) << app.log();
    const std::string focused = info.value("focused_check", json()).is_string() ? info["focused_check"].get<std::string>() : "";
    ASSERT_TRUE(focused == "background_uniformity" || focused == "source_background")
        << "the second badge is '" << focused << "': the astronaut's verdicts changed; pick keys that focus a backdrop check";
    const json& layout = info["layout"];
    ASSERT_TRUE(layout.contains("original_check_map")) << "the focused check's map was not drawn";
    const cv::Mat shot = cv::imread(probe.string() + ".png");
    ASSERT_FALSE(shot.empty());
    const double k = info["framebuffer"][0].get<double>() / info["display"][0].get<double>();
    const cv::Rect pane = rect_of(layout, "original", k) & cv::Rect(0, 0, shot.cols, shot.rows);
    EXPECT_EQ(rect_of(layout, "original_check_map", k) & pane, pane) << "a working-space map covers the whole original";
    cv::Mat astronaut = cv::imread(astronaut_path()), expected;
    ASSERT_FALSE(astronaut.empty());
    cv::resize(astronaut, expected, pane.size(), 0, 0, cv::INTER_AREA);
    int tinted = 0, kept = 0, redder = 0;
    const cv::Mat drawn = shot(pane);
    for (int y = 2; y < pane.height - 2; ++y)
        for (int x = 2; x < pane.width - 2; ++x) {
            const cv::Vec3b a = drawn.at<cv::Vec3b>(y, x), b = expected.at<cv::Vec3b>(y, x);
            const int d = std::abs(a[0] - b[0]) + std::abs(a[1] - b[1]) + std::abs(a[2] - b[2]);
            if (d < 30) ++kept;
            if (d > 60) {
                ++tinted;
                // The fail colour, RGB(232, 80, 64), is red over green and blue.
                redder += (a[2] - b[2]) - (a[1] - b[1]) > 20;
            }
        }
    const double n = double(pane.width - 4) * (pane.height - 4);
    EXPECT_GT(tinted / n, 0.10) << "the backdrop the check counted is tinted";
    EXPECT_GT(kept / n, 0.25) << "and the person it did not count is not";
    EXPECT_GT(redder, tinted * 0.8) << "in the fail colour";
}

// [SECTION] decisions

TEST_P(WorkstationTest, KillDashNineMidQueueLosesNothingAndDoublesNothing) {
    const auto ids = ingest(50);
    ASSERT_EQ(ids.size(), 50u);
    {
        Photodesk first(dir_ / "run1", args({"--keys", "A*"}));
        ASSERT_TRUE(eventually([&] { return journal_counts(journal()).total >= 20; }, 120s)) << first.log();
        first.kill9();   // mid-queue: some decisions pushed, some queued, leases held
    }
    const auto before = journal_counts(journal());
    EXPECT_GE(before.total, 20);
    Photodesk second(dir_ / "run2", args({"--keys", "A*", "--exit-when-done"}));
    ASSERT_EQ(second.wait(180s), 0) << second.log();

    const auto events = decision_events();
    EXPECT_EQ(events.size(), 50u) << "every item decided";
    for (auto id : ids) EXPECT_EQ(events.count(id) ? events.at(id) : 0, 1) << "submission " << id;
    const json q = queue();
    EXPECT_EQ(q["open"], 0);
    EXPECT_EQ(q["leased"], 0) << "no lease left dangling";
    const auto after = journal_counts(journal());
    EXPECT_EQ(after.queued, 0);
    EXPECT_EQ(after.conflict, 0);
    EXPECT_EQ(after.applied + after.duplicate, 50);
}

TEST_P(WorkstationTest, OfflineKeepsWorkingAndTheOutboxDrainsOnce) {
    const auto ids = ingest(20);
    const fs::path go = dir_ / "go";
    Photodesk app(dir_ / "run", args({"--keys", "await:" + go.string() + " A*10", "--exit-when-done",
                                      "--state-out", (dir_ / "state.json").string()}));
    // Ready to work offline: a claim's worth of items ahead, their photos on disk.
    ASSERT_TRUE(eventually([&] { return cached_items(cache()) >= 10 && cached_images(cache()) >= 2; }, 60s)) << app.log();
    std::this_thread::sleep_for(1s);   // decoded and on the GPU
    kill_server();
    std::ofstream(go) << "go";
    ASSERT_TRUE(eventually([&] { return journal_counts(journal()).queued >= 10; }, 60s)) << app.log();
    std::this_thread::sleep_for(2s);   // pushes fail and back off meanwhile
    EXPECT_TRUE(app.running()) << app.log();
    EXPECT_EQ(journal_counts(journal()).queued, 10) << "nothing reached a dead server";
    listen_port_ = port_;
    start_server();
    ASSERT_EQ(app.wait(90s), 0) << app.log();
    const auto events = decision_events();
    EXPECT_EQ(events.size(), 10u);
    for (const auto& [id, n] : events) EXPECT_EQ(n, 1) << "submission " << id << " decided twice";
    const auto j = journal_counts(journal());
    EXPECT_EQ(j.queued, 0);
    EXPECT_EQ(j.applied, 10);
    EXPECT_EQ(read_json(dir_ / "state.json")["outbox"], 0);
    (void)ids;
}

TEST_P(WorkstationTest, ALeaseTakenByAnotherReviewerIsAConflictTheReviewerSees) {
    ingest(3);
    const fs::path go1 = dir_ / "go1", go2 = dir_ / "go2";
    // A longer undo window, so the lease can be taken between the key and the push.
    const fs::path cfg = test_config_dir(dir_ / "slow", {{"push_delay_ms = 3000", "push_delay_ms = 4000"}});
    Photodesk app(dir_ / "run", args({"--keys", "await:" + go1.string() + " A await:" + go2.string(), "--exit-when-done",
                                      "--state-out", (dir_ / "state.json").string()},
                                     cfg));
    ASSERT_TRUE(eventually([&] { return cached_items(cache()) >= 3 && cached_images(cache()) >= 2; }, 60s)) << app.log();
    std::this_thread::sleep_for(1s);
    std::ofstream(go1) << "go";
    ASSERT_TRUE(eventually([&] { return journal_counts(journal()).queued == 1; }, 30s)) << app.log();
    // Bob takes everything, as if alice's leases had run out long ago.
    auto store = open_store();
    ASSERT_TRUE(store);
    const auto now = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
    auto taken = store->claim("rev2", 10, 600, now + 100000, {});
    ASSERT_TRUE(taken.ok());
    ASSERT_EQ(taken->size(), 3u);
    std::ofstream(go2) << "go";
    ASSERT_EQ(app.wait(60s), 0) << app.log();
    const json state = read_json(dir_ / "state.json");
    ASSERT_EQ(state["conflicts"].size(), 1u) << state.dump();
    EXPECT_NE(state["conflicts"][0]["message"].get<std::string>().find("another reviewer"), std::string::npos)
        << state.dump();
    EXPECT_EQ(journal_counts(journal()).conflict, 1);
    EXPECT_TRUE(decision_events().empty()) << "alice's decision did not apply";
}

}  // namespace
}  // namespace pd::test

GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(ServerTest);
