"""Fitting a scenario to an organisation's record of past programmes (docs/fitting.md).

    fit = progsurv.fit("fits/markov.yaml", record="past.csv", progress=True)
    fit.prior_posterior()      # what the record did and did not tell us
    fit.samples()              # posterior samples, one column per parameter
    fit.predictive()           # outcome mix of a new programme, with intervals
    fit.plot_pairs()           # pairwise posterior plots
    fit.to_hdf5("fit.h5");  progsurv.load_fit("fit.h5")

The likelihood is the C++ RecordLikelihood (simulated under common random numbers, or
exact on the Markov subset); the sampler is emcee's affine-invariant ensemble.
"""
import math
import os
import warnings

import numpy as np
import pandas as pd

from . import _core, _progress
from ._fit_spec import MAX_THREADS, QUANTILE_LEVELS, FitSpec, Prior
from ._fit_diagnostics import convergence_warnings, split_rhat, walker_table


def _as_record(record, as_of=None):
    """The record as a ProgrammeRecord; `as_of` (YYYY-MM-DD) dates rows without an as_of
    column of their own."""
    if isinstance(record, _core.ProgrammeRecord):
        return record
    if isinstance(record, (str, os.PathLike)):
        return _core.read_record(os.fspath(record), as_of or "")
    if isinstance(record, pd.DataFrame):
        text = record_to_csv(record)  # its own errors name the frame's row already
        try:
            return _core.parse_record(text, "<DataFrame>", as_of or "")
        except _core.ScenarioError as e:
            if e.line < 2:  # the header (the columns), or no row at all
                raise
            # The CSV's line L is the frame's row L - 2: name it as the user sees it.
            raise _frame_error(record, e.line - 2, e.key, e.message) from None
    raise TypeError("record must be a path to a CSV file, a DataFrame or a ProgrammeRecord")


def _frame_error(frame, position, column, message):
    """A ScenarioError for a record DataFrame's cell, naming its row by index label and
    position (.line is the position + 1, .column 0, .key the column)."""
    label = frame.index[position]
    where = f"row {label!r}" if label != position else f"row {position}"
    if label != position:
        where += f" (position {position})"
    text = f"<DataFrame>: {where}: '{column}': {message}" if column else f"<DataFrame>: {where}: {message}"
    error = _core.ScenarioError(text)
    error.file, error.line, error.column, error.key, error.message = (
        "<DataFrame>", position + 1, 0, column or "", message)
    return error


# The record's columns (docs/record-format.md), in the order record_to_csv writes them.
_RECORD_COLUMNS = ("sponsor_level", "outcome", "cause", "month", "phases_delivered",
                   "proposed_on", "ended_on", "as_of")


def record_identity(record):
    """Where a record came from and the SHA-256 of its bytes (of its CSV text for a
    DataFrame), so a fit file names what it was fitted to. Returns (source, hex digest)."""
    import hashlib

    if isinstance(record, (str, os.PathLike)):
        with open(os.fspath(record), "rb") as f:
            return os.fspath(record), hashlib.sha256(f.read()).hexdigest()
    if isinstance(record, pd.DataFrame):
        text = record_to_csv(record)
        return "<DataFrame>", hashlib.sha256(text.encode()).hexdigest()
    return getattr(record, "source", "<record>"), ""


def record_to_csv(frame):
    """CSV text of a record DataFrame (columns as in docs/record-format.md; NaN/None =
    unknown)."""
    cols = [c for c in _RECORD_COLUMNS if c in frame.columns]
    lines = [",".join(cols)]
    for position, row in enumerate(frame[cols].itertuples(index=False)):
        cells = []
        for c, v in zip(cols, row):
            try:
                if v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v)):
                    cells.append("")
                elif c == "phases_delivered":
                    cells.append(str(_whole(v)))
                elif c == "month":
                    cells.append(repr(float(v)))
                elif hasattr(v, "strftime"):  # a date or Timestamp
                    cells.append(v.strftime("%Y-%m-%d"))
                else:
                    cells.append(str(v))
            except (TypeError, ValueError, OverflowError):
                what = "a whole number" if c == "phases_delivered" else "a number"
                raise _frame_error(frame, position, c, f"{v!r} is not {what}") from None
        lines.append(",".join(cells))
    return "\n".join(lines) + "\n"


def _whole(v):
    """int(v) for a whole number only (2.0 is 2; 2.5 and "2" are refused)."""
    if isinstance(v, str) or float(v) != int(v):
        raise ValueError(v)
    return int(v)


def read_record(path, as_of=None):
    """A record CSV as a DataFrame (None where a field is unknown; dates turned into months
    from the proposal, `as_of` YYYY-MM-DD being the record's date for dated rows without an
    as_of column); errors name the file, line and column.

    Returns a pandas DataFrame, one row per programme.
    """
    frame = pd.DataFrame(_core.read_record(os.fspath(path), as_of or "").columns()).set_index(
        "line")
    frame["month"] = frame["month"].astype(float)
    frame["phases_delivered"] = frame["phases_delivered"].astype("Int64")
    return frame


