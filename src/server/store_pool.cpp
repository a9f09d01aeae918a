#include "server/store_pool.h"

namespace pd::server {

Result<std::unique_ptr<StorePool>> StorePool::open(const Opener& opener, int size) {
    auto pool = std::make_unique<StorePool>();
    for (int i = 0; i < std::max(size, 1); ++i) {
        auto s = opener();
        if (!s) return s.error();
        pool->backend_ = s.value()->backend();
        pool->free_.push_back(std::move(s).value());
    }
    return pool;
}

StorePool::Handle StorePool::acquire() {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [&] { return !free_.empty(); });
    auto s = std::move(free_.back());
    free_.pop_back();
    return Handle(*this, std::move(s));
}

void StorePool::give_back(std::unique_ptr<storage::Store> s) {
    {
        std::lock_guard<std::mutex> lock(mu_);
        free_.push_back(std::move(s));
    }
    cv_.notify_one();
}

}  // namespace pd::server
