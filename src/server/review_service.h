// ReviewService: the review queue's rules on top of the Store, shared by the HTTP API
// (http_server.h) and photodeskd's admin commands (ingest, export, user add). It knows the
// reason catalog, the working calendar, the server settings and the photo engine; it does
// not know HTTP. The ingest section lives in review_ingest.cpp.
//
// Every public method either returns its answer or throws ApiError (api_error.h) with the
// status and code docs/api.md gives; nothing else escapes. Methods are thread-safe: each takes
// a connection from the pool for one Store call (one transaction). Engine work (ingest,
// re-crop) runs under a semaphore of [ingest] workers, so a burst of uploads cannot take more
// cores or memory than configured.
#pragma once

#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <semaphore>
#include <span>
#include <string>
#include <vector>

#include "domain/calendar.h"
#include "domain/reason_catalog.h"
#include "domain/server_settings.h"
#include "engine/photo_engine.h"
#include "server/store_pool.h"
#include "storage/model.h"

namespace pd::server {

struct Caller {
    std::string name;
    storage::Role role = storage::Role::reviewer;
};

struct IngestReply {
    storage::Submission submission;
    std::string spec_error;   // why no standardized photo could be made (empty when made)
    bool reused = false;      // the engine's results came from an earlier ingest of the bytes
};

struct ExportReply {
    std::string name;         // file name under DATA/exports/
    std::filesystem::path path;
    int items = 0;
    std::string sha256;
};

struct ServiceParts {
    domain::ServerSettings settings;
    domain::ReasonCatalog reasons;
    domain::WorkCalendar calendar;
    std::shared_ptr<const engine::PhotoEngine> engine;
    std::unique_ptr<StorePool> stores;
    std::filesystem::path data_dir;
    std::function<std::int64_t()> clock;   // unix seconds; empty = system clock
};

class ReviewService {
public:
    explicit ReviewService(ServiceParts parts);

    const domain::ServerSettings& settings() const { return p_.settings; }
    const domain::ReasonCatalog& reasons() const { return p_.reasons; }
    StorePool& stores() { return *p_.stores; }
    const std::filesystem::path& data_dir() const { return p_.data_dir; }
    std::int64_t now() const;

    // [SECTION] ingest (review_ingest.cpp)
    // Validates the student (ID number check digit: 422 invalid_id_number), refuses early when
    // the student has an attempt in review (409), runs the engine (422 bad_image when the
    // bytes are no photo) unless the same bytes were analysed before by this engine version
    // and spec (their report and images are reused), stores original, standardized, matte and
    // thumbnail, computes the SLA deadline (503 calendar_missing_year) and adds the submission
    // (409 in_review / needs_unlock).
    // `submitted_at` (admin only, for importing a backlog; 403 for other roles): the time of
    // receipt the deadline is computed from, > 0 and not after now + [ingest]
    // submitted_at_max_skew_seconds (400). Absent: now.
    IngestReply ingest(const Caller& by, storage::Student student,
                       std::span<const unsigned char> photo,
                       std::optional<std::int64_t> submitted_at = std::nullopt);
    // 403 forbidden naming meta.submitted_at unless the caller may set it (admins). Callers
    // that parse the field check this first, so a refused role learns nothing about the value.
    static void require_may_set_submitted_at(const Caller& by);

    // [SECTION] reviewer
    std::vector<storage::Submission> claim(const Caller& by, const nlohmann::json& body);
    std::vector<storage::Lease> renew(const Caller& by, const nlohmann::json& body);
    int release(const Caller& by, const nlohmann::json& body);
    // Validates the whole batch first (reasons in the catalog, notes, crops), renders
    // re-crops, then applies it in one transaction.
    std::vector<storage::DecisionOutcome> decide(const Caller& by, const nlohmann::json& body);

    // An item as the caller may see it: reviewers only their live leases (403 otherwise).
    storage::Submission submission(const Caller& by, std::int64_t id);
    // kind: original | standardized | matte | thumbnail. Returns bytes and sets *content_type.
    // Reviewers: the images of their live leases, plus the thumbnail and standardized image
    // of the earlier attempts of a student whose later attempt they hold (403 otherwise).
    std::vector<unsigned char> image(const Caller& by, std::int64_t id, const std::string& kind,
                                     std::string* content_type, std::string* sha256);

    // [SECTION] any user
    // GET /v1/queue: size and SLA figures for status bars, recomputed at most once per
    // [queue] cache_seconds (all callers share the answer).
    nlohmann::json queue();

    // [SECTION] supervisors and the platform
    nlohmann::json events(std::int64_t after, std::int64_t limit);
    nlohmann::json audit(const storage::AuditFilter& f, int limit, int offset, int sample,
                         std::uint64_t seed);
    storage::ChangeOutcome overturn(const Caller& by, std::int64_t id, const nlohmann::json& body);
    nlohmann::json stats();
    nlohmann::json sla();
    ExportReply export_school(const Caller& by, const std::string& school, const std::string& grade,
                              const std::filesystem::path& out /* empty: DATA/exports/NAME.zip */);

    // [SECTION] admin
    void unlock(const Caller& by, const std::string& id_number, const std::string& note);
    // Returns the token (shown once).
    std::string add_user(const std::string& actor, const std::string& name, storage::Role role);
    storage::User authenticate(const std::string& token);   // 401 unauthorized

private:
    // Holds one engine slot for its lifetime.
    struct EngineSlot {
        explicit EngineSlot(std::counting_semaphore<256>& s) : s_(s) { s_.acquire(); }
        ~EngineSlot() { s_.release(); }
        std::counting_semaphore<256>& s_;
    };

    std::string crop_and_render(const storage::Submission& s, const nlohmann::json& crop,
                                const std::string& field);
    storage::Submission load_submission(std::int64_t id);   // 404 not_found
    // For a reviewer's image request on an item not leased to them: passes only for the
    // thumbnail/standardized image of an earlier attempt whose later attempt they hold.
    void require_later_attempt_held(const Caller& by, const storage::Submission& s,
                                    const std::string& kind);

    // ingest helpers (review_ingest.cpp)
    std::int64_t receipt_time(const Caller& by, std::optional<std::int64_t> submitted_at) const;
    void refuse_if_in_review(const std::string& id_number);
    bool reuse_engine_output(const std::string& original_sha256, storage::NewSubmission& ns,
                             std::string* spec_error);
    void run_engine(std::span<const unsigned char> photo, storage::NewSubmission& ns,
                    std::string* spec_error);

    ServiceParts p_;
    std::counting_semaphore<256> engine_slots_;
    std::mutex users_mu_;
    std::map<std::string, storage::User> users_;   // token hash -> user (users never change)
    // GET /v1/queue's last answer and when it was computed (steady clock). Guarded by
    // queue_mu_, which stays held while the figures are recomputed: callers arriving then wait
    // for that one query and share its answer instead of each running it.
    std::mutex queue_mu_;
    nlohmann::json queue_cached_;
    std::chrono::steady_clock::time_point queue_cached_at_{};
};

// Builds the pieces from config and opens the store pool: the composition root of
// photodeskd. `db` empty = SQLite in data_dir, else a PostgreSQL conninfo / URI.
struct ServiceOptions {
    std::filesystem::path data_dir;
    std::string db;
    std::string config_dir;       // empty = config::default_config_dir()
    std::string settings_file;    // empty = CONFIG_DIR/server.toml
    int pool_size = 0;            // 0 = settings.threads
    bool load_engine = true;      // admin commands that never run the engine skip the model
};
Result<std::unique_ptr<ReviewService>> make_service(const ServiceOptions& opt);

}  // namespace pd::server
