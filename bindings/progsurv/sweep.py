"""Parameter sweeps, Sobol sensitivity and knock-out attribution (docs/sweeps.md).

    import progsurv
    s = progsurv.sweep("scenarios/sweeps/baseline-oat.yaml")      # or a dict, or YAML text
    s.points()                  # DataFrame: one row per point, parameters then metrics and SEs
    s.tornado("p_completed")    # DataFrame, largest swing first
    s.plot_tornado("p_completed")
    s = progsurv.sweep("scenarios/sweeps/baseline-sobol.yaml", output="sobol.h5")
    s.sobol()                   # DataFrame: metric, parameter, S1, S1_conf, ST, ST_conf, ...
    s.sobol(order=2)            # second-order indices S2, S2_conf (second_order: true)
    s.convergence()             # indices against the base samples N
    s.plot_sobol("p_completed")
    m = progsurv.sweep({..., "design": {"type": "morris", "trajectories": 20}})
    m.morris()                  # DataFrame: mu, mu_star, sigma, mu_star_conf (SALib's names)
    progsurv.attribute("scenarios/baseline.yaml", replications=50_000)   # DataFrame

The same sweep file gives the same numbers as `progsurv sweep`, for any thread count.
"""
import json
import os
import warnings

import numpy as np
import pandas as pd

from . import _checks, _core, _progress

__all__ = [
    "Sweep",
    "SweepResult",
    "attribute",
    "attribution_frame",
    "load_attribution",
    "load_sweep",
    "morris_effects",
    "morris_sample",
    "plot_attribution",
    "plot_convergence",
    "plot_morris",
    "plot_sobol",
    "plot_tornado",
    "sobol_indices",
    "saltelli_sample",
    "sweep",
]

Sweep = _core.Sweep
MAX_CURVE_LINES = 12  # a sweep's curves are drawn one line a point up to this many points
saltelli_sample = _core.saltelli_sample


def morris_sample(r, k, levels=4, seed=1):
    """Morris's design in [0, 1]: r trajectories of k + 1 points on a grid of `levels`
    (even) levels, each moving one factor at a time by levels / (2 (levels - 1)), in random
    order and direction from `seed`. Trajectory t is rows t (k + 1) .. t (k + 1) + k.

    Returns an (r (k + 1), k) float array.
    """
    return _core.morris_sample(int(r), int(k), int(levels), int(seed))


def _z(confidence):
    from statistics import NormalDist

    return NormalDist().inv_cdf(0.5 + confidence / 2)


def sobol_indices(y, n, k, bootstrap=1000, seed=1, confidence=0.95, estimator="jansen",
                  second_order=False):
    """First-order and total Sobol indices of outputs `y` (in saltelli_sample's row order: A,
    B, AB_1..AB_k and, with second_order, BA_1..BA_k, n rows each) with the estimator
    'jansen', 'martinez' or 'saltelli' (docs/sweeps.md), as a DataFrame with one row per
    factor: first, total, their percentile bootstrap bounds and standard errors. With
    second_order, .attrs["second"] is a DataFrame of S_ij per pair.

    Returns a pandas DataFrame with one row per parameter.
    """
    d = _core.sobol_indices(np.asarray(y, dtype=float).ravel().tolist(), int(n), int(k),
                            int(bootstrap), int(seed), float(confidence), str(estimator),
                            bool(second_order))
    frame = pd.DataFrame({key: d[key] for key in ("first", "first_lower", "first_upper",
                                                  "first_se", "total", "total_lower",
                                                  "total_upper", "total_se")})
    frame.index.name = "factor"
    frame.attrs.update(mean=d["mean"], variance=d["variance"], estimator=str(estimator))
    if second_order:
        pairs = [(i, j) for i in range(int(k)) for j in range(i + 1, int(k))]
        second = pd.DataFrame({"factor_1": [p[0] for p in pairs],
                               "factor_2": [p[1] for p in pairs]})
        for key in ("second", "second_lower", "second_upper", "second_se"):
            second[key] = d[key]
        frame.attrs["second"] = second
    return frame


def morris_effects(rows, y, r, k, bootstrap=1000, seed=1, confidence=0.95):
    """Morris statistics of outputs `y` on morris_sample's `rows` (r trajectories of k + 1
    points): one row per factor with SALib's columns mu, mu_star, sigma, mu_star_conf.

    Returns a pandas DataFrame with one row per factor.
    """
    d = _core.morris_effects(np.asarray(rows, dtype=float).tolist(),
                             np.asarray(y, dtype=float).ravel().tolist(), int(r), int(k),
                             int(bootstrap), int(seed), float(confidence))
    frame = pd.DataFrame({key: d[key] for key in ("mu", "mu_star", "sigma", "mu_star_conf")})
    frame.index.name = "factor"
    return frame


def _yaml_of(spec):
    """A sweep given as a mapping -> sweep YAML text. JSON is YAML, so every value but the
    base is written as JSON; a base Scenario goes in as its own YAML text, indented."""
    lines = []
    base = spec.get("base")
    for key, value in spec.items():
        if key == "base" and isinstance(base, _core.Scenario):
            continue
        if isinstance(value, (os.PathLike,)):
            value = os.fspath(value)
        lines.append(f"{json.dumps(str(key))}: {json.dumps(value)}")
    if isinstance(base, _core.Scenario):
        lines.append("base:")
        lines.extend("  " + line for line in base.to_yaml().splitlines())
    return "\n".join(lines) + "\n"


