// The catalogue of automated checks. Each check is a pure function of the analysis, the
// rendered photo (when there is one), the spec profile and its own configuration. The
// registry knows every check's id, title and parameter names, so a config file that names an
// unknown check or parameter, or misses one, is rejected with an error naming it.
#pragma once

#include <string>
#include <vector>

#include "common/result.h"
#include "domain/exif_hints.h"
#include "domain/spec_profile.h"
#include "engine/analysis.h"
#include "engine/checks/check_result.h"
#include "engine/render/render.h"

namespace pd::engine {

using domain::ExifHints;

struct CheckInput {
    const SourceAnalysis& source;
    const RenderedPhoto* photo;   // null when no spec photo could be rendered
    const domain::SpecProfile& spec;
    const ExifHints& hints;
};

struct CheckContext;  // CheckInput plus images and masks derived once per run (check_context.h)
using CheckFn = void (*)(const CheckContext&, const domain::CheckConfig&, CheckResult&);

struct CheckDef {
    const char* id;
    const char* title;
    std::vector<std::string> params;  // required numeric parameters, all of them
    CheckFn run;
};

const std::vector<CheckDef>& check_catalogue();

// Every check in the catalogue configured, no unknown check, no unknown or missing parameter.
Status validate_check_settings(const domain::CheckSettings& settings);

// Runs every enabled check in catalogue order.
std::vector<CheckResult> run_checks(const CheckInput& in, const domain::CheckSettings& settings);

// [SECTION] Helpers shared by the check implementations

// Higher is worse: pass <= warn < fail.
Verdict grade_high(double value, double warn, double fail);
// Lower is worse: pass >= warn > fail.
Verdict grade_low(double value, double warn, double fail);
// Inside [lo, hi] pass; outside by at most `tolerance` warn; else fail.
Verdict grade_band(double value, double lo, double hi, double tolerance);

std::string fmt_num(double v, int decimals = 1);

// Face landmarks mapped into the rendered photo's coordinates.
Face face_in_output(const Face& f, const CropPlan& crop);

}  // namespace pd::engine
