"""Output and input files of the Python commands (report, export, fit).

Every output goes through the C++ writer the other commands use
(progsurv/io/output_file.hpp, bound as _core.check_output_path / replace_file /
replace_folder / move_into_place): the file is built in memory, checked (regular files only, never the
command's own input, write-protected only with force), written to a new O_EXCL|O_NOFOLLOW
temporary file with an unpredictable name next to it, synced and renamed into place. A
failure (a full disk, ...) raises RuntimeError with the old file untouched and no temporary
left behind. docs/robustness.md lists the cases.

What may be at an output's path is the commands' one rule (check_output): an empty file or
a file of the output's own kind is replaced; a progsurv HDF5 file of another kind or any
other non-empty file is refused unless force. HDF5 kinds are checked by the C++ writer
(_core.check_output_path with the filetype); the kinds the Python commands write (a report
page, an export workbook, the CSV files of an export) are recognised here (held_kind).
"""
import contextlib
import csv
import io
import os
import re
import shutil
import signal
import stat
import tempfile
import zipfile

from . import _core

check_output_path = _core.check_output_path
check_output_folder = _core.check_output_folder

# The kinds of output the Python commands write, as their messages name them.
REPORT_PAGE = "a report page"  # progsurv report: its <meta name="generator" content="progsurv ...">
EXPORT_WORKBOOK = "an export workbook"  # progsurv export --xlsx: creator progsurv, About sheet
EXPORT_CSV = "an export CSV file"  # progsurv export --csv: a table or about.csv of an export

_HEAD = 8192  # bytes of a page read to find its generator mark (it is in the first 300)
_PAGE_MARK = re.compile(rb"""<meta\s+name=["']generator["']\s+content=["']progsurv[\s"']""",
                        re.IGNORECASE)
# Pages written before the generator mark: every one begins with this head.
_OLD_PAGE = re.compile(rb"\A<!DOCTYPE html>\s*<html[^>]*>\s*<head>.{0,400}?"
                       rb"<title>progsurv report: ", re.DOTALL)
WORKBOOK_CREATOR = "progsurv"  # docProps/core.xml of an export: dc:creator, cp:lastModifiedBy

_ABOUT_SIZE = 1 << 24  # bytes of an about.csv read (its tables row is the last)
ABOUT_TABLES = "tables"  # about.csv's row naming the table files the export wrote, "a.csv; b.csv"
# What a .csv file of an export folder is when that folder's export did not write it.
_NOT_LISTED = ("a CSV file that the export in this folder did not write (its about.csv does "
               "not list it)")
_NOT_OF_ITS_KIND = ("a CSV file that the export in this folder did not write (its about.csv "
                    "lists no tables, and an export of such a file has no table of that name)")
_RUN = ("outcomes", "causes", "curves", "survival", "quantiles", "value", "time_decomposition",
        "means", "convergence", "records")
# The tables an export could write before about.csv listed them, by about.csv's contents row
# (export._WHAT): in a folder whose about.csv has no tables row these names are the export's
# own. The conditional ones (records, a sweep's curves, ...) too: an export into the folder
# is of the same file (export refuses another's without --force), for which the earlier
# export wrote them. Frozen: every export since lists its tables.
_UNLISTED_TABLES = {
    "a simulated run of a scenario": _RUN,
    "the exact solution of a scenario": _RUN,
    "what each obstacle of a scenario costs": ("attribution", "all_off"),
    "a parameter sweep": ("points", "parameters", "curves", "sobol", "sobol_second_order",
                          "sobol_convergence", "morris", "tornado"),
    "a search for the cheapest remedies": ("frontier", "bundles", "shapley", "answer",
                                           "remedies", "settings"),
    "how far one lever must move": ("answer", "points"),
    "a fit of a scenario to a record of past programmes": (
        "prior_posterior", "diagnostics", "walkers", "samples", "predictive",
        "predictive_draws", "record_check", "warnings"),
    "an organisation's programmes over years": ("ranks", "templates", "organisation",
                                                "over_time", "exits"),
    "what each sharing of an organisation costs": ("costs", "shapley", "ranks"),
    "scenarios compared under common random numbers": ("shares", "other_statistics",
                                                       "scenarios"),
}


def _refused(path, held, kind):
    return ValueError(f"output {path}: holds {held}, not {kind}; use --force to replace it, or "
                      f"choose another name")


def _hdf5_kind(filetype):
    """'progsurv-portfolio-attribution' -> 'a portfolio attribution file', as the C++ writer
    names a kind (sim/io/output_file.cpp)."""
    kind = filetype.removeprefix("progsurv-").replace("-", " ") or "other"
    return ("an " if kind[0] in "aeiou" else "a ") + kind + " file"


