// photodesk-cli check: every automated check on one photo, as JSON or drawn as an overlay.
// A JPEG already at the spec's pixel size is judged as it is; any other photo is first
// standardized in memory, and the checks judge both the original and the result.
#include <iostream>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "engine/render/overlay.h"
#include "setup/engine_setup.h"
#include "tools/cli/commands.h"
#include "wire/engine_json.h"

namespace pd::cli {

int run_check(const CheckArgs& a) {
    if (!a.json && a.overlay.empty()) {
        std::cerr << "photodesk-cli check: say what to produce: --json and/or --overlay OUT.png\n";
        return kUsage;
    }
    auto eng = setup::make_engine({a.config_dir, a.spec});
    if (!eng) {
        std::cerr << "photodesk-cli: " << eng.error().message << "\n";
        return exit_code_for(eng.error());
    }
    const engine::PhotoEngine& E = *eng.value();
    auto bytes = engine::read_file_bytes(a.input, std::size_t(E.config().settings.max_file_bytes));
    if (!bytes) {
        std::cerr << a.input << ": " << bytes.error().message << "\n";
        return exit_code_for(bytes.error());
    }
    auto outcome = E.process(bytes.value());
    if (!outcome) {
        std::cerr << a.input << ": " << outcome.error().message << "\n";
        return exit_code_for(outcome.error());
    }
    const auto& o = outcome.value();

    if (a.json) {
        std::cout << wire::report_json(o, E.config().spec, E.config().settings.version).dump(2) << "\n";
    }
    if (!a.overlay.empty()) {
        // Original (with its geometry) beside the spec photo (with its own), same height.
        cv::Mat left = engine::draw_overlay(o.analysis.working, o.checks, engine::Space::Original);
        cv::Mat panel = left;
        if (o.photo && !o.judged_as_final) {
            cv::Mat right = engine::draw_overlay(o.photo->bgr, o.checks, engine::Space::Standardized);
            const double k = double(right.rows) / left.rows;
            cv::resize(left, left, cv::Size(), k, k, k < 1 ? cv::INTER_AREA : cv::INTER_LINEAR);
            cv::hconcat(left, right, panel);
        } else if (o.photo) {
            // Judged as final: the file is the spec photo; one panel carries both spaces.
            panel = engine::draw_overlay(o.photo->bgr, o.checks, engine::Space::Standardized);
            panel = engine::draw_overlay(panel, o.checks, engine::Space::Original);
        }
        std::vector<std::uint8_t> png;
        if (!cv::imencode(".png", panel, png)) {
            std::cerr << "photodesk-cli: cannot encode the overlay PNG\n";
            return kOutput;
        }
        if (auto st = write_file_atomic(a.overlay, png); !st) {
            std::cerr << "photodesk-cli: " << st.error().message << "\n";
            return kOutput;
        }
    }
    return kOk;
}

}  // namespace pd::cli
