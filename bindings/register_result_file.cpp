// The HDF5 file of a run (docs/hdf5-format.md), through the same C++ writer and reader
// as the command line: one format, whichever side wrote it.
#include <pybind11/stl.h>
#include <pybind11/stl/filesystem.h>

#include <filesystem>
#include <string>
#include <vector>

#include "progsurv/io/file_type.hpp"
#include "progsurv/io/result_file.hpp"
#include "register.hpp"

namespace progsurv::python {

void register_result_file(py::module_& m) {
  m.def(
      "write_result",
      [](const std::filesystem::path& path, const RunResult& result) {
        write_result(path.string(), result);
      },
      py::arg("path"), py::arg("result"), py::call_guard<py::gil_scoped_release>(),
      "Write `result` to an HDF5 file (atomically: a temporary file renamed into place).");
  m.def(
      "read_result", [](const std::filesystem::path& path) { return read_result(path.string()); },
      py::arg("path"), py::call_guard<py::gil_scoped_release>(),
      "Read a run file written by `progsurv run` or Result.to_hdf5. Raises FileFormatError "
      "for a foreign, newer, older or truncated file.");
  m.def(
      "file_type", [](const std::filesystem::path& path) { return file_type(path.string()); },
      py::arg("path"), py::call_guard<py::gil_scoped_release>(),
      "Returns the filetype attribute of a progsurv HDF5 file ('progsurv-run', "
      "'progsurv-sweep', 'progsurv-portfolio', ...); raises FileFormatError for a file "
      "without one.");
  // The rows of /time_decomposition and /counts in the file's order, which
  // Result.time_decomposition() and Result.counts() follow.
  const auto names = [](const std::vector<Quantity>& qs) {
    std::vector<std::string> v;
    for (Quantity q : qs) v.push_back(to_string(q));
    return v;
  };
  m.attr("time_decomposition_names") = names(time_quantities());
  m.attr("count_names") = names(count_quantities());
}

}  // namespace progsurv::python
