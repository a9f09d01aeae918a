// `photodesk --bench-review N`: the real window, N decision keys injected through the same
// path as real keys (KeyGate::on_key, as GLFW's callback calls it), each once the item on
// screen is fully drawn. It measures, per decision, the time from the key press to the frame
// that shows the next item fully drawn (both photos uploaded, overlays and badges drawn, the
// frame finished on the GPU: glFinish after the swap), the UI thread's CPU time per frame, the
// allocations of a redraw that shows nothing new, resident memory after 500 and after N items,
// and the process's CPU use over ten idle seconds after the run.
//
// Threading: UI thread only.
#pragma once

#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "review/keymap.h"
#include "review/session.h"

namespace pd::workstation {

class ReviewBench {
public:
    explicit ReviewBench(int decisions) : target_(decisions) {}

    enum class Stage { waiting, deciding, settling, redraws, idle, done };
    Stage stage() const { return stage_; }
    bool done() const { return stage_ == Stage::done; }

    // Before a frame: the chord to inject now, if any.
    std::optional<review::Chord> next_key(const review::ReviewSession& s, const review::Keymap& k, double now);
    // After the frame is on screen. `drew`: a frame was drawn this round.
    void after_frame(const review::ReviewSession& s, double now, double ui_cpu_ms, std::uint64_t allocations, bool drew,
                     double frame_wall_ms);
    // The run starts once the queue is ready (the demo builder done), so nothing else competes.
    void allow_start(bool go) { go_ = go; }
    // The loop must draw a frame even with nothing new (the redraw stage).
    bool force_redraw() const { return stage_ == Stage::redraws; }
    // The loop must not draw anything it does not have to (the idle stage).
    bool idle() const { return stage_ == Stage::idle; }
    void report(std::ostream& out) const;

private:
    int target_;
    Stage stage_ = Stage::waiting;
    int sent_ = 0;
    bool pending_ = false;
    std::int64_t pending_item_ = 0;
    double pending_t0_ = 0;
    bool reason_first_ = false;            // a "1" went first: the decision key comes next
    std::vector<double> latencies_ms_;
    std::vector<double> frame_cpu_ms_;
    std::vector<double> frame_wall_ms_;
    int first_frame_ready_ = 0;            // decisions whose next item was complete in the key's frame
    int frames_since_key_ = 0;
    bool go_ = true;
    double stage_t0_ = 0;
    std::uint64_t redraw_allocs0_ = 0, redraw_allocs_ = 0;
    int redraw_frames_ = 0;
    long rss_500_kb_ = 0, rss_end_kb_ = 0;
    double idle_cpu0_ = 0, idle_wall_ = 0, idle_cpu_ = 0;
    int idle_frames_ = 0;
    double started_ = 0, finished_ = 0;
};

long resident_kb();          // VmRSS of this process
double process_cpu_seconds();  // user + system, all threads
double thread_cpu_ms();        // this thread

}  // namespace pd::workstation
