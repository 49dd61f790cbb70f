"""matplotlib plots of a progsurv.Result. Every function draws on `ax` (a new figure
when None) and returns the Axes, so plots can be combined and restyled.

    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    progsurv.plotting.plot_incidence(result, ax=axes[0])
    progsurv.plotting.plot_survival(result, ax=axes[1])

matplotlib is imported only when a plot is drawn.
"""
import numpy as np

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


def plot_incidence(result, ax=None, categories=STACK_ORDER, legend=True, title=None,
                   style="steps"):
    """How programmes end, among all proposed programmes.

    style="steps" (default): per-cause cumulative incidence P(ended this way by t) as step
    functions with their 95% bands (lifelines' convention), completed and the five causes.
    style="stacked": stacked areas; at every month the layers are P(completed by t),
    P(ended by each cause by t), P(not started) and P(running at t), which sum to 1."""
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
    ax.set_title(title if title is not None else f"{result.name}: how programmes end")
    if legend:
        handles, labels = ax.get_legend_handles_labels()
        if style == "stacked":
            handles, labels = handles[::-1], labels[::-1]
        ax.legend(handles, labels, loc="center left", bbox_to_anchor=(1.01, 0.5),
                  fontsize="small", frameon=False)
    return ax


def plot_survival(result, ax=None, label=None, color=None, band=True, title=None,
                  at_risk_counts=False, at_risk=None):
    """S(t) = P(not ended by t) among started programmes as a step function with its 95%
    band (completed programmes survive). at_risk=True adds the number of started
    programmes still running below the axis, at the x ticks, in a row labelled with the
    group (`label`, default the scenario's name); a figure without a layout engine is
    given a constrained layout to make room for the rows. Call it repeatedly on one Axes
    to compare results: each call adds its own labelled row (lifelines'
    add_at_risk_counts). The title names the scenario (none when the Axes shows several)."""
    show_at_risk = bool(at_risk_counts or at_risk)
    ax = _axes(ax)
    t = np.asarray(result.grid)
    s = np.asarray(result.survival_curve)
    (line,) = ax.step(t, s[:, 0], where="post",
                      label=label if label is not None else result.name, color=color)
    if band and not getattr(result, "exact", False):
        ax.fill_between(t, s[:, 1], s[:, 2], step="post", color=line.get_color(), alpha=0.25,
                        linewidth=0)
    ax.set_xlim(t[0], t[-1])
    ax.set_ylim(0, 1.02)
    ax.set_xlabel("months since proposal")
    ax.set_ylabel("P(not ended by t | started)")
    # The scenario's label as every plot's title; Axes comparing several carry none.
    names = getattr(ax, "_progsurv_survival_names", set()) | {result.name}
    ax._progsurv_survival_names = names
    if title is None:
        title = f"{result.name}: survival (95% band)" if len(names) == 1 else "survival (95% band)"
    ax.set_title(title)
    ax.legend(fontsize="small", frameon=False)
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
    unconditional quantiles marked where they are reached."""
    ax = _axes(ax)
    hist = np.asarray(result.tally_completion_hist, dtype=float)
    horizon = float(result.tally_horizon)
    n = max(int(result.n), 1)
    bins = min(len(hist), max(1, int(round(horizon / bin_months))))
    cuts = np.linspace(0, len(hist), bins + 1).round().astype(int)
    counts = np.add.reduceat(hist, cuts[:-1])
    edges = horizon * cuts / len(hist)
    widths = np.diff(edges)
    ax.bar(edges[:-1], counts / n / widths, width=widths, align="edge",
           color=color or COLORS["completed"], alpha=0.8, label="completions")
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
    ax.set_title(title if title is not None else f"{result.name}: when programmes complete")
    return ax


def plot_time_decomposition(result, ax=None, color=None, title=None):
    """Mean months per started programme in each time bucket (progsurv.TIME_BUCKETS),
    with 95% intervals."""
    ax = _axes(ax)
    df = result.time_decomposition()
    if not np.isfinite(df["mean"].to_numpy(dtype=float)).any():
        # Nothing started (a tiny run): no months to show, and matplotlib cannot draw
        # error bars that are all NaN.
        ax.text(0.5, 0.5, "no programme started", ha="center", va="center",
                transform=ax.transAxes)
    else:
        err = (df["mean"] - df["lower"]).to_numpy(dtype=float)
        ax.bar(df.index, df["mean"], yerr=np.where(np.isfinite(err), err, 0.0), capsize=4,
               color=color or "#546e7a")
    ax.set_ylabel("mean months per started programme")
    ax.set_title(title if title is not None else f"{result.name}: where the months went")
    return ax


def plot_value(result, ax=None, color=None, title=None):
    """P(d phases delivered) with the value banked for each d."""
    ax = _axes(ax)
    df = result.value()
    labels = [f"{d}\n(value {v:g})" for d, v in zip(df.index, df["value"])]
    ax.bar(labels, df["probability"], color=color or COLORS["completed"])
    ax.set_xlabel("phases delivered")
    ax.set_ylabel("probability")
    ax.set_ylim(0, 1)
    ax.set_title(title if title is not None else f"{result.name}: value delivered")
    return ax
