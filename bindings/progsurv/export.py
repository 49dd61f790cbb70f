"""`progsurv export`: the tables of any progsurv file (run, exact, sweep, attribution,
remedies, seek, fit, portfolio, portfolio attribution) as tidy CSV files (one per table,
and about.csv) or one xlsx workbook a manager can open: an About sheet (scenario,
overrides, seed, replications, version, dates), then one sheet per table with shares as
percentages, numbers to about 4 significant digits, blank cells where a value does not
apply, fitted widths and a frozen header row.

    python3 -m progsurv.export baseline.h5 --csv tables/
    python3 -m progsurv.export baseline.h5 --xlsx baseline.xlsx
    progsurv.export.tables("baseline.h5")     # {name: DataFrame}
"""
import argparse
import io
import os
import re
import sys

import h5py
import numpy as np
import pandas as pd

from . import _core


def tables(path):
    """The tables of a run, exact, sweep, attribution, remedies, seek, fit, portfolio,
    portfolio attribution or comparison file, as {name: DataFrame}. Column names and values are those of
    the file's datasets (docs/hdf5-format.md); a remedies bundle's or a seek point's mean
    and interval are derived from the raw sums the file keeps, which are exported
    alongside. A value that does not apply (an exact solution's count or interval, the
    share among started programmes of those not started, a remedies bundle nothing
    eliminated) is missing (NaN), never 0. Each frame's
    attrs["percent"] names the columns that are shares (a workbook formats them as %)."""
    from ._output import check_input_file

    path = check_input_file(path, "progsurv HDF5 file")
    filetype = _filetype(path)
    builder = _TABLES.get(filetype)
    if builder is None:
        raise _core.FileFormatError(f"{path}: its filetype is {filetype!r}; {_expected()}")
    return builder(path)


def _expected():
    return f"expected a progsurv {', '.join(_KINDS)} file"


def _filetype(path):
    """The file's filetype; the FileFormatError progsurv.load raises for a file that is
    not HDF5 (or truncated) or has no filetype, saying what was expected."""
    try:
        return _core.file_type(os.fspath(path))
    except _core.FileFormatError as e:
        if isinstance(e, OSError):  # unreadable, not foreign: keep its FileNotFoundError, ...
            raise
        raise _core.FileFormatError(f"{e}; {_expected()}") from None


def _shares(frame, *columns):
    """Marks `columns` of `frame` as shares (0.1 = 10%): a column name, or a regular
    expression for every matching column."""
    marked = []
    for c in columns:
        marked += [name for name in frame.columns
                   if name == c or re.fullmatch(c, str(name))]
    frame.attrs["percent"] = sorted(set(frame.attrs.get("percent", [])) | set(marked),
                                    key=list(frame.columns).index)
    return frame


def _run_tables(path):
    import progsurv

    r = progsurv.load(path)
    out = {
        "outcomes": r.outcomes().reset_index(),
        "causes": r.causes().reset_index(),
        "curves": r.curves().astype({"category": str}),
        "survival": r.survival(),
        "quantiles": r.quantiles().reset_index(),
        "value": r.value().reset_index(),
        "time_decomposition": r.time_decomposition().reset_index(),
        "means": r.means().reset_index(),
        "convergence": r.convergence(),
    }
    # Each table says what its numbers are per: the summary's mean value is per proposed
    # programme, these means per started one (a manager compared 1.113 with 0.613).
    for name, of in (("means", "started programmes"), ("time_decomposition", "started programmes"),
                     ("value", "proposed programmes")):
        out[name]["of"] = of
    if r.exact:
        # An exact solution has no sample: no counts, standard errors or intervals (the
        # file fills them with 0 or the value itself; a workbook must not show those).
        for frame in out.values():
            for c in frame.columns:
                if c == "count" or c == "se" or re.search(r"(^|_)(lower|upper)$", c):
                    frame[c] = np.nan
    # A programme that never started has no share among started ones: the file stores 0,
    # the summary and the page leave it blank, and so does a table.
    started = [c for c in out["outcomes"].columns if c.startswith("share_started")]
    out["outcomes"].loc[out["outcomes"]["outcome"] == "not_started", started] = np.nan
    if r.has_records:
        rec = r.records()
        for c in ("outcome", "cause", "initial_level"):
            rec[c] = rec[c].astype(str).where(rec[c].notna(), "")
        out["records"] = rec
    _shares(out["outcomes"], r"share.*", "lower", "upper")
    _shares(out["causes"], "share", "lower", "upper")
    _shares(out["curves"], "probability", "lower", "upper")
    _shares(out["survival"], "probability", "lower", "upper")
    _shares(out["quantiles"], "quantile")
    _shares(out["value"], "probability")
    _shares(out["convergence"], "p_completed", "se", "half_width")
    return out


