#include "review/sync_worker.h"

#include "review/item_cache.h"

#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace pd::review {

using nlohmann::json;

namespace {

std::string describe_status(const client::Response& r) {
    std::string m = r.error_message();
    if (m.empty()) m = r.body.substr(0, 200);
    return "HTTP " + std::to_string(r.status) + (m.empty() ? "" : ": " + m);
}

}  // namespace

SyncWorker::SyncWorker(WorkerOptions options, std::function<void()> wake)
    : opt_(std::move(options)), wake_(std::move(wake)) {
    api_ = std::make_unique<client::ApiClient>(opt_.server, opt_.token, opt_.client);
    if (!opt_.cache_dir.empty()) {
        auto c = ItemCache::open(opt_.cache_dir, opt_.cache_bytes);
        if (c) cache_ = std::move(c).value();   // without a cache the worker still works, from the network
    }
    network_ = std::thread([this] { network_loop(); });
    for (int i = 0; i < std::max(1, opt_.decode_threads); ++i) decoders_.emplace_back([this] { decode_loop(); });
}

SyncWorker::~SyncWorker() {
    {
        std::lock_guard<std::mutex> lock(mu_);
        stop_ = true;
        requests_.clear();
        decode_jobs_.clear();
    }
    cv_.notify_all();
    if (network_.joinable()) network_.join();
    for (auto& t : decoders_)
        if (t.joinable()) t.join();
}

void SyncWorker::post(Envelope e, bool urgent) {
    {
        std::lock_guard<std::mutex> lock(mu_);
        if (urgent) requests_.push_front(std::move(e));
        else requests_.push_back(std::move(e));
    }
    cv_.notify_all();
}

std::vector<Reply> SyncWorker::drain() {
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<Reply> out;
    out.swap(replies_);
    return out;
}

int SyncWorker::backlog() const {
    std::lock_guard<std::mutex> lock(mu_);
    return int(requests_.size() + decode_jobs_.size()) + running_;
}

bool SyncWorker::finish(std::chrono::milliseconds timeout) {
    std::unique_lock<std::mutex> lock(mu_);
    const bool done = idle_cv_.wait_for(lock, timeout, [this] {
        return requests_.empty() && decode_jobs_.empty() && running_ == 0;
    });
    return done;
}

void SyncWorker::reply(std::uint64_t generation, Result_ r) {
    {
        std::lock_guard<std::mutex> lock(mu_);
        replies_.push_back({generation, std::move(r)});
    }
    if (wake_) wake_();
}

void SyncWorker::network_loop() {
    while (true) {
        Envelope e;
        {
            std::unique_lock<std::mutex> lock(mu_);
            cv_.wait(lock, [this] { return stop_ || !requests_.empty(); });
            if (stop_) return;
            e = std::move(requests_.front());
            requests_.pop_front();
            ++running_;
        }
        handle(e);
        {
            std::lock_guard<std::mutex> lock(mu_);
            --running_;
        }
        idle_cv_.notify_all();
    }
}

void SyncWorker::decode_loop() {
    // Decoding is for items ahead: it yields the cores to the frame being drawn.
    ::setpriority(PRIO_PROCESS, pid_t(::syscall(SYS_gettid)), 10);
    while (true) {
        DecodeJob job;
        {
            std::unique_lock<std::mutex> lock(mu_);
            cv_.wait(lock, [this] { return stop_ || !decode_jobs_.empty(); });
            if (stop_) return;
            job = std::move(decode_jobs_.front());
            decode_jobs_.pop_front();
            ++running_;
        }
        ImageResult r;
        r.submission_id = job.request.submission_id;
        r.kind = job.request.kind;
        r.hash = job.request.hash;
        auto px = decode_pixels(job.bytes, job.request.max_side, opt_.max_pixels);
        if (px) {
            r.ok = true;
            r.pixels = std::move(px).value();
        } else {
            r.message = px.error().message;
        }
        reply(job.generation, std::move(r));
        {
            std::lock_guard<std::mutex> lock(mu_);
            --running_;
        }
        idle_cv_.notify_all();
    }
}

