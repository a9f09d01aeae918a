#include "domain/id_number.h"

#include <gtest/gtest.h>

namespace pd::domain {
namespace {

// Check characters below were computed independently (weights 7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2).
TEST(IdNumber, AcceptsValidNumbers) {
    for (const char* id : {"11010519491231002X", "440308200002291231", "310115199901010016",
                           "510107200412315671", "110101199003071233", "320106198511030012"}) {
        auto r = validate_id_number(id);
        ASSERT_TRUE(r.ok()) << id << ": " << r.error().message;
        EXPECT_EQ(*r, id);
    }
}

TEST(IdNumber, NormalisesLowerCaseX) {
    auto r = validate_id_number("11010519491231002x");
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(*r, "11010519491231002X");
}

TEST(IdNumber, CheckCharacter) {
    EXPECT_EQ(id_number_check_char("11010519491231002"), 'X');
    EXPECT_EQ(id_number_check_char("44030820000229123"), '1');
    auto r = validate_id_number("110101199003071234");
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, ErrorCode::InvalidArgument);
    EXPECT_EQ(r.error().message, "ID number check character should be 3, got 4");
    EXPECT_EQ(validate_id_number("110105194912310021").error().message,
              "ID number check character should be X, got 1");
}

TEST(IdNumber, WrongLength) {
    EXPECT_EQ(validate_id_number("").error().message, "ID number must be 18 characters, got 0");
    EXPECT_EQ(validate_id_number("11010519491231002").error().message, "ID number must be 18 characters, got 17");
    EXPECT_EQ(validate_id_number(" 11010519491231002X").error().message,
              "ID number must be 18 characters, got 19");
    // The old 15-digit format is not accepted.
    EXPECT_FALSE(validate_id_number("110105491231002").ok());
}

TEST(IdNumber, NonDigitNamesPosition) {
    EXPECT_EQ(validate_id_number("1101A519491231002X").error().message,
              "ID number has a non-digit 'A' at position 5");
    EXPECT_EQ(validate_id_number("X10105194912310021").error().message,
              "ID number has a non-digit 'X' at position 1");
    EXPECT_EQ(validate_id_number("11010519491231002Y").error().message,
              "ID number check character at position 18 must be a digit or X, got 'Y'");
}

TEST(IdNumber, BirthDateMustBeReal) {
    // 2001-02-29 does not exist, though the check character matches the 17 digits.
    EXPECT_EQ(id_number_check_char("44030820010229123"), '9');
    auto r = validate_id_number("440308200102291239");
    ASSERT_FALSE(r.ok());
    // The message names the fault, never the date itself (a birth date is personal data that
    // error messages reach logs and screens with).
    EXPECT_EQ(r.error().message, "ID number has an impossible birth date (positions 7-14, YYYYMMDD)");
    EXPECT_EQ(r.error().message.find("20010229"), std::string::npos);
    for (const char* id : {"110105194913310020", "110105194912000020", "110105000002300020"}) {
        const auto e = validate_id_number(id);
        ASSERT_FALSE(e.ok()) << id;
        EXPECT_EQ(e.error().message.find(std::string(id).substr(6, 8)), std::string::npos) << e.error().message;
    }
    EXPECT_FALSE(validate_id_number("110105194913310020").ok());  // month 13
    EXPECT_FALSE(validate_id_number("110105194912000020").ok());  // day 0
}

TEST(IdNumber, Mask) {
    EXPECT_EQ(mask_id_number("11010519491231002X"), "110105********002X");
    EXPECT_EQ(mask_id_number("11010519491231002x"), "110105********002X");
    EXPECT_EQ(mask_id_number("440308200002291231"), "440308********1231");
    EXPECT_EQ(mask_id_number("12345678901"), "123456*8901");
    EXPECT_EQ(mask_id_number("1234567890"), "**********");
    EXPECT_EQ(mask_id_number(""), "");
}

}  // namespace
}  // namespace pd::domain