def _attribution_tables(path):
    import progsurv

    frame = progsurv.load_attribution(path)
    all_off = pd.DataFrame(frame.attrs["all_off"]).T.rename_axis("statistic").reset_index()
    frame = frame.reset_index()
    return {"attribution": _shares(frame, r"p_completed.*"), "all_off": all_off}


def _sweep_tables(path):
    import progsurv

    s = progsurv.load_sweep(path)
    headers = parameter_headers(s)
    points = s.points().reset_index().rename(columns=headers)
    out = {"points": _shares(points, *[rf"{m}(_se)?" for m in s.metrics
                                       if m.startswith("p_")]),
           "parameters": pd.DataFrame({"parameter": s.parameters, "label": s.labels,
                                       "column": [headers[k] for k in s.parameters]})}
    if s.has_curves:
        out["curves"] = _shares(sweep_curves(s, points[["point", *headers.values()]]),
                                "completed", "survival")
    if s.design == "sobol":
        out["sobol"] = s.sobol()
        if s.second_order:
            out["sobol_second_order"] = s.sobol(order=2)
        out["sobol_convergence"] = s.convergence()
    if s.design == "morris":
        out["morris"] = s.morris()
    if s.design == "oat":
        out["tornado"] = tornado_table(s)
    return out


def parameter_headers(sweep):
    """{key path: column header} of a sweep's parameters in the points and curves tables:
    the label where the sweep file gives one (what a reader knows the parameter by), the
    key path otherwise or where the label would repeat another column's name. The
    parameters table maps each header back to its key path."""
    taken = set(sweep.metrics) | {"point", "replications", "seed", "t", "completed",
                                  "survival"}
    taken |= {f"{m}_{x}" for m in sweep.metrics for x in ("se", "count")}
    labels = sweep.labels
    headers = {}
    for key, label in zip(sweep.parameters, labels):
        clash = label in taken or labels.count(label) > 1 or (
            label != key and label in sweep.parameters)
        headers[key] = key if clash else label
    return headers


def sweep_curves(sweep, points):
    """The per-point curves of a sweep with curves: true, in long form for a spreadsheet's
    filter and chart: one row per point and month, with the point's number and parameter
    values (the columns of `points`), t, completed (P(completed by t), of proposed) and
    survival (S(t), among started)."""
    completed, survival = sweep.curves("completed"), sweep.curves("survival")
    grid = completed.columns.to_numpy(dtype=float)
    rows = points.loc[points.index.repeat(len(grid))].reset_index(drop=True)
    rows.attrs = {}  # not the points table's percent columns
    rows["t"] = np.tile(grid, len(points))
    rows["completed"] = completed.to_numpy().ravel()
    rows["survival"] = survival.to_numpy().ravel()
    return rows


def tornado_table(sweep):
    """The sweep's tornado() rows with the standard errors the file keeps (/tornado):
    each end's (low_se, high_se) and swing_se = sqrt(low_se^2 + high_se^2). The file has
    no covariance of the two ends, so swing_se is the standard error of independent runs;
    the sweep's common random numbers usually correlate the ends positively, which makes
    the true standard error of the swing smaller (docs/sweeps.md)."""
    frame = sweep.tornado()
    with h5py.File(sweep.path, "r") as f:
        t = f["tornado"]
        low_se, high_se = t["low_se"][()], t["high_se"][()]
    metric = {m: j for j, m in enumerate(sweep.metrics)}
    parameter = {p: i for i, p in enumerate(sweep.parameters)}
    rows = [(metric[m], parameter[p]) for m, p in zip(frame["metric"], frame["parameter"])]
    frame["low_se"] = [float(low_se[j, i]) for j, i in rows]
    frame["high_se"] = [float(high_se[j, i]) for j, i in rows]
    frame["swing_se"] = np.hypot(frame["low_se"], frame["high_se"])
    for c in ("low_value", "high_value"):  # the parameter's values: numbers where they are
        numbers = pd.to_numeric(frame[c], errors="coerce")
        if numbers.notna().all():
            frame[c] = numbers
    order = ["metric", "parameter", "label", "low_value", "high_value", "base", "low", "low_se",
             "high", "high_se", "swing", "swing_se"]
    frame = frame[order + [c for c in frame.columns if c not in order]].copy()
    share = frame["metric"].str.startswith("p_").tolist()  # probabilities, row by row
    frame.attrs["percent"] = {c: share for c in order[5:]}
    return frame


