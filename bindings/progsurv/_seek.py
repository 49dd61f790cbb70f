"""progsurv.seek: the smallest (or largest) value of one lever that reaches a target, as
`progsurv seek` (docs/seek.md).

    import progsurv
    s = progsurv.seek("scenarios/baseline.yaml", "patience.threshold.median",
                      "completed>=0.14", range=(6, 60), replications=20_000)
    s.verdict, s.value, s.interval   # 'found', 33.42, (29.20, 38.48)
    print(s.sentence)                # the answer in words, as the command prints it
    s.points                         # DataFrame: every lever value evaluated
    s.plot()                         # response against the lever, bands, target, answer
"""
import math
import os

import numpy as np
import pandas as pd

from . import _checks, _core, _progress
from ._result_base import ResultBase

__all__ = ["seek", "load_seek", "SeekResult"]

_Z95 = _core.z95  # the C++ seek's z for 95% intervals


def _scenario(scenario):
    if isinstance(scenario, (str, os.PathLike)):
        return _core.Scenario.load(os.fspath(scenario))
    if not isinstance(scenario, _core.Scenario):
        raise TypeError(f"need a progsurv.Scenario or a path, not {type(scenario).__name__}")
    return scenario


def seek(scenario, lever, target, range=None, smallest=True, replications=20_000, seed=1,
         threads=0, log_scale=False, scan_points=9, tolerance=0.01, progress=False):
    """The smallest (smallest=True) or largest value of the numeric key `lever` (a path as
    --set takes it) for which `scenario` (a Scenario or a YAML path) reaches `target`
    ("completed>=0.25", "p_sponsor_exit<=10%", ...), as `progsurv seek` with the same
    arguments and seed gives.

    range         (low, high) searched; None: the key's documented range (probabilities)
    replications  per lever value; every value uses the same replications (common random
                  numbers)
    log_scale     scan and bisect in log x (low > 0)
    scan_points   points of the coarse scan, ends included; tolerance: the bisection stops
                  at this fraction of the range
    progress      True for a progress bar, or a callable progress(done, planned) that may
                  return False to stop

    The engine runs without the GIL. Ctrl-C (KeyboardInterrupt) stops it within about a
    second, even in the middle of a long replication, and is raised here. Bad input raises
    ValueError naming the argument ("range=: ...", "lever=: ..."), or ScenarioError for a
    broken scenario, before any replication.

    Returns a SeekResult: .verdict, .value, .interval, .sentence, .points, .plot().
    """
    scenario = _scenario(scenario)
    if range is not None:
        if len(range) != 2:
            raise ValueError(f"range=: expected (low, high), not {range!r}")
        range = (_checks.number("range low", range[0], -1e300, 1e300),
                 _checks.number("range high", range[1], -1e300, 1e300))
    # Types here (1e4 is not a count); ranges in the C++ seek, which names the argument as
    # this function takes it (tolerance=), so each check is written once.
    replications = _checks.integer("replications", replications, 64)
    seed = _checks.whole("seed", seed, 0, 2**64 - 1)
    threads = _checks.integer("threads", threads, 32)
    scan_points = _checks.integer("scan_points", scan_points, 32)
    tolerance = _checks.real("tolerance", tolerance)
    smallest = _checks.flag("smallest", smallest)
    log_scale = _checks.flag("log_scale", log_scale)
    with _progress.reporting(progress, f"seeking {lever}") as callback:
        raw = _core.seek(scenario, str(lever), str(target), range, not smallest, log_scale,
                         scan_points, tolerance, replications, seed, threads, callback)
    return SeekResult(raw)


def load_seek(path):
    """Read a file written by `progsurv seek -o` or SeekResult.to_hdf5.

    Returns a SeekResult; a foreign, newer or damaged file raises progsurv.FileFormatError.
    """
    path = os.fspath(path)
    _core.file_type(path)  # a missing or non-HDF5 file: FileFormatError first
    return SeekResult(_core.read_seek(path), path=path)


