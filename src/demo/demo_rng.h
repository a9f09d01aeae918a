// A small deterministic random generator for the demo queue. std::uniform_*_distribution is
// implementation-defined, so the same seed could give another queue with another standard
// library; these mappings are fixed. Every item derives its own stream from (seed, purpose,
// index), so items generated on different threads in any order give the same bytes.
//
// Not thread-safe (one Rng per thread or per item); derive() is a pure function.
#pragma once

#include <cmath>
#include <cstdint>
#include <string_view>
#include <utility>
#include <vector>

namespace pd::demo {

// SplitMix64 step: a good 64-bit mixer.
inline std::uint64_t mix64(std::uint64_t x) {
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

// A seed for one purpose ("student", "photo", ...) and one index, from the queue's seed.
inline std::uint64_t derive(std::uint64_t seed, std::string_view purpose, std::uint64_t index = 0) {
    std::uint64_t h = 0xcbf29ce484222325ULL;  // FNV-1a of the purpose
    for (unsigned char c : purpose) h = (h ^ c) * 0x100000001b3ULL;
    return mix64(mix64(seed ^ h) + index);
}

class Rng {
public:
    explicit Rng(std::uint64_t seed) : s_(seed) {}

    std::uint64_t next() { return mix64(s_ += 0x9e3779b97f4a7c15ULL); }
    // Uniform in [0, 1).
    double unit() { return double(next() >> 11) * 0x1.0p-53; }
    double uniform(double lo, double hi) { return lo + (hi - lo) * unit(); }
    // Uniform integer in [0, n), n > 0 (the tiny modulo bias is irrelevant here).
    std::uint64_t below(std::uint64_t n) { return next() % n; }
    int index(std::size_t n) { return int(below(n)); }
    bool chance(double p) { return unit() < p; }
    double sign() { return (next() & 1) ? 1.0 : -1.0; }

    template <class T>
    void shuffle(std::vector<T>& v) {
        for (std::size_t i = v.size(); i > 1; --i) std::swap(v[i - 1], v[below(i)]);
    }
    // An index drawn with the given non-negative weights (not all zero).
    template <class W>
    int weighted(const std::vector<W>& items, double (*weight)(const W&)) {
        double total = 0;
        for (const auto& it : items) total += weight(it);
        double r = unit() * total;
        for (std::size_t i = 0; i < items.size(); ++i) {
            r -= weight(items[i]);
            if (r < 0) return int(i);
        }
        return int(items.size()) - 1;
    }

private:
    std::uint64_t s_;
};

}  // namespace pd::demo
