// The views and the key path headless: an ImGui context with the real font atlas but no window
// and no GL, keys fed as GLFW's events through the app's KeyGate into what ImGui 1.86's GLFW
// backend does with them, frames run, and what lands in the journal's outbox asserted. The
// session is the real one (a fake clock, no network).
#include <gtest/gtest.h>
#include <GLFW/glfw3.h>
#include <imgui.h>
#include <imgui_internal.h>

#include <array>
#include <map>
#include <tuple>

#include <opencv2/imgproc.hpp>

#include "config/config.h"
#include "review/review_fixture.h"
#include "workstation/workstation_support.h"
#include "workstation/fonts.h"
#include "workstation/input.h"
#include "workstation/views/views.h"
#include "support/test_support.h"
#include "wire/engine_json.h"

using namespace pd::review;
using namespace pd::workstation;

namespace pd::test {
namespace {

// Textures for every hash, each with its own id, so a test can see which photo a frame drew.
// No hash (an item without a spec photo) has no texture, as in the real cache.
class FakeGraphics : public Graphics {
public:
    std::optional<TextureRef> texture(const std::string& hash) override {
        if (hash.empty()) return std::nullopt;
        auto [it, fresh] = ids_.try_emplace(hash, ids_.size() + 100);
        return TextureRef{reinterpret_cast<ImTextureID>(it->second), 480, 640};
    }
    void draw_photo(ImDrawList* dl, ImVec2 p0, ImVec2 p1, const PhotoParams& p) override {
        dl->AddImage(p.standardized ? p.standardized : p.original, p0, p1);
        last = p;
    }
    std::optional<TextureRef> map_texture(const review::CheckMap& map) override {
        if (map.empty()) return std::nullopt;
        maps_asked.push_back(map.key);
        return texture(map.key);
    }
    ImTextureID id_of(const std::string& hash) { return texture(hash)->id; }
    PhotoParams last;
    std::vector<std::string> maps_asked;

private:
    std::map<std::string, std::intptr_t> ids_;
};

class HeadlessTest : public SessionTest {
protected:
    void SetUp() override {
        SessionTest::SetUp();
        auto f = FontManager::create({}, strings.codepoints());
        ASSERT_TRUE(f.ok()) << f.error().message;
        fonts = std::move(f).value();
        ImGui::CreateContext(fonts->atlas());
        ImGuiIO& io = ImGui::GetIO();
        io.IniFilename = nullptr;
        io.DisplaySize = {1600, 1000};
        io.DeltaTime = 1.f / 60;
        io.Fonts->SetTexID(reinterpret_cast<ImTextureID>(1));
        auto k = load_keymap(config_dir());
        ASSERT_TRUE(k.ok()) << k.error().message;
        keymap = std::move(k).value();
        auto spec = config::load_spec_profile(config_dir(), "chsi-2017");
        ASSERT_TRUE(spec.ok());
        spec_ = spec.value();
        input = std::make_unique<KeyInput>(keymap, gate);
    }
    void TearDown() override {
        ImGui::DestroyContext();
        SessionTest::TearDown();
    }

    // What ImGui_ImplGlfw_KeyCallback (imgui 1.86) does with a key event the gate forwards: the
    // key's state, then the modifiers read back from the modifier keys' state. (The backend's
    // own function needs a GLFW window.)
    static void imgui_key_callback(int key, int action) {
        ImGuiIO& io = ImGui::GetIO();
        if (key >= 0 && key < int(IM_ARRAYSIZE(io.KeysDown))) {
            if (action == GLFW_PRESS) io.KeysDown[key] = true;
            if (action == GLFW_RELEASE) io.KeysDown[key] = false;
        }
        io.KeyCtrl = io.KeysDown[GLFW_KEY_LEFT_CONTROL] || io.KeysDown[GLFW_KEY_RIGHT_CONTROL];
        io.KeyShift = io.KeysDown[GLFW_KEY_LEFT_SHIFT] || io.KeysDown[GLFW_KEY_RIGHT_SHIFT];
        io.KeyAlt = io.KeysDown[GLFW_KEY_LEFT_ALT] || io.KeysDown[GLFW_KEY_RIGHT_ALT];
    }
    static int glfw_mods(const Chord& c) {
        return (c.ctrl ? GLFW_MOD_CONTROL : 0) | (c.shift ? GLFW_MOD_SHIFT : 0) | (c.alt ? GLFW_MOD_ALT : 0);
    }
    // GLFW's events for a chord, as X11 reports them: each event carries the modifiers that
    // were down before it (a Shift press says no Shift, its release says Shift).
    void chord_down(const Chord& c) {
        int mods = 0;
        for (const auto& [on, key, bit] : modifier_keys(c))
            if (on) {
                gate.on_key(key, 0, GLFW_PRESS, mods);
                mods |= bit;
            }
        gate.on_key(c.key, 0, GLFW_PRESS, mods);
    }
    void chord_up(const Chord& c) {
        int mods = glfw_mods(c);
        gate.on_key(c.key, 0, GLFW_RELEASE, mods);
        for (const auto& [on, key, bit] : modifier_keys(c))
            if (on) {
                gate.on_key(key, 0, GLFW_RELEASE, mods);
                mods &= ~bit;
            }
    }
    static std::array<std::tuple<bool, int, int>, 3> modifier_keys(const Chord& c) {
        return {{{c.ctrl, GLFW_KEY_LEFT_CONTROL, GLFW_MOD_CONTROL},
                 {c.shift, GLFW_KEY_LEFT_SHIFT, GLFW_MOD_SHIFT},
                 {c.alt, GLFW_KEY_LEFT_ALT, GLFW_MOD_ALT}}};
    }

