#include "demo/plan.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "demo/demo_rng.h"

namespace pd::demo {

const char* to_string(Due d) {
    switch (d) {
        case Due::overdue: return "overdue";
        case Due::due_today: return "due_today";
        case Due::later: return "later";
    }
    return "later";
}

Due classify_due(std::int64_t deadline, std::int64_t now, int utc_offset_minutes) {
    if (deadline <= now) return Due::overdue;
    const domain::Date today = domain::local_date(now, utc_offset_minutes);
    const std::int64_t end_of_today = domain::local_midnight(domain::add_days(today, 1), utc_offset_minutes);
    return deadline <= end_of_today ? Due::due_today : Due::later;
}

std::vector<PortraitTraits> traits_of(const std::vector<Portrait>& portraits, const DemoConfig& config,
                                      int engine_detect_long_side) {
    std::vector<PortraitTraits> out;
    for (const auto& p : portraits)
        out.push_back({p.file, has_room_for_second_face(p, config, engine_detect_long_side), p.bytes != nullptr,
                       p.small()});
    return out;
}

std::map<std::string, int> DemoPlan::by_defect() const {
    std::map<std::string, int> m;
    for (Defect d : all_defects()) m[to_string(d)] = 0;
    for (const auto& it : items) ++m[to_string(it.photo.defect)];
    return m;
}

int DemoPlan::resubmissions() const {
    return int(std::count_if(items.begin(), items.end(), [](const PlannedItem& i) { return i.first.has_value(); }));
}

int DemoPlan::count(Due d) const {
    return int(std::count_if(items.begin(), items.end(), [d](const PlannedItem& i) { return i.due == d; }));
}

namespace {

// Exact counts per share (largest remainder), summing to n.
std::vector<int> apportion(const std::vector<double>& shares, int n) {
    std::vector<int> out(shares.size());
    std::vector<std::pair<double, int>> rest;
    int used = 0;
    for (std::size_t i = 0; i < shares.size(); ++i) {
        const double exact = shares[i] * n;
        out[i] = int(std::floor(exact));
        used += out[i];
        rest.push_back({exact - out[i], int(i)});
    }
    std::stable_sort(rest.begin(), rest.end(), [](auto& a, auto& b) { return a.first > b.first; });
    for (int i = 0; used < n; ++i, ++used) ++out[rest[std::size_t(i) % rest.size()].second];
    return out;
}

// Submission times whose SLA deadline falls in a wanted bucket.
class TimePlanner {
public:
    TimePlanner(const DemoConfig& c, const domain::WorkCalendar& cal, std::int64_t now)
        : c_(c), cal_(cal), now_(now), offset_(cal.utc_offset_minutes()) {}

    // A time in the window; students rarely submit between 00:00 and 07:30.
    std::int64_t draw(Rng& rng) const {
        const std::int64_t span = std::int64_t(c_.timing.days_back) * 86400;
        std::int64_t t = now_ - 120;
        for (int i = 0; i < 50; ++i) {
            t = now_ - 120 - std::int64_t(rng.below(std::uint64_t(span)));
            const std::int64_t local = ((t + offset_ * 60) % 86400 + 86400) % 86400;
            if (local >= 7 * 3600 + 1800 || rng.chance(c_.timing.night_share)) break;
        }
        return t;
    }

    struct Pick {
        std::int64_t at = 0, deadline = 0;
        Due due = Due::later;
        bool hit = false;  // in the wanted bucket
    };
    // Draws until the deadline is in `want` (at most 600 draws). Error when no draw has a
    // deadline the calendar can compute.
    Result<Pick> pick(Rng& rng, Due want) const {
        Pick any;
        bool have_any = false;
        std::optional<Error> last_error;
        for (int i = 0; i < 600; ++i) {
            const std::int64_t t = draw(rng);
            auto deadline = cal_.sla_deadline(t);
            if (!deadline) {
                last_error = deadline.error();
                continue;
            }
            Pick p{t, deadline.value(), classify_due(deadline.value(), now_, offset_), false};
            if (p.due == want) {
                p.hit = true;
                return p;
            }
            if (!have_any) any = p, have_any = true;
        }
        if (!have_any)
            return make_error(ErrorCode::NotFound, "no submission time in the last " + std::to_string(c_.timing.days_back) +
                                                       " days has an SLA deadline: " + last_error->message);
        return any;
    }

