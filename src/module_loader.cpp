#include "kepu15/module_loader.hpp"

#include <dlfcn.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>
#include <mutex>
#include <system_error>

namespace kepu15 {

namespace fs = std::filesystem;

std::vector<std::string> module_search_dirs() {
    if (const char* dir = std::getenv("KEPU15_MODULE_DIR"); dir != nullptr && *dir != '\0') return {dir};
    std::vector<std::string> dirs;
    std::error_code ec;
    const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
    if (!ec && exe.has_parent_path()) {
        dirs.push_back(exe.parent_path().string());
        dirs.push_back((exe.parent_path().parent_path() / "lib" / "kepu15").string());
    }
#ifdef KEPU15_MODULE_BUILD_DIR
    if (std::find(dirs.begin(), dirs.end(), KEPU15_MODULE_BUILD_DIR) == dirs.end()) {
        dirs.emplace_back(KEPU15_MODULE_BUILD_DIR);
    }
#endif
    return dirs;
}

namespace {

std::string joined(const std::vector<std::string>& dirs) {
    std::string s;
    for (const auto& d : dirs) s += (s.empty() ? "" : ", ") + d;
    return s;
}

// Loads `file_name` from the first folder that has it. Throws module_error.
void* load(const std::string& file_name, const std::string& purpose) {
    const auto dirs = module_search_dirs();
    for (const auto& dir : dirs) {
        const fs::path path = fs::path(dir) / file_name;
        std::error_code ec;
        if (!fs::is_regular_file(path, ec)) continue;
        void* handle = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
        if (handle == nullptr) {
            const char* why = ::dlerror();
            throw module_error("the module " + path.string() + " (" + purpose + ") cannot be loaded: " +
                               (why != nullptr ? why : "unknown reason") +
                               "; rebuild kepu15 (scripts/build.sh) or install its libraries (scripts/install-deps.sh)");
        }
        using version_fn = const char* (*)();
        const auto version = reinterpret_cast<version_fn>(::dlsym(handle, "kepu15_module_version"));
        if (version == nullptr || std::strcmp(version(), KEPU15_VERSION) != 0) {
            throw module_error("the module " + path.string() + " (" + purpose + ") was built for " +
                               (version != nullptr ? std::string("kepu15 ") + version() : "another program") +
                               ", not kepu15 " KEPU15_VERSION "; rebuild kepu15 (scripts/build.sh)");
        }
        return handle;
    }
    throw module_error("the module " + file_name + " (" + purpose + ") is missing: not in " + joined(dirs) +
                       "; build it (scripts/build.sh builds every module) and keep it beside the kepu15 "
                       "executable or in ../lib/kepu15, or set KEPU15_MODULE_DIR to its folder");
}

}  // namespace

void* module_symbol(const std::string& file_name, const char* symbol, const std::string& purpose) {
    static std::mutex mutex;
    static std::map<std::string, void*> handles;  // never closed: code from them may run until exit
    const std::lock_guard<std::mutex> lock(mutex);
    auto it = handles.find(file_name);
    if (it == handles.end()) it = handles.emplace(file_name, load(file_name, purpose)).first;
    void* address = ::dlsym(it->second, symbol);
    if (address == nullptr) {
        throw module_error("the module " + file_name + " (" + purpose + ") has no entry point " + symbol +
                           "; rebuild kepu15 (scripts/build.sh)");
    }
    return address;
}

}  // namespace kepu15
