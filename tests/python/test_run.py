"""progsurv.run and the Result's DataFrames, statistics and plots."""
import re

import numpy as np
import pytest

import progsurv

N = 20_000


@pytest.fixture(scope="module")
def result(baseline):
    return progsurv.run(baseline, replications=N, seed=3, keep_replications=True)


def test_basic_counts(result):
    assert result.n == N and result.replications == N
    assert result.seed == 3
    assert not result.exact
    assert result.name == "baseline"
    assert result.path is None
    assert int(np.sum(result.tally_category_count)) == N
    # P(completed) and its interval against scipy's Wilson interval of the same count; the
    # 90% interval (z = 1.64) is more than 1e-4 away, so a wrong z fails here.
    from scipy.stats import binomtest

    k = int(result.tally_category_count[progsurv.CATEGORIES.index("completed")])
    p, lo, hi = result.p_completed
    assert p == k / N
    ci = binomtest(k, N).proportion_ci(method="wilson")
    assert (lo, hi) == pytest.approx((ci.low, ci.high), abs=1e-12)
    ci90 = binomtest(k, N).proportion_ci(method="wilson", confidence_level=0.9)
    assert abs(ci90.low - lo) > 1e-4 and abs(ci90.high - hi) > 1e-4
    assert "baseline" in repr(result)


def test_deterministic_for_any_thread_count(baseline):
    a = progsurv.run(baseline, replications=5000, seed=11, threads=1)
    b = progsurv.run(baseline, replications=5000, seed=11, threads=2)
    c = progsurv.run(baseline, replications=5000, seed=12, threads=2)
    assert np.array_equal(a.tally_end_bins, b.tally_end_bins)
    assert np.array_equal(a.tally_moments, b.tally_moments)
    assert not np.array_equal(a.tally_end_bins, c.tally_end_bins)


def test_run_accepts_a_path(baseline):
    from conftest import BASELINE

    a = progsurv.run(BASELINE, replications=2000, seed=5)
    b = progsurv.run(baseline, replications=2000, seed=5)
    assert np.array_equal(a.tally_end_bins, b.tally_end_bins)


def test_curves_long_and_wide(result):
    df = result.curves()
    assert list(df.columns) == ["time", "category", "probability", "lower", "upper", "count"]
    assert len(df) == len(progsurv.CATEGORIES) * len(result.grid)
    # The categories partition every replication at every grid time.
    totals = df.groupby("time")["probability"].sum()
    assert np.allclose(totals, 1.0, atol=1e-12)
    counts = df.groupby("time")["count"].sum()
    assert (counts == N).all()
    assert (df["lower"] <= df["probability"]).all() and (df["probability"] <= df["upper"]).all()
    wide = result.curves(wide=True)
    assert list(wide["probability"].columns) == list(progsurv.CATEGORIES)
    assert np.allclose(wide["probability"]["completed"].to_numpy(), result.curve("completed")[:, 0])
    some = result.curves(categories=["patience", "completed"])
    assert list(some["category"].cat.categories) == ["patience", "completed"]
    with pytest.raises(KeyError, match="nonsense"):
        result.curves(categories=["nonsense"])


def test_survival(result):
    s = result.survival()
    assert list(s.columns) == ["time", "probability", "lower", "upper"]
    assert s["probability"].iloc[0] <= 1.0
    assert (np.diff(s["probability"]) <= 1e-15).all()  # S(t) never increases
    # S(t) = P(not ended by one of the causes by t | started): completed programmes
    # survive, programmes that never started do not count (the denominator is the final
    # share started: with scoping, proposals die over time).
    wide = result.curves(wide=True)["probability"]
    ended = wide[list(progsurv.CAUSES)].sum(axis=1) / (1.0 - wide["not_started"].iloc[-1])
    assert np.allclose(s["probability"].to_numpy(), 1.0 - ended.to_numpy(), atol=1e-12)


