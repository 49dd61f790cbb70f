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

PRIOR_KINDS = ("uniform", "log-uniform", "beta", "lognormal")
_PRIOR_PARAMS = {
    "uniform": ("low", "high"),
    "log-uniform": ("low", "high"),
    "beta": ("a", "b"),
    "lognormal": ("median", "sigma"),
}
_TOP_KEYS = ("scenario", "parameters", "likelihood", "sampler", "predictive")
_LIKELIHOOD_KEYS = {"method": str, "replications": int, "seed": int, "bin_months": float}
_SAMPLER_KEYS = {"walkers": int, "steps": int, "burn": int, "thin": int, "seed": int}
_PREDICTIVE_KEYS = {"draws": int, "replications": int, "seed": int}
_DEFAULTS = {
    "likelihood": {"method": "simulated", "replications": 16384, "seed": 1, "bin_months": 3.0},
    "sampler": {"walkers": 16, "steps": 600, "burn": 200, "thin": 1, "seed": 1},
    "predictive": {"draws": 100, "replications": 4096, "seed": 1},
}
QUANTILE_LEVELS = (0.1, 0.5, 0.8, 0.9)  # completion-time quantiles of the predictive
# Caps checked when a fit file is read (docs/robustness.md): beyond them a fit would not
# finish in any useful time; the chain's memory is checked against the memory limit too.
_CAPS = {
    ("likelihood", "replications"): 10_000_000,
    ("sampler", "walkers"): 100_000,
    ("sampler", "steps"): 100_000_000,
    ("predictive", "draws"): 1_000_000,
    ("predictive", "replications"): 10_000_000,
}
_MAX_PREDICTIVE_SIMULATIONS = 10**10  # draws x replications
_MAX_FIT_FILE_BYTES = 16 * 1024 * 1024  # as for scenario files
MAX_THREADS = 1024  # as the command line's --threads


def _error(source, mark, key, message):
    """A progsurv.ScenarioError at a YAML mark (file:line:column: 'key': message)."""
    line = mark.line + 1 if mark is not None else 0
    column = mark.column + 1 if mark is not None else 0
    where = f"{source}:{line}:{column}" if line else source
    text = f"{where}: '{key}': {message}" if key else f"{where}: {message}"
    err = _core.ScenarioError(text)
    err.file, err.line, err.column, err.key, err.message = source, line, column, key, message
    return err


class Prior:
    """A prior of one parameter: uniform(low, high), log-uniform(low, high), beta(a, b) or
    lognormal(median, sigma)."""

    def __init__(self, kind, **params):
        from scipy import stats

        if kind not in PRIOR_KINDS:
            raise ValueError(f"prior must be one of {', '.join(PRIOR_KINDS)}, not {kind!r}")
        expected = _PRIOR_PARAMS[kind]
        if set(params) != set(expected):
            raise ValueError(f"a {kind} prior takes {' and '.join(expected)}, not {sorted(params)}")
        self.kind = kind
        self.params = {k: float(params[k]) for k in expected}
        p = self.params
        for k, v in p.items():
            if not math.isfinite(v):
                raise ValueError(f"{k} must be a finite number, not {v}")
        if kind == "uniform":
            if not p["low"] < p["high"]:
                raise ValueError("low must be below high")
            self._dist = stats.uniform(p["low"], p["high"] - p["low"])
        elif kind == "log-uniform":
            if not 0 < p["low"] < p["high"]:
                raise ValueError("log-uniform needs 0 < low < high")
            self._dist = stats.loguniform(p["low"], p["high"])
        elif kind == "beta":
            if not (p["a"] > 0 and p["b"] > 0):
                raise ValueError("beta needs a > 0 and b > 0")
            self._dist = stats.beta(p["a"], p["b"])
        else:
            if not (p["median"] > 0 and p["sigma"] > 0):
                raise ValueError("lognormal needs median > 0 and sigma > 0")
            self._dist = stats.lognorm(p["sigma"], scale=p["median"])

    def logpdf(self, x):
        """Returns the log prior density at x (a float; -inf outside the support)."""
        return float(self._dist.logpdf(x))

    def sample(self, rng, size):
        """Returns a NumPy array of `size` prior draws made with the NumPy Generator rng."""
        return self._dist.ppf(rng.uniform(size=size))

    def quantile(self, q):
        """Returns the prior quantile at q."""
        return self._dist.ppf(q)

    def mean(self):
        """Returns the prior mean (a float)."""
        return float(self._dist.mean())

    def __repr__(self):
        args = ", ".join(f"{k}={v:g}" for k, v in self.params.items())
        return f"{self.kind}({args})"


