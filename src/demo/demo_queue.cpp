// build_demo_queue / grow_queue: the stages of demo_queue.h over the pure parts (photos,
// plan) and the ingest pool.
#include "demo/demo_queue.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <set>
#include <thread>

#include <spdlog/spdlog.h>

#include "client/api_client.h"
#include "config/config.h"
#include "demo/ingest_pool.h"
#include "demo/plan.h"

namespace pd::demo {

namespace {

using detail::IngestOutcome;
using Kind = IngestOutcome::Kind;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

void add_note(std::vector<std::string>& notes, std::string s) {
    spdlog::info("demo queue: {}", s);
    notes.push_back(std::move(s));
}

// [SECTION] Setup: config, calendar, engine limits, options

struct Setup {
    DemoConfig config;
    domain::WorkCalendar calendar;
    int detect_long_side = kDefaultEngineDetectLongSide;
    int count = 0;
    std::uint64_t seed = 0;
    std::int64_t now = 0;
    int threads = 3;
};

Result<Setup> load_setup(const DemoOptions& o) {
    const std::string dir = o.config_dir.empty() ? config::default_config_dir() : o.config_dir;
    Setup s;
    auto cfg = load_demo_config(dir);
    if (!cfg) return cfg.error();
    s.config = std::move(cfg.value());
    auto cal = config::load_calendar(dir);
    if (!cal) return cal.error();
    s.calendar = std::move(cal.value());
    auto reasons = config::load_reasons(dir);
    if (!reasons) return reasons.error();
    if (auto st = validate_defect_reasons(s.config, reasons.value()); !st) return st.error();
    auto engine = config::load_engine_settings(dir);
    if (!engine) return engine.error();
    s.detect_long_side = engine->detect_long_side;
    s.count = o.count > 0 ? o.count : s.config.count;
    s.seed = o.seed != 0 ? o.seed : s.config.seed;
    s.now = o.now != 0 ? o.now
                       : std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
                             .count();
    s.threads = std::clamp(o.ingest_threads, 1, 32);
    return s;
}

// The token's role, checked against what the stage needs.
Status check_role(client::ApiClient& c, const char* who, const char* want) {
    auto r = c.me();
    if (!r) return r.error();
    if (r->status == 401) return make_error(ErrorCode::InvalidArgument, std::string("the ") + who + " token is unknown to the server");
    if (!r->ok()) return make_error(ErrorCode::Internal, std::string("GET /v1/me: HTTP ") + std::to_string(r->status));
    const std::string role = r->json().value("role", std::string());
    if (role != want)
        return make_error(ErrorCode::InvalidArgument,
                          std::string("the ") + who + " token belongs to a " + role + ", not a " + want);
    return Ok{};
}

Status check_reasons_on_server(client::ApiClient& c, const DemoConfig& config) {
    auto r = c.reasons();
    if (!r) return r.error();
    if (!r->ok()) return make_error(ErrorCode::Internal, "GET /v1/reasons: HTTP " + std::to_string(r->status));
    std::set<std::string> codes;
    for (const auto& reason : r->json().value("reasons", json::array())) codes.insert(reason.value("code", std::string()));
    return validate_defect_reasons(config, codes);
}

// [SECTION] Stage "photos": every source decoded and judged, in parallel, in a fixed order

struct PortraitSet {
    std::vector<Portrait> portraits;
    int dlib_faces = 0;
};

Result<PortraitSet> load_all_portraits(const Setup& s, const DemoOptions& o,
                                       const std::function<void(const DemoProgress&)>& progress,
                                       const std::atomic<bool>& stop, std::vector<std::string>& notes) {
    std::vector<std::string> found_notes;
    const auto sources = find_sources(s.config.sources, o.shared_portraits, &found_notes);
    for (auto& n : found_notes) add_note(notes, n);
    auto model = engine::FaceModel::shared();
    if (!model) return model.error();

    std::vector<std::optional<Result<std::vector<Portrait>>>> per(sources.size());
    std::vector<std::vector<std::string>> per_notes(sources.size());
    std::atomic<int> next{0};
    // Guarded by m: finished source indices not yet reported.
    std::mutex m;
    std::condition_variable cv;
    std::vector<int> finished;
    int live = std::max(1, std::min<int>(s.threads, int(sources.size())));
    std::vector<std::thread> pool;
    for (int t = 0, k = live; t < k; ++t)
        pool.emplace_back([&] {
            for (int i; !stop.load() && (i = next.fetch_add(1)) < int(sources.size());) {
                per[i] = load_portraits(sources[i], *model.value(), s.config.sources, &per_notes[i]);
                std::lock_guard lock(m);
                finished.push_back(i);
                cv.notify_one();
            }
            std::lock_guard lock(m);
            --live;
            cv.notify_one();
        });
    for (int done = 0;;) {
        std::unique_lock lock(m);
        cv.wait(lock, [&] { return !finished.empty() || live == 0; });
        if (finished.empty() && live == 0) break;
        const int i = finished.back();
        finished.pop_back();
        lock.unlock();
        if (progress) progress({++done, int(sources.size()), "photos", sources[i].name});
    }
    for (auto& t : pool) t.join();

    // Every skipped face goes to the debug log; the notes get one line.
    PortraitSet out;
    int skipped_faces = 0, whole = 0;
    for (std::size_t i = 0; i < sources.size(); ++i) {
        if (!per[i]) continue;  // stopped
        for (const auto& n : per_notes[i]) {
            spdlog::debug("demo queue: {}", n);
            skipped_faces += n.find(": skipped, ") != std::string::npos;
        }
        if (!*per[i]) {
            add_note(notes, sources[i].name + ": " + per[i]->error().message + ", skipped");
            continue;
        }
        for (auto& p : per[i]->value()) {
            (p.kind == SourceKind::group ? out.dlib_faces : whole) += 1;
            out.portraits.push_back(std::move(p));
        }
    }
    if (out.portraits.empty() && !stop.load())
        return make_error(ErrorCode::NotFound, "demo queue: no usable portrait in any photo source (" +
                                                   std::to_string(sources.size()) + " sources looked at)");
    add_note(notes, std::to_string(out.portraits.size()) + " portraits: " + std::to_string(whole) + " whole photos, " +
                        std::to_string(out.dlib_faces) + " of " + std::to_string(out.dlib_faces + skipped_faces) +
                        " faces in dlib's examples (the others too small, turned, or without room for the "
                        "shoulders; the debug log names each)");
    return out;
}

// [SECTION] Resuming: what reviewers decided already

struct LastDecision {
    int attempt = 0;
    std::string state;  // rejected, approved, ...
};

// id_number -> the latest decision in the events feed (empty on a fresh server).
Result<std::map<std::string, LastDecision>> scan_decisions(client::ApiClient& admin) {
    std::map<std::string, LastDecision> out;
    std::int64_t after = 0;
    for (;;) {
        auto r = admin.events(after, 5000);
        if (!r) return r.error();
        if (!r->ok()) return make_error(ErrorCode::Internal, "GET /v1/events: HTTP " + std::to_string(r->status) + " " + r->error_message());
        const json body = r->json();
        const json events = body.value("events", json::array());
        if (events.empty()) break;
        for (const auto& e : events) {
            const json p = e.value("payload", json::object());
            const std::string id = p.value("id_number", std::string());
            if (id.empty()) continue;
            out[id] = {p.value("attempt", 0), p.value("state", std::string())};
        }
        const std::int64_t next = body.value("next_cursor", after);
        if (next <= after) break;
        after = next;
    }
    return out;
}

// [SECTION] The senior's rejections

// Claims pages as the senior reviewer until every target is held (or the queue has no more),
// rejects the targets with their first attempt's reasons and note, and releases every other
// item it claimed. Returns the submission ids now rejected.
Result<std::set<std::int64_t>> reject_first_attempts(client::ApiClient& senior,
                                                     const std::map<std::int64_t, const FirstAttempt*>& targets,
                                                     const ResubmissionConfig& rc, std::vector<std::string>& notes) {
    std::set<std::int64_t> held, rejected;
    std::vector<std::int64_t> others;
    int page = rc.claim_page;
    for (int pages = 0; held.size() < targets.size() && pages < rc.max_claim_pages; ++pages) {
        client::ClaimRequest req;
        req.n = page;
        req.lease_seconds = 120;
        auto r = senior.claim(req);
        if (!r) return r.error();
        if (r->status == 400 && page > 1) {  // over the server's [lease] max_claim
            page = std::max(1, page / 2);
            continue;
        }
        if (!r->ok()) return make_error(ErrorCode::Internal, "claim: HTTP " + std::to_string(r->status) + " " + r->error_message());
        const json items = r->json().value("items", json::array());
        for (const auto& it : items) {
            const std::int64_t id = it.value("id", std::int64_t(0));
            if (targets.count(id)) held.insert(id);
            else others.push_back(id);
        }
        if (int(items.size()) < page) break;  // the queue has no more
    }
    std::vector<client::DecisionInput> batch;
    const auto push = [&]() -> Status {
        if (batch.empty()) return Ok{};
        auto r = senior.push_decisions(batch);
        batch.clear();
        if (!r) return r.error();
        if (!r->ok()) return make_error(ErrorCode::Internal, "decisions: HTTP " + std::to_string(r->status) + " " + r->error_message());
        for (const auto& res : r->json().value("results", json::array())) {
            const std::string status = res.value("status", std::string());
            const std::int64_t id = res.value("submission_id", std::int64_t(0));
            if (status == "applied" || status == "duplicate") rejected.insert(id);
            else add_note(notes, "rejecting attempt 1 (submission " + std::to_string(id) + "): " + res.value("message", status));
        }
        return Ok{};
    };
    for (std::int64_t id : held) {
        const FirstAttempt& f = *targets.at(id);
        batch.push_back({client::new_decision_id(), id, "reject", f.reasons, f.note, {}, f.decided_at});
        if (batch.size() == 50)
            if (auto st = push(); !st) return st.error();
    }
    if (auto st = push(); !st) return st.error();
    for (std::int64_t id : held)
        if (!rejected.count(id)) others.push_back(id);
    for (std::size_t i = 0; i < others.size(); i += 100) {
        std::vector<std::int64_t> ids(others.begin() + long(i), others.begin() + long(std::min(others.size(), i + 100)));
        auto r = senior.release(ids);
        if (!r || !r->ok()) add_note(notes, "releasing " + std::to_string(ids.size()) + " item(s) the senior claimed failed; they return to the queue when the 120 s lease ends");
    }
    if (held.size() < targets.size())
        add_note(notes, std::to_string(targets.size() - held.size()) +
                            " attempt(s) 1 to reject were not claimable (leased to someone else?): those students stay at attempt 1");
    return rejected;
}

// [SECTION] Bookkeeping

struct Book {
    DemoSummary& sum;
    const Setup& s;
    void pending(const PlannedItem& it, const IngestOutcome& o) {
        if (o.kind == Kind::failed) {
            ++sum.failed;
            add_note(sum.notes, o.message);
            return;
        }
        if (o.kind != Kind::added && o.kind != Kind::present) return;
        ++sum.submitted;
        (o.kind == Kind::added ? sum.added : sum.already_present) += 1;
        ++sum.by_defect[to_string(it.photo.defect)];
        if (it.first && o.attempt >= 2) ++sum.resubmissions;
        if (o.sla_deadline > 0) {
            const Due d = classify_due(o.sla_deadline, s.now, s.calendar.utc_offset_minutes());
            sum.overdue += d == Due::overdue;
            sum.due_today += d == Due::due_today;
        }
        if (o.honoured) sum.submitted_at_honoured = sum.submitted_at_honoured.value_or(true) && *o.honoured;
    }
};

Error to_error(const IngestOutcome& o) { return make_error(o.code, o.message); }

IngestOutcome failed(std::string message) {
    IngestOutcome o;
    o.kind = Kind::failed;
    o.message = std::move(message);
    return o;
}

IngestOutcome present(const LastDecision& d) {
    IngestOutcome o;
    o.kind = Kind::present;
    o.attempt = d.attempt;
    o.state = d.state;
    return o;
}

// The source's own name for an original uploaded as it is, a phone camera's otherwise.
std::string filename_for(const Photo& photo, const Portrait& p, std::int64_t at, int offset) {
    if (photo.original) return std::filesystem::path(p.file).filename().string();
    return detail::camera_filename(at, offset, photo.extension);
}

}  // namespace

// [SECTION] build_demo_queue

Result<DemoSummary> build_demo_queue(const std::string& base_url, const std::string& admin_token,
                                     const std::string& senior_token, const DemoOptions& options,
                                     const std::function<void(const DemoProgress&)>& progress,
                                     const std::atomic<bool>& stop) {
    const auto t0 = Clock::now();
    auto setup = load_setup(options);
    if (!setup) return setup.error();
    const Setup& s = setup.value();
    const int offset = s.calendar.utc_offset_minutes();
    DemoSummary sum;
    for (Defect d : all_defects()) sum.by_defect[to_string(d)] = 0;

    client::ApiClient admin(base_url, admin_token);
    if (auto st = check_role(admin, "admin", "admin"); !st) return st.error();
    if (auto st = check_reasons_on_server(admin, s.config); !st) return st.error();
    client::ApiClient senior(base_url, senior_token);
    if (std::lround(s.config.resubmissions.share * s.count) > 0)
        if (auto st = check_role(senior, "senior", "reviewer"); !st) return st.error();

    // photos
    auto set = load_all_portraits(s, options, progress, stop, sum.notes);
    if (!set) return set.error();
    const std::vector<Portrait>& portraits = set->portraits;
    sum.portraits = int(portraits.size());
    sum.dlib_faces = set->dlib_faces;
    sum.photos_seconds = seconds_since(t0);
    if (stop.load()) {
        sum.stopped = true;
        sum.total_seconds = seconds_since(t0);
        return sum;
    }

    auto planned = make_plan(s.config, traits_of(portraits, s.config, s.detect_long_side), s.calendar, s.count, s.seed, s.now);
    if (!planned) return planned.error();
    const DemoPlan& plan = planned.value();
    for (const auto& n : plan.notes) add_note(sum.notes, n);
    auto decided = scan_decisions(admin);
    if (!decided) return decided.error();

    std::vector<int> resub, rest;
    for (int i = 0; i < int(plan.items.size()); ++i) (plan.items[i].first ? resub : rest).push_back(i);
    const int total = int(plan.items.size() + resub.size());
    int done = 0;
    detail::SubmittedAtPolicy policy;
    Book book{sum, s};
    const auto report = [&](const char* stage, const PlannedItem& it) {
        if (progress) progress({++done, total, stage, it.student.name});
    };
    const auto photo_of = [&](const PhotoSpec& spec) { return make_photo(portraits, spec, s.config, false, s.detect_long_side); };
    const auto finish = [&](std::optional<IngestOutcome> fatal) -> Result<DemoSummary> {
        if (fatal) return to_error(*fatal);
        if (policy.refused) add_note(sum.notes, "the server refused submitted_at from this token: deadlines count from the time of receipt");
        sum.stopped = stop.load();
        sum.total_seconds = seconds_since(t0);
        return sum;
    };
    // A student someone already decided (a resumed run) is not ingested again: a rejected
    // student would get a new attempt.
    const auto known = [&](const Student& st) -> const LastDecision* {
        auto it = decided->find(st.id_number);
        return it == decided->end() ? nullptr : &it->second;
    };

    // resubmissions: attempt 1 for each resubmitting student
    if (!resub.empty()) {
        std::vector<IngestOutcome> first(resub.size());
        auto fatal = detail::run_pool(
            base_url, admin_token, s.threads, int(resub.size()),
            [&](int k, client::ApiClient& c) {
                const PlannedItem& it = plan.items[resub[k]];
                if (const LastDecision* d = known(it.student)) return present(*d);
                auto photo = photo_of(it.first->photo);
                if (!photo) return failed(photo.error().message);
                return detail::ingest_one(c, it.student, it.first->submitted_at, photo->bytes,
                                          filename_for(*photo, portraits[it.first->photo.portrait], it.first->submitted_at, offset),
                                          policy, true);
            },
            [&](int k, const IngestOutcome& o) {
                first[k] = o;
                if (o.kind == Kind::added) ++sum.added;
                if (o.kind == Kind::failed) ++sum.failed, add_note(sum.notes, o.message);
                report("resubmissions", plan.items[resub[k]]);
            },
            stop);
        if (fatal || stop.load()) return finish(fatal);

        // The senior rejects every attempt 1 now in review.
        std::map<std::int64_t, const FirstAttempt*> targets;
        for (std::size_t k = 0; k < resub.size(); ++k) {
            const IngestOutcome& o = first[k];
            const bool waiting = o.state == "in_review" || o.state == "pending" || o.state == "leased";
            const bool in_review = o.kind == Kind::added || (o.kind == Kind::present && o.attempt == 1 && waiting);
            if (in_review && o.submission_id > 0) targets[o.submission_id] = &*plan.items[resub[k]].first;
        }
        std::set<std::int64_t> rejected;
        if (!targets.empty()) {
            auto r = reject_first_attempts(senior, targets, s.config.resubmissions, sum.notes);
            if (!r) return r.error();
            rejected = std::move(r.value());
        }
        // attempt 2, for every student whose attempt 1 is rejected (now or before)
        auto fatal2 = detail::run_pool(
            base_url, admin_token, s.threads, int(resub.size()),
            [&](int k, client::ApiClient& c) {
                const PlannedItem& it = plan.items[resub[k]];
                const IngestOutcome& a1 = first[k];
                const bool ready = rejected.count(a1.submission_id) ||
                                   (a1.kind == Kind::present && a1.attempt == 1 && a1.state == "rejected");
                if (a1.kind == Kind::present && a1.attempt >= 2) return a1;  // attempt 2 is in already
                if (!ready) return IngestOutcome{};                          // skipped
                auto photo = photo_of(it.photo);
                if (!photo) return failed(photo.error().message);
                return detail::ingest_one(c, it.student, it.submitted_at, photo->bytes,
                                          filename_for(*photo, portraits[it.photo.portrait], it.submitted_at, offset),
                                          policy, true);
            },
            [&](int k, const IngestOutcome& o) {
                book.pending(plan.items[resub[k]], o);
                report("resubmissions", plan.items[resub[k]]);
            },
            stop);
        if (fatal2 || stop.load()) return finish(fatal2);
    }

    // ingest: everyone else
    auto fatal = detail::run_pool(
        base_url, admin_token, s.threads, int(rest.size()),
        [&](int k, client::ApiClient& c) {
            const PlannedItem& it = plan.items[rest[k]];
            if (const LastDecision* d = known(it.student)) return present(*d);
            auto photo = photo_of(it.photo);
            if (!photo) return failed(photo.error().message);
            return detail::ingest_one(c, it.student, it.submitted_at, photo->bytes,
                                      filename_for(*photo, portraits[it.photo.portrait], it.submitted_at, offset), policy,
                                      true);
        },
        [&](int k, const IngestOutcome& o) {
            book.pending(plan.items[rest[k]], o);
            report("ingest", plan.items[rest[k]]);
        },
        stop);
    return finish(fatal);
}

// [SECTION] grow_queue

Result<int> grow_queue(const std::string& base_url, const std::string& admin_token, int n, const DemoOptions& options,
                       const std::function<void(const DemoProgress&)>& progress, const std::atomic<bool>& stop) {
    if (n <= 0) return 0;
    auto setup = load_setup(options);
    if (!setup) return setup.error();
    const Setup& s = setup.value();
    client::ApiClient admin(base_url, admin_token);
    if (auto st = check_role(admin, "admin", "admin"); !st) return st.error();

    std::vector<std::string> notes;
    auto set = load_all_portraits(s, options, progress, stop, notes);
    if (!set) return set.error();
    if (stop.load()) return 0;
    auto planned = make_plan(s.config, traits_of(set->portraits, s.config, s.detect_long_side), s.calendar, s.count,
                             s.seed, s.now);
    if (!planned) return planned.error();

    // The photos of the first grow_pool demo items, byte for byte.
    const int pool = std::min<int>(s.config.grow_pool, int(planned->items.size()));
    std::vector<Photo> photos(pool);
    {
        std::vector<std::thread> workers;
        std::atomic<int> next{0};
        std::atomic<bool> failed{false};
        for (int t = 0; t < s.threads; ++t)
            workers.emplace_back([&] {
                for (int i; (i = next.fetch_add(1)) < pool;) {
                    auto p = make_photo(set->portraits, planned->items[i].photo, s.config, false, s.detect_long_side);
                    if (p) photos[i] = std::move(p.value());
                    else failed = true;
                }
            });
        for (auto& t : workers) t.join();
        if (failed) return make_error(ErrorCode::Internal, "grow: a pool photo could not be rendered");
    }

    // New students after everything the server holds.
    auto stats = admin.stats();
    if (!stats) return stats.error();
    if (!stats->ok()) return make_error(ErrorCode::Internal, "GET /v1/stats: HTTP " + std::to_string(stats->status));
    std::int64_t held = 0;
    const json states = stats->json().value("by_state", json::object());
    for (const auto& [state, k] : states.items())
        if (k.is_number_integer()) held += k.get<std::int64_t>();
    std::int64_t first = s.count + held;

    detail::SubmittedAtPolicy policy;
    int added = 0, done = 0;
    for (int pass = 0; pass < 4 && added < n && !stop.load(); ++pass) {
        const int want = n - added;
        auto items = make_grow_items(s.config, s.calendar, s.seed, first, want, pool, s.now);
        if (!items) return items.error();
        first += want;
        auto fatal = detail::run_pool(
            base_url, admin_token, s.threads, want,
            [&](int k, client::ApiClient& c) {
                const PlannedItem& it = (*items)[k];
                const Photo& photo = photos[it.photo.portrait];
                const Portrait& from = set->portraits[planned->items[it.photo.portrait].photo.portrait];
                return detail::ingest_one(c, it.student, it.submitted_at, photo.bytes,
                                          filename_for(photo, from, it.submitted_at, s.calendar.utc_offset_minutes()),
                                          policy, false);
            },
            [&](int k, const IngestOutcome& o) {
                if (o.kind == Kind::added) ++added;
                if (o.kind == Kind::failed) spdlog::warn("demo grow: {}", o.message);
                if (progress) progress({++done, n, "ingest", (*items)[k].student.name});
            },
            stop);
        if (fatal) return to_error(*fatal);
    }
    return added;
}

}  // namespace pd::demo
