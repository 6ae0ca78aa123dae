// Study files (TOML syntax, keys, ranges) through study::load_study.
#include "fuzz_common.hpp"
#include "kepu15/study/study.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string path = kepu15::fuzz::write_input(data, size, "study.toml");
    return kepu15::fuzz::run_reader([&] { (void)kepu15::study::load_study(path); });
}
