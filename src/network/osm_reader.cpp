#include "kepu15/network/osm_reader.hpp"

#include "kepu15/network/detail/split_ways.hpp"

#include "kepu15/error.hpp"

#include <osmium/handler.hpp>
#include <osmium/io/any_input.hpp>
#include <osmium/osm/node.hpp>
#include <osmium/osm/way.hpp>
#include <osmium/visitor.hpp>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <limits>
#include <string_view>
#include <unordered_set>

namespace kepu15::network {

namespace detail {

// Per-direction speeds of one OSM way for every profile (0 = not allowed).
struct WaySpeeds {
    std::array<float, profile_count> forward_kmh{};
    std::array<float, profile_count> backward_kmh{};
    [[nodiscard]] bool any() const {
        for (std::size_t i = 0; i < profile_count; ++i) {
            if (forward_kmh[i] > 0.0F || backward_kmh[i] > 0.0F) return true;
        }
        return false;
    }
};

enum class Access { unspecified, allowed, denied };

inline bool is_one_of(std::string_view value, std::initializer_list<std::string_view> list) {
    return std::find(list.begin(), list.end(), value) != list.end();
}

inline Access access_value(const char* value) {
    if (value == nullptr) return Access::unspecified;
    const std::string_view v{value};
    if (is_one_of(v, {"yes", "designated", "permissive", "destination", "customers", "official", "public"})) {
        return Access::allowed;
    }
    if (is_one_of(v, {"no", "private", "military", "agricultural", "forestry", "delivery", "use_sidepath",
                      "emergency", "restricted"})) {
        return Access::denied;
    }
    return Access::unspecified;  // unknown value: fall back to the more general key
}

// Most specific key with a known value decides (e.g. access < vehicle < motor_vehicle < motorcar).
inline Access resolve_access(const osmium::TagList& tags, std::initializer_list<const char*> general_to_specific) {
    for (auto it = std::rbegin(general_to_specific); it != std::rend(general_to_specific); ++it) {
        const Access a = access_value(tags[*it]);
        if (a != Access::unspecified) return a;
    }
    return Access::unspecified;
}

// Classes people may walk and cycle along (subject to access tags); motorways are never walkable.
inline bool is_path_class(std::string_view hw) {
    return is_one_of(hw, {"trunk", "trunk_link", "primary", "primary_link", "secondary", "secondary_link",
                          "tertiary", "tertiary_link", "unclassified", "residential", "living_street",
                          "service", "road", "track", "pedestrian", "footway", "path", "steps", "cycleway",
                          "bridleway", "corridor"});
}

// Classes where cycling needs an explicit bicycle=yes/designated/permissive.
inline bool is_foot_only_class(std::string_view hw) {
    return is_one_of(hw, {"footway", "steps", "pedestrian", "corridor", "bridleway"});
}

inline bool is_never_routable(std::string_view hw) {
    return is_one_of(hw, {"proposed", "construction", "abandoned", "disused", "razed", "platform", "raceway",
                          "bus_guideway", "rest_area", "services", "emergency_bay", "escape", "no"});
}

// maxspeed in km/h: "50", "50 km/h", "30 mph", "10 knots"; nullopt for "none", "CN:urban", "walk", ...
// Any magnitude; parse_maxspeed() below keeps plausible ones only.
inline std::optional<double> parse_maxspeed_any(const char* value) {
    if (value == nullptr) return std::nullopt;
    const char* begin = value;
    while (*begin == ' ') ++begin;
    if (*begin < '0' || *begin > '9') return std::nullopt;
    char* end = nullptr;
    const double number = std::strtod(begin, &end);
    if (end == begin || !(number > 0.0) || !std::isfinite(number)) return std::nullopt;
    std::string_view unit{end};
    while (!unit.empty() && unit.front() == ' ') unit.remove_prefix(1);
    while (!unit.empty() && unit.back() == ' ') unit.remove_suffix(1);
    if (unit.empty() || is_one_of(unit, {"km/h", "kmh", "kph"})) return number;
    if (unit == "mph") return number * 1.609344;
    if (unit == "knots") return number * 1.852;
    return std::nullopt;
}

// maxspeed in km/h within drive_kmh_range; an implausible one (0.0001, 1e15) counts as untagged.
inline std::optional<double> parse_maxspeed(const char* value) {
    const auto kmh = parse_maxspeed_any(value);
    if (kmh && !range_problem(drive_kmh_range, *kmh).empty()) return std::nullopt;
    return kmh;
}

enum class Oneway { unspecified, both, forward, backward, reversible };

inline Oneway oneway_value(const char* value) {
    if (value == nullptr) return Oneway::unspecified;
    const std::string_view v{value};
    if (is_one_of(v, {"yes", "true", "1"})) return Oneway::forward;
    if (is_one_of(v, {"-1", "reverse"})) return Oneway::backward;
    if (is_one_of(v, {"no", "false", "0"})) return Oneway::both;
    if (is_one_of(v, {"reversible", "alternating"})) return Oneway::reversible;
    return Oneway::unspecified;
}

inline void set_speed(WaySpeeds& s, Profile p, Oneway dir, double fwd_kmh, double bwd_kmh) {
    const auto i = static_cast<std::size_t>(p);
    if (dir != Oneway::backward) s.forward_kmh[i] = static_cast<float>(fwd_kmh);
    if (dir != Oneway::forward) s.backward_kmh[i] = static_cast<float>(bwd_kmh);
}

WaySpeeds way_speeds(const osmium::TagList& tags, const ProfileSpeeds& speeds) {
    WaySpeeds s;
    const char* hw_tag = tags["highway"];
    if (hw_tag == nullptr) return s;
    const std::string_view hw{hw_tag};
    if (is_never_routable(hw)) return s;
    const bool in_table = speeds.drive_kmh_by_highway.count(std::string(hw)) > 0;
    const bool motorway = hw == "motorway" || hw == "motorway_link";
    const bool motorroad = access_value(tags["motorroad"]) == Access::allowed;
    const bool walkable_class = !motorway && (is_path_class(hw) || in_table);

    // Oneway: explicit tag, else implied by roundabouts and motorways.
    Oneway oneway = oneway_value(tags["oneway"]);
    if (oneway == Oneway::unspecified) {
        const char* junction = tags["junction"];
        if ((junction != nullptr && (std::strcmp(junction, "roundabout") == 0 ||
                                     std::strcmp(junction, "circular") == 0)) ||
            hw == "motorway") {
            oneway = Oneway::forward;
        } else {
            oneway = Oneway::both;
        }
    }

    // walk / elderly
    const Access foot = resolve_access(tags, {"access", "foot"});
    if (walkable_class && foot != Access::denied && (!motorroad || foot == Access::allowed)) {
        set_speed(s, Profile::walk, Oneway::both, speeds.walk_kmh, speeds.walk_kmh);
        set_speed(s, Profile::elderly, Oneway::both, speeds.elderly_kmh, speeds.elderly_kmh);
    }

    // bike
    const Access bicycle = resolve_access(tags, {"access", "vehicle", "bicycle"});
    const bool bike_class_ok = walkable_class && (!is_foot_only_class(hw) || bicycle == Access::allowed) &&
                               (!motorroad || bicycle == Access::allowed);
    if (bike_class_ok && bicycle != Access::denied) {
        Oneway bike_dir = oneway == Oneway::reversible ? Oneway::both : oneway;
        const Oneway own = oneway_value(tags["oneway:bicycle"]);
        const char* cycleway = tags["cycleway"];
        if (own != Oneway::unspecified && own != Oneway::reversible) {
            bike_dir = own;
        } else if (cycleway != nullptr && std::strncmp(cycleway, "opposite", 8) == 0) {
            bike_dir = Oneway::both;  // contraflow lane or track
        }
        set_speed(s, Profile::bike, bike_dir, speeds.bike_kmh, speeds.bike_kmh);
    }

    // drive
    const Access motor = resolve_access(tags, {"access", "vehicle", "motor_vehicle", "motorcar"});
    const bool drive_class_ok = in_table || (motor == Access::allowed && !is_foot_only_class(hw) &&
                                             hw != "path" && hw != "cycleway");
    if (drive_class_ok && motor != Access::denied && oneway != Oneway::reversible) {
        double class_kmh = speeds.drive_default_kmh;
        if (auto it = speeds.drive_kmh_by_highway.find(std::string(hw)); it != speeds.drive_kmh_by_highway.end()) {
            class_kmh = it->second;
        }
        const double both_kmh = parse_maxspeed(tags["maxspeed"]).value_or(class_kmh);
        const double fwd_kmh = parse_maxspeed(tags["maxspeed:forward"]).value_or(both_kmh);
        const double bwd_kmh = parse_maxspeed(tags["maxspeed:backward"]).value_or(both_kmh);
        if (fwd_kmh > 0.0 && bwd_kmh > 0.0) set_speed(s, Profile::drive, oneway, fwd_kmh, bwd_kmh);
    }
    return s;
}

}  // namespace detail

namespace {

constexpr std::uint32_t none = std::numeric_limits<std::uint32_t>::max();

struct StoredWay {
    std::int64_t id = 0;
    std::size_t first_ref = 0;
    std::size_t ref_count = 0;
    detail::WaySpeeds speeds;
};

// Collects node locations and routable highway ways in one pass (PBF/XML list nodes before ways).
class CollectHandler : public osmium::handler::Handler {
public:
    explicit CollectHandler(const ProfileSpeeds& speeds) : m_speeds(speeds) {}

