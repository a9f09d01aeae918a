#include "storage/model.h"

namespace pd::storage {

const char* to_string(SubmissionState s) {
    switch (s) {
        case SubmissionState::pending: return "pending";
        case SubmissionState::leased: return "leased";
        case SubmissionState::approved: return "approved";
        case SubmissionState::rejected: return "rejected";
        case SubmissionState::locked: return "locked";
    }
    return "pending";
}

const char* to_string(Verdict v) {
    switch (v) {
        case Verdict::approve: return "approve";
        case Verdict::reject: return "reject";
        case Verdict::approve_recropped: return "approve_recropped";
    }
    return "approve";
}

const char* to_string(Role r) {
    switch (r) {
        case Role::reviewer: return "reviewer";
        case Role::supervisor: return "supervisor";
        case Role::ingest: return "ingest";
        case Role::admin: return "admin";
    }
    return "reviewer";
}

const char* to_string(AddStatus s) {
    switch (s) {
        case AddStatus::added: return "added";
        case AddStatus::in_review: return "in_review";
        case AddStatus::needs_unlock: return "needs_unlock";
    }
    return "added";
}

const char* to_string(DecisionStatus s) {
    switch (s) {
        case DecisionStatus::applied: return "applied";
        case DecisionStatus::duplicate: return "duplicate";
        case DecisionStatus::conflict: return "conflict";
    }
    return "conflict";
}

std::optional<SubmissionState> parse_state(std::string_view s) {
    for (auto v : {SubmissionState::pending, SubmissionState::leased, SubmissionState::approved,
                   SubmissionState::rejected, SubmissionState::locked})
        if (s == to_string(v)) return v;
    return std::nullopt;
}

std::optional<Verdict> parse_verdict(std::string_view s) {
    for (auto v : {Verdict::approve, Verdict::reject, Verdict::approve_recropped})
        if (s == to_string(v)) return v;
    return std::nullopt;
}

std::optional<Role> parse_role(std::string_view s) {
    for (auto v : {Role::reviewer, Role::supervisor, Role::ingest, Role::admin})
        if (s == to_string(v)) return v;
    return std::nullopt;
}

SubmissionState state_after(Verdict v) {
    return v == Verdict::reject ? SubmissionState::rejected : SubmissionState::approved;
}

}  // namespace pd::storage
