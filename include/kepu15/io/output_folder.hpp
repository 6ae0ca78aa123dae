// An output folder that changes all at once: after any run, successful or not, the folder holds
// exactly one run's complete outputs and nothing of an earlier run's, beside files kepu15 does not
// own (the map viewer, a README), which are never modified.
//
// How (Linux): the new outputs are written into a staging folder beside the target, on the same
// filesystem (".<name>.kepu15-staging-<pid>-<n>"). commit() writes a manifest listing them
// (".kepu15-manifest.json"), hard-links every entry of the current folder that the previous
// manifest does not list into the staging folder (copy as fallback), swaps the two folders with one
// renameat2(RENAME_EXCHANGE) and removes the old one. A SIGKILL at any point leaves either the old
// complete folder or the new complete folder at the target path; the next run removes leftovers.
//
// - A lock file beside the target (".<name>.kepu15-lock", flock) keeps two runs from writing the
//   same output at once: the second fails at once with output_error naming the first's pid.
// - SIGINT, SIGTERM and SIGHUP remove the staging folder before the process ends.
// - Without a manifest (outputs of kepu15 before 0.2) the known output names count as owned:
//   cells.*, gaps.*, villages.*, facilities.*, water.*, isochrones.*, summary.json, towns.csv,
//   villages.csv, compare.csv, traveltime_*.tif and old ".kepu15-staging.tmp-*" folders.
#pragma once

#include <memory>
#include <string>
#include <vector>

namespace kepu15::io {

inline constexpr const char* manifest_name = ".kepu15-manifest.json";

class OutputFolder {
public:
    // Takes the lock, removes leftovers of killed runs, creates the staging folder (and the
    // target's parent folders). Throws output_error naming the target.
    explicit OutputFolder(const std::string& target_dir);
    // Without commit(): removes the staging folder; the target is untouched.
    ~OutputFolder();
    OutputFolder(const OutputFolder&) = delete;
    OutputFolder& operator=(const OutputFolder&) = delete;

    // Staging path of `relative_name` (parent folders created). Throws output_error for absolute
    // names or names with "..".
    [[nodiscard]] std::string path_for(const std::string& relative_name);
    [[nodiscard]] const std::string& target_dir() const { return m_target; }
    [[nodiscard]] const std::string& staging_dir() const { return m_staging; }

    // Makes the staged outputs the folder's content (see above). Throws output_error; after a
    // failure the target holds the previous outputs.
    void commit();

    // Top-level names listed by the manifest of `dir` (empty when there is none).
    static std::vector<std::string> read_manifest(const std::string& dir);

private:
    std::string m_target;    // absolute
    std::string m_staging;   // absolute, beside m_target
    int m_lock_fd = -1;
    int m_cleanup_slot = -1;
    bool m_committed = false;
};

namespace detail {
// Test hook: when the environment variable KEPU15_TEST_KILL_AT=N is set, the N-th checkpoint of
// the write stage (counted from 1 in this process) sends SIGKILL to the process itself. The
// SIGKILL tests use it to stop a run at every step of a commit.
void output_checkpoint();

// Registers a path (file or folder) to remove when SIGINT/SIGTERM/SIGHUP ends the process.
// Returns a slot for unregister_cleanup(); -1 when every slot is taken (no cleanup then).
int register_cleanup(const std::string& path);
void unregister_cleanup(int slot);
// Installs the SIGINT/SIGTERM/SIGHUP handlers (done by the first register_cleanup); the handlers
// found before are called after the cleanup. Call again after another library replaced them.
void install_signal_cleanup();
}  // namespace detail

}  // namespace kepu15::io
