"""`progsurv report`: one self-contained HTML page (figures embedded, no network needed)
for a progsurv file: a run, an exact solution, a sweep, an attribution, a fit, a remedies
search, a seek, a comparison (`progsurv compare -o`: the brief of two scenarios side by
side, paired differences in plain sentences, overlaid curves, what each obstacle costs in
each, and what was changed between them), a portfolio (with what each sharing costs, from a
portfolio attribution file) or a portfolio attribution; or for a scenario or portfolio YAML,
run first.

    python3 -m progsurv.report baseline.h5 -o baseline.html
    python3 -m progsurv.report scenarios/baseline.yaml --set horizon=48 -o report.html
    progsurv.report.write_report("baseline.h5", "baseline.html")

Every number on the page is read from a file and printed through one helper that tags it
with where it came from (data-file, data-src, data-index, data-scale, data-fmt), so a
reader (or a test) can check each against the file. A statistic the file keeps as raw sums
(a remedies bundle's mean, a seek point's interval) is tagged with the sums it is derived
from and how (data-derive; see derive()). Figures are matplotlib PNGs embedded
as data: URIs; the page is a Jinja2 template (report.html.j2).
"""
import argparse
import base64
import collections
import hashlib
import html
import io
import os
import re
import sys
import textwrap
import warnings

import h5py
import numpy as np
from markupsafe import Markup

# Published outcome bands among started programmes (docs/calibration.md): full
# completion, partial delivery, nothing delivered.
CALIBRATION_BANDS = {
    "delivered_all": (12, 35, "completed every phase"),
    "delivered_partial": (44, 68, "delivered part of the phases"),
    "delivered_none": (19, 31, "delivered nothing"),
}
# The files `progsurv report` takes (its --help lists them).
REPORT_KINDS = ("run", "exact", "sweep", "attribution", "fit", "remedies", "seek", "comparison",
                "portfolio", "portfolio attribution")
MAX_SWEEP_ROWS = 60  # points listed on a sweep's page; progsurv export has them all
CALIBRATION_SOURCES = ("McKinsey transformation surveys (2008, 2015, 2021, 2023); Bain (2024); "
                       "BCG (2020); Standish CHAOS (2020)")


class _File:
    """One HDF5 file and the tagged numbers printed from it."""

    def __init__(self, path, tag):
        self.path = path
        self.tag = tag
        self.h5 = h5py.File(path, "r")

    def read(self, src):
        if "@" in src:
            obj, attr = src.split("@", 1)
            value = self.h5[obj or "/"].attrs[attr]
        else:
            ds = self.h5[src]
            value = ds.asstr()[()] if ds.dtype.kind == "O" else ds[()]
        return value

    def value(self, src, index=None):
        v = self.read(src)
        if index is not None:
            v = np.asarray(v)[tuple(index) if isinstance(index, (tuple, list)) else index]
        return v

    def _span(self, src, idx, text, scale, fmt, suffix, derive=None):
        """The tagged span every number of the page is printed through: data-src, -index,
        (-derive), -scale and -fmt say where its text came from."""
        how = "" if derive is None else f' data-derive="{derive}"'
        return Markup(
            f'<span class="num" data-file="{self.tag}" data-src="{html.escape(src)}" '
            f'data-index="{idx}"{how} data-scale="{scale:g}" data-fmt="{fmt}">'
            f"{html.escape(text)}</span>{html.escape(suffix)}")

    def num(self, src, index=None, scale=1.0, fmt=".1f", suffix=""):
        """A number from the file as a tagged span."""
        text = format_number(self.value(src, index), scale, fmt)
        idx = "" if index is None else ",".join(str(i) for i in np.atleast_1d(index))
        return self._span(src, idx, text, scale, fmt, suffix)

    def remainder(self, src, row, minus, scale=1.0, fmt=".1f", suffix=""):
        """1 minus the sum of columns `minus` of row `row` of the matrix `src` (the share
        left to the other categories), as a tagged span: data-derive="1-sum:c,c,..."."""
        m = np.asarray(self.read(src))[row]
        v = 1.0 - float(sum(m[c] for c in minus))
        how = "1-sum:" + ",".join(str(c) for c in minus)
        return self._span(src, row, format_number(v, scale, fmt), scale, fmt, suffix, how)

    def combined(self, how, srcs, index, scale=1.0, fmt=".1f", suffix=""):
        """Two values at `index` of the datasets `srcs` combined, as a tagged span
        (data-src="a|b", data-derive=how): "absdiff" |a - b| (a tornado's swing), "hypot"
        sqrt(a^2 + b^2) (the standard error of a difference of independent estimates)."""
        a, b = (float(self.value(src, index)) for src in srcs)
        v = abs(a - b) if how == "absdiff" else float(np.hypot(a, b))
        idx = ",".join(str(i) for i in np.atleast_1d(index))
        return self._span("|".join(srcs), idx, format_number(v, scale, fmt), scale, fmt,
                          suffix, how)

    def derived(self, group, index, how, scale=1.0, fmt=".1f", suffix=""):
        """A statistic derived from the raw sums of row `index` of `group` (derive()), as a
        tagged span: data-src is the group, data-derive says how."""
        text = format_number(derive(self.h5, group, index, how), scale, fmt)
        return self._span(group, index, text, scale, fmt, suffix, how)


# Where derive() finds a row's raw sums: n, sum, sum of squares (and for differences the
# paired sums), and the interval's multiplier: Student t for remedies' batch means
# (docs/hdf5-remedies-format.md), 1.96 for seek's replications (docs/hdf5-seek-format.md).
_SUMS = {
    "/bundles": ("observations", {"": ("sum", "sum_squares"),
                                  "gain": ("diff_sum", "diff_sum_squares")}, "t"),
    "/points": ("n", {"": ("sum", "sumsq"), "diff": ("base_dsum", "base_dsumsq")}, "z"),
}


def derive(h5, group, index, how):
    """Mean ("mean", "gain"/"diff") or a 95% bound ("lower", "upper", "gain_lower", ...) of
    row `index` of `group` (/bundles or /points), from the file's raw sums."""
    count, sums, kind = _SUMS[group]
    which, _, bound = how.partition("_") if how not in ("mean", "lower", "upper") else (
        "", "", how)
    bound = bound or "mean"
    s_name, ss_name = sums[which]
    g = h5[group.strip("/")]
    n = float(g[count][index])
    s, ss = float(g[s_name][index]), float(g[ss_name][index])
    if n == 0:
        return float("nan")
    mean = s / n
    if bound == "mean":
        return mean
    if n < 2:
        return float("nan")
    var = max(ss - n * mean * mean, 0.0) / (n - 1)
    if kind == "t":
        from scipy import stats

        k = float(stats.t.ppf(0.975, n - 1))
    else:
        from . import _core

        k = _core.z95
    half = k * (var / n) ** 0.5
    return mean - half if bound == "lower" else mean + half


def format_number(v, scale, fmt):
    """How the page prints a value: NaN as "not reached", strings as they are, sha256 of
    text as its first 16 hex digits."""
    if fmt == "str":
        return v.decode() if isinstance(v, bytes) else str(v)
    if fmt == "sha256":
        text = v.decode() if isinstance(v, bytes) else str(v)
        return hashlib.sha256(text.encode()).hexdigest()[:16]
    x = float(v) * float(scale)
    if np.isnan(x):
        return "not reached"
    if fmt == "int":
        return f"{int(round(x)):,}"
    return format(x, fmt)


class _Steps:
    """The report's progress on a terminal (progsurv._progress's tqdm bar): one step per
    figure drawn, then the page. The total grows as figures are found."""

    bar = None
    done = 0

    @classmethod
    def start(cls):
        from ._progress import progress_bar

        cls.done = 0
        cls.bar = progress_bar("report", unit="it") if sys.stderr.isatty() else None

    @classmethod
    def tick(cls):
        cls.done += 1
        if cls.bar is not None:
            cls.bar(cls.done, cls.done + 1)

    @classmethod
    def stop(cls):
        if cls.bar is not None:
            cls.bar.close()
        cls.bar = None


def _figure_uri(fig):
    _Steps.tick()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    import matplotlib.pyplot as plt

    plt.close(fig)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


# --- the appendix: every scenario value, evidence-cited or an assumption -----------------

_EVIDENCE = re.compile(r"[(,]\s*(?:H|M|L|H/M|M/L)\)|\b(?:19|20)\d\d\b|\bvia\b|\bsurvey", re.I)


def _status(note):
    if "assumption" in note.lower():
        return "assumption"
    if _EVIDENCE.search(note):
        return "evidence"
    return "not annotated"


