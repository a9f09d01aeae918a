// The reviewers' rejection reasons (config/reasons.toml): code, short labels, the message
// the student sees, and the automated checks that suggest the reason. Plain data; the
// order of the catalog is the order reviewers see (and bind keys to).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace pd::domain {

struct Reason {
    std::string code;                 // stable id stored with decisions, e.g. "head_tilted"
    std::string label_zh, label_en;   // short label on the reviewer's button
    std::string student_message_zh;   // what the student is told to fix
    std::string student_message_en;
    std::vector<std::string> suggested_by_checks;  // check ids whose failure suggests this reason
    bool note_required = false;       // the reviewer must type a note (e.g. "other")
    // The engine's refusals (spec_error.kind, engine/crop/crop.h) that suggest this reason
    // when no spec photo could be made: "head_proportions" -> crop_out_of_spec.
    std::vector<std::string> suggested_by_refusals;
};

class ReasonCatalog {
public:
    ReasonCatalog() = default;

    // Validates: codes non-empty, [a-z0-9_] only and unique; labels and messages non-empty;
    // check ids non-empty and not repeated within one reason. Errors: InvalidArgument.
    static Result<ReasonCatalog> create(std::vector<Reason> reasons);

    const Reason* find(std::string_view code) const;  // nullptr when unknown
    const std::vector<Reason>& all() const { return reasons_; }
    std::size_t size() const { return reasons_.size(); }

    // The reasons that list `check_id` in suggested_by_checks, in catalog order.
    std::vector<const Reason*> suggested_by(std::string_view check_id) const;

private:
    std::vector<Reason> reasons_;
};

// True when `code` is a non-empty identifier of [a-z0-9_] (reason codes and check ids).
bool is_identifier(std::string_view code);

}  // namespace pd::domain
