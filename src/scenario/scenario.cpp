#include "kepu15/scenario/scenario.hpp"

#include "kepu15/error.hpp"

#include <toml++/toml.h>

#include <cmath>
#include <filesystem>
#include <sstream>

namespace kepu15::scenario {

namespace {

namespace fs = std::filesystem;

int line_of(const toml::node* n) { return n == nullptr ? 0 : static_cast<int>(n->source().begin.line); }

// Reads typed keys of one TOML table; every message names the file and the line of the offending
// key (or of the table when a key is missing); keys never asked for are refused.
class Table {
public:
    Table(const toml::table* t, std::string where, const std::string* file) : m_t(t), m_where(std::move(where)), m_file(file) {}

    [[nodiscard]] bool present() const { return m_t != nullptr; }
    [[nodiscard]] int line() const { return line_of(m_t); }
    [[nodiscard]] const std::string& where() const { return m_where; }

    [[noreturn]] void fail_at(int line, const std::string& msg) const {
        std::ostringstream s;
        s << *m_file;
        if (line > 0) s << ":" << line;
        s << ": " << (m_where.empty() ? "" : "[" + m_where + "] ") << msg;
        throw config_error(s.str());
    }
    [[noreturn]] void fail_key(const std::string& key, const std::string& msg) const { fail_at(line_of(node(key)), "key '" + key + "' " + msg); }

    const toml::node* get(const std::string& key) {
        m_seen.insert(key);
        return node(key);
    }
    std::optional<std::string> str(const std::string& key) {
        const toml::node* n = get(key);
        if (n == nullptr) return std::nullopt;
        if (const auto* s = n->as_string()) return s->get();
        fail_key(key, "must be a string");
    }
    std::string require_str(const std::string& key) {
        auto v = str(key);
        if (!v || v->empty()) fail_at(line(), "needs the key '" + key + "'");
        return *v;
    }
    std::optional<double> number(const std::string& key) {
        const toml::node* n = get(key);
        if (n == nullptr) return std::nullopt;
        if (const auto* i = n->as_integer()) return static_cast<double>(i->get());
        if (const auto* f = n->as_floating_point()) {
            if (!std::isfinite(f->get())) fail_key(key, "must be a finite number");
            return f->get();
        }
        fail_key(key, "must be a number");
    }
    std::optional<double> positive(const std::string& key) {
        auto v = number(key);
        if (v && !(*v > 0)) fail_key(key, "must be > 0");
        return v;
    }
    std::vector<std::string> strings(const toml::node* n, const std::string& key) const {
        const auto* arr = n->as_array();
        if (arr == nullptr) fail_key(key, "must be an array of strings");
        std::vector<std::string> out;
        for (const auto& el : *arr) {
            const auto* s = el.as_string();
            if (s == nullptr) fail_at(line_of(&el), "key '" + key + "' must be an array of strings");
            out.push_back(s->get());
        }
        return out;
    }
    Table sub(const std::string& key) {
        const toml::node* n = get(key);
        const std::string where = m_where.empty() ? key : m_where + "." + key;
        if (n == nullptr) return {nullptr, where, m_file};
        if (n->as_table() == nullptr) fail_key(key, "must be a table");
        return {n->as_table(), where, m_file};
    }
    [[nodiscard]] std::vector<std::string> keys() const {
        std::vector<std::string> out;
        if (m_t != nullptr) {
            for (const auto& [k, v] : *m_t) out.emplace_back(k.str());
        }
        return out;
    }
    void check_unknown() const {
        if (m_t == nullptr) return;
        for (const auto& [k, v] : *m_t) {
            if (m_seen.count(std::string(k.str())) == 0) {
                fail_at(static_cast<int>(k.source().begin.line), "unknown key '" + std::string(k.str()) + "'");
            }
        }
    }

private:
    [[nodiscard]] const toml::node* node(const std::string& key) const { return m_t == nullptr ? nullptr : m_t->get(key); }

