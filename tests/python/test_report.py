"""progsurv report in headless Chromium (no console errors, no network request, a
non-blank page, every number equal to its dataset), progsurv export round trips, and
the command-line progress bar under a pseudo-terminal."""
import hashlib
import html.parser
import json
import math
import os
import pathlib
import re
import shutil
import subprocess

import h5py
import numpy as np
import pandas as pd
import pytest

from conftest import BASELINE, CLI, REPO, SCENARIOS, run_cli

CHROMIUM = shutil.which("chromium")
CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    d = tmp_path_factory.mktemp("report")
    run_cli("run", BASELINE, "-n", 20000, "--seed", 3, "-o", d / "run.h5", "-q")
    run_cli("attribute", BASELINE, "-n", 4000, "--seed", 3, "-o", d / "attr.h5", "-q")
    run_cli("exact", SCENARIOS / "exact" / "markov.yaml", "-o", d / "exact.h5")
    run_cli("report", d / "run.h5", "-o", d / "run.html", "--attribution", d / "attr.h5")
    run_cli("report", d / "attr.h5", "-o", d / "attr.html")
    run_cli("report", d / "exact.h5", "-o", d / "exact.html")
    sweep = d / "sweep.yaml"
    sweep.write_text(f"name: small-oat\nbase: {BASELINE}\nseed: 1\nreplications: 2000\n"
                     "design: oat\nparameters:\n"
                     "  succession.adoption: {label: P(successor adopts), low: 0.2, high: 0.8}\n"
                     "  patience.threshold.median: [8, 24]\n"
                     "metrics: [p_completed, mean_value, {p_completed_by: 36}]\n")
    run_cli("sweep", sweep, "-o", d / "sweep.h5", "-q")
    run_cli("report", d / "sweep.h5", "-o", d / "sweep.html")
    return d


def chromium(page, work):
    """Opens `page` in headless Chromium; returns (dom, console lines, page requests,
    screenshot path)."""
    if CHROMIUM is None:
        pytest.fail("chromium is not installed (Debian package chromium; see .ci/setup)")
    results = {}
    for mode in ("dom", "shot"):
        profile = work / f"profile-{mode}"
        netlog = work / f"net-{mode}.json"
        shot = work / "shot.png"
        args = [CHROMIUM, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "--enable-logging=stderr",
                "--v=0", f"--log-net-log={netlog}", "--host-resolver-rules=MAP * ~NOTFOUND",
                "--window-size=1200,2400"]
        args += ["--dump-dom"] if mode == "dom" else [f"--screenshot={shot}"]
        proc = subprocess.run([*args, pathlib.Path(page).resolve().as_uri()], capture_output=True,
                              text=True, timeout=120)
        assert proc.returncode == 0, proc.stderr[-2000:]
        results[mode] = (proc.stdout, proc.stderr, netlog, shot)
    dom, err, netlog, _ = results["dom"]
    console = [line for line in err.splitlines() if ":CONSOLE" in line]
    requests = page_requests(netlog) + page_requests(results["shot"][2])
    return dom, console, requests, results["shot"][3]


def page_requests(netlog):
    """URLs the page itself asked for (the browser's own background requests have no
    origin), other than file: and data: URLs."""
    log = json.loads(pathlib.Path(netlog).read_text())
    types = {v: k for k, v in log["constants"]["logEventTypes"].items()}
    urls = []
    for e in log["events"]:
        p = e.get("params", {})
        if types.get(e["type"]) != "URL_REQUEST_START_JOB" or "url" not in p:
            continue
        if p.get("initiator") == "not an origin":
            continue
        if not p["url"].startswith(("file:", "data:")):
            urls.append(p["url"])
    return urls


def test_the_checks_catch_console_errors_and_requests(tmp_path):
    # A control page with both faults: the harness must see them, or its passes mean nothing.
    page = tmp_path / "control.html"
    page.write_text('<html><body><p>x</p><script>console.error("control-error")</script>'
                    '<img src="http://example.com/x.png"></body></html>')
    _, console, requests, _ = chromium(page, tmp_path)
    assert any("control-error" in line for line in console)
    assert "http://example.com/x.png" in requests


