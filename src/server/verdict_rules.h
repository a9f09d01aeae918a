// The review rules a decision and an overturn share, applied once the API layer has parsed the
// request (requests.h): every reason in the catalog, listed once; a rejection needs a reason;
// a reason that asks for a note gets one; and the one rule for what counts as a blank note.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "domain/reason_catalog.h"
#include "server/requests.h"
#include "server/service_error.h"

namespace pd::server {

// A note is blank when it holds only white space: ASCII spaces, tabs and line breaks, and the
// no-break (U+00A0) and ideographic (U+3000, what a Chinese input method types) spaces.
bool is_blank(std::string_view note);

// Checks `v` against the catalog and drops repeated reasons (first occurrence kept), so a
// stored decision and its event hold each reason once. `where` prefixes field names
// ("decisions[2]", or "" for an overturn's body). Errors: 400 invalid_field for more reasons
// than the catalog holds, 422 unknown_reason / note_required / reasons_required.
std::optional<ServiceError> check_verdict(VerdictInput& v, const domain::ReasonCatalog& catalog,
                                          const std::string& where);

}  // namespace pd::server
