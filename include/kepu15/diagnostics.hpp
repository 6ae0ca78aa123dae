// Warnings and progress of one run, passed through its stages (R5 keeps warnings per modification):
// two evaluations in one process never mix their messages. Thread-safe, since stages run tasks in
// parallel. The CLI echoes them to stderr as they come; tests read them back.
#pragma once

#include <functional>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace kepu15 {

class Diagnostics {
public:
    using Echo = std::function<void(const std::string& level, const std::string& message)>;

    Diagnostics() = default;
    // `echo` is called for each message as it is recorded (the CLI prints to stderr).
    explicit Diagnostics(Echo echo) : m_echo(std::move(echo)) {}

    void warn(const std::string& message) { record("warning", message, m_warnings); }
    // Progress notes ("snapping 88,461 cells"): shown when the CLI is verbose, kept for logs.
    void progress(const std::string& message) { record("progress", message, m_progress); }

    // Records another run part's messages after these (a stage run on a thread of its own keeps its
    // messages apart, and they are appended when it joins, so the order does not depend on timing).
    void append(const Diagnostics& other) {
        for (const auto& m : other.warnings()) warn(m);
        for (const auto& m : other.progress_notes()) progress(m);
    }
    [[nodiscard]] std::vector<std::string> warnings() const {
        const std::lock_guard<std::mutex> lock(m_mutex);
        return m_warnings;
    }
    [[nodiscard]] std::vector<std::string> progress_notes() const {
        const std::lock_guard<std::mutex> lock(m_mutex);
        return m_progress;
    }

private:
    void record(const char* level, const std::string& message, std::vector<std::string>& into) {
        const std::lock_guard<std::mutex> lock(m_mutex);
        into.push_back(message);
        if (m_echo) m_echo(level, message);
    }

    mutable std::mutex m_mutex;
    Echo m_echo;
    std::vector<std::string> m_warnings;
    std::vector<std::string> m_progress;
};

}  // namespace kepu15
