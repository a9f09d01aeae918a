// The check catalogue and the reading of check settings against it: a settings map that
// misses or invents a check or a parameter, or gives one a value of the wrong kind, is refused
// by PhotoEngine::create() with a message naming the check and the key; the repository's
// config/checks.toml is valid. Also the grading helpers every check uses.
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <set>
#include <sstream>

#include <gtest/gtest.h>

#include "config/config.h"
#include "engine/checks/check_registry.h"
#include "engine/crop/crop.h"
#include "engine/engine_fixture.h"
#include "setup/engine_setup.h"
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

// The repository's config/checks.toml with one line changed, parsed.
domain::CheckSettings repo_settings_with(const std::string& from, const std::string& to) {
    std::ifstream f(test::config_dir() + "/checks.toml");
    std::stringstream text;
    text << f.rdbuf();
    std::string toml = text.str();
    const auto at = toml.find(from);
    if (at == std::string::npos || toml.find(from, at + 1) != std::string::npos)
        throw std::runtime_error("'" + from + "' is not once in checks.toml");
    toml.replace(at, from.size(), to);
    auto r = config::parse_check_settings(toml, "checks.toml");
    if (!r) throw std::runtime_error(r.error().message);
    return r.value();
}

// PhotoEngine::create() with the shared engine's config but these check settings.
Result<PhotoEngine> create_with(domain::CheckSettings checks) {
    auto cfg = test::shared_engine().config();
    cfg.checks = std::move(checks);
    auto faces = FaceModel::shared();
    if (!faces) throw std::runtime_error(faces.error().message);
    return PhotoEngine::create(cfg, faces.value());
}

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

// Issue 8: each check's parameters are read into a typed struct when the engine is created, so
// a bad checks.toml fails create(), naming the check and the key, and never a photo later.

TEST(CheckRegistry, CreateRefusesAMisspeltParameterNamingTheCheckAndBothKeys) {
    // The loader takes any identifier as a parameter name; the check's reader does not.
    const auto s = repo_settings_with("warn_sigma = 2.2", "warn_sigam = 2.2");
    auto e = create_with(s);
    ASSERT_FALSE(e);
    EXPECT_EQ(e.error().code, ErrorCode::ConfigInvalid);
    // The typo itself is named (not only the key it left missing), with the keys noise takes.
    EXPECT_EQ(e.error().message, "checks.toml: unknown key 'checks.noise.warn_sigam' (noise takes warn_sigma, fail_sigma, chroma_weight, blocks_across, block_percentile)");

    // Also when the check is switched off: it would fail the day it is switched back on.
    auto off = s;
    off.at("noise").enabled = false;
    auto e2 = create_with(off);
    ASSERT_FALSE(e2);
    EXPECT_TRUE(contains(e2.error().message, "checks.noise.warn_sigam")) << e2.error().message;
}

TEST(CheckRegistry, CreateRefusesAMissingParameterNamingTheCheckAndKey) {
    auto e = create_with(repo_settings_with("fail_upscale = 2.5\n", ""));
    ASSERT_FALSE(e);
    EXPECT_EQ(e.error().code, ErrorCode::ConfigInvalid);
    EXPECT_EQ(e.error().message, "checks.toml: checks.source_resolution is missing parameter 'fail_upscale'");
}

