// photodeskd user add / user revoke / export: admin commands that work on the data directory
// directly, through the same services the HTTP API uses. Their actor in the audit is
// "photodeskd-cli".
#include <iostream>

#include "server/services.h"
#include "storage/model.h"
#include "tools/photodeskd/commands.h"

namespace pd::photodeskd {

namespace {

const server::Caller kCli{"photodeskd-cli", storage::Role::admin};

Result<std::unique_ptr<server::Services>> open_services(const Common& c, bool engine) {
    return server::make_services({c.data_dir, c.db, c.config_dir, c.settings_file, 1, engine});
}

// A refusal is the operator's to fix (exit 1); a store failure is exit 3.
int report(const server::ServiceError& e) {
    std::cerr << "photodeskd: " << e.message << "\n";
    return e.kind == server::Refusal::internal || e.kind == server::Refusal::unavailable ? kStoreFailed : kUsage;
}

}  // namespace

int run_user_add(const Common& c, const UserArgs& a) {
    auto role = storage::parse_role(a.role);
    if (!role) {
        std::cerr << "photodeskd: --role '" << a.role << "': expected reviewer, supervisor, ingest or admin\n";
        return kUsage;
    }
    auto svc = open_services(c, false);
    if (!svc) {
        std::cerr << "photodeskd: " << svc.error().message << "\n";
        return kStoreFailed;
    }
    auto r = svc.value()->admin.add_user(kCli, {a.name, *role});
    if (!r) return report(r.error());
    std::cout << r->token << "\n";
    std::cerr << "user '" << a.name << "' (" << a.role << ") created; the token above is shown only once\n";
    return kOk;
}

int run_user_revoke(const Common& c, const UserArgs& a) {
    auto svc = open_services(c, false);
    if (!svc) {
        std::cerr << "photodeskd: " << svc.error().message << "\n";
        return kStoreFailed;
    }
    auto r = svc.value()->admin.revoke_user(kCli, a.name);
    if (!r) return report(r.error());
    std::cerr << "user '" << a.name << "': token revoked; every photodeskd on this database refuses it within "
              << svc.value()->ctx.settings().token_cache_s << " s ([auth] token_cache_s)\n";
    return kOk;
}

int run_export(const Common& c, const ExportArgs& a) {
    auto svc = open_services(c, false);
    if (!svc) {
        std::cerr << "photodeskd: " << svc.error().message << "\n";
        return kStoreFailed;
    }
    auto r = svc.value()->exports.export_school(kCli, {a.school, a.grade, a.out});
    if (!r) return report(r.error());
    std::cout << r->path.string() << ": " << r->items << " photos, sha256 " << r->sha256 << "\n";
    return kOk;
}

}  // namespace pd::photodeskd
