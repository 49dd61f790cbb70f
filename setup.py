"""Builds progsurv's C++ module (progsurv._core) and the `progsurv` command with the
project's own CMake build, so `pip install . --no-build-isolation` installs exactly what
`cmake --build` makes. The command goes into the wheel as progsurv/bin/progsurv and is run
by the `progsurv` console entry point (progsurv._command).

pip shows a build's output only with -v; the CMake progress lines ([12/80] ...) are also
written to the terminal (/dev/tty) when there is one, so a first build (several minutes)
is never silent.

The version comes from `project(progsurv VERSION ...)` in CMakeLists.txt. Set
PROGSURV_CMAKE_BUILD_DIR to keep the CMake build tree between installs (faster rebuilds);
otherwise it lives in setuptools' temporary build folder. CMAKE_ARGS adds CMake options.
"""
import os
import pathlib
import re
import shlex
import subprocess
import sys

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

ROOT = pathlib.Path(__file__).resolve().parent


def project_version():
    text = (ROOT / "CMakeLists.txt").read_text()
    match = re.search(r"project\(progsurv\s+VERSION\s+([0-9][0-9.]*)", text)
    if not match:
        raise RuntimeError("CMakeLists.txt has no project(progsurv VERSION x.y.z)")
    return match.group(1)


class CMakeExtension(Extension):
    def __init__(self, name):
        super().__init__(name, sources=[])


class CMakeBuild(build_ext):
    def build_extension(self, ext):
        target = pathlib.Path(self.get_ext_fullpath(ext.name)).resolve()
        build_dir = pathlib.Path(
            os.environ.get("PROGSURV_CMAKE_BUILD_DIR") or pathlib.Path(self.build_temp) / "cmake"
        ).resolve()
        build_dir.mkdir(parents=True, exist_ok=True)
        configure = [
            "cmake",
            "-S", str(ROOT),
            "-B", str(build_dir),
            "-DCMAKE_BUILD_TYPE=Release",
            f"-DPython_EXECUTABLE={sys.executable}",
            "-DPROGSURV_BUILD_TESTS=OFF",
            "-DPROGSURV_BUILD_BENCH=OFF",
            "-DPROGSURV_BUILD_PYTHON=ON",
            "-DPROGSURV_WITH_MPI=OFF",
        ]
        if subprocess.run(["ninja", "--version"], capture_output=True).returncode == 0:
            configure += ["-G", "Ninja"]
        configure += shlex.split(os.environ.get("CMAKE_ARGS", ""))
        if not (build_dir / "CMakeCache.txt").exists():
            subprocess.run(configure, check=True)
        jobs = os.environ.get("CMAKE_BUILD_PARALLEL_LEVEL") or str(os.cpu_count() or 1)
        run_showing_progress(
            ["cmake", "--build", str(build_dir), "--target", "_core", "progsurv", "-j", jobs]
        )
        built = sorted((build_dir / "python" / "progsurv").glob("_core*.so"))
        if not built:
            raise RuntimeError(f"CMake built no _core module in {build_dir}/python/progsurv")
        target.parent.mkdir(parents=True, exist_ok=True)
        self.copy_file(str(built[-1]), str(target))
        command = build_dir / "sim" / "progsurv"
        if not command.exists():
            raise RuntimeError(f"CMake built no progsurv command in {build_dir}/sim")
        (target.parent / "bin").mkdir(exist_ok=True)
        self.copy_file(str(command), str(target.parent / "bin" / "progsurv"))
        os.chmod(target.parent / "bin" / "progsurv", 0o755)


def run_showing_progress(command):
    """Runs `command`, copying its output to pip's log and its progress lines to the
    terminal, if any."""
    try:
        tty = open("/dev/tty", "w")
    except OSError:
        tty = None
    if tty:
        print("progsurv: building the C++ module and command with CMake (a few minutes the "
              "first time) ...", file=tty, flush=True)
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               text=True, errors="replace")
    for line in process.stdout:
        sys.stdout.write(line)
        sys.stdout.flush()
        if tty and line.startswith("["):
            print("  " + line.rstrip()[:110], file=tty, flush=True)
    if process.wait() != 0:
        raise subprocess.CalledProcessError(process.returncode, command)
    if tty:
        tty.close()


setup(
    version=project_version(),
    packages=["progsurv"],
    package_dir={"progsurv": "bindings/progsurv"},
    package_data={"progsurv": ["py.typed", "*.pyi", "*.j2"]},
    ext_modules=[CMakeExtension("progsurv._core")],
    cmdclass={"build_ext": CMakeBuild},
    zip_safe=False,
)