class Likelihood:
    """The log-likelihood of a record as a function of the fitted parameter values:
    Likelihood(spec, record)(theta) with theta in the order of spec.names;
    details(theta, method) also gives its Monte Carlo error and each row's probability.

    It pickles (for a fit's pool, e.g. mpi4py's under mpirun): a process that unpickles it
    builds the same likelihood once and reuses it for every later copy."""

    def __init__(self, spec, record, threads=0):
        import uuid

        self.spec = spec
        self._build(spec.scenario, list(spec.names), dict(spec.likelihood),
                    _as_record(record, spec.as_of), threads)
        self._key = uuid.uuid4().hex
        self._recipe = None  # the pickled state, made on the first pickling

    def _build(self, scenario, names, like, record, threads):
        self._base = scenario
        self.names = names
        self.method = like["method"]
        self._lik = _core.RecordLikelihood(scenario, record, replications=like["replications"],
                                           seed=like["seed"], threads=threads,
                                           bin_months=like["bin_months"], fitted=list(names))
        self._parts = (scenario, names, like, record, threads)

    def __getstate__(self):
        # Pickled once: a pool sends this with every evaluation, and a process that has
        # built the likelihood before finds it by its key without unpickling the rest.
        if self._recipe is None:
            import pickle

            self._recipe = pickle.dumps(self._parts, protocol=pickle.HIGHEST_PROTOCOL)
        return {"key": self._key, "recipe": self._recipe}

    def __setstate__(self, state):
        built = _REBUILT.get(state["key"])
        if built is None:
            import pickle

            built = Likelihood.__new__(Likelihood)
            built._build(*pickle.loads(state["recipe"]))
            built.spec = None  # the fit file is the caller's; only its likelihood travels
            built._key, built._recipe = state["key"], state["recipe"]
            _REBUILT.clear()  # one fit at a time per process: keep only the latest
            _REBUILT[state["key"]] = built
        self.__dict__.update(built.__dict__)

    def scenario(self, theta):
        """Returns the Scenario with the fitted key paths set to the values theta."""
        return self._base.with_values(
            [(k, float(v)) for k, v in zip(self.names, theta)])

    def __call__(self, theta):
        s = self.scenario(theta)
        if self.method == "exact":
            return self._lik.exact(s)["log_likelihood"]
        return self._lik.simulated_log_likelihood(s)

    def at_points(self, thetas):
        """Returns the log-likelihood at each row of thetas (a 2-D array) as a NumPy array,
        each bitwise what calling this object on the row gives, -inf where the scenario
        refuses the values. The rows' scenarios and likelihoods run side by side in C++
        without the GIL, so with_values no longer runs serially between them."""
        return self._lik.log_likelihoods(self._base, self.names,
                                         np.asarray(thetas, dtype=float).reshape(
                                             -1, len(self.names)), self.method)

    def details(self, theta, method=None):
        """Returns a dict: the log-likelihood at theta, its Monte Carlo standard error
        (simulated) and each record row's probability, by "simulated" or "exact"."""
        s = self.scenario(theta)
        method = method or self.method
        return self._lik.exact(s) if method == "exact" else self._lik.simulated(s)

    @property
    def programmes(self):
        return self._lik.programmes


# Likelihoods rebuilt from a pickle in this process, by key (Likelihood.__setstate__).
_REBUILT = {}


def inert_parameters(spec, likelihood):
    """The fitted key paths whose value changes no likelihood term: every record row has the
    same probability with the parameter at its prior's 10% and at its 90% quantile (the
    others at their prior medians). The record then says nothing about it and its posterior
    is its prior; usually the key is one the scenario never uses (a silo no handoff reaches).

    Returns a list of (key path, low value, high value)."""
    medians = [float(p.quantile(0.5)) for _, p in spec.parameters]
    inert = []
    for i, (name, prior) in enumerate(spec.parameters):
        low, high = (float(x) for x in prior.quantile([0.1, 0.9]))
        at = []
        for x in (low, high):
            theta = list(medians)
            theta[i] = x
            try:
                at.append(np.asarray(likelihood.details(theta)["probability"]))
            except (_core.ScenarioError, ValueError):
                break  # a value the scenario refuses: not inert, just bounded
        if len(at) == 2 and np.array_equal(at[0], at[1]):
            inert.append((name, low, high))
    return inert


class _Stoppable:
    """emcee's vectorised log-probability with Ctrl-C taken out of emcee's hands: emcee prints
    a traceback for any exception in the function ("Exception while calling your likelihood
    function"), which reads as a crash. A KeyboardInterrupt is kept instead, the rest of the
    step gets -inf without evaluating, and the sampling loop raises it after the step."""

    def __init__(self, at_points):
        self.at_points = at_points
        self.interrupt = None

    def __call__(self, thetas):
        if self.interrupt is None:
            try:
                return self.at_points(thetas)
            except KeyboardInterrupt as e:
                self.interrupt = e
        return np.full(len(thetas), -math.inf)

    def raise_if_stopped(self):
        if self.interrupt is not None:
            raise self.interrupt


