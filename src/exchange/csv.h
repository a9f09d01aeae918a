// RFC 4180 CSV, the small subset the exchange files need: a record reader for the roster a
// school sends, and field quoting for the manifest we send to CHSI. Internal to pd_exchange
// (roster.h and export_package.h are the public faces); kept apart so each side is testable.
//
// Reading is lenient where spreadsheets are sloppy and strict where data would be lost:
//   - records end at CRLF, LF or a lone CR (old Mac Excel); line numbers count each of these;
//   - a field that starts with '"' is quoted: it may hold commas, line breaks and doubled
//     quotes. Text between a closing quote and the next comma is kept but the record is marked
//     malformed (the caller reports it for that row only);
//   - a '"' inside an unquoted field is taken literally (what Excel itself does);
//   - a quoted field still open at the end of the text is an error for the whole file, since
//     every later row would have been swallowed into it.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace pd::exchange::csv {

struct Record {
    int line = 0;                      // 1-based physical line where the record starts
    std::vector<std::string> fields;   // raw, untrimmed; a blank line gives one empty field
    std::string malformed;             // non-empty: why the quoting of this record is broken
};

// Splits `text` (no BOM, already known to be valid UTF-8) into records.
Result<std::vector<Record>> read_records(std::string_view text);

// A field for output: quoted when it contains a comma, a quote, CR or LF or starts or ends
// with a space (which some readers would trim); inner quotes are doubled.
std::string quote(std::string_view field);

// A text field a spreadsheet must not run as a formula: one starting with '=', '+', '-', '@',
// a tab or CR gets a leading apostrophe (OWASP's CSV injection advice; spreadsheets show the
// text and hide the apostrophe). Other text is returned unchanged. Apply before quote().
std::string defuse_formula(std::string_view field);

}  // namespace pd::exchange::csv
