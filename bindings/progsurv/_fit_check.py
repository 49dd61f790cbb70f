"""The posterior predictive check against the record (docs/fitting.md, "Does the fit
reproduce the record?"): records replicated from posterior draws, observed as the record
was, compared with it statistic by statistic.

A replicated record has one programme per row of the record, drawn from the scenario at one
posterior draw, and looked at when that row was: a row recorded as running or scoping at age
a is looked at at age a (scoping if the replicate was not yet approved nor dead then,
running if approved and not ended). A row that ended at
month m was looked at some time after m, unknown: as in a snapshot of programmes proposed
at a steady rate over the horizon, its age is drawn uniformly between m and the horizon (a
not_started row is looked at at the horizon). Fields the record leaves blank (cause, level)
are blanked in the replicate too, so every statistic counts like with like.

Statistics: rows by outcome (completed, ended, not_started, running, scoping), ended rows by cause,
rows by initial sponsor level, and completed and ended rows by quarter of the horizon in which
they ended. For each, the two-sided posterior predictive p-value
p = min(1, 2 min(P(T_rep >= T_obs), P(T_rep <= T_obs))); a small p says the fitted model
rarely produces a record like this one in that respect.
"""
import numpy as np
import pandas as pd

OUTCOMES = ("completed", "ended", "not_started", "running", "scoping")
CAUSES = ("sponsor_exit", "patience", "handoff_failure", "budget_cut", "phase_gate")
TIME_BINS = 4  # quarters of the horizon
P_LIMIT = 0.01  # a p-value below this is named in the fit's warnings


def _frame(record, as_of=None):
    """The record as a DataFrame (sponsor_level, outcome, cause, month), dates turned into
    months from the proposal."""
    from ._fit import _as_record

    return pd.DataFrame(_as_record(record, as_of).columns()).reset_index(drop=True)


def _blank(values):
    return pd.isna(values) | (values.astype(object) == "")


def statistics(frame, levels, horizon):
    """The check's statistics of a record DataFrame, as a dict name -> count."""
    out = {}
    outcome = frame["outcome"].astype(str).to_numpy()
    for o in OUTCOMES:
        out[f"outcome: {o}"] = int((outcome == o).sum())
    cause = frame["cause"].astype(object).to_numpy()
    for c in CAUSES:
        out[f"cause: {c}"] = int(((outcome == "ended") & (cause == c)).sum())
    level = frame["sponsor_level"].astype(object).to_numpy()
    for lv in levels:
        out[f"level: {lv}"] = int((level == lv).sum())
    month = pd.to_numeric(frame["month"], errors="coerce").to_numpy(float)
    ended = (outcome == "completed") | (outcome == "ended")
    width = horizon / TIME_BINS
    for b in range(TIME_BINS):
        lo, hi = b * width, (b + 1) * width
        inside = ended & (month >= lo) & ((month < hi) if b < TIME_BINS - 1 else (month <= hi))
        out[f"ended in months {lo:g}-{hi:g}"] = int(inside.sum())
    return out


def replicate(scenario, observed, seed):
    """One replicated record: a programme per row of `observed`, looked at as that row was."""
    from ._result import run

    n = len(observed)
    rec = run(scenario, replications=n, seed=seed, threads=1, keep_replications=True).records()
    outcome = rec["outcome"].astype(str).to_numpy().copy()
    cause = rec["cause"].astype(object).to_numpy().copy()
    month = rec["end_time"].to_numpy(float).copy()
    level = rec["initial_level"].astype(object).to_numpy().copy()
    obs_outcome = observed["outcome"].astype(str).to_numpy()
    horizon = scenario.horizon
    obs_month = pd.to_numeric(observed["month"], errors="coerce").to_numpy(float)
    rng = np.random.default_rng([seed, 1])  # the ages: a stream apart from the engine's
    censored = (obs_outcome == "running") | (obs_outcome == "scoping")
    age = np.where(censored, obs_month,
                   rng.uniform(np.nan_to_num(obs_month, nan=horizon), horizon))
    # Before its approval (or its death) a proposal is still scoping (rule 11), also one
    # still scoping at the horizon.
    scoped = rec["time_scoping"].to_numpy(float)
    scoping = (scoped > age) | ((outcome == "running") & (scoped >= month))
    late = (outcome != "not_started") & (month > age)
    outcome[late] = "running"
    month[late] = age[late]
    outcome[scoping] = "scoping"
    month[scoping] = age[scoping]
    cause[outcome != "ended"] = None
    month[outcome == "not_started"] = np.nan
    cause[_blank(observed["cause"]).to_numpy() & (obs_outcome == "ended")] = None
    level[_blank(observed["sponsor_level"]).to_numpy()] = None
    return pd.DataFrame({"sponsor_level": level, "outcome": outcome, "cause": cause,
                         "month": month})


def check(spec, names, draws, record, seed=1, progress=None):
    """The check for posterior `draws` (array [M, parameters]) against `record`.

    Returns a DataFrame indexed by statistic: observed, replicated median and 90% interval,
    p-value."""
    observed = _frame(record, spec.as_of)
    levels = [lv["name"] for lv in spec.scenario.levels]
    horizon = spec.scenario.horizon
    obs = statistics(observed, levels, horizon)
    reps = []
    for i, theta in enumerate(draws):
        s = spec.scenario.with_values([(k, float(v)) for k, v in zip(names, theta)])
        reps.append(statistics(replicate(s, observed, seed + i), levels, horizon))
        if progress is not None:
            progress(i + 1, len(draws))
    rows = []
    for name, value in obs.items():
        t = np.array([r[name] for r in reps], dtype=float)
        if len(t) == 0:
            continue
        p = min(1.0, 2.0 * min((t >= value).mean(), (t <= value).mean()))
        rows.append({"statistic": name, "observed": value, "replicated_median": np.median(t),
                     "replicated_5%": np.quantile(t, 0.05),
                     "replicated_95%": np.quantile(t, 0.95), "p_value": p})
    return pd.DataFrame(rows).set_index("statistic")


def warnings_of(table):
    """Sentences for the statistics the fitted model rarely reproduces."""
    bad = table[table["p_value"] < P_LIMIT]
    return [f"the record's {name} ({row.observed:g}) is rarely reproduced by the fitted model "
            f"(replicated 90% range {row['replicated_5%']:g}-{row['replicated_95%']:g}, "
            f"posterior predictive p = {row.p_value:.3f}): the scenario may be missing "
            "something the record shows" for name, row in bad.iterrows()]


def plot(table, ax=None):
    """The observed statistic against the replicated 90% range, one row per statistic.

    Returns the matplotlib Axes."""
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(7, 0.3 * len(table) + 1))
    y = np.arange(len(table))[::-1]
    ax.hlines(y, table["replicated_5%"], table["replicated_95%"], color="C0", lw=4, alpha=0.5,
              label="replicated records, 90%")
    ax.plot(table["replicated_median"], y, "|", color="C0", ms=10)
    flagged = table["p_value"] < P_LIMIT
    ax.plot(table["observed"][~flagged], y[~flagged.to_numpy()], "o", color="k",
            label="the record")
    if flagged.any():
        ax.plot(table["observed"][flagged], y[flagged.to_numpy()], "o", color="C3",
                label=f"the record, p < {P_LIMIT}")
    ax.set_yticks(y)
    ax.set_yticklabels(table.index, fontsize=8)
    ax.set_xlabel("programmes")
    ax.legend(fontsize=8, loc="lower right")
    return ax
