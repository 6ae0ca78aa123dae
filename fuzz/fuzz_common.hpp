// Shared parts of the libFuzzer targets: the input is written to a real temporary file (the readers
// take paths and look at extensions and sidecar files, as they do for users), warnings are
// silenced, and only kepu15::error may escape a reader. Anything else (std::exception from a
// library, a crash, a sanitizer report) is a bug that the fuzzer reports.
#pragma once

#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <fstream>
#include <string>

#include "kepu15/error.hpp"

namespace kepu15::fuzz {

inline void quiet(const std::string& /*message*/) {}

// A file named `name` (extension decides the format) in a per-process temporary folder.
inline std::string write_input(const std::uint8_t* data, std::size_t size, const std::string& name) {
    static const std::string dir = [] {
        std::string d = "/tmp/kepu15_fuzz_" + std::to_string(::getpid());
        std::system(("mkdir -p " + d).c_str());  // NOLINT(cert-env33-c): fixed path, no user input
        return d;
    }();
    const std::string path = dir + "/" + name;
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
    return path;
}

// Runs `f`; expected errors (kepu15::error) are fine, anything else aborts with its message.
template <class F>
int run_reader(F&& f) {
    set_warning_sink(&quiet);
    try {
        f();
    } catch (const kepu15::error&) {
        return 0;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "fuzz: unexpected exception (exit 1 for a user): %s\n", e.what());
        std::abort();
    }
    return 0;
}

}  // namespace kepu15::fuzz
