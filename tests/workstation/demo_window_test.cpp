// README's run command in a test: `photodesk --demo` on a fresh profile starts its own
// photodeskd, builds a (small) demo queue with `photodeskd demo`, and draws the first item.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "workstation/workstation_support.h"

namespace pd::test {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

TEST(DemoWindow, TheDemoOpensOnItsQueueFromAFreshProfile) {
    std::string why;
    ASSERT_FALSE(xvfb_display(&why).empty()) << why;
    const fs::path dir = fs::temp_directory_path() / ("pd-demo-window-" + std::to_string(::getpid()));
    fs::remove_all(dir);
    const fs::path probe = dir / "probe";
    Photodesk app(dir / "run", {"--demo", "--demo-count", "20", "--profile", (dir / "profile").string(), "--size",
                                "1280x800", "--probe", probe.string(), "--exit-when-done"});
    ASSERT_EQ(app.wait(300s), 0) << app.log();
    const auto info = read_json(probe.string() + ".json");
    ASSERT_TRUE(info.is_object()) << app.log();
    EXPECT_GT(info["item"]["id"].get<long>(), 0);
    EXPECT_EQ(info["missing_glyphs_in_name"], 0) << info["item"]["name"];
    EXPECT_TRUE(info["layout"].contains("standardized") || info["layout"].contains("original")) << info.dump();
    EXPECT_EQ(info["photo_shader_error"], "");
    // The demo's data stays for the next run.
    EXPECT_TRUE(fs::exists(dir / "profile" / "data" / "demo" / "tokens.json"));
    fs::remove_all(dir);
}

}  // namespace
}  // namespace pd::test
