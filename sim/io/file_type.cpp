// The filetype attribute of a progsurv HDF5 file.
#include "progsurv/io/file_type.hpp"

#include "io/h5.hpp"
#include "io/result_h5.hpp"
#include "progsurv/scenario/error.hpp"

namespace progsurv {

std::string file_type(const std::string& path) {
  h5::check_readable(path);
  try {
    const h5::File f = h5::File::open_read(path);
    if (!f.has_attr("filetype") || !f.attr_is_string("filetype"))
      throw FileFormatError(path + ": not a progsurv file (no 'filetype' attribute)");
    return f.read_attr_string("filetype");
  } catch (const h5::Error& e) {
    throw h5::not_hdf5(path, e.detail().empty() ? "" : " (" + e.detail() + ")");
  }
}

}  // namespace progsurv
