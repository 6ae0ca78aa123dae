// GDAL plumbing shared by the io readers and writers: registration, RAII handles, and the one
// place where GDAL's CPLErr/OGRErr/NULL handles become kepu15 exceptions.
// Only src/io includes this header; nothing in the core sees GDAL types.
#pragma once

#include <gdal_priv.h>
#include <ogr_feature.h>
#include <ogr_spatialref.h>
#include <ogrsf_frmts.h>

#include <string>
#include <vector>

namespace kepu15::io::detail {

// GDALAllRegister, once per process (std::call_once).
void register_gdal();

// While alive, GDAL errors and warnings of the calling thread are captured instead of printed.
// GDAL's error handler stack is thread-local, so two threads reading different files do not mix.
class GdalErrorScope {
public:
    GdalErrorScope();
    ~GdalErrorScope();
    GdalErrorScope(const GdalErrorScope&) = delete;
    GdalErrorScope& operator=(const GdalErrorScope&) = delete;

    // Last CE_Failure/CE_Fatal message since construction or clear(), empty if none.
    [[nodiscard]] const std::string& last_error() const { return m_last_error; }
    [[nodiscard]] bool failed() const { return !m_last_error.empty(); }
    void clear() { m_last_error.clear(); }
    // " (GDAL: <message>)" or "" — appended to our own messages.
    [[nodiscard]] std::string reason() const;

private:
    static void CPL_STDCALL handler(CPLErr cls, CPLErrorNum num, const char* msg);
    std::string m_last_error;
};

enum class ErrorKind { input, output };

// Throws input_error or output_error with `message` plus GDAL's reason.
[[noreturn]] void throw_gdal(ErrorKind kind, const std::string& message, const GdalErrorScope& errors);
inline void check(OGRErr err, ErrorKind kind, const std::string& message, const GdalErrorScope& errors) {
    if (err != OGRERR_NONE) throw_gdal(kind, message, errors);
}
inline void check(CPLErr err, ErrorKind kind, const std::string& message, const GdalErrorScope& errors) {
    if (err == CE_Failure || err == CE_Fatal) throw_gdal(kind, message, errors);
}

// Opens a dataset (GDAL_OF_VECTOR / GDAL_OF_RASTER [| GDAL_OF_UPDATE]). Throws input_error naming
// the path: "PATH: file not found" or "PATH: cannot open as vector data (GDAL: ...)".
GDALDatasetUniquePtr open_dataset(const std::string& path, unsigned int flags,
                                  const std::vector<std::string>& open_options = {},
                                  ErrorKind kind = ErrorKind::input);

// "EPSG:4490" when the CRS carries an authority code, else its WKT2 text. Empty for nullptr.
std::string crs_string(const OGRSpatialReference* srs);
// WKT2 text of a CRS, empty for nullptr.
std::string crs_wkt(const OGRSpatialReference* srs);

// WGS84 lon/lat (EPSG:4326, x = longitude).
OGRSpatialReference wgs84_srs();

// True for paths GDAL opens without a local file ("PG:...", "/vsicurl/...").
bool is_virtual_path(const std::string& path);

// "PG:dbname=x password=secret" -> "PG:dbname=x password=***" for messages.
std::string redact(const std::string& path);

}  // namespace kepu15::io::detail
