"""Builds progsurv's C++ module (progsurv._core) with the project's own CMake build, so
`pip install . --no-build-isolation` installs exactly what `cmake --build` makes.

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
        subprocess.run(
            ["cmake", "--build", str(build_dir), "--target", "_core", "-j", jobs], check=True
        )
        built = sorted((build_dir / "python" / "progsurv").glob("_core*.so"))
        if not built:
            raise RuntimeError(f"CMake built no _core module in {build_dir}/python/progsurv")
        target.parent.mkdir(parents=True, exist_ok=True)
        self.copy_file(str(built[-1]), str(target))


setup(
    version=project_version(),
    packages=["progsurv"],
    package_dir={"progsurv": "bindings/progsurv"},
    package_data={"progsurv": ["py.typed", "*.pyi"]},
    ext_modules=[CMakeExtension("progsurv._core")],
    cmdclass={"build_ext": CMakeBuild},
    zip_safe=False,
)