class _LogPosterior:
    def __init__(self, spec, likelihood):
        self.priors = [p for _, p in spec.parameters]
        self.likelihood = likelihood
        self.evaluations = 0

    def log_prior(self, theta):
        lp = 0.0
        for prior, x in zip(self.priors, theta):
            lp += prior.logpdf(x)
        return lp

    def at_points(self, thetas):
        """emcee's vectorised call: the log-posterior at each row of thetas, each bitwise
        the one __call__ gives (the priors summed in the same order, the likelihoods of the
        points with a finite prior evaluated together)."""
        thetas = np.asarray(thetas, dtype=float)
        lp = np.zeros(len(thetas))
        for i, prior in enumerate(self.priors):
            lp += prior.logpdfs(thetas[:, i])
        out = np.full(len(thetas), -math.inf)
        live = np.isfinite(lp)
        self.evaluations += int(live.sum())
        if live.any():
            ll = self.likelihood.at_points(thetas[live])
            out[live] = np.where(np.isfinite(ll), lp[live] + ll, -math.inf)
        return out

    def __call__(self, theta):
        lp = self.log_prior(theta)
        if not math.isfinite(lp):
            return -math.inf
        self.evaluations += 1
        try:
            ll = self.likelihood(theta)
        except _core.ScenarioError:
            return -math.inf  # a value the scenario rejects (e.g. a probability above 1)
        return lp + ll if math.isfinite(ll) else -math.inf


class _CountingPool:
    """The caller's pool as emcee sees it: evaluations are counted here, as one process
    counts them, since the pool's copies of the log-posterior count their own."""

    def __init__(self, pool, logpost):
        self.pool = pool
        self.logpost = logpost

    def map(self, fn, thetas):
        thetas = list(thetas)
        self.logpost.evaluations += sum(math.isfinite(self.logpost.log_prior(t)) for t in thetas)
        return list(self.pool.map(fn, thetas))


def fit(spec, record, *, walkers=None, steps=None, burn=None, seed=None, method=None,
        replications=None, predictive_draws=None, threads=0, progress=False, pool=None):
    """Fit the parameters of a fit file (a path or FitSpec) to a record (CSV path,
    DataFrame or ProgrammeRecord) with emcee; keyword arguments override the file's
    settings. `pool` (anything with map(fn, iterable), e.g. an mpi4py.futures
    MPIPoolExecutor or a multiprocessing Pool) evaluates each step's walkers in parallel;
    the result is the same as without it. Returns a FitResult."""
    import emcee

    if not isinstance(spec, FitSpec):
        spec = FitSpec.load(spec)
    overrides = {
        ("sampler", "walkers"): walkers, ("sampler", "steps"): steps, ("sampler", "burn"): burn,
        ("sampler", "seed"): seed, ("likelihood", "method"): method,
        ("likelihood", "replications"): replications, ("predictive", "draws"): predictive_draws,
    }
    scenario_file = spec.scenario_file
    spec = FitSpec(spec.scenario, spec.parameters, dict(spec.likelihood), dict(spec.sampler),
                   dict(spec.predictive), spec.source, as_of=spec.as_of)
    spec.scenario_file = scenario_file
    if isinstance(threads, bool) or not isinstance(threads, int) or not 0 <= threads <= MAX_THREADS:
        raise ValueError(f"threads: expected 0 (all cores) to {MAX_THREADS}, got {threads!r}")
    for (section, key), value in overrides.items():
        if value is not None:
            getattr(spec, section)[key] = value
    if steps is not None and burn is None and spec.sampler["burn"] >= steps:
        # Never cut the burn-in behind the user's back: say what to give.
        raise ValueError(f"steps={steps} is not more than the fit file's burn-in "
                         f"({spec.sampler['burn']} steps); give burn as well (e.g. "
                         f"burn={steps // 3})")
    try:
        spec.check()
    except ValueError as e:
        raise ValueError(f"{e.args[1]}: {e.args[0]}") from None

    like = Likelihood(spec, record, threads=threads)
    source, digest = record_identity(record)
    early = [f"{name}: changing it from {low:.4g} to {high:.4g} (its prior's 10% and 90% "
             "quantiles) changes no record row's probability, so the record says nothing about "
             "it and its posterior is its prior; is it a key the scenario never uses?"
             for name, low, high in inert_parameters(spec, like)]
    if spec.likelihood["method"] == "simulated" and \
            spec.likelihood["replications"] < 25 * like.programmes:
        # docs/fitting.md's rule is ~100 replications per programme; far below it the
        # simulated likelihood's noise swamps the differences the sampler must see.
        early.append(f"likelihood.replications {spec.likelihood['replications']} is far below "
                     f"the rule of 100 x the record's {like.programmes} programmes "
                     f"({100 * like.programmes}); the simulated likelihood is too noisy there: "
                     "raise it")
    logpost = _LogPosterior(spec, like)
    samp = spec.sampler
    nwalkers, ndim = samp["walkers"], len(spec.parameters)
    rng = np.random.default_rng(samp["seed"])
    start = np.column_stack([p.sample(rng, nwalkers) for _, p in spec.parameters])
    # Start only where the scenario accepts the values (a prior may reach past a bound).
    # Without a pool, every walker's first point is evaluated in one call; the redraws then
    # go walker by walker, drawing from rng in the order the one-point path does.
    first = logpost.at_points(start) if pool is None else [None] * nwalkers
    for w in range(nwalkers):
        for attempt in range(1000):
            value = first[w] if attempt == 0 and first[w] is not None else logpost(start[w])
            if math.isfinite(value):
                break
            start[w] = [p.sample(rng, 1)[0] for _, p in spec.parameters]
        else:
            raise ValueError("no starting point drawn from the priors has a finite posterior; "
                             "check the priors against the scenario")
    # Without a pool, emcee hands over each half-ensemble at once (vectorize): the points'
    # likelihoods run side by side in C++ (docs/performance.md, "Fits"); under a pool, one
    # point per call as the pool's processes expect. The chain is the same either way.
    stoppable = _Stoppable(logpost.at_points)
    sampler = emcee.EnsembleSampler(nwalkers, ndim,
                                    logpost if pool is not None else stoppable,
                                    moves=[(emcee.moves.DEMove(), 0.8),
                                           (emcee.moves.DESnookerMove(), 0.2)],
                                    pool=None if pool is None else _CountingPool(pool, logpost),
                                    vectorize=pool is None)
    sampler.random_state = np.random.RandomState(samp["seed"]).get_state()  # reproducible
    bar = _progress.ProgressBar(f"fitting {len(spec.parameters)} parameters", unit="steps") \
        if progress is True else None
    callback = bar if bar is not None else (progress if callable(progress) else None)
    try:
        for i, _ in enumerate(sampler.sample(start, iterations=samp["steps"])):
            stoppable.raise_if_stopped()
            if callback is not None and callback(i + 1, samp["steps"]) is False:
                raise KeyboardInterrupt
    finally:
        if bar is not None:
            bar.close()

    result = FitResult(
        names=spec.names,
        priors=[p for _, p in spec.parameters],
        chain=sampler.get_chain(),
        log_prob=sampler.get_log_prob(),
        acceptance=sampler.acceptance_fraction,
        settings=spec,
        programmes=like.programmes,
        evaluations=logpost.evaluations,
        extra_warnings=early,
    )
    result.record_source, result.record_sha256 = source, digest
    result.compute_predictive(spec, threads=threads, progress=progress is True)
    result.check_record(record, progress=progress is True)
    return result


