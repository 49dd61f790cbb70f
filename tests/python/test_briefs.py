"""Reports of portfolio and portfolio attribution files (and of a portfolio YAML, run
first): every tagged number equals its dataset; the wrong attribution file is refused;
`report --help` lists every filetype it takes."""
import re

import h5py
import numpy as np
import pytest

from conftest import SCENARIOS, run_cli
from test_report import _Numbers, check_number, tagged_value

TEN_YEARS = SCENARIOS / "portfolios" / "ten-years.yaml"


@pytest.fixture(scope="module")
def briefs(tmp_path_factory):
    d = tmp_path_factory.mktemp("briefs")
    run_cli("portfolio", TEN_YEARS, "-n", 300, "--seed", 2, "-o", d / "pf.h5", "-q")
    run_cli("attribute", TEN_YEARS, "-n", 100, "--seed", 2, "-o", d / "pfattr.h5", "-q")
    run_cli("report", d / "pf.h5", "--attribution", d / "pfattr.h5", "-o", d / "pf.html")
    run_cli("report", d / "pfattr.h5", "-o", d / "pfattr.html")
    return d


def check_numbers(page, files):
    """Every tagged number of `page` against its file ({tag: h5py.File}). Returns (count
    checked, stray digits outside tagged numbers)."""
    parser = _Numbers()
    parser.feed(page)
    for attrs, text in parser.nums:
        check_number(attrs, text.strip(), tagged_value(files, attrs))
    return len(parser.nums), parser.stray


def test_portfolio_report_numbers_are_the_files(briefs):
    page = (briefs / "pf.html").read_text()
    with h5py.File(briefs / "pf.h5", "r") as f, h5py.File(briefs / "pfattr.h5", "r") as a:
        count, _ = check_numbers(page, {"main": f, "attribution": a})
        ranks = len(f["ranks/rank"])
        listed = int(np.sum(f["ranks/reached"][()] >= 0.01))
    assert count > 300
    for heading in ("Per organisation", "By launch rank", "Cynicism and trust over time",
                    "Sponsor exits", "What each sharing costs"):
        assert f">{heading}<" in page
    if listed < ranks:
        assert f"Only the first {listed} of {ranks} ranks are listed" in page
    assert page.count("data:image/png;base64,") == 4


def test_portfolio_report_by_programme(briefs, mixed_yaml, tmp_path):
    """A portfolio of two templates: the page's table by programme, every number of it a
    tagged value of the file, and the note that launch ranks mix templates; a portfolio of
    one template (and a file from before format 1.2, without /templates) has neither."""
    h5 = tmp_path / "mixed.h5"
    run_cli("portfolio", mixed_yaml, "-n", 300, "--seed", 2, "-o", h5, "-q")
    run_cli("report", h5, "-o", tmp_path / "mixed.html")
    page = (tmp_path / "mixed.html").read_text()
    section = page[page.index("<h2>By programme</h2>"):page.index("<h2>By launch rank</h2>")]
    parser = _Numbers()
    parser.feed(section)
    assert parser.stray == [], parser.stray
    with h5py.File(h5, "r") as f:
        for attrs, text in parser.nums:
            check_number(attrs, text.strip(), tagged_value({"main": f}, attrs))
        count, _ = check_numbers(page, {"main": f})
    names = [text for attrs, text in parser.nums
             if attrs["data-src"] == "/portfolio/template_names"]
    assert names == ["cx", "pilot"]
    # The note names the intervals' method; per template: name, launched, per organisation,
    # completed with its two bounds, ended early, the five causes, not started, running,
    # mean value with its two bounds.
    assert len(parser.nums) == 1 + 2 * 17
    assert parser.nums[0][1] == "wilson-effective-size"
    assert {a["data-src"] for a, _ in parser.nums} == {
        "/templates@interval_method",
        "/portfolio/template_names", "/templates/launched", "/templates/launched_per_organisation",
        "/templates/share", "/templates/share_lower", "/templates/share_upper",
        "/templates/value", "/templates/value_lower", "/templates/value_upper"}
    assert count > len(parser.nums)
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", page))
    assert "A launch rank counts the programmes of every template together" in text
    single = (briefs / "pf.html").read_text()
    assert "<h2>By programme</h2>" not in single and "every template together" not in single
    # A file written before the group /templates (format 1.1): the page goes without.
    with h5py.File(h5, "r+") as f:
        del f["templates"]
    run_cli("report", h5, "-o", tmp_path / "old.html")
    old = (tmp_path / "old.html").read_text()
    assert "<h2>By programme</h2>" not in old and "<h2>By launch rank</h2>" in old
    assert "every template together" in old and "table by programme" not in old


