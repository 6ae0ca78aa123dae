// Helpers shared by the io tests.
#pragma once

#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <string>
#include <vector>

#include "../support/paths.hpp"
#include "kepu15/error.hpp"
#include "kepu15/geo/geometry.hpp"

namespace kepu15::test {

inline std::string io_fixture(const std::string& name) { return (fixtures_dir() / "io" / name).string(); }

// Warnings captured through set_warning_sink.
inline std::vector<std::string>& captured_warnings() {
    static std::vector<std::string> w;
    return w;
}
inline void capture_warning(const std::string& m) { captured_warnings().push_back(m); }

struct WarningCapture {
    WarningCapture() {
        captured_warnings().clear();
        set_warning_sink(&capture_warning);
    }
    ~WarningCapture() { set_warning_sink(nullptr); }
};

// Exception matcher applying a string matcher to what(): CHECK_THROWS_MATCHES(f(), input_error,
// What(Contains("a.csv") && Contains("row 2"))).
template <class StringMatcher>
class WhatMatcher : public Catch::MatcherBase<std::exception> {
public:
    explicit WhatMatcher(StringMatcher m) : m_matcher(std::move(m)) {}
    bool match(const std::exception& e) const override { return m_matcher.match(e.what()); }
    std::string describe() const override { return "message " + m_matcher.toString(); }

private:
    StringMatcher m_matcher;
};
template <class StringMatcher>
WhatMatcher<StringMatcher> What(StringMatcher m) {
    return WhatMatcher<StringMatcher>(std::move(m));
}

inline bool near(Point a, Point b, double tol) {
    return std::abs(a.x - b.x) <= tol && std::abs(a.y - b.y) <= tol;
}

// Same closed ring up to start point and orientation (writers may re-orient rings).
inline bool same_ring(const Ring& a, const Ring& b, double tol) {
    if (a.size() != b.size() || a.size() < 4) return false;
    const std::size_t n = a.size() - 1;  // without the closing point
    for (std::size_t start = 0; start < n; ++start) {
        if (!near(a[0], b[start], tol)) continue;
        bool fwd = true;
        bool bwd = true;
        for (std::size_t i = 0; i < n; ++i) {
            fwd = fwd && near(a[i], b[(start + i) % n], tol);
            bwd = bwd && near(a[i], b[(start + n - i) % n], tol);
        }
        if (fwd || bwd) return true;
    }
    return false;
}

inline std::vector<std::string> list_dir(const std::filesystem::path& dir) {
    std::vector<std::string> names;
    for (const auto& e : std::filesystem::directory_iterator(dir))
        names.push_back(e.path().filename().string());
    std::sort(names.begin(), names.end());
    return names;
}

}  // namespace kepu15::test