def _autocorr(chain):
    """Integrated autocorrelation time per parameter of a [steps, walkers, parameters]
    chain: emcee's estimator (autocorrelation averaged over walkers, Sokal's automatic
    window with c = 5), without its logged warning; the caller warns instead."""
    import emcee

    steps, walkers, ndim = chain.shape
    tau = np.empty(ndim)
    for d in range(ndim):
        f = np.zeros(steps)
        for w in range(walkers):
            x = chain[:, w, d]
            if np.ptp(x) > 0:
                f += emcee.autocorr.function_1d(x)
        if not f.any():
            tau[d] = np.nan  # a walker set that never moved
            continue
        f /= walkers
        taus = 2.0 * np.cumsum(f) - 1.0
        tau[d] = taus[emcee.autocorr.auto_window(taus, 5.0)]
    return tau


class FitResult:
    """Posterior samples, diagnostics, the prior-posterior table and the posterior
    predictive of a fit."""

    def __init__(self, names, priors, chain, log_prob, acceptance, settings, programmes,
                 evaluations=0, predictive_draws=None, predictive_params=None, path=None,
                 extra_warnings=()):
        self.names = list(names)
        self.priors = list(priors)
        self.chain = np.asarray(chain)  # [steps, walkers, parameters], burn-in included
        self.log_prob = np.asarray(log_prob)
        self.acceptance = np.asarray(acceptance)
        self.settings = settings
        self.programmes = programmes
        self.evaluations = evaluations
        self.path = path
        self._pred = predictive_draws  # [draws, categories + quantiles]
        self._pred_params = predictive_params
        burn = settings.sampler["burn"]
        kept = self.chain[burn:]
        self.autocorr_time = _autocorr(kept) if len(kept) > 1 else np.full(len(names), np.nan)
        n_per_walker = kept.shape[0]
        self.effective_sample_size = kept.shape[1] * n_per_walker / np.maximum(self.autocorr_time, 1.0)
        self.rhat = np.array([split_rhat(kept[:, :, d]) for d in range(len(self.names))])
        self.walkers = walker_table(self.log_prob[burn:], self.acceptance)
        self.record_source, self.record_sha256 = "", ""  # set by fit() and load_fit()
        self.record_check = None  # set by check_record() (fit() runs it) and load_fit()
        self.warnings = list(extra_warnings) + convergence_warnings(
            self.names, self.rhat, self.effective_sample_size, self.walkers, n_per_walker)
        for w in self.warnings:
            warnings.warn(w, RuntimeWarning, stacklevel=3)

    @property
    def burn(self):
        return self.settings.sampler["burn"]

    def samples(self, thin=None, drop_stuck=False):
        """Posterior samples after burn-in (DataFrame, one column per parameter); with
        `drop_stuck`, without the walkers walker_diagnostics() marks as stuck.

        Returns a pandas DataFrame, one column per fitted key path.
        """
        thin = thin or self.settings.sampler["thin"]
        kept = self.chain[self.burn::thin]
        if drop_stuck:
            kept = kept[:, ~self.walkers["stuck"].to_numpy()]
        flat = kept.reshape(-1, len(self.names))
        return pd.DataFrame(flat, columns=pd.Index(self.names, name="parameter"))

    def diagnostics(self):
        """R-hat, autocorrelation time, effective sample size and acceptance, per parameter
        (docs/fitting.md says what each means and when it warns).

        Returns a pandas DataFrame indexed by parameter.
        """
        return pd.DataFrame(
            {
                "rhat": self.rhat,
                "autocorr_time": self.autocorr_time,
                "effective_sample_size": self.effective_sample_size,
                "steps_after_burn": self.chain.shape[0] - self.burn,
                "walkers": self.chain.shape[1],
                "mean_acceptance": float(np.mean(self.acceptance)),
            },
            index=pd.Index(self.names, name="parameter"),
        )

    def walker_diagnostics(self):
        """Per walker: mean log-posterior after burn-in, its difference from the median
        walker's, acceptance, and whether it looks stuck.

        Returns a pandas DataFrame indexed by walker.
        """
        return self.walkers.copy()

    def prior_posterior(self):
        """Prior against posterior: median and 90% interval of each, and how much the
        record narrowed the interval (1 - posterior width / prior width).

        Returns a pandas DataFrame indexed by parameter.
        """
        s = self.samples()
        rows = []
        for name, prior in zip(self.names, self.priors):
            lo, med, hi = prior.quantile([0.05, 0.5, 0.95])
            q = np.quantile(s[name], [0.05, 0.5, 0.95])
            rows.append({
                "prior": repr(prior),
                "prior_median": med, "prior_5%": lo, "prior_95%": hi,
                "posterior_mean": float(s[name].mean()),
                "posterior_median": q[1], "posterior_5%": q[0], "posterior_95%": q[2],
                "narrowing": 1.0 - (q[2] - q[0]) / (hi - lo),
            })
        return pd.DataFrame(rows, index=pd.Index(self.names, name="parameter"))

    def compute_predictive(self, spec, threads=0, progress=False):
        """The posterior predictive for a new programme: `draws` posterior samples, each
        run for `replications` replications.

        Returns None; the results are kept for predictive() and predictive_draws().
        """
        from ._result import CATEGORIES, run

        pred = spec.predictive
        flat = self.chain[self.burn:].reshape(-1, len(self.names))
        if pred["draws"] == 0 or len(flat) == 0:
            self._pred = np.zeros((0, len(CATEGORIES) + len(QUANTILE_LEVELS)))
            self._pred_params = np.zeros((0, len(self.names)))
            return
        rng = np.random.default_rng(pred["seed"])
        picks = flat[rng.choice(len(flat), size=pred["draws"], replace=len(flat) < pred["draws"])]
        rows = []
        bar = _progress.ProgressBar("posterior predictive", unit="draws") if progress else None
        try:
            for i, theta in enumerate(picks):
                s = spec.scenario.with_values([(k, float(v)) for k, v in zip(self.names, theta)])
                r = run(s, replications=pred["replications"], seed=pred["seed"] + i,
                        threads=threads)
                shares = np.asarray(r.tally_category_count, dtype=float) / r.replications
                levels = list(r.quantile_levels)
                given = [r.completion_quantile_given[levels.index(q)] if q in levels else np.nan
                         for q in QUANTILE_LEVELS]
                rows.append(np.concatenate([shares, given]))
                if bar is not None:
                    bar(i + 1, len(picks))
        finally:
            if bar is not None:
                bar.close()
        self._pred = np.asarray(rows)
        self._pred_params = picks

    def check_record(self, record, progress=False):
        """The posterior predictive check against the record: for each posterior draw of
        the predictive, a record replicated from the fitted model and observed as the record
        was, compared statistic by statistic (docs/fitting.md). Keeps the table in
        `record_check` and adds a warning per statistic with p < 0.01.

        Returns the table (a DataFrame indexed by statistic), or None without draws."""
        from . import _fit_check

        if self._pred_params is None or len(self._pred_params) == 0:
            return None
        bar = _progress.ProgressBar("checking against the record", unit="draws") if progress \
            else None
        try:
            self.record_check = _fit_check.check(self.settings, self.names, self._pred_params,
                                                 record, seed=self.settings.predictive["seed"],
                                                 progress=bar)
        finally:
            if bar is not None:
                bar.close()
        for w in _fit_check.warnings_of(self.record_check):
            self.warnings.append(w)
            warnings.warn(w, RuntimeWarning, stacklevel=2)
        return self.record_check

    def plot_record_check(self, ax=None):
        """The record's statistics against the replicated records' 90% ranges.

        Returns the matplotlib Axes."""
        from . import _fit_check

        if self.record_check is None:
            raise ValueError("no record check: the fit had no predictive draws")
        return _fit_check.plot(self.record_check, ax=ax)

    def predictive_draws(self):
        """One row per posterior draw: the share of each end category of a new programme
        and completion-time quantiles among completed programmes.

        Returns a pandas DataFrame, one row per posterior draw.
        """
        from ._result import CATEGORIES

        cols = list(CATEGORIES) + [f"completion_p{int(round(100 * q))}" for q in QUANTILE_LEVELS]
        return pd.DataFrame(self._pred, columns=cols)

    def predictive(self, interval=0.9):
        """Posterior predictive summary for a new programme: median and `interval`
        interval over posterior draws (parameter uncertainty and Monte Carlo error).

        Returns a pandas DataFrame summarising the posterior predictive.
        """
        d = self.predictive_draws()
        a = (1 - interval) / 2
        return pd.DataFrame({
            "median": d.median(),
            f"lower_{int(round(100 * interval))}": d.quantile(a),
            f"upper_{int(round(100 * interval))}": d.quantile(1 - a),
        }).rename_axis("quantity")

    def plot_traces(self, fig=None):
        """The chain as it ran: each parameter's value per step, one line per walker (stuck
        walkers in red), the burn-in shaded; and each walker's acceptance, the median
        dashed.

        Returns the matplotlib Figure.
        """
        import matplotlib.pyplot as plt

        steps, walkers, n = self.chain.shape
        if fig is None:
            fig = plt.figure(figsize=(8, 1.6 * n + 2.2))
        axes = fig.subplots(n + 1, 1, squeeze=False)[:, 0]
        stuck = self.walkers["stuck"].to_numpy()
        x = np.arange(steps)
        for i, name in enumerate(self.names):
            ax = axes[i]
            for w in range(walkers):
                ax.plot(x, self.chain[:, w, i], lw=0.6, alpha=0.9 if stuck[w] else 0.35,
                        color="C3" if stuck[w] else "C0")
            ax.axvspan(0, self.burn, color="0.9", zorder=0)
            ax.set_ylabel(name, fontsize=7)
            ax.tick_params(labelsize=7)
            if i < n - 1:
                ax.set_xticklabels([])
        axes[n - 1].set_xlabel(f"step (burn-in of {self.burn} shaded)", fontsize=8)
        ax = axes[n]
        ax.bar(np.arange(walkers), self.acceptance,
               color=["C3" if s else "C0" for s in stuck])
        ax.axhline(float(np.median(self.acceptance)), color="k", ls="--", lw=0.8)
        ax.set_xlabel("walker", fontsize=8)
        ax.set_ylabel("acceptance", fontsize=8)
        ax.tick_params(labelsize=7)
        fig.tight_layout()
        return fig

    def plot_pairs(self, truth=None, bins=30, fig=None):
        """Pairwise posterior plots: histograms on the diagonal, scatter below it, prior
        density for comparison. `truth` (dict name -> value) draws reference lines.

        Returns the matplotlib Figure.
        """
        import matplotlib.pyplot as plt

        s = self.samples()
        n = len(self.names)
        if fig is None:
            fig = plt.figure(figsize=(2.6 * n + 0.5, 2.6 * n + 0.5))
        axes = fig.subplots(n, n, squeeze=False)
        for i, yi in enumerate(self.names):
            for j, xj in enumerate(self.names):
                ax = axes[i][j]
                if j > i:
                    ax.set_axis_off()
                    continue
                if i == j:
                    ax.hist(s[xj], bins=bins, density=True, color="C0", alpha=0.7,
                            label="posterior")
                    lo, hi = ax.get_xlim()
                    x = np.linspace(lo, hi, 200)
                    ax.plot(x, np.exp([self.priors[j].logpdf(v) for v in x]), color="C7",
                            lw=1, label="prior")
                    if truth and xj in truth:
                        ax.axvline(truth[xj], color="C3", lw=1)
                    ax.set_yticks([])
                else:
                    ax.plot(s[xj], s[yi], ".", ms=1.5, alpha=0.3, color="C0")
                    if truth and xj in truth and yi in truth:
                        ax.plot(truth[xj], truth[yi], "x", color="C3", ms=8)
                if i == n - 1:
                    ax.set_xlabel(xj, fontsize=8)
                if j == 0 and i > 0:
                    ax.set_ylabel(yi, fontsize=8)
        axes[0][0].legend(fontsize=7, loc="upper right")
        fig.tight_layout()
        return fig

    def __repr__(self):
        steps, walkers, ndim = self.chain.shape
        return (f"<progsurv.FitResult: {ndim} parameters, {walkers} walkers x {steps} steps "
                f"(burn {self.burn}), {self.programmes} programmes>")

    def to_hdf5(self, path, force=False, inputs=()):
        """Write the fit file (docs/hdf5-fit-format.md). The file is built in memory and
        written through progsurv's output writer (the one the C++ commands use): a new
        temporary file next to `path`, renamed over it, so a failure leaves nothing
        half-written; never onto a device, a folder or one of `inputs` (the fit's base
        scenario and record, for the command). An empty file or a fit file at `path` is
        replaced; a progsurv file of another kind, a non-empty file that is not a progsurv
        file or a write-protected file only with `force` (the command's --force), else
        ValueError.

        Returns None.
        """
        import io

        import h5py

        from ._output import check_output_path, write_bytes

        path = os.fspath(path)
        check_output_path(path, inputs, force, _core.fit_filetype)
        buffer = io.BytesIO()
        spec = self.settings
        with h5py.File(buffer, "w") as f:
            f.attrs["filetype"] = _core.fit_filetype
            f.attrs["format_version"] = np.array(_core.fit_format_version, dtype=np.int32)
            f.attrs["progsurv_version"] = _core.__version__
            f.attrs["created"] = _created()
            f.attrs["scenario_yaml"] = spec.scenario.to_yaml()
            f.attrs["scenario_name"] = spec.scenario.name
            f.attrs["fit_source"] = spec.source
            f.attrs["programmes"] = int(self.programmes)
            f.attrs["record_source"] = self.record_source
            f.attrs["record_sha256"] = self.record_sha256
            f.attrs["record_as_of"] = spec.as_of or ""
            f.attrs["likelihood_evaluations"] = int(self.evaluations)
            str_dt = h5py.string_dtype()
            p = f.create_group("parameters")
            p.create_dataset("names", data=np.array(self.names, dtype=object), dtype=str_dt)
            p.create_dataset("prior", data=np.array([x.kind for x in self.priors],
                                                    dtype=object), dtype=str_dt)
            p.create_dataset("prior_params", data=np.array(
                [list(x.params.values()) for x in self.priors], dtype=np.float64))
            p.create_dataset("prior_param_names", data=np.array(
                [",".join(x.params) for x in self.priors], dtype=object), dtype=str_dt)
            s = f.create_group("settings")
            for section in ("likelihood", "sampler", "predictive"):
                g = s.create_group(section)
                for k, v in getattr(spec, section).items():
                    g.attrs[k] = v
            c = f.create_group("chain")
            c.create_dataset("samples", data=self.chain, compression="gzip")
            c.create_dataset("log_prob", data=self.log_prob, compression="gzip")
            c.create_dataset("acceptance", data=self.acceptance)
            c.attrs["burn"] = int(self.burn)
            d = f.create_group("diagnostics")
            d.create_dataset("autocorr_time", data=self.autocorr_time)
            d.create_dataset("effective_sample_size", data=self.effective_sample_size)
            d.create_dataset("rhat", data=self.rhat)
            d.create_dataset("walker_stuck", data=self.walkers["stuck"].to_numpy(np.int8))
            d.create_dataset("warnings", data=np.array(self.warnings, dtype=object),
                             dtype=str_dt)
            pp = self.prior_posterior()
            t = f.create_group("prior_posterior")
            for col in pp.columns:
                if col == "prior":
                    continue
                t.create_dataset(col.replace("%", "pct"), data=pp[col].to_numpy(float))
            pr = f.create_group("predictive")
            draws = self.predictive_draws()
            pr.create_dataset("draws", data=draws.to_numpy(float))
            pr.create_dataset("columns", data=np.array(list(draws.columns), dtype=object),
                              dtype=str_dt)
            pr.create_dataset("parameters", data=np.asarray(self._pred_params, float))
            if self.record_check is not None:
                rc = f.create_group("record_check")
                table = self.record_check
                rc.create_dataset("statistic", data=np.array(list(table.index), dtype=object),
                                  dtype=str_dt)
                for col in table.columns:
                    rc.create_dataset(col.replace("%", "pct"), data=table[col].to_numpy(float))
        write_bytes(path, buffer.getvalue(), inputs, force)


