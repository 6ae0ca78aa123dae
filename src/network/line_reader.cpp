#include "kepu15/network/line_reader.hpp"

#include "kepu15/network/clip.hpp"
#include "kepu15/network/detail/split_ways.hpp"

#include "kepu15/error.hpp"
#include "kepu15/io/line_scan.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <map>
#include <optional>
#include <span>
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

// Groups points closer than `tolerance_m` (0: identical points only) into representatives, greedily in
// input order: a point joins the nearest existing representative within the tolerance.
class VertexIndex {
public:
    VertexIndex(double tolerance_m, std::size_t expected_points) : m_tol(tolerance_m) {
        if (m_tol <= 0.0) m_exact.reserve(expected_points / 2);
        m_points.reserve(expected_points / 2);
    }

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

// Representative per point for exact equality (-0 equals +0), numbered in order of first
// appearance, as VertexIndex numbers them; `rep_points` gets each representative's first point.
std::vector<std::uint32_t> exact_representatives(const std::vector<Point>& points, std::vector<Point>& rep_points) {
    struct Keyed {
        std::uint64_t x;
        std::uint64_t y;
        std::uint32_t index;
    };
    const auto bits = [](double v) {
        if (v == 0.0) v = 0.0;
        std::uint64_t b = 0;
        std::memcpy(&b, &v, sizeof b);
        return b;
    };
    std::vector<Keyed> keyed(points.size());
    for (std::size_t i = 0; i < points.size(); ++i) {
        keyed[i] = {bits(points[i].x), bits(points[i].y), static_cast<std::uint32_t>(i)};
    }
    std::sort(keyed.begin(), keyed.end(), [](const Keyed& a, const Keyed& b) {
        return a.x != b.x ? a.x < b.x : a.y != b.y ? a.y < b.y : a.index < b.index;
    });
    // First point of each group, then representatives numbered in order of first appearance.
    std::vector<std::uint32_t> rep(points.size());
    for (std::size_t i = 0; i < keyed.size(); ++i) {
        const bool starts = i == 0 || keyed[i].x != keyed[i - 1].x || keyed[i].y != keyed[i - 1].y;
        rep[keyed[i].index] = starts ? keyed[i].index : rep[keyed[i - 1].index];
    }
    keyed = {};
    for (std::size_t i = 0; i < rep.size(); ++i) {
        if (rep[i] == i) {
            rep[i] = static_cast<std::uint32_t>(rep_points.size());
            rep_points.push_back(points[i]);
        } else {
            rep[i] = rep[rep[i]];  // its first point comes earlier and is numbered already
        }
    }
    return rep;
}

}  // namespace

namespace {

// Per-row speeds in both directions.
struct RowSpeeds {
    std::array<float, profile_count> forward_kmh{};
    std::array<float, profile_count> backward_kmh{};
};

// The rows of a line layer turned into speeds and line parts, whichever way the layer is read.
class RowBuilder {
public:
    RowBuilder(const LineNetworkOptions& options, const ProfileSpeeds& speeds, std::string where)
        : m_options(options), m_speeds(speeds), m_where(std::move(where)) {}

    [[nodiscard]] const std::string& where() const { return m_where; }
    [[nodiscard]] std::string row_where(std::size_t row, std::int64_t fid) const {
        return m_where + ", row " + std::to_string(row + 1) + " (fid " + std::to_string(fid) + ")";
    }

