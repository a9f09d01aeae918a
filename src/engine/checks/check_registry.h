// The catalogue of automated checks. Each check is a pure function of the analysis, the
// rendered photo (when there is one), the spec profile and its own parameters, a small typed
// struct beside the check (checks_*.cpp). configure_checks() reads every check's parameters out
// of the settings once, when the engine is created: a config that names an unknown check or
// parameter, misses one, or gives one a value of the wrong kind is rejected there, with an
// error naming the check and the key, not later on some photo.
#pragma once

#include <functional>
#include <map>
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

// Reads one check's parameters out of its config. Each read names its key; a key that is
// absent, or whose value is not of the field's kind, is recorded (the field reads 0) and
// status() reports it, naming the check and the key; status() also refuses any key in the
// config that the check never read, so a misspelt key fails at start and is not ignored.
class ParamReader {
public:
    ParamReader(const char* check_id, const std::map<std::string, double>& params);

    double number(const char* key);  // any finite number
    int whole(const char* key);      // a whole number: pixels, counts

    const std::vector<std::string>& keys_read() const { return read_; }
    // An unknown key first (with the keys the check takes), else the first missing or
    // mistyped one. ConfigInvalid.
    Status status() const;

private:
    const double* find(const char* key);
    void note(const std::string& problem);  // keeps the first

    std::string check_;
    const std::map<std::string, double>& params_;
    std::vector<std::string> read_;
    std::string first_error_;
};

// A check bound to its parameters: all it still needs is the photo.
using CheckRun = std::function<void(const CheckContext&, CheckResult&)>;

struct CheckDef {
    const char* id;
    const char* title;
    // Reads the check's parameters (errors stay in the reader) and binds the check to them.
    CheckRun (*setup)(ParamReader&);
};

const std::vector<CheckDef>& check_catalogue();

// The keys a check reads, in order (its setup run on an empty config).
std::vector<std::string> check_params(const CheckDef& def);

// One enabled check, configured. Immutable: `run` may be called from many threads at once.
struct ConfiguredCheck {
    const CheckDef* def;
    std::string reason;  // suggested when the verdict is Warn or Fail
    CheckRun run;
};

// Every check of the catalogue with its parameters read, in catalogue order, the disabled ones
// left out. ConfigInvalid, naming the check (and the key), when a check of the catalogue is not
// configured or an unknown one is, or a parameter is unknown, missing or of the wrong kind.
Result<std::vector<ConfiguredCheck>> configure_checks(const domain::CheckSettings& settings);

// configure_checks() with the checks dropped.
Status validate_check_settings(const domain::CheckSettings& settings);

// Runs the configured checks in order.
std::vector<CheckResult> run_checks(const CheckInput& in, const std::vector<ConfiguredCheck>& checks);

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
