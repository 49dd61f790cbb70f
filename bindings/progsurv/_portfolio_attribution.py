"""Portfolio attribution (`progsurv attribute PORTFOLIO.yaml -o out.h5`): what each
organisation-level sharing costs (docs/portfolio-attribution.md).

    a = progsurv.attribute_portfolio("scenarios/portfolios/ten-years.yaml", organisations=2000)
    a = progsurv.load_portfolio_attribution("ten-years-attribution.h5")   # or progsurv.load
    a.costs()       # per organisation: the cost of each sharing in each statistic, 95%
    a.ranks()       # per launch rank: P(the k-th programme completes) and each cost, pp
    a.shapley()     # the Shapley parts (when the file has them)
    a.plot_costs()  # matplotlib Axes
    print(a.text()) # what `progsurv summary` prints

The file is read by the C++ reader (_core.read_portfolio_attribution), which checks the
filetype and format version first and derives every cost from the raw paired sums.
"""
import os

import numpy as np
import pandas as pd

from . import _checks, _core, _progress, plotting


def attribute_portfolio(portfolio, organisations=20_000, seed=1, threads=0, shapley=True,
                        output=None, progress=False, force=False):
    """What each sharing of a portfolio costs, as `progsurv attribute PORTFOLIO.yaml`: every
    organisation run with full sharing and with each sharing (cynicism, trust, posts,
    budget) switched off, and all four, under common random numbers
    (docs/portfolio-attribution.md).

    portfolio      a progsurv.Portfolio or a path to a portfolio YAML file
    organisations  how many (each is run 16 times, 6 with shapley=False)
    shapley        also the exact Shapley parts of switching all four off
    output         also write the file `progsurv attribute PORTFOLIO -o` writes, checked first
                   as the command checks it (force=True as its --force)
    progress       True for a progress bar, or a callable progress(done, planned)

    Returns a PortfolioAttribution (its path is `output`, or None)."""
    inputs = []
    if isinstance(portfolio, (str, os.PathLike)):
        inputs.append(os.fspath(portfolio))
        portfolio = _core.Portfolio.load(inputs[0])
    if not isinstance(portfolio, _core.Portfolio):
        raise TypeError("attribute_portfolio() needs a progsurv.Portfolio or a path, not "
                        f"{type(portfolio).__name__}")
    organisations = _checks.whole("organisations", organisations, 2, _checks.MAX_REPLICATIONS)
    seed = _checks.whole("seed", seed, 0, 2**64 - 1)
    threads = _checks.whole("threads", threads, 0, _checks.MAX_THREADS)
    shapley = _checks.flag("shapley", shapley)
    if output is not None:
        output = os.fspath(output)
        _core.check_output_path(output, inputs, _checks.flag("force", force),
                                _core.portfolio_attribution_filetype)
    with _progress.reporting(progress, f"attributing {portfolio.name}",
                             unit="organisations") as callback:
        raw = _core.attribute_portfolio(portfolio, output or "", organisations, seed, threads,
                                        shapley, callback)
    return PortfolioAttribution(raw, output)


def load_portfolio_attribution(path):
    """Read a portfolio attribution file written by `progsurv attribute PORTFOLIO.yaml -o`.

    Another progsurv file, a newer major version or a damaged file raises
    progsurv.FileFormatError saying which.

    Returns a PortfolioAttribution.
    """
    path = os.fspath(path)
    _core.file_type(path)  # a missing or non-HDF5 file says so first
    return PortfolioAttribution(_core.read_portfolio_attribution(path), path)


def _unique(values):
    return list(dict.fromkeys(values))