    // `value(f)` gives the value of option field f (nullptr when the option names no field).
    template <class Value>
    void add(std::size_t row, std::int64_t fid, Value&& value, const std::vector<LineString>& lines) {
        auto text_of = [&](const io::FieldValue* v) { return v != nullptr ? io::as_text(*v) : std::string(); };
        const io::FieldValue* class_v = value(m_options.class_field);
        const io::FieldValue* speed_v = value(m_options.speed_field);
        const io::FieldValue* oneway_v = value(m_options.oneway_field);
        const io::FieldValue* walk_v = value(m_options.walk_field);
        const io::FieldValue* bike_v = value(m_options.bike_field);
        std::string road_class;
        if (class_v != nullptr) road_class = lower_trimmed(text_of(class_v));
        const bool motorway = road_class == "motorway" || road_class == "motorway_link";
        const bool walk_ok = !motorway && !(walk_v != nullptr && is_false_value(lower_trimmed(text_of(walk_v))));
        const bool bike_ok = !motorway && !(bike_v != nullptr && is_false_value(lower_trimmed(text_of(bike_v))));

        double drive_kmh = m_speeds.drive_default_kmh;
        bool speed_given = false;
        if (speed_v != nullptr) {
            const io::FieldValue& v = *speed_v;
            const bool is_null = std::holds_alternative<std::monostate>(v);
            const bool is_number = std::holds_alternative<std::int64_t>(v) || std::holds_alternative<double>(v);
            // Numbers need no text: the common case of a numeric speed column costs no string.
            if (!is_null && (is_number || !lower_trimmed(io::as_text(v)).empty())) {
                const auto kmh = io::as_number(v);
                if (!kmh) {
                    throw input_error(row_where(row, fid) + ": field '" + m_options.speed_field + "' value '" +
                                      io::as_text(v) + "' is not a number (km/h)");
                }
                const Range& r = drive_kmh_range;
                const bool in_range = std::isfinite(*kmh) && *kmh >= r.min && *kmh <= r.max &&
                                      (!r.integer || std::floor(*kmh) == *kmh);  // range_problem's rule, without its text
                if (const std::string problem = in_range ? std::string() : range_problem(r, *kmh); !problem.empty()) {
                    throw input_error(row_where(row, fid) + ": field '" + m_options.speed_field + "' value '" +
                                      io::as_text(v) + "' is not a plausible speed: it " + problem +
                                      " (leave it empty to use the class or default speed)");
                }
                drive_kmh = *kmh;
                speed_given = true;
            }
        }
        if (!speed_given && class_v != nullptr) {
            if (is_non_motor_class(road_class)) {
                drive_kmh = 0.0;
            } else if (auto it = m_speeds.drive_kmh_by_highway.find(road_class); it != m_speeds.drive_kmh_by_highway.end()) {
                drive_kmh = it->second;
            } else {
                ++m_unknown_classes[road_class.empty() ? std::string("(empty)") : road_class];
            }
        }

        bool forward = true;
        bool backward = true;
        if (oneway_v != nullptr) {
            const std::string raw = text_of(oneway_v);
            const std::string v = lower_trimmed(raw);
            if (v == "yes" || v == "1" || v == "true" || v == "t" || v == "y") {
                backward = false;
            } else if (v == "-1" || v == "reverse") {
                forward = false;
            } else if (!(v.empty() || is_false_value(v))) {
                throw input_error(row_where(row, fid) + ": field '" + m_options.oneway_field + "' value '" + raw +
                                  "' is not a oneway value (yes/1/true, -1/reverse, no/0/false)");
            }
        }

        RowSpeeds s;
        auto set = [&](Profile p, double kmh, bool directed) {
            const auto i = static_cast<std::size_t>(p);
            s.forward_kmh[i] = static_cast<float>(!directed || forward ? kmh : 0.0);
            s.backward_kmh[i] = static_cast<float>(!directed || backward ? kmh : 0.0);
        };
        if (walk_ok) {
            set(Profile::walk, m_speeds.walk_kmh, false);
            set(Profile::elderly, m_speeds.elderly_kmh, false);
        }
        if (bike_ok) set(Profile::bike, m_speeds.bike_kmh, true);
        if (drive_kmh > 0.0) set(Profile::drive, drive_kmh, true);

        const auto speed_index = static_cast<std::uint32_t>(m_row_speeds.size());
        m_row_speeds.push_back(s);
        m_row_fid.push_back(fid);
        m_row_number.push_back(row);
        for (const LineString& line : lines) {
            if (line.size() < 2) continue;
            m_parts.push_back(Part{speed_index, points.size(), line.size()});
            points.insert(points.end(), line.begin(), line.end());
        }
    }

    // The warning about road classes with no speed, once per layer.
    void report_unknown_classes() const {
        if (m_unknown_classes.empty()) return;
        std::size_t rows = 0;
        std::string list;
        std::size_t shown = 0;
        for (const auto& [cls, n] : m_unknown_classes) {
            rows += n;
            if (shown++ < 8) list += (list.empty() ? "'" : ", '") + cls + "' (" + std::to_string(n) + ")";
        }
        if (m_unknown_classes.size() > 8) list += ", ...";
        char kmh[32];
        std::snprintf(kmh, sizeof kmh, "%g", m_speeds.drive_default_kmh);
        const std::string message = m_where + ": field '" + m_options.class_field + "': " + std::to_string(rows) +
             " rows have a road class with no speed in the table: " + list + "; they are driven at the default " +
             kmh + " km/h. Add them under [network.speeds.drive_by_highway] (e.g. \"主干路\" = 50)";
        if (m_options.read.diagnostics != nullptr) {
            m_options.read.diagnostics->warn(message);
        } else {
            kepu15::warn(message);
        }
    }

