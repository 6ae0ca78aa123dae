#include "kepu15/io/detail/geojson_text.hpp"

#include "kepu15/io/text_encoding.hpp"

#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>

namespace kepu15::io::detail {

namespace {

// JSON text must be UTF-8 (RFC 8259): readers make every input string valid, and anything invalid
// that still reaches a writer is replaced by U+FFFD rather than written as raw bytes.
void append_string(std::string& out, const std::string& raw) {
    std::string repaired;
    const bool valid = is_valid_utf8(raw);
    if (!valid) {
        repaired = raw;
        repair_utf8(repaired);
    }
    const std::string& s = valid ? raw : repaired;
    out += '"';
    for (const char ch : s) {
        const auto c = static_cast<unsigned char>(ch);
        switch (c) {
            case '"': out += "\\\""; break;
            case '\\': out += "\\\\"; break;
            case '\n': out += "\\n"; break;
            case '\r': out += "\\r"; break;
            case '\t': out += "\\t"; break;
            case '\b': out += "\\b"; break;
            case '\f': out += "\\f"; break;
            default:
                if (c < 0x20) {
                    static const char* hex = "0123456789abcdef";
                    out += "\\u00";
                    out += hex[c >> 4];
                    out += hex[c & 0xF];
                } else {
                    out += ch;  // UTF-8 passes through
                }
        }
    }
    out += '"';
}

void append_number(std::string& out, double v) {
    char buf[32];
    const auto r = std::to_chars(buf, buf + sizeof buf, v);
    out.append(buf, r.ptr);
}

void append_integer(std::string& out, std::int64_t v) {
    char buf[24];
    const auto r = std::to_chars(buf, buf + sizeof buf, v);
    out.append(buf, r.ptr);
}

// std::to_chars(v, fixed, precision) through integer arithmetic: |v| * 10^precision rounded to
// the nearest integer, then its digits. The product carries at most half an ulp of error, so the
// rounding is the same as to_chars's (correct rounding of the exact value) unless the product lies
// within that error of a half-way point; those, and values too large for the integer, return
// false for to_chars to format. Writes no sign: `negative` says whether the digits are not all 0.
bool fixed_digits(char* buf, char*& end, double v, int precision) {
    static constexpr double pow10[] = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9};
    if (precision < 0 || precision > 9) return false;
    const double scaled = std::fabs(v) * pow10[precision];
    if (!(scaled < 4e15)) return false;  // also NaN and infinities
    const double whole = std::floor(scaled);
    const double frac = scaled - whole;  // exact below 2^52
    if (std::fabs(frac - 0.5) <= scaled * 1e-15 + 1e-300) return false;
    std::uint64_t n = static_cast<std::uint64_t>(whole) + (frac > 0.5 ? 1U : 0U);
    // Digits backwards: the decimals (precision of them), then the integer part (at least "0").
    char tmp[32];
    char* p = tmp + sizeof tmp;
    for (int i = 0; i < precision; ++i) {
        *--p = static_cast<char>('0' + n % 10);
        n /= 10;
    }
    do {
        *--p = static_cast<char>('0' + n % 10);
        n /= 10;
    } while (n != 0);
    const auto len = static_cast<std::size_t>(tmp + sizeof tmp - p);
    const std::size_t int_len = len - static_cast<std::size_t>(precision);
    std::memcpy(buf, p, int_len);
    end = buf + int_len;
    if (precision > 0) {
        *end++ = '.';
        std::memcpy(end, p + int_len, static_cast<std::size_t>(precision));
        end += precision;
    }
    return true;
}

}  // namespace

// Fixed decimals without trailing zeros: 120.9540000 -> 120.954, 3.0000000 -> 3.
void append_coordinate(std::string& out, double v, int precision) {
    char buf[400];  // room for to_chars of the largest double with a few dozen decimals
    char* end = nullptr;
    if (fixed_digits(buf + 1, end, v, precision)) {
        char* begin = buf + 1;
        if (std::signbit(v)) *--begin = '-';  // as to_chars writes it, -0 included
        std::memmove(buf, begin, static_cast<std::size_t>(end - begin));
        end = buf + (end - begin);
    } else {
        end = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed, precision).ptr;
    }
    if (precision > 0) {
        while (end > buf && end[-1] == '0') --end;
        if (end > buf && end[-1] == '.') --end;
    }
    if (end - buf == 2 && buf[0] == '-' && buf[1] == '0') {  // -0 after rounding
        out += '0';
        return;
    }
    out.append(buf, end);
}

