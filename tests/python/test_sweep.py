"""progsurv.sweep / attribute / Sobol indices from Python, and agreement with the command."""
import math

import h5py
import numpy as np
import pytest

from conftest import BASELINE, REPO, run_cli

import progsurv

SWEEPS = REPO / "scenarios" / "sweeps"


def small_oat(**extra):
    spec = {
        "name": "py-oat",
        "base": str(BASELINE),
        "seed": 4,
        "replications": 3000,
        "design": "oat",
        "parameters": {
            "succession.adoption": {"low": 0.2, "high": 0.8},
            "patience.threshold.median": [8, 24],
        },
        "metrics": ["p_completed", "mean_value", {"p_completed_by": 36}],
    }
    spec.update(extra)
    return spec


def test_ishigami_indices_match_the_analytic_values():
    n = 1 << 13
    u = progsurv.saltelli_sample(n, 3)
    x = -math.pi + 2 * math.pi * u
    y = np.sin(x[:, 0]) + 7 * np.sin(x[:, 1]) ** 2 + 0.1 * x[:, 2] ** 4 * np.sin(x[:, 0])
    s = progsurv.sobol_indices(y, n, 3, bootstrap=200)
    np.testing.assert_allclose(s["first"], [0.3139, 0.4424, 0.0], atol=0.02)
    np.testing.assert_allclose(s["total"], [0.5576, 0.4424, 0.2437], atol=0.02)
    assert (s["first_lower"] <= s["first"]).all() and (s["first"] <= s["first_upper"]).all()


def test_oat_sweep_frames_and_tornado():
    r = progsurv.sweep(small_oat())
    assert r.design == "oat" and len(r) == 1 + 2 + 2
    pts = r.points()
    assert list(pts.columns[:2]) == ["succession.adoption", "patience.threshold.median"]
    assert pts["succession.adoption"].tolist()[1:3] == [0.2, 0.8]
    assert (pts["replications"] == 3000).all()
    # Every point runs with the sweep's seed: the base point is exactly the plain run, and
    # with common random numbers more adoption and more patience mean more completions.
    base = progsurv.run(BASELINE, replications=3000, seed=4, threads=1)
    assert pts["p_completed"][0] == base.p_completed[0]
    assert pts["p_completed"][1] < pts["p_completed"][2]  # adoption 0.2 < 0.8
    assert pts["p_completed"][3] < pts["p_completed"][4]  # patience median 8 < 24
    np.testing.assert_allclose(pts["p_completed_se"],
                               np.sqrt(pts["p_completed"] * (1 - pts["p_completed"]) / 3000))
    t = r.tornado("p_completed")
    assert list(t["parameter"]) == ["patience.threshold.median", "succession.adoption"]
    assert t["swing"].is_monotonic_decreasing
    assert (t["base"] == pts["p_completed"][0]).all()
    ax = r.plot_tornado("p_completed")
    assert len(ax.patches) == 4
    with pytest.raises(ValueError, match="sobol design"):
        r.sobol()
    with pytest.raises(KeyError, match="no metric"):
        r.tornado("p_nothing")


def test_python_sweep_equals_the_command_file(tmp_path):
    path = tmp_path / "grid.h5"
    run_cli("sweep", SWEEPS / "baseline-grid.yaml", "-o", path, "-q")
    from_cli = progsurv.load_sweep(path)
    here = progsurv.sweep(SWEEPS / "baseline-grid.yaml", threads=1)
    np.testing.assert_array_equal(here.estimate, from_cli.estimate)
    np.testing.assert_array_equal(here.se, from_cli.se)
    assert here.curves("completed").shape == (20, len(from_cli.curves().columns))
    with h5py.File(path, "r") as f:
        assert f.attrs["filetype"] == progsurv._core.sweep_filetype
        assert list(f.attrs["format_version"]) == list(progsurv.SWEEP_FORMAT_VERSION)
        np.testing.assert_array_equal(f["metrics/estimate"][()], here.estimate)
        assert f["metrics/name"].asstr()[()].tolist() == here.metrics
        assert f.attrs["fingerprint"] == here.sweep.fingerprint


def test_sobol_sweep_with_output_and_a_scenario_base(tmp_path, baseline):
    spec = {
        "base": baseline,
        "replications": 500,
        "design": {"type": "sobol", "base_samples": 16, "bootstrap": 100},
        "parameters": {"patience.threshold.median": {"low": 6, "high": 24, "log": True},
                       "succession.adoption": {"low": 0.2, "high": 0.8}},
    }
    out = tmp_path / "s.h5"
    r = progsurv.sweep(spec, output=out)
    assert out.exists() and not (tmp_path / "s.h5.partial").exists()
    s = r.sobol("p_completed")
    assert list(s["parameter"]) == list(spec["parameters"])
    assert s.loc[0, "ST"] > s.loc[1, "ST"]  # patience dominates
    assert len(progsurv.plot_sobol(r, "mean_value").patches) == 4
    back = progsurv.load_sweep(out)
    np.testing.assert_array_equal(back.sobol()["ST"], r.sobol()["ST"])