def scenario_values(source_yaml):
    """(key path, value text, status, note) for every value of the scenario text (block
    style, as the scenario files are written; flow maps count as one value). The note is
    the line's own comment, else the comment block above it, else its group's (a block right
    under a group's header is the group's unless it names the first key: `vp:` then "# VP
    tenure ..." above `tenure:` is the tenure's alone, so `vp.clout` does not inherit it); status is
    "assumption" when the note says so, "evidence" when it cites a source (a year, a
    confidence mark (H)/(M)/(L)), "not annotated" otherwise."""
    rows = []
    stack = []  # (indent, path component, note) of the enclosing maps and list items
    counters = {}  # list path -> next index
    block = []
    seen_key = False  # the comment block opening the file describes the file, not a key
    just_opened = False  # the previous line opened a group (a key with no value)
    for raw in source_yaml.splitlines():
        stripped = raw.strip()
        if not stripped:
            block = []
            continue
        if stripped.startswith("#"):
            block.append(stripped.lstrip("#").strip())
            continue
        code, _, comment = raw.partition(" #")
        indent = len(code) - len(code.lstrip())
        above = " ".join(block) if seen_key else ""
        own = comment.strip() or above
        block = []
        seen_key = True
        body = code.strip()
        while stack and stack[-1][0] >= indent:
            stack.pop()
        # A comment block opening a group (right under its header) speaks for the group,
        # unless it is about the group's first key.
        first = re.match(r"(?:-\s+)?([A-Za-z_][\w.]*)\s*:", body)
        if just_opened and above and stack and not stack[-1][2] and not (
                first and _names_key(above, first.group(1))):
            stack[-1] = (stack[-1][0], stack[-1][1], above)
        just_opened = False
        if body.startswith("- "):
            parent = ".".join(k for _, k, _ in stack)
            index = counters.get(parent, 0)
            counters[parent] = index + 1
            inherited = next((n for _, _, n in reversed(stack) if n), "")
            stack.append((indent, str(index), own))
            body = body[2:].strip()
            indent += 2
            if not re.match(r"[A-Za-z_][\w.]*\s*:", body):
                path = ".".join(k for _, k, _ in stack)
                note = own or inherited
                rows.append((path, body, _status(note), note))
                continue
        m = re.match(r"([A-Za-z_][\w.]*)\s*:\s*(.*)$", body)
        if not m:
            continue
        key, value = m.group(1), m.group(2).strip()
        inherited = next((n for _, _, n in reversed(stack) if n), "")
        path = ".".join([k for _, k, _ in stack] + [key])
        if value and not value.startswith((">", "|")):
            note = own or inherited
            rows.append((path, value, _status(note), note))
        else:
            stack.append((indent, key, own))
            just_opened = True
    return rows


def _names_key(text, key):
    """Whether `text` names the key (`attention_lapse` as written or as "attention lapse")."""
    return any(re.search(r"\b" + re.escape(k) + r"\b", text, re.IGNORECASE)
               for k in {key, key.replace("_", " ")})


def scenario_changes(group, name="changes"):
    """The values set for a run (--set, a lever), as (key path, value, was) text from the
    group `name` under `group` (run files from format 2.2); [] when none was set."""
    g = group.get(name)
    if g is None:
        return []
    return list(zip(*(g[k].asstr()[()].tolist() for k in ("path", "value", "was"))))


def _under(outer, inner):
    return inner == outer or inner.startswith(outer + ".")


def mark_changes(rows, changes):
    """The appendix rows with the values set for the run marked: a row whose key was set
    (or that holds or lies under a key that was) shows its new value and "set for this run
    (was ...)", keeping its note; a key the file left to its default gets a row of its own.
    Each row gains a fifth field, the changes that touched it."""
    out, used = [], set()
    for key, value, status, note in rows:
        hits = [c for c in changes if _under(key, c[0]) or _under(c[0], key)]
        if not hits:
            out.append((key, value, status, note, ()))
            continue
        used.update(c[0] for c in hits)
        exact = [c for c in hits if c[0] == key]
        new = exact[-1][1] if exact else "; ".join(f"{p}={v}" for p, v, _ in hits)
        out.append((key, new, f"set for this run (was {value})", note, tuple(hits)))
    for path, value, was in changes:
        if path not in used:
            was_text = f"was {was}, the default" if was else "not in the file"
            out.append((path, value, f"set for this run ({was_text})", "", ((path, value, was),)))
    return out


# --- pages --------------------------------------------------------------------------------


def _env():
    import jinja2

    from . import _core

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(os.path.dirname(os.path.abspath(__file__))),
        autoescape=jinja2.select_autoescape(["html", "j2"]),
        undefined=jinja2.StrictUndefined,
    )
    # The page's <meta name="generator">: how progsurv knows a page is its own to replace.
    env.globals["progsurv_version"] = _core.__version__
    return env


def _run_context(f, attribution=None):
    import progsurv

    result = progsurv.load(f.path)
    from . import plotting

    figures = []
    figures.append(("How programmes end", "Cumulative incidence of each end by month, among all "
                    "proposed programmes, as steps with their interval bands.",
                    _figure_uri(plotting.plot_incidence(result, style="steps").figure)))
    figures.append(("Survival", "Share of started programmes not yet ended (completed ones "
                    "count as survivors), with its interval band and the number still running "
                    "(at risk) below the axis.",
                    _figure_uri(plotting.plot_survival(result, at_risk=True).figure)))
    figures.append(("When programmes complete", "Probability per month of completing, over "
                    "all proposed programmes.",
                    _figure_uri(plotting.plot_completion_time(result).figure)))
    figures.append(("Where the months went", "Mean months per started programme in each "
                    "time bucket, with their intervals.",
                    _figure_uri(plotting.plot_time_decomposition(result).figure)))
    ctx = dict(kind="run", result=result, figures=figures, exact=bool(result.exact),
               outcome_names=[n.decode() if isinstance(n, bytes) else n
                              for n in f.h5["outcomes/names"][()]],
               cause_names=[n.decode() if isinstance(n, bytes) else n
                            for n in f.h5["causes/names"][()]],
               bucket_names=[n.decode() if isinstance(n, bytes) else n
                             for n in f.h5["time_decomposition/names"][()]],
               quantile_count=len(f.h5["completion_time/quantile_levels"]),
               bands=CALIBRATION_BANDS, band_sources=CALIBRATION_SOURCES)
    ctx["rules_14_17"] = _rules_14_17_rows(f)
    source = f.h5["scenario"].get("source_yaml")
    changes = scenario_changes(f.h5["scenario"])
    ctx["changes"] = changes
    ctx["appendix"] = (mark_changes(scenario_values(source.asstr()[()]), changes)
                       if source is not None else [])
    ctx["appendix_src"] = "/scenario/source_yaml" if source is not None else None
    ctx["label_src"] = "/scenario@label" if "label" in f.h5["scenario"].attrs else "/scenario@name"
    ctx["attribution"] = attribution
    if attribution is not None:
        ctx.update(_attribution_rows(attribution))
    return ctx


# Rules 15-17 in words, as the run summary prints them: (the rule's use in the resolved
# scenario, quantity, what its mean says, scale, format, unit). A rule's rows are shown
# when the scenario uses the rule, as the summary's lines are, so a run that uses none has
# no such section.
_RULES_14_17 = (
    ("ladder", "escalations", "escalation attempts per started programme", 1, ".2f", ""),
    ("ladder", "rungs", "escalation trials per started programme (ladder rungs and the sponsor)",
     1, ".2f", ""),
    ("deferral", "deferring", "started programmes that deferred scope into a \"Phase 2\"", 100,
     ".1f", "%"),
    ("deferral", "deferred_value", "value per started programme deferred and never delivered",
     1, ".3f", ""),
    ("reengagement", "reengagements", "re-engagements with let-down customers per started "
     "programme", 1, ".3f", ""),
    ("reengagement", "customer_trust", "mean customer trust at the end", 1, ".2f", ""),
)


def _rules_used(scenario_yaml):
    """The rules 15-17 the resolved scenario uses, decided as the run summary decides
    (sim/engine/summary.cpp): a ladder with a rung, deferral with a deferrable phase,
    re-engagement with a probability above 0."""
    import yaml

    y = yaml.safe_load(scenario_yaml) or {}
    deferral = float((y.get("deferral") or {}).get("prob", 0)) > 0 and any(
        float(p.get("deferrable", 0)) > 0 for p in y.get("phases") or [])
    reengage = ((y.get("customers") or {}).get("reengage") or {}).get("prob", 0)
    return {"ladder": bool((y.get("escalation") or {}).get("ladder")), "deferral": deferral,
            "reengagement": float(reengage) > 0}


