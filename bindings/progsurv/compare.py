"""Paired comparison of scenarios or levers under common random numbers.

    import progsurv
    c = progsurv.compare("scenarios/baseline.yaml", "scenarios/csuite-anchor.yaml")
    c = progsurv.compare("scenarios/baseline.yaml",
                         levers=["patience.threshold.median=36", "succession.adoption=0.8"])
    c                      # DataFrame: one row per (variant, statistic)
    print(c.attrs["table"])
    progsurv.compare("a.yaml", "b.yaml", output="cmp.h5")   # the file `compare -o` writes
    progsurv.load("cmp.h5")                                  # the same DataFrame, read back

Replication r of every scenario uses the same random streams, so the differences are
paired; `gain` is how many times the replications two independent runs would need for an
interval as narrow.
"""
import os

import pandas as pd

from . import _checks, _core, _progress

__all__ = ["compare", "comparison_results", "load_comparison"]


def _scenario(s):
    if isinstance(s, _core.Scenario):
        return s, s.label
    return _core.Scenario.load(os.fspath(s)), os.fspath(s)


def _lever(base, lever):
    """A variant of `base`: "key=value;key=value", or a dict {key: value}."""
    if isinstance(lever, dict):
        items = [(str(k), str(v)) for k, v in lever.items()]
        label = "; ".join(f"{k}={v}" for k, v in items)
    else:
        items = []
        for part in str(lever).split(";"):
            key, sep, value = part.partition("=")
            if not sep or not key:
                raise ValueError(f"lever {lever!r}: expected key.path=value[;key.path=value]")
            items.append((key.strip(), value.strip()))
        label = str(lever)
    return base.with_values(items), label


def compare(*scenarios, levers=(), set=None, replications=100_000, seed=1, threads=0,
            bootstrap=200, progress=False, output=None, force=False):
    """Compare scenarios (Scenario objects or YAML paths; the first is the reference) and
    levers (variants of the first: "key=value;key=value" strings or dicts), as
    `progsurv compare`. `set` (a dict) overrides values in every given scenario; `output`
    also writes the comparison file (`progsurv compare -o`, docs/hdf5-comparison-format.md),
    which progsurv.load reads back and `progsurv report` turns into a brief. `output` is
    checked first as the command checks it: an empty file or a comparison file there is
    replaced; a progsurv file of another kind, a non-empty file that is not a progsurv file
    or a write-protected file only with force=True (the command's --force), else ValueError.

    Returns a DataFrame indexed by (variant, statistic) with the reference's value, the
    variant's value, the paired difference (variant minus reference) and its 95% interval,
    its SE, the SE two independent runs would have, and the gain; for the shares, the same
    among started programmes (started, reference_started, diff_started, lower_started,
    upper_started, se_started; NaN for the other statistics). .attrs holds the labels, the
    scenarios' names (with what was set), seed, replications and the printed table."""
    # Whole numbers really whole, as run() checks them (no silent truncation of 1000.9).
    replications = _checks.whole("replications", replications, 2, _checks.MAX_REPLICATIONS)
    seed = _checks.whole("seed", seed, 0, 2**64 - 1)
    threads = _checks.whole("threads", threads, 0, _checks.MAX_THREADS)
    bootstrap = _checks.whole("bootstrap", bootstrap, 2, 1_000_000)
    pairs = [_scenario(s) for s in scenarios]
    if set:
        items = [(str(k), str(v)) for k, v in _checks.settings("set", set)]
        # The label says what was set, as the scenario's own label does.
        suffix = " [" + ", ".join(f"{k}={v}" for k, v in items) + "]"
        pairs = [(s.with_values(items), label + suffix) for s, label in pairs]
    if not pairs:
        raise ValueError("compare() needs at least one scenario")
    pairs += [_lever(pairs[0][0], lever) for lever in levers]
    if len(pairs) < 2:
        raise ValueError("compare() needs two scenarios, or one and a lever")
    if output is not None:
        from ._output import check_output_path

        output = os.fspath(output)
        check_output_path(output, [os.fspath(s) for s in scenarios
                                   if not isinstance(s, _core.Scenario)],
                          _checks.flag("force", force), _core.comparison_filetype)
    with _progress.reporting(progress, "comparing") as callback:
        d = _core.compare([s for s, _ in pairs], [label for _, label in pairs],
                          replications, seed, threads, bootstrap, callback,
                          output)
    return _frame(d)


def _frame(d, path=None):
    rows = []
    for i in range(1, len(d["labels"])):
        for st in d["stats"]:
            rows.append({"variant": d["labels"][i], "statistic": st["statistic"],
                         "description": st["description"], "reference": st["value"][0],
                         "value": st["value"][i], "diff": st["diff"][i],
                         "lower": st["lower"][i], "upper": st["upper"][i], "se": st["se"][i],
                         "independent_se": st["independent_se"][i], "gain": st["gain"][i],
                         "reference_started": st["started"][0], "started": st["started"][i],
                         "diff_started": st["diff_started"][i],
                         "lower_started": st["lower_started"][i],
                         "upper_started": st["upper_started"][i],
                         "se_started": st["se_started"][i]})
    frame = pd.DataFrame(rows).set_index(["variant", "statistic"])
    frame.attrs.update(labels=list(d["labels"]), names=list(d["names"]), seed=d["seed"],
                       replications=d["replications"], bootstrap=d["bootstrap"],
                       table=d["table"], path=path)
    return frame


def load_comparison(path):
    """Read a comparison file (`progsurv compare -o`, compare(output=...)).

    Returns the DataFrame compare() returned when it was written (.attrs["path"] is the
    file)."""
    return _frame(_core.read_comparison(os.fspath(path)), os.fspath(path))


def comparison_results(path):
    """Each compared scenario of a comparison file as a progsurv.Result: its own curves,
    shares and plots (the numbers its own run with the comparison's seed and replications
    gives). Returns a list, the reference first."""
    from ._result import Result

    return [Result(raw, path=os.fspath(path))
            for raw in _core.read_comparison(os.fspath(path))["results"]]