void SyncWorker::handle(const Envelope& e) {
    try {
        dispatch(e);
    } catch (const std::exception& ex) {
        // A malformed answer (a JSON field of the wrong type, say): the request fails with the
        // reason, so the session's in-flight bookkeeping is released and it tries again later.
        const std::string msg = std::string("unexpected answer from the server: ") + ex.what();
        const auto g = e.generation;
        std::visit(
            [&](const auto& r) {
                using T = std::decay_t<decltype(r)>;
                if constexpr (std::is_same_v<T, HelloRequest>) reply(g, HelloResult{HelloProblem::bad_answer, msg});
                else if constexpr (std::is_same_v<T, ClaimRequest>) reply(g, ClaimResult{false, {}, msg});
                else if constexpr (std::is_same_v<T, FetchImageRequest>)
                    reply(g, ImageResult{r.submission_id, r.kind, r.hash, false, {}, msg, true});
                else if constexpr (std::is_same_v<T, PushRequest>) {
                    PushResult p;
                    p.transport = true;
                    p.message = msg;
                    for (const auto& d : r.batch) p.batch_ids.push_back(d.decision_id);
                    reply(g, std::move(p));
                } else if constexpr (std::is_same_v<T, RenewRequest>) reply(g, RenewResult{false, r.ids, {}});
                else if constexpr (std::is_same_v<T, ReleaseRequest>) reply(g, ReleaseResult{false, r.ids});
                else if constexpr (std::is_same_v<T, QueueRequest>) reply(g, QueueResult{});
                else if constexpr (std::is_same_v<T, RestoreRequest>) reply(g, RestoreResult{{}, {msg}});
            },
            e.request);
    }
}

void SyncWorker::dispatch(const Envelope& e) {
    const auto g = e.generation;
    std::visit(
        [&](const auto& r) {
            using T = std::decay_t<decltype(r)>;
            if constexpr (std::is_same_v<T, HelloRequest>) do_hello(g);
            else if constexpr (std::is_same_v<T, RestoreRequest>) do_restore(g);
            else if constexpr (std::is_same_v<T, ClaimRequest>) do_claim(g, r);
            else if constexpr (std::is_same_v<T, FetchImageRequest>) do_fetch(g, r);
            else if constexpr (std::is_same_v<T, PushRequest>) do_push(g, r);
            else if constexpr (std::is_same_v<T, RenewRequest>) do_renew(g, r);
            else if constexpr (std::is_same_v<T, ReleaseRequest>) do_release(g, r);
            else if constexpr (std::is_same_v<T, ForgetRequest>) do_forget(r);
            else if constexpr (std::is_same_v<T, QueueRequest>) do_queue(g);
        },
        e.request);
}

void SyncWorker::note_transport(std::uint64_t g, const pd::Result<client::Response>& r) {
    if (!r) {
        if (online_) {
            online_ = false;
            reply(g, ConnectionResult{false, r.error().message, false});
        }
        return;
    }
    if (r->status == 401) {
        reply(g, ConnectionResult{true, r->error_message(), true});
        online_ = true;
        return;
    }
    if (!online_) {
        online_ = true;
        reply(g, ConnectionResult{true, "", false});
    }
}

// [SECTION] requests