class FitSpec:
    """A fit file: the base scenario, the parameters with their priors (in order), and
    the likelihood, sampler and predictive settings (dicts, every default filled in)."""

    def __init__(self, scenario, parameters, likelihood=None, sampler=None, predictive=None,
                 source="<fit>"):
        self.scenario = scenario
        self.parameters = list(parameters)  # [(key path, Prior)]
        self.likelihood = {**_DEFAULTS["likelihood"], **(likelihood or {})}
        self.sampler = {**_DEFAULTS["sampler"], **(sampler or {})}
        self.predictive = {**_DEFAULTS["predictive"], **(predictive or {})}
        self.source = source
        self.scenario_file = None  # the base scenario's path, when read from a fit file

    @property
    def names(self):
        return [k for k, _ in self.parameters]

    @classmethod
    def load(cls, path):
        """Read a fit YAML file; errors name the file, line, column and key."""
        path = os.fspath(path)
        try:
            with open(path, "rb") as f:
                data = f.read(_MAX_FIT_FILE_BYTES + 1)
        except OSError as e:
            raise _error(path, None, "", f"cannot read file: {e.strerror}") from None
        if len(data) > _MAX_FIT_FILE_BYTES:
            raise _error(path, None, "", f"the file is larger than "
                         f"{_MAX_FIT_FILE_BYTES // (1024 * 1024)} MiB; a fit file is a few lines")
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as e:
            line = data.count(b"\n", 0, e.start) + 1
            column = e.start - (data.rfind(b"\n", 0, e.start) + 1) + 1
            err = _error(path, None, "", f"invalid UTF-8 (byte 0x{data[e.start]:02x}); "
                         "save the file as UTF-8")
            err.line, err.column = line, column
            err.args = (f"{path}:{line}:{column}: invalid UTF-8 (byte 0x{data[e.start]:02x}); "
                        "save the file as UTF-8",)
            raise err from None
        return cls.from_yaml(text, path, base_dir=os.path.dirname(os.path.abspath(path)))

    @classmethod
    def from_yaml(cls, text, source="<string>", base_dir="."):
        import yaml

        try:
            root = yaml.compose(text, Loader=yaml.SafeLoader)
        except yaml.YAMLError as e:
            mark = getattr(e, "problem_mark", None)
            raise _error(source, mark, "", f"invalid YAML: {getattr(e, 'problem', e)}") from None
        except RecursionError:
            raise _error(source, None, "", "invalid YAML: nested too deeply (a fit file needs "
                         "three levels)") from None
        if not isinstance(root, yaml.MappingNode):
            raise _error(source, root.start_mark if root else None, "",
                         "expected a map with scenario, parameters, likelihood, sampler, "
                         "predictive")
        top = _mapping(source, root, "")
        for key, (knode, _) in top.items():
            if key not in _TOP_KEYS:
                raise _error(source, knode.start_mark, key,
                             f"unknown key; expected one of: {', '.join(_TOP_KEYS)}")
        if "scenario" not in top:
            raise _error(source, root.start_mark, "scenario",
                         "missing: the path of the base scenario YAML (relative to this file)")
        snode = top["scenario"][1]
        if not isinstance(snode, yaml.ScalarNode) or not snode.value:
            raise _error(source, snode.start_mark, "scenario", "expected a file path")
        spath = snode.value if os.path.isabs(snode.value) else os.path.join(base_dir, snode.value)
        try:
            scenario = _core.Scenario.load(spath)
        except _core.ScenarioError as e:
            raise _error(source, snode.start_mark, "scenario",
                         f"the base scenario is invalid: {e}") from None

        if "parameters" not in top:
            raise _error(source, root.start_mark, "parameters",
                         "missing: a map of key paths to priors, e.g. "
                         "'sponsor_levels.vp.approval: {prior: beta, a: 1, b: 1}'")
        pnode = top["parameters"][1]
        params = []
        for key, (knode, vnode) in _mapping(source, pnode, "parameters").items():
            where = f"parameters.{key}"
            fields = {k: v for k, (_, v) in _mapping(source, vnode, where).items()}
            if "prior" not in fields:
                raise _error(source, vnode.start_mark, where,
                             f"missing 'prior' (one of: {', '.join(PRIOR_KINDS)})")
            kind = fields.pop("prior").value
            if kind not in PRIOR_KINDS:
                raise _error(source, vnode.start_mark, where + ".prior",
                             f"'{kind}' is not a prior; expected one of: {', '.join(PRIOR_KINDS)}")
            values = {}
            for name, node in fields.items():
                if name not in _PRIOR_PARAMS[kind]:
                    raise _error(source, node.start_mark, f"{where}.{name}",
                                 f"a {kind} prior takes {' and '.join(_PRIOR_PARAMS[kind])}")
                values[name] = _number(source, node, f"{where}.{name}", float)
            try:
                prior = Prior(kind, **values)
            except ValueError as e:
                raise _error(source, vnode.start_mark, where, str(e)) from None
            # The key path must be one the scenario accepts; try its prior median.
            try:
                scenario.with_values({key: float(prior.quantile(0.5))})
            except _core.ScenarioError as e:
                raise _error(source, knode.start_mark, where,
                             f"not a parameter of the base scenario: {e.message or e}") from None
            # ... and a number: a key that takes any text (a name) cannot be fitted.
            try:
                scenario.with_values({key: "progsurv-fit-text-probe"})
                takes_text = True
            except _core.ScenarioError:
                takes_text = False
            if takes_text:
                raise _error(source, knode.start_mark, where,
                             "a text key cannot be fitted; expected a numeric key path")
            params.append((key, prior))
        if not params:
            raise _error(source, pnode.start_mark, "parameters", "no parameters to fit")

        sections = {}
        for section, allowed in (("likelihood", _LIKELIHOOD_KEYS), ("sampler", _SAMPLER_KEYS),
                                 ("predictive", _PREDICTIVE_KEYS)):
            sections[section] = {}
            if section not in top:
                continue
            for key, (knode, vnode) in _mapping(source, top[section][1], section).items():
                if key not in allowed:
                    raise _error(source, knode.start_mark, f"{section}.{key}",
                                 f"unknown key; expected one of: {', '.join(allowed)}")
                if allowed[key] is str:
                    sections[section][key] = vnode.value
                else:
                    sections[section][key] = _number(source, vnode, f"{section}.{key}",
                                                     allowed[key])
        spec = cls(scenario, params, sections["likelihood"], sections["sampler"],
                   sections["predictive"], source=source)
        spec.scenario_file = spath
        try:
            spec.check()
        except ValueError as e:
            raise _error(source, root.start_mark, e.args[1], e.args[0]) from None
        return spec

    def check(self):
        """Raises ValueError(message, key) for settings out of range.

        Returns None; raises ValueError naming the key when the spec is not valid.
        """
        like, samp, pred = self.likelihood, self.sampler, self.predictive
        if like["method"] not in ("simulated", "exact"):
            raise ValueError("expected 'simulated' or 'exact'", "likelihood.method")
        if like["replications"] < 1024:
            raise ValueError("expected at least 1024", "likelihood.replications")
        if not like["bin_months"] > 0:
            raise ValueError("expected a number of months > 0", "likelihood.bin_months")
        if samp["walkers"] < 2 * len(self.parameters):
            raise ValueError(f"emcee needs at least 2 x {len(self.parameters)} parameters = "
                             f"{2 * len(self.parameters)} walkers", "sampler.walkers")
        if samp["steps"] < 1 or not 0 <= samp["burn"] < samp["steps"]:
            raise ValueError("expected steps >= 1 and 0 <= burn < steps", "sampler.burn")
        if samp["thin"] < 1:
            raise ValueError("expected at least 1", "sampler.thin")
        if pred["draws"] < 0 or pred["replications"] < 1:
            raise ValueError("expected draws >= 0 and replications >= 1", "predictive")
        for section in (like, samp, pred):
            if "seed" in section and not 0 <= section["seed"] < 2**63:
                raise ValueError("expected a seed in [0, 2**63)", "seed")
        for (section, key), cap in _CAPS.items():
            value = getattr(self, section)[key]
            if value > cap:
                raise ValueError(f"at most {cap:,} (got {value:,})", f"{section}.{key}")
        if pred["draws"] * pred["replications"] > _MAX_PREDICTIVE_SIMULATIONS:
            raise ValueError(f"draws x replications = {pred['draws'] * pred['replications']:.3g}"
                             f" simulated programmes; at most {_MAX_PREDICTIVE_SIMULATIONS:.0e}",
                             "predictive")
        # The chain (samples and log-probabilities) is held in memory, and once more as the
        # file image when it is written.
        chain_bytes = 2.0 * samp["steps"] * samp["walkers"] * (len(self.parameters) + 2) * 8
        try:
            _core.check_memory(chain_bytes, f"a chain of {samp['walkers']} walkers x "
                               f"{samp['steps']} steps")
        except ValueError as e:
            raise ValueError(str(e), "sampler.steps") from None
        if like["method"] == "exact":
            violations = _core.markov_violations(self.scenario)
            if violations:
                raise ValueError("the exact likelihood needs a Markov scenario; the base "
                                 "scenario has " + "; ".join(violations) +
                                 " (use method: simulated)", "likelihood.method")


