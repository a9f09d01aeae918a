// bench_load's load phase (load.h). Threading: everything runs on the calling thread; libcurl's
// multi interface drives all reviewers' requests concurrently from one event loop.
#include "load/load.h"

#include <curl/curl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <iterator>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>

namespace pd::load {
namespace {

using json = nlohmann::json;
using Clock = std::chrono::steady_clock;

double since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

size_t append_body(char* p, size_t size, size_t n, void* user) {
    static_cast<std::string*>(user)->append(p, size * n);
    return size * n;
}

// [SECTION] /proc of the server

double proc_status_mb(long pid, const char* key) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/status");
    std::string line;
    while (std::getline(in, line))
        if (line.rfind(key, 0) == 0) return std::stod(line.substr(std::strlen(key) + 1)) / 1024.0;  // kB
    return -1;
}

// utime + stime of the whole process in seconds, and its thread count.
double proc_cpu_s(long pid, int* threads) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
    std::string s((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const auto close = s.rfind(')');
    if (close == std::string::npos) return -1;
    std::istringstream f(s.substr(close + 2));
    std::vector<std::string> v((std::istream_iterator<std::string>(f)), std::istream_iterator<std::string>());
    if (v.size() < 18) return -1;
    // after "(comm) ": state=0 ... utime=11 stime=12 ... num_threads=17
    if (threads) *threads = std::stoi(v[17]);
    return double(std::stoll(v[11]) + std::stoll(v[12])) / double(::sysconf(_SC_CLK_TCK));
}

double self_cpu_s() {
    rusage r{};
    ::getrusage(RUSAGE_SELF, &r);
    return double(r.ru_utime.tv_sec + r.ru_stime.tv_sec) + 1e-6 * double(r.ru_utime.tv_usec + r.ru_stime.tv_usec);
}

// [SECTION] plain requests (setup and the events feed, not the load loop)

struct Reply {
    long status = 0;
    std::string body;
    double seconds = 0;
};

Reply get(CURL* h, const std::string& url, const std::string& token) {
    Reply r;
    curl_slist* hdr = nullptr;
    if (!token.empty()) hdr = curl_slist_append(hdr, ("Authorization: Bearer " + token).c_str());
    curl_easy_setopt(h, CURLOPT_URL, url.c_str());
    curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdr);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, append_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &r.body);
    curl_easy_setopt(h, CURLOPT_TIMEOUT, 600L);
    // A fresh connection per setup/feed request: a kept-alive idle connection would hold one
    // of the server's request threads (cpp-httplib serves a connection on one thread until it
    // closes) and take it away from the reviewers.
    curl_easy_setopt(h, CURLOPT_FORBID_REUSE, 1L);
    const auto t0 = Clock::now();
    const CURLcode rc = curl_easy_perform(h);
    r.seconds = since(t0);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, nullptr);
    curl_slist_free_all(hdr);
    if (rc != CURLE_OK) throw std::runtime_error("GET " + url + ": " + curl_easy_strerror(rc));
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &r.status);
    return r;
}

// [SECTION] one simulated reviewer

enum class Step { claim, decide };

struct Reviewer {
    int index = 0;
    CURL* easy = nullptr;
    curl_slist* headers = nullptr;
    Step step = Step::claim;
    std::string request, response;
    std::vector<std::int64_t> ids;        // items held (claimed, not yet decided)
    Clock::time_point sent;
    std::int64_t seq = 0, claims = 0;
    bool done = false;
    // paced mode: the next claim slot, whether the reviewer idles until it, and the slot of
    // the claim in flight
    Clock::time_point slot, claim_slot;
    bool waiting = false, paced = false;
};

void send(CURLM* multi, Reviewer& r, const std::string& base, int batch, const std::string& reason,
          const std::string& run_id) {
    r.response.clear();
    std::string path;
    if (r.step == Step::claim) {
        path = "/v1/leases/claim";
        r.request = "{\"n\":" + std::to_string(batch) + "}";
    } else {
        path = "/v1/decisions";
        json list = json::array();
        for (std::int64_t id : r.ids) {
            // Every fifth decision a rejection with a real catalog reason, the rest approvals.
            const bool reject = (r.seq % 5) == 4;
            list.push_back({{"decision_id", run_id + "-" + std::to_string(r.index) + "-" + std::to_string(r.seq++)},
                            {"submission_id", id},
                            {"verdict", reject ? "reject" : "approve"},
                            {"reasons", reject ? json::array({reason}) : json::array()}});
        }
        r.request = json{{"decisions", list}}.dump();
    }
    curl_easy_setopt(r.easy, CURLOPT_URL, (base + path).c_str());
    curl_easy_setopt(r.easy, CURLOPT_POSTFIELDS, r.request.c_str());
    curl_easy_setopt(r.easy, CURLOPT_POSTFIELDSIZE, long(r.request.size()));
    r.sent = Clock::now();
    curl_multi_add_handle(multi, r.easy);
}