def _rules_14_17_rows(f):
    """The means of rules 15-17 (run files from format 2.1), as (label, mean, se) text: the
    file's /means, which are its raw sums over the started programmes (moments_sum /
    n_started), as the summary computes them."""
    means = f.h5.get("means")
    scenario = f.h5.get("scenario/yaml")
    if means is None or "names" not in means or scenario is None:
        return []
    used = _rules_used(scenario.asstr()[()])
    names = [n.decode() if isinstance(n, bytes) else n for n in means["names"][()]]
    # An exact solution has no sampling error; a mean the method cannot give (customer
    # trust, outside the chain) or an SE of one started programme is n/a, not a time.
    exact = _text(f.h5.attrs.get("method", "")) == "exact"

    def shown(v, scale, fmt, unit):
        return "n/a" if not np.isfinite(v) else format_number(v, scale, fmt) + unit

    rows = []
    for rule, key, label, scale, fmt, unit in _RULES_14_17:
        if not used[rule] or key not in names:
            continue
        i = names.index(key)
        m = float(means["mean"][i])
        se = float(means["se"][i]) if "se" in means else float("nan")
        rows.append((label, shown(m, scale, fmt, unit),
                     "none (exact)" if exact else shown(se, scale, fmt, unit)))
    return rows


def _attribution_rows(a):
    stats = [s.decode() if isinstance(s, bytes) else s for s in a.h5["statistics"][()]]
    names = [s.decode() if isinstance(s, bytes) else s for s in a.h5["descriptions"][()]]
    order = np.argsort(-a.h5["p_completed/delta"][()], kind="stable")
    return dict(att_order=[int(i) for i in order], att_names=names, att_stats=stats,
                att_buckets=[s for s in stats if s.startswith("months_")],
                att_shapley=a.h5.attrs.get("shapley_method", "none") in ("exact", "permutations"))


def _attribution_figure(a):
    import progsurv

    frame = progsurv.load_attribution(a.path)
    return _figure_uri(progsurv.plot_attribution(frame, shapley=True).figure)


def _sweep_figures(f):
    import progsurv

    s = progsurv.load_sweep(f.path)
    figs = []
    for metric in s.metrics:
        if s.design == "oat":
            figs.append((f"One at a time: {metric}", "Each parameter at its low and high value.",
                         _figure_uri(s.plot_tornado(metric).figure)))
        elif s.design == "sobol":
            figs.append((f"Sensitivity of {metric}", "First-order and total Sobol indices "
                         "with their bootstrap intervals.",
                         _figure_uri(s.plot_sobol(metric).figure)))
        elif s.design == "grid" and len(s.parameters) in (1, 2):
            figs.append((f"{metric} over the grid", "The metric at each point of the grid"
                         + (", with its 95% interval." if len(s.parameters) == 1 else
                            " (its value written in each cell of a small grid)."),
                         _figure_uri(s.plot_grid(metric).figure)))
        figs.extend(_sensitivity_extra_figures(s, metric))
    if s.has_curves:
        from .sweep import MAX_CURVE_LINES

        many = len(s) > MAX_CURVE_LINES
        figs.append(("Completion at each point", "P(completed by t), of proposed programmes, "
                     + ("under each point (the legend gives its parameter values)." if not many
                        else f"over the {len(s)} points: their median, the bands of the middle "
                        "50% and 90% of them, and the two points of the lowest and highest "
                        "value at the horizon (progsurv export writes every point's curve)."),
                     _figure_uri(s.plot_curves("completed").figure)))
    return s, figs


def _sensitivity_extra_figures(s, metric):
    """The convergence of a sobol sweep's indices with N, and a morris sweep's screening."""
    if s.design == "sobol":
        if s.convergence(metric)["N"].nunique() < 2:
            return []  # one sample size: nothing to converge (a design of N < 32)
        return [(f"Convergence of {metric}", "First-order (solid) and total (dashed) indices "
                 "from the first N base samples: flat at the right means N was enough.",
                 _figure_uri(s.plot_convergence(metric).figure))]
    if s.design == "morris":
        return [(f"Screening of {metric}", "Morris mu* (importance, with the half-width of its "
                 "interval) against sigma (non-linearity or interactions).",
                 _figure_uri(s.plot_morris(metric).figure))]
    return []


def _sweep_context(f):
    """The sweep page: its figures, the tornado swings with their standard errors (oat) or
    the Sobol indices with their intervals (sobol), and the points (the first
    MAX_SWEEP_ROWS), numbers to about 4 significant digits and shares as percentages."""
    sweep, figs = _sweep_figures(f)
    total = len(sweep)
    metrics = list(sweep.metrics)
    # Per metric: (scale, format, unit) of its estimates and of their standard errors.
    shares = [m.startswith("p_") for m in metrics]
    metric_fmt = [(100.0, ".2f", "%") if p else (1.0, ".4g", "") for p in shares]
    se_fmt = [(100.0, ".2f", " pp") if p else (1.0, ".2g", "") for p in shares]
    values = f.h5["parameters/value"][()]
    numeric = [bool(np.all(np.isfinite(values[:, j]))) for j in range(values.shape[1])]
    ctx = dict(kind="sweep", sweep=sweep, figures=figs, metric_names=metrics,
               parameter_names=sweep.parameters, parameter_labels=sweep.labels,
               point_total=total,
               point_rows=list(range(min(total, MAX_SWEEP_ROWS))), metric_fmt=metric_fmt,
               se_fmt=se_fmt, numeric_parameter=numeric, tornado_order=[], sobol=False)
    from .export import overrides

    ctx["base_changes"] = overrides(f.h5)  # what --set changed in the base
    if sweep.design == "oat" and "tornado" in f.h5:
        t = f.h5["tornado"]
        swing = np.abs(t["high"][()] - t["low"][()])
        ctx["tornado_order"] = [[int(i) for i in np.argsort(-swing[m], kind="stable")]
                                for m in range(len(metrics))]
        first, count = t["first_point"][()], t["point_count"][()]
        ctx["tornado_points"] = [(int(a), int(a + n - 1)) for a, n in zip(first, count)]
    if sweep.design == "sobol" and "sobol" in f.h5:
        ctx["sobol"] = True
        ctx["sobol_warnings"] = _sobol_warnings(f)
    ctx["morris_order"] = []
    if sweep.design == "morris" and "morris" in f.h5:
        mu_star = f.h5["morris/mu_star"][()]
        # Largest mu* first, as the command's table (NaN last).
        ctx["morris_order"] = [[int(i) for i in np.argsort(-np.nan_to_num(row, nan=-np.inf),
                                                           kind="stable")] for row in mu_star]
    return ctx


def _sobol_warnings(f):
    """Per metric, what the command's summary warns of (the C++ decides, for both):
    simulation noise, and an index wholly outside [0, 1]."""
    from . import _core

    raw = _core.read_sweep(f.path)
    return [raw.sobol_warnings(m) for m in range(len(raw.noise_ratio))]


def _fit_figures(f):
    import matplotlib.pyplot as plt

    import progsurv

    fit = progsurv.load_fit(f.path)
    figs = [("Posterior", "Pairwise posterior of the fitted parameters, with their priors.",
             _figure_uri(fit.plot_pairs())),
            ("Traces and acceptance", "Each parameter per step, one line per walker (stuck "
             "walkers in red; burn-in shaded), and each walker's acceptance (the median "
             "dashed). Walkers that wander apart, or one flat line, mean the chain has not "
             "converged.", _figure_uri(fit.plot_traces()))]
    if fit.record_check is not None:
        figs.append(("Against the record", "The record's statistics (dots; red where the "
                     "posterior predictive p-value is below 0.01) against the 90% range of "
                     "records replicated from the posterior and observed as the record was.",
                     _figure_uri(fit.plot_record_check().figure)))
    draws = fit.predictive_draws()
    if "completed" in draws:
        fig, ax = plt.subplots(figsize=(6, 3.2), constrained_layout=True)
        ax.hist(100 * draws["completed"].to_numpy(), bins=30, color="#4c72b0")
        ax.set_xlabel("P(a new programme completes), % of proposed")
        ax.set_ylabel("posterior draws")
        figs.append(("Posterior predictive", "The chance that a new programme completes, "
                     "one value per posterior draw: it carries the parameter uncertainty.",
                     _figure_uri(fig)))
    return figs