    // Joins the parts (points already in the working CRS) into a network.
    RoadNetwork build(const std::string& path) const {
        if (m_parts.empty()) throw input_error(m_where + ": no line features with at least two points");
        // Exact shared vertices (the DEFAULT) by sorting, which at millions of vertices is several
        // times faster and smaller than a hash map; near-misses through the grid index.
        std::vector<std::uint32_t> exact_rep;
        std::vector<Point> exact_points;
        std::optional<VertexIndex> index;
        if (m_options.snap_tolerance_m <= 0.0) {
            exact_rep = exact_representatives(points, exact_points);
        } else {
            index.emplace(m_options.snap_tolerance_m, points.size());
        }
        std::vector<detail::WayChain> ways;
        ways.reserve(m_parts.size());
        std::vector<std::uint32_t> chain;  // representatives per kept part, consecutive duplicates removed
        chain.reserve(points.size());
        for (const Part& part : m_parts) {
            detail::WayChain w;
            w.first = chain.size();
            for (std::size_t i = 0; i < part.count; ++i) {
                const std::uint32_t r = index ? index->add(points[part.first + i]) : exact_rep[part.first + i];
                if (chain.size() > w.first && chain.back() == r) continue;
                chain.push_back(r);
            }
            w.count = chain.size() - w.first;
            if (w.count < 2) {
                chain.resize(w.first);
                continue;
            }
            w.forward_kmh = m_row_speeds[part.row].forward_kmh;
            w.backward_kmh = m_row_speeds[part.row].backward_kmh;
            w.source_id = m_row_fid[part.row];
            ways.push_back(w);
        }
        if (ways.empty()) throw input_error(m_where + ": every line collapses to a point within the snap tolerance");
        return detail::split_ways(index ? index->points() : exact_points, chain, ways, path);
    }

    // REQUIRES: every point transformed. Throws input_error naming the row and vertex that is not finite.
    void check_finite(const std::string& to_crs) const {
        for (const Part& part : m_parts) {
            for (std::size_t k = 0; k < part.count; ++k) {
                if (!is_finite(points[part.first + k])) {
                    throw input_error(row_where(m_row_number[part.row], m_row_fid[part.row]) + ": vertex " +
                                      std::to_string(k) + " cannot be transformed to " + to_crs);
                }
            }
        }
    }

    // Keeps the runs of segments whose envelopes meet `box` (clip.hpp), each as a part of its own;
    // the points of the rest are dropped. REQUIRES: every point in the working CRS.
    void clip(const Box& box) {
        std::vector<Part> kept;
        std::size_t next = 0;  // runs move forward only, so the points compact in place
        for (const Part& part : m_parts) {
            const std::span<const Point> line(points.data() + part.first, part.count);
            for (const VertexRun& run : runs_in_box(line, box)) {
                std::copy(line.begin() + static_cast<std::ptrdiff_t>(run.first),
                          line.begin() + static_cast<std::ptrdiff_t>(run.first + run.count),
                          points.begin() + static_cast<std::ptrdiff_t>(next));
                kept.push_back(Part{part.row, next, run.count});
                next += run.count;
            }
        }
        points.resize(next);
        points.shrink_to_fit();
        m_parts = std::move(kept);
    }

