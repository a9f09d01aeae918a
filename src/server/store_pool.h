// StorePool: a fixed set of Store connections shared by the request threads. One Store is one
// connection and runs one transaction at a time (store.h), so the pool holds one per HTTP
// thread; acquire() blocks while every connection is in use.
#pragma once

#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include "common/result.h"
#include "storage/store.h"

namespace pd::server {

class StorePool {
public:
    using Opener = std::function<Result<std::unique_ptr<storage::Store>>()>;

    // Opens `size` connections now; the first failure is returned.
    static Result<std::unique_ptr<StorePool>> open(const Opener& opener, int size);

    class Handle {
    public:
        Handle(StorePool& pool, std::unique_ptr<storage::Store> s) : pool_(&pool), s_(std::move(s)) {}
        Handle(Handle&& o) noexcept : pool_(o.pool_), s_(std::move(o.s_)) {}
        Handle(const Handle&) = delete;
        ~Handle() { if (s_) pool_->give_back(std::move(s_)); }
        storage::Store* operator->() { return s_.get(); }
        storage::Store& operator*() { return *s_; }

    private:
        StorePool* pool_;
        std::unique_ptr<storage::Store> s_;
    };

    Handle acquire();
    std::string backend() const { return backend_; }

private:
    void give_back(std::unique_ptr<storage::Store> s);

    std::mutex mu_;
    std::condition_variable cv_;
    std::vector<std::unique_ptr<storage::Store>> free_;
    std::string backend_;
};

}  // namespace pd::server