def _created():
    import datetime

    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    t = (datetime.datetime.fromtimestamp(int(epoch), datetime.timezone.utc) if epoch
         else datetime.datetime.now(datetime.timezone.utc))
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def load_fit(path):
    """Read a fit file; a foreign, newer or truncated file raises FileFormatError.

    Returns a FitResult.
    """
    import h5py

    path = os.fspath(path)
    try:
        f = h5py.File(path, "r")
    except OSError as e:
        raise _core.FileFormatError(f"{path}: not an HDF5 file or cannot be read ({e})") from None
    with f:
        filetype = f.attrs.get("filetype")
        if filetype != _core.fit_filetype:
            raise _core.FileFormatError(
                f"{path}: not a progsurv fit file (filetype {filetype!r}, expected "
                f"{_core.fit_filetype!r})")
        major, minor = (int(x) for x in f.attrs["format_version"])
        if major != _core.fit_format_version[0]:
            raise _core.FileFormatError(
                f"{path}: fit file format {major}.{minor}; this reader understands "
                f"{_core.fit_format_version[0]}.x")
        try:
            scenario = _core.Scenario.from_yaml(f.attrs["scenario_yaml"], path)
            names = [x for x in f["parameters/names"].asstr()[()]]
            kinds = [x for x in f["parameters/prior"].asstr()[()]]
            pnames = [x.split(",") for x in f["parameters/prior_param_names"].asstr()[()]]
            pvals = f["parameters/prior_params"][()]
            priors = [Prior(k, **dict(zip(n, v))) for k, n, v in zip(kinds, pnames, pvals)]
            sections = {s: {k: (v.item() if hasattr(v, "item") else v)
                            for k, v in f[f"settings/{s}"].attrs.items()}
                        for s in ("likelihood", "sampler", "predictive")}
            spec = FitSpec(scenario, list(zip(names, priors)), sections["likelihood"],
                           sections["sampler"], sections["predictive"],
                           source=str(f.attrs["fit_source"]),
                           as_of=str(f.attrs.get("record_as_of", "")) or None)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                result = FitResult(names, priors, f["chain/samples"][()], f["chain/log_prob"][()],
                                   f["chain/acceptance"][()], spec, int(f.attrs["programmes"]),
                                   int(f.attrs["likelihood_evaluations"]),
                                   f["predictive/draws"][()], f["predictive/parameters"][()],
                                   path=path)
            # The warnings as the fit gave them (some, like an inert parameter, need the
            # record, which the file does not hold).
            result.warnings = list(f["diagnostics/warnings"].asstr()[()])
            result.record_source = str(f.attrs.get("record_source", ""))  # 1.1
            result.record_sha256 = str(f.attrs.get("record_sha256", ""))
            if "record_check" in f:  # 1.1
                rc = f["record_check"]
                columns = ["observed", "replicated_median", "replicated_5%", "replicated_95%",
                           "p_value"]
                result.record_check = pd.DataFrame(
                    {c: rc[c.replace("%", "pct")][()] for c in columns},
                    index=pd.Index(list(rc["statistic"].asstr()[()]), name="statistic"))
            return result
        except KeyError as e:
            raise _core.FileFormatError(f"{path}: missing {e}") from None


