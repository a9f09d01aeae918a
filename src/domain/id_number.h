// Chinese resident identity numbers (GB 11643-1999): validation and masking for display.
// An 18-character number is 6 digits of region, 8 digits of birth date (YYYYMMDD),
// 3 digits of sequence and a check character (0-9 or X) from an ISO 7064 MOD 11-2 sum.
#pragma once

#include <string>
#include <string_view>

#include "common/result.h"

namespace pd::domain {

// The check character (0-9 or 'X') for the first 17 digits. Precondition: 17 ASCII digits.
char id_number_check_char(std::string_view first17);

// Returns the normalised number (lower-case 'x' becomes 'X') or ErrorCode::InvalidArgument with
// one specific message: wrong length, a non-digit at position N (1-based), an impossible birth
// date (the message never quotes the date), or "check character should be C". No trimming:
// surrounding spaces are an error.
Result<std::string> validate_id_number(std::string_view id);

// For display to reviewers: keeps the first 6 and last 4 characters and stars the rest,
// "11010519491231002X" -> "110101********002X". Strings of 10 characters or fewer are fully
// starred. Never fails; does not validate.
std::string mask_id_number(std::string_view id);

}  // namespace pd::domain
