// The exact solver's entry points in the library: they load kepu15-cbc.so (src/siting/cbc.cpp and
// COIN-OR CBC) on first use, so that only an exact `kepu15 site` maps CBC's libraries.
#include "kepu15/module_loader.hpp"
#include "kepu15/siting/detail/benefit.hpp"

namespace kepu15::siting::detail {

namespace {

constexpr const char* cbc_module_file = "kepu15-cbc.so";
constexpr const char* cbc_purpose = "the exact siting solver: kepu15 site --solver exact or auto";

}  // namespace

ExactSolution cbc_max_benefit(const BenefitInstance& inst, std::size_t k, double time_limit_s) {
    using Fn = void (*)(const BenefitInstance*, std::size_t, double, ExactSolution*);
    static const auto fn = reinterpret_cast<Fn>(module_symbol(cbc_module_file, "kepu15_cbc_max_benefit", cbc_purpose));
    ExactSolution s;
    fn(&inst, k, time_limit_s, &s);
    return s;
}

ExactSolution cbc_min_sites(const BenefitInstance& inst, double required, double time_limit_s) {
    using Fn = void (*)(const BenefitInstance*, double, double, ExactSolution*);
    static const auto fn = reinterpret_cast<Fn>(module_symbol(cbc_module_file, "kepu15_cbc_min_sites", cbc_purpose));
    ExactSolution s;
    fn(&inst, required, time_limit_s, &s);
    return s;
}

}  // namespace kepu15::siting::detail
