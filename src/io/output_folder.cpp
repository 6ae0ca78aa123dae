#include "kepu15/io/output_folder.hpp"

#include "kepu15/error.hpp"
#include "kepu15/io/detail/gdal_util.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <sstream>

namespace kepu15::io {

namespace fs = std::filesystem;

namespace detail {

namespace {

// ---- removal on SIGINT/SIGTERM/SIGHUP ---------------------------------------------------------
// A fixed table, so the handler touches no allocator: a slot is free, armed (remove its path on a
// signal), busy (a rename is in flight: leave it; the next run removes what is left) or taken by
// the handler.
enum SlotState : int { slot_free = 0, slot_armed = 1, slot_busy = 2, slot_removing = 3 };
struct CleanupSlot {
    std::atomic<int> state{slot_free};
    char path[4096]{};
};
std::array<CleanupSlot, 32> g_slots;
std::once_flag g_handlers_once;

struct linux_dirent64 {
    ino64_t d_ino;
    off64_t d_off;
    unsigned short d_reclen;
    unsigned char d_type;
    char d_name[];
};

// Async-signal-safe recursive removal (openat, getdents64, unlinkat only).
void remove_tree_at(int dirfd, const char* name, int depth) {
    if (::unlinkat(dirfd, name, 0) == 0 || depth > 64) return;
    if (errno != EISDIR && errno != EPERM) return;
    for (int pass = 0; pass < 4; ++pass) {
        const int fd = ::openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0) return;
        alignas(8) char buf[4096];
        for (;;) {
            const long n = ::syscall(SYS_getdents64, fd, buf, sizeof buf);
            if (n <= 0) break;
            for (long off = 0; off < n;) {
                const auto* d = reinterpret_cast<const linux_dirent64*>(buf + off);
                off += d->d_reclen;
                if (std::strcmp(d->d_name, ".") == 0 || std::strcmp(d->d_name, "..") == 0) continue;
                remove_tree_at(fd, d->d_name, depth + 1);
            }
        }
        ::close(fd);
        if (::unlinkat(dirfd, name, AT_REMOVEDIR) == 0 || errno != ENOTEMPTY) return;
    }
}

constexpr int handled_signals[] = {SIGINT, SIGTERM, SIGHUP};
// The handlers found when ours were installed, called after the cleanup (chained).
struct sigaction g_previous[NSIG];

void on_signal(int sig) {
    const int saved = errno;
    for (auto& slot : g_slots) {
        int expected = slot_armed;
        if (slot.state.compare_exchange_strong(expected, slot_removing)) remove_tree_at(AT_FDCWD, slot.path, 0);
    }
    errno = saved;
    const struct sigaction& prev = g_previous[sig];
    if ((prev.sa_flags & SA_SIGINFO) == 0 && prev.sa_handler != SIG_DFL && prev.sa_handler != SIG_IGN) {
        prev.sa_handler(sig);
        return;
    }
    if ((prev.sa_flags & SA_SIGINFO) != 0 && prev.sa_sigaction != nullptr) {
        prev.sa_sigaction(sig, nullptr, nullptr);
        return;
    }
    std::signal(sig, SIG_DFL);
    ::raise(sig);
}

}  // namespace

void install_signal_cleanup() {
    for (const int sig : handled_signals) {
        struct sigaction old {};
        if (::sigaction(sig, nullptr, &old) != 0) continue;
        if (old.sa_handler == &on_signal) continue;  // already ours
        if ((old.sa_flags & SA_SIGINFO) == 0 && old.sa_handler == SIG_IGN) continue;  // e.g. nohup
        g_previous[sig] = old;
        struct sigaction sa {};
        sa.sa_handler = &on_signal;
        sigemptyset(&sa.sa_mask);
        sa.sa_flags = 0;
        ::sigaction(sig, &sa, nullptr);
    }
}

namespace {

// Marks a slot busy for the duration of a rename; false when the handler already took it (the
// process is about to end).
bool begin_busy(int slot) {
    if (slot < 0) return true;
    int expected = slot_armed;
    return g_slots[static_cast<std::size_t>(slot)].state.compare_exchange_strong(expected, slot_busy);
}
void end_busy(int slot) {
    if (slot >= 0) g_slots[static_cast<std::size_t>(slot)].state.store(slot_armed);
}

long env_kill_at() {
    const char* v = std::getenv("KEPU15_TEST_KILL_AT");
    return v == nullptr ? 0 : std::strtol(v, nullptr, 10);
}

}  // namespace

void output_checkpoint() {
    // Counted per process: a forked child starts again from 1.
    static std::atomic<long> count{0};
    static std::atomic<pid_t> owner{0};
    const pid_t self = ::getpid();
    if (owner.exchange(self) != self) count = 0;
    const long kill_at = env_kill_at();
    if (kill_at > 0 && ++count == kill_at) ::kill(self, SIGKILL);
}

int register_cleanup(const std::string& path) {
    std::call_once(g_handlers_once, install_signal_cleanup);
    if (path.size() + 1 > sizeof(CleanupSlot::path)) return -1;
    for (std::size_t i = 0; i < g_slots.size(); ++i) {
        int expected = slot_free;
        if (g_slots[i].state.compare_exchange_strong(expected, slot_busy)) {
            std::memcpy(g_slots[i].path, path.c_str(), path.size() + 1);
            g_slots[i].state.store(slot_armed);
            return static_cast<int>(i);
        }
    }
    return -1;
}

void unregister_cleanup(int slot) {
    if (slot < 0) return;
    auto& s = g_slots[static_cast<std::size_t>(slot)];
    int expected = slot_armed;
    if (!s.state.compare_exchange_strong(expected, slot_free)) {
        expected = slot_busy;
        s.state.compare_exchange_strong(expected, slot_free);
    }
}

}  // namespace detail

