// GL textures of decoded photos, keyed by the image's SHA-256 (images never change, so a hash
// is uploaded once and reused by every item and frame that shows it, as Tracy's frame-image
// cache does). Bounded by bytes, not by count: past the budget the least recently drawn
// textures that are not pinned (the items around the cursor) are deleted, and the session is
// told so it fetches them again (from the disk cache) if they are needed later.
//
// Threading: UI thread only, with the GL context current.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "review/pixels.h"

namespace pd::workstation {

class TextureCache {
public:
    struct Texture {
        unsigned id = 0;
        int width = 0, height = 0;
        std::size_t bytes = 0;
        std::uint64_t last_used = 0;
    };

    explicit TextureCache(std::size_t budget_bytes) : budget_(budget_bytes) {}
    ~TextureCache();
    TextureCache(const TextureCache&) = delete;
    TextureCache& operator=(const TextureCache&) = delete;

    void begin_frame() { ++frame_; }
    const Texture& upload(const std::string& hash, const review::Pixels& px);
    // nullptr when absent; marks it used this frame.
    const Texture* find(const std::string& hash);
    // Deletes least recently used, unpinned textures until under budget; returns their hashes.
    std::vector<std::string> trim(const std::vector<std::string>& pinned);

    std::size_t bytes() const { return bytes_; }
    std::size_t count() const { return textures_.size(); }
    std::size_t budget() const { return budget_; }

private:
    std::size_t budget_;
    std::size_t bytes_ = 0;
    std::uint64_t frame_ = 0;
    std::unordered_map<std::string, Texture> textures_;
};

}  // namespace pd::workstation
