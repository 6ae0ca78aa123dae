// OSM files (XML when the input starts with '<', else PBF) through network::read_osm.
#include "fuzz_common.hpp"
#include "kepu15/geo/crs.hpp"
#include "kepu15/network/osm_reader.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const bool xml = size > 0 && data[0] == '<';
    const std::string path = kepu15::fuzz::write_input(data, size, xml ? "roads.osm" : "roads.osm.pbf");
    static const kepu15::geo::Transformer to_working(kepu15::geo::wgs84, "EPSG:32651");
    return kepu15::fuzz::run_reader([&] { (void)kepu15::network::read_osm(path, to_working); });
}
