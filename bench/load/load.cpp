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

Reply get(CURL* h, const std::string& url, const std::string& token, const std::string& ca_file = "") {
    Reply r;
    curl_slist* hdr = nullptr;
    if (!token.empty()) hdr = curl_slist_append(hdr, ("Authorization: Bearer " + token).c_str());
    curl_easy_setopt(h, CURLOPT_URL, url.c_str());
    curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdr);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, append_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &r.body);
    curl_easy_setopt(h, CURLOPT_TIMEOUT, 600L);
    if (!ca_file.empty()) curl_easy_setopt(h, CURLOPT_CAINFO, ca_file.c_str());
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

// What a reviewer sends next: a claim, the decisions for the items it holds, or (after
// walking away from a claim) its late decisions for the items it abandoned.
enum class Step { claim, decide, late_decide };

struct Reviewer {
    int index = 0;
    CURL* easy = nullptr;
    curl_slist* headers = nullptr;
    std::string base;                     // its server's URL
    Step step = Step::claim;
    std::string request, response;
    std::vector<std::int64_t> ids;        // items held (claimed, not yet decided)
    std::vector<std::int64_t> abandoned;  // items walked away from, to push late
    std::vector<std::pair<std::string, std::int64_t>> sent_ids;   // decision ids in `request`
    Clock::time_point sent;
    std::int64_t seq = 0, claims = 0;
    std::uint64_t rng = 0;                // abandon draws (deterministic per reviewer)
    bool done = false;
    bool resend = false;                  // retry: send `request` again unchanged
    // Idle (waiting) until the paced schedule's next `slot`, or, when timed, until `wake_at`
    // (an abandon's idle, a retry's pause, an empty claim's while draining); then send `step`.
    // claim_slot is the scheduled slot of the paced claim in flight.
    Clock::time_point slot, claim_slot, wake_at;
    bool waiting = false, timed = false, paced = false, paced_slot = false;
};

double next_unit(std::uint64_t& x) {  // splitmix64 -> [0, 1)
    std::uint64_t z = (x += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return double((z ^ (z >> 31)) >> 11) * 0x1.0p-53;
}

void send(CURLM* multi, Reviewer& r, int batch, int lease_seconds, const std::string& reason,
          const std::string& run_id) {
    r.response.clear();
    std::string path = r.step == Step::claim ? "/v1/leases/claim" : "/v1/decisions";
    if (r.resend) {
        r.resend = false;  // the same bytes again: a retried push keeps its decision ids
    } else if (r.step == Step::claim) {
        r.request = "{\"n\":" + std::to_string(batch) +
                    (lease_seconds > 0 ? ",\"lease_seconds\":" + std::to_string(lease_seconds) : "") + "}";
    } else {
        json list = json::array();
        r.sent_ids.clear();
        for (std::int64_t id : r.step == Step::decide ? r.ids : r.abandoned) {
            // Every fifth decision a rejection with a real catalog reason, the rest approvals.
            const bool reject = (r.seq % 5) == 4;
            std::string did = run_id + "-" + std::to_string(r.index) + "-" + std::to_string(r.seq++);
            list.push_back({{"decision_id", did},
                            {"submission_id", id},
                            {"verdict", reject ? "reject" : "approve"},
                            {"reasons", reject ? json::array({reason}) : json::array()}});
            r.sent_ids.emplace_back(std::move(did), id);
        }
        r.request = json{{"decisions", list}}.dump();
    }
    curl_easy_setopt(r.easy, CURLOPT_URL, (r.base + path).c_str());
    curl_easy_setopt(r.easy, CURLOPT_POSTFIELDS, r.request.c_str());
    curl_easy_setopt(r.easy, CURLOPT_POSTFIELDSIZE, long(r.request.size()));
    r.sent = Clock::now();
    curl_multi_add_handle(multi, r.easy);
}

void note_error(LoadResult& out, const std::string& what) {
    if (out.first_errors.size() < 5) out.first_errors.push_back(what.substr(0, 300));
}

// What the loop does with a reviewer after an answer.
struct Next {
    enum { send_now, wait, stop } what = send_now;
    Clock::time_point at;   // wait: until then
};

// Handles a finished request and sets the reviewer's next step.
Next finish(Reviewer& r, CURLcode rc, LoadResult& out, const Clock::time_point& t0, const LoadOptions& o) {
    const double ms = 1000.0 * since(r.sent);
    long status = 0;
    curl_easy_getinfo(r.easy, CURLINFO_RESPONSE_CODE, &status);
    const char* what = r.step == Step::claim ? "claim" : "decisions";
    const auto retry_soon = [&] {
        ++out.retried;
        r.resend = r.step != Step::claim;  // a claim is simply made again
        return Next{Next::wait, Clock::now() + std::chrono::milliseconds(200)};
    };
    if (rc != CURLE_OK) {
        note_error(out, std::string(what) + ": " + curl_easy_strerror(rc) + " after " + std::to_string(ms) + " ms");
        if (o.retry) return retry_soon();
        ++out.transport_errors;
        r.step = Step::claim;  // start over; items held return to the queue when their lease ends
        r.ids.clear();
        return {};
    }
    if (status != 200) {
        note_error(out, std::string(what) + ": HTTP " + std::to_string(status) + " " + r.response);
        if (o.retry && (status == 502 || status == 503 || status == 504)) return retry_soon();
        ++out.http_errors;
        r.step = Step::claim;
        r.ids.clear();
        return {};
    }
    const json body = json::parse(r.response, nullptr, false);
    if (r.step == Step::claim) {
        out.claim.ms.push_back(ms);
        if (r.paced_slot) out.claim_from_slot.ms.push_back(1000.0 * since(r.claim_slot));
        ++r.claims;
        r.ids.clear();
        if (body.is_object() && body.contains("items"))
            for (const auto& it : body["items"]) r.ids.push_back(it.at("id").get<std::int64_t>());
        out.claimed_items += std::int64_t(r.ids.size());
        if (r.ids.empty()) {
            ++out.empty_claims;
            if (!o.drain) return {Next::stop, {}};  // the queue is exhausted for this reviewer
            // Items may come back (abandoned leases expire): look again shortly.
            return {Next::wait, Clock::now() + std::chrono::milliseconds(250)};
        }
        if (o.abandon > 0 && next_unit(r.rng) < o.abandon) {
            // Walks away: idles past the lease; every other time comes back to push late.
            ++out.abandoned_claims;
            out.abandoned_items += std::int64_t(r.ids.size());
            const bool returns = out.abandoned_claims % 2 == 0;
            if (returns) r.abandoned = r.ids;
            r.ids.clear();
            r.step = returns ? Step::late_decide : Step::claim;
            const double idle = (o.lease_seconds > 0 ? o.lease_seconds : 300) + 0.5;
            return {Next::wait, Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                                   std::chrono::duration<double>(idle))};
        }
        r.step = Step::decide;
        return {};
    }
    out.decide.ms.push_back(ms);
    const bool late = r.step == Step::late_decide;
    if (body.is_object() && body.contains("results"))
        for (const auto& x : body["results"]) {
            const std::string st = x.value("status", "");
            if (st == "applied") {
                ++out.applied;
                if (late) ++out.late_applied;
            }
            else if (st == "duplicate") ++out.duplicates;
            else if (late) ++out.late_conflicts;
            else {
                ++out.conflicts;
                note_error(out, "decision conflict: " + x.dump());
            }
            if (o.record_acks)
                out.acks.push_back({x.value("decision_id", ""), x.value("submission_id", std::int64_t{0}), st, late});
        }
    out.elapsed_s = since(t0);
    r.ids.clear();
    if (late) r.abandoned.clear();
    r.step = Step::claim;
    if (o.on_progress) o.on_progress(out);
    return {};
}

