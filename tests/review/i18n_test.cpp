// The UI catalogs: both languages hold the same keys; every command, every automated check and
// every key the workstation's code looks up has its words in both; rare characters are found
// for the font.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <set>

#include "review/commands.h"
#include "review/i18n.h"
#include "support/test_support.h"

using namespace pd::review;
namespace fs = std::filesystem;

namespace {

Strings shipped() {
    auto s = load_strings(pd::test::config_dir());
    EXPECT_TRUE(s.ok()) << s.error().message;
    return s.ok() ? s.value() : Strings{};
}

std::string read(const fs::path& p) {
    std::ifstream in(p);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

TEST(Strings, BothLanguagesLoadAndDiffer) {
    Strings s = shipped();
    EXPECT_EQ(s.tr("cmd.approve"), "通过");
    s.set_language(Language::en);
    EXPECT_EQ(s.tr("cmd.approve"), "Approve");
    s.toggle_language();
    EXPECT_EQ(s.language(), Language::zh);
    EXPECT_EQ(s.tr("no.such.key"), "no.such.key") << "a missing key shows itself";
    EXPECT_EQ(s.tr("check.", "eye_tilt"), s.tr("check.eye_tilt"));
}

TEST(Strings, AKeyInOneLanguageOnlyIsRefused) {
    auto r = parse_strings("[a]\nx = \"甲\"\ny = \"乙\"\n", "ui.zh.toml", "[a]\nx = \"A\"\n", "ui.en.toml");
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().message.find("ui.zh.toml:3: 'a.y' has no translation in ui.en.toml"), std::string::npos)
        << r.error().message;
    auto r2 = parse_strings("x = 1\n", "ui.zh.toml", "x = \"A\"\n", "ui.en.toml");
    ASSERT_FALSE(r2.ok());
    EXPECT_NE(r2.error().message.find("must be a string"), std::string::npos) << r2.error().message;
}

TEST(Strings, EveryCommandHasANameInBothLanguages) {
    const Strings s = shipped();
    for (const auto& c : command_table()) EXPECT_TRUE(s.has("cmd.", c.name)) << c.name;
}

TEST(Strings, EveryAutomatedCheckHasATitleInBothLanguages) {
    // The check ids are the tables of config/checks.toml ([checks.ID]), which the engine's
    // registry requires to match its catalogue.
    const Strings s = shipped();
    const std::string text = read(fs::path(pd::test::config_dir()) / "checks.toml");
    const std::regex table(R"(^\[checks\.([a-z0-9_]+)\])", std::regex::multiline);
    int n = 0;
    for (std::sregex_iterator it(text.begin(), text.end(), table), end; it != end; ++it, ++n)
        EXPECT_TRUE(s.has("check.", (*it)[1].str())) << "no title for check " << (*it)[1];
    EXPECT_GE(n, 30);
}

TEST(Strings, EveryRefusalOfTheEngineHasWordsInBothLanguages) {
    // The kinds are the refusal:: constants of engine/crop/crop.h (reports' spec_error.kind).
    const Strings s = shipped();
    const fs::path header = fs::path(pd::test::config_dir()).parent_path() / "src/engine/crop/crop.h";
    const std::string text = read(header);
    const std::regex kind(R"re(inline constexpr const char\* k[A-Za-z]+ = "([a-z_]+)")re");
    int n = 0;
    for (std::sregex_iterator it(text.begin(), text.end(), kind), end; it != end; ++it, ++n)
        EXPECT_TRUE(s.has("spec_refusal.", (*it)[1].str())) << "no words for refusal " << (*it)[1];
    EXPECT_GE(n, 6);
}

TEST(Strings, EveryUnitOfTheChecksHasWordsInBothLanguages) {
    // The units the engine's checks report: `r.unit = "..."` and report_worst's measures
    // ({grade, value, "unit", "what"}) in src/engine/checks.
    const Strings s = shipped();
    const fs::path root = fs::path(pd::test::config_dir()).parent_path() / "src/engine/checks";
    const std::regex assigned(R"re(\bunit = "([^"]*)")re");
    const std::regex graded(R"re(\), [a-z_]+, "([^"]*)",\s*"[a-z])re");
    std::set<std::string> units;
    for (const auto& e : fs::directory_iterator(root)) {
        if (e.path().extension() != ".cpp") continue;
        const std::string text = read(e.path());
        for (const auto* re : {&assigned, &graded})
            for (std::sregex_iterator it(text.begin(), text.end(), *re), end; it != end; ++it) units.insert((*it)[1].str());
    }
    for (const auto& u : units) EXPECT_TRUE(s.has("unit.", u)) << "no words for unit \"" << u << "\"";
    EXPECT_GE(units.size(), 15u);
    EXPECT_TRUE(units.count("% torso")) << "report_worst's units are read too";
}

TEST(Strings, EveryKeyTheWorkstationLooksUpExists) {
    // tr("a.b") and pattern(tr("a.b"), ...) literals in src/workstation and src/review.
    const Strings s = shipped();
    const fs::path root = fs::path(pd::test::config_dir()).parent_path() / "src";
    const std::regex lookup(R"re(tr\("([a-z_]+\.[a-z_.]+)"\))re");
    int n = 0;
    for (const char* dir : {"workstation", "review"})
        for (const auto& e : fs::recursive_directory_iterator(root / dir)) {
            if (e.path().extension() != ".cpp") continue;
            const std::string text = read(e.path());
            for (std::sregex_iterator it(text.begin(), text.end(), lookup), end; it != end; ++it, ++n) {
                const std::string key = (*it)[1].str();
                if (key.back() == '.') continue;   // a prefix: tr("check.", id)
                EXPECT_TRUE(s.has(key)) << key << " used in " << e.path().filename();
            }
        }
    EXPECT_GT(n, 60);
}

TEST(Strings, CodepointsIncludeEveryCharacterOfBothLanguages) {
    const Strings s = shipped();
    const std::u32string cps = s.codepoints();
    for (char32_t c : {U'通', U'过', U'A', U'审'}) EXPECT_NE(cps.find(c), std::u32string::npos);
    EXPECT_TRUE(std::is_sorted(cps.begin(), cps.end()));
}

TEST(Utf8, DecodesRareCharactersAndSurvivesGarbage) {
    EXPECT_EQ(utf8_codepoints("刘䶮"), std::u32string(U"刘䶮"));
    EXPECT_EQ(utf8_codepoints("\xF0\xA0\x80\x80"), std::u32string(U"\U00020000"));
    EXPECT_EQ(utf8_codepoints("a\xE4\xB8"), std::u32string(U"a\uFFFD\uFFFD"));
    EXPECT_EQ(utf8_codepoints("\xFF" "b"), std::u32string(U"\uFFFDb"));
}

TEST(Utf8, Substitute) {
    EXPECT_EQ(substitute("第 {0} 次，共 {1}", {"2", "3"}), "第 2 次，共 3");
    EXPECT_EQ(substitute("{0} {5} {x}", {"a"}), "a {5} {x}");
}

}  // namespace
