// What the CLI shows on stderr: warnings, errors, and progress for stages longer than a second
// (only when stderr is a terminal), as text or as JSON lines (`--log-format json`, for scripts);
// `--quiet` keeps only warnings and errors.
#pragma once

#include "kepu15/diagnostics.hpp"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

namespace kepu15::app {

enum class LogFormat { text, json };

class Terminal {
public:
    Terminal(bool quiet, LogFormat format);
    ~Terminal();
    Terminal(const Terminal&) = delete;
    Terminal& operator=(const Terminal&) = delete;

    // A Diagnostics whose messages this terminal shows as they come.
    [[nodiscard]] Diagnostics diagnostics();
    // The final error line: "kepu15: <kind> error: <message>" or a JSON line with the exit code.
    void error(int exit_code, const std::string& kind, const std::string& message);
    // Ends the progress line of the last stage (call when the command is done).
    void done();
    // Stops the progress ticker and clears its line (idempotent; the destructor calls it). Call it
    // before ending the process without destructors.
    void close();
    [[nodiscard]] bool quiet() const { return m_quiet; }

private:
    void on_message(const std::string& level, const std::string& message);
    void tick();
    void clear_progress_line();  // REQUIRES: m_mutex held

    bool m_quiet;
    LogFormat m_format;
    bool m_tty;
    std::mutex m_mutex;
    std::condition_variable m_wake;
    std::string m_stage;
    std::chrono::steady_clock::time_point m_stage_started;
    bool m_line_shown = false;
    bool m_stop = false;
    std::thread m_ticker;
};

// JSON string literal of `s` (quotes and escapes; `s` is valid UTF-8).
std::string json_quote(const std::string& s);

}  // namespace kepu15::app
