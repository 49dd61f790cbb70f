"""matplotlib plots of a progsurv.Result. Every function draws on `ax` (a new figure
when None) and returns the Axes, so plots can be combined and restyled.

    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    progsurv.plotting.plot_incidence(result, ax=axes[0])
    progsurv.plotting.plot_survival(result, ax=axes[1])

Arguments shared by the plots:

    ax     the matplotlib Axes to draw on; None: a new figure (with a constrained layout)
    color  the colour of the result's line or bars. None: a line takes the next colour of
           the Axes' colour cycle (as matplotlib's plot does); bars take the plot's own
           colour for the first result on the Axes. A later result drawn on the same Axes
           (variants compared) takes the cycle's next colour that no result drawn there
           already has (nearly) got.
    label  the legend entry of the result's line (plot_survival; default: the scenario's
           name); long labels are broken over lines in the legend.
    title  the Axes' title. None: "<name>: <what>" (e.g. "baseline: survival (95% band)")
           on an Axes without a title, fitted to the Axes' width (a long name is wrapped
           onto a second line, or shortened with "…"), so it does not run into a
           neighbouring subplot's title; when a later result is drawn on the same Axes the
           title becomes just "<what>" instead of naming it. A title of your own (set
           before or after, or passed as title=) is kept by later calls.

matplotlib is imported only when a plot is drawn.
"""
import numpy as np

from . import _checks

# One colour per end category, the same in every plot.
COLORS = {
    "completed": "#2e7d32",
    "sponsor_exit": "#c62828",
    "patience": "#ef6c00",
    "handoff_failure": "#6a1b9a",
    "budget_cut": "#1565c0",
    "phase_gate": "#f9a825",
    "not_started": "#9e9e9e",
    "running": "#cfd8dc",
}
LABELS = {
    "completed": "completed",
    "sponsor_exit": "sponsor exit",
    "patience": "patience",
    "handoff_failure": "handoff failure",
    "budget_cut": "budget cut",
    "phase_gate": "phase gate",
    "not_started": "not started",
    "running": "still running",
}
# Stacking order: success at the bottom, the causes of death, then what is left.
STACK_ORDER = (
    "completed",
    "sponsor_exit",
    "patience",
    "handoff_failure",
    "budget_cut",
    "phase_gate",
    "not_started",
    "running",
)


def _axes(ax, size=(7, 4)):
    if ax is None:
        import matplotlib.pyplot as plt

        # A constrained layout keeps outside legends and at-risk tables inside a plain savefig.
        _, ax = plt.subplots(figsize=size, layout="constrained")
    return ax


def _room_outside(ax):
    """A legend (or table) placed outside the Axes lies beyond a plain plt.subplots()
    figure's margins, cut off by savefig: a figure without a layout engine is given a
    constrained layout, which makes room for it (figures made here have one already)."""
    if ax.figure.get_layout_engine() is None:
        ax.figure.set_layout_engine("constrained")


def _cycle_color(ax):
    """The next colour of the Axes' colour cycle (as ax.plot takes it)."""
    try:
        return ax._get_lines.get_next_color()
    except AttributeError:  # a matplotlib without it: the default cycle by count
        import matplotlib as mpl

        colors = mpl.rcParams["axes.prop_cycle"].by_key().get("color", ["C0"])
        k = getattr(ax, "_progsurv_cycled", 0)
        ax._progsurv_cycled = k + 1
        return colors[k % len(colors)]


def _series_color(ax, color, default=None):
    """The colour of one result's series on `ax`: `color` when given; else `default` (the
    plot's own colour; None: the cycle's next) for the first result drawn on the Axes, and
    for a later one the next colour of the Axes' cycle that is not (nearly) the colour of
    a result already there, so variants compared on one Axes differ."""
    if color is not None:
        return color
    children = set(ax.get_children())
    earlier = [c for a, c in getattr(ax, "_progsurv_series", []) if a in children]
    if not earlier and default is not None:
        return default
    from matplotlib.colors import to_rgb

    used = [np.array(to_rgb(c)) for c in earlier]
    first = None
    for _ in range(10):
        candidate = _cycle_color(ax)
        first = first or candidate
        if all(np.linalg.norm(np.array(to_rgb(candidate)) - u) > 0.2 for u in used):
            return candidate
    return first


def _add_series(ax, artist, color):
    """Records that `artist` shows a result in `color` (for _series_color)."""
    ax._progsurv_series = getattr(ax, "_progsurv_series", []) + [(artist, color)]


def _width(ax):
    """The Axes' width in points (before any layout engine adjusts it)."""
    return ax.get_position().width * ax.figure.get_figwidth() * 72


