// ServiceContext: what every service of photodeskd shares, built once at start-up by
// make_services() (services.h): the server settings, the reason catalog, the working calendar,
// the photo engine, the store pool, the data directory and the clock, plus the gate that bounds
// engine work (ingest and re-crops) to [ingest] workers at once.
//
// Thread safety: everything here is read-only after construction except the store pool
// (internally locked) and the engine gate (a semaphore); services may be called from any
// number of request threads.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <semaphore>

#include "domain/calendar.h"
#include "domain/reason_catalog.h"
#include "domain/server_settings.h"
#include "engine/photo_engine.h"
#include "server/store_pool.h"

namespace pd::server {

// At most [ingest] workers engine jobs at once, so a burst of uploads or re-crops cannot take
// more cores or memory than configured.
class EngineGate {
public:
    explicit EngineGate(int slots);

    // Holds one slot for its lifetime.
    class Slot {
    public:
        explicit Slot(EngineGate& g) : g_(g) { g_.slots_.acquire(); }
        ~Slot() { g_.slots_.release(); }
        Slot(const Slot&) = delete;
        Slot& operator=(const Slot&) = delete;

    private:
        EngineGate& g_;
    };

private:
    std::counting_semaphore<256> slots_;
};

struct ServiceParts {
    domain::ServerSettings settings;
    domain::ReasonCatalog reasons;
    domain::WorkCalendar calendar;
    std::shared_ptr<const engine::PhotoEngine> engine;   // null in admin commands without it
    std::unique_ptr<StorePool> stores;
    std::filesystem::path data_dir;
    std::function<std::int64_t()> clock;                // unix seconds; empty = system clock
};

class ServiceContext {
public:
    explicit ServiceContext(ServiceParts parts);

    const domain::ServerSettings& settings() const { return p_.settings; }
    const domain::ReasonCatalog& reasons() const { return p_.reasons; }
    const domain::WorkCalendar& calendar() const { return p_.calendar; }
    const engine::PhotoEngine* engine() const { return p_.engine.get(); }
    StorePool& stores() { return *p_.stores; }
    const std::filesystem::path& data_dir() const { return p_.data_dir; }
    EngineGate& engine_gate() { return gate_; }
    std::int64_t now() const;

private:
    ServiceParts p_;
    EngineGate gate_;
};

}  // namespace pd::server
