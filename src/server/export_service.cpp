// ExportService (export_service.h).
#include "server/export_service.h"

#include <algorithm>
#include <set>

#include "exchange/export_package.h"

namespace pd::server {

namespace {

ServiceError blocked(const Error& e) {
    return refusal(Refusal::conflict, "export_blocked",
                   "export refused, nothing was locked: " + e.message +
                       ". Overturn or re-crop that item (or restore its photo), then export again");
}

}  // namespace

Outcome<ExportReply> ExportService::export_school(const Caller& by, const ExportRequest& r) {
    if (r.school.empty()) return refusal(Refusal::malformed, "invalid_field", "school: is required", "school");
    auto loader = [this](const std::string& sha) {
        auto store = ctx_.stores().acquire();
        return store->get_image(sha);
    };

    // 1. What would be packaged, checked whole, every photo read back, nothing locked yet.
    std::vector<storage::ExportItem> selection;
    {
        auto store = ctx_.stores().acquire();
        auto s = store->export_selection(r.school, r.grade);
        if (!s) return store_failure(s.error());
        selection = std::move(s).value();
    }
    if (auto ok = exchange::check_export(selection); !ok) return blocked(ok.error());
    if (auto ok = exchange::verify_photos(selection, loader); !ok) {
        if (ok.error().code == ErrorCode::Internal) return store_failure(ok.error());
        return blocked(ok.error());
    }
    std::set<std::pair<std::int64_t, std::string>> verified;
    for (const auto& item : selection) verified.emplace(item.submission.id, item.submission.images.standardized);

    // 2. Lock, checking that the selection is still what was verified (an item approved or
    //    overturned meanwhile makes the export run again rather than package unread photos).
    std::vector<storage::ExportItem> items;
    {
        auto store = ctx_.stores().acquire();
        auto locked = store->lock_for_export(by.name, r.school, r.grade, ctx_.now(),
                                             [&](const std::vector<storage::ExportItem>& now) -> Status {
            if (auto ok = exchange::check_export(now); !ok) return ok;
            for (const auto& item : now)
                if (!verified.count({item.submission.id, item.submission.images.standardized}))
                    return make_error(ErrorCode::InvalidArgument,
                                      "submission " + std::to_string(item.submission.id) +
                                          " changed while the export was prepared; export again");
            return Ok{};
        });
        if (!locked) {
            if (locked.error().code == ErrorCode::InvalidArgument) return blocked(locked.error());
            return store_failure(locked.error());
        }
        items = std::move(locked).value();
    }

    // 3. The package. A path ending in .zip (or none: DATA/exports/NAME.zip) gets a zip,
    //    anything else a folder.
    ExportReply reply;
    reply.path = r.out.empty() ? ctx_.data_dir() / "exports" / exchange::package_name(r.school, r.grade) : r.out;
    reply.name = reply.path.filename().string();
    std::error_code ec;
    std::filesystem::create_directories(reply.path.parent_path(), ec);
    const bool zip = reply.path.extension() == ".zip";
    auto summary = zip ? exchange::write_export_zip(items, loader, reply.path)
                       : exchange::write_export_folder(items, loader, reply.path);
    if (!summary) {
        // A folder that exists already is the caller's choice of --out, not a server fault.
        if (summary.error().code == ErrorCode::InvalidArgument)
            return refusal(Refusal::conflict, "conflict", summary.error().message);
        return store_failure(summary.error());
    }
    reply.items = summary->items;
    reply.sha256 = summary->sha256;
    return reply;
}

Outcome<std::filesystem::path> ExportService::package_path(const std::string& name) const {
    if (name.empty() || name[0] == '.' || name.find("..") != std::string::npos ||
        name.find('/') != std::string::npos || name.size() < 5 || name.substr(name.size() - 4) != ".zip")
        return refusal(Refusal::malformed, "invalid_id", "'" + name + "' is not an export name");
    auto p = ctx_.data_dir() / "exports" / name;
    std::error_code ec;
    if (!std::filesystem::is_regular_file(p, ec))
        return refusal(Refusal::not_found, "not_found", "no export named '" + name + "'");
    return p;
}

}  // namespace pd::server
