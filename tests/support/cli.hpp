// Runs the kepu15 CLI as a user would and captures its exit code and output.
#pragma once

#include "paths.hpp"

#include <sys/wait.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace kepu15::test {

struct CliResult {
    int exit_code = -1;
    std::string out;
    std::string err;
};

inline std::string shell_quote(const std::string& s) {
    std::string q = "'";
    for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return q + "'";
}

inline std::string slurp(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

inline CliResult run_cli(const std::vector<std::string>& args) {
    TempDir capture("cli");
    // Appends one piece at a time (GCC 12 warns falsely about `" " + std::string` here).
    std::string cmd = shell_quote(cli_path().string());
    for (const auto& a : args) {
        cmd += ' ';
        cmd += shell_quote(a);
    }
    cmd += " >";
    cmd += shell_quote(capture.file("out"));
    cmd += " 2>";
    cmd += shell_quote(capture.file("err"));
    const int status = std::system(cmd.c_str());
    CliResult r;
    r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    r.out = slurp(capture.file("out"));
    r.err = slurp(capture.file("err"));
    return r;
}

// Files (recursively, including hidden ones) below `dir`; empty when it does not exist.
inline std::vector<std::string> files_below(const std::filesystem::path& dir) {
    std::vector<std::string> out;
    if (!std::filesystem::exists(dir)) return out;
    for (const auto& e : std::filesystem::recursive_directory_iterator(dir)) out.push_back(e.path().string());
    return out;
}

}  // namespace kepu15::test
