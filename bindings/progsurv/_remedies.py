"""progsurv.remedies: the cheapest bundle of remedies that makes a programme meet a target,
and the efficient frontier of cost against a metric, as `progsurv remedies`
(docs/remedies.md).

    import progsurv
    r = progsurv.remedies("scenarios/baseline.yaml",
                          "scenarios/remedies/practitioner-remedies.yaml",
                          target="completed>=0.15")
    print(r.sentence)    # "the cheapest way to reach p_completed >= 15% is ..."
    r.frontier           # DataFrame: the best bundle for each cost
    r.chosen, r.runner_up
    r.shapley            # each remedy's share of the chosen bundle's gain
    r.plot_frontier()

On a portfolio YAML (or a progsurv.Portfolio) the remedies set portfolio paths (roster.vp,
cynicism.half_life, programmes.NAME.<scenario path>) and the metrics are the portfolio's
(mean_completed: programmes completed per organisation, the default; rank_completed_1, ...):

    r = progsurv.remedies("scenarios/portfolios/ten-years.yaml",
                          "scenarios/remedies/portfolio-remedies.yaml",
                          target="mean_completed>=3", delta=0.1)
"""
import os
import warnings

import numpy as np
import pandas as pd

from . import _checks, _core, _progress
from ._result_base import ResultBase

__all__ = ["remedies", "load_remedies", "RemediesResult"]


def _base(base):
    """A Scenario or a Portfolio; a path is read as `progsurv remedies` reads it (a portfolio
    YAML with its templates inline)."""
    if isinstance(base, (str, os.PathLike)):
        path = os.fspath(base)
        if _core.is_portfolio_yaml(path):
            return _core.portfolio_for_remedies(path)
        return _core.Scenario.load(path)
    if not isinstance(base, (_core.Scenario, _core.Portfolio)):
        raise TypeError("need a progsurv.Scenario, a progsurv.Portfolio or a path, not "
                        f"{type(base).__name__}")
    return base


def remedies(scenario, remedies_file, target=None, budget=None, metric=None, direction="auto",
             delta=None, alpha=0.05, batch=None, max_replications=1_000_000,
             max_bundles=4096, search="auto", seed=1, threads=0, progress=False):
    """Search the bundles of remedies of `remedies_file` (a path, or a RemedySet read for this
    scenario) on `scenario` (a Scenario, a Portfolio, or a scenario or portfolio YAML path),
    as `progsurv remedies` with the same arguments and seed gives (the same numbers, for any
    thread count).

    target            what a bundle must reach, e.g. "completed>=0.25" (its metric is then
                      the one ranked); None: only the frontier
    budget            only bundles costing at most this (the file's unit)
    metric            what the frontier ranks by without a target (default p_completed; on
                      a portfolio mean_completed, programmes completed per organisation)
    direction         "auto" (the metric's natural direction), "maximise" or "minimise"
    delta             indifference zone in the metric's units (default 0.01 for shares)
    alpha             error probability of the selection
    batch             replications (organisations, on a portfolio) per observation (a batch
                      mean); None: the command's default (50 for shares, 250 for values,
                      months and a portfolio's means per organisation)
    max_replications  cap per bundle (a multiple of batch is used)
    max_bundles, search  exhaustive up to max_bundles ("auto"), or "exhaustive" (refused
                      beyond), or "heuristic" (greedy and local search: not exhaustive)
    progress          True for a progress bar, or a callable progress(done, planned) that may
                      return False to stop

    The engine runs without the GIL. Ctrl-C (KeyboardInterrupt) stops it within about a
    second, even in the middle of a long replication, and is raised here. Bad input raises
    ValueError or ScenarioError (naming file, line, column and key) before any replication.

    Returns a RemediesResult: .sentence, .frontier, .bundles, .chosen, .runner_up,
    .shapley, .plot_frontier().
    """
    scenario = _base(scenario)
    if isinstance(remedies_file, _core.RemedySet):
        remedy_set = remedies_file
    else:
        remedy_set = _core.RemedySet.load(os.fspath(remedies_file), scenario)
    for warning in remedy_set.warnings:  # as the command prints them
        warnings.warn(warning, UserWarning, stacklevel=2)
    if budget is not None:
        budget = _checks.number("budget", budget, 0.0, 1e300)
    if delta is not None:
        delta = _checks.number("delta", delta, 1e-12, 1e300)
    alpha = _checks.number("alpha", alpha, 1e-6, 0.5)
    # 0 asks the search for the metric's default (remedies_default_batch).
    batch = 0 if batch is None else _checks.whole("batch", batch, 1, _checks.MAX_REPLICATIONS)
    max_replications = _checks.whole("max_replications", max_replications, 1,
                                     _checks.MAX_REPLICATIONS)
    max_bundles = _checks.whole("max_bundles", max_bundles, 4096, 2**30)
    seed = _checks.whole("seed", seed, 0, 2**64 - 1)
    threads = _checks.whole("threads", threads, 0, _checks.MAX_THREADS)
    with _progress.reporting(progress, f"remedies for {scenario.name}") as callback:
        raw = _core.remedies(scenario, remedy_set, "" if target is None else str(target), budget,
                             "" if metric is None else str(metric), str(direction), delta, alpha,
                             batch, max_replications, max_bundles, str(search), seed, threads,
                             callback)
    return RemediesResult(raw)


