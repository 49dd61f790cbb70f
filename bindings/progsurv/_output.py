"""Output and input files of the Python commands (report, export, fit).

Every output goes through the C++ writer the other commands use
(progsurv/io/output_file.hpp, bound as _core.check_output_path / replace_file /
replace_folder / move_into_place): the file is built in memory, checked (regular files only, never the
command's own input, write-protected only with force), written to a new O_EXCL|O_NOFOLLOW
temporary file with an unpredictable name next to it, synced and renamed into place. A
failure (a full disk, ...) raises RuntimeError with the old file untouched and no temporary
left behind. docs/robustness.md lists the cases.
"""
import contextlib
import os
import shutil
import signal
import stat
import tempfile

from . import _core

check_output_path = _core.check_output_path
check_output_folder = _core.check_output_folder


@contextlib.contextmanager
def _committing():
    """Ctrl-C cannot split a commit from its report: while the rename runs, SIGINT is
    ignored (the file is then written and the command says so)."""
    try:
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    except ValueError:  # not the main thread: signals are not ours to change
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def write_bytes(path, data, inputs=(), force=False):
    """Replace `path` with `data` (bytes) through the C++ writer, after its checks."""
    path = os.fspath(path)
    inputs = [os.fspath(i) for i in inputs if i is not None]
    _core.check_output_path(path, inputs, force)
    with _committing():
        _core.replace_file(path, bytes(data))
    return path


def write_text(path, text, inputs=(), force=False):
    return write_bytes(path, text.encode("utf-8"), inputs, force)


def write_folder(path, files, inputs=(), force=False):
    """Write {name: bytes} into folder `path`, all or nothing (_core.replace_folder)."""
    path = os.fspath(path)
    inputs = [os.fspath(i) for i in inputs if i is not None]
    with _committing():
        _core.replace_folder(path, list(files.items()), inputs, force)
    return [os.path.join(path, name) for name in files]


class Staging:
    """Files a command writes before its last one (`report` of a scenario: the run, the
    attribution), so that they appear with it or not at all. Each is checked as an output,
    then written by its writer under its own name in a hidden folder beside it
    (`.progsurv-staged-<random>`, made by mkdtemp, mode 0700), and renamed into place by
    commit(), after the last file. An interrupt or a failure before then leaves every file as
    it was; leaving the `with` block removes the folder and whatever is still in it."""

    def __init__(self):
        self._folders = {}  # output folder -> its staging folder
        self._staged = []  # (staged path, final path)
        self._last = None  # the command's last output, written after the staged ones
        self._replaced = set()  # outputs that were there when checked

    def last(self, path):
        """Names the command's own last output (the page): no staged file may have its name."""
        self._last = os.fspath(path)
        self._replaced |= existing_files(self._last)

    def path(self, final, inputs=(), force=False):
        """Where to write the output `final` (checked now, as the writer would). A name that
        another output of the command already has is refused: one would replace the other."""
        final = os.fspath(final)
        for other in [f for _, f in self._staged] + [self._last] * (self._last is not None):
            if os.path.abspath(other) == os.path.abspath(final):
                raise ValueError(f"{final}: two outputs of this command would have this name "
                                 f"(one would replace the other); give the output (-o) a name "
                                 f"of its own, such as {os.path.splitext(final)[0]}.html")
        _core.check_output_path(final, [os.fspath(i) for i in inputs if i is not None], force)
        self._replaced |= existing_files(final)
        folder = os.path.dirname(os.path.abspath(final))
        if folder not in self._folders:
            self._folders[folder] = tempfile.mkdtemp(prefix=".progsurv-staged-", dir=folder)
        staged = os.path.join(self._folders[folder], os.path.basename(final))
        self._staged.append((staged, final))
        return staged

    def final_of(self, staged):
        """The output a staged file becomes."""
        return next(final for path, final in self._staged if path == staged)

    def replaced(self, path):
        """Whether output `path` (staged or last) was there when it was checked."""
        return os.fspath(path) in self._replaced

    def finals(self):
        """The outputs staged, in order (committed or not)."""
        return [final for _, final in self._staged]

    def commit(self):
        """Rename every staged file into place (the caller holds off Ctrl-C: _committing),
        through the C++ writer's own rename (_core.move_into_place)."""
        _core.move_into_place(self._staged)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        for folder in self._folders.values():
            shutil.rmtree(folder, ignore_errors=True)
        self._folders = {}
        return False


def check_input_file(path, what="file", read=None):
    """Raise ValueError unless `path` is an existing regular file: a FIFO is never opened
    (opening one without a writer would wait forever), nor a device or a folder.

    A path that cannot be reached (missing, a folder on the way not searchable) raises what
    the C++ reader `read` raises for it (default _core.file_type: FileFormatError; pass
    _core.Scenario.load for a scenario: ScenarioError), the error that is also the OSError
    of its errno (FileNotFoundError, PermissionError, ...), as progsurv.load and
    progsurv.run raise it (bindings/register_errors.cpp builds it)."""
    path = os.fspath(path)
    try:
        st = os.stat(path)
    except OSError:
        # Nothing there to block on: the reader fails the same way and says so.
        (read or _core.file_type)(path)
        st = os.stat(path)  # it appeared meanwhile: check what it is
    if stat.S_ISREG(st.st_mode):
        return path
    kind = ("a directory" if stat.S_ISDIR(st.st_mode) else
            "a FIFO" if stat.S_ISFIFO(st.st_mode) else
            "a character device" if stat.S_ISCHR(st.st_mode) else
            "a block device" if stat.S_ISBLK(st.st_mode) else
            "a socket" if stat.S_ISSOCK(st.st_mode) else "not a regular file")
    raise ValueError(f"{path}: is {kind}; expected a {what}")


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def formula_safe(value):
    """Text a spreadsheet would run as a formula (starting with = + - @, tab or CR) gets a
    leading apostrophe, so it is shown as the text it is (OWASP's CSV-injection advice)."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def formula_safe_frame(frame):
    """A copy of `frame` whose text cells (and column names) are formula_safe()."""
    out = frame.copy()
    for column in out.columns:
        if out[column].dtype == object or str(out[column].dtype) in ("category", "string"):
            out[column] = out[column].map(formula_safe)
    out.columns = [formula_safe(c) for c in out.columns]
    return out


def existing_files(path):
    """The files at `path` now: itself when a file, the files in it when a folder (CSV
    exports), for written_line."""
    path = os.fspath(path)
    if os.path.isdir(path):
        return {os.path.join(path, name) for name in os.listdir(path)}
    return {path} if os.path.lexists(path) else set()


def written_line(path, replaced):
    """"written: <path>", as the C++ commands print it (sim/cli/cli_options.cpp), saying so
    when it replaced a file that was there before the command wrote."""
    return f"written: {printable(path)}" + (" (replaced the file that was there)" if replaced
                                             else "")


def printable(text):
    """`text` with control characters other than newline and tab (and the C1 controls) as
    \\xNN, as the C++ commands print them (sim/cli/terminal_text.cpp): names from files
    cannot drive the terminal."""
    return "".join(c if c in "\n\t" or (c.isprintable() and not 0x80 <= ord(c) <= 0x9f)
                   or c == " " else f"\\x{ord(c):02x}" if ord(c) < 0x100 else f"\\u{ord(c):04x}"
                   for c in str(text))