def _as_sweep(spec):
    if isinstance(spec, _core.Sweep):
        return spec
    if isinstance(spec, dict):
        return _core.Sweep.from_yaml(_yaml_of(spec), "<dict>", os.getcwd())
    if isinstance(spec, os.PathLike) or (isinstance(spec, str) and "\n" not in spec):
        return _core.Sweep.load(os.fspath(spec))
    if isinstance(spec, str):
        return _core.Sweep.from_yaml(spec, "<string>", os.getcwd())
    raise TypeError(f"sweep() needs a path, YAML text, a dict or a progsurv.Sweep, "
                    f"not {type(spec).__name__}")


def sweep(spec, output=None, threads=0, resume=False, progress=False, force=False):
    """Run a sweep and return a SweepResult.

    spec      a sweep file path, sweep YAML text, a dict with the file's keys (base may be a
              path or a progsurv.Scenario), or a progsurv.Sweep
    output    also write the HDF5 file `progsurv sweep -o` writes (with its journal, so an
              interrupted call continues with resume=True)
    threads   points run in parallel, each single-threaded; 0 = all cores
    progress  True for a progress bar, or a callable progress(done, total) that may return
              False to stop
    force     replace an output that is write-protected, a progsurv file of another kind
              or a non-empty file that is not a progsurv file, as the command's --force
              (without it, ValueError before any point runs)

    The engine runs without the GIL. Ctrl-C (KeyboardInterrupt) stops it within about a
    second, even in the middle of a long replication, abandoning the points in flight, and
    is raised here (with output, the finished points stay in the journal).
    """
    s = _as_sweep(spec)
    resume = _checks.flag("resume", resume)
    if resume and output is None:
        raise ValueError("resume=True continues the journal of an output file: give output= "
                         "(the file an interrupted sweep(..., output=...) was writing)")
    for warning in s.warnings:  # as the command prints them
        warnings.warn(warning, UserWarning, stacklevel=2)
    if output is not None:
        # The command's checks, before any journal is made: a missing folder is named as the
        # output's, not as its journal's.
        inputs = list(s.input_files)
        if os.path.isfile(s.source):
            inputs.append(s.source)
        _core.check_output_path(os.fspath(output), inputs, _checks.flag("force", force),
                                _core.sweep_filetype)
    threads = _checks.whole("threads", threads, 0, _checks.MAX_THREADS)
    # The bar counts points; a sweep without a name of its own is called "sweep" already.
    label = "sweep" if s.name == "sweep" else f"sweep {s.name}"
    with _progress.reporting(progress, label, unit="points") as callback:
        raw = _core.run_sweep(s, threads, "" if output is None else os.fspath(output), resume,
                              callback)
    return SweepResult(raw, path=None if output is None else os.fspath(output))


def load_sweep(path):
    """Read a file written by `progsurv sweep` (or sweep(..., output=...)).

    Returns a SweepResult.
    """
    return SweepResult(_core.read_sweep(os.fspath(path)), path=os.fspath(path))


