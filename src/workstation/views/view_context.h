// What every view draws from: the session (read; commands go through session.apply), the
// keymap (for hints), the GPU side (textures, the photo shader), the fonts, and the spec
// profile (band numbers). Views own no domain data; each keeps at most a small UI-state struct.
//
// Text: views format into one reusable buffer (Scratch), so a frame that shows the same
// thing as the last allocates nothing.
//
// Threading: UI thread only.
#pragma once

#include <imgui.h>

#include <fmt/format.h>

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "domain/spec_profile.h"
#include "review/item.h"
#include "review/keymap.h"
#include "review/session.h"
#include "workstation/fonts.h"
#include "workstation/graphics.h"

namespace pd::workstation {

class Scratch {
public:
    template <class... A>
    const char* operator()(fmt::format_string<A...> f, A&&... a) {
        buf_.clear();
        fmt::format_to(std::back_inserter(buf_), f, std::forward<A>(a)...);
        buf_.push_back('\0');
        return buf_.data();
    }
    // A catalog pattern with {0}, {1} ... placeholders.
    template <class... A>
    const char* pattern(std::string_view p, A&&... a) {
        buf_.clear();
        try {
            fmt::format_to(std::back_inserter(buf_), fmt::runtime(p), std::forward<A>(a)...);
        } catch (const fmt::format_error&) {
            buf_.append(p.data(), p.data() + p.size());   // a broken pattern shows as written
        }
        buf_.push_back('\0');
        return buf_.data();
    }

private:
    fmt::memory_buffer buf_;
};

struct ViewContext {
    review::ReviewSession& session;
    const review::Keymap& keymap;
    Graphics& gfx;
    FontManager& fonts;
    const domain::SpecProfile& spec;
    float scale = 1;
    Scratch& text;
    // Where views drew what (for --probe and the window tests); null when nobody asks.
    std::vector<std::pair<std::string, ImVec4>>* layout = nullptr;

    void mark(std::string_view name, ImVec2 a, ImVec2 b) const {
        if (layout) layout->emplace_back(std::string(name), ImVec4{a.x, a.y, b.x, b.y});
    }

    const char* tr(std::string_view key) const { return session.strings().tr(key).c_str(); }
    const char* tr(std::string_view prefix, std::string_view key) const {
        return session.strings().tr(prefix, key).c_str();
    }
};

// [SECTION] colours (one palette for every view)
namespace colour {
inline constexpr ImU32 fail = IM_COL32(232, 80, 64, 255);
inline constexpr ImU32 warn = IM_COL32(240, 178, 50, 255);
inline constexpr ImU32 pass = IM_COL32(86, 190, 110, 255);
inline constexpr ImU32 na = IM_COL32(140, 140, 150, 255);
inline constexpr ImU32 accent = IM_COL32(80, 160, 255, 255);
inline constexpr ImU32 dim = IM_COL32(150, 150, 158, 255);
inline constexpr ImU32 text = IM_COL32(230, 230, 235, 255);
inline constexpr ImU32 panel = IM_COL32(30, 31, 34, 255);
inline constexpr ImU32 crop = IM_COL32(70, 200, 230, 255);
inline constexpr ImU32 recrop = IM_COL32(255, 215, 60, 255);
}  // namespace colour

ImU32 verdict_colour(review::Verdict v);
ImVec4 verdict_colour_vec(const review::Check* c);   // grey when the check is absent
const char* verdict_symbol(review::Verdict v);

}  // namespace pd::workstation
