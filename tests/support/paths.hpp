// Paths shared by the tests: the source tree, the CLI binary, and ../shared (real public data).
#pragma once

#include <filesystem>
#include <string>

#include <unistd.h>

namespace kepu15::test {

inline std::filesystem::path source_dir() { return KEPU15_SOURCE_DIR; }
inline std::filesystem::path cli_path() { return KEPU15_CLI; }
inline std::filesystem::path fixtures_dir() { return source_dir() / "tests" / "fixtures"; }
// ../shared/geodata-raw beside the project; may be absent (tests then skip with a message).
inline std::filesystem::path shared_raw_dir() { return source_dir().parent_path() / "shared" / "geodata-raw"; }
inline bool have_shared_raw() { return std::filesystem::exists(shared_raw_dir()); }

// A fresh empty temporary folder, removed by the destructor.
class TempDir {
public:
    explicit TempDir(const std::string& tag) {
        static int counter = 0;
        m_path = std::filesystem::temp_directory_path() /
                 ("kepu15-" + tag + "-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
        std::filesystem::remove_all(m_path);
        std::filesystem::create_directories(m_path);
    }
    ~TempDir() {
        std::error_code ec;
        std::filesystem::remove_all(m_path, ec);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    [[nodiscard]] const std::filesystem::path& path() const { return m_path; }
    [[nodiscard]] std::string file(const std::string& name) const { return (m_path / name).string(); }

private:
    std::filesystem::path m_path;
};

}  // namespace kepu15::test