class SweepResult:
    """The points of a sweep with their metrics, and its Sobol or tornado tables."""

    def __init__(self, raw, path=None):
        self._raw = raw
        self._sweep = raw.sweep
        self.path = path

    @property
    def sweep(self):
        return self._sweep

    @property
    def name(self):
        return self._sweep.name

    @property
    def design(self):
        return self._sweep.design

    @property
    def base_kind(self):
        """'scenario' or 'portfolio': what each point ran."""
        return self._sweep.base_kind

    @property
    def parameters(self):
        """Key paths of the parameters, in the sweep's order."""
        return list(self._sweep.parameter_keys)

    @property
    def labels(self):
        """What each parameter is called on pages, figures and exported headers: its
        `label:` in the sweep file, else its key path (in the order of `parameters`)."""
        return list(self._sweep.parameter_labels)

    @property
    def metrics(self):
        """Metric names, in the sweep's order."""
        return list(self._sweep.metric_names)

    @property
    def estimate(self):
        """(points, metrics) array of estimates."""
        return self._raw.estimate

    @property
    def se(self):
        """(points, metrics) array of standard errors."""
        return self._raw.se

    def __len__(self):
        return len(self._raw.replications)

    def __repr__(self):
        return (f"<progsurv.SweepResult {self.name!r}: {self.design}, {len(self)} points, "
                f"metrics {', '.join(self.metrics)}>")

    def table(self):
        """The table `progsurv sweep` prints.

        Returns the table as a str.
        """
        return self._raw.table()

    def points(self):
        """One row per point: the parameter values (numbers where they are numbers), then
        each metric and its standard error (<metric>_se) — for portfolio sweeps also the
        count it is over (<metric>_count) — and the replications run (organisations, for
        portfolio sweeps); with repeats, the engine seed of each point (seed).

        Returns a pandas DataFrame with one row per point.
        """
        values = self._sweep.point_values
        frame = pd.DataFrame(values, columns=self.parameters)
        for column in frame.columns:
            converted = pd.to_numeric(frame[column], errors="coerce")
            if converted.notna().all():
                frame[column] = converted
        est, se = self.estimate, self.se
        count = self._raw.count if self.base_kind == "portfolio" else None
        for j, name in enumerate(self.metrics):
            frame[name] = est[:, j]
            frame[name + "_se"] = se[:, j]
            if count is not None:
                frame[name + "_count"] = count[:, j].astype(np.int64)
        frame["replications"] = self._raw.replications
        if self.repeat > 1:
            # Design point i under seed + r is point r * P + i.
            per_seed = len(frame) // self.repeat
            frame["seed"] = self._sweep.seed + np.arange(len(frame)) // per_seed
        frame.index.name = "point"
        return frame

    @property
    def has_curves(self):
        """Whether the sweep kept per-point curves (curves: true)."""
        return len(self._raw.curve_grid) > 0

    def curves(self, which="completed"):
        """Per-point curves (sweeps with curves: true): rows are points, columns the months
        of the grid; `which` is 'completed' (P(completed by t)) or 'survival' (S(t)).

        Returns a pandas DataFrame (points x months).
        """
        grid = self._raw.curve_grid
        if len(grid) == 0:
            raise ValueError("this sweep has no curves; set curves: true in the sweep file")
        frame = pd.DataFrame(self._raw.curves(which), columns=pd.Index(grid, name="t"))
        frame.index.name = "point"
        return frame

    @property
    def repeat(self):
        """Engine seeds the design ran under (sobol and morris designs; 1 otherwise)."""
        return self._raw.repeat

    @property
    def shift(self):
        """Whether the sobol design is randomly shifted (shift: true, --shift; always with
        repeat > 1, each repeat on its own shifted design)."""
        return self._raw.shift

    @property
    def second_order(self):
        """Whether the sobol design has second-order indices (second_order: true)."""
        return self._raw.second_order

    def sobol(self, metric=None, order=1):
        """Sobol indices (sobol design), with SALib's column names where they mean the same.

        order=1: one row per (metric, parameter, label): S1, S1_conf, ST, ST_conf (conf = the
        95% half-width: z * bootstrap standard error, as SALib; with repeats t * sd / sqrt(R)),
        S1_lower/S1_upper, ST_lower/ST_upper (the interval: percentile bootstrap, or with
        repeats the t interval over the independently shifted designs), S1_se, ST_se and, with
        repeats, S1_seed_sd, ST_seed_sd (the spread of the index over the repeats).
        order=2 (second_order: true): one row per (metric, pair of parameters): parameter_1,
        parameter_2, label_1, label_2, S2, S2_conf, S2_lower, S2_upper, S2_se. `metric`
        selects one metric.
        .attrs holds the estimator, repeat, shift and each metric's noise ratio.

        Returns a pandas DataFrame.
        """
        if self.design != "sobol":
            raise ValueError(f"Sobol indices need the sobol design; this sweep is {self.design}")
        if order not in (1, 2):
            raise ValueError(f"order is 1 (first and total) or 2 (second order), not {order!r}")
        z = _z(0.95)
        rows = []
        repeat = self._raw.repeat
        if order == 1:
            names = ["first", "first_lower", "first_upper", "first_se", "total", "total_lower",
                     "total_upper", "total_se"]
            if repeat > 1:
                names += ["first_seed_sd", "total_seed_sd"]
            fields = {f: self._raw.sobol(f) for f in names}
            labels = self.labels
            for m, name in enumerate(self.metrics):
                for i, key in enumerate(self.parameters):
                    row = {"metric": name, "parameter": key, "label": labels[i]}
                    for short, long in (("S1", "first"), ("ST", "total")):
                        row[short] = fields[long][m, i]
                        row[short + "_conf"] = (
                            (fields[long + "_upper"][m, i] - fields[long + "_lower"][m, i]) / 2
                            if repeat > 1 else z * fields[long + "_se"][m, i])
                        row[short + "_lower"] = fields[long + "_lower"][m, i]
                        row[short + "_upper"] = fields[long + "_upper"][m, i]
                        row[short + "_se"] = fields[long + "_se"][m, i]
                        if repeat > 1:
                            row[short + "_seed_sd"] = fields[long + "_seed_sd"][m, i]
                    rows.append(row)
        else:
            if not self._raw.second_order:
                raise ValueError("this sweep has no second-order indices; set "
                                 "second_order: true in its sobol design (or --second-order)")
            fields = {f: self._raw.sobol(f) for f in ("second", "second_lower", "second_upper",
                                                      "second_se")}
            keys, labels = self.parameters, self.labels
            pairs = [(a, b) for a in range(len(keys)) for b in range(a + 1, len(keys))]
            for m, name in enumerate(self.metrics):
                for p, (a, b) in enumerate(pairs):
                    rows.append({"metric": name, "parameter_1": keys[a], "parameter_2": keys[b],
                                 "label_1": labels[a], "label_2": labels[b],
                                 "S2": fields["second"][m, p],
                                 "S2_conf": ((fields["second_upper"][m, p]
                                              - fields["second_lower"][m, p]) / 2
                                             if repeat > 1 else z * fields["second_se"][m, p]),
                                 "S2_lower": fields["second_lower"][m, p],
                                 "S2_upper": fields["second_upper"][m, p],
                                 "S2_se": fields["second_se"][m, p]})
        frame = pd.DataFrame(rows)
        if metric is not None:
            self._check_metric(metric)
            frame = frame[frame["metric"] == metric].reset_index(drop=True)
        frame.attrs.update(estimator=self._raw.sobol_estimator, repeat=repeat,
                           shift=self._raw.shift,
                           noise_ratio=dict(zip(self.metrics, self._raw.noise_ratio)))
        return frame

    def convergence(self, metric=None):
        """Sobol indices against the number of base samples N (sobol design): one row per
        (metric, parameter, N), with the parameter's label, S1 and ST from the first N base
        rows (16, 32, .. and the full N; averaged over the repeats). `metric` selects one
        metric.

        Returns a pandas DataFrame.
        """
        if self.design != "sobol":
            raise ValueError(f"a convergence table needs the sobol design; this sweep is "
                             f"{self.design}")
        rows = []
        labels = self.labels
        for m, name in enumerate(self.metrics):
            c = self._raw.convergence(m)
            for q, n in enumerate(c["base_samples"]):
                for i, key in enumerate(self.parameters):
                    rows.append({"metric": name, "parameter": key, "label": labels[i],
                                 "N": int(n),
                                 "S1": c["first"][q, i], "ST": c["total"][q, i]})
        frame = pd.DataFrame(rows)
        if metric is not None:
            self._check_metric(metric)
            frame = frame[frame["metric"] == metric].reset_index(drop=True)
        return frame

    def morris(self, metric=None):
        """Morris elementary effects (morris design): one row per (metric, parameter), with
        the parameter's label and SALib's columns mu, mu_star, sigma, mu_star_conf (effects
        per unit of the parameter's design coordinate, i.e. per whole range), largest
        mu_star first.

        Returns a pandas DataFrame.
        """
        if self.design != "morris":
            raise ValueError(f"Morris effects need the morris design; this sweep is {self.design}")
        fields = {f: self._raw.morris(f) for f in ("mu", "mu_star", "sigma", "mu_star_conf")}
        rows = []
        labels = self.labels
        for m, name in enumerate(self.metrics):
            for i, key in enumerate(self.parameters):
                rows.append({"metric": name, "parameter": key, "label": labels[i],
                             **{f: fields[f][m, i] for f in fields}})
        frame = pd.DataFrame(rows)
        if metric is not None:
            self._check_metric(metric)
            frame = frame[frame["metric"] == metric]
        return frame.sort_values(["metric", "mu_star"], ascending=[True, False],
                                 kind="stable").reset_index(drop=True)

    def plot_convergence(self, metric=None, ax=None):
        """Sobol indices of one metric against the base samples N; see
        progsurv.plot_convergence.

        Returns the matplotlib Axes.
        """
        return plot_convergence(self, metric, ax=ax)

    def plot_morris(self, metric=None, ax=None):
        """Morris mu* against sigma of one metric; see progsurv.plot_morris.

        Returns the matplotlib Axes.
        """
        return plot_morris(self, metric, ax=ax)

    def tornado(self, metric=None):
        """One-at-a-time data (oat design): per (metric, parameter) the metric at the
        parameter's low and high value, the base, and the swing; the metrics in the sweep
        file's order (as the command and the report list them), within each the largest
        swing first.

        Returns a pandas DataFrame.
        """
        if self.design != "oat":
            raise ValueError(f"tornado data need the oat design; this sweep is {self.design}")
        values = self._sweep.point_values
        rows = []
        first = self._oat_first()
        labels = self.labels
        for m, name in enumerate(self.metrics):
            base = self._raw.tornado_base[m]
            for i, key in enumerate(self.parameters):
                lo, hi = self._raw.tornado_low[m][i], self._raw.tornado_high[m][i]
                a, b = first[i]
                rows.append({"metric": name, "parameter": key,
                             "label": labels[i], "low_value": values[a][i],
                             "high_value": values[b][i], "low": lo, "high": hi, "base": base,
                             "swing": abs(hi - lo)})
        frame = pd.DataFrame(rows)
        if metric is not None:
            self._check_metric(metric)
            frame = frame[frame["metric"] == metric]
        # The rows are built metric by metric in the file's order; only the swing is sorted.
        return frame.sort_values("swing", ascending=False, kind="stable").sort_values(
            "metric", key=lambda m: m.map(self.metrics.index), kind="stable").reset_index(
            drop=True)

    def _oat_first(self):
        # (first, last) point of each parameter: low and high, or its first and last value.
        return [(a, a + n - 1) for a, n in zip(self._sweep.oat_first, self._sweep.oat_count)]

    def _check_metric(self, metric):
        if metric not in self.metrics:
            raise KeyError(f"no metric {metric!r}; this sweep records {', '.join(self.metrics)}")

    def plot_tornado(self, metric=None, ax=None):
        """Tornado chart of one metric (oat design); see progsurv.plot_tornado.

        Returns the matplotlib Axes.
        """
        return plot_tornado(self, metric, ax=ax)

    def plot_sobol(self, metric=None, ax=None):
        """Sobol indices of one metric (sobol design); see progsurv.plot_sobol.

        Returns the matplotlib Axes.
        """
        return plot_sobol(self, metric, ax=ax)

    def plot_curves(self, which="completed", ax=None, lines=MAX_CURVE_LINES):
        """The per-point curves (curves: true): P(completed by t) (`which`="completed") or
        S(t) ("survival"). Up to `lines` points: one line each; more: the median over the
        points with the bands of the middle 50% and 90% of them, and the points of the
        lowest and highest value at the horizon. The legend (below the axes) names an oat
        point by the value it changes, another design's by its number and values, wrapped;
        a figure made here (ax None) grows by the legend's height.

        Returns the matplotlib Axes.
        """
        return _plot_curves(self, which, ax, lines)

    def plot_grid(self, metric=None, ax=None):
        """One metric over a grid of one parameter (a line with its 95% band) or of two (a
        heat map, the values written in the cells when there are at most 100).

        Returns the matplotlib Axes.
        """
        return _plot_grid(self, metric, ax)