def test_bad_sweep_raises_scenario_error():
    with pytest.raises(progsurv.ScenarioError, match="did you mean 'parameters'"):
        progsurv.sweep({"base": str(BASELINE), "design": "oat", "paramters": {}})
    with pytest.raises(progsurv.ScenarioError, match="did you mean 'clout'"):
        progsurv.sweep(small_oat(parameters={"sponsor_levels.vp.clot": [0.5]}))


def test_stopping_from_progress_raises_keyboard_interrupt(tmp_path):
    calls = []

    def progress(done, total):
        calls.append(done)
        return done < 2

    with pytest.raises(KeyboardInterrupt):
        progsurv.sweep(small_oat(), output=tmp_path / "x.h5", progress=progress, threads=1)
    assert (tmp_path / "x.h5.partial").exists()
    r = progsurv.sweep(small_oat(), output=tmp_path / "x.h5", resume=True)
    assert r.sweep.point_count == len(r)
    np.testing.assert_array_equal(r.estimate, progsurv.sweep(small_oat()).estimate)


def test_attribute_frame_matches_the_command(tmp_path):
    a = progsurv.attribute(BASELINE, replications=20000, seed=3)
    # By default every mechanism, except the ladder and deferral the baseline does not use.
    assert list(a.index) == [k for k in progsurv.KNOCKOUTS if k not in ("ladder", "deferral")]
    assert {"vacancy", "approval", "pickup_delay", "escalation_delay"} <= set(a.index)
    assert (a["p_completed_delta"] > -3 * a["p_completed_se"]).all()
    assert a.loc["sponsor_exit", "p_completed_lower"] > 0
    np.testing.assert_allclose(a["p_completed_delta_pp"], 100 * a["p_completed_delta"])
    assert a.attrs["replications"] == 20000 and "no sponsor exits" in a.attrs["table"]
    path = tmp_path / "a.h5"
    run_cli("attribute", BASELINE, "-n", 20000, "--seed", 3, "-o", path, "-q")
    with h5py.File(path, "r") as f:
        assert f.attrs["filetype"] == progsurv._core.attribution_filetype
        np.testing.assert_array_equal(f["p_completed/delta"][()], a["p_completed_delta"])
        np.testing.assert_array_equal(f["mean_value/delta_se"][()], a["mean_value_se"])
    assert len(progsurv.plot_attribution(a).patches) == len(a)
    assert len(progsurv.plot_attribution(a, shapley=True).patches) == 2 * len(a)
    back = progsurv.load_attribution(path)
    np.testing.assert_array_equal(back["p_completed_shapley"], a["p_completed_shapley"])
    assert back.attrs["table"] == a.attrs["table"]


def test_attribute_shapley_parts_sum_to_all_off():
    a = progsurv.attribute(BASELINE, replications=3000, seed=2,
                           mechanisms=["sponsor_exit", "patience", "pickup_delay"], shapley="exact")
    assert a.attrs["shapley_method"] == "exact"
    for stat in a.attrs["statistics"]:
        total = a.attrs["all_off"][stat]["delta"]
        assert a[f"{stat}_shapley"].sum() == pytest.approx(total, rel=1e-12, abs=1e-12)
    assert (a["p_completed_shapley_lower"] > 0).all()
    with pytest.raises(ValueError, match="unknown mechanism"):
        progsurv.attribute(BASELINE, replications=10, mechanisms=["gravity"])


def test_tornado_labels_come_from_the_sweep_file():
    spec = small_oat()
    spec["parameters"]["succession.adoption"]["label"] = "P(successor adopts)"
    r = progsurv.sweep(spec)
    t = r.tornado("p_completed").set_index("parameter")
    assert t.loc["succession.adoption", "label"] == "P(successor adopts)"
    assert t.loc["patience.threshold.median", "label"] == "patience.threshold.median"
    ax = r.plot_tornado("p_completed")
    ticks = [x.get_text() for x in ax.get_yticklabels()]
    assert any(x.startswith("P(successor adopts)") for x in ticks)
    assert "label" in r.sweep.resolved


def test_portfolio_sweep_frame_counts_and_file(tmp_path):
    spec = {
        "name": "py-portfolio",
        "portfolio": str(REPO / "scenarios" / "portfolios" / "ten-years.yaml"),
        "seed": 2,
        "replications": 200,
        "design": "oat",
        "parameters": {"cynicism.effect.break": {"low": 0, "high": 0.6}},
        "metrics": ["mean_completed", {"rank_completed": 6}, "mean_cynicism"],
    }
    out = tmp_path / "p.h5"
    r = progsurv.sweep(spec, output=out)
    assert r.base_kind == "portfolio"
    frame = r.points()
    assert list(frame["mean_completed_count"]) == [200, 200, 200]
    # The k-th programme's share is over the organisations that launched a k-th.
    assert (frame["rank_completed_6_count"] <= 200).all()
    assert (frame["rank_completed_6_count"] > 0).all()
    assert (frame["mean_cynicism_se"] > 0).all()
    back = progsurv.load_sweep(out)
    assert back.base_kind == "portfolio"
    np.testing.assert_array_equal(back.estimate, r.estimate)
    with h5py.File(out, "r") as f:
        assert f.attrs["base_kind"] == "portfolio"
        assert tuple(f.attrs["format_version"]) == progsurv.SWEEP_FORMAT_VERSION
        assert f["metrics/count"].shape == (3, 3)