def _remedies_tables(path):
    import progsurv

    r = progsurv.load(path)
    bundles = r.bundles.reset_index()
    raw = r.bundle_results
    for name in ("sum", "sum_squares", "diff_sum", "diff_sum_squares"):
        bundles[name] = [getattr(b, name) for b in raw]
    if "eliminated_by" in bundles:  # -1: nothing eliminated it
        bundles["eliminated_by"] = bundles["eliminated_by"].astype("Int64").where(
            bundles["eliminated_by"] >= 0)
    frontier = r.frontier.reset_index()
    settings = pd.DataFrame({"setting": ["seed", "metric", "target", "budget", "unit",
                                         "batch", "n0", "max_observations", "alpha",
                                         "delta", "epsilon", "search", "termination",
                                         "replications", "equal_allocation_replications"],
                             "value": [str(x) for x in (
                                 r.seed, r.metric,
                                 "" if r.target is None else r.target.text,
                                 "" if r.budget is None else r.budget, r.unit, r.batch,
                                 r.n0, r.max_observations, r.alpha, r.delta, r.epsilon,
                                 r.search, r.termination, r.replications,
                                 r.equal_replications)]})
    shapley = r.shapley
    if r.metric_is_share:
        shares = ("estimate", "lower", "upper", r"gain.*", "share", "se")
        for frame in (frontier, bundles, shapley):
            _shares(frame, *shares)
    for frame in (frontier, bundles):
        _shares(frame, "p_meets")
    return {"frontier": frontier, "bundles": bundles, "shapley": shapley,
            "answer": pd.DataFrame({"answer": [r.sentence]}), "remedies": r.remedies,
            "settings": settings}


def _is_probability(metric):
    from . import _core

    try:
        return _core.Target.parse(f"{metric}>=0").is_probability
    except Exception:  # a metric the parser does not know: shown as a plain number
        return False


def _seek_tables(path):
    import progsurv

    s = progsurv.load(path)
    points = s.points.reset_index()
    for name in ("sum", "sumsq", "base_dsum", "base_dsumsq"):
        points[name] = [getattr(p, name) for p in s.point_sums]
    if "stage" in points:  # the base against itself: no change to speak of
        base = points["stage"] == "base"
        for c in ("diff", "diff_lower", "diff_upper"):
            if c in points:
                points.loc[base, c] = np.nan
    interval = s.interval or (float("nan"), float("nan"))
    answer = pd.DataFrame({
        "lever": [s.lever], "target": [s.target.describe()], "verdict": [s.verdict],
        "value": [float("nan") if s.value is None else s.value],
        "interval_lower": [interval[0]], "interval_upper": [interval[1]],
        "seed": [s.seed], "replications": [s.n], "sentence": [s.sentence]})
    if s.target.is_probability:
        _shares(points, "estimate", "lower", "upper", r"diff.*")
    return {"answer": answer, "points": points}


def _fit_tables(path):
    import warnings

    import progsurv

    with warnings.catch_warnings():  # the fit's own warnings were printed when it ran
        warnings.simplefilter("ignore", RuntimeWarning)
        fit = progsurv.load_fit(path)
    out = {"prior_posterior": fit.prior_posterior().reset_index(),
           "diagnostics": fit.diagnostics().reset_index(),
           "walkers": fit.walker_diagnostics().reset_index(),
           "samples": fit.samples().reset_index(drop=True)}
    draws = fit.predictive_draws()
    if len(draws):
        from ._result import CATEGORIES

        pred = fit.predictive().reset_index()
        share = pred["quantity"].isin(CATEGORIES).tolist()
        pred.attrs["percent"] = {c: share for c in pred.columns if c != "quantity"}
        out["predictive"] = pred
        out["predictive_draws"] = _shares(draws, *CATEGORIES)
    if fit.record_check is not None:
        out["record_check"] = fit.record_check.reset_index()
    if fit.warnings:
        out["warnings"] = pd.DataFrame({"warning": list(fit.warnings)})
    return out


