// Coordinate reference systems: any CRS PROJ knows ("EPSG:4490", WKT, PROJ strings), plus the
// pseudo-CRS names "GCJ-02" and "BD-09" (case-insensitive; aliases "GCJ02", "BD09").
// Axis order is always traditional GIS order: x = longitude/easting, y = latitude/northing.
#pragma once

#include "kepu15/geo/geometry.hpp"

#include <memory>
#include <optional>
#include <span>
#include <string>

namespace kepu15::geo {

// Canonical CRS used between readers and the core.
inline constexpr const char* wgs84 = "EPSG:4326";

enum class ChineseDatum { none, gcj02, bd09 };

// Parses a CRS name. Returns the Chinese datum if the name is one of the pseudo-CRS names.
ChineseDatum chinese_datum_of(const std::string& crs);

// Throws crs_error naming `crs` when PROJ cannot make sense of it (Chinese pseudo-CRS names pass).
void validate_crs(const std::string& crs);

// True when the CRS is geographic (degrees), including GCJ-02/BD-09.
bool is_geographic(const std::string& crs);

// Metres per unit of the CRS's first horizontal axis (1 for metres, 0.3048006 for US survey feet);
// nullopt for a geographic CRS (degrees) or when the CRS has no usable axis unit.
std::optional<double> linear_unit_m(const std::string& crs);

// A working CRS must measure distances in metres: projected, with metre axes. Throws crs_error
// naming `crs` and `what` (e.g. "[study] working_crs") with a hint: the UTM zone `suggestion`
// (EPSG:326xx) for a geographic CRS, the unit for a foot-based one.
void require_metric_crs(const std::string& crs, const std::string& what, const std::string& suggestion = {});

// Transforms points from one CRS to another. Thread-compatible: use one per thread.
class Transformer {
public:
    // Throws crs_error naming the CRS that PROJ does not know.
    Transformer(const std::string& from_crs, const std::string& to_crs);
    ~Transformer();
    Transformer(Transformer&&) noexcept;
    Transformer& operator=(Transformer&&) noexcept;
    Transformer(const Transformer&) = delete;
    Transformer& operator=(const Transformer&) = delete;

    [[nodiscard]] Point forward(Point p) const;
    // In place; faster than calling forward() per point. Non-finite results become NaN.
    void forward(std::span<Point> points) const;
    [[nodiscard]] Point inverse(Point p) const;
    void inverse(std::span<Point> points) const;

    [[nodiscard]] const std::string& from_crs() const;
    [[nodiscard]] const std::string& to_crs() const;

private:
    struct impl;
    std::unique_ptr<impl> m_impl;
};

// The working CRS for data centred at `centre_lonlat` (WGS84): the WGS84 UTM zone,
// e.g. "EPSG:32651" for Kunshan. The Kunshan study sets EPSG:4549 explicitly.
std::string utm_crs_for(Point centre_lonlat);

// Short human name of a CRS for messages and metadata ("CGCS2000 / 3-degree Gauss-Kruger CM 120E").
std::string crs_name(const std::string& crs);

// WKT of a real CRS (for writers); GCJ-02/BD-09 have none and give the WGS84 WKT.
std::string crs_wkt(const std::string& crs);

namespace detail {
// True when PROJ's database holds no coordinate operation from or to any CRS on the datum of `crs`
// (EPSG:4490, CGCS2000, in PROJ 9.1's): then Transformer skips PROJ's search through intermediate
// CRSs, which cannot find anything (src/geo/crs.cpp). False when unsure. Throws as validate_crs.
bool datum_without_operations(const std::string& crs);
}  // namespace detail

// The polygons with every vertex (exterior rings and holes) transformed.
MultiPolygon transform(MultiPolygon polygons, const Transformer& t);

}  // namespace kepu15::geo
