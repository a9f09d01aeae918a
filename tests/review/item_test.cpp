// Parsing the server's submission JSON into what the views draw: badges ordered failing first,
// suggested reasons, geometry in its two spaces, history; malformed input is an error naming
// the field, never a crash.
#include <gtest/gtest.h>

#include <openssl/evp.h>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "review/i18n.h"
#include "review/item.h"
#include "review_fixture.h"
#include "support/test_support.h"
#include "wire/engine_json.h"

using namespace pd::review;
using nlohmann::json;

namespace {

TEST(Item, ParsesTheSubmissionAndOrdersBadgesFailingFirst) {
    auto r = parse_item(pd::test::submission_json(42, "张三", {"eye_tilt"}, {"exposure"}, 1796000300));
    ASSERT_TRUE(r.ok()) << r.error().message;
    const ReviewItem& it = r.value();
    EXPECT_EQ(it.id, 42);
    EXPECT_EQ(it.name, "张三");
    EXPECT_EQ(it.id_number, "110105********002X");
    EXPECT_EQ(it.lease_expires, 1796000300);
    ASSERT_EQ(it.checks.size(), 3u);
    EXPECT_EQ(it.checks[0].verdict, Verdict::fail);
    EXPECT_EQ(it.checks[1].verdict, Verdict::warn);
    EXPECT_EQ(it.checks[2].verdict, Verdict::pass);
    EXPECT_EQ(it.fails, 1);
    EXPECT_EQ(it.warns, 1);
    EXPECT_EQ(it.suggested_fail, std::vector<std::string>{"head_tilted"});
    EXPECT_EQ(it.suggested_warn, std::vector<std::string>{"exposure"});
    EXPECT_TRUE(it.crop.present);
    EXPECT_DOUBLE_EQ(it.crop.window_w, 800);
    EXPECT_DOUBLE_EQ(it.per_original, 0.5);
    ASSERT_EQ(it.landmarks.size(), 2u);
    // Working (300, 300) -> output through the crop: (300 - 100) * 1.2, (300 - 50) * 1.2.
    const Point p = it.to_output(it.landmarks[0]);
    EXPECT_DOUBLE_EQ(p.x, 240);
    EXPECT_DOUBLE_EQ(p.y, 300);
}

TEST(Item, AReasonSuggestedTwiceIsOfferedOnce) {
    auto r = parse_item(pd::test::submission_json(1, "a", {"eye_tilt", "yaw"}, {"pitch"}));
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->suggested_fail, std::vector<std::string>{"head_tilted"});
    EXPECT_TRUE(r->suggested_warn.empty());
}

TEST(Item, HistoryOfEarlierAttempts) {
    json j = pd::test::submission_json(8, "李四");
    j["attempt"] = 2;
    j["history"] = json::array({{{"submission_id", 3}, {"attempt", 1}, {"state", "rejected"}, {"verdict", "reject"},
                                 {"reasons", {"head_tilted"}}, {"note", "歪头"}, {"decided_at", 1795990000},
                                 {"thumbnail", std::string(64, 'f')}}});
    auto r = parse_item(j);
    ASSERT_TRUE(r.ok()) << r.error().message;
    ASSERT_EQ(r->history.size(), 1u);
    EXPECT_EQ(r->history[0].submission_id, 3);
    EXPECT_EQ(r->history[0].reasons, std::vector<std::string>{"head_tilted"});
    EXPECT_EQ(r->history[0].note, "歪头");
}

TEST(Item, GeometryInBothSpaces) {
    json j = pd::test::submission_json(1, "a");
    j["checks"]["checks"][0]["geometry"] = {{"space", "original"},
                                            {"rects", {{1, 2, 3, 4}}},
                                            {"lines", {{{0, 0}, {10, 10}}}},
                                            {"polygons", {{{0, 0}, {1, 0}, {1, 1}}}},
                                            {"hbands", {{50, 110}}}};
    auto r = parse_item(j);
    ASSERT_TRUE(r.ok()) << r.error().message;
    const Geometry& g = r->checks[0].geometry;
    EXPECT_EQ(g.space, Space::working);
    EXPECT_EQ(g.rects.size(), 1u);
    EXPECT_EQ(g.lines.size(), 1u);
    EXPECT_EQ(g.polygons[0].size(), 3u);
    EXPECT_DOUBLE_EQ(g.hbands[0].second, 110);
}

