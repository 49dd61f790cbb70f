"""progsurv.sweep / attribute / Sobol indices from Python, and agreement with the command."""
import math
import pathlib
import re
import warnings

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
    # Every metric, in the sweep file's order (as the command prints them), not by name.
    t = r.tornado()
    assert list(t["metric"].unique()) == r.metrics == ["p_completed", "mean_value",
                                                       "p_completed_by_36"]
    for _, rows in t.groupby("metric", sort=False):
        assert rows["swing"].is_monotonic_decreasing


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


def test_second_order_repeats_and_convergence_with_salib_names(tmp_path, baseline):
    spec = {
        "base": baseline,
        "replications": 300,
        "repeat": 2,
        "design": {"type": "sobol", "base_samples": 16, "bootstrap": 50, "second_order": True,
                   "estimator": "saltelli"},
        "parameters": {"patience.threshold.median": {"low": 6, "high": 24, "log": True},
                       "succession.adoption": {"low": 0.2, "high": 0.8},
                       "phases.1.continue_prob": {"low": 0.5, "high": 1.0}},
    }
    r = progsurv.sweep(spec, output=tmp_path / "s.h5")
    assert len(r) == 2 * 16 * 8 and r.repeat == 2
    assert list(r.points()["seed"].iloc[[0, 127, 128]]) == [1, 1, 2]
    s = r.sobol("p_completed")
    for col in ("S1", "S1_conf", "ST", "ST_conf", "S1_lower", "ST_upper", "ST_seed_sd"):
        assert col in s
    # The conf is SALib's: the 95% half-width, here of the t interval over the repeats
    # (t_1 = 12.71 for two repeats, times the spread over sqrt(2)).
    np.testing.assert_allclose(s["ST_upper"] - s["ST"], s["ST_conf"], rtol=1e-9)
    np.testing.assert_allclose(s["ST_conf"], 12.7062047 * s["ST_seed_sd"] / np.sqrt(2),
                               rtol=1e-6)
    assert s.attrs["estimator"] == "saltelli" and s.attrs["repeat"] == 2
    # Each repeat on its own shifted design.
    assert r.shift and s.attrs["shift"]
    pts = r.points()
    assert not np.allclose(pts["succession.adoption"].iloc[:128],
                           pts["succession.adoption"].iloc[128:])
    assert s.attrs["noise_ratio"]["p_completed"] > 0
    s2 = r.sobol("p_completed", order=2)
    assert list(s2.columns[:7]) == ["metric", "parameter_1", "parameter_2", "label_1", "label_2",
                                    "S2", "S2_conf"]
    assert len(s2) == 3
    c = r.convergence("mean_value")
    assert sorted(set(c["N"])) == [16]
    with h5py.File(tmp_path / "s.h5", "r") as f:
        assert f["sobol"].attrs["estimator"] == "saltelli"
        assert f["sobol"].attrs["shift"] == 1 and "t(repeat - 1)" in f["sobol"].attrs[
            "interval_method"]
        assert f["sobol/second"].shape == (2, 3)
        np.testing.assert_array_equal(f["sobol/second"][()][0], s2["S2"])
    back = progsurv.load_sweep(tmp_path / "s.h5")
    np.testing.assert_array_equal(back.sobol(order=2)["S2"], r.sobol(order=2)["S2"])
    assert len(progsurv.plot_convergence(r).lines) == 6
    with pytest.raises(ValueError, match="second-order"):
        progsurv.sweep({**spec, "repeat": 1, "design": {"type": "sobol", "base_samples": 4}}
                       ).sobol(order=2)


