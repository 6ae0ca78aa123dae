#include "kepu15/report/manifest.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <ctime>
#include <iterator>

namespace kepu15::report {

namespace {

using nlohmann::json;

// Paul Tol's "bright" scheme (colour-blind safe), one per facility kind in study order.
constexpr const char* kind_palette[] = {"#4477aa", "#ee6677", "#228833", "#ccbb44",
                                        "#66ccee", "#aa3377", "#bbbbbb"};

struct MethodLabel {
    const char* method;
    const char* zh;
    const char* en;
};
constexpr MethodLabel method_labels[] = {{"crowfly", "直线距离", "crow-fly distance"},
                                         {"walk", "步行", "walk"},
                                         {"elderly", "老年人步行", "elderly walk"},
                                         {"bike", "骑行", "bike"},
                                         {"drive", "驾车", "drive"}};

json method_entry(const std::string& method) {
    json e{{"method", method},
           {"label_zh", method},
           {"label_en", method},
           {"unit", method == "crowfly" ? "m" : "min"}};
    for (const auto& l : method_labels) {
        if (method == l.method) {
            e["label_zh"] = l.zh;
            e["label_en"] = l.en;
        }
    }
    return e;
}

json group_entry(const std::string& group) {
    json e{{"group", group}, {"field", "pop_" + group}, {"label_zh", group}, {"label_en", group}};
    if (group == "youth") {
        e["label_zh"] = "青少年(0–14岁)";
        e["label_en"] = "youth (0–14)";
    } else if (group == "elderly") {
        e["label_zh"] = "老年人(60岁以上)";
        e["label_en"] = "elderly (60+)";
    }
    return e;
}

bool mentions_synthetic(const std::string& name) {
    std::string lower = name;
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char c) { return std::tolower(c); });
    return lower.find("synthetic") != std::string::npos || name.find("合成") != std::string::npos ||
           name.find("模拟") != std::string::npos;
}

json layer_entry(const std::string& file, const char* geometry, json fields) {
    return {{"file", file}, {"geometry", geometry}, {"fields", std::move(fields)}};
}

}  // namespace

std::string method_label_zh(const std::string& method) { return method_entry(method)["label_zh"]; }
std::string group_label_zh(const std::string& group) { return group_entry(group)["label_zh"]; }

std::vector<double> measure_breaks(bool network, double threshold) {
    if (!network) return {threshold / 4, threshold / 2, threshold, threshold * 2};
    return {threshold / 3, threshold * 2 / 3, threshold, threshold * 2};
}

std::string utc_date_today() {
    const std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
    std::tm tm{};
    gmtime_r(&now, &tm);
    char buf[16];
    std::strftime(buf, sizeof buf, "%Y-%m-%d", &tm);
    return buf;
}

