// The one writer of output files (progsurv/io/output_file.hpp), for the Python half of
// report, export and fit: Python builds a file in memory and hands its bytes to the same
// checks and the same temporary-file-and-rename that the C++ commands use.
#include <pybind11/stl.h>
#include <pybind11/stl/filesystem.h>

#include <filesystem>

#include "progsurv/io/output_file.hpp"
#include "register.hpp"

namespace progsurv::python {
namespace {

OutputCheck make_check(const std::vector<std::filesystem::path>& inputs, bool force) {
  OutputCheck check;
  for (const auto& input : inputs) check.inputs.push_back(input.string());
  check.force = force;
  return check;
}

}  // namespace

void register_output_file(py::module_& m) {
  m.def(
      "check_output_path",
      [](const std::filesystem::path& path, const std::vector<std::filesystem::path>& inputs,
         bool force, const std::string& filetype) {
        OutputCheck check = make_check(inputs, force);
        check.filetype = filetype;
        check_output_path(path.string(), check);
      },
      py::arg("path"), py::arg("inputs") = std::vector<std::filesystem::path>{},
      py::arg("force") = false, py::arg("filetype") = "",
      "Raise ValueError when `path` cannot receive an output file: a missing or unwritable "
      "folder, a name too long, not a regular file (device, FIFO, folder), one of `inputs`, "
      "write-protected without `force`, or (with `filetype`, as the commands check) a "
      "non-empty file that is not a progsurv file of that type, without `force`.");
  m.def(
      "check_output_folder",
      [](const std::filesystem::path& path, const std::vector<std::filesystem::path>& inputs,
         bool force) { check_output_folder(path.string(), make_check(inputs, force)); },
      py::arg("path"), py::arg("inputs") = std::vector<std::filesystem::path>{},
      py::arg("force") = false,
      "Raise ValueError when `path` cannot receive a folder of output files.");
  m.def(
      "replace_file",
      [](const std::filesystem::path& path, const py::bytes& data) {
        std::string bytes = data;  // copied while the GIL is held
        py::gil_scoped_release release;
        replace_file(path.string(), bytes);
      },
      py::arg("path"), py::arg("data"),
      "Replace `path` with `data` atomically: a new O_EXCL|O_NOFOLLOW temporary file with an "
      "unpredictable name next to it, synced, renamed over `path`. Raises ValueError for a "
      "target that is not a regular file, RuntimeError (old file untouched, temporary "
      "removed) when writing fails, e.g. on a full disk.");
  m.def(
      "move_into_place",
      [](const std::vector<std::pair<std::filesystem::path, std::filesystem::path>>& moves) {
        std::vector<std::pair<std::string, std::string>> names;
        for (const auto& [staged, path] : moves) names.emplace_back(staged.string(), path.string());
        py::gil_scoped_release release;
        move_into_place(names);
      },
      py::arg("moves"),
      "Rename each finished file (staged, path) over its output, in order, then sync the "
      "outputs' folders. Raises ValueError for a target that is not a regular file, "
      "RuntimeError when a rename fails (the files not yet moved stay staged).");
  m.def(
      "replace_folder",
      [](const std::filesystem::path& path,
         const std::vector<std::pair<std::string, py::bytes>>& files,
         const std::vector<std::filesystem::path>& inputs, bool force) {
        std::vector<std::pair<std::string, std::string>> contents;
        for (const auto& [name, data] : files) contents.emplace_back(name, std::string(data));
        const OutputCheck check = make_check(inputs, force);
        py::gil_scoped_release release;
        replace_folder(path.string(), contents, check);
      },
      py::arg("path"), py::arg("files"), py::arg("inputs") = std::vector<std::filesystem::path>{},
      py::arg("force") = false,
      "Write `files` [(name, bytes)] into folder `path`, all or nothing: a new folder is built "
      "under a temporary name and renamed into place; in an existing folder every file is "
      "written to its own temporary file and renamed in only when all are complete.");
}

}  // namespace progsurv::python