class _Numbers(html.parser.HTMLParser):
    """Collects the tagged numbers, band texts, appendix cells, and digits in any other
    text of the page."""

    SKIP = {"style", "title", "script"}

    def __init__(self):
        super().__init__()
        self.stack = []  # (tag, attrs)
        self.nums, self.bands, self.appendix_values, self.stray = [], [], [], []
        self.sources, self.counts = [], []
        self._text = None

    def _inside(self, pred):
        return any(pred(t, a) for t, a in self.stack)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag in ("img", "meta", "br", "link"):
            return
        self.stack.append((tag, a))
        if tag == "span" and "num" in a.get("class", "").split():
            self._text = [a, ""]

    def handle_endtag(self, tag):
        while self.stack:
            t, a = self.stack.pop()
            if t == tag:
                break
        if tag == "span" and self._text is not None and not self._inside(
                lambda t, a: t == "span" and "num" in a.get("class", "")):
            self.nums.append(tuple(self._text))
            self._text = None

    def handle_data(self, data):
        if self._text is not None:
            self._text[1] += data
            return
        if self._inside(lambda t, a: t in self.SKIP):
            return
        classes = lambda t, a: a.get("class", "").split()  # noqa: E731
        if self._inside(lambda t, a: "name" in classes(t, a)):
            return  # a literal name (a file, SHA-256), not a number
        if self._inside(lambda t, a: "count" in classes(t, a)):
            self.counts.append(data)  # rows the page lists: counted by the test itself
            return
        if self._inside(lambda t, a: "sources" in classes(t, a)):
            self.sources.append(data)
            return
        if self._inside(lambda t, a: "band" in a.get("class", "").split()):
            self.bands.append((self.stack[-1][1].get("data-band"), data))
            return
        if self._inside(lambda t, a: "appendix" in a.get("class", "").split()):
            if self.stack[-1][0] == "code" and \
                    self._inside(lambda t, a: "value" in a.get("class", "").split()):
                self.appendix_values.append(data)
            return
        if re.search(r"\d", data):
            self.stray.append(data.strip())


def read_value(files, num):
    f = files[num["data-file"]]
    src = num["data-src"]
    if "@" in src:
        obj, attr = src.split("@", 1)
        v = f[obj or "/"].attrs[attr]
    else:
        ds = f[src]
        v = ds.asstr()[()] if ds.dtype.kind == "O" else ds[()]
    if num["data-index"]:
        v = np.asarray(v)[tuple(int(i) for i in num["data-index"].split(","))]
    return v


def tagged_value(files, num):
    """The value a tagged number shows: its dataset's, or for the combinations report.py
    derives from two datasets (data-derive "absdiff", "hypot") or from a row of shares
    ("1-sum:c,c,..."), recomputed here."""
    how = num.get("data-derive", "")
    if how in ("absdiff", "hypot"):
        a, b = (float(read_value(files, dict(num, **{"data-src": src})))
                for src in num["data-src"].split("|"))
        return abs(a - b) if how == "absdiff" else math.hypot(a, b)
    if how.startswith("1-sum:"):
        row = np.asarray(files[num["data-file"]][num["data-src"]][()])[int(num["data-index"])]
        return 1.0 - sum(row[int(c)] for c in how[6:].split(","))
    return read_value(files, num)


def check_number(num, text, value):
    fmt, scale = num["data-fmt"], float(num["data-scale"])
    if fmt == "str":
        assert text == (value.decode() if isinstance(value, bytes) else str(value))
        return
    if fmt == "sha256":
        assert text == hashlib.sha256(str(value).encode()).hexdigest()[:16]
        return
    x = float(value) * scale
    if math.isnan(x):
        assert text == "not reached"
        return
    shown = float(text.replace(",", ""))
    m = re.search(r"\.(\d+)", text)
    decimals = len(m.group(1)) if m else 0
    if fmt == "g":
        assert shown == pytest.approx(x, rel=1e-5)
    else:
        assert abs(shown - x) <= 0.5 * 10 ** -decimals + 1e-9, (text, x)