json manifest_json(const study::Study& study, const pipeline::StudyResult& r,
                   const std::vector<std::string>& files, const std::string& run_date_utc) {
    json j;
    j["format"] = "kepu15-manifest";
    j["version"] = 1;
    j["generator"] = std::string("kepu15 ") + KEPU15_VERSION;
    j["generated"] = run_date_utc;
    j["study"] = {{"name", study.name},
                  {"synthetic", mentions_synthetic(study.name)},
                  {"working_crs", r.inputs().working_crs},
                  {"data_date", study.data_date.empty() ? nlohmann::json(nullptr) : nlohmann::json(study.data_date)}};
    j["primary_method"] = r.primary_method.name();
    j["horizon_minutes"] = study.horizon_minutes;

    json kinds = json::array();
    json kind_colours = json::object();
    for (std::size_t k = 0; k < study.facilities.size(); ++k) {
        const auto& f = study.facilities[k];
        const auto fs = std::find_if(r.facilities().begin(), r.facilities().end(),
                                     [&](const auto& s) { return s.kind == f.kind; });
        kinds.push_back({{"kind", f.kind},
                         {"label", f.label.empty() ? f.kind : f.label},
                         {"facilities", fs != r.facilities().end() ? fs->id.size() : 0},
                         {"radius_m", study.radius_for(f)},
                         {"minutes", study.minutes_for(f)}});
        kind_colours[f.kind] = kind_palette[std::min(k, std::size(kind_palette) - 1)];
    }
    j["kinds"] = kinds;
    j["kind_colours"] = kind_colours;

    json methods = json::array();
    for (const auto& m : r.by_unit.methods) methods.push_back(method_entry(m.name()));
    j["methods"] = methods;
    json groups = json::array();
    for (const auto& g : r.inputs().cells.group_names) groups.push_back(group_entry(g));
    j["groups"] = groups;

    json measures = json::array();
    for (const auto& m : r.measures()) {
        const auto breaks = measure_breaks(m.is_network(), m.threshold.value);
        json colours = json::array();
        for (const char* c : time_palette) colours.push_back(c);
        const std::string key = m.key();
        const std::string u = m.is_network() ? "_min" : "_m";
        measures.push_back(
            {{"key", key},
             {"kind", m.kind},
             {"method", m.method.name()},
             {"threshold", m.threshold.value},
             {"unit", m.is_network() ? "min" : "m"},
             {"cells",
              {{"value", key + (m.is_network() ? "_min" : "_dist_m")}, {"covered", key + "_covered"}}},
             {"villages",
              {{"covered_pop", key + "_covered_pop"},
               {"share", key + "_share"},
               {"mean", key + "_mean" + u},
               {"median", key + "_median" + u},
               {"p90", key + "_p90" + u}}},
             {"breaks", breaks},
             {"colours", colours},
             {"no_value_colour", no_value_colour}});
    }
    j["measures"] = measures;
    json any = json::array();
    for (const auto& m : r.by_unit.methods) {
        any.push_back({{"method", m.name()}, {"villages", {{"share", "any_" + m.name() + "_share"}}}});
    }
    j["any_kind"] = any;
    j["share"] = {
        {"breaks", {0.2, 0.4, 0.6, 0.8, 0.95, 1.0}},
        {"colours", json(std::vector<std::string>(std::begin(share_palette), std::end(share_palette)))}};

    const auto has = [&](const std::string& f) {
        return std::find(files.begin(), files.end(), f) != files.end();
    };
    json layers = json::object();
    json group_fields = json::object();
    for (const auto& g : r.inputs().cells.group_names) group_fields[g] = "pop_" + g;
    const json unit_fields{{"town_code", "town_code"}, {"town_name", "town_name"}};
    if (has("cells.geojson")) {
        layers["cells"] = layer_entry("cells.geojson", "polygon",
                                      {{"id", "cell_id"},
                                       {"population", "population"},
                                       {"groups", group_fields},
                                       {"town_code", "town_code"},
                                       {"town_name", "town_name"},
                                       {"village_code", "village_code"},
                                       {"village_name", "village_name"}});
    }
    if (has("villages.geojson")) {
        layers["villages"] = layer_entry("villages.geojson", "polygon",
                                         {{"code", "code"},
                                          {"name", "name"},
                                          {"town_code", "town_code"},
                                          {"town_name", "town_name"},
                                          {"population", "population"},
                                          {"groups", group_fields},
                                          {"rank", "rank"},
                                          {"uncovered_population", "uncovered_pop"}});
    }
    if (has("gaps.geojson")) {
        // One feature per patch of uncovered cells; kind "any" = covered by no kind (report/gaps.hpp).
        layers["gaps"] = layer_entry("gaps.geojson", "polygon",
                                     {{"kind", "kind"},
                                      {"method", "method"},
                                      {"threshold", "threshold"},
                                      {"id", "patch_id"},
                                      {"rank", "rank"},
                                      {"population", "population"},
                                      {"groups", group_fields},
                                      {"cells", "cells"},
                                      {"area_km2", "area_km2"},
                                      {"mean_min", "mean_min"},
                                      {"mean_m", "mean_dist_m"},
                                      {"unreached_population", "unreached_pop"},
                                      {"town_code", "town_code"},
                                      {"town_name", "town_name"},
                                      {"town_codes", "town_codes"},
                                      {"village_codes", "village_codes"},
                                      {"villages", "villages"}});
        layers["gaps"]["min_population"] = study.gap_min_population;
        layers["gaps"]["any_kind"] = "any";  // the kind of rows covered by no kind
    }
    if (has("facilities.geojson")) {
        layers["facilities"] =
            layer_entry("facilities.geojson", "point",
                        {{"kind", "kind"}, {"id", "id"}, {"name", "name"}, {"capacity", "capacity"}});
    }
    if (has("isochrones.geojson")) {
        json fields{{"kind", "kind"}, {"method", "profile"}, {"minutes", "minutes"}};
        if (study.service_areas_per_facility) {
            fields["facility_id"] = "facility_id";
            fields["facility_name"] = "facility_name";
            fields["population"] = "population";
            fields["groups"] = group_fields;
        }
        layers["isochrones"] = layer_entry("isochrones.geojson", "polygon", std::move(fields));
        layers["isochrones"]["per_facility"] = study.service_areas_per_facility;
    }
    if (has("water.geojson")) layers["water"] = layer_entry("water.geojson", "polygon", {{"name", "name"}});
    if (has("towns.geojson"))
        layers["towns"] = layer_entry("towns.geojson", "polygon", {{"code", "code"}, {"name", "name"}});
    if (has("roads.geojson")) {
        layers["roads"] =
            layer_entry("roads.geojson", "line", {{"class", "class"}, {"drive_kmh", "drive_kmh"}});
    }
    j["layers"] = layers;
    // Tables for Excel (docs/exports.md): the CSV and its GDAL column types.
    json tables = json::object();
    for (const std::string t : {"towns", "villages", "compare"}) {
        if (has(t + ".csv")) tables[t] = {{"file", t + ".csv"}, {"types", t + ".csvt"}};
    }
    j["tables"] = tables;
    j["files"] = files;
    return j;
}

}  // namespace kepu15::report
