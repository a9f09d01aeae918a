// The review session headless: commands and their effects on the journal (the outbox), the
// undo window, the policy of claims, pushes and renewals against a fake clock, conflicts,
// restarts, and memory staying bounded.
#include "review_fixture.h"

using namespace pd::review;

namespace pd::test {
namespace {

std::vector<JournalEntry> outbox(ReviewSession& s) {
    auto o = s.journal().outbox(1000);
    EXPECT_TRUE(o.ok());
    return o.ok() ? o.value() : std::vector<JournalEntry>{};
}

PushResult applied(const PushRequest& p, Outcome o = Outcome::applied, std::string message = "") {
    PushResult r;
    r.ok = true;
    for (const auto& d : p.batch) {
        r.batch_ids.push_back(d.decision_id);
        r.answers.push_back({d.decision_id, o, o == Outcome::conflict ? "leased" : "approved", message});
    }
    return r;
}

TEST_F(SessionTest, ClaimsAheadOnceRestored) {
    auto first = step();
    EXPECT_EQ(of<RestoreRequest>(first).size(), 1u);
    EXPECT_TRUE(of<ClaimRequest>(first).empty()) << "no claim before the cache is restored";
    answer(RestoreResult{});
    auto claims = of<ClaimRequest>(step());
    ASSERT_EQ(claims.size(), 1u);
    EXPECT_EQ(claims[0].n, settings.claim_batch);
    EXPECT_EQ(claims[0].lease_seconds, settings.lease_seconds);
    EXPECT_TRUE(of<ClaimRequest>(step()).empty()) << "one claim in flight at a time";
}

TEST_F(SessionTest, ApproveIsOnDiskBeforeTheCursorMoves) {
    ready_with(3);
    ASSERT_EQ(s->current()->item.id, 1);
    s->apply(Command::approve);
    auto rows = outbox(*s);
    ASSERT_EQ(rows.size(), 1u);
    EXPECT_EQ(rows[0].submission_id, 1);
    EXPECT_EQ(rows[0].verdict, "approve");
    EXPECT_EQ(rows[0].decided_at, unix_now);
    EXPECT_EQ(s->current()->item.id, 2);
    EXPECT_EQ(s->decisions(), 1);
    EXPECT_EQ(s->outbox(), 1);
}

TEST_F(SessionTest, PushWaitsForTheUndoWindowThenSendsTheIds) {
    ready_with(3);
    s->apply(Command::approve);
    EXPECT_TRUE(of<PushRequest>(step()).empty()) << "still inside the undo window";
    mono += settings.push_delay_ms / 1000.0 + 0.01;
    auto pushes = of<PushRequest>(step());
    ASSERT_EQ(pushes.size(), 1u);
    ASSERT_EQ(pushes[0].batch.size(), 1u);
    EXPECT_EQ(pushes[0].batch[0].decision_id, outbox(*s)[0].decision_id);
    EXPECT_TRUE(of<PushRequest>(step()).empty()) << "one push in flight at a time";
    // Undo cannot take back a decision on its way to the server.
    s->apply(Command::undo);
    EXPECT_EQ(s->outbox(), 1);
    EXPECT_TRUE(s->toast().error);
    answer(applied(pushes[0]));
    EXPECT_EQ(s->outbox(), 0);
    EXPECT_TRUE(outbox(*s).empty());
    auto latest = s->journal().latest_for(1);
    ASSERT_TRUE(latest.ok() && latest.value());
    EXPECT_EQ(latest.value()->outcome, Outcome::applied);
}

TEST_F(SessionTest, UndoTakesBackAQueuedDecisionAndReturnsToTheItem) {
    ready_with(3);
    s->apply(Command::approve);
    s->apply(Command::approve);
    EXPECT_EQ(s->current()->item.id, 3);
    s->apply(Command::undo);
    EXPECT_EQ(s->current()->item.id, 2);
    EXPECT_FALSE(s->current()->decision.has_value());
    auto rows = outbox(*s);
    ASSERT_EQ(rows.size(), 1u);
    EXPECT_EQ(rows[0].submission_id, 1);
    EXPECT_EQ(s->decisions(), 1);
    s->apply(Command::undo);
    s->apply(Command::undo);   // nothing left: a message, no change
    EXPECT_TRUE(outbox(*s).empty());
    EXPECT_EQ(s->current()->item.id, 1);
}

TEST_F(SessionTest, RejectUsesTheReasonsTheFailingChecksSuggest) {
    auto first = step();
    answer(RestoreResult{});
    step();
    ClaimResult c;
    c.ok = true;
    c.items.push_back(item(7, {"eye_tilt", "sharpness"}, {"exposure"}, unix_now + 300));
    answer(std::move(c));
    const Slot* cur = s->current();
    ASSERT_NE(cur, nullptr);
    EXPECT_EQ(cur->ticked, (std::vector<std::string>{"head_tilted", "blurry"})) << "failing checks tick, warnings do not";
    ASSERT_GE(cur->bar.size(), 3u);
    EXPECT_EQ(cur->bar[0], "head_tilted");
    EXPECT_EQ(cur->bar[1], "blurry");
    EXPECT_EQ(cur->bar[2], "exposure") << "a warning's reason is offered next, unticked";
    s->apply(Command::reason_2);   // untick "blurry"
    s->apply(Command::reject);
    auto rows = outbox(*s);
    ASSERT_EQ(rows.size(), 1u);
    EXPECT_EQ(rows[0].verdict, "reject");
    EXPECT_EQ(rows[0].reasons, std::vector<std::string>{"head_tilted"});
}

// A photo the engine could not standardize has no failing geometry check to suggest a reason:
// the catalogue's suggested_by_refusals ticks the one for its refusal, so R rejects it at once
// and the bar's 1 is that reason.
TEST_F(SessionTest, ARefusedPhotoTicksTheReasonItsRefusalSuggests) {
    HelloResult h = hello();
    for (auto& r : h.reasons)
        if (r.code == "crop_out_of_spec") r.suggested_by_refusals = {"head_proportions", "crown_cut_off"};
    answer(std::move(h));
    ASSERT_EQ(of<RestoreRequest>(step()).size(), 1u);
    answer(RestoreResult{});
    ASSERT_EQ(of<ClaimRequest>(step()).size(), 1u);
    ClaimResult c;
    c.ok = true;
    c.items.push_back(refused_item(7, "head_proportions", {"sharpness"}, unix_now + 300));
    c.items.push_back(refused_item(8, "no_face", {}, unix_now + 300));   // no reason names it: nothing ticked
    answer(std::move(c));
    const Slot* cur = s->current();
    ASSERT_NE(cur, nullptr);
    EXPECT_EQ(cur->ticked, (std::vector<std::string>{"crop_out_of_spec", "blurry"}));
    ASSERT_GE(cur->bar.size(), 2u);
    EXPECT_EQ(cur->bar[0], "crop_out_of_spec");
    EXPECT_EQ(cur->bar[1], "blurry");
    s->apply(Command::reject);
    auto rows = outbox(*s);
    ASSERT_EQ(rows.size(), 1u);
    EXPECT_EQ(rows[0].reasons, (std::vector<std::string>{"crop_out_of_spec", "blurry"}));
    cur = s->current();
    ASSERT_NE(cur, nullptr);
    EXPECT_EQ(cur->item.id, 8);
    EXPECT_TRUE(cur->ticked.empty());
}

// The picker's row of a reason (its hotkey is picker.slots[row]).
int picker_row(const ReviewSession& s, const std::string& code) {
    const auto& order = s.picker().order;
    for (int i = 0; i < int(order.size()); ++i)
        if (s.reasons()[size_t(order[size_t(i)])].code == code) return i;
    ADD_FAILURE() << code << " is not in the picker";
    return -1;
}

// A reviewer who learnt "2" from the bar presses 2 in the picker too: it must be the same reason.
TEST_F(SessionTest, APickerDigitMeansTheSameReasonAsInTheBar) {
    step();
    answer(RestoreResult{});
    step();
    ClaimResult c;
    c.ok = true;
    c.items.push_back(item(7, {"sharpness"}, {"exposure"}, unix_now + 300));
    answer(std::move(c));
    const Slot* cur = s->current();
    ASSERT_NE(cur, nullptr);
    ASSERT_GE(cur->bar.size(), 2u);
    EXPECT_EQ(cur->bar[0], "blurry");
    EXPECT_EQ(cur->bar[1], "exposure");
    s->apply(Command::reasons);
    ASSERT_EQ(s->context(), Context::picker);
    const auto& order = s->picker().order;
    ASSERT_EQ(order.size(), s->reasons().size());
    for (size_t i = 0; i < cur->bar.size(); ++i)
        EXPECT_EQ(s->reasons()[size_t(order[i])].code, cur->bar[i]) << "row " << i;
    std::vector<int> sorted = order;
    std::sort(sorted.begin(), sorted.end());
    for (int i = 0; i < int(sorted.size()); ++i) EXPECT_EQ(sorted[size_t(i)], i) << "every reason once";
    s->picker_hotkey(1);   // the picker's "2"
    s->apply(Command::picker_confirm);
    EXPECT_EQ(s->current()->ticked, (std::vector<std::string>{"blurry", "exposure"}));
}

// A catalogue that arrives while the picker is open (a reconnect's hello) closes it, and the
// picker opened again is numbered for the new catalogue (its rows index the catalogue).
TEST_F(SessionTest, ANewCatalogueClosesThePickerAndRenumbersIt) {
    ready_with(2);
    s->apply(Command::reasons);
    ASSERT_EQ(s->context(), Context::picker);
    ASSERT_EQ(s->picker().order.size(), 6u);
    HelloResult h = hello();
    h.reasons.erase(h.reasons.begin(), h.reasons.begin() + 4);   // ears_hidden, other
    answer(std::move(h));
    EXPECT_EQ(s->context(), Context::review);
    s->apply(Command::reasons);
    ASSERT_EQ(s->picker().order.size(), 2u);
    for (int row : s->picker().order) EXPECT_LT(row, 2);
    s->picker_hotkey(picker_row(*s, "ears_hidden"));
    s->apply(Command::picker_confirm);
    EXPECT_EQ(s->current()->ticked, std::vector<std::string>{"ears_hidden"});
}

TEST_F(SessionTest, RejectWithNothingTickedOpensThePickerInsteadOfSending) {
    ready_with(2);
    s->apply(Command::reject);
    EXPECT_EQ(s->context(), Context::picker);
    EXPECT_TRUE(outbox(*s).empty());
    s->picker_hotkey(picker_row(*s, "ears_hidden"));
    EXPECT_EQ(s->picker().ticked, std::vector<std::string>{"ears_hidden"});
    s->apply(Command::picker_confirm);
    EXPECT_EQ(s->context(), Context::review);
    auto rows = outbox(*s);
    ASSERT_EQ(rows.size(), 1u);
    EXPECT_EQ(rows[0].reasons, std::vector<std::string>{"ears_hidden"});
    EXPECT_EQ(s->current()->item.id, 2);
}

TEST_F(SessionTest, PickerCancelLeavesTheItemUndecided) {
    ready_with(2);
    s->apply(Command::reject);
    s->apply(Command::picker_down);
    s->apply(Command::picker_toggle);
    s->apply(Command::picker_cancel);
    EXPECT_EQ(s->context(), Context::review);
    EXPECT_TRUE(s->current()->ticked.empty());
    EXPECT_TRUE(outbox(*s).empty());
}

TEST_F(SessionTest, AReasonThatNeedsANoteAsksForItBeforeRejecting) {
    ready_with(2);
    s->apply(Command::reasons);
    s->picker_hotkey(picker_row(*s, "other"));   // a note is required
    s->apply(Command::picker_confirm);
    s->apply(Command::reject);
    EXPECT_EQ(s->context(), Context::note);
    EXPECT_TRUE(outbox(*s).empty());
    s->note_editor().text = "  耳环  ";
    s->apply(Command::note_confirm);
    auto rows = outbox(*s);
    ASSERT_EQ(rows.size(), 1u);
    EXPECT_EQ(rows[0].reasons, std::vector<std::string>{"other"});
    EXPECT_EQ(rows[0].note, "耳环");
}

TEST_F(SessionTest, AnEmptyNoteDoesNotReject) {
    ready_with(2);
    s->apply(Command::reasons);
    s->picker_hotkey(picker_row(*s, "other"));
    s->apply(Command::picker_confirm);
    s->apply(Command::reject);
    s->note_editor().text = "   ";
    s->apply(Command::note_confirm);
    EXPECT_TRUE(outbox(*s).empty());
    EXPECT_TRUE(s->toast().error);
    EXPECT_EQ(s->current()->item.id, 1);
}

TEST_F(SessionTest, ChangingAQueuedDecisionReplacesIt) {
    ready_with(3);
    s->apply(Command::approve);
    s->apply(Command::previous);
    ASSERT_EQ(s->current()->item.id, 1);
    s->apply(Command::reason_1);
    s->apply(Command::reject);
    auto rows = outbox(*s);
    ASSERT_EQ(rows.size(), 1u) << "the approval was replaced, not added to";
    EXPECT_EQ(rows[0].verdict, "reject");
    EXPECT_EQ(s->decisions(), 1);
}

TEST_F(SessionTest, ADecisionAlreadySentCannotBeChanged) {
    ready_with(3);
    s->apply(Command::approve);
    mono += 10;
    auto pushes = of<PushRequest>(step());
    ASSERT_EQ(pushes.size(), 1u);
    answer(applied(pushes[0]));
    s->apply(Command::previous);
    s->apply(Command::reason_1);
    s->apply(Command::reject);
    EXPECT_TRUE(s->toast().error);
    EXPECT_TRUE(outbox(*s).empty());
}

TEST_F(SessionTest, ApprovingWithoutAStandardizedPhotoIsRefused) {
    step();
    answer(RestoreResult{});
    step();
    ClaimResult c;
    c.ok = true;
    auto r = parse_item(submission_json(9, "无脸", {}, {}, unix_now + 300, false));
    ASSERT_TRUE(r.ok());
    c.items.push_back(r.value());
    answer(std::move(c));
    s->apply(Command::approve);
    EXPECT_TRUE(outbox(*s).empty());
    EXPECT_TRUE(s->toast().error);
}

TEST_F(SessionTest, SkipReleasesTheLease) {
    ready_with(3);
    s->apply(Command::skip);
    EXPECT_EQ(s->current()->item.id, 2);
    auto releases = of<ReleaseRequest>(step());
    ASSERT_EQ(releases.size(), 1u);
    EXPECT_EQ(releases[0].ids, std::vector<std::int64_t>{1});
    EXPECT_TRUE(outbox(*s).empty());
}

TEST_F(SessionTest, ConflictsAreKeptAndShownNotDropped) {
    ready_with(3);
    s->apply(Command::approve);
    mono += 10;
    auto pushes = of<PushRequest>(step());
    ASSERT_EQ(pushes.size(), 1u);
    answer(applied(pushes[0], Outcome::conflict, "leased to another reviewer"));
    ASSERT_EQ(s->conflicts().size(), 1u);
    EXPECT_EQ(s->conflicts()[0].message, "leased to another reviewer");
    EXPECT_EQ(s->conflicts()[0].student_name, "学生1");
    EXPECT_TRUE(s->toast().error);
    EXPECT_EQ(s->outbox(), 0);
    // Seen and dismissed with the list open.
    s->apply(Command::conflicts);
    s->apply(Command::dismiss_conflicts);
    EXPECT_TRUE(s->conflicts().empty());
}

TEST_F(SessionTest, OfflineBacksOffAndPushesAgainWhenBack) {
    ready_with(3);
    s->apply(Command::approve);
    mono += 10;
    auto pushes = of<PushRequest>(step());
    ASSERT_EQ(pushes.size(), 1u);
    answer(ConnectionResult{false, "connection refused", false});
    PushResult fail;
    fail.transport = true;
    fail.batch_ids = {pushes[0].batch[0].decision_id};
    answer(fail);
    EXPECT_EQ(s->server_state(), ServerState::offline);
    EXPECT_TRUE(of<PushRequest>(step()).empty()) << "backing off";
    // The reviewer keeps working on what is cached.
    s->apply(Command::approve);
    EXPECT_EQ(s->outbox(), 2);
    mono += settings.backoff_max_ms / 1000.0 + 5;
    auto again = of<PushRequest>(step());
    ASSERT_EQ(again.size(), 1u);
    EXPECT_EQ(again[0].batch.size(), 2u) << "both queued decisions, the first one resent with its id";
    EXPECT_EQ(again[0].batch[0].decision_id, pushes[0].batch[0].decision_id);
    answer(ConnectionResult{true, "", false});
    answer(applied(again[0]));
    EXPECT_EQ(s->outbox(), 0);
    EXPECT_EQ(s->server_state(), ServerState::online);
}

TEST_F(SessionTest, ARefusedBatchBecomesConflictsNotAnEndlessRetry) {
    ready_with(3);
    s->apply(Command::approve);
    mono += 10;
    auto pushes = of<PushRequest>(step());
    ASSERT_EQ(pushes.size(), 1u);
    PushResult r;
    r.refused = true;
    r.status = 422;
    r.message = "HTTP 422: unknown reason";
    r.batch_ids = {pushes[0].batch[0].decision_id};
    answer(r);
    EXPECT_EQ(s->outbox(), 0);
    ASSERT_EQ(s->conflicts().size(), 1u);
    EXPECT_NE(s->conflicts()[0].message.find("422"), std::string::npos);
}

TEST_F(SessionTest, LeasesAreRenewedBeforeTheyExpireAndALostOneLeavesTheQueue) {
    ready_with(3);
    EXPECT_TRUE(of<RenewRequest>(step()).empty()) << "300 s left: not yet";
    unix_now += 300 - settings.renew_margin_seconds + 1;
    auto renews = of<RenewRequest>(step());
    ASSERT_EQ(renews.size(), 1u);
    EXPECT_EQ(renews[0].ids, (std::vector<std::int64_t>{1, 2, 3}));
    RenewResult r;
    r.ok = true;
    r.asked = renews[0].ids;
    r.renewed = {{2, unix_now + 300}, {3, unix_now + 300}};   // 1 was taken by someone else
    answer(r);
    EXPECT_EQ(s->current()->item.id, 2) << "the lost item is no longer the one on screen";
    EXPECT_TRUE(s->toast().error);
    EXPECT_EQ(s->ahead(), 2);
    auto next = step();
    EXPECT_TRUE(of<RenewRequest>(next).empty());
    auto forgets = of<ForgetRequest>(next);
    ASSERT_EQ(forgets.size(), 1u) << "a lost item leaves the local cache";
    EXPECT_EQ(forgets[0].ids, std::vector<std::int64_t>{1});
}

TEST_F(SessionTest, DecisionsQueuedBeforeACrashArePushedAfterTheRestart) {
    ready_with(3);
    s->apply(Command::approve);
    s->apply(Command::approve);
    const auto before = outbox(*s);
    ASSERT_EQ(before.size(), 2u);
    restart();   // as if killed: nothing was pushed
    step();
    RestoreResult r;
    for (int id : {1, 2, 3}) r.items.push_back(item(id, {}, {}, unix_now + 200));
    answer(r);
    ASSERT_NE(s->current(), nullptr);
    EXPECT_EQ(s->current()->item.id, 3) << "the two decided items show as decided, the third is next";
    EXPECT_EQ(s->outbox(), 2);
    auto out = step();
    auto pushes = of<PushRequest>(out);
    ASSERT_EQ(pushes.size(), 1u) << "restored decisions are due at once";
    ASSERT_EQ(pushes[0].batch.size(), 2u);
    EXPECT_EQ(pushes[0].batch[0].decision_id, before[0].decision_id);
    EXPECT_EQ(pushes[0].batch[1].decision_id, before[1].decision_id);
    EXPECT_EQ(of<RenewRequest>(out).size(), 1u) << "restored leases are renewed at once";
}

TEST_F(SessionTest, AnsweredItemsAreNotRestored) {
    ready_with(2);
    s->apply(Command::approve);
    mono += 10;
    auto pushes = of<PushRequest>(step());
    ASSERT_EQ(pushes.size(), 1u);
    answer(applied(pushes[0]));
    restart();
    step();
    RestoreResult r;
    r.items = {item(1, {}, {}, unix_now + 200), item(2, {}, {}, unix_now + 200)};
    answer(r);
    ASSERT_NE(s->current(), nullptr);
    EXPECT_EQ(s->current()->item.id, 2);
    EXPECT_EQ(s->slots().size(), 1u);
    auto forgets = of<ForgetRequest>(step());
    ASSERT_EQ(forgets.size(), 1u);
    EXPECT_EQ(forgets[0].ids, std::vector<std::int64_t>{1});
}

TEST_F(SessionTest, ImagesOfTheCurrentItemComeFirstAndMakeItReady) {
    ready_with(3);
    auto out = s->plan();
    ASSERT_GE(out.size(), 2u);
    auto* first = std::get_if<FetchImageRequest>(&out[0].first.request);
    ASSERT_NE(first, nullptr);
    EXPECT_EQ(first->submission_id, 1);
    EXPECT_TRUE(out[0].second) << "urgent";
    EXPECT_FALSE(s->current_ready());
    answer(ImageResult{1, "standardized", s->current()->item.standardized, true, {4, 4, 4, 4, std::vector<std::uint8_t>(64)}});
    answer(ImageResult{1, "original", s->current()->item.original, true, {4, 4, 8, 8, std::vector<std::uint8_t>(64)}});
    EXPECT_FALSE(s->current_ready()) << "decoded is not yet on the GPU";
    auto up = s->take_uploads(1);
    EXPECT_EQ(up.size(), 1u) << "the budget lets one through (at least one always goes)";
    up = s->take_uploads(1 << 20);
    EXPECT_EQ(up.size(), 1u);
    EXPECT_TRUE(s->current_ready());
    s->evicted(s->current()->item.original);
    EXPECT_FALSE(s->current_ready());
}

TEST_F(SessionTest, MemoryStaysBoundedOverThousandsOfDecisions) {
    step();
    answer(RestoreResult{});
    std::int64_t next_id = 1;
    size_t max_slots = 0;
    for (int round = 0; round < 300; ++round) {
        for (const auto& e : step()) {
            if (auto c = std::get_if<ClaimRequest>(&e.request)) {
                ClaimResult r;
                r.ok = true;
                for (int i = 0; i < c->n; ++i) r.items.push_back(item(next_id++, {}, {}, unix_now + 300));
                answer(std::move(r));
            } else if (auto p = std::get_if<PushRequest>(&e.request)) {
                answer(applied(*p));
            }
        }
        for (int k = 0; k < 10 && s->current(); ++k) s->apply(Command::approve);
        mono += 5;
        max_slots = std::max(max_slots, s->slots().size());
    }
    EXPECT_GT(s->decisions(), 2500);
    EXPECT_LE(max_slots, size_t(settings.keep_back + settings.prefetch + settings.claim_batch + 15));
}

TEST_F(SessionTest, ViewCommandsChangeOnlyTheView) {
    ready_with(2);
    s->apply(Command::zoom_in);
    EXPECT_GT(s->view().zoom, 1.0);
    s->apply(Command::zoom_reset);
    EXPECT_EQ(s->view().zoom, 1.0);
    s->apply(Command::wipe);
    EXPECT_TRUE(s->view().wipe);
    s->apply(Command::overlays);
    EXPECT_FALSE(s->view().overlays);
    s->set_hold(Command::show_original, true);
    EXPECT_TRUE(s->view().show_original);
    s->apply(Command::check_next);
    EXPECT_EQ(s->view().focused_check, 0);
    s->apply(Command::check_previous);
    EXPECT_EQ(s->view().focused_check, -1);
    s->apply(Command::help);
    EXPECT_TRUE(s->view().help);
    s->apply(Command::close);
    EXPECT_FALSE(s->view().help);
    EXPECT_EQ(strings.language(), Language::zh);
    s->apply(Command::language);
    EXPECT_EQ(strings.language(), Language::en);
    EXPECT_TRUE(outbox(*s).empty());
}

TEST_F(SessionTest, RecropSendsTheMovedWindow) {
    ready_with(2);
    s->apply(Command::recrop);
    ASSERT_EQ(s->context(), Context::recrop);
    const CropWindow start = s->recrop().window;
    s->apply(Command::crop_left);
    s->apply(Command::crop_grow);
    s->apply(Command::crop_confirm);
    auto rows = outbox(*s);
    ASSERT_EQ(rows.size(), 1u);
    EXPECT_EQ(rows[0].verdict, "approve_recropped");
    ASSERT_TRUE(rows[0].crop.has_value());
    EXPECT_GT(rows[0].crop->width, start.width);
    EXPECT_NE(rows[0].crop->x, start.x);
}

TEST_F(SessionTest, RecropConfirmedUnmovedIsAPlainApproval) {
    ready_with(2);
    s->apply(Command::recrop);
    s->apply(Command::crop_confirm);
    auto rows = outbox(*s);
    ASSERT_EQ(rows.size(), 1u);
    EXPECT_EQ(rows[0].verdict, "approve");
    EXPECT_FALSE(rows[0].crop.has_value());
}

TEST_F(SessionTest, FarewellReleasesUndecidedAndPushesTheRest) {
    ready_with(3);
    s->apply(Command::approve);
    auto bye = s->farewell();
    std::vector<std::int64_t> released;
    size_t pushed = 0;
    for (const auto& e : bye) {
        if (auto r = std::get_if<ReleaseRequest>(&e.request)) released = r->ids;
        if (auto p = std::get_if<PushRequest>(&e.request)) pushed += p->batch.size();
    }
    EXPECT_EQ(released, (std::vector<std::int64_t>{2, 3}));
    EXPECT_EQ(pushed, 1u);
}

TEST_F(SessionTest, StaleResultsOfAnEarlierLoginAreDropped) {
    ready_with(1);
    const auto old = s->generation();
    s->begin(hello());   // a new login
    ClaimResult c;
    c.ok = true;
    c.items.push_back(item(99));
    s->on_reply({old, c});
    for (const auto& slot : s->slots()) EXPECT_NE(slot.item.id, 99);
}

TEST_F(SessionTest, RatePerHourCountsTheRecentWindow) {
    ready_with(12);
    for (int i = 0; i < 10; ++i) {
        s->apply(Command::approve);
        mono += 6;   // one every 6 s: 600 an hour
    }
    EXPECT_NEAR(s->rate_per_hour(), 600, 60);
}

TEST_F(SessionTest, NamesBringTheirCharactersForTheFont) {
    step();
    answer(RestoreResult{});
    step();
    ClaimResult c;
    c.ok = true;
    auto r = parse_item(submission_json(5, "刘䶮", {}, {}, unix_now + 300));
    ASSERT_TRUE(r.ok());
    c.items.push_back(r.value());
    answer(std::move(c));
    const std::u32string chars = s->take_new_text();
    EXPECT_NE(chars.find(U'䶮'), std::u32string::npos);
    EXPECT_TRUE(s->take_new_text().empty()) << "each character is reported once";
}

}  // namespace
}  // namespace pd::test

namespace pd::test {
namespace {

TEST_F(SessionTest, WithNothingToDoTheNextWakeIsFarAway) {
    ready_with(settings.prefetch);
    step();   // asks for the images and the queue figures
    const double wake = s->next_wake();
    EXPECT_GE(wake - mono, settings.stats_poll_seconds - 0.01) << "an idle workstation must sleep";
    // A decision brings the push (after the undo window) into view.
    s->apply(Command::approve);
    EXPECT_NEAR(s->next_wake() - mono, settings.push_delay_ms / 1000.0, 0.01);
}

}  // namespace
}  // namespace pd::test