@pytest.mark.parametrize("name", ["run", "attr", "exact", "sweep"])
def test_report_in_chromium(files, tmp_path, name):
    page = files / f"{name}.html"
    dom, console, requests, shot = chromium(page, tmp_path)
    assert console == []
    assert requests == []
    # The figures were drawn: their coloured lines and bars are what text and tables do not
    # have. Measured on the 1200x2400 screenshot (Chromium 156, these files): ink 0.04-0.07,
    # coloured pixels 0.026 (run), 0.0097 (attr), 0.0037 (exact), 0.044 (sweep); a report
    # whose figures fail to render keeps almost no coloured pixels, so each must keep at
    # least about 40% of its measured share.
    import matplotlib.image

    img = matplotlib.image.imread(shot)[..., :3]
    ink = (img.mean(axis=2) < 0.9).mean()
    colour = (img.max(axis=2) - img.min(axis=2) > 0.2).mean()
    least = {"run": 0.01, "attr": 0.004, "exact": 0.0015, "sweep": 0.018}[name]
    assert ink > 0.02 and img.std() > 0.05, (ink, img.std())
    assert colour > least, colour

    parser = _Numbers()
    parser.feed(dom)
    assert len(parser.nums) > (60 if name == "run" else 10)
    h5 = {"main": h5py.File(files / f"{name}.h5", "r")}
    if name == "run":
        h5["attribution"] = h5py.File(files / "attr.h5", "r")
    for attrs, text in parser.nums:
        check_number(attrs, text.strip(), tagged_value(h5, attrs))
    # No number on the page comes from anywhere else.
    assert parser.stray == [], parser.stray
    if name == "run":
        from progsurv.report import CALIBRATION_BANDS

        calibration = (REPO / "docs" / "calibration.md").read_text()
        assert len(parser.bands) == 3
        for key, text in parser.bands:
            lo, hi, _ = CALIBRATION_BANDS[key]
            assert text == f"{lo}–{hi}%" and f"{lo}–{hi}%" in calibration
        # The sources cited next to the bands are those of docs/calibration.md.
        assert parser.sources
        for year in re.findall(r"\d{4}", " ".join(parser.sources)):
            assert year in calibration
        source = h5["main"]["scenario/source_yaml"].asstr()[()]
        assert len(parser.appendix_values) > 30
        for value in parser.appendix_values:
            assert value in source


def test_report_fails_clearly_on_bad_input(tmp_path):
    proc = run_cli("report", tmp_path / "missing.h5", check=False)
    assert proc.returncode == 2 and "cannot read file: No such file" in proc.stderr
    proc = run_cli("report", BASELINE, "-o", tmp_path / "nodir" / "r.html", check=False)
    assert proc.returncode == 2 and "nodir does not exist" in proc.stderr


