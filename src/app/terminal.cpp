#include "terminal.hpp"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <iostream>

#include <unistd.h>

namespace kepu15::app {

namespace {
constexpr auto show_after = std::chrono::seconds(1);
constexpr auto refresh = std::chrono::milliseconds(250);
}  // namespace

std::string json_quote(const std::string& s) {
    return nlohmann::json(s).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

Terminal::Terminal(bool quiet, LogFormat format)
    : m_quiet(quiet), m_format(format), m_tty(::isatty(STDERR_FILENO) == 1) {
    if (m_tty && !m_quiet && m_format == LogFormat::text) m_ticker = std::thread([this] { tick(); });
}

Terminal::~Terminal() { close(); }

void Terminal::close() {
    {
        const std::lock_guard<std::mutex> lock(m_mutex);
        m_stop = true;
    }
    m_wake.notify_all();
    if (m_ticker.joinable()) m_ticker.join();
    const std::lock_guard<std::mutex> lock(m_mutex);
    clear_progress_line();
}

Diagnostics Terminal::diagnostics() {
    return Diagnostics([this](const std::string& level, const std::string& message) { on_message(level, message); });
}

void Terminal::clear_progress_line() {
    if (!m_line_shown) return;
    std::cerr << "\r\033[K" << std::flush;
    m_line_shown = false;
}

void Terminal::on_message(const std::string& level, const std::string& message) {
    const std::lock_guard<std::mutex> lock(m_mutex);
    const auto now = std::chrono::steady_clock::now();
    if (level == "progress") {
        if (m_format == LogFormat::json && !m_quiet) {
            if (!m_stage.empty()) {
                const double s = std::chrono::duration<double>(now - m_stage_started).count();
                std::cerr << R"({"level":"progress","event":"stage_done","stage":)" << json_quote(m_stage)
                          << R"(,"seconds":)" << s << "}\n";
            }
            std::cerr << R"({"level":"progress","event":"stage_start","stage":)" << json_quote(message) << "}\n";
        }
        clear_progress_line();
        m_stage = message;
        m_stage_started = now;
        return;
    }
    clear_progress_line();
    if (m_format == LogFormat::json) {
        std::cerr << R"({"level":)" << json_quote(level) << R"(,"message":)" << json_quote(message) << "}\n";
    } else {
        std::cerr << "kepu15: " << level << ": " << message << '\n';
    }
}

void Terminal::tick() {
    std::unique_lock<std::mutex> lock(m_mutex);
    while (!m_stop) {
        m_wake.wait_for(lock, refresh);
        if (m_stop || m_stage.empty()) continue;
        const auto elapsed = std::chrono::steady_clock::now() - m_stage_started;
        if (elapsed < show_after) continue;
        char line[160];
        std::snprintf(line, sizeof line, "\r\033[Kkepu15: %s ... %.0f s", m_stage.c_str(),
                      std::chrono::duration<double>(elapsed).count());
        std::cerr << line << std::flush;
        m_line_shown = true;
    }
}

void Terminal::done() {
    const std::lock_guard<std::mutex> lock(m_mutex);
    if (m_format == LogFormat::json && !m_quiet && !m_stage.empty()) {
        const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - m_stage_started).count();
        std::cerr << R"({"level":"progress","event":"stage_done","stage":)" << json_quote(m_stage) << R"(,"seconds":)"
                  << s << "}\n";
    }
    m_stage.clear();
    clear_progress_line();
}

void Terminal::error(int exit_code, const std::string& kind, const std::string& message) {
    const std::lock_guard<std::mutex> lock(m_mutex);
    clear_progress_line();
    if (m_format == LogFormat::json) {
        std::cerr << R"({"level":"error","kind":)" << json_quote(kind) << R"(,"exit_code":)" << exit_code
                  << R"(,"message":)" << json_quote(message) << "}\n";
    } else {
        std::cerr << "kepu15: " << kind << " error: " << message << '\n';
    }
}

}  // namespace kepu15::app