def _measure(size, weight="normal"):
    """A function giving the width in points of a line of text at that font size."""
    from matplotlib.font_manager import FontProperties
    from matplotlib.textpath import TextToPath

    prop, path = FontProperties(size=size, weight=weight), TextToPath()
    return lambda text: path.get_text_width_height_descent(text, prop, ismath=False)[0]


def _wrap(text, width, measure):
    """`text` broken at spaces into lines at most `width` points wide (a word wider than
    that stays whole on its own line)."""
    lines = [""]
    for word in text.split(" "):
        joined = f"{lines[-1]} {word}" if lines[-1] else word
        if not lines[-1] or measure(joined) <= width:
            lines[-1] = joined
        else:
            lines.append(word)
    return lines


def _fit_title(ax, name, what):
    """'<name>: <what>' fitted to the Axes' width, so it does not run over a neighbouring
    subplot's title: on one line when it fits, else broken at spaces onto two, else the
    name shortened with '…' on the first line and `what` on the second."""
    import matplotlib as mpl

    width = _width(ax)
    measure = _measure(mpl.rcParams["axes.titlesize"], mpl.rcParams["axes.titleweight"])
    lines = _wrap(f"{name}: {what}", width, measure)
    if len(lines) <= 2 and all(measure(line) <= width for line in lines):
        return "\n".join(lines)
    head = name
    while len(head) > 1 and measure(f"{head}…:") > width:
        head = head[:-1]
    return f"{head.rstrip()}…:\n{what}"


def _legend(ax, **kwargs):
    """The Axes' legend (small, no frame) with each label broken at spaces to at most 60%
    of the Axes' width, so a long scenario name as a label does not run over the plot or
    into a neighbouring subplot; the artists keep their labels."""
    handles, labels = ax.get_legend_handles_labels()
    measure = _measure("small")
    width = 0.6 * _width(ax)
    labels = ["\n".join(_wrap(label, width, measure)) for label in labels]
    return ax.legend(handles, labels, fontsize="small", frameon=False, **kwargs)


def _title(ax, name, what, title=None):
    """Sets the title of a plot of the result called `name` showing `what`.

    `title` given: that. Else on an Axes without a title, '<name>: <what>' (fitted to the
    Axes' width); on an Axes whose title this module set for another result (variants
    compared on one Axes), just `what`; a title of the caller's own is kept."""
    if title is not None:
        ax.set_title(title)
        ax._progsurv_title = (title, None)  # the caller's (even ""): kept by later calls
        return
    mine = getattr(ax, "_progsurv_title", None)  # (the title set, the names it covers)
    current = ax.get_title()
    if mine is not None and current == mine[0]:
        if mine[1] is None:
            return  # passed by the caller
        names = mine[1] | {name}
    elif current:
        return  # set by the caller
    else:
        names = frozenset({name})
    text = _fit_title(ax, name, what) if len(names) == 1 else what
    ax.set_title(text)
    ax._progsurv_title = (text, names)


def plot_incidence(result, ax=None, categories=STACK_ORDER, legend=True, title=None,
                   style="steps"):
    """How programmes end, among all proposed programmes, in the fixed colour of each
    category (COLORS).

    style       "steps" (default): per-cause cumulative incidence P(ended this way by t) as
                step functions with their 95% bands (lifelines' convention), completed and
                the five causes. "stacked": stacked areas; at every month the layers are
                P(completed by t), P(ended by each cause by t), P(not started) and P(running
                at t), which sum to 1.
    categories  the categories drawn (default: all, in STACK_ORDER; steps leave out
                not_started and running)
    legend      False: no legend. The legend stands right of the Axes; a figure of your own
                without a layout engine (plt.subplots()) is given a constrained layout,
                which makes room for it.
    ax, title   as described in the module's docstring ("<name>: how programmes end")

    Returns the matplotlib Axes."""
    ax = _axes(ax)
    t = np.asarray(result.grid)
    if style == "steps":
        for c in categories:
            if c in ("not_started", "running"):
                continue
            est = np.asarray(result.curve(c))
            (line,) = ax.step(t, est[:, 0], where="post", color=COLORS.get(c),
                              label=LABELS.get(c, c))
            if not getattr(result, "exact", False):
                ax.fill_between(t, est[:, 1], est[:, 2], step="post", color=line.get_color(),
                                alpha=0.25, linewidth=0)
        top = max(float(np.asarray(result.curve(c))[:, 2].max())
                  for c in categories if c not in ("not_started", "running"))
        ax.set_ylim(0, min(1.0, 1.1 * top + 0.02))
        ylabel = "P(ended this way by t)"
    elif style == "stacked":
        layers = [np.asarray(result.curve(c)[:, 0]) for c in categories]
        ax.stackplot(t, *layers, labels=[LABELS.get(c, c) for c in categories],
                     colors=[COLORS.get(c) for c in categories], alpha=0.9)
        ax.set_ylim(0, 1)
        ylabel = "probability"
    else:
        raise ValueError(f"style must be 'stacked' or 'steps', not {style!r}")
    ax.set_xlim(t[0], t[-1])
    ax.set_xlabel("months since proposal")
    ax.set_ylabel(ylabel)
    _title(ax, result.name, "how programmes end", title)
    if legend:
        handles, labels = ax.get_legend_handles_labels()
        if style == "stacked":
            handles, labels = handles[::-1], labels[::-1]
        ax.legend(handles, labels, loc="center left", bbox_to_anchor=(1.01, 0.5),
                  fontsize="small", frameon=False)
        _room_outside(ax)
    return ax


