#include "kepu15/io/attributes.hpp"

#include <charconv>
#include <cmath>
#include <cstdio>

namespace kepu15::io {

namespace {
std::optional<double> parse_number(std::string_view s) {
    // Surrounding blanks are common in hand-edited CSV cells; anything else must be the number.
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
    if (!s.empty() && s.front() == '+') s.remove_prefix(1);
    if (s.empty()) return std::nullopt;
    double value = 0.0;
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
    if (ec != std::errc() || end != s.data() + s.size() || !std::isfinite(value)) return std::nullopt;
    return value;
}
}  // namespace

std::optional<double> as_number(const FieldValue& v) {
    if (const auto* i = std::get_if<std::int64_t>(&v)) return static_cast<double>(*i);
    if (const auto* d = std::get_if<double>(&v)) {
        if (std::isnan(*d)) return std::nullopt;
        return *d;
    }
    if (const auto* s = std::get_if<std::string>(&v)) return parse_number(*s);
    return std::nullopt;
}

std::string as_text(const FieldValue& v) {
    if (const auto* i = std::get_if<std::int64_t>(&v)) return std::to_string(*i);
    if (const auto* d = std::get_if<double>(&v)) {
        char buf[32];
        std::snprintf(buf, sizeof buf, "%.15g", *d);
        return buf;
    }
    if (const auto* s = std::get_if<std::string>(&v)) return *s;
    return {};
}

}  // namespace kepu15::io
