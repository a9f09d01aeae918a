#include "server/service_context.h"

#include <algorithm>
#include <chrono>

namespace pd::server {

EngineGate::EngineGate(int slots) : slots_(std::clamp(slots, 1, 256)) {}

ServiceContext::ServiceContext(ServiceParts parts)
    : p_(std::move(parts)), gate_(p_.settings.ingest_workers) {}

std::int64_t ServiceContext::now() const {
    if (p_.clock) return p_.clock();
    return std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

}  // namespace pd::server
