// photodeskd ingest: a school's roster CSV plus a folder of photos into the queue. Each row runs
// the same IngestService::ingest the API uses (ID validation, engine, images, SLA, attempts) in
// a pool of engine workers; a progress bar goes to stderr and every row gets one line in the
// report CSV (ID numbers masked), so a failed row is fixed and re-run without guessing.
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <mutex>
#include <thread>
#include <vector>

#include "domain/id_number.h"
#include "engine/decode/decode.h"
#include "exchange/csv.h"
#include "exchange/roster.h"
#include "server/services.h"
#include "tools/photodeskd/commands.h"

namespace pd::photodeskd {

namespace fs = std::filesystem;

namespace {

struct RowReport {
    int line = 0;
    std::string id_masked, student_no, photo, status, message;
    std::int64_t submission_id = 0;
    int attempt = 0;
    std::string flags;
};

std::string default_report_path(const std::string& data_dir) {
    std::time_t t = std::time(nullptr);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y%m%d-%H%M%S", std::localtime(&t));
    return (fs::path(data_dir) / "reports" / (std::string("ingest-") + buf + ".csv")).string();
}

void draw_progress(size_t done, size_t total, size_t failed, bool tty) {
    const int width = 30;
    const int filled = total ? int(width * done / total) : width;
    if (tty) {
        std::cerr << "\r[" << std::string(filled, '#') << std::string(width - filled, ' ') << "] "
                  << done << "/" << total << "  failed " << failed << std::flush;
    } else {
        std::cerr << "ingest: " << done << "/" << total << " rows, " << failed << " failed\n";
    }
}

}  // namespace

int run_ingest(const Common& c, const IngestArgs& a) {
    auto roster = exchange::read_roster(a.roster);
    if (!roster) {
        std::cerr << "photodeskd: " << a.roster << ": " << roster.error().message << "\n";
        return kUsage;
    }
    for (const auto& w : roster->warnings) std::cerr << "photodeskd: " << a.roster << ": " << w << "\n";
    auto folder = exchange::PhotoFolder::open(a.photos);
    if (!folder) {
        std::cerr << "photodeskd: " << a.photos << ": " << folder.error().message << "\n";
        return kUsage;
    }
    const int jobs_hint = a.jobs;
    auto svc_r = server::make_services({c.data_dir, c.db, c.config_dir, c.settings_file,
                                       std::max(jobs_hint, 2) + 1, true});
    if (!svc_r) {
        std::cerr << "photodeskd: " << svc_r.error().message << "\n";
        return kStoreFailed;
    }
    server::Services& svc = *svc_r.value();
    const int jobs = jobs_hint > 0 ? jobs_hint : svc.ctx.settings().ingest_workers;
    const std::int64_t max_bytes = svc.ctx.settings().max_upload_bytes;

    // One report line per roster problem, per valid row, and per photo nobody claimed.
    std::vector<RowReport> reports;
    for (const auto& p : roster->problems)
        reports.push_back({p.line, "", "", "", "invalid_row", (p.field.empty() ? "" : p.field + ": ") + p.message});
    const size_t first_row = reports.size();
    for (const auto& r : roster->rows)
        reports.push_back({r.line, domain::mask_id_number(r.student.id_number), r.student.student_no, "", "", ""});

    const size_t total = roster->rows.size();
    const size_t invalid = roster->problems.size();  // counted as done (and failed) from the start
    std::atomic<size_t> next{0}, done{0}, failed{invalid};
    const server::Caller caller{"photodeskd-ingest", storage::Role::ingest};
    auto worker = [&] {
        for (size_t i; (i = next++) < total;) {
            const auto& row = roster->rows[i];
            RowReport& rep = reports[first_row + i];
            auto photo = folder->find(row.student);
            if (!photo) {
                rep.status = photo.error().code == ErrorCode::NotFound ? "no_photo" : "ambiguous_photo";
                rep.message = photo.error().message;
            } else {
                rep.photo = photo->filename().string();
                auto bytes = engine::read_file_bytes(photo->string(), std::size_t(max_bytes));
                if (!bytes) {
                    rep.status = "bad_image";
                    rep.message = bytes.error().message;
                } else {
                    auto r = svc.ingest.ingest(caller, {row.student, std::nullopt, bytes.value()});
                    if (r) {
                        rep.status = "added";
                        rep.submission_id = r->submission.id;
                        rep.attempt = r->submission.attempt;
                        for (const auto& f : r->submission.flags) rep.flags += (rep.flags.empty() ? "" : ";") + f;
                        if (r->spec_error.is_object()) rep.message = r->spec_error.value("message", "");
                    } else {
                        const auto& e = r.error();
                        rep.status = e.code;
                        rep.message = e.message;
                        if (e.extra.contains("submission_id")) rep.submission_id = e.extra["submission_id"];
                        if (e.extra.contains("attempt")) rep.attempt = e.extra["attempt"];
                    }
                }
            }
            if (rep.status != "added") ++failed;
            ++done;
        }
    };
    const bool tty = ::isatty(STDERR_FILENO);
    std::vector<std::thread> pool;
    for (int j = 0; j < std::max(jobs, 1); ++j) pool.emplace_back(worker);
    size_t shown = size_t(-1);
    while (done.load() < total) {
        const size_t d = done.load();
        if (tty || d * 10 / std::max<size_t>(total, 1) != shown * 10 / std::max<size_t>(total, 1) ||
            shown == size_t(-1)) {
            draw_progress(invalid + d, invalid + total, failed.load(), tty);
            shown = d;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(tty ? 100 : 250));
    }
    for (auto& t : pool) t.join();
    draw_progress(invalid + total, invalid + total, failed.load(), tty);
    if (tty) std::cerr << "\n";

    for (const auto& p : folder->unmatched(roster.value()))
        reports.push_back({0, "", "", p.filename().string(), "unmatched_photo",
                           "no roster row has this ID number or student number"});
    std::sort(reports.begin(), reports.end(), [](const RowReport& x, const RowReport& y) {
        return (x.line == 0 ? INT32_MAX : x.line) < (y.line == 0 ? INT32_MAX : y.line);
    });

    const std::string report_path = a.report.empty() ? default_report_path(c.data_dir) : a.report;
    std::error_code ec;
    if (fs::path(report_path).has_parent_path()) fs::create_directories(fs::path(report_path).parent_path(), ec);
    std::ofstream out(report_path, std::ios::trunc);
    out << "line,id_number,student_no,photo,status,submission_id,attempt,flags,message\n";
    size_t added = 0;
    for (const auto& r : reports) {
        added += r.status == "added";
        // Operators open the report in a spreadsheet: no cell may run as a formula.
        auto cell = [](const std::string& v) { return exchange::csv::quote(exchange::csv::defuse_formula(v)); };
        out << r.line << "," << cell(r.id_masked) << "," << cell(r.student_no) << "," << cell(r.photo) << ","
            << r.status << "," << (r.submission_id ? std::to_string(r.submission_id) : "") << ","
            << (r.attempt ? std::to_string(r.attempt) : "") << "," << cell(r.flags) << "," << cell(r.message) << "\n";
    }
    out.close();
    if (!out) {
        std::cerr << "photodeskd: cannot write the report " << report_path << "\n";
        return kStoreFailed;
    }
    const size_t bad = reports.size() - added;
    std::cout << "ingest: " << added << " added, " << bad << " not added (report: " << report_path << ")\n";
    return bad == 0 ? kOk : kSomeFailed;
}

}  // namespace pd::photodeskd
