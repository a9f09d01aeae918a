// ReviewSession: commands and their effects. The conversation with the server (results,
// policy, images) is in session_sync.cpp.
#include "review/session.h"

#include <algorithm>
#include <chrono>
#include <cmath>

#include "client/api_client.h"

namespace pd::review {

Clock Clock::system() {
    return {[] {
                return std::int64_t(std::chrono::duration_cast<std::chrono::seconds>(
                                        std::chrono::system_clock::now().time_since_epoch())
                                        .count());
            },
            [] {
                return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
            }};
}

ReviewSession::ReviewSession(SessionDeps d)
    : settings_(std::move(d.settings)),
      strings_(d.strings),
      calendar_(std::move(d.calendar)),
      journal_(std::move(d.journal)),
      clock_(std::move(d.clock)) {
    auto n = journal_->outbox_size();
    outbox_count_ = n ? n.value() : 0;
    refresh_conflicts();
    // Answered rows older than the keep period go; the outbox is never pruned.
    (void)journal_->prune(clock_.unix_seconds() - std::int64_t(settings_.keep_answered_days) * 86400);
}

// [SECTION] input

Context ReviewSession::context() const {
    if (note_.open) return Context::note;
    if (picker_.open) return Context::picker;
    if (recrop_.active) return Context::recrop;
    return Context::review;
}

const Slot* ReviewSession::current() const {
    return cursor_ >= 0 && cursor_ < int(slots_.size()) ? &slots_[size_t(cursor_)] : nullptr;
}

void ReviewSession::apply(Command c) {
    touch();
    switch (info(c).context) {
        case Context::recrop: return apply_recrop(c);
        case Context::picker: return apply_picker(c);
        case Context::note: return apply_note(c);
        case Context::review: break;
    }
    if (int slot = reason_slot(c); slot >= 0) {
        const Slot* s = current();
        if (s && size_t(slot) < s->bar.size()) toggle_reason(s->bar[size_t(slot)]);
        return;
    }
    switch (c) {
        case Command::approve: return decide("approve");
        case Command::reject: return reject();
        case Command::reasons: return open_picker(false);
        case Command::note: return open_note(false);
        case Command::undo: return undo();
        case Command::skip: return skip();
        case Command::recrop: return start_recrop();
        case Command::next: return move(+1);
        case Command::previous: return move(-1);
        case Command::quit: quit_ = true; return;
        default: return apply_view(c);
    }
}

void ReviewSession::apply_view(Command c) {
    ViewState& v = view_;
    const double step = settings_.pan_step_px;
    switch (c) {
        case Command::wipe: v.wipe = !v.wipe; v.wipe_pos = 0.5; break;
        case Command::overlays: v.overlays = !v.overlays; break;
        case Command::landmarks: v.landmarks = !v.landmarks; break;
        case Command::false_colour: v.false_colour = (v.false_colour + 1) % 3; break;
        case Command::zoom_in: v.zoom = std::min(settings_.zoom_max, v.zoom * settings_.zoom_step); break;
        case Command::zoom_out:
            v.zoom = std::max(1.0, v.zoom / settings_.zoom_step);
            if (v.zoom == 1.0) v.pan_x = v.pan_y = 0;
            break;
        case Command::zoom_reset: v.zoom = 1; v.pan_x = v.pan_y = 0; break;
        case Command::pan_left: v.pan_x += step; break;
        case Command::pan_right: v.pan_x -= step; break;
        case Command::pan_up: v.pan_y += step; break;
        case Command::pan_down: v.pan_y -= step; break;
        case Command::check_next:
        case Command::check_previous: {
            const Slot* s = current();
            const int n = s ? int(s->item.checks.size()) : 0;
            if (n == 0) { v.focused_check = -1; break; }
            // n + 1 positions in a ring: none focused, then each badge.
            const int d = c == Command::check_next ? 1 : -1;
            v.focused_check = (v.focused_check + 1 + d + n + 1) % (n + 1) - 1;
            break;
        }
        case Command::help: v.help = !v.help; v.conflicts = false; break;
        case Command::conflicts: v.conflicts = !v.conflicts; v.help = false; break;
        case Command::dismiss_conflicts:
            if (!v.conflicts) break;
            for (const auto& c : conflicts_) (void)journal_->dismiss(c.decision_id);
            refresh_conflicts();
            break;
        case Command::language: strings_->toggle_language(); break;
        case Command::close:
            if (v.help || v.conflicts) v.help = v.conflicts = false;
            else if (!toast_.text.empty()) toast_ = {};
            else if (v.wipe) v.wipe = false;
            else v.focused_check = -1;
            break;
        default: break;
    }
}

void ReviewSession::set_hold(Command c, bool down) {
    if (c == Command::show_original && view_.show_original != down) {
        view_.show_original = down;
        touch();
    }
}

void ReviewSession::set_wipe_pos(double p) {
    p = std::clamp(p, 0.0, 1.0);
    if (p != view_.wipe_pos) {
        view_.wipe_pos = p;
        touch();
    }
}

// [SECTION] deciding

bool ReviewSession::needs_note(const Slot& s) const {
    if (!s.note.empty()) return false;
    for (const auto& code : s.ticked)
        if (const ReasonInfo* r = reason(code); r && r->note_required) return true;
    return false;
}

void ReviewSession::reject() {
    const Slot* s = current();
    if (!s) return;
    if (s->ticked.empty()) return open_picker(true);
    if (needs_note(*s)) return open_note(true);
    decide("reject");
}

void ReviewSession::decide(const std::string& verdict, std::optional<CropWindow> crop) {
    if (cursor_ >= int(slots_.size())) return;
    Slot& s = slots_[size_t(cursor_)];
    if (s.lease_lost) return toast(strings_->tr("toast.lease_lost"), true);
    if (s.decision) {
        const bool queued = s.decision->outcome == Outcome::queued;
        if (!queued || in_flight_.count(s.decision->decision_id))
            return toast(strings_->tr("toast.already_sent"), true);
    }
    if (verdict == "approve" && s.item.standardized.empty())
        return toast(strings_->tr("toast.no_spec_photo"), true);

    JournalEntry e;
    e.decision_id = client::new_decision_id();
    e.submission_id = s.item.id;
    e.verdict = verdict;
    if (verdict == "reject") e.reasons = s.ticked;
    e.note = s.note;
    e.crop = crop;
    e.decided_at = clock_.unix_seconds();
    e.student_name = s.item.name;
    // A change of mind on an item whose decision is still queued replaces it.
    std::optional<JournalEntry> replaced = s.decision;
    if (replaced) {
        auto back = journal_->take_back(replaced->decision_id);
        if (!back || !back.value()) return toast(strings_->tr("toast.already_sent"), true);
        --outbox_count_;
        --decisions_;
        decided_mono_.erase(replaced->decision_id);
    }
    if (auto st = journal_->record(e); !st) {
        // Not on disk, so not decided: the reviewer sees why and the item stays (undecided, if
        // this was a change of mind: the earlier decision was taken back above).
        if (replaced) s.decision.reset();
        return toast(strings_->format("toast.journal_failed", {st.error().message}), true);
    }
    s.decision = e;
    ++outbox_count_;
    ++decisions_;
    const double now = clock_.monotonic_seconds();
    decided_mono_[e.decision_id] = now;
    recent_.push_back(now);
    undo_stack_.push_back(e.decision_id);
    if (undo_stack_.size() > 200) undo_stack_.erase(undo_stack_.begin());
    recrop_ = {};
    advance();
}

void ReviewSession::advance() {
    int i = cursor_ + 1;
    while (i < int(slots_.size()) && (slots_[size_t(i)].decision || slots_[size_t(i)].lease_lost)) ++i;
    cursor_ = i;
    on_current_changed();
    collect_garbage();
}

void ReviewSession::undo() {
    for (auto it = undo_stack_.rbegin(); it != undo_stack_.rend(); ++it) {
        const std::string id = *it;
        auto slot = std::find_if(slots_.begin(), slots_.end(),
                                 [&](const Slot& s) { return s.decision && s.decision->decision_id == id; });
        if (slot == slots_.end()) continue;
        if (slot->decision->outcome != Outcome::queued || in_flight_.count(id))
            return toast(strings_->tr("toast.already_sent"), true);
        auto back = journal_->take_back(id);
        if (!back) return toast(back.error().message, true);
        if (!back.value()) return toast(strings_->tr("toast.already_sent"), true);
        slot->decision.reset();
        --outbox_count_;
        --decisions_;
        decided_mono_.erase(id);
        if (!recent_.empty()) recent_.pop_back();
        undo_stack_.erase(std::next(it).base());
        cursor_ = int(slot - slots_.begin());
        on_current_changed();
        return toast(strings_->format("toast.undone", {slot->item.name}));
    }
    toast(strings_->tr("toast.nothing_to_undo"));
}

void ReviewSession::skip() {
    if (cursor_ >= int(slots_.size())) return;
    Slot& s = slots_[size_t(cursor_)];
    if (s.decision) return toast(strings_->tr("toast.skip_decided"), true);
    release_pending_.push_back(s.item.id);
    slots_.erase(slots_.begin() + cursor_);
    if (cursor_ < int(slots_.size()) && (slots_[size_t(cursor_)].decision || slots_[size_t(cursor_)].lease_lost)) {
        --cursor_;
        advance();
        return;
    }
    on_current_changed();
    collect_garbage();
}

void ReviewSession::move(int delta) {
    const int n = int(slots_.size());
    if (n == 0) return;
    cursor_ = std::clamp(cursor_ + delta, 0, n - 1);
    on_current_changed();
}

void ReviewSession::on_current_changed() {
    view_.focused_check = -1;
    recrop_ = {};
    picker_ = {};
    note_ = {};
    if (cursor_ >= int(slots_.size())) return;
    Slot& s = slots_[size_t(cursor_)];
    if (!s.ticked_initialised) {
        s.ticked_initialised = true;
        for (const auto& code : suggested_fail(s.item))
            if (reason(code)) s.ticked.push_back(code);
        s.bar = make_bar(s.item);
    }
}

std::vector<std::string> ReviewSession::suggested_fail(const ReviewItem& item) const {
    std::vector<std::string> out;
    if (item.standardized.empty() && !item.spec_error_kind.empty())
        for (const auto& r : reasons_)
            if (std::find(r.suggested_by_refusals.begin(), r.suggested_by_refusals.end(), item.spec_error_kind) !=
                r.suggested_by_refusals.end())
                out.push_back(r.code);
    for (const auto& c : item.suggested_fail)
        if (std::find(out.begin(), out.end(), c) == out.end()) out.push_back(c);
    return out;
}

std::vector<std::string> ReviewSession::make_bar(const ReviewItem& item) const {
    std::vector<std::string> bar;
    auto add = [&](const std::string& code) {
        if (bar.size() < 9 && reason(code) && std::find(bar.begin(), bar.end(), code) == bar.end()) bar.push_back(code);
    };
    for (const auto& c : suggested_fail(item)) add(c);
    for (const auto& c : item.suggested_warn) add(c);
    for (const auto& c : settings_.reason_bar) add(c);
    for (const auto& r : reasons_) add(r.code);
    return bar;
}

void ReviewSession::toggle_reason(const std::string& code) {
    if (cursor_ >= int(slots_.size())) return;
    auto& t = slots_[size_t(cursor_)].ticked;
    auto it = std::find(t.begin(), t.end(), code);
    if (it == t.end()) t.push_back(code);
    else t.erase(it);
}

// [SECTION] picker, note, re-crop

void ReviewSession::open_picker(bool then_reject) {
    const Slot* s = current();
    if (!s || reasons_.empty()) return;
    picker_.open = true;
    picker_.row = 0;
    picker_.order = picker_order(*s);
    picker_.ticked = s->ticked;
    picker_.then_reject = then_reject;
}

std::vector<int> ReviewSession::picker_order(const Slot& s) const {
    std::vector<int> order;
    for (const auto& code : s.bar)
        for (int i = 0; i < int(reasons_.size()); ++i)
            if (reasons_[size_t(i)].code == code) order.push_back(i);
    for (int i = 0; i < int(reasons_.size()); ++i)
        if (std::find(order.begin(), order.end(), i) == order.end()) order.push_back(i);
    return order;
}

void ReviewSession::picker_hotkey(int row) {
    if (!picker_.open || row < 0 || row >= int(picker_.order.size())) return;
    touch();
    picker_.row = row;
    apply_picker(Command::picker_toggle);
}

void ReviewSession::apply_picker(Command c) {
    if (!picker_.open) return;
    const int n = int(picker_.order.size());
    switch (c) {
        case Command::picker_up: picker_.row = (picker_.row + n - 1) % n; break;
        case Command::picker_down: picker_.row = (picker_.row + 1) % n; break;
        case Command::picker_toggle: {
            const std::string& code = reasons_[size_t(picker_.order[size_t(picker_.row)])].code;
            auto it = std::find(picker_.ticked.begin(), picker_.ticked.end(), code);
            if (it == picker_.ticked.end()) picker_.ticked.push_back(code);
            else picker_.ticked.erase(it);
            break;
        }
        case Command::picker_confirm: {
            const bool then_reject = picker_.then_reject;
            if (cursor_ < int(slots_.size())) slots_[size_t(cursor_)].ticked = picker_.ticked;
            picker_ = {};
            if (then_reject) {
                const Slot* s = current();
                if (s && s->ticked.empty()) return toast(strings_->tr("toast.reject_needs_reason"), true);
                reject();
            }
            break;
        }
        case Command::picker_cancel: picker_ = {}; break;
        default: break;
    }
}

void ReviewSession::open_note(bool then_reject) {
    const Slot* s = current();
    if (!s) return;
    note_.open = true;
    note_.text = s->note;
    note_.then_reject = then_reject;
}

void ReviewSession::apply_note(Command c) {
    if (!note_.open) return;
    if (c == Command::note_cancel) {
        note_ = {};
        return;
    }
    if (c != Command::note_confirm) return;
    const bool then_reject = note_.then_reject;
    std::string text = note_.text;
    // Trim: a note of spaces is no note.
    const auto b = text.find_first_not_of(" \t\r\n");
    text = b == std::string::npos ? "" : text.substr(b, text.find_last_not_of(" \t\r\n") - b + 1);
    if (text.size() > 4000) text.resize(4000);
    if (cursor_ < int(slots_.size())) slots_[size_t(cursor_)].note = text;
    note_ = {};
    if (then_reject) {
        if (text.empty()) return toast(strings_->tr("toast.note_required"), true);
        reject();
    }
}

void ReviewSession::start_recrop() {
    const Slot* s = current();
    if (!s) return;
    if (s->decision && s->decision->outcome != Outcome::queued) return toast(strings_->tr("toast.already_sent"), true);
    if (!s->item.crop.present || s->item.crop.window_w <= 0 || s->item.landmarks.empty())
        return toast(strings_->tr("toast.cannot_recrop"), true);
    recrop_.active = true;
    recrop_.initial = {s->item.crop.window_x, s->item.crop.window_y, s->item.crop.window_w};
    recrop_.window = recrop_.initial;
}

void ReviewSession::apply_recrop(Command c) {
    if (!recrop_.active) return;
    CropWindow& w = recrop_.window;
    const double step = w.width * settings_.crop_step_fraction;
    const double k = settings_.crop_scale_step;
    auto scale_about_centre = [&](double f) {
        const double cx = w.x + w.width / 2, cy = w.y + w.width * 2 / 3;
        w.width *= f;
        w.x = cx - w.width / 2;
        w.y = cy - w.width * 2 / 3;
    };
    switch (c) {
        case Command::crop_left: w.x -= step; break;
        case Command::crop_right: w.x += step; break;
        case Command::crop_up: w.y -= step; break;
        case Command::crop_down: w.y += step; break;
        case Command::crop_grow: scale_about_centre(k); break;
        case Command::crop_shrink: scale_about_centre(1 / k); break;
        case Command::crop_reset: w = recrop_.initial; break;
        case Command::crop_cancel: recrop_ = {}; break;
        case Command::crop_confirm: {
            const CropWindow chosen = w;
            const CropWindow initial = recrop_.initial;
            const bool moved = std::abs(chosen.x - initial.x) > 0.25 || std::abs(chosen.y - initial.y) > 0.25 ||
                               std::abs(chosen.width - initial.width) > 0.25;
            recrop_ = {};
            if (moved) decide("approve_recropped", chosen);
            else decide("approve");
            break;
        }
        default: break;
    }
}

// [SECTION] small things

void ReviewSession::toast(std::string text, bool error) {
    toast_ = {std::move(text), error, clock_.monotonic_seconds() + settings_.toast_seconds};
    touch();
}

const ReasonInfo* ReviewSession::reason(const std::string& code) const {
    for (const auto& r : reasons_)
        if (r.code == code) return &r;
    return nullptr;
}

int ReviewSession::ahead() const {
    int n = 0;
    for (size_t i = size_t(std::max(cursor_, 0)); i < slots_.size(); ++i)
        n += !slots_[i].decision && !slots_[i].lease_lost;
    return n;
}

int ReviewSession::ahead_ready() const {
    int n = 0;
    auto ready = [this](const std::string& h) {
        if (h.empty()) return true;
        const ImageEntry* e = image(h);
        return e && (e->state == ImageState::decoded || e->state == ImageState::resident || e->state == ImageState::failed);
    };
    for (size_t i = size_t(std::max(cursor_, 0)); i < slots_.size(); ++i) {
        const Slot& s = slots_[i];
        if (s.decision || s.lease_lost) continue;
        n += ready(s.item.standardized) && ready(s.item.original);
    }
    return n;
}

double ReviewSession::rate_per_hour() const {
    const double now = clock_.monotonic_seconds();
    const double window = settings_.rate_window_seconds;
    int n = 0;
    double first = now;
    for (auto it = recent_.rbegin(); it != recent_.rend() && now - *it <= window; ++it) {
        ++n;
        first = *it;
    }
    if (n < 2) return 0;
    // Over the span actually worked in the window, at least one minute, so a burst of three
    // decisions does not read as thousands an hour.
    const double span = std::max(60.0, now - first);
    return n * 3600.0 / span;
}

std::u32string ReviewSession::take_new_text() {
    std::u32string out;
    out.swap(new_text_);
    return out;
}

void ReviewSession::note_text(const std::string& s) {
    for (char32_t c : utf8_codepoints(s))
        if (c >= 0x80 && seen_text_.insert(c).second) new_text_.push_back(c);
}

Slot* ReviewSession::slot_by_id(std::int64_t id) {
    for (auto& s : slots_)
        if (s.item.id == id) return &s;
    return nullptr;
}

}  // namespace pd::review
