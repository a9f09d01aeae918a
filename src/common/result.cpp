#include "common/result.h"

namespace pd {

const char* to_string(ErrorCode code) {
    switch (code) {
        case ErrorCode::InvalidArgument: return "invalid_argument";
        case ErrorCode::NotFound: return "not_found";
        case ErrorCode::EmptyInput: return "empty_input";
        case ErrorCode::UnknownFormat: return "unknown_format";
        case ErrorCode::UnsupportedFormat: return "unsupported_format";
        case ErrorCode::Truncated: return "truncated";
        case ErrorCode::Corrupt: return "corrupt";
        case ErrorCode::TooLarge: return "too_large";
        case ErrorCode::ConfigInvalid: return "config_invalid";
        case ErrorCode::NoFace: return "no_face";
        case ErrorCode::SpecUnreachable: return "spec_unreachable";
        case ErrorCode::Unavailable: return "unavailable";
        case ErrorCode::Internal: return "internal";
    }
    return "internal";
}

}  // namespace pd
