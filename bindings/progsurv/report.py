"""`progsurv report`: one self-contained HTML page (figures embedded, no network needed)
for a progsurv file: a run, an exact solution, a sweep, an attribution, a fit, a remedies
search or a seek.

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
import hashlib
import html
import io
import os
import re
import sys

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

    def num(self, src, index=None, scale=1.0, fmt=".1f", suffix=""):
        """A number from the file as a tagged span."""
        v = self.value(src, index)
        text = format_number(v, scale, fmt)
        idx = "" if index is None else ",".join(str(i) for i in np.atleast_1d(index))
        return Markup(
            f'<span class="num" data-file="{self.tag}" data-src="{html.escape(src)}" '
            f'data-index="{idx}" data-scale="{scale:g}" data-fmt="{fmt}">'
            f"{html.escape(text)}</span>{html.escape(suffix)}")

    def derived(self, group, index, how, scale=1.0, fmt=".1f", suffix=""):
        """A statistic derived from the raw sums of row `index` of `group` (derive()), as a
        tagged span: data-src is the group, data-derive says how."""
        text = format_number(derive(self.h5, group, index, how), scale, fmt)
        return Markup(
            f'<span class="num" data-file="{self.tag}" data-src="{html.escape(group)}" '
            f'data-index="{index}" data-derive="{how}" data-scale="{scale:g}" '
            f'data-fmt="{fmt}">{html.escape(text)}</span>{html.escape(suffix)}')


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
        k = 1.959963984540054
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


def _figure_uri(fig):
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
    the line's own comment, else the comment block above it, else its group's; status is
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
        # A comment block opening a group (right under its header) speaks for the group.
        if just_opened and above and stack and not stack[-1][2]:
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


# --- pages --------------------------------------------------------------------------------


def _env():
    import jinja2

    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(os.path.dirname(os.path.abspath(__file__))),
        autoescape=jinja2.select_autoescape(["html", "j2"]),
        undefined=jinja2.StrictUndefined,
    )


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
    ctx["appendix"] = scenario_values(source.asstr()[()]) if source is not None else []
    ctx["appendix_src"] = "/scenario/source_yaml" if source is not None else None
    ctx["attribution"] = attribution
    if attribution is not None:
        ctx.update(_attribution_rows(attribution))
    return ctx


# Rules 14-17 in words: (quantity, what its mean says, scale, format, unit). A row is shown
# only when its mean is not 0, so a run that uses none of the four has no such section.
_RULES_14_17 = (
    ("deferring", "started programmes that deferred scope into a \"Phase 2\"", 100, ".1f", "%"),
    ("deferred_value", "value per started programme deferred and never delivered", 1, ".3f", ""),
    ("rungs", "escalation trials per started programme (ladder rungs and the sponsor)", 1, ".2f",
     ""),
    ("reengagements", "re-engagements with let-down customers per started programme", 1, ".3f",
     ""),
)


def _rules_14_17_rows(f):
    """The means of rules 14-17 (run files from format 2.1), as (label, mean, se) text."""
    means = f.h5.get("means")
    if means is None or "names" not in means:
        return []
    names = [n.decode() if isinstance(n, bytes) else n for n in means["names"][()]]
    rows = []
    uses_ladder = False
    for key, label, scale, fmt, unit in _RULES_14_17:
        if key not in names:
            continue
        i = names.index(key)
        m = float(means["mean"][i])
        if key == "rungs":
            # Without a ladder rungs only counts sponsor trials: say it only with a ladder.
            uses_ladder = m > float(means["mean"][names.index("escalations")]) + 1e-12
            if not uses_ladder:
                continue
        if not (m > 0.0):
            continue
        se = float(means["se"][i]) if "se" in means else float("nan")
        rows.append((label, format_number(m, scale, fmt) + unit,
                     format_number(se, scale, fmt) + unit))
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
            figs.append((f"Sensitivity of {metric}", "First-order and total Sobol indices, "
                         "95% bootstrap intervals.", _figure_uri(s.plot_sobol(metric).figure)))
    return s, figs


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
    prob = _core_is_probability(r.metric)
    caption = ("Cost against " + r.metric + ": the efficient frontier (the best bundle for each "
               "cost) with its interval bars, every other bundle faint"
               + (", the target as a dashed line and the chosen bundle as a star"
                  if r.target is not None else "") + ".")
    fig = r.plot_frontier().figure
    runner = None
    for line in r.text().splitlines():
        if line.startswith("runner-up: "):
            runner = line[len("runner-up: "):]
    return dict(kind="remedies", sentence=r.sentence, runner_up_sentence=runner,
                figures=[("What it takes", caption, _figure_uri(fig))],
                frontier_rows=[int(i) for i in r.frontier_indices],
                chosen=int(r.chosen_index), runner_up=int(r.runner_up_index),
                shapley_count=len(r.shapley_shares), shapley_of=int(r.shapley_of),
                metric_scale=100.0 if prob else 1.0, metric_fmt=".1f" if prob else ".3f",
                metric_unit="%" if prob else "", change_unit=" pp" if prob else "",
                has_target=r.target is not None,
                unit=r.unit)


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


def _core_is_probability(metric):
    from . import _core

    return _core.Target.parse(f"{metric}>=0").is_probability


def write_report(path, output=None, attribution=None, force=False, inputs=()):
    """Write the report of the progsurv file `path` to `output` (default: path with .html).
    For a run file, `attribution` (an attribution file of the same scenario) adds what
    each obstacle costs. Returns the output path. The page goes through progsurv's output
    writer (progsurv._output): never onto `path`, `attribution` or `inputs`, never onto a
    device or folder, a write-protected file only with `force`."""
    import matplotlib

    from ._output import check_input_file, check_output_path, write_text

    matplotlib.use("Agg")
    output = os.fspath(output) if output else os.path.splitext(os.fspath(path))[0] + ".html"
    inputs = [os.fspath(path)] + ([os.fspath(attribution)] if attribution else []) + [
        os.fspath(i) for i in inputs]
    check_input_file(path, "progsurv HDF5 file")
    if attribution:
        check_input_file(attribution, "progsurv attribution file")
    check_output_path(output, inputs, force)
    f = _File(os.fspath(path), "main")
    a = _File(os.fspath(attribution), "attribution") if attribution else None
    filetype = f.h5.attrs.get("filetype")
    ctx = dict(f=f, a=a, filetype=filetype, attribution=None,
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
        warnings = f.h5["diagnostics/warnings"][()] if "diagnostics/warnings" in f.h5 else []
        acceptance = f.h5["chain/acceptance"][()]
        ctx.update(kind="fit", fit_params=names, fit_warnings=list(warnings),
                   fit_acceptance=f"{float(acceptance.mean()):.2f} (walkers "
                                  f"{float(acceptance.min()):.2f} to {float(acceptance.max()):.2f})",
                   figures=_fit_figures(f))
    elif filetype == "progsurv-sweep":
        sweep, figs = _sweep_figures(f)
        total = len(sweep)
        ctx.update(kind="sweep", sweep=sweep, figures=figs, metric_names=sweep.metrics,
                   parameter_names=sweep.parameters, point_total=total,
                   point_rows=list(range(min(total, MAX_SWEEP_ROWS))))
    elif filetype == "progsurv-remedies":
        ctx.update(_remedies_context(f))
    elif filetype == "progsurv-seek":
        ctx.update(_seek_context(f))
    else:
        raise ValueError(f"{path}: not a progsurv run, exact, sweep, attribution, fit, remedies "
                         f"or seek file (filetype {filetype!r})")
    page = _env().get_template("report.html.j2").render(**ctx)
    # Close the files: a later writer (or h5py in append mode) must be able to open them.
    f.h5.close()
    if a is not None:
        a.h5.close()
    return write_text(output, page, inputs, force)


def _attribute_run(path, output, replications, force=False, inputs=()):
    """Attributes the obstacles of the scenario of a Monte Carlo run file (its seed), into
    <report>-attribution.h5; None for other files."""
    from ._output import check_output_path

    with h5py.File(path, "r") as f:
        if f.attrs.get("filetype") != "progsurv-run" or f.attrs.get("method") == "exact":
            return None
    import progsurv

    result = progsurv.load(path)
    report = output or os.path.splitext(path)[0] + ".html"
    target = os.path.splitext(report)[0] + "-attribution.h5"
    check_output_path(target, [path, *inputs], force)
    progsurv.attribute(result.scenario, replications=replications, seed=result.seed,
                       output=target, progress=sys.stderr.isatty())
    return target


def _fail(message, status=2):
    from ._output import printable

    prog = "progsurv report" if os.environ.get("PROGSURV_CLI") else "progsurv.report"
    print(f"{prog}: error: {printable(message)}", file=sys.stderr)
    return status


def main(argv=None):
    p = argparse.ArgumentParser(
        prog="progsurv report",
        description="Write one self-contained HTML report (figures embedded, no network needed) "
        "of a progsurv run, exact, sweep, attribution, fit, remedies or seek file, or of a "
        "scenario YAML after running it.")
    p.add_argument("file", help="a progsurv HDF5 file, or a scenario YAML to run first")
    p.add_argument("-o", "--output", help="HTML file to write (default: FILE with .html)")
    p.add_argument("--attribution", help="attribution file of the same scenario (run files)")
    p.add_argument("--attribute", type=int, default=20_000, metavar="N",
                   help="for a Monte Carlo run without --attribution: attribute its obstacles "
                   "with N replications (its seed; written next to the report as "
                   "<report>-attribution.h5); 0 = leave that section out (default 20000)")
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                   help="override a scenario value (scenario YAML input only; repeatable)")
    p.add_argument("-n", "--replications", type=int, default=100_000,
                   help="replications when FILE is a scenario (default 100000)")
    p.add_argument("--seed", type=int, default=1, help="seed when FILE is a scenario")
    p.add_argument("--force", action="store_true",
                   help="replace outputs even when they are write-protected")
    args = p.parse_args(argv)
    try:
        return _main(args)
    except KeyboardInterrupt:
        prog = "progsurv report" if os.environ.get("PROGSURV_CLI") else "progsurv.report"
        print(f"{prog}: interrupted; nothing written", file=sys.stderr)
        return 130


def _main(args):
    from ._output import check_input_file, check_output_path

    try:
        path = args.file
        is_yaml = path.endswith((".yaml", ".yml"))
        if not is_yaml or not os.path.exists(path):
            check_input_file(path, "progsurv HDF5 file or scenario YAML")
        if args.set and not is_yaml:
            return _fail("--set applies to a scenario YAML, not to a result file")
        inputs = [args.file] + ([args.attribution] if args.attribution else [])
        # Every output is checked before any work: the report, and for a scenario the run
        # file next to it.
        check_output_path(args.output or os.path.splitext(path)[0] + ".html", inputs, args.force)
        if is_yaml:
            import progsurv

            scenario = progsurv.Scenario.load(path)
            sets = []
            for s in args.set:
                key, sep, value = s.partition("=")
                if not sep or not key:
                    return _fail(f"--set: expected key.path=value, got {s!r}")
                sets.append((key, value))
            if sets:
                scenario = scenario.with_values(sets)
            output = args.output or os.path.splitext(path)[0] + ".html"
            h5 = os.path.splitext(output)[0] + ".h5"
            check_output_path(h5, inputs, args.force)
            progsurv.run(scenario, replications=args.replications, seed=args.seed,
                         progress=sys.stderr.isatty()).to_hdf5(h5)
            path = h5
        attribution = args.attribution
        if attribution is None and args.attribute > 0:
            attribution = _attribute_run(path, args.output, args.attribute, args.force, inputs)
        out = write_report(path, args.output, attribution, args.force, inputs)
    except RuntimeError as e:  # writing failed (a full disk, ...): nothing replaced
        return _fail(str(e), 1)
    except (OSError, ValueError, KeyError, TypeError) as e:
        return _fail(str(e))
    except Exception as e:  # a library failing part-way: say so, without a traceback
        return _fail(f"{type(e).__name__}: {e}; nothing written", 1)
    from ._output import printable

    print(f"written: {printable(out)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