def test_morris_sweep_and_pure_functions():
    r = progsurv.sweep({
        "base": str(BASELINE), "replications": 500,
        "design": {"type": "morris", "trajectories": 6, "bootstrap": 100},
        "parameters": {"sponsor_levels.director.tenure.mean": {"low": 18, "high": 48},
                       "patience.threshold.median": {"low": 6, "high": 24}},
        "metrics": ["p_completed"]})
    m = r.morris()
    assert list(m.columns) == ["metric", "parameter", "label", "mu", "mu_star", "sigma",
                               "mu_star_conf"]
    assert m.loc[0, "parameter"] == "patience.threshold.median"  # largest mu_star first
    progsurv.plot_morris(r)
    rows = progsurv.morris_sample(10, 3, levels=4, seed=2)
    y = rows @ np.array([3.0, -1.0, 0.0])
    e = progsurv.morris_effects(rows, y, 10, 3)
    np.testing.assert_allclose(e["mu"], [3.0, -1.0, 0.0], atol=1e-12)
    np.testing.assert_allclose(e["sigma"], 0.0, atol=1e-12)
    d = progsurv.sobol_indices(np.arange(4 * 8, dtype=float) % 5, 4, 3, bootstrap=10,
                               estimator="martinez", second_order=True)
    assert len(d.attrs["second"]) == 3
    with pytest.raises(ValueError, match="estimator"):
        progsurv.sobol_indices(np.zeros(20), 4, 3, estimator="jensen")


def test_bad_sweep_raises_scenario_error():
    with pytest.raises(progsurv.ScenarioError, match="did you mean 'parameters'"):
        progsurv.sweep({"base": str(BASELINE), "design": "oat", "paramters": {}})
    with pytest.raises(progsurv.ScenarioError, match="did you mean 'clout'"):
        progsurv.sweep(small_oat(parameters={"sponsor_levels.vp.clot": [0.5]}))


def test_resume_needs_an_output_and_progress_is_checked(tmp_path):
    # resume=True without a file has no journal to continue: refused, nothing run.
    with pytest.raises(ValueError, match="give output="):
        progsurv.sweep(small_oat(), resume=True)
    with pytest.raises(TypeError, match="progress must be True, False or a callable"):
        progsurv.sweep(small_oat(), progress="yes")
    # The bar counts points, as they are.
    import io
    import contextlib

    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        progsurv.sweep(small_oat(), progress=True, threads=1)
    assert "pt" in err.getvalue() and ".00/" not in err.getvalue()


def test_stopping_from_progress_raises_keyboard_interrupt(tmp_path):
    calls = []

    def progress(done, total):
        calls.append(done)
        return done < 2

    with pytest.raises(KeyboardInterrupt):
        progsurv.sweep(small_oat(), output=tmp_path / "x.h5", progress=progress, threads=1)
    assert (tmp_path / "x.h5.partial").exists()
    # Without resume the journal is kept, and the refusal names the keyword, not --resume.
    with pytest.raises(progsurv.FileFormatError, match=r"Pass resume=True to continue") as info:
        progsurv.sweep(small_oat(), output=tmp_path / "x.h5")
    assert "--resume" not in str(info.value)
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


def test_report_shows_convergence_and_screening(tmp_path):
    import progsurv.report

    params = {"patience.threshold.median": {"low": 6, "high": 24},
              "succession.adoption": {"low": 0.2, "high": 0.8}}
    for design, title in (({"type": "sobol", "base_samples": 32, "bootstrap": 50},
                           "Convergence of p_completed"),
                          ({"type": "morris", "trajectories": 4, "bootstrap": 50},
                           "Screening of p_completed")):
        out = tmp_path / f"{design['type']}.h5"
        progsurv.sweep({"base": str(BASELINE), "replications": 300, "design": design,
                        "parameters": params, "metrics": ["p_completed"]}, output=out)
        html = tmp_path / f"{design['type']}.html"
        progsurv.report.write_report(out, html)
        assert title in html.read_text()


def test_export_has_the_sensitivity_tables(tmp_path):
    import progsurv.export

    out = tmp_path / "s.h5"
    progsurv.sweep({"base": str(BASELINE), "replications": 200,
                    "design": {"type": "sobol", "base_samples": 4, "bootstrap": 20,
                               "second_order": True},
                    "parameters": {"patience.threshold.median": {"low": 6, "high": 24},
                                   "succession.adoption": {"low": 0.2, "high": 0.8}},
                    "metrics": ["p_completed"]}, output=out)
    tables = progsurv.export.tables(out)
    assert {"points", "sobol", "sobol_second_order", "sobol_convergence"} <= set(tables)
    assert list(tables["sobol_second_order"]["S2"]) == list(
        progsurv.load_sweep(out).sobol(order=2)["S2"])


