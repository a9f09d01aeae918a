// Services: photodeskd's composition root. make_services() reads config/, loads the engine
// and opens the store pool, then builds one of each service around one ServiceContext:
//
//   ingest       IngestService       photos into the queue            ingest_service.h
//   review       ReviewService       leases, decisions, queue figures review_service.h
//   supervision  SupervisionService  feed, audit, overturns, reports  supervision_service.h
//   exports      ExportService       packages for CHSI                export_service.h
//   admin        AdminService        unlock, users, revocation        admin_service.h
//   auth         Authenticator       tokens -> users (cached)         auth.h
//   health       HealthProbe         GET /healthz                     health.h
//
// The HTTP server (http_server.h) and the admin commands (src/tools/photodeskd) both use it.
// Not movable: the services keep references to the context and to each other.
#pragma once

#include <memory>
#include <string>

#include "common/result.h"
#include "server/admin_service.h"
#include "server/auth.h"
#include "server/export_service.h"
#include "server/health.h"
#include "server/ingest_service.h"
#include "server/recrop.h"
#include "server/review_service.h"
#include "server/service_context.h"
#include "server/supervision_service.h"

namespace pd::server {

struct Services {
    explicit Services(ServiceParts parts);
    Services(const Services&) = delete;
    Services& operator=(const Services&) = delete;

    ServiceContext ctx;
    Recropper recrop;
    Authenticator auth;
    IngestService ingest;
    ReviewService review;
    SupervisionService supervision;
    ExportService exports;
    AdminService admin;
    HealthProbe health;
};

// `db` empty = SQLite in data_dir, else a PostgreSQL conninfo / URI.
struct ServiceOptions {
    std::filesystem::path data_dir;
    std::string db;
    std::string config_dir;       // empty = config::default_config_dir()
    std::string settings_file;    // empty = CONFIG_DIR/server.toml
    int pool_size = 0;            // 0 = [storage] connections
    bool load_engine = true;      // admin commands that never run the engine skip the model
};
Result<std::unique_ptr<Services>> make_services(const ServiceOptions& opt);

// What a crash can leave behind, deleted at start once older than [storage]
// sweep_tmp_after_s (younger files may belong to a write in progress on another node sharing
// the data directory): images/tmp/* and exports/*.tmp-*. Answers how many were deleted.
Result<int> sweep_temp_files(Services& s);

}  // namespace pd::server
