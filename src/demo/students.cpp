#include "demo/students.h"

#include <cmath>
#include <cstdio>
#include <numeric>
#include <set>

#include "demo/demo_rng.h"
#include "domain/id_number.h"

namespace pd::demo {

namespace {

std::int64_t birth_days(const StudentLists& l) {
    return domain::days_from_civil(l.birth_to) - domain::days_from_civil(l.birth_from) + 1;
}

// A multiplier coprime with n, from the seed: k = (a * index + b) mod n is then a bijection.
std::pair<std::uint64_t, std::uint64_t> bijection(std::uint64_t seed, std::uint64_t n) {
    Rng rng(derive(seed, "id-bijection"));
    std::uint64_t a = 1 + rng.below(n - 1 > 0 ? n - 1 : 1);
    while (std::gcd(a, n) != 1) a = a % (n - 1) + 1;
    return {a, rng.below(n)};
}

std::string id_number(const StudentLists& l, std::uint64_t seed, std::int64_t index, bool* male) {
    const std::uint64_t R = l.regions.size(), D = std::uint64_t(birth_days(l)), n = R * D * 999;
    const auto [a, b] = bijection(seed, n);
    const std::uint64_t k = std::uint64_t((static_cast<unsigned __int128>(a) * std::uint64_t(index) + b) % n);
    const std::string& region = l.regions[k % R];
    const domain::Date birth = domain::add_days(l.birth_from, std::int64_t((k / R) % D));
    const int seq = int(k / (R * D)) + 1;  // 001..999
    char first17[24];
    std::snprintf(first17, sizeof first17, "%s%04d%02d%02d%03d", region.c_str(), birth.y, birth.m, birth.d, seq);
    *male = (seq % 2) == 1;
    return std::string(first17) + domain::id_number_check_char(first17);
}

template <class T>
double weight_of(const T& t) { return t.weight; }

}  // namespace

std::int64_t id_space(const StudentLists& lists) {
    return std::int64_t(lists.regions.size()) * birth_days(lists) * 999;
}

Student make_student(const StudentLists& l, std::uint64_t seed, std::int64_t index, bool rare_name) {
    Student s;
    s.index = index;
    s.id_number = id_number(l, seed, index, &s.male);
    Rng rng(derive(seed, "student", std::uint64_t(index)));
    const auto& surname = l.surnames[rng.index(l.surnames.size())];
    const auto& given = rare_name ? l.rare_given : (s.male ? l.given_male : l.given_female);
    s.name = surname + given[rng.index(given.size())];
    s.rare_name = rare_name;
    const School& school = l.schools[rng.weighted(l.schools, &weight_of<School>)];
    s.school = school.name;
    s.station = school.stations[rng.index(school.stations.size())];
    s.grade = l.grades[rng.weighted(l.grades, &weight_of<Grade>)].name;
    char no[40];
    std::snprintf(no, sizeof no, "%04d%s%07lld", std::stoi(s.grade) - l.study_years, school.code.c_str(),
                  static_cast<long long>((index + 1) % 10'000'000));
    s.student_no = no;
    return s;
}

std::vector<Student> make_students(const StudentLists& l, std::uint64_t seed, int n) {
    std::vector<Student> out;
    if (n <= 0) return out;
    // Which students get a rare given name: the first k of a seeded shuffle.
    const int k = std::min(n, std::max(l.rare_min, int(std::lround(l.rare_share * n))));
    std::vector<int> order(n);
    std::iota(order.begin(), order.end(), 0);
    Rng pick(derive(seed, "rare-names"));
    pick.shuffle(order);
    std::vector<bool> rare(n, false);
    for (int i = 0; i < k; ++i) rare[order[i]] = true;

    std::set<std::string> names;
    out.reserve(n);
    for (int i = 0; i < n; ++i) {
        Student s = make_student(l, seed, i, rare[i]);
        // A taken name: draw surname and given name again from this student's own stream.
        Rng again(derive(seed, "student-rename", std::uint64_t(i)));
        const auto& given = s.rare_name ? l.rare_given : (s.male ? l.given_male : l.given_female);
        for (int tries = 0; names.count(s.name) && tries < 10000; ++tries)
            s.name = l.surnames[again.index(l.surnames.size())] + given[again.index(given.size())];
        names.insert(s.name);
        out.push_back(std::move(s));
    }
    return out;
}

}  // namespace pd::demo
