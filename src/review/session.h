// ReviewSession: the reviewer's side of the review loop with no ImGui and no GL, so all of it is
// testable headless (as Tracy's Worker is). It holds the session's items (claimed ahead, in the
// order they are reviewed), the current item, the reasons ticked for each item, the view state
// the keys change (zoom, wipe, overlays), the reason picker, the note editor and the re-crop
// window, and the decision journal (journal.h), whose queued rows are the outbox.
//
// Flow, one frame of the UI thread:
//   on_reply() for each result the sync worker produced (stale generations are dropped),
//   apply() for each command the keys produced (the frame then draws their effect),
//   plan() for what the worker should do now (claim ahead, fetch images, renew, push),
//   the views read the state through the accessors below.
// When to claim, renew, push and back off is decided here, against an injected clock, so the
// policy is tested without a network; the worker only executes.
//
// Invariants (each has a test):
//   - a decision is recorded in the journal (fsync) before the cursor moves on;
//   - a decision is pushed at most once per attempt, with its id, after the undo window;
//   - undo takes back only a decision still queued and not in flight;
//   - memory is bounded: decided items beyond keep_back are dropped once answered, and image
//     entries no longer referenced by an item are forgotten.
//
// Threading: UI thread only.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "domain/calendar.h"
#include "review/commands.h"
#include "review/i18n.h"
#include "review/item.h"
#include "review/journal.h"
#include "review/settings.h"
#include "review/sync_messages.h"

namespace pd::review {

struct Clock {
    std::function<std::int64_t()> unix_seconds;   // wall clock: decided_at, leases, SLA
    std::function<double()> monotonic_seconds;    // delays, back-off, rates
    static Clock system();
};

enum class ServerState { connecting, online, offline, unauthorized };

struct Slot {
    ReviewItem item;
    std::optional<JournalEntry> decision;     // recorded in this session (queued or answered)
    bool lease_lost = false;                  // renew said the lease is gone (someone else has it)
    std::vector<std::string> ticked;          // reasons ticked, in the order ticked
    bool ticked_initialised = false;          // suggested reasons preselected once, when first shown
    std::string note;
    std::vector<std::string> bar;             // the 1-9 reason bar for this item
};

struct ViewState {
    double zoom = 1, pan_x = 0, pan_y = 0;    // pan in screen px at zoom 1
    bool wipe = false;
    double wipe_pos = 0.5;                    // 0..1 across the photo; left of it the original
    bool overlays = true, landmarks = true;
    int false_colour = 0;                     // 0 off, 1 clipping, 2 background deviation
    bool show_original = false;               // while the hold key is down
    int focused_check = -1;                   // index into the current item's checks, -1 none
    bool help = false, conflicts = false;
};

struct PickerState {
    bool open = false;
    int row = 0;
    // Reasons (indices into the catalogue) in the picker's row order: the item's 1-9 bar first,
    // in the bar's order, then the rest of the catalogue. Row i has hotkey picker.slots[i], so a
    // digit means the same reason in the picker as in the bar.
    std::vector<int> order;
    std::vector<std::string> ticked;
    bool then_reject = false;                 // opened by R with nothing ticked
};

struct NoteState {
    bool open = false;
    std::string text;                         // edited by the view (the note editor's buffer)
    bool then_reject = false;                 // opened because a ticked reason needs a note
};

struct RecropState {
    bool active = false;
    CropWindow window, initial;               // upright original px
};

struct Toast {
    std::string text;
    bool error = false;
    double until = 0;                         // monotonic seconds
};

enum class ImageState { none, requested, decoded, resident, failed };

struct ImageEntry {
    ImageState state = ImageState::none;
    std::int64_t submission_id = 0;
    std::string kind;
    int width = 0, height = 0, full_width = 0, full_height = 0;
    std::string message;                      // why it failed
    double retry_at = 0;                      // monotonic; 0 = do not retry
    int failures = 0;
};

struct QueueFigures {
    bool known = false;
    std::int64_t open = 0, overdue = 0, due_today = 0, oldest_deadline = 0;
};

struct SessionDeps {
    WorkstationSettings settings;
    Strings* strings = nullptr;               // language toggles and reason labels go here
    domain::WorkCalendar calendar;
    std::unique_ptr<Journal> journal;
    Clock clock = Clock::system();
};

class ReviewSession {
public:
    explicit ReviewSession(SessionDeps deps);