namespace {

void append_position(std::string& out, Point p, int precision) {
    out += '[';
    append_coordinate(out, p.x, precision);
    out += ',';
    append_coordinate(out, p.y, precision);
    out += ']';
}

void append_ring(std::string& out, const Ring& ring, bool counter_clockwise, int precision) {
    const bool reverse = (signed_area(ring) > 0) != counter_clockwise;
    out += '[';
    const std::size_t n = ring.size();
    for (std::size_t i = 0; i < n; ++i) {
        if (i > 0) out += ',';
        append_position(out, ring[reverse ? n - 1 - i : i], precision);
    }
    // RFC 7946 rings are closed.
    if (n > 0 && !(ring.front() == ring.back())) {
        out += ',';
        append_position(out, reverse ? ring.back() : ring.front(), precision);
    }
    out += ']';
}

void append_polygon(std::string& out, const Polygon& poly, int precision) {
    out += '[';
    append_ring(out, poly.outer, true, precision);
    for (const auto& h : poly.holes) {
        out += ',';
        append_ring(out, h, false, precision);
    }
    out += ']';
}

void append_line(std::string& out, const LineString& line, int precision) {
    out += '[';
    for (std::size_t i = 0; i < line.size(); ++i) {
        if (i > 0) out += ',';
        append_position(out, line[i], precision);
    }
    out += ']';
}

template <class Parts, class AppendPart>
void append_parts(std::string& out, const char* single, const char* multi, const Parts& parts, AppendPart&& part) {
    out += "{\"type\":\"";
    out += parts.size() == 1 ? single : multi;
    out += "\",\"coordinates\":";
    if (parts.size() == 1) {
        part(parts.front());
    } else {
        out += '[';
        for (std::size_t i = 0; i < parts.size(); ++i) {
            if (i > 0) out += ',';
            part(parts[i]);
        }
        out += ']';
    }
    out += '}';
}

void append_geometry(std::string& out, const FeatureGeometry& g, int precision) {
    switch (g.kind) {
        case GeometryKind::point:
            if (!g.points.empty()) {
                append_parts(out, "Point", "MultiPoint", g.points, [&](Point p) { append_position(out, p, precision); });
                return;
            }
            break;
        case GeometryKind::line:
            if (!g.lines.empty()) {
                append_parts(out, "LineString", "MultiLineString", g.lines,
                             [&](const LineString& l) { append_line(out, l, precision); });
                return;
            }
            break;
        case GeometryKind::polygon:
            if (!g.polygons.empty()) {
                append_parts(out, "Polygon", "MultiPolygon", g.polygons,
                             [&](const Polygon& p) { append_polygon(out, p, precision); });
                return;
            }
            break;
        case GeometryKind::none:
            break;
    }
    out += "null";
}

}  // namespace

void append_geojson_header(std::string& out, const std::string& layer_name) {
    out += "{\n\"type\": \"FeatureCollection\",\n\"name\": ";
    append_string(out, layer_name);
    out += ",\n\"features\": [\n";
}

void append_geojson_feature(std::string& out, const std::vector<FieldDef>& fields, const OutputFeature& feature,
                            int coordinate_precision, bool first) {
    if (!first) out += ",\n";
    out += "{\"type\":\"Feature\",\"properties\":{";
    for (std::size_t i = 0; i < fields.size(); ++i) {
        if (i > 0) out += ',';
        append_string(out, fields[i].name);
        out += ':';
        const FieldValue& v = feature.values[i];
        if (const auto* n = std::get_if<std::int64_t>(&v)) {
            append_integer(out, *n);
        } else if (const auto* d = std::get_if<double>(&v); d != nullptr && std::isfinite(*d)) {
            append_number(out, *d);
        } else if (const auto* s = std::get_if<std::string>(&v)) {
            append_string(out, *s);
        } else {
            out += "null";
        }
    }
    out += "},\"geometry\":";
    append_geometry(out, feature.geometry, coordinate_precision);
    out += '}';
}

void append_geojson_footer(std::string& out) { out += "\n]\n}\n"; }

}  // namespace kepu15::io::detail
