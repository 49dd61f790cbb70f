"""Portfolio mode from Python: progsurv.portfolio(), progsurv.load() of a portfolio file,
zero-copy views, reproducibility across threads and with the command line, bad inputs,
Ctrl-C and the GIL, DataFrames and plots. Runs are small (at most a few thousand
organisations)."""
import gc
import threading
import time

import numpy as np
import pytest

import progsurv
from conftest import BASELINE, SCENARIOS, run_cli
from test_threads import assert_interrupted, assert_runs_without_gil

TEN_YEARS = SCENARIOS / "portfolios" / "ten-years.yaml"
SEED = 5
N = 3000  # organisations: more than two of the engine's chunks (see the threads test)

# Every raw array of a PortfolioTally (the file's /tally).
TALLY_ARRAYS = (
    "grid", "rank_launched", "rank_category", "rank_value", "template_launched",
    "template_category", "per_org_category", "value_hist", "live_sum", "end_bins", "cynicism",
    "trust", "cynicism_hist", "trust_hist", "exits", "sponsoring_exits", "orphaned", "lost",
    "orphaned_hist", "checkpoint_n", "checkpoint_completed",
)


def assert_same_tally(a, b):
    for name in TALLY_ARRAYS:
        x, y = np.asarray(getattr(a, name)), np.asarray(getattr(b, name))
        assert x.shape == y.shape and np.array_equal(x, y), name
    for group in progsurv._portfolio.COUNT_GROUPS:
        assert np.array_equal(a.count_hist(group), b.count_hist(group)), group
    for name in ("n", "horizon", "per_org_launched", "per_org_ended", "per_org_value", "events",
                 "value_bin_width"):
        assert getattr(a, name) == getattr(b, name), name


@pytest.fixture(scope="module")
def ten_years():
    return progsurv.Portfolio.load(TEN_YEARS)


@pytest.fixture(scope="module")
def result(ten_years):
    return progsurv.portfolio(ten_years, n=N, seed=SEED, threads=2)


@pytest.fixture(scope="module")
def cli_run(tmp_path_factory):
    path = tmp_path_factory.mktemp("portfolio") / "ten-years.h5"
    proc = run_cli("portfolio", TEN_YEARS, "-o", path, "-n", N, "--seed", SEED, "--quiet")
    return path, proc.stdout


# --- the Portfolio -----------------------------------------------------------------------


def test_portfolio_attributes(ten_years):
    p = ten_years
    assert p.name == "ten-years" and p.source == str(TEN_YEARS)
    assert p.horizon == 120 and p.grid[0] == 0 and p.grid[-1] == 120
    assert p.roster == {"ceo": 1, "c_suite": 4, "vp": 8, "director": 12}
    assert list(p.roster) == p.level_names and p.post_count == 25
    assert p.template_names == ["baseline"] and len(p.templates) == 1
    assert isinstance(p.templates[0], progsurv.Scenario)
    assert p.max_live == 4 and p.renewal and p.launches == []
    assert p.cynicism["rise"] == 0.25 and p.cynicism["effect.break"] == 0.3
    assert "ten-years" in repr(p)


def test_with_values_returns_a_changed_copy(ten_years):
    changed = ten_years.with_values({"roster.vp": 2, "cynicism.effect.break": 0, "max_live": 2})
    assert changed.roster["vp"] == 2 and changed.post_count == 19
    assert changed.cynicism["effect.break"] == 0 and changed.max_live == 2
    assert ten_years.roster["vp"] == 8 and ten_years.max_live == 4  # unchanged
    same = progsurv.Portfolio.from_yaml(ten_years.yaml_text.replace("../baseline.yaml",
                                                                    str(BASELINE)))
    assert same.roster == ten_years.roster


