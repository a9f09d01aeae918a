// Graphics on the real window: the texture cache and the photo shader.
// Threading: UI thread only, GL context current.
#pragma once

#include <memory>
#include <string>

#include "workstation/gl/photo_program.h"
#include "workstation/gl/texture_cache.h"
#include "workstation/graphics.h"

namespace pd::workstation {

class GlGraphics : public Graphics {
public:
    GlGraphics(std::size_t texture_budget, std::unique_ptr<PhotoProgram> program)
        : textures_(texture_budget), program_(std::move(program)) {}

    std::optional<TextureRef> texture(const std::string& hash) override {
        const auto* t = textures_.find(hash);
        if (!t) return std::nullopt;
        return TextureRef{reinterpret_cast<ImTextureID>(static_cast<intptr_t>(t->id)), t->width, t->height};
    }
    std::optional<TextureRef> map_texture(const review::CheckMap& map) override {
        if (map.empty()) return std::nullopt;
        const auto* t = textures_.find(map.key);
        if (!t) {
            review::Pixels px;
            px.width = px.full_width = map.width;
            px.height = px.full_height = map.height;
            px.rgba.assign(map.values.size() * 4, 255);
            for (std::size_t i = 0; i < map.values.size(); ++i) px.rgba[4 * i + 3] = map.values[i];
            t = &textures_.upload(map.key, px);
        }
        return TextureRef{reinterpret_cast<ImTextureID>(static_cast<intptr_t>(t->id)), t->width, t->height};
    }
    void draw_photo(ImDrawList* dl, ImVec2 p0, ImVec2 p1, const PhotoParams& params) override {
        if (program_) program_->draw(dl, p0, p1, params);
        else if (params.standardized || params.original)
            dl->AddImage(params.standardized ? params.standardized : params.original, p0, p1);
    }

    TextureCache& textures() { return textures_; }
    PhotoProgram* program() { return program_.get(); }
    void begin_frame() {
        textures_.begin_frame();
        if (program_) program_->begin_frame();
    }

private:
    TextureCache textures_;
    std::unique_ptr<PhotoProgram> program_;
};

}  // namespace pd::workstation
