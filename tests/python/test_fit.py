"""progsurv.fit and `progsurv fit`: the Beta-binomial conjugate check, exact against
simulated posteriors on a Markov scenario, a bounded recovery (simulation-based
calibration) run, errors that point at the record row or fit-file key, and the fit file."""
import concurrent.futures
import importlib.util
import math
import multiprocessing
import os
import shutil
import subprocess
import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import progsurv
from conftest import CLI, REPO, SCENARIOS, run_cli

MARKOV = SCENARIOS / "exact" / "markov.yaml"
# Two ranks on this machine (the fit's MPI tests).
MPIRUN = ("mpirun", "--allow-run-as-root", "--oversubscribe", "-n", "2")


def spec(parameters, method="simulated", replications=4096, walkers=12, steps=400, burn=100,
         seed=1, draws=0):
    return progsurv.FitSpec(
        progsurv.Scenario.load(MARKOV), list(parameters.items()),
        likelihood={"method": method, "replications": replications, "seed": 1,
                    "bin_months": 3.0},
        sampler={"walkers": walkers, "steps": steps, "burn": burn, "seed": seed},
        predictive={"draws": draws, "replications": 2048, "seed": 1})


def quiet_fit(*args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return progsurv.fit(*args, **kwargs)


def test_approval_posterior_is_beta_binomial():
    # Fitting only approval, every factor of the likelihood but P(started) cancels, so the
    # posterior is Beta(a + started, b + not started) whatever else the record says.
    scenario = progsurv.Scenario.load(MARKOV)
    record = progsurv.simulate_record(scenario, 40, seed=11)
    started = int((record.outcome != "not_started").sum())
    fit = quiet_fit(spec({"sponsor_levels.vp.approval": progsurv.Prior("beta", a=2, b=2)},
                         replications=2048, walkers=12, steps=500, burn=100), record)
    posterior = stats.beta(2 + started, 2 + len(record) - started)
    q = [0.05, 0.25, 0.5, 0.75, 0.95]
    got = np.quantile(fit.samples()["sponsor_levels.vp.approval"], q)
    np.testing.assert_allclose(got, posterior.ppf(q), atol=0.035)
    assert fit.diagnostics()["effective_sample_size"].iloc[0] > 300
    # A converged fit: every diagnostic passes, so nothing warns.
    assert fit.warnings == [], fit.warnings
    assert fit.diagnostics()["rhat"].iloc[0] < 1.1
    assert not fit.walker_diagnostics()["stuck"].any()


def test_stuck_walker_and_short_chain_warn_and_name_themselves():
    scenario = progsurv.Scenario.load(MARKOV)
    record = progsurv.simulate_record(scenario, 40, seed=11)
    good = quiet_fit(spec({"sponsor_levels.vp.approval": progsurv.Prior("beta", a=2, b=2)},
                          replications=2048, walkers=12, steps=500, burn=100), record)
    assert good.warnings == []
    # Walker 3 stuck far in the tail where the others never go: it never moves and its
    # log-posterior is 8 below the rest (as a badly initialised walker that cannot leave).
    chain = good.chain.copy()
    log_prob = good.log_prob.copy()
    acceptance = good.acceptance.copy()
    chain[:, 3, 0] = 0.97
    log_prob[:, 3] = np.median(log_prob[good.burn:]) - 8.0
    acceptance[3] = 0.0
    with pytest.warns(RuntimeWarning):
        stuck = progsurv.FitResult(good.names, good.priors, chain, log_prob, acceptance,
                                   good.settings, good.programmes)
    text = " ".join(stuck.warnings)
    assert "stuck walkers: walker 3 " in text, text
    assert "R-hat" in text, text  # one walker apart makes the walkers disagree
    assert stuck.walker_diagnostics()["stuck"].tolist() == [w == 3 for w in range(12)]
    assert stuck.diagnostics()["rhat"].iloc[0] > 1.1
    # Dropping it gives back the posterior of the others.
    kept = stuck.samples(drop_stuck=True)["sponsor_levels.vp.approval"]
    assert len(kept) == 11 * (500 - 100) and kept.max() < 0.97
    # A short chain: the walkers have not mixed and the sample is small; both are named.
    short = quiet_fit(spec({"sponsor_levels.vp.approval": progsurv.Prior("beta", a=2, b=2)},
                           replications=2048, walkers=12, steps=24, burn=4), record)
    assert any("effective sample size" in w for w in short.warnings), short.warnings


def test_steps_not_above_the_burn_in_are_refused_not_cut():
    scenario = progsurv.Scenario.load(MARKOV)
    record = progsurv.simulate_record(scenario, 20, seed=3)
    s = spec({"sponsor_levels.vp.approval": progsurv.Prior("beta", a=2, b=2)}, steps=400,
             burn=100)
    with pytest.raises(ValueError, match=r"steps=80 is not more than the fit file's burn-in "
                                         r"\(100 steps\); give burn as well"):
        quiet_fit(s, record, steps=80)


def grid_posterior(like, priors, axes, method):
    """Log posterior on the product grid of `axes` (lists of values per parameter)."""
    mesh = np.meshgrid(*axes, indexing="ij")
    logp = np.empty(mesh[0].shape)
    for idx in np.ndindex(logp.shape):
        theta = [m[idx] for m in mesh]
        logp[idx] = (sum(p.logpdf(x) for p, x in zip(priors, theta))
                     + like.details(theta, method)["log_likelihood"])
    return logp


def marginal_quantiles(logp, axis_values, axis, qs):
    w = np.exp(logp - logp.max())
    other = tuple(i for i in range(w.ndim) if i != axis)
    marginal = w.sum(axis=other)
    cdf = np.cumsum(marginal) / marginal.sum()
    return np.interp(qs, cdf, axis_values)


def test_exact_and_simulated_posteriors_agree():
    # The posterior of two parameters on a grid, once with the exact (CTMC) likelihood
    # and once with the simulated one: a comparison free of sampler noise. The simulated
    # posterior is shifted by the Monte Carlo error of its likelihood, about a quarter of
    # a posterior sd at 16384 replications for this record, a tenth at 65536 (fitting.md).
    scenario = progsurv.Scenario.load(MARKOV)
    record = progsurv.simulate_record(scenario, 150, seed=5)
    params = {"succession.adoption": progsurv.Prior("beta", a=2, b=2),
              "patience.rate": progsurv.Prior("log-uniform", low=0.002, high=0.2)}
    fit_spec = spec(params, replications=65536)
    like = progsurv.Likelihood(fit_spec, record)
    axes = [np.linspace(0.02, 0.98, 20), np.geomspace(0.005, 0.15, 20)]
    priors = list(params.values())
    exact = grid_posterior(like, priors, axes, "exact")
    sim = grid_posterior(like, priors, axes, "simulated")
    qs = [0.05, 0.25, 0.5, 0.75, 0.95]
    for i, name in enumerate(params):
        qe = marginal_quantiles(exact, axes[i], i, qs)
        qsim = marginal_quantiles(sim, axes[i], i, qs)
        spread = (qe[-1] - qe[0]) / 3.29  # the posterior's sd, were it normal
        np.testing.assert_allclose(qsim, qe, atol=0.3 * spread, err_msg=name)


def load_recovery():
    path = REPO / "tests" / "recovery" / "recovery.py"
    module_spec = importlib.util.spec_from_file_location("recovery", path)
    module = importlib.util.module_from_spec(module_spec)
    module_spec.loader.exec_module(module)
    return module


def test_recovery_bounded():
    # The bounded version of tests/recovery/recovery.py (docs/fitting.md has the full run):
    # ten records drawn from parameter values drawn from the priors, two parameters each.
    # A calibrated fit covers the true value with its 90% interval 18 times in 20 on
    # average; 13 or fewer of 20 happens with probability 0.0024. The check rejects a fit
    # whose intervals cover half the time with probability 0.94 (0.75 at a coverage of 0.6).
    recovery = load_recovery()
    b = recovery.BOUNDED
    params = b["parameters"]
    rows = recovery.run_recovery(b["records"], [b["programmes"]], parameters=params,
                                 replications=b["replications"], walkers=b["walkers"],
                                 steps=b["steps"], burn=b["burn"], workers=1, threads=2)
    table = recovery.coverage_table(rows)
    assert len(table) == 2
    assert int(rows["covered"].sum()) >= 14, table.to_string()
    assert rows["rank"].between(0, recovery.RANK_DRAWS).all()
    # Coverage alone is met by a fit that learns nothing (its prior covers 90% too): the
    # intervals must be well inside the priors' own 90% ranges.
    for name in params:
        prior = recovery.PARAMETERS[name]
        width = prior.quantile(0.95) - prior.quantile(0.05)
        got = table.loc[table["parameter"] == name, "median_interval_width"].iloc[0]
        assert got < 0.75 * width, (name, got, width)


def test_fit_result_tables_file_and_plot(tmp_path):
    scenario = progsurv.Scenario.load(MARKOV)
    record = progsurv.simulate_record(scenario, 60, seed=2)
    params = {"sponsor_levels.vp.approval": progsurv.Prior("beta", a=1, b=1),
              "patience.rate": progsurv.Prior("lognormal", median=0.02, sigma=1.0)}
    fit = quiet_fit(spec(params, walkers=8, steps=40, burn=10, draws=5), record)
    assert fit.chain.shape == (40, 8, 2)
    # The same seeds give the same chain (starting points, proposals, likelihood).
    again = quiet_fit(spec(params, walkers=8, steps=40, burn=10, draws=0), record)
    np.testing.assert_array_equal(again.chain, fit.chain)
    # 30 steps are far too few: the fit says so, naming the diagnostic.
    assert any("effective sample size" in w or "R-hat" in w for w in fit.warnings)
    table = fit.prior_posterior()
    assert list(table.index) == list(params)
    assert (table["posterior_5%"] <= table["posterior_95%"]).all()
    pred = fit.predictive()
    assert "completed" in pred.index and "completion_p50" in pred.index
    assert (pred.filter(like="lower").iloc[:, 0] <= pred["median"]).all()
    path = tmp_path / "fit.h5"
    fit.to_hdf5(path)
    back = progsurv.load_fit(path)
    np.testing.assert_array_equal(back.chain, fit.chain)
    assert back.names == fit.names
    np.testing.assert_allclose(back.prior_posterior().drop(columns="prior").to_numpy(float),
                               table.drop(columns="prior").to_numpy(float))
    np.testing.assert_allclose(back.predictive().to_numpy(), pred.to_numpy())
    fig = fit.plot_pairs(truth={"sponsor_levels.vp.approval": 0.8, "patience.rate": 0.02})
    assert len(fig.axes) == 4
    # progsurv report on a fit file: the prior/posterior table, tagged with its datasets.
    import re

    from progsurv.report import write_report

    out = write_report(path, tmp_path / "fit.html")
    page = open(out, encoding="utf-8").read()
    assert "What the record told us" in page and "Posterior predictive" in page
    medians = re.findall(r'data-src="/prior_posterior/posterior_median" data-index="(\d+)"'
                         r'[^>]*>([^<]+)<', page)
    assert len(medians) == 2
    for index, text in medians:
        assert float(text) == pytest.approx(table["posterior_median"].iloc[int(index)], rel=1e-3)
    with pytest.raises(progsurv.FileFormatError, match="not an HDF5 file"):
        progsurv.load_fit(REPO / "tests" / "python" / "conftest.py")
    run_file = tmp_path / "run.h5"
    progsurv.run(MARKOV, replications=1000).to_hdf5(run_file)
    with pytest.raises(progsurv.FileFormatError, match="not a progsurv fit file"):
        progsurv.load_fit(run_file)
    import h5py

    with h5py.File(path, "a") as f:
        f.attrs["format_version"] = np.array([2, 0], dtype=np.int32)
    with pytest.raises(progsurv.FileFormatError, match="format 2.0"):
        progsurv.load_fit(path)


def test_record_errors_name_row_and_column(tmp_path):
    bad = tmp_path / "past.csv"
    bad.write_text("sponsor_level,outcome,cause,month,phases_delivered\n"
                   "vp,ended,patience,4,1\nvp,ended,boredom,4,1\n")
    with pytest.raises(progsurv.ScenarioError) as err:
        progsurv.read_record(bad)
    assert (err.value.line, err.value.column, err.value.key) == (3, 10, "cause")


def test_record_frame_errors_name_the_frames_row_and_column(tmp_path):
    """A DataFrame's rows are named by index label and position, not by the line of the CSV
    text it is turned into; a cell that is not a number names its row and column too."""
    good = tmp_path / "past.csv"
    good.write_text("sponsor_level,outcome,cause,month,phases_delivered\n"
                    "vp,ended,patience,4,1\nvp,ended,patience,5,1\nvp,completed,,9,2\n")
    frame = progsurv.read_record(good)  # indexed by the file's line: 2, 3, 4
    frame.loc[3, "cause"] = "boredom"
    with pytest.raises(progsurv.ScenarioError, match=r"^<DataFrame>: row 3 \(position 1\): "
                       r"'cause': 'boredom' is not") as err:
        progsurv._fit._as_record(frame)
    assert (err.value.line, err.value.key) == (2, "cause")
    with pytest.raises(progsurv.ScenarioError, match=r"^<DataFrame>: row 1: 'cause'"):
        progsurv._fit._as_record(frame.reset_index(drop=True))
    plain = pd.DataFrame({"sponsor_level": ["vp"] * 3, "outcome": ["ended"] * 3,
                          "month": [4.0, 5.0, "soon"]})
    with pytest.raises(progsurv.ScenarioError,
                       match=r"^<DataFrame>: row 2: 'month': 'soon' is not a number") as err:
        progsurv._fit._as_record(plain)
    assert err.value.line == 3
    labelled = pd.DataFrame({"sponsor_level": ["vp"] * 3, "outcome": ["ended"] * 3,
                             "month": [4.0, 5.0, 6.0], "phases_delivered": [1, math.inf, 1]},
                            index=[10, 11, 12])
    with pytest.raises(progsurv.ScenarioError, match=r"^<DataFrame>: row 11 \(position 1\): "
                       r"'phases_delivered': inf is not a whole number"):
        progsurv._fit._as_record(labelled)


FIT_YAML = """scenario: {scenario}
parameters:
  sponsor_levels.vp.approval: {{prior: beta, a: 1, b: 1}}
  patience.rate: {{prior: log-uniform, low: 0.002, high: 0.2}}
likelihood: {{replications: 2048}}
sampler: {{walkers: 6, steps: 20, burn: 5}}
predictive: {{draws: 3, replications: 1024}}
"""


@pytest.mark.parametrize("edit, line, key", [
    (("prior: beta, a: 1, b: 1", "prior: gamma, a: 1, b: 1"), 3, "parameters.sponsor_levels.vp.approval.prior"),
    (("patience.rate", "patience.rat"), 4, "parameters.patience.rat"),
    (("steps: 20", "stpes: 20"), 6, "sampler.stpes"),
    (("high: 0.2", "high: lots"), 4, "parameters.patience.rate.high"),
])
def test_fit_file_errors_name_line_and_key(tmp_path, edit, line, key):
    text = FIT_YAML.format(scenario=MARKOV).replace(*edit)
    with pytest.raises(progsurv.ScenarioError) as err:
        progsurv.FitSpec.from_yaml(text, "fit.yaml")
    assert err.value.line == line and err.value.key == key, str(err.value)


def test_cli_fit_writes_file_and_bad_input_writes_nothing(tmp_path):
    fit_file = tmp_path / "fit.yaml"
    fit_file.write_text(FIT_YAML.format(scenario=MARKOV))
    record = tmp_path / "past.csv"
    progsurv.simulate_record(progsurv.Scenario.load(MARKOV), 30, seed=4).to_csv(record,
                                                                                index=False)
    out = tmp_path / "fit.h5"
    proc = run_cli("fit", fit_file, "--record", record, "-o", out, "--quiet")
    assert "prior against posterior" in proc.stdout and out.exists()
    assert progsurv.load_fit(out).chain.shape == (20, 6, 2)

    bad = tmp_path / "bad.csv"
    bad.write_text("outcome,month\nended,3\ncompleted,x\n")
    out2 = tmp_path / "none.h5"
    proc = run_cli("fit", fit_file, "--record", bad, "-o", out2, check=False)
    assert proc.returncode == 2
    assert f"{bad}:3:11: 'month'" in proc.stderr
    assert not out2.exists()
    fit_file.write_text(FIT_YAML.format(scenario=MARKOV).replace("a: 1, b: 1", "a: 1"))
    proc = run_cli("fit", fit_file, "--record", record, "-o", out2, check=False)
    assert proc.returncode == 2 and "fit.yaml:3:" in proc.stderr, proc.stderr
    assert not out2.exists()


def fit_datasets(path):
    """Every dataset and attribute of a fit file, by name."""
    import h5py

    out = {}
    with h5py.File(path, "r") as f:
        out.update({f"@{k}": v for k, v in f.attrs.items()})

        def visit(name, obj):
            out.update({f"{name}@{k}": v for k, v in obj.attrs.items()})
            if isinstance(obj, h5py.Dataset):
                out[name] = obj[()]
        f.visititems(visit)
    return out


def assert_same_fit_file(a, b):
    da, db = fit_datasets(a), fit_datasets(b)
    assert sorted(da) == sorted(db)
    for k in da:
        assert np.array_equal(np.asarray(da[k]), np.asarray(db[k])), k


def test_a_pool_gives_the_one_process_fit():
    # The walkers' log-posteriors evaluated in other processes (each rebuilding the
    # likelihood from its pickle): the chain, log-probabilities and counts are unchanged.
    s = spec({"sponsor_levels.vp.approval": progsurv.Prior("beta", a=1, b=1),
              "patience.rate": progsurv.Prior("log-uniform", low=0.002, high=0.2)},
             method="exact", walkers=6, steps=12, burn=4)
    record = progsurv.simulate_record(progsurv.Scenario.load(MARKOV), 25, seed=3)
    one = quiet_fit(s, record)
    with concurrent.futures.ProcessPoolExecutor(
            2, mp_context=multiprocessing.get_context("spawn")) as pool:
        two = quiet_fit(s, record, pool=pool)
    assert np.array_equal(one.chain, two.chain)
    assert np.array_equal(one.log_prob, two.log_prob)
    assert np.array_equal(one.acceptance, two.acceptance)
    assert one.evaluations == two.evaluations > 0


def test_ctrl_c_inside_the_likelihood_stops_the_fit_without_emcees_traceback(monkeypatch,
                                                                              capfd):
    """emcee prints a traceback for any exception in the log-probability ("Exception while
    calling your likelihood function"); a Ctrl-C there must stop the fit as a plain
    KeyboardInterrupt, without that print, and without evaluating the rest of the step."""
    s = spec({"sponsor_levels.vp.approval": progsurv.Prior("beta", a=1, b=1)},
             method="exact", walkers=6, steps=50, burn=4)
    record = progsurv.simulate_record(progsurv.Scenario.load(MARKOV), 25, seed=3)
    calls = []
    at_points = progsurv._fit.Likelihood.at_points

    def interrupted_on_the_third(self, thetas):
        calls.append(len(thetas))
        if len(calls) == 3:
            raise KeyboardInterrupt
        return at_points(self, thetas)

    monkeypatch.setattr(progsurv._fit.Likelihood, "at_points", interrupted_on_the_third)
    with pytest.raises(KeyboardInterrupt):
        quiet_fit(s, record)
    out, err = capfd.readouterr()
    assert "emcee" not in out + err and "Traceback" not in out + err
    assert len(calls) == 3  # the step's other half-ensemble was not evaluated


class _OnePointPool:
    """A pool that maps in this process: the fit then takes the one-point path (emcee calls
    the log-posterior once per point) instead of the vectorised one. Like a process pool,
    it calls a copy of the log-posterior, whose count of evaluations is not the fit's."""

    def map(self, fn, items):
        import pickle

        copy = pickle.loads(pickle.dumps(fn))
        return [copy(x) for x in items]


@pytest.mark.parametrize("method", ["simulated", "exact"])
def test_vectorised_fit_is_the_one_point_fit(tmp_path, monkeypatch, method):
    # Without a pool each half-ensemble's points are evaluated side by side in C++; the
    # chain, log-probabilities, counts and the whole fit file must be those of evaluating
    # them one at a time. The approval's prior reaches past 1, so some points are refused.
    s = spec({"sponsor_levels.vp.approval": progsurv.Prior("uniform", low=0.3, high=1.4),
              "patience.rate": progsurv.Prior("log-uniform", low=0.002, high=0.2),
              "succession.adoption": progsurv.Prior("beta", a=2, b=2)},
             method=method, replications=2048, walkers=8, steps=15, burn=5, draws=4)
    record = progsurv.simulate_record(progsurv.Scenario.load(MARKOV), 40, seed=3)
    batches = []
    at_points = progsurv._fit.Likelihood.at_points
    monkeypatch.setattr(progsurv._fit.Likelihood, "at_points",
                        lambda self, thetas: batches.append(at_points(self, thetas)) or
                        batches[-1])
    vectorised = quiet_fit(s, record)
    one_point = quiet_fit(s, record, pool=_OnePointPool())
    assert np.array_equal(vectorised.chain, one_point.chain)
    assert np.array_equal(vectorised.log_prob, one_point.log_prob)
    assert np.array_equal(vectorised.acceptance, one_point.acceptance)
    assert vectorised.evaluations == one_point.evaluations > 0
    # The vectorised path ran (the start, then a half-ensemble per call), it met refused
    # points, and the chain moved.
    assert len(batches) > 15 and 0 < sum(len(b) for b in batches) <= vectorised.evaluations
    assert any(np.isneginf(b).any() for b in batches)
    assert len(np.unique(vectorised.chain[:, :, 0])) > 8
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    vectorised.to_hdf5(tmp_path / "v.h5")
    one_point.to_hdf5(tmp_path / "o.h5")
    assert_same_fit_file(tmp_path / "v.h5", tmp_path / "o.h5")


def test_vectorised_priors_are_the_one_point_priors():
    values = np.array([-1.0, 0.0, 1e-9, 0.002, 0.05, 0.3, 0.5, 0.999, 1.0, 1.7, 12.0, 250.0])
    for prior in (progsurv.Prior("uniform", low=0.3, high=1.4),
                  progsurv.Prior("log-uniform", low=0.002, high=0.2),
                  progsurv.Prior("beta", a=2, b=5), progsurv.Prior("lognormal", median=12,
                                                                    sigma=0.7)):
        at_once = prior.logpdfs(values)
        one_by_one = np.array([prior.logpdf(x) for x in values])
        assert np.array_equal(at_once, one_by_one), prior
        assert np.isfinite(at_once).any() and np.isinf(at_once).any(), prior
        # A column of a 2-D array (strided) as emcee's points give it.
        grid = np.column_stack([values, values[::-1]])
        assert np.array_equal(prior.logpdfs(grid[:, 0]), one_by_one), prior


def test_points_side_by_side_are_each_points_own_likelihood():
    s = spec({"sponsor_levels.vp.approval": progsurv.Prior("uniform", low=0.3, high=1.4),
              "patience.rate": progsurv.Prior("log-uniform", low=0.002, high=0.2)},
             replications=3000)
    record = progsurv.simulate_record(progsurv.Scenario.load(MARKOV), 40, seed=3)
    thetas = np.array([[0.8, 0.02], [1.2, 0.02], [0.5, 0.1], [0.95, 0.004]])
    for threads in (1, 2):
        like = progsurv._fit.Likelihood(s, record, threads=threads)
        got = like.at_points(thetas)
        assert got[1] == -np.inf  # an approval above 1 is refused
        for theta, value in zip(thetas[[0, 2, 3]], got[[0, 2, 3]]):
            assert value == like(theta)
            assert np.isfinite(value)
        assert len(set(got)) == 4


def test_a_record_pickles_whole():
    import pickle

    record = progsurv.simulate_record(progsurv.Scenario.load(MARKOV), 40, seed=5)
    rec = progsurv._core.parse_record(progsurv._fit.record_to_csv(record), "mine.csv")
    back = pickle.loads(pickle.dumps(rec))
    assert back.source == "mine.csv" and back.columns() == rec.columns()


@pytest.mark.skipif(shutil.which("mpirun") is None or importlib.util.find_spec("mpi4py") is None,
                    reason="needs mpirun and mpi4py (python3-mpi4py)")
def test_fit_under_mpirun_writes_the_one_process_file(tmp_path):
    fit_file = tmp_path / "fit.yaml"
    fit_file.write_text(FIT_YAML.format(scenario=MARKOV))
    record = tmp_path / "past.csv"
    progsurv.simulate_record(progsurv.Scenario.load(MARKOV), 30, seed=4).to_csv(record,
                                                                                index=False)
    env = dict(os.environ, SOURCE_DATE_EPOCH="1700000000")
    run_cli("fit", fit_file, "--record", record, "-o", tmp_path / "one.h5", "-q", env=env,
            timeout=600)
    # One machine: shared memory between ranks, and mpirun's own wiring on loopback only.
    env.update(OMPI_MCA_btl="self,vader", OMPI_MCA_btl_vader_single_copy_mechanism="none",
               OMPI_MCA_oob_tcp_if_include="lo", OMPI_MCA_btl_tcp_if_include="lo")
    two = run_cli("fit", fit_file, "--record", record, "-o", tmp_path / "two.h5", "-q",
                  env=env, timeout=600, launcher=MPIRUN)
    assert_same_fit_file(tmp_path / "one.h5", tmp_path / "two.h5")
    # Rank 0 alone prints the summary and writes.
    assert two.stdout.count("prior against posterior") == 1
    assert "on 2 MPI ranks" in two.stdout
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fit.yaml", "one.h5", "past.csv",
                                                          "two.h5"]
    # Bad input under mpirun: exit 2 with the one message, nothing written, no hang.
    bad = tmp_path / "bad.csv"
    bad.write_text("outcome,month\nended,3\ncompleted,x\n")
    three = run_cli("fit", fit_file, "--record", bad, "-o", tmp_path / "three.h5", "-q",
                    env=env, timeout=600, launcher=MPIRUN, check=False)
    assert three.returncode == 2, three.stdout + three.stderr
    assert three.stderr.count(f"{bad}:3:11: 'month'") == 1, three.stderr
    assert not (tmp_path / "three.h5").exists()