def test_bad_portfolio_file_names_file_and_line(tmp_path):
    text = TEN_YEARS.read_text().replace("../baseline.yaml", str(BASELINE))
    assert "  rise: 0.25" in text
    bad = tmp_path / "bad.yaml"
    bad.write_text(text.replace("  rise: 0.25", "  rise: 2.5"))
    with pytest.raises(progsurv.ScenarioError) as info:
        progsurv.Portfolio.load(bad)
    e = info.value
    assert e.file == str(bad)
    assert e.line == 1 + text.splitlines().index(
        next(line for line in text.splitlines() if line.startswith("  rise: 0.25")))
    assert "rise" in e.key and str(bad) in str(e)
    with pytest.raises(progsurv.ScenarioError):  # progsurv.portfolio(path) reads it too
        progsurv.portfolio(bad, n=10)
    with pytest.raises(progsurv.ScenarioError) as info:
        progsurv.Portfolio.load(tmp_path / "missing.yaml")
    with pytest.raises(progsurv.ScenarioError) as info:
        progsurv.Portfolio.load(TEN_YEARS).with_values({"roster.nobody": 3})
    assert "roster.nobody" in str(info.value)


def test_bad_arguments_raise(ten_years):
    for kwargs in ({"n": 0}, {"threads": -1}, {"threads": 100_000}, {"precision": -1.0},
                   {"max_organisations": 0}):
        with pytest.raises(ValueError):
            progsurv.portfolio(ten_years, **kwargs)
    for kwargs in ({"n": 10.5}, {"seed": "1"}, {"progress": "yes"}):
        with pytest.raises(TypeError):
            progsurv.portfolio(ten_years, **kwargs)
    with pytest.raises(KeyError):
        progsurv.portfolio(ten_years, n=10, sharing={"coffee": False})
    with pytest.raises(TypeError, match="sharing must be a dict"):
        progsurv.portfolio(ten_years, n=10, sharing=["cynicism"])
    with pytest.raises(TypeError):
        progsurv.portfolio(3, n=10)


def test_max_organisations_needs_a_precision(ten_years):
    # A cap without a precision target would be ignored (the command: --max-organisations
    # requires --precision).
    with pytest.raises(ValueError, match=r"max_organisations=100 caps a precision run"):
        progsurv.portfolio(ten_years, n=10, precision=None, max_organisations=100)


def test_precision_zero_is_refused_as_the_command_refuses_it(ten_years):
    # precision=0 ran a fixed count; `progsurv portfolio --precision 0` is refused.
    for bad in (0, 1e-7, 2e6):
        with pytest.raises(ValueError, match=r"precision=.* out of range: give a 95% "
                           r"half-width in \[1e-06, 1e\+06\] \(as --precision\)"):
            progsurv.portfolio(ten_years, n=10, precision=bad)


# --- files and reproducibility -----------------------------------------------------------


def test_command_line_file_matches_python(cli_run, result):
    path, stdout = cli_run
    loaded = progsurv.load(path)
    assert isinstance(loaded, progsurv.PortfolioResult) and loaded.path == str(path)
    assert loaded.seed == SEED and loaded.n == N
    assert_same_tally(loaded.tally, result.tally)
    # The summary printed by the command line is the one Python gives, run or read back.
    assert stdout.startswith(result.summary())
    assert loaded.summary() == result.summary()
    assert loaded.portfolio.roster == result.portfolio.roster
    assert loaded.portfolio.templates == []  # templates are not re-read from a file
    assert loaded.sharing == {"cynicism": True, "trust": True, "posts": True, "budget": True}


def test_python_file_round_trip(result, tmp_path):
    path = tmp_path / "py.h5"
    result.to_hdf5(path)
    back = progsurv.load_portfolio(path)
    assert_same_tally(back.tally, result.tally)
    for a, b in ((back.ranks(), result.ranks()), (back.over_time(), result.over_time()),
                 (back.organisation(), result.organisation()), (back.exits(), result.exits())):
        assert a.equals(b)


def test_same_result_for_any_thread_count(ten_years, result):
    # Only a run of several chunks gives two threads something to split.
    assert N > 2 * progsurv._core.organisation_chunk
    one = progsurv.portfolio(ten_years, n=N, seed=SEED, threads=1)
    assert_same_tally(one.tally, result.tally)
    other_seed = progsurv.portfolio(ten_years, n=N, seed=SEED + 1, threads=2)
    assert not np.array_equal(other_seed.tally.live_sum, result.tally.live_sum)


