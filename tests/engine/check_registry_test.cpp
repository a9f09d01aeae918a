// The check catalogue and the validation of check settings against it: a settings map that
// misses or invents a check or a parameter is refused with a message naming it; the
// repository's config/checks.toml is valid. Also the grading helpers every check uses.
#include <cmath>
#include <limits>
#include <set>

#include <gtest/gtest.h>

#include "config/config.h"
#include "engine/checks/check_registry.h"
#include "engine/engine_fixture.h"
#include "support/test_support.h"

using namespace pd;
using namespace pd::engine;

namespace {

domain::CheckSettings repo_settings() {
    auto r = config::load_check_settings(test::config_dir());
    if (!r) throw std::runtime_error(r.error().message);
    return r.value();
}

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

}  // namespace

TEST(CheckRegistry, RepositoryConfigValidates) {
    auto settings = config::load_check_settings(test::config_dir());
    ASSERT_TRUE(settings) << settings.error().message;
    auto st = validate_check_settings(settings.value());
    EXPECT_TRUE(st) << (st ? "" : st.error().message);
}

TEST(CheckRegistry, CatalogueIdsAreUniqueAndComplete) {
    const auto& cat = check_catalogue();
    EXPECT_GE(cat.size(), 20u);
    std::set<std::string> ids;
    for (const auto& d : cat) {
        SCOPED_TRACE(d.id);
        EXPECT_TRUE(ids.insert(d.id).second) << "duplicate id";
        EXPECT_NE(std::string(d.title), "");
        EXPECT_NE(d.setup, nullptr);
        const auto names = check_params(d);
        std::set<std::string> params(names.begin(), names.end());
        EXPECT_EQ(params.size(), names.size()) << "duplicate parameter";
    }
    // The repository config configures exactly the catalogue.
    const auto settings = repo_settings();
    std::set<std::string> configured;
    for (const auto& [id, cfg] : settings) configured.insert(id);
    EXPECT_EQ(configured, ids);
}

TEST(CheckRegistry, MissingCheckIsRejectedByName) {
    auto s = repo_settings();
    ASSERT_EQ(s.erase("eye_tilt"), 1u);
    auto st = validate_check_settings(s);
    ASSERT_FALSE(st);
    EXPECT_EQ(st.error().code, ErrorCode::ConfigInvalid);
    EXPECT_TRUE(contains(st.error().message, "eye_tilt")) << st.error().message;
    EXPECT_TRUE(contains(st.error().message, "not configured")) << st.error().message;
}

TEST(CheckRegistry, UnknownCheckIsRejectedByName) {
    auto s = repo_settings();
    s["eye_tlit"] = s.at("eye_tilt");
    auto st = validate_check_settings(s);
    ASSERT_FALSE(st);
    EXPECT_EQ(st.error().code, ErrorCode::ConfigInvalid);
    EXPECT_TRUE(contains(st.error().message, "eye_tlit")) << st.error().message;
    EXPECT_TRUE(contains(st.error().message, "unknown")) << st.error().message;
}

TEST(CheckRegistry, MissingParameterIsRejectedByName) {
    auto s = repo_settings();
    ASSERT_EQ(s.at("lens_glare").params.erase("warn_percent"), 1u);
    auto st = validate_check_settings(s);
    ASSERT_FALSE(st);
    EXPECT_EQ(st.error().code, ErrorCode::ConfigInvalid);
    EXPECT_TRUE(contains(st.error().message, "lens_glare")) << st.error().message;
    EXPECT_TRUE(contains(st.error().message, "warn_percent")) << st.error().message;
    EXPECT_TRUE(contains(st.error().message, "missing")) << st.error().message;
}

TEST(CheckRegistry, UnknownParameterIsRejectedByName) {
    auto s = repo_settings();
    s.at("sharpness").params["wran"] = 3;
    auto st = validate_check_settings(s);
    ASSERT_FALSE(st);
    EXPECT_EQ(st.error().code, ErrorCode::ConfigInvalid);
    EXPECT_TRUE(contains(st.error().message, "sharpness.wran")) << st.error().message;
    EXPECT_TRUE(contains(st.error().message, "unknown")) << st.error().message;

    // A check that takes no parameters takes none.
    auto s2 = repo_settings();
    s2.at("file_format").params["tolerance"] = 1;
    auto st2 = validate_check_settings(s2);
    ASSERT_FALSE(st2);
    EXPECT_TRUE(contains(st2.error().message, "file_format.tolerance")) << st2.error().message;
}