def rank_processes(marker, rank):
    """Pids of the Python processes whose command line holds `marker` and that mpirun
    started as `rank`."""
    pids = []
    for d in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{d}/cmdline", "rb") as f:
                cmdline = f.read()
            if marker.encode() not in cmdline or b"_fit_command" not in cmdline:
                continue
            with open(f"/proc/{d}/environ", "rb") as f:
                env = f.read().split(b"\0")
        except OSError:
            continue  # gone, or not ours to read
        if f"OMPI_COMM_WORLD_RANK={rank}".encode() in env:
            pids.append(int(d))
    return pids


@pytest.mark.skipif(shutil.which("mpirun") is None or importlib.util.find_spec("mpi4py") is None,
                    reason="needs mpirun and mpi4py (python3-mpi4py)")
def test_an_interrupted_worker_ends_the_mpirun_fit(tmp_path):
    # A worker waits inside MPI for the next evaluation; a Ctrl-C there must end the whole
    # job (not leave rank 0 waiting for its answer), with nothing written.
    import signal
    import time

    fit_file = tmp_path / "fit.yaml"
    fit_file.write_text(FIT_YAML.format(scenario=MARKOV).replace("steps: 20", "steps: 100000"))
    record = tmp_path / "past.csv"
    progsurv.simulate_record(progsurv.Scenario.load(MARKOV), 30, seed=4).to_csv(record,
                                                                                index=False)
    out = tmp_path / "interrupted.h5"
    env = dict(os.environ, OMPI_MCA_btl="self,vader",
               OMPI_MCA_btl_vader_single_copy_mechanism="none",
               OMPI_MCA_oob_tcp_if_include="lo", OMPI_MCA_btl_tcp_if_include="lo")
    proc = subprocess.Popen([*MPIRUN, str(CLI), "fit", fit_file, "--record", record, "-o", out,
                             "-q"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        deadline = time.monotonic() + 120
        workers = []
        while not workers and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.5)
            workers = rank_processes(str(out), 1)
        assert workers, "the worker never started"
        time.sleep(3)  # most likely serving evaluations by now; either way it must end
        for pid in workers:
            os.kill(pid, signal.SIGINT)
        _, err = proc.communicate(timeout=120)  # generous: only a hang fails this
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode != 0, err
    assert not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fit.yaml", "past.csv"]


def test_impossible_rows_are_refused_before_fitting(tmp_path):
    # markov.yaml has no budget cycle and a 6-month grace period: each row below cannot
    # happen, and the fit says which row and why before sampling anything.
    header = "sponsor_level,outcome,cause,month,phases_delivered\n"
    cases = {"vp,ended,budget_cut,10,1": (10, "the budget is disabled"),
             "vp,ended,patience,4,0": (19, "before the grace period"),
             "vp,ended,,10,2": (14, "delivering the last phase completes it"),
             "vp,ended,phase_gate,10,0": (24, "phase_gate with 0 phases")}
    fit_spec = progsurv.FitSpec.load(REPO / "scenarios" / "fits" / "markov-4.yaml")
    for row, (column, why) in cases.items():
        path = tmp_path / "past.csv"
        path.write_text(header + "vp,completed,,20,2\n" + row + "\n")
        with pytest.raises(progsurv.ScenarioError, match=rf"past.csv:3:{column}: .*{why}"):
            progsurv.fit(fit_spec, path, steps=10, burn=2, walkers=8)
    # Fitting the grace period makes the early patience cut possible.
    path.write_text(header + "vp,ended,patience,4,0\n")
    graced = progsurv.FitSpec(fit_spec.scenario,
                              [("patience.grace", progsurv.Prior("uniform", low=0, high=12))],
                              likelihood=fit_spec.likelihood)
    assert progsurv.Likelihood(graced, path).programmes == 1


def test_a_parameter_the_record_cannot_inform_is_named(tmp_path):
    # In markov.yaml silo a receives no handoff (the programme starts there), so its
    # break_prob changes no row's probability: the fit says so; silo b's does not warn.
    scenario = progsurv.Scenario.load(MARKOV)
    record = progsurv.simulate_record(scenario, 30, seed=5)
    params = {"silos.a.break_prob": progsurv.Prior("uniform", low=0, high=1),
              "silos.b.break_prob": progsurv.Prior("uniform", low=0, high=1)}
    fit = quiet_fit(spec(params, walkers=8, steps=12, burn=2), record)
    inert = [w for w in fit.warnings if "changes no record row's probability" in w]
    assert len(inert) == 1 and inert[0].startswith("silos.a.break_prob:"), fit.warnings
    # The warning survives the fit file, which names the record fitted.
    fit.to_hdf5(tmp_path / "fit.h5")
    back = progsurv.load_fit(tmp_path / "fit.h5")
    assert inert[0] in back.warnings
    import hashlib
    assert back.record_source == "<DataFrame>"
    assert back.record_sha256 == hashlib.sha256(
        progsurv._fit.record_to_csv(record).encode()).hexdigest()
    # Far fewer replications than the record needs: named too.
    few = quiet_fit(spec({"silos.b.break_prob": progsurv.Prior("uniform", low=0, high=1)},
                         replications=1024, walkers=8, steps=12, burn=2),
                    progsurv.simulate_record(scenario, 60, seed=6))
    assert any("far below the rule of 100 x the record's 60 programmes" in w
               for w in few.warnings), few.warnings


def test_record_check_flags_a_record_from_another_scenario(tmp_path):
    # Fitting only approval to a record drawn from markov.yaml itself: the replicated records
    # look like it. A record from a scenario with ten times the patience hazard has far more
    # patience endings than any approval value can give: the check flags that statistic.
    scenario = progsurv.Scenario.load(MARKOV)
    params = {"sponsor_levels.vp.approval": progsurv.Prior("beta", a=2, b=2)}
    same = progsurv.simulate_record(scenario, 80, seed=21)
    other = progsurv.simulate_record(scenario.with_values([("patience.rate", 0.2)]), 80, seed=21)
    fits = {}
    for name, record in (("same", same), ("other", other)):
        fits[name] = quiet_fit(spec(params, replications=8192, walkers=8, steps=150, burn=50,
                                    draws=60), record)
    table = fits["same"].record_check
    assert {"outcome: completed", "cause: patience", "level: vp"} <= set(table.index)
    assert (table["p_value"] >= 0.01).all(), table
    assert table.loc["outcome: completed", "observed"] == int((same.outcome == "completed").sum())
    flagged = fits["other"].record_check
    assert flagged.loc["cause: patience", "p_value"] < 0.01, flagged
    assert any("cause: patience" in w and "rarely reproduced" in w
               for w in fits["other"].warnings)
    # Kept in the fit file, and drawn.
    fits["other"].to_hdf5(tmp_path / "fit.h5")
    back = progsurv.load_fit(tmp_path / "fit.h5")
    pd.testing.assert_frame_equal(back.record_check, flagged, check_dtype=False)
    assert back.plot_record_check() is not None


DATED = """outcome,cause,proposed_on,ended_on,phases_delivered
completed,,2021-01-15,2023-07-01,2
ended,patience,2022-03-01,2022-11-20,1
not_started,,2023-02-01,2023-02-01,0
running,,2023-10-01,,1
running,,2023-12-01,,
ended,,2022-05-01,2023-01-10,0
"""


def test_a_dated_record_is_fitted_with_the_fit_files_record_date(tmp_path):
    # Months from the dates: the running rows' ages from the fit file's as_of.
    record = tmp_path / "dated.csv"
    record.write_text(DATED)
    dated_yaml = FIT_YAML.format(scenario=MARKOV).replace("parameters:",
                                                          "as_of: 2024-06-01\nparameters:", 1)
    fit_file = tmp_path / "fit.yaml"
    fit_file.write_text(dated_yaml)
    fit_spec = progsurv.FitSpec.load(fit_file)
    assert fit_spec.as_of == "2024-06-01"
    frame = progsurv.read_record(record, as_of="2024-06-01")
    np.testing.assert_allclose(frame["month"].iloc[[0, 2, 3, 4]],
                               [29 + 16 / 30, 0.0, 8.0, 6.0])
    assert progsurv.Likelihood(fit_spec, record).programmes == 6
    out = tmp_path / "fit.h5"
    proc = run_cli("fit", fit_file, "--record", record, "-o", out, "--quiet")
    assert out.exists() and "6 programmes" in proc.stdout
    assert progsurv.load_fit(out).settings.as_of == "2024-06-01"
    # Without a record date the running rows cannot be aged: the first is named.
    fit_file.write_text(FIT_YAML.format(scenario=MARKOV))
    proc = run_cli("fit", fit_file, "--record", record, "-o", tmp_path / "none.h5", check=False)
    assert proc.returncode == 2, proc.stderr
    assert f"{record}:5:10: 'proposed_on'" in proc.stderr, proc.stderr
    assert "needs the date the record was taken" in proc.stderr
    assert not (tmp_path / "none.h5").exists()
    # A record date that is not one is an error at its line in the fit file.
    with pytest.raises(progsurv.ScenarioError) as err:
        progsurv.FitSpec.from_yaml(dated_yaml.replace("2024-06-01", "2024-13-01"), "fit.yaml")
    assert (err.value.line, err.value.key) == (2, "as_of"), str(err.value)


def test_scoping_rows_and_death_months_inform_the_scoping_time():
    # With a timed scoping (mean 3 months), a record has proposals still scoping and
    # proposals that died while scoped, in a month. Fitting the scoping mean alone with the
    # exact likelihood recovers it; the check against the record counts the scoping rows.
    base = progsurv.Scenario.load(MARKOV).with_values(
        [("scoping", "{dist: exponential, mean: 3}"), ("patience.grace", 0)])
    record = progsurv.simulate_record(base, 150, seed=8)
    assert (record.outcome == "scoping").sum() >= 5
    dead = record[record.outcome == "not_started"]
    assert len(dead) >= 5 and dead["month"].notna().all() and (dead["month"] > 0).any()
    fit_spec = progsurv.FitSpec(
        base, [("scoping.mean", progsurv.Prior("log-uniform", low=0.3, high=30))],
        likelihood={"method": "exact", "replications": 4096, "seed": 1, "bin_months": 3.0},
        sampler={"walkers": 8, "steps": 150, "burn": 50, "seed": 1},
        predictive={"draws": 20, "replications": 1024, "seed": 1})
    fit = quiet_fit(fit_spec, record)
    lo, hi = np.quantile(fit.samples()["scoping.mean"], [0.05, 0.95])
    assert lo < 3 < hi and hi / lo < 4, (lo, hi)
    check = fit.record_check
    assert check.loc["outcome: scoping", "observed"] == (record.outcome == "scoping").sum()
    assert check.loc["outcome: scoping", "p_value"] >= 0.01, check


def test_fit_report_shows_traces_acceptance_tau_and_the_record(tmp_path):
    scenario = progsurv.Scenario.load(MARKOV)
    record = tmp_path / "past.csv"
    progsurv.simulate_record(scenario, 30, seed=3).to_csv(record, index=False)
    params = {"sponsor_levels.vp.approval": progsurv.Prior("beta", a=2, b=2),
              "patience.rate": progsurv.Prior("log-uniform", low=0.005, high=0.1)}
    fit = quiet_fit(spec(params, replications=2048, walkers=8, steps=40, burn=10, draws=5),
                    record)
    fig = fit.plot_traces()
    assert len(fig.axes) == 3  # two parameters, then acceptance per walker
    assert len(fig.axes[0].lines) == 8 and len(fig.axes[2].patches) == 8
    fit.to_hdf5(tmp_path / "fit.h5")
    run_cli("report", tmp_path / "fit.h5", "-o", tmp_path / "fit.html")
    html = (tmp_path / "fit.html").read_text()
    for part in ("Traces and acceptance", "Against the record", "τ (steps)", "R-hat",
                 str(record), fit.record_sha256, f"{fit.acceptance.mean():.2f} (walkers"):
        assert part in html, part
    tau = f"{fit.autocorr_time[0]:.1f}"
    assert f'data-src="/diagnostics/autocorr_time" data-index="0" data-scale="1" ' \
           f'data-fmt=".1f">{tau}<' in html
