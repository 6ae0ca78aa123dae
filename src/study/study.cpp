#include "kepu15/study/study.hpp"

#include "kepu15/error.hpp"
#include "kepu15/io/text_encoding.hpp"

#include <toml++/toml.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <set>
#include <sstream>

namespace kepu15::study {

namespace {

namespace fs = std::filesystem;

// Reads typed keys of one TOML table and reports unknown keys, so a typo is an error, not a silent
// default.
class Table {
public:
    Table(const toml::table* table, std::string where, std::string file)
        : m_table(table), m_where(std::move(where)), m_file(std::move(file)) {}

    [[nodiscard]] bool present() const { return m_table != nullptr; }

    std::optional<std::string> str(const std::string& key) {
        const toml::node* node = get(key);
        if (node == nullptr) return std::nullopt;
        if (const auto* s = node->as_string()) return s->get();
        fail(key, "a string");
    }
    std::optional<double> number(const std::string& key) {
        const toml::node* node = get(key);
        if (node == nullptr) return std::nullopt;
        if (const auto* i = node->as_integer()) return static_cast<double>(i->get());
        if (const auto* f = node->as_floating_point()) {
            if (!std::isfinite(f->get())) fail(key, "a finite number");
            return f->get();
        }
        fail(key, "a number");
    }
    std::optional<bool> boolean(const std::string& key) {
        const toml::node* node = get(key);
        if (node == nullptr) return std::nullopt;
        if (const auto* b = node->as_boolean()) return b->get();
        fail(key, "true or false");
    }
    std::optional<std::vector<std::string>> strings(const std::string& key) {
        const toml::node* node = get(key);
        if (node == nullptr) return std::nullopt;
        const auto* arr = node->as_array();
        if (arr == nullptr) fail(key, "an array of strings");
        std::vector<std::string> out;
        for (const auto& el : *arr) {
            const auto* s = el.as_string();
            if (s == nullptr) fail(key, "an array of strings");
            out.push_back(s->get());
        }
        return out;
    }
    std::optional<std::vector<double>> numbers(const std::string& key) {
        const toml::node* node = get(key);
        if (node == nullptr) return std::nullopt;
        const auto* arr = node->as_array();
        if (arr == nullptr) fail(key, "an array of numbers");
        std::vector<double> out;
        for (const auto& el : *arr) {
            if (const auto* i = el.as_integer()) {
                out.push_back(static_cast<double>(i->get()));
            } else if (const auto* f = el.as_floating_point()) {
                out.push_back(f->get());
            } else {
                fail(key, "an array of numbers");
            }
        }
        return out;
    }
    Table sub(const std::string& key) {
        const toml::node* node = get(key);
        const std::string where = m_where == "top level" ? key : m_where + "." + key;
        if (node == nullptr) return {nullptr, where, m_file};
        const auto* t = node->as_table();
        if (t == nullptr) fail(key, "a table");
        return {t, where, m_file};
    }
    std::string require_str(const std::string& key) {
        auto v = str(key);
        if (!v || v->empty()) {
            throw config_error(m_file + ": [" + m_where + "] needs the key '" + key + "'");
        }
        return *v;
    }
    // Keys of the table (for free-form tables such as population.groups).
    std::vector<std::string> keys() const {
        std::vector<std::string> out;
        if (m_table != nullptr) {
            for (const auto& [k, v] : *m_table) out.emplace_back(k.str());
        }
        return out;
    }
    // Throws when the table has keys that were never asked for.
    void check_unknown() const {
        if (m_table == nullptr) return;
        for (const auto& [k, v] : *m_table) {
            if (m_seen.count(std::string(k.str())) == 0) {
                throw config_error(m_file + ": unknown key '" + std::string(k.str()) + "' in [" + m_where + "]");
            }
        }
    }
    // The raw node of a key (for arrays of tables), marking it as known.
    const toml::node* raw(const std::string& key) { return get(key); }

private:
    const toml::node* get(const std::string& key) {
        m_seen.insert(key);
        return m_table == nullptr ? nullptr : m_table->get(key);
    }
    [[noreturn]] void fail(const std::string& key, const char* expected) const {
        throw config_error(m_file + ": [" + m_where + "] key '" + key + "' must be " + expected);
    }

