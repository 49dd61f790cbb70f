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

void raise_scenario_error(const ScenarioError& e) {
  py::object error = py::reinterpret_borrow<py::object>(g_scenario_error)(e.what());
  error.attr("file") = e.file();
  error.attr("line") = e.line();
  error.attr("column") = e.column();
  error.attr("key") = e.key();
  error.attr("message") = e.message();
  PyErr_SetObject(g_scenario_error, error.ptr());
}

// OSError(errno, strerror, filename) is the errno's subclass, as open() raises it.
void raise_os_error(const OutputFileError& e) {
  py::object filename = py::reinterpret_steal<py::object>(
      PyUnicode_DecodeFSDefaultAndSize(e.path().data(), static_cast<Py_ssize_t>(e.path().size())));
  if (!filename) throw py::error_already_set();
  py::object error = py::reinterpret_borrow<py::object>(PyExc_OSError)(
      e.error(), std::strerror(e.error()), filename);
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
      PyErr_SetString(g_file_format_error, e.what());
    } catch (const OutputFileError& e) {
      raise_os_error(e);
    } catch (const Cancelled& e) {
      PyErr_SetString(PyExc_KeyboardInterrupt, e.what());
    }
  });
}

}  // namespace progsurv::python
