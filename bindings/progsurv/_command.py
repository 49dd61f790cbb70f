"""The `progsurv` command of a pip-installed package (the wheel's console entry point).

The wheel carries the C++ executable as progsurv/bin/progsurv; this runs it in place of
the Python process (signals and the exit status are then the executable's own), telling it
which interpreter and which copy of the package its Python subcommands (report, export,
fit) should use: this interpreter and this package, whatever PYTHONPATH says.
"""
import os
import sys


def main():
    package = os.path.dirname(os.path.abspath(__file__))
    executable = os.path.join(package, "bin", "progsurv")
    if not os.access(executable, os.X_OK):
        print(f"progsurv: error: the command is missing from this installation "
              f"({executable}); reinstall with `python -m pip install .`", file=sys.stderr)
        return 1
    env = dict(os.environ, PROGSURV_PYTHON=sys.executable,
               PROGSURV_PACKAGE_DIR=os.path.dirname(package))
    os.execve(executable, [executable, *sys.argv[1:]], env)


if __name__ == "__main__":
    sys.exit(main())
