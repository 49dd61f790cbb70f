"""`progsurv fit FIT.yaml --record past.csv -o fit.h5`: the command's Python half.

The C++ command checks its arguments and runs this module (emcee is a Python library).
Exit status: 0 done, 2 bad input (fit file, record, option), 1 failure, 130 interrupted.
"""
import argparse
import os
import signal
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
        if _mpi_launched() and _mpi_rank() != 0:
            # A worker waits for tasks inside MPI, where Python never sees a Ctrl-C: let it
            # end the process at once (it writes nothing), and mpirun then ends the job.
            signal.signal(signal.SIGINT, signal.SIG_DFL)
        try:
            comm = _mpi_world()
        except ImportError as e:
            print(f"progsurv fit: under mpirun the fit needs mpi4py (Debian: apt-get install "
                  f"python3-mpi4py): {e}", file=sys.stderr)
            return 1
        if comm is None:
            return _main(args)
        return _main_on_ranks(args, comm)
    except KeyboardInterrupt:  # also while importing or printing
        print("progsurv fit: interrupted; nothing written", file=sys.stderr)
        _abort_mpi(130)
        return 130
    except Exception:
        if _mpi_launched():  # a failure no rank expects: say it, then end the job
            import traceback

            traceback.print_exc()
            _abort_mpi(1)
        raise


# Set by mpirun (Open MPI, MPICH, PMIx), as the C++ commands read them (sweep.cpp).
_MPI_SIZE_VARIABLES = ("OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_RANK")


def _mpi_launched():
    return any(v in os.environ for v in _MPI_SIZE_VARIABLES)


def _mpi_rank():
    """This process's rank from mpirun's variables, before MPI starts."""
    for v in ("OMPI_COMM_WORLD_RANK", "PMIX_RANK", "PMI_RANK"):
        if os.environ.get(v, "").isdigit():
            return int(os.environ[v])
    return 0


def _mpi_world():
    """MPI_COMM_WORLD when mpirun started two processes or more, else None (mpi4py is
    imported, and MPI started, only under mpirun)."""
    if not _mpi_launched():
        return None
    from mpi4py import MPI

    return MPI.COMM_WORLD if MPI.COMM_WORLD.Get_size() > 1 else None


def _abort_mpi(status):
    """Ends the whole MPI job when MPI has started: a normal exit would finalize MPI and
    wait there for ranks that are still waiting for this one."""
    MPI = sys.modules.get("mpi4py.MPI")
    if MPI is not None and MPI.Is_initialized() and not MPI.Is_finalized():
        sys.stderr.flush()
        MPI.COMM_WORLD.Abort(status)


def _main_on_ranks(args, comm):
    """Rank 0 runs the fit; the other ranks evaluate the walkers' log-posteriors it sends
    them (mpi4py's futures pool) and write nothing. The chain is the one process's: emcee
    draws every proposal on rank 0 and only the evaluations move."""
    from mpi4py import MPI
    from mpi4py.futures import MPICommExecutor

    if args.threads == 0:
        # The cores are shared among the ranks on this machine, as `progsurv sweep` does.
        local = comm.Split_type(MPI.COMM_TYPE_SHARED).Get_size()
        args.threads = max(1, len(os.sched_getaffinity(0)) // local)
    with MPICommExecutor(comm, root=0) as pool:
        if pool is None:
            return 0  # a worker: the root has shut the pool down
        try:
            return _main(args, pool=pool, ranks=comm.Get_size())
        except BaseException as e:
            # Waiting for the workers to finish their evaluations could outlast the user's
            # patience (or never end if one is gone): end the whole job now. The writer has
            # already removed its temporary file.
            status = 130 if isinstance(e, KeyboardInterrupt) else 1
            print("progsurv fit: interrupted; nothing written" if status == 130 else
                  f"progsurv fit: failed: {type(e).__name__}: {e}", file=sys.stderr)
            _abort_mpi(status)
            raise


def _main(args, pool=None, ranks=1):
    from . import _core
    from ._fit import FitSpec, fit
    from ._output import check_output_path, printable, written_line

    started = time.monotonic()
    try:
        spec = FitSpec.load(args.fit_file)
        # The fit file, its base scenario and the record are the command's inputs: checked
        # before sampling, and again by the writer.
        inputs = [args.fit_file, args.record, spec.scenario_file]
        check_output_path(args.output, inputs, args.force, _core.fit_filetype)
        replaced = os.path.lexists(args.output)
        # The fit's warnings are printed once, after the tables, below.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            result = fit(spec, args.record, walkers=args.walkers, steps=args.steps,
                         seed=args.seed, threads=args.threads, progress=not args.quiet,
                         pool=pool)
        result.to_hdf5(args.output, args.force, inputs)
    except (_core.ScenarioError, ValueError) as e:
        print(f"progsurv fit: {printable(e)}", file=sys.stderr)
        return 2
    except (OSError, RuntimeError) as e:  # writing failed (a full disk, ...)
        print(f"progsurv fit: {printable(e)}", file=sys.stderr)
        return 1
    elapsed = time.monotonic() - started

    print_summary(result, spec.scenario.name, spec.likelihood["method"], elapsed, ranks)
    print(written_line(os.fspath(args.output), replaced))
    return 0


def print_summary(result, name, method, elapsed=None, ranks=1):
    """What `progsurv fit` prints after a fit, and `progsurv summary FIT.h5` from the
    file: the tables, then the fit's warnings on stderr."""
    import pandas as pd

    from ._output import printable

    steps, walkers, ndim = result.chain.shape
    took = "" if elapsed is None else f", {elapsed:.0f} s"
    if ranks > 1:
        took += f" on {ranks} MPI ranks"
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
