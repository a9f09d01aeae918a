#include "domain/id_number.h"

#include "domain/calendar.h"

namespace pd::domain {

namespace {

constexpr int kWeights[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
constexpr char kCheckMap[] = "10X98765432";
constexpr std::size_t kLength = 18;

bool is_digit(char c) { return c >= '0' && c <= '9'; }

Error invalid(std::string message) { return make_error(ErrorCode::InvalidArgument, std::move(message)); }

}  // namespace

char id_number_check_char(std::string_view first17) {
    int sum = 0;
    for (std::size_t i = 0; i < 17 && i < first17.size(); ++i) sum += (first17[i] - '0') * kWeights[i];
    return kCheckMap[sum % 11];
}

Result<std::string> validate_id_number(std::string_view id) {
    if (id.size() != kLength)
        return invalid("ID number must be 18 characters, got " + std::to_string(id.size()));
    std::string out(id);
    for (std::size_t i = 0; i < 17; ++i) {
        if (!is_digit(out[i]))
            return invalid("ID number has a non-digit '" + std::string(1, out[i]) + "' at position " +
                           std::to_string(i + 1));
    }
    if (out[17] == 'x') out[17] = 'X';
    if (!is_digit(out[17]) && out[17] != 'X')
        return invalid("ID number check character at position 18 must be a digit or X, got '" +
                       std::string(1, out[17]) + "'");

    const std::string_view birth = std::string_view(out).substr(6, 8);
    const int y = std::stoi(std::string(birth.substr(0, 4)));
    const int m = std::stoi(std::string(birth.substr(4, 2)));
    const int d = std::stoi(std::string(birth.substr(6, 2)));
    // The date itself stays out of the message: messages reach logs, screens and reports.
    if (!is_valid_date(y, m, d))
        return invalid("ID number has an impossible birth date (positions 7-14, YYYYMMDD)");

    const char expected = id_number_check_char(out);
    if (out[17] != expected)
        return invalid("ID number check character should be " + std::string(1, expected) + ", got " +
                       std::string(1, out[17]));
    return out;
}

std::string mask_id_number(std::string_view id) {
    if (id.size() <= 10) return std::string(id.size(), '*');
    std::string out(id.substr(0, 6));
    out.append(id.size() - 10, '*');
    out.append(id.substr(id.size() - 4));
    if (out.back() == 'x') out.back() = 'X';
    return out;
}

}  // namespace pd::domain