void read_server_metrics(CURL* h, const std::string& base, LoadResult& out, const std::string& ca_file) {
    Reply m = get(h, base + "/metrics", "", ca_file);
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

Reply http_get(const std::string& url, const std::string& token, const std::string& ca_file) {
    std::unique_ptr<CURL, void (*)(CURL*)> h(curl_easy_init(), curl_easy_cleanup);
    return get(h.get(), url, token, ca_file);
}

LoadResult run_load(const LoadOptions& o) {
    if (o.tokens.empty()) throw std::runtime_error("no reviewer tokens");
    if (o.urls.empty()) throw std::runtime_error("no server URL");
    LoadResult out;
    const std::string& base = o.urls[0];
    std::unique_ptr<CURL, void (*)(CURL*)> plain(curl_easy_init(), curl_easy_cleanup);

    // [SECTION] before: backend, a reason code, the queue size, the server's memory
    {
        Reply h = get(plain.get(), base + "/healthz", "", o.ca_file);
        const json j = json::parse(h.body, nullptr, false);
        if (h.status != 200 || !j.is_object()) throw std::runtime_error("GET /healthz: HTTP " + std::to_string(h.status) + " " + h.body);
        out.backend = j.value("backend", "?");
    }
    std::string reason;
    {
        Reply r = get(plain.get(), base + "/v1/reasons", o.tokens[0], o.ca_file);
        const json j = json::parse(r.body, nullptr, false);
        if (r.status != 200) throw std::runtime_error("GET /v1/reasons with the first token: HTTP " + std::to_string(r.status) + " " + r.body);
        for (const auto& x : j.at("reasons"))
            if (!x.value("note_required", false)) {
                reason = x.at("code").get<std::string>();
                break;
            }
    }
    if (!o.feed_token.empty()) {
        Reply s = get(plain.get(), base + "/v1/stats", o.feed_token, o.ca_file);
        out.stats_ms = 1000.0 * s.seconds;
        const json j = json::parse(s.body, nullptr, false);
        if (s.status == 200 && j.contains("by_state")) out.pending_at_start = j["by_state"].value("pending", 0LL);
    }
    if (o.drain && out.pending_at_start <= 0)
        throw std::runtime_error("drain needs the queue's size at the start: a feed token (GET /v1/stats)");
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
        r.base = o.urls[size_t(i) % o.urls.size()];
        r.rng = 0x5eed0000ull + std::uint64_t(i);
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
        if (!o.ca_file.empty()) curl_easy_setopt(r.easy, CURLOPT_CAINFO, o.ca_file.c_str());
        if (o.spread_sources) {  // 127.1.0.1, 127.1.0.2, ...: all loopback on Linux
            const std::string addr = "host!127.1." + std::to_string(i / 250) + "." + std::to_string(i % 250 + 1);
            curl_easy_setopt(r.easy, CURLOPT_INTERFACE, addr.c_str());
        }
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
        r.paced_slot = true;
        r.step = Step::claim;
        send(multi, r, o.batch, o.lease_seconds, reason, run_id);
    };
    // Sends what the reviewer waited for (an abandon's idle, a retry's pause, an empty claim's).
    auto wake = [&](Reviewer& r) {
        r.waiting = false;
        r.paced_slot = false;
        send(multi, r, o.batch, o.lease_seconds, reason, run_id);
    };
    const double cpu0 = self_cpu_s();
    const auto t0 = Clock::now();
    for (auto& r : rs) {
        if (paced) {
            r.paced = r.waiting = true;
            r.slot = t0 + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(r.index / o.rate));
        } else {
            send(multi, r, o.batch, o.lease_seconds, reason, run_id);
        }
    }
    // drain: done once every item of the queue at the start has an acknowledged decision
    const auto all_acknowledged = [&] {
        return o.drain && out.applied + out.duplicates >= out.pending_at_start;
    };
    int running = 0, active = o.reviewers;
    bool stopping = false;
    const double grace_s = 5;  // after the deadline, how long in-flight requests may still take
    while (active > 0) {
        {   // idle reviewers whose time has come send; once stopping they stop instead
            const auto now = Clock::now();
            stopping = stopping || since(t0) >= o.seconds || all_acknowledged();
            for (auto& r : rs) {
                if (!r.waiting) continue;
                // A wait for a retry or a late push still ends in that request: it was
                // acknowledged to nobody yet. Other waits just end.
                const bool owes = r.resend || r.step == Step::late_decide;
                if (stopping && !(owes && since(t0) < o.seconds)) {
                    r.waiting = false;
                    r.done = true;
                    --active;
                } else if (now >= (r.timed ? r.wake_at : r.slot)) {
                    const bool timed = r.timed;
                    r.timed = false;
                    if (!(r.paced && r.step == Step::claim && !r.resend)) wake(r);
                    else if (!timed || now >= r.slot) claim_on_schedule(r, now);
                    // else: back to waiting for its paced slot
                }
            }
            if (active == 0) break;
        }
        if (since(t0) > o.seconds + grace_s) {  // requests never answered (e.g. queued behind busy threads)
            for (auto& r : rs)
                if (!r.done) {
                    if (!r.waiting) curl_multi_remove_handle(multi, r.easy);
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
            const Next next = finish(*r, rc, out, t0, o);
            stopping = stopping || since(t0) >= o.seconds || all_acknowledged();
            if (next.what == Next::wait) {
                r->waiting = r->timed = true;   // the loop above sends at wake_at (or stops it)
                r->wake_at = next.at;
            } else if (next.what == Next::send_now && (!stopping || r->step == Step::decide)) {
                // At the deadline a reviewer still pushes the decisions it holds, then stops.
                if (paced && r->step == Step::claim) {
                    r->waiting = true;  // the next claim at its slot (the loop above starts it)
                    if (Clock::now() >= r->slot) claim_on_schedule(*r, Clock::now());
                } else {
                    send(multi, *r, o.batch, o.lease_seconds, reason, run_id);
                }
            } else {
                r->done = true;
                --active;
                if (next.what == Next::stop && !stopping && active == 0) out.drained_at_s = since(t0);
            }
        }
        if (active > 0) {
            int wait_ms = 50;
            const auto now = Clock::now();
            auto soonest = now + std::chrono::milliseconds(50);
            for (const auto& r : rs)
                if (r.waiting) soonest = std::min(soonest, r.timed ? r.wake_at : r.slot);
            const auto us = std::chrono::duration_cast<std::chrono::microseconds>(soonest - now).count();
            wait_ms = int(std::clamp<long long>((us + 999) / 1000, 0, 50));
            curl_multi_poll(multi, nullptr, 0, wait_ms, nullptr);
        }
    }
    out.drained = all_acknowledged();
    if (o.drain && out.drained && out.drained_at_s < 0) out.drained_at_s = out.elapsed_s;
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
            Reply r = get(plain.get(), base + "/v1/events?after=" + std::to_string(cursor) + "&limit=5000", o.feed_token, o.ca_file);
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
    if (o.urls.size() == 1) read_server_metrics(plain.get(), base, out, o.ca_file);  // per node (nginx: none)
    if (o.server_pid > 0) {
        out.rss_after_mb = proc_status_mb(o.server_pid, "VmRSS:");
        out.hwm_after_mb = proc_status_mb(o.server_pid, "VmHWM:");
    }
    return out;
}

}  // namespace pd::load