def test_export_csv_and_xlsx_round_trip(files, tmp_path):
    from progsurv.export import tables

    run_cli("export", files / "run.h5", "--csv", tmp_path / "csv")
    run_cli("export", files / "run.h5", "--xlsx", tmp_path / "run.xlsx")
    expected = tables(files / "run.h5")
    sheets = pd.read_excel(tmp_path / "run.xlsx", sheet_name=None)
    assert set(sheets) == {"About"} | set(expected)
    for name, frame in expected.items():
        csv = pd.read_csv(tmp_path / "csv" / f"{name}.csv", float_precision="round_trip")
        for back in (csv, sheets[name]):
            pd.testing.assert_frame_equal(back, frame.reset_index(drop=True), check_dtype=False,
                                          check_exact=False, rtol=1e-12)
    # And the tables are the file's datasets, not something recomputed.
    with h5py.File(files / "run.h5", "r") as f:
        csv = pd.read_csv(tmp_path / "csv" / "outcomes.csv", float_precision="round_trip")
        np.testing.assert_array_equal(csv["share"], f["outcomes/share"][()])
        np.testing.assert_array_equal(csv["count"], f["outcomes/count"][()])
        surv = pd.read_csv(tmp_path / "csv" / "survival.csv", float_precision="round_trip")
        np.testing.assert_array_equal(surv["probability"], f["curves/survival/probability"][()])
        curves = pd.read_csv(tmp_path / "csv" / "curves.csv", float_precision="round_trip")
        done = curves[curves["category"] == "completed"]
        np.testing.assert_array_equal(done["upper"], f["curves/completed/upper"][()])
    run_cli("export", files / "attr.h5", "--xlsx", tmp_path / "attr.xlsx")
    sheet = pd.read_excel(tmp_path / "attr.xlsx", sheet_name="attribution")
    # openpyxl writes every double in full (repr); its reader can land one ulp away.
    with h5py.File(files / "attr.h5", "r") as f:
        for column, dataset in (("p_completed_delta", "p_completed/delta"),
                                ("p_completed_shapley", "p_completed/shapley"),
                                ("months_pickup_delta", "months_pickup/delta")):
            np.testing.assert_allclose(sheet[column], f[dataset][()], rtol=1e-15, atol=0)


def test_progress_bar_line_ends_before_the_summary(tmp_path):
    import pty

    out = tmp_path / "p.h5"
    pid, fd = pty.fork()
    if pid == 0:  # the child: stdout and stderr are the terminal
        os.execv(str(CLI), [str(CLI), "run", str(BASELINE), "-n", "300000", "--threads", "1",
                            "-o", str(out)])
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
    text = b"".join(chunks).decode()
    head, sep, _ = text.partition("progsurv: baseline")
    assert sep, text[-500:]
    assert "\r" in head and "/300000" in head and "left" in head  # the bar was drawn
    # The bar's last drawing is cleared (carriage return, erase line) before the summary.
    assert head.endswith("\r\x1b[K"), repr(head[-120:])


def test_appendix_marks_values_from_the_scenario_comments():
    from progsurv.report import scenario_values

    rows = {path: (value, status) for path, value, status, _ in
            scenario_values(BASELINE.read_text())}
    assert rows["sponsor_levels.ceo.tenure"][1] == "evidence"  # Spencer Stuart, (M)
    assert rows["sponsor_levels.ceo.clout"] == ("0.9", "assumption")
    assert rows["silos.sales"][1] == "assumption"  # the silos' group comment
    # The block under `vp:` cites the VP tenure: it is the tenure's note, not the group's.
    assert rows["sponsor_levels.vp.tenure"][1] == "assumption"
    assert rows["sponsor_levels.vp.patience_multiplier"] == ("1.0", "not annotated")
    assert rows["phases.1.value"] == ("2", "not annotated")
    assert rows["phases.0.steps.1"][0].startswith("{silo: sales")
    assert rows["name"] == ("baseline", "not annotated")  # the file header is not its note


def test_report_of_a_run_attributes_its_obstacles_by_default(files, tmp_path):
    run_cli("report", files / "run.h5", "-o", tmp_path / "r.html", "--attribute", 2000)
    side = tmp_path / "r-attribution.h5"
    with h5py.File(side, "r") as f, h5py.File(files / "run.h5", "r") as run:
        assert f.attrs["filetype"] == "progsurv-attribution"
        assert f.attrs["seed"] == run["run"].attrs["seed"] and f.attrs["replications"] == 2000
    assert "What each obstacle costs" in (tmp_path / "r.html").read_text()
    run_cli("report", files / "run.h5", "-o", tmp_path / "bare.html", "--attribute", 0)
    assert "What each obstacle costs" not in (tmp_path / "bare.html").read_text()
    assert not (tmp_path / "bare-attribution.h5").exists()