def load_remedies(path):
    """Read a file written by `progsurv remedies -o` or RemediesResult.to_hdf5.

    Returns a RemediesResult; a foreign, newer or damaged file raises
    progsurv.FileFormatError.
    """
    path = os.fspath(path)
    _core.file_type(path)  # a missing or non-HDF5 file: FileFormatError first
    return RemediesResult(_core.read_remedies(path), path=path)


def _t975(df):
    from scipy import stats

    return stats.t.ppf(0.975, df)


def _mean_interval(n, s, ss):
    """Mean with its Student-t 95% interval from n observations' sum and sum of squares
    (docs/hdf5-remedies-format.md); NaN bounds below 2 observations."""
    n = np.asarray(n, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.asarray(s) / n
        var = np.maximum((np.asarray(ss) - n * mean**2) / (n - 1.0), 0.0)
        half = _t975(np.maximum(n - 1.0, 1.0)) * np.sqrt(var / n)
    half = np.where(n >= 2, half, np.nan)
    return mean, mean - half, mean + half


class RemediesResult(ResultBase, _core.RemediesResult):
    """The answer of a remedies search: the frontier, every bundle (from raw sums), the
    chosen bundle and the runner-up, the Shapley shares and the sentence."""

    @property
    def name(self):
        """The scenario's or portfolio's name, with the values set as a variant label."""
        return self.label

    @property
    def unit(self):
        """The remedies file's cost unit."""
        return self.remedy_set.unit

    @property
    def sentence(self):
        """The answer in plain words, as `progsurv remedies` prints it ("the cheapest way to
        reach ... is ..."; without a target, the best bundle).

        Returns a str."""
        for line in self.text().splitlines():
            if line.startswith("answer: "):
                return line[len("answer: "):]
            if line.startswith("best"):
                return line
        return ""

    @property
    def remedies(self):
        """What the remedies are, from the remedies file the search read (kept in its
        file): one row per way of taking a remedy (each option; a remedy without options
        has one) with remedy, description, option ('' for a remedy without options),
        option_description (the option's own, '' when it has none), cost (in .unit) and sets
        (the `--set` path=value pairs it applies, "; " between them).

        Returns a pandas DataFrame."""
        rs = self.remedy_set
        names, descriptions = rs.names, rs.descriptions
        frame = pd.DataFrame(
            [(names[r], descriptions[r], option, option_description, float(cost),
              "; ".join(f"{path}={value}" for path, value in sets))
             for (r, option, cost, sets), option_description
             in zip(rs.choices, rs.choice_descriptions)],
            columns=["remedy", "description", "option", "option_description", "cost", "sets"])
        frame.attrs.update(unit=self.unit)
        return frame

    @property
    def bundles(self):
        """Every bundle evaluated (index = bundle number; 0 is doing nothing): bundle (its
        label), cost, takes_part (within the budget), observations (batch means) and
        replications, the metric's estimate with its Student-t 95% interval (lower, upper),
        the paired gain against doing nothing (gain, gain_lower, gain_upper), eliminated_by
        (-1: not eliminated), feasibility, p_meets, on_frontier. Derived from the raw sums.

        Returns a pandas DataFrame."""
        bs = self.bundle_results
        n = np.array([b.n for b in bs], dtype=np.int64)
        col = lambda name: np.array([getattr(b, name) for b in bs], dtype=float)  # noqa: E731
        est, lo, hi = _mean_interval(n, col("sum"), col("sum_squares"))
        gain, glo, ghi = _mean_interval(n, col("diff_sum"), col("diff_sum_squares"))
        gain[0], glo[0], ghi[0] = np.nan, np.nan, np.nan  # nothing against itself
        frontier = set(self.frontier_indices)
        frame = pd.DataFrame({
            "bundle": [b.label for b in bs], "cost": col("cost"),
            "takes_part": [bool(b.takes_part) for b in bs], "observations": n,
            "replications": n * int(self.batch),
            "estimate": est, "lower": lo, "upper": hi,
            "gain": gain, "gain_lower": glo, "gain_upper": ghi,
            "eliminated_by": np.array([b.eliminated_by for b in bs], dtype=np.int64),
            "feasibility": [b.feasibility for b in bs], "p_meets": col("p_meets"),
            "on_frontier": [i in frontier for i in range(len(bs))],
        }, index=pd.Index(np.arange(len(bs)), name="index"))
        frame.attrs.update(metric=self.metric, unit=self.unit)
        return frame

    @property
    def frontier(self):
        """The efficient frontier, ascending cost: for each cost the best bundle (as in
        .bundles: cost, bundle, estimate, lower, upper, gain, gain_lower, gain_upper,
        observations, feasibility, p_meets) and its role ('chosen', 'runner-up' or '').

        Returns a pandas DataFrame indexed by bundle number."""
        b = self.bundles
        f = b.loc[list(self.frontier_indices),
                  ["cost", "bundle", "estimate", "lower", "upper", "gain", "gain_lower",
                   "gain_upper", "observations", "feasibility", "p_meets"]].copy()
        f["role"] = ["chosen" if i == self.chosen_index else
                     "runner-up" if i == self.runner_up_index else "" for i in f.index]
        f.attrs.update(b.attrs)
        return f

    def _row(self, index):
        return None if index < 0 else self.bundles.loc[index]

    @property
    def chosen(self):
        """The cheapest bundle declared to meet the target (a row of .bundles, a Series), or
        None (no target, or none met it)."""
        return self._row(self.chosen_index)

    @property
    def runner_up(self):
        """The next cheapest bundle declared to meet the target (a Series), or None."""
        return self._row(self.runner_up_index)

    @property
    def best(self):
        """The best surviving bundle (within the budget) (a Series), or None."""
        return self._row(self.best_index)

    @property
    def shapley(self):
        """Each remedy's Shapley share of the gain of the bundle the answer names (the chosen
        one; when none meets the target, the cheapest frontier bundle whose estimate reaches
        it, else the closest; without a target, the best):
        remedy (its label), share with its paired 95% interval (lower, upper) and se; the
        shares sum to the gain in .attrs["total"]. Empty when not computed.

        Returns a pandas DataFrame."""
        shares = self.shapley_shares
        frame = pd.DataFrame({
            "remedy": [s.label for s in shares],
            "share": np.array([s.share for s in shares], dtype=float),
            "lower": np.array([s.lower for s in shares], dtype=float),
            "upper": np.array([s.upper for s in shares], dtype=float),
            "se": np.array([s.se for s in shares], dtype=float),
        })
        total = dict(zip(("nothing", "bundle", "gain", "lower", "upper", "se"),
                         self.shapley_total))
        bundle = self.shapley_of
        frame.attrs.update(metric=self.metric, total=total,
                           bundle=self.bundle_results[bundle].label if bundle >= 0 else None,
                           replications=int(self.shapley_replications))
        return frame

    @property
    def converged(self):
        """True when every comparison was resolved (False: stopped at the cap)."""
        return self.termination == "converged"

    def summary(self):
        """The text `progsurv remedies` prints (and `progsurv summary` of its file).

        Returns a str."""
        return self.text()

    def to_hdf5(self, path, force=False):
        """Write the file `progsurv remedies -o PATH` writes (docs/hdf5-remedies-format.md),
        through the command's output checks: never a folder or device; an empty file or a
        remedies file at `path` is replaced; a progsurv file of another kind, a non-empty
        file that is not a progsurv file or a write-protected file only with force=True
        (the command's --force), else ValueError.

        Returns the path written."""
        path = os.fspath(path)
        _core.check_output_path(path, [], _checks.flag("force", force), _core.remedies_filetype)
        _core.write_remedies(path, self)
        return path

    def __repr__(self):
        return (f"<progsurv.RemediesResult '{self.name}'{self._from_where()}: "
                f"{len(self.bundle_results)} bundles, {self.search}; {self.sentence}>")

    def plot_frontier(self, ax=None):
        """Cost against the metric: every bundle within the budget faint, the efficient
        frontier with its 95% intervals, the target line and the chosen bundle (and the
        runner-up) marked.

        Returns the matplotlib Axes."""
        if ax is None:
            import matplotlib.pyplot as plt

            _, ax = plt.subplots(figsize=(7, 4.5), layout="constrained")
        b = self.bundles
        k = 100.0 if self.metric_is_share else 1.0
        unit = " (%)" if k == 100.0 else ""
        part = b[b["takes_part"] & (b["observations"] > 0)]
        ax.scatter(part["cost"], k * part["estimate"], s=12, color="#9e9e9e", alpha=0.45,
                   label="other bundles", zorder=1)
        f = self.frontier
        ax.step(f["cost"], k * f["estimate"], where="post", color="#1565c0", lw=1, alpha=0.6,
                zorder=2)
        err = np.vstack([f["estimate"] - f["lower"], f["upper"] - f["estimate"]]) * k
        ax.errorbar(f["cost"], k * f["estimate"], yerr=np.clip(err, 0, None), fmt="o",
                    color="#1565c0", capsize=3, ms=5, label="efficient frontier (95%)", zorder=3)
        if self.target is not None:
            ax.axhline(k * self.target.bound, color="#c62828", ls="--", lw=1,
                       label=f"target {self.target.describe()}")
        for row, marker, color, label in ((self.chosen, "*", "#2e7d32", "chosen"),
                                          (self.runner_up, "D", "#ef6c00", "runner-up")):
            if row is not None:
                ax.plot([row["cost"]], [k * row["estimate"]], marker, color=color, ms=14
                        if marker == "*" else 8, zorder=4, label=f"{label}: {row['bundle']}")
        ax.set_xlabel(f"cost ({self.unit})")
        ax.set_ylabel(f"{self.metric}{unit}")
        ax.set_title(f"{self.name}: what it takes" + (" (heuristic search, not exhaustive)"
                                                      if self.search == "heuristic" else ""))
        ax.legend(fontsize="small", loc="best")
        return ax
