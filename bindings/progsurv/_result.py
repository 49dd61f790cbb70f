"""Result: the outcome of a run or of a file, as NumPy arrays, DataFrames and plots."""
import os

import numpy as np
import pandas as pd

from . import _checks, _core, _progress, plotting
from ._result_base import ResultBase

CATEGORIES = tuple(_core.category_names)  # completed, five causes, not_started, running
OUTCOMES = tuple(_core.outcome_names)
CAUSES = tuple(_core.cause_names)
QUANTITIES = tuple(_core.quantity_names)
# The buckets and counts in the order of the file's /time_decomposition and /counts and of
# the summary's "mean months" line (_core.time_bucket_names is the engine's numbering, older
# buckets first).
TIME_BUCKETS = tuple(_core.time_decomposition_names)
_COUNTS = tuple(_core.count_names)

_Z95 = _core.z95  # the C++ summary's z for 95% intervals
DEFAULT_MAX_REPLICATIONS = _core.default_max_replications  # run()'s cap of a precision run


class UnknownNameError(KeyError, ValueError):
    """A name that is not one of the valid ones (quantity, category, record column). A
    ValueError, and a KeyError as these lookups raised before."""

    def __str__(self):
        return str(self.args[0])  # KeyError's str() would quote the message


def _names(kind, names, valid):
    """`names` (one name or several) as a tuple, each one of `valid`; an unknown one raises
    UnknownNameError naming it and the valid ones. One string is one name, not letters."""
    names = (names,) if isinstance(names, str) else tuple(names)
    for name in names:
        if name not in valid:
            raise UnknownNameError(f"unknown {kind} {name!r}; valid: {', '.join(valid)}")
    return names


def run(
    scenario,
    replications=100_000,
    seed=1,
    threads=0,
    precision=None,
    max_replications=None,
    keep_replications=False,
    progress=False,
    set=None,
):
    """Run replications of `scenario` (a Scenario or a path to a YAML file).

    The same scenario, seed and replications give the same numbers as
    `progsurv run --seed SEED -n REPLICATIONS`, for any thread count.

    replications      replications to run (ignored when `precision` is given)
    seed              random seed
    threads           worker threads; 0 = all cores
    precision         run batches of 16384 until the 95% half-width of P(completed)
                      is at most this (in [1e-06, 0.5], as `progsurv run --precision`;
                      None: a fixed count, `replications`)
    max_replications  the cap of a precision run (None: 10,000,000); only with
                      precision, as `progsurv run --max-replications` needs --precision
    keep_replications keep one record per replication (Result.records())
    set               values to change first, {key path: value}, as `progsurv run --set`
                      (Scenario.with_values): the result's name, file and report say so
    progress          True for a progress bar (stderr, or live in a notebook), or a
                      callable progress(done, planned) that may return False to stop

    The engine runs without the GIL. Ctrl-C (KeyboardInterrupt) stops it within about a
    second, even in the middle of a long replication, and is raised here.
    """
    if isinstance(scenario, (str, os.PathLike)):
        scenario = _core.Scenario.load(scenario)
    if not isinstance(scenario, _core.Scenario):
        raise TypeError(f"run() needs a progsurv.Scenario or a path, not {type(scenario).__name__}")
    if set:
        scenario = scenario.with_values(_checks.settings("set", set))
    replications = _checks.whole("replications", replications, 1, _checks.MAX_REPLICATIONS)
    threads = _checks.whole("threads", threads, 0, _checks.MAX_THREADS)
    precision = _checks.precision(precision, _core.precision_range, "replications",
                                  replications)
    max_replications = _checks.precision_cap("max_replications", max_replications,
                                             DEFAULT_MAX_REPLICATIONS, precision, "replications",
                                             replications)
    seed = _checks.whole("seed", seed, 0, 2**64 - 1)
    keep_replications = _checks.flag("keep_replications", keep_replications)

    with _progress.reporting(progress, f"running {scenario.name}") as callback:
        raw = _core.run(
            scenario,
            replications,
            seed,
            threads,
            precision,
            max_replications,
            keep_replications,
            callback,
        )
    return Result(raw)