    void node(const osmium::Node& node) {
        const osmium::Location loc = node.location();
        if (!loc.valid()) return;
        node_ids.push_back(node.id());
        node_lonlat.push_back(Point{loc.lon_without_check(), loc.lat_without_check()});
    }

    void way(const osmium::Way& way) {
        ++way_count;
        if (way.tags()["highway"] == nullptr) return;
        ++highway_count;
        for (const char* key : {"maxspeed", "maxspeed:forward", "maxspeed:backward"}) {
            const char* v = way.tags()[key];
            if (detail::parse_maxspeed_any(v) && !detail::parse_maxspeed(v)) {
                if (implausible_maxspeed++ == 0) implausible_example = std::to_string(way.id()) + " (" + key + "=" + v + ")";
            }
        }
        const detail::WaySpeeds s = detail::way_speeds(way.tags(), m_speeds);
        if (!s.any() || way.nodes().size() < 2) return;
        StoredWay w;
        w.id = way.id();
        w.first_ref = refs.size();
        for (const auto& nr : way.nodes()) refs.push_back(nr.ref());
        w.ref_count = refs.size() - w.first_ref;
        w.speeds = s;
        ways.push_back(w);
    }

    std::vector<std::int64_t> node_ids;
    std::vector<Point> node_lonlat;
    std::vector<std::int64_t> refs;
    std::vector<StoredWay> ways;
    std::size_t way_count = 0;
    std::size_t highway_count = 0;
    std::size_t implausible_maxspeed = 0;
    std::string implausible_example;

private:
    const ProfileSpeeds& m_speeds;
};

}  // namespace

RoadNetwork read_osm(const std::string& path, const geo::Transformer& wgs84_to_working,
                     const ProfileSpeeds& speeds, Diagnostics* diag) {
    const auto warn = [diag](const std::string& message) {
        if (diag != nullptr) {
            diag->warn(message);
        } else {
            kepu15::warn(message);
        }
    };
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec)) {
        throw input_error(path + ": is a folder, not an OSM file (.osm.pbf, .osm, .osm.gz, .osm.bz2)");
    }
    if (!std::filesystem::is_regular_file(path, ec)) {
        throw input_error(path + ": OSM file not found");
    }
    CollectHandler handler{speeds};
    try {
        osmium::io::Reader reader{osmium::io::File{path},
                                  osmium::osm_entity_bits::node | osmium::osm_entity_bits::way};
        osmium::apply(reader, handler);
        reader.close();
    } catch (const kepu15::error&) {
        throw;
    } catch (const std::exception& e) {
        throw input_error(path + ": cannot read OSM file: " + e.what());
    }
    if (handler.way_count == 0) throw input_error(path + ": OSM file has no ways");
    if (handler.ways.empty()) {
        throw input_error(path + ": OSM file has no routable highway ways (" + std::to_string(handler.way_count) +
                          " ways, " + std::to_string(handler.highway_count) + " with a highway tag)");
    }

    // Node index sorted by id (PBF files usually are already); the last duplicate wins.
    auto& ids = handler.node_ids;
    auto& lonlat = handler.node_lonlat;
    if (!std::is_sorted(ids.begin(), ids.end())) {
        std::vector<std::size_t> order(ids.size());
        for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
        std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return ids[a] < ids[b]; });
        std::vector<std::int64_t> sorted_ids(ids.size());
        std::vector<Point> sorted_lonlat(ids.size());
        for (std::size_t i = 0; i < order.size(); ++i) {
            sorted_ids[i] = ids[order[i]];
            sorted_lonlat[i] = lonlat[order[i]];
        }
        ids.swap(sorted_ids);
        lonlat.swap(sorted_lonlat);
    }
    {
        std::size_t conflicting = 0;
        std::string example;
        for (std::size_t i = 1; i < ids.size(); ++i) {
            if (ids[i] == ids[i - 1] && !(lonlat[i] == lonlat[i - 1])) {
                if (conflicting++ == 0) example = std::to_string(ids[i]);
            }
        }
        if (conflicting > 0) {
            warn(path + ": " + std::to_string(conflicting) + " node ids appear more than once with different "
                 "coordinates (first: node " + example + "); the last one in the file is used. The file may "
                 "merge extracts with clashing ids");
        }
    }
    if (handler.implausible_maxspeed > 0) {
        warn(path + ": " + std::to_string(handler.implausible_maxspeed) + " maxspeed tags lie outside " +
             short_number(drive_kmh_range.min) + ".." + short_number(drive_kmh_range.max) +
             " km/h (first: way " + handler.implausible_example + "); those ways use their class speed");
    }
    auto find_node = [&](std::int64_t id) -> std::uint32_t {
        auto it = std::upper_bound(ids.begin(), ids.end(), id);
        if (it == ids.begin() || *(it - 1) != id) return none;
        return static_cast<std::uint32_t>((it - 1) - ids.begin());
    };

    // Resolve references to node indices; drop missing nodes and repeated consecutive references.
    std::vector<std::uint32_t> way_nodes;  // per stored way, [first_ref, first_ref + ref_count) rewritten
    way_nodes.reserve(handler.refs.size());
    std::size_t missing = 0;
    std::vector<StoredWay> kept;
    kept.reserve(handler.ways.size());
    for (const StoredWay& w : handler.ways) {
        StoredWay r = w;
        r.first_ref = way_nodes.size();
        for (std::size_t k = 0; k < w.ref_count; ++k) {
            const std::uint32_t n = find_node(handler.refs[w.first_ref + k]);
            if (n == none) {
                ++missing;
                continue;
            }
            if (way_nodes.size() > r.first_ref && way_nodes.back() == n) continue;
            way_nodes.push_back(n);
        }
        r.ref_count = way_nodes.size() - r.first_ref;
        if (r.ref_count < 2) {
            way_nodes.resize(r.first_ref);
            continue;
        }
        kept.push_back(r);
    }
    if (missing > 0) {
        warn(path + ": " + std::to_string(missing) + " node references of highway ways point to nodes missing "
             "from the file; those vertices were dropped");
    }
    if (kept.empty()) throw input_error(path + ": no routable highway way has two nodes with known locations");

    // Project every node used by a kept way in one batch.
    std::vector<std::uint32_t> proj_index(ids.size(), none);
    std::vector<Point> projected;
    for (std::uint32_t n : way_nodes) {
        if (proj_index[n] == none) {
            proj_index[n] = static_cast<std::uint32_t>(projected.size());
            projected.push_back(lonlat[n]);
        }
    }
    wgs84_to_working.forward(std::span<Point>(projected));
    for (std::size_t n = 0; n < ids.size(); ++n) {
        if (proj_index[n] != none && !is_finite(projected[proj_index[n]])) {
            throw input_error(path + ": node " + std::to_string(ids[n]) + " at " + std::to_string(lonlat[n].x) +
                              ", " + std::to_string(lonlat[n].y) + " cannot be transformed to " +
                              wgs84_to_working.to_crs());
        }
    }

    // Way vertices as indices into `projected`.
    for (std::uint32_t& n : way_nodes) n = proj_index[n];
    std::vector<detail::WayChain> ways;
    ways.reserve(kept.size());
    for (const StoredWay& w : kept) {
        ways.push_back({w.first_ref, w.ref_count, w.speeds.forward_kmh, w.speeds.backward_kmh, w.id});
    }
    return detail::split_ways(projected, way_nodes, ways, path);
}

}  // namespace kepu15::network
