// Tokens, roles and the token cache. A token is 32 random bytes (OpenSSL RAND_bytes) as
// "pdt_" + 64 hex characters, shown once; the database keeps only its SHA-256 hex. Which role
// may call which endpoint is the table in docs/api.md ("Roles"), encoded once here as Access
// values.
#pragma once

#include <chrono>
#include <map>
#include <mutex>
#include <string>
#include <string_view>

#include "server/service_context.h"
#include "server/service_error.h"
#include "storage/model.h"

namespace pd::server {

std::string new_token();
std::string hash_token(std::string_view token);
std::string sha256_hex(std::string_view bytes);

// Who may call an endpoint. `open` needs no token.
enum class Access {
    open,         // /healthz, /metrics
    any_user,     // /v1/me, /v1/reasons, /v1/queue
    ingest,       // ingest, admin
    reviewer,     // reviewer only: leases and decisions
    items,        // reviewer (own leases, checked per item), supervisor, admin
    feed,         // supervisor, ingest, admin: events
    supervisor,   // supervisor, admin: audit, overturn, stats, SLA, exports
    admin,        // admin only
};

bool role_allows(storage::Role role, Access access);

// Authenticator: bearer token -> user, with a cache so that a request costs no database round
// trip. An entry is trusted for [auth] token_cache_s and then checked against the database
// again, so a revocation made anywhere (another node, `photodeskd user revoke`) is honoured by
// this process within that time; forget_user() drops a user's entries at once (a revocation
// made through this process). A database that cannot be asked fails closed (unavailable).
//
// Thread-safe: the cache is guarded by mu_; the database is asked outside the lock.
class Authenticator {
public:
    explicit Authenticator(ServiceContext& ctx) : ctx_(ctx) {}

    // unauthorized for an unknown or revoked token.
    Outcome<storage::User> authenticate(const std::string& token);
    void forget_user(const std::string& name);

private:
    struct Entry {
        storage::User user;
        std::chrono::steady_clock::time_point checked_at;
    };
    ServiceContext& ctx_;
    std::mutex mu_;
    std::map<std::string, Entry> by_hash_;   // token hash -> user; guarded by mu_
};

}  // namespace pd::server