    std::vector<Point> points;  // every kept part's vertices, one after another

private:
    struct Part {
        std::uint32_t row = 0;  // index into m_row_speeds
        std::size_t first = 0;  // into points
        std::size_t count = 0;
    };
    const LineNetworkOptions& m_options;
    const ProfileSpeeds& m_speeds;
    std::string m_where;
    std::vector<RowSpeeds> m_row_speeds;
    std::vector<std::int64_t> m_row_fid;
    std::vector<std::size_t> m_row_number;
    std::vector<Part> m_parts;
    std::map<std::string, std::size_t> m_unknown_classes;  // class value -> rows
};

// The plain case streamed through io::scan_lines; nullopt when the layer needs read_vector.
std::optional<RoadNetwork> read_streamed(const std::string& path, const LineNetworkOptions& options,
                                         const geo::Transformer& wgs84_to_working, const ProfileSpeeds& speeds) {
    io::LineScanOptions scan;
    scan.layer = options.read.layer;
    scan.crs = options.read.crs;
    scan.encoding = options.read.encoding;
    scan.attribute_filter = options.read.attribute_filter;
    if (options.clip_m) {
        scan.spatial_filter = *options.clip_m;
        scan.spatial_filter_crs = wgs84_to_working.to_crs();
    }
    for (const std::string* f : {&options.speed_field, &options.class_field, &options.oneway_field,
                                 &options.walk_field, &options.bike_field}) {
        if (!f->empty() && std::find(scan.fields.begin(), scan.fields.end(), *f) == scan.fields.end()) {
            scan.fields.push_back(*f);
        }
    }
    std::optional<RowBuilder> rows;
    std::string source_crs;
    std::size_t features = 0;
    const io::LineScanResult result = io::scan_lines(
        path, scan,
        [&](const io::LineScanInfo& info) {
            rows.emplace(options, speeds, info.where);
            source_crs = info.source_crs;
        },
        [&](const io::LineScanFeature& f) {
            ++features;
            const auto value = [&](const std::string& name) -> const io::FieldValue* {
                if (name.empty()) return nullptr;
                const auto it = std::find(scan.fields.begin(), scan.fields.end(), name);
                return &f.values[static_cast<std::size_t>(it - scan.fields.begin())];
            };
            rows->add(f.row, f.fid, value, f.lines);
        });
    if (result == io::LineScanResult::fallback || features == 0) return std::nullopt;  // read_vector's messages

    // Straight into the working CRS when the layer is already in it; otherwise through WGS84 as
    // read_vector does, with its latitude check.
    std::span<Point> pts(rows->points);
    if (source_crs != wgs84_to_working.to_crs()) {
        if (source_crs != geo::wgs84) {
            const geo::Transformer to_wgs84(source_crs, geo::wgs84);
            to_wgs84.forward(pts);
            for (const Point& p : pts) {
                if (!is_finite(p) || std::abs(p.y) > 90.0 || std::abs(p.x) > 540.0) return std::nullopt;
            }
        } else {
            for (const Point& p : pts) {
                if (std::abs(p.y) > 90.0 || std::abs(p.x) > 540.0) return std::nullopt;
            }
        }
        wgs84_to_working.forward(pts);
        rows->check_finite(wgs84_to_working.to_crs());
    }
    rows->report_unknown_classes();
    if (options.clip_m) rows->clip(*options.clip_m);
    return rows->build(path);
}

}  // namespace

RoadNetwork read_road_lines(const std::string& path, const LineNetworkOptions& options,
                            const geo::Transformer& wgs84_to_working, const ProfileSpeeds& speeds) {
    if (auto net = read_streamed(path, options, wgs84_to_working, speeds)) return std::move(*net);

    const io::VectorLayer layer = io::read_vector(path, options.read);
    auto optional_field = [&](const std::string& name) -> std::optional<std::size_t> {
        if (name.empty()) return std::nullopt;
        return layer.field_index(name);  // throws input_error naming the field
    };
    const auto speed_idx = optional_field(options.speed_field);
    const auto class_idx = optional_field(options.class_field);
    const auto oneway_idx = optional_field(options.oneway_field);
    const auto walk_idx = optional_field(options.walk_field);
    const auto bike_idx = optional_field(options.bike_field);
    RowBuilder rows(options, speeds, layer.where());
    for (std::size_t row = 0; row < layer.features.size(); ++row) {
        const io::Feature& f = layer.features[row];
        if (f.geometry.kind != io::GeometryKind::line) {
            const char* kind = f.geometry.kind == io::GeometryKind::point     ? "point"
                               : f.geometry.kind == io::GeometryKind::polygon ? "polygon"
                                                                              : "no";
            throw input_error(rows.row_where(row, f.fid) + ": " + kind + " geometry; a road layer needs lines");
        }
        const auto value = [&](const std::string& name) -> const io::FieldValue* {
            const std::optional<std::size_t>* idx = name.empty()                  ? nullptr
                                                    : name == options.class_field  ? &class_idx
                                                    : name == options.speed_field  ? &speed_idx
                                                    : name == options.oneway_field ? &oneway_idx
                                                    : name == options.walk_field   ? &walk_idx
                                                                                   : &bike_idx;
            return idx != nullptr && idx->has_value() ? &f.values[**idx] : nullptr;
        };
        rows.add(row, f.fid, value, f.geometry.lines);
    }
    rows.report_unknown_classes();
    if (rows.points.empty()) throw input_error(layer.where() + ": no line features with at least two points");
    wgs84_to_working.forward(std::span<Point>(rows.points));
    rows.check_finite(wgs84_to_working.to_crs());
    if (options.clip_m) rows.clip(*options.clip_m);
    return rows.build(path);
}

}  // namespace kepu15::network