// A check's pixel map crosses the wire as the engine writes it (wire::check_map_png) and is
// decoded when the item is parsed: a lone flagged pixel (a glint) survives the shrink, where it
// lies; a map with nothing in it stays empty; an older report (size and coverage only) has none.
TEST(Item, ACheckMapArrivesDecodedWithALonePixelKept) {
    cv::Mat map = cv::Mat::zeros(640, 480, CV_8U);
    map.at<std::uint8_t>(101, 333) = 255;
    cv::rectangle(map, cv::Rect(0, 600, 480, 40), cv::Scalar(128), cv::FILLED);
    json j = pd::test::submission_json(1, "a");
    j["checks"]["checks"][0]["geometry"] = {
        {"space", "standardized"},
        {"map", {{"width", 480}, {"height", 640}, {"coverage", 0.06}, {"png", pd::wire::check_map_png(map)}}}};
    auto r = parse_item(j);
    ASSERT_TRUE(r.ok()) << r.error().message;
    const CheckMap& m = r->checks[0].geometry.map;
    ASSERT_FALSE(m.empty());
    EXPECT_EQ(m.width, 120);
    EXPECT_EQ(m.height, 160);
    EXPECT_FALSE(m.key.empty());
    auto at = [&](int x, int y) { return int(m.values[std::size_t(y) * m.width + x]); };
    // 333 / 4, 101 / 4: the glint's cell, give or take the pooling window.
    int glint = 0;
    for (int y = 24; y <= 26; ++y)
        for (int x = 82; x <= 84; ++x) glint = std::max(glint, at(x, y));
    EXPECT_EQ(glint, 255);
    EXPECT_EQ(at(60, 150), 128) << "the band along the bottom";
    EXPECT_EQ(at(20, 20), 0);
    int lit = 0;
    for (auto v : m.values) lit += v > 0;
    EXPECT_LT(lit, 120 * 12) << "the glint stays a dot: " << lit;

    // The same map again has the same key (one texture); a different one does not.
    auto again = parse_item(j);
    EXPECT_EQ(again->checks[0].geometry.map.key, m.key);
    map.at<std::uint8_t>(5, 5) = 255;
    j["checks"]["checks"][0]["geometry"]["map"]["png"] = pd::wire::check_map_png(map);
    EXPECT_NE(parse_item(j)->checks[0].geometry.map.key, m.key);

    j["checks"]["checks"][0]["geometry"]["map"].erase("png");
    auto old = parse_item(j);
    ASSERT_TRUE(old.ok());
    EXPECT_TRUE(old->checks[0].geometry.map.empty());
}

// A map is an overlay a decision does not need: a bad one is named and dropped, and the item
// (its badges, its other geometry) is still there to review.
TEST(Item, AMalformedCheckMapIsNamedAndCostsTheItemOnlyItsMap) {
    json j = pd::test::submission_json(1, "a");
    auto problem = [&](const json& png) {
        j["checks"]["checks"][0]["geometry"] = {{"space", "standardized"}, {"rects", {{1, 2, 3, 4}}}, {"map", {{"png", png}}}};
        auto r = parse_item(j);
        EXPECT_TRUE(r.ok()) << r.error().message;
        if (!r.ok()) return std::string("not parsed");
        const Geometry& g = r->checks[0].geometry;
        EXPECT_EQ(g.rects.size(), 1u);
        EXPECT_TRUE(g.map.error.empty() || g.map.empty());
        return g.map.error.empty() ? std::string("parsed") : g.map.error;
    };
    EXPECT_EQ(problem(7), "map.png must be a string");
    EXPECT_NE(problem("").find("map.png:"), std::string::npos) << problem("");
    EXPECT_NE(problem("abc").find("not base64"), std::string::npos) << problem("abc");
    EXPECT_NE(problem("!!!!").find("not base64"), std::string::npos) << problem("!!!!");
    // Base64 of bytes that are no image.
    EXPECT_NE(problem("aGVsbG8gd29ybGQh").find("map.png:"), std::string::npos) << problem("aGVsbG8gd29ybGQh");
    // A map far larger than any the engine sends (a PNG made here, not shrunk by the wire).
    std::vector<unsigned char> png;
    ASSERT_TRUE(cv::imencode(".png", cv::Mat::zeros(40, 2000, CV_8U), png));
    std::string big(4 * ((png.size() + 2) / 3), '\0');
    big.resize(std::size_t(EVP_EncodeBlock(reinterpret_cast<unsigned char*>(big.data()), png.data(), int(png.size()))));
    EXPECT_NE(problem(big).find("more than 512 px"), std::string::npos) << problem(big);
    EXPECT_EQ(problem(pd::wire::check_map_png(cv::Mat::zeros(40, 2000, CV_8U))), "parsed") << "the wire shrinks it";
}

TEST(Item, NoFaceMeansNoCropAndAReason) {
    json j = pd::test::submission_json(1, "a", {}, {}, 0, false);
    j["checks"].erase("crop");
    j["checks"].erase("landmarks");
    j["checks"]["spec_error"] = {{"code", "no_face"}, {"message", "no face found"}};
    auto r = parse_item(j);
    ASSERT_TRUE(r.ok());
    EXPECT_FALSE(r->crop.present);
    EXPECT_EQ(r->spec_error, "no face found");
    EXPECT_EQ(r->spec_error_kind, "no_face") << "a report without a kind: its code";
    EXPECT_TRUE(r->standardized.empty());
}

