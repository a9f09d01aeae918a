// ReviewService (review_service.h): leases, decisions, reads, supervisors' reports, admin. The
// ingest section is in review_ingest.cpp.
#include "server/review_service.h"

#include <algorithm>
#include <chrono>
#include <map>
#include <mutex>
#include <random>

#include "config/config.h"
#include "domain/id_number.h"
#include "engine/crop/crop.h"
#include "exchange/export_package.h"
#include "server/api_error.h"
#include "server/api_json.h"
#include "server/auth.h"
#include "setup/engine_setup.h"

namespace pd::server {

using nlohmann::json;
using storage::Role;
using storage::SubmissionState;

namespace {

bool is_live_lease_of(const storage::Submission& s, const std::string& who, std::int64_t now) {
    return s.state == SubmissionState::leased && s.lease && s.lease->reviewer == who &&
           s.lease->expires_at > now;
}

// Still recorded as leased to `who`, expired or not: a decision from them applies (nobody has
// claimed the item since; docs/storage.md).
bool is_held_by(const storage::Submission& s, const std::string& who) {
    return s.state == SubmissionState::leased && s.lease && s.lease->reviewer == who;
}

}  // namespace

ReviewService::ReviewService(ServiceParts parts)
    : p_(std::move(parts)), engine_slots_(std::clamp(p_.settings.ingest_workers, 1, 256)) {}

std::int64_t ReviewService::now() const {
    if (p_.clock) return p_.clock();
    return std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

// [SECTION] reviewer

std::vector<storage::Submission> ReviewService::claim(const Caller& by, const json& body) {
    const Fields f(body, "");
    const auto& s = p_.settings;
    const int n = int(f.int_or("n", 1, 1, s.max_claim));
    const auto lease = f.int_or("lease_seconds", s.lease_default_s, s.lease_min_s, s.lease_max_s);
    storage::ClaimFilter filter;
    filter.school = f.str_or("school", "");
    filter.grade = f.str_or("grade", "");
    filter.flagged_only = f.bool_or("flagged_only", false);
    filter.resubmissions_only = f.bool_or("resubmissions_only", false);
    auto store = stores().acquire();
    return must(store->claim(by.name, n, lease, now(), filter));
}

std::vector<storage::Lease> ReviewService::renew(const Caller& by, const json& body) {
    const Fields f(body, "");
    const auto& s = p_.settings;
    const auto ids = f.ids("ids", size_t(s.max_claim) * 10);
    const auto lease = f.int_or("lease_seconds", s.lease_default_s, s.lease_min_s, s.lease_max_s);
    auto store = stores().acquire();
    return must(store->renew(by.name, ids, lease, now()));
}

int ReviewService::release(const Caller& by, const json& body) {
    const Fields f(body, "");
    const auto ids = f.ids("ids", size_t(p_.settings.max_claim) * 10);
    auto store = stores().acquire();
    return must(store->release(by.name, ids, now()));
}

namespace {

struct ParsedVerdict {
    storage::Verdict verdict;
    std::vector<std::string> reasons;
    std::string note;
    const json* crop = nullptr;
};

// The rules every decision and overturn share: verdict, reasons in the catalog, a reason for a
// rejection, the note a reason asks for, a crop exactly for approve_recropped.
ParsedVerdict parse_verdict_fields(const Fields& f, const json& o, const domain::ReasonCatalog& catalog) {
    ParsedVerdict v;
    const std::string verdict = f.str("verdict");
    auto parsed = storage::parse_verdict(verdict);
    if (!parsed)
        fail(400, "invalid_field",
             f.path("verdict") + ": '" + verdict + "' is not approve, reject or approve_recropped",
             f.path("verdict"));
    v.verdict = *parsed;
    v.reasons = f.strings_or_empty("reasons");
    v.note = f.str_or("note", "");
    if (v.note.size() > 4000) fail(400, "invalid_field", f.path("note") + ": longer than 4000 bytes", f.path("note"));
    bool blank_note = v.note.find_first_not_of(" \t\r\n") == std::string::npos;
    for (size_t i = 0; i < v.reasons.size(); ++i) {
        const std::string field = f.path("reasons") + "[" + std::to_string(i) + "]";
        const domain::Reason* r = catalog.find(v.reasons[i]);
        if (!r)
            fail(422, "unknown_reason",
                 field + ": unknown reason '" + v.reasons[i] + "' (see GET /v1/reasons)", field);
        if (r->note_required && blank_note)
            fail(422, "note_required", field + ": reason '" + r->code + "' needs a note",
                 f.path("note"));
    }
    if (v.verdict == storage::Verdict::reject && v.reasons.empty())
        fail(422, "reasons_required", f.path("reasons") + ": a rejection needs at least one reason",
             f.path("reasons"));
    const bool has_crop = f.has("crop");
    if (v.verdict == storage::Verdict::approve_recropped) {
        const json& c = f.object("crop");
        const Fields cf(c, f.path("crop"));
        for (const char* k : {"x", "y", "width"}) {
            if (!cf.has(k) || !c.at(k).is_number() || !std::isfinite(c.at(k).get<double>()))
                fail(400, "invalid_field", cf.path(k) + ": must be a number", cf.path(k));
        }
        if (c.at("width").get<double>() < 16)
            fail(400, "invalid_field", cf.path("width") + ": must be at least 16 px", cf.path("width"));
        v.crop = &c;
    } else if (has_crop) {
        fail(400, "invalid_field", f.path("crop") + ": only an approve_recropped decision carries a crop",
             f.path("crop"));
    }
    (void)o;
    return v;
}

}  // namespace

std::string ReviewService::crop_and_render(const storage::Submission& s, const json& crop,
                                           const std::string& field) {
    if (!p_.engine) fail(500, "internal", "this process was started without the photo engine");
    const engine::PhotoEngine& E = *p_.engine;
    EngineSlot slot(engine_slots_);
    std::vector<unsigned char> original;
    {
        auto store = stores().acquire();
        original = must(store->get_image(s.images.original));
    }
    auto a = E.analyze(original);
    if (!a) fail(422, "bad_image", field + ": the original cannot be read again: " + a.error().message, field);
    if (!a->has_face()) fail(422, "invalid_field", field + ": no face in the original to re-crop around", field);
    // The window arrives in pixels of the upright original; the engine works in working px.
    const double k = a->working_per_original;
    const double width_w = crop.at("width").get<double>() * k;
    const double scale = E.config().spec.width / width_w;
    auto plan = engine::crop_from_window(a->head, crop.at("x").get<double>() * k,
                                         crop.at("y").get<double>() * k, scale, E.config().spec);
    auto photo = E.render(a.value(), plan);
    if (!photo) fail(422, "invalid_field", field + ": " + photo.error().message, field);
    auto store = stores().acquire();
    return must(store->put_image(photo->jpeg.bytes));
}

std::vector<storage::DecisionOutcome> ReviewService::decide(const Caller& by, const json& body) {
    const Fields f(body, "");
    const json& arr = f.array("decisions");
    if (arr.empty()) fail(400, "invalid_field", "decisions: must not be empty", "decisions");
    if (arr.size() > size_t(p_.settings.max_batch))
        fail(400, "invalid_field",
             "decisions: at most " + std::to_string(p_.settings.max_batch) + " per push (got " +
                 std::to_string(arr.size()) + ")",
             "decisions");
    const std::int64_t t = now();
    std::vector<storage::Decision> batch;
    std::vector<const json*> crops;
    for (size_t i = 0; i < arr.size(); ++i) {
        const std::string where = "decisions[" + std::to_string(i) + "]";
        if (!arr[i].is_object()) fail(400, "invalid_field", where + ": must be an object", where);
        const Fields d(arr[i], where);
        storage::Decision x;
        x.decision_id = d.str("decision_id");
        if (x.decision_id.empty() || x.decision_id.size() > 128)
            fail(400, "invalid_field", d.path("decision_id") + ": must be 1..128 characters",
                 d.path("decision_id"));
        x.submission_id = d.positive_id("submission_id");
        auto v = parse_verdict_fields(d, arr[i], p_.reasons);
        x.reviewer = by.name;
        x.verdict = v.verdict;
        x.reasons = std::move(v.reasons);
        x.note = std::move(v.note);
        x.decided_at = d.int_or("decided_at", t, 0, std::int64_t(1) << 40);
        if (v.crop) x.crop_json = v.crop->dump();
        batch.push_back(std::move(x));
        crops.push_back(v.crop);
    }
    // Re-crops: render only for items this reviewer holds (a retry of an applied decision
    // or a conflict renders nothing; the store answers those).
    for (size_t i = 0; i < batch.size(); ++i) {
        if (!crops[i]) continue;
        std::optional<storage::Submission> s;
        {
            auto store = stores().acquire();
            auto r = store->get_submission(batch[i].submission_id);
            if (r) s = std::move(r).value();
        }
        if (s && is_held_by(*s, by.name))
            batch[i].recropped_image = crop_and_render(*s, *crops[i], "decisions[" + std::to_string(i) + "].crop");
    }
    auto store = stores().acquire();
    return must(store->apply_decisions(batch, now()));
}

storage::Submission ReviewService::load_submission(std::int64_t id) {
    auto store = stores().acquire();
    auto s = store->get_submission(id);
    if (!s) {
        if (s.error().code == ErrorCode::NotFound)
            fail(404, "not_found", "no submission " + std::to_string(id));
        fail_internal(s.error());
    }
    return std::move(s).value();
}

storage::Submission ReviewService::submission(const Caller& by, std::int64_t id) {
    auto s = load_submission(id);
    if (by.role == Role::reviewer && !is_live_lease_of(s, by.name, now()))
        fail(403, "forbidden", "submission " + std::to_string(id) + " is not leased to you");
    return s;
}

// The reviewer compares the attempt they hold with the student's earlier ones: the history in
// the item names them, and their thumbnail and standardized image may be read. An attempt
// still pending or leased has no later attempt (ingest refuses one), so the common refusal
// costs no query.
void ReviewService::require_later_attempt_held(const Caller& by, const storage::Submission& s,
                                               const std::string& kind) {
    const std::string denied = "submission " + std::to_string(s.id) + " is not leased to you";
    if (s.state == SubmissionState::pending || s.state == SubmissionState::leased)
        fail(403, "forbidden", denied);
    std::vector<storage::Submission> attempts;
    {
        auto store = stores().acquire();
        attempts = must(store->student_history(s.student.id_number));
    }
    const std::int64_t t = now();
    const auto held = std::find_if(attempts.begin(), attempts.end(), [&](const storage::Submission& a) {
        return a.attempt > s.attempt && is_live_lease_of(a, by.name, t);
    });
    if (held == attempts.end()) fail(403, "forbidden", denied);
    if (kind != "thumbnail" && kind != "standardized")
        fail(403, "forbidden",
             "submission " + std::to_string(s.id) + " is attempt " + std::to_string(s.attempt) +
                 " of the student whose attempt " + std::to_string(held->attempt) +
                 " is leased to you: of an earlier attempt only the thumbnail and standardized "
                 "images may be read, not '" + kind + "'");
}

std::vector<unsigned char> ReviewService::image(const Caller& by, std::int64_t id,
                                                const std::string& kind, std::string* content_type,
                                                std::string* sha256) {
    const auto s = load_submission(id);
    if (by.role == Role::reviewer && !is_live_lease_of(s, by.name, now()))
        require_later_attempt_held(by, s, kind);
    std::string hash;
    std::string type = "image/jpeg";
    if (kind == "original") hash = s.images.original, type = "application/octet-stream";
    else if (kind == "standardized") hash = s.images.standardized;
    else if (kind == "matte") hash = s.images.matte, type = "image/png";
    else if (kind == "thumbnail") hash = s.images.thumbnail;
    else fail(400, "invalid_id", "'" + kind + "' is not original, standardized, matte or thumbnail");
    if (hash.empty())
        fail(404, "not_found", "submission " + std::to_string(id) + " has no " + kind + " image");
    auto store = stores().acquire();
    auto bytes = must(store->get_image(hash));
    if (kind == "original") {
        // Tell the client what the original really is, whatever the uploader named it.
        static const std::pair<std::string_view, const char*> kMagic[] = {
            {"\xFF\xD8\xFF", "image/jpeg"}, {"\x89PNG", "image/png"}, {"RIFF", "image/webp"}};
        for (const auto& [magic, t] : kMagic)
            if (bytes.size() >= magic.size() && std::equal(magic.begin(), magic.end(), bytes.begin(),
                                                           [](char a, unsigned char b) { return (unsigned char)a == b; }))
                type = t;
    }
    *content_type = type;
    *sha256 = hash;
    return bytes;
}

// [SECTION] supervisors and the platform

json ReviewService::events(std::int64_t after, std::int64_t limit) {
    auto store = stores().acquire();
    auto evs = must(store->events_since(after, int(limit)));
    json out = json::array();
    std::int64_t next = after;
    for (const auto& e : evs) {
        out.push_back(to_json(e, p_.reasons));
        next = e.cursor;
    }
    return {{"events", out}, {"next_cursor", next}};
}

json ReviewService::audit(const storage::AuditFilter& f, int limit, int offset, int sample,
                          std::uint64_t seed) {
    std::vector<storage::AuditRecord> records;
    {
        auto store = stores().acquire();
        records = must(store->audit_list(f, sample > 0 ? p_.settings.audit_max_limit : limit,
                                          sample > 0 ? 0 : offset));
    }
    if (sample > 0 && size_t(sample) < records.size()) {
        std::mt19937_64 rng(seed ? seed : std::random_device{}());
        std::vector<storage::AuditRecord> picked;
        std::sample(records.begin(), records.end(), std::back_inserter(picked), sample, rng);
        records = std::move(picked);  // std::sample keeps the input order: newest first
    }
    json out = json::array();
    for (const auto& r : records) out.push_back(to_json(r));
    return {{"records", out}};
}

storage::ChangeOutcome ReviewService::overturn(const Caller& by, std::int64_t id, const json& body) {
    const Fields f(body, "");
    auto v = parse_verdict_fields(f, body, p_.reasons);
    if (v.note.find_first_not_of(" \t\r\n") == std::string::npos)
        fail(422, "note_required", "note: an overturn needs a note", "note");
    storage::Overturn o;
    o.supervisor = by.name;
    o.submission_id = id;
    o.verdict = v.verdict;
    o.reasons = v.reasons;
    o.note = v.note;
    o.at = now();
    if (v.crop) {
        o.crop_json = v.crop->dump();
        const auto s = submission(by, id);
        if (s.state == SubmissionState::approved || s.state == SubmissionState::rejected)
            o.recropped_image = crop_and_render(s, *v.crop, "crop");
    }
    auto store = stores().acquire();
    auto r = store->overturn(o);
    if (!r) {
        if (r.error().code == ErrorCode::NotFound) fail(404, "not_found", r.error().message);
        fail_internal(r.error());
    }
    if (!r->applied)
        throw ApiError(409, "conflict", "overturn refused: " + r->message, "",
                       {{"state", storage::to_string(r->state)}});
    return r.value();
}

json ReviewService::stats() {
    auto store = stores().acquire();
    auto st = must(store->stats(now()));
    json by_state = json::object();
    for (const auto& [state, n] : st.by_state) by_state[storage::to_string(state)] = n;
    json reviewers = json::array();
    for (const auto& r : st.reviewers) {
        const double hours = std::max(1.0, double(r.last_at - r.first_at) / 3600.0);
        const double n = double(std::max<std::int64_t>(r.decisions, 1));
        reviewers.push_back({{"reviewer", r.reviewer},
                             {"decisions", r.decisions},
                             {"rejections", r.rejections},
                             {"overturned", r.overturned},
                             {"rejection_rate", r.decisions ? r.rejections / n : 0.0},
                             {"overturn_rate", r.decisions ? r.overturned / n : 0.0},
                             {"decisions_per_hour", r.decisions / hours},
                             {"by_reason", r.by_reason}});
    }
    return {{"by_state", by_state}, {"expired_leases", st.expired_leases}, {"reviewers", reviewers}};
}

json ReviewService::sla() {
    const auto t = now();
    auto store = stores().acquire();
    auto s = must(store->sla_summary(t));
    return {{"now", t},
            {"open",
             {{"total", s.open},
              {"overdue", s.overdue},
              {"due_24h", s.due_24h},
              {"oldest_deadline", s.oldest_deadline}}},
            {"decided",
             {{"total", s.decided},
              {"on_time", s.decided_on_time},
              {"late", s.decided - s.decided_on_time},
              {"compliance", s.decided ? double(s.decided_on_time) / s.decided : 1.0}}}};
}

// [SECTION] any user

json ReviewService::queue() {
    std::lock_guard<std::mutex> lock(queue_mu_);
    const auto fresh_for = std::chrono::seconds(p_.settings.queue_cache_s);
    const auto tick = std::chrono::steady_clock::now();
    if (!queue_cached_.is_null() && tick - queue_cached_at_ < fresh_for) return queue_cached_;

    const std::int64_t t = now();
    // "Due today": the deadline falls before the next local midnight of the calendar's zone.
    const int offset = p_.calendar.utc_offset_minutes();
    const std::int64_t end_of_day =
        domain::local_midnight(domain::add_days(domain::local_date(t, offset), 1), offset);
    storage::QueueFigures q;
    {
        auto store = stores().acquire();
        q = must(store->queue_figures(t, end_of_day));
    }
    queue_cached_ = {{"now", t},
                     {"open", q.open},
                     {"pending", q.open - q.leased},
                     {"leased", q.leased},
                     {"overdue", q.overdue},
                     {"due_today", q.due_today},
                     {"due_24h", q.due_24h},
                     {"oldest_deadline", q.oldest_deadline}};
    queue_cached_at_ = tick;
    return queue_cached_;
}

static std::string export_file_name(const std::string& school, const std::string& grade) {
    std::string name = school + (grade.empty() ? "" : "-" + grade);
    for (char& c : name)
        if (c == '/' || c == '\\' || (unsigned char)c < 0x20 || c == ':') c = '_';
    if (name.empty() || name[0] == '.') name = "_" + name;
    return name + ".zip";
}

ExportReply ReviewService::export_school(const Caller& by, const std::string& school,
                                         const std::string& grade, const std::filesystem::path& out) {
    if (school.empty()) fail(400, "invalid_field", "school: is required", "school");
    std::vector<storage::ExportItem> items;
    {
        auto store = stores().acquire();
        items = must(store->lock_for_export(by.name, school, grade, now()));
    }
    ExportReply reply;
    reply.path = out.empty() ? p_.data_dir / "exports" / export_file_name(school, grade) : out;
    reply.name = reply.path.filename().string();
    std::error_code ec;
    std::filesystem::create_directories(reply.path.parent_path(), ec);
    auto loader = [this](const std::string& sha) {
        auto store = stores().acquire();
        return store->get_image(sha);
    };
    // A path ending in .zip (or none: DATA/exports/NAME.zip) gets a zip, anything else a folder.
    const bool zip = reply.path.extension() == ".zip";
    auto summary = zip ? exchange::write_export_zip(items, loader, reply.path)
                       : exchange::write_export_folder(items, loader, reply.path);
    if (!summary) fail_internal(summary.error());
    reply.items = summary->items;
    reply.sha256 = summary->sha256;
    return reply;
}

// [SECTION] admin

void ReviewService::unlock(const Caller& by, const std::string& id_number, const std::string& note) {
    auto id = domain::validate_id_number(id_number);
    if (!id) fail(422, "invalid_id_number", "id_number: " + id.error().message, "id_number");
    if (note.find_first_not_of(" \t\r\n") == std::string::npos)
        fail(422, "note_required", "note: an unlock needs a note", "note");
    auto store = stores().acquire();
    auto st = store->unlock_student(by.name, id.value(), note, now());
    if (!st) {
        if (st.error().code == ErrorCode::NotFound)
            fail(404, "not_found", "no student " + domain::mask_id_number(id.value()));
        fail_internal(st.error());
    }
}

std::string ReviewService::add_user(const std::string& actor, const std::string& name, Role role) {
    if (name.empty() || name.size() > 64 ||
        name.find_first_of(" \t\r\n/\\:") != std::string::npos)
        fail(400, "invalid_field", "name: 1..64 characters without spaces, slashes or colons", "name");
    const std::string token = new_token();
    auto store = stores().acquire();
    auto u = store->add_user(name, role, hash_token(token), now());
    if (!u) {
        if (u.error().code == ErrorCode::InvalidArgument)
            fail(409, "conflict", u.error().message, "name");
        fail_internal(u.error());
    }
    (void)actor;
    return token;
}

storage::User ReviewService::authenticate(const std::string& token) {
    // Users are never renamed or deleted, so a token once found stays valid: cache it and
    // spare every request a database round trip.
    const std::string h = hash_token(token);
    {
        std::lock_guard<std::mutex> lock(users_mu_);
        if (auto it = users_.find(h); it != users_.end()) return it->second;
    }
    auto store = stores().acquire();
    auto u = store->find_user_by_token_hash(h);
    if (!u) {
        if (u.error().code == ErrorCode::NotFound) fail(401, "unauthorized", "unknown token");
        fail_internal(u.error());
    }
    std::lock_guard<std::mutex> lock(users_mu_);
    users_[h] = u.value();
    return u.value();
}

// [SECTION] composition

Result<std::unique_ptr<ReviewService>> make_service(const ServiceOptions& opt) {
    const std::string cfg = opt.config_dir.empty() ? config::default_config_dir() : opt.config_dir;
    auto settings = opt.settings_file.empty() ? config::load_server_settings(cfg)
                                              : config::load_server_settings_file(opt.settings_file);
    if (!settings) return settings.error();
    auto reasons = config::load_reasons(cfg);
    if (!reasons) return reasons.error();
    auto calendar = config::load_calendar(cfg);
    if (!calendar) return calendar.error();

    ServiceParts parts;
    parts.settings = settings.value();
    parts.reasons = std::move(reasons).value();
    parts.calendar = std::move(calendar).value();
    parts.data_dir = opt.data_dir;
    if (opt.load_engine) {
        auto engine = setup::make_engine({cfg, parts.settings.spec});
        if (!engine) return engine.error();
        parts.engine = engine.value();
    }
    const std::filesystem::path data = opt.data_dir;
    const std::string db = opt.db;
    auto pool = StorePool::open(
        [&]() -> Result<std::unique_ptr<storage::Store>> {
            return db.empty() ? storage::open_sqlite_store(data)
                              : storage::open_postgres_store(db, data);
        },
        opt.pool_size > 0 ? opt.pool_size : parts.settings.db_connections);
    if (!pool) return pool.error();
    parts.stores = std::move(pool).value();
    return std::make_unique<ReviewService>(std::move(parts));
}

}  // namespace pd::server
