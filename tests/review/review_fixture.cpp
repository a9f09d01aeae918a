#include "review_fixture.h"

#include <unistd.h>

#include "config/config.h"
#include "support/test_support.h"

namespace pd::test {

using nlohmann::json;
namespace fs = std::filesystem;

namespace {

const char* reason_of(const std::string& check) {
    if (check == "eye_tilt" || check == "yaw" || check == "pitch") return "head_tilted";
    if (check == "exposure" || check == "clipping") return "exposure";
    if (check == "sharpness") return "blurry";
    if (check == "crown_position" || check == "eye_position") return "crop_out_of_spec";
    return "other";
}

json check(const std::string& id, const std::string& verdict) {
    return {{"id", id}, {"title", id}, {"verdict", verdict}, {"value", 1.5}, {"unit", "x"}, {"threshold", "t"},
            {"reason", reason_of(id)}, {"detail", ""}, {"geometry", {{"space", "standardized"}}}};
}

std::string hash_of(std::int64_t id, char kind) {
    std::string h(64, '0');
    const std::string s = std::to_string(id);
    h.replace(64 - s.size(), s.size(), s);
    h[0] = kind;
    return h;
}

}  // namespace

json submission_json(std::int64_t id, const std::string& name, std::vector<std::string> fails,
                     std::vector<std::string> warns, std::int64_t lease_expires, bool standardized) {
    json checks = json::array();
    for (const auto& f : fails) checks.push_back(check(f, "fail"));
    for (const auto& w : warns) checks.push_back(check(w, "warn"));
    checks.push_back(check("file_format", "pass"));
    json report = {{"report_version", 1},
                   {"spec", "chsi-2017"},
                   {"source", {{"width", 1200}, {"height", 1600}}},
                   {"working", {{"width", 600}, {"height", 800}, {"per_original_px", 0.5}}},
                   {"crop",
                    {{"x", 100}, {"y", 50}, {"scale", 1.2}, {"crown_y", 80}, {"eye_y", 250}, {"face_width", 200},
                     {"centre_offset", 0}, {"window_original", {{"x", 200}, {"y", 100}, {"width", 800}}}}},
                   {"landmarks", {{"space", "working"}, {"points", json::array({{300, 300}, {320, 310}})}}},
                   {"checks", checks}};
    return {{"id", id},
            {"attempt", 1},
            {"state", "leased"},
            {"student",
             {{"name", name}, {"id_number", "110105********002X"}, {"student_no", "S" + std::to_string(id)},
              {"school", "示例大学"}, {"station", "本部"}, {"grade", "2026"}}},
            {"submitted_at", 1795900000},
            {"sla_deadline", 1796054400},
            {"flags", json::array()},
            {"images",
             {{"original", hash_of(id, 'a')},
              {"standardized", standardized ? hash_of(id, 'b') : ""},
              {"matte", ""},
              {"thumbnail", hash_of(id, 'c')}}},
            {"lease", {{"reviewer", "alice"}, {"expires_at", lease_expires}}},
            {"decision", nullptr},
            {"history", json::array()},
            {"checks", report}};
}

review::ReviewItem item(std::int64_t id, std::vector<std::string> fails, std::vector<std::string> warns,
                        std::int64_t lease_expires) {
    auto r = review::parse_item(submission_json(id, "学生" + std::to_string(id), std::move(fails), std::move(warns),
                                                lease_expires));
    EXPECT_TRUE(r.ok()) << r.error().message;
    return std::move(r).value();
}

review::ReviewItem refused_item(std::int64_t id, const std::string& kind, std::vector<std::string> fails,
                                std::int64_t lease_expires) {
    nlohmann::json j = submission_json(id, "学生" + std::to_string(id), std::move(fails), {}, lease_expires, false);
    j["checks"].erase("crop");
    j["checks"]["spec_error"] = {{"code", "spec_unreachable"}, {"kind", kind}, {"message", "..."}};
    auto r = review::parse_item(j);
    EXPECT_TRUE(r.ok()) << r.error().message;
    return std::move(r).value();
}

review::HelloResult hello() {
    review::HelloResult h;
    h.user = "alice";
    h.role = "reviewer";
    for (const char* code : {"head_tilted", "crop_out_of_spec", "blurry", "exposure", "ears_hidden", "other"}) {
        review::ReasonInfo r;
        r.code = code;
        r.label_zh = std::string("理由") + code;
        r.label_en = std::string("reason ") + code;
        r.note_required = std::string(code) == "other";
        h.reasons.push_back(r);
    }
    return h;
}

void SessionTest::SetUp() {
    dir = fs::temp_directory_path() /
          ("pd-review-" + std::to_string(::getpid()) + "-" +
           ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir);
    fs::create_directories(dir);
    auto st = review::load_strings(config_dir());
    ASSERT_TRUE(st.ok()) << st.error().message;
    strings = std::move(st).value();
    auto ws = review::load_workstation_settings(config_dir());
    ASSERT_TRUE(ws.ok()) << ws.error().message;
    settings = ws.value();
    restart();
}

void SessionTest::TearDown() {
    s.reset();
    fs::remove_all(dir);
}

void SessionTest::restart() {
    s.reset();
    auto j = review::Journal::open((dir / "journal.db").string());
    ASSERT_TRUE(j.ok()) << j.error().message;
    auto cal = config::load_calendar(config_dir());
    ASSERT_TRUE(cal.ok()) << cal.error().message;
    review::SessionDeps d;
    d.settings = settings;
    d.strings = &strings;
    d.calendar = cal.value();
    d.journal = std::move(j).value();
    d.clock = {[this] { return unix_now; }, [this] { return mono; }};
    s = std::make_unique<review::ReviewSession>(std::move(d));
    s->begin(hello());
}

std::vector<review::Envelope> SessionTest::step() {
    std::vector<review::Envelope> out;
    for (auto& [e, urgent] : s->plan()) out.push_back(e);
    sent.insert(sent.end(), out.begin(), out.end());
    return out;
}

void SessionTest::ready_with(int n, std::int64_t first) {
    auto r = step();
    ASSERT_EQ(of<review::RestoreRequest>(r).size(), 1u) << "the session restores its cache first";
    answer(review::RestoreResult{});
    r = step();
    auto claims = of<review::ClaimRequest>(r);
    ASSERT_EQ(claims.size(), 1u);
    review::ClaimResult c;
    c.ok = true;
    for (int i = 0; i < n; ++i) c.items.push_back(item(first + i, {}, {}, unix_now + 300));
    answer(std::move(c));
}

void SessionTest::images_ready() {
    const review::Slot* cur = s->current();
    ASSERT_NE(cur, nullptr);
    step();   // asks for the images
    for (const std::string* h : {&cur->item.standardized, &cur->item.original}) {
        if (h->empty()) continue;
        review::ImageResult img;
        img.submission_id = cur->item.id;
        img.hash = *h;
        img.ok = true;
        img.pixels = {4, 4, 8, 8, std::vector<std::uint8_t>(64, 200)};
        answer(std::move(img));
    }
    s->take_uploads(1 << 30);
}

}  // namespace pd::test