namespace {

using detail::output_checkpoint;

bool owned_without_manifest(const std::string& name) {
    static const std::regex known(
        R"(((cells|gaps|villages|facilities|water|isochrones)(\.fieldnames\.csv|\.[A-Za-z]{2,7}(\.xml)?))|)"
        R"(summary\.json|towns\.csv|towns\.csvt|compare\.csv|compare\.csvt|traveltime_.*\.tif|)"
        R"(\.kepu15-staging\.tmp-.*|\..*\.tmp-[0-9]+-[0-9]+.*)");
    return std::regex_match(name, known);
}

std::string message_of(int err) { return std::strerror(err); }

// Hard-links (or, where links are not possible, copies) `from` to `to`, recursively for folders.
void link_tree(const fs::path& from, const fs::path& to) {
    const fs::file_status st = fs::symlink_status(from);
    if (fs::is_symlink(st)) {
        fs::copy_symlink(from, to);
    } else if (fs::is_directory(st)) {
        fs::create_directory(to, from);
        for (const auto& e : fs::directory_iterator(from)) link_tree(e.path(), to / e.path().filename());
    } else {
        std::error_code ec;
        fs::create_hard_link(from, to, ec);
        if (ec) fs::copy_file(from, to, fs::copy_options::overwrite_existing);
    }
}

int exchange(const fs::path& a, const fs::path& b) {
    return static_cast<int>(::syscall(SYS_renameat2, AT_FDCWD, a.c_str(), AT_FDCWD, b.c_str(), 2 /*RENAME_EXCHANGE*/));
}

}  // namespace