def _remedies_context(f):
    import progsurv

    r = progsurv.load(f.path)
    prob = r.metric_is_share
    caption = ("Cost against " + r.metric + (f" ({r.metric_description})" if r.is_portfolio
                                             else "") + ": the efficient frontier (the best bundle for each "
               "cost) with its interval bars, every other bundle faint"
               + (", the target as a dashed line and the chosen bundle as a star"
                  if r.target is not None else "") + ".")
    fig = r.plot_frontier().figure
    runner = None
    for line in r.text().splitlines():
        if line.startswith("runner-up: "):
            runner = line[len("runner-up: "):]
    # One row per way of taking a remedy, as /remedies/option_* list them: (remedy, its
    # first row or not, its row count, the choice, what it sets, the option's description).
    # The settings are the remedies file's own (/remedies_file, read back by the search's
    # parser), and so is an option's description in a file before format 1.3, which has no
    # /remedies/option_description to tag it from.
    choices = r.remedy_set.choices
    counts = np.bincount([c[0] for c in choices], minlength=len(r.remedy_set.names))
    remedy_rows = [(int(remedy), j == 0 or choices[j - 1][0] != remedy, int(counts[remedy]), j,
                    sets, about) for j, ((remedy, _, _, sets), about)
                   in enumerate(zip(choices, r.remedy_set.choice_descriptions))]
    return dict(kind="remedies", sentence=r.sentence, runner_up_sentence=runner,
                remedy_rows=remedy_rows,
                figures=[("What it takes", caption, _figure_uri(fig))],
                frontier_rows=[int(i) for i in r.frontier_indices],
                chosen=int(r.chosen_index), runner_up=int(r.runner_up_index),
                shapley_count=len(r.shapley_shares), shapley_of=int(r.shapley_of),
                metric_scale=100.0 if prob else 1.0, metric_fmt=".1f" if prob else ".3f",
                metric_unit="%" if prob else "", change_unit=" pp" if prob else "",
                has_target=r.target is not None,
                unit=r.unit, has_budget=not np.isnan(float(f.value("/@budget"))))


def _seek_context(f):
    import progsurv

    s = progsurv.load(f.path)
    prob = s.target.is_probability
    fig = s.plot().figure
    order = sorted(range(1, len(s.point_sums)), key=lambda i: s.point_sums[i].x)
    return dict(kind="seek", sentence=s.sentence, point_rows=order,
                figures=[("The response to the lever", "The target's statistic at every value "
                          "evaluated, with its interval band, the target as a dashed line and the "
                          "answer with its interval.", _figure_uri(fig))],
                metric_scale=100.0 if prob else 1.0, metric_fmt=".1f" if prob else ".3f",
                metric_unit="%" if prob else "", change_unit=" pp" if prob else "",
                metric=s.target.metric)


# --- the comparison brief ----------------------------------------------------------------


def _flow(node):
    import yaml

    if node is None:
        return "(absent)"
    text = yaml.safe_dump(node, default_flow_style=True, width=10**6, sort_keys=False).strip()
    return text.removesuffix("...").strip()


def _differing(nodes, path, rows):
    """Walks the scenarios' trees together: maps with the same keys (a distribution, with
    its `dist` key, counts as one value) and lists of the same length are entered, anything
    else is one value, listed when it is not the same in all."""
    maps = all(isinstance(n, dict) and "dist" not in n for n in nodes)
    if maps and len({tuple(n) for n in nodes}) == 1:
        for key in nodes[0]:
            if not path and key in ("name", "description"):
                continue  # the labels say those
            _differing([n[key] for n in nodes], f"{path}{key}.", rows)
        return
    lists = all(isinstance(n, list) for n in nodes)
    if lists and len({len(n) for n in nodes}) == 1 and any(
            isinstance(v, (dict, list)) for n in nodes for v in n):
        for i in range(len(nodes[0])):
            _differing([n[i] for n in nodes], f"{path}{i}.", rows)
        return
    values = [_flow(n) for n in nodes]
    if len(set(values)) > 1:
        rows.append((path[:-1], values))


def differing_values(yaml_texts):
    """(key path, [value text per scenario]) for every value that is not the same in all
    the resolved scenarios (the name and description left out: the labels say those)."""
    import yaml

    rows = []
    _differing([yaml.safe_load(t) for t in yaml_texts], "", rows)
    return rows


# Where the comparison's at-risk rows hang (axes fractions): the first, and a row's step.
_AT_RISK_TOP, _AT_RISK_STEP = -0.3, 0.09
# The widest at-risk row label, and legend line, in characters, on the comparison figures.
_ROW_LABEL_CHARS = 24
_LEGEND_LINE_CHARS = 80


def _legend_below(ax, top, below):
    """The legend under the axis, its top `below` points under `top` (axes fraction): one
    entry a row, each label wrapped (mid-token when it has no space) to fit the figure's
    width; the figure grows by the legend's height so the plot keeps its size. A legend
    inside the axis, one line per label, made the layout shrink the plot to nothing when a
    label was long (a lever's text)."""
    import matplotlib.transforms as transforms

    handles, labels = ax.get_legend_handles_labels()
    labels = ["\n".join(textwrap.wrap(label, _LEGEND_LINE_CHARS)) or label for label in labels]
    anchor = transforms.offset_copy(ax.transAxes, fig=ax.figure, y=-below, units="points")
    legend = ax.legend(handles, labels, loc="upper center", bbox_to_anchor=(0.5, top),
                       bbox_transform=anchor, fontsize="small", frameon=False, ncol=1)
    fig = ax.figure
    width, height = fig.get_size_inches()
    fig.set_size_inches(width, height + below / 72 + legend.get_window_extent().height / fig.dpi)


def _at_risk_rows(ax, results, names, colors):
    """One labelled row per scenario of started programmes still running, at the x ticks,
    below the axis (as lifelines' add_at_risk_counts)."""
    import matplotlib.transforms as transforms

    t = np.asarray(results[0].grid)
    ticks = [x for x in ax.get_xticks() if t[0] <= x <= t[-1]]
    trans = transforms.blended_transform_factory(ax.transData, ax.transAxes)
    ax.text(0.0, -0.2, "at risk (started, still running)", transform=ax.transAxes,
            fontsize="small", ha="left", va="top")
    for row, (r, name, color) in enumerate(zip(results, names, colors)):
        finished = np.asarray(r.curve_count("completed"), dtype=np.int64)
        for cause in ("sponsor_exit", "patience", "handoff_failure", "budget_cut", "phase_gate"):
            finished = finished + np.asarray(r.curve_count(cause), dtype=np.int64)
        running = int(r.n_started) - finished
        y = _AT_RISK_TOP - _AT_RISK_STEP * row
        # Left of the axis by more than half a count's width: the first count sits on t = 0.
        # A long label (a lever's text) is cut with an ellipsis: the layout would otherwise
        # shrink the plot to make room; the colour and the legend say which scenario it is.
        short = name if len(name) <= _ROW_LABEL_CHARS else name[:_ROW_LABEL_CHARS - 1] + "…"
        ax.text(-0.1, y, short, transform=ax.transAxes, ha="right", va="top",
                fontsize="small", color=color)
        for x in ticks:
            i = int(np.searchsorted(t, x, side="right")) - 1
            ax.text(x, y, f"{int(running[i]):,}", transform=trans, ha="center", va="top",
                    fontsize="small", color=color)


def _comparison_figures(results, names):
    import matplotlib.pyplot as plt

    from . import plotting

    colors = ["#1565c0", "#c62828", "#2e7d32", "#6a1b9a", "#ef6c00", "#00838f"]
    colors = [colors[i % len(colors)] for i in range(len(results))]
    fig, ax = plt.subplots(figsize=(7.5, 4.2 + 0.25 * len(results)), layout="constrained")
    for r, name, color in zip(results, names, colors):
        plotting.plot_survival(r, ax=ax, label=name, color=color)
    _at_risk_rows(ax, results, names, colors)
    _legend_below(ax, _AT_RISK_TOP - _AT_RISK_STEP * (len(results) - 1), below=14)
    survival = _figure_uri(fig)
    fig, ax = plt.subplots(figsize=(7.5, 4), layout="constrained")
    for r, name, color in zip(results, names, colors):
        t = np.asarray(r.grid)
        est = np.asarray(r.curve("completed"))
        ax.step(t, est[:, 0], where="post", color=color, label=name)
        ax.fill_between(t, est[:, 1], est[:, 2], step="post", color=color, alpha=0.25,
                        linewidth=0)
    ax.set_xlim(t[0], t[-1])
    ax.set_ylim(0, None)
    ax.set_xlabel("months since proposal")
    ax.set_ylabel("P(completed by t), of proposed")
    _legend_below(ax, 0, below=36)  # under the tick labels and the x label
    completed = _figure_uri(fig)
    return [("Survival, overlaid", "Share of started programmes not yet ended under each "
             "scenario (completed ones count as survivors), with their interval bands, and one row per "
             "scenario of the started programmes still running (at risk) below the axis.",
             survival),
            ("Completion, overlaid", "Share of all proposed programmes completed by each month "
             "under each scenario, with their interval bands.", completed)]


