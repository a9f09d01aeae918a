// ReviewSession: the conversation with the server through the sync worker: results in, the
// policy of what to ask next (claim ahead, fetch images, renew, push after the undo window,
// back off while offline), and the images between the worker and the texture cache.
#include <algorithm>
#include <cmath>
#include <limits>

#include "review/session.h"

namespace pd::review {

namespace {
constexpr double kNever = std::numeric_limits<double>::infinity();
constexpr double kImageRetrySeconds = 3;
}  // namespace

void ReviewSession::start() {
    ++generation_;
    hello_sent_ = hello_ok_ = restore_sent_ = restored_ = false;
    hello_problem_.reset();
    claim_in_flight_ = push_in_flight_ = renew_in_flight_ = false;
    in_flight_.clear();
    server_ = ServerState::connecting;
    touch();
}

void ReviewSession::begin(HelloResult hello) {
    start();
    hello_sent_ = true;
    on_hello(std::move(hello));
}

double ReviewSession::backoff(int failures) const {
    const double ms = std::min<double>(settings_.backoff_max_ms,
                                       settings_.backoff_min_ms * std::pow(2.0, std::max(0, failures - 1)));
    return ms / 1000.0;
}

// [SECTION] results

void ReviewSession::on_reply(Reply r) {
    if (r.generation != generation_) return;   // a result for an earlier login: drop it
    touch();
    std::visit(
        [&](auto& x) {
            using T = std::decay_t<decltype(x)>;
            if constexpr (std::is_same_v<T, HelloResult>) on_hello(std::move(x));
            else if constexpr (std::is_same_v<T, RestoreResult>) on_restore(std::move(x));
            else if constexpr (std::is_same_v<T, ClaimResult>) on_claim(std::move(x));
            else if constexpr (std::is_same_v<T, ImageResult>) on_image(std::move(x));
            else if constexpr (std::is_same_v<T, PushResult>) on_push(std::move(x));
            else if constexpr (std::is_same_v<T, RenewResult>) on_renew(std::move(x));
            else if constexpr (std::is_same_v<T, ReleaseResult>) (void)x;
            else if constexpr (std::is_same_v<T, QueueResult>) on_queue(x);
            else if constexpr (std::is_same_v<T, ConnectionResult>) on_connection(x);
        },
        r.result);
}

void ReviewSession::on_hello(HelloResult r) {
    if (r.problem != HelloProblem::none) {
        hello_problem_ = std::move(r);
        server_ = hello_problem_->problem == HelloProblem::unauthorized ? ServerState::unauthorized
                                                                         : ServerState::offline;
        server_message_ = hello_problem_->message;
        return;
    }
    hello_ok_ = true;
    hello_problem_.reset();
    server_ = ServerState::online;
    user_ = r.user;
    reasons_ = std::move(r.reasons);
    for (const auto& reason : reasons_) {
        strings_->put("reason." + reason.code, reason.label_zh, reason.label_en);
        note_text(reason.label_zh);
    }
    // Bars built before the catalog arrived are rebuilt.
    for (auto& s : slots_) {
        if (s.ticked_initialised) s.bar = make_bar(s.item);
    }
    on_current_changed();
}

void ReviewSession::on_restore(RestoreResult r) {
    restored_ = true;
    std::vector<ReviewItem> keep;
    for (auto& it : r.items) {
        auto latest = journal_->latest_for(it.id);
        if (latest && latest.value()) {
            const JournalEntry& e = *latest.value();
            if (e.outcome != Outcome::queued) {
                forget_pending_.push_back(it.id);   // answered already: nothing left to do with it
                continue;
            }
        }
        keep.push_back(std::move(it));
    }
    const size_t before = slots_.size();
    add_items(std::move(keep));
    // Restored items whose decision is still queued show as decided.
    for (size_t i = before; i < slots_.size(); ++i) {
        auto latest = journal_->latest_for(slots_[i].item.id);
        if (latest && latest.value()) slots_[i].decision = *latest.value();
    }
    if (cursor_ < int(slots_.size()) && slots_[size_t(cursor_)].decision) {
        --cursor_;
        advance();
    }
    // Learn at once which of these leases are still ours.
    renew_not_before_ = 0;
    for (auto& s : slots_) s.item.lease_expires = std::min<std::int64_t>(s.item.lease_expires, clock_.unix_seconds());
}

void ReviewSession::add_items(std::vector<ReviewItem> items) {
    const bool was_waiting = cursor_ >= int(slots_.size());
    for (auto& it : items) {
        if (slot_by_id(it.id)) continue;
        note_text(it.name);
        note_text(it.school);
        note_text(it.station);
        Slot s;
        s.item = std::move(it);
        slots_.push_back(std::move(s));
    }
    if (was_waiting && cursor_ < int(slots_.size())) on_current_changed();
}

void ReviewSession::on_claim(ClaimResult r) {
    claim_in_flight_ = false;
    const double now = clock_.monotonic_seconds();
    if (!r.ok) {
        ++claim_failures_;
        claim_not_before_ = now + backoff(claim_failures_);
        if (!r.message.empty() && server_ == ServerState::online) toast(r.message, true);
        return;
    }
    claim_failures_ = 0;
    queue_empty_ = r.items.empty();
    if (queue_empty_) claim_not_before_ = now + settings_.empty_poll_seconds;
    add_items(std::move(r.items));
}

void ReviewSession::on_image(ImageResult r) {
    auto it = images_.find(r.hash);
    if (it == images_.end()) return;   // no item needs it any more
    ImageEntry& e = it->second;
    if (!r.ok) {
        e.state = ImageState::failed;
        e.message = r.message;
        ++e.failures;
        e.retry_at = r.retry ? clock_.monotonic_seconds() + kImageRetrySeconds * e.failures : 0;
        return;
    }
    e.state = ImageState::decoded;
    e.width = r.pixels.width;
    e.height = r.pixels.height;
    e.full_width = r.pixels.full_width;
    e.full_height = r.pixels.full_height;
    e.failures = 0;
    decoded_[r.hash] = std::move(r.pixels);
}

void ReviewSession::on_push(PushResult r) {
    push_in_flight_ = false;
    in_flight_.clear();
    const double now = clock_.monotonic_seconds();
    const std::int64_t unix_now = clock_.unix_seconds();
    std::vector<Answer> answers = std::move(r.answers);
    if (!r.ok && r.refused && r.status != 401) {
        // The server refused the batch as a whole (a 4xx naming one decision, or none): every
        // decision of it becomes a conflict the reviewer sees, rather than a retry forever.
        answers.clear();
        for (const auto& id : r.batch_ids) answers.push_back({id, Outcome::conflict, "", r.message});
    } else if (!r.ok) {
        ++push_failures_;
        push_not_before_ = now + backoff(push_failures_);
        if (r.status == 401) server_ = ServerState::unauthorized;
        return;
    }
    push_failures_ = 0;
    if (auto st = journal_->answer(answers, unix_now); !st) return toast(st.error().message, true);
    int conflicts = 0;
    for (const auto& a : answers) {
        --outbox_count_;
        decided_mono_.erase(a.decision_id);
        for (auto& s : slots_) {
            if (!s.decision || s.decision->decision_id != a.decision_id) continue;
            s.decision->outcome = a.outcome;
            s.decision->server_state = a.server_state;
            s.decision->message = a.message;
            forget_pending_.push_back(s.item.id);
        }
        if (a.outcome == Outcome::conflict) ++conflicts;
    }
    outbox_count_ = std::max(0, outbox_count_);
    if (conflicts > 0) {
        refresh_conflicts();
        toast(strings_->format("toast.conflicts", {std::to_string(conflicts)}), true);
    }
    collect_garbage();
}

void ReviewSession::on_renew(RenewResult r) {
    renew_in_flight_ = false;
    if (!r.ok) {
        renew_not_before_ = clock_.monotonic_seconds() + backoff(1);
        return;
    }
    renew_not_before_ = 0;
    std::set<std::int64_t> renewed;
    for (const auto& [id, expires] : r.renewed) {
        renewed.insert(id);
        if (Slot* s = slot_by_id(id)) {
            s->item.lease_expires = expires;
            s->lease_lost = false;
        }
    }
    int lost = 0;
    for (auto id : r.asked) {
        if (renewed.count(id)) continue;
        Slot* s = slot_by_id(id);
        if (!s || s->decision) continue;   // a queued decision will get its own answer
        if (!s->lease_lost) {
            ++lost;
            forget_pending_.push_back(id);   // someone else's now: out of the local cache too
        }
        s->lease_lost = true;
    }
    if (lost > 0) {
        toast(strings_->format("toast.leases_lost", {std::to_string(lost)}), true);
        if (const Slot* c = current(); c && c->lease_lost) advance();
    }
}

void ReviewSession::on_queue(const QueueResult& r) {
    if (!r.ok) return;
    queue_ = {true, r.open, r.overdue, r.due_today, r.oldest_deadline};
}

void ReviewSession::on_connection(const ConnectionResult& r) {
    if (r.unauthorized) {
        server_ = ServerState::unauthorized;
        server_message_ = r.message;
        return;
    }
    server_ = r.online ? ServerState::online : ServerState::offline;
    server_message_ = r.message;
    if (r.online) {
        // Back online: try everything that was waiting at once.
        push_not_before_ = claim_not_before_ = 0;
        push_failures_ = claim_failures_ = 0;
    }
}

void ReviewSession::refresh_conflicts() {
    auto c = journal_->conflicts();
    if (c) conflicts_ = std::move(c).value();
}

// [SECTION] policy

std::vector<std::pair<Envelope, bool>> ReviewSession::plan() {
    std::vector<std::pair<Envelope, bool>> out;
    const double now = clock_.monotonic_seconds();
    const std::int64_t unix_now = clock_.unix_seconds();
    if (toast_.until > 0 && now >= toast_.until) {
        toast_ = {};
        touch();
    }
    if (!hello_sent_) {
        hello_sent_ = true;
        out.push_back({envelope(HelloRequest{}), true});
        return out;
    }
    if (!hello_ok_) return out;
    if (!restore_sent_) {
        restore_sent_ = true;
        out.push_back({envelope(RestoreRequest{}), true});
    }
    if (!restored_) return out;

    // Images first: the reviewer is waiting for those.
    plan_images(out, now);

    // Claim ahead.
    const int have = ahead();
    if (wants_claim() && now >= claim_not_before_) {
        claim_in_flight_ = true;
        const int n = std::clamp(settings_.prefetch - have, 1, settings_.claim_batch);
        out.push_back({envelope(ClaimRequest{n, settings_.lease_seconds}), have == 0});
    }

    // Push what is past the undo window (or a full batch at once).
    if (!push_in_flight_ && outbox_count_ > 0 && now >= push_not_before_) {
        auto rows = journal_->outbox(settings_.push_batch);
        if (rows) {
            const bool full = int(rows->size()) >= settings_.push_batch;
            std::vector<JournalEntry> batch;
            for (auto& e : rows.value()) {
                auto t = decided_mono_.find(e.decision_id);
                const bool due = full || t == decided_mono_.end() || now - t->second >= settings_.push_delay_ms / 1000.0;
                if (!due) break;   // rows are in order: the rest are younger
                batch.push_back(std::move(e));
            }
            if (!batch.empty()) {
                push_in_flight_ = true;
                for (const auto& e : batch) in_flight_.insert(e.decision_id);
                out.push_back({envelope(PushRequest{std::move(batch)}), false});
            }
        }
    }

    // Renew the leases of items not yet answered, a margin before the first one expires.
    if (!renew_in_flight_ && now >= renew_not_before_) {
        auto open = [](const Slot& s) { return !s.lease_lost && (!s.decision || s.decision->outcome == Outcome::queued); };
        bool due = false;
        for (const auto& s : slots_)
            due = due || (open(s) && s.item.lease_expires - unix_now < settings_.renew_margin_seconds);
        if (due) {   // all of them at once, so they come due together next time
            std::vector<std::int64_t> ids;
            for (const auto& s : slots_)
                if (open(s)) ids.push_back(s.item.id);
            renew_in_flight_ = true;
            out.push_back({envelope(RenewRequest{std::move(ids), settings_.lease_seconds}), false});
        }
    }

    if (!release_pending_.empty()) out.push_back({envelope(ReleaseRequest{std::exchange(release_pending_, {})}), false});
    if (!forget_pending_.empty()) out.push_back({envelope(ForgetRequest{std::exchange(forget_pending_, {})}), false});

    if (now >= next_stats_) {
        next_stats_ = now + settings_.stats_poll_seconds;
        out.push_back({envelope(QueueRequest{}), false});
    }
    return out;
}

void ReviewSession::want_image(std::vector<std::pair<Envelope, bool>>& out, double now, std::int64_t id,
                               const std::string& kind, const std::string& hash, int max_side, bool urgent) {
    if (hash.empty()) return;
    ImageEntry& e = images_[hash];
    const bool retry = e.state == ImageState::failed && e.retry_at > 0 && now >= e.retry_at;
    if (e.state != ImageState::none && !retry) return;
    e.state = ImageState::requested;
    e.submission_id = id;
    e.kind = kind;
    out.push_back({envelope(FetchImageRequest{id, kind, hash, max_side}), urgent});
}

void ReviewSession::plan_images(std::vector<std::pair<Envelope, bool>>& out, double now) {
    // The current item first (urgent), then the ones ahead, then the one behind.
    const int last = std::min(int(slots_.size()), cursor_ + settings_.prefetch + 1);
    for (int i = cursor_; i < last; ++i) {
        const Slot& s = slots_[size_t(i)];
        const bool urgent = i == cursor_;
        want_image(out, now, s.item.id, "standardized", s.item.standardized, 0, urgent);
        want_image(out, now, s.item.id, "original", s.item.original, settings_.original_max_side, urgent);
        if (i <= cursor_ + 2)
            for (const auto& h : s.item.history)
                want_image(out, now, h.submission_id, "thumbnail", h.thumbnail, settings_.history_thumbnail_max_side,
                           false);
    }
    if (cursor_ > 0 && cursor_ - 1 < int(slots_.size())) {
        const Slot& s = slots_[size_t(cursor_ - 1)];
        want_image(out, now, s.item.id, "standardized", s.item.standardized, 0, false);
        want_image(out, now, s.item.id, "original", s.item.original, settings_.original_max_side, false);
    }
}

bool ReviewSession::wants_claim() const {
    // Below the low-water mark (half a batch under the prefetch), one claim at a time.
    const int low = settings_.prefetch - std::min(settings_.claim_batch, settings_.prefetch) / 2;
    return !claim_in_flight_ && ahead() <= low && server_ != ServerState::unauthorized;
}

void ReviewSession::poke() {
    const double now = clock_.monotonic_seconds();
    if (queue_empty_ || claim_failures_ == 0) claim_not_before_ = 0;
    next_stats_ = std::min(next_stats_, now + 1.0);   // the status bar's figures, at most once a second
}

double ReviewSession::next_wake() const {
    double t = kNever;
    const double now = clock_.monotonic_seconds();
    if (toast_.until > 0) t = std::min(t, toast_.until);
    if (!hello_ok_ || !restored_) return t;
    if (outbox_count_ > 0 && !push_in_flight_) {
        double earliest = kNever;
        for (const auto& [_, when] : decided_mono_) earliest = std::min(earliest, when + settings_.push_delay_ms / 1000.0);
        if (decided_mono_.size() < size_t(outbox_count_)) earliest = now;   // restored rows: due now
        t = std::min(t, std::max(push_not_before_, earliest));
    }
    if (wants_claim()) t = std::min(t, std::max(now, claim_not_before_));
    if (!renew_in_flight_) {
        const std::int64_t unix_now = clock_.unix_seconds();
        for (const auto& s : slots_) {
            const bool open = !s.decision || s.decision->outcome == Outcome::queued;
            if (!open || s.lease_lost) continue;
            const double due = now + double(s.item.lease_expires - settings_.renew_margin_seconds - unix_now);
            t = std::min(t, std::max(due, renew_not_before_));
        }
    }
    for (const auto& [_, e] : images_)
        if (e.state == ImageState::failed && e.retry_at > 0) t = std::min(t, e.retry_at);
    return std::min(t, next_stats_);
}

std::vector<Envelope> ReviewSession::farewell() {
    std::vector<Envelope> out;
    std::vector<std::int64_t> ids = std::exchange(release_pending_, {});
    for (const auto& s : slots_)
        if (!s.decision) ids.push_back(s.item.id);
    if (!ids.empty()) out.push_back(envelope(ReleaseRequest{std::move(ids)}));
    if (!push_in_flight_ && outbox_count_ > 0) {
        auto rows = journal_->outbox(std::max(settings_.push_batch, outbox_count_));
        if (rows && !rows->empty()) {
            for (const auto& e : rows.value()) in_flight_.insert(e.decision_id);
            push_in_flight_ = true;
            // In batches the server accepts.
            std::vector<JournalEntry> batch;
            for (auto& e : rows.value()) {
                batch.push_back(std::move(e));
                if (int(batch.size()) == settings_.push_batch) out.push_back(envelope(PushRequest{std::exchange(batch, {})}));
            }
            if (!batch.empty()) out.push_back(envelope(PushRequest{std::move(batch)}));
        }
    }
    return out;
}

// [SECTION] images

std::vector<std::pair<std::string, Pixels>> ReviewSession::take_uploads(std::size_t budget, bool current_only) {
    std::vector<std::pair<std::string, Pixels>> out;
    if (decoded_.empty()) return out;
    std::size_t used = 0;
    auto take = [&](const std::string& h) {
        auto it = decoded_.find(h);
        if (it == decoded_.end()) return;
        if (!out.empty() && used + it->second.bytes() > budget) return;
        used += it->second.bytes();
        images_[h].state = ImageState::resident;
        out.emplace_back(h, std::move(it->second));
        decoded_.erase(it);
    };
    if (const Slot* s = current()) {
        take(s->item.standardized);
        take(s->item.original);
        for (const auto& h : s->item.history) take(h.thumbnail);
    }
    // Only what is on screen changes the picture: the rest goes to the GPU unseen.
    if (!out.empty()) touch();
    if (current_only) return out;
    for (size_t i = size_t(std::max(cursor_, 0)); i < slots_.size() && used < budget; ++i) {
        take(slots_[i].item.standardized);
        take(slots_[i].item.original);
        for (const auto& h : slots_[i].item.history) take(h.thumbnail);
    }
    if (used < budget) {
        std::vector<std::string> rest;
        for (const auto& [h, _] : decoded_) rest.push_back(h);
        for (const auto& h : rest) take(h);
    }
    return out;
}

void ReviewSession::evicted(const std::string& hash) {
    auto it = images_.find(hash);
    if (it != images_.end() && it->second.state == ImageState::resident) it->second.state = ImageState::none;
}

const ImageEntry* ReviewSession::image(const std::string& hash) const {
    auto it = images_.find(hash);
    return it == images_.end() ? nullptr : &it->second;
}

std::vector<std::string> ReviewSession::pinned() const {
    std::vector<std::string> out;
    const int first = std::max(0, cursor_ - 1);
    const int last = std::min(int(slots_.size()), cursor_ + settings_.prefetch + 1);
    for (int i = first; i < last; ++i) {
        const Slot& s = slots_[size_t(i)];
        for (const auto* h : {&s.item.standardized, &s.item.original})
            if (!h->empty()) out.push_back(*h);
        for (const auto& e : s.item.history)
            if (!e.thumbnail.empty()) out.push_back(e.thumbnail);
    }
    return out;
}

bool ReviewSession::current_ready() const {
    const Slot* s = current();
    if (!s) return false;
    auto done = [this](const std::string& h) {
        if (h.empty()) return true;
        const ImageEntry* e = image(h);
        return e && (e->state == ImageState::resident || (e->state == ImageState::failed && e->retry_at == 0));
    };
    return done(s->item.standardized) && done(s->item.original);
}

void ReviewSession::collect_garbage() {
    // Decided items far behind the cursor go once their decision is answered.
    while (cursor_ > settings_.keep_back && !slots_.empty()) {
        const Slot& s = slots_.front();
        const bool done = s.lease_lost || (s.decision && s.decision->outcome != Outcome::queued);
        if (!done) break;
        slots_.pop_front();
        --cursor_;
    }
    // Image entries no item refers to.
    std::set<std::string> live;
    for (const auto& s : slots_) {
        live.insert(s.item.standardized);
        live.insert(s.item.original);
        for (const auto& h : s.item.history) live.insert(h.thumbnail);
    }
    for (auto it = images_.begin(); it != images_.end();) {
        if (live.count(it->first) || it->second.state == ImageState::resident) ++it;   // resident: the texture cache evicts it
        else {
            decoded_.erase(it->first);
            it = images_.erase(it);
        }
    }
    // Undo ids of decisions answered long ago.
    if (decided_mono_.empty() && undo_stack_.size() > 64)
        undo_stack_.erase(undo_stack_.begin(), undo_stack_.end() - 64);
    while (!recent_.empty() && clock_.monotonic_seconds() - recent_.front() > settings_.rate_window_seconds)
        recent_.pop_front();
}

}  // namespace pd::review
