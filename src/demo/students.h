// Made-up students for the demo queue: Chinese names (some with rare characters), GB 11643 ID
// numbers from real region codes, student numbers, schools, teaching stations and grades.
//
// ID numbers: student `index` maps through a seeded bijection of [0, id_space) onto
// (region, birth date, sequence 001-999), so every index below id_space() gets a distinct,
// valid number (check character from domain::id_number_check_char). The 17th digit's parity
// is the sex, as on a real card, and the given name is drawn from the matching list.
//
// Thread-safe: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "demo/demo_config.h"

namespace pd::demo {

struct Student {
    std::int64_t index = 0;
    std::string name;        // surname + given name, UTF-8
    std::string id_number;   // 18 characters, valid
    std::string student_no;  // enrolment year + school code + 7 digits of the index
    std::string school;
    std::string station;
    std::string grade;
    bool male = false;
    bool rare_name = false;  // the given name comes from rare_given
};

// How many distinct ID numbers the lists allow (regions x birth days x 999).
std::int64_t id_space(const StudentLists& lists);

// Student `index` of the seed's sequence; `rare_name` picks the given name from rare_given.
// Names may repeat between indices (as they do in real life); ID and student numbers do not
// for index < id_space() (and < 10^7 for student numbers).
Student make_student(const StudentLists& lists, std::uint64_t seed, std::int64_t index, bool rare_name);

// Students 0..n-1 with pairwise distinct names (a taken name is drawn again), and
// max(rare_min, round(rare_share * n)) of them (at most n) with a rare given name.
std::vector<Student> make_students(const StudentLists& lists, std::uint64_t seed, int n);

}  // namespace pd::demo
