"""Convergence diagnostics of an emcee fit (docs/fitting.md, "Is the fit converged?").

Each diagnostic warns only when it fails, naming what failed and what to do:

- R-hat: the rank-normalised split R-hat of Vehtari, Gelman, Simpson, Carpenter and Bürkner
  (2021, Bayesian Analysis 16(2)), the larger of its bulk and folded (tail) forms, computed
  over the walkers as chains. It fails above 1.1, the classic threshold of Gelman et al.
  (Bayesian Data Analysis, 3rd ed.): Vehtari et al.'s stricter 1.01 assumes independent
  chains of thousands of draws, while emcee's walkers move together and each has few
  independent draws, so a converged ensemble of a few hundred steps often sits at 1.02-1.08.
- Effective sample size: walkers x steps after burn-in / the integrated autocorrelation time
  (emcee's estimator). It fails below 400, Vehtari et al.'s minimum for trustworthy
  intervals.
- Stuck walkers: a walker whose mean log-posterior after burn-in is more than 3 below the
  median walker's (a posterior-mass difference of e^3 = 20 times: that walker sits in a region
  the others find implausible), or whose acceptance is under a third of the median walker's.
"""
import numpy as np

RHAT_LIMIT = 1.1
ESS_MINIMUM = 400.0
STUCK_LOG_POSTERIOR = 3.0
STUCK_ACCEPTANCE_RATIO = 1.0 / 3.0


def _rank_normal(x):
    from scipy import stats

    r = stats.rankdata(x, axis=None).reshape(x.shape)
    return stats.norm.ppf((r - 0.375) / (x.size + 0.25))


def _rhat(x):
    n = x.shape[0]
    means = x.mean(axis=0)
    within = x.var(axis=0, ddof=1).mean()
    between = n * means.var(ddof=1)
    if not within > 0:
        return np.inf if between > 0 else np.nan
    return float(np.sqrt(((n - 1) / n * within + between / n) / within))


def split_rhat(draws):
    """Rank-normalised split R-hat of a [steps, chains] array: the larger of the bulk and the
    folded (|x - median|) forms; NaN with fewer than 4 steps or when nothing moved."""
    draws = np.asarray(draws, dtype=float)
    half = draws.shape[0] // 2
    if half < 2 or draws.shape[1] < 1:
        return np.nan
    x = np.concatenate([draws[:half], draws[-half:]], axis=1)
    if np.ptp(x) == 0:
        return np.nan
    bulk = _rhat(_rank_normal(x))
    folded = _rhat(_rank_normal(np.abs(x - np.median(x))))
    return max(bulk, folded)


def walker_table(log_prob, acceptance):
    """Per walker: mean log-posterior after burn-in, its difference from the median walker's,
    acceptance, and whether it looks stuck. `log_prob` is [steps after burn-in, walkers]."""
    import pandas as pd

    mean = np.asarray(log_prob, dtype=float).mean(axis=0) if len(log_prob) else \
        np.full(len(acceptance), np.nan)
    below = mean - np.median(mean)
    acceptance = np.asarray(acceptance, dtype=float)
    stuck = (below < -STUCK_LOG_POSTERIOR) | \
        (acceptance < STUCK_ACCEPTANCE_RATIO * np.median(acceptance))
    return pd.DataFrame({"mean_log_posterior": mean, "below_median": below,
                         "acceptance": acceptance, "stuck": stuck},
                        index=pd.RangeIndex(len(mean), name="walker"))


def convergence_warnings(names, rhat, ess, walkers, steps_after_burn):
    """The failed diagnostics as sentences, each naming what to do."""
    out = []
    for name, r in zip(names, rhat):
        if np.isfinite(r) and r > RHAT_LIMIT:
            out.append(f"{name}: R-hat {r:.2f} is above {RHAT_LIMIT} (the walkers disagree about "
                       "its posterior); run more steps or a longer burn-in, and check for stuck "
                       "walkers")
        elif not np.isfinite(r):
            out.append(f"{name}: no walker moved after burn-in; check the prior against the "
                       "scenario's bounds")
    for name, e in zip(names, ess):
        if np.isfinite(e) and e < ESS_MINIMUM:
            out.append(f"{name}: effective sample size {e:.0f} is below {ESS_MINIMUM:.0f} "
                       f"({steps_after_burn} steps after burn-in); run more steps before trusting "
                       "the intervals")
    stuck = walkers.index[walkers["stuck"]].tolist()
    if stuck:
        parts = [f"walker {w} (mean log-posterior {walkers.at[w, 'below_median']:+.1f} from the "
                 f"median walker, acceptance {walkers.at[w, 'acceptance']:.2f})" for w in stuck]
        out.append("stuck walkers: " + "; ".join(parts) + ". Its draws widen the posterior: run "
                   "longer, start the walkers from a narrower prior, or drop them "
                   "(FitResult.samples(drop_stuck=True))")
    return out
