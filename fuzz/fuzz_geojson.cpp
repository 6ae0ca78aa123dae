// GeoJSON layers (geometry kinds, crs members, properties) through io::read_vector.
#include "fuzz_common.hpp"
#include "kepu15/io/vector_reader.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string path = kepu15::fuzz::write_input(data, size, "layer.geojson");
    return kepu15::fuzz::run_reader([&] { (void)kepu15::io::read_vector(path); });
}
