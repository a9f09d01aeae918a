// ApiError: a refusal with its HTTP status, a stable machine code and a specific message
// (docs/api.md, "Errors"). The service layer (review_service.h) throws it and nothing else;
// the HTTP layer turns it into the JSON error body, the admin commands print its message.
#pragma once

#include <nlohmann/json.hpp>

#include <stdexcept>
#include <string>

#include "common/result.h"

namespace pd::server {

struct ApiError : std::runtime_error {
    ApiError(int status_, std::string code_, const std::string& message, std::string field_ = {},
             nlohmann::json extra_ = nlohmann::json::object())
        : std::runtime_error(message), status(status_), code(std::move(code_)),
          field(std::move(field_)), extra(std::move(extra_)) {}

    int status;
    std::string code;
    std::string field;       // the offending field, e.g. "decisions[3].reasons[0]"
    nlohmann::json extra;    // merged into the error object (e.g. the current state)
};

[[noreturn]] inline void fail(int status, std::string code, const std::string& message,
                              std::string field = {}) {
    throw ApiError(status, std::move(code), message, std::move(field));
}

// A storage or engine failure that is not the caller's fault: 500 internal (or 503 when the
// database is unreachable).
[[noreturn]] inline void fail_internal(const Error& e) {
    if (e.code == ErrorCode::Unavailable) fail(503, "unavailable", e.message);
    fail(500, "internal", e.message);
}

// Unwraps a Result from a lower layer; errors become 500 internal.
template <class T>
T must(Result<T> r) {
    if (!r.ok()) fail_internal(r.error());
    return std::move(r).value();
}

}  // namespace pd::server
