#include "kepu15/io/detail/gdal_util.hpp"

#include <cpl_error.h>
#include <cpl_string.h>

#include <filesystem>
#include <mutex>
#include <regex>

#include "kepu15/error.hpp"

namespace kepu15::io::detail {

void register_gdal() {
    static std::once_flag once;
    std::call_once(once, [] { GDALAllRegister(); });
}

GdalErrorScope::GdalErrorScope() { CPLPushErrorHandlerEx(&GdalErrorScope::handler, this); }

GdalErrorScope::~GdalErrorScope() { CPLPopErrorHandler(); }

void CPL_STDCALL GdalErrorScope::handler(CPLErr cls, CPLErrorNum /*num*/, const char* msg) {
    auto* self = static_cast<GdalErrorScope*>(CPLGetErrorHandlerUserData());
    // Warnings (e.g. field name truncation) are dropped here; callers report what matters to users.
    if (self != nullptr && (cls == CE_Failure || cls == CE_Fatal)) {
        self->m_last_error = msg != nullptr ? msg : "unknown GDAL error";
    }
}

std::string GdalErrorScope::reason() const {
    return m_last_error.empty() ? std::string() : " (GDAL: " + m_last_error + ")";
}

void throw_gdal(ErrorKind kind, const std::string& message, const GdalErrorScope& errors) {
    const std::string text = message + errors.reason();
    if (kind == ErrorKind::output) throw output_error(text);
    throw input_error(text);
}

bool is_virtual_path(const std::string& path) {
    if (path.rfind("/vsi", 0) == 0) return true;
    // Connection strings such as "PG:dbname=x" or "MySQL:..." (a driver prefix before ':').
    const auto colon = path.find(':');
    if (colon == std::string::npos || colon < 2) return false;
    for (std::size_t i = 0; i < colon; ++i) {
        const char c = path[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'))) return false;
    }
    return true;
}

std::string redact(const std::string& path) {
    static const std::regex password(R"((password\s*=\s*)('[^']*'|[^\s'"]+))", std::regex::icase);
    // URI form: postgresql://user:secret@host/db
    static const std::regex uri_password(R"((://[^:/@\s]*:)[^@\s]*@)");
    return std::regex_replace(std::regex_replace(path, password, "$1***"), uri_password, "$1***@");
}

GDALDatasetUniquePtr open_dataset(const std::string& path, unsigned int flags,
                                  const std::vector<std::string>& open_options, ErrorKind kind) {
    register_gdal();
    const std::string shown = redact(path);
    if (!is_virtual_path(path)) {
        std::error_code ec;
        if (!std::filesystem::exists(path, ec)) {
            throw_gdal(kind, shown + ": file not found", GdalErrorScope{});
        }
    }
    CPLStringList options;
    for (const auto& o : open_options) options.AddString(o.c_str());
    GdalErrorScope errors;
    GDALDatasetUniquePtr ds(GDALDataset::Open(path.c_str(), flags, nullptr, options.List(), nullptr));
    if (!ds) {
        const char* what = (flags & GDAL_OF_RASTER) != 0 ? "raster" : "vector";
        std::error_code ec;
        if (!is_virtual_path(path) && std::filesystem::is_directory(path, ec)) {
            throw_gdal(kind, shown + ": is a folder, not " + std::string(what) + " data; give the path of a file",
                       errors);
        }
        throw_gdal(kind, shown + ": cannot open as " + std::string(what) + " data", errors);
    }
    return ds;
}

std::string crs_wkt(const OGRSpatialReference* srs) {
    if (srs == nullptr) return {};
    char* wkt = nullptr;
    const char* const options[] = {"FORMAT=WKT2_2019", nullptr};
    std::string out;
    if (srs->exportToWkt(&wkt, options) == OGRERR_NONE && wkt != nullptr) out = wkt;
    CPLFree(wkt);
    return out;
}

std::string crs_string(const OGRSpatialReference* srs) {
    if (srs == nullptr) return {};
    const char* auth = srs->GetAuthorityName(nullptr);
    const char* code = srs->GetAuthorityCode(nullptr);
    if (auth != nullptr && code != nullptr) return std::string(auth) + ":" + code;
    return crs_wkt(srs);
}

OGRSpatialReference wgs84_srs() {
    OGRSpatialReference srs;
    srs.importFromEPSG(4326);
    srs.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
    return srs;
}

}  // namespace kepu15::io::detail