def _portfolio_tables(path):
    import progsurv

    r = progsurv.load_portfolio(path)
    ranks = r.ranks().reset_index()
    _shares(ranks, *[rf"{c}(_lower|_upper)?" for c in
                     ("launched", "launched_within", "completed_within",
                      *progsurv._portfolio.CATEGORIES)])
    templates = _shares(r.templates().reset_index(),
                        *[rf"{c}(_lower|_upper)?" for c in progsurv._portfolio.CATEGORIES])
    return {"ranks": ranks, "templates": templates,
            "organisation": r.organisation().reset_index(),
            "over_time": r.over_time().reset_index(), "exits": r.exits().reset_index()}


def _portfolio_attribution_tables(path):
    from ._portfolio_attribution import load_portfolio_attribution

    a = load_portfolio_attribution(path)
    out = {"costs": a.costs().reset_index()}
    if a.has_shapley:
        out["shapley"] = a.shapley().reset_index()
    ranks = a.ranks().reset_index()
    out["ranks"] = _shares(ranks, "reached", "completed",
                           *[rf"{k}(_lower|_upper)?" for k in a.knockouts])
    return out


def _comparison_tables(path):
    import progsurv

    frame = progsurv.load_comparison(path).reset_index()
    scenarios = pd.DataFrame({"label": frame.attrs["labels"], "name": frame.attrs["names"]})
    # Shares and the other statistics (value, completion-time quantiles in months) on two
    # sheets, so each column of a sheet has one format.
    share = frame["statistic"].str.startswith("p_")
    shares = _shares(frame[share].reset_index(drop=True),
                     "reference", "value", r"diff.*", r"lower.*", r"upper.*", r"se.*",
                     "independent_se", r"reference_started", "started")
    others = frame[~share].reset_index(drop=True)
    return {"shares": shares, "other_statistics": others, "scenarios": scenarios}


_TABLES = {
    "progsurv-run": _run_tables,
    "progsurv-attribution": _attribution_tables,
    "progsurv-sweep": _sweep_tables,
    "progsurv-remedies": _remedies_tables,
    "progsurv-seek": _seek_tables,
    "progsurv-fit": _fit_tables,
    "progsurv-portfolio": _portfolio_tables,
    "progsurv-portfolio-attribution": _portfolio_attribution_tables,
    "progsurv-comparison": _comparison_tables,
}
_KINDS = ("run", "exact", "sweep", "attribution", "remedies", "seek", "fit", "portfolio",
          "portfolio attribution", "comparison")


# --- the About sheet ----------------------------------------------------------------------

# What each filetype is, and the commands that write such a file, for the About sheet. A
# file records its filetype, progsurv version and date, not the command that wrote it: where
# more than one command writes the kind (`progsurv report` of a YAML runs and stages the
# files its page reads), the sheet names them all and says the file does not record which.
_WHAT = {
    "progsurv-run": ("a simulated run of a scenario",
                     ("progsurv run", "progsurv report of a scenario YAML")),
    "progsurv-attribution": ("what each obstacle of a scenario costs",
                             ("progsurv attribute", "progsurv report")),
    "progsurv-sweep": ("a parameter sweep", ("progsurv sweep",)),
    "progsurv-remedies": ("a search for the cheapest remedies", ("progsurv remedies",)),
    "progsurv-seek": ("how far one lever must move", ("progsurv seek",)),
    "progsurv-fit": ("a fit of a scenario to a record of past programmes", ("progsurv fit",)),
    "progsurv-portfolio": ("an organisation's programmes over years",
                           ("progsurv portfolio", "progsurv report of a portfolio YAML")),
    "progsurv-portfolio-attribution": ("what each sharing of an organisation costs",
                                       ("progsurv attribute",
                                        "progsurv report of a portfolio YAML")),
    "progsurv-comparison": ("scenarios compared under common random numbers",
                            ("progsurv compare -o",)),
}


def _written_by(commands):
    """The About sheet's "written by": the one command that writes such a file, or the
    ones that do, saying the file does not record which."""
    if len(commands) == 1:
        return commands[0]
    return (f"{', '.join(commands[:-1])} or {commands[-1]} "
            f"(the file does not record which)")


def _attr(h5, where, name):
    obj = h5.get(where) if where != "/" else h5
    if obj is None or name not in obj.attrs:
        return None
    v = obj.attrs[name]
    if isinstance(v, bytes):
        v = v.decode("utf-8", "replace")
    if isinstance(v, np.ndarray):
        v = ", ".join(str(x) for x in v.tolist())
    elif isinstance(v, np.generic):
        v = v.item()
    return v


