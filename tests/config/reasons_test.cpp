#include <gtest/gtest.h>

#include <map>
#include <set>

#include "config/config.h"
#include "config/config_test_util.h"
#include "support/test_support.h"

namespace pd::config {
namespace {

using test::replace_once;

// Every automated check id of the engine (design.md, check registry).
const std::set<std::string> kCheckIds = {
    "file_format", "file_dimensions", "file_dpi", "file_size", "jpeg_quality", "crown_position",
    "eye_position", "face_width", "centring", "eye_tilt", "yaw", "pitch", "eyes_open", "mouth_closed",
    "glasses", "tinted_lenses", "lens_glare", "face_shadow", "exposure", "clipping", "sharpness", "noise",
    "background_uniformity", "background_colour", "other_faces", "blue_clothing", "patterned_clothing", "bare_shoulders",
    "skin_smoothing", "black_border", "exif_front_camera", "exif_beauty_software", "mirrored",
    "source_resolution", "source_background", "matte_quality", "stored_on_its_side"};

bool has_non_ascii(const std::string& s) {
    for (unsigned char c : s) {
        if (c >= 0x80) return true;
    }
    return false;
}

TEST(Reasons, RepositoryCatalogCoversTheDesign) {
    auto cat = load_reasons(test::config_dir());
    ASSERT_TRUE(cat.ok()) << cat.error().message;
    for (const char* code :
         {"ears_hidden", "forehead_hidden", "head_tilted", "shoulders_uneven", "eyes_closed", "mouth_open",
          "tinted_glasses", "glasses_glare", "headwear", "blue_clothing", "patterned_clothing", "face_shadow",
          "exposure", "blurry", "beauty_filter", "selfie", "background_not_plain", "crop_out_of_spec",
          "low_resolution", "wrong_person", "noisy", "black_border", "file_spec", "multiple_faces", "background_not_white", "person_not_separated",
          "face_not_found", "other"}) {
        const domain::Reason* r = cat->find(code);
        ASSERT_NE(r, nullptr) << code;
        EXPECT_TRUE(has_non_ascii(r->label_zh)) << code << " label_zh should be Chinese";
        EXPECT_TRUE(has_non_ascii(r->student_message_zh)) << code;
        EXPECT_FALSE(has_non_ascii(r->label_en)) << code << " label_en should be English";
        EXPECT_EQ(r->note_required, std::string(code) == "other") << code;
    }
    EXPECT_EQ(cat->find("head_tilted")->suggested_by_checks,
              (std::vector<std::string>{"eye_tilt", "yaw", "pitch"}));
    EXPECT_EQ(cat->find("selfie")->label_zh, "自拍");
    // A photo the engine could not standardize pre-selects the reason that tells the student
    // what to change (the refusal kinds of engine/crop/crop.h).
    EXPECT_EQ(cat->find("crop_out_of_spec")->suggested_by_refusals,
              (std::vector<std::string>{"crown_cut_off", "head_proportions", "body_too_short"}));
    EXPECT_EQ(cat->find("low_resolution")->suggested_by_refusals, std::vector<std::string>{"upscale_limit"});
    EXPECT_EQ(cat->find("face_not_found")->suggested_by_refusals, std::vector<std::string>{"no_face"});
    EXPECT_TRUE(cat->find("other")->suggested_by_refusals.empty());
}

TEST(Reasons, EveryCheckSuggestsExactlyOneReason) {
    auto cat = load_reasons(test::config_dir());
    ASSERT_TRUE(cat.ok()) << cat.error().message;
    std::map<std::string, int> count;
    for (const domain::Reason& r : cat->all()) {
        for (const std::string& check : r.suggested_by_checks) {
            EXPECT_TRUE(kCheckIds.count(check)) << r.code << " lists unknown check '" << check << "'";
            ++count[check];
        }
    }
    for (const std::string& check : kCheckIds) EXPECT_EQ(count[check], 1) << check;
}

constexpr const char* kTwo = R"([[reason]]
code = "blurry"
label_zh = "照片模糊"
label_en = "Blurry"
student_message_zh = "请重拍。"
student_message_en = "Please retake."
suggested_by_checks = ["sharpness"]

[[reason]]
code = "other"
label_zh = "其他原因"
label_en = "Other"
student_message_zh = "见备注。"
student_message_en = "See the note."
note_required = true
)";

Result<domain::ReasonCatalog> parse_with(std::string_view from, std::string_view to) {
    return parse_reasons(replace_once(kTwo, from, to), "reasons.toml");
}

TEST(Reasons, ParsesInlineCatalog) {
    auto cat = parse_reasons(kTwo, "reasons.toml");
    ASSERT_TRUE(cat.ok()) << cat.error().message;
    ASSERT_EQ(cat->size(), 2u);
    EXPECT_EQ(cat->all()[0].code, "blurry");
    EXPECT_FALSE(cat->all()[0].note_required);
    EXPECT_TRUE(cat->find("other")->note_required);
    EXPECT_TRUE(cat->find("other")->suggested_by_checks.empty());
}

TEST(Reasons, DuplicateCodeIsAnError) {
    EXPECT_CONFIG_ERROR(parse_with("code = \"other\"", "code = \"blurry\""),
                        "reasons.toml:10: reason[1].code = \"blurry\": duplicate reason code, already defined by reason[0]");
}

TEST(Reasons, KeysAreValidated) {
    EXPECT_CONFIG_ERROR(parse_with("label_en = \"Blurry\"", "lable_en = \"Blurry\""),
                        "reasons.toml:4: unknown key 'reason[0].lable_en'");
    EXPECT_CONFIG_ERROR(parse_with("label_zh = \"其他原因\"\n", ""), "missing key 'reason[1].label_zh'");
    EXPECT_CONFIG_ERROR(parse_with("code = \"blurry\"", "code = \"Blurry!\""),
                        "reason[0].code = \"Blurry!\": must use only a-z, 0-9 and _");
    EXPECT_CONFIG_ERROR(parse_with("[\"sharpness\"]", "[\"sharpness\", 5]"),
                        "reasons.toml:7: reason[0].suggested_by_checks[1] = 5: must be a check id");
    EXPECT_CONFIG_ERROR(parse_with("[\"sharpness\"]", "[\"sharpness\", \"sharpness\"]"),
                        "reason[0].suggested_by_checks[1] = \"sharpness\": listed twice");
    EXPECT_CONFIG_ERROR(parse_with("[\"sharpness\"]", "\"sharpness\""),
                        "reason[0].suggested_by_checks = \"sharpness\": must be an array of check ids");
    EXPECT_CONFIG_ERROR(parse_with("suggested_by_checks = [\"sharpness\"]",
                                   "suggested_by_checks = [\"sharpness\"]\nsuggested_by_refusals = [\"Head!\"]"),
                        "reason[0].suggested_by_refusals[0] = \"Head!\": must be a refusal kind (a-z, 0-9 and _)");
    const std::string twice = replace_once(replace_once(kTwo, "suggested_by_checks = [\"sharpness\"]",
                                                        "suggested_by_checks = [\"sharpness\"]\nsuggested_by_refusals = [\"upscale_limit\"]"),
                                           "note_required = true", "note_required = true\nsuggested_by_refusals = [\"upscale_limit\"]");
    EXPECT_CONFIG_ERROR(parse_reasons(twice, "reasons.toml"),
                        "refusal 'upscale_limit' suggests more than one reason (again in 'other')");
    EXPECT_CONFIG_ERROR(parse_with("note_required = true", "note_required = \"yes\""),
                        "reason[1].note_required = \"yes\": must be true or false");
    EXPECT_CONFIG_ERROR(parse_with("student_message_en = \"See the note.\"", "student_message_en = \"\""),
                        "reason[1].student_message_en = \"\": must not be empty");
}

TEST(Reasons, StructureErrors) {
    EXPECT_CONFIG_ERROR(parse_reasons("", "reasons.toml"), "reasons.toml: missing [[reason]] tables");
    EXPECT_CONFIG_ERROR(parse_reasons("[reason]\ncode = \"x\"\n", "reasons.toml"),
                        "'reason' must be an array of tables, written [[reason]]");
    EXPECT_CONFIG_ERROR(parse_reasons(std::string(kTwo) + "[[reasons]]\ncode = \"x\"\n", "reasons.toml"),
                        "unknown table 'reasons'");
    EXPECT_CONFIG_ERROR(parse_reasons("reason = []\n", "reasons.toml"), "no [[reason]] tables");
}

TEST(Reasons, MissingFileIsNotFound) {
    auto r = load_reasons("/nonexistent/photodesk");
    EXPECT_EQ(test::error_code(r), ErrorCode::NotFound);
    EXPECT_NE(test::error_message(r).find("/nonexistent/photodesk/reasons.toml"), std::string::npos);
}

}  // namespace
}  // namespace pd::config
