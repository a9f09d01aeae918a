// Shared bits of photodesk-cli's subcommands: exit codes and file output.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/result.h"

namespace pd::cli {

// Exit codes other tools script against (documented in docs/cli.md).
enum Exit : int {
    kOk = 0,
    kBadInput = 1,         // unreadable, corrupt, mislabelled beyond repair, too large
    kUsage = 2,            // bad command line (CLI11)
    kSpecUnreachable = 3,  // decoded fine, but no spec photo can be made (reason printed)
    kConfig = 4,           // config/ is invalid
    kOutput = 5,           // cannot write the output
};

int exit_code_for(const Error& e);

// Writes atomically: a temporary file beside the target, then rename.
Status write_file_atomic(const std::string& path, const std::vector<std::uint8_t>& bytes);
Status write_text_atomic(const std::string& path, const std::string& text);

}  // namespace pd::cli
