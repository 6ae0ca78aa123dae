// kepu15::JobQueue, the background thread `kepu15 run` hands its early outputs to: jobs run in the
// order pushed, finish() runs what is not started on the caller, rethrows the first failure and
// skips the jobs after it; the destructor drops what has not started.
#include "kepu15/job_queue.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <future>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

using kepu15::JobQueue;

TEST_CASE("job queue runs every job once, in the order pushed when one thread takes them", "[pipeline][jobs]") {
    std::mutex m;
    std::vector<int> order;
    {
        JobQueue q;
        for (int i = 0; i < 200; ++i) {
            q.push([&, i] {
                const std::lock_guard lock(m);
                order.push_back(i);
            });
        }
        q.finish();
        // Two threads may take jobs (the worker and finish's caller): each job once, and the
        // worker's own jobs in order.
        std::vector<int> sorted = order;
        std::sort(sorted.begin(), sorted.end());
        REQUIRE(sorted.size() == 200);
        for (int i = 0; i < 200; ++i) REQUIRE(sorted[static_cast<std::size_t>(i)] == i);
    }
    // Pushed while the worker is busy, without finish()'s help: strictly in order.
    order.clear();
    JobQueue q;
    std::promise<void> go;
    std::shared_future<void> started = go.get_future().share();
    q.push([started] { started.wait(); });
    for (int i = 0; i < 50; ++i) {
        q.push([&, i] {
            const std::lock_guard lock(m);
            order.push_back(i);
        });
    }
    go.set_value();
    while (true) {
        {
            const std::lock_guard lock(m);
            if (order.size() == 50) break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    for (int i = 0; i < 50; ++i) REQUIRE(order[static_cast<std::size_t>(i)] == i);
    q.finish();
}

TEST_CASE("job queue: finish runs jobs the worker has not started on the calling thread", "[pipeline][jobs]") {
    JobQueue q;
    std::promise<void> release;
    std::shared_future<void> released = release.get_future().share();
    std::promise<void> blocking;
    q.push([&] {
        blocking.set_value();
        released.wait();
    });
    blocking.get_future().wait();  // the worker is inside the first job
    const auto caller = std::this_thread::get_id();
    std::thread::id ran_on;
    q.push([&] {
        ran_on = std::this_thread::get_id();
        release.set_value();  // only the caller can get here while the worker waits
    });
    q.finish();
    REQUIRE(ran_on == caller);
}

TEST_CASE("job queue: the first failure is rethrown by finish and the jobs after it are skipped",
          "[pipeline][jobs]") {
    // Without a worker every job runs on the caller of finish(), in order: which jobs follow the
    // failure is certain. (With a worker, finish() takes jobs beside it, and a job taken while
    // the failing one still runs does run: only jobs not started when it fails are skipped.)
    JobQueue q(0);
    std::atomic<int> ran{0};
    q.push([&] { ++ran; });
    q.push([] { throw std::runtime_error("roads.geojson: disk full"); });
    q.push([&] { ++ran; });
    q.push([&] { throw std::runtime_error("water.geojson: disk full"); });
    REQUIRE_THROWS_WITH(q.finish(), "roads.geojson: disk full");
    REQUIRE(ran == 1);
    // The failure is reported once; the queue is usable again.
    q.push([&] { ++ran; });
    REQUIRE_NOTHROW(q.finish());
    REQUIRE(ran == 2);
}

TEST_CASE("job queue: a failure on the worker is rethrown by finish, once", "[pipeline][jobs]") {
    JobQueue q;
    std::promise<void> failed;
    std::shared_future<void> failure = failed.get_future().share();
    q.push([&failed] {
        failed.set_value();
        throw std::runtime_error("roads.geojson: disk full");
    });
    failure.wait();  // the worker has taken the job
    REQUIRE_THROWS_WITH(q.finish(), "roads.geojson: disk full");
    std::atomic<int> ran{0};
    q.push([&] { ++ran; });
    REQUIRE_NOTHROW(q.finish());
    REQUIRE(ran == 1);
}

TEST_CASE("job queue: the destructor waits for the running job and drops the rest", "[pipeline][jobs]") {
    std::atomic<int> ran{0};
    std::atomic<bool> first_done{false};
    {
        JobQueue q;
        std::promise<void> started;
        q.push([&] {
            started.set_value();
            std::this_thread::sleep_for(std::chrono::milliseconds(200));
            first_done = true;
        });
        for (int i = 0; i < 10; ++i) q.push([&] { ++ran; });
        started.get_future().wait();
    }  // as when a stage throws: unwinding must not run the remaining outputs
    REQUIRE(first_done);
    REQUIRE(ran == 0);
}

TEST_CASE("job queue without workers runs every job on the caller of finish, in order", "[pipeline][jobs]") {
    JobQueue q(0);
    std::vector<int> order;
    const auto caller = std::this_thread::get_id();
    bool all_on_caller = true;
    for (int i = 0; i < 5; ++i) {
        q.push([&, i] {
            order.push_back(i);
            all_on_caller = all_on_caller && std::this_thread::get_id() == caller;
        });
    }
    REQUIRE(order.empty());  // nothing runs before finish
    q.finish();
    REQUIRE(order == std::vector<int>{0, 1, 2, 3, 4});
    REQUIRE(all_on_caller);
}
