#pragma once
// Durable writes: output files are written to a temporary name, synced, renamed into
// place, and the directory synced, so a power loss never exposes a half-written file.
#include <string>

namespace progsurv {

// Forces the file's data to disk; throws std::runtime_error when it cannot.
void sync_file(const std::string& path);

// Best effort: forces folder `dir`'s entries (renames into it) to disk.
void sync_folder(const std::string& dir);

// Best effort: forces the directory entry of `path` (a rename) to disk.
void sync_directory_of(const std::string& path);

}  // namespace progsurv
