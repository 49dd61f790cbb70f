"""Portfolio mode: an organisation's programmes over years (portfolio mode in docs/model.md).

    result = progsurv.portfolio("scenarios/portfolios/ten-years.yaml", n=5000, seed=1)
    print(result.summary())
    result.ranks()              # P(completed) by launch rank (pandas DataFrame)
    result.templates()          # how each programme template fares
    result.plot_rank_odds()     # matplotlib Axes
    result.to_hdf5("ten-years.h5")
"""
import os
from collections.abc import Mapping

import numpy as np
import pandas as pd

from . import _checks, _core, _progress, plotting
from ._result_base import ResultBase

CATEGORIES = tuple(_core.category_names)
CAUSES = tuple(_core.cause_names)
COUNT_GROUPS = ("launched", "completed", "ended", "not_started", "running")
SHARING = ("cynicism", "trust", "posts", "budget")
DEFAULT_MAX_ORGANISATIONS = _core.default_max_organisations  # `portfolio --precision`'s cap
QUANTILE_LEVELS = (0.1, 0.5, 0.9)


def portfolio(
    portfolio,
    n=20_000,
    seed=1,
    threads=0,
    precision=None,
    max_organisations=None,
    progress=False,
    sharing=None,
):
    """Run `n` organisations of `portfolio` (a Portfolio or a path to a portfolio YAML file).

    The same portfolio, seed and n give the same numbers as
    `progsurv portfolio --seed SEED -n N`, for any thread count.

    n                 organisations (replications) to run (ignored when `precision` is given)
    seed              random seed
    threads           worker threads; 0 = all cores
    precision         run batches until the 95% half-width of the mean number of
                      programmes completed per organisation is at most this (in [1e-06,
                      1e6], as `progsurv portfolio --precision`; None: a fixed count, `n`),
                      but not more than `max_organisations` (None: 1,000,000; only with
                      precision, as `progsurv portfolio --max-organisations` needs
                      --precision)
    progress          True for a progress bar, or a callable progress(done, planned) that
                      may return False to stop
    sharing           {"cynicism" | "trust" | "posts" | "budget": False} switches one
                      organisation-level sharing off, leaving every other draw unchanged
                      (default: everything shared, as the command line runs)

    The engine runs without the GIL. Ctrl-C (KeyboardInterrupt) stops it within about a
    second, even in the middle of a long organisation (the engine polls inside it), and is
    raised here. A bad portfolio file raises ScenarioError naming file, line and key.

    Returns a PortfolioResult.
    """
    if isinstance(portfolio, (str, os.PathLike)):
        portfolio = _core.Portfolio.load(os.fspath(portfolio))
    if not isinstance(portfolio, _core.Portfolio):
        raise TypeError(
            f"portfolio() needs a progsurv.Portfolio or a path, not {type(portfolio).__name__}"
        )
    n = _checks.whole("n", n, 1, _checks.MAX_REPLICATIONS)
    threads = _checks.whole("threads", threads, 0, _checks.MAX_THREADS)
    precision = _checks.precision(precision, _core.portfolio_precision_range, "n", n)
    max_organisations = _checks.precision_cap("max_organisations", max_organisations,
                                              DEFAULT_MAX_ORGANISATIONS, precision, "n", n)
    seed = _checks.whole("seed", seed, 0, 2**64 - 1)
    share = {}
    if sharing is not None and not isinstance(sharing, Mapping):
        raise TypeError(f"sharing must be a dict such as {{'cynicism': False}}, not "
                        f"{type(sharing).__name__} {sharing!r}")
    for key, value in (sharing or {}).items():
        if key not in SHARING:
            raise KeyError(f"sharing: unknown key {key!r}; keys are {', '.join(SHARING)}")
        share[key] = _checks.flag(f"sharing[{key!r}]", value)

    with _progress.reporting(
        progress, f"running {portfolio.name}", unit="organisations"
    ) as callback:
        raw = _core.run_portfolio(
            portfolio, n, seed, threads, precision, max_organisations, share, callback
        )
    return PortfolioResult(raw)


