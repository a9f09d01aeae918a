// The subcommands of photodesk-cli. Each returns the process exit code.
#pragma once

#include <string>
#include <vector>

#include "tools/cli/cli_common.h"

namespace pd::cli {

struct StandardizeArgs {
    std::vector<std::string> inputs;
    std::string output, output_dir, report, spec = "chsi-2017", config_dir;
    int jobs = 1;
};
int run_standardize(const StandardizeArgs& args);

struct CheckArgs {
    std::string input, overlay, spec = "chsi-2017", config_dir;
    bool json = false;
};
int run_check(const CheckArgs& args);

}  // namespace pd::cli