def _read_head(path, size):
    """The first `size` bytes of the regular file `path` (never blocking on a FIFO put there
    meanwhile); None when it cannot be read."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError:
        return None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        with os.fdopen(fd, "rb", closefd=False) as fh:
            return fh.read(size)
    except OSError:
        return None
    finally:
        os.close(fd)


def _xml_text(xml, tag):
    """The text of the first element `tag` (any namespace prefix) in `xml`, or None."""
    m = re.search(rb"<(?:[\w.-]+:)?" + tag + rb"(?:\s[^>]*)?>([^<]*)</", xml)
    return None if m is None else m.group(1).decode("utf-8", "replace").strip()


def _workbook_kind(path):
    """What the xlsx workbook at `path` is (EXPORT_WORKBOOK, or a phrase for a workbook
    progsurv export did not write or one edited since); None when it is not a workbook.

    An export's first sheet is About, and its core properties say creator and last
    modified by "progsurv"; a spreadsheet program that saves it puts the user's name in
    lastModifiedBy. Exports written before progsurv marked them (creator "openpyxl", no
    lastModifiedBy) are recognised by their About sheet's header row (item, value), as
    openpyxl wrote it in xl/worksheets/sheet1.xml."""
    try:
        with zipfile.ZipFile(path) as z:
            names = set(z.namelist())
            if "xl/workbook.xml" not in names:
                return None

            def head(name, size=65536):
                if name not in names:
                    return b""
                with z.open(name) as fh:
                    return fh.read(size)

            sheets = re.findall(rb"<(?:[\w.-]+:)?sheet\s[^>]*?\bname=\"([^\"]*)\"",
                                head("xl/workbook.xml"))
            core = head("docProps/core.xml")
            first_sheet = head("xl/worksheets/sheet1.xml", 8192)
    except (OSError, zipfile.BadZipFile, RuntimeError, ValueError, EOFError):
        return None
    creator = _xml_text(core, rb"creator")
    saved_by = _xml_text(core, rb"lastModifiedBy")
    about_first = sheets[:1] == [b"About"]
    if about_first and creator == WORKBOOK_CREATOR:
        unedited = saved_by == WORKBOOK_CREATOR
    elif about_first and creator == "openpyxl" and re.search(
            rb'<row r="1"><c r="A1"[^>]*><is><t>item</t></is></c><c r="B1"[^>]*><is><t>value<',
            first_sheet):
        unedited = not saved_by  # an export written before progsurv marked them
    else:
        return "a workbook that progsurv export did not write"
    if unedited:
        return EXPORT_WORKBOOK
    return (f"a workbook edited since progsurv export wrote it (last saved by "
            f"{printable(saved_by) if saved_by else 'someone'})")


def _is_about_csv(head):
    """Whether `head` (the start of a file) is the about.csv of an export: its header
    item,value, then the row of the file exported, and the row saying when (export.about)."""
    return (re.match(rb"item,value\r?\nfile,", head) is not None
            and re.search(rb"^exported,", head, re.MULTILINE) is not None)


def _export_listing(folder):
    """(the table files the export in `folder` wrote, whether its about.csv lists them), or
    None when the folder holds no about.csv of an export. The names are those of about.csv's
    tables row; an about.csv written before that row gives the names an export of its
    file's kind could write (_UNLISTED_TABLES, by its contents row; none when that row is
    not an export's)."""
    data = _read_head(os.path.join(os.fspath(folder), "about.csv"), _ABOUT_SIZE)
    if data is None or not _is_about_csv(data):
        return None
    try:
        rows = {row[0]: row[1] for row in csv.reader(io.StringIO(data.decode("utf-8", "replace")))
                if len(row) >= 2}
    except csv.Error:  # unreadable as CSV (a cell past the csv module's limit): nothing listed
        return frozenset(), True
    if ABOUT_TABLES in rows:
        return frozenset(n.strip() for n in rows[ABOUT_TABLES].split(";") if n.strip()), True
    return frozenset(n + ".csv" for n in _UNLISTED_TABLES.get(rows.get("contents"), ())), False


def export_tables(folder):
    """The names of the table files the export in `folder` wrote (see _export_listing), or
    None when the folder holds no about.csv of an export."""
    listing = _export_listing(folder)
    return None if listing is None else listing[0]


def is_export_folder(folder):
    """Whether `folder` holds the about.csv that `progsurv export --csv` writes."""
    return _export_listing(folder) is not None