def test_portfolio_attribution_report(briefs):
    page = (briefs / "pfattr.html").read_text()
    with h5py.File(briefs / "pfattr.h5", "r") as a:
        count, _ = check_numbers(page, {"main": a})
        names = [d.decode() for d in a["descriptions"][()]]
    assert count > 100 and "What sharing costs: " in page
    for name in names:
        assert name in page


def test_report_of_a_portfolio_yaml_runs_it_first(tmp_path):
    out = tmp_path / "org.html"
    run_cli("report", TEN_YEARS, "-n", 200, "--attribute", 40, "--set", "roster.vp=4",
            "-o", out)
    with h5py.File(tmp_path / "org.h5", "r") as f:
        assert f.attrs["filetype"] == "progsurv-portfolio"
        assert int(f["run"].attrs["organisations"]) == 200
        vp = list(f["portfolio/level_names"].asstr()[()]).index("vp")
        assert int(f["portfolio/roster"][vp]) == 4
    # What each sharing costs, attributed as `progsurv attribute` would, with the same seed.
    with h5py.File(tmp_path / "org-attribution.h5", "r") as f:
        assert f.attrs["filetype"] == "progsurv-portfolio-attribution"
        assert int(f.attrs["organisations"]) == 40 and int(f.attrs["seed"]) == 1
        import yaml

        assert yaml.safe_load(f["portfolio/source_yaml"].asstr()[()])["roster"]["vp"] == 4
    page = out.read_text()
    assert "An organisation over the years: " in page and "<h2>What each sharing costs" in page
    # The variant says what was set: in the page, the loaded result's name and the workbook.
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", page))
    assert "roster.vp set to 4 (was 8)" in text and "ten-years [roster.vp=4]" in text
    import progsurv
    from progsurv.export import about

    assert progsurv.load(tmp_path / "org.h5").name == "ten-years [roster.vp=4]"
    for h5 in ("org.h5", "org-attribution.h5"):
        sheet = dict(zip(*about(tmp_path / h5).to_dict("list").values()))
        assert sheet["overrides"] == "roster.vp=4 (was 8)", h5
        assert sheet["portfolio"] == "ten-years [roster.vp=4]", h5
    run_cli("report", TEN_YEARS, "-n", 100, "--attribute", 0, "-o", tmp_path / "plain.html")
    assert not (tmp_path / "plain-attribution.h5").exists()
    assert "<h2>What each sharing costs" not in (tmp_path / "plain.html").read_text()


def test_a_report_page_named_as_a_file_it_computes_is_refused(tmp_path):
    """`report X.yaml -o run.h5` wrote the run over the page and said "written" twice.
    (A file of the user's there is refused as the page's output first; --force does not
    make two outputs of one name.)"""
    page = "run.h5"
    (tmp_path / page).write_text("mine")
    for force, said in (((), "holds a file that progsurv did not write, not a report page"),
                        (("--force",), "two outputs of this command would have this name")):
        proc = run_cli("report", SCENARIOS / "baseline.yaml", "-n", 300, "--attribute", 100,
                       "-o", tmp_path / page, *force, check=False)
        assert proc.returncode == 2 and said in proc.stderr, proc.stderr
        assert sorted(p.name for p in tmp_path.iterdir()) == [page]
        assert (tmp_path / page).read_text() == "mine"


def test_a_report_does_not_replace_a_different_run_of_its_name(tmp_path):
    """`portfolio X.yaml` then `report X.yaml` replaced the user's run X.h5 (100,000
    organisations) with the report's own (2,000). The same run again is replaced."""
    run = tmp_path / "ten-years.h5"
    run_cli("portfolio", TEN_YEARS, "-n", 300, "-q", "-o", run)
    before = run.read_bytes()
    page = tmp_path / "ten-years.html"
    proc = run_cli("report", TEN_YEARS, "-n", 200, "--attribute", 0, "-o", page, check=False)
    assert proc.returncode == 2 and "holds a different run (organisations 300 there, 200 " \
        "here)" in proc.stderr, proc.stderr
    assert run.read_bytes() == before and not page.exists()
    run_cli("report", TEN_YEARS, "-n", 300, "--attribute", 0, "-o", page)  # the same run
    run_cli("report", TEN_YEARS, "-n", 200, "--attribute", 0, "-o", page, "--force")
    import progsurv

    assert progsurv.load(run).n == 200