def test_rules_14_to_17_section_only_when_used(files, tmp_path):
    """A run that defers scope gets the rules 14-17 table with the file's own means; the
    baseline (none of the four) has no such section."""
    run_cli("run", SCENARIOS / "phase-two.yaml", "-n", 4000, "--seed", 5, "-o",
            tmp_path / "p2.h5", "-q")
    run_cli("report", tmp_path / "p2.h5", "-o", tmp_path / "p2.html")
    page = (tmp_path / "p2.html").read_text()
    title = "Co-sponsors, the escalation ladder, deferred scope and going back to customers"
    assert title in page
    with h5py.File(tmp_path / "p2.h5", "r") as f:
        names = [n.decode() for n in f["means/names"][()]]
        share = 100 * f["means/mean"][names.index("deferring")]
        lost = f["means/mean"][names.index("deferred_value")]
    assert share > 0 and lost > 0
    assert f"<td class=\"n\">{share:.1f}%</td>" in page
    assert f"<td class=\"n\">{lost:.3f}</td>" in page
    assert title not in (files / "run.html").read_text()


def test_attribution_must_be_of_the_runs_kind_and_scenario(files, tmp_path):
    """--attribution takes the attribution of the report's own scenario: another
    scenario's, a file of another kind or no HDF5 at all is refused with the file's name and
    what was expected, before anything is written."""
    other = tmp_path / "other.yaml"
    other.write_text(BASELINE.read_text().replace("horizon: 60", "horizon: 48", 1))
    assert other.read_text() != BASELINE.read_text()
    run_cli("attribute", other, "-n", 1000, "--seed", 3, "-o", tmp_path / "other-attr.h5", "-q")
    out = tmp_path / "r.html"
    cases = {
        tmp_path / "other-attr.h5": "attributes scenario 'baseline' with other values",
        files / "run.h5": "a run file, not an attribution file",
        files / "sweep.h5": "a sweep file, not an attribution file",
        BASELINE: "not an HDF5 file; expected an attribution file",
    }
    for attribution, expected in cases.items():
        proc = run_cli("report", files / "run.h5", "--attribution", attribution, "-o", out,
                       check=False)
        assert proc.returncode == 2, proc.stderr
        assert f"{attribution}: " in proc.stderr and expected in proc.stderr, proc.stderr
        assert "Traceback" not in proc.stderr and not out.exists()
    proc = run_cli("report", files / "sweep.h5", "--attribution", files / "attr.h5", "-o", out,
                   check=False)
    assert proc.returncode == 2 and "applies to the report of a run or a portfolio" in \
        proc.stderr, proc.stderr


def test_a_scenarios_report_writes_its_files_together_and_names_them(tmp_path):
    """The run and attribution files a scenario's report computes are renamed into place
    with the page, and each is named on the way out."""
    scenario = tmp_path / "s.yaml"
    scenario.write_text(BASELINE.read_text())
    proc = run_cli("report", scenario, "-n", 2000, "--attribute", 1000, "-o",
                   tmp_path / "page.html")
    assert proc.stdout.splitlines() == [f"written: {tmp_path / n}" for n in
                                        ("page.h5", "page-attribution.h5", "page.html")]
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "page-attribution.h5", "page.h5", "page.html", "s.yaml"]


def test_report_of_a_file_that_is_not_progsurvs_names_it(tmp_path):
    """Python's write_report on a text file raised h5py's bare "Unable to open file (file
    signature not found)"; now progsurv's FileFormatError with the file's name."""
    import progsurv
    from progsurv.report import write_report

    text = tmp_path / "notes.txt"
    text.write_text("not a progsurv file\n")
    with pytest.raises(progsurv.FileFormatError, match="notes.txt"):
        write_report(text, tmp_path / "x.html")
    assert not (tmp_path / "x.html").exists()


