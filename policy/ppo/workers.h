#pragma once
// Splitting work over the trainer's threads: even shares, and a pool that lives for one call.

#include <thread>
#include <vector>

namespace policy {

// Worker w's share when `total` items are split as evenly as possible over `workers`.
inline int shareOf(int total, unsigned workers, unsigned w) {
    const int n = static_cast<int>(workers);
    return total / n + (static_cast<int>(w) < total % n ? 1 : 0);
}

// Runs work(0) on this thread and work(1..workers-1) on their own threads, then joins them.
template <class Work>
void runOnWorkers(unsigned workers, const Work& work) {
    std::vector<std::thread> pool;
    for (unsigned w = 1; w < workers; ++w) {
        pool.emplace_back(work, w);
    }
    work(0);
    for (std::thread& t : pool) {
        t.join();
    }
}

}  // namespace policy