def test_a_variants_report_has_its_own_files_and_refusals_say_what_differs(tmp_path):
    """`report cab.yaml --set ...` took the plain report's names (cab.h5, ...), so a report
    of another variant was refused as "a different run (20,000 replications, seed 1)": the
    count and seed asked, not what differed. Its files are named after its changes, as
    `progsurv run` names its output; a refusal names what differs; and the attribution
    file is kept as the run file is."""
    import shutil

    import progsurv

    yaml = tmp_path / "cab.yaml"
    shutil.copy(SCENARIOS / "baseline.yaml", yaml)
    run_cli("report", yaml, "-n", 300, "--attribute", 100)
    made = run_cli("report", yaml, "-n", 300, "--attribute", 100, "--set", "sponsor=director")
    variant = ["cab-sponsor_director.h5", "cab-sponsor_director-attribution.h5",
               "cab-sponsor_director.html"]
    assert made.stdout.split() == [w for name in variant for w in ("written:",
                                                                    str(tmp_path / name))]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        ["cab.yaml", "cab.h5", "cab-attribution.h5", "cab.html"] + variant)
    assert progsurv.load(tmp_path / variant[0]).name == "baseline [sponsor=director]"
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}

    def refused(*args):
        proc = run_cli("report", yaml, *args, "-o", tmp_path / "cab.html", check=False)
        assert proc.returncode == 2, proc.stderr
        assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before
        return proc.stderr

    assert "cab.h5 holds a different run (scenario 'baseline' there, 'baseline [sponsor=" \
        "director]' here), not the run this report makes" in refused(
            "-n", 300, "--attribute", 0, "--set", "sponsor=director")
    assert "cab.h5 holds a different run (replications 300 there, 400 here; seed 1 there, 2 " \
        "here)" in refused("-n", 400, "--seed", 2, "--attribute", 0)
    assert "cab-attribution.h5 holds a different attribution (replications 100 there, 200 " \
        "here), not the attribution this report makes" in refused("-n", 300, "--attribute", 200)
    run_cli("report", yaml, "-n", 300, "--attribute", 200, "--force")
    assert progsurv.load_attribution(tmp_path / "cab-attribution.h5").attrs[
        "replications"] == 200


def test_a_report_refuses_the_files_of_another_run_before_computing(tmp_path, monkeypatch,
                                                                     capsys):
    """`report X.yaml` computed the run (and the attribution) and only then refused to
    replace the X.h5 or X-attribution.h5 of another run or attribution: a long wait for a
    refusal. It is refused first, with the same words; the same report again is still
    made over its own files."""
    import shutil

    import progsurv
    from progsurv import _core, report

    yaml = tmp_path / "cab.yaml"
    shutil.copy(SCENARIOS / "baseline.yaml", yaml)
    page = tmp_path / "cab.html"

    def refused(*args):
        before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
        with monkeypatch.context() as m:
            def no_work(*_, **__):
                raise AssertionError("computed before the refusal")

            for name in ("run", "attribute", "portfolio"):
                m.setattr(progsurv, name, no_work)
            m.setattr(_core, "attribute_portfolio", no_work)
            assert report.main([str(a) for a in args] + ["-o", str(page)]) == 2
        assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before
        return capsys.readouterr().err

    progsurv.run(yaml, replications=300, seed=5).to_hdf5(tmp_path / "cab.h5")
    assert "cab.h5 holds a different run (seed 5 there, 1 here), not the run this report " \
        "makes" in refused(yaml, "-n", 300, "--attribute", 0)
    (tmp_path / "cab.h5").write_text("my notes\n")
    assert "cab.h5 holds a file that is not a progsurv run of this kind" in refused(
        yaml, "-n", 300, "--attribute", 0)
    (tmp_path / "cab.h5").unlink()
    progsurv.attribute(yaml, replications=100, output=tmp_path / "cab-attribution.h5")
    assert "cab-attribution.h5 holds a different attribution (replications 100 there, 200 " \
        "here), not the attribution this report makes" in refused(
            yaml, "-n", 300, "--attribute", 200)
    progsurv.run(yaml, replications=300, seed=1).to_hdf5(tmp_path / "cab.h5")
    assert "cab.h5 holds a different run (scenario 'baseline' there, 'baseline [sponsor=" \
        "director]' here)" in refused(yaml, "-n", 300, "--attribute", 100, "--set",
                                      "sponsor=director")
    # The report's own files (the same run and attribution) are replaced, --force or not.
    assert report.main([str(yaml), "-n", "300", "--attribute", "100", "-o", str(page)]) == 0
    assert report.main([str(yaml), "-n", "300", "--attribute", "100", "-o", str(page)]) == 0
    assert "(replaced the file that was there)" in capsys.readouterr().out

    # A comparison's report attributes each scenario: all are checked before the first.
    progsurv.compare(yaml, levers=["patience.threshold.median=36"], replications=200,
                     bootstrap=20, output=tmp_path / "cmp.h5")
    progsurv.attribute(yaml, replications=200, output=tmp_path / "cab-attribution-1.h5")
    assert "cab-attribution-1.h5 holds a different attribution (scenario 'baseline' there, " \
        "'baseline [patience.threshold.median=36]' here)" in refused(
            tmp_path / "cmp.h5", "--attribute", 200)

    portfolio = tmp_path / "ten-years.h5"
    progsurv.portfolio(TEN_YEARS, n=60, seed=1).to_hdf5(portfolio)
    page = tmp_path / "ten-years.html"
    assert "ten-years.h5 holds a different run (organisations 60 there, 50 here)" in refused(
        TEN_YEARS, "-n", 50, "--attribute", 0)