def load_portfolio(path):
    """Read a portfolio file written by `progsurv portfolio` or PortfolioResult.to_hdf5.

    The filetype and format version are checked first: a foreign (a run or sweep file),
    newer or damaged file raises progsurv.FileFormatError saying which.

    Returns a PortfolioResult.
    """
    path = os.fspath(path)
    # file_type() turns a missing, unreadable or non-HDF5 file into FileFormatError first.
    _core.file_type(path)
    return PortfolioResult(_core.read_portfolio_result(path), path=path)


def _step_quantile(hist, total, q, width=1.0):
    # As the C++ summary: the smallest bin holding the q-th share, at its lower edge.
    hist = np.asarray(hist, dtype=np.int64)
    if total <= 0 or hist.size == 0:
        return np.nan
    seen = np.cumsum(hist)
    hit = np.nonzero((hist > 0) & (seen >= q * total))[0]
    return float(hit[0]) * width if hit.size else np.nan


class PortfolioResult(ResultBase, _core.PortfolioResult):
    """The result of a portfolio run or of a portfolio file.

    result.tally is the raw PortfolioTally (counts and sums over organisations, as in the
    file's /tally); result.statistics the PortfolioSummary derived from it (what the
    command line prints). Their arrays are read-only NumPy views: no copies, and each
    array's .base is the object holding the data, which keeps this result alive.

    DataFrames: ranks() (P(completed) by launch rank), templates() (how each programme
    template's programmes end), organisation() (per-organisation means and
    quantiles), over_time() (programmes live, cumulative ends, cynicism and trust on the
    grid), exits() (sponsor exits by level). Plots: plot_rank_odds(),
    plot_cynicism_trust(), plot_live().
    """

    _subject = "portfolio"

    def __init__(self, raw, path=None):
        super().__init__(raw, path)
        self._statistics = None

    @property
    def statistics(self):
        """The PortfolioSummary derived from the tally (computed once)."""
        if self._statistics is None:
            self._statistics = _core.summarize(self.tally)
        return self._statistics

    def __repr__(self):
        s = self.statistics
        completed = s.per_category[CATEGORIES.index("completed")]
        return (
            f"<progsurv.PortfolioResult '{self.name}'{self._from_where()}: {self.n} organisations, seed "
            f"{self.seed}; {s.launched[0]:.2f} launched, {completed[0]:.2f} completed per "
            f"organisation>"
        )

    def summary(self):
        """The manager-level summary, exactly as `progsurv portfolio` prints it.

        Returns the text as a str.
        """
        return self.format_summary()

    def to_hdf5(self, path, force=False):
        """Write the file `progsurv portfolio -o PATH` writes (docs/hdf5-portfolio-format.md),
        with the command's checks of its output: an empty file or a portfolio file at `path`
        is replaced; a progsurv file of another kind, a non-empty file that is not a progsurv
        file or a write-protected file only with force=True (the command's --force).

        Returns None; raises ValueError for a path that must not be written (a device, a
        folder, a file it may not replace), FileNotFoundError when its folder is missing.
        """
        path = os.fspath(path)
        # As Result.to_hdf5: a missing folder stays the writer's FileNotFoundError.
        if os.path.lexists(path):
            _core.check_output_path(path, [], _checks.flag("force", force),
                                    _core.portfolio_filetype)
        _core.write_portfolio_result(path, self)

    # --- DataFrames --------------------------------------------------------------------

    def ranks(self, min_launched=0.0):
        """The outcome probabilities of the k-th programme an organisation launches, k = 1, 2, ...

        Columns: organisations (that launched a k-th programme), launched (their share of
        all organisations), then the share of k-th programmes completed, ended by each
        cause, not_started and running (at the horizon), and value (its mean), each
        with _lower and _upper 95% bounds (Wilson for shares, normal for the mean).
        Later programmes have less time before the horizon, so the ranks are also
        compared over the same `within` months from each launch: completed_within
        (with bounds) among the k-th programmes launched by horizon - within, and
        launched_within (the share of organisations that launched one by then).
        `min_launched` drops ranks that fewer than that share of organisations reach.

        Returns a pandas DataFrame indexed by rank (1 = the first programme).
        """
        s = self.statistics
        reached = np.asarray(s.rank_reached)
        share = np.asarray(s.rank_share)
        value = np.asarray(s.rank_value)
        columns = {"organisations": np.asarray(s.rank_launched)}

        def add(name, est):
            columns[name] = est[:, 0]
            columns[f"{name}_lower"] = est[:, 1]
            columns[f"{name}_upper"] = est[:, 2]

        add("launched", reached)
        for k, c in enumerate(CATEGORIES):
            add(c, share[:, k, :])
        add("value", value)
        within = np.asarray(s.rank_within_share)
        add("launched_within", np.asarray(s.rank_within_reached))
        add("completed_within", within[:, CATEGORIES.index("completed"), :])
        df = pd.DataFrame(columns, index=pd.Index(np.arange(1, len(reached) + 1), name="rank"))
        if min_launched > 0:
            df = df[df["launched"] >= min_launched]
        return df

    def templates(self):
        """How each kind of programme fares: one row per programme template of the portfolio
        (`programmes:` in its file), in its order.

        Columns: programmes (launched from the template, all organisations together),
        per_organisation (their mean number per organisation), then the share of those
        programmes completed, ended by each cause, not_started and running (at the
        horizon), each with _lower and _upper 95% bounds; NaN for a template never
        launched. An organisation's programmes share its sponsors, so the bounds are of a
        ratio over organisations (Wilson at the effective sample size: see
        statistics.template_interval_method and docs/hdf5-portfolio-format.md). Then
        mean_value: the value banked per programme launched, with _lower and _upper (normal
        interval of the same ratio over organisations; NaN for a file before format 1.3).
        Launch ranks mix templates, so read ranks() with this.

        Returns a pandas DataFrame indexed by template name.
        """
        s = self.statistics
        share = np.asarray(s.template_share)
        columns = {"programmes": np.asarray(s.template_launched),
                   "per_organisation": np.asarray(s.template_launched_per_organisation)}
        for k, c in enumerate(CATEGORIES):
            columns[c] = share[:, k, 0]
            columns[f"{c}_lower"] = share[:, k, 1]
            columns[f"{c}_upper"] = share[:, k, 2]
        value = np.asarray(s.template_value)
        columns.update(mean_value=value[:, 0], mean_value_lower=value[:, 1],
                       mean_value_upper=value[:, 2])
        return pd.DataFrame(columns, index=pd.Index(list(s.template_names), name="template"))

    def organisation(self):
        """Per organisation over the horizon: programmes launched, in each end category,
        ended early (any cause), and total value.

        Columns mean, lower, upper (95% interval of the mean) and p10, p50, p90 (of the
        distribution over organisations; NaN for the single causes, which are not kept
        as distributions).

        Returns a pandas DataFrame indexed by quantity.
        """
        s, t = self.statistics, self.tally
        n = int(t.n)
        per = np.asarray(s.per_category)
        rows, index = [], []

        def quantiles(group):
            return [_step_quantile(t.count_hist(group), n, q) for q in QUANTILE_LEVELS]

        rows.append(list(s.launched) + quantiles("launched"))
        index.append("launched")
        for k, c in enumerate(CATEGORIES):
            if c in ("completed", "not_started", "running"):
                q = quantiles(c)
            else:
                q = [np.nan] * 3
            rows.append(list(per[k]) + q)
            index.append(c)
            if c == CAUSES[-1]:
                rows.append(list(s.ended) + quantiles("ended"))
                index.append("ended")
        rows.append(list(s.value) + list(np.asarray(s.value_quantiles)))
        index.append("value")
        return pd.DataFrame(
            rows,
            columns=["mean", "lower", "upper", "p10", "p50", "p90"],
            index=pd.Index(index, name="quantity"),
        )

    def over_time(self):
        """The organisation on the time grid: live (mean programmes scoping or running);
        the mean cumulative programmes per organisation completed, ended by each cause,
        ended (any cause) and not started by t; cynicism C(t) and customer trust T(t):
        mean and P10, P50, P90 over organisations.

        Returns a pandas DataFrame indexed by time (months).
        """
        s = self.statistics
        columns = {"live": np.asarray(s.live_mean)}
        for c in ("completed",) + CAUSES:
            columns[c] = np.asarray(s.cumulative(c))
        columns["ended"] = sum(np.asarray(s.cumulative(c)) for c in CAUSES)
        columns["not_started"] = np.asarray(s.cumulative("not_started"))
        for name, mean, qs in (
            ("cynicism", s.cynicism_mean, s.cynicism_quantiles),
            ("trust", s.trust_mean, s.trust_quantiles),
        ):
            columns[f"{name}_mean"] = np.asarray(mean)
            for level, q in zip(QUANTILE_LEVELS, qs):
                columns[f"{name}_p{round(100 * level)}"] = np.asarray(q)
        return pd.DataFrame(columns, index=pd.Index(np.asarray(s.grid), name="time"))

    def exits(self):
        """Sponsor exits by level: posts, exits per organisation over the horizon, those
        that orphaned a live programme (sponsoring_exits), and per sponsoring exit the
        programmes orphaned and lost (NaN when a level had none).

        Returns a pandas DataFrame indexed by level.
        """
        t = self.tally
        p = self.portfolio
        n = float(t.n)
        exits = np.asarray(t.exits, dtype=float)
        sponsoring = np.asarray(t.sponsoring_exits, dtype=float)
        with np.errstate(invalid="ignore", divide="ignore"):
            orphaned = np.where(sponsoring > 0, np.asarray(t.orphaned) / sponsoring, np.nan)
            lost = np.where(sponsoring > 0, np.asarray(t.lost) / sponsoring, np.nan)
        roster = p.roster
        return pd.DataFrame(
            {
                "posts": [roster[name] for name in p.level_names],
                "exits": exits / n,
                "sponsoring_exits": sponsoring / n,
                "orphaned_per_exit": orphaned,
                "lost_per_exit": lost,
            },
            index=pd.Index(list(p.level_names), name="level"),
        )

    # --- plots -------------------------------------------------------------------------

    def plot_rank_odds(self, ax=None, min_launched=0.05, color=None, label=None, title=None):
        """P(completed) of the k-th programme launched, with 95% intervals, for the ranks at
        least `min_launched` of organisations reach.

        ax     the matplotlib Axes to draw on (None: a new figure)
        color  the line's colour (None: the next colour of the Axes' colour cycle, as
               matplotlib's plot takes it, skipping colours of results already drawn there)
        label  the legend entry (None: the portfolio's name)
        title  the Axes' title (None: "<name>: P(completed) by launch rank (95%)" on an
               Axes without one, fitted to its width; just "P(completed) by launch rank
               (95%)" when another result is already drawn there; a title of your own is
               kept)

        Call it again on the same Axes, with a label, to compare results.

        Returns the matplotlib Axes.
        """
        ax = plotting._axes(ax)
        df = self.ranks(min_launched=min_launched)
        k = df.index.to_numpy()
        est = df["completed"].to_numpy()
        err = np.vstack([est - df["completed_lower"].to_numpy(),
                         df["completed_upper"].to_numpy() - est])
        color = plotting._series_color(ax, color)
        drawn = ax.errorbar(k, est, yerr=err, marker="o", capsize=3, color=color,
                            label=label if label is not None else self.name)
        plotting._add_series(ax, drawn.lines[0], color)
        ax.set_xlabel("launch rank (1 = the organisation's first programme)")
        ax.set_ylabel("P(completed)")
        ax.set_ylim(0, min(1.0, 1.15 * float(df["completed_upper"].max()) + 0.02) if len(df) else 1)
        if len(k):
            ax.set_xticks(k if len(k) <= 15 else k[:: int(np.ceil(len(k) / 15))])
        plotting._title(ax, self.name, "P(completed) by launch rank (95%)", title)
        plotting._legend(ax)
        return ax

    def plot_cynicism_trust(self, ax=None, title=None):
        """Cynicism C(t) and customer trust T(t) over time: the mean over organisations as a
        line and the P10–P90 band of organisations around it, in fixed colours (red,
        blue).

        ax     the matplotlib Axes to draw on (None: a new figure)
        title  the Axes' title (None: "<name>: cynicism and trust" on an Axes without one,
               fitted to its width; just "cynicism and trust" when another result is
               already drawn there; a title of your own is kept)

        The legend (one entry per quantity: its line over its band) stands right of the
        Axes; a figure of your own without a layout engine (plt.subplots()) is given a
        constrained layout, which makes room for it.

        Returns the matplotlib Axes.
        """
        ax = plotting._axes(ax)
        df = self.over_time()
        t = df.index.to_numpy()
        handles, labels = [], []
        for name, color, label in (
            ("cynicism", "#c62828", "cynicism C(t)"),
            ("trust", "#1565c0", "customer trust T(t)"),
        ):
            (line,) = ax.plot(t, df[f"{name}_mean"], color=color, label=f"{label}, mean")
            band = ax.fill_between(t, df[f"{name}_p10"], df[f"{name}_p90"], color=color,
                                   alpha=0.2, linewidth=0, label=f"{label}, P10–P90")
            plotting._add_series(ax, line, color)
            handles.append((band, line))
            labels.append(label)
        ax.set_xlim(t[0], t[-1])
        ax.set_ylim(0, 1.02)
        ax.set_xlabel("months")
        ax.set_ylabel("level")
        plotting._title(ax, self.name, "cynicism and trust", title)
        ax.legend(handles, labels, title="mean, P10–P90", fontsize="small",
                  title_fontsize="small", frameon=False, loc="center left",
                  bbox_to_anchor=(1.01, 0.5))
        plotting._room_outside(ax)
        return ax

    def plot_live(self, ax=None, color=None, label=None, title=None):
        """Mean programmes live (scoping or running) per organisation over time, with the
        max_live cap (a dotted grey line) when the portfolio has one.

        ax     the matplotlib Axes to draw on (None: a new figure)
        color  the line's colour (None: the next colour of the Axes' colour cycle, as
               matplotlib's plot takes it, skipping colours of results already drawn there)
        label  the legend entry (None: the portfolio's name)
        title  the Axes' title (None: "<name>: programmes live" on an Axes without one,
               fitted to its width; just "programmes live" when another result is already
               drawn there; a title of your own is kept)

        Call it again on the same Axes, with a label, to compare results.

        Returns the matplotlib Axes.
        """
        ax = plotting._axes(ax)
        df = self.over_time()
        t = df.index.to_numpy()
        color = plotting._series_color(ax, color)
        (line,) = ax.plot(t, df["live"], color=color,
                          label=label if label is not None else self.name)
        plotting._add_series(ax, line, color)
        cap = self.portfolio.max_live
        if cap > 0:
            ax.axhline(cap, color="grey", linestyle=":", linewidth=1)
            ax.annotate(f"max_live {cap}", (t[0], cap), xytext=(3, -12),
                        textcoords="offset points", fontsize="small", color="grey")
        ax.set_xlim(t[0], t[-1])
        ax.set_ylim(0, None)
        ax.set_xlabel("months")
        ax.set_ylabel("mean programmes live")
        plotting._title(ax, self.name, "programmes live", title)
        plotting._legend(ax)
        return ax
