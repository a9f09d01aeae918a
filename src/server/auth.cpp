#include "server/auth.h"

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <array>
#include <stdexcept>

namespace pd::server {

static std::string to_hex(const unsigned char* p, size_t n) {
    static const char* kDigits = "0123456789abcdef";
    std::string out(n * 2, '0');
    for (size_t i = 0; i < n; ++i) {
        out[2 * i] = kDigits[p[i] >> 4];
        out[2 * i + 1] = kDigits[p[i] & 15];
    }
    return out;
}

std::string new_token() {
    std::array<unsigned char, 32> raw{};
    if (RAND_bytes(raw.data(), int(raw.size())) != 1)
        throw std::runtime_error("OpenSSL RAND_bytes failed: no token generated");
    return "pdt_" + to_hex(raw.data(), raw.size());
}

std::string sha256_hex(std::string_view bytes) {
    std::array<unsigned char, EVP_MAX_MD_SIZE> md{};
    unsigned int len = 0;
    EVP_Digest(bytes.data(), bytes.size(), md.data(), &len, EVP_sha256(), nullptr);
    return to_hex(md.data(), len);
}

std::string hash_token(std::string_view token) { return sha256_hex(token); }

bool role_allows(storage::Role role, Access access) {
    using storage::Role;
    switch (access) {
        case Access::open:
        case Access::any_user: return true;
        case Access::ingest: return role == Role::ingest || role == Role::admin;
        case Access::reviewer: return role == Role::reviewer;
        case Access::items:
            return role == Role::reviewer || role == Role::supervisor || role == Role::admin;
        case Access::feed:
            return role == Role::supervisor || role == Role::ingest || role == Role::admin;
        case Access::supervisor: return role == Role::supervisor || role == Role::admin;
        case Access::admin: return role == Role::admin;
    }
    return false;
}

// [SECTION] Authenticator

Outcome<storage::User> Authenticator::authenticate(const std::string& token) {
    const std::string h = hash_token(token);
    const auto tick = std::chrono::steady_clock::now();
    const auto ttl = std::chrono::seconds(ctx_.settings().token_cache_s);
    {
        std::lock_guard<std::mutex> lock(mu_);
        if (auto it = by_hash_.find(h); it != by_hash_.end() && tick - it->second.checked_at < ttl)
            return it->second.user;
    }
    storage::User user;
    {
        auto store = ctx_.stores().acquire();
        auto u = store->find_user_by_token_hash(h);
        if (!u) {
            if (u.error().code == ErrorCode::NotFound)
                return refusal(Refusal::unauthorized, "unauthorized", "unknown token");
            return store_failure(u.error());
        }
        user = std::move(u).value();
    }
    std::lock_guard<std::mutex> lock(mu_);
    if (user.revoked_at != 0) {
        by_hash_.erase(h);
        return refusal(Refusal::unauthorized, "unauthorized",
                       "this token was revoked; ask an admin for a new user");
    }
    // Only valid tokens are cached (as many as there are users), so the map stays small.
    by_hash_[h] = {user, tick};
    return user;
}

void Authenticator::forget_user(const std::string& name) {
    std::lock_guard<std::mutex> lock(mu_);
    std::erase_if(by_hash_, [&](const auto& e) { return e.second.user.name == name; });
}

}  // namespace pd::server