    // One frame as the app runs it: NewFrame, the gate lets the next transitions through, the
    // keys become commands, the views draw. Returns how many commands the keys applied.
    int run_frame(bool layout = false) {
        ImGuiIO& io = ImGui::GetIO();
        ImGui::NewFrame();
        gate.after_new_frame();
        const int applied = input->process(*s);
        ViewContext v{*s, keymap, gfx, *fonts, spec_, 1.f, text, layout ? &marks : nullptr};
        ImGui::SetNextWindowPos({0, 0});
        ImGui::SetNextWindowSize(io.DisplaySize);
        ImGui::Begin("##main", nullptr, ImGuiWindowFlags_NoDecoration);
        draw_review_screen(v, {0, 0}, io.DisplaySize);
        ImGui::End();
        draw_help(v);
        draw_picker(v);
        draw_note_editor(v);
        draw_conflicts(v);
        ImGui::Render();
        return applied;
    }
    // One frame with these chords pressed before it and released after it.
    void frame(std::vector<const char*> chords = {}, bool layout = false) {
        std::vector<Chord> held;
        for (const char* name : chords) {
            auto c = parse_chord(name);
            ASSERT_TRUE(c) << name;
            chord_down(*c);
            held.push_back(*c);
        }
        run_frame(layout);
        for (const Chord& c : held) chord_up(c);
    }
    // A key press as a person makes it: down in one frame, up in the next (the gate in
    // input.h guarantees exactly this for real keys, however fast they come).
    void press(std::vector<const char*> chords, bool layout = false) {
        frame(std::move(chords), layout);
        frame({}, layout);
    }
    // Every texture the last frame drew with.
    std::vector<ImTextureID> textures_drawn() {
        std::vector<ImTextureID> out;
        ImDrawData* d = ImGui::GetDrawData();
        for (int i = 0; i < d->CmdListsCount; ++i)
            for (const auto& cmd : d->CmdLists[i]->CmdBuffer) out.push_back(cmd.TextureId);
        return out;
    }
    bool drawn(const std::string& hash) {
        const auto t = textures_drawn();
        return std::find(t.begin(), t.end(), gfx.id_of(hash)) != t.end();
    }
    std::vector<JournalEntry> outbox() { return s->journal().outbox(100).value(); }