def test_shares_and_counts(result):
    out = result.outcomes()
    assert list(out.index) == list(progsurv.OUTCOMES)
    assert out["count"].sum() == N
    assert np.isclose(out["share"].sum(), 1.0)
    causes = result.causes()
    assert list(causes.index) == list(progsurv.CAUSES)
    assert causes["count"].sum() == out.loc["ended", "count"]
    assert np.isclose(causes["share"].sum(), 1.0)


def test_means_take_one_name_or_a_list_and_name_an_unknown_one(result):
    one = result.means("working")
    assert list(one.index) == ["working"]
    assert one.equals(result.means(["working"]))
    for call in (lambda: result.means(["walking"]), lambda: result.means("walking"),
                 lambda: result.curves(categories=["walking"]), lambda: result.curve("walking"),
                 lambda: result.curve_count("walking"), lambda: result.record("walking")):
        with pytest.raises(ValueError, match="'walking'") as info:
            call()
        assert isinstance(info.value, KeyError)  # what these lookups raised before
    message = str(pytest.raises(ValueError, result.means, "walking").value)
    assert message.startswith("unknown quantity 'walking'; valid: ") and "working" in message
    assert "rungs" in str(pytest.raises(ValueError, result.record, "walking").value)
    assert "completed" in str(pytest.raises(ValueError, result.curve, "walking").value)
    assert list(result.curves(categories="completed")["category"].unique()) == ["completed"]
    assert np.array_equal(result.curve(0), result.curve("completed"))


def test_quantiles_value_means(result):
    q = result.quantiles()
    assert list(q.index) == [0.1, 0.5, 0.8, 0.9]
    given = q["completion_time_among_completed"]
    assert given.notna().all() and (np.diff(given) >= 0).all()
    v = result.value()
    assert np.isclose(v["probability"].sum(), 1.0)
    banked = np.concatenate([[0.0], np.cumsum(result.scenario.phase_values)])
    assert np.allclose(v["value"], banked)  # d phases delivered bank the first d values
    td = result.time_decomposition()
    assert list(td.index) == list(progsurv.TIME_BUCKETS)
    # The seven buckets add up to the mean end time of started programmes.
    end_time = result.means(["end_time"])["mean"].iloc[0]
    assert np.isclose(td["mean"].sum(), end_time, rtol=1e-9)
    assert list(result.counts().index) == [
        "sponsor_changes",
        "handoffs",
        "breaks",
        "escalations",
        "disengagements",
        "rungs",
        "deferrals",
        "deferred_value",
        "reengagements",
    ]
    conv = result.convergence()
    assert conv["n"].iloc[-1] == N


def test_records_agree_with_tally(result):
    rec = result.records()
    assert len(rec) == N
    assert (rec["outcome"].value_counts()["completed"]
            == result.tally_category_count[progsurv.CATEGORIES.index("completed")])
    ended = rec[rec["outcome"] == "ended"]
    assert ended["cause"].notna().all()
    assert rec.loc[rec["outcome"] != "ended", "cause"].isna().all()
    started = rec[rec["outcome"] != "not_started"]
    assert np.isclose(started["value"].mean(), result.means(["value"])["mean"].iloc[0])
    buckets = started[[f"time_{b}" for b in progsurv.TIME_BUCKETS]].sum(axis=1)
    assert np.allclose(buckets, started["end_time"], atol=1e-9)
    assert set(rec["initial_level"].cat.categories) == set(result.scenario.level_names)


def test_records_need_keep(baseline):
    r = progsurv.run(baseline, replications=1000)
    assert not r.has_records
    with pytest.raises(ValueError, match="keep_replications"):
        r.records()


def test_precision_mode(baseline):
    r = progsurv.run(baseline, precision=0.01, max_replications=1_000_000, seed=2)
    half = r.convergence()["half_width"]
    assert half.iloc[-1] <= 0.01
    assert r.n % progsurv._core.batch_size == 0 and r.n < 1_000_000
    assert r.precision == 0.01


def test_max_replications_needs_a_precision(baseline):
    # A cap is only a cap of a precision run: without one it would be silently ignored and
    # the run do `replications` (the command: --max-replications requires --precision).
    with pytest.raises(ValueError, match=r"max_replications=1000 caps a precision run"):
        progsurv.run(baseline, replications=100, precision=None, max_replications=1000)
    assert progsurv.run(baseline, replications=100, precision=None).n == 100