OutputFolder::OutputFolder(const std::string& target_dir) {
    if (target_dir.empty()) throw output_error("output folder: no path given");
    // Never a folder named after a connection string (with its password) when a database output
    // is not wired or mistyped.
    if ((detail::is_virtual_path(target_dir) && target_dir.rfind("/vsi", 0) != 0) ||
        target_dir.find("dbname=") != std::string::npos || target_dir.find("password=") != std::string::npos) {
        throw config_error("output folder '" + detail::redact(target_dir) +
                           "' looks like a connection string; no folder is created from it");
    }
    std::error_code ec;
    fs::path target = fs::absolute(target_dir, ec).lexically_normal();
    if (target.has_filename() == false) target = target.parent_path();  // "maps/" -> "maps"
    if (fs::is_symlink(target, ec)) target = fs::canonical(target, ec);  // swap the folder, not the link
    if (fs::exists(target, ec) && !fs::is_directory(target, ec)) {
        throw output_error(target_dir + ": exists and is not a folder");
    }
    const fs::path parent = target.parent_path();
    fs::create_directories(parent, ec);
    if (ec || !fs::is_directory(parent)) {
        throw output_error(target_dir + ": cannot create folder '" + parent.string() + "'" +
                           (ec ? " (" + ec.message() + ")" : ""));
    }
    m_target = target.string();
    const std::string name = target.filename().string();

    const fs::path lock_path = parent / ("." + name + ".kepu15-lock");
    m_lock_fd = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (m_lock_fd < 0) {
        throw output_error(target_dir + ": cannot create lock file '" + lock_path.string() + "' (" +
                           message_of(errno) + ")");
    }
    if (::flock(m_lock_fd, LOCK_EX | LOCK_NB) != 0) {
        char buf[32]{};
        const ssize_t n = ::pread(m_lock_fd, buf, sizeof buf - 1, 0);
        ::close(m_lock_fd);
        m_lock_fd = -1;
        std::string pid = n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : std::string("?");
        pid.erase(std::remove(pid.begin(), pid.end(), '\n'), pid.end());
        throw output_error(target_dir + ": another kepu15 run (pid " + pid +
                           ") is writing this output; wait until it has finished or choose another output");
    }
    const std::string pid = std::to_string(::getpid()) + "\n";
    if (::ftruncate(m_lock_fd, 0) == 0) {
        [[maybe_unused]] const ssize_t w = ::pwrite(m_lock_fd, pid.data(), pid.size(), 0);
    }
    output_checkpoint();

    // Leftovers of killed runs: only runs holding this lock create them, and we hold it now.
    const std::string prefix = "." + name + ".kepu15-staging-";
    for (fs::directory_iterator it(parent, ec), end; !ec && it != end; it.increment(ec)) {
        if (it->path().filename().string().rfind(prefix, 0) == 0) {
            std::error_code ignored;
            fs::remove_all(it->path(), ignored);
        }
    }
    output_checkpoint();

    static std::atomic<unsigned> counter{0};
    m_staging = (parent / (prefix + std::to_string(::getpid()) + "-" + std::to_string(counter++))).string();
    fs::create_directory(m_staging, ec);
    if (ec) {
        ::close(m_lock_fd);
        throw output_error(target_dir + ": cannot create staging folder beside it (" + ec.message() + ")");
    }
    m_cleanup_slot = detail::register_cleanup(m_staging);
    output_checkpoint();
}

OutputFolder::~OutputFolder() {
    if (!m_committed) {
        // If a commit failed after the swap, m_staging holds the old outputs: removing them is right.
        std::error_code ec;
        fs::remove_all(m_staging, ec);
    }
    detail::unregister_cleanup(m_cleanup_slot);
    if (m_lock_fd >= 0) ::close(m_lock_fd);  // releases the flock
}

std::string OutputFolder::path_for(const std::string& relative_name) {
    const fs::path rel(relative_name);
    if (relative_name.empty() || rel.is_absolute() || relative_name.find("..") != std::string::npos) {
        throw output_error(m_target + ": output name '" + relative_name +
                           "' must be a relative path inside the folder");
    }
    const fs::path p = fs::path(m_staging) / rel;
    std::error_code ec;
    fs::create_directories(p.parent_path(), ec);
    if (ec) throw output_error(m_target + ": cannot create '" + rel.parent_path().string() + "' (" + ec.message() + ")");
    output_checkpoint();
    return p.string();
}

std::vector<std::string> OutputFolder::read_manifest(const std::string& dir) {
    std::ifstream in(fs::path(dir) / manifest_name);
    if (!in) return {};
    try {
        const auto j = nlohmann::json::parse(in);
        return j.at("files").get<std::vector<std::string>>();
    } catch (const std::exception&) {
        return {};  // unreadable manifest: the known names apply
    }
}

