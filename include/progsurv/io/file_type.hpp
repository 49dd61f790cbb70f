#pragma once
// Which kind of progsurv file a path holds, so one command can read any of them.
#include <string>

namespace progsurv {

// The root attribute `filetype` ("progsurv-run", "progsurv-sweep", "progsurv-attribution",
// ...). Throws FileFormatError when the file is unreadable, not HDF5, or has none.
std::string file_type(const std::string& path);

}  // namespace progsurv
