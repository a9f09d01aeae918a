// pd::Result<T>: the value of an operation or a specific, human-readable error.
// Used at every module boundary (decode, config, engine, storage) instead of exceptions,
// as cpp-httplib's Result does. Exceptions from libraries are turned into Errors at the edge.
#pragma once

#include <cassert>
#include <string>
#include <utility>
#include <variant>

namespace pd {

// One enum for the whole project keeps exit codes and HTTP mapping in one place.
enum class ErrorCode {
    InvalidArgument,   // caller passed something malformed (bad path, bad option)
    NotFound,          // file, profile, model or record missing
    EmptyInput,        // zero bytes
    UnknownFormat,     // bytes are no image format we read
    UnsupportedFormat, // recognised but not supported (e.g. animated, 3-D TIFF)
    Truncated,         // image data ends early
    Corrupt,           // image data is malformed
    TooLarge,          // over a configured limit (pixels, bytes), refused before allocating
    ConfigInvalid,     // a config file is malformed: unknown key, bad range, wrong type
    NoFace,            // no face found in a photo
    SpecUnreachable,   // the source cannot be cropped to the spec (reason in the message)
    Unavailable,       // a server or database could not be reached (network, timeout)
    Internal,          // a bug or an unexpected library failure
};

const char* to_string(ErrorCode code);

struct Error {
    ErrorCode code = ErrorCode::Internal;
    std::string message;  // one specific line, fit for stderr or a UI popup
    // A stable key for which case of `code` this is, where a program needs to tell them apart
    // (the engine's spec refusals: "head_proportions", ...; see engine/crop/crop.h), so a
    // translated UI can name it; empty where the code says enough. Never shown as is.
    std::string kind = {};
};

template <class T>
class [[nodiscard]] Result {
public:
    Result(T value) : v_(std::move(value)) {}
    Result(Error error) : v_(std::move(error)) {}

    bool ok() const { return v_.index() == 0; }
    explicit operator bool() const { return ok(); }

    T& value() & { assert(ok() && "Result::value() on an error"); return std::get<0>(v_); }
    const T& value() const& { assert(ok() && "Result::value() on an error"); return std::get<0>(v_); }
    T&& value() && { assert(ok() && "Result::value() on an error"); return std::get<0>(std::move(v_)); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }
    T& operator*() & { return value(); }
    const T& operator*() const& { return value(); }

    const Error& error() const { assert(!ok() && "Result::error() on a value"); return std::get<1>(v_); }

private:
    std::variant<T, Error> v_;
};

// For operations with nothing to return.
struct Ok {};
using Status = Result<Ok>;

inline Error make_error(ErrorCode code, std::string message) { return Error{code, std::move(message)}; }
inline Error make_error(ErrorCode code, std::string kind, std::string message) {
    return Error{code, std::move(message), std::move(kind)};
}

}  // namespace pd