def test_resume_of_a_finished_sweep_checks_its_fingerprint(tmp_path):
    spec = tmp_path / "s.yaml"
    spec.write_text(f"name: fin\nbase: {BASELINE}\nseed: 3\nreplications: 400\ndesign: oat\n"
                    "parameters:\n"
                    "  patience.threshold.median: {low: 6, high: 24, label: months of patience}\n")
    out = tmp_path / "s.h5"
    first = run_cli("sweep", spec, "-o", out, "--threads", "1", "-q")
    # The command's tornado table names the parameter by its label.
    assert "months of patience" in first.stdout
    assert "patience.threshold.median" not in first.stdout
    made = out.read_bytes()
    # Other options make another sweep: refused like a journal of it, the file left as it was.
    for other in (["-n", "1000"], ["--seed", "4"]):
        proc = run_cli("sweep", spec, "-o", out, "--resume", "-q", *other, check=False)
        assert proc.returncode == 2, proc.stdout + proc.stderr
        assert "was written by a different sweep (fingerprint" in proc.stderr
        # ...and says which setting differs, not only two fingerprints.
        assert ("what differs: " + ("replications: '400' there, '1000' here" if other[0] == "-n"
                                    else "seed: '3' there, '4' here")) in proc.stderr
        assert "written:" not in proc.stdout
        assert out.read_bytes() == made
        assert not (tmp_path / "s.h5.partial").exists()
    # The same sweep takes its points from the file, and says so; a changed label (display
    # only) is the same sweep, and the rewritten file carries the new label.
    spec.write_text(spec.read_text().replace("months of patience", "patience (months)"))
    again = run_cli("sweep", spec, "-o", out, "--resume", "-q")
    assert "its 3 points were taken from the output file" in again.stdout
    assert "journal" not in again.stdout
    assert "patience (months)" in progsurv.load_sweep(out).sweep.resolved
    # progsurv.sweep(..., resume=True) is the same check.
    with pytest.raises(progsurv.FileFormatError, match="different sweep"):
        progsurv.sweep(spec.read_text().replace("replications: 400", "replications: 1000"),
                       output=out, resume=True)
    r = progsurv.sweep(str(spec), output=out, resume=True)
    assert r._raw.resumed_points == 3 and r._raw.resumed_from_file


def test_what_set_changed_in_the_base_reaches_the_export_and_the_page(tmp_path):
    """A manager given the workbook or the page of `sweep --set` sees that the base was
    changed; before, the About sheet said 'none recorded in the file'."""
    spec = tmp_path / "grid.yaml"
    spec.write_text(f"name: g\nbase: {BASELINE}\nreplications: 500\ndesign: grid\n"
                    "parameters:\n  succession.adoption: [0.2, 0.5]\n")
    out = tmp_path / "g.h5"
    proc = run_cli("sweep", spec, "-o", out, "-q", "--set", "budget.squeeze_prob=0.5")
    assert "base set to: budget.squeeze_prob=0.5 (was 0.3)" in proc.stdout
    run_cli("export", out, "--csv", tmp_path / "csv")
    about = (tmp_path / "csv" / "about.csv").read_text()
    assert "overrides,budget.squeeze_prob=0.5 (was 0.3)" in about, about
    run_cli("report", out, "-o", tmp_path / "g.html")
    assert "budget.squeeze_prob=0.5 (was 0.3)" in (tmp_path / "g.html").read_text()


def test_sobol_base_samples_not_a_power_of_two_warns_in_python_and_the_command(tmp_path):
    spec = tmp_path / "s.yaml"
    spec.write_text(f"name: np2\nbase: {BASELINE}\nseed: 3\nreplications: 100\n"
                    "design: {type: sobol, base_samples: 6, bootstrap: 10}\nparameters:\n"
                    "  succession.adoption: {low: 0.2, high: 0.8}\nmetrics: [p_completed]\n")
    with pytest.warns(UserWarning, match=r"s\.yaml:5: base_samples 6 is not a power of two "
                                         r"\(4 or 8 is\)"):
        r = progsurv.sweep(str(spec))
    assert len(r.points()) == 6 * 3
    proc = run_cli("sweep", spec, "-o", tmp_path / "s.h5", "-q")
    assert f"{spec}:5: warning: base_samples 6 is not a power of two" in proc.stderr
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        spec.write_text(spec.read_text().replace("base_samples: 6", "base_samples: 8"))
        progsurv.sweep(str(spec))