    // [SECTION] lifecycle
    std::uint64_t generation() const { return generation_; }
    // Starts (or restarts after a new login) the conversation with the server: the first
    // plan() asks the worker to say hello.
    void start();
    // Starts with a hello already answered (the app checks the login before it opens the
    // account's journal, which is named after the user).
    void begin(HelloResult hello);

    // [SECTION] input
    Context context() const;                  // which keymap table the keys go to
    void apply(Command c);
    void set_hold(Command c, bool down);      // hold commands (show_original)
    void picker_hotkey(int row);              // a row's hotkey in the picker
    NoteState& note_editor() { return note_; }
    void set_wipe_pos(double p);              // the mouse drags the wipe

    // [SECTION] the sync worker
    void on_reply(Reply r);
    // Requests to post now, with `urgent` for what the reviewer is looking at.
    std::vector<std::pair<Envelope, bool>> plan();
    // Monotonic time at which plan() next wants to run with nothing else happening.
    double next_wake() const;
    // New items may have arrived (the demo queue is being built): claim again now rather than
    // at the next empty-queue poll.
    void poke();
    // Requests for quitting: release the leases of undecided items, push what is queued.
    std::vector<Envelope> farewell();

    // [SECTION] images, between the worker and the texture cache
    // Decoded pixels to upload, the current item's first, up to `budget_bytes` (at least one).
    // `current_only`: just the item on screen (before a frame; the rest goes after it, so a
    // frame that answers a key press does not also carry the uploads of items ahead).
    std::vector<std::pair<std::string, Pixels>> take_uploads(std::size_t budget_bytes, bool current_only = false);
    void evicted(const std::string& hash);    // the texture cache dropped it
    const ImageEntry* image(const std::string& hash) const;
    // Hashes the texture cache must keep (the items around the cursor).
    std::vector<std::string> pinned() const;
    // True when the current item can be drawn completely (both photos or their known absence).
    bool current_ready() const;

    // [SECTION] state for the views
    const std::deque<Slot>& slots() const { return slots_; }
    int cursor() const { return cursor_; }
    const Slot* current() const;
    const ViewState& view() const { return view_; }
    const PickerState& picker() const { return picker_; }
    const RecropState& recrop() const { return recrop_; }
    const std::vector<ReasonInfo>& reasons() const { return reasons_; }
    const ReasonInfo* reason(const std::string& code) const;
    // The reasons ticked when an item first shows: those of its failing checks and, when no spec
    // photo could be made, the one the catalogue names for the engine's refusal (first).
    std::vector<std::string> suggested_fail(const ReviewItem& item) const;
    const Strings& strings() const { return *strings_; }
    const WorkstationSettings& settings() const { return settings_; }
    const domain::WorkCalendar& calendar() const { return calendar_; }
    const Clock& clock() const { return clock_; }
    const Toast& toast() const { return toast_; }
    bool quit_requested() const { return quit_; }

