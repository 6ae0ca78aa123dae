// CSV facility layers (lon/lat columns, encodings, numbers) through io::read_vector.
#include "fuzz_common.hpp"
#include "kepu15/io/vector_reader.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string path = kepu15::fuzz::write_input(data, size, "facilities.csv");
    return kepu15::fuzz::run_reader([&] {
        const auto layer = kepu15::io::read_vector(path);
        for (const auto& f : layer.features) {
            for (const auto& v : f.values) (void)kepu15::io::as_number(v);
        }
    });
}