def _interval(s, ss, n, z=_Z95):
    """Mean and z-interval of the mean from a sum and sum of squares over n values."""
    n = np.asarray(n, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.asarray(s) / n
        var = np.maximum(np.asarray(ss) - np.asarray(s) ** 2 / n, 0.0) / (n - 1)
        half = z * np.sqrt(var / n)
    half = np.where(n >= 2, half, np.nan)
    return mean, mean - half, mean + half


class SeekResult(ResultBase, _core.SeekResult):
    """The answer of a seek: the verdict, the value with its interval, the sentence the
    command prints, every evaluated lever value (from raw sums) and a plot."""

    @property
    def verdict(self):
        """'found', 'already_met', 'out_of_reach', 'not_monotone' or 'undecided'."""
        return self.verdict_name

    @property
    def value(self):
        """The lever value that reaches the target ('found'; the range start for
        'already_met'); None otherwise (an 'undecided' crossing estimate is in the file's
        value and in .sentence, not here)."""
        if self.verdict not in ("found", "already_met"):
            return None
        return float(self.value_found)

    @property
    def interval(self):
        """(lower, upper) lever values of the crossing's 95% interval, or None when there is
        none. interval_low_open / interval_high_open say an end is the range's end."""
        lo, hi = float(self.interval_low), float(self.interval_high)
        if math.isnan(lo) or math.isnan(hi):
            return None
        return (lo, hi)

    @property
    def sentence(self):
        """The answer in plain words, as `progsurv seek` prints it.

        Returns a str (the paragraph after the command's header line)."""
        paragraphs = self.text().split("\n\n")
        return paragraphs[1].strip() if len(paragraphs) > 1 else ""

    @property
    def points(self):
        """Every evaluated lever value, in evaluation order (row 0 is the base scenario):
        x, stage ('base', 'scan', 'bisect'), n, the goal's estimate with its 95% interval
        (lower, upper), the paired change against the base (diff, diff_lower, diff_upper)
        and whether the estimate meets the target. Derived from the raw sums.

        Returns a pandas DataFrame indexed by evaluation order."""
        pts = self.point_sums
        col = lambda name: np.array([getattr(p, name) for p in pts], dtype=float)  # noqa: E731
        n = np.array([p.n for p in pts], dtype=np.int64)
        est, lo, hi = _interval(col("sum"), col("sumsq"), n)
        d, dlo, dhi = _interval(col("base_dsum"), col("base_dsumsq"), n)
        target = self.target
        frame = pd.DataFrame({
            "x": col("x"), "stage": [p.stage for p in pts], "n": n,
            "estimate": est, "lower": lo, "upper": hi,
            "diff": d, "diff_lower": dlo, "diff_upper": dhi,
            "meets": [bool(target.met_by(float(e))) for e in est],
        }, index=pd.Index(np.arange(len(pts)), name="order"))
        frame.attrs.update(lever=self.lever, metric=target.metric, target=target.describe())
        return frame

    def summary(self):
        """The text `progsurv seek` prints (and `progsurv summary` of its file).

        Returns a str."""
        return self.text()

    def to_hdf5(self, path, force=False):
        """Write the file `progsurv seek -o PATH` writes (docs/hdf5-seek-format.md), through
        the command's output checks: never a folder or device; an empty file or a seek file
        at `path` is replaced; a progsurv file of another kind, a non-empty file that is not
        a progsurv file or a write-protected file only with force=True (the command's
        --force), else ValueError.

        Returns the path written."""
        path = os.fspath(path)
        _core.check_output_path(path, [], _checks.flag("force", force), _core.seek_filetype)
        _core.write_seek(path, self)
        return path

    def __repr__(self):
        return (f"<progsurv.SeekResult '{self.name}'{self._from_where()}: {self.lever} for "
                f"{self.target.describe()}: {self.verdict}>")

    def plot(self, ax=None):
        """The response (the target's statistic) against the lever over the evaluated values,
        with its 95% band, the target line and the answer with its interval.

        Returns the matplotlib Axes."""
        if ax is None:
            import matplotlib.pyplot as plt

            _, ax = plt.subplots(figsize=(7, 4), layout="constrained")
        pts = self.points
        pts = pts[pts["stage"] != "base"].sort_values("x", kind="stable")
        k = 100.0 if self.target.is_probability else 1.0
        unit = " (%)" if k == 100.0 else ""
        ax.fill_between(pts["x"], k * pts["lower"], k * pts["upper"], color="#1565c0",
                        alpha=0.2, lw=0, label="95% interval")
        ax.plot(pts["x"], k * pts["estimate"], color="#1565c0", lw=1.5, label="estimate")
        scan = pts[pts["stage"] == "scan"]
        ax.plot(scan["x"], k * scan["estimate"], "o", color="#1565c0", ms=4, label="scan")
        ax.axhline(k * self.target.bound, color="#c62828", ls="--", lw=1,
                   label=f"target {self.target.describe()}")
        base = self.points.iloc[0]
        ax.plot([base["x"]], [k * base["estimate"]], "s", color="black", ms=5,
                label=f"base ({base['x']:g})")
        if self.interval is not None and self.verdict in ("found", "undecided"):
            ax.axvspan(*self.interval, color="#2e7d32", alpha=0.12, lw=0,
                       label="95% interval of the answer")
        if self.value is not None:
            ax.axvline(self.value, color="#2e7d32", lw=1.5, label=f"answer {self.value:g}")
        if self.log_scale:
            ax.set_xscale("log")
        ax.set_xlabel(self.lever)
        ax.set_ylabel(f"{self.target.metric}{unit}")
        ax.set_title(f"{self.name}: {self.verdict.replace('_', ' ')}")
        ax.legend(fontsize="small")
        return ax