def test_foreign_files_are_refused(cli_file, tmp_path):
    with pytest.raises(progsurv.FileFormatError, match="not a progsurv portfolio file"):
        progsurv.load_portfolio(cli_file)
    assert isinstance(progsurv.load(cli_file), progsurv.Result)  # load() still reads runs
    junk = tmp_path / "junk.h5"
    junk.write_bytes(b"not hdf5 at all")
    with pytest.raises(progsurv.FileFormatError):
        progsurv.load_portfolio(junk)
    with pytest.raises(progsurv.FileFormatError):
        progsurv.load(junk)
    with pytest.raises(progsurv.FileFormatError):
        progsurv.load_portfolio(tmp_path / "missing.h5")


# --- zero copy ---------------------------------------------------------------------------


def test_arrays_are_read_only_views_that_keep_their_owner_alive(ten_years):
    r = progsurv.portfolio(ten_years, n=200, seed=2)
    tally = r.tally
    live = tally.live_sum
    expected = np.array(live)  # a copy, to compare after the owners are gone
    assert live.base is tally and not live.flags.writeable
    assert np.shares_memory(live, tally.live_sum)  # no copy per access
    with pytest.raises(ValueError):
        live[0] = 1
    shares = r.statistics.rank_share
    assert shares.base is r.statistics and not shares.flags.writeable
    assert shares.shape == (len(tally.rank_launched), len(progsurv.CATEGORIES), 3)
    expected_shares = np.array(shares)
    del r, tally
    gc.collect()
    # The tally keeps its result alive, and the array keeps the tally alive.
    assert np.array_equal(live, expected) and np.array_equal(shares, expected_shares)


# --- what the numbers must satisfy -------------------------------------------------------


def test_ranks_are_consistent(result):
    df = result.ranks()
    t = result.tally
    assert (np.diff(df["organisations"].to_numpy()) <= 0).all()  # a k+1-th needs a k-th
    shares = df[list(progsurv.CATEGORIES)].to_numpy()
    assert np.allclose(shares.sum(axis=1), 1.0)
    assert np.array_equal(df["organisations"], t.rank_launched)
    assert np.allclose(df["completed"], t.rank_category[:, 0] / t.rank_launched)
    assert np.allclose(df["launched"], t.rank_launched / t.n)
    for c in ("launched", "completed", "value"):
        ok = df[f"{c}_lower"].notna()  # a mean over one organisation has no interval
        assert ok.sum() >= len(df) - 2, c
        assert (df.loc[ok, f"{c}_lower"] <= df.loc[ok, c] + 1e-12).all(), c
        assert (df.loc[ok, c] <= df.loc[ok, f"{c}_upper"] + 1e-12).all(), c
    assert len(result.ranks(min_launched=0.5)) < len(df)


@pytest.fixture(scope="module")
def mixed(mixed_yaml):
    return progsurv.portfolio(mixed_yaml, n=600, seed=SEED, threads=2)


def _wilson(k, n, z=1.959963984540054):
    # The textbook Wilson bounds, apart from the engine's.
    return _wilson_at(k / n, n, z)


def _wilson_at(p, n, z=1.959963984540054):
    centre = (p + z**2 / (2 * n)) / (1 + z**2 / n)
    half = z * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / (1 + z**2 / n)
    return np.minimum(p, centre - half), np.maximum(p, centre + half)


