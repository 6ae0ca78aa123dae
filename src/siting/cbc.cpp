// The exact path: the siting models as mixed-integer programs solved by COIN-OR CBC through its C
// interface (the C++ API differs between releases; the C one is stable). Built into the module
// kepu15-cbc.so (kepu15/module_loader.hpp), with benefit.cpp; the library's cbc_module.cpp loads it.
#include "kepu15/siting/detail/benefit.hpp"

#include "kepu15/error.hpp"
#include "kepu15/module_loader.hpp"

#include <coin/Cbc_C_Interface.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <string>
#include <vector>

namespace kepu15::siting::detail {

namespace {

struct CbcDelete {
    void operator()(Cbc_Model* m) const { Cbc_deleteModel(m); }
};
using CbcModel = std::unique_ptr<Cbc_Model, CbcDelete>;

CbcModel new_model(double time_limit_s) {
    CbcModel m(Cbc_newModel());
    if (!m) throw error("CBC: cannot create a model");
    Cbc_setLogLevel(m.get(), 0);
    Cbc_setMaximumSeconds(m.get(), time_limit_s);
    // One thread: the machine is shared and CBC's threads need a build option Debian does not set.
    return m;
}

// Adds the binary x_j of every useful candidate; returns candidate -> column (-1 when useless).
std::vector<int> add_site_columns(Cbc_Model* m, const BenefitInstance& inst, double cost) {
    std::vector<int> column(inst.candidate_count, -1);
    int next = 0;
    for (std::size_t j = 0; j < inst.candidate_count; ++j) {
        if (inst.col_first[j + 1] == inst.col_first[j]) continue;
        Cbc_addCol(m, "", 0.0, 1.0, cost, 1, 0, nullptr, nullptr);
        column[j] = next++;
    }
    return column;
}

// y_r <= sum_{j covers r} x_j for a uniform row whose y column is `y`.
void add_cover_row(Cbc_Model* m, const BenefitInstance& inst, std::size_t r, int y, const std::vector<int>& column,
                   std::vector<int>& idx, std::vector<double>& val) {
    idx.assign(1, y);
    val.assign(1, 1.0);
    for (std::uint64_t e = inst.row_first[r]; e < inst.row_first[r + 1]; ++e) {
        idx.push_back(column[inst.row_candidate[e]]);
        val.push_back(-1.0);
    }
    Cbc_addRow(m, "", static_cast<int>(idx.size()), idx.data(), val.data(), 'L', 0.0);
}

ExactSolution read_solution(Cbc_Model* m, const BenefitInstance& inst, const std::vector<int>& column) {
    ExactSolution s;
    const double* x = Cbc_getColSolution(m);
    if (x != nullptr) {
        for (std::size_t j = 0; j < inst.candidate_count; ++j) {
            if (column[j] >= 0 && x[column[j]] > 0.5) s.sites.push_back(static_cast<std::uint32_t>(j));
        }
    }
    s.objective = Cbc_getObjValue(m);
    s.bound = Cbc_getBestPossibleObjValue(m);
    s.optimal = Cbc_isProvenOptimal(m) != 0;
    s.feasible = Cbc_isProvenInfeasible(m) == 0 && x != nullptr;
    return s;
}

}  // namespace

ExactSolution cbc_max_benefit(const BenefitInstance& inst, std::size_t k, double time_limit_s) {
    CbcModel m = new_model(time_limit_s);
    Cbc_setObjSense(m.get(), -1.0);  // maximise
    const std::vector<int> column = add_site_columns(m.get(), inst, 0.0);
    int next = static_cast<int>(inst.useful_candidates());
    std::vector<int> idx;
    std::vector<double> val;
    for (std::size_t r = 0; r < inst.row_count(); ++r) {
        if (inst.row_first[r] == inst.row_first[r + 1]) continue;
        if (inst.uniform_rows) {
            // Covering: one y_r in [0, 1] (integral at the optimum once x is).
            Cbc_addCol(m.get(), "", 0.0, 1.0, inst.row_benefit[inst.row_first[r]], 0, 0, nullptr, nullptr);
            add_cover_row(m.get(), inst, r, next++, column, idx, val);
            continue;
        }
        // p-median (strong form): z_rj <= x_j, sum_j z_rj <= 1.
        idx.clear();
        val.clear();
        for (std::uint64_t e = inst.row_first[r]; e < inst.row_first[r + 1]; ++e) {
            Cbc_addCol(m.get(), "", 0.0, 1.0, inst.row_benefit[e], 0, 0, nullptr, nullptr);
            const int z = next++;
            const int pair[2] = {z, column[inst.row_candidate[e]]};
            const double coef[2] = {1.0, -1.0};
            Cbc_addRow(m.get(), "", 2, pair, coef, 'L', 0.0);
            idx.push_back(z);
            val.push_back(1.0);
        }
        Cbc_addRow(m.get(), "", static_cast<int>(idx.size()), idx.data(), val.data(), 'L', 1.0);
    }
    idx.clear();
    val.clear();
    for (int c : column) {
        if (c >= 0) {
            idx.push_back(c);
            val.push_back(1.0);
        }
    }
    Cbc_addRow(m.get(), "", static_cast<int>(idx.size()), idx.data(), val.data(), 'L', static_cast<double>(k));
    Cbc_solve(m.get());
    ExactSolution s = read_solution(m.get(), inst, column);
        s.objective = value_of(inst, s.sites);
    // The best possible value comes with the sign of CBC's internal minimisation in some releases;
    // every benefit is >= 0, so its magnitude is the upper bound.
    s.bound = s.optimal ? s.objective : std::max(s.objective, std::abs(s.bound));
    return s;
}

ExactSolution cbc_min_sites(const BenefitInstance& inst, double required, double time_limit_s) {
    if (!inst.uniform_rows) throw error("cbc_min_sites needs a covering instance");
    CbcModel m = new_model(time_limit_s);
    const std::vector<int> column = add_site_columns(m.get(), inst, 1.0);
    int next = static_cast<int>(inst.useful_candidates());
    std::vector<int> idx, cover_idx;
    std::vector<double> val, cover_val;
    for (std::size_t r = 0; r < inst.row_count(); ++r) {
        if (inst.row_first[r] == inst.row_first[r + 1]) continue;
        Cbc_addCol(m.get(), "", 0.0, 1.0, 0.0, 0, 0, nullptr, nullptr);
        cover_idx.push_back(next);
        cover_val.push_back(inst.row_benefit[inst.row_first[r]]);
        add_cover_row(m.get(), inst, r, next++, column, idx, val);
    }
    Cbc_addRow(m.get(), "", static_cast<int>(cover_idx.size()), cover_idx.data(), cover_val.data(), 'G', required);
    Cbc_solve(m.get());
    ExactSolution s = read_solution(m.get(), inst, column);
    s.objective = static_cast<double>(s.sites.size());
    s.bound = s.optimal ? s.objective : std::min(s.objective, std::abs(s.bound));
    return s;
}

}  // namespace kepu15::siting::detail

KEPU15_DEFINE_MODULE_VERSION

KEPU15_MODULE_EXPORT void kepu15_cbc_max_benefit(const kepu15::siting::detail::BenefitInstance* inst, std::size_t k,
                                                 double time_limit_s, kepu15::siting::detail::ExactSolution* out) {
    *out = kepu15::siting::detail::cbc_max_benefit(*inst, k, time_limit_s);
}

KEPU15_MODULE_EXPORT void kepu15_cbc_min_sites(const kepu15::siting::detail::BenefitInstance* inst, double required,
                                               double time_limit_s, kepu15::siting::detail::ExactSolution* out) {
    *out = kepu15::siting::detail::cbc_min_sites(*inst, required, time_limit_s);
}