void note_error(LoadResult& out, const std::string& what) {
    if (out.first_errors.size() < 5) out.first_errors.push_back(what.substr(0, 300));
}

// Handles a finished request; answers whether the reviewer goes on.
bool finish(Reviewer& r, CURLcode rc, LoadResult& out, const Clock::time_point& t0) {
    const double ms = 1000.0 * since(r.sent);
    long status = 0;
    curl_easy_getinfo(r.easy, CURLINFO_RESPONSE_CODE, &status);
    const char* what = r.step == Step::claim ? "claim" : "decisions";
    if (rc != CURLE_OK) {
        ++out.transport_errors;
        note_error(out, std::string(what) + ": " + curl_easy_strerror(rc) + " after " + std::to_string(ms) + " ms");
        r.step = Step::claim;  // start over; items held return to the queue when their lease ends
        r.ids.clear();
        return true;
    }
    if (status != 200) {
        ++out.http_errors;
        note_error(out, std::string(what) + ": HTTP " + std::to_string(status) + " " + r.response);
        r.step = Step::claim;
        r.ids.clear();
        return true;
    }
    const json body = json::parse(r.response, nullptr, false);
    if (r.step == Step::claim) {
        out.claim.ms.push_back(ms);
        if (r.paced) out.claim_from_slot.ms.push_back(1000.0 * since(r.claim_slot));
        ++r.claims;
        r.ids.clear();
        if (body.is_object() && body.contains("items"))
            for (const auto& it : body["items"]) r.ids.push_back(it.at("id").get<std::int64_t>());
        out.claimed_items += std::int64_t(r.ids.size());
        if (r.ids.empty()) {
            ++out.empty_claims;
            return false;  // the queue is exhausted for this reviewer
        }
        r.step = Step::decide;
    } else {
        out.decide.ms.push_back(ms);
        if (body.is_object() && body.contains("results"))
            for (const auto& x : body["results"]) {
                const std::string s = x.value("status", "");
                if (s == "applied") ++out.applied;
                else if (s == "duplicate") ++out.duplicates;
                else {
                    ++out.conflicts;
                    note_error(out, "decision conflict: " + x.dump());
                }
            }
        out.elapsed_s = since(t0);
        r.ids.clear();
        r.step = Step::claim;
    }
    return true;
}

void read_server_metrics(CURL* h, const std::string& base, LoadResult& out) {
    Reply m = get(h, base + "/metrics", "");
    if (m.status != 200) return;
    std::map<std::string, double> sum, count;
    std::istringstream in(m.body);
    std::string line;
    const std::string prefix = "photodesk_http_request_duration_seconds_";
    while (std::getline(in, line)) {
        if (line.rfind(prefix, 0) != 0) continue;
        const bool is_sum = line.compare(prefix.size(), 4, "sum{") == 0;
        const bool is_count = line.compare(prefix.size(), 6, "count{") == 0;
        if (!is_sum && !is_count) continue;
        const auto q1 = line.find('"'), q2 = line.find('"', q1 + 1);
        const std::string route = line.substr(q1 + 1, q2 - q1 - 1);
        (is_sum ? sum : count)[route] = std::stod(line.substr(line.rfind(' ') + 1));
    }
    for (const auto& [route, n] : count)
        if (n > 0) out.server_mean_ms[route] = 1000.0 * sum[route] / n;
}

}  // namespace

double Latency::pct(double p) const {
    if (ms.empty()) return 0;
    std::vector<double> v = ms;
    const size_t k = std::min(v.size() - 1, size_t(std::ceil(p / 100.0 * double(v.size()))) - (p > 0 ? 1 : 0));
    std::nth_element(v.begin(), v.begin() + long(k), v.end());
    return v[k];
}