    std::vector<Due> buckets(int n, Rng& rng) const {
        const double later = std::max(0.0, 1 - c_.timing.overdue - c_.timing.due_today);
        const auto k = apportion({c_.timing.overdue, c_.timing.due_today, later}, n);
        std::vector<Due> out;
        for (int i = 0; i < k[0]; ++i) out.push_back(Due::overdue);
        for (int i = 0; i < k[1]; ++i) out.push_back(Due::due_today);
        for (int i = 0; i < k[2]; ++i) out.push_back(Due::later);
        rng.shuffle(out);
        return out;
    }

private:
    const DemoConfig& c_;
    const domain::WorkCalendar& cal_;
    std::int64_t now_;
    int offset_;
};

void note_missed(std::vector<std::string>& notes, Due want, int missed) {
    if (missed > 0)
        notes.push_back(std::to_string(missed) + " item(s) meant to be " + to_string(want) +
                        " got another deadline: no submission time in the window reaches that bucket today");
}

}  // namespace

Result<DemoPlan> make_plan(const DemoConfig& c, const std::vector<PortraitTraits>& portraits,
                           const domain::WorkCalendar& calendar, int count, std::uint64_t seed, std::int64_t now) {
    if (count < 1) return make_error(ErrorCode::InvalidArgument, "demo queue: count must be at least 1");
    if (portraits.empty()) return make_error(ErrorCode::InvalidArgument, "demo queue: no usable portrait was found");
    DemoPlan plan;
    const auto students = make_students(c.students, seed, count);

    // [defects] Exact counts, shuffled. second_face needs a portrait with room and a donor
    // from another file; without one those items stay clean.
    std::vector<double> shares;
    for (Defect d : all_defects()) shares.push_back(c.defect(d).share);
    const auto per_defect = apportion(shares, count);
    std::vector<Defect> defects;
    for (Defect d : all_defects())
        for (int i = 0; i < per_defect[static_cast<int>(d)]; ++i) defects.push_back(d);
    Rng mix(derive(seed, "defects"));
    mix.shuffle(defects);

    std::vector<int> roomy, full, small;
    for (int i = 0; i < int(portraits.size()); ++i) {
        (portraits[i].small ? small : full).push_back(i);
        if (portraits[i].room_for_second_face) roomy.push_back(i);
    }
    if (full.empty()) return make_error(ErrorCode::InvalidArgument, "demo queue: every usable face is too small for a clean photo");
    const auto has_other_file = [&](int p) {
        return std::any_of(portraits.begin(), portraits.end(), [&](const PortraitTraits& t) { return t.file != portraits[p].file; });
    };
    roomy.erase(std::remove_if(roomy.begin(), roomy.end(), [&](int p) { return !has_other_file(p); }), roomy.end());
    int demoted = 0;
    for (auto& d : defects)
        if (d == Defect::second_face && roomy.empty()) d = Defect::clean, ++demoted;
    if (demoted)
        plan.notes.push_back(std::to_string(demoted) + " second_face item(s) made clean: no portrait has room beside the head");

    // [portraits] The least-used eligible portrait, ties broken by a seeded order.
    std::vector<int> order(portraits.size());
    std::iota(order.begin(), order.end(), 0);
    Rng shuffle(derive(seed, "portraits"));
    shuffle.shuffle(order);
    std::vector<int> rank(portraits.size()), used(portraits.size(), 0);
    for (int i = 0; i < int(order.size()); ++i) rank[order[i]] = i;
    const auto least_used = [&](const std::vector<int>& eligible) {
        return *std::min_element(eligible.begin(), eligible.end(), [&](int a, int b) {
            return used[a] != used[b] ? used[a] < used[b] : rank[a] < rank[b];
        });
    };
    std::vector<bool> original_sent(portraits.size(), false);

    // [resubmissions] Among the clean items.
    std::vector<int> clean;
    for (int i = 0; i < count; ++i)
        if (defects[i] == Defect::clean) clean.push_back(i);
    Rng resub(derive(seed, "resubmissions"));
    resub.shuffle(clean);
    const int n_resub = std::min(int(clean.size()), int(std::lround(c.resubmissions.share * count)));
    std::vector<bool> resubmits(count, false);
    for (int i = 0; i < n_resub; ++i) resubmits[clean[i]] = true;

    // [times]
    TimePlanner times(c, calendar, now);
    Rng bucket_rng(derive(seed, "buckets"));
    const auto buckets = times.buckets(count, bucket_rng);
    int missed[3] = {0, 0, 0};

    for (int i = 0; i < count; ++i) {
        PlannedItem it;
        it.student = students[i];
        it.photo.defect = defects[i];
        it.photo.seed = derive(seed, "photo", std::uint64_t(i));
        const Defect d = it.photo.defect;
        const int p = least_used(d == Defect::second_face                    ? roomy
                                 : d == Defect::low_resolution && !small.empty() ? small
                                                                              : full);
        ++used[p];
        it.photo.portrait = p;
        Rng item(derive(seed, "item", std::uint64_t(i)));
        if (it.photo.defect == Defect::second_face) {
            std::vector<int> donors;
            for (int q = 0; q < int(portraits.size()); ++q)
                if (portraits[q].file != portraits[p].file) donors.push_back(q);
            it.photo.donor = donors[item.index(donors.size())];
        }
        if (it.photo.defect == Defect::clean && !resubmits[i] && portraits[p].has_original_bytes && !original_sent[p]) {
            it.photo.original_bytes = true;
            original_sent[p] = true;
        }

        Rng when(derive(seed, "time", std::uint64_t(i)));
        auto pick = times.pick(when, buckets[i]);
        if (!pick) return pick.error();
        if (!pick->hit) ++missed[static_cast<int>(buckets[i])];
        it.submitted_at = pick->at;
        it.sla_deadline = pick->deadline;
        it.due = pick->due;

        if (resubmits[i]) {
            FirstAttempt f;
            // A defect drawn with the mix's weights (clean excluded), on the same portrait.
            std::vector<Defect> pool;
            std::vector<double> weights;
            for (Defect d : all_defects())
                if (d != Defect::clean && d != Defect::second_face) pool.push_back(d), weights.push_back(c.defect(d).share);
            double r = item.unit() * std::accumulate(weights.begin(), weights.end(), 0.0);
            std::size_t k = 0;
            while (k + 1 < pool.size() && (r -= weights[k]) >= 0) ++k;
            f.photo.defect = pool[k];
            f.photo.portrait = p;
            f.photo.seed = derive(seed, "photo-first", std::uint64_t(i));
            f.submitted_at = it.submitted_at - std::int64_t(item.uniform(c.resubmissions.gap_hours.min,
                                                                          c.resubmissions.gap_hours.max) * 3600);
            f.decided_at = f.submitted_at + std::int64_t(item.uniform(c.resubmissions.decided_after_hours.min,
                                                                      c.resubmissions.decided_after_hours.max) * 3600);
            f.reasons = c.defect(f.photo.defect).reasons;
            f.note = c.defect(f.photo.defect).note;
            if (auto d1 = calendar.sla_deadline(f.submitted_at); !d1) return d1.error();
            it.first = std::move(f);
        }
        plan.items.push_back(std::move(it));
    }
    for (Due d : {Due::overdue, Due::due_today, Due::later}) note_missed(plan.notes, d, missed[static_cast<int>(d)]);
    return plan;
}

Result<std::vector<PlannedItem>> make_grow_items(const DemoConfig& c, const domain::WorkCalendar& calendar,
                                                 std::uint64_t seed, std::int64_t first_index, int n, int pool,
                                                 std::int64_t now) {
    if (n < 0 || pool < 1) return make_error(ErrorCode::InvalidArgument, "grow: n must be >= 0 and the pool >= 1");
    std::vector<PlannedItem> out;
    TimePlanner times(c, calendar, now);
    for (int k = 0; k < n; ++k) {
        const std::int64_t index = first_index + k;
        Rng r(derive(seed, "grow", std::uint64_t(index)));
        PlannedItem it;
        it.student = make_student(c.students, seed, index, r.chance(c.students.rare_share));
        it.photo.portrait = int(index % pool);
        const double u = r.unit();
        const Due want = u < c.timing.overdue ? Due::overdue
                         : u < c.timing.overdue + c.timing.due_today ? Due::due_today
                                                                       : Due::later;
        auto pick = times.pick(r, want);
        if (!pick) return pick.error();
        it.submitted_at = pick->at;
        it.sla_deadline = pick->deadline;
        it.due = pick->due;
        out.push_back(std::move(it));
    }
    return out;
}

}  // namespace pd::demo
