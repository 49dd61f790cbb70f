"""Paired comparison of scenarios or levers under common random numbers.

    import progsurv
    c = progsurv.compare("scenarios/baseline.yaml", "scenarios/csuite-anchor.yaml")
    c = progsurv.compare("scenarios/baseline.yaml",
                         levers=["patience.threshold.median=36", "succession.adoption=0.8"])
    c                      # DataFrame: one row per (variant, statistic)
    print(c.attrs["table"])

Replication r of every scenario uses the same random streams, so the differences are
paired; `gain` is how many times the replications two independent runs would need for an
interval as narrow.
"""
import os

import pandas as pd

from . import _core, _progress

__all__ = ["compare"]


def _scenario(s):
    if isinstance(s, _core.Scenario):
        return s, s.name
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
            bootstrap=200, progress=False):
    """Compare scenarios (Scenario objects or YAML paths; the first is the reference) and
    levers (variants of the first: "key=value;key=value" strings or dicts), as
    `progsurv compare`. `set` (a dict) overrides values in every given scenario.

    Returns a DataFrame indexed by (variant, statistic) with the reference's value, the
    variant's value, the paired difference (variant minus reference) and its 95% interval,
    its SE, the SE two independent runs would have, and the gain. .attrs holds the
    labels, seed, replications and the printed table."""
    pairs = [_scenario(s) for s in scenarios]
    if set:
        pairs = [(s.with_values([(str(k), str(v)) for k, v in set.items()]), label)
                 for s, label in pairs]
    if not pairs:
        raise ValueError("compare() needs at least one scenario")
    pairs += [_lever(pairs[0][0], lever) for lever in levers]
    if len(pairs) < 2:
        raise ValueError("compare() needs two scenarios, or one and a lever")
    bar = _progress.ProgressBar("comparing") if progress is True else None
    callback = bar if bar is not None else (progress if callable(progress) else None)
    try:
        d = _core.compare([s for s, _ in pairs], [label for _, label in pairs],
                          int(replications), int(seed), int(threads), int(bootstrap), callback)
    finally:
        if bar is not None:
            bar.close()
    rows = []
    for i in range(1, len(pairs)):
        for st in d["stats"]:
            rows.append({"variant": d["labels"][i], "statistic": st["statistic"],
                         "description": st["description"], "reference": st["value"][0],
                         "value": st["value"][i], "diff": st["diff"][i],
                         "lower": st["lower"][i], "upper": st["upper"][i], "se": st["se"][i],
                         "independent_se": st["independent_se"][i], "gain": st["gain"][i]})
    frame = pd.DataFrame(rows).set_index(["variant", "statistic"])
    frame.attrs.update(labels=list(d["labels"]), names=list(d["names"]), seed=d["seed"],
                       replications=d["replications"], bootstrap=d["bootstrap"],
                       table=d["table"])
    return frame
