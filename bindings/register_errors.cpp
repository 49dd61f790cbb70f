// C++ exceptions a user can act on, as Python exceptions:
//   progsurv::ScenarioError   -> progsurv.ScenarioError(ValueError), with .file, .line,
//                                .column, .key and .message
//   progsurv::FileFormatError -> progsurv.FileFormatError(ValueError)
//   progsurv::OutputFileError -> the OSError subclass of its errno (FileNotFoundError for a
//                                missing folder), with .filename the output path
//   progsurv::Cancelled       -> KeyboardInterrupt
// Other std::exceptions keep pybind11's default translation (RuntimeError, ValueError, ...);
// bindings that call code throwing OptionError catch it and name the argument as Python
// takes it (raise_option_error).
#include <Python.h>

#include <cstring>
#include <exception>
#include <utility>
#include <vector>

#include "progsurv/engine/run.hpp"
#include "progsurv/io/output_file.hpp"
#include "progsurv/scenario/error.hpp"
#include "register.hpp"

namespace progsurv::python {
namespace {

// Created once per process and never freed: the module holds them for the whole session,
// and a translator may still run while the interpreter shuts down.
PyObject* g_scenario_error = nullptr;
PyObject* g_file_format_error = nullptr;

PyObject* new_exception(py::module_& m, const char* name, const char* qualified, const char* doc) {
  PyObject* type = PyErr_NewExceptionWithDoc(qualified, doc, PyExc_ValueError, nullptr);
  if (type == nullptr) throw py::error_already_set();
  m.attr(name) = py::handle(type);  // the module takes its own reference
  return type;
}

// The path as Python shows file names (undecodable bytes kept, as open() does).
py::object fs_name(const std::string& path) {
  py::object name = py::reinterpret_steal<py::object>(
      PyUnicode_DecodeFSDefaultAndSize(path.data(), static_cast<Py_ssize_t>(path.size())));
  if (!name) throw py::error_already_set();
  return name;
}

// The class for an error of `base` (ScenarioError, FileFormatError) whose file could not be
// read at all (errno `err`): a subclass of both `base` and the OSError subclass Python gives
// that errno, named as `base`, so that `except FileNotFoundError` catches a missing input as
// `except progsurv.ScenarioError` does. Made once per pair and kept for the process.
PyObject* unreadable_type(PyObject* base, int err) {
  static std::vector<std::pair<std::pair<PyObject*, PyObject*>, PyObject*>> made;
  const py::object probe =
      py::reinterpret_borrow<py::object>(PyExc_OSError)(err, std::strerror(err));
  PyObject* os_type = reinterpret_cast<PyObject*>(Py_TYPE(probe.ptr()));
  for (const auto& [key, type] : made)
    if (key.first == base && key.second == os_type) return type;
  py::dict body;
  body["__module__"] = "progsurv";
  body["__doc__"] = py::handle(base).attr("__doc__");
  // The message is progsurv's ("x.yaml: cannot read file: ..."), not OSError's "[Errno 2]".
  body["__str__"] = py::handle(PyExc_BaseException).attr("__str__");
  py::object type = py::reinterpret_borrow<py::object>(reinterpret_cast<PyObject*>(&PyType_Type))(
      py::handle(base).attr("__name__"), py::make_tuple(py::handle(base), py::handle(os_type)),
      body);
  made.push_back({{base, os_type}, type.release().ptr()});
  return made.back().second;
}

// Raises `type`(what), or its unreadable_type when `err` is set, with errno, strerror and
// filename as OSError has them; `fill` sets the rest.
template <class Fill>
void raise_error(PyObject* type, const char* what, int err, const std::string& file, Fill&& fill) {
  if (err != 0) type = unreadable_type(type, err);
  py::object error = py::reinterpret_borrow<py::object>(type)(what);
  if (err != 0) {
    error.attr("errno") = err;
    error.attr("strerror") = std::strerror(err);
    error.attr("filename") = fs_name(file);
  }
  fill(error);
  PyErr_SetObject(type, error.ptr());
}

void raise_scenario_error(const ScenarioError& e) {
  raise_error(g_scenario_error, e.what(), e.system_error(), e.file(), [&](py::object& error) {
    error.attr("file") = e.file();
    error.attr("line") = e.line();
    error.attr("column") = e.column();
    error.attr("key") = e.key();
    error.attr("message") = e.message();
  });
}

void raise_file_format_error(const FileFormatError& e) {
  // The path is the message's start ("<path>: cannot read file: ...").
  const std::string what = e.what();
  const std::string path = what.substr(0, what.find(": cannot read file: "));
  raise_error(g_file_format_error, e.what(), e.system_error(), path, [](py::object&) {});
}

// OSError(errno, strerror, filename) is the errno's subclass, as open() raises it.
void raise_os_error(const OutputFileError& e) {
  py::object error = py::reinterpret_borrow<py::object>(PyExc_OSError)(
      e.error(), std::strerror(e.error()), fs_name(e.path()));
  PyErr_SetObject(reinterpret_cast<PyObject*>(Py_TYPE(error.ptr())), error.ptr());
}

}  // namespace

void raise_option_error(const OptionError& e, const std::string& spelling) {
  throw py::value_error((spelling.empty() ? e.option() + "=" : spelling) + ": " + e.what());
}

void register_errors(py::module_& m) {
  g_scenario_error = new_exception(
      m, "ScenarioError", "progsurv.ScenarioError",
      "A scenario (file, YAML text or override) is invalid. The message names the file, the "
      "position and the key path; they are also in .file, .line and .column (1-based, 0 when "
      "unknown), .key (the key path, '' when none) and .message (without the location).");
  py::handle type(g_scenario_error);
  type.attr("file") = "";
  type.attr("line") = 0;
  type.attr("column") = 0;
  type.attr("key") = "";
  type.attr("message") = "";

  g_file_format_error = new_exception(
      m, "FileFormatError", "progsurv.FileFormatError",
      "A file is not a progsurv run file this version can read: foreign, newer, older or "
      "truncated. The message says which.");

  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const ScenarioError& e) {
      raise_scenario_error(e);
    } catch (const FileFormatError& e) {
      raise_file_format_error(e);
    } catch (const OutputFileError& e) {
      raise_os_error(e);
    } catch (const Cancelled& e) {
      PyErr_SetString(PyExc_KeyboardInterrupt, e.what());
    }
  });
}

}  // namespace progsurv::python