def held_kind(path):
    """What the non-empty file at `path` holds, in the words of the output checks: a
    progsurv HDF5 file of its kind ("a run file"), REPORT_PAGE (a page with progsurv's
    generator mark, or the head of a page written before it), EXPORT_WORKBOOK,
    EXPORT_CSV (about.csv of an export, or a .csv file of a folder that has one which lists
    it: export_tables), another HTML page or workbook ("... that progsurv ... did not
    write"), a .csv file of an export folder that its about.csv does not list ("a CSV file
    that the export in this folder did not write ..."), or None for anything else."""
    path = os.fspath(path)
    try:
        return _hdf5_kind(_core.file_type(path))
    except (_core.FileFormatError, OSError):
        pass
    head = _read_head(path, _HEAD)
    if head is None:
        return None
    if head.startswith(b"PK"):
        workbook = _workbook_kind(path)
        if workbook is not None:
            return workbook
    if _PAGE_MARK.search(head) or _OLD_PAGE.match(head):
        return REPORT_PAGE
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if text.startswith((b"<!doctype html", b"<html")):
        return "an HTML page that progsurv did not write"
    if os.path.basename(path) == "about.csv":
        if _is_about_csv(_read_head(path, _ABOUT_SIZE) or b""):
            return EXPORT_CSV
    elif path.endswith(".csv"):
        # Only what the folder's export wrote is its own: a file of the user's named like a
        # table (of a later version, of another file's export) is not.
        listing = _export_listing(os.path.dirname(path) or ".")
        if listing is not None:
            names, listed = listing
            if os.path.basename(path) in names:
                return EXPORT_CSV
            return _NOT_LISTED if listed else _NOT_OF_ITS_KIND
    return None


def check_output(path, inputs=(), force=False, kind=None):
    """Raise ValueError unless the output `path` may receive a file of `kind`: the C++
    writer's checks (_core.check_output_path: a folder, device or FIFO, an input of the
    command, a write-protected file without force, a missing folder); then, without force,
    a non-empty file that is not of `kind` (held_kind). `kind` is a progsurv HDF5 filetype
    (checked by the C++ writer itself), REPORT_PAGE, EXPORT_WORKBOOK or EXPORT_CSV; None
    checks only the path. An empty file is replaced. Returns `path`."""
    path = os.fspath(path)
    inputs = [os.fspath(i) for i in inputs if i is not None]
    if kind is None or kind.startswith("progsurv-"):
        _core.check_output_path(path, inputs, force, kind or "")
        return path
    _core.check_output_path(path, inputs, force)
    if force:
        return path
    try:
        st = os.stat(path)
    except OSError:  # nothing there (the C++ check has refused what cannot be reached)
        return path
    if st.st_size == 0:
        return path
    held = held_kind(path)
    if held != kind:
        raise _refused(path, held or "a file that progsurv did not write", kind)
    return path


def check_output_tables(folder, names, inputs=(), force=False):
    """Raise ValueError unless `folder` may receive the export CSV files `names` (with
    about.csv, every export writes it): the C++ writer's checks of the folder and of each
    file, then, without force, each non-empty file of those names must be EXPORT_CSV (the
    about.csv of an export, or a table the folder's about.csv lists: export_tables). Other
    files of the folder are left as they are and not looked at."""
    folder = os.fspath(folder)
    inputs = [os.fspath(i) for i in inputs if i is not None]
    _core.check_output_folder(folder, inputs, force)
    if not os.path.isdir(folder):
        return folder
    for name in names:
        check_output(os.path.join(folder, name), inputs, force, EXPORT_CSV)
    return folder


@contextlib.contextmanager
def _committing():
    """Ctrl-C cannot split a commit from its report: while the rename runs, SIGINT is
    ignored (the file is then written and the command says so). Under the command
    (PROGSURV_CLI) it stays ignored until the process ends: after its first commit a
    command has written something, and an interrupt while it prints what would otherwise
    end it with "nothing written" and status 130."""
    try:
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    except ValueError:  # not the main thread: signals are not ours to change
        yield
        return
    try:
        yield
    finally:
        if not os.environ.get("PROGSURV_CLI"):
            signal.signal(signal.SIGINT, previous)


def write_bytes(path, data, inputs=(), force=False, kind=None):
    """Replace `path` with `data` (bytes) through the C++ writer, after its checks and,
    with `kind`, check_output's of what is there (again: the file may have changed since
    the command first checked it)."""
    path = os.fspath(path)
    inputs = [os.fspath(i) for i in inputs if i is not None]
    check_output(path, inputs, force, kind)
    with _committing():
        _core.replace_file(path, bytes(data))
    return path


def write_text(path, text, inputs=(), force=False, kind=None):
    return write_bytes(path, text.encode("utf-8"), inputs, force, kind)


def write_folder(path, files, inputs=(), force=False):
    """Write the export CSV files {name: bytes} into folder `path`, all or nothing
    (_core.replace_folder), after check_output_tables."""
    path = os.fspath(path)
    inputs = [os.fspath(i) for i in inputs if i is not None]
    check_output_tables(path, list(files), inputs, force)
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
    if stat.S_ISDIR(st.st_mode):
        # A folder cannot be read at all: the reader's error that is also IsADirectoryError.
        (read or _core.file_type)(path)
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