def _mapping(source, node, where):
    import yaml

    if not isinstance(node, yaml.MappingNode):
        raise _error(source, node.start_mark, where, "expected a map")
    out = {}
    for knode, vnode in node.value:
        key = str(knode.value)
        if key in out:
            raise _error(source, knode.start_mark, f"{where}.{key}" if where else key,
                         "appears twice")
        out[key] = (knode, vnode)
    return out


def _number(source, node, where, kind):
    import yaml

    if isinstance(node, yaml.ScalarNode):
        try:
            value = float(node.value)
            if kind is int:
                if value != int(value):
                    raise ValueError
                return int(value)
            if math.isfinite(value):
                return value
        except ValueError:
            pass
    what = "a whole number" if kind is int else "a number"
    raise _error(source, node.start_mark, where, f"expected {what}")


def _as_record(record):
    if isinstance(record, _core.ProgrammeRecord):
        return record
    if isinstance(record, (str, os.PathLike)):
        return _core.read_record(os.fspath(record))
    if isinstance(record, pd.DataFrame):
        return _core.parse_record(record_to_csv(record), "<DataFrame>")
    raise TypeError("record must be a path to a CSV file, a DataFrame or a ProgrammeRecord")


def record_to_csv(frame):
    """CSV text of a record DataFrame (columns as in docs/record-format.md; NaN/None =
    unknown)."""
    cols = [c for c in ("sponsor_level", "outcome", "cause", "month", "phases_delivered")
            if c in frame.columns]
    lines = [",".join(cols)]
    for row in frame[cols].itertuples(index=False):
        cells = []
        for c, v in zip(cols, row):
            if v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v)):
                cells.append("")
            elif c == "phases_delivered":
                cells.append(str(int(v)))
            elif c == "month":
                cells.append(repr(float(v)))
            else:
                cells.append(str(v))
        lines.append(",".join(cells))
    return "\n".join(lines) + "\n"