def _yaml_field(h5, dataset, key):
    """`key` of the YAML text in `dataset` (a scenario or sweep), or None."""
    import yaml

    obj = h5.get(dataset)
    if obj is None or not isinstance(obj, h5py.Dataset):
        return None
    try:
        data = yaml.safe_load(obj.asstr()[()])
    except Exception:  # not YAML after all: the sheet leaves the row out
        return None
    return data.get(key) if isinstance(data, dict) else None


def overrides(h5):
    """The values a run was given on top of its scenario (--set, --lever), as "key=value
    (was ...)" lines, from the file's record of them: the group `/scenario/changes` of run,
    comparison, seek and remedies files or `/scenario_changes` of attribution files (path,
    value, was; docs/hdf5-format.md) or `/portfolio/changes` of portfolio and portfolio
    attribution files or `/portfolio_changes` of remedies files of a portfolio or
    `/base_changes` of sweep files; [] when the file has none (nothing was set, or it was
    written before progsurv recorded them)."""
    for where in ("scenario/changes", "scenario_changes", "portfolio/changes",
                  "portfolio_changes", "base_changes"):
        rec = h5.get(where)
        if isinstance(rec, h5py.Group) and "path" in rec:
            keys = _strings(rec["path"][()])
            values = _strings(rec["value"][()]) if "value" in rec else [""] * len(keys)
            was = _strings(rec["was"][()]) if "was" in rec else [None] * len(keys)
            return [f"{k}={v}" + (f" (was {w})" if w not in (None, "") else "")
                    for k, v, w in zip(keys, values, was)]
    return []


def _strings(values):
    out = []
    for v in values:
        v = v.decode("utf-8", "replace") if isinstance(v, bytes) else str(v)
        out += [line for line in v.splitlines() if line.strip()]
    return out


def about(path, output=None, formats=True, files=None):
    """The About sheet of `path`'s export: what the file is, its scenario (or portfolio,
    sweep, fit), the overrides it was run with (when the file records them), seed,
    replications, the progsurv version and date that wrote it, the command that writes
    such a file (the commands, when several do: the file does not record which), when it
    was exported and, with `formats`, how the workbook formats its cells (about.csv leaves
    that out: CSV cells are written in full, unformatted); with `files` (about.csv), the
    row "tables" naming the table files the export wrote ("outcomes.csv; causes.csv; ...").
    Returns a DataFrame (item, value)."""
    import datetime

    filetype = _filetype(path)
    what, commands = _WHAT.get(filetype, ("a progsurv file", ("progsurv",)))
    rows = [("file", os.path.basename(os.fspath(path))), ("contents", what)]
    with h5py.File(path, "r") as f:
        exact = _attr(f, "/", "method") == "exact"
        if exact:
            rows[1] = ("contents", "the exact solution of a scenario")
            commands = ("progsurv exact",)
        # A variant's label names what was set: "baseline [sponsor=director]".
        name = (_attr(f, "scenario", "label") or _attr(f, "/", "scenario_label")
                or _attr(f, "portfolio", "label") or _attr(f, "/", "portfolio_label")
                or _attr(f, "scenario", "name") or _attr(f, "portfolio", "name")
                or _attr(f, "/", "scenario_name") or _yaml_field(f, "scenario", "name"))
        if filetype == "progsurv-sweep":
            rows.append(("sweep", _attr(f, "/", "name")))
            rows.append(("design", _attr(f, "/", "design")))
            name = _yaml_field(f, "base_scenario", "name") or name
        label = ("portfolio" if filetype.startswith("progsurv-portfolio")
                 or _attr(f, "/", "base_kind") == "portfolio" else "scenario")
        rows.append((label, name))
        description = (_attr(f, "portfolio", "description")
                       or _yaml_field(f, "scenario", "description")
                       or _yaml_field(f, "scenario/yaml", "description")
                       or _yaml_field(f, "portfolio", "description"))
        if description:
            rows.append(("description", description))
        source = (_attr(f, "scenario", "source") or _attr(f, "portfolio", "source")
                  or _attr(f, "/", "fit_source"))
        if source:
            rows.append(("source file", source))
        changed = overrides(f)
        rows.append(("overrides", "; ".join(changed) if changed else
                     "none recorded in the file"))
        for label, where, attr in (
            ("seed", "run", "seed"), ("seed", "/", "seed"),
            ("replications", "run", "replications"), ("organisations", "run", "organisations"),
            ("replications", "/", "replications"), ("organisations", "/", "organisations"),
            ("points", "/", "point_count"), ("lever", "/", "lever"),
            ("target", "/", "target_canonical"), ("metric", "/", "metric"),
            ("target", "/", "target"), ("record", "/", "record_source"),
            ("programmes in the record", "/", "programmes"),
        ):
            value = _attr(f, where, attr)
            if value is not None and not any(r[0] == label for r in rows):
                if not (exact and label in ("seed", "replications")):
                    rows.append((label, value))
        if filetype == "progsurv-sweep":
            rows += _sweep_counts(f)
        if filetype == "progsurv-fit":
            rows.append(("sampler seed", _attr(f, "settings/sampler", "seed")))
        rows.append(("progsurv version", _attr(f, "/", "progsurv_version")))
        rows.append(("written", _attr(f, "/", "created")))
    rows.append(("written by", _written_by(commands)))
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    rows.append(("exported", now + (f" to {os.path.basename(os.fspath(output))}"
                                    if output else "")))
    if formats:
        rows.append(("formats", "shares as percentages; other values to about 4 significant "
                     "digits (the cells hold the full values); a blank cell: does not apply"))
    if files is not None:
        # What a later export into the folder may replace as its own (progsurv._output).
        from ._output import ABOUT_TABLES

        rows.append((ABOUT_TABLES, "; ".join(files)))
    return pd.DataFrame([(k, "" if v is None else v) for k, v in rows],
                        columns=["item", "value"])