class PortfolioAttribution:
    """What each sharing of a portfolio costs (read from a portfolio attribution file).

    Attributes: name, description, source, seed, organisations, horizon (months),
    knockouts (cynicism, trust, posts, budget, all), descriptions (for people, in that
    order), statistics (completed, ended, not_started, running, value), has_shapley, path.
    Cost = the outcome with the sharing switched off minus the outcome with full sharing,
    paired over the same organisations.
    """

    def __init__(self, raw, path=None):
        self._raw = raw
        self.path = path
        self.name = raw["name"]
        self.description = raw["description"]
        self.source = raw["source"]
        self.seed = raw["seed"]
        self.organisations = raw["organisations"]
        self.pairs = self.organisations  # every organisation is run with and without
        self.horizon = raw["horizon"]
        org = pd.DataFrame(raw["per_organisation"])
        self._org = org
        self._rank = pd.DataFrame(raw["per_rank"])
        self.knockouts = _unique(org["part"])
        self.statistics = _unique(org["statistic"])
        self.descriptions = [raw["descriptions"][k] for k in self.knockouts]

    def __repr__(self):
        return (f"<progsurv.PortfolioAttribution '{self.name}'"
                f"{' from ' + self.path if self.path else ''}: {self.organisations} "
                f"organisations, seed {self.seed}>")

    def text(self):
        """The text `progsurv attribute` printed and `progsurv summary` prints.

        Returns a str."""
        return self._raw["text"]

    @property
    def has_shapley(self):
        return bool(self._raw["shapley"])

    def costs(self):
        """Per organisation, one row per (knockout, statistic): the mean with full sharing
        (base), with the sharing switched off (switched_off), the cost (their paired
        difference) with its 95% bounds and standard error.

        Returns a pandas DataFrame indexed by (knockout, statistic).
        """
        return self._rows("switched off", base="base", switched_off="variant", cost="cost",
                          cost_lower="lower", cost_upper="upper", cost_se="se")

    def shapley(self):
        """Each sharing's Shapley part of the cost of all four, per organisation: one row
        per (knockout, statistic) with the part, its 95% bounds and standard error. Empty
        when the file was written with --shapley none.

        Returns a pandas DataFrame indexed by (knockout, statistic).
        """
        return self._rows("shapley", part="cost", part_lower="lower", part_upper="upper",
                          part_se="se")

    def _rows(self, kind, **columns):
        """The per-organisation rows of one kind, indexed by (knockout, statistic), with
        each column named as the caller reads it (name=raw column)."""
        o = self._org[self._org["kind"] == kind]
        frame = pd.DataFrame({
            "knockout": o["part"], "statistic": o["statistic"],
            "description": [self._raw["descriptions"][k] for k in o["part"]],
            **{name: o[raw] for name, raw in columns.items()}})
        return frame.set_index(["knockout", "statistic"])

    def rank_launched(self):
        """Organisations that launched a k-th programme, k = 1, 2, ...

        Returns a pandas Series indexed by rank."""
        launched = list(self._raw["rank_launched"])
        return pd.Series(launched, index=pd.RangeIndex(1, len(launched) + 1, name="rank"),
                         name="organisations", dtype=np.int64)

    def ranks(self):
        """Per launch rank k (1 = an organisation's first programme): organisations that
        launched a k-th programme, the share of all organisations that is (reached),
        P(the k-th programme completes) with full sharing (completed), and per knockout
        the cost in that probability (a difference of probabilities: x100 for percentage
        points) with its 95% bounds (<knockout>, <knockout>_lower, <knockout>_upper).

        Returns a pandas DataFrame indexed by rank.
        """
        launched = self.rank_launched()
        r = self._rank[self._rank["kind"] == "switched off"]
        columns = {"organisations": launched.to_numpy(),
                   "reached": launched.to_numpy() / float(self.organisations)}
        first = r[r["part"] == self.knockouts[0]]
        columns["completed"] = np.where(launched.to_numpy() > 0, first["base"].to_numpy(),
                                        np.nan)
        for key in self.knockouts:
            k = r[r["part"] == key]
            columns[key] = k["cost"].to_numpy()
            columns[f"{key}_lower"] = k["lower"].to_numpy()
            columns[f"{key}_upper"] = k["upper"].to_numpy()
        return pd.DataFrame(columns, index=launched.index)

    def per_organisation(self):
        """The raw rows of the per-organisation table: one per (part, kind, statistic),
        kind "switched off" (the cost of switching that sharing off) or "shapley".

        Returns a pandas DataFrame indexed by (part, kind, statistic)."""
        return self._org.set_index(["part", "kind", "statistic"])

    def per_rank(self):
        """As per_organisation(), per launch rank: the change in P(the k-th programme
        launched completes), over the organisations that launched a k-th.

        Returns a pandas DataFrame indexed by (part, kind, rank)."""
        frame = self._rank.copy()
        frame["statistic"] = frame["statistic"].astype(int)
        return frame.rename(columns={"statistic": "rank"}).set_index(["part", "kind", "rank"])

    def plot_costs(self, statistic="completed", ax=None, shapley=None):
        """Bars of what each sharing costs in `statistic` per organisation (completed,
        ended, not_started, running or value), with 95% interval bars; with the Shapley
        parts beside them when the file has them (shapley=None: when present).

        Returns the matplotlib Axes.
        """
        if statistic not in self.statistics:
            raise KeyError(f"no statistic {statistic!r}; the file has "
                           f"{', '.join(self.statistics)}")
        c = self.costs().xs(statistic, level="statistic")
        show = self.has_shapley if shapley is None else (shapley and self.has_shapley)
        ax = plotting._axes(ax)
        y = np.arange(len(c))[::-1]
        h = 0.4 if show else 0.7
        est = c["cost"].to_numpy()
        err = np.vstack([est - c["cost_lower"].to_numpy(), c["cost_upper"].to_numpy() - est])
        ax.barh(y + (h / 2 if show else 0), est, height=h, xerr=np.clip(err, 0, None),
                color="#c62828", capsize=3, label="cost switched off alone")
        if show:
            s = self.shapley().xs(statistic, level="statistic")
            part = s["part"].to_numpy()
            perr = np.vstack([part - s["part_lower"].to_numpy(),
                              s["part_upper"].to_numpy() - part])
            ys = y[: len(part)]
            ax.barh(ys - h / 2, part, height=h, xerr=np.clip(perr, 0, None), color="#90a4ae",
                    capsize=3, label="Shapley part of all four")
        ax.set_yticks(y, c["description"])
        ax.axvline(0, color="black", lw=0.8)
        ax.set_xlabel(f"cost in {statistic.replace('_', ' ')} per organisation (95%)")
        ax.set_title(f"{self.name}: what each sharing costs")
        # Outside the axes: a legend inside would cover the smallest bar.
        ax.legend(fontsize="small", frameon=False, loc="upper left", bbox_to_anchor=(1.01, 1.0))
        return ax