def _comparison_sentence(f, names, i, k_completed):
    """The answer for variant i in plain words, every number tagged from the file."""
    diff = float(f.value("/differences/diff", (k_completed, i)))
    lo = float(f.value("/differences/lower", (k_completed, i)))
    hi = float(f.value("/differences/upper", (k_completed, i)))
    sdiff = float(f.value("/differences/started_diff", (k_completed, i)))
    slo = float(f.value("/differences/started_lower", (k_completed, i)))
    shi = float(f.value("/differences/started_upper", (k_completed, i)))

    def verdict(d, a, b):
        if a > 0 or b < 0:
            return ("the interval leaves out zero: at these replications the difference is "
                    "real, not luck")
        return "the interval takes in zero: these replications cannot tell them apart"

    def n(src, scale=100, fmt=".1f", suffix=""):
        return f.num(src, (k_completed, i), scale, fmt, suffix)

    def n0(src):
        return f.num(src, (k_completed, 0), 100, ".1f", "%")

    return Markup(
        f"Under {f.num('/names', i, 1, 'str')}, {n('/differences/value', suffix='%')} of "
        f"proposed programmes complete by the horizon, against {n0('/differences/value')} "
        f"under {f.num('/names', 0, 1, 'str')}: a difference of "
        f"{n('/differences/diff', fmt='+.1f', suffix=' percentage points')} "
        f"({f.num('/@confidence', None, 100, '.0f', '% interval')} "
        f"{n('/differences/lower', fmt='+.1f')} to {n('/differences/upper', fmt='+.1f')}); "
        f"{verdict(diff, lo, hi)}. Of the programmes that start, "
        f"{n('/differences/started_value', suffix='%')} complete against "
        f"{n0('/differences/started_value')}: "
        f"{n('/differences/started_diff', fmt='+.1f', suffix=' percentage points')} "
        f"({n('/differences/started_lower', fmt='+.1f')} to "
        f"{n('/differences/started_upper', fmt='+.1f')}); {verdict(sdiff, slo, shi)}.")


_STAT_LABELS = {"p_completed": "completed", "p_not_started": "never started",
                "mean_value": "mean value banked per proposed programme",
                "completion_p50": "median months to completion, among completed",
                # (words, not "80th": every figure on the page is a number from the file)
                "completion_p80": "months until four in five of the completed programmes had "
                                  "completed"}


def _comparison_context(f, knockouts):
    from .compare import comparison_results

    stats = f.h5["differences/statistics"].asstr()[()].tolist()
    names = f.h5["names"].asstr()[()].tolist()
    results = comparison_results(f.path)
    label = {s: _STAT_LABELS.get(s, "ended: " + s[2:].replace("_", " ")) for s in stats}
    shares = [(k, label[s]) for k, s in enumerate(stats) if s.startswith("p_")]
    started = {k: not np.isnan(f.h5["differences/started_value"][k, 0]) for k in range(len(stats))}
    quantiles = [(k, label[s]) for k, s in enumerate(stats) if s.startswith("completion_")]
    scales = {k: 100 if s.startswith("p_") else 1 for k, s in enumerate(stats)}
    fmts = {k: "+.1f" if s.startswith(("p_", "completion_")) else "+.3f"
            for k, s in enumerate(stats)}
    units = {k: " pp" if s.startswith("p_") else (" months" if s.startswith("completion_") else "")
             for k, s in enumerate(stats)}
    k_completed = stats.index("p_completed")
    yaml_texts = [f.h5[f"scenarios/{i}/scenario/yaml"].asstr()[()] for i in range(len(names))]
    changes = [scenario_changes(f.h5[f"scenarios/{i}/scenario"]) for i in range(len(names))]
    variants = list(range(1, len(names)))
    ctx = dict(kind="comparison", names=names, variants=variants, share_rows=shares,
               started_rows=started, value_row=stats.index("mean_value"),
               quantile_rows=quantiles, diff_rows=[(k, label[s]) for k, s in enumerate(stats)],
               scales=scales, fmts=fmts, units=units, changes=changes,
               differing=differing_values(yaml_texts),
               sentences={i: _comparison_sentence(f, names, i, k_completed) for i in variants},
               figures=_comparison_figures(results, names), knockouts=[], knockout_rows=[],
               knockout_descriptions={})
    if knockouts:
        rows, descriptions = [], {}
        for i, a in enumerate(knockouts):
            mechanisms = a.h5["mechanisms"].asstr()[()].tolist()
            text = a.h5["descriptions"].asstr()[()].tolist()
            for m, d in zip(mechanisms, text):
                if m not in rows:
                    rows.append(m)
                    descriptions[m] = d
            ctx["knockouts"].append(dict(file=a, name=os.path.basename(a.path),
                                         rows={m: j for j, m in enumerate(mechanisms)}))
        ctx.update(knockout_rows=rows, knockout_descriptions=descriptions)
    return ctx


def _attribute_comparison(path, output, replications, staging, force=False, inputs=()):
    """Attributes the obstacles of each scenario of a comparison file (its seed) into
    <report>-attribution-<i>.h5 (staged), single knock-outs only; [] for other files."""
    with h5py.File(path, "r") as f:
        if f.attrs.get("filetype") != "progsurv-comparison":
            return []
        seed = int(f.attrs["seed"])
    from .compare import comparison_results

    results = comparison_results(path)
    targets = [_stage_attribution(os.path.splitext(output)[0] + f"-attribution-{i}.h5",
                                  r.scenario, seed, replications, staging, force,
                                  [path, *inputs])
               for i, r in enumerate(results)]
    for r, target in zip(results, targets):
        _attribute(target, r.scenario, seed, replications, staging, force, shapley="none")
    return targets


# --- portfolio briefs (portfolio and portfolio attribution files) -------------------------

MIN_RANK_SHARE = 0.01  # launch ranks listed: reached by at least 1% of organisations


def _text(value):
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def _strings(ds):
    """A string dataset (a scalar as one string) as a list of str."""
    return [_text(v) for v in np.atleast_1d(ds[()])]


def _listed_ranks(reached):
    reached = np.asarray(reached, dtype=float)
    rows = [int(i) for i in np.nonzero(reached >= MIN_RANK_SHARE)[0]]
    return rows, len(reached) - len(rows)


def _portfolio_context(f):
    import progsurv

    result = progsurv.load_portfolio(f.path)
    h5 = f.h5
    cats = _strings(h5["organisation"].attrs["category_names"])
    time = h5["grid/time"][()]
    # Cynicism and trust once a year (the grid points at whole years), and at the horizon.
    yearly = [int(i) for i in np.nonzero(np.isclose(np.mod(time, 12.0), 0.0))[0]]
    if yearly and yearly[-1] != len(time) - 1:
        yearly.append(len(time) - 1)
    rows, hidden = _listed_ranks(h5["ranks/reached"][()])
    figures = [
        ("Chance of completing by launch rank", "P(the k-th programme an organisation "
         "launches completes by "
         "the horizon), with 95% intervals, for the ranks at least 5% of organisations reach.",
         _figure_uri(result.plot_rank_odds().figure)),
        ("Cynicism and trust over time", "Mean over organisations (line) and the band from "
         "the 10th to the 90th percentile of organisations.",
         _figure_uri(result.plot_cynicism_trust().figure)),
        ("Programmes live", "Mean programmes scoping or running per organisation.",
         _figure_uri(result.plot_live().figure)),
    ]
    pg = h5["portfolio"]
    template_names = _strings(pg["template_names"])
    # By programme template, with more than one (one would repeat the per-organisation
    # table); a file before format 1.2 has no /templates (progsurv export derives them).
    template_rows = (list(range(len(template_names)))
                     if len(template_names) > 1 and "templates" in h5 else [])
    return dict(kind="portfolio", figures=figures, cat=cats.index, causes=cats[1:6],
                template_names=template_names, template_rows=template_rows,
                template_value="templates/value" in h5,  # format 1.3
                changes=scenario_changes(pg),
                label_src="/portfolio@label" if "label" in pg.attrs else "/portfolio@name",
                rank_rows=rows, rank_hidden=hidden, yearly=yearly,
                levels=_strings(h5["portfolio/level_names"]),
                organisations=int(h5["tally"].attrs["organisations"]),
                within=float(h5["ranks"].attrs.get("within", float("nan"))))


