"""Every report kind in headless Chromium at 1280 px: no horizontal overflow (wide tables
scroll inside the page), no external resource, no console error; a screenshot of each is
kept in $PROGSURV_BUILD_DIR/screenshots for people to look at."""
import json
import pathlib
import re
import shutil
import subprocess

import pytest

from conftest import BASELINE, BUILD, REPO, SCENARIOS, run_cli

CHROMIUM = shutil.which("chromium")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--host-resolver-rules=MAP * ~NOTFOUND"]
WIDTH = 1280
SHOTS = BUILD / "screenshots"

# A page loaded in an iframe 1280 px wide: the script (in this wrapper; the report itself
# allows no script) measures the report's layout and writes it into the wrapper's DOM,
# which --dump-dom prints once the page (and so the iframe) has loaded.
WRAPPER = """<!DOCTYPE html><html><body style="margin:0">
<iframe id="r" src="{src}" style="width:{width}px;height:900px;border:0"></iframe>
<pre id="out">not measured</pre>
<script>
document.getElementById("r").addEventListener("load", function () {{
  var d = this.contentDocument, e = d.documentElement, wide = [], ext = [];
  d.querySelectorAll("body *").forEach(function (n) {{
    if (n.getBoundingClientRect().right > e.clientWidth + 0.5 && !n.closest(".scroll"))
      wide.push(n.tagName + (n.className ? "." + n.className : ""));
  }});
  d.querySelectorAll("[src],[href],[srcset],[poster],[action]").forEach(function (n) {{
    ["src", "href", "srcset", "poster", "action"].forEach(function (a) {{
      var u = n.getAttribute(a);
      if (u && !/^(data:|#)/.test(u)) ext.push(u);
    }});
  }});
  var css = d.documentElement.innerHTML.match(/url\\((?!['"]?data:)[^)]*\\)|@import/g) || [];
  document.getElementById("out").textContent = JSON.stringify({{
    scrollWidth: e.scrollWidth, clientWidth: e.clientWidth, wide: wide.slice(0, 20),
    external: ext.concat(css), title: d.title}});
}});
</script></body></html>"""


def measure(page, work):
    """(layout measurements, console lines) of `page` at WIDTH px in headless Chromium."""
    if CHROMIUM is None:
        pytest.skip("chromium is not installed (the Debian package chromium; .ci/setup "
                    "installs it)")
    page = pathlib.Path(page).resolve()
    wrapper = page.parent / f"measure-{page.stem}.html"
    wrapper.write_text(WRAPPER.format(src=page.name, width=WIDTH))
    proc = subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={work / 'profile'}",
                           "--allow-file-access-from-files", "--enable-logging=stderr", "--v=0",
                           "--dump-dom", wrapper.as_uri()],
                          capture_output=True, text=True, timeout=180)
    assert proc.returncode == 0, proc.stderr[-2000:]
    m = re.search(r'<pre id="out">(.*?)</pre>', proc.stdout, re.S)
    assert m, proc.stdout[-2000:]
    text = m.group(1).replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">")
    assert text != "not measured", "the report did not load in the iframe"
    console = [line for line in proc.stderr.splitlines() if ":CONSOLE" in line]
    return json.loads(text), console


def screenshot(page, work, name):
    if CHROMIUM is None:
        pytest.skip("chromium is not installed")
    SHOTS.mkdir(parents=True, exist_ok=True)
    shot = SHOTS / f"{name}.png"
    proc = subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={work / 'profile-shot'}",
                           f"--window-size={WIDTH},3000", f"--screenshot={shot}",
                           pathlib.Path(page).resolve().as_uri()],
                          capture_output=True, text=True, timeout=180)
    assert proc.returncode == 0 and shot.exists(), proc.stderr[-2000:]
    return shot


