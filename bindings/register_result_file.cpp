// The HDF5 file of a run (docs/hdf5-format.md), through the same C++ writer and reader
// as the command line: one format, whichever side wrote it.
#include <pybind11/stl/filesystem.h>

#include <filesystem>

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
}

}  // namespace progsurv::python
