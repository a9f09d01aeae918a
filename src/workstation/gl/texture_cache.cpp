#include "workstation/gl/texture_cache.h"

#include <GL/gl.h>
#include <GL/glext.h>

#include <algorithm>
#include <unordered_set>

namespace pd::workstation {

TextureCache::~TextureCache() {
    for (auto& [_, t] : textures_) glDeleteTextures(1, &t.id);
}

const TextureCache::Texture& TextureCache::upload(const std::string& hash, const review::Pixels& px) {
    auto it = textures_.find(hash);
    if (it != textures_.end()) {
        it->second.last_used = frame_;
        return it->second;
    }
    Texture t;
    glGenTextures(1, &t.id);
    glBindTexture(GL_TEXTURE_2D, t.id);
    // Large images (originals) are shown shrunk: mipmaps make that one cache-friendly fetch per
    // pixel instead of a scattered one, which a software renderer feels (llvmpipe: 3x).
    const bool mipmaps = std::max(px.width, px.height) > 800;
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, mipmaps ? GL_LINEAR_MIPMAP_NEAREST : GL_LINEAR);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, GL_LINEAR);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_S, GL_CLAMP_TO_EDGE);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_T, GL_CLAMP_TO_EDGE);
    glPixelStorei(GL_UNPACK_ALIGNMENT, 1);
    glPixelStorei(GL_UNPACK_ROW_LENGTH, 0);
    glTexImage2D(GL_TEXTURE_2D, 0, GL_RGBA8, px.width, px.height, 0, GL_RGBA, GL_UNSIGNED_BYTE, px.rgba.data());
    if (mipmaps) glGenerateMipmap(GL_TEXTURE_2D);
    t.width = px.width;
    t.height = px.height;
    t.bytes = mipmaps ? px.bytes() * 4 / 3 : px.bytes();
    t.last_used = frame_;
    bytes_ += t.bytes;
    return textures_.emplace(hash, t).first->second;
}

const TextureCache::Texture* TextureCache::find(const std::string& hash) {
    auto it = textures_.find(hash);
    if (it == textures_.end()) return nullptr;
    it->second.last_used = frame_;
    return &it->second;
}

std::vector<std::string> TextureCache::trim(const std::vector<std::string>& pinned) {
    std::vector<std::string> gone;
    if (bytes_ <= budget_) return gone;
    const std::unordered_set<std::string> keep(pinned.begin(), pinned.end());
    std::vector<std::pair<std::uint64_t, std::string>> order;
    for (const auto& [h, t] : textures_)
        if (!keep.count(h) && t.last_used != frame_) order.emplace_back(t.last_used, h);
    std::sort(order.begin(), order.end());
    for (const auto& [_, h] : order) {
        if (bytes_ <= budget_) break;
        auto it = textures_.find(h);
        glDeleteTextures(1, &it->second.id);
        bytes_ -= it->second.bytes;
        textures_.erase(it);
        gone.push_back(h);
    }
    return gone;
}

}  // namespace pd::workstation