def read_record(path):
    """A record CSV as a DataFrame (None where a field is unknown); errors name the file,
    line and column.

    Returns a pandas DataFrame, one row per programme.
    """
    frame = pd.DataFrame(_core.read_record(os.fspath(path)).columns()).set_index("line")
    frame["month"] = frame["month"].astype(float)
    frame["phases_delivered"] = frame["phases_delivered"].astype("Int64")
    return frame


class Likelihood:
    """The log-likelihood of a record as a function of the fitted parameter values:
    Likelihood(spec, record)(theta) with theta in the order of spec.names;
    details(theta, method) also gives its Monte Carlo error and each row's probability."""

    def __init__(self, spec, record, threads=0):
        like = spec.likelihood
        self.spec = spec
        self.names = spec.names
        self.method = like["method"]
        self._lik = _core.RecordLikelihood(spec.scenario, _as_record(record),
                                           replications=like["replications"],
                                           seed=like["seed"], threads=threads,
                                           bin_months=like["bin_months"])

    def scenario(self, theta):
        """Returns the Scenario with the fitted key paths set to the values theta."""
        return self.spec.scenario.with_values(
            [(k, float(v)) for k, v in zip(self.names, theta)])

    def __call__(self, theta):
        s = self.scenario(theta)
        if self.method == "exact":
            return self._lik.exact(s)["log_likelihood"]
        return self._lik.simulated_log_likelihood(s)

    def details(self, theta, method=None):
        """Returns a dict: the log-likelihood at theta, its Monte Carlo standard error
        (simulated) and each record row's probability, by "simulated" or "exact"."""
        s = self.scenario(theta)
        method = method or self.method
        return self._lik.exact(s) if method == "exact" else self._lik.simulated(s)

    @property
    def programmes(self):
        return self._lik.programmes


