"""The Python writers of progsurv files (to_hdf5, and the output= of sweep, attribute and
compare) treat what is at their path as the commands treat -o: an empty file or a file of
their own kind is replaced; a progsurv file of another kind or a non-empty file that is
not a progsurv file is refused (ValueError naming the path and both kinds, in the
command's words) unless force=True (docs/python.md, Writing files)."""
import warnings

import pytest

import progsurv
from progsurv import _core
from conftest import BASELINE, SCENARIOS

TEN_YEARS = SCENARIOS / "portfolios" / "ten-years.yaml"
MARKOV = SCENARIOS / "exact" / "markov.yaml"
REMEDIES_YAML = """unit: "k EUR"
remedies:
  - name: visible_metrics
    description: metrics on every step
    cost: 25
    set:
      patience.visible: steps
"""
FIT_YAML = """scenario: {scenario}
parameters:
  sponsor_levels.vp.approval: {{prior: beta, a: 1, b: 1}}
likelihood: {{replications: 1024}}
sampler: {{walkers: 4, steps: 6, burn: 2}}
predictive: {{draws: 2, replications: 256}}
"""
SWEEP_YAML = """name: small
base: {base}
seed: 1
replications: 100
design: oat
parameters:
  succession.adoption: {{low: 0.2, high: 0.8}}
"""


@pytest.fixture(scope="module")
def writers(tmp_path_factory):
    """{kind: (filetype, write(path, force))}: each writer, with a small result or a small
    computation behind it."""
    d = tmp_path_factory.mktemp("writers")
    run = progsurv.run(BASELINE, replications=300, seed=2)
    portfolio = progsurv.portfolio(TEN_YEARS, n=60, seed=2)
    (d / "remedies.yaml").write_text(REMEDIES_YAML)
    remedies = progsurv.remedies(BASELINE, d / "remedies.yaml", target="completed>=0.12",
                                 batch=50, max_replications=2000, seed=2)
    seek = progsurv.seek(BASELINE, "patience.threshold.median", "completed>=0.12",
                         range=(6, 60), replications=400, seed=2)
    (d / "fit.yaml").write_text(FIT_YAML.format(scenario=MARKOV))
    progsurv.simulate_record(progsurv.Scenario.load(MARKOV), 10, seed=4).to_csv(
        d / "past.csv", index=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # a chain this short warns
        fit = progsurv.fit(d / "fit.yaml", d / "past.csv")
    (d / "sweep.yaml").write_text(SWEEP_YAML.format(base=BASELINE))
    return {
        "run": (_core.run_filetype, run.to_hdf5),
        "portfolio": (_core.portfolio_filetype, portfolio.to_hdf5),
        "remedies": (_core.remedies_filetype, remedies.to_hdf5),
        "seek": (_core.seek_filetype, seek.to_hdf5),
        "fit": (_core.fit_filetype, fit.to_hdf5),
        "sweep": (_core.sweep_filetype, lambda path, force=False: progsurv.sweep(
            d / "sweep.yaml", output=path, force=force)),
        "attribution": (_core.attribution_filetype, lambda path, force=False:
                        progsurv.attribute(BASELINE, replications=100, seed=2, output=path,
                                           mechanisms=["patience"], force=force)),
        "comparison": (_core.comparison_filetype, lambda path, force=False: progsurv.compare(
            BASELINE, levers=["patience.threshold.median=36"], replications=200,
            bootstrap=20, output=path, force=force)),
    }


@pytest.fixture(scope="module")
def other_kinds(writers, tmp_path_factory):
    """A sweep file, and a run file for the sweep writer: {kind: file of another kind}."""
    d = tmp_path_factory.mktemp("others")
    writers["sweep"][1](d / "sweep.h5")
    writers["run"][1](d / "run.h5")
    return {kind: d / ("run.h5" if kind == "sweep" else "sweep.h5") for kind in writers}


KINDS = ["run", "portfolio", "remedies", "seek", "fit", "sweep", "attribution", "comparison"]


def _phrase(filetype):
    """'progsurv-sweep' -> 'a sweep file', as the commands name a kind."""
    kind = filetype.removeprefix("progsurv-").replace("-", " ")
    return ("an " if kind[0] in "aeiou" else "a ") + kind + " file"


@pytest.mark.parametrize("kind", KINDS)
def test_a_file_of_another_kind_is_replaced_only_with_force(writers, other_kinds, kind,
                                                            tmp_path, capsys):
    filetype, write = writers[kind]
    path = tmp_path / "out.h5"
    path.write_bytes(other_kinds[kind].read_bytes())
    other = _core.file_type(path)
    with pytest.raises(ValueError) as info:
        write(path)
    assert str(info.value) == (f"output {path}: holds {_phrase(other)}, not {_phrase(filetype)}"
                               f"; use --force to replace it, or choose another name")
    assert path.read_bytes() == other_kinds[kind].read_bytes()
    write(path, force=True)
    assert _core.file_type(path) == filetype
    assert capsys.readouterr().out == ""  # a library call prints nothing


@pytest.mark.parametrize("kind", KINDS)
def test_a_file_that_is_not_progsurvs_is_replaced_only_with_force(writers, kind, tmp_path):
    filetype, write = writers[kind]
    path = tmp_path / "notes.txt"
    path.write_text("my notes\n")
    with pytest.raises(ValueError, match=f"output {path}: exists and is not a progsurv file; "
                                         "use --force to replace it"):
        write(path)
    assert path.read_text() == "my notes\n"
    write(path, True)  # force as the second positional argument, as to_hdf5 always took it
    assert _core.file_type(path) == filetype


@pytest.mark.parametrize("kind", KINDS)
def test_an_empty_file_and_a_file_of_its_own_kind_are_replaced(writers, kind, tmp_path):
    filetype, write = writers[kind]
    path = tmp_path / "out.h5"
    path.write_bytes(b"")
    write(path)
    assert _core.file_type(path) == filetype
    write(path)  # again: its own kind
    assert _core.file_type(path) == filetype
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.h5"]


@pytest.mark.parametrize("kind", ["sweep", "attribution", "comparison"])
def test_the_output_writers_refuse_before_any_work(writers, other_kinds, kind, tmp_path,
                                                   monkeypatch):
    def no_work(*args, **kwargs):
        raise AssertionError("computed before the output was checked")

    for name in ("run_sweep", "attribute", "compare"):
        monkeypatch.setattr(_core, name, no_work)
    path = tmp_path / "out.h5"
    path.write_bytes(other_kinds[kind].read_bytes())
    with pytest.raises(ValueError, match="use --force to replace it"):
        writers[kind][1](path)


def test_a_scenario_file_is_never_the_attributions_output(tmp_path):
    scenario = tmp_path / "s.yaml"
    scenario.write_text(BASELINE.read_text())
    for force in (False, True):
        with pytest.raises(ValueError, match="is the input file"):
            progsurv.attribute(scenario, replications=100, output=scenario, force=force)
    assert scenario.read_text() == BASELINE.read_text()


def test_a_missing_folder_is_still_file_not_found_for_result_and_portfolio(writers,
                                                                           tmp_path):
    for kind in ("run", "portfolio"):
        with pytest.raises(FileNotFoundError):
            writers[kind][1](tmp_path / "no" / "out.h5")
