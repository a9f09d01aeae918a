// IngestService (ingest_service.h).
#include "server/ingest_service.h"

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>

#include "domain/id_number.h"
#include "storage/image_store.h"
#include "wire/engine_json.h"

namespace pd::server {

using nlohmann::json;
using storage::Role;
using storage::SubmissionState;

namespace {

// Earlier submissions of the same bytes looked at for a reusable analysis, newest first. Older
// ones were made by older engine versions, if the newest do not match.
constexpr int kReuseCandidates = 8;

std::vector<unsigned char> encode(const cv::Mat& img, const char* ext, std::vector<int> params = {}) {
    std::vector<unsigned char> out;
    if (img.empty() || !cv::imencode(ext, img, out, params)) out.clear();
    return out;
}

cv::Mat thumbnail_of(const cv::Mat& bgr, int width) {
    cv::Mat small;
    const double k = double(width) / bgr.cols;
    cv::resize(bgr, small, cv::Size(width, std::max(1, int(std::lround(bgr.rows * k)))), 0, 0,
               k < 1 ? cv::INTER_AREA : cv::INTER_LINEAR);
    return small;
}

// The roster fields every submission needs; the ID number comes back normalised.
std::optional<ServiceError> validate_student(storage::Student& st) {
    for (const auto& [value, field] : {std::pair{&st.name, "name"}, {&st.id_number, "id_number"},
                                       {&st.student_no, "student_no"}, {&st.school, "school"}, {&st.grade, "grade"}})
        if (value->empty())
            return refusal(Refusal::malformed, "invalid_field", std::string("meta.") + field + ": is required",
                           std::string("meta.") + field);
    auto id = domain::validate_id_number(st.id_number);
    if (!id)
        return refusal(Refusal::rule, "invalid_id_number", "meta.id_number: " + id.error().message, "meta.id_number");
    st.id_number = id.value();
    return std::nullopt;
}

ServiceError in_review(std::int64_t id, int attempt) {
    auto e = refusal(Refusal::conflict, "in_review",
                     "the student already has attempt " + std::to_string(attempt) + " in review");
    e.extra = {{"submission_id", id}, {"attempt", attempt}};
    return e;
}

// True when `report` (an engine report, docs/cli.md) was made by this engine version and spec.
bool made_by(const json& report, int engine_version, const std::string& spec) {
    if (!report.is_object()) return false;
    const auto v = report.find("engine_version");
    const auto s = report.find("spec");
    return v != report.end() && v->is_number_integer() && v->get<std::int64_t>() == engine_version &&
           s != report.end() && s->is_string() && s->get<std::string>() == spec;
}

}  // namespace

std::optional<ServiceError> IngestService::refuse_submitted_at(const Caller& by) {
    if (by.role == Role::admin) return std::nullopt;
    return refusal(Refusal::forbidden, "forbidden",
                   std::string("meta.submitted_at: only role admin may set the time of receipt (to import a "
                               "backlog); role '") +
                       storage::to_string(by.role) + "' sends photos as they arrive",
                   "meta.submitted_at");
}

Outcome<IngestReply> IngestService::ingest(const Caller& by, IngestRequest req) {
    storage::Student& st = req.student;
    if (auto e = validate_student(st)) return *e;
    if (req.photo.empty()) return refusal(Refusal::malformed, "invalid_field", "photo: the file is empty", "photo");
    if (std::int64_t(req.photo.size()) > ctx_.settings().max_upload_bytes)
        return refusal(Refusal::too_large, "payload_too_large",
                       "photo: " + std::to_string(req.photo.size()) + " bytes, over the limit of " +
                           std::to_string(ctx_.settings().max_upload_bytes));

    auto at = receipt_time(by, req.submitted_at);
    if (!at) return at.error();
    auto deadline = ctx_.calendar().sla_deadline(at.value());
    if (!deadline) return refusal(Refusal::unavailable, "calendar_missing_year", deadline.error().message);
    if (auto e = refuse_if_in_review(st.id_number)) return *e;

    storage::NewSubmission ns;
    ns.student = st;
    ns.submitted_at = at.value();
    ns.sla_deadline = deadline.value();
    IngestReply reply;
    auto reused = reuse_engine_output(storage::sha256_hex(req.photo), ns, &reply.spec_error);
    if (!reused) return reused.error();
    reply.reused = reused.value();
    if (!reply.reused)
        if (auto e = run_engine(req.photo, ns, &reply.spec_error)) return *e;

    auto store = ctx_.stores().acquire();
    auto added = store->add_submission(ns);
    if (!added) return store_failure(added.error());
    switch (added->status) {
        case storage::AddStatus::added: break;
        case storage::AddStatus::in_review: return in_review(added->id, added->attempt);
        case storage::AddStatus::needs_unlock: {
            auto e = refusal(Refusal::conflict, "needs_unlock",
                             "the student's attempt " + std::to_string(added->attempt) + " is " +
                                 storage::to_string(added->blocking_state) +
                                 ": an admin must unlock the student before a new attempt");
            e.extra = {{"submission_id", added->id}, {"attempt", added->attempt}};
            return e;
        }
    }
    auto sub = store->get_submission(added->id);
    if (!sub) return store_failure(sub.error());
    reply.submission = std::move(sub).value();
    return reply;
}

Outcome<std::int64_t> IngestService::receipt_time(const Caller& by,
                                                  std::optional<std::int64_t> submitted_at) const {
    const std::int64_t t = ctx_.now();
    if (!submitted_at) return t;
    if (auto e = refuse_submitted_at(by)) return *e;
    const std::string field = "meta.submitted_at";
    const std::int64_t v = *submitted_at;
    if (v <= 0)
        return refusal(Refusal::malformed, "invalid_field",
                       field + ": must be a positive unix time in seconds (got " + std::to_string(v) + ")", field);
    const int skew = ctx_.settings().submitted_at_max_skew_s;
    if (v > t + skew)
        return refusal(Refusal::malformed, "invalid_field",
                       field + ": " + std::to_string(v) + " is in the future (server time " + std::to_string(t) +
                           ", allowed clock skew " + std::to_string(skew) + " s)",
                       field);
    return v;
}

// Refuses early (no engine run) when an attempt is already in review; add_submission decides
// authoritatively later.
std::optional<ServiceError> IngestService::refuse_if_in_review(const std::string& id_number) {
    auto store = ctx_.stores().acquire();
    auto history = store->student_history(id_number);
    if (!history) return store_failure(history.error());
    if (history->empty()) return std::nullopt;
    const auto& last = history->back();
    if (last.state == SubmissionState::pending || last.state == SubmissionState::leased)
        return in_review(last.id, last.attempt);
    return std::nullopt;
}

// The bytes' original image is already stored (the earlier submission references it), so a
// reuse writes no file at all.
Outcome<bool> IngestService::reuse_engine_output(const std::string& original_sha256,
                                                 storage::NewSubmission& ns, json* spec_error) {
    if (!ctx_.engine()) return false;
    const auto& cfg = ctx_.engine()->config();
    std::vector<storage::EngineOutput> found;
    {
        auto store = ctx_.stores().acquire();
        auto r = store->engine_outputs(original_sha256, kReuseCandidates);
        if (!r) return store_failure(r.error());
        found = std::move(r).value();
    }
    for (auto& o : found) {
        const json report = json::parse(o.checks_json, nullptr, false);
        if (!made_by(report, cfg.settings.version, cfg.spec.name)) continue;
        if (const auto e = report.find("spec_error"); e != report.end() && e->is_object()) *spec_error = *e;
        ns.checks_json = std::move(o.checks_json);
        ns.images = o.images;
        return true;
    }
    return false;
}

std::optional<ServiceError> IngestService::run_engine(std::span<const unsigned char> photo,
                                                      storage::NewSubmission& ns, json* spec_error) {
    const engine::PhotoEngine* E = ctx_.engine();
    if (!E) return store_failure(make_error(ErrorCode::Internal, "this process was started without the photo engine"));
    EngineGate::Slot slot(ctx_.engine_gate());
    // A file already at the spec's pixel size is judged and kept as it is (judged_as_final).
    auto outcome = E->process(photo);
    if (!outcome) {
        if (outcome.error().code == ErrorCode::Internal) return store_failure(outcome.error());
        return refusal(Refusal::rule, "bad_image", "photo: " + outcome.error().message, "photo");
    }
    const auto& o = outcome.value();
    const json report = wire::report_json(o, E->config().spec, E->config().settings.version);
    if (const auto e = report.find("spec_error"); e != report.end()) *spec_error = *e;
    ns.checks_json = report.dump();

    auto store = ctx_.stores().acquire();
    const int thumb = ctx_.settings().thumbnail_width;
    const std::vector<int> thumb_params = {cv::IMWRITE_JPEG_QUALITY, 85};
    // Every image is stored before the row that names it; the first failure stops the ingest.
    auto put = [&](std::span<const unsigned char> bytes, std::string& hash) -> std::optional<ServiceError> {
        if (bytes.empty()) return store_failure(make_error(ErrorCode::Internal, "could not encode an image"));
        auto h = store->put_image(bytes);
        if (!h) return store_failure(h.error());
        hash = std::move(h).value();
        return std::nullopt;
    };
    if (auto e = put(photo, ns.images.original)) return e;
    if (o.photo) {
        if (o.judged_as_final) ns.images.standardized = ns.images.original;  // the same bytes
        else if (auto e = put(o.photo->jpeg.bytes, ns.images.standardized)) return e;
        if (!o.photo->alpha.empty()) {
            cv::Mat a8;
            o.photo->alpha.convertTo(a8, CV_8U, 255.0);
            if (auto e = put(encode(a8, ".png"), ns.images.matte)) return e;
        }
        if (auto e = put(encode(thumbnail_of(o.photo->bgr, thumb), ".jpg", thumb_params), ns.images.thumbnail)) return e;
    } else if (!o.analysis.working.empty()) {
        if (auto e = put(encode(thumbnail_of(o.analysis.working, thumb), ".jpg", thumb_params), ns.images.thumbnail))
            return e;
    }
    return std::nullopt;
}

}  // namespace pd::server