def test_precision_zero_is_refused_as_the_command_refuses_it(baseline, tmp_path):
    """precision=0 ran the default 100,000 replications although it reads as "until the
    half-width is at most 0"; `progsurv run --precision 0` is refused. The range is the
    command's, [1e-06, 0.5]; None is the fixed count."""
    for bad in (0, 0.0, 1e-7, 0.9, -0.1, float("nan")):
        with pytest.raises(ValueError, match=r"precision=.* out of range: give a 95% "
                           r"half-width in \[1e-06, 0\.5\] \(as --precision\), or "
                           r"precision=None for a fixed count \(replications=100\)"):
            progsurv.run(baseline, replications=100, precision=bad)
    from conftest import BASELINE, run_cli

    proc = run_cli("run", BASELINE, "--precision", "0", "-o", tmp_path / "p.h5", check=False)
    assert proc.returncode != 0 and "--precision: must be between 1e-06 and 0.5" in proc.stderr
    assert not (tmp_path / "p.h5").exists()


def test_argument_checks(baseline):
    with pytest.raises(ValueError, match="replications"):
        progsurv.run(baseline, replications=0)
    with pytest.raises(ValueError, match="precision"):
        progsurv.run(baseline, precision=0.9)
    with pytest.raises(ValueError, match="threads"):
        progsurv.run(baseline, replications=10, threads=-1)
    with pytest.raises(TypeError):
        progsurv.run(42)
    with pytest.raises(TypeError, match="progress"):
        progsurv.run(baseline, replications=10, progress="yes")


def test_progress_callable_and_bar(baseline, capsys):
    calls = []
    progsurv.run(baseline, replications=40_000, progress=lambda d, p: calls.append((d, p)))
    assert calls[-1] == (40_000, 40_000)
    assert [d for d, _ in calls] == sorted(d for d, _ in calls)
    progsurv.run(baseline, replications=40_000, progress=True)
    err = capsys.readouterr().err
    assert "running baseline" in err and "100%" in err and "40.0k/40.0k" in err


def test_progress_bar_starts_with_the_work(baseline, capsys):
    # The bar's clock starts with the run, not at the engine's first call after its first
    # chunk (16,384 replications), which showed billions of replications per second.
    progsurv.run(baseline, replications=20_000, threads=1, progress=True)
    err = capsys.readouterr().err
    rates = re.findall(r"([0-9.]+)([kMG]?)rep/s", err)
    assert rates, err
    scale = {"": 1, "k": 1e3, "M": 1e6, "G": 1e9}
    assert max(float(x) * scale[unit] for x, unit in rates) < 5e7, err


def test_set_takes_a_mapping_and_names_itself_otherwise(baseline):
    with pytest.raises(TypeError, match=r"^set must be \{key path: value\}") as info:
        progsurv.run(baseline, replications=100, set=["horizon=48"])
    assert "with_values" not in str(info.value) and "horizon=48" in str(info.value)
    with pytest.raises(TypeError, match="^set must be"):
        progsurv.run(baseline, replications=100, set="horizon=48")
    with pytest.raises(TypeError, match="^set must be"):
        progsurv.compare(baseline, levers=["horizon=48"], set=["horizon=48"], replications=100)
    r = progsurv.run(baseline, replications=100, set=[("horizon", 48)])
    assert r.scenario.horizon == 48


def test_progress_callback_stops_run(baseline):
    with pytest.raises(KeyboardInterrupt):
        progsurv.run(baseline, replications=200_000, progress=lambda d, p: d < 30_000)


def test_progress_callback_error_propagates(baseline):
    def broken(done, planned):
        raise ZeroDivisionError("from the callback")

    with pytest.raises(ZeroDivisionError, match="from the callback"):
        progsurv.run(baseline, replications=50_000, progress=broken)