TEST(Item, ARefusalIsNamedInTheReviewersLanguage) {
    // The engine's sentence is English; the reviewer reads the catalogue's words for its kind.
    auto strings = load_strings(pd::test::config_dir());
    ASSERT_TRUE(strings.ok()) << strings.error().message;
    json j = pd::test::submission_json(1, "a", {}, {}, 0, false);
    j["checks"].erase("crop");
    j["checks"]["spec_error"] = {{"code", "spec_unreachable"},
                                 {"kind", "head_proportions"},
                                 {"message", "head proportions fit no crop: ratio 1.31"}};
    auto r = parse_item(j);
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(r->spec_error_kind, "head_proportions");
    const std::string zh = spec_refusal_text(*r, *strings);
    EXPECT_NE(zh.find("头部比例"), std::string::npos) << zh;
    strings->set_language(Language::en);
    const std::string en = spec_refusal_text(*r, *strings);
    EXPECT_NE(en.find("proportions"), std::string::npos) << en;
    EXPECT_NE(en, zh);

    // A kind this build does not know (a newer server): the engine's own sentence, not a key.
    j["checks"]["spec_error"]["kind"] = "some_future_refusal";
    auto future = parse_item(j);
    ASSERT_TRUE(future.ok());
    EXPECT_EQ(spec_refusal_text(*future, *strings), "head proportions fit no crop: ratio 1.31");
}

TEST(Item, MalformedInputNamesTheField) {
    EXPECT_NE(parse_item(json::array()).error().message.find("must be an object"), std::string::npos);
    json j = pd::test::submission_json(1, "a");
    j["id"] = "7";
    EXPECT_NE(parse_item(j).error().message.find("id: must be an integer"), std::string::npos);
    j = pd::test::submission_json(1, "a");
    j["checks"]["checks"][0]["verdict"] = "maybe";
    EXPECT_NE(parse_item(j).error().message.find("'maybe' is not pass"), std::string::npos);
    j = pd::test::submission_json(1, "a");
    j["checks"]["checks"][0]["geometry"]["points"] = {{1}};
    EXPECT_NE(parse_item(j).error().message.find("a point must be [x, y]"), std::string::npos);
    j = pd::test::submission_json(1, "a");
    j["checks"]["crop"]["scale"] = 0;
    EXPECT_NE(parse_item(j).error().message.find("crop.scale"), std::string::npos);
    j = pd::test::submission_json(1, "a");
    j["checks"]["checks"][0]["value"] = "NaN";
    EXPECT_FALSE(parse_item(j).ok());
}

}  // namespace

// The badges' column: as many digits as a limit has, no more.
TEST(Item, MeasuredValuesShowThreeSignificantDigitsOrAWholeNumber) {
    EXPECT_EQ(pd::review::format_measure(0.07738), "0.0774");
    EXPECT_EQ(pd::review::format_measure(-2.565), "-2.56");   // binary -2.5649999...
    EXPECT_EQ(pd::review::format_measure(59.46), "59.5");
    EXPECT_EQ(pd::review::format_measure(2.0), "2");
    EXPECT_EQ(pd::review::format_measure(0), "0");
    EXPECT_EQ(pd::review::format_measure(292.8), "293");
    EXPECT_EQ(pd::review::format_measure(12345.6), "12346");   // never 1.23e+04
    EXPECT_EQ(pd::review::format_measure(std::nan("")), "?");
}

TEST(Item, AMeasuredValueCarriesItsUnitInTheReviewersLanguage) {
    auto strings = load_strings(pd::test::config_dir());
    ASSERT_TRUE(strings.ok()) << strings.error().message;
    pd::review::Check c;
    c.value = -0.6056, c.unit = "deg";
    EXPECT_EQ(measured_text(c, *strings), "-0.606°");
    c.value = 292.8, c.unit = "px";
    EXPECT_EQ(measured_text(c, *strings), "293 像素");
    c.value = 0.3906, c.unit = "ratio";
    EXPECT_EQ(measured_text(c, *strings), "0.391") << "a ratio is a plain number";
    c.value = 74.69, c.unit = "% edge";
    EXPECT_EQ(measured_text(c, *strings), "74.7 % 边缘贴合");
    c.value = 3, c.unit = "furlongs";
    EXPECT_EQ(measured_text(c, *strings), "3 furlongs") << "a unit the catalogue does not know, as written";
    strings->set_language(Language::en);
    c.value = 1.101, c.unit = "x";
    EXPECT_EQ(measured_text(c, *strings), "1.1×");
    c.value = 292.8, c.unit = "px";
    EXPECT_EQ(measured_text(c, *strings), "293 px");
}