    const toml::table* m_t;
    std::string m_where;
    const std::string* m_file;
    std::set<std::string> m_seen;
};

std::string resolve(const fs::path& base, const std::string& p) {
    fs::path path(p);
    if (path.is_relative()) path = base / path;
    return path.lexically_normal().string();
}

bool valid_kind(const std::string& k) {
    if (k.empty() || k.size() > 24 || !(k[0] >= 'a' && k[0] <= 'z')) return false;
    for (char c : k) {
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return false;
    }
    return true;
}

std::string kind_of(Table& t) {
    const std::string kind = t.require_str("kind");
    if (!valid_kind(kind)) t.fail_key("kind", "'" + kind + "' must be 1-24 lower-case letters, digits or '_'");
    return kind;
}

std::string existing_file(Table& t, const fs::path& base, const std::string& key, const char* what) {
    const std::string path = resolve(base, t.require_str(key));
    if (!fs::exists(path)) t.fail_key(key, std::string(what) + " '" + path + "' not found");
    return path;
}

std::map<std::string, AttributeValue> attributes_of(Table& a) {
    std::map<std::string, AttributeValue> out;
    for (const auto& key : a.keys()) {
        const toml::node* n = a.get(key);
        if (const auto* b = n->as_boolean()) {
            out[key] = b->get();
        } else if (const auto* i = n->as_integer()) {
            out[key] = static_cast<double>(i->get());
        } else if (const auto* f = n->as_floating_point()) {
            out[key] = f->get();
        } else if (const auto* s = n->as_string()) {
            out[key] = s->get();
        } else {
            a.fail_key(key, "must be a number, a string or true/false");
        }
    }
    a.check_unknown();
    return out;
}

std::map<std::string, AttributeValue> attributes(Table& t) {
    Table a = t.sub("attributes");
    return attributes_of(a);
}

// The tables of an array of tables `[[key]]`, each with its "key #n" label.
std::vector<Table> tables(Table& top, const std::string& key, const std::string* file) {
    std::vector<Table> out;
    const toml::node* n = top.get(key);
    if (n == nullptr) return out;
    const auto* arr = n->as_array();
    if (arr == nullptr) top.fail_key(key, "must be an array of tables ([[" + key + "]])");
    std::size_t i = 0;
    for (const auto& el : *arr) {
        ++i;
        if (el.as_table() == nullptr) top.fail_at(line_of(&el), "[[" + key + "]] entries must be tables");
        out.emplace_back(el.as_table(), key + " #" + std::to_string(i), file);
    }
    return out;
}

}  // namespace

bool Overrides::empty() const {
    return !radius_m && !minutes && kinds.empty() && !walk_kmh && !elderly_kmh && !bike_kmh && !drive_default_kmh;
}

Scenario load_scenario(const std::string& path) {
    if (!fs::exists(path)) throw config_error(path + ": scenario file not found");
    Scenario s;
    s.file = fs::absolute(path).lexically_normal().string();
    const fs::path base = fs::path(s.file).parent_path();
    toml::table root;
    try {
        root = toml::parse_file(s.file);
    } catch (const toml::parse_error& e) {
        std::ostringstream msg;
        msg << s.file << ":" << e.source().begin.line << ":" << e.source().begin.column << ": " << e.description();
        throw config_error(msg.str());
    }
    const std::string* file = &s.file;
    Table top(&root, "", file);
    {
        Table t = top.sub("scenario");
        if (!t.present()) top.fail_at(1, "missing table [scenario] (with at least baseline = \"study.toml\")");
        s.name = t.str("name").value_or(fs::path(s.file).stem().string());
        s.description = t.str("description").value_or("");
        s.baseline = existing_file(t, base, "baseline", "baseline study");
        // Shorthand: proposals = "site-run/proposals.geojson" (kinds from the layer's `kind` field).
        if (const toml::node* n = t.get("proposals")) {
            if (n->as_string() == nullptr) t.fail_key("proposals", "must be a path (or use [[proposals]] tables)");
            Proposals p;
            p.line = line_of(n);
            p.path = resolve(base, n->as_string()->get());
            if (!fs::exists(p.path)) t.fail_key("proposals", "names '" + p.path + "', which is not found");
            s.proposals.push_back(std::move(p));
        }
        t.check_unknown();
    }
    {
        Table t = top.sub("coverage");
        s.overrides.radius_m = t.positive("radius_m");
        s.overrides.minutes = t.positive("minutes");
        Table kinds = t.sub("kinds");
        for (const auto& kind : kinds.keys()) {
            Table k = kinds.sub(kind);
            if (!valid_kind(kind)) kinds.fail_key(kind, "is not a valid kind");
            KindThresholds th;
            th.line = k.line();
            th.radius_m = k.positive("radius_m");
            th.minutes = k.positive("minutes");
            k.check_unknown();
            s.overrides.kinds[kind] = th;
        }
        kinds.check_unknown();
        t.check_unknown();
    }
    {
        Table t = top.sub("network");
        Table sp = t.sub("speeds");
        s.overrides.walk_kmh = sp.positive("walk_kmh");
        s.overrides.elderly_kmh = sp.positive("elderly_kmh");
        s.overrides.bike_kmh = sp.positive("bike_kmh");
        s.overrides.drive_default_kmh = sp.positive("drive_default_kmh");
        sp.check_unknown();
        t.check_unknown();
    }
    std::map<std::string, std::set<std::string>> added;  // kind -> ids added inline
    for (Table& t : tables(top, "add", file)) {
        const std::string kind = kind_of(t);
        if (t.get("path") != nullptr) {
            AddedLayer l;
            l.kind = kind;
            l.line = t.line();
            l.path = existing_file(t, base, "path", "layer");
            l.layer = t.str("layer").value_or("");
            l.crs = t.str("crs").value_or("");
            l.id_field = t.str("id_field").value_or("");
            l.name_field = t.str("name_field").value_or("");
            l.capacity_field = t.str("capacity_field").value_or("");
            t.check_unknown();
            s.add_layers.push_back(std::move(l));
            continue;
        }
        AddedPoint p;
        p.kind = kind;
        p.line = t.line();
        p.id = t.require_str("id");
        if (!added[kind].insert(p.id).second) t.fail_key("id", "'" + p.id + "' is added twice for kind '" + kind + "'");
        p.name = t.str("name").value_or(p.id);
        const auto lon = t.number("lon");
        const auto lat = t.number("lat");
        if (!lon || !lat) t.fail_at(t.line(), "needs lon and lat (or path = a layer of facilities)");
        p.x = *lon;
        p.y = *lat;
        p.crs = t.str("crs").value_or(p.crs);
        if (p.crs == "EPSG:4326" || p.crs == "GCJ-02" || p.crs == "BD-09") {
            if (std::abs(p.x) > 180) t.fail_key("lon", "is outside [-180, 180]");
            if (std::abs(p.y) > 90) t.fail_key("lat", "is outside [-90, 90]");
        }
        p.capacity = t.number("capacity");
        if (p.capacity && *p.capacity < 0) t.fail_key("capacity", "must be >= 0");
        p.attributes = attributes(t);
        t.check_unknown();
        s.add_points.push_back(std::move(p));
    }
    std::map<std::string, std::set<std::string>> removed;
    {
        Table t = top.sub("remove");
        for (const auto& kind : t.keys()) {
            const toml::node* n = t.get(kind);
            if (!valid_kind(kind)) t.fail_key(kind, "is not a valid kind");
            Removal r;
            r.kind = kind;
            r.line = line_of(n);
            r.ids = t.strings(n, kind);
            for (const auto& id : r.ids) {
                if (!removed[kind].insert(id).second) t.fail_key(kind, "lists '" + id + "' twice");
                if (added[kind].count(id) != 0) t.fail_key(kind, "removes '" + id + "', which [[add]] adds");
            }
            s.removals.push_back(std::move(r));
        }
    }
    for (Table& t : tables(top, "change", file)) {
        AttributeChange c;
        c.kind = kind_of(t);
        c.line = t.line();
        const auto id = t.str("id");
        const toml::node* ids = t.get("ids");
        if (id && ids != nullptr) t.fail_at(t.line(), "give either id or ids, not both");
        if (id) c.ids.push_back(*id);
        if (ids != nullptr) c.ids = t.strings(ids, "ids");
        if (c.ids.empty()) t.fail_at(t.line(), "needs id = \"...\" or ids = [...]");
        for (const auto& x : c.ids) {
            if (removed[c.kind].count(x) != 0) t.fail_at(t.line(), "changes '" + x + "', which [remove] removes");
        }
        c.capacity = t.number("capacity");
        if (c.capacity && *c.capacity < 0) t.fail_key("capacity", "must be >= 0");
        c.attributes = attributes(t);
        if (!c.capacity && c.attributes.empty()) t.fail_at(t.line(), "changes nothing (give capacity or attributes)");
        t.check_unknown();
        s.changes.push_back(std::move(c));
    }
    for (Table& t : tables(top, "facilities", file)) {
        ExtraKind k;
        k.line = t.line();
        k.kind = kind_of(t);
        k.label = t.str("label").value_or(k.kind);
        k.from = t.require_str("from");
        if (!valid_kind(k.from)) t.fail_key("from", "'" + k.from + "' is not a valid kind");
        if (t.get("filter") != nullptr && t.get("filter")->as_table() == nullptr) {
            t.fail_key("filter", "must be a table { field = value } (kepu15 re-applies it after attribute changes)");
        }
        Table ft = t.sub("filter");
        k.filter = attributes_of(ft);
        if (k.filter.empty()) t.fail_at(t.line(), "needs filter = { field = value } (which features of '" + k.from + "' it takes)");
        k.radius_m = t.positive("radius_m");
        k.minutes = t.positive("minutes");
        for (const auto& other : s.kinds) {
            if (other.kind == k.kind) t.fail_key("kind", "'" + k.kind + "' is declared twice");
        }
        t.check_unknown();
        s.kinds.push_back(std::move(k));
    }
    for (Table& t : tables(top, "proposals", file)) {
        Proposals p;
        p.line = t.line();
        p.path = existing_file(t, base, "path", "proposals layer");
        if (auto kind = t.str("kind")) {
            if (!valid_kind(*kind)) t.fail_key("kind", "'" + *kind + "' is not a valid kind");
            p.kind = *kind;
        }
        if (auto count = t.number("count")) {
            if (*count < 1 || std::floor(*count) != *count) t.fail_key("count", "must be a whole number >= 1");
            p.count = static_cast<std::size_t>(*count);
        }
        t.check_unknown();
        s.proposals.push_back(std::move(p));
    }
    top.check_unknown();
    return s;
}

void check_ids(const Scenario& s, const std::map<std::string, std::set<std::string>>& ids_by_kind) {
    auto fail = [&](int line, const std::string& msg) {
        throw config_error(s.file + ":" + std::to_string(line) + ": " + msg);
    };
    auto known = [&](const std::string& kind, int line) -> const std::set<std::string>& {
        const auto it = ids_by_kind.find(kind);
        if (it == ids_by_kind.end()) {
            std::string kinds;
            for (const auto& [k, ids] : ids_by_kind) kinds += (kinds.empty() ? "" : ", ") + k;
            fail(line, "unknown facility kind '" + kind + "' (the baseline has " + kinds + ")");
        }
        return it->second;
    };
    for (const auto& p : s.add_points) {
        if (known(p.kind, p.line).count(p.id) != 0) {
            fail(p.line, "adds " + p.kind + " '" + p.id + "', but the baseline already has that id");
        }
    }
    for (const auto& l : s.add_layers) known(l.kind, l.line);
    for (const auto& r : s.removals) {
        const auto& ids = known(r.kind, r.line);
        for (const auto& id : r.ids) {
            if (ids.count(id) == 0) fail(r.line, "removes unknown " + r.kind + " id '" + id + "'");
        }
    }
    for (const auto& c : s.changes) {
        const auto& ids = known(c.kind, c.line);
        if (!c.capacity) continue;  // attribute changes: checked against the whole layer when read
        for (const auto& id : c.ids) {
            if (ids.count(id) == 0) fail(c.line, "changes the capacity of unknown " + c.kind + " id '" + id + "'");
        }
    }
    for (const auto& [kind, th] : s.overrides.kinds) known(kind, th.line);
    for (const auto& p : s.proposals) {
        if (!p.kind.empty()) known(p.kind, p.line);
    }
}

}  // namespace kepu15::scenario
