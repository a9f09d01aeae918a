// The JSON forms of API v1 (docs/api.md): request bodies in, as the typed requests of
// requests.h, and records out. This is the API layer's edge: a reader that meets a body it
// cannot take throws RequestError (400 invalid_json / invalid_field naming the field, e.g.
// "decisions[2].verdict"), which the route wrapper (http_server.cpp) turns into the error body,
// so every malformed request gets one specific answer and nothing is stored. Services never
// throw; take() turns their ServiceError into a RequestError at the edge.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <exception>
#include <string>
#include <string_view>
#include <vector>

#include "domain/reason_catalog.h"
#include "domain/server_settings.h"
#include "server/requests.h"
#include "server/review_service.h"
#include "server/service_error.h"
#include "server/supervision_service.h"
#include "storage/model.h"

namespace pd::server {

inline constexpr int kApiVersion = 1;

struct RequestError : std::exception {
    explicit RequestError(ServiceError e) : error(std::move(e)) {}
    const char* what() const noexcept override { return error.message.c_str(); }
    ServiceError error;
};

[[noreturn]] inline void reject(ServiceError e) { throw RequestError(std::move(e)); }

// The value of a service call, or its refusal thrown for the route wrapper.
template <class T>
T take(Outcome<T> o) {
    if (!o) reject(o.error());
    return std::move(o).value();
}

// [SECTION] in
// A request body as a JSON object: invalid_json unless it is one, nested at most `max_depth`
// levels ([http] max_json_depth; checked before parsing, so a deep body costs one scan).
nlohmann::json parse_body(std::string_view body, int max_depth);

ClaimRequest read_claim(const nlohmann::json& body, const domain::ServerSettings& s);
RenewRequest read_renew(const nlohmann::json& body, const domain::ServerSettings& s);
ReleaseRequest read_release(const nlohmann::json& body, const domain::ServerSettings& s);
DecisionBatchRequest read_decisions(const nlohmann::json& body, const domain::ServerSettings& s);
OverturnRequest read_overturn(const nlohmann::json& body, std::int64_t submission_id,
                              const domain::ServerSettings& s);
ExportRequest read_export(const nlohmann::json& body);
UnlockRequest read_unlock(const nlohmann::json& body, std::string id_number);
NewUserRequest read_new_user(const nlohmann::json& body);
// The ingest's `meta` part (without the photo). `submitted_at` is read only when the caller
// may set it (IngestService::refuse_submitted_at, thrown first).
IngestRequest read_ingest_meta(const nlohmann::json& meta, const Caller& by);

// [SECTION] out
// `mask_ids`: reviewers see ID numbers masked (domain::mask_id_number).
nlohmann::json to_json(const storage::Submission& s, bool mask_ids);
nlohmann::json to_json(const storage::DecisionOutcome& o);
nlohmann::json to_json(const storage::AuditRecord& r);
// Events with their payloads parsed and every reason code expanded with the student-facing
// messages of the catalog, so the platform can tell the student without a second lookup.
nlohmann::json to_json(const EventsPage& page, const domain::ReasonCatalog& reasons);
nlohmann::json to_json(const domain::Reason& r);
nlohmann::json to_json(const QueueReply& q);
nlohmann::json to_json(const storage::Stats& st);
nlohmann::json to_json(const SlaReply& s);

}  // namespace pd::server
