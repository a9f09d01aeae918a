// What the views need from the GPU, behind an interface so the same views run headless in
// tests (a font atlas, no window, no GL: tests/workstation/headless_test.cpp) and on the real
// window (GlGraphics, gl/gl_graphics.h: the texture cache and the photo shader).
//
// Threading: UI thread only.
#pragma once

#include <imgui.h>

#include <optional>
#include <string>

#include "review/item.h"

namespace pd::workstation {

struct TextureRef {
    ImTextureID id = nullptr;
    int width = 0, height = 0;
};

// Everything photo.frag needs for one photo, in output pixels of the 480x640 spec photo.
struct PhotoParams {
    ImTextureID standardized = nullptr;   // may be null: then the original through the window
    ImTextureID original = nullptr;
    int mode = 0;                          // 0 standardized, 1 original through the window, 2 wipe
    float wipe_x = 0.5f;
    ImVec4 window{0, 0, 1, 1};             // the crop window in original UV (x, y, w, h)
    ImVec2 out_size{480, 640};
    float px_per_screen = 1;
    bool overlays = true;
    ImVec2 crown_band{50, 110}, eye_band{200, 300};
    ImVec4 crown_colour, eye_colour, face_colour, centre_colour;
    ImVec4 face_limits{90, 150, 330, 390};
    ImVec2 face_span{200, 300};
    float centre_x = 240;
    ImVec2 measured{-1, -1};               // crown y, eye y; negative = unknown
    int false_colour = 0;
    ImVec4 background{100 / 255.f, 197 / 255.f, 1.f, 1.f};   // the spec background colour
};

class Graphics {
public:
    virtual ~Graphics() = default;
    // The texture of an image, if it is on the GPU (marks it used this frame).
    virtual std::optional<TextureRef> texture(const std::string& hash) = 0;
    // A check's pixel map as a texture: white, its values as alpha, so the view tints it with the
    // verdict's colour. Uploaded on first use, keyed by map.key.
    virtual std::optional<TextureRef> map_texture(const review::CheckMap& map) = 0;
    // Draws the photo quad p0-p1 with photo.frag and `params`.
    virtual void draw_photo(ImDrawList* dl, ImVec2 p0, ImVec2 p1, const PhotoParams& params) = 0;
};

}  // namespace pd::workstation
