#include "exchange/csv.h"

namespace pd::exchange::csv {

Result<std::vector<Record>> read_records(std::string_view text) {
    std::vector<Record> out;
    std::size_t i = 0;
    const std::size_t n = text.size();
    int line = 1;

    // Consumes a line break at i (CRLF, LF or CR) and counts it; false when none is there.
    auto take_newline = [&]() {
        if (i >= n) return false;
        if (text[i] == '\r') {
            ++i;
            if (i < n && text[i] == '\n') ++i;
            ++line;
            return true;
        }
        if (text[i] == '\n') {
            ++i;
            ++line;
            return true;
        }
        return false;
    };

    while (i < n) {
        Record rec;
        rec.line = line;
        for (;;) {  // one field per iteration
            std::string field;
            if (i < n && text[i] == '"') {
                const int quote_line = line;
                ++i;
                bool closed = false;
                while (i < n) {
                    const char c = text[i];
                    if (c == '"') {
                        if (i + 1 < n && text[i + 1] == '"') {
                            field.push_back('"');
                            i += 2;
                            continue;
                        }
                        ++i;
                        closed = true;
                        break;
                    }
                    if (c == '\r' || c == '\n') {
                        // Keep the break as written inside the field, but count the line.
                        const std::size_t from = i;
                        take_newline();
                        field.append(text.substr(from, i - from));
                        continue;
                    }
                    field.push_back(c);
                    ++i;
                }
                if (!closed)
                    return make_error(ErrorCode::InvalidArgument,
                                      "quoted field starting on line " + std::to_string(quote_line) +
                                          " is never closed (a '\"' is missing)");
                // Anything up to the next delimiter is kept, but the record is suspect.
                const std::size_t tail_from = i;
                while (i < n && text[i] != ',' && text[i] != '\r' && text[i] != '\n') ++i;
                if (i > tail_from) {
                    field.append(text.substr(tail_from, i - tail_from));
                    if (rec.malformed.empty())
                        rec.malformed = "field " + std::to_string(rec.fields.size() + 1) +
                                        " has text after its closing quote";
                }
            } else {
                const std::size_t from = i;
                while (i < n && text[i] != ',' && text[i] != '\r' && text[i] != '\n') ++i;
                field.assign(text.substr(from, i - from));
            }
            rec.fields.push_back(std::move(field));
            if (i < n && text[i] == ',') {
                ++i;
                continue;
            }
            take_newline();  // or end of text
            break;
        }
        out.push_back(std::move(rec));
    }
    return out;
}

std::string quote(std::string_view field) {
    bool needs = !field.empty() && (field.front() == ' ' || field.back() == ' ');
    for (char c : field)
        if (c == ',' || c == '"' || c == '\r' || c == '\n') needs = true;
    if (!needs) return std::string(field);
    std::string out;
    out.reserve(field.size() + 2);
    out.push_back('"');
    for (char c : field) {
        if (c == '"') out.push_back('"');
        out.push_back(c);
    }
    out.push_back('"');
    return out;
}

std::string defuse_formula(std::string_view field) {
    if (field.empty()) return {};
    switch (field.front()) {
        case '=':
        case '+':
        case '-':
        case '@':
        case '\t':
        case '\r':
            return "'" + std::string(field);
        default:
            return std::string(field);
    }
}

}  // namespace pd::exchange::csv