def attribute(scenario, replications=100_000, seed=1, threads=0, output=None, progress=False,
              mechanisms=None, shapley="auto", force=False):
    """What each obstacle costs, as `progsurv attribute`: every mechanism switched off
    alone, with common random numbers, and its Shapley part of switching all of them off
    (the parts sum to all-off minus base). Returns a DataFrame with one row per mechanism.

    output      also write the file `progsurv attribute -o` writes, checked first as the
                command checks it: never the scenario file itself; an empty file or an
                attribution file there is replaced; a progsurv file of another kind, a
                non-empty file that is not a progsurv file or a write-protected file only
                with force=True (the command's --force), else ValueError
    mechanisms  names of knock-outs (progsurv.KNOCKOUTS; default all, except "ladder" and
                "deferral" when the scenario has no ladder or no deferrable scope)
    shapley     "exact" (every subset), "permutations" (one random order per replication),
                "none", or "auto" (exact while replications * 2**k <= 2e7)

    Columns, for each statistic of .attrs["statistics"] (p_completed, mean_value,
    months_<bucket>): <stat> with the mechanism off, <stat>_delta, _lower, _upper, _se (the
    paired change), <stat>_shapley, _shapley_lower, _shapley_upper, _shapley_se; P(completed)
    also in percentage points (*_pp). The base values, all-off row, seed, replications and
    the printed table are in .attrs."""
    inputs = []
    if isinstance(scenario, (str, os.PathLike)):
        inputs.append(os.fspath(scenario))
        if os.path.isfile(inputs[0]) and _core.is_portfolio_yaml(inputs[0]):
            raise ValueError(f"{inputs[0]} is a portfolio file: progsurv.attribute_portfolio() "
                             "attributes what its sharings cost (`progsurv attribute` takes "
                             "either)")
        scenario = _core.Scenario.load(inputs[0])
    if isinstance(scenario, _core.Portfolio):
        raise TypeError("attribute() takes a scenario; for a portfolio use "
                        "progsurv.attribute_portfolio()")
    if output is not None:
        # Before the work, as the command checks it.
        _core.check_output_path(os.fspath(output), inputs, _checks.flag("force", force),
                                _core.attribution_filetype)
    bar = _progress.ProgressBar(f"attributing {scenario.name}") if progress is True else None
    callback = bar if bar is not None else (progress if callable(progress) else None)
    try:
        replications = _checks.whole("replications", replications, 2, _checks.MAX_REPLICATIONS)
        seed = _checks.whole("seed", seed, 0, 2**64 - 1)
        threads = _checks.whole("threads", threads, 0, _checks.MAX_THREADS)
        d = _core.attribute(scenario, replications, seed, threads,
                            "" if output is None else os.fspath(output), callback,
                            list(mechanisms or []), str(shapley))
    finally:
        if bar is not None:
            bar.close()
    return attribution_frame(d)