def _portfolio_attribution_context(a):
    from ._portfolio_attribution import load_portfolio_attribution

    pa = load_portfolio_attribution(a.path)
    rows, hidden = _listed_ranks(pa.ranks()["reached"].to_numpy())
    return dict(pa=pa, pa_stats=pa.statistics, pa_knockouts=pa.knockouts,
                pa_rank_rows=rows, pa_rank_hidden=hidden, pa_shapley=pa.has_shapley,
                pa_figure=_figure_uri(pa.plot_costs("completed").figure))


def _core_is_probability(metric):
    from . import _core

    return _core.Target.parse(f"{metric}>=0").is_probability


def write_report(path, output=None, attribution=None, force=False, inputs=(),
                 comparison_knockouts=(), staging=None, own_attribution=False):
    """Write the report of the progsurv file `path` to `output` (default: path with .html).
    For a run file, `attribution` (an attribution file of the same scenario) adds what
    each obstacle costs; for a comparison file, `comparison_knockouts` (one attribution file
    per compared scenario, in order) adds what each obstacle costs in each; for a portfolio
    file, a portfolio attribution file of the same portfolio adds what each sharing costs.
    Returns the output path. The page goes through progsurv's output writer
    (progsurv._output): never onto `path`, `attribution` or `inputs`, never onto a device or
    folder, a write-protected file only with `force`; an empty file or a report page is
    replaced, a progsurv HDF5 file, an HTML page progsurv did not write or any other
    non-empty file only with `force` (ValueError, before any work). `staging` (a progsurv._output.Staging):
    files the caller computed for this page, renamed into place right after it. An
    `attribution` of another seed or size than the run's is warned about (UserWarning) and
    noted on the page, unless `own_attribution` (the report made it, at its --attribute size)."""
    import matplotlib

    from ._output import REPORT_PAGE, check_input_file, check_output

    matplotlib.use("Agg")
    output = os.fspath(output) if output else os.path.splitext(os.fspath(path))[0] + ".html"
    inputs = [os.fspath(path)] + ([os.fspath(attribution)] if attribution else []) + [
        os.fspath(i) for i in inputs]
    check_input_file(path, "progsurv HDF5 file")
    from . import _core

    _core.file_type(os.fspath(path))  # FileFormatError, naming it, for a foreign or damaged file
    differs = None
    if attribution:
        _check_attribution(path, attribution)
        if not own_attribution:
            with h5py.File(path, "r") as f, h5py.File(attribution, "r") as a:
                differs = _attribution_differs(f, a)
        if differs:
            warnings.warn(differs[0].upper() + differs[1:], UserWarning, stacklevel=2)
    check_output(output, inputs, force, REPORT_PAGE)
    _Steps.start()
    try:
        return _write_report(path, output, attribution, force, inputs, comparison_knockouts,
                             staging, differs)
    finally:
        _Steps.stop()


def _write_report(path, output, attribution, force, inputs, comparison_knockouts=(),
                  staging=None, attribution_differs=None):
    from ._output import REPORT_PAGE, _committing, write_text

    f = _File(os.fspath(path), "main")
    a = _File(os.fspath(attribution), "attribution") if attribution else None
    filetype = f.h5.attrs.get("filetype")
    ctx = dict(f=f, a=a, filetype=filetype, attribution=None,
               attribution_differs=attribution_differs,
               file_name=os.path.basename(os.fspath(path)),
               attribution_name=os.path.basename(os.fspath(attribution)) if attribution else None)
    if filetype == "progsurv-run":
        ctx.update(_run_context(f, a))
        if a is not None:
            ctx["attribution_figure"] = _attribution_figure(a)
    elif filetype == "progsurv-attribution":
        ctx.update(kind="attribution", attribution=f, a=f, **_attribution_rows(f),
                   attribution_figure=_attribution_figure(f))
    elif filetype == "progsurv-fit":
        names = list(f.h5["parameters/names"].asstr()[()])
        said = f.h5["diagnostics/warnings"][()] if "diagnostics/warnings" in f.h5 else []
        acceptance = f.h5["chain/acceptance"][()]
        ctx.update(kind="fit", fit_params=names, fit_warnings=list(said),
                   fit_acceptance=f"{float(acceptance.mean()):.2f} (walkers "
                                  f"{float(acceptance.min()):.2f} to {float(acceptance.max()):.2f})",
                   figures=_fit_figures(f))
    elif filetype == "progsurv-sweep":
        ctx.update(_sweep_context(f))
    elif filetype == "progsurv-remedies":
        ctx.update(_remedies_context(f))
    elif filetype == "progsurv-seek":
        ctx.update(_seek_context(f))
    elif filetype == "progsurv-comparison":
        knockouts = [_File(os.fspath(k), f"knockout{i}")
                     for i, k in enumerate(comparison_knockouts)]
        ctx.update(_comparison_context(f, knockouts))
    elif filetype == "progsurv-portfolio":
        ctx.update(_portfolio_context(f))
        if a is not None:
            ctx.update(_portfolio_attribution_context(a), attribution=None, pa_file=a)
    elif filetype == "progsurv-portfolio-attribution":
        ctx.update(kind="portfolio_attribution", pa_file=f,
                   **_portfolio_attribution_context(f))
    else:
        raise ValueError(f"{path}: not a progsurv {', '.join(REPORT_KINDS)} file "
                         f"(filetype {filetype!r})")
    page = _env().get_template("report.html.j2").render(**ctx)
    _Steps.tick()
    # Close the files: a later writer (or h5py in append mode) must be able to open them.
    f.h5.close()
    if a is not None:
        a.h5.close()
    for k in ctx.get("knockouts") or []:
        k["file"].h5.close()
    with _committing():  # the page and the files staged for it land together
        written = write_text(output, page, inputs, force, REPORT_PAGE)
        if staging is not None:
            staging.commit()
    return written


# The attribution file a report takes with --attribution, by the kind of its main file: its
# filetype, what it is called, and the command that writes one.
_ATTRIBUTION_FOR = {
    "progsurv-run": ("progsurv-attribution", "an attribution file",
                     "progsurv attribute SCENARIO.yaml -o FILE"),
    "progsurv-portfolio": ("progsurv-portfolio-attribution", "a portfolio attribution file",
                           "progsurv attribute PORTFOLIO.yaml -o FILE"),
}


def _a_kind(filetype):
    """'progsurv-portfolio-attribution' -> 'a portfolio attribution file'."""
    kind = filetype.removeprefix("progsurv-").replace("-", " ") or "other"
    return ("an " if kind[0] in "aeiou" else "a ") + kind + " file"


def _strings_or_none(group, name):
    return _strings(group[name]) if name in group else None


def _attribution_differs(run, attribution):
    """The attribution's seed and size against the run's, as a sentence when they differ
    (None when they agree): its figures with everything on then differ from the run's by
    simulation noise, and the page says so."""
    if _text(run.attrs.get("method", "")) == "exact":
        return None  # an exact solution has no seed or size to match
    size = "replications" if "replications" in run["run"].attrs else "organisations"
    ours = (int(run["run"].attrs["seed"]), int(run["run"].attrs[size]))
    theirs = (int(attribution.attrs["seed"]), int(attribution.attrs[size]))
    if ours == theirs:
        return None
    return (f"the attribution was run with seed {theirs[0]} and {theirs[1]:,} {size}, the "
            f"report's file with seed {ours[0]} and {ours[1]:,}: its figures with everything "
            f"on differ from the file's by simulation noise (attribute with --seed {ours[0]} "
            f"-n {ours[1]} for figures that agree)")


def _check_attribution(path, attribution):
    """Raise ValueError unless `attribution` is the attribution file the report of `path`
    takes: the right kind, of the same scenario (its canonical YAML) or the same portfolio
    (its file and templates as run)."""
    from ._output import check_input_file

    check_input_file(attribution, "progsurv attribution file")
    with h5py.File(path, "r") as f:
        kind = _text(f.attrs.get("filetype", ""))
        if kind not in _ATTRIBUTION_FOR:
            raise ValueError(f"--attribution applies to the report of a run or a portfolio "
                             f"file, not of {_a_kind(kind)}")
        want, what, command = _ATTRIBUTION_FOR[kind]
        try:
            a = h5py.File(attribution, "r")
        except OSError:
            raise ValueError(f"{attribution}: not an HDF5 file; expected {what} "
                             f"(written by `{command}`)") from None
        with a:
            got = _text(a.attrs.get("filetype", ""))
            if got != want:
                raise ValueError(
                    f"{attribution}: " + (_a_kind(got)
                                          if got.startswith("progsurv-") else "not a progsurv file")
                    + f", not {what}; the report of {_a_kind(kind)} takes "
                    f"the file of `{command}`")
            if kind == "progsurv-run":
                label = _text(f["scenario"].attrs.get("label", "?"))
                other = _text(a.attrs.get("scenario_label", "?"))
                same = _text(a["scenario"][()]) == _text(f["scenario/yaml"][()])
            else:
                label = _text(f["portfolio"].attrs.get("label", "?"))
                other = _text(a["portfolio"].attrs.get("label", "?"))
                same = all(_strings_or_none(f["portfolio"], k) ==
                           _strings_or_none(a["portfolio"], k)
                           for k in ("source_yaml", "template_names", "template_yaml"))
            if not same:
                subject = "scenario" if kind == "progsurv-run" else "portfolio"
                differs = (f"{subject} {other!r}, not {label!r}" if other != label else
                           f"{subject} {label!r} with other values than this report's")
                raise ValueError(f"{attribution}: attributes {differs}; attribute the report's "
                                 f"{subject} (`{command}`) or leave --attribution out")


