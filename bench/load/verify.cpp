// verify_exactly_once (verify.h): the events feed, the audit and the stats read to the end.
#include "load/verify.h"

#include <chrono>
#include <map>
#include <nlohmann/json.hpp>
#include <stdexcept>

namespace pd::load {
namespace {

using json = nlohmann::json;

json get_json(const std::string& url, const std::string& token, const std::string& ca_file) {
    const Reply r = http_get(url, token, ca_file);
    json j = json::parse(r.body, nullptr, false);
    if (r.status != 200 || !j.is_object())
        throw std::runtime_error("GET " + url + ": HTTP " + std::to_string(r.status) + " " + r.body.substr(0, 300));
    return j;
}

void problem(VerifyReport& v, const std::string& what) {
    if (v.problems.size() < 20) v.problems.push_back(what);
}

}  // namespace

std::string VerifyReport::summary() const {
    return "items " + std::to_string(expected_items) + ": decision events " + std::to_string(decision_events) +
           " on " + std::to_string(items_with_events) + " items (" + std::to_string(items_decided_twice) +
           " decided twice); audit " + std::to_string(audit_decisions) + " decisions on " +
           std::to_string(audit_items) + " items; acknowledged " + std::to_string(acked) + ", missing " +
           std::to_string(acked_missing) + ", on another item " + std::to_string(acked_elsewhere) +
           "; pending " + std::to_string(still_pending) + ", leased " + std::to_string(still_leased) + " (" +
           std::to_string(seconds) + " s)";
}

VerifyReport verify_exactly_once(const std::string& url, const std::string& token, const std::string& ca_file,
                                 std::int64_t expected_items, const std::vector<Ack>& acks) {
    const auto t0 = std::chrono::steady_clock::now();
    VerifyReport v;
    v.expected_items = expected_items;

    // Events, in commit order to the end.
    std::map<std::int64_t, int> events_per_item;
    for (std::int64_t cursor = 0;;) {
        const json j = get_json(url + "/v1/events?after=" + std::to_string(cursor) + "&limit=5000", token, ca_file);
        const auto& evs = j.at("events");
        if (evs.empty()) break;
        for (const auto& e : evs)
            if (e.value("type", "") == "decision") {
                ++v.decision_events;
                ++events_per_item[e.at("submission_id").get<std::int64_t>()];
            }
        cursor = j.at("next_cursor").get<std::int64_t>();
    }
    v.items_with_events = std::int64_t(events_per_item.size());
    for (const auto& [id, n] : events_per_item)
        if (n > 1) {
            ++v.items_decided_twice;
            problem(v, "submission " + std::to_string(id) + " has " + std::to_string(n) + " decision events");
        }

    // The audit's decision records (newest first, paged by offset: nothing writes meanwhile).
    std::map<std::string, std::int64_t> audit_ids;   // decision id -> submission
    std::map<std::int64_t, int> audit_per_item;
    for (int offset = 0;; offset += 5000) {
        const json j = get_json(url + "/v1/audit?action=decision&limit=5000&offset=" + std::to_string(offset), token,
                                ca_file);
        const auto& recs = j.at("records");
        for (const auto& r : recs) {
            ++v.audit_decisions;
            const std::int64_t sid = r.at("submission_id").get<std::int64_t>();
            ++audit_per_item[sid];
            json detail = r.value("detail", json());
            if (detail.is_string()) detail = json::parse(detail.get<std::string>(), nullptr, false);
            if (detail.is_object() && detail.contains("decision_id"))
                audit_ids[detail["decision_id"].get<std::string>()] = sid;
            else
                problem(v, "audit record " + r.value("id", json()).dump() + " has no decision_id");
        }
        if (recs.size() < 5000) break;
    }
    v.audit_items = std::int64_t(audit_per_item.size());
    for (const auto& [id, n] : audit_per_item) {
        if (n > 1) {
            ++v.audit_items_twice;
            problem(v, "submission " + std::to_string(id) + " has " + std::to_string(n) + " audit decisions");
        }
        if (!events_per_item.count(id)) problem(v, "submission " + std::to_string(id) + " audited but no event");
    }
    for (const auto& [id, n] : events_per_item)
        if (!audit_per_item.count(id)) problem(v, "submission " + std::to_string(id) + " has an event but no audit");

    if (v.items_with_events != expected_items)
        problem(v, std::to_string(v.items_with_events) + " items decided, " + std::to_string(expected_items) +
                       " in the queue at the start");

    // Everything acknowledged is recorded, on the item it was sent for.
    for (const auto& a : acks) {
        if (a.status != "applied" && a.status != "duplicate") continue;
        ++v.acked;
        auto it = audit_ids.find(a.decision_id);
        if (it == audit_ids.end()) {
            ++v.acked_missing;
            problem(v, "acknowledged " + a.status + " decision " + a.decision_id + " (submission " +
                           std::to_string(a.submission_id) + ") is not in the audit");
        } else if (it->second != a.submission_id) {
            ++v.acked_elsewhere;
            problem(v, "decision " + a.decision_id + " acknowledged for submission " +
                           std::to_string(a.submission_id) + ", audited on " + std::to_string(it->second));
        }
    }

    const json st = get_json(url + "/v1/stats", token, ca_file);
    v.still_pending = st.at("by_state").value("pending", std::int64_t{0});
    v.still_leased = st.at("by_state").value("leased", std::int64_t{0});
    if (v.still_pending != 0 || v.still_leased != 0)
        problem(v, "still open: " + std::to_string(v.still_pending) + " pending, " + std::to_string(v.still_leased) +
                       " leased");
    v.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return v;
}

}  // namespace pd::load