TEST(CheckRegistry, CreateRefusesAParameterOfTheWrongKind) {
    // A band width in pixels is a whole number.
    auto e = create_with(repo_settings_with("min_px = 2 ", "min_px = 2.5 "));
    ASSERT_FALSE(e);
    EXPECT_EQ(e.error().code, ErrorCode::ConfigInvalid);
    EXPECT_EQ(e.error().message, "checks.toml: checks.black_border.min_px = 2.5: must be a whole number");
    // 2.0 is a whole number.
    EXPECT_TRUE(create_with(repo_settings_with("min_px = 2 ", "min_px = 2.0 ")));

    // Settings made in code bypass the loader's checks: not a number.
    auto s = repo_settings();
    s.at("glasses").params.at("warn_score") = std::numeric_limits<double>::quiet_NaN();
    auto e2 = create_with(s);
    ASSERT_FALSE(e2);
    EXPECT_EQ(e2.error().message, "checks.toml: checks.glasses.warn_score = nan: must be a finite number");

    // Not a number at all: the loader refuses it first, naming the check and the key.
    std::string toml = "[checks.noise]\nreason = \"noisy\"\nwarn_sigma = \"3\"\nfail_sigma = 6\n";
    auto parsed = config::parse_check_settings(toml, "checks.toml");
    ASSERT_FALSE(parsed);
    EXPECT_TRUE(contains(parsed.error().message, "checks.noise.warn_sigma")) << parsed.error().message;
}

TEST(CheckRegistry, CheckParamsListsWhatEachCheckReadsInOrder) {
    const auto& cat = check_catalogue();
    const auto find = [&](const char* id) {
        return *std::find_if(cat.begin(), cat.end(), [&](const CheckDef& d) { return std::string(d.id) == id; });
    };
    EXPECT_EQ(check_params(find("eye_tilt")), (std::vector<std::string>{"warn_deg", "fail_deg"}));
    EXPECT_EQ(check_params(find("black_border")),
              (std::vector<std::string>{"max_l", "min_px", "flat_levels", "flat_percent", "step_levels"}));
    EXPECT_TRUE(check_params(find("mirrored")).empty());
}

TEST(CheckRegistry, RunChecksFollowsTheCatalogueAndSkipsDisabledChecks) {
    const auto& E = test::shared_engine();
    auto bytes = read_file_bytes(test::astronaut_path());
    ASSERT_TRUE(bytes);
    auto o = E.process(bytes.value());
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

// Every way the engine can refuse a photo pre-selects exactly one reason, so a reviewer facing a
// photo with no spec version never starts from an empty reject list.
TEST(RefusalReasons, EveryRefusalPreSelectsExactlyOneReason) {
    auto reasons = config::load_reasons(test::config_dir());
    ASSERT_TRUE(reasons.ok()) << reasons.error().message;
    for (std::string_view kind : refusal::kAll) {
        std::vector<std::string> by;
        for (const auto& r : reasons->all())
            for (const auto& k : r.suggested_by_refusals)
                if (k == kind) by.push_back(r.code);
        EXPECT_EQ(by.size(), 1u) << kind << " is pre-selected by " << by.size() << " reasons";
    }
}

// reasons.toml names the engine's refusals (suggested_by_refusals): each must be one the engine
// makes, or a typo would silently never pre-select its reason. The shipped file passes; a
// misspelt kind stops the engine's set-up, naming the reason and the kind.
TEST(RefusalReasons, ReasonsTomlNamesOnlyRefusalsTheEngineMakes) {
    auto reasons = config::load_reasons(test::config_dir());
    ASSERT_TRUE(reasons.ok()) << reasons.error().message;
    int named = 0;
    for (const auto& r : reasons->all())
        for (const auto& kind : r.suggested_by_refusals) {
            EXPECT_TRUE(refusal::is_kind(kind)) << r.code << ": " << kind;
            ++named;
        }
    EXPECT_GE(named, 5);
    EXPECT_FALSE(refusal::is_kind("head_proportion"));

    const test::ConfigCopy config("reasons.toml", "suggested_by_refusals = [\"upscale_limit\"]",
                                  "suggested_by_refusals = [\"upscale_limt\"]");
    auto eng = setup::make_engine({config.dir().string(), "chsi-2017"});
    ASSERT_FALSE(eng);
    EXPECT_EQ(eng.error().code, ErrorCode::ConfigInvalid);
    EXPECT_NE(eng.error().message.find("'low_resolution'"), std::string::npos) << eng.error().message;
    EXPECT_NE(eng.error().message.find("\"upscale_limt\""), std::string::npos) << eng.error().message;
}

