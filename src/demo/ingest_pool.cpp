#include "demo/ingest_pool.h"

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <mutex>
#include <thread>

#include "domain/calendar.h"

namespace pd::demo::detail {

namespace {

using Kind = IngestOutcome::Kind;
using nlohmann::json;

nlohmann::json meta_of(const Student& s, std::optional<std::int64_t> submitted_at) {
    json m = {{"name", s.name},     {"id_number", s.id_number}, {"student_no", s.student_no},
              {"school", s.school}, {"station", s.station},     {"grade", s.grade}};
    if (submitted_at) m["submitted_at"] = *submitted_at;
    return m;
}

// A value of the error object, or of the body's top level.
json error_field(const json& body, const char* key) {
    if (body.is_object()) {
        if (body.contains("error") && body["error"].is_object() && body["error"].contains(key)) return body["error"][key];
        if (body.contains(key)) return body[key];
    }
    return nullptr;
}

bool mentions_submitted_at(const client::Response& r) {
    const json body = r.json();
    const json field = error_field(body, "field");
    return (field.is_string() && field.get<std::string>().find("submitted_at") != std::string::npos) ||
           r.error_message().find("submitted_at") != std::string::npos;
}

IngestOutcome fatal(ErrorCode code, std::string message) {
    IngestOutcome o;
    o.kind = Kind::fatal;
    o.code = code;
    o.message = std::move(message);
    return o;
}

}  // namespace

IngestOutcome ingest_one(client::ApiClient& c, const Student& s, std::optional<std::int64_t> submitted_at,
                         const std::vector<std::uint8_t>& bytes, const std::string& filename,
                         SubmittedAtPolicy& policy, bool fetch_present) {
    for (int round = 0; round < 2; ++round) {
        const bool send_time = submitted_at && policy.send.load();
        const json meta = meta_of(s, send_time ? submitted_at : std::nullopt);
        Result<client::Response> r = make_error(ErrorCode::Internal, "not sent");
        // Retried here (the client does not retry ingest): a repeat after a lost answer is
        // harmless, the server answers 409 for a student it already has.
        for (int attempt = 0; attempt < 4; ++attempt) {
            r = c.ingest(meta, bytes, filename);
            if (r || r.error().code != ErrorCode::Unavailable) break;
            std::this_thread::sleep_for(std::chrono::milliseconds(250 << attempt));
        }
        if (!r) return fatal(r.error().code, r.error().message);
        const client::Response& resp = r.value();
        const json body = resp.json();
        IngestOutcome o;
        if (resp.status == 201) {
            const json& sub = body.value("submission", json::object());
            o.kind = Kind::added;
            o.submission_id = sub.value("id", std::int64_t(0));
            o.attempt = sub.value("attempt", 0);
            o.state = sub.value("state", std::string());
            o.sla_deadline = sub.value("sla_deadline", std::int64_t(0));
            if (send_time) o.honoured = sub.value("submitted_at", std::int64_t(0)) == *submitted_at;
            return o;
        }
        const std::string code = resp.error_code();
        if (resp.status == 409 && (code == "in_review" || code == "needs_unlock")) {
            o.kind = Kind::present;
            const json id = error_field(body, "submission_id"), at = error_field(body, "attempt");
            o.submission_id = id.is_number_integer() ? id.get<std::int64_t>() : 0;
            o.attempt = at.is_number_integer() ? at.get<int>() : 0;
            o.state = code == "needs_unlock" ? "decided" : "in_review";
            if (fetch_present && o.submission_id > 0) {
                auto g = c.submission(o.submission_id);
                if (g && g->ok()) {
                    const json sub = g->json().value("submission", json::object());
                    o.sla_deadline = sub.value("sla_deadline", std::int64_t(0));
                    o.state = sub.value("state", o.state);
                }
            }
            return o;
        }
        if (send_time && (resp.status == 400 || resp.status == 403) && mentions_submitted_at(resp)) {
            policy.send = false;  // this server takes no submitted_at from this token: go without
            policy.refused = true;
            continue;
        }
        if (resp.status == 401 || resp.status == 403)
            return fatal(ErrorCode::InvalidArgument, "ingest refused the admin token: " + resp.error_message());
        if (resp.status == 503 && code == "calendar_missing_year") return fatal(ErrorCode::NotFound, resp.error_message());
        if (resp.status == 503) return fatal(ErrorCode::Unavailable, "the server is unavailable: " + resp.error_message());
        o.kind = Kind::failed;
        o.message = s.name + " (" + filename + "): HTTP " + std::to_string(resp.status) + " " + code + ": " +
                    resp.error_message();
        return o;
    }
    return fatal(ErrorCode::Internal, "ingest: the server refused submitted_at twice");
}

std::optional<IngestOutcome> run_pool(const std::string& base_url, const std::string& token, int threads, int n,
                                      const std::function<IngestOutcome(int, client::ApiClient&)>& work,
                                      const std::function<void(int, const IngestOutcome&)>& done,
                                      const std::atomic<bool>& stop) {
    if (n <= 0) return std::nullopt;
    std::atomic<int> next{0};
    std::atomic<bool> halt{false};
    // Guarded by m: finished results not yet reported, and the number of live workers.
    std::mutex m;
    std::condition_variable cv;
    std::deque<std::pair<int, IngestOutcome>> finished;
    int live = std::max(1, std::min(threads, n));

    std::vector<std::thread> pool;
    for (int t = 0, k = live; t < k; ++t) {
        pool.emplace_back([&] {
            client::ApiClient c(base_url, token);
            for (;;) {
                if (stop.load() || halt.load()) break;
                const int i = next.fetch_add(1);
                if (i >= n) break;
                IngestOutcome o = work(i, c);
                if (o.kind == Kind::fatal) halt = true;
                std::lock_guard lock(m);
                finished.emplace_back(i, std::move(o));
                cv.notify_one();
            }
            std::lock_guard lock(m);
            --live;
            cv.notify_one();
        });
    }
    std::optional<IngestOutcome> first_fatal;
    for (;;) {
        std::unique_lock lock(m);
        cv.wait(lock, [&] { return !finished.empty() || live == 0; });
        if (finished.empty() && live == 0) break;
        auto [i, o] = std::move(finished.front());
        finished.pop_front();
        lock.unlock();
        if (o.kind == Kind::fatal && !first_fatal) first_fatal = o;
        done(i, o);
    }
    for (auto& t : pool) t.join();
    return first_fatal;
}

std::string camera_filename(std::int64_t t, int utc_offset_minutes, const std::string& extension) {
    const domain::Date d = domain::local_date(t, utc_offset_minutes);
    const std::int64_t s = ((t + std::int64_t(utc_offset_minutes) * 60) % 86400 + 86400) % 86400;
    char buf[64];
    std::snprintf(buf, sizeof buf, "IMG_%04d%02d%02d_%02d%02d%02d", d.y, d.m, d.d, int(s / 3600), int(s / 60 % 60),
                  int(s % 60));
    return buf + extension;
}

}  // namespace pd::demo::detail
