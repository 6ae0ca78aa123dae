// GCJ-02 ("Mars coordinates", AMap/Tencent) and BD-09 (Baidu), which PROJ does not know.
// Forward transforms are the published formulas; inverses iterate the forward transform until the
// round trip is within 1e-9 degrees (contract: within 1e-7 degrees).
// Outside China's bounding box GCJ-02 equals WGS84, as in the published formula.
#pragma once

#include "kepu15/geo/geometry.hpp"

namespace kepu15::geo {

Point wgs84_to_gcj02(Point lonlat);
Point gcj02_to_wgs84(Point lonlat);
Point gcj02_to_bd09(Point lonlat);
Point bd09_to_gcj02(Point lonlat);
Point wgs84_to_bd09(Point lonlat);
Point bd09_to_wgs84(Point lonlat);

// True inside the rough China bounding box where GCJ-02 applies (lon 72.004–137.8347, lat 0.8293–55.8271).
bool in_china_box(Point lonlat);

}  // namespace kepu15::geo
