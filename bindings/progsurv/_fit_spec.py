"""The fit file (docs/fitting.md): priors, and the YAML reader of a fit specification with
located errors (file:line:column: 'key': message). The fitting itself is in _fit.py.
"""
import math
import os

import numpy as np

from . import _core

PRIOR_KINDS = ("uniform", "log-uniform", "beta", "lognormal")
_PRIOR_PARAMS = {
    "uniform": ("low", "high"),
    "log-uniform": ("low", "high"),
    "beta": ("a", "b"),
    "lognormal": ("median", "sigma"),
}
_TOP_KEYS = ("scenario", "as_of", "parameters", "likelihood", "sampler", "predictive")
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


def is_date(text):
    """Whether `text` is a calendar date written YYYY-MM-DD (as the record's dates)."""
    import datetime
    import re

    if not isinstance(text, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        return False
    try:
        datetime.date.fromisoformat(text)
    except ValueError:
        return False
    return True


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

    def logpdfs(self, xs):
        """Returns the log prior densities at the values xs as a NumPy array, in one call
        (each bitwise the one logpdf() gives)."""
        return self._dist.logpdf(np.ascontiguousarray(xs, dtype=float))

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
                 source="<fit>", as_of=None):
        self.scenario = scenario
        # The date the record was taken (YYYY-MM-DD), for dated rows without an as_of column
        # (docs/record-format.md); None when the record needs none.
        self.as_of = as_of
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
        as_of = None
        if "as_of" in top:
            anode = top["as_of"][1]
            as_of = anode.value if isinstance(anode, yaml.ScalarNode) else ""
            if not is_date(as_of):
                raise _error(source, anode.start_mark, "as_of",
                             f"'{as_of}' is not a date; expected the date the record was "
                             "taken as YYYY-MM-DD (e.g. 2024-03-31)")
        spec = cls(scenario, params, sections["likelihood"], sections["sampler"],
                   sections["predictive"], source=source, as_of=as_of)
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
