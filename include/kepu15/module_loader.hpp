// Optional parts of kepu15 built as modules: shared objects loaded with dlopen on first use, so that
// a plain `kepu15 run` maps only GDAL's libraries at start-up (docs/performance.md "Start-up and
// exit"). Two exist: kepu15-render.so (printable maps: Mapnik, cairo, pango; `kepu15 render`,
// `--render`) and kepu15-cbc.so (the exact siting solver: COIN-OR CBC; `kepu15 site`).
#pragma once

#include "kepu15/error.hpp"

#include <string>
#include <vector>

namespace kepu15 {

// A module is missing, unloadable or from another build. main maps it to exit code 1 and says which
// file, where it was looked for, and what it is needed for.
class module_error : public error {
public:
    using error::error;
};

// Folders searched for modules, in order: $KEPU15_MODULE_DIR alone when set (non-empty); else the
// folder of the running executable (/proc/self/exe), its ../lib/kepu15, and the build folder kepu15
// was built in (the executables of a build tree sit beside the modules).
[[nodiscard]] std::vector<std::string> module_search_dirs();

// The address of `symbol` in module `file_name` ("kepu15-render.so"). The module is loaded on the
// first call and stays loaded until the process ends; thread-safe. `purpose` ("printable maps") goes
// into the message. Throws module_error when the file is not found in module_search_dirs(), cannot be
// loaded, was built for another kepu15 version, or lacks `symbol`.
[[nodiscard]] void* module_symbol(const std::string& file_name, const char* symbol, const std::string& purpose);

}  // namespace kepu15

// Marks the entry points a module exports (everything else in a module is hidden).
#define KEPU15_MODULE_EXPORT extern "C" __attribute__((visibility("default")))

// Every module defines this once: the loader refuses a module built for another kepu15 version.
#define KEPU15_DEFINE_MODULE_VERSION \
    KEPU15_MODULE_EXPORT const char* kepu15_module_version() { return KEPU15_VERSION; }
