// Fonts: Noto Sans CJK SC (Debian's fonts-noto-cjk, face 2 of the .ttc) at two sizes, with
// glyph ranges built from a base set plus every character actually seen: the UI catalogs,
// reason labels, and each student's name, school and station as items arrive. The window opens
// with ImGui's 2,500 common characters (0.3 s); GB 2312's 6,763 hanzi follow in a background
// build. Names carry rare characters (赟, 㛃, 䶮) outside even that; when one arrives, a new atlas
// is built on a background thread and swapped in between two frames, so a reviewer never waits
// for the second or so a CJK atlas takes to rasterise.
//
// Limits: Debian's libimgui is built with 16-bit ImWchar, so characters beyond the Basic
// Multilingual Plane (CJK extension B and later, U+20000+) cannot be rendered; unrenderable()
// lists the ones seen, and the views mark such a name instead of showing a silent "?".
//
// Threading: UI thread, except the background build, which touches only its own ImFontAtlas
// and the shared, immutable font bytes. (ImGui counts allocations in its context without a
// lock, so that metric may be off by a few while a build runs; nothing else is shared.)
#pragma once

#include <imgui.h>

#include <chrono>
#include <future>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "common/result.h"

namespace pd::workstation {

struct FontOptions {
    std::string path = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc";
    int face = 2;            // Simplified Chinese
    float size = 17;         // px, already multiplied by the content scale
    float large_size = 26;
};

// The 6,763 hanzi of GB 2312 (levels 1 and 2): nearly every character of a Chinese name. The
// atlas holds them from the second build on, so a name rarely brings a rebuild.
std::u32string gb2312_hanzi();

class FontManager {
public:
    // Reads the font and builds the first atlas synchronously with `text`'s characters.
    static Result<std::unique_ptr<FontManager>> create(const FontOptions& options, const std::u32string& text);
    ~FontManager();

    ImFontAtlas* atlas() const { return current_->atlas.get(); }
    ImFont* regular() const { return current_->regular; }
    ImFont* large() const { return current_->large; }

    // Characters to have: starts a background build when one is missing from the atlas.
    void want(const std::u32string& chars);
    // Between frames (before NewFrame): installs a finished build into io.Fonts. True when it
    // did; the caller then re-creates the font texture (ImGui_ImplOpenGL3_CreateFontsTexture).
    bool swap_if_ready();
    bool building() const { return pending_.valid(); }
    // A background build has finished: the next frame swaps it in (so draw one).
    bool ready() const {
        return pending_.valid() && pending_.wait_for(std::chrono::seconds(0)) == std::future_status::ready;
    }
    bool has_glyph(char32_t c) const;
    const std::set<char32_t>& unrenderable() const { return unrenderable_; }
    int builds() const { return builds_; }

private:
    struct Built {
        std::unique_ptr<ImFontAtlas> atlas;
        ImFont* regular = nullptr;
        ImFont* large = nullptr;
        ImVector<ImWchar> ranges, large_ranges;
        std::set<char32_t> chars;
    };
    static std::unique_ptr<Built> build(std::shared_ptr<std::vector<unsigned char>> data, FontOptions options,
                                        std::set<char32_t> chars);
    static std::unique_ptr<Built> build_in_background(std::shared_ptr<std::vector<unsigned char>> data,
                                                      FontOptions options, std::set<char32_t> chars);

    FontOptions options_;
    std::shared_ptr<std::vector<unsigned char>> data_;
    std::unique_ptr<Built> current_;
    std::unique_ptr<Built> retired_;     // the atlas of the previous frame, freed at the next swap
    std::future<std::unique_ptr<Built>> pending_;
    std::set<char32_t> wanted_;
    std::set<char32_t> unrenderable_;
    int builds_ = 0;
};

}  // namespace pd::workstation