def exact(scenario, method="auto"):
    """The exact curves of a Markov-subset scenario (a Scenario or a path to a YAML file).

    Every duration must be exponential (or Erlang: gamma with integer shape), patience a
    hazard (or none) and there must be no budget cycle; otherwise ScenarioError lists what
    is not Markovian. The Result has the same arrays and frames as a run's, with
    lower = upper = estimate and result.exact True. `method` is "auto", "dense" or
    "uniformization".

    Returns a Result (result.exact is True).
    """
    if isinstance(scenario, (str, os.PathLike)):
        scenario = _core.Scenario.load(os.fspath(scenario))
    return Result(_core.exact(scenario, method))


def _loaders():
    """filetype -> (what it is, the function that reads it)."""
    # progsurv.sweep and progsurv.compare are the functions: import from the modules.
    from ._fit import load_fit
    from ._portfolio import load_portfolio
    from ._portfolio_attribution import load_portfolio_attribution
    from ._remedies import load_remedies
    from ._seek import load_seek
    from .compare import load_comparison
    from .sweep import load_attribution, load_sweep

    return {
        _core.run_filetype: ("run or exact", None),
        _core.portfolio_filetype: ("portfolio", load_portfolio),
        _core.portfolio_attribution_filetype: ("portfolio attribution",
                                               load_portfolio_attribution),
        _core.sweep_filetype: ("sweep", load_sweep),
        _core.attribution_filetype: ("attribution", load_attribution),
        _core.comparison_filetype: ("comparison", load_comparison),
        _core.fit_filetype: ("fit", load_fit),
        _core.seek_filetype: ("seek", load_seek),
        _core.remedies_filetype: ("remedies", load_remedies),
    }


def load(path):
    """Read any file progsurv writes. Returns the object for its filetype:

    run or exact (`progsurv run`, `progsurv exact`, Result.to_hdf5)   -> Result
    portfolio (`progsurv portfolio`)                                  -> PortfolioResult
    portfolio attribution (`progsurv attribute PORTFOLIO -o`)         -> PortfolioAttribution
    sweep (`progsurv sweep`)                                          -> SweepResult
    attribution (`progsurv attribute -o`)                             -> DataFrame (load_attribution)
    comparison (`progsurv compare -o`)                                -> DataFrame (load_comparison)
    fit (`progsurv fit`)                                              -> FitResult
    seek (`progsurv seek -o`)                                         -> SeekResult
    remedies (`progsurv remedies -o`)                                 -> RemediesResult

    The filetype and format version are checked first: a foreign, newer, older or
    truncated file raises progsurv.FileFormatError (a ValueError) saying which; a progsurv
    file of a filetype this version does not know names it and the ones it reads.
    """
    try:
        kind = _core.file_type(os.fspath(path))
    except _core.FileFormatError:
        kind = None  # read_result says what is wrong with it
    loaders = _loaders()
    if kind is not None and kind not in loaders:
        known = ", ".join(f"{name} ({filetype})" for filetype, (name, _) in loaders.items())
        raise _core.FileFormatError(
            f"{os.fspath(path)}: its filetype is {kind!r}, which this progsurv "
            f"({_core.__version__}) does not read; it reads {known}")
    if kind is not None and loaders[kind][1] is not None:
        return loaders[kind][1](path)
    raw = _core.read_result(path)
    return Result(raw, path=os.fspath(path))