def _attribute_run(path, output, replications, staging, force=False, inputs=()):
    """Attributes the obstacles of the scenario of a Monte Carlo run file (its seed), into
    <report>-attribution.h5 (staged); None for other files."""
    with h5py.File(path, "r") as f:
        if f.attrs.get("filetype") != "progsurv-run" or f.attrs.get("method") == "exact":
            return None
    import progsurv

    result = progsurv.load(path)
    target = _stage_attribution(os.path.splitext(output)[0] + "-attribution.h5",
                                result.scenario, result.seed, replications, staging, force,
                                [path, *inputs])
    _attribute(target, result.scenario, result.seed, replications, staging, force)
    return target


def _stage_attribution(target, scenario, seed, replications, staging, force, inputs):
    """Stages the output `target`, the attribution of `scenario` (checked as an output),
    refusing at once, before any computing, a file there that holds another attribution.
    Returns the staged path."""
    staged = staging.path(target, inputs, force)
    _check_replaced(staged, staging, force,
                    _made("progsurv-attribution", scenario, seed, replications))
    return staged


def _attribute(staged, scenario, seed, replications, staging, force, **options):
    """Attributes the obstacles of `scenario` into the staged file (_stage_attribution),
    then checks it against the file it replaces with everything known of it."""
    import progsurv

    progsurv.attribute(scenario, replications=replications, seed=seed, output=staged,
                       progress=sys.stderr.isatty(), **options)
    _check_replaced(staged, staging, force)


DEFAULT_REPLICATIONS = 100_000  # a scenario YAML is run with this many replications
DEFAULT_ORGANISATIONS = 20_000  # a portfolio YAML with this many organisations


def _is_portfolio_yaml(path):
    """A YAML file whose top level has both `roster` and `programmes` is a portfolio (no
    scenario has those keys), as `progsurv attribute` and `validate` tell them apart."""
    import yaml

    try:
        with open(path, encoding="utf-8") as fh:
            data = yaml.safe_load(fh)
    except (OSError, yaml.YAMLError, UnicodeDecodeError):
        return False  # the scenario loader then says what is wrong, with line and column
    return isinstance(data, dict) and "roster" in data and "programmes" in data


def _sets(args):
    """The --set values as (key, value) pairs; ValueError for one without '='."""
    sets = []
    for s in args.set:
        key, sep, value = s.partition("=")
        if not sep or not key:
            raise ValueError(f"--set: expected key.path=value, got {s!r}")
        sets.append((key, value))
    return sets


# What makes a run or attribution file the one it is (_identity): its filetype, the
# scenario's or portfolio's label, what it ran (the scenario's canonical YAML, or the
# portfolio's file and templates as run), the seed, the count, and the rest (a run's
# precision target, an attribution's Shapley method).
_Identity = collections.namedtuple("_Identity", "kind label what seed count rest")


def _identity(path):
    """The _Identity of a progsurv run, portfolio or (portfolio) attribution file; None for
    any other file."""
    try:
        f = h5py.File(path, "r")
    except OSError:
        return None
    with f:
        kind = _text(f.attrs.get("filetype", ""))
        if kind in ("progsurv-run", "progsurv-portfolio") and "run" in f:
            attrs = f["run"].attrs
            rest = ("precision", float(attrs.get("precision", 0.0)))
        elif kind in ("progsurv-attribution", "progsurv-portfolio-attribution"):
            attrs = f.attrs
            rest = ("Shapley method", _text(attrs.get("shapley_method", "")))
        else:
            return None
        if "portfolio" in kind:
            label = _text(f["portfolio"].attrs.get("label", "?"))
            what = tuple(_strings_or_none(f["portfolio"], k)
                         for k in ("source_yaml", "template_names", "template_yaml"))
        elif kind == "progsurv-run":
            label = _text(f["scenario"].attrs.get("label", "?"))
            what = (_text(f["scenario/yaml"][()]),)
        else:
            label = _text(attrs.get("scenario_label", "?"))
            what = (_text(f["scenario"][()]),)
        count = attrs.get("replications", attrs.get("organisations"))
        return _Identity(kind, label, what, int(attrs.get("seed", -1)),
                         int(count if count is not None else -1), rest)


def _made(kind, model, seed, count, rest=None):
    """What is known, before computing it, of the _Identity of the file of `kind` the
    report makes of `model` (a Scenario or Portfolio): a scenario's files record its
    canonical YAML; what a portfolio's record (its templates as run) and an attribution's
    Shapley method are known only once made (None)."""
    what = None if "portfolio" in kind else (model.to_yaml(),)
    return _Identity(kind, model.label, what, seed, count, rest)


def _differs(old, new):
    """Whether a field of the file there (`old`) differs from the report's (`new`); a field
    not known yet (None) differs from none."""
    return new is not None and old != new


def _what_differs(old, new):
    """What differs between the file there (`old`) and the one the report makes (`new`),
    as "scenario 'baseline' there, 'baseline [sponsor=director]' here; seed 2 there, 1
    here": the same words as a sweep's journal of another sweep."""
    subject = "portfolio" if "portfolio" in new.kind else "scenario"
    size = "organisations" if "portfolio" in new.kind else "replications"
    parts = []
    if _differs(old.what, new.what) or _differs(old.label, new.label):
        parts.append(f"{subject} {old.label!r} there, {new.label!r} here" if old.label != new.label
                     else f"{subject} {old.label!r} with other values there than here")
    if _differs(old.count, new.count):
        parts.append(f"{size} {old.count:,} there, {new.count:,} here")
    if _differs(old.seed, new.seed):
        parts.append(f"seed {old.seed} there, {new.seed} here")
    if _differs(old.rest, new.rest):
        parts.append(f"{old.rest[0]} {old.rest[1]} there, {new.rest[1]} here")
    return "; ".join(parts)


def _check_replaced(staged, staging, force, new=None):
    """Refuses (ValueError, nothing written) to replace an existing <report>.h5 or
    <report>-attribution[-i].h5 that holds another run or attribution than the one staged
    for it (another scenario or portfolio, seed or count: an expensive file a user made
    with `progsurv run`, `portfolio` or `attribute`), unless `force`, naming what differs.
    The same file made again (a report made again) replaces it: it loses nothing; so does
    an empty file, as every output replaces one.

    `new` is the _Identity of the file the report makes: by default the staged file's
    own; before it is computed, what _made knows of it, so that a refusal comes before the
    work (the report checks again once the file is made, with all of it)."""
    final = staging.final_of(staged)
    if force or not os.path.exists(final) or os.path.getsize(final) == 0:
        return
    old = _identity(final)
    new = _identity(staged) if new is None else new
    if old is not None and not any(map(_differs, old, new)):
        return
    noun = "attribution" if new.kind.endswith("attribution") else "run"
    if old is None or old.kind != new.kind:
        what = f"a file that is not a progsurv {noun} of this kind" if old is None else (
            _a_kind(old.kind))
    else:
        what = f"a different {noun} ({_what_differs(old, new)})"
    instead = (f"report that file instead (progsurv report {final})" if noun == "run" else
               "leave the attribution out (--attribute 0)")
    raise ValueError(f"{final} holds {what}, not the {noun} this report makes, and the report "
                     f"would replace it: {instead}, give the page another name (-o), or pass "
                     f"--force to replace it")


