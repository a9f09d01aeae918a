// The photo shader (shaders/photo.vert + photo.frag) and the way it is drawn inside ImGui: a
// draw-list callback binds the program and its uniforms, the photo is an ordinary image quad,
// and ImDrawCallback_ResetRenderState hands the state back to ImGui's OpenGL3 backend. The
// program uses the backend's vertex layout and projection: the attribute locations and the
// projection matrix are read from the backend's program when the callback runs, so this works
// with whatever GLSL version the backend chose.
//
// Threading: UI thread only, GL context current.
#pragma once

#include <array>
#include <string>

#include "common/result.h"
#include "workstation/graphics.h"

namespace pd::workstation {

class PhotoProgram {
public:
    // Reads the shader sources from `shader_dir`; compiles lazily at the first draw (inside the
    // backend's render pass, where its program and attribute locations are known).
    static Result<PhotoProgram*> create(const std::string& shader_dir);
    ~PhotoProgram();

    // Resets the per-frame parameter slots; call once per frame before the views draw.
    void begin_frame() { used_ = 0; }
    void draw(ImDrawList* dl, ImVec2 p0, ImVec2 p1, const PhotoParams& params);
    // Empty while fine; the compile or link log otherwise (shown, and photos fall back to plain
    // images so the reviewer can still work).
    const std::string& error() const { return error_; }

private:
    PhotoProgram() = default;
    static void callback(const ImDrawList* list, const ImDrawCmd* cmd);
    // Variant 0..3: bit 0 the original is sampled (Space, wipe, re-crop, no spec photo), bit 1
    // false colour. Each is compiled the first time it is drawn.
    static int variant_of(const PhotoParams& p);
    bool ensure_program(int variant);
    void set_uniforms(int variant, const PhotoParams& p);

    std::string vert_src_, frag_src_, error_;
    unsigned programs_[4] = {0, 0, 0, 0};
    bool tried_[4] = {false, false, false, false};
    // Parameters live here until RenderDrawData has run the callbacks of this frame.
    struct Slot {
        PhotoProgram* self;
        PhotoParams params;
    };
    std::array<Slot, 16> slots_{};
    int used_ = 0;
};

}  // namespace pd::workstation