def test_an_output_in_a_missing_folder_is_named_as_the_command_names_it(tmp_path):
    """Before, Python raised RuntimeError about '<output>.partial', the journal the user never
    named; the command said the output's folder does not exist."""
    base = tmp_path / "base.yaml"  # a copy: the test must never risk the repository's
    base.write_bytes(pathlib.Path(BASELINE).read_bytes())
    spec = tmp_path / "s.yaml"
    spec.write_text(f"name: out\nbase: {base}\nseed: 3\nreplications: 100\ndesign: oat\n"
                    "parameters:\n  succession.adoption: {low: 0.2, high: 0.8}\n")
    missing = tmp_path / "nope" / "g.h5"
    with pytest.raises(ValueError, match="does not exist") as e:
        progsurv.sweep(str(spec), output=missing)
    assert ".partial" not in str(e.value)
    assert not (tmp_path / "nope").exists()
    # A write-protected output needs force=True, as the command's --force.
    locked = tmp_path / "locked.h5"
    locked.write_bytes(b"")
    locked.chmod(0o444)
    with pytest.raises(ValueError, match="write-protected"):
        progsurv.sweep(str(spec), output=locked)
    progsurv.sweep(str(spec), output=locked, force=True)
    assert progsurv.load_sweep(locked).name == "out"
    # Nor may the output be the sweep file itself or its base.
    for input_file in (spec, base):
        before = input_file.read_bytes()
        with pytest.raises(ValueError):
            progsurv.sweep(str(spec), output=input_file)
        assert input_file.read_bytes() == before


def labelled_morris(tmp_path, **extra):
    """A morris sweep whose parameters have labels, and two that hardly matter (their points
    sit together near 0)."""
    out = tmp_path / "m.h5"
    progsurv.sweep({
        "name": "labelled", "base": str(BASELINE), "replications": 300,
        "design": {"type": "morris", "trajectories": 5, "bootstrap": 40},
        "parameters": {
            "patience.threshold.median": {"label": "patience median", "low": 6, "high": 24},
            "sponsor_levels.director.tenure.mean": {"label": "director tenure", "low": 18,
                                                    "high": 48},
            "sponsor_levels.ceo.approval": {"low": 0.9, "high": 0.99},
            "sponsor_levels.ceo.clout": {"low": 0.85, "high": 0.95}},
        "metrics": ["p_completed", "mean_value"], **extra}, output=out)
    return out