void OutputFolder::commit() {
    if (m_committed) return;
    const fs::path target(m_target);
    const fs::path staging(m_staging);
    try {
        // 1. Manifest: every top-level entry of the staging folder.
        std::vector<std::string> names;
        for (const auto& e : fs::directory_iterator(staging)) names.push_back(e.path().filename().string());
        std::sort(names.begin(), names.end());
        {
            nlohmann::json j;
            j["kepu15"] = KEPU15_VERSION;
            j["files"] = names;
            std::ofstream out(staging / manifest_name, std::ios::binary);
            out << j.dump(1) << '\n';
            out.close();
            if (!out) throw output_error(m_target + ": cannot write " + manifest_name + " (disk full?)");
        }
        output_checkpoint();

        const bool target_exists = fs::exists(target);
        if (target_exists) {
            // 2. Carry over what kepu15 does not own.
            const std::vector<std::string> old_manifest = read_manifest(m_target);
            const bool has_manifest = fs::exists(target / manifest_name);
            const std::set<std::string> old_owned(old_manifest.begin(), old_manifest.end());
            const std::set<std::string> new_owned(names.begin(), names.end());
            for (const auto& e : fs::directory_iterator(target)) {
                const std::string name = e.path().filename().string();
                if (name == manifest_name || new_owned.count(name) != 0 || old_owned.count(name) != 0) continue;
                if (!has_manifest && owned_without_manifest(name)) continue;
                link_tree(e.path(), staging / name);
                output_checkpoint();
            }
        }

        // 3. Swap (or move into place).
        if (!detail::begin_busy(m_cleanup_slot)) throw output_error(m_target + ": interrupted");
        output_checkpoint();
        int rc = 0;
        if (target_exists) {
            rc = exchange(staging, target);
        } else {
            rc = static_cast<int>(::syscall(SYS_renameat2, AT_FDCWD, staging.c_str(), AT_FDCWD, target.c_str(),
                                            1 /*RENAME_NOREPLACE*/));
            if (rc != 0 && (errno == EINVAL || errno == ENOSYS)) rc = ::rename(staging.c_str(), target.c_str());
        }
        if (rc != 0 && target_exists && (errno == EINVAL || errno == ENOSYS)) {
            // A filesystem without RENAME_EXCHANGE: two renames, with a short window in which the
            // target path is missing (the old folder then waits under the staging name).
            const fs::path aside = staging.string() + "-old";
            rc = ::rename(target.c_str(), aside.c_str());
            if (rc == 0) {
                rc = ::rename(staging.c_str(), target.c_str());
                if (rc != 0) {
                    ::rename(aside.c_str(), target.c_str());
                } else {
                    ::rename(aside.c_str(), staging.c_str());
                }
            }
        }
        const int err = errno;
        detail::end_busy(m_cleanup_slot);
        if (rc != 0) {
            throw output_error(m_target + ": cannot move the new outputs into place (" + message_of(err) + ")");
        }
        m_committed = true;
        output_checkpoint();
        if (!target_exists) return;

        // 4. The staging path now holds the old outputs. Entries a user added during the commit
        // (not owned, not carried over) go back; then the old folder is removed.
        const std::vector<std::string> old_manifest = read_manifest(m_staging);
        const std::set<std::string> old_owned(old_manifest.begin(), old_manifest.end());
        const bool has_manifest = fs::exists(staging / manifest_name);
        std::error_code ec;
        for (fs::directory_iterator it(staging, ec), end; !ec && it != end; it.increment(ec)) {
            const std::string name = it->path().filename().string();
            if (name == manifest_name || old_owned.count(name) != 0) continue;
            if (!has_manifest && owned_without_manifest(name)) continue;
            std::error_code ignored;
            if (!fs::exists(target / name, ignored)) fs::rename(it->path(), target / name, ignored);
        }
        output_checkpoint();
        fs::remove_all(staging, ec);
        output_checkpoint();
    } catch (const fs::filesystem_error& e) {
        throw output_error(m_target + ": cannot commit outputs: " + e.path1().filename().string() + ": " +
                           e.code().message());
    }
}

}  // namespace kepu15::io
