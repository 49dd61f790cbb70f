"""Shared setup for the Python tests.

The build under test is $PROGSURV_BUILD_DIR (default <repo>/build/release): the package
at $PROGSURV_BUILD_DIR/python and the command at $PROGSURV_BUILD_DIR/sim/progsurv.
Run with Debian's interpreter: /usr/bin/python3 -m pytest tests/python
"""
import os
import pathlib
import signal
import subprocess
import sys

import pytest

REPO = pathlib.Path(__file__).resolve().parents[2]
BUILD = pathlib.Path(os.environ.get("PROGSURV_BUILD_DIR", REPO / "build" / "release")).resolve()
PYTHON_DIR = BUILD / "python"
CLI = BUILD / "sim" / "progsurv"
SCENARIOS = REPO / "scenarios"
BASELINE = SCENARIOS / "baseline.yaml"
NOTEBOOKS = REPO / "notebooks"

if not (PYTHON_DIR / "progsurv" / "__init__.py").exists():
    raise pytest.UsageError(
        f"no progsurv package in {PYTHON_DIR}: build first (cmake --preset release && "
        f"cmake --build --preset release) or set PROGSURV_BUILD_DIR"
    )
sys.path.insert(0, str(PYTHON_DIR))
os.environ.setdefault("MPLBACKEND", "Agg")  # plots without a display

# A test run started in the background of a non-interactive shell (`cmd &` in a script)
# inherits SIGINT ignored, and every command the tests start would too: a Ctrl-C at a
# command's first instant would then be lost, as the shell asked. The interrupt tests need
# what a terminal gives.
if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)


def run_cli(*args, check=True, env=None, cwd=None, timeout=300, launcher=()):
    """Runs the progsurv command, after `launcher` (e.g. mpirun and its options) when given,
    with `env` and in `cwd` when given; returns the CompletedProcess (text mode). With
    `check`, an exit other than 0 fails the test with the command's output."""
    if not CLI.exists():
        pytest.fail(f"the progsurv command is not built: {CLI}")
    proc = subprocess.run(
        [*map(str, launcher), str(CLI), *map(str, args)], capture_output=True, text=True,
        timeout=timeout, env=env, cwd=cwd
    )
    if check and proc.returncode != 0:
        pytest.fail(f"{' '.join(map(str, launcher))} progsurv {' '.join(map(str, args))} exited "
                    f"{proc.returncode}:\n{proc.stdout}{proc.stderr}")
    return proc


@pytest.fixture(scope="session")
def baseline():
    import progsurv

    return progsurv.Scenario.load(BASELINE)


@pytest.fixture(scope="session")
def mixed_yaml(tmp_path_factory):
    """The worked example of docs/portfolio-format.md (two programme templates, cx and
    pilot, three planned launches and a renewal mix of both), written where its
    ../baseline.yaml is the shipped baseline."""
    text = (REPO / "docs" / "portfolio-format.md").read_text()
    start = text.index("```yaml\nname: mixed\n") + len("```yaml\n")
    path = tmp_path_factory.mktemp("mixed") / "mixed.yaml"
    path.write_text(text[start:text.index("```", start)].replace("../baseline.yaml",
                                                                  str(BASELINE)))
    return path


# One command-line run shared by the file tests: scenario, seed and replications.
CLI_SEED = 7
CLI_REPLICATIONS = 40_000


@pytest.fixture(scope="session")
def cli_file(tmp_path_factory):
    """A run file written by `progsurv run` (with per-replication records)."""
    path = tmp_path_factory.mktemp("cli") / "baseline.h5"
    run_cli("run", BASELINE, "-o", path, "-n", CLI_REPLICATIONS, "--seed", CLI_SEED,
            "--keep-replications", "--quiet")
    return path


@pytest.fixture(scope="session")
def cli_run_stdout(tmp_path_factory):
    """What `progsurv run` prints for the shared run (without records)."""
    path = tmp_path_factory.mktemp("cli") / "plain.h5"
    return run_cli("run", BASELINE, "-o", path, "-n", CLI_REPLICATIONS, "--seed", CLI_SEED,
                   "--quiet").stdout