LoadResult run_load(const LoadOptions& o) {
    if (o.tokens.empty()) throw std::runtime_error("no reviewer tokens");
    LoadResult out;
    const std::string& base = o.url;
    std::unique_ptr<CURL, void (*)(CURL*)> plain(curl_easy_init(), curl_easy_cleanup);

    // [SECTION] before: backend, a reason code, the queue size, the server's memory
    {
        Reply h = get(plain.get(), base + "/healthz", "");
        const json j = json::parse(h.body, nullptr, false);
        if (h.status != 200 || !j.is_object()) throw std::runtime_error("GET /healthz: HTTP " + std::to_string(h.status) + " " + h.body);
        out.backend = j.value("backend", "?");
    }
    std::string reason;
    {
        Reply r = get(plain.get(), base + "/v1/reasons", o.tokens[0]);
        const json j = json::parse(r.body, nullptr, false);
        if (r.status != 200) throw std::runtime_error("GET /v1/reasons with the first token: HTTP " + std::to_string(r.status) + " " + r.body);
        for (const auto& x : j.at("reasons"))
            if (!x.value("note_required", false)) {
                reason = x.at("code").get<std::string>();
                break;
            }
    }
    if (!o.feed_token.empty()) {
        Reply s = get(plain.get(), base + "/v1/stats", o.feed_token);
        out.stats_ms = 1000.0 * s.seconds;
        const json j = json::parse(s.body, nullptr, false);
        if (s.status == 200 && j.contains("by_state")) out.pending_at_start = j["by_state"].value("pending", 0LL);
    }
    double server_cpu0 = 0;
    if (o.server_pid > 0) {
        out.rss_before_mb = proc_status_mb(o.server_pid, "VmRSS:");
        server_cpu0 = proc_cpu_s(o.server_pid, nullptr);
    }

    // [SECTION] the load loop
    CURLM* multi = curl_multi_init();
    curl_multi_setopt(multi, CURLMOPT_MAXCONNECTS, long(o.reviewers + 4));
    std::vector<Reviewer> rs(size_t(o.reviewers));
    const std::string run_id = "load" + std::to_string(::getpid()) + "x" +
                               std::to_string(std::chrono::system_clock::now().time_since_epoch().count());
    for (int i = 0; i < o.reviewers; ++i) {
        Reviewer& r = rs[size_t(i)];
        r.index = i;
        r.easy = curl_easy_init();
        r.headers = curl_slist_append(nullptr, ("Authorization: Bearer " + o.tokens[size_t(i) % o.tokens.size()]).c_str());
        r.headers = curl_slist_append(r.headers, "Content-Type: application/json");
        r.headers = curl_slist_append(r.headers, "Expect:");  // no 100-continue round trip
        curl_easy_setopt(r.easy, CURLOPT_HTTPHEADER, r.headers);
        curl_easy_setopt(r.easy, CURLOPT_WRITEFUNCTION, append_body);
        curl_easy_setopt(r.easy, CURLOPT_WRITEDATA, &r.response);
        curl_easy_setopt(r.easy, CURLOPT_TCP_NODELAY, 1L);
        curl_easy_setopt(r.easy, CURLOPT_TIMEOUT, o.request_timeout_s);
        curl_easy_setopt(r.easy, CURLOPT_PRIVATE, &r);
    }
    const bool paced = o.rate > 0;
    // paced: each reviewer claims once per period; reviewer i's first slot is i/rate after t0
    const auto period = std::chrono::duration_cast<Clock::duration>(
        std::chrono::duration<double>(paced ? double(o.reviewers) / o.rate : 0));
    const double period_ms = 1000.0 * std::chrono::duration<double>(period).count();
    // Starts reviewer r's claim now, at or after its slot; drops the slots it missed entirely.
    auto claim_on_schedule = [&](Reviewer& r, Clock::time_point now) {
        double late_ms = 1000.0 * std::chrono::duration<double>(now - r.slot).count();
        if (late_ms >= period_ms) {
            const auto k = std::int64_t(late_ms / period_ms);
            r.slot += k * period;
            out.missed_slots += k;
            late_ms = 1000.0 * std::chrono::duration<double>(now - r.slot).count();
        }
        if (late_ms > LoadResult::late_threshold_ms) ++out.late_claims;
        out.max_late_ms = std::max(out.max_late_ms, late_ms);
        r.claim_slot = r.slot;
        r.slot += period;
        r.waiting = false;
        send(multi, r, base, o.batch, reason, run_id);
    };
    const double cpu0 = self_cpu_s();
    const auto t0 = Clock::now();
    for (auto& r : rs) {
        if (paced) {
            r.paced = r.waiting = true;
            r.slot = t0 + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(r.index / o.rate));
        } else {
            send(multi, r, base, o.batch, reason, run_id);
        }
    }
    int running = 0, active = o.reviewers;
    bool stopping = false;
    const double grace_s = 5;  // after the deadline, how long in-flight requests may still take
    while (active > 0) {
        if (paced) {  // idle reviewers whose slot has come claim; after the deadline they stop
            const auto now = Clock::now();
            const bool over = std::chrono::duration<double>(now - t0).count() >= o.seconds;
            stopping = stopping || over;
            for (auto& r : rs) {
                if (!r.waiting) continue;
                if (over) {
                    r.waiting = false;
                    r.done = true;
                    --active;
                } else if (now >= r.slot) {
                    claim_on_schedule(r, now);
                }
            }
            if (active == 0) break;
        }
        if (since(t0) > o.seconds + grace_s) {  // requests never answered (e.g. queued behind busy threads)
            for (auto& r : rs)
                if (!r.done) {
                    curl_multi_remove_handle(multi, r.easy);
                    r.done = true;
                    ++out.unanswered_at_end;
                }
            break;
        }
        curl_multi_perform(multi, &running);
        int left = 0;
        while (CURLMsg* m = curl_multi_info_read(multi, &left)) {
            if (m->msg != CURLMSG_DONE) continue;
            Reviewer* r = nullptr;
            curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, &r);
            const CURLcode rc = m->data.result;
            curl_multi_remove_handle(multi, m->easy_handle);
            const bool go_on = finish(*r, rc, out, t0);
            stopping = stopping || since(t0) >= o.seconds;
            // At the deadline a reviewer still pushes the decisions it holds, then stops.
            if (go_on && (!stopping || r->step == Step::decide)) {
                if (paced && r->step == Step::claim) {
                    r->waiting = true;  // the next claim at its slot (the loop above starts it)
                    if (Clock::now() >= r->slot) claim_on_schedule(*r, Clock::now());
                } else {
                    send(multi, *r, base, o.batch, reason, run_id);
                }
            } else {
                r->done = true;
                --active;
                if (!go_on && !stopping && active == 0) out.drained_at_s = since(t0);
            }
        }
        if (active > 0) {
            int wait_ms = 50;
            if (paced) {  // wake up for the earliest slot (and for the deadline)
                const auto now = Clock::now();
                auto next = t0 + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(o.seconds));
                for (const auto& r : rs)
                    if (r.waiting) next = std::min(next, r.slot);
                const auto ms = std::chrono::duration_cast<std::chrono::microseconds>(next - now).count();
                wait_ms = int(std::clamp<long long>((ms + 999) / 1000, 0, 50));
            }
            curl_multi_poll(multi, nullptr, 0, wait_ms, nullptr);
        }
    }
    if (out.elapsed_s == 0) out.elapsed_s = since(t0);
    out.client_cpu_s = self_cpu_s() - cpu0;
    if (o.server_pid > 0) out.server_cpu_s = proc_cpu_s(o.server_pid, &out.server_threads) - server_cpu0;
    for (auto& r : rs) {
        out.claims_per_reviewer.push_back(r.claims);
        if (r.claims == 0) ++out.reviewers_starved;
        curl_slist_free_all(r.headers);
        curl_easy_cleanup(r.easy);
    }
    curl_multi_cleanup(multi);

    // [SECTION] the events feed, paged to the end
    if (o.events) {
        if (o.feed_token.empty()) throw std::runtime_error("--events needs a feed token (supervisor, ingest or admin)");
        std::int64_t cursor = 0;
        const auto e0 = Clock::now();
        for (;;) {
            Reply r = get(plain.get(), base + "/v1/events?after=" + std::to_string(cursor) + "&limit=5000", o.feed_token);
            if (r.status != 200) {
                note_error(out, "events: HTTP " + std::to_string(r.status) + " " + r.body);
                break;
            }
            const json j = json::parse(r.body, nullptr, false);
            const auto n = std::int64_t(j.at("events").size());
            ++out.event_pages;
            if (n == 0) break;
            out.event_rows += n;
            cursor = j.at("next_cursor").get<std::int64_t>();
        }
        out.events_s = since(e0);
    }
    read_server_metrics(plain.get(), base, out);
    if (o.server_pid > 0) {
        out.rss_after_mb = proc_status_mb(o.server_pid, "VmRSS:");
        out.hwm_after_mb = proc_status_mb(o.server_pid, "VmHWM:");
    }
    return out;
}

}  // namespace pd::load
