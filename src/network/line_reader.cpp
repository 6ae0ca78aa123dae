#include "kepu15/network/line_reader.hpp"

#include "kepu15/network/detail/split_ways.hpp"

#include "kepu15/error.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <map>
#include <optional>
#include <unordered_map>

namespace kepu15::network {

namespace {

constexpr std::uint32_t none = std::numeric_limits<std::uint32_t>::max();

std::string lower_trimmed(std::string s) {
    const auto first = s.find_first_not_of(" \t");
    const auto last = s.find_last_not_of(" \t");
    s = first == std::string::npos ? std::string{} : s.substr(first, last - first + 1);
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return s;
}

bool is_false_value(const std::string& v) { return v == "no" || v == "0" || v == "false" || v == "f" || v == "n"; }

// Road classes no car may use (OSM-like highway values).
bool is_non_motor_class(const std::string& c) {
    return c == "footway" || c == "path" || c == "cycleway" || c == "pedestrian" || c == "steps" ||
           c == "bridleway" || c == "corridor";
}

struct Part {
    std::size_t row = 0;        // index into layer.features
    std::size_t first = 0;      // into the flat point array
    std::size_t count = 0;
};

// Groups points closer than `tolerance_m` (0: identical points only) into representatives, greedily in
// input order: a point joins the nearest existing representative within the tolerance.
class VertexIndex {
public:
    explicit VertexIndex(double tolerance_m) : m_tol(tolerance_m) {}

    std::uint32_t add(Point p) {
        if (m_tol <= 0.0) {
            const auto [it, inserted] = m_exact.try_emplace(Key{bits(p.x), bits(p.y)}, rep_count());
            if (inserted) m_points.push_back(p);
            return it->second;
        }
        const auto cx = static_cast<std::int64_t>(std::floor(p.x / m_tol));
        const auto cy = static_cast<std::int64_t>(std::floor(p.y / m_tol));
        std::uint32_t best = none;
        double best_d = m_tol;
        for (std::int64_t dx = -1; dx <= 1; ++dx) {
            for (std::int64_t dy = -1; dy <= 1; ++dy) {
                auto it = m_grid.find(Key{static_cast<std::uint64_t>(cx + dx), static_cast<std::uint64_t>(cy + dy)});
                if (it == m_grid.end()) continue;
                for (std::uint32_t r : it->second) {
                    const double d = distance(p, m_points[r]);
                    if (d <= best_d) {
                        best_d = d;
                        best = r;
                    }
                }
            }
        }
        if (best != none) return best;
        const std::uint32_t r = rep_count();
        m_points.push_back(p);
        m_grid[Key{static_cast<std::uint64_t>(cx), static_cast<std::uint64_t>(cy)}].push_back(r);
        return r;
    }

    [[nodiscard]] const std::vector<Point>& points() const { return m_points; }

private:
    struct Key {
        std::uint64_t a;
        std::uint64_t b;
        bool operator==(const Key&) const = default;
    };
    struct KeyHash {
        std::size_t operator()(const Key& k) const {
            return std::hash<std::uint64_t>{}(k.a * 0x9E3779B97F4A7C15ULL ^ (k.b + 0x632BE59BD9B4E019ULL));
        }
    };
    static std::uint64_t bits(double v) {
        if (v == 0.0) v = 0.0;  // -0 and +0 are the same place
        std::uint64_t b = 0;
        std::memcpy(&b, &v, sizeof b);
        return b;
    }
    [[nodiscard]] std::uint32_t rep_count() const { return static_cast<std::uint32_t>(m_points.size()); }