    ServerState server_state() const { return server_; }
    const std::string& server_message() const { return server_message_; }
    const std::string& user() const { return user_; }
    const HelloResult* hello_problem() const { return hello_problem_ ? &*hello_problem_ : nullptr; }
    bool ready() const { return hello_ok_; }
    bool queue_empty() const { return queue_empty_; }
    const QueueFigures& queue() const { return queue_; }
    int ahead() const;                        // undecided items at or after the cursor
    int ahead_ready() const;                  // of those, with their images decoded or on the GPU
    int outbox() const { return outbox_count_; }
    int in_flight() const { return int(in_flight_.size()); }
    int decisions() const { return decisions_; }   // this session, undos taken back
    double rate_per_hour() const;
    const std::vector<JournalEntry>& conflicts() const { return conflicts_; }
    Journal& journal() { return *journal_; }
    // Bumped whenever something visible changes (a key's effect, a result): the UI loop draws
    // a frame only when it moved, so an idle workstation draws nothing.
    std::uint64_t revision() const { return revision_; }
    // New code points that names and labels brought (for the font atlas); cleared on read.
    std::u32string take_new_text();

private:
    // commands
    void decide(const std::string& verdict, std::optional<CropWindow> crop = std::nullopt);
    void reject();
    void undo();
    void skip();
    void move(int delta);
    void toggle_reason(const std::string& code);
    void open_picker(bool then_reject);
    void open_note(bool then_reject);
    void start_recrop();
    void apply_recrop(Command c);
    void apply_picker(Command c);
    void apply_note(Command c);
    void apply_view(Command c);
    void advance();
    void on_current_changed();
    void toast(std::string text, bool error = false);
    bool needs_note(const Slot& s) const;
    std::vector<std::string> make_bar(const ReviewItem& item) const;
    std::vector<int> picker_order(const Slot& s) const;   // see PickerState::order

    // sync
    void on_hello(HelloResult r);
    void on_restore(RestoreResult r);
    void on_claim(ClaimResult r);
    void on_image(ImageResult r);
    void on_push(PushResult r);
    void on_renew(RenewResult r);
    void on_queue(const QueueResult& r);
    void on_connection(const ConnectionResult& r);
    void add_items(std::vector<ReviewItem> items);
    void plan_images(std::vector<std::pair<Envelope, bool>>& out, double now);
    void want_image(std::vector<std::pair<Envelope, bool>>& out, double now, std::int64_t id, const std::string& kind,
                    const std::string& hash, int max_side, bool urgent);
    void collect_garbage();
    void refresh_conflicts();
    void note_text(const std::string& s);
    double backoff(int failures) const;
    bool wants_claim() const;
    Envelope envelope(Request r) const { return {generation_, std::move(r)}; }
    Slot* slot_by_id(std::int64_t id);
    void touch() { ++revision_; }

    WorkstationSettings settings_;
    Strings* strings_;
    domain::WorkCalendar calendar_;
    std::unique_ptr<Journal> journal_;
    Clock clock_;

    std::uint64_t generation_ = 0;
    std::uint64_t revision_ = 1;
    std::deque<Slot> slots_;
    int cursor_ = 0;                          // == slots_.size(): waiting for items
    ViewState view_;
    PickerState picker_;
    NoteState note_;
    RecropState recrop_;
    Toast toast_;
    bool quit_ = false;

    // server conversation
    bool hello_sent_ = false, hello_ok_ = false, restore_sent_ = false, restored_ = false;
    std::optional<HelloResult> hello_problem_;
    std::string user_;
    std::vector<ReasonInfo> reasons_;
    ServerState server_ = ServerState::connecting;
    std::string server_message_;
    QueueFigures queue_;

    bool claim_in_flight_ = false;
    bool queue_empty_ = false;
    double claim_not_before_ = 0;
    int claim_failures_ = 0;

    bool push_in_flight_ = false;
    std::set<std::string> in_flight_;
    double push_not_before_ = 0;
    int push_failures_ = 0;
    int outbox_count_ = 0;
    std::unordered_map<std::string, double> decided_mono_;   // decision id -> when (undo window)

    bool renew_in_flight_ = false;
    double renew_not_before_ = 0;
    double next_stats_ = 0;
    std::vector<std::int64_t> release_pending_, forget_pending_;

    std::unordered_map<std::string, ImageEntry> images_;
    std::unordered_map<std::string, Pixels> decoded_;       // waiting for upload

    int decisions_ = 0;
    std::deque<double> recent_;               // monotonic times of this session's decisions
    std::vector<std::string> undo_stack_;     // decision ids, oldest first
    std::vector<JournalEntry> conflicts_;
    std::u32string new_text_;
    std::set<char32_t> seen_text_;
};

}  // namespace pd::review
