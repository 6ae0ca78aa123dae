// Jobs run in order on one background thread beside a stage's own threads: `kepu15 run` hands
// it the outputs whose inputs are ready (roads, water, service areas and isochrones, cells.tif)
// while the access and aggregation stages still run, so both cores stay busy to the end.
#pragma once

#include <condition_variable>
#include <deque>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>
#include <utility>

namespace kepu15 {

class JobQueue {
public:
    // `workers` 0: no thread; every job runs on the caller of finish() (a run limited to one
    // thread). DEFAULT: one background thread.
    explicit JobQueue(unsigned workers = 1) {
        if (workers > 0) m_worker = std::thread([this] { work(); });
    }
    JobQueue(const JobQueue&) = delete;
    JobQueue& operator=(const JobQueue&) = delete;
    // Jobs not started are dropped; a running one is waited for. Never throws: a failure that
    // nobody waited for is lost with the run that is being unwound.
    ~JobQueue() {
        {
            const std::lock_guard lock(m_mutex);
            m_closing = true;
            m_jobs.clear();
        }
        m_wake.notify_all();
        if (m_worker.joinable()) m_worker.join();
    }

    void push(std::function<void()> job) {
        {
            const std::lock_guard lock(m_mutex);
            m_jobs.push_back(std::move(job));
        }
        m_wake.notify_all();
    }

    // Runs the jobs not started yet on the calling thread (so that it does not sit idle while one
    // core works through the queue), waits for the one running, then rethrows the first exception
    // a job threw (the jobs after it are skipped).
    void finish() {
        std::unique_lock lock(m_mutex);
        while (!m_jobs.empty()) {
            std::function<void()> job = std::move(m_jobs.front());
            m_jobs.pop_front();
            if (m_error) continue;
            lock.unlock();
            std::exception_ptr error = run_job(job);
            lock.lock();
            if (error && !m_error) m_error = error;
        }
        m_idle.wait(lock, [this] { return m_jobs.empty() && !m_running; });
        if (m_error) std::rethrow_exception(std::exchange(m_error, nullptr));
    }

private:
    // Runs `job` (called without the lock) and releases its captures, still outside the lock;
    // returns what it threw, if anything.
    static std::exception_ptr run_job(std::function<void()>& job) {
        std::exception_ptr error;
        try {
            job();
        } catch (...) {
            error = std::current_exception();
        }
        job = nullptr;
        return error;
    }

    void work() {
        std::unique_lock lock(m_mutex);
        while (true) {
            m_wake.wait(lock, [this] { return m_closing || !m_jobs.empty(); });
            if (m_closing) return;
            std::function<void()> job = std::move(m_jobs.front());
            m_jobs.pop_front();
            if (!m_error) {
                m_running = true;
                lock.unlock();
                std::exception_ptr error = run_job(job);
                lock.lock();
                m_running = false;
                if (error && !m_error) m_error = error;
            }
            if (m_jobs.empty()) m_idle.notify_all();
        }
    }

    std::mutex m_mutex;
    std::condition_variable m_wake;
    std::condition_variable m_idle;
    std::deque<std::function<void()>> m_jobs;
    std::exception_ptr m_error;
    bool m_running = false;
    bool m_closing = false;
    std::thread m_worker;  // last: started once the members above exist
};

}  // namespace kepu15