def _sweep_counts(h5):
    """The About rows of what each point of a sweep ran: its replications (organisations, in
    a portfolio sweep), or with precision the target, the cap and the replications the
    points took (/metrics/replications), as `progsurv sweep` says in its header."""
    unit = "organisations" if _attr(h5, "/", "base_kind") == "portfolio" else "replications"
    ran = h5["metrics/replications"][()] if "metrics/replications" in h5 else []
    precision = _yaml_field(h5, "sweep", "precision")
    if not precision:
        count = _yaml_field(h5, "sweep", "replications")
        if count is None and len(ran):
            count = int(ran[0])
        return [(f"{unit} per point", count)]
    what = ("the mean programmes completed per organisation" if unit == "organisations"
            else "P(completed)")
    rows = [("precision", f"each point ran until the 95% half-width of {what} was at most "
                          f"{precision}"),
            (f"max {unit} per point", _yaml_field(h5, "sweep", "max_replications"))]
    if len(ran):
        low, high = int(np.min(ran)), int(np.max(ran))
        rows.append((f"{unit} run per point", low if low == high
                     else f"{low:,} to {high:,}"))
    return rows


def _refuse_another_export(directory, about_frame):
    """ValueError when `directory` holds the export of another file (its about.csv names
    another file, or the same name written at another time): writing there would leave a
    folder mixing the tables of both."""
    old_about = os.path.join(os.fspath(directory), "about.csv")
    if not os.path.isfile(old_about):
        return
    try:
        old = dict(pd.read_csv(old_about, dtype=str, keep_default_na=False).values.tolist())
    except Exception:  # not an about.csv of ours: nothing to compare
        return
    new = dict(zip(about_frame["item"], about_frame["value"].astype(str)))
    keys = ("file", "written")
    if all(k in old for k in keys) and any(old[k] != new.get(k) for k in keys):
        raise ValueError(
            f"{directory} holds the tables of another file ({old['file']}, written "
            f"{old['written']}; its about.csv): export into a new folder, or pass --force to "
            f"write into it anyway (its other tables are then left as they are)")


def to_csv(path, directory, force=False):
    """One CSV per table in `directory`, and about.csv (what the file is: about()); returns
    the paths written. Values are written in full (tidy data, for further work). A new
    folder is built complete under a temporary name and renamed into place; in an existing
    folder the files are replaced only when all are written (progsurv._output.write_folder):
    a failure leaves no folder and no file behind. Text cells that a spreadsheet would run
    as formulas are written as text (a leading ').

    about.csv's last row, "tables", names the table files written: a later export into the
    folder replaces those as its own. What is in the folder is checked as every output is
    (docs/robustness.md): a file the export would replace must be a CSV file of an export
    (about.csv, or a table that the folder's about.csv lists; in an about.csv written before
    that row, a table that an export of its file's kind writes); a progsurv HDF5 file, a
    .csv file about.csv does not list or any other non-empty file there is refused
    (ValueError) unless `force`, about.csv before any table is built, the tables' own names
    before any is written. A folder holding the export of another file is refused too unless
    `force`; other files of the folder (with `force`, the other file's tables: the new
    about.csv does not list them) are left as they are."""
    from ._output import check_output_tables, formula_safe_frame, write_folder

    check_output_tables(directory, ["about.csv"], [path], force)
    found = tables(path)
    frames = {"about": about(path, formats=False, files=[name + ".csv" for name in found]),
              **found}
    if not force:
        _refuse_another_export(directory, frames["about"])
    files = {}
    for name, frame in _progress_over(frames.items(), "export", len(frames)):
        files[name + ".csv"] = formula_safe_frame(frame).to_csv(index=False).encode("utf-8")
    return write_folder(directory, files, [path], force)


