// ExportService: a school's (and grade's) approved photos packaged for CHSI, for POST
// /v1/exports and `photodeskd export`. The package is checked whole before anything is locked:
// every item packageable (exchange::check_export) and every photo read back with the right
// SHA-256 (exchange::verify_photos), then the items are locked in one transaction that checks
// the selection again, then the package is written. An item that cannot be packaged answers
// conflict export_blocked naming it, and nothing is locked; a failure while writing leaves the
// items locked and the same export can simply be run again (it is idempotent).
//
// Thread-safe; the package is written under DATA/exports/ with a unique, stable name per
// selection (exchange::package_name), through a temp file and a rename.
#pragma once

#include <filesystem>
#include <string>

#include "server/requests.h"
#include "server/service_context.h"
#include "server/service_error.h"

namespace pd::server {

struct ExportReply {
    std::string name;               // file name (under DATA/exports/ unless another out was given)
    std::filesystem::path path;
    int items = 0;
    std::string sha256;
};

class ExportService {
public:
    explicit ExportService(ServiceContext& ctx) : ctx_(ctx) {}

    Outcome<ExportReply> export_school(const Caller& by, const ExportRequest& r);

    // Where GET /v1/exports/{name} finds a package; not_found unless it is a package file.
    Outcome<std::filesystem::path> package_path(const std::string& name) const;

private:
    ServiceContext& ctx_;
};

}  // namespace pd::server
