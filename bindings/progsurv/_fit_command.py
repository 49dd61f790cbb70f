"""`progsurv fit FIT.yaml --record past.csv -o fit.h5`: the command's Python half.

The C++ command checks its arguments and runs this module (emcee is a Python library).
Exit status: 0 done, 2 bad input (fit file, record, option), 1 failure, 130 interrupted.
"""
import argparse
import os
import sys
import time
import warnings


def main(argv=None):
    if argv is None:
        argv = sys.argv[1:]
    if argv[:1] == ["--summary"]:  # `progsurv summary FIT.h5`
        return summary_main(argv[1:])
    parser = argparse.ArgumentParser(prog="progsurv fit")
    parser.add_argument("fit_file")
    parser.add_argument("--record", required=True)
    parser.add_argument("-o", "--output", default="fit.h5")
    parser.add_argument("--steps", type=int)
    parser.add_argument("--walkers", type=int)
    parser.add_argument("--seed", type=int)
    parser.add_argument("--threads", type=int, default=0)
    parser.add_argument("-q", "--quiet", action="store_true")
    parser.add_argument("--force", action="store_true")
    args = parser.parse_args(argv)
    try:
        return _main(args)
    except KeyboardInterrupt:  # also while importing or printing
        print("progsurv fit: interrupted; nothing written", file=sys.stderr)
        return 130


def _main(args):
    from . import _core
    from ._fit import FitSpec, fit
    from ._output import check_output_path, printable

    started = time.monotonic()
    try:
        spec = FitSpec.load(args.fit_file)
        # The fit file, its base scenario and the record are the command's inputs: checked
        # before sampling, and again by the writer.
        inputs = [args.fit_file, args.record, spec.scenario_file]
        check_output_path(args.output, inputs, args.force)
        # The fit's warnings are printed once, after the tables, below.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            result = fit(spec, args.record, walkers=args.walkers, steps=args.steps,
                         seed=args.seed, threads=args.threads, progress=not args.quiet)
        result.to_hdf5(args.output, args.force, inputs)
    except (_core.ScenarioError, ValueError) as e:
        print(f"progsurv fit: {printable(e)}", file=sys.stderr)
        return 2
    except (OSError, RuntimeError) as e:  # writing failed (a full disk, ...)
        print(f"progsurv fit: {printable(e)}", file=sys.stderr)
        return 1
    elapsed = time.monotonic() - started

    print_summary(result, spec.scenario.name, spec.likelihood["method"], elapsed)
    print(f"written: {printable(os.fspath(args.output))}")
    return 0


def print_summary(result, name, method, elapsed=None):
    """What `progsurv fit` prints after a fit, and `progsurv summary FIT.h5` from the
    file: the tables, then the fit's warnings on stderr."""
    import pandas as pd

    from ._output import printable

    steps, walkers, ndim = result.chain.shape
    took = "" if elapsed is None else f", {elapsed:.0f} s"
    with pd.option_context("display.width", 120, "display.max_columns", 20,
                           "display.float_format", "{:.4g}".format):
        print(f"progsurv fit: {printable(name)}, {result.programmes} programmes, "
              f"{ndim} parameters, {walkers} walkers x {steps} steps (burn {result.burn}), "
              f"{method} likelihood{took}")
        print(f"record: {printable(result.record_source)} (SHA-256 {result.record_sha256})")
        print("\nprior against posterior (median and 90% interval):")
        print(result.prior_posterior().drop(columns=["posterior_mean"]).to_string())
        print("\ndiagnostics:")
        print(result.diagnostics().to_string())
        if len(result.predictive_draws()):
            print("\nposterior predictive for a new programme (share, and completion months "
                  "among completed):")
            print(result.predictive().to_string())
        if result.record_check is not None:
            print("\nagainst the record (replicated records from the posterior, observed as the "
                  "record was; p = posterior predictive p-value):")
            print(result.record_check.to_string())
    for w in result.warnings:
        print(f"warning: {printable(w)}", file=sys.stderr)


def summary_main(argv):
    """`progsurv summary FIT.h5`: the fit's summary, read from its file."""
    from . import _core
    from ._fit import load_fit
    from ._output import printable

    try:
        with warnings.catch_warnings():  # printed once, by print_summary
            warnings.simplefilter("ignore", RuntimeWarning)
            result = load_fit(argv[0])
    except (_core.FileFormatError, OSError, ValueError, KeyError) as e:
        print(f"progsurv summary: error: {printable(e)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    print_summary(result, result.settings.scenario.name, result.settings.likelihood["method"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