def test_completion_time_plot_refuses_a_width_that_is_not_positive(result):
    import matplotlib

    matplotlib.use("Agg")
    for width in (0, -1, float("nan"), 1e9):
        with pytest.raises(ValueError, match="bin_months"):
            result.plot_completion_time(bin_months=width)
    with pytest.raises(TypeError, match="bin_months must be a number"):
        result.plot_completion_time(bin_months="2")


def test_plots_return_axes(result):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.axes import Axes

    for plot in ("plot_incidence", "plot_survival", "plot_completion_time",
                 "plot_time_decomposition", "plot_value"):
        ax = getattr(result, plot)()
        assert isinstance(ax, Axes), plot
        assert ax.has_data(), plot
        plt.close(ax.figure)
    fig, ax = plt.subplots()
    assert progsurv.plotting.plot_survival(result, ax=ax, label="a") is ax
    assert progsurv.plotting.plot_survival(result, ax=ax, label="b") is ax
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["a", "b"]
    # The stacked areas reach 1 at every month.
    ax = progsurv.plotting.plot_incidence(result, style="stacked")
    top = ax.collections[-1].get_paths()[0].vertices[:, 1].max()
    assert np.isclose(top, 1.0)
    # Steps (the default): one step line and one interval band per cause and completed,
    # each line the curve itself.
    ax = progsurv.plotting.plot_incidence(result)
    assert len(ax.lines) == 6 and len(ax.collections) == 6
    np.testing.assert_array_equal(ax.lines[0].get_ydata(), result.curve("completed")[:, 0])
    assert ax.lines[0].get_drawstyle() == "steps-post"
    # Survival as a step function, with at-risk counts: started programmes still running.
    ax = progsurv.plotting.plot_survival(result, at_risk=True)
    assert ax.lines[0].get_drawstyle() == "steps-post"
    first = next(t for t in ax.texts if t.get_gid() == "progsurv-at-risk-0-0").get_text()
    assert int(first.replace(",", "")) == result.n_started
    plt.close("all")


def test_plot_survival_title_and_at_risk_rows_on_a_users_figure(result, baseline):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ax = result.plot_survival()
    assert ax.get_title() == "baseline: survival (95% band)"  # the label, as every plot
    other = progsurv.run(baseline, replications=1000, set={"horizon": 48})
    other.plot_survival(ax=ax)
    assert ax.get_title() == "survival (95% band)"  # two scenarios: neither label
    # A figure of the user's own (no layout engine): the at-risk rows fit in it without
    # bbox_inches="tight".
    fig, ax = plt.subplots()
    result.plot_survival(ax=ax, at_risk=True)
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    inside = fig.bbox
    for text in ax.texts:
        box = text.get_window_extent(renderer)
        assert box.y0 >= inside.y0 and box.x0 >= inside.x0, text.get_text()
    plt.close("all")


