#include "domain/reason_catalog.h"

#include <gtest/gtest.h>

namespace pd::domain {
namespace {

Reason reason(std::string code, std::vector<std::string> checks = {}) {
    return Reason{code, "标签", "Label", "请重拍。", "Please retake.", std::move(checks), false};
}

TEST(ReasonCatalog, FindsAndKeepsOrder) {
    auto cat = ReasonCatalog::create({reason("head_tilted", {"eye_tilt", "yaw"}), reason("blurry", {"sharpness"}),
                                      reason("other")});
    ASSERT_TRUE(cat.ok()) << cat.error().message;
    ASSERT_EQ(cat->size(), 3u);
    EXPECT_EQ(cat->all()[0].code, "head_tilted");
    EXPECT_EQ(cat->all()[2].code, "other");
    ASSERT_NE(cat->find("blurry"), nullptr);
    EXPECT_EQ(cat->find("blurry")->suggested_by_checks, std::vector<std::string>{"sharpness"});
    EXPECT_EQ(cat->find("nonexistent"), nullptr);
    auto by_yaw = cat->suggested_by("yaw");
    ASSERT_EQ(by_yaw.size(), 1u);
    EXPECT_EQ(by_yaw[0]->code, "head_tilted");
    EXPECT_TRUE(cat->suggested_by("noise").empty());
}

TEST(ReasonCatalog, RejectsDuplicateCodes) {
    auto cat = ReasonCatalog::create({reason("blurry"), reason("noisy"), reason("blurry")});
    ASSERT_FALSE(cat.ok());
    EXPECT_EQ(cat.error().code, ErrorCode::InvalidArgument);
    EXPECT_EQ(cat.error().message, "reason code 'blurry' is defined twice");
}

TEST(ReasonCatalog, RejectsBadCodesAndEmptyText) {
    EXPECT_FALSE(ReasonCatalog::create({reason("")}).ok());
    EXPECT_FALSE(ReasonCatalog::create({reason("Head-Tilted")}).ok());
    Reason no_label = reason("blurry");
    no_label.label_en.clear();
    auto r = ReasonCatalog::create({no_label});
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().message, "reason 'blurry' has an empty label_en");
    auto twice = ReasonCatalog::create({reason("blurry", {"sharpness", "sharpness"})});
    ASSERT_FALSE(twice.ok());
    EXPECT_EQ(twice.error().message, "reason 'blurry' lists check 'sharpness' twice");
}

TEST(ReasonCatalog, Identifier) {
    EXPECT_TRUE(is_identifier("eye_tilt"));
    EXPECT_TRUE(is_identifier("exif_front_camera"));
    EXPECT_FALSE(is_identifier(""));
    EXPECT_FALSE(is_identifier("eye-tilt"));
    EXPECT_FALSE(is_identifier("Eye"));
    EXPECT_FALSE(is_identifier("a b"));
}

}  // namespace
}  // namespace pd::domain
