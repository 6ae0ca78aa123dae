// Wall-clock seconds per pipeline stage, for --timings.
#pragma once

#include <chrono>
#include <string>
#include <utility>
#include <vector>

namespace kepu15 {

class Timings {
public:
    using clock = std::chrono::steady_clock;

    // Ends the running stage (if any) and starts `name`.
    void start(const std::string& name) {
        stop();
        m_current = name;
        m_started = clock::now();
    }
    void stop() {
        if (m_current.empty()) return;
        const double s = std::chrono::duration<double>(clock::now() - m_started).count();
        m_stages.emplace_back(m_current, s);
        m_current.clear();
    }
    [[nodiscard]] const std::vector<std::pair<std::string, double>>& stages() const { return m_stages; }

private:
    std::string m_current;
    clock::time_point m_started;
    std::vector<std::pair<std::string, double>> m_stages;
};

}  // namespace kepu15
