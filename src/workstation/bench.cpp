#include "workstation/bench.h"

#include <sys/resource.h>
#include <time.h>

#include <algorithm>
#include <fstream>
#include <numeric>

#include <fmt/format.h>

namespace pd::workstation {

namespace {

constexpr int kRedrawFrames = 120;
constexpr double kIdleSeconds = 10;
constexpr double kSettleSeconds = 5;   // let the last pushes drain before measuring idle

double percentile(std::vector<double> v, double p) {
    if (v.empty()) return 0;
    std::sort(v.begin(), v.end());
    const size_t i = std::min(v.size() - 1, size_t(p / 100.0 * double(v.size() - 1) + 0.5));
    return v[i];
}

}  // namespace

long resident_kb() {
    std::ifstream in("/proc/self/status");
    std::string line;
    while (std::getline(in, line))
        if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
    return 0;
}

double process_cpu_seconds() {
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    return double(u.ru_utime.tv_sec + u.ru_stime.tv_sec) + double(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

double thread_cpu_ms() {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return double(ts.tv_sec) * 1e3 + double(ts.tv_nsec) / 1e6;
}

std::optional<review::Chord> ReviewBench::next_key(const review::ReviewSession& s, const review::Keymap& k, double now) {
    if (stage_ == Stage::waiting) {
        if (!go_ || !s.current() || !s.current_ready() || s.ahead_ready() < s.ahead()) return std::nullopt;
        stage_ = Stage::deciding;
        started_ = now;
    }
    if (stage_ != Stage::deciding || pending_) return std::nullopt;
    const review::Slot* c = s.current();
    if (!c || !s.current_ready() || s.context() != review::Context::review) return std::nullopt;
    auto first = [&](review::Command cmd) { return k.chords(cmd).front(); };
    // An item that cannot be approved and has nothing ticked gets a reason first.
    if (c->ticked.empty() && c->item.standardized.empty() && !reason_first_) {
        reason_first_ = true;
        return first(review::Command::reason_1);
    }
    reason_first_ = false;
    pending_ = true;
    frames_since_key_ = 0;
    pending_item_ = c->item.id;
    pending_t0_ = now;
    ++sent_;
    return first(c->ticked.empty() ? review::Command::approve : review::Command::reject);
}

void ReviewBench::after_frame(const review::ReviewSession& s, double now, double ui_cpu_ms, std::uint64_t allocations,
                              bool drew, double frame_wall_ms) {
    switch (stage_) {
        case Stage::waiting: return;
        case Stage::deciding: {
            if (drew) {
                frame_cpu_ms_.push_back(ui_cpu_ms);
                frame_wall_ms_.push_back(frame_wall_ms);
                ++frames_since_key_;
            }
            const review::Slot* c = s.current();
            if (pending_ && c && c->item.id != pending_item_ && s.current_ready()) {
                latencies_ms_.push_back((now - pending_t0_) * 1000);
                first_frame_ready_ += frames_since_key_ <= 1;
                pending_ = false;
                if (sent_ == 500 || (sent_ == target_ && rss_500_kb_ == 0)) rss_500_kb_ = resident_kb();
            }
            if (sent_ >= target_ && !pending_) {
                finished_ = now;
                rss_end_kb_ = resident_kb();
                stage_ = Stage::settling;
                stage_t0_ = now;
            }
            return;
        }
        case Stage::settling:
            if (now - stage_t0_ >= kSettleSeconds) {
                stage_ = Stage::redraws;
                redraw_allocs0_ = allocations;
                redraw_frames_ = -2;   // the first two redraws may still lay out something new
            }
            return;
        case Stage::redraws:
            if (!drew) return;
            if (++redraw_frames_ == 0) redraw_allocs0_ = allocations;
            if (redraw_frames_ >= kRedrawFrames) {
                redraw_allocs_ = allocations - redraw_allocs0_;
                stage_ = Stage::idle;
                stage_t0_ = now;
                idle_cpu0_ = process_cpu_seconds();
            }
            return;
        case Stage::idle:
            if (drew) ++idle_frames_;
            if (now - stage_t0_ >= kIdleSeconds) {
                idle_wall_ = now - stage_t0_;
                idle_cpu_ = process_cpu_seconds() - idle_cpu0_;
                stage_ = Stage::done;
            }
            return;
        case Stage::done: return;
    }
}

void ReviewBench::report(std::ostream& out) const {
    const double mean_cpu =
        frame_cpu_ms_.empty() ? 0 : std::accumulate(frame_cpu_ms_.begin(), frame_cpu_ms_.end(), 0.0) / double(frame_cpu_ms_.size());
    out << fmt::format("bench-review: {} decisions in {:.1f} s ({:.0f} per hour of keys)\n", latencies_ms_.size(),
                       finished_ - started_, latencies_ms_.size() * 3600.0 / std::max(1e-9, finished_ - started_));
    out << fmt::format("key press -> next item fully drawn: p50 {:.2f} ms, p99 {:.2f} ms, max {:.2f} ms\n",
                       percentile(latencies_ms_, 50), percentile(latencies_ms_, 99),
                       latencies_ms_.empty() ? 0.0 : *std::max_element(latencies_ms_.begin(), latencies_ms_.end()));
    out << fmt::format("  next item complete in the key's own frame: {} of {}\n", first_frame_ready_, latencies_ms_.size());
    out << fmt::format("UI-thread CPU per frame: mean {:.2f} ms, p99 {:.2f} ms ({} frames)\n", mean_cpu,
                       percentile(frame_cpu_ms_, 99), frame_cpu_ms_.size());
    out << fmt::format("frame wall time (NewFrame to glFinish): p50 {:.2f} ms, p99 {:.2f} ms\n",
                       percentile(frame_wall_ms_, 50), percentile(frame_wall_ms_, 99));
    out << fmt::format("UI-thread allocations per redraw of an unchanged screen: {:.2f} ({} redraws)\n",
                       double(redraw_allocs_) / std::max(1, kRedrawFrames), kRedrawFrames);
    out << fmt::format("resident memory: {:.1f} MB after {} items, {:.1f} MB after {} items\n", rss_500_kb_ / 1024.0,
                       std::min(500, target_), rss_end_kb_ / 1024.0, target_);
    out << fmt::format("idle: {:.2f} % of one core over {:.0f} s, {} frames drawn\n",
                       100.0 * idle_cpu_ / std::max(1e-9, idle_wall_), idle_wall_, idle_frames_);
}

}  // namespace pd::workstation