def test_labels_name_the_parameters_of_every_frame_and_figure(tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    r = progsurv.load_sweep(labelled_morris(tmp_path))
    assert r.labels == ["patience median", "director tenure", "sponsor_levels.ceo.approval",
                        "sponsor_levels.ceo.clout"]
    m = r.morris("p_completed").set_index("parameter")
    assert list(m.columns[:2]) == ["metric", "label"]
    assert m.loc["patience.threshold.median", "label"] == "patience median"
    ax = r.plot_morris("p_completed")
    texts = {t.get_text() for t in ax.texts}
    assert {"patience median", "director tenure"} <= texts
    assert "patience.threshold.median" not in texts


def test_morris_labels_do_not_overlap_and_stay_inside_the_frame(tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.text import Text

    r = progsurv.load_sweep(labelled_morris(tmp_path))
    for metric in r.metrics:
        ax = r.plot_morris(metric)
        fig = ax.figure
        fig.canvas.draw()
        renderer = fig.canvas.get_renderer()
        frame = ax.get_window_extent(renderer)
        boxes = [Text.get_window_extent(t, renderer) for t in ax.texts]
        assert len(boxes) == 4
        for i, a in enumerate(boxes):
            # Inside the frame, not touching it.
            assert frame.x0 < a.x0 and a.x1 < frame.x1 and frame.y0 < a.y0 and a.y1 < frame.y1, \
                (ax.texts[i].get_text(), a, frame)
            for b in boxes[i + 1:]:
                assert not a.overlaps(b), (a, b)


def _page(tmp_path, out):
    """The report page of the sweep file `out`, every tagged number checked against the
    file and no untagged digit; returns the page's text without tags and figures."""
    import re

    from report_numbers import check_page

    html = tmp_path / (out.stem + ".html")
    run_cli("report", out, "-o", html)
    page = html.read_text()
    check_page(page, out, None)
    text = re.sub(r"<[^>]+>", " ", re.sub(r"</?(span|code)\b[^>]*>", "", page))
    return re.sub(r"\s+", " ", text)


def test_sobol_page_shows_the_noise_ratio_and_the_commands_warning(tmp_path):
    """The command warned that simulation noise was much of the variance; the page said
    nothing of it."""
    spec = tmp_path / "s.yaml"
    spec.write_text(f"name: s\nbase: {BASELINE}\nreplications: 200\n"
                    "design: {type: sobol, base_samples: 16, bootstrap: 40}\n"
                    "parameters:\n"
                    "  patience.threshold.median: {label: patience median, low: 6, high: 24}\n"
                    "  succession.adoption: {low: 0.2, high: 0.8}\n"
                    "metrics: [p_completed, mean_value]\n")
    out = tmp_path / "s.h5"
    said = run_cli("sweep", spec, "-o", out, "-q").stdout
    text = _page(tmp_path, out)
    with h5py.File(out, "r") as f:
        ratio = f["sobol/noise_ratio"][()]
    warned = said.count("warning: simulation noise is")
    assert warned >= 1  # at 200 replications a point, the noise is large
    assert text.count("Warning: simulation noise is") == warned
    for m, metric in enumerate(["p_completed", "mean_value"]):
        shown = f"{100 * ratio[m]:.2g}%"
        assert f"noise/variance {shown}" in said  # the same number as the command's
        assert f"{metric}: noise/variance {shown}" in text
    assert "more replications, or --repeat R to include it in the intervals" in text
    assert "patience median" in text


def test_indices_outside_zero_one_are_warned_about_by_the_command_and_the_page(tmp_path):
    """At 8 base samples S1 of succession.adoption is -0.55 with an interval wholly below 0;
    the command and the page warned only of the noise."""
    spec = tmp_path / "s.yaml"
    spec.write_text(f"name: s\nbase: {BASELINE}\nseed: 3\nreplications: 500\n"
                    "design: {type: sobol, base_samples: 8, bootstrap: 200, seed: 3}\nparameters:\n"
                    "  patience.threshold.median: {low: 6, high: 24}\n"
                    "  succession.adoption: {low: 0.2, high: 0.8}\n"
                    "  silos.it.break_prob: {low: 0.1, high: 0.4}\n"
                    "  phases.1.continue_prob: {low: 0.5, high: 1.0}\n"
                    "metrics: [p_completed]\n")
    out = tmp_path / "s.h5"
    said = run_cli("sweep", spec, "-o", out, "-q").stdout
    assert "warning: S1 of succession.adoption is -0.5539 [-0.876, -0.09655], wholly outside " \
        "[0, 1] where no index can be: 8 base samples are too few" in said
    text = _page(tmp_path, out)
    assert ("Warning: S1 of succession.adoption for p_completed is -0.554 (-0.876 to -0.097): "
            "its whole interval lies outside the range an index can take, from zero to one. 8 "
            "base samples are too few for these indices and their intervals; raise "
            "base_samples (e.g. to 32).") in text
    assert progsurv.load_sweep(out)._raw.sobol_warnings(0)["impossible_parameter"] == 1


def test_morris_page_has_a_table_per_metric_with_labels(tmp_path):
    out = labelled_morris(tmp_path)
    text = _page(tmp_path, out)
    assert text.count("parameter mu* mu sigma") == 2
    m = progsurv.load_sweep(out).morris("mean_value")
    top = m.iloc[0]
    assert f"{top['label']} {top['parameter']} {top['mu_star']:.4g} (± " in text, text
    # The points table heads a labelled parameter with its label.
    assert "patience median patience.threshold.median" in text.split("Points", 1)[1]


def test_grid_page_draws_the_grid_and_the_curves(tmp_path):
    """A 2-parameter grid sweep's page had no figure; its curves (curves: true) were on no
    page."""
    spec = tmp_path / "g.yaml"
    spec.write_text(f"name: g\nbase: {BASELINE}\nreplications: 300\ndesign: grid\n"
                    "curves: true\nparameters:\n"
                    "  patience.threshold.median: {label: patience median, values: [8, 24]}\n"
                    "  succession.adoption: [0.2, 0.8]\nmetrics: [p_completed]\n")
    out = tmp_path / "g.h5"
    run_cli("sweep", spec, "-o", out, "-q")
    text = _page(tmp_path, out)
    assert "p_completed over the grid." in text and "Completion at each point." in text
    assert (tmp_path / "g.html").read_text().count("data:image/png") == 2
    import matplotlib

    matplotlib.use("Agg")
    r = progsurv.load_sweep(out)
    ax = r.plot_grid()
    assert ax.get_xlabel() == "patience median" and ax.get_ylabel() == "succession.adoption"
    assert len(ax.texts) == 4  # the values in the cells
    assert len(r.plot_curves().get_lines()) == 4  # one a point
    assert len(r.plot_curves(lines=2).get_lines()) == 3  # median, lowest, highest


@pytest.mark.parametrize("design", ["oat", "morris"])
def test_curves_figure_keeps_its_axes_and_short_labels(tmp_path, design):
    """The curves of a sweep of the eight baseline-oat parameters: their legend, every
    parameter's value on one line per point, collapsed the axes (constrained_layout gave up
    with a warning, printed by `progsurv report`). An oat point is named by the one value it
    changes; another design's by its number and its values, wrapped."""
    import matplotlib

    matplotlib.use("Agg")
    spec = (SWEEPS / "baseline-oat.yaml").read_text()
    spec = re.sub(r"(?m)^base: .*$", f"base: {BASELINE}", spec)
    spec = re.sub(r"(?m)^replications: .*$", "replications: 200", spec) + "curves: true\n"
    if design == "morris":
        spec = spec.replace("design: oat", "design: {type: morris, trajectories: 3, "
                            "bootstrap: 20}")
    (tmp_path / "s.yaml").write_text(spec)
    out = tmp_path / "s.h5"
    run_cli("sweep", tmp_path / "s.yaml", "-o", out, "-q")
    proc = run_cli("report", out, "-o", tmp_path / "s.html")
    assert "warning" not in proc.stderr, proc.stderr
    r = progsurv.load_sweep(out)
    import matplotlib.pyplot as plt

    plt.close("all")  # other tests' figures: "More than 20 figures" is a warning too
    for lines in (len(r), 2):  # a line a point, and the bands with the two extreme points
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            ax = r.plot_curves(lines=lines)
            ax.figure.canvas.draw()
        # The axes keep their size (inches): the legend below adds to the figure.
        assert ax.get_position().height * ax.figure.get_figheight() > 2.5
        labels = ax.get_legend_handles_labels()[1]
        assert all(len(line) <= 90 for label in labels for line in label.splitlines())
        plt.close(ax.figure)
    if design == "oat":
        names = ax.get_legend_handles_labels()[1][-2:]
        assert all(n.startswith(("lowest at the horizon: ", "highest at the horizon: "))
                   for n in names)
        # months of patience (median) low gives the fewest completions.
        assert names[0] == "lowest at the horizon: months of patience (median)=6"
        assert r.plot_curves(lines=len(r)).get_legend_handles_labels()[1][:2] == [
            "base", "months of patience (median)=6"]
    else:
        assert re.fullmatch(r"highest at the horizon: point \d+: months of patience "
                            r"\(median\)=[\d.]+, .*", labels[-1].replace("\n", " "), re.S)


def test_python_md_documents_sweeps_signature():
    """docs/python.md gave progsurv.run's signature but not progsurv.sweep's."""
    import inspect

    doc = (REPO / "docs" / "python.md").read_text()
    assert f"progsurv.sweep{inspect.signature(progsurv.sweep)}" in doc
    for argument in inspect.signature(progsurv.sweep).parameters:
        assert f"- `{argument}`" in doc or f"- `{argument}=" in doc, argument