def test_plots_compare_results_on_one_axes_and_keep_titles_short(result, baseline):
    """A second result drawn on the same Axes takes the next colour of the Axes' cycle when
    no colour is given, and the title drops the scenario's name instead of taking the
    second one's; a title the caller set (or passed) is kept; a long name is wrapped or
    shortened to its Axes' width."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.colors as mcolors
    import matplotlib.pyplot as plt

    other = progsurv.run(baseline, replications=1000, seed=4,
                         set={"patience.threshold.median": 30, "sponsor": "director",
                              "scoping.median": 2.5})
    assert len(other.name) > 60
    whats = {"plot_incidence": "how programmes end", "plot_survival": "survival (95% band)",
             "plot_completion_time": "when programmes complete",
             "plot_time_decomposition": "where the months went",
             "plot_value": "value delivered"}
    for plot, what in whats.items():
        fig, axes = plt.subplots(1, 2, figsize=(10, 4))
        getattr(result, plot)(ax=axes[0])
        assert axes[0].get_title() == f"baseline: {what}", plot
        getattr(other, plot)(ax=axes[0])
        assert axes[0].get_title() == what, plot
        # The long name alone: over its own Axes, not into the neighbour's title.
        getattr(other, plot)(ax=axes[1])
        assert other.name.split(" ")[0] in axes[1].get_title(), plot
        fig.canvas.draw()
        renderer = fig.canvas.get_renderer()
        box = axes[1].title.get_window_extent(renderer)
        assert box.x0 >= axes[1].get_window_extent(renderer).x0 - 40, (plot, box)
        assert box.x1 <= fig.bbox.x1 and box.y1 <= fig.bbox.y1, (plot, box)
        plt.close(fig)
    # Colours: the bars of a second result are not the first one's colour.
    for plot in ("plot_completion_time", "plot_time_decomposition", "plot_value"):
        ax = getattr(result, plot)()
        n = len(ax.patches)
        getattr(other, plot)(ax=ax)
        a, b = (mcolors.to_hex(p.get_facecolor()) for p in (ax.patches[0], ax.patches[n]))
        assert a != b, plot
        plt.close(ax.figure)
    ax = result.plot_survival()
    other.plot_survival(ax=ax)
    assert ax.lines[0].get_color() != ax.lines[1].get_color()
    # A title the caller set before drawing is kept; one passed is used.
    fig, ax = plt.subplots()
    ax.set_title("mine")
    result.plot_value(ax=ax)
    assert ax.get_title() == "mine"
    result.plot_value(ax=ax, title="passed")
    other.plot_value(ax=ax)
    assert ax.get_title() == "passed"
    plt.close("all")


def test_plot_incidence_legend_stays_inside_a_users_figure(result):
    import io

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(12, 4))
    result.plot_incidence(ax=axes[0])
    result.plot_incidence(ax=axes[1], style="stacked")
    fig.savefig(io.BytesIO(), format="png")
    renderer = fig.canvas.get_renderer()
    for ax in axes:
        box = ax.get_legend().get_window_extent(renderer)
        assert fig.bbox.x0 <= box.x0 and box.x1 <= fig.bbox.x1, box
    assert axes[0].get_legend().get_window_extent(renderer).x1 <= \
        axes[1].get_window_extent(renderer).x0
    plt.close(fig)


def test_python_md_lists_every_argument_of_the_result_and_portfolio_plots():
    """docs/python.md's Plots table has a row for each plot of a Result and a
    PortfolioResult naming every argument (color=, label=, title= were missing)."""
    import inspect

    from conftest import REPO

    text = (REPO / "docs" / "python.md").read_text()
    section = text[text.index("## Plots\n"):text.index("## Notebooks\n")]
    rows = {}
    for line in section.splitlines():
        found = re.match(r"\| `(\w+)\.(plot_\w+)\(", line)
        if found:
            rows[found.groups()] = line
    plots = [("Result", name, getattr(progsurv.plotting, name)) for name in (
        "plot_incidence", "plot_survival", "plot_completion_time", "plot_time_decomposition",
        "plot_value")]
    plots += [("PortfolioResult", name, getattr(progsurv.PortfolioResult, name))
              for name in ("plot_rank_odds", "plot_cynicism_trust", "plot_live")]
    for cls, name, function in plots:
        assert (cls, name) in rows, f"{cls}.{name}"
        for arg in inspect.signature(function).parameters:
            if arg not in ("self", "result"):
                assert f"{arg}=" in rows[(cls, name)], f"{cls}.{name}: {arg}"


def test_docstrings_say_when_ctrl_c_stops_the_engine_as_python_md_does():
    """Every Python entry to the engine runs under the bindings' interrupt guard
    (bindings/interrupt.hpp): the engine polls the stop request inside a replication. The
    docstrings said "raises KeyboardInterrupt" without when, or (sweep) "after the points
    in flight"; docs/python.md says within about a second, even mid-replication."""
    from conftest import REPO

    said = "within about a second, even in the middle of a long"

    def flat(text):
        return " ".join(text.split())

    assert said in flat((REPO / "docs" / "python.md").read_text())
    for function in (progsurv.run, progsurv.portfolio, progsurv.remedies, progsurv.seek,
                     progsurv.sweep):
        doc = flat(function.__doc__)
        assert said in doc, function.__name__
        assert "between batches" not in doc and "after the points in flight" not in doc

