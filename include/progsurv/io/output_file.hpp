#pragma once
// Output files: checking a path before any work is done, naming default outputs safely, and
// replacing a file atomically without following planted symlinks (docs/robustness.md).
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "progsurv/scenario/error.hpp"

namespace progsurv {

// An output path that cannot be used as given (a device, a directory, the command's own
// input, a write-protected file, a missing folder, a name too long). The command exits 2;
// Python raises ValueError.
class OutputPathError : public UsageError {
 public:
  using UsageError::UsageError;
};

// An output file could not be created: what() is the message the command prints, error()
// the errno and path() the output path, so Python can raise the matching OSError
// (FileNotFoundError for a missing folder).
class OutputFileError : public std::runtime_error {
 public:
  OutputFileError(const std::string& what, int error, std::string path)
      : std::runtime_error(what), error_(error), path_(std::move(path)) {}
  int error() const { return error_; }
  const std::string& path() const { return path_; }

 private:
  int error_;
  std::string path_;
};

struct OutputCheck {
  // Files the command reads (scenario, sweep file, its base scenario): the output may not
  // be any of them, whatever the spelling of the path.
  std::vector<std::string> inputs;
  // Replace a write-protected regular file anyway, or one that holds something else than
  // `filetype`.
  bool force = false;
  // The filetype the command writes ("progsurv-run", ...): an existing non-empty file that is
  // not a progsurv file of this type is refused without force (a sweep's -o onto a run file
  // is a slip, not a re-run). Empty: not checked (the Python API's writers).
  std::string filetype;
};

// Throws OutputPathError when `path` cannot receive an output file: its folder is missing
// or not writable, its name (with the temporary suffix) is too long, it exists and is not a
// regular file, it is one of `check.inputs`, or (unless force) it is write-protected or
// holds something else than a file of `check.filetype`.
void check_output_path(const std::string& path, const OutputCheck& check = {});

// A plain file name in the working folder made from a scenario or sweep name: characters
// other than letters, digits, '-', '_' and '.' become '_', leading dots are dropped, a stem
// over 100 bytes is cut to 91 and ends in '-' and 8 hex digits of a hash of the whole name
// (100 bytes), and an empty stem becomes `fallback`. "../x" gives "x.h5".
std::string default_output_name(const std::string& name, const std::string& suffix,
                                const std::string& fallback = "progsurv");

// Replaces `path` with `bytes`: written to a new temporary file next to it (created with
// O_EXCL|O_NOFOLLOW, so a planted file or symlink is never opened), synced, renamed over
// `path`, and the folder synced. On any failure (disk full, ...) the temporary file is
// removed, `path` is untouched, and std::runtime_error says why. Temporary files that a
// killed earlier writer of the same `path` left behind (its process is gone) are removed.
void replace_file(const std::string& path, const std::string& bytes);

// Renames each finished file {staged, path} over its output in order, then syncs the
// outputs' folders: for files written elsewhere first (Python's `report` stages its run and
// attribution beside the page, to appear with it). A target that is not a regular file is
// refused (OutputPathError); a failed rename throws std::runtime_error, and the files not
// yet moved stay where they were staged.
void move_into_place(const std::vector<std::pair<std::string, std::string>>& moves);

// Throws OutputPathError when `path` cannot receive a folder of output files: it exists and
// is not a folder (or is not writable, or is one of `check.inputs`), or, when new, its
// parent could not take it (check_output_path's rules).
void check_output_folder(const std::string& path, const OutputCheck& check = {});

// Writes `files` ({plain file name, bytes}) into folder `path`, all or nothing. A new folder
// is built under a temporary name next to it (".<name>.progsurv-tmp-<pid>-<random>",
// created with mkdir, which never follows a planted name) and renamed into place; if
// another writer created `path` meanwhile, nothing is written. In an existing folder each
// file is checked like an output (regular files only, write protection, inputs), written to
// its own O_EXCL|O_NOFOLLOW temporary file, and only when all are complete renamed in; other
// files in the folder are left alone. On failure every temporary is removed and
// std::runtime_error (or OutputPathError) says why.
void replace_folder(const std::string& path,
                    const std::vector<std::pair<std::string, std::string>>& files,
                    const OutputCheck& check = {});

// The prefix of the temporary files replace_file uses for `path`: ".<name>.progsurv-tmp-"
// in the same folder, followed by "<pid>-<random>".
std::string temporary_prefix(const std::string& path);

// Removes from `folder` the temporary files and folders that the writer process `pid` left
// ("<temporary_prefix(any output)><pid>-<random>", ours, never symlinks). For a parent that
// has just killed that writer and not yet reaped it, so the pid cannot belong to another.
void remove_temporaries_of(const std::string& folder, long pid);

}  // namespace progsurv