def test_report_refuses_an_attribution_of_another_kind(briefs, tmp_path):
    run_cli("attribute", SCENARIOS / "baseline.yaml", "-n", 500, "-o", tmp_path / "a.h5", "-q")
    proc = run_cli("report", briefs / "pf.h5", "--attribution", tmp_path / "a.h5",
                   "-o", tmp_path / "x.html", check=False)
    assert proc.returncode == 2 and "not a portfolio attribution file" in proc.stderr
    assert not (tmp_path / "x.html").exists()


def test_report_help_lists_every_filetype():
    text = " ".join(run_cli("report", "--help").stdout.split())
    for kind in ("run", "exact", "sweep", "attribution", "fit", "remedies", "seek",
                 "portfolio", "portfolio attribution", "portfolio YAML"):
        assert kind in text, kind


@pytest.fixture(scope="module")
def sweeps(tmp_path_factory):
    d = tmp_path_factory.mktemp("sweeps")
    base = SCENARIOS / "baseline.yaml"
    (d / "oat.yaml").write_text(
        f"name: oat\nbase: {base}\nseed: 1\nreplications: 1000\ndesign: oat\nparameters:\n"
        "  succession.adoption: {low: 0.2, high: 0.8}\n"
        "  patience.threshold.median: {values: [8, 16.9705627485, 27.3137084989848]}\n"
        "metrics: [p_completed, mean_value]\n")
    (d / "sobol.yaml").write_text(
        f"name: sobol\nbase: {base}\nseed: 1\nreplications: 200\n"
        "design: {type: sobol, base_samples: 24, bootstrap: 100, seed: 1}\nparameters:\n"
        "  patience.threshold.median: {low: 6, high: 24, log: true}\n"
        "  succession.adoption: {low: 0.2, high: 0.8}\n"
        "  silos.it.break_prob: {low: 0.1, high: 0.4}\n"
        "metrics: [p_completed, mean_value]\n")
    for name in ("oat", "sobol"):
        run_cli("sweep", d / f"{name}.yaml", "-o", d / f"{name}.h5", "-q")
        run_cli("report", d / f"{name}.h5", "-o", d / f"{name}.html")
    return d


@pytest.mark.parametrize("name", ["oat", "sobol"])
def test_sweep_report_tables_are_the_files(sweeps, name):
    from progsurv.report import MAX_SWEEP_ROWS

    page = (sweeps / f"{name}.html").read_text()
    with h5py.File(sweeps / f"{name}.h5", "r") as f:
        count, stray = check_numbers(page, {"main": f})
        points = int(f.attrs["point_count"])
        texts = f["parameters/text"].asstr()[()]
    assert stray == [], stray
    # Parameter values to 4 significant digits, never the file's full text.
    assert not re.search(r"\d\.\d{6,}", page.split("<img")[0] + page.split("</figure>")[-1])
    assert any(len(t) > 8 for t in texts) or name == "sobol"
    if name == "oat":
        assert ">One at a time: the swings<" in page
        assert 'data-derive="absdiff"' in page and 'data-derive="hypot"' in page
    else:
        assert ">Sobol indices<" in page and 'data-src="/sobol/first_lower"' in page
    if points > MAX_SWEEP_ROWS:
        assert (f'Only the first\n<span class="count">{MAX_SWEEP_ROWS}</span> of' in page
                and f">{points}</span>\npoints are listed here" in page)
    assert '<div class="scroll">' in page