def test_templates_are_the_tallys_counts_by_template(mixed):
    df = mixed.templates()
    t = mixed.tally
    assert list(df.index) == ["cx", "pilot"] == mixed.portfolio.template_names
    assert df.index.name == "template"
    assert list(df.columns[:2]) == ["programmes", "per_organisation"]
    for c in progsurv.CATEGORIES:
        k = list(df.columns).index(c)
        assert list(df.columns[k:k + 3]) == [c, f"{c}_lower", f"{c}_upper"]
    launched = np.asarray(t.template_launched)
    category = np.asarray(t.template_category)
    assert np.array_equal(df["programmes"], launched)
    assert launched.sum() == t.per_org_launched[0]  # every programme is of one template
    assert np.allclose(category.sum(axis=0), np.asarray(t.per_org_category)[:, 0])
    assert np.allclose(df["per_organisation"], launched / t.n)
    # cx: the first launch, then about two thirds of the renewals; pilot: two planned ones
    # and the rest.
    assert (df["per_organisation"] > 2).all()
    shares = df[list(progsurv.CATEGORIES)].to_numpy()
    assert np.allclose(shares, category / launched[:, None])
    assert np.allclose(shares.sum(axis=1), 1.0)
    # An organisation's programmes are not independent: the intervals are of a ratio over
    # organisations, Wilson at the effective size R(1-R)/V (at most the programmes), with V
    # the delta-method variance from the tally's sums over organisations.
    assert t.clustered and mixed.statistics.template_interval_method == "wilson-effective-size"
    n = t.n
    for k, c in enumerate(progsurv.CATEGORIES):
        r = category[:, k] / launched
        ss = (np.asarray(t.template_category_sq)[:, k]
              - 2 * r * np.asarray(t.template_category_cross)[:, k]
              + r**2 * np.asarray(t.template_launched_sq))
        var = n * np.maximum(ss, 0) / (n - 1) / launched**2
        with np.errstate(divide="ignore", invalid="ignore"):
            size = np.where((r > 0) & (r < 1) & (var > 0),
                            np.minimum(launched, r * (1 - r) / var), launched)
        lower, upper = _wilson_at(r, size)
        assert np.allclose(df[f"{c}_lower"], lower, atol=1e-12), c
        assert np.allclose(df[f"{c}_upper"], upper, atol=1e-12), c
    # Value per programme launched: the tally's value by template over its programmes, with
    # the normal interval of that ratio over organisations.
    value = np.asarray(t.template_value)
    mean = value / launched
    ss = (np.asarray(t.template_value_sq) - 2 * mean * np.asarray(t.template_value_cross)
          + mean**2 * np.asarray(t.template_launched_sq))
    half = 1.959963984540054 * np.sqrt(n * ss / (n - 1)) / launched
    assert np.allclose(df["mean_value"], mean, rtol=1e-12)
    assert np.allclose(df["mean_value_lower"], mean - half, rtol=1e-9)
    assert np.allclose(df["mean_value_upper"], mean + half, rtol=1e-9)
    # The same numbers as the bound summary holds (no second computation).
    s = mixed.statistics
    assert s.template_names == ["cx", "pilot"]
    assert np.array_equal(np.asarray(s.template_share)[:, :, 0], shares)
    assert np.asarray(s.template_share).base is not None  # a view into the summary
    # The pilot (one phase of two short steps) completes far more often than cx.
    assert df.loc["pilot", "completed_lower"] > df.loc["cx", "completed_upper"]


def test_the_summary_prints_the_table_by_programme(mixed, result):
    text = mixed.summary()
    df = mixed.templates()
    assert "\nprogramme    launched  per org  completed [95% interval]" in text
    for name, row in df.iterrows():
        line = next(x for x in text.splitlines() if x.startswith(f"  {name} "))
        assert f" {int(row['programmes'])} " in line
        assert f" {row['per_organisation']:.2f} " in line
        assert f"{100 * row['completed']:.1f}% [{100 * row['completed_lower']:.1f}, " in line
    assert (f"By programme, pilot completes most often ({100 * df.loc['pilot', 'completed']:.1f}% "
            f"of those launched) and cx least often ({100 * df.loc['cx', 'completed']:.1f}%).") \
        in text
    assert "(a launch rank counts programmes of any template: each template's own odds" in text
    # One template: templates() has its one row; the text leaves the table out.
    one = result.templates()
    assert list(one.index) == ["baseline"]
    assert one.loc["baseline", "programmes"] == result.tally.per_org_launched[0]
    assert "By programme" not in result.summary()
    assert "of any template" not in result.summary()


def test_a_template_never_launched_has_no_shares(mixed_yaml, tmp_path):
    text = mixed_yaml.read_text()
    assert "mix: {cx: 2, pilot: 1}" in text
    never = tmp_path / "never.yaml"
    never.write_text(text.replace("mix: {cx: 2, pilot: 1}", "mix: {cx: 1, pilot: 0}")
                     .replace("  - {at: 0, programme: pilot}\n", "")
                     .replace("  - {at: 12, programme: pilot}\n", ""))
    r = progsurv.portfolio(never, n=50, seed=1)
    df = r.templates()
    assert df.loc["pilot", "programmes"] == 0 and df.loc["pilot", "per_organisation"] == 0
    assert df.loc["pilot", list(progsurv.CATEGORIES)].isna().all()
    assert "\n  pilot             0     0.00  -\n" in r.summary()
    assert "By programme" not in r.summary()  # only one template launched: nothing to compare