def load_attribution(path):
    """Read a file written by `progsurv attribute -o` as the DataFrame attribute() returns."""
    return attribution_frame(_core.read_attribution(os.fspath(path)))


def attribution_frame(d):
    """The DataFrame of an attribution dict from _core.attribute / _core.read_attribution."""
    columns = ["description"]
    for stat in d["statistics"]:
        columns += [stat, f"{stat}_delta", f"{stat}_lower", f"{stat}_upper", f"{stat}_se",
                    f"{stat}_shapley", f"{stat}_shapley_lower", f"{stat}_shapley_upper",
                    f"{stat}_shapley_se"]
    frame = pd.DataFrame({c: d[c] for c in columns},
                         index=pd.Index(d["mechanism"], name="mechanism"))
    for c in ("delta", "lower", "upper", "shapley", "shapley_lower", "shapley_upper"):
        frame[f"p_completed_{c}_pp"] = 100.0 * frame[f"p_completed_{c}"]
    all_off = {stat: dict(zip(("base", "knocked_out", "delta", "lower", "upper", "se"), v))
               for stat, v in d["all_off"].items()}
    frame.attrs.update(scenario=d["scenario"], seed=d["seed"], replications=d["replications"],
                       horizon=d["horizon"], shapley_method=d["shapley_method"],
                       statistics=list(d["statistics"]), all_off=all_off,
                       p_completed_base=d["p_completed_base"], mean_value_base=d["mean_value_base"],
                       table=d["table"])
    return frame