HelloResult say_hello(client::ApiClient& api, const std::string& server,
                      const std::function<void(const pd::Result<client::Response>&)>& observe) {
    HelloResult h;
    auto health = api.healthz();
    if (observe) observe(health);
    if (!health) {
        h.problem = HelloProblem::unreachable;
        h.message = "cannot reach " + server + ": " + health.error().message;
        return h;
    }
    const std::string version = health->header("PhotoDesk-API");
    if (version.empty() || !health->json().is_object()) {
        h.problem = HelloProblem::bad_answer;
        h.message = server + " answered HTTP " + std::to_string(health->status) + " but is not a photodeskd";
        return h;
    }
    if (version != "1") {
        h.problem = HelloProblem::bad_version;
        h.message = server + " speaks API version " + version + "; this workstation speaks version 1";
        return h;
    }
    auto me = api.me();
    if (observe) observe(me);
    if (!me) {
        h.problem = HelloProblem::unreachable;
        h.message = "cannot reach " + server + ": " + me.error().message;
        return h;
    }
    if (me->status == 401) {
        h.problem = HelloProblem::unauthorized;
        h.message = server + " refused this token (" + me->error_message() + ")";
        return h;
    }
    if (!me->ok()) {
        h.problem = HelloProblem::bad_answer;
        h.message = "GET /v1/me: " + describe_status(me.value());
        return h;
    }
    const json who = me->json();
    h.user = who.value("name", "");
    h.role = who.value("role", "");
    if (h.role != "reviewer") {
        h.problem = HelloProblem::wrong_role;
        h.message = "'" + h.user + "' is a " + h.role + " account; the review queue needs a reviewer account";
        return h;
    }
    auto reasons = api.reasons();
    if (observe) observe(reasons);
    if (!reasons || !reasons->ok()) {
        h.problem = reasons ? HelloProblem::bad_answer : HelloProblem::unreachable;
        h.message = reasons ? "GET /v1/reasons: " + describe_status(reasons.value()) : reasons.error().message;
        return h;
    }
    for (const auto& r : reasons->json().value("reasons", json::array())) {
        ReasonInfo ri;
        ri.code = r.value("code", "");
        ri.label_zh = r.value("label_zh", ri.code);
        ri.label_en = r.value("label_en", ri.code);
        ri.note_required = r.value("note_required", false);
        for (const auto& c : r.value("suggested_by_checks", json::array()))
            if (c.is_string()) ri.suggested_by_checks.push_back(c.get<std::string>());
        for (const auto& k : r.value("suggested_by_refusals", json::array()))   // absent from older servers
            if (k.is_string()) ri.suggested_by_refusals.push_back(k.get<std::string>());
        if (!ri.code.empty()) h.reasons.push_back(std::move(ri));
    }
    return h;
}

void SyncWorker::do_hello(std::uint64_t g) {
    reply(g, say_hello(*api_, opt_.server, [&](const pd::Result<client::Response>& r) { note_transport(g, r); }));
}

void SyncWorker::do_restore(std::uint64_t g) {
    RestoreResult out;
    if (cache_) {
        auto items = cache_->items();
        if (items) {
            for (const auto& c : items.value()) {
                auto j = json::parse(c.json, nullptr, false);
                auto it = parse_item(j);
                if (!it) {
                    out.errors.push_back(it.error().message);
                    continue;
                }
                it->lease_expires = c.lease_expires;
                out.items.push_back(std::move(it).value());
            }
        } else {
            out.errors.push_back(items.error().message);
        }
    }
    reply(g, std::move(out));
}

void SyncWorker::do_claim(std::uint64_t g, const ClaimRequest& req) {
    client::ClaimRequest c;
    c.n = req.n;
    c.lease_seconds = req.lease_seconds;
    auto r = api_->claim(c);
    note_transport(g, r);
    ClaimResult out;
    if (!r) {
        out.message = r.error().message;
        return reply(g, std::move(out));
    }
    if (!r->ok()) {
        out.message = "claim: " + describe_status(r.value());
        return reply(g, std::move(out));
    }
    out.ok = true;
    std::vector<CachedItem> cached;
    for (const auto& s : r->json().value("items", json::array())) {
        auto it = parse_item(s);
        if (!it) {
            out.message = it.error().message;   // shown; the item stays leased and expires
            continue;
        }
        cached.push_back({it->id, s.dump(), it->lease_expires});
        out.items.push_back(std::move(it).value());
    }
    if (cache_ && !cached.empty()) (void)cache_->put(cached);
    reply(g, std::move(out));
}

void SyncWorker::do_fetch(std::uint64_t g, const FetchImageRequest& req) {
    std::vector<unsigned char> bytes;
    if (cache_) {
        if (auto b = cache_->get_image(req.hash)) bytes = std::move(*b);
    }
    if (bytes.empty()) {
        auto r = api_->image(req.submission_id, req.kind);
        note_transport(g, r);
        ImageResult fail;
        fail.submission_id = req.submission_id;
        fail.kind = req.kind;
        fail.hash = req.hash;
        if (!r) {
            fail.message = r.error().message;
            fail.retry = true;
            return reply(g, std::move(fail));
        }
        if (!r->ok()) {
            fail.message = req.kind + " image: " + describe_status(r.value());
            fail.retry = r->status >= 500;
            return reply(g, std::move(fail));
        }
        bytes.assign(r->body.begin(), r->body.end());
        if (sha256_hex(bytes.data(), bytes.size()) != req.hash) {
            fail.message = req.kind + " image: the bytes do not match their hash (damaged in transit?)";
            fail.retry = true;
            return reply(g, std::move(fail));
        }
        if (cache_) (void)cache_->put_image(req.hash, bytes);
    }
    {
        std::lock_guard<std::mutex> lock(mu_);
        decode_jobs_.push_back({g, req, std::move(bytes)});
    }
    cv_.notify_all();
}

