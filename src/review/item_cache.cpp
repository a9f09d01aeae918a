#include "review/item_cache.h"

#include <openssl/evp.h>

#include <algorithm>
#include <fstream>

#include "review/sqlite_db.h"

namespace pd::review {

namespace fs = std::filesystem;

namespace {

const std::vector<std::string> kMigrations = {
    R"SQL(
CREATE TABLE items (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  submission_id INTEGER NOT NULL UNIQUE,
  json TEXT NOT NULL,
  lease_expires INTEGER NOT NULL
);
)SQL",
};

bool is_sha256_hex(const std::string& s) {
    return s.size() == 64 && std::all_of(s.begin(), s.end(), [](char c) {
               return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
           });
}

template <class T, class Fn>
Result<T> guarded(const char* what, Fn&& fn) {
    try {
        return fn();
    } catch (const std::exception& e) {
        return make_error(ErrorCode::Internal, std::string("item cache: ") + what + ": " + e.what());
    }
}

}  // namespace

std::string sha256_hex(const unsigned char* data, size_t size) {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_Digest(data, size, md, &len, EVP_sha256(), nullptr);
    static const char* hex = "0123456789abcdef";
    std::string out;
    out.reserve(len * 2);
    for (unsigned i = 0; i < len; ++i) {
        out += hex[md[i] >> 4];
        out += hex[md[i] & 15];
    }
    return out;
}

ItemCache::ItemCache(std::unique_ptr<db::Db> d, fs::path dir, std::int64_t max_bytes)
    : db_(std::move(d)), dir_(std::move(dir)), max_bytes_(max_bytes) {}
ItemCache::~ItemCache() = default;

Result<std::unique_ptr<ItemCache>> ItemCache::open(const fs::path& dir, std::int64_t max_image_bytes) {
    try {
        fs::create_directories(dir / "images");
        auto d = std::make_unique<db::Db>((dir / "items.db").string(), kMigrations);
        std::unique_ptr<ItemCache> c(new ItemCache(std::move(d), dir, max_image_bytes));
        for (const auto& e : fs::recursive_directory_iterator(dir / "images"))
            if (e.is_regular_file()) c->image_bytes_ += std::int64_t(e.file_size());
        return c;
    } catch (const std::exception& e) {
        return make_error(ErrorCode::Unavailable, "item cache " + dir.string() + ": " + e.what());
    }
}

Status ItemCache::put(const std::vector<CachedItem>& items) {
    return guarded<Ok>("put", [&]() -> Result<Ok> {
        db_->transaction([&] {
            for (const auto& it : items)
                db_->exec("INSERT INTO items (submission_id, json, lease_expires) VALUES (?1, ?2, ?3) "
                          "ON CONFLICT (submission_id) DO UPDATE SET json = excluded.json, "
                          "lease_expires = excluded.lease_expires",
                          {it.submission_id, it.json, it.lease_expires});
        });
        return Ok{};
    });
}

Status ItemCache::set_leases(const std::vector<std::pair<std::int64_t, std::int64_t>>& leases) {
    return guarded<Ok>("set leases", [&]() -> Result<Ok> {
        db_->transaction([&] {
            for (const auto& [id, exp] : leases)
                db_->exec("UPDATE items SET lease_expires = ?2 WHERE submission_id = ?1", {id, exp});
        });
        return Ok{};
    });
}

Status ItemCache::drop(const std::vector<std::int64_t>& ids) {
    return guarded<Ok>("drop", [&]() -> Result<Ok> {
        db_->transaction([&] {
            for (auto id : ids) db_->exec("DELETE FROM items WHERE submission_id = ?1", {id});
        });
        return Ok{};
    });
}

Result<std::vector<CachedItem>> ItemCache::items() const {
    return guarded<std::vector<CachedItem>>("items", [&]() -> Result<std::vector<CachedItem>> {
        std::vector<CachedItem> out;
        for (const auto& r : db_->query("SELECT submission_id, json, lease_expires FROM items ORDER BY seq"))
            out.push_back({r.i64(0), r.str(1), r.i64(2)});
        return out;
    });
}

fs::path ItemCache::image_path(const std::string& h) const { return dir_ / "images" / h.substr(0, 2) / h.substr(2); }

std::optional<std::vector<unsigned char>> ItemCache::get_image(const std::string& h) const {
    if (!is_sha256_hex(h)) return std::nullopt;
    const fs::path p = image_path(h);
    std::ifstream in(p, std::ios::binary);
    if (!in) return std::nullopt;
    std::vector<unsigned char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (sha256_hex(bytes.data(), bytes.size()) != h) return std::nullopt;  // torn or tampered: refetch
    std::error_code ec;
    fs::last_write_time(p, fs::file_time_type::clock::now(), ec);          // recently used
    return bytes;
}

Status ItemCache::put_image(const std::string& h, const std::vector<unsigned char>& bytes) {
    if (!is_sha256_hex(h)) return make_error(ErrorCode::InvalidArgument, "item cache: '" + h + "' is not a SHA-256");
    const fs::path p = image_path(h);
    std::error_code ec;
    if (fs::exists(p, ec)) return Ok{};
    fs::create_directories(p.parent_path(), ec);
    const fs::path tmp = p.string() + ".tmp";
    {
        std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
        out.write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size()));
        if (!out) return make_error(ErrorCode::Internal, "item cache: cannot write " + tmp.string());
    }
    fs::rename(tmp, p, ec);
    if (ec) return make_error(ErrorCode::Internal, "item cache: " + ec.message());
    image_bytes_ += std::int64_t(bytes.size());
    if (image_bytes_ > max_bytes_) trim();
    return Ok{};
}

void ItemCache::trim() {
    struct F {
        fs::path p;
        fs::file_time_type t;
        std::int64_t size;
    };
    std::vector<F> files;
    std::int64_t total = 0;
    std::error_code ec;
    for (const auto& e : fs::recursive_directory_iterator(dir_ / "images", ec)) {
        if (!e.is_regular_file()) continue;
        files.push_back({e.path(), e.last_write_time(), std::int64_t(e.file_size())});
        total += files.back().size;
    }
    std::sort(files.begin(), files.end(), [](const F& a, const F& b) { return a.t < b.t; });
    const std::int64_t target = max_bytes_ * 3 / 4;  // trim below the bound, not to it, to trim rarely
    for (const auto& f : files) {
        if (total <= target) break;
        if (fs::remove(f.p, ec)) total -= f.size;
    }
    image_bytes_ = total;
}

}  // namespace pd::review
