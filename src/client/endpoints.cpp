// ApiClient's typed helpers (one per endpoint of docs/api.md), the JSON forms of their
// request structs, URL escaping and decision ids.
#include "client/api_client.h"

#include <array>
#include <cstdio>
#include <random>


namespace pd::client {

namespace {

// Builds "?a=1&b=%E7%A4%BA" from the parameters that are set.
class Query {
public:
    Query& add(const char* key, std::string_view value) {
        if (!value.empty()) append(key, url_escape(value));
        return *this;
    }
    Query& add(const char* key, std::int64_t value) {
        if (value != 0) append(key, std::to_string(value));
        return *this;
    }
    std::string str() const { return text_; }

private:
    void append(const char* key, const std::string& value) {
        text_ += text_.empty() ? '?' : '&';
        text_ += key;
        text_ += '=';
        text_ += value;
    }
    std::string text_;
};

nlohmann::json to_json(const Crop& c) { return {{"x", c.x}, {"y", c.y}, {"width", c.width}}; }

}  // namespace

// [SECTION] Free functions

std::string new_decision_id() {
    // Seeded once per thread from the OS; 122 random bits per id.
    thread_local std::mt19937_64 rng([] {
        std::random_device rd;
        std::seed_seq seq{rd(), rd(), rd(), rd(), rd(), rd(), rd(), rd()};
        return std::mt19937_64(seq);
    }());
    std::uint64_t hi = rng();
    std::uint64_t lo = rng();
    hi = (hi & 0xFFFFFFFFFFFF0FFFULL) | 0x0000000000004000ULL;  // version 4
    lo = (lo & 0x3FFFFFFFFFFFFFFFULL) | 0x8000000000000000ULL;  // variant 10xx
    std::array<char, 37> buf{};
    std::snprintf(buf.data(), buf.size(), "%08x-%04x-%04x-%04x-%012llx",
                  static_cast<unsigned>(hi >> 32), static_cast<unsigned>((hi >> 16) & 0xFFFF),
                  static_cast<unsigned>(hi & 0xFFFF), static_cast<unsigned>(lo >> 48),
                  static_cast<unsigned long long>(lo & 0xFFFFFFFFFFFFULL));
    return std::string(buf.data(), 36);
}

nlohmann::json to_json(const ClaimRequest& r) {
    nlohmann::json j = nlohmann::json::object();
    if (r.n > 0) j["n"] = r.n;
    if (r.lease_seconds > 0) j["lease_seconds"] = r.lease_seconds;
    if (!r.school.empty()) j["school"] = r.school;
    if (!r.grade.empty()) j["grade"] = r.grade;
    if (r.flagged_only) j["flagged_only"] = true;
    if (r.resubmissions_only) j["resubmissions_only"] = true;
    return j;
}

nlohmann::json to_json(const DecisionInput& d) {
    nlohmann::json j = {{"decision_id", d.decision_id},
                        {"submission_id", d.submission_id},
                        {"verdict", d.verdict},
                        {"reasons", d.reasons},
                        {"note", d.note}};
    if (d.crop) j["crop"] = to_json(*d.crop);
    if (d.decided_at != 0) j["decided_at"] = d.decided_at;
    return j;
}

// [SECTION] Typed helpers

Result<Response> ApiClient::healthz() { return get("/healthz"); }
Result<Response> ApiClient::metrics() { return get("/metrics"); }
Result<Response> ApiClient::me() { return get("/v1/me"); }
Result<Response> ApiClient::reasons() { return get("/v1/reasons"); }
Result<Response> ApiClient::queue() { return get("/v1/queue"); }
Result<Response> ApiClient::stats() { return get("/v1/stats"); }
Result<Response> ApiClient::sla() { return get("/v1/sla"); }

Result<Response> ApiClient::ingest(const nlohmann::json& meta, std::span<const unsigned char> photo,
                                   std::string filename) {
    return post_multipart("/v1/submissions", meta, photo, std::move(filename), Retry::No);
}

Result<Response> ApiClient::submission(std::int64_t id) {
    return get("/v1/submissions/" + std::to_string(id));
}

Result<Response> ApiClient::image(std::int64_t id, std::string_view kind) {
    return get("/v1/submissions/" + std::to_string(id) + "/images/" + url_escape(kind));
}

Result<Response> ApiClient::claim(const ClaimRequest& request) {
    // Not idempotent: a retry after a lost response would lease a second batch.
    return post_json("/v1/leases/claim", to_json(request), Retry::No);
}

Result<Response> ApiClient::renew(const std::vector<std::int64_t>& ids, int lease_seconds) {
    nlohmann::json body = {{"ids", ids}};
    if (lease_seconds > 0) body["lease_seconds"] = lease_seconds;
    return post_json("/v1/leases/renew", body, Retry::Yes);
}

Result<Response> ApiClient::release(const std::vector<std::int64_t>& ids) {
    return post_json("/v1/leases/release", {{"ids", ids}}, Retry::Yes);
}

Result<Response> ApiClient::push_decisions(const std::vector<DecisionInput>& decisions) {
    nlohmann::json items = nlohmann::json::array();
    for (const auto& d : decisions) items.push_back(to_json(d));
    // Idempotent by decision_id: a replay answers "duplicate" for what was applied.
    return post_json("/v1/decisions", {{"decisions", std::move(items)}}, Retry::Yes);
}

Result<Response> ApiClient::events(std::int64_t after, int limit) {
    return get("/v1/events" + Query().add("after", after).add("limit", limit).str());
}

Result<Response> ApiClient::audit(const AuditQuery& q) {
    Query query;
    query.add("actor", q.actor).add("action", q.action).add("school", q.school);
    query.add("submission_id", q.submission_id).add("from", q.from).add("to", q.to);
    query.add("limit", q.limit).add("offset", q.offset).add("sample", q.sample);
    if (q.seed) query.add("seed", std::to_string(*q.seed));  // 0 is a valid seed
    return get("/v1/audit" + query.str());
}

Result<Response> ApiClient::overturn(std::int64_t id, std::string_view verdict,
                                     const std::vector<std::string>& reasons, std::string_view note,
                                     const std::optional<Crop>& crop) {
    nlohmann::json body = {{"verdict", verdict}, {"reasons", reasons}, {"note", note}};
    if (crop) body["crop"] = to_json(*crop);
    return post_json("/v1/submissions/" + std::to_string(id) + "/overturn", body, Retry::No);
}

Result<Response> ApiClient::create_export(std::string_view school, std::string_view grade) {
    // Idempotent per the API: a second export returns the same items.
    return post_json("/v1/exports", {{"school", school}, {"grade", grade}}, Retry::Yes);
}

Result<Response> ApiClient::download_export(std::string_view name) {
    return get("/v1/exports/" + url_escape(name));
}

Result<Response> ApiClient::unlock(std::string_view id_number, std::string_view note) {
    return post_json("/v1/students/" + url_escape(id_number) + "/unlock", {{"note", note}},
                     Retry::No);
}

Result<Response> ApiClient::add_user(std::string_view name, std::string_view role) {
    return post_json("/v1/users", {{"name", name}, {"role", role}}, Retry::No);
}

}  // namespace pd::client
