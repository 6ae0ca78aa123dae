#include "kepu15/commands/merge.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <nlohmann/json.hpp>
#include <sstream>
#include <unordered_map>

#include "kepu15/error.hpp"
#include "kepu15/io/vector_writer.hpp"
#include "kepu15/pipeline/prepared.hpp"
#include "kepu15/report/outputs.hpp"
#include "kepu15/study/inputs.hpp"
#include "kepu15/study/study.hpp"

namespace kepu15::commands {

namespace {

constexpr char magic[8] = {'K', 'E', 'P', 'U', '1', '5', 'P', '1'};

class Writer {
public:
    explicit Writer(const std::string& path) : m_path(path), m_out(path, std::ios::binary) {
        if (!m_out) throw output_error(path + ": cannot open for writing");
    }
    template <class T>
    void put(T v) {
        m_out.write(reinterpret_cast<const char*>(&v), sizeof v);
    }
    void put(const std::string& s) {
        put(static_cast<std::uint32_t>(s.size()));
        m_out.write(s.data(), static_cast<std::streamsize>(s.size()));
    }
    template <class T>
    void put_array(const std::vector<T>& v) {
        put(static_cast<std::uint64_t>(v.size()));
        m_out.write(reinterpret_cast<const char*>(v.data()),
                    static_cast<std::streamsize>(v.size() * sizeof(T)));
    }
    void close() {
        m_out.close();
        if (!m_out) throw output_error(m_path + ": write failed");
    }

private:
    std::string m_path;
    std::ofstream m_out;
};

class Reader {
public:
    explicit Reader(const std::string& path) : m_path(path), m_in(path, std::ios::binary) {
        if (!m_in)
            throw input_error(path +
                              ": cannot open (is this the output folder of `kepu15 run --partition`?)");
    }
    template <class T>
    T get() {
        T v{};
        m_in.read(reinterpret_cast<char*>(&v), sizeof v);
        check();
        return v;
    }
    std::string get_string() {
        const auto n = get<std::uint32_t>();
        std::string s(n, '\0');
        m_in.read(s.data(), n);
        check();
        return s;
    }
    template <class T>
    std::vector<T> get_array() {
        const auto n = get<std::uint64_t>();
        std::vector<T> v(n);
        m_in.read(reinterpret_cast<char*>(v.data()), static_cast<std::streamsize>(n * sizeof(T)));
        check();
        return v;
    }
    [[nodiscard]] const std::string& path() const { return m_path; }

private:
    void check() {
        if (!m_in) throw input_error(m_path + ": truncated partition file");
    }
    std::string m_path;
    std::ifstream m_in;
};

using Partition = PartitionCells;

std::string read_text(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw input_error(path + ": cannot open");
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

}  // namespace

PartitionCells read_partition_file(const std::string& path) {
    Reader in(path);
    char m[8];
    for (char& c : m) c = in.get<char>();
    if (std::memcmp(m, magic, sizeof m) != 0) throw input_error(path + ": not a kepu15 partition file");
    Partition p;
    p.header.study_file = in.get_string();
    p.header.methods = in.get_array<std::uint8_t>();
    p.header.profiles = in.get_array<std::uint8_t>();
    p.header.horizon_minutes = in.get<double>();
    p.header.travel_time_rasters = in.get<std::uint8_t>();
    p.col = in.get_array<std::int32_t>();
    p.row = in.get_array<std::int32_t>();
    const auto n_measures = in.get<std::uint32_t>();
    for (std::uint32_t k = 0; k < n_measures; ++k) {
        PartitionMeasure me;
        me.kind = in.get_string();
        me.method_type = in.get<std::uint8_t>();
        me.profile = in.get<std::uint8_t>();
        me.threshold = in.get<double>();
        me.threshold_unit = in.get<std::uint8_t>();
        me.value = in.get_array<double>();
        me.covered = in.get_array<std::uint8_t>();
        me.no_road_access = in.get_array<std::uint8_t>();
        me.facility_id.resize(p.col.size());
        for (auto& id : me.facility_id) id = in.get_string();
        if (me.value.size() != p.col.size() || me.covered.size() != p.col.size()) {
            throw input_error(path + ": measure " + me.kind + " has " + std::to_string(me.value.size()) +
                              " values for " + std::to_string(p.col.size()) + " cells");
        }
        p.measures.push_back(std::move(me));
    }
    return p;
}

void write_partition_file(const pipeline::StudyResult& result, const std::string& path) {
    const study::Study& s = result.study();
    const study::PopulationCells& cells = result.inputs().cells;
    Writer out(path);
    for (char c : magic) out.put(c);
    out.put(s.file);
    std::vector<std::uint8_t> methods;
    for (auto m : s.methods) methods.push_back(static_cast<std::uint8_t>(m));
    std::vector<std::uint8_t> profiles;
    for (auto p : s.profiles) profiles.push_back(static_cast<std::uint8_t>(p));
    out.put_array(methods);
    out.put_array(profiles);
    out.put(s.horizon_minutes);
    out.put(static_cast<std::uint8_t>(s.travel_time_rasters));
    out.put_array(cells.col);
    out.put_array(cells.row);
    out.put(static_cast<std::uint32_t>(result.measures().size()));
    for (std::size_t k = 0; k < result.measures().size(); ++k) {
        const coverage::Measure& me = result.measures()[k];
        const study::FacilitySet* set = nullptr;
        for (const auto& f : result.facilities()) {
            if (f.kind == me.kind) set = &f;
        }
        out.put(me.kind);
        out.put(static_cast<std::uint8_t>(me.method.type));
        out.put(static_cast<std::uint8_t>(me.method.profile));
        out.put(me.threshold.value);
        out.put(static_cast<std::uint8_t>(me.threshold.unit));
        out.put_array(me.value);
        out.put_array(me.covered);
        out.put_array(me.no_road_access);
        for (std::size_t i = 0; i < cells.size(); ++i) {
            const std::int32_t f = i < me.facility.size() ? me.facility[i] : -1;
            out.put(f >= 0 && set != nullptr ? set->id[static_cast<std::size_t>(f)] : std::string());
        }
    }
    out.close();
}

namespace {

// The populated cells by grid position (row * width + col), sorted: a binary search finds a cell.
// 12 bytes per cell where a hash map took about 40 (the merge of a province holds 10 million).
class CellIndex {
public:
    explicit CellIndex(const study::PopulationCells& cells) : m_width(static_cast<std::int64_t>(cells.width)) {
        m_entries.reserve(cells.size());
        for (std::size_t i = 0; i < cells.size(); ++i) {
            m_entries.push_back({key(cells.col[i], cells.row[i]), static_cast<std::uint32_t>(i)});
        }
        std::sort(m_entries.begin(), m_entries.end(), [](const Entry& a, const Entry& b) { return a.key < b.key; });
    }
    // The index of the cell at (col, row), or nullopt when it is not a populated cell.
    [[nodiscard]] std::optional<std::size_t> find(std::int32_t col, std::int32_t row) const {
        const std::int64_t k = key(col, row);
        auto it = std::lower_bound(m_entries.begin(), m_entries.end(), k,
                                   [](const Entry& e, std::int64_t v) { return e.key < v; });
        if (it == m_entries.end() || it->key != k) return std::nullopt;
        return it->cell;
    }

private:
#pragma pack(push, 4)
    struct Entry {
        std::int64_t key;
        std::uint32_t cell;
    };
#pragma pack(pop)
    [[nodiscard]] std::int64_t key(std::int32_t col, std::int32_t row) const { return row * m_width + col; }
    std::int64_t m_width;
    std::vector<Entry> m_entries;
};

}  // namespace

MergeSummary run_merge(const MergeRequest& request, Diagnostics& diag) {
    if (request.part_dirs.empty()) throw config_error("merge: no partition folders given");
    const auto partition_path = [&](std::size_t p) {
        return (std::filesystem::path(request.part_dirs[p]) / partition_file_name).string();
    };
    // One partition in memory at a time: the study's cells are the large part (a province has 10
    // million), a partition's are a share of them.
    Partition part = read_partition_file(partition_path(0));
    const PartitionHeader h = part.header;
    study::Study s = study::load_study(h.study_file);
    s.methods.clear();
    for (auto m : h.methods) s.methods.push_back(static_cast<study::Method>(m));
    s.profiles.clear();
    for (auto p : h.profiles) s.profiles.push_back(static_cast<network::Profile>(p));
    s.horizon_minutes = h.horizon_minutes;
    s.travel_time_rasters = h.travel_time_rasters != 0;
    s.isochrones = false;

    // The whole study's cells and facilities, without the network: only the summary is recomputed.
    pipeline::PreparedStudy prepared;
    prepared.study = s;
    prepared.inputs = study::load_inputs(s, diag);
    const study::PopulationCells& cells = prepared.inputs.cells;
    const CellIndex cell_index(cells);

    pipeline::Evaluation ev;
    ev.facilities = prepared.inputs.facilities;
    std::vector<std::unordered_map<std::string, std::int32_t>> facility_index(ev.facilities.size());
    for (std::size_t k = 0; k < ev.facilities.size(); ++k) {
        for (std::size_t i = 0; i < ev.facilities[k].id.size(); ++i) {
            if (!facility_index[k].emplace(ev.facilities[k].id[i], static_cast<std::int32_t>(i)).second) {
                throw input_error(ev.facilities[k].source + ": facility id '" + ev.facilities[k].id[i] +
                                  "' is not unique; merging partitions needs unique facility ids");
            }
        }
    }
    const std::size_t n = cells.size();
    for (const PartitionMeasure& pm : part.measures) {
        coverage::Measure me;
        me.kind = pm.kind;
        me.method.type = static_cast<coverage::Method::Type>(pm.method_type);
        me.method.profile = static_cast<network::Profile>(pm.profile);
        me.threshold = {pm.threshold, static_cast<coverage::CostUnit>(pm.threshold_unit)};
        me.value.assign(n, std::nan(""));
        me.facility.assign(n, -1);
        me.covered.assign(n, 0);
        if (!pm.no_road_access.empty()) me.no_road_access.assign(n, 0);
        ev.measures.push_back(std::move(me));
    }
    std::vector<std::uint32_t> source(n, 0);  // 1 + index of the partition a cell came from
    for (std::size_t p = 0; p < request.part_dirs.size(); ++p) {
        const std::string& dir = request.part_dirs[p];
        if (p > 0) {
            part = read_partition_file(partition_path(p));
            if (!(part.header == h)) {
                throw input_error(dir + ": partition of another study or with other options than " +
                                  request.part_dirs.front() + " (study file, methods, profiles, horizon)");
            }
        }
        if (part.measures.size() != ev.measures.size())
            throw input_error(dir + ": other measures than the first partition");
        std::vector<std::size_t> index(part.col.size());
        for (std::size_t j = 0; j < part.col.size(); ++j) {
            const auto cell = cell_index.find(part.col[j], part.row[j]);
            if (!cell) {
                throw input_error(dir + ": cell col " + std::to_string(part.col[j]) + " row " +
                                  std::to_string(part.row[j]) + " is not a populated cell of " +
                                  s.population.path);
            }
            if (source[*cell] != 0) {
                throw input_error(dir + ": cell col " + std::to_string(part.col[j]) + " row " +
                                  std::to_string(part.row[j]) + " is also in " +
                                  request.part_dirs[source[*cell] - 1] + " (partitions must not share units)");
            }
            source[*cell] = static_cast<std::uint32_t>(p + 1);
            index[j] = *cell;
        }
        for (std::size_t k = 0; k < ev.measures.size(); ++k) {
            const PartitionMeasure& pm = part.measures[k];
            coverage::Measure& me = ev.measures[k];
            if (pm.kind != me.kind || pm.method_type != static_cast<std::uint8_t>(me.method.type) ||
                pm.profile != static_cast<std::uint8_t>(me.method.profile)) {
                throw input_error(dir + ": measure " + std::to_string(k) + " differs from the first partition's");
            }
            std::size_t set = 0;
            while (set < ev.facilities.size() && ev.facilities[set].kind != me.kind) ++set;
            for (std::size_t j = 0; j < index.size(); ++j) {
                const std::size_t i = index[j];
                me.value[i] = pm.value[j];
                me.covered[i] = pm.covered[j];
                if (!me.no_road_access.empty()) me.no_road_access[i] = pm.no_road_access[j];
                if (!pm.facility_id[j].empty()) {
                    auto f = facility_index[set].find(pm.facility_id[j]);
                    if (f == facility_index[set].end()) {
                        throw input_error(dir + ": facility id '" + pm.facility_id[j] + "' of kind " + me.kind +
                                          " is not in the study");
                    }
                    me.facility[i] = f->second;
                }
            }
        }
    }
    part = Partition{};
    for (std::size_t i = 0; i < n; ++i) {
        if (source[i] == 0) {
            throw input_error("merge: populated cell col " + std::to_string(cells.col[i]) + " row " +
                              std::to_string(cells.row[i]) + " is in no partition (unit " +
                              (cells.unit[i] >= 0
                                   ? prepared.inputs.units[static_cast<std::size_t>(cells.unit[i])].code
                                   : std::string("none")) +
                              ")");
        }
    }
    source = {};
    facility_index = {};
    // The roads background and the network's size in summary.json come from the partition that
    // read the whole network and wrote roads.geojson (the others ran with --no-roads and read the
    // roads near their cells only); the merge reads no network.
    std::optional<std::filesystem::path> roads_dir;
    for (const auto& dir : request.part_dirs) {
        if (std::filesystem::exists(std::filesystem::path(dir) / "roads.geojson")) {
            roads_dir = dir;
            break;
        }
    }
    if (s.uses(study::Method::network) && !roads_dir) {
        throw input_error("merge: no partition wrote roads.geojson (the map background and the network's size in "
                          "summary.json): run one partition without --no-roads");
    }
    const pipeline::StudyResult result = pipeline::summarise(prepared, std::move(ev), request.threads);
    report::ReportOptions options;
    options.cells_vector = request.cells_vector;
    options.roads_added_by_caller = roads_dir.has_value();
    if (s.uses(study::Method::network)) {
        const auto summary = nlohmann::json::parse(read_text((*roads_dir / "summary.json").string()));
        for (const char* key : {"horizon_minutes", "network"}) {
            if (summary.contains(key)) options.summary_overrides[key] = summary[key];
        }
    }
    const auto sink = io::open_sink(request.out_dir, {});
    report::write_study_outputs(result, *sink, request.threads, options, diag);
    if (roads_dir) std::filesystem::copy_file(*roads_dir / "roads.geojson", sink->file_path("roads.geojson"));
    sink->commit();

    MergeSummary summary;
    summary.partitions = request.part_dirs.size();
    summary.cells = n;
    summary.population = result.by_unit.region.population;
    return summary;
}

}  // namespace kepu15::commands
