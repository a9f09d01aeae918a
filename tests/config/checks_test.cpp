#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>

#include "config/config.h"
#include "config/config_test_util.h"
#include "support/test_support.h"

namespace pd::config {
namespace {

using test::replace_once;

constexpr const char* kChecks = R"([checks.eye_tilt]
reason = "head_tilted"
enabled = true
warn_deg = 2.0
fail_deg = 4

[checks.sharpness]
reason = "blurry"
enabled = false
min_laplacian_var = 120.5

[checks.mirrored]
reason = "selfie"
)";

Result<domain::CheckSettings> parse_with(std::string_view from, std::string_view to) {
    return parse_check_settings(replace_once(kChecks, from, to), "checks.toml");
}

TEST(CheckSettings, ParsesReasonEnabledAndParams) {
    auto s = parse_check_settings(kChecks, "checks.toml");
    ASSERT_TRUE(s.ok()) << s.error().message;
    ASSERT_EQ(s->size(), 3u);
    const domain::CheckConfig& tilt = s->at("eye_tilt");
    EXPECT_EQ(tilt.reason, "head_tilted");
    EXPECT_TRUE(tilt.enabled);
    EXPECT_EQ(tilt.params, (std::map<std::string, double>{{"warn_deg", 2.0}, {"fail_deg", 4.0}}));
    EXPECT_FALSE(s->at("sharpness").enabled);
    EXPECT_DOUBLE_EQ(s->at("sharpness").params.at("min_laplacian_var"), 120.5);
    // enabled defaults to true; a check may have no parameters.
    EXPECT_TRUE(s->at("mirrored").enabled);
    EXPECT_TRUE(s->at("mirrored").params.empty());
}

TEST(CheckSettings, MissingReason) {
    EXPECT_CONFIG_ERROR(parse_with("reason = \"selfie\"\n", ""), "checks.toml:12: missing key 'checks.mirrored.reason'");
    EXPECT_CONFIG_ERROR(parse_with("reason = \"blurry\"", "reason = \"\""), "checks.sharpness.reason = \"\": must not be empty");
    EXPECT_CONFIG_ERROR(parse_with("reason = \"blurry\"", "reason = 3"), "checks.sharpness.reason = 3: must be a string, got integer");
    EXPECT_CONFIG_ERROR(parse_with("reason = \"blurry\"", "reason = \"Blurry photo\""),
                        "checks.sharpness.reason = \"Blurry photo\": must be a reason code");
}

TEST(CheckSettings, ParamsMustBeNumbers) {
    EXPECT_CONFIG_ERROR(parse_with("warn_deg = 2.0", "warn_deg = \"2\""),
                        "checks.toml:4: checks.eye_tilt.warn_deg = \"2\": must be a number, got string");
    EXPECT_CONFIG_ERROR(parse_with("warn_deg = 2.0", "warn_deg = false"),
                        "checks.eye_tilt.warn_deg = false: must be a number, got boolean");
    EXPECT_CONFIG_ERROR(parse_with("warn_deg = 2.0", "warn_deg = [2, 4]"),
                        "checks.eye_tilt.warn_deg = [2, 4]: must be a number, got array");
    EXPECT_CONFIG_ERROR(parse_with("warn_deg = 2.0", "warn_deg = inf"), "checks.eye_tilt.warn_deg = inf: must be a finite number");
    EXPECT_CONFIG_ERROR(parse_with("enabled = true", "enabled = \"yes\""),
                        "checks.eye_tilt.enabled = \"yes\": must be true or false, got string");
    EXPECT_CONFIG_ERROR(parse_with("enabled = true", "enabled = 1"), "must be true or false, got integer");
}

TEST(CheckSettings, StructureErrors) {
    EXPECT_CONFIG_ERROR(parse_check_settings("", "checks.toml"), "checks.toml: missing table 'checks'");
    EXPECT_CONFIG_ERROR(parse_check_settings(std::string("version = 1\n") + kChecks, "checks.toml"),
                        "checks.toml:1: unknown key 'version'");
    EXPECT_CONFIG_ERROR(parse_with("[checks.eye_tilt]", "[check.eye_tilt]"), "unknown table 'check'");
    EXPECT_CONFIG_ERROR(parse_check_settings("[checks]\neye_tilt = 5\n", "checks.toml"),
                        "checks.toml:2: 'checks.eye_tilt' must be a table, got integer");
    EXPECT_CONFIG_ERROR(parse_with("[checks.mirrored]", "[checks.Mirrored]"),
                        "check id 'checks.Mirrored' must use only a-z, 0-9 and _");
    EXPECT_CONFIG_ERROR(parse_with("[checks.mirrored]", "[checks.mirrored.limits]\nx = 1\n[checks.mirrored]"),
                        "checks.mirrored.limits = {table}: must be a number, got table");
    // An empty [checks] table is valid: nothing configured.
    auto empty = parse_check_settings("[checks]\n", "checks.toml");
    ASSERT_TRUE(empty.ok()) << empty.error().message;
    EXPECT_TRUE(empty->empty());
}

TEST(CheckSettings, LoadFromFolder) {
    test::ScratchDir dir;
    auto missing = load_check_settings(dir.str());
    EXPECT_EQ(test::error_code(missing), ErrorCode::NotFound);
    EXPECT_NE(test::error_message(missing).find("checks.toml: file not found"), std::string::npos);
    dir.write("checks.toml", kChecks);
    auto s = load_check_settings(dir.str());
    ASSERT_TRUE(s.ok()) << s.error().message;
    EXPECT_EQ(s->size(), 3u);
}

TEST(CheckSettings, ReasonsMustExistInCatalog) {
    auto s = parse_check_settings(kChecks, "checks.toml");
    ASSERT_TRUE(s.ok());
    auto reasons = load_reasons(test::config_dir());
    ASSERT_TRUE(reasons.ok()) << reasons.error().message;
    EXPECT_TRUE(validate_check_reasons(*s, *reasons).ok());

    auto bad = parse_with("reason = \"selfie\"", "reason = \"selfy\"");
    ASSERT_TRUE(bad.ok());
    Status st = validate_check_reasons(*bad, *reasons);
    ASSERT_FALSE(st.ok());
    EXPECT_EQ(st.error().code, ErrorCode::ConfigInvalid);
    EXPECT_EQ(st.error().message, "checks.toml: checks.mirrored.reason = \"selfy\" is not a code in reasons.toml");
}

// The lead owns config/checks.toml; when it exists it must load and agree with reasons.toml.
TEST(CheckSettings, RepositoryFileLoadsAndMatchesReasons) {
    if (!std::filesystem::exists(std::filesystem::path(test::config_dir()) / "checks.toml"))
        GTEST_SKIP() << "config/checks.toml not written yet";
    auto s = load_check_settings(test::config_dir());
    ASSERT_TRUE(s.ok()) << s.error().message;
    auto reasons = load_reasons(test::config_dir());
    ASSERT_TRUE(reasons.ok()) << reasons.error().message;
    Status st = validate_check_reasons(*s, *reasons);
    EXPECT_TRUE(st.ok()) << st.error().message;
    // Both files say which reason a check suggests; they must agree.
    for (const auto& [id, check] : *s) {
        const domain::Reason* reason = reasons->find(check.reason);
        ASSERT_NE(reason, nullptr) << id;
        const auto& listed = reason->suggested_by_checks;
        EXPECT_NE(std::find(listed.begin(), listed.end(), id), listed.end())
            << "checks." << id << ".reason = \"" << check.reason << "\" but reasons.toml does not list '" << id
            << "' in that reason's suggested_by_checks";
    }
}

}  // namespace
}  // namespace pd::config