# --- plots --------------------------------------------------------------------------------


def _axes(ax, size=(7, 4)):
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots(figsize=size, layout="constrained")
    return ax


def _first_metric(result, metric):
    return result.metrics[0] if metric is None else metric


def plot_tornado(result, metric=None, ax=None):
    """Tornado chart of one metric (oat design): for each parameter a bar from the metric at
    its low value to the metric at its high value, around the base; largest swing on top.

    Returns the matplotlib Axes.
    """
    metric = _first_metric(result, metric)
    t = result.tornado(metric).iloc[::-1]  # barh draws bottom-up
    ax = _axes(ax, (7, 0.5 * len(t) + 1.5))
    base = float(t["base"].iloc[0])
    y = np.arange(len(t))
    low_side = t["low"].to_numpy() - base
    high_side = t["high"].to_numpy() - base
    ax.barh(y, low_side, left=base, color="#c62828", alpha=0.8, label="at low value")
    ax.barh(y, high_side, left=base, color="#2e7d32", alpha=0.8, label="at high value")
    ax.axvline(base, color="black", lw=1)
    labels = [f"{p}  [{lo} .. {hi}]" for p, lo, hi in
              zip(t["label"], t["low_value"], t["high_value"])]
    ax.set_yticks(y, labels)
    ax.set_xlabel(f"{metric} (base {base:.3g})")
    ax.set_title(f"{result.name}: one at a time")
    # Right of the axes: inside, the legend covered the smallest bar (drawn at the bottom).
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize="small", frameon=False)
    return ax


