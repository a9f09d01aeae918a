#include <gtest/gtest.h>

#include "config/config.h"
#include "config/config_test_util.h"
#include "support/test_support.h"

namespace pd::config {
namespace {

using test::error_message;
using test::replace_once;

// Line numbers matter: some tests check "origin:LINE:".
constexpr const char* kSpec = R"([profile]
name = "chsi-2017"
description = "CHSI degree registration photo"
[file]
width = 480
height = 640
dpi = 300
min_quality = 60
min_kb = 20
max_kb = 40
[background]
rgb = [100, 197, 255]
max_delta_e = 5.0
[head]
crown_y = [50, 110]
eye_y = [200, 300]
face_width = [180, 300]
max_centre_offset_px = 24
[crop]
target_crown_y = 80
target_eye_y = 250
max_upscale = 2.5
margin_px = [5, 10]
max_padded_rows = 2
)";

Result<domain::SpecProfile> parse_with(std::string_view from, std::string_view to) {
    return parse_spec_profile(replace_once(kSpec, from, to), "specs/x.toml");
}

void expect_chsi_numbers(const domain::SpecProfile& p) {
    EXPECT_EQ(p.width, 480);
    EXPECT_EQ(p.height, 640);
    EXPECT_EQ(p.dpi, 300);
    EXPECT_EQ(p.min_quality, 60);
    EXPECT_EQ(p.file_kb, (domain::Range{20, 40}));
    EXPECT_EQ(p.crown_y, (domain::Range{50, 110}));
    EXPECT_EQ(p.eye_y, (domain::Range{200, 300}));
    EXPECT_EQ(p.face_width, (domain::Range{180, 300}));
    EXPECT_DOUBLE_EQ(p.max_centre_offset_px, 24);
    EXPECT_DOUBLE_EQ(p.background_max_delta_e, 5.0);
    EXPECT_DOUBLE_EQ(p.target_crown_y, 80);
    EXPECT_DOUBLE_EQ(p.target_eye_y, 250);
    EXPECT_DOUBLE_EQ(p.max_upscale, 2.5);
}

TEST(SpecProfile, LoadsChsi2017FromConfig) {
    auto p = load_spec_profile(test::config_dir(), "chsi-2017");
    ASSERT_TRUE(p.ok()) << p.error().message;
    EXPECT_EQ(p->name, "chsi-2017");
    EXPECT_NE(p->description.find("教毕指〔2017〕99号"), std::string::npos);
    EXPECT_EQ(p->background, (domain::Rgb{100, 197, 255}));
    expect_chsi_numbers(*p);
}

TEST(SpecProfile, WhiteAndGreyVariants) {
    auto white = load_spec_profile(test::config_dir(), "white-2017");
    ASSERT_TRUE(white.ok()) << white.error().message;
    EXPECT_EQ(white->name, "white-2017");
    EXPECT_EQ(white->background, (domain::Rgb{255, 255, 255}));
    expect_chsi_numbers(*white);

    auto grey = load_spec_profile(test::config_dir(), "grey-2017");
    ASSERT_TRUE(grey.ok()) << grey.error().message;
    EXPECT_EQ(grey->background, (domain::Rgb{230, 230, 230}));
    expect_chsi_numbers(*grey);
}

TEST(SpecProfile, ListsProfilesSorted) {
    EXPECT_EQ(list_spec_profiles(test::config_dir()),
              (std::vector<std::string>{"chsi-2017", "grey-2017", "white-2017"}));
    EXPECT_TRUE(list_spec_profiles("/nonexistent/photodesk").empty());
}

TEST(SpecProfile, UnknownNameListsAvailableProfiles) {
    auto p = load_spec_profile(test::config_dir(), "chsi-2018");
    ASSERT_FALSE(p.ok());
    EXPECT_EQ(p.error().code, ErrorCode::NotFound);
    EXPECT_NE(p.error().message.find("spec profile 'chsi-2018' not found"), std::string::npos) << p.error().message;
    EXPECT_NE(p.error().message.find("(available: chsi-2017, grey-2017, white-2017)"), std::string::npos)
        << p.error().message;

    auto none = load_spec_profile("/nonexistent/photodesk", "chsi-2017");
    EXPECT_EQ(test::error_code(none), ErrorCode::NotFound);
    EXPECT_NE(error_message(none).find("(available: none)"), std::string::npos);
}

TEST(SpecProfile, RejectsPathLikeNames) {
    for (const char* name : {"../engine", "specs/chsi-2017", "", ".hidden", "chsi 2017"}) {
        auto p = load_spec_profile(test::config_dir(), name);
        EXPECT_EQ(test::error_code(p), ErrorCode::InvalidArgument) << name;
    }
}

TEST(SpecProfile, NameMustMatchFileStem) {
    test::ScratchDir dir;
    dir.write("specs/provincial.toml", kSpec);
    auto p = load_spec_profile(dir.str(), "provincial");
    EXPECT_CONFIG_ERROR(p, "provincial.toml:2: profile.name = \"chsi-2017\": must equal the file name stem 'provincial'");
    dir.write("specs/chsi-2017.toml", kSpec);
    EXPECT_TRUE(load_spec_profile(dir.str(), "chsi-2017").ok());
    EXPECT_EQ(list_spec_profiles(dir.str()), (std::vector<std::string>{"chsi-2017", "provincial"}));
}

TEST(SpecProfile, ParsesInlineText) {
    auto p = parse_spec_profile(kSpec, "inline");
    ASSERT_TRUE(p.ok()) << p.error().message;
    expect_chsi_numbers(*p);
    // Floats are accepted where numbers are expected; integer-valued floats too.
    auto f = parse_with("max_centre_offset_px = 24", "max_centre_offset_px = 24.5");
    ASSERT_TRUE(f.ok()) << f.error().message;
    EXPECT_DOUBLE_EQ(f->max_centre_offset_px, 24.5);
}

TEST(SpecProfile, UnknownKeysAndTablesAreNamed) {
    // A typo is reported as unknown, with file and line, not as a missing key.
    EXPECT_CONFIG_ERROR(parse_with("crown_y =", "crown_yy ="), "specs/x.toml:15: unknown key 'head.crown_yy'");
    EXPECT_CONFIG_ERROR(parse_with("[crop]", "[crops]"), "unknown table 'crops'");
    EXPECT_CONFIG_ERROR(parse_with("[background]\n", ""), "unknown key 'file.rgb'");
    EXPECT_CONFIG_ERROR(parse_spec_profile(std::string(kSpec) + "[head.extra]\nx = 1\n", "x.toml"),
                        "unknown table 'head.extra'");
    EXPECT_CONFIG_ERROR(parse_spec_profile(std::string("version = 2\n") + kSpec, "x.toml"),
                        "x.toml:1: unknown key 'version'");
}

TEST(SpecProfile, MissingKeysAreNamed) {
    EXPECT_CONFIG_ERROR(parse_with("width = 480\n", ""), "specs/x.toml:4: missing key 'file.width'");
    EXPECT_CONFIG_ERROR(parse_with("description = \"CHSI degree registration photo\"\n", ""),
                        "missing key 'profile.description'");
    EXPECT_CONFIG_ERROR(parse_spec_profile("", "empty.toml"), "empty.toml: missing table 'profile'");
    EXPECT_CONFIG_ERROR(parse_with("target_eye_y = 250\n", ""), "missing key 'crop.target_eye_y'");
}

TEST(SpecProfile, WrongTypesAreNamed) {
    EXPECT_CONFIG_ERROR(parse_with("width = 480", "width = 480.5"), "file.width = 480.5: must be an integer, got float");
    EXPECT_CONFIG_ERROR(parse_with("width = 480", "width = \"480\""), "file.width = \"480\": must be an integer, got string");
    EXPECT_CONFIG_ERROR(parse_with("max_upscale = 2.5", "max_upscale = true"), "crop.max_upscale = true: must be a number, got boolean");
    EXPECT_CONFIG_ERROR(parse_with("name = \"chsi-2017\"", "name = 2017"), "profile.name = 2017: must be a string, got integer");
    EXPECT_CONFIG_ERROR(parse_with("name = \"chsi-2017\"", "name = \"chsi 2017\""), "profile.name = \"chsi 2017\": must use only");
    EXPECT_CONFIG_ERROR(parse_spec_profile("profile = 3\n", "x.toml"), "x.toml:1: 'profile' must be a table, got integer");
}

TEST(SpecProfile, FileSectionRanges) {
    EXPECT_CONFIG_ERROR(parse_with("width = 480", "width = 0"), "specs/x.toml:5: file.width = 0: must be > 0");
    EXPECT_CONFIG_ERROR(parse_with("height = 640", "height = -640"), "file.height = -640: must be > 0");
    EXPECT_CONFIG_ERROR(parse_with("dpi = 300", "dpi = 0"), "file.dpi = 0: must be > 0");
    EXPECT_CONFIG_ERROR(parse_with("min_quality = 60", "min_quality = 0"), "file.min_quality = 0: must be within 1..100");
    EXPECT_CONFIG_ERROR(parse_with("min_quality = 60", "min_quality = 101"), "file.min_quality = 101: must be within 1..100");
    EXPECT_CONFIG_ERROR(parse_with("max_kb = 40", "max_kb = 10"), "file.max_kb = 10: must not be below file.min_kb = 20");
    EXPECT_CONFIG_ERROR(parse_with("min_kb = 20", "min_kb = 0"), "file.min_kb = 0: must be > 0");
}

TEST(SpecProfile, BackgroundRanges) {
    EXPECT_CONFIG_ERROR(parse_with("[100, 197, 255]", "[100, 300, 255]"), "specs/x.toml:12: background.rgb[1] = 300: must be within 0..255");
    EXPECT_CONFIG_ERROR(parse_with("[100, 197, 255]", "[-1, 197, 255]"), "background.rgb[0] = -1: must be within 0..255");
    EXPECT_CONFIG_ERROR(parse_with("[100, 197, 255]", "[100, 197, 255.5]"), "background.rgb[2] = 255.5: must be an integer 0..255");
    EXPECT_CONFIG_ERROR(parse_with("[100, 197, 255]", "[100, 197]"), "background.rgb = [100, 197]: must be [r, g, b]");
    EXPECT_CONFIG_ERROR(parse_with("max_delta_e = 5.0", "max_delta_e = 0.0"), "background.max_delta_e = 0: must be > 0");
    EXPECT_CONFIG_ERROR(parse_with("max_delta_e = 5.0", "max_delta_e = nan"), "background.max_delta_e = nan: must be a finite number");
}

TEST(SpecProfile, HeadBands) {
    EXPECT_CONFIG_ERROR(parse_with("[50, 110]", "[120, 110]"), "specs/x.toml:15: head.crown_y = [120, 110]: min exceeds max");
    EXPECT_CONFIG_ERROR(parse_with("[50, 110]", "[50]"), "head.crown_y = [50]: must be [min, max]");
    EXPECT_CONFIG_ERROR(parse_with("[50, 110]", "[50, \"110\"]"), "must be [min, max], an array of two numbers");
    EXPECT_CONFIG_ERROR(parse_with("[50, 110]", "[-10, 110]"), "head.crown_y = [-10, 110]: min must not be negative");
    EXPECT_CONFIG_ERROR(parse_with("[50, 110]", "[50, 210]"), "head.crown_y = [50, 210]: must lie above head.eye_y [200, 300]");
    EXPECT_CONFIG_ERROR(parse_with("[200, 300]", "[200, 700]"), "head.eye_y = [200, 700]: max exceeds file.height = 640");
    EXPECT_CONFIG_ERROR(parse_with("[180, 300]", "[180, 500]"), "head.face_width = [180, 500]: max exceeds file.width = 480");
    EXPECT_CONFIG_ERROR(parse_with("[180, 300]", "[0, 300]"), "head.face_width = [0, 300]: min must be > 0");
    EXPECT_CONFIG_ERROR(parse_with("max_centre_offset_px = 24", "max_centre_offset_px = 241"),
                        "head.max_centre_offset_px = 241: must be within 0..240");
}

TEST(SpecProfile, CropTargetsInsideBands) {
    EXPECT_CONFIG_ERROR(parse_with("target_eye_y = 250", "target_eye_y = 350"),
                        "specs/x.toml:21: crop.target_eye_y = 350: must lie inside head.eye_y [200, 300]");
    EXPECT_CONFIG_ERROR(parse_with("target_crown_y = 80", "target_crown_y = 40.5"),
                        "crop.target_crown_y = 40.5: must lie inside head.crown_y [50, 110]");
    EXPECT_CONFIG_ERROR(parse_with("max_upscale = 2.5", "max_upscale = 0"), "crop.max_upscale = 0: must be > 0");
    // Band edges are inside.
    EXPECT_TRUE(parse_with("target_eye_y = 250", "target_eye_y = 300").ok());
}

TEST(SpecProfile, SyntaxErrorsAreOneLineWithLocation) {
    auto bad = parse_with("width = 480", "width = 480x");
    EXPECT_CONFIG_ERROR(bad, "specs/x.toml:5: TOML syntax error:");
    auto twice = parse_with("width = 480\n", "width = 480\nwidth = 481\n");
    EXPECT_CONFIG_ERROR(twice, "specs/x.toml:6: TOML syntax error:");
    EXPECT_NE(error_message(twice).find("already exists"), std::string::npos) << error_message(twice);
    EXPECT_CONFIG_ERROR(parse_spec_profile("[profile\n", "y.toml"), "y.toml:1: TOML syntax error:");
}

}  // namespace
}  // namespace pd::config