class _LogPosterior:
    def __init__(self, spec, likelihood):
        self.priors = [p for _, p in spec.parameters]
        self.likelihood = likelihood
        self.evaluations = 0

    def __call__(self, theta):
        lp = 0.0
        for prior, x in zip(self.priors, theta):
            lp += prior.logpdf(x)
        if not math.isfinite(lp):
            return -math.inf
        self.evaluations += 1
        try:
            ll = self.likelihood(theta)
        except _core.ScenarioError:
            return -math.inf  # a value the scenario rejects (e.g. a probability above 1)
        return lp + ll if math.isfinite(ll) else -math.inf


def fit(spec, record, *, walkers=None, steps=None, burn=None, seed=None, method=None,
        replications=None, predictive_draws=None, threads=0, progress=False):
    """Fit the parameters of a fit file (a path or FitSpec) to a record (CSV path,
    DataFrame or ProgrammeRecord) with emcee; keyword arguments override the file's
    settings. Returns a FitResult."""
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
                   dict(spec.predictive), spec.source)
    spec.scenario_file = scenario_file
    if isinstance(threads, bool) or not isinstance(threads, int) or not 0 <= threads <= MAX_THREADS:
        raise ValueError(f"threads: expected 0 (all cores) to {MAX_THREADS}, got {threads!r}")
    for (section, key), value in overrides.items():
        if value is not None:
            getattr(spec, section)[key] = value
    if steps is not None and burn is None:
        spec.sampler["burn"] = min(spec.sampler["burn"], steps // 3)
    try:
        spec.check()
    except ValueError as e:
        raise ValueError(f"{e.args[1]}: {e.args[0]}") from None

    like = Likelihood(spec, record, threads=threads)
    logpost = _LogPosterior(spec, like)
    samp = spec.sampler
    nwalkers, ndim = samp["walkers"], len(spec.parameters)
    rng = np.random.default_rng(samp["seed"])
    start = np.column_stack([p.sample(rng, nwalkers) for _, p in spec.parameters])
    # Start only where the scenario accepts the values (a prior may reach past a bound).
    for w in range(nwalkers):
        for _ in range(1000):
            if math.isfinite(logpost(start[w])):
                break
            start[w] = [p.sample(rng, 1)[0] for _, p in spec.parameters]
        else:
            raise ValueError("no starting point drawn from the priors has a finite posterior; "
                             "check the priors against the scenario")
    sampler = emcee.EnsembleSampler(nwalkers, ndim, logpost,
                                    moves=[(emcee.moves.DEMove(), 0.8),
                                           (emcee.moves.DESnookerMove(), 0.2)])
    sampler.random_state = np.random.RandomState(samp["seed"]).get_state()  # reproducible
    bar = _progress.ProgressBar(f"fitting {len(spec.parameters)} parameters") if progress is True \
        else None
    callback = bar if bar is not None else (progress if callable(progress) else None)
    try:
        for i, _ in enumerate(sampler.sample(start, iterations=samp["steps"])):
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
    )
    result.compute_predictive(spec, threads=threads, progress=progress is True)
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
                 evaluations=0, predictive_draws=None, predictive_params=None, path=None):
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
        self.warnings = []
        for name, tau in zip(self.names, self.autocorr_time):
            if not np.isfinite(tau) or n_per_walker < 50 * tau:
                self.warnings.append(
                    f"{name}: the chain after burn-in ({n_per_walker} steps) is shorter than 50 "
                    f"autocorrelation times ({tau:.1f} steps each); run more steps before "
                    "trusting the intervals")
        for w in self.warnings:
            warnings.warn(w, RuntimeWarning, stacklevel=3)

    @property
    def burn(self):
        return self.settings.sampler["burn"]

    def samples(self, thin=None):
        """Posterior samples after burn-in (DataFrame, one column per parameter).

        Returns a pandas DataFrame, one column per fitted key path.
        """
        thin = thin or self.settings.sampler["thin"]
        flat = self.chain[self.burn::thin].reshape(-1, len(self.names))
        return pd.DataFrame(flat, columns=pd.Index(self.names, name="parameter"))

    def diagnostics(self):
        """Autocorrelation time, effective sample size and acceptance, per parameter.

        Returns a pandas DataFrame indexed by parameter.
        """
        return pd.DataFrame(
            {
                "autocorr_time": self.autocorr_time,
                "effective_sample_size": self.effective_sample_size,
                "steps_after_burn": self.chain.shape[0] - self.burn,
                "walkers": self.chain.shape[1],
                "mean_acceptance": float(np.mean(self.acceptance)),
            },
            index=pd.Index(self.names, name="parameter"),
        )

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
        bar = _progress.ProgressBar("posterior predictive") if progress else None
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
        half-written; never onto a device, a folder, one of `inputs` (the fit's base scenario
        and record, for the command) or a write-protected file unless `force`.

        Returns None.
        """
        import io

        import h5py

        from ._output import check_output_path, write_bytes

        path = os.fspath(path)
        check_output_path(path, inputs, force)
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
                           source=str(f.attrs["fit_source"]))
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                return FitResult(names, priors, f["chain/samples"][()], f["chain/log_prob"][()],
                                 f["chain/acceptance"][()], spec, int(f.attrs["programmes"]),
                                 int(f.attrs["likelihood_evaluations"]),
                                 f["predictive/draws"][()], f["predictive/parameters"][()],
                                 path=path)
        except KeyError as e:
            raise _core.FileFormatError(f"{path}: missing {e}") from None


def simulate_record(scenario, programmes, seed=1, observed=True, levels=True, causes=True,
                    phases=True):
    """A synthetic record of `programmes` past programmes drawn from `scenario` (known
    parameter values). Returns a DataFrame in the record format.

    observed  True: each programme was proposed at a uniformly random time in the
              scenario's horizon before the record was taken, so one still in progress at
              its age is recorded as running (right-censored); False: every programme is
              followed to its end or the horizon.
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
        if outcome == "not_started":
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