TEST(CheckRegistry, EveryParameterOfEveryCheckIsRequired) {
    // Drop each parameter in turn: each one must be reported, by name.
    const auto base = repo_settings();
    int n = 0;
    for (const auto& d : check_catalogue()) {
        for (const auto& p : check_params(d)) {
            auto s = base;
            s.at(d.id).params.erase(p);
            auto st = validate_check_settings(s);
            SCOPED_TRACE(std::string(d.id) + "." + p);
            ASSERT_FALSE(st);
            EXPECT_TRUE(contains(st.error().message, p));
            EXPECT_TRUE(contains(st.error().message, d.id));
            ++n;
        }
    }
    EXPECT_GT(n, 40);
}

TEST(CheckRegistry, EngineRefusesInvalidSettings) {
    auto cfg = test::shared_engine().config();
    cfg.checks.erase("noise");
    auto faces = FaceModel::shared();
    ASSERT_TRUE(faces) << faces.error().message;
    auto e = PhotoEngine::create(cfg, faces.value());
    ASSERT_FALSE(e);
    EXPECT_EQ(e.error().code, ErrorCode::ConfigInvalid);
    EXPECT_TRUE(contains(e.error().message, "noise")) << e.error().message;
}

TEST(CheckRegistry, RunChecksFollowsTheCatalogueAndSkipsDisabledChecks) {
    const auto& E = test::shared_engine();
    auto bytes = read_file_bytes(test::astronaut_path());
    ASSERT_TRUE(bytes);
    auto o = E.standardize(bytes.value());
    ASSERT_TRUE(o) << o.error().message;
    const RenderedPhoto* photo = o->photo ? &*o->photo : nullptr;
    const CheckInput in{o->analysis, photo, E.config().spec, E.config().hints};

    auto settings = E.config().checks;
    const auto all = run_checks(in, configure_checks(settings).value());
    ASSERT_EQ(all.size(), check_catalogue().size());
    for (std::size_t i = 0; i < all.size(); ++i) {
        EXPECT_EQ(all[i].id, check_catalogue()[i].id);
        EXPECT_EQ(all[i].title, check_catalogue()[i].title);
        EXPECT_EQ(all[i].reason, settings.at(all[i].id).reason);
    }
    settings.at("glasses").enabled = false;
    settings.at("mirrored").enabled = false;
    const auto some = run_checks(in, configure_checks(settings).value());
    EXPECT_EQ(some.size(), all.size() - 2);
    for (const auto& c : some) {
        EXPECT_NE(c.id, "glasses");
        EXPECT_NE(c.id, "mirrored");
    }
}

TEST(CheckRegistry, GradingHelpers) {
    const double nan = std::numeric_limits<double>::quiet_NaN();
    EXPECT_EQ(grade_high(1, 2, 4), Verdict::Pass);
    EXPECT_EQ(grade_high(2, 2, 4), Verdict::Pass);
    EXPECT_EQ(grade_high(3, 2, 4), Verdict::Warn);
    EXPECT_EQ(grade_high(4, 2, 4), Verdict::Warn);
    EXPECT_EQ(grade_high(4.01, 2, 4), Verdict::Fail);
    EXPECT_EQ(grade_high(nan, 2, 4), Verdict::NotAssessable);

    EXPECT_EQ(grade_low(10, 5, 2), Verdict::Pass);
    EXPECT_EQ(grade_low(5, 5, 2), Verdict::Pass);
    EXPECT_EQ(grade_low(3, 5, 2), Verdict::Warn);
    EXPECT_EQ(grade_low(1.99, 5, 2), Verdict::Fail);
    EXPECT_EQ(grade_low(nan, 5, 2), Verdict::NotAssessable);

    EXPECT_EQ(grade_band(50, 50, 110, 6), Verdict::Pass);
    EXPECT_EQ(grade_band(110, 50, 110, 6), Verdict::Pass);
    EXPECT_EQ(grade_band(44, 50, 110, 6), Verdict::Warn);
    EXPECT_EQ(grade_band(116, 50, 110, 6), Verdict::Warn);
    EXPECT_EQ(grade_band(43.9, 50, 110, 6), Verdict::Fail);
    EXPECT_EQ(grade_band(116.1, 50, 110, 6), Verdict::Fail);
    EXPECT_EQ(grade_band(std::numeric_limits<double>::infinity(), 50, 110, 6), Verdict::NotAssessable);

    EXPECT_EQ(fmt_num(12.34), "12.3");
    EXPECT_EQ(fmt_num(7.0, 0), "7");
    EXPECT_EQ(fmt_num(0.125, 3), "0.125");
}
