// ReviewService, ingest: one photo of one student into the queue, for POST /v1/submissions and
// `photodeskd ingest`. The engine's results are reused when the same bytes were analysed
// before by the same engine version and spec: re-uploads and bulk (demo, benchmark) queues
// then cost a hash and a lookup instead of an engine run.
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>

#include "domain/id_number.h"
#include "engine/decode/decode.h"
#include "server/api_error.h"
#include "server/review_service.h"
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
    if (img.empty() || !cv::imencode(ext, img, out, params))
        fail(500, "internal", std::string("could not encode ") + ext);
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
void validate_student(storage::Student& st) {
    auto need = [](const std::string& v, const char* field) {
        if (v.empty())
            fail(400, "invalid_field", std::string("meta.") + field + ": is required",
                 std::string("meta.") + field);
    };
    need(st.name, "name");
    need(st.id_number, "id_number");
    need(st.student_no, "student_no");
    need(st.school, "school");
    need(st.grade, "grade");
    auto id = domain::validate_id_number(st.id_number);
    if (!id)
        fail(422, "invalid_id_number", "meta.id_number: " + id.error().message, "meta.id_number");
    st.id_number = id.value();
}

ApiError in_review(std::int64_t id, int attempt) {
    return ApiError(409, "in_review",
                    "the student already has attempt " + std::to_string(attempt) + " in review", "",
                    {{"submission_id", id}, {"attempt", attempt}});
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

void ReviewService::require_may_set_submitted_at(const Caller& by) {
    if (by.role != Role::admin)
        fail(403, "forbidden",
             std::string("meta.submitted_at: only role admin may set the time of receipt (to import "
                         "a backlog); role '") +
                 storage::to_string(by.role) + "' sends photos as they arrive",
             "meta.submitted_at");
}

IngestReply ReviewService::ingest(const Caller& by, storage::Student st,
                                  std::span<const unsigned char> photo,
                                  std::optional<std::int64_t> submitted_at) {
    validate_student(st);
    if (photo.empty()) fail(400, "invalid_field", "photo: the file is empty", "photo");
    if (std::int64_t(photo.size()) > p_.settings.max_upload_bytes)
        fail(413, "payload_too_large",
             "photo: " + std::to_string(photo.size()) + " bytes, over the limit of " +
                 std::to_string(p_.settings.max_upload_bytes));

    const std::int64_t at = receipt_time(by, submitted_at);
    auto deadline = p_.calendar.sla_deadline(at);
    if (!deadline) fail(503, "calendar_missing_year", deadline.error().message);
    refuse_if_in_review(st.id_number);

    storage::NewSubmission ns;
    ns.student = st;
    ns.submitted_at = at;
    ns.sla_deadline = deadline.value();
    IngestReply reply;
    reply.reused = reuse_engine_output(storage::sha256_hex(photo), ns, &reply.spec_error);
    if (!reply.reused) run_engine(photo, ns, &reply.spec_error);

    auto store = stores().acquire();
    auto added = must(store->add_submission(ns));
    switch (added.status) {
        case storage::AddStatus::added: break;
        case storage::AddStatus::in_review: throw in_review(added.id, added.attempt);
        case storage::AddStatus::needs_unlock:
            throw ApiError(409, "needs_unlock",
                           "the student's attempt " + std::to_string(added.attempt) + " is " +
                               storage::to_string(added.blocking_state) +
                               ": an admin must unlock the student before a new attempt",
                           "", {{"submission_id", added.id}, {"attempt", added.attempt}});
    }
    reply.submission = must(store->get_submission(added.id));
    return reply;
}

std::int64_t ReviewService::receipt_time(const Caller& by,
                                         std::optional<std::int64_t> submitted_at) const {
    const std::int64_t t = now();
    if (!submitted_at) return t;
    require_may_set_submitted_at(by);
    const std::string field = "meta.submitted_at";
    const std::int64_t v = *submitted_at;
    if (v <= 0)
        fail(400, "invalid_field",
             field + ": must be a positive unix time in seconds (got " + std::to_string(v) + ")", field);
    const int skew = p_.settings.submitted_at_max_skew_s;
    if (v > t + skew)
        fail(400, "invalid_field",
             field + ": " + std::to_string(v) + " is in the future (server time " + std::to_string(t) +
                 ", allowed clock skew " + std::to_string(skew) + " s)",
             field);
    return v;
}

// Refuses early (no engine run) when an attempt is already in review; add_submission decides
// authoritatively later.
void ReviewService::refuse_if_in_review(const std::string& id_number) {
    auto store = stores().acquire();
    auto history = must(store->student_history(id_number));
    if (history.empty()) return;
    const auto& last = history.back();
    if (last.state == SubmissionState::pending || last.state == SubmissionState::leased)
        throw in_review(last.id, last.attempt);
}

// The bytes' original image is already stored (the earlier submission references it), so a
// reuse writes no file at all.
bool ReviewService::reuse_engine_output(const std::string& original_sha256, storage::NewSubmission& ns,
                                        std::string* spec_error) {
    if (!p_.engine) return false;
    const auto& cfg = p_.engine->config();
    std::vector<storage::EngineOutput> found;
    {
        auto store = stores().acquire();
        found = must(store->engine_outputs(original_sha256, kReuseCandidates));
    }
    for (auto& o : found) {
        const json report = json::parse(o.checks_json, nullptr, false);
        if (!made_by(report, cfg.settings.version, cfg.spec.name)) continue;
        if (const auto e = report.find("spec_error"); e != report.end() && e->is_object())
            *spec_error = e->value("message", "");
        ns.checks_json = std::move(o.checks_json);
        ns.images = o.images;
        return true;
    }
    return false;
}

void ReviewService::run_engine(std::span<const unsigned char> photo, storage::NewSubmission& ns,
                               std::string* spec_error) {
    if (!p_.engine) fail(500, "internal", "this process was started without the photo engine");
    const engine::PhotoEngine& E = *p_.engine;
    EngineSlot slot(engine_slots_);
    auto head = engine::decode_image(photo, {E.config().settings.max_pixels, 64, true});
    if (!head) fail(422, "bad_image", "photo: " + head.error().message, "photo");
    const bool final_size = head->facts.width == E.config().spec.width &&
                            head->facts.height == E.config().spec.height;
    auto outcome = final_size ? E.check_final(photo) : E.standardize(photo);
    if (!outcome) {
        if (outcome.error().code == ErrorCode::Internal) fail_internal(outcome.error());
        fail(422, "bad_image", "photo: " + outcome.error().message, "photo");
    }
    const auto& o = outcome.value();
    if (o.spec_error) *spec_error = o.spec_error->message;
    ns.checks_json = wire::report_json(o, E.config().spec, E.config().settings.version).dump();

    auto store = stores().acquire();
    const int thumb = p_.settings.thumbnail_width;
    const std::vector<int> thumb_params = {cv::IMWRITE_JPEG_QUALITY, 85};
    ns.images.original = must(store->put_image(photo));
    if (o.photo) {
        ns.images.standardized =
            final_size ? ns.images.original : must(store->put_image(o.photo->jpeg.bytes));
        if (!o.photo->alpha.empty()) {
            cv::Mat a8;
            o.photo->alpha.convertTo(a8, CV_8U, 255.0);
            ns.images.matte = must(store->put_image(encode(a8, ".png")));
        }
        ns.images.thumbnail =
            must(store->put_image(encode(thumbnail_of(o.photo->bgr, thumb), ".jpg", thumb_params)));
    } else if (!o.analysis.working.empty()) {
        ns.images.thumbnail = must(
            store->put_image(encode(thumbnail_of(o.analysis.working, thumb), ".jpg", thumb_params)));
    }
}

}  // namespace pd::server