def to_xlsx(path, output, force=False):
    """The workbook `output`: an About sheet (about()), then one sheet per table, written
    with openpyxl in memory and saved through progsurv's output writer (a failure leaves
    no file behind, and an existing file as it was). Cells hold the full values; shares are
    formatted as percentages and other numbers to about 4 significant digits, missing
    values are blank cells, columns are fitted to their contents and the header row is
    frozen. Text cells are stored as strings, never as formulas.

    An empty file or an earlier export (a workbook progsurv export wrote, not saved since by
    a spreadsheet program) at `output` is replaced; a progsurv HDF5 file, a report page,
    another workbook or any other non-empty file is refused (ValueError, before any work)
    unless `force` (progsurv._output.check_output)."""
    from ._output import EXPORT_WORKBOOK, check_output, write_bytes

    check_output(output, [path], force, EXPORT_WORKBOOK)
    data = workbook(path, output)  # first: a bad input must not leave an empty workbook
    return [write_bytes(output, data, [path], force, EXPORT_WORKBOOK)]


def workbook(path, output=None):
    """The bytes of the xlsx workbook of `path` (see to_xlsx)."""
    from openpyxl import Workbook

    from ._output import WORKBOOK_CREATOR

    frames = tables(path)
    book = Workbook()
    # What makes it an export (progsurv._output recognises one to replace it): its creator,
    # and who saved it last, which a spreadsheet program that saves it changes.
    book.properties.creator = WORKBOOK_CREATOR
    book.properties.lastModifiedBy = WORKBOOK_CREATOR
    sheet = book.active
    sheet.title = "About"
    _write_sheet(sheet, about(path, output), wrap=("value",))
    for name, frame in _progress_over(frames.items(), "export", len(frames)):
        _write_sheet(book.create_sheet(name[:31]), frame)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _progress_over(items, label, total):
    """`items`, with a progress bar on a terminal (tables of large files take seconds)."""
    if not sys.stderr.isatty() or total < 2:
        return items
    from tqdm import tqdm

    return tqdm(items, total=total, desc=label, unit="table", leave=False)


