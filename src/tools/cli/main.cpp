// photodesk-cli: the engine and admin tools on the command line.
//
//   photodesk-cli standardize IN -o OUT.jpg [--spec NAME] [--report REPORT.json]
//   photodesk-cli standardize IN... -O OUT_DIR [--jobs N] [--spec NAME]
//   photodesk-cli check IN [--spec NAME] --json
//   photodesk-cli check IN [--spec NAME] --overlay OUT.png
//
// Exit 0 on success; non-zero with one specific line on stderr for any bad input
// (codes in cli_common.h and docs/cli.md).
#include <cstdio>
#include <iostream>

#include <CLI/CLI.hpp>
#include <opencv2/core.hpp>

#include "common/process_memory.h"
#include "tools/cli/commands.h"

int main(int argc, char** argv) {
    // One core per photo: batch parallelism comes from --jobs, and single-photo timings stay
    // comparable with the benchmarks.
    cv::setNumThreads(1);
    pd::keep_freed_memory();

    CLI::App app{"PhotoDesk engine tools: standardize and check graduate ID photos"};
    app.require_subcommand(1);

    pd::cli::StandardizeArgs st;
    auto* standardize = app.add_subcommand("standardize", "Make spec photos from phone photos");
    standardize->add_option("inputs", st.inputs, "Input photo(s)")->required();
    standardize->add_option("-o,--output", st.output, "Output JPEG (one input)");
    standardize->add_option("-O,--output-dir", st.output_dir, "Output folder (many inputs)");
    standardize->add_option("--report", st.report, "Write the JSON report here (one input)");
    standardize->add_option("--spec", st.spec, "Spec profile name (config/specs/NAME.toml)");
    standardize->add_option("-j,--jobs", st.jobs, "Parallel workers for many inputs")->check(CLI::Range(1, 64));
    standardize->add_option("--config", st.config_dir, "Config folder (default: $PHOTODESK_CONFIG_DIR or the source tree's)");

    pd::cli::CheckArgs ck;
    auto* check = app.add_subcommand("check", "Run every automated check on a photo");
    check->add_option("input", ck.input, "Input photo")->required();
    check->add_flag("--json", ck.json, "Print the check list as JSON on stdout");
    check->add_option("--overlay", ck.overlay, "Draw the checks' geometry into this PNG");
    check->add_option("--spec", ck.spec, "Spec profile name");
    check->add_option("--config", ck.config_dir, "Config folder");

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return app.exit(e) == 0 ? 0 : pd::cli::kUsage;
    }
    if (standardize->parsed()) return pd::cli::run_standardize(st);
    if (check->parsed()) return pd::cli::run_check(ck);
    return pd::cli::kUsage;
}