def test_at_risk_counts_for_several_groups_are_one_labelled_row_each():
    import matplotlib

    matplotlib.use("Agg")
    import progsurv

    s = progsurv.Scenario.load(SCENARIOS / "baseline.yaml")
    a = progsurv.run(s, replications=2000, seed=1)
    b = progsurv.run(s.with_values([("patience.threshold.median", "36")]), replications=2000,
                     seed=1)
    ax = progsurv.plotting.plot_survival(a, at_risk=True, label="baseline")
    progsurv.plotting.plot_survival(b, ax=ax, at_risk=True, label="patient")
    ax.figure.canvas.draw()
    rows = [[t for t in ax.texts if (t.get_gid() or "").startswith(f"progsurv-at-risk-{i}-")]
            for i in range(3)]
    assert rows[0] and rows[1] and not rows[2]
    # Each row: its group's label, then its own counts (not "23,5413" on one line).
    assert rows[0][-1].get_text() == "baseline" and rows[1][-1].get_text() == "patient"
    labels = [[t.get_text() for t in row[:-1]] for row in rows[:2]]
    assert labels[0] != labels[1] and all(len(row) >= 5 for row in labels)
    assert all("," in x or x.isdigit() for row in labels for x in row)
    renderer = ax.figure.canvas.get_renderer()
    boxes = [[t.get_window_extent(renderer) for t in row] for row in rows[:2]]
    # The second row sits below the first, not on it.
    assert min(b.y0 for b in boxes[0]) > max(b.y1 for b in boxes[1])


def test_many_at_risk_rows_stay_inside_a_plain_savefig(tmp_path):
    """Four groups on a user's plt.subplots(figsize=(8, 4)): every row inside the figure (the
    rows once sat at fractions of the Axes' height, which the layout could not make room for)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    import progsurv

    r = progsurv.run(SCENARIOS / "baseline.yaml", replications=2000, seed=1)
    fig, ax = plt.subplots(figsize=(8, 4))
    for i in range(4):
        r.plot_survival(ax=ax, label=f"group{i}", at_risk=True)
    fig.savefig(tmp_path / "rows.png")
    renderer = fig.canvas.get_renderer()
    assert sum((t.get_gid() or "").startswith("progsurv-at-risk-3-") for t in ax.texts) >= 5
    for t in ax.texts:
        box = t.get_window_extent(renderer)
        assert fig.bbox.contains(box.x0, box.y0) and fig.bbox.contains(box.x1, box.y1), t.get_text()
    plt.close("all")


def test_at_risk_rows_clear_the_x_label_at_any_font_size(tmp_path):
    """The rows hang below the x label: at font size 16 the title once overlapped it."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    import progsurv

    r = progsurv.run(SCENARIOS / "baseline.yaml", replications=500, seed=1)
    with plt.rc_context({"font.size": 16}):
        fig, ax = plt.subplots(figsize=(8, 4))
        r.plot_survival(ax=ax, label="a", at_risk=True)
        r.plot_survival(ax=ax, label="b", at_risk=True)
        fig.savefig(tmp_path / "big.svg")
    renderer = fig.canvas.get_renderer()
    label = ax.xaxis.label.get_window_extent(renderer)
    for t in ax.texts:
        assert t.get_window_extent(renderer).y1 <= label.y0, t.get_text()
    ids = [t.get_gid() for t in ax.texts]
    assert len(ids) == len(set(ids))  # unique element ids in the SVG
    plt.close("all")


def test_report_shows_its_progress_on_a_terminal(briefs, tmp_path):
    import os
    import pty

    from conftest import CLI

    out = tmp_path / "p.html"
    pid, fd = pty.fork()
    if pid == 0:  # the child: stderr is the terminal
        os.execv(str(CLI), [str(CLI), "report", str(briefs / "pf.h5"), "-o", str(out)])
    chunks = []
    while True:
        try:
            data = os.read(fd, 65536)
        except OSError:
            break
        if not data:
            break
        chunks.append(data)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    text = b"".join(chunks).decode(errors="replace")
    # tqdm's bar: "report: ... steps" with the steps done (3 figures and the page).
    assert re.search(r"report: .*\b4(\.00)?/\d", text), text[-2000:]
    assert "written: " in text and out.exists()