def test_organisation_is_consistent(result):
    df = result.organisation()
    t = result.tally
    parts = df.loc[list(progsurv.CATEGORIES), "mean"].sum()
    assert df.loc["launched", "mean"] == pytest.approx(parts)
    assert df.loc["ended", "mean"] == pytest.approx(df.loc[list(progsurv.CAUSES), "mean"].sum())
    assert df.loc["launched", "mean"] == pytest.approx(t.per_org_launched[0] / t.n)
    # The quantiles computed here agree with the engine's summary.
    assert np.allclose(df.loc["completed", ["p10", "p50", "p90"]],
                       result.statistics.completed_quantiles)
    q = df.loc[["launched", "completed", "ended", "value"], ["p10", "p50", "p90"]].to_numpy()
    assert (np.diff(q, axis=1) >= 0).all()
    assert df.loc["sponsor_exit", ["p10", "p50", "p90"]].isna().all()


def test_over_time_is_consistent(result, ten_years):
    df = result.over_time()
    assert np.array_equal(df.index.to_numpy(), np.asarray(ten_years.grid))
    for c in ("completed", "ended", "not_started") + progsurv.CAUSES:
        assert (np.diff(df[c].to_numpy()) >= -1e-12).all(), c
    assert df["live"].max() <= ten_years.max_live
    for name in ("cynicism", "trust"):
        p10, p50, p90 = (df[f"{name}_p{q}"].to_numpy() for q in (10, 50, 90))
        assert (p10 <= p50).all() and (p50 <= p90).all()
        # The mean (from the tally's sums) lies within the bounds its histogram allows
        # (bin b holds levels in [b/1000, (b+1)/1000), the last exactly 1): two independent
        # accumulations of the same C(t) and T(t).
        hist = np.asarray(getattr(result.tally, f"{name}_hist"), dtype=float)
        edges = np.arange(hist.shape[1]) / (hist.shape[1] - 1)
        low = hist @ edges / result.n
        high = hist @ np.minimum(edges + 1 / (hist.shape[1] - 1), 1.0) / result.n
        mean = df[f"{name}_mean"].to_numpy()
        assert (low - 1e-12 <= mean).all() and (mean <= high + 1e-12).all(), name
    # Failures outnumber completions, so cynicism ends above where it started (rise 0.25).
    assert df["cynicism_mean"].iloc[-1] > ten_years.cynicism["initial"] + 0.05
    assert df["cynicism_mean"].iloc[0] == pytest.approx(ten_years.cynicism["initial"])
    # At the horizon the cumulative means equal the per-organisation category means
    # (except programmes still running).
    org = result.organisation()
    assert df["completed"].iloc[-1] == pytest.approx(org.loc["completed", "mean"])


def test_exits_are_consistent(result, ten_years):
    df = result.exits()
    t = result.tally
    assert list(df.index) == ten_years.level_names
    assert list(df["posts"]) == list(ten_years.roster.values())
    assert (df["sponsoring_exits"] <= df["exits"]).all()
    assert np.allclose(df["exits"] * t.n, t.exits)
    ok = df["lost_per_exit"].notna()
    assert (df.loc[ok, "lost_per_exit"] <= df.loc[ok, "orphaned_per_exit"]).all()
    assert (df.loc[ok, "orphaned_per_exit"] >= 1).all()  # a sponsoring exit orphans one at least


def test_cynicism_not_shared_stays_at_its_initial_level(ten_years):
    r = progsurv.portfolio(ten_years, n=200, seed=3, sharing={"cynicism": False})
    assert r.sharing["cynicism"] is False and r.sharing["trust"] is True
    initial = ten_years.cynicism["initial"]
    assert np.allclose(r.over_time()["cynicism_mean"], initial)


def test_precision_run_stops_at_its_half_width(ten_years):
    target = 0.1
    r = progsurv.portfolio(ten_years, precision=target, max_organisations=1_000_000, seed=4)
    assert r.precision == target and r.n < 1_000_000
    completed = r.organisation().loc["completed"]
    assert (completed["upper"] - completed["lower"]) / 2 <= target
    assert list(r.tally.checkpoint_n) == sorted(r.tally.checkpoint_n)