def _variant_stem(path, changes):
    """The default name of a YAML's report and its files, without the suffix: the YAML's
    path without .yaml, with the values --set changed after it as `progsurv run` names its
    output (baseline.yaml --set sponsor=director: baseline-sponsor_director; characters
    other than letters, digits, '-', '_' and '.' become '_', the name is cut to 100
    characters), so a variant's report does not take the plain scenario's files."""
    stem = os.path.splitext(path)[0]
    if not changes:
        return stem
    folder, name = os.path.split(stem)
    tail = re.sub(r"[^A-Za-z0-9._-]", "_", "".join(f"-{c[0]}={c[1]}" for c in changes))
    return os.path.join(folder, (name + tail)[:100])


def _run_portfolio_yaml(args, portfolio, output, inputs, staging):
    """Runs `portfolio` (its YAML with --set) into <report>.h5 and, unless --attribution
    names a file or --attribute is 0, what each sharing costs over --attribute organisations
    (the same seed) into <report>-attribution.h5, both staged. Returns (run file, attribution
    file or None)."""
    from . import _core, _progress

    import progsurv

    organisations = args.replications or DEFAULT_ORGANISATIONS
    h5 = staging.path(os.path.splitext(output)[0] + ".h5", inputs, args.force)
    # Files there of another run or attribution are refused now, not after the work.
    _check_replaced(h5, staging, args.force,
                    _made("progsurv-portfolio", portfolio, args.seed, organisations,
                          ("precision", 0.0)))
    attribution = args.attribution
    if attribution is None and args.attribute > 0:
        attribution = staging.path(os.path.splitext(output)[0] + "-attribution.h5", inputs,
                                   args.force)
        _check_replaced(attribution, staging, args.force,
                        _made("progsurv-portfolio-attribution", portfolio, args.seed,
                              args.attribute))
    progsurv.portfolio(portfolio, n=organisations, seed=args.seed,
                       progress=sys.stderr.isatty()).to_hdf5(h5)
    _check_replaced(h5, staging, args.force)
    if attribution != args.attribution:
        with _progress.reporting(sys.stderr.isatty(), f"attributing {portfolio.name}",
                                 unit="organisations") as bar:
            _core.attribute_portfolio(portfolio, attribution, args.attribute, args.seed,
                                      progress=bar)
        _check_replaced(attribution, staging, args.force)
    return h5, attribution


def _prog():
    return "progsurv report" if os.environ.get("PROGSURV_CLI") else "progsurv.report"


def _fail(message, status=2):
    from ._output import printable

    print(f"{_prog()}: error: {printable(message)}", file=sys.stderr)
    return status


def main(argv=None):
    p = argparse.ArgumentParser(
        prog="progsurv report",
        description="Write one self-contained HTML report (figures embedded, no network needed) "
        "of a progsurv file: " + ", ".join(REPORT_KINDS) + "; or of a scenario or portfolio "
        "YAML after running it.")
    p.add_argument("file", help="a progsurv HDF5 file (" + ", ".join(REPORT_KINDS) + "), or a "
                   "scenario or portfolio YAML to run first")
    p.add_argument("-o", "--output", help="HTML file to write (default: FILE with .html; "
                   "for a YAML with --set, named after the changes too: "
                   "FILE-sponsor_director.html)")
    p.add_argument("--attribution", help="for a run file: an attribution file of the same "
                   "scenario; for a portfolio file: a portfolio attribution file of the same "
                   "portfolio (progsurv attribute PORTFOLIO.yaml -o FILE)")
    p.add_argument("--attribute", type=int, default=20_000, metavar="N",
                   help="for a Monte Carlo run without --attribution: attribute its obstacles "
                   "with N replications (its seed; written next to the report as "
                   "<report>-attribution.h5); for a comparison, each scenario's, one knock-out "
                   "at a time (<report>-attribution-<i>.h5); for a portfolio YAML, what each "
                   "sharing costs over N organisations (<report>-attribution.h5); 0 = leave "
                   "that section out (default 20000)")
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                   help="override a scenario or portfolio value (YAML input only; repeatable)")
    p.add_argument("-n", "--replications", type=int, default=None,
                   help=f"replications when FILE is a scenario (default "
                   f"{DEFAULT_REPLICATIONS}); organisations when it is a portfolio (default "
                   f"{DEFAULT_ORGANISATIONS})")
    p.add_argument("--seed", type=int, default=1, help="seed when FILE is a scenario")
    p.add_argument("--force", action="store_true",
                   help="replace outputs even when they are write-protected or hold a file "
                   "of another kind (a page progsurv did not write, a progsurv file, a run "
                   "or attribution of another scenario)")
    args = p.parse_args(argv)
    try:
        return _main(args)
    except KeyboardInterrupt:
        prog = "progsurv report" if os.environ.get("PROGSURV_CLI") else "progsurv.report"
        print(f"{prog}: interrupted; nothing written", file=sys.stderr)
        return 130


def _main(args):
    from ._output import Staging, printable, written_line

    # The files a scenario's or a comparison's report computes (the run, the attributions)
    # are staged and renamed into place with the page: Ctrl-C or a failure part-way leaves
    # every file as it was (docs/robustness.md).
    staging = Staging()
    try:
        with staging, warnings.catch_warnings(record=True) as said:
            warnings.simplefilter("always", UserWarning)
            out = _report(args, staging)
            for w in said:  # as a line of the command's, not Python's warning format
                print(f"{_prog()}: warning: {printable(w.message)}", file=sys.stderr)
    except RuntimeError as e:  # writing failed (a full disk, ...): nothing replaced
        return _fail(str(e), 1)
    except (OSError, ValueError, KeyError, TypeError) as e:
        return _fail(str(e))
    except Exception as e:  # a library failing part-way: say so, without a traceback
        return _fail(f"{type(e).__name__}: {e}; nothing written", 1)
    for path in staging.finals() + [out]:
        print(written_line(path, staging.replaced(path)))
    return 0


def _report(args, staging):
    from . import _core
    from ._output import REPORT_PAGE, check_input_file, check_output

    path = args.file
    is_yaml = path.endswith((".yaml", ".yml"))
    if not is_yaml or not os.path.exists(path):
        # A missing scenario is a ScenarioError, as `progsurv run` says; a missing result
        # file a FileFormatError: both also FileNotFoundError.
        check_input_file(path, "progsurv HDF5 file or scenario YAML",
                         _core.Scenario.load if is_yaml else None)
    if not is_yaml:
        _core.file_type(path)  # FileFormatError, naming it, for a foreign or damaged file
    if args.set and not is_yaml:
        raise ValueError("--set applies to a scenario YAML, not to a result file")
    inputs = [args.file] + ([args.attribution] if args.attribution else [])
    base = None  # the scenario or portfolio of a YAML, with --set applied
    if is_yaml:
        import progsurv

        portfolio = _is_portfolio_yaml(path)
        base = (progsurv.Portfolio if portfolio else progsurv.Scenario).load(path)
        sets = _sets(args)
        if sets:
            base = base.with_values(sets)
    # Every output is checked before any work: the report, and (as it is staged) each file
    # it computes first.
    output = args.output or _variant_stem(path, base.changes if base else ()) + ".html"
    check_output(output, inputs, args.force, REPORT_PAGE)
    staging.last(output)
    attribution = args.attribution
    if is_yaml and portfolio:
        path, attribution = _run_portfolio_yaml(args, base, output, inputs, staging)
    elif is_yaml:
        scenario = base
        replications = args.replications or DEFAULT_REPLICATIONS
        h5 = staging.path(os.path.splitext(output)[0] + ".h5", inputs, args.force)
        # Files there of another run or attribution are refused now, not after the run.
        _check_replaced(h5, staging, args.force,
                        _made("progsurv-run", scenario, args.seed, replications,
                              ("precision", 0.0)))
        if attribution is None and args.attribute > 0:
            attribution = _stage_attribution(os.path.splitext(output)[0] + "-attribution.h5",
                                             scenario, args.seed, args.attribute, staging,
                                             args.force, inputs)
        progsurv.run(scenario, replications=replications, seed=args.seed,
                     progress=sys.stderr.isatty()).to_hdf5(h5)
        _check_replaced(h5, staging, args.force)
        if attribution != args.attribution:
            _attribute(attribution, scenario, args.seed, args.attribute, staging, args.force)
        path = h5
    if attribution is None and args.attribute > 0:
        attribution = _attribute_run(path, output, args.attribute, staging, args.force, inputs)
    knockouts = []
    if args.attribute > 0:
        knockouts = _attribute_comparison(path, output, args.attribute, staging, args.force,
                                          inputs)
    # An attribution the report made itself has the size --attribute asked for: not a
    # mismatch to warn about, as a file the user brings of another seed or size is.
    return write_report(path, output, attribution, args.force, inputs, knockouts,
                        staging=staging, own_attribution=attribution != args.attribution)


if __name__ == "__main__":
    sys.exit(main())
