// The workstation's local cache of claimed items: each item's submission JSON and lease
// expiry in a small SQLite database, and the image bytes as files named by their SHA-256.
// A restart after a crash restores the items still leased (the sync worker renews them to learn
// which are still ours) and reads their images from disk instead of the network.
//
// A cache, not a record: nothing here is needed for correctness (decisions live in the
// journal), so image files are written without fsync and trimmed by total size, oldest use
// first.
//
// Threading: owned by the sync worker thread; not thread-safe.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"

namespace pd::review {

namespace db {
class Db;
}

struct CachedItem {
    std::int64_t submission_id = 0;
    std::string json;              // the submission object as the server sent it
    std::int64_t lease_expires = 0;
};

class ItemCache {
public:
    // dir/items.db and dir/images/ (created). max_image_bytes bounds the image files.
    static Result<std::unique_ptr<ItemCache>> open(const std::filesystem::path& dir, std::int64_t max_image_bytes);
    ~ItemCache();

    Status put(const std::vector<CachedItem>& items);
    Status set_leases(const std::vector<std::pair<std::int64_t, std::int64_t>>& id_expires);
    Status drop(const std::vector<std::int64_t>& ids);
    Result<std::vector<CachedItem>> items() const;   // in the order they were claimed

    // Image bytes by SHA-256 hex (lower-case); nullopt when absent or unreadable.
    std::optional<std::vector<unsigned char>> get_image(const std::string& sha256) const;
    // Stores bytes (tmp + rename); refuses a hash that is not 64 hex characters.
    Status put_image(const std::string& sha256, const std::vector<unsigned char>& bytes);
    // Deletes the least recently used image files until the total is under the bound.
    void trim();
    std::int64_t image_bytes() const { return image_bytes_; }

private:
    ItemCache(std::unique_ptr<db::Db> d, std::filesystem::path dir, std::int64_t max_bytes);
    std::filesystem::path image_path(const std::string& sha256) const;

    std::unique_ptr<db::Db> db_;
    std::filesystem::path dir_;
    std::int64_t max_bytes_;
    std::int64_t image_bytes_ = 0;
};

// The SHA-256 of bytes as lower-case hex (to verify what the server sent).
std::string sha256_hex(const unsigned char* data, size_t size);

}  // namespace pd::review
