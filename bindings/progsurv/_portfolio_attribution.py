"""Portfolio attribution files (`progsurv attribute PORTFOLIO.yaml -o out.h5`): what each
organisation-level sharing costs (docs/portfolio-attribution.md).

    a = progsurv.load_portfolio_attribution("ten-years-attribution.h5")
    a.costs()       # per organisation: the cost of each sharing in each statistic, 95%
    a.ranks()       # per launch rank: P(the k-th programme completes) and each cost, pp
    a.shapley()     # the Shapley parts (when the file has them)
    a.plot_costs()  # matplotlib Axes

The file is read with h5py; the derived datasets the C++ writer stored are used as they
are (the raw sums are kept alongside, for any other interval).
"""
import os

import h5py
import numpy as np
import pandas as pd

from . import _core, plotting

FILETYPE = "progsurv-portfolio-attribution"
FORMAT_MAJOR = 1


def _text(values):
    return [v.decode("utf-8", "replace") if isinstance(v, bytes) else str(v) for v in values]


def load_portfolio_attribution(path):
    """Read a portfolio attribution file written by `progsurv attribute PORTFOLIO.yaml`.

    The filetype and format version are checked first: another progsurv file, a newer
    major version or a damaged file raises progsurv.FileFormatError saying which.

    Returns a PortfolioAttribution.
    """
    path = os.fspath(path)
    filetype = _core.file_type(path)  # a missing or non-HDF5 file: FileFormatError
    if filetype != FILETYPE:
        raise _core.FileFormatError(
            f"{path}: a {filetype} file, not a portfolio attribution file ({FILETYPE})")
    try:
        with h5py.File(path, "r") as f:
            version = tuple(int(v) for v in f.attrs["format_version"])
            if version[0] != FORMAT_MAJOR:
                raise _core.FileFormatError(
                    f"{path}: portfolio attribution format {version[0]}.{version[1]}; this "
                    f"progsurv reads {FORMAT_MAJOR}.x")
            return PortfolioAttribution(f, path)
    except KeyError as e:
        raise _core.FileFormatError(f"{path}: damaged portfolio attribution file: missing "
                                    f"{e.args[0] if e.args else e}") from None


class PortfolioAttribution:
    """What each sharing of a portfolio costs (read from a portfolio attribution file).

    Attributes: name, description, seed, organisations, horizon (months), shapley_method,
    knockouts (cynicism, trust, posts, budget, all), descriptions (for people), statistics
    (completed, ended, not_started, running, value), path. Cost = the outcome with the
    sharing switched off minus the outcome with full sharing (paired over organisations).
    """

    def __init__(self, f, path=None):
        self.path = path
        p = f["portfolio"]
        self.name = str(p.attrs.get("name", ""))
        self.description = str(p.attrs.get("description", ""))
        self.source = str(p.attrs.get("source", ""))
        self.seed = int(f.attrs["seed"])
        self.organisations = int(f.attrs["organisations"])
        self.horizon = float(f.attrs["horizon"])
        self.confidence = float(f.attrs.get("confidence", 0.95))
        self.shapley_method = str(f.attrs.get("shapley_method", "none"))
        self.progsurv_version = str(f.attrs.get("progsurv_version", ""))
        self.created = str(f.attrs.get("created", ""))
        self.knockouts = _text(f["knockouts"][()])
        self.descriptions = _text(f["descriptions"][()])
        self.statistics = _text(f["statistics"][()])
        self.source_yaml = f["portfolio/source_yaml"].asstr()[()]
        org, rank = f["per_organisation"], f["per_rank"]
        self._org = {k: org[k][()] for k in org}
        self._rank = {k: rank[k][()] for k in rank}
        self.pairs = int(org.attrs.get("pairs", self.organisations))

    def __repr__(self):
        return (f"<progsurv.PortfolioAttribution '{self.name}': {self.organisations} "
                f"organisations, seed {self.seed}>")

    @property
    def has_shapley(self):
        return self.shapley_method == "exact" and "shapley" in self._org

    def costs(self):
        """Per organisation, one row per (knockout, statistic): the mean with full sharing
        (base), with the sharing switched off (switched_off), the cost (their paired
        difference) with its 95% bounds and standard error.

        Returns a pandas DataFrame indexed by (knockout, statistic).
        """
        o, n = self._org, float(self.pairs)
        rows = []
        for v, (key, desc) in enumerate(zip(self.knockouts, self.descriptions)):
            for s, stat in enumerate(self.statistics):
                rows.append({"knockout": key, "statistic": stat, "description": desc,
                             "base": o["base_sum"][v, s] / n,
                             "switched_off": o["variant_sum"][v, s] / n,
                             "cost": o["delta"][v, s], "cost_lower": o["delta_lower"][v, s],
                             "cost_upper": o["delta_upper"][v, s], "cost_se": o["delta_se"][v, s]})
        return pd.DataFrame(rows).set_index(["knockout", "statistic"])

    def shapley(self):
        """Each sharing's Shapley part of the cost of all four, per organisation: one row
        per (knockout, statistic) with the part, its 95% bounds and standard error. Empty
        when the file was written with --shapley none.

        Returns a pandas DataFrame indexed by (knockout, statistic).
        """
        cols = ["description", "part", "part_lower", "part_upper", "part_se"]
        if not self.has_shapley:
            return pd.DataFrame(columns=cols, index=pd.MultiIndex.from_tuples(
                [], names=["knockout", "statistic"]))
        o = self._org
        rows, index = [], []
        for v in range(o["shapley"].shape[0]):
            for s, stat in enumerate(self.statistics):
                index.append((self.knockouts[v], stat))
                rows.append([self.descriptions[v], o["shapley"][v, s], o["shapley_lower"][v, s],
                             o["shapley_upper"][v, s], o["shapley_se"][v, s]])
        return pd.DataFrame(rows, columns=cols,
                            index=pd.MultiIndex.from_tuples(index, names=["knockout", "statistic"]))

    def ranks(self):
        """Per launch rank k (1 = an organisation's first programme): organisations that
        launched a k-th programme, the share of all organisations that is (reached),
        P(the k-th programme completes) with full sharing (completed), and per knockout
        the cost in that probability (a difference of probabilities: x100 for percentage
        points) with its 95% bounds (<knockout>, <knockout>_lower, <knockout>_upper).

        Returns a pandas DataFrame indexed by rank.
        """
        r = self._rank
        launched = np.asarray(r["launched"], dtype=np.int64)
        with np.errstate(invalid="ignore", divide="ignore"):
            base = np.where(launched > 0, r["base_sum"][0] / np.maximum(launched, 1), np.nan)
        columns = {"organisations": launched, "reached": launched / float(self.organisations),
                   "completed": base}
        for v, key in enumerate(self.knockouts):
            columns[key] = r["delta"][v]
            columns[f"{key}_lower"] = r["delta_lower"][v]
            columns[f"{key}_upper"] = r["delta_upper"][v]
        return pd.DataFrame(columns, index=pd.Index(np.arange(1, len(launched) + 1), name="rank"))

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
