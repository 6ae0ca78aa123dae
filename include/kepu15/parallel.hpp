// A minimal parallel loop over independent tasks (kind x profile searches, output layers).
#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

namespace kepu15 {

// Calls task(i) for i in [0, n) on up to `threads` threads. The first exception thrown by a task is
// rethrown here after every thread has stopped; the remaining tasks are skipped.
template <class Task>
void parallel_for(std::size_t n, unsigned threads, Task&& task) {
    const std::size_t workers = std::max<std::size_t>(1, std::min<std::size_t>(threads, n));
    if (workers <= 1) {
        for (std::size_t i = 0; i < n; ++i) task(i);
        return;
    }
    std::atomic<std::size_t> next{0};
    std::atomic<bool> failed{false};
    std::exception_ptr error;
    std::mutex error_mutex;
    auto work = [&] {
        for (std::size_t i = next++; i < n && !failed; i = next++) {
            try {
                task(i);
            } catch (...) {
                const std::lock_guard<std::mutex> lock(error_mutex);
                if (!error) error = std::current_exception();
                failed = true;
            }
        }
    };
    std::vector<std::thread> pool;
    for (std::size_t t = 1; t < workers; ++t) pool.emplace_back(work);
    work();
    for (auto& th : pool) th.join();
    if (error) std::rethrow_exception(error);
}

}  // namespace kepu15
