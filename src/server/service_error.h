// What the services (ingest, queue and decisions, supervision, exports, administration) answer
// instead of a value: a ServiceError says what kind of refusal it is, with the stable code,
// the specific message and the offending field of docs/api.md ("Errors"). Services know no
// HTTP: the HTTP layer maps each Refusal to one status (http_status() in http_server.cpp), the
// admin commands print the message.
//
// Failures that are not the caller's fault (a storage error, a bug) carry `log_only`: their
// message names paths or SQL, so the HTTP layer logs it under a request id and sends only the
// id (issue 9, item 12).
#pragma once

#include <nlohmann/json.hpp>

#include <cassert>
#include <string>
#include <utility>
#include <variant>

#include "common/result.h"

namespace pd::server {

enum class Refusal {
    malformed,      // a field missing, of the wrong type or out of range; a body that is no JSON
    unauthorized,   // no token, an unknown or revoked one
    forbidden,      // the caller's role or lease does not allow it
    not_found,      // no such submission, student, user, export or route
    conflict,       // the state of an item, student or user refuses it
    too_large,      // a body over its route's limit
    unsupported,    // a body of the wrong media type
    rule,           // a review rule: reasons, notes, ID numbers, photos the engine cannot read
    timeout,        // the request did not arrive in time
    unavailable,    // a dependency is missing: the calendar's year, the database
    internal,       // a bug or a storage failure
};

struct ServiceError {
    Refusal kind = Refusal::internal;
    std::string code;                 // stable machine code, e.g. "note_required"
    std::string message;              // specific, e.g. "decisions[3].note: reason 'other' needs a note"
    std::string field;                // the offending field, e.g. "decisions[3].reasons[0]"
    nlohmann::json extra = nlohmann::json::object();   // merged into the error object
    bool log_only = false;            // the message is for the server's log, not the client
};

inline ServiceError refusal(Refusal kind, std::string code, std::string message, std::string field = {}) {
    return {kind, std::move(code), std::move(message), std::move(field), nlohmann::json::object(), false};
}

// A lower layer's failure: 503 unavailable when the database cannot be reached, else 500
// internal; either way the detail stays in the log.
inline ServiceError store_failure(const Error& e) {
    const bool down = e.code == ErrorCode::Unavailable;
    return {down ? Refusal::unavailable : Refusal::internal, down ? "unavailable" : "internal",
            e.message, {}, nlohmann::json::object(), true};
}

// The value of a service call or its ServiceError (pd::Result's shape).
template <class T>
class [[nodiscard]] Outcome {
public:
    Outcome(T value) : v_(std::move(value)) {}
    Outcome(ServiceError error) : v_(std::move(error)) {}

    bool ok() const { return v_.index() == 0; }
    explicit operator bool() const { return ok(); }

    T& value() & { assert(ok() && "Outcome::value() on an error"); return std::get<0>(v_); }
    const T& value() const& { assert(ok() && "Outcome::value() on an error"); return std::get<0>(v_); }
    T&& value() && { assert(ok() && "Outcome::value() on an error"); return std::get<0>(std::move(v_)); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }

    const ServiceError& error() const { assert(!ok() && "Outcome::error() on a value"); return std::get<1>(v_); }

private:
    std::variant<T, ServiceError> v_;
};

using Done = Outcome<Ok>;

}  // namespace pd::server