def simulate_record(scenario, programmes, seed=1, observed=True, levels=True, causes=True,
                    phases=True):
    """A synthetic record of `programmes` past programmes drawn from `scenario` (known
    parameter values). Returns a DataFrame in the record format.

    observed  True: each programme was proposed at a uniformly random time in the
              scenario's horizon before the record was taken, so one still in progress at
              its age is recorded as running, or scoping before its approval
              (right-censored); False: every programme is followed to its end or the
              horizon. A running row's phases so far are left blank (unknown).
    levels, causes, phases  False blanks that column (unknown), as in a sparse record.
    """
    from ._result import run

    if isinstance(scenario, (str, os.PathLike)):
        scenario = _core.Scenario.load(os.fspath(scenario))
    rec = run(scenario, replications=int(programmes), seed=seed, threads=1,
              keep_replications=True).records()
    rng = np.random.default_rng(seed)
    horizon = scenario.horizon
    age = rng.uniform(0, horizon, size=len(rec)) if observed else np.full(len(rec), horizon)
    rows = []
    for i, r in enumerate(rec.itertuples(index=False)):
        outcome = str(r.outcome)
        row = {"sponsor_level": str(r.initial_level) if levels else None,
               "outcome": outcome, "cause": None, "month": None, "phases_delivered": None}
        # Not yet approved nor dead when the record was taken (or still scoping at the horizon).
        if r.time_scoping > age[i] or (outcome == "running" and r.time_scoping >= r.end_time):
            row.update(outcome="scoping", month=round(float(min(age[i], r.end_time)), 3))
        elif outcome == "not_started":
            row["month"] = round(float(r.end_time), 3)  # when the proposal died
            row["phases_delivered"] = 0 if phases else None
        elif outcome == "running" or r.end_time > age[i]:
            row.update(outcome="running", month=round(float(min(age[i], r.end_time)), 3))
        else:
            row["month"] = round(float(r.end_time), 3)
            row["phases_delivered"] = int(r.phases_delivered) if phases else None
            if outcome == "ended" and causes:
                row["cause"] = str(r.cause)
        rows.append(row)
    frame = pd.DataFrame(rows, columns=["sponsor_level", "outcome", "cause", "month",
                                        "phases_delivered"])
    # Whole numbers with blanks for unknown, so frame.to_csv() writes a valid record.
    frame["phases_delivered"] = frame["phases_delivered"].astype("Int64")
    return frame
