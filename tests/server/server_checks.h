// Small helpers shared by the server integration tests (concurrency, crash, auth, bad input):
// unwrapping client results, reading the whole events feed and audit log behind the server's
// back, and a "footprint" of everything a request could have stored.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "client/api_client.h"
#include "storage/store.h"

namespace pd::test {

// The Response of a call; a transport error is a test failure (and an empty Response, status 0).
inline client::Response must_respond(Result<client::Response> r, const std::string& what) {
    if (!r.ok()) {
        ADD_FAILURE() << what << ": no HTTP response: " << r.error().message;
        return {};
    }
    return std::move(r).value();
}

inline std::int64_t unix_now() {
    return std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

// Seeds n items from `threads` threads (each seed call opens its own Store; the image files'
// fsyncs dominate, so this is several times faster than one call). `seed_part(count, first)`
// is ServerTest::seed with the default school and grade.
template <class SeedPart>
std::vector<std::int64_t> seed_in_parallel(int n, int threads, SeedPart seed_part) {
    std::vector<std::vector<std::int64_t>> parts(static_cast<size_t>(threads));
    std::vector<std::thread> workers;
    const int each = n / threads;
    for (int i = 0; i < threads; ++i) {
        const int count = i == threads - 1 ? n - each * i : each;
        workers.emplace_back([&parts, &seed_part, i, count, each] { parts[size_t(i)] = seed_part(count, i * each); });
    }
    for (auto& w : workers) w.join();
    std::vector<std::int64_t> ids;
    for (auto& p : parts) ids.insert(ids.end(), p.begin(), p.end());
    return ids;
}

// Every event of the feed, read in pages straight from the Store.
inline std::vector<storage::Event> all_events(storage::Store& store) {
    std::vector<storage::Event> out;
    std::int64_t cursor = 0;
    for (;;) {
        auto page = store.events_since(cursor, 1000);
        if (!page.ok()) {
            ADD_FAILURE() << "events_since: " << page.error().message;
            return out;
        }
        if (page->empty()) return out;
        for (auto& e : page.value()) {
            cursor = e.cursor;
            out.push_back(std::move(e));
        }
    }
}

inline std::vector<storage::AuditRecord> all_audit(storage::Store& store, const std::string& action = "") {
    storage::AuditFilter f;
    f.action = action;
    std::vector<storage::AuditRecord> out;
    for (int offset = 0;; offset += 1000) {
        auto page = store.audit_list(f, 1000, offset);
        if (!page.ok()) {
            ADD_FAILURE() << "audit_list: " << page.error().message;
            return out;
        }
        if (page->empty()) return out;
        out.insert(out.end(), page->begin(), page->end());
    }
}

// What a request could leave behind: queue states, events, audit records, image files.
struct Footprint {
    std::map<storage::SubmissionState, std::int64_t> by_state;
    std::size_t events = 0;
    std::size_t audit = 0;
    std::size_t image_files = 0;

    bool operator==(const Footprint&) const = default;
};

inline std::ostream& operator<<(std::ostream& os, const Footprint& f) {
    os << "{states:";
    for (const auto& [s, n] : f.by_state) os << " " << storage::to_string(s) << "=" << n;
    return os << ", events: " << f.events << ", audit: " << f.audit << ", image files: " << f.image_files << "}";
}

inline Footprint footprint(storage::Store& store, const std::filesystem::path& data_dir) {
    Footprint f;
    if (auto st = store.stats(unix_now()); st.ok()) {
        f.by_state = st->by_state;
    } else {
        ADD_FAILURE() << "stats: " << st.error().message;
    }
    f.events = all_events(store).size();
    f.audit = all_audit(store).size();
    std::error_code ec;
    for (auto it = std::filesystem::recursive_directory_iterator(data_dir / "images", ec);
         !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec))
        if (it->is_regular_file()) ++f.image_files;
    return f;
}

}  // namespace pd::test
