#include "kepu15/report/roads_layer.hpp"

namespace kepu15::report {

RoadClass road_class(double drive_kmh) {
    if (drive_kmh >= 50.0) return RoadClass::major;
    return drive_kmh > 0.0 ? RoadClass::minor : RoadClass::path;
}

std::string road_class_name(RoadClass c) {
    switch (c) {
        case RoadClass::major:
            return "major";
        case RoadClass::minor:
            return "minor";
        default:
            return "path";
    }
}

bool road_in_output(RoadClass c, std::size_t edge_count) {
    return edge_count <= full_roads_max_edges || c == RoadClass::major;
}

}  // namespace kepu15::report