void SyncWorker::do_push(std::uint64_t g, const PushRequest& req) {
    std::vector<client::DecisionInput> in;
    PushResult out;
    for (const auto& e : req.batch) {
        client::DecisionInput d;
        d.decision_id = e.decision_id;
        d.submission_id = e.submission_id;
        d.verdict = e.verdict;
        d.reasons = e.reasons;
        d.note = e.note;
        if (e.crop) d.crop = client::Crop{e.crop->x, e.crop->y, e.crop->width};
        d.decided_at = e.decided_at;
        in.push_back(std::move(d));
        out.batch_ids.push_back(e.decision_id);
    }
    auto r = api_->push_decisions(in);
    note_transport(g, r);
    if (!r) {
        out.transport = true;
        out.message = r.error().message;
        return reply(g, std::move(out));
    }
    out.status = int(r->status);
    if (!r->ok()) {
        out.refused = r->status >= 400 && r->status < 500;
        out.transport = r->status >= 500;
        out.message = describe_status(r.value());
        return reply(g, std::move(out));
    }
    for (const auto& a : r->json().value("results", json::array())) {
        Answer ans;
        ans.decision_id = a.value("decision_id", "");
        const std::string st = a.value("status", "");
        ans.outcome = st == "applied" ? Outcome::applied : st == "duplicate" ? Outcome::duplicate : Outcome::conflict;
        ans.server_state = a.contains("state") && a.at("state").is_string() ? a.at("state").get<std::string>() : "";
        ans.message = a.contains("message") && a.at("message").is_string() ? a.at("message").get<std::string>() : "";
        out.answers.push_back(std::move(ans));
    }
    out.ok = out.answers.size() == req.batch.size();
    if (!out.ok) out.message = "the server answered " + std::to_string(out.answers.size()) + " of " +
                               std::to_string(req.batch.size()) + " decisions";
    reply(g, std::move(out));
}

void SyncWorker::do_renew(std::uint64_t g, const RenewRequest& req) {
    auto r = api_->renew(req.ids, req.lease_seconds);
    note_transport(g, r);
    RenewResult out;
    out.asked = req.ids;
    if (r && r->ok()) {
        out.ok = true;
        for (const auto& l : r->json().value("renewed", json::array()))
            out.renewed.emplace_back(l.value("submission_id", std::int64_t(0)), l.value("expires_at", std::int64_t(0)));
        if (cache_) (void)cache_->set_leases(out.renewed);
    }
    reply(g, std::move(out));
}

void SyncWorker::do_release(std::uint64_t g, const ReleaseRequest& req) {
    auto r = api_->release(req.ids);
    note_transport(g, r);
    ReleaseResult out;
    out.ids = req.ids;
    out.ok = r && r->ok();
    if (cache_) (void)cache_->drop(req.ids);
    reply(g, std::move(out));
}

void SyncWorker::do_forget(const ForgetRequest& req) {
    if (cache_) (void)cache_->drop(req.ids);
}

void SyncWorker::do_queue(std::uint64_t g) {
    auto r = api_->get("/v1/queue");
    note_transport(g, r);
    QueueResult out;
    if (r && r->ok()) {
        const json j = r->json();
        out.ok = j.is_object();
        out.now = j.value("now", std::int64_t(0));
        out.open = j.value("open", std::int64_t(0));
        out.overdue = j.value("overdue", std::int64_t(0));
        out.due_today = j.value("due_today", std::int64_t(0));
        out.oldest_deadline = j.value("oldest_deadline", std::int64_t(0));
    }
    reply(g, std::move(out));
}

}  // namespace pd::review