def _cell(value):
    """A cell's value: None (a blank cell) for anything missing, Python scalars."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not np.isfinite(value):
        return None if np.isnan(value) else str(value)  # inf as text: xlsx has no infinity
    return value


def number_format(values, percent=False):
    """The Excel number format of a numeric column: whole numbers with thousands
    separators; shares as percentages with 3 significant digits at the column's median;
    other values with 4 significant digits at the column's median (capped at 6
    decimals). A value too small to show at 6 decimals does not count towards the median:
    a column of P(meets the target) with a few of 6.7e-226 got 0.000000% otherwise, and
    its 0.8657 showed as 86.569185%. The cells keep their full values."""
    v = np.asarray([x for x in values if isinstance(x, (int, float)) and not isinstance(x, bool)
                    and np.isfinite(x)], dtype=float)
    if percent:
        v = 100.0 * v
    nonzero = np.abs(v[np.abs(v) >= 0.5e-6])
    if not percent and (len(v) == 0 or np.all(v == np.round(v))):
        return "#,##0"
    if len(nonzero) == 0:
        return "0%" if percent else "0"
    digits = 3 if percent else 4
    decimals = int(np.clip(digits - 1 - np.floor(np.log10(np.median(nonzero))), 0, 6))
    pattern = "0" if decimals == 0 else "0." + "0" * decimals
    return pattern + "%" if percent else "#,##" + pattern if decimals == 0 else pattern


def _display_width(value, fmt):
    if value is None:
        return 0
    if isinstance(value, str):
        return max((len(line) for line in value.splitlines()), default=0)
    if isinstance(value, bool):
        return 5
    if isinstance(value, (int, float)):
        decimals = len(fmt.split(".")[1].rstrip("%")) if "." in fmt else 0
        x = 100 * value if fmt.endswith("%") else value
        return len(f"{x:,.{decimals}f}") + (1 if fmt.endswith("%") else 0)
    return len(str(value))


def _numeric(series):
    return series.dtype.kind in "fiu" or str(series.dtype) in ("Int64", "Float64")


def _stem(frame, j):
    """The column whose format column j shares: X for X_lower and X_upper, the nearest
    numeric column before it for a bare lower or upper; itself otherwise."""
    columns = [str(c) for c in frame.columns]
    name = columns[j]
    m = re.fullmatch(r"(.+)_(lower|upper)", name)
    if m and m.group(1) in columns:
        return frame.columns[columns.index(m.group(1))]
    if name in ("lower", "upper"):
        for k in range(j - 1, -1, -1):
            if columns[k] not in ("lower", "upper", "se") and _numeric(frame.iloc[:, k]):
                return frame.columns[k]
    return frame.columns[j]


def _write_sheet(sheet, frame, wrap=()):
    """`frame` into `sheet`: a bold frozen header row, number formats (number_format),
    blank cells for missing values, column widths fitted to the contents."""
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    percent = frame.attrs.get("percent", [])
    columns = [str(c) for c in frame.columns]
    sheet.append(columns)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.data_type = "s"
    sheet.freeze_panes = "A2"
    for j, column in enumerate(frame.columns):
        values = [_cell(v) for v in frame[column].tolist()]
        if isinstance(percent, dict):
            mask = percent.get(column, [False] * len(values))
        else:
            mask = [column in percent] * len(values)
        numeric = _numeric(frame[column])
        formats = {}
        if numeric:
            # A bound is printed as its estimate is (stem_lower with stem, lower with the
            # column before it), so the three line up; a standard error has its own digits.
            stem = _stem(frame, j)
            same = [values] if stem == column else [values, [_cell(v) for v in frame[stem]]]
            for share in (False, True):
                formats[share] = number_format(
                    [v for vs in same for v, m in zip(vs, mask) if m == share], share)
        letter = get_column_letter(j + 1)
        width = len(columns[j])
        for i, value in enumerate(values):
            cell = sheet.cell(row=i + 2, column=j + 1, value=value)
            if isinstance(value, str):
                cell.data_type = "s"  # openpyxl would store "=..." as a formula
            elif numeric and value is not None and not isinstance(value, bool):
                cell.number_format = formats[bool(mask[i])]
            if column in wrap:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
            if i < 2000:  # enough rows to fit the width; a long table is not scanned whole
                width = max(width, _display_width(value, cell.number_format))
        sheet.column_dimensions[letter].width = min(max(width + 2, 8), 80 if column in wrap
                                                    else 60)


def main(argv=None):
    p = argparse.ArgumentParser(
        prog="progsurv export",
        description="Write the tables of a progsurv file as tidy CSV files (one per table, "
        "with about.csv) or one xlsx workbook (an About sheet, then one sheet per table: "
        "shares as percentages, blank where a value does not apply).")
    p.add_argument("file", help="a progsurv HDF5 file: " + ", ".join(_KINDS))
    g = p.add_mutually_exclusive_group(required=True)
    g.add_argument("--csv", metavar="DIR", help="write one CSV per table into DIR")
    g.add_argument("--xlsx", metavar="FILE", help="write one sheet per table into FILE")
    p.add_argument("--force", action="store_true",
                   help="replace outputs even when they are write-protected or hold a file "
                   "of another kind (not an earlier export), and write CSV tables into a "
                   "folder that holds the export of another file")
    args = p.parse_args(argv)
    from ._output import existing_files, printable, written_line

    prog = "progsurv export" if os.environ.get("PROGSURV_CLI") else "progsurv.export"
    try:
        there = existing_files(args.xlsx or args.csv)
        written = (to_xlsx(args.file, args.xlsx, args.force) if args.xlsx
                   else to_csv(args.file, args.csv, args.force))
    except KeyboardInterrupt:
        print(f"{prog}: interrupted; nothing written", file=sys.stderr)
        return 130
    except RuntimeError as e:  # writing failed (a full disk, ...): nothing replaced
        print(f"{prog}: failed: {printable(e)}", file=sys.stderr)
        return 1
    except (OSError, ValueError, KeyError, TypeError) as e:
        print(f"{prog}: error: {printable(e)}", file=sys.stderr)
        return 2
    except Exception as e:  # a library failing part-way (openpyxl's own temporary files)
        print(f"{prog}: failed: {type(e).__name__}: {printable(e)}; nothing written",
              file=sys.stderr)
        return 1
    for w in written:
        print(written_line(w, w in there))
    return 0


if __name__ == "__main__":
    sys.exit(main())
