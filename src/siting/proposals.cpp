#include "kepu15/siting/proposals.hpp"

#include <cmath>
#include <cstdio>
#include <sstream>

namespace kepu15::siting {

namespace {

bool covering(Model m) { return m != Model::p_median; }

const std::string& at_or_empty(const std::vector<std::string>& v, std::uint32_t i) {
    static const std::string empty;
    return i < v.size() ? v[i] : empty;
}

// Running figure after each site: covered share (covering) or weighted mean cost (p-median).
std::vector<double> running(const Result& r) {
    std::vector<double> out;
    double acc = 0.0;
    for (const auto& s : r.sites) {
        acc += s.marginal;
        if (r.total_weight <= 0) {
            out.push_back(std::nan(""));
        } else if (covering(r.model)) {
            out.push_back((r.covered_before + acc) / r.total_weight);
        } else {
            out.push_back(r.mean_cost_before - acc / r.total_weight);
        }
    }
    return out;
}

io::FieldValue text_or_null(const std::string& s) {
    if (s.empty()) return std::monostate{};
    return s;
}

io::FieldValue number_or_null(double v) {
    if (!std::isfinite(v)) return std::monostate{};
    return v;
}

std::string solver_word(Solver s) { return s == Solver::exact ? "exact" : "heuristic"; }

}  // namespace

io::Layer proposals_layer(const Result& r, const CandidateSites& sites, const ProposalContext& ctx) {
    io::Layer layer;
    layer.name = "proposals";
    layer.geometry_kind = io::GeometryKind::point;
    using io::FieldType;
    const std::string figure = covering(r.model) ? "covered_share" : "mean_cost";
    layer.fields = {{"order", FieldType::integer},      {"site_id", FieldType::string},   {"name", FieldType::string},
                    {"kind", FieldType::string},        {"model", FieldType::string},     {"solver", FieldType::string},
                    {"marginal", FieldType::real},      {figure, FieldType::real},        {"town_code", FieldType::string},
                    {"town_name", FieldType::string},   {"village_code", FieldType::string},
                    {"village_name", FieldType::string}};
    const auto run = running(r);
    for (std::size_t q = 0; q < r.sites.size(); ++q) {
        const std::uint32_t j = r.sites[q].candidate;
        io::OutputFeature f;
        f.geometry.kind = io::GeometryKind::point;
        if (j < sites.position_lonlat.size()) f.geometry.points.push_back(sites.position_lonlat[j]);
        const std::string& id = at_or_empty(sites.id, j);
        f.values = {static_cast<std::int64_t>(q + 1),
                    id.empty() ? std::to_string(j) : id,
                    text_or_null(at_or_empty(sites.name, j)),
                    ctx.kind,
                    std::string(model_name(r.model)),
                    solver_word(r.solver),
                    r.sites[q].marginal,
                    number_or_null(run[q]),
                    text_or_null(at_or_empty(sites.town_code, j)),
                    text_or_null(at_or_empty(sites.town_name, j)),
                    text_or_null(at_or_empty(sites.village_code, j)),
                    text_or_null(at_or_empty(sites.village_name, j))};
        layer.features.push_back(std::move(f));
    }
    return layer;
}

std::string proposals_table(const Result& r, const CandidateSites& sites, const ProposalContext& ctx) {
    std::ostringstream s;
    char buf[256];
    s << model_name(r.model) << " for " << (ctx.kind.empty() ? "new sites" : ctx.kind) << ", weighted by " << ctx.weight
      << ", threshold " << ctx.threshold << " " << ctx.unit << "\n";
    s << "solver: " << solver_name(r.solver) << (r.optimal ? ", proven optimal" : "") << "\n";
    std::snprintf(buf, sizeof buf, "objective %.1f, bound %.1f, gap %.2f %%\n", r.objective, r.bound, 100 * r.gap);
    s << buf;
    std::snprintf(buf, sizeof buf, "covered share %.1f %% -> %.1f %%, mean %.2f -> %.2f %s\n", 100 * r.share_before(),
                  100 * r.share_after(), r.mean_cost_before, r.mean_cost_after, ctx.unit.c_str());
    s << buf;
    if (r.model == Model::lscp && !r.target_reached) {
        std::snprintf(buf, sizeof buf, "target not reachable: best reachable share %.1f %%\n", 100 * r.best_reachable_share);
        s << buf;
    }
    if (!r.note.empty()) s << "note: " << r.note << "\n";
    const bool cov = covering(r.model);
    std::snprintf(buf, sizeof buf, "%5s  %-16s %-24s %14s %10s  %s\n", "order", "site", "name",
                  cov ? "newly covered" : "cost saved", cov ? "share" : "mean", "town / village");
    s << buf;
    const auto run = running(r);
    for (std::size_t q = 0; q < r.sites.size(); ++q) {
        const std::uint32_t j = r.sites[q].candidate;
        const std::string& id = at_or_empty(sites.id, j);
        const std::string place = at_or_empty(sites.town_name, j) +
                                  (at_or_empty(sites.village_name, j).empty() ? "" : " / " + at_or_empty(sites.village_name, j));
        std::snprintf(buf, sizeof buf, "%5zu  %-16s %-24s %14.1f %9.*f%s  %s\n", q + 1,
                      (id.empty() ? std::to_string(j) : id).c_str(), at_or_empty(sites.name, j).c_str(), r.sites[q].marginal,
                      cov ? 1 : 2, cov ? 100 * run[q] : run[q], cov ? "%" : " ", place.c_str());
        s << buf;
    }
    return s.str();
}

nlohmann::json result_json(const Result& r, const CandidateSites& sites, const ProposalContext& ctx) {
    auto num = [](double v) -> nlohmann::json { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr); };
    nlohmann::json j;
    j["model"] = model_name(r.model);
    j["kind"] = ctx.kind;
    j["weight"] = ctx.weight;
    j["threshold"] = ctx.threshold;
    j["unit"] = ctx.unit;
    j["solver"] = solver_word(r.solver);
    j["optimal"] = r.optimal;
    j["objective"] = num(r.objective);
    j["bound"] = num(r.bound);
    j["gap"] = num(r.gap);
    j["total_weight"] = num(r.total_weight);
    j["covered_before"] = num(r.covered_before);
    j["covered_after"] = num(r.covered_after);
    j["share_before"] = num(r.share_before());
    j["share_after"] = num(r.share_after());
    j["mean_cost_before"] = num(r.mean_cost_before);
    j["mean_cost_after"] = num(r.mean_cost_after);
    if (r.model == Model::lscp) {
        j["target_reached"] = r.target_reached;
        j["best_reachable_share"] = num(r.best_reachable_share);
    }
    j["note"] = r.note;
    j["sites"] = nlohmann::json::array();
    for (std::size_t q = 0; q < r.sites.size(); ++q) {
        const std::uint32_t c = r.sites[q].candidate;
        const std::string& id = at_or_empty(sites.id, c);
        j["sites"].push_back({{"order", q + 1}, {"site_id", id.empty() ? std::to_string(c) : id}, {"marginal", r.sites[q].marginal}});
    }
    return j;
}

}  // namespace kepu15::siting
