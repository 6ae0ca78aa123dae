#include "kepu15/network/read_network.hpp"

#include "kepu15/network/clip.hpp"

namespace kepu15::network {

bool is_osm_path(const std::string& path) {
    for (const std::string ext : {".pbf", ".osm", ".osm.gz", ".osm.bz2", ".o5m"}) {
        if (path.size() >= ext.size() && path.compare(path.size() - ext.size(), ext.size(), ext) == 0) return true;
    }
    return false;
}

RoadNetwork read_network(const std::string& path, const LineNetworkOptions& line_options,
                         const geo::Transformer& wgs84_to_working, const ProfileSpeeds& speeds) {
    if (is_osm_path(path)) {
        RoadNetwork net = read_osm(path, wgs84_to_working, speeds, line_options.read.diagnostics);
        return line_options.clip_m ? clip_network(std::move(net), *line_options.clip_m) : net;
    }
    return read_road_lines(path, line_options, wgs84_to_working, speeds);
}

}  // namespace kepu15::network