def test_comparison_figures_keep_their_size_with_a_long_label(tmp_path, monkeypatch):
    """A variant labelled with a long lever text squeezed the overlaid plots to a strip
    (matplotlib: "constrained_layout not applied because axes sizes collapsed to zero"):
    the one-line legend and at-risk row label took the figure's width. The plots are now
    as large as with short labels, and the legend says the whole label."""
    import warnings

    from progsurv import report
    from progsurv.compare import comparison_results

    lever = ("escalation.delay.mean=0.5;escalation.max_attempts=4;escalation.ladder=[];"
             "co_sponsors=[c_suite, vp];patience.visible=steps;patience.threshold.median=24;"
             "customers.recruitment.mean=0.2")
    run_cli("compare", BASELINE, "--lever", lever, "-n", 2000, "--threads", 1, "-o",
            tmp_path / "cmp.h5")
    with h5py.File(tmp_path / "cmp.h5", "r") as f:
        labels = f["names"].asstr()[()].tolist()
    assert len(labels[1]) > 150, labels  # the label carries the lever's text
    results = comparison_results(tmp_path / "cmp.h5")

    def plot_sizes(names):
        """(width, height) in inches of each figure's plot, drawn with warnings as errors."""
        sizes, legends = [], []

        def measure(fig):
            with warnings.catch_warnings():
                warnings.simplefilter("error")
                fig.canvas.draw()
            ax = fig.axes[0]
            box = ax.get_position()
            width, height = fig.get_size_inches()
            sizes.append((box.width * width, box.height * height))
            legends.append([t.get_text().replace("\n", " ") for t in ax.get_legend().get_texts()])
            return ""

        monkeypatch.setattr(report, "_figure_uri", measure)
        report._comparison_figures(results, names)
        return sizes, legends

    short, _ = plot_sizes(["baseline", "variant"])
    long, legends = plot_sizes(labels)
    longer, _ = plot_sizes([labels[0], " ".join([labels[1]] * 3)])
    # The row label (cut at a fixed width) takes some of the width, the legend none.
    for (w, h), (w0, h0) in zip(long, short):
        assert w > 0.8 * w0 and h > 0.95 * h0, (long, short)
    np.testing.assert_allclose(longer, long, rtol=0.05)  # about the same for any longer label
    assert all(legend == labels for legend in legends), legends


def test_rules_14_to_17_section_says_what_the_summary_says(tmp_path):
    """The run summary's ladder and re-engagement lines print the escalation attempts and
    the mean customer trust at the end; the page left both out, and with a ladder whose
    one rung never passes up (trials = attempts) it left out the ladder altogether. Its
    rows are now those the summary prints, from the file's raw sums (sum / n_started)."""
    proc = run_cli("run", BASELINE, "--set", "escalation.ladder=[{clout: 0.8}]", "--set",
                   "customers.reengage.prob=0.5", "-n", 3000, "--seed", 5, "-o",
                   tmp_path / "r.h5")
    run_cli("report", tmp_path / "r.h5", "--attribute", 0, "-o", tmp_path / "r.html")
    page = (tmp_path / "r.html").read_text()
    rows = dict(re.findall(r"<tr><td>([^<]*)</td><td class=\"n\">([^<]*)</td>", page))
    with h5py.File(tmp_path / "r.h5", "r") as f:
        names = [str(n) for n in f["tally"].attrs["quantity_names"]]
        sums = f["tally/moments_sum"][()]
        started = f["tally/n"][()] - f["tally/category_count"][6]

    def mean(q):
        return sums[names.index(q)] / started

    printed = re.search(r"escalation ladder: (\S+) escalation attempts and (\S+) trials",
                        proc.stdout)
    trust = re.search(r"mean customer trust at the end (\S+)", proc.stdout)
    assert printed and trust, proc.stdout
    expected = {"escalation attempts per started programme": mean("escalations"),
                "escalation trials per started programme (ladder rungs and the sponsor)":
                    mean("rungs"),
                "mean customer trust at the end": mean("customer_trust")}
    for label, value in expected.items():
        assert label in rows, (label, rows)
        assert float(rows[label]) == pytest.approx(value, abs=0.0051), label
    assert rows["escalation attempts per started programme"] == printed.group(1)
    assert rows["mean customer trust at the end"] == trust.group(1)