class Result(ResultBase, _core.Result):
    """The result of a run or a file.

    NumPy arrays (grid, survival_curve, curve(category), outcome_share, cause_share, mean, se,
    tally_*, record(name), ...) are read-only views into this object: no copies, and each
    array's .base is this Result, which it keeps alive. Arrays of estimates have shape
    (n, 3) with columns estimate, lower, upper (95% Wilson intervals).

    The DataFrame methods (curves, survival, quantiles, outcomes, causes, value,
    time_decomposition, counts, means, convergence, records) build new frames from
    these arrays.
    """

    # --- identification (name, path: ResultBase) -------------------------------------

    @property
    def replications(self):
        """The number of replications: `n` by another name."""
        return self.n

    @property
    def p_completed(self):
        """P(completed) over all replications: (estimate, lower, upper)."""
        return tuple(float(x) for x in self.outcome_share[OUTCOMES.index("completed")])

    def _mean(self, quantity):
        i = QUANTITIES.index(quantity)
        return (float(self.mean[i]), float(self.se[i]))

    # The C++ accessors, a name checked first so that an error lists the valid ones (an
    # int category is an index, which C++ checks).
    def curve(self, category):
        """P(category by t) (or at t for running) on the grid; `category` is a name of
        CATEGORIES or its index.

        Returns a read-only (grid, 3) view: estimate, lower, upper."""
        if isinstance(category, str):
            _names("category", category, CATEGORIES)
        return super().curve(category)

    def curve_count(self, category):
        """Replications counted in curve(category) at each grid time.

        Returns a read-only int64 view, one entry per grid time."""
        if isinstance(category, str):
            _names("category", category, CATEGORIES)
        return super().curve_count(category)

    def record(self, name):
        """One column of the per-replication records, `name` from
        progsurv._core.record_names (keep_replications=True).

        Returns a read-only view, one entry per replication."""
        if isinstance(name, str):
            _names("record column", name, tuple(_core.record_names))
        return super().record(name)

    @property
    def rungs(self):
        """Mean escalation trials per started programme, a ladder rung's or the sponsor's
        (rule 15): (mean, se)."""
        return self._mean("rungs")

    @property
    def deferred_share(self):
        """Share of started programmes that deferred some scope into a "Phase 2" (rule 16):
        (mean, se)."""
        return self._mean("deferring")

    @property
    def deferred_value(self):
        """Value per started programme removed by deferral and never delivered (rule 16):
        (mean, se)."""
        return self._mean("deferred_value")

    @property
    def reengagements(self):
        """Re-engagements with customers per started programme that took effect (rule 17):
        (mean, se)."""
        return self._mean("reengagements")

    def __repr__(self):
        p, lo, hi = self.p_completed
        method = "exact" if self.exact else f"{self.n} replications, seed {self.seed}"
        return (
            f"<progsurv.Result '{self.name}'{self._from_where()}: {method}; "
            f"P(completed) {p:.3f} [{lo:.3f}, {hi:.3f}]>"
        )

    def summary(self):
        """The summary table, exactly as the command line prints it.

        Returns the table as a str.
        """
        # An exact solution has no seed: it says "exact", as `progsurv exact` does.
        how = "exact" if self.exact else f"seed {self.seed}"
        if self._path is not None:
            title = f"progsurv: {self.name} ({self._path}, {how})"
        else:
            title = f"progsurv: {self.name} ({how})"
        return self.format_summary(title)

    def to_hdf5(self, path, force=False):
        """Write the file `progsurv run -o PATH` writes (docs/hdf5-format.md), with the
        command's checks of its output: an empty file or a run file at `path` is replaced;
        a progsurv file of another kind, a non-empty file that is not a progsurv file or a
        write-protected file only with force=True (the command's --force).

        Returns None; raises ValueError for a path that must not be written (a device, a
        folder, a file it may not replace), FileNotFoundError when its folder is missing.
        """
        path = os.fspath(path)
        # Nothing there: nothing to refuse, and a missing folder stays the writer's
        # FileNotFoundError naming the path.
        if os.path.lexists(path):
            _core.check_output_path(path, [], _checks.flag("force", force), _core.run_filetype)
        _core.write_result(path, self)

    # --- DataFrames --------------------------------------------------------------------

    def curves(self, wide=False, categories=None):
        """P(completed / ended by cause c / not started by t, running at t) on the grid.

        Long form (default): columns time, category, probability, lower, upper, count.
        wide=True: indexed by time, columns a MultiIndex (probability | lower | upper,
        category); result.curves(wide=True)["probability"] has one column per category.
        `categories` selects and orders categories, one or a list (default: all of
        CATEGORIES).

        Returns a pandas DataFrame (long or wide as above); count is NaN for an exact result.
        """
        categories = CATEGORIES if categories is None else _names("category", categories,
                                                                   CATEGORIES)
        grid = self.grid
        frames = []
        for c in categories:
            est = self.curve(c)
            count = self.curve_count(c)
            if len(count) != len(grid):
                # An exact result has probabilities but no replications to count.
                count = np.full(len(grid), np.nan)
            frames.append(
                pd.DataFrame(
                    {
                        "time": grid,
                        "category": c,
                        "probability": est[:, 0],
                        "lower": est[:, 1],
                        "upper": est[:, 2],
                        "count": count,
                    }
                )
            )
        df = pd.concat(frames, ignore_index=True)
        df["category"] = pd.Categorical(df["category"], categories=list(categories))
        if not wide:
            return df
        out = df.pivot(index="time", columns="category", values=["probability", "lower", "upper"])
        out.columns = out.columns.remove_unused_levels()
        return out

    def survival(self):
        """S(t) = P(not ended by t) among started programmes (completed programmes
        survive): time, probability, lower, upper.

        Returns a pandas DataFrame.
        """
        s = self.survival_curve
        return pd.DataFrame(
            {"time": self.grid, "probability": s[:, 0], "lower": s[:, 1], "upper": s[:, 2]}
        )

    def quantiles(self):
        """Completion-time quantiles (months; NaN = not reached) over all replications
        and among completed programmes with their 95% intervals (Monte Carlo results; the
        exact solver's have none), and value quantiles, by quantile level.

        Returns a pandas DataFrame indexed by quantile level.
        """
        lo, hi, lo_given, hi_given = self.completion_quantile_interval
        columns = {"completion_time": self.completion_quantile}
        if len(lo):
            columns.update(completion_time_lower=lo, completion_time_upper=hi)
        columns["completion_time_among_completed"] = self.completion_quantile_given
        if len(lo):
            columns.update(completion_time_among_completed_lower=lo_given,
                           completion_time_among_completed_upper=hi_given)
        columns["value"] = self.value_quantile
        return pd.DataFrame(columns, index=pd.Index(self.quantile_levels, name="quantile"))

    def outcomes(self):
        """Outcome counts and shares among all replications and among started ones.

        Returns a pandas DataFrame indexed by outcome.
        """
        counts = self.tally_category_count
        ended = sum(int(counts[CATEGORIES.index(c)]) for c in CAUSES)
        count = [
            int(counts[CATEGORIES.index("completed")]),
            ended,
            int(counts[CATEGORIES.index("not_started")]),
            int(counts[CATEGORIES.index("running")]),
        ]
        share, started = self.outcome_share, self.outcome_share_started
        return pd.DataFrame(
            {
                "count": count,
                "share": share[:, 0],
                "lower": share[:, 1],
                "upper": share[:, 2],
                "share_started": started[:, 0],
                "share_started_lower": started[:, 1],
                "share_started_upper": started[:, 2],
            },
            index=pd.Index(OUTCOMES, name="outcome"),
        )

    def causes(self):
        """Counts and shares of the causes of end among ended programmes.

        Returns a pandas DataFrame indexed by cause.
        """
        counts = self.tally_category_count
        share = self.cause_share
        return pd.DataFrame(
            {
                "count": [int(counts[CATEGORIES.index(c)]) for c in CAUSES],
                "share": share[:, 0],
                "lower": share[:, 1],
                "upper": share[:, 2],
            },
            index=pd.Index(CAUSES, name="cause"),
        )

    def value(self):
        """The value distribution: value banked and its probability by phases delivered.

        Returns a pandas DataFrame indexed by phases delivered.
        """
        return pd.DataFrame(
            {"value": self.value_levels, "probability": self.value_prob},
            index=pd.Index(np.arange(len(self.value_levels)), name="phases_delivered"),
        )

    def means(self, quantities=None):
        """Means over started programmes with standard errors and normal 95% intervals.
        `quantities`: one name or a list of them from QUANTITIES (default: all).

        Returns a pandas DataFrame indexed by quantity.
        """
        quantities = QUANTITIES if quantities is None else _names("quantity", quantities,
                                                                   QUANTITIES)
        idx = [QUANTITIES.index(q) for q in quantities]
        mean, se = np.asarray(self.mean)[idx], np.asarray(self.se)[idx]
        return pd.DataFrame(
            {"mean": mean, "se": se, "lower": mean - _Z95 * se, "upper": mean + _Z95 * se},
            index=pd.Index(quantities, name="quantity"),
        )

    def time_decomposition(self):
        """Where the months went: mean months per started programme in each time bucket
        of TIME_BUCKETS (scoping, vacant, waiting for resources, recruiting, working, ...;
        they sum to the mean end time), in the order of the file's /time_decomposition.

        Returns a pandas DataFrame indexed by time bucket.
        """
        df = self.means(TIME_BUCKETS)
        df.index.name = "bucket"
        return df

    def counts(self):
        """Mean sponsor changes, handoffs, breaks, escalations, disengagements (lapses of
        sponsor attention), escalation trials (rungs), deferrals, value deferred and never
        delivered (deferred_value) and re-engagements per started programme, in the order
        of the file's /counts.

        Returns a pandas DataFrame indexed by quantity (as means()).
        """
        return self.means(_COUNTS)

    def convergence(self):
        """P(completed) and its 95% half-width after each batch.

        Returns a pandas DataFrame with one row per batch.
        """
        return pd.DataFrame(
            {
                "n": self.convergence_n,
                "p_completed": self.convergence_p,
                "se": self.convergence_se,
                "half_width": self.convergence_half_width,
            }
        )

    def records(self):
        """One row per replication (only with keep_replications=True). outcome, cause and
        initial_level are categoricals (cause is NaN unless the programme ended).

        Returns a pandas DataFrame with one row per replication.
        """
        if not self.has_records:
            raise ValueError(
                "this result has no per-replication records; "
                "run with keep_replications=True (or `progsurv run --keep-replications`)"
            )
        data = {}
        for name in _core.record_names:
            column = self.record(name)
            if name == "outcome":
                column = pd.Categorical.from_codes(column, categories=list(OUTCOMES))
            elif name == "cause":
                column = pd.Categorical.from_codes(column, categories=list(CAUSES))
            elif name == "initial_level":
                column = pd.Categorical.from_codes(column, categories=self.scenario.level_names)
            data[name] = column
        return pd.DataFrame(data)

    # --- plots (progsurv.plotting) -------------------------------------------------------

    def plot_incidence(self, ax=None, **kwargs):
        """How programmes end: each cause's cumulative incidence with its 95% band
        (style="steps", the default) or stacked areas summing to 1 (style="stacked").
        Keywords: categories, legend, title, style (progsurv.plotting.plot_incidence).

        Returns the matplotlib Axes."""
        return plotting.plot_incidence(self, ax=ax, **kwargs)

    def plot_survival(self, ax=None, **kwargs):
        """S(t) among started programmes with its 95% band. Keywords: label, color, band,
        title, at_risk (progsurv.plotting.plot_survival). Call it again on the same Axes to
        compare results.

        Returns the matplotlib Axes."""
        return plotting.plot_survival(self, ax=ax, **kwargs)

    def plot_completion_time(self, ax=None, **kwargs):
        """The completion-time distribution with its quantiles marked. Keywords:
        bin_months, quantiles, color, title (progsurv.plotting.plot_completion_time).

        Returns the matplotlib Axes."""
        return plotting.plot_completion_time(self, ax=ax, **kwargs)

    def plot_time_decomposition(self, ax=None, **kwargs):
        """Mean months per time bucket (bars with 95% intervals). Keywords: color, title
        (progsurv.plotting.plot_time_decomposition).

        Returns the matplotlib Axes."""
        return plotting.plot_time_decomposition(self, ax=ax, **kwargs)

    def plot_value(self, ax=None, **kwargs):
        """P(d phases delivered) with the value banked for each d. Keywords: color, title
        (progsurv.plotting.plot_value).

        Returns the matplotlib Axes."""
        return plotting.plot_value(self, ax=ax, **kwargs)
