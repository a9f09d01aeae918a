// SyncWorker: the workstation's only link to photodeskd. One network thread owns an ApiClient
// (one keep-alive connection) and the local item cache; a small pool of decode threads turns
// image bytes into pixels. The review session posts requests (sync_messages.h); results come
// back through a queue the UI thread drains once per frame, and `wake` is called after each
// result so a sleeping UI loop (glfwWaitEventsTimeout) wakes up (glfwPostEmptyEvent).
//
// What the worker does not do is decide: when to claim, renew or push is the session's policy
// (session.h), testable with a fake clock. The worker executes, retries nothing on its own
// (the session backs off), and reports the connection going down and coming back.
//
// Threading: post(), drain() and finish() may be called from any one thread (the UI thread);
// the queues are guarded by mu_. The ApiClient and the ItemCache are touched only by the
// network thread. `wake` is called from worker threads and must be thread-safe.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "client/api_client.h"
#include "review/sync_messages.h"

namespace pd::review {

class ItemCache;

// The start of every conversation: GET /healthz (is it a photodeskd, of API version 1?),
// GET /v1/me (is the token good, is it a reviewer?), GET /v1/reasons (the catalog). Any
// thread; `observe` sees each raw answer (the worker tracks the connection with it).
HelloResult say_hello(client::ApiClient& api, const std::string& server,
                      const std::function<void(const pd::Result<client::Response>&)>& observe = {});

struct WorkerOptions {
    std::string server;                  // base URL
    std::string token;
    client::ClientOptions client;        // timeouts; retries are the session's job (keep 0)
    std::filesystem::path cache_dir;     // items.db + images/; empty = no disk cache
    std::int64_t cache_bytes = 512ll << 20;
    int decode_threads = 2;
    std::int64_t max_pixels = 100'000'000;
};

class SyncWorker {
public:
    SyncWorker(WorkerOptions options, std::function<void()> wake);
    ~SyncWorker();   // stops at once: requests not yet started are dropped
    SyncWorker(const SyncWorker&) = delete;
    SyncWorker& operator=(const SyncWorker&) = delete;

    // urgent: ahead of everything queued (the image the reviewer is looking at).
    void post(Envelope e, bool urgent = false);
    // Results since the last drain, in the order they were produced.
    std::vector<Reply> drain();
    // Requests queued or running (network and decode).
    int backlog() const;
    // Runs what is queued (release leases, last push) and stops; false on timeout.
    bool finish(std::chrono::milliseconds timeout);

private:
    void network_loop();
    void decode_loop();
    void handle(const Envelope& e);     // dispatch, turning an exception into a failed result
    void dispatch(const Envelope& e);
    void reply(std::uint64_t generation, Result_ r);
    // Records whether the server answered; posts a ConnectionResult on a change.
    void note_transport(std::uint64_t generation, const pd::Result<client::Response>& r);

    void do_hello(std::uint64_t g);
    void do_restore(std::uint64_t g);
    void do_claim(std::uint64_t g, const ClaimRequest& r);
    void do_fetch(std::uint64_t g, const FetchImageRequest& r);
    void do_push(std::uint64_t g, const PushRequest& r);
    void do_renew(std::uint64_t g, const RenewRequest& r);
    void do_release(std::uint64_t g, const ReleaseRequest& r);
    void do_forget(const ForgetRequest& r);
    void do_queue(std::uint64_t g);

    struct DecodeJob {
        std::uint64_t generation;
        FetchImageRequest request;
        std::vector<unsigned char> bytes;
    };

    WorkerOptions opt_;
    std::function<void()> wake_;
    std::unique_ptr<client::ApiClient> api_;    // network thread only
    std::unique_ptr<ItemCache> cache_;          // network thread only
    bool online_ = true;                        // network thread only

    mutable std::mutex mu_;                     // guards everything below
    std::condition_variable cv_;                // requests or decode jobs arrived, or stop
    std::condition_variable idle_cv_;           // a request or job finished
    std::deque<Envelope> requests_;
    std::deque<DecodeJob> decode_jobs_;
    std::vector<Reply> replies_;
    int running_ = 0;                           // requests and jobs being handled
    bool stop_ = false;

    std::thread network_;
    std::vector<std::thread> decoders_;
};

}  // namespace pd::review