    std::unique_ptr<FontManager> fonts;
    KeyGate gate{[](int key, int, int action, int) { imgui_key_callback(key, action); }};
    Keymap keymap;
    domain::SpecProfile spec_;
    FakeGraphics gfx;
    Scratch text;
    std::unique_ptr<KeyInput> input;
    std::vector<std::pair<std::string, ImVec4>> marks;
};

TEST_F(HeadlessTest, AKeyApprovesAndTheSameFrameDrawsTheNextPhoto) {
    ready_with(3);
    frame();
    ASSERT_TRUE(drawn(s->current()->item.standardized));
    const std::string next = s->slots()[1].item.standardized;
    frame({"A"});
    auto rows = outbox();
    ASSERT_EQ(rows.size(), 1u);
    EXPECT_EQ(rows[0].verdict, "approve");
    EXPECT_EQ(rows[0].submission_id, 1);
    EXPECT_TRUE(drawn(next)) << "the frame that handled the key already shows the next item";
    frame();   // the key is still "down" for ImGui only in its own frame: no second approval
    EXPECT_EQ(outbox().size(), 1u);
}

TEST_F(HeadlessTest, RejectWithTheSuggestedReasonIsOneKey) {
    step();
    answer(RestoreResult{});
    step();
    ClaimResult c;
    c.ok = true;
    c.items.push_back(item(4, {"eye_tilt"}, {}, unix_now + 300));
    answer(std::move(c));
    frame();
    press({"R"});
    auto rows = outbox();
    ASSERT_EQ(rows.size(), 1u);
    EXPECT_EQ(rows[0].verdict, "reject");
    EXPECT_EQ(rows[0].reasons, std::vector<std::string>{"head_tilted"});
}

TEST_F(HeadlessTest, RejectWithNothingTickedOpensThePickerAndAHotkeyTicks) {
    ready_with(2);
    press({"R"});
    EXPECT_TRUE(outbox().empty());
    ImGuiWindow* picker = ImGui::FindWindowByName(s->strings().tr("picker.title").c_str());
    ASSERT_NE(picker, nullptr);
    EXPECT_TRUE(picker->Active) << "the picker is on screen";
    press({"5"});   // the fifth row: ears_hidden
    press({"Enter"});
    auto rows = outbox();
    ASSERT_EQ(rows.size(), 1u);
    EXPECT_EQ(rows[0].reasons, std::vector<std::string>{"ears_hidden"});
    EXPECT_EQ(s->current()->item.id, 2);
}

TEST_F(HeadlessTest, TypingANoteTriggersNoCommand) {
    ready_with(2);
    press({"N"});
    ASSERT_EQ(s->context(), Context::note);
    // 'A' typed into the note is text, not an approval.
    ImGui::GetIO().AddInputCharacter('a');
    press({"A"});   // the key and its character arrive together, as from GLFW
    EXPECT_TRUE(outbox().empty());
    EXPECT_EQ(s->note_editor().text, "a");
    press({"Enter"});
    EXPECT_EQ(s->context(), Context::review);
    EXPECT_EQ(s->current()->note, "a");
    press({"A"});
    auto rows = outbox();
    ASSERT_EQ(rows.size(), 1u);
    EXPECT_EQ(rows[0].note, "a");
}

TEST_F(HeadlessTest, UndoAndNavigationFromTheKeyboard) {
    ready_with(3);
    press({"A"});
    press({"A"});
    press({"Z"});
    EXPECT_EQ(outbox().size(), 1u);
    EXPECT_EQ(s->current()->item.id, 2);
    press({"Right"});
    EXPECT_EQ(s->current()->item.id, 3);
    press({"K"});
    EXPECT_EQ(s->current()->item.id, 2);
    press({"S"});   // skip: back to the queue
    EXPECT_EQ(s->current()->item.id, 3);
}

TEST_F(HeadlessTest, HelpListsEveryCommandWithItsKeysFromTheKeymap) {
    ready_with(1);
    press({"Shift+Slash"}, true);
    ASSERT_TRUE(s->view().help);
    ImGuiWindow* help = ImGui::FindWindowByName(s->strings().tr("help.title").c_str());
    ASSERT_NE(help, nullptr);
    EXPECT_TRUE(help->Active);
    std::map<std::string, std::string> listed;
    for (const auto& [name, r] : marks)
        if (name.rfind("help:", 0) == 0) {
            const auto colon = name.find(':', 5);
            listed[name.substr(5, colon - 5)] = name.substr(colon + 1);
        }
    for (const auto& c : command_table()) {
        ASSERT_TRUE(listed.count(std::string(c.name))) << c.name << " is missing from the help";
        EXPECT_EQ(listed[std::string(c.name)], keymap.label(c.id)) << c.name;
    }
    press({"Escape"});
    EXPECT_FALSE(s->view().help);
}

// Keys typed faster than frames, as xdotool types them: every event before the next frame. The
// gate spaces the presses out over frames; the chords must still be the ones that were typed.
class FastKeysTest : public HeadlessTest {
protected:
    // Frames until the gate has let everything through (and one more); the commands they applied.
    int run_frames() {
        int applied = 0;
        for (int i = 0; i < 10 && !gate.idle(); ++i) applied += run_frame();
        return applied + run_frame();
    }
    void shift(int action, int mods) { gate.on_key(GLFW_KEY_LEFT_SHIFT, 0, action, mods); }
    void key(int k, int action, int mods) { gate.on_key(k, 0, action, mods); }
};

TEST_F(FastKeysTest, AQuestionMarkOpensTheHelpOnce) {
    ready_with(1);
    run_frame();
    // `xdotool key question`, with the modifiers X11 reports on each event.
    shift(GLFW_PRESS, 0);
    key(GLFW_KEY_SLASH, GLFW_PRESS, GLFW_MOD_SHIFT);
    key(GLFW_KEY_SLASH, GLFW_RELEASE, GLFW_MOD_SHIFT);
    shift(GLFW_RELEASE, GLFW_MOD_SHIFT);
    EXPECT_EQ(run_frames(), 1) << "help, exactly once";
    EXPECT_TRUE(s->view().help);
}

TEST_F(FastKeysTest, AQuestionMarkWhoseShiftWasSeenByAnEarlierFrameOpensTheHelp) {
    ready_with(1);
    run_frame();
    // The Shift press woke the loop and got a frame of its own; the rest came together.
    shift(GLFW_PRESS, 0);
    EXPECT_EQ(run_frame(), 0);
    key(GLFW_KEY_SLASH, GLFW_PRESS, GLFW_MOD_SHIFT);
    key(GLFW_KEY_SLASH, GLFW_RELEASE, GLFW_MOD_SHIFT);
    shift(GLFW_RELEASE, GLFW_MOD_SHIFT);
    EXPECT_EQ(run_frames(), 1);
    EXPECT_TRUE(s->view().help);
}

TEST_F(FastKeysTest, ASlashWithoutShiftIsNotHelp) {
    ready_with(1);
    run_frame();
    key(GLFW_KEY_SLASH, GLFW_PRESS, 0);
    key(GLFW_KEY_SLASH, GLFW_RELEASE, 0);
    EXPECT_EQ(run_frames(), 0);
    EXPECT_FALSE(s->view().help);
}

TEST_F(FastKeysTest, ShiftHPansAndAPlainHAfterItDoesNot) {
    ready_with(1);
    run_frame();
    shift(GLFW_PRESS, 0);
    key(GLFW_KEY_H, GLFW_PRESS, GLFW_MOD_SHIFT);
    key(GLFW_KEY_H, GLFW_RELEASE, GLFW_MOD_SHIFT);
    shift(GLFW_RELEASE, GLFW_MOD_SHIFT);
    EXPECT_EQ(run_frames(), 1) << "pan_left";
    const double panned = s->view().pan_x;
    EXPECT_GT(panned, 0);
    // Shift tapped, then H: the frame that sees H may still see Shift down, but H was typed
    // without it (plain H means nothing while reviewing).
    shift(GLFW_PRESS, 0);
    shift(GLFW_RELEASE, GLFW_MOD_SHIFT);
    key(GLFW_KEY_H, GLFW_PRESS, 0);
    key(GLFW_KEY_H, GLFW_RELEASE, 0);
    EXPECT_EQ(run_frames(), 0);
    EXPECT_EQ(s->view().pan_x, panned);
}

TEST_F(FastKeysTest, ShiftJPansDownAndJStillGoesToTheNextPhoto) {
    ready_with(2);
    run_frame();
    shift(GLFW_PRESS, 0);
    key(GLFW_KEY_J, GLFW_PRESS, GLFW_MOD_SHIFT);
    key(GLFW_KEY_J, GLFW_RELEASE, GLFW_MOD_SHIFT);
    shift(GLFW_RELEASE, GLFW_MOD_SHIFT);
    key(GLFW_KEY_J, GLFW_PRESS, 0);
    key(GLFW_KEY_J, GLFW_RELEASE, 0);
    EXPECT_EQ(run_frames(), 2) << "pan_down, then next";
    EXPECT_LT(s->view().pan_y, 0);
    EXPECT_EQ(s->current()->item.id, 2);
}

TEST_F(FastKeysTest, ATypedFastStillApprovesOnce) {
    ready_with(2);
    run_frame();
    key(GLFW_KEY_A, GLFW_PRESS, 0);
    key(GLFW_KEY_A, GLFW_RELEASE, 0);
    EXPECT_EQ(run_frames(), 1);
    auto rows = outbox();
    ASSERT_EQ(rows.size(), 1u);
    EXPECT_EQ(rows[0].verdict, "approve");
}

TEST_F(HeadlessTest, F2SwitchesTheLanguage) {
    ready_with(1);
    EXPECT_EQ(s->strings().language(), Language::zh);
    press({"F2"});
    EXPECT_EQ(s->strings().language(), Language::en);
    press({"F2"});
    EXPECT_EQ(s->strings().language(), Language::zh);
}

TEST_F(HeadlessTest, HoldingSpaceShowsTheOriginalThroughTheCropWindow) {
    ready_with(1);
    images_ready();
    frame();
    EXPECT_EQ(gfx.last.mode, 0);
    ImGui::GetIO().KeysDown[key::Space] = true;
    ImGui::NewFrame();
    input->process(*s);
    ImGui::Render();
    EXPECT_TRUE(s->view().show_original);
    ImGui::GetIO().KeysDown[key::Space] = false;
    frame();
    EXPECT_FALSE(s->view().show_original) << "released";
}

TEST_F(HeadlessTest, TheBandsAreColouredByTheirChecks) {
    step();
    answer(RestoreResult{});
    step();
    ClaimResult c;
    c.ok = true;
    c.items.push_back(item(4, {"crown_position"}, {"eye_position"}, unix_now + 300));
    answer(std::move(c));
    images_ready();
    frame();
    EXPECT_EQ(ImGui::ColorConvertFloat4ToU32(gfx.last.crown_colour), colour::fail);
    EXPECT_EQ(ImGui::ColorConvertFloat4ToU32(gfx.last.eye_colour), colour::warn);
    EXPECT_EQ(gfx.last.crown_band.x, float(spec_.crown_y.min));
    EXPECT_EQ(gfx.last.eye_band.y, float(spec_.eye_y.max));
}

// Focusing a badge whose check kept a pixel map draws the map over the spec photo (a
// standardized-space map, exactly over the photo) and over the crop window on the original;
// a working-space map covers the whole original. Unfocused, or with overlays off, no map.
TEST_F(HeadlessTest, AFocusedCheckDrawsThePixelsItCountedOverBothPhotos) {
    step();
    answer(RestoreResult{});
    step();
    cv::Mat glare = cv::Mat::zeros(640, 480, CV_8U);
    cv::circle(glare, {300, 260}, 6, cv::Scalar(255), cv::FILLED);
    cv::Mat backdrop = cv::Mat::zeros(150, 200, CV_8U);   // working space 600x800, at a quarter
    backdrop(cv::Rect(0, 0, 40, 150)).setTo(200);
    nlohmann::json j = submission_json(4, "学生4", {"lens_glare", "background_uniformity"}, {}, unix_now + 300);
    for (auto& c : j["checks"]["checks"]) {
        if (c["id"] == "lens_glare")
            c["geometry"] = {{"space", "standardized"}, {"map", {{"width", 480}, {"height", 640}, {"png", wire::check_map_png(glare)}}}};
        if (c["id"] == "background_uniformity")
            c["geometry"] = {{"space", "original"}, {"map", {{"width", 200}, {"height", 150}, {"png", wire::check_map_png(backdrop)}}}};
    }
    auto parsed = parse_item(j);
    ASSERT_TRUE(parsed.ok()) << parsed.error().message;
    ClaimResult c;
    c.ok = true;
    c.items.push_back(std::move(parsed).value());
    answer(std::move(c));
    images_ready();
    auto mark = [&](const char* name) -> std::optional<ImVec4> {
        for (const auto& [n, r] : marks)
            if (n == name) return r;
        return std::nullopt;
    };
    auto focus = [&](const std::string& id) {
        for (int guard = 0; guard < 10 && (s->view().focused_check < 0 ||
                                           s->current()->item.checks[size_t(s->view().focused_check)].id != id); ++guard)
            press({"Down"});
    };
    marks.clear();
    frame({}, true);
    EXPECT_FALSE(mark("check_map")) << "nothing focused";
    EXPECT_TRUE(gfx.maps_asked.empty());

    focus("lens_glare");
    marks.clear();
    frame({}, true);
    const auto photo = mark("standardized"), on_photo = mark("check_map"), on_original = mark("original_check_map");
    ASSERT_TRUE(photo && on_photo && on_original);
    EXPECT_EQ(on_photo->x, photo->x);
    EXPECT_EQ(on_photo->z, photo->z) << "a standardized map covers the spec photo exactly";
    EXPECT_EQ(on_photo->w, photo->w);
    const std::string glare_key = s->current()->item.find_check("lens_glare")->geometry.map.key;
    EXPECT_TRUE(drawn(glare_key));
    // On the original, over the crop window: 800 original px wide, at (200, 100).
    const auto original = mark("original");
    const ImageEntry* img = s->image(s->current()->item.original);
    ASSERT_TRUE(original && img && img->full_width > 0);
    const double px = (original->z - original->x) / img->full_width;    // screen px per original px
    const double py = (original->w - original->y) / img->full_height;
    EXPECT_NEAR(on_original->z - on_original->x, 800 * px, 0.5);
    EXPECT_NEAR(on_original->x - original->x, 200 * px, 0.5);
    EXPECT_NEAR(on_original->y - original->y, 100 * py, 0.5);

    focus("background_uniformity");
    marks.clear();
    frame({}, true);
    const auto whole = mark("original_check_map");
    ASSERT_TRUE(whole);
    EXPECT_EQ(whole->x, original->x);
    EXPECT_EQ(whole->z, original->z) << "a working-space map covers the whole original";
    ASSERT_TRUE(mark("check_map")) << "and the spec photo, through the crop window";
    EXPECT_FALSE(drawn(glare_key));

    press({"O"});   // overlays off
    marks.clear();
    frame({}, true);
    EXPECT_FALSE(mark("check_map"));
    EXPECT_FALSE(mark("original_check_map"));
}

// An item the engine could make no spec photo for: the centre pane is a card saying so, why
// in the reviewer's words, and what to do: the reason ticked for it and R, or the picker's key
// when nothing was ticked. Nothing is drawn as if it were a photo.
TEST_F(HeadlessTest, ARefusedPhotoShowsWhyAndTheReasonItsRejectWillSend) {
    HelloResult h = hello();
    for (auto& r : h.reasons)
        if (r.code == "crop_out_of_spec") r.suggested_by_refusals = {"head_proportions"};
    answer(std::move(h));
    step();
    answer(RestoreResult{});
    step();
    ClaimResult c;
    c.ok = true;
    c.items.push_back(refused_item(7, "head_proportions", {}, unix_now + 300));
    c.items.push_back(refused_item(8, "no_face", {}, unix_now + 300));
    answer(std::move(c));
    ASSERT_TRUE(s->current()->item.standardized.empty());
    auto cards = [&] {
        std::vector<std::string> out;
        for (const auto& [name, r] : marks)
            if (name.rfind("refusal:", 0) == 0) out.push_back(name);
        return out;
    };
    marks.clear();
    frame({}, true);
    EXPECT_EQ(cards(), std::vector<std::string>{"refusal:head_proportions:crop_out_of_spec"});
    EXPECT_FALSE(drawn(s->current()->item.original)) << "a refused item has no photo for the centre pane";
    press({"R"});
    auto rows = outbox();
    ASSERT_EQ(rows.size(), 1u);
    EXPECT_EQ(rows[0].reasons, std::vector<std::string>{"crop_out_of_spec"});
    ASSERT_EQ(s->current()->item.id, 8);
    marks.clear();
    frame({}, true);
    EXPECT_EQ(cards(), std::vector<std::string>{"refusal:no_face:"}) << "nothing ticked: the card names the picker's key";
}

TEST_F(HeadlessTest, ARareNameGetsItsGlyphsAfterTheBackgroundBuild) {
    ASSERT_FALSE(fonts->has_glyph(U'䶮')) << "not in the first atlas: the test would prove nothing";
    fonts->want(U"刘䶮㛃");
    // The base set's build may be under way: swap whatever finishes until the name is there.
    const bool got = eventually(
        [&] {
            if (fonts->ready()) fonts->swap_if_ready();
            return fonts->has_glyph(U'䶮');
        },
        std::chrono::seconds(60));
    ASSERT_TRUE(got) << "no atlas with the rare characters after 60 s";
    EXPECT_TRUE(fonts->has_glyph(U'䶮'));
    EXPECT_TRUE(fonts->has_glyph(U'㛃'));
    EXPECT_FALSE(fonts->has_glyph(U'\U00020BB7')) << "beyond the BMP: ImGui 1.86's 16-bit ImWchar";
    EXPECT_TRUE(fonts->unrenderable().empty());
    fonts->want(U"\U00020BB7");
    EXPECT_EQ(fonts->unrenderable().size(), 1u);
}

}  // namespace
}  // namespace pd::test