    const toml::table* m_table;
    std::string m_where;
    std::string m_file;
    std::set<std::string> m_seen;
};

std::string resolve(const fs::path& base, const std::string& p) {
    if (p.rfind("PG:", 0) == 0) return p;  // a database connection, not a file
    fs::path path(p);
    if (path.is_relative()) path = base / path;
    return path.lexically_normal().string();
}

LayerSpec layer_spec(Table& t, const fs::path& base) {
    LayerSpec spec;
    spec.path = resolve(base, t.require_str("path"));
    spec.read.layer = t.str("layer").value_or("");
    spec.read.crs = t.str("crs").value_or("");
    spec.read.x_field = t.str("x_field").value_or("");
    spec.read.y_field = t.str("y_field").value_or("");
    spec.read.encoding = t.str("encoding").value_or("");
    return spec;
}

Method parse_method(const std::string& s, const std::string& file) {
    if (s == "crowfly") return Method::crowfly;
    if (s == "network") return Method::network;
    throw config_error(file + ": [coverage] unknown method '" + s + "' (use \"crowfly\" or \"network\")");
}

bool valid_kind(const std::string& k) {
    if (k.empty() || k.size() > 24) return false;
    for (char c : k) {
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return false;
    }
    return k[0] >= 'a' && k[0] <= 'z';
}

void in_range(const std::string& file, const std::string& where, const std::string& key, const Range& r, double v) {
    const std::string problem = range_problem(r, v);
    if (!problem.empty()) throw config_error(file + ": [" + where + "] key '" + key + "' " + problem);
}

void known_encoding(const io::ReadOptions& read, const std::string& file, const std::string& where) {
    if (!read.encoding.empty()) io::require_known_encoding(read.encoding, file + ": [" + where + "] key 'encoding'");
}

}  // namespace

Study load_study(const std::string& path) {
    if (!fs::exists(path)) throw config_error(path + ": study file not found");
    if (fs::is_directory(path)) throw config_error(path + ": is a folder; give the study file (e.g. study.toml)");
    toml::table root;
    try {
        root = toml::parse_file(path);
    } catch (const toml::parse_error& e) {
        std::ostringstream msg;
        msg << path << ":" << e.source().begin.line << ":" << e.source().begin.column << ": " << e.description();
        throw config_error(msg.str());
    }
    Study s;
    s.file = fs::absolute(path).lexically_normal().string();
    const fs::path base = fs::path(s.file).parent_path();
    const std::string& file = s.file;

    Table top(&root, "top level", file);
    {
        Table t = top.sub("study");
        s.name = t.str("name").value_or(fs::path(file).stem().string());
        s.working_crs = t.str("working_crs").value_or("");
        s.data_date = t.str("data_date").value_or("");
        s.output_crs = t.str("output_crs").value_or("");
        const std::string outside = t.str("outside").value_or("error");
        if (outside == "error") {
            s.outside = OutsidePolicy::error;
        } else if (outside == "drop") {
            s.outside = OutsidePolicy::drop;
        } else {
            throw config_error(file + ": [study] key 'outside' must be \"error\" or \"drop\"");
        }
        s.memory_limit_gb = t.number("memory_limit_gb").value_or(s.memory_limit_gb);
        if (!(s.memory_limit_gb >= 0) || s.memory_limit_gb > 1e6) {
            throw config_error(file + ": [study] memory_limit_gb must be between 0 (80 % of the machine) and 1e6");
        }
        t.check_unknown();
    }
    {
        Table t = top.sub("units");
        if (!t.present()) throw config_error(file + ": missing table [units] (the 区镇 polygons)");
        s.units.source = layer_spec(t, base);
        s.units.code_field = t.str("code_field").value_or("code");
        s.units.name_field = t.str("name_field").value_or("name");
        known_encoding(s.units.source.read, file, "units");
        t.check_unknown();
    }
    {
        Table t = top.sub("villages");
        if (t.present()) {
            VillageLayer v;
            v.source = layer_spec(t, base);
            v.code_field = t.str("code_field").value_or("code");
            v.name_field = t.str("name_field").value_or("name");
            v.town_field = t.str("town_field").value_or("");
            v.urban_field = t.str("urban_field").value_or("");
            known_encoding(v.source.read, file, "villages");
            t.check_unknown();
            s.villages = std::move(v);
        }
    }
    {
        Table t = top.sub("population");
        if (!t.present()) throw config_error(file + ": missing table [population] (the population raster)");
        s.population.path = resolve(base, t.require_str("path"));
        const double band = t.number("band").value_or(1);
        in_range(file, "population", "band", band_range, band);
        s.population.band = static_cast<int>(band);
        s.population.crs = t.str("crs").value_or("");
        const std::string negative = t.str("negative").value_or("error");
        if (negative == "error") {
            s.population.negative = io::NegativeValues::error;
        } else if (negative == "clamp") {
            s.population.negative = io::NegativeValues::clamp;
        } else {
            throw config_error(file + ": [population] key 'negative' must be \"error\" or \"clamp\" (got \"" +
                               negative + "\")");
        }
        Table groups = t.sub("groups");
        for (const auto& name : groups.keys()) {
            if (!valid_kind(name)) {
                throw config_error(file + ": [population.groups] name '" + name +
                                   "' must be lower-case letters, digits or '_'");
            }
            const double band = groups.number(name).value_or(0);
            in_range(file, "population.groups", name, band_range, band);
            s.population.groups.push_back({name, static_cast<int>(band)});
        }
        groups.check_unknown();
        t.check_unknown();
    }
    {
        Table t = top.sub("coverage");
        if (auto methods = t.strings("methods")) {
            s.methods.clear();
            for (const auto& m : *methods) {
                const Method method = parse_method(m, file);
                if (std::find(s.methods.begin(), s.methods.end(), method) != s.methods.end()) {
                    throw config_error(file + ": [coverage] method '" + m + "' is listed twice");
                }
                s.methods.push_back(method);
            }
            if (s.methods.empty()) throw config_error(file + ": [coverage] methods must not be empty");
        }
        s.radius_m = t.number("radius_m").value_or(s.radius_m);
        in_range(file, "coverage", "radius_m", radius_m_range, s.radius_m);
        s.minutes = t.number("minutes").value_or(s.minutes);
        in_range(file, "coverage", "minutes", minutes_range, s.minutes);
        s.horizon_minutes = t.number("horizon_minutes").value_or(s.horizon_minutes);
        in_range(file, "coverage", "horizon_minutes", minutes_range, s.horizon_minutes);
        if (auto profiles = t.strings("profiles")) {
            s.profiles.clear();
            for (const auto& p : *profiles) {
                auto prof = network::parse_profile(p);
                if (!prof) {
                    throw config_error(file + ": [coverage] unknown profile '" + p +
                                       "' (use walk, elderly, bike or drive)");
                }
                if (std::find(s.profiles.begin(), s.profiles.end(), *prof) != s.profiles.end()) {
                    throw config_error(file + ": [coverage] profile '" + p +
                                       "' is listed twice (each profile names output fields once)");
                }
                s.profiles.push_back(*prof);
            }
        }
        if (auto iso = t.numbers("isochrone_minutes")) {
            s.isochrone_minutes = *iso;
            for (double m : s.isochrone_minutes) in_range(file, "coverage", "isochrone_minutes", minutes_range, m);
            std::vector<double> sorted = s.isochrone_minutes;
            std::sort(sorted.begin(), sorted.end());
            if (std::adjacent_find(sorted.begin(), sorted.end()) != sorted.end()) {
                throw config_error(file + ": [coverage] isochrone_minutes lists a value twice");
            }
        }
        s.isochrones = t.boolean("isochrones").value_or(s.isochrones);
        s.isochrone_cell_m = t.number("isochrone_cell_m").value_or(s.isochrone_cell_m);
        in_range(file, "coverage", "isochrone_cell_m", isochrone_cell_m_range, s.isochrone_cell_m);
        s.travel_time_rasters = t.boolean("travel_time_rasters").value_or(s.travel_time_rasters);
        if (auto sa = t.str("service_areas")) {
            if (*sa != "per-kind" && *sa != "per-facility") {
                throw config_error(file + ": [coverage] service_areas must be \"per-kind\" or \"per-facility\", not '" +
                                   *sa + "'");
            }
            s.service_areas_per_facility = *sa == "per-facility";
        }
        s.gap_min_population = t.number("gap_min_population").value_or(s.gap_min_population);
        in_range(file, "coverage", "gap_min_population", gap_min_population_range, s.gap_min_population);
        t.check_unknown();
    }
    const toml::node* facilities = top.raw("facilities");
    if (facilities == nullptr || facilities->as_array() == nullptr || facilities->as_array()->empty()) {
        throw config_error(file + ": needs at least one [[facilities]] table");
    }
    std::set<std::string> kinds;
    std::size_t i = 0;
    for (const auto& el : *facilities->as_array()) {
        const auto* tt = el.as_table();
        const std::string where = "facilities #" + std::to_string(++i);
        if (tt == nullptr) throw config_error(file + ": [[facilities]] entries must be tables");
        Table t(tt, where, file);
        FacilityLayer f;
        f.kind = t.require_str("kind");
        if (!valid_kind(f.kind)) {
            throw config_error(file + ": [" + where + "] kind '" + f.kind +
                               "' must be 1-24 lower-case letters, digits or '_' (it names output fields)");
        }
        if (!kinds.insert(f.kind).second) throw config_error(file + ": facility kind '" + f.kind + "' appears twice");
        f.label = t.str("label").value_or(f.kind);
        f.source = layer_spec(t, base);
        f.id_field = t.str("id_field").value_or("");
        f.name_field = t.str("name_field").value_or("");
        f.capacity_field = t.str("capacity_field").value_or("");
        if (const toml::node* n = t.raw("filter")) {
            if (const auto* text = n->as_string()) {
                f.source.read.attribute_filter = text->get();
            } else if (const auto* table = n->as_table(); table != nullptr && !table->empty()) {
                for (const auto& [k, v] : *table) {
                    FieldEquals cond{std::string(k.str()), 0.0};
                    if (const auto* b = v.as_boolean()) {
                        cond.value = b->get() ? 1.0 : 0.0;
                    } else if (const auto* i = v.as_integer()) {
                        cond.value = static_cast<double>(i->get());
                    } else if (const auto* d = v.as_floating_point()) {
                        cond.value = d->get();
                    } else if (const auto* str = v.as_string()) {
                        cond.value = str->get();
                    } else {
                        throw config_error(file + ": [" + where + "] filter." + cond.field +
                                           " must be a number, a string or true/false");
                    }
                    f.select.push_back(std::move(cond));
                }
            } else {
                throw config_error(file + ": [" + where +
                                   "] filter must be an OGR SQL string or a non-empty table { field = value }");
            }
        }
        f.radius_m = t.number("radius_m");
        if (f.radius_m) in_range(file, where, "radius_m", radius_m_range, *f.radius_m);
        f.minutes = t.number("minutes");
        if (f.minutes) in_range(file, where, "minutes", minutes_range, *f.minutes);
        known_encoding(f.source.read, file, where);
        t.check_unknown();
        s.facilities.push_back(std::move(f));
    }
    {
        Table t = top.sub("network");
        if (t.present()) {
            NetworkSpec n;
            n.path = resolve(base, t.require_str("path"));
            n.read.layer = t.str("layer").value_or("");
            n.read.crs = t.str("crs").value_or("");
            n.read.encoding = t.str("encoding").value_or("");
            n.speed_field = t.str("speed_field").value_or("");
            n.class_field = t.str("class_field").value_or("");
            n.oneway_field = t.str("oneway_field").value_or("");
            n.walk_field = t.str("walk_field").value_or("");
            n.bike_field = t.str("bike_field").value_or("");
            n.snap_tolerance_m = t.number("snap_tolerance_m").value_or(0.0);
            in_range(file, "network", "snap_tolerance_m", snap_tolerance_m_range, n.snap_tolerance_m);
            n.max_snap_m = t.number("max_snap_m").value_or(n.max_snap_m);
            in_range(file, "network", "max_snap_m", max_snap_m_range, n.max_snap_m);
            known_encoding(n.read, file, "network");
            Table sp = t.sub("speeds");
            n.speeds.walk_kmh = sp.number("walk_kmh").value_or(n.speeds.walk_kmh);
            n.speeds.elderly_kmh = sp.number("elderly_kmh").value_or(n.speeds.elderly_kmh);
            n.speeds.bike_kmh = sp.number("bike_kmh").value_or(n.speeds.bike_kmh);
            n.speeds.drive_default_kmh = sp.number("drive_default_kmh").value_or(n.speeds.drive_default_kmh);
            // Road class -> drive km/h: OSM highway values or the values of class_field, e.g.
            // "主干路" = 50. Entries replace or extend the defaults.
            Table by_class = sp.sub("drive_by_highway");
            for (const auto& cls : by_class.keys()) {
                const double v = by_class.number(cls).value_or(0);
                in_range(file, "network.speeds.drive_by_highway", cls, network::drive_kmh_range, v);
                n.speeds.drive_kmh_by_highway[cls] = v;
            }
            by_class.check_unknown();
            n.speeds.validate(file + ": [network.speeds]");
            sp.check_unknown();
            t.check_unknown();
            s.network = std::move(n);
        }
    }
    {
        Table t = top.sub("access");
        if (t.present()) {
            AccessSpec a;
            const std::string method = t.str("method").value_or("2sfca");
            const auto m = access::parse_method(method);
            if (!m) throw config_error(file + ": [access] method '" + method + "' (use 2sfca, e2sfca or gravity)");
            a.options.method = *m;
            a.options.decay = access::default_decay(*m);
            if (auto d = t.str("decay")) {
                const auto decay = access::parse_decay(*d);
                if (!decay) {
                    throw config_error(file + ": [access] decay '" + *d + "' (use none, stepped, gaussian or power)");
                }
                a.options.decay = *decay;
            }
            if (auto w = t.numbers("step_weights")) a.options.step_weights = *w;
            a.options.beta = t.number("beta").value_or(a.options.beta);
            a.catchment_minutes = t.number("catchment_minutes");
            if (a.catchment_minutes) in_range(file, "access", "catchment_minutes", minutes_range, *a.catchment_minutes);
            a.catchment_m = t.number("catchment_m");
            if (a.catchment_m) in_range(file, "access", "catchment_m", radius_m_range, *a.catchment_m);
            try {
                access::check_options(a.options);
            } catch (const config_error& e) {
                throw config_error(file + ": [access] " + e.what());
            }
            s.access = a;
            t.check_unknown();
        }
    }
    {
        Table t = top.sub("layers");
        if (t.present()) {
            if (auto water = t.str("water")) s.water_path = resolve(base, *water);
            t.check_unknown();
        }
    }
    for (Method m : s.methods) {
        if (m == Method::network && !s.network) {
            throw config_error(file + ": [coverage] method \"network\" needs a [network] table with a path");
        }
    }
    if (s.profiles.empty()) throw config_error(file + ": [coverage] profiles must not be empty");
    for (const auto& f : s.facilities) {
        if (s.minutes_for(f) > s.horizon_minutes) {
            throw config_error(file + ": [coverage] horizon_minutes (" + std::to_string(s.horizon_minutes) +
                               ") is below the threshold of kind '" + f.kind + "' (" +
                               std::to_string(s.minutes_for(f)) + " min); raise horizon_minutes");
        }
    }
    top.check_unknown();
    return s;
}

bool Study::uses(Method m) const {
    for (Method x : methods) {
        if (x == m) return true;
    }
    return false;
}

}  // namespace kepu15::study
