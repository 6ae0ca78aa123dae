// Error hierarchy of kepu15. Library code throws; only the CLI's main() catches and maps
// each type to a documented exit code (see README "Exit codes").
#pragma once

#include <stdexcept>
#include <string>

namespace kepu15 {

class error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// Bad file, layer, field, row or value (missing file, empty layer, NaN, non-numeric field).
class input_error : public error {
public:
    using error::error;
};

// Unknown CRS or a transformation PROJ cannot do.
class crs_error : public error {
public:
    using error::error;
};

// Geometry that cannot be used even after repair (GEOS failure, degenerate polygon).
class geometry_error : public error {
public:
    using error::error;
};

// Bad study file, option or combination of options.
class config_error : public error {
public:
    using error::error;
};

// Failure while writing an output (disk full, unwritable folder, driver error).
class output_error : public error {
public:
    using error::error;
};

// Documented exit codes of the kepu15 CLI.
namespace exit_code {
inline constexpr int ok = 0;
inline constexpr int internal = 1;   // unexpected error (a bug)
inline constexpr int usage = 2;      // bad command line
inline constexpr int input = 3;      // input_error
inline constexpr int crs = 4;        // crs_error
inline constexpr int geometry = 5;   // geometry_error
inline constexpr int config = 6;     // config_error
inline constexpr int output = 7;     // output_error
inline constexpr int memory = 8;     // std::bad_alloc: the machine has not enough memory for the run
}  // namespace exit_code

// Rethrows the current exception of the same category with `context` prepended, so the user
// sees where it happened: "roads.gpkg, layer roads: field 'speed' not found".
// REQUIRES: called inside a catch block.
[[noreturn]] void rethrow_with_context(const std::string& context);

// Warnings (repaired geometry, skipped rows) go through one sink so the CLI can print them and
// tests can capture them. DEFAULT: prints "kepu15: warning: <msg>" on stderr.
using warning_sink = void (*)(const std::string& message);
void set_warning_sink(warning_sink sink);
void warn(const std::string& message);

}  // namespace kepu15