def test_sharing_is_written_to_the_file(ten_years, tmp_path):
    r = progsurv.portfolio(ten_years, n=100, seed=3, sharing={"posts": False, "budget": False})
    r.to_hdf5(tmp_path / "s.h5")
    assert progsurv.load(tmp_path / "s.h5").sharing == {
        "cynicism": True, "trust": True, "posts": False, "budget": False}


# --- the engine without the GIL, Ctrl-C, progress ----------------------------------------


def test_progress_callback_and_stop(ten_years):
    seen = []

    def progress(done, planned):
        seen.append((done, planned))
        return True

    r = progsurv.portfolio(ten_years, n=300, seed=1, progress=progress)
    assert seen and seen[-1][1] == 300 and r.n == 300
    with pytest.raises(KeyboardInterrupt):
        progsurv.portfolio(ten_years, n=100_000, seed=1, threads=1,
                           progress=lambda done, planned: False)


def test_ctrl_c_stops_a_long_portfolio_run(ten_years):
    # Generous (13 s were seen on a loaded machine): the run itself would take hours.
    assert_interrupted(lambda: progsurv.portfolio(ten_years, n=50_000_000, seed=1, threads=1),
                       within=60.0)
    assert progsurv.portfolio(ten_years, n=50, seed=1).n == 50


def test_gil_released_while_running(ten_years):
    def work():
        n, start = 500, time.perf_counter()
        while time.perf_counter() - start < 0.4:  # grow until the calls are long enough
            progsurv.portfolio(ten_years, n=n, seed=1, threads=1)
            n *= 2

    assert_runs_without_gil(work)


def test_runs_in_parallel_python_threads(ten_years, result):
    results = {}

    def work(key):
        results[key] = progsurv.portfolio(ten_years, n=N, seed=SEED, threads=1)

    threads = [threading.Thread(target=work, args=(k,)) for k in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for r in results.values():
        assert_same_tally(r.tally, result.tally)


# --- plots -------------------------------------------------------------------------------


def test_plots_return_axes(result):
    import matplotlib
    import matplotlib.pyplot as plt

    for plot in (result.plot_rank_odds, result.plot_cynicism_trust, result.plot_live):
        ax = plot()
        assert isinstance(ax, matplotlib.axes.Axes)
        assert ax.lines or ax.collections
        plt.close(ax.figure)
    fig, ax = plt.subplots()
    assert result.plot_rank_odds(ax=ax, label="a") is ax
    assert result.plot_live(ax=ax, label="b") is ax
    plt.close(fig)


@pytest.fixture(scope="module")
def calm(ten_years):
    """A variant with a long name (its changed values), as a user comparing variants has."""
    return progsurv.portfolio(ten_years.with_values({"cynicism.effect.break": 0,
                                                     "cynicism.effect.approval": 0}),
                              n=300, seed=SEED, threads=1)


def _window(artist):
    return artist.get_window_extent(artist.figure.canvas.get_renderer())


def test_variants_on_one_axes_take_the_next_colour_and_keep_a_short_title(result, calm):
    """Two variants compared on one Axes: the second takes the next colour of the Axes'
    cycle (not the first one's), and the title does not become the second's long name."""
    import matplotlib.colors as mcolors
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(12, 4))
    result.plot_rank_odds(ax=axes[0], label="with cynicism")
    assert axes[0].get_title() == "ten-years: P(completed) by launch rank (95%)"
    calm.plot_rank_odds(ax=axes[0], label="without its effects")
    first, second = (mcolors.to_hex(c.lines[0].get_color()) for c in axes[0].containers)
    cycle = [mcolors.to_hex(c) for c in plt.rcParams["axes.prop_cycle"].by_key()["color"]]
    assert (first, second) == tuple(cycle[:2])  # as ax.plot would take them
    assert axes[0].get_title() == "P(completed) by launch rank (95%)"
    assert [t.get_text() for t in axes[0].get_legend().get_texts()] == [
        "with cynicism", "without its effects"]
    result.plot_live(ax=axes[1])
    calm.plot_live(ax=axes[1])
    def colour(ax, label):
        return next(line.get_color() for line in ax.lines if line.get_label() == label)

    assert colour(axes[1], result.name) != colour(axes[1], calm.name)
    assert axes[1].get_title() == "programmes live"
    # A colour given is used; so is a title given, and a title the caller set is kept.
    ax = calm.plot_live(ax=axes[1], color="black", label="third", title="live, three ways")
    assert colour(ax, "third") == "black" and ax.get_title() == "live, three ways"
    result.plot_live(ax=ax)
    assert ax.get_title() == "live, three ways"
    fig2, ax2 = plt.subplots()
    ax2.set_title("mine")
    result.plot_cynicism_trust(ax=ax2)
    assert ax2.get_title() == "mine"
    result.plot_rank_odds(ax=ax2, title="")  # no title, asked for: later calls keep none
    calm.plot_rank_odds(ax=ax2)
    assert ax2.get_title() == ""
    plt.close("all")


