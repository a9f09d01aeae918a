#include <gtest/gtest.h>

#include "config/config.h"
#include "config/config_test_util.h"
#include "support/test_support.h"

namespace pd::config {
namespace {

using test::replace_once;

TEST(EngineSettingsConfig, RepositoryFile) {
    auto s = load_engine_settings(test::config_dir());
    ASSERT_TRUE(s.ok()) << s.error().message;
    EXPECT_EQ(s->version, 3);
    EXPECT_EQ(s->max_pixels, 100000000);
    EXPECT_EQ(s->max_file_bytes, 60LL * 1024 * 1024);
    EXPECT_EQ(s->analysis_long_side, 1600);
    EXPECT_EQ(s->detect_long_side, 512);
    EXPECT_EQ(s->final_detect_long_side, 320);
    EXPECT_EQ(s->min_face_px, 40);
    EXPECT_EQ(s->retry_upsample, 2.0);
    EXPECT_TRUE(s->rotate_when_no_face);
    EXPECT_GT(s->cascade_min_neighbours, 0);
    EXPECT_EQ(s->cascade_verify_face_px, 120);
    EXPECT_DOUBLE_EQ(s->subject_score_share, 0.5);
    EXPECT_DOUBLE_EQ(s->head_side_margin, 0.2);
    EXPECT_DOUBLE_EQ(s->head_top_margin, 0.6);
    EXPECT_EQ(s->matte_long_side, 320);
    EXPECT_DOUBLE_EQ(s->forehead_lift, 0.36);
    EXPECT_DOUBLE_EQ(s->local_wall_sigma, 2.0);
}

constexpr const char* kEngine = R"([engine]
version = 1
[decode]
max_pixels = 100000000
max_file_mb = 60
analysis_long_side = 1600
[face]
detect_long_side = 640
final_detect_long_side = 320
min_face_px = 40
retry_upsample = 2.0
rotate_when_no_face = true
small_face_upsample = 1.0
cascade = "/usr/share/opencv4/lbpcascades/lbpcascade_frontalface_improved.xml"
cascade_long_side = 512
cascade_min_face_px = 30
cascade_max_face_px = 120
cascade_scale_step = 1.2
cascade_min_neighbours = 4
cascade_verify_face_px = 120
subject_score_share = 0.5
head_side_margin = 0.2
head_top_margin = 0.6
[matte]
matte_long_side = 320
forehead_lift = 0.36
local_wall_sigma = 2
[render]
edge_unmix_radius = 6
edge_unmix_below_alpha = 0.9
edge_unmix_margin = 0.05
edge_unmix_min_contrast = 30
)";

Result<domain::EngineSettings> parse_with(std::string_view from, std::string_view to) {
    return parse_engine_settings(replace_once(kEngine, from, to), "engine.toml");
}

TEST(EngineSettingsConfig, FaceSearchValuesAreChecked) {
    EXPECT_CONFIG_ERROR(parse_with("retry_upsample = 2.0", "retry_upsample = 0.5"), "face.retry_upsample");
    EXPECT_CONFIG_ERROR(parse_with("cascade_min_neighbours = 4", "cascade_min_neighbours = -1"),
                        "face.cascade_min_neighbours");
    EXPECT_CONFIG_ERROR(parse_with("subject_score_share = 0.5", "subject_score_share = 1.5"), "face.subject_score_share = 1.5");
    EXPECT_CONFIG_ERROR(parse_with("head_side_margin = 0.2", "head_side_margin = -0.2"), "face.head_side_margin = -0.2");
    EXPECT_CONFIG_ERROR(parse_with("cascade_long_side = 512", "cascade_long_sides = 512"),
                        "unknown key 'face.cascade_long_sides'");
}

TEST(EngineSettingsConfig, EveryValueMustBePositive) {
    EXPECT_TRUE(parse_engine_settings(kEngine, "engine.toml").ok());
    EXPECT_CONFIG_ERROR(parse_with("version = 1", "version = 0"), "engine.toml:2: engine.version = 0: must be > 0");
    EXPECT_CONFIG_ERROR(parse_with("forehead_lift = 0.36", "forehead_lift = 0.9"), "matte.forehead_lift = 0.9");
    EXPECT_CONFIG_ERROR(parse_with("local_wall_sigma = 2", "local_wall_sigma = -1"), "matte.local_wall_sigma = -1");
    EXPECT_CONFIG_ERROR(parse_with("edge_unmix_below_alpha = 0.9", "edge_unmix_below_alpha = 1.5"),
                        "render.edge_unmix_below_alpha = 1.5");
    EXPECT_CONFIG_ERROR(parse_with("edge_unmix_radius = 6", "edge_unmix_radius = -6"), "render.edge_unmix_radius = -6");
    EXPECT_CONFIG_ERROR(parse_with("max_pixels = 100000000", "max_pixels = -1"), "decode.max_pixels = -1: must be > 0");
    EXPECT_CONFIG_ERROR(parse_with("max_file_mb = 60", "max_file_mb = 0"), "decode.max_file_mb = 0: must be within 1..1048576");
    EXPECT_CONFIG_ERROR(parse_with("analysis_long_side = 1600", "analysis_long_side = 0"),
                        "decode.analysis_long_side = 0: must be > 0");
    EXPECT_CONFIG_ERROR(parse_with("detect_long_side = 640", "detect_long_side = -640"),
                        "face.detect_long_side = -640: must be > 0");
    EXPECT_CONFIG_ERROR(parse_with("min_face_px = 40", "min_face_px = 0"), "face.min_face_px = 0: must be > 0");
    EXPECT_CONFIG_ERROR(parse_with("min_face_px = 40", "min_face_px = 640"),
                        "face.min_face_px = 640: must be below face.detect_long_side = 640");
    EXPECT_CONFIG_ERROR(parse_with("matte_long_side = 320", "matte_long_side = 0"), "matte.matte_long_side = 0: must be > 0");
    EXPECT_CONFIG_ERROR(parse_with("matte_long_side = 320", "matte_long_side = 320.0"),
                        "matte.matte_long_side = 320: must be an integer, got float");
}

TEST(EngineSettingsConfig, KeysAreValidated) {
    EXPECT_CONFIG_ERROR(parse_with("max_pixels =", "max_pixel ="), "engine.toml:4: unknown key 'decode.max_pixel'");
    EXPECT_CONFIG_ERROR(parse_with("[matte]\nmatte_long_side = 320\nforehead_lift = 0.36\nlocal_wall_sigma = 2\n", ""), "engine.toml: missing table 'matte'");
    EXPECT_CONFIG_ERROR(parse_with("version = 1\n", ""), "missing key 'engine.version'");
    EXPECT_CONFIG_ERROR(parse_with("[face]", "[faces]"), "unknown table 'faces'");
}

TEST(EngineSettingsConfig, MissingFileIsNotFound) {
    auto s = load_engine_settings("/nonexistent/photodesk");
    EXPECT_EQ(test::error_code(s), ErrorCode::NotFound);
    EXPECT_EQ(test::error_message(s), "/nonexistent/photodesk/engine.toml: file not found");
}

}  // namespace
}  // namespace pd::config
