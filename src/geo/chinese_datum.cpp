// GCJ-02 and BD-09: the formulas circulated since ~2010 (eviltransform, coordtransform) with the
// Krasovsky 1940 ellipsoid parameters they use; the inverses are fixed-point iterations of them.
#include "kepu15/geo/chinese_datum.hpp"

#include <cmath>
#include <numbers>

namespace kepu15::geo {

namespace {

constexpr double krasovsky_a = 6378245.0;
constexpr double krasovsky_ee = 0.00669342162296594323;
constexpr double pi = std::numbers::pi;
constexpr double x_pi = pi * 3000.0 / 180.0;

// Stop when the forward transform of the estimate is this close to the target (degrees).
constexpr double inverse_tolerance_deg = 1e-9;
constexpr int max_inverse_iterations = 30;

// Offset polynomials of the published formula, in metres on the Krasovsky ellipsoid, for
// (x, y) = (lon - 105, lat - 35).
double offset_lat(double x, double y) {
    double r = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * std::sqrt(std::abs(x));
    r += (20.0 * std::sin(6.0 * x * pi) + 20.0 * std::sin(2.0 * x * pi)) * 2.0 / 3.0;
    r += (20.0 * std::sin(y * pi) + 40.0 * std::sin(y / 3.0 * pi)) * 2.0 / 3.0;
    r += (160.0 * std::sin(y / 12.0 * pi) + 320.0 * std::sin(y * pi / 30.0)) * 2.0 / 3.0;
    return r;
}

double offset_lon(double x, double y) {
    double r = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * std::sqrt(std::abs(x));
    r += (20.0 * std::sin(6.0 * x * pi) + 20.0 * std::sin(2.0 * x * pi)) * 2.0 / 3.0;
    r += (20.0 * std::sin(x * pi) + 40.0 * std::sin(x / 3.0 * pi)) * 2.0 / 3.0;
    r += (150.0 * std::sin(x / 12.0 * pi) + 300.0 * std::sin(x / 30.0 * pi)) * 2.0 / 3.0;
    return r;
}

// WGS84 -> GCJ-02 without the China box test.
Point gcj02_forward(Point wgs) {
    const double x = wgs.x - 105.0;
    const double y = wgs.y - 35.0;
    const double rad_lat = wgs.y / 180.0 * pi;
    double magic = std::sin(rad_lat);
    magic = 1.0 - krasovsky_ee * magic * magic;
    const double sqrt_magic = std::sqrt(magic);
    const double d_lat =
        (offset_lat(x, y) * 180.0) / ((krasovsky_a * (1.0 - krasovsky_ee)) / (magic * sqrt_magic) * pi);
    const double d_lon = (offset_lon(x, y) * 180.0) / (krasovsky_a / sqrt_magic * std::cos(rad_lat) * pi);
    return {wgs.x + d_lon, wgs.y + d_lat};
}

// Solves forward(p) == target by p <- p - (forward(p) - target); converges because both shifts
// vary slowly (their Jacobians are close to the identity).
template <typename Forward>
Point invert(Point target, Point start, Forward forward) {
    Point p = start;
    for (int i = 0; i < max_inverse_iterations; ++i) {
        const Point f = forward(p);
        const double dx = f.x - target.x;
        const double dy = f.y - target.y;
        if (std::abs(dx) < inverse_tolerance_deg && std::abs(dy) < inverse_tolerance_deg) break;
        p.x -= dx;
        p.y -= dy;
    }
    return p;
}

}  // namespace

bool in_china_box(Point lonlat) {
    return lonlat.x >= 72.004 && lonlat.x <= 137.8347 && lonlat.y >= 0.8293 && lonlat.y <= 55.8271;
}

Point wgs84_to_gcj02(Point lonlat) {
    if (!in_china_box(lonlat)) return lonlat;
    return gcj02_forward(lonlat);
}

Point gcj02_to_wgs84(Point lonlat) {
    if (!in_china_box(lonlat)) return lonlat;
    // First guess: subtract the shift evaluated at the GCJ point (the "fast" published inverse).
    const Point f = gcj02_forward(lonlat);
    const Point start{2.0 * lonlat.x - f.x, 2.0 * lonlat.y - f.y};
    return invert(lonlat, start, gcj02_forward);
}

Point gcj02_to_bd09(Point lonlat) {
    const double x = lonlat.x;
    const double y = lonlat.y;
    const double z = std::sqrt(x * x + y * y) + 0.00002 * std::sin(y * x_pi);
    const double theta = std::atan2(y, x) + 0.000003 * std::cos(x * x_pi);
    return {z * std::cos(theta) + 0.0065, z * std::sin(theta) + 0.006};
}

Point bd09_to_gcj02(Point lonlat) {
    if (!is_finite(lonlat)) return lonlat;
    // First guess: the published approximate inverse.
    const double x = lonlat.x - 0.0065;
    const double y = lonlat.y - 0.006;
    const double z = std::sqrt(x * x + y * y) - 0.00002 * std::sin(y * x_pi);
    const double theta = std::atan2(y, x) - 0.000003 * std::cos(x * x_pi);
    const Point start{z * std::cos(theta), z * std::sin(theta)};
    return invert(lonlat, start, gcj02_to_bd09);
}

Point wgs84_to_bd09(Point lonlat) { return gcj02_to_bd09(wgs84_to_gcj02(lonlat)); }

Point bd09_to_wgs84(Point lonlat) { return gcj02_to_wgs84(bd09_to_gcj02(lonlat)); }

}  // namespace kepu15::geo