@pytest.fixture(scope="module")
def pages(tmp_path_factory):
    """{kind: report page} for every kind of report this build makes."""
    d = tmp_path_factory.mktemp("shots")
    out = {}
    # A run variant: a scenario YAML with an override, run by the report itself.
    run_cli("report", BASELINE, "--set", "patience.threshold.median=36", "-n", 3000,
            "--attribute", 0, "-o", d / "variant.html")
    out["run-variant"] = d / "variant.html"
    run_cli("exact", SCENARIOS / "exact" / "markov.yaml", "-o", d / "exact.h5")
    run_cli("report", d / "exact.h5", "-o", d / "exact.html")
    out["exact"] = d / "exact.html"
    ten_years = SCENARIOS / "portfolios" / "ten-years.yaml"
    run_cli("portfolio", ten_years, "-n", 200, "-o", d / "pf.h5", "-q")
    run_cli("attribute", ten_years, "-n", 60, "-o", d / "pfattr.h5", "-q")
    run_cli("report", d / "pf.h5", "--attribution", d / "pfattr.h5", "-o", d / "pf.html")
    out["portfolio"] = d / "pf.html"
    run_cli("report", d / "pfattr.h5", "-o", d / "pfattr.html")
    out["portfolio-attribution"] = d / "pfattr.html"
    # A sweep with many parameters and points: the widest table a report has.
    params = "".join(f"  {k}: {{low: {lo}, high: {hi}}}\n" for k, lo, hi in (
        ("patience.threshold.median", 6, 24), ("succession.adoption", 0.2, 0.8),
        ("silos.it.break_prob", 0.1, 0.4), ("budget.squeeze_prob", 0.1, 0.5),
        ("sponsor_levels.vp.tenure.mean", 24, 72), ("phases.1.continue_prob", 0.5, 1.0)))
    (d / "sobol.yaml").write_text(
        f"name: wide-sobol\nbase: {BASELINE}\nseed: 1\nreplications: 100\n"
        "design: {type: sobol, base_samples: 8, bootstrap: 50, seed: 1}\n"
        f"parameters:\n{params}metrics: [p_completed, mean_value, {{p_completed_by: 36}}]\n")
    run_cli("sweep", d / "sobol.yaml", "-o", d / "sobol.h5", "-q")
    run_cli("report", d / "sobol.h5", "-o", d / "sobol.html")
    out["sweep"] = d / "sobol.html"
    import progsurv

    markov = SCENARIOS / "exact" / "markov.yaml"
    (d / "fit.yaml").write_text(
        f"scenario: {markov}\nparameters:\n"
        "  sponsor_levels.vp.approval: {prior: beta, a: 1, b: 1}\n"
        "  patience.rate: {prior: log-uniform, low: 0.002, high: 0.2}\n"
        "likelihood: {replications: 1024}\nsampler: {walkers: 6, steps: 10, burn: 3}\n"
        "predictive: {draws: 2, replications: 256}\n")
    progsurv.simulate_record(progsurv.Scenario.load(markov), 20, seed=4).to_csv(
        d / "past.csv", index=False)
    run_cli("fit", d / "fit.yaml", "--record", d / "past.csv", "-o", d / "fit.h5", "-q")
    run_cli("report", d / "fit.h5", "-o", d / "fit.html")
    out["fit"] = d / "fit.html"
    run_cli("compare", BASELINE, "--lever", "patience.threshold.median=36", "-n", 2000,
            "-o", d / "cmp.h5")
    run_cli("report", d / "cmp.h5", "-o", d / "cmp.html")
    out["comparison"] = d / "cmp.html"
    remedies = REPO / "tests" / "data" / "remedies" / "baseline-remedies.yaml"
    run_cli("remedies", BASELINE, remedies, "--target", "completed>=0.12", "-n", 2000,
            "--batch", 50, "-q", "-o", d / "remedies.h5")
    run_cli("report", d / "remedies.h5", "-o", d / "remedies.html")
    out["remedies"] = d / "remedies.html"
    return out


KINDS = ["run-variant", "exact", "portfolio", "portfolio-attribution", "sweep", "fit",
         "comparison", "remedies"]


# The pages of a run with a value set: each lists the change, with what it was.
OVERRIDDEN = {"run-variant", "comparison"}


@pytest.mark.parametrize("kind", KINDS)
def test_report_fits_1280_px_and_loads_nothing(pages, kind, tmp_path):
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", pages[kind].read_text()))
    listed = "patience.threshold.median set to 36 (was 16)" in text
    assert listed == (kind in OVERRIDDEN), kind
    layout, console = measure(pages[kind], tmp_path)
    assert layout["scrollWidth"] <= layout["clientWidth"], layout
    assert layout["wide"] == [], layout
    assert layout["external"] == [], layout
    assert console == []
    shot = screenshot(pages[kind], tmp_path, kind)
    assert shot.stat().st_size > 10_000


def test_the_measurement_sees_an_overflow_and_an_external_resource(tmp_path):
    # A control page with both faults: the checks must catch them, or their passes mean
    # nothing.
    page = tmp_path / "control.html"
    page.write_text('<html><body><table><tr><td style="white-space:nowrap">'
                    + "wide " * 400 + '</td></tr></table><img src="http://example.com/x.png">'
                    "</body></html>")
    layout, _ = measure(page, tmp_path)
    assert layout["scrollWidth"] > layout["clientWidth"]
    assert "TABLE" in layout["wide"] and "http://example.com/x.png" in layout["external"]
