#pragma once
// Durable directory entries: after a rename or removal (the sweep journal), the folder is
// synced too. Output files themselves go through replace_file() (progsurv/io/output_file.hpp).
#include <string>

namespace progsurv {

// Best effort: forces the directory entry of `path` (a rename) to disk.
void sync_directory_of(const std::string& path);

}  // namespace progsurv
