// The plan: defect mix, portraits, submission times against the working calendar,
// resubmissions, determinism.
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <set>

#include "demo/demo_support.h"
#include "demo/plan.h"

namespace pd::test {
namespace {

using demo::Defect;
using demo::Due;

// 2026-11-30 is a Monday, a working day; 15:00 in Beijing.
std::int64_t at(domain::Date d, int hour) { return domain::local_midnight(d, 480) + hour * 3600; }
const std::int64_t kMonday = at({2026, 11, 30}, 15);

// Portraits as the planner sees them: four whole photos from their own files (two with room
// for a second face), two small faces of one group photo, one more full face there.
std::vector<demo::PortraitTraits> traits() {
    return {{"a.png", false, true, false}, {"b.jpg", true, true, false}, {"c.jpg", true, true, false},
            {"d.jpg", false, true, false}, {"g.jpg", false, false, true}, {"g.jpg", false, false, true},
            {"g.jpg", false, false, false}};
}

demo::DemoPlan plan_for(std::int64_t now, int count = 240, std::uint64_t seed = 20261130) {
    auto p = demo::make_plan(demo_config(), traits(), work_calendar(), count, seed, now);
    if (!p) throw std::runtime_error(p.error().message);
    return p.value();
}

TEST(DemoPlan, TheMixFollowsTheShares) {
    const auto plan = plan_for(kMonday);
    ASSERT_EQ(plan.items.size(), 240u);
    const auto by = plan.by_defect();
    int total = 0;
    for (Defect d : demo::all_defects()) {
        const int n = by.at(demo::to_string(d));
        EXPECT_LE(std::abs(n - demo_config().defect(d).share * 240), 1.0) << demo::to_string(d) << " " << n;
        total += n;
    }
    EXPECT_EQ(total, 240);
    const double clean = by.at("clean") / 240.0;
    EXPECT_GE(clean, 0.55);
    EXPECT_LE(clean, 0.65);
}

TEST(DemoPlan, PortraitsFitTheirDefects) {
    const auto plan = plan_for(kMonday);
    const auto t = traits();
    std::set<int> used;
    std::map<int, int> originals;
    for (const auto& it : plan.items) {
        const auto& p = it.photo;
        used.insert(p.portrait);
        if (p.defect == Defect::low_resolution) EXPECT_TRUE(t[p.portrait].small);
        else EXPECT_FALSE(t[p.portrait].small) << demo::to_string(p.defect);
        if (p.defect == Defect::second_face) {
            EXPECT_TRUE(t[p.portrait].room_for_second_face);
            ASSERT_GE(p.donor, 0);
            EXPECT_NE(t[p.donor].file, t[p.portrait].file);
        } else {
            EXPECT_EQ(p.donor, -1);
        }
        if (p.original_bytes) {
            EXPECT_EQ(p.defect, Defect::clean);
            EXPECT_TRUE(t[p.portrait].has_original_bytes);
            EXPECT_FALSE(it.first.has_value());
            ++originals[p.portrait];
        }
    }
    EXPECT_EQ(used.size(), t.size()) << "every portrait appears";
    EXPECT_EQ(originals.size(), 4u) << "each whole photo is uploaded as it is once";
    for (const auto& [p, n] : originals) EXPECT_EQ(n, 1);
}

TEST(DemoPlan, DeadlinesSpreadOverOverdueDueTodayAndLater) {
    const auto plan = plan_for(kMonday);
    const auto& cal = work_calendar();
    for (const auto& it : plan.items) {
        EXPECT_LT(it.submitted_at, kMonday);
        EXPECT_GE(it.submitted_at, kMonday - 8 * 86400);
        auto d = cal.sla_deadline(it.submitted_at);
        ASSERT_TRUE(d);
        EXPECT_EQ(it.sla_deadline, d.value());
        EXPECT_EQ(it.due, demo::classify_due(it.sla_deadline, kMonday, 480));
    }
    // On a working Monday every bucket is reachable: the shares hold exactly.
    EXPECT_EQ(plan.count(Due::overdue), 36);
    EXPECT_EQ(plan.count(Due::due_today), 48);
    EXPECT_EQ(plan.count(Due::later), 156);
    EXPECT_TRUE(plan.notes.empty());
    // Due today: submitted on Thursday 26th (or over the weekend before it is not): deadline
    // Monday 24:00.
    for (const auto& it : plan.items)
        if (it.due == Due::due_today) {
            EXPECT_EQ(it.sla_deadline, domain::local_midnight({2026, 12, 1}, 480));
        }
}

TEST(DemoPlan, ClassifyDue) {
    const std::int64_t midnight = domain::local_midnight({2026, 12, 1}, 480);
    EXPECT_EQ(demo::classify_due(kMonday - 1, kMonday, 480), Due::overdue);
    EXPECT_EQ(demo::classify_due(kMonday, kMonday, 480), Due::overdue);
    EXPECT_EQ(demo::classify_due(midnight, kMonday, 480), Due::due_today);
    EXPECT_EQ(demo::classify_due(midnight + 1, kMonday, 480), Due::later);
}

TEST(DemoPlan, ResubmissionsWereRejectedOnceWithTheirDefectsReasons) {
    const auto plan = plan_for(kMonday);
    EXPECT_EQ(plan.resubmissions(), 24);
    for (const auto& it : plan.items) {
        if (!it.first) continue;
        const auto& f = *it.first;
        SCOPED_TRACE(it.student.name);
        EXPECT_EQ(it.photo.defect, Defect::clean) << "attempt 2 is the corrected photo";
        EXPECT_NE(f.photo.defect, Defect::clean);
        EXPECT_EQ(f.photo.portrait, it.photo.portrait) << "the same student";
        EXPECT_NE(f.photo.seed, it.photo.seed);
        EXPECT_EQ(f.reasons, demo_config().defect(f.photo.defect).reasons);
        EXPECT_EQ(f.note, demo_config().defect(f.photo.defect).note);
        EXPECT_LT(f.submitted_at, f.decided_at);
        EXPECT_LT(f.decided_at, it.submitted_at);
    }
}

TEST(DemoPlan, SameSeedSamePlanOtherSeedAnother) {
    const auto a = plan_for(kMonday), b = plan_for(kMonday), c = plan_for(kMonday, 240, 99);
    int same = 0;
    for (std::size_t i = 0; i < a.items.size(); ++i) {
        EXPECT_EQ(a.items[i].student.id_number, b.items[i].student.id_number);
        EXPECT_EQ(a.items[i].submitted_at, b.items[i].submitted_at);
        EXPECT_EQ(a.items[i].photo.seed, b.items[i].photo.seed);
        EXPECT_EQ(a.items[i].photo.defect, b.items[i].photo.defect);
        EXPECT_EQ(a.items[i].photo.portrait, b.items[i].photo.portrait);
        EXPECT_EQ(a.items[i].first.has_value(), b.items[i].first.has_value());
        same += a.items[i].student.id_number == c.items[i].student.id_number;
    }
    EXPECT_LT(same, 5);
    // A smaller queue with the same seed starts with the same students.
    const auto small = plan_for(kMonday, 24);
    for (std::size_t i = 0; i < small.items.size(); ++i)
        EXPECT_EQ(small.items[i].student.id_number, a.items[i].student.id_number);
}

TEST(DemoPlan, OnASundayNothingIsDueTodayAndANoteSaysSo) {
    const auto plan = plan_for(at({2026, 11, 29}, 12));
    EXPECT_EQ(plan.count(Due::due_today), 0);
    EXPECT_EQ(plan.items.size(), 240u);
    bool noted = false;
    for (const auto& n : plan.notes) noted |= n.find("due_today") != std::string::npos;
    EXPECT_TRUE(noted);
}

TEST(DemoPlan, AYearMissingFromTheCalendarIsAnError) {
    auto p = demo::make_plan(demo_config(), traits(), work_calendar(), 24, 1, at({2027, 3, 1}, 12));
    ASSERT_FALSE(p);
    EXPECT_EQ(p.error().code, ErrorCode::NotFound);
    EXPECT_NE(p.error().message.find("2027"), std::string::npos) << p.error().message;
}

TEST(DemoPlan, RealPortraits) {
    const auto& ps = loaded_portraits().portraits;
    const auto t = demo::traits_of(ps, demo_config(), engine_detect_long_side());
    auto p = demo::make_plan(demo_config(), t, work_calendar(), 240, 20261130, kMonday);
    ASSERT_TRUE(p) << p.error().message;
    for (const auto& n : p->notes) std::printf("note: %s\n", n.c_str());
    for (const auto& [d, n] : p->by_defect()) std::printf("  %-16s %d\n", d.c_str(), n);
    EXPECT_EQ(int(p->items.size()), 240);
    // Generating photos must not dominate the build (the server's engine takes 50-150 ms per
    // ingest): the first 48 items on this thread, printed as a figure, not asserted (19.5 ms
    // per photo in release at 57b2786; an ASan build on a busy CI machine took 131 ms).
    const auto t0 = std::chrono::steady_clock::now();
    std::size_t bytes = 0;
    for (int i = 0; i < 48; ++i) {
        auto photo = demo::make_photo(ps, p->items[i].photo, demo_config(), false, engine_detect_long_side());
        ASSERT_TRUE(photo) << photo.error().message;
        bytes += photo->bytes.size();
    }
    const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count() / 48;
    std::printf("make_photo: %.1f ms per photo, %.0f KB on average\n", ms, bytes / 48.0 / 1024);
    // PD_DEMO_LOOK: the first planned photo of each defect, as the queue will hold it.
    std::set<Defect> shown;
    for (const auto& it : p->items) {
        if (!shown.insert(it.photo.defect).second) continue;
        auto photo = demo::make_photo(ps, it.photo, demo_config(), true, engine_detect_long_side());
        ASSERT_TRUE(photo);
        look(std::string("plan-") + demo::to_string(it.photo.defect) + "-" + ps[it.photo.portrait].name, photo->bgr);
    }
}

TEST(DemoPlan, GrowItemsAreNewStudents) {
    const auto plan = plan_for(kMonday);
    std::set<std::string> ids;
    for (const auto& it : plan.items) ids.insert(it.student.id_number);
    auto g = demo::make_grow_items(demo_config(), work_calendar(), 20261130, 240 + 26, 500, 48, kMonday);
    ASSERT_TRUE(g) << g.error().message;
    ASSERT_EQ(g->size(), 500u);
    for (const auto& it : *g) {
        EXPECT_TRUE(ids.insert(it.student.id_number).second);
        EXPECT_EQ(it.photo.portrait, int(it.student.index % 48));
        EXPECT_EQ(it.sla_deadline, work_calendar().sla_deadline(it.submitted_at).value());
    }
}

}  // namespace
}  // namespace pd::test
