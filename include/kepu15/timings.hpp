// Wall-clock seconds per pipeline stage, for --timings.
#pragma once

#include "kepu15/diagnostics.hpp"

#include <chrono>
#include <string>
#include <utility>
#include <vector>

namespace kepu15 {

class Timings {
public:
    using clock = std::chrono::steady_clock;

    Timings() = default;
    // Reports each stage start as progress to `diag` (the CLI shows long stages on a terminal).
    explicit Timings(Diagnostics* diag) : m_diag(diag) {}

    // Ends the running stage (if any) and starts `name`.
    void start(const std::string& name) {
        stop();
        m_current = name;
        m_started = clock::now();
        if (m_diag != nullptr) m_diag->progress(name);
    }
    void stop() {
        if (m_current.empty()) return;
        const double s = std::chrono::duration<double>(clock::now() - m_started).count();
        m_stages.emplace_back(m_current, s);
        m_current.clear();
    }
    [[nodiscard]] const std::vector<std::pair<std::string, double>>& stages() const { return m_stages; }

private:
    Diagnostics* m_diag = nullptr;
    std::string m_current;
    clock::time_point m_started;
    std::vector<std::pair<std::string, double>> m_stages;
};

}  // namespace kepu15