    double m_tol;
    std::vector<Point> m_points;
    std::unordered_map<Key, std::uint32_t, KeyHash> m_exact;
    std::unordered_map<Key, std::vector<std::uint32_t>, KeyHash> m_grid;
};

}  // namespace

RoadNetwork read_road_lines(const std::string& path, const LineNetworkOptions& options,
                            const geo::Transformer& wgs84_to_working, const ProfileSpeeds& speeds) {
    const io::VectorLayer layer = io::read_vector(path, options.read);
    const std::string where = layer.where();
    auto optional_field = [&](const std::string& name) -> std::optional<std::size_t> {
        if (name.empty()) return std::nullopt;
        return layer.field_index(name);  // throws input_error naming the field
    };
    const auto speed_idx = optional_field(options.speed_field);
    const auto class_idx = optional_field(options.class_field);
    const auto oneway_idx = optional_field(options.oneway_field);
    const auto walk_idx = optional_field(options.walk_field);
    const auto bike_idx = optional_field(options.bike_field);
    auto row_where = [&](std::size_t row) {
        return where + ", row " + std::to_string(row + 1) + " (fid " + std::to_string(layer.features[row].fid) + ")";
    };

    // Per-row speeds in both directions.
    struct RowSpeeds {
        std::array<float, profile_count> forward_kmh{};
        std::array<float, profile_count> backward_kmh{};
    };
    std::vector<RowSpeeds> row_speeds(layer.features.size());
    std::map<std::string, std::size_t> unknown_classes;  // class value -> rows
    std::vector<Part> parts;
    std::vector<Point> points;
    for (std::size_t row = 0; row < layer.features.size(); ++row) {
        const io::Feature& f = layer.features[row];
        if (f.geometry.kind != io::GeometryKind::line) {
            const char* kind = f.geometry.kind == io::GeometryKind::point     ? "point"
                               : f.geometry.kind == io::GeometryKind::polygon ? "polygon"
                                                                              : "no";
            throw input_error(row_where(row) + ": " + kind + " geometry; a road layer needs lines");
        }
        std::string road_class;
        if (class_idx) road_class = lower_trimmed(io::as_text(f.values[*class_idx]));
        const std::string class_key = road_class.empty() ? std::string("(empty)") : road_class;
        const bool motorway = road_class == "motorway" || road_class == "motorway_link";
        const bool walk_ok = !motorway && !(walk_idx && is_false_value(lower_trimmed(io::as_text(f.values[*walk_idx]))));
        const bool bike_ok = !motorway && !(bike_idx && is_false_value(lower_trimmed(io::as_text(f.values[*bike_idx]))));

        double drive_kmh = speeds.drive_default_kmh;
        bool speed_given = false;
        if (speed_idx) {
            const io::FieldValue& v = f.values[*speed_idx];
            const std::string text = io::as_text(v);
            if (!std::holds_alternative<std::monostate>(v) && !lower_trimmed(text).empty()) {
                const auto kmh = io::as_number(v);
                if (!kmh) {
                    throw input_error(row_where(row) + ": field '" + options.speed_field + "' value '" + text +
                                      "' is not a number (km/h)");
                }
                if (const std::string problem = range_problem(drive_kmh_range, *kmh); !problem.empty()) {
                    throw input_error(row_where(row) + ": field '" + options.speed_field + "' value '" + text +
                                      "' is not a plausible speed: it " + problem +
                                      " (leave it empty to use the class or default speed)");
                }
                drive_kmh = *kmh;
                speed_given = true;
            }
        }
        if (!speed_given && class_idx) {
            if (is_non_motor_class(road_class)) {
                drive_kmh = 0.0;
            } else if (auto it = speeds.drive_kmh_by_highway.find(road_class); it != speeds.drive_kmh_by_highway.end()) {
                drive_kmh = it->second;
            } else {
                ++unknown_classes[class_key];
            }
        }

        bool forward = true;
        bool backward = true;
        if (oneway_idx) {
            const std::string raw = io::as_text(f.values[*oneway_idx]);
            const std::string v = lower_trimmed(raw);
            if (v == "yes" || v == "1" || v == "true" || v == "t" || v == "y") {
                backward = false;
            } else if (v == "-1" || v == "reverse") {
                forward = false;
            } else if (!(v.empty() || is_false_value(v))) {
                throw input_error(row_where(row) + ": field '" + options.oneway_field + "' value '" + raw +
                                  "' is not a oneway value (yes/1/true, -1/reverse, no/0/false)");
            }
        }

        RowSpeeds& s = row_speeds[row];
        auto set = [&](Profile p, double kmh, bool directed) {
            const auto i = static_cast<std::size_t>(p);
            s.forward_kmh[i] = static_cast<float>(!directed || forward ? kmh : 0.0);
            s.backward_kmh[i] = static_cast<float>(!directed || backward ? kmh : 0.0);
        };
        if (walk_ok) {
            set(Profile::walk, speeds.walk_kmh, false);
            set(Profile::elderly, speeds.elderly_kmh, false);
        }
        if (bike_ok) set(Profile::bike, speeds.bike_kmh, true);
        if (drive_kmh > 0.0) set(Profile::drive, drive_kmh, true);

        for (const LineString& line : f.geometry.lines) {
            if (line.size() < 2) continue;
            parts.push_back(Part{row, points.size(), line.size()});
            points.insert(points.end(), line.begin(), line.end());
        }
    }
    if (!unknown_classes.empty()) {
        std::size_t rows = 0;
        std::string list;
        std::size_t shown = 0;
        for (const auto& [cls, n] : unknown_classes) {
            rows += n;
            if (shown++ < 8) list += (list.empty() ? "'" : ", '") + cls + "' (" + std::to_string(n) + ")";
        }
        if (unknown_classes.size() > 8) list += ", ...";
        char kmh[32];
        std::snprintf(kmh, sizeof kmh, "%g", speeds.drive_default_kmh);
        const std::string message = where + ": field '" + options.class_field + "': " + std::to_string(rows) +
             " rows have a road class with no speed in the table: " + list + "; they are driven at the default " +
             kmh + " km/h. Add them under [network.speeds.drive_by_highway] (e.g. \"主干路\" = 50)";
        if (options.read.diagnostics != nullptr) {
            options.read.diagnostics->warn(message);
        } else {
            kepu15::warn(message);
        }
    }
    if (parts.empty()) throw input_error(where + ": no line features with at least two points");

    wgs84_to_working.forward(std::span<Point>(points));
    for (const Part& part : parts) {
        for (std::size_t k = 0; k < part.count; ++k) {
            if (!is_finite(points[part.first + k])) {
                throw input_error(row_where(part.row) + ": vertex " + std::to_string(k) + " cannot be transformed to " +
                                  wgs84_to_working.to_crs());
            }
        }
    }

    // Topology: snap vertices together and drop repeated consecutive vertices.
    VertexIndex index{options.snap_tolerance_m};
    std::vector<detail::WayChain> ways;
    std::vector<std::uint32_t> chain;  // representatives per kept part, consecutive duplicates removed
    for (const Part& part : parts) {
        detail::WayChain w;
        w.first = chain.size();
        for (std::size_t i = 0; i < part.count; ++i) {
            const std::uint32_t r = index.add(points[part.first + i]);
            if (chain.size() > w.first && chain.back() == r) continue;
            chain.push_back(r);
        }
        w.count = chain.size() - w.first;
        if (w.count < 2) {
            chain.resize(w.first);
            continue;
        }
        w.forward_kmh = row_speeds[part.row].forward_kmh;
        w.backward_kmh = row_speeds[part.row].backward_kmh;
        w.source_id = layer.features[part.row].fid;
        ways.push_back(w);
    }
    if (ways.empty()) throw input_error(where + ": every line collapses to a point within the snap tolerance");
    return detail::split_ways(index.points(), chain, ways, path);
}

}  // namespace kepu15::network
