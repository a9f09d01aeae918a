#include "tools/cli/cli_common.h"

#include <cstdio>
#include <filesystem>
#include <fstream>

#include <unistd.h>

namespace pd::cli {

int exit_code_for(const Error& e) {
    switch (e.code) {
        case ErrorCode::ConfigInvalid: return kConfig;
        case ErrorCode::NoFace:
        case ErrorCode::SpecUnreachable: return kSpecUnreachable;
        case ErrorCode::Internal: return kOutput;
        default: return kBadInput;
    }
}

Status write_file_atomic(const std::string& path, const std::vector<std::uint8_t>& bytes) {
    namespace fs = std::filesystem;
    const fs::path target(path);
    const fs::path tmp = target.parent_path() / (".tmp-" + std::to_string(::getpid()) + "-" + target.filename().string());
    {
        std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
        if (!f) return make_error(ErrorCode::Internal, "cannot write " + tmp.string());
        f.write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size()));
        f.flush();
        if (!f) return make_error(ErrorCode::Internal, "write failed for " + tmp.string());
    }
    std::error_code ec;
    fs::rename(tmp, target, ec);
    if (ec) {
        fs::remove(tmp, ec);
        return make_error(ErrorCode::Internal, "cannot move output into place at " + path);
    }
    return Ok{};
}

Status write_text_atomic(const std::string& path, const std::string& text) {
    return write_file_atomic(path, std::vector<std::uint8_t>(text.begin(), text.end()));
}

}  // namespace pd::cli
