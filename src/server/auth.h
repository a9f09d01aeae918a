// Tokens and roles. A token is 32 random bytes (OpenSSL RAND_bytes) as "pdt_" + 64 hex
// characters, shown once; the database keeps only its SHA-256 hex. Which role may call which
// endpoint is the table in docs/api.md ("Roles"), encoded once here as Access values.
#pragma once

#include <string>
#include <string_view>

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

}  // namespace pd::server