def plot_survival(result, ax=None, label=None, color=None, band=True, title=None,
                  at_risk_counts=False, at_risk=None):
    """S(t) = P(not ended by t) among started programmes as a step function with its 95%
    band (completed programmes survive).

    label     the legend entry and at-risk row label (default: the scenario's name)
    color     the line's and band's colour (default: the Axes' colour cycle)
    band      False: no band (an exact result never has one)
    at_risk   True (or at_risk_counts=True, lifelines' name): the number of started
              programmes still running below the axis, at the x ticks, in a row labelled
              with `label`; a figure without a layout engine is given a constrained layout
              to make room for the rows
    ax, title as described in the module's docstring ("<name>: survival (95% band)")

    Call it repeatedly on one Axes to compare results: each call adds its line in the next
    colour, its legend entry and, with at_risk, its own labelled row (lifelines'
    add_at_risk_counts); the title then names no scenario.

    Returns the matplotlib Axes."""
    show_at_risk = bool(at_risk_counts or at_risk)
    ax = _axes(ax)
    t = np.asarray(result.grid)
    s = np.asarray(result.survival_curve)
    (line,) = ax.step(t, s[:, 0], where="post",
                      label=label if label is not None else result.name,
                      color=_series_color(ax, color))
    _add_series(ax, line, line.get_color())
    if band and not getattr(result, "exact", False):
        ax.fill_between(t, s[:, 1], s[:, 2], step="post", color=line.get_color(), alpha=0.25,
                        linewidth=0)
    ax.set_xlim(t[0], t[-1])
    ax.set_ylim(0, 1.02)
    ax.set_xlabel("months since proposal")
    ax.set_ylabel("P(not ended by t | started)")
    _title(ax, result.name, "survival (95% band)", title)
    _legend(ax)
    if show_at_risk and int(getattr(result, "n", 0)) > 0:
        # Programmes that start (the survival denominator) and have not ended or completed
        # by t; proposals still being scoped at t count, as they are in the denominator.
        finished = np.asarray(result.curve_count("completed"), dtype=np.int64)
        for cause in ("sponsor_exit", "patience", "handoff_failure", "budget_cut", "phase_gate"):
            finished = finished + np.asarray(result.curve_count(cause), dtype=np.int64)
        running = int(result.n_started) - finished
        _at_risk_row(ax, t, running, line.get_label(), line.get_color())
    return ax


def _at_risk_row(ax, t, running, label, color):
    """One row of at-risk counts under the axis per call (per group, as lifelines'
    add_at_risk_counts), at the x ticks, labelled with the group; the rows of earlier calls
    on the same Axes stay where they are. The rows hang below the x label, a line apart in
    points (not fractions of the Axes' height), so a constrained layout makes room for any
    number of them at any font size. Row r's texts have the gids "progsurv-at-risk-<r>-<k>"
    (counts) and "progsurv-at-risk-<r>-label", unique in SVG output."""
    from matplotlib.font_manager import FontProperties

    rows = getattr(ax, "_progsurv_at_risk_rows", 0)
    ax._progsurv_at_risk_rows = rows + 1
    if ax.figure.get_layout_engine() is None:
        # The rows sit below the axis, outside a plain plt.subplots() figure's margins: a
        # constrained layout makes room for them, as it does on the figures made here.
        ax.figure.set_layout_engine("constrained")
    ticks = [x for x in ax.get_xticks() if t[0] <= x <= t[-1]]
    idx = [int(np.searchsorted(t, x, side="right")) - 1 for x in ticks]
    line = 1.35 * FontProperties(size="small").get_size_in_points()
    below = 4 + line * (rows + 1)  # the title takes the first line
    place = dict(textcoords="offset points", fontsize="small", va="top", annotation_clip=False)
    for k, (x, i) in enumerate(zip(ticks, idx)):
        ax.annotate(f"{int(running[i]):,}", (x, 0), xycoords=("data", ax.xaxis.label),
                    xytext=(0, -below), ha="center", gid=f"progsurv-at-risk-{rows}-{k}", **place)
    if rows == 0:
        ax.annotate("at risk (started, still running)", (0, 0),
                    xycoords=("axes fraction", ax.xaxis.label), xytext=(0, -4),
                    gid="progsurv-at-risk-title", **place)
    ax.annotate(label, (0, 0), xycoords=("axes fraction", ax.xaxis.label),
                xytext=(-30, -below), ha="right", color=color,
                gid=f"progsurv-at-risk-{rows}-label", **place)