def test_a_run_where_nothing_started_has_a_page(tmp_path):
    """No programme started (approval 0 at every level): the page says so where the months
    per started programme would be, instead of failing in matplotlib (StopIteration)."""
    import progsurv

    closed = progsurv.Scenario.load(BASELINE).with_values(
        {f"sponsor_levels.{level}.approval": 0 for level in ("ceo", "c_suite", "vp", "director")})
    result = progsurv.run(closed, replications=200, seed=1)
    assert result.summary().count("no programme started") == 1
    path = tmp_path / "closed.h5"
    result.to_hdf5(path)
    proc = run_cli("report", path, "-o", tmp_path / "closed.html", "--attribute", 2000)
    assert "written: " in proc.stdout, proc.stderr
    assert "Traceback" not in proc.stderr and "StopIteration" not in proc.stderr


def test_an_attribution_of_another_seed_or_size_is_noted(files, tmp_path):
    """A page showed two figures for one quantity, the run's and the attribution's, with no
    word that the attribution ran with another size (or seed): the command now warns and
    the page says why they differ; an attribution of the run's own seed and size does not."""
    from progsurv.report import write_report

    out = tmp_path / "r.html"
    proc = run_cli("report", files / "run.h5", "--attribution", files / "attr.h5", "-o", out)
    assert ("progsurv report: warning: The attribution was run with seed 3 and 4,000 "
            "replications, the report's file with seed 3 and 20,000") in proc.stderr
    assert "attribute with --seed 3 -n 20000" in proc.stderr
    page = out.read_text()
    assert "Note:</span> this attribution\nwas run with seed" in page
    with pytest.warns(UserWarning, match="seed 3 and 4,000 replications"):
        write_report(files / "run.h5", tmp_path / "p.html", attribution=files / "attr.h5")
    run_cli("attribute", BASELINE, "-n", 20000, "--seed", 3, "-o", tmp_path / "same.h5", "-q")
    proc = run_cli("report", files / "run.h5", "--attribution", tmp_path / "same.h5", "-o", out)
    assert "warning" not in proc.stderr
    assert "Note:</span> this attribution" not in out.read_text()
    # The attribution a report makes itself (--attribute N) is of the size it asked for: no
    # warning; nor for an exact solution, which has no seed or size.
    proc = run_cli("report", files / "run.h5", "--attribute", 500, "-o", tmp_path / "own.html")
    assert "warning" not in proc.stderr
    assert "Note:</span> this attribution" not in (tmp_path / "own.html").read_text()
    run_cli("attribute", SCENARIOS / "exact" / "markov.yaml", "-n", 500, "-o",
            tmp_path / "exact-attr.h5", "-q")
    proc = run_cli("report", files / "exact.h5", "--attribution", tmp_path / "exact-attr.h5",
                   "-o", tmp_path / "exact.html")
    assert "warning" not in proc.stderr
    assert "Note:</span> this attribution" not in (tmp_path / "exact.html").read_text()
    # A portfolio's page says the same of a portfolio attribution of another seed.
    ten = SCENARIOS / "portfolios" / "ten-years.yaml"
    run_cli("portfolio", ten, "-n", 20, "-o", tmp_path / "pf.h5", "-q")
    run_cli("attribute", ten, "-n", 20, "--seed", 3, "-o", tmp_path / "pa.h5", "-q")
    proc = run_cli("report", tmp_path / "pf.h5", "--attribution", tmp_path / "pa.h5", "-o", out)
    assert "warning: The attribution was run with seed 3 and 20 organisations" in proc.stderr
    assert "Note:</span>\nthis attribution was run with seed" in out.read_text()
