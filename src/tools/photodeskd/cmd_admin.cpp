// photodeskd user add / export: admin commands that work on the data directory directly,
// through the same ReviewService rules the HTTP API uses.
#include <iostream>

#include "server/api_error.h"
#include "server/review_service.h"
#include "storage/model.h"
#include "tools/photodeskd/commands.h"

namespace pd::photodeskd {

static Result<std::unique_ptr<server::ReviewService>> open_service(const Common& c, bool engine) {
    return server::make_service({c.data_dir, c.db, c.config_dir, c.settings_file, 1, engine});
}

int run_user_add(const Common& c, const UserArgs& a) {
    auto role = storage::parse_role(a.role);
    if (!role) {
        std::cerr << "photodeskd: --role '" << a.role << "': expected reviewer, supervisor, ingest or admin\n";
        return kUsage;
    }
    auto svc = open_service(c, false);
    if (!svc) {
        std::cerr << "photodeskd: " << svc.error().message << "\n";
        return kStoreFailed;
    }
    try {
        const std::string token = svc.value()->add_user("photodeskd-cli", a.name, *role);
        std::cout << token << "\n";
        std::cerr << "user '" << a.name << "' (" << a.role
                  << ") created; the token above is shown only once\n";
        return kOk;
    } catch (const server::ApiError& e) {
        std::cerr << "photodeskd: " << e.what() << "\n";
        return e.status >= 500 ? kStoreFailed : kUsage;
    }
}

int run_export(const Common& c, const ExportArgs& a) {
    auto svc = open_service(c, false);
    if (!svc) {
        std::cerr << "photodeskd: " << svc.error().message << "\n";
        return kStoreFailed;
    }
    try {
        const auto r = svc.value()->export_school({"photodeskd-cli", storage::Role::admin}, a.school,
                                                  a.grade, a.out);
        std::cout << r.path.string() << ": " << r.items << " photos, sha256 " << r.sha256 << "\n";
        return kOk;
    } catch (const server::ApiError& e) {
        std::cerr << "photodeskd: " << e.what() << "\n";
        return e.status >= 500 ? kStoreFailed : kUsage;
    }
}

}  // namespace pd::photodeskd