def test_a_long_name_in_a_title_stays_over_its_own_axes(calm):
    """One variant with a long name on the left of two subplots of a plain figure: the
    title is wrapped (or shortened) to its Axes' width, so it does not run into the right
    subplot's title."""
    import matplotlib.pyplot as plt

    for plot in ("plot_rank_odds", "plot_live", "plot_cynicism_trust"):
        fig, axes = plt.subplots(1, 2, figsize=(10, 4))
        getattr(calm, plot)(ax=axes[0])
        axes[1].set_title("the neighbour")
        fig.canvas.draw()
        title, neighbour = _window(axes[0].title), _window(axes[1].title)
        assert "ten-years" in axes[0].get_title(), plot
        assert title.x1 < neighbour.x0, (plot, axes[0].get_title())
        assert title.y1 <= fig.bbox.y1, (plot, axes[0].get_title())
        plt.close(fig)


def test_cynicism_trust_legend_stays_inside_a_users_figure(result):
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(12, 4))
    result.plot_cynicism_trust(ax=axes[0])
    result.plot_cynicism_trust(ax=axes[1])
    fig.savefig(__import__("io").BytesIO(), format="png")  # a plain savefig lays it out
    for ax in axes:
        box = _window(ax.get_legend())
        assert fig.bbox.x0 <= box.x0 and box.x1 <= fig.bbox.x1, box
        assert fig.bbox.y0 <= box.y0 and box.y1 <= fig.bbox.y1, box
    # The legend does not cover the next subplot.
    assert _window(axes[0].get_legend()).x1 <= _window(axes[1]).x0
    plt.close(fig)


def test_bound_portfolio_attributes_have_docstrings():
    core = progsurv._core
    missing = [
        f"{cls}.{name}"
        for cls in ("Portfolio", "PortfolioResult", "PortfolioTally", "PortfolioSummary")
        for name, member in vars(getattr(core, cls)).items()
        if isinstance(member, property) and not (member.__doc__ or "").strip()
    ]
    assert not missing, missing


def test_attribute_portfolio_from_python_is_the_command(tmp_path, ten_years):
    # What `progsurv attribute PORTFOLIO -o` writes, with or without a file of its own.
    out = tmp_path / "pa.h5"
    a = progsurv.attribute_portfolio(TEN_YEARS, organisations=120, seed=3, output=out)
    assert a.path == str(out) and a.organisations == 120 and a.has_shapley
    run_cli("attribute", TEN_YEARS, "-n", 120, "--seed", 3, "-o", tmp_path / "cli.h5", "-q")
    cli = progsurv.load_portfolio_attribution(tmp_path / "cli.h5")
    for frame in ("costs", "shapley", "ranks"):
        assert getattr(a, frame)().equals(getattr(cli, frame)()), frame
    assert a.text() == cli.text()
    mine = progsurv.attribute_portfolio(ten_years, organisations=120, seed=3, shapley=False)
    assert mine.path is None and not mine.has_shapley
    assert mine.costs().equals(a.costs())
    # Its arguments are checked as portfolio()'s are, and attribute() points to it.
    with pytest.raises(TypeError, match="organisations must be a whole number"):
        progsurv.attribute_portfolio(TEN_YEARS, organisations=120.5)
    with pytest.raises(ValueError, match="attribute_portfolio"):
        progsurv.attribute(TEN_YEARS)
    with pytest.raises(TypeError, match="attribute_portfolio"):
        progsurv.attribute(ten_years)