def plot_completion_time(result, ax=None, bin_months=1.0, quantiles=(0.5, 0.8), color=None,
                         title=None):
    """The completion-time distribution: probability per month that a programme completes
    at t (over all replications, so the bars sum to P(completed)), with the
    unconditional quantiles marked where they are reached.

    bin_months  the bars' width in months (no narrower than the tally's own bins)
    quantiles   the levels marked by dashed lines (those among result.quantile_levels:
                0.1, 0.5, 0.8, 0.9)
    color       the bars' colour (default: green, COLORS["completed"])
    ax, title   as described in the module's docstring ("<name>: when programmes complete")

    Returns the matplotlib Axes."""
    horizon = float(result.tally_horizon)
    # A width of 0 divided by zero, a negative one drew a single bar: refused before drawing.
    bin_months = _checks.number("bin_months", bin_months, 0.0, horizon)
    if bin_months <= 0.0:
        raise ValueError(f"bin_months must be a positive number of months, not {bin_months}")
    ax = _axes(ax)
    hist = np.asarray(result.tally_completion_hist, dtype=float)
    n = max(int(result.n), 1)
    bins = min(len(hist), max(1, int(round(horizon / bin_months))))
    cuts = np.linspace(0, len(hist), bins + 1).round().astype(int)
    counts = np.add.reduceat(hist, cuts[:-1])
    edges = horizon * cuts / len(hist)
    widths = np.diff(edges)
    color = _series_color(ax, color, COLORS["completed"])
    bars = ax.bar(edges[:-1], counts / n / widths, width=widths, align="edge", color=color,
                  alpha=0.8, label="completions")
    _add_series(ax, bars[0], color)
    levels = list(np.asarray(result.quantile_levels))
    values = np.asarray(result.completion_quantile)
    for q in quantiles:
        if q in levels and not np.isnan(values[levels.index(q)]):
            x = values[levels.index(q)]
            ax.axvline(x, color="black", linestyle="--", linewidth=1)
            ax.annotate(f"P{100 * q:.0f} {x:.1f}", (x, 1), xycoords=("data", "axes fraction"),
                        xytext=(3, -12), textcoords="offset points", fontsize="small")
    ax.set_xlim(0, horizon)
    ax.set_xlabel("months to completion")
    ax.set_ylabel("probability per month")
    _title(ax, result.name, "when programmes complete", title)
    return ax


def plot_time_decomposition(result, ax=None, color=None, title=None):
    """Mean months per started programme in each time bucket (progsurv.TIME_BUCKETS),
    as bars with 95% intervals.

    color      the bars' colour (default: grey-blue, #546e7a)
    ax, title  as described in the module's docstring ("<name>: where the months went")

    Returns the matplotlib Axes."""
    ax = _axes(ax)
    df = result.time_decomposition()
    if not np.isfinite(df["mean"].to_numpy(dtype=float)).any():
        # Nothing started (a tiny run): no months to show, and matplotlib cannot draw
        # error bars that are all NaN.
        ax.text(0.5, 0.5, "no programme started", ha="center", va="center",
                transform=ax.transAxes)
    else:
        err = (df["mean"] - df["lower"]).to_numpy(dtype=float)
        color = _series_color(ax, color, "#546e7a")
        bars = ax.bar(df.index, df["mean"], yerr=np.where(np.isfinite(err), err, 0.0),
                      capsize=4, color=color)
        _add_series(ax, bars[0], color)
    ax.set_ylabel("mean months per started programme")
    _title(ax, result.name, "where the months went", title)
    return ax


def plot_value(result, ax=None, color=None, title=None):
    """P(d phases delivered) as bars, with the value banked for each d under its bar.

    color      the bars' colour (default: green, COLORS["completed"])
    ax, title  as described in the module's docstring ("<name>: value delivered")

    Returns the matplotlib Axes."""
    ax = _axes(ax)
    df = result.value()
    labels = [f"{d}\n(value {v:g})" for d, v in zip(df.index, df["value"])]
    color = _series_color(ax, color, COLORS["completed"])
    bars = ax.bar(labels, df["probability"], color=color)
    _add_series(ax, bars[0], color)
    ax.set_xlabel("phases delivered")
    ax.set_ylabel("probability")
    ax.set_ylim(0, 1)
    _title(ax, result.name, "value delivered", title)
    return ax