def plot_sobol(result, metric=None, ax=None):
    """Grouped bars of first-order (S1) and total (ST) Sobol indices of one metric, with
    their 95% bootstrap intervals as error bars.

    Returns the matplotlib Axes.
    """
    metric = _first_metric(result, metric)
    s = result.sobol(metric)
    ax = _axes(ax)
    x = np.arange(len(s))
    w = 0.38
    for offset, col, color, label in ((-w / 2, "S1", "#1565c0", "first order S1"),
                                      (w / 2, "ST", "#ef6c00", "total ST")):
        est = s[col].to_numpy()
        err = np.vstack([est - s[col + "_lower"].to_numpy(), s[col + "_upper"].to_numpy() - est])
        ax.bar(x + offset, est, w, yerr=np.clip(err, 0, None), color=color, label=label,
               capsize=3)
    ax.set_xticks(x, s["label"], rotation=30, ha="right")
    ax.set_ylabel("Sobol index")
    # Limits from the intervals, so no error bar is clipped.
    low = min(0.0, float(np.nanmin(s[["S1_lower", "ST_lower"]].to_numpy())))
    high = max(1.0, float(np.nanmax(s[["S1_upper", "ST_upper"]].to_numpy())))
    ax.set_ylim(low - 0.02, high + 0.05)
    ax.axhline(0, color="black", lw=0.8)
    ax.set_title(f"{result.name}: sensitivity of {metric}")
    # Right of the axes, so no bar or error bar is hidden behind it.
    ax.legend(fontsize="small", frameon=False, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    return ax


def plot_convergence(result, metric=None, ax=None):
    """Sobol indices of one metric against the base samples N (sobol design): a line per
    parameter for S1 (solid) and ST (dashed); flat lines at the right mean N was enough.

    Returns the matplotlib Axes.
    """
    metric = _first_metric(result, metric)
    c = result.convergence(metric)
    ax = _axes(ax)
    for i, (_, rows) in enumerate(c.groupby("parameter", sort=False)):
        color = f"C{i % 10}"
        ax.plot(rows["N"], rows["S1"], "-o", color=color, ms=3, label=rows["label"].iloc[0])
        ax.plot(rows["N"], rows["ST"], "--", color=color)
    ax.set_xscale("log", base=2)
    ax.set_xlabel("base samples N")
    ax.set_ylabel("Sobol index (S1 solid, ST dashed)")
    ax.set_title(f"{result.name}: convergence of {metric}")
    # Outside the axes, as the other sweep plots: inside it would cover the lines.
    ax.legend(fontsize="small", frameon=False, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    return ax


def plot_morris(result, metric=None, ax=None):
    """Morris screening of one metric (morris design): mu* (with its 95% half-width) against
    sigma, one labelled point per parameter. Far right: important; high: non-linear or
    interacting.

    Returns the matplotlib Axes.
    """
    metric = _first_metric(result, metric)
    m = result.morris(metric)
    ax = _axes(ax)
    ax.errorbar(m["mu_star"], m["sigma"], xerr=m["mu_star_conf"], fmt="o", color="#1565c0",
                capsize=3)
    ax.set_xlabel("mu* (mean |elementary effect|)")
    ax.set_ylabel("sigma")
    ax.set_title(f"{result.name}: Morris screening of {metric}")
    # Room for the labels inside the frame: the largest mu* sat on the right edge.
    ax.margins(x=0.08, y=0.15)
    _label_points(ax, m["mu_star"].to_numpy(), m["sigma"].to_numpy(), m["label"].tolist())
    return ax


def _label_points(ax, x, y, labels):
    """Labels just above their points (clear of the error bars), inside the axes and clear
    of each other: right of a point in the left half, left of it in the right half (so no
    label runs off the frame); a label that would cover one placed before it moves up until
    it does not, with a thin line to its point (points of unimportant parameters sit
    together near 0, and their labels were drawn on top of each other)."""
    from matplotlib.text import Text

    fig = ax.figure
    fig.canvas.draw()  # the layout first: it sets the axes' size, hence where points land
    renderer = fig.canvas.get_renderer()
    x0, x1 = ax.get_xlim()
    placed = []
    for i in sorted(range(len(labels)), key=lambda i: (y[i], x[i])):
        right = x[i] > (x0 + x1) / 2
        dx = -4 if right else 4
        text = ax.annotate(labels[i], (x[i], y[i]), xytext=(dx, 4), textcoords="offset points",
                           ha="right" if right else "left", va="bottom", fontsize="small",
                           arrowprops=dict(arrowstyle="-", color="0.6", lw=0.6,
                                           shrinkA=0, shrinkB=3))
        text.update_positions(renderer)
        box = Text.get_window_extent(text, renderer)  # the words alone, not the line
        dy = 4.0
        while any(box.overlaps(b) for b in placed):
            dy += box.height * 72 / fig.dpi + 1  # one line up, in points
            text.set_position((dx, dy))
            text.update_positions(renderer)
            box = Text.get_window_extent(text, renderer)
        placed.append(box)


def _compact(value):
    """A parameter value for a legend: a number to 4 significant digits (a Morris level of
    0.833333333333 is 0.8333), anything else as it is."""
    try:
        return f"{float(value):.4g}"
    except ValueError:
        return value


def _point_names(result, points, width):
    """Each point's legend text, wrapped at `width` characters. An oat point changes one
    parameter, so it is named by that parameter's value alone ("P(successor adopts)=0.8";
    the base point "base"); a point of another design by its number and every parameter's
    value ("point 3: patience median=8, adoption=0.2"): all of them on one line pushed the
    figure's axes to nothing."""
    import textwrap

    values = result._sweep.point_values
    labels = result.labels
    changed = {}
    if result.design == "oat":
        changed = {p: j for j, (a, b) in enumerate(result._oat_first()) for p in range(a, b + 1)}
    names = []
    for p in points:
        if result.design == "oat":
            j = changed.get(p)
            text = "base" if j is None else f"{labels[j]}={values[p][j]}"
        else:
            text = f"point {p}: " + ", ".join(f"{label}={_compact(values[p][j])}"
                                              for j, label in enumerate(labels))
        names.append(textwrap.fill(text, width, subsequent_indent="  "))
    return names


def _plot_curves(result, which, ax, lines):
    if which not in ("completed", "survival"):
        raise ValueError(f"which is 'completed' or 'survival', not {which!r}")
    curves = result.curves(which)
    t = curves.columns.to_numpy(dtype=float)
    y = curves.to_numpy()
    own = ax is None
    ax = _axes(ax, (7.5, 4))
    few = len(y) <= lines
    columns = 1 if not few or len(y) > 6 else 2
    width = 90 // columns  # characters of a legend line across the 7.5-inch figure
    if few:
        names = _point_names(result, range(len(y)), width)
        for p, name in enumerate(names):
            ax.step(t, y[p], where="post", color=f"C{p % 10}", lw=1.2, label=name)
    else:
        # Many points: where the curves lie, not each of them.
        q = np.quantile(y, [0.05, 0.25, 0.5, 0.75, 0.95], axis=0)
        ax.fill_between(t, q[0], q[4], step="post", color="#1565c0", alpha=0.15, lw=0,
                        label=f"90% of the {len(y)} points")
        ax.fill_between(t, q[1], q[3], step="post", color="#1565c0", alpha=0.3, lw=0,
                        label="middle 50%")
        ax.step(t, q[2], where="post", color="#1565c0", lw=1.5, label="median")
        ends = [int(np.argmin(y[:, -1])), int(np.argmax(y[:, -1]))]
        names = _point_names(result, ends, width - len("highest at the horizon: "))
        for p, name, color, end in zip(ends, names, ("#c62828", "#2e7d32"),
                                       ("lowest", "highest")):
            ax.step(t, y[p], where="post", color=color, lw=1,
                    label=f"{end} at the horizon: {name}")
    ax.set_xlim(t[0], t[-1])
    ax.set_ylim(0, None)
    ax.set_xlabel("months since proposal")
    ax.set_ylabel("P(completed by t), of proposed" if which == "completed"
                  else "S(t), of started")
    ax.set_title(f"{result.name}: {'completion' if which == 'completed' else 'survival'} "
                 "at each point")
    # Below the axes: a point's values can be long, and inside it covered the curves. A
    # figure made here grows by the legend's height, so the axes keep theirs (a legend
    # taller than the figure collapsed them: constrained_layout gave up with a warning).
    rows = [name.count("\n") + 1 for name in ax.get_legend_handles_labels()[1]]
    per_column = -(-len(rows) // columns)  # the legend fills its columns in turn
    height = max(sum(rows[i:i + per_column]) for i in range(0, len(rows), per_column))
    if own:
        ax.figure.set_figheight(4 + 0.19 * height)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.14), fontsize="small",
              frameon=False, ncol=columns)
    return ax


def _plot_grid(result, metric, ax):
    metric = _first_metric(result, metric)
    result._check_metric(metric)
    if result.design != "grid" or len(result.parameters) not in (1, 2):
        raise ValueError("plot_grid needs a grid design of one or two parameters")
    points = result.points()
    m = result.metrics.index(metric)
    labels = result.labels
    if len(result.parameters) == 1:
        ax = _axes(ax, (7, 4))
        x = points[result.parameters[0]]
        numeric = x.dtype.kind in "fiu"
        pos = x.to_numpy(dtype=float) if numeric else np.arange(len(x))
        est, half = result.estimate[:, m], _core.z95 * result.se[:, m]
        ax.plot(pos, est, "-o", color="#1565c0", ms=4)
        ax.fill_between(pos, est - half, est + half, color="#1565c0", alpha=0.25, lw=0,
                        label="95% interval")
        if not numeric:
            ax.set_xticks(pos, x.astype(str))
        ax.set_xlabel(labels[0])
        ax.set_ylabel(metric)
        ax.legend(fontsize="small", frameon=False, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    else:
        a, b = result.parameters
        # Rows: the second parameter's levels, columns the first's, in the order the grid
        # ran them.
        cols = list(dict.fromkeys(points[a]))
        rows = list(dict.fromkeys(points[b]))
        z = np.full((len(rows), len(cols)), np.nan)
        for i, (va, vb) in enumerate(zip(points[a], points[b])):
            z[rows.index(vb), cols.index(va)] = result.estimate[i, m]
        ax = _axes(ax, (7, 0.45 * len(rows) + 2.5))
        image = ax.imshow(z, origin="lower", aspect="auto", cmap="viridis")
        ax.figure.colorbar(image, ax=ax, label=metric)
        ax.set_xticks(range(len(cols)), [str(c) for c in cols],
                      rotation=30 if len(cols) > 8 else 0)
        ax.set_yticks(range(len(rows)), [str(r) for r in rows])
        ax.set_xlabel(labels[0])
        ax.set_ylabel(labels[1])
        if z.size <= 100:
            middle = np.nanmean(z)
            for r in range(len(rows)):
                for c in range(len(cols)):
                    if np.isfinite(z[r, c]):
                        ax.text(c, r, f"{z[r, c]:.3g}", ha="center", va="center",
                                fontsize="small",
                                color="black" if z[r, c] > middle else "white")
    ax.set_title(f"{result.name}: {metric}")
    return ax


def plot_attribution(frame, ax=None, shapley=False):
    """Bars of the change in P(completed) (percentage points, 95% intervals) when each
    mechanism is switched off alone, largest first: what each obstacle costs. With
    shapley=True (and a frame that has them) a second bar per mechanism shows its Shapley
    part of switching all of them off.

    Returns the matplotlib Axes.
    """
    f = frame.sort_values("p_completed_delta_pp")
    show_shapley = (shapley and "p_completed_shapley_pp" in f
                    and f["p_completed_shapley_pp"].notna().all())
    ax = _axes(ax, (7, (0.7 if show_shapley else 0.5) * len(f) + 1.5))
    y = np.arange(len(f))
    h = 0.4 if show_shapley else 0.8
    est = f["p_completed_delta_pp"].to_numpy()
    err = np.vstack([est - f["p_completed_lower_pp"].to_numpy(),
                     f["p_completed_upper_pp"].to_numpy() - est])
    ax.barh(y + (h / 2 if show_shapley else 0), est, height=h, xerr=np.clip(err, 0, None),
            color="#2e7d32", capsize=3, label="switched off alone")
    if show_shapley:
        sh = f["p_completed_shapley_pp"].to_numpy()
        sherr = np.vstack([sh - f["p_completed_shapley_lower_pp"].to_numpy(),
                           f["p_completed_shapley_upper_pp"].to_numpy() - sh])
        ax.barh(y - h / 2, sh, height=h, xerr=np.clip(sherr, 0, None), color="#90a4ae",
                capsize=3, label="Shapley part of all switched off")
        # Right of the axes: inside, it covered the smallest bars (drawn at the bottom).
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize="small",
                  frameon=False)
    ax.set_yticks(y, f["description"])
    ax.axvline(0, color="black", lw=0.8)
    ax.set_xlabel("gain in P(completed) when switched off (percentage points)")
    title = frame.attrs.get("scenario", "")
    ax.set_title(f"{title}: what each obstacle costs" if title else "what each obstacle costs")
    return ax
