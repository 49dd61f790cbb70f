"""`progsurv export`: the tables of any progsurv file as tidy CSV files (one per table) or
one Excel workbook (one sheet per table).

    python3 -m progsurv.export baseline.h5 --csv tables/
    python3 -m progsurv.export baseline.h5 --xlsx baseline.xlsx
    progsurv.export.tables("baseline.h5")     # {name: DataFrame}
"""
import argparse
import io
import os
import sys

import h5py
import pandas as pd


def tables(path):
    """The tables of a run, exact, sweep, attribution, remedies or seek file, as {name:
    DataFrame}. Column names and values are those of the file's datasets
    (docs/hdf5-format.md); a remedies bundle's or a seek point's mean and interval are
    derived from the raw sums the file keeps, which are exported alongside."""
    from ._output import check_input_file

    path = check_input_file(path, "progsurv HDF5 file")
    try:
        with h5py.File(path, "r") as f:
            filetype = f.attrs.get("filetype")
    except OSError as e:  # h5py's message for a file that is not HDF5
        raise ValueError(f"{path}: not an HDF5 file ({e})") from None
    if isinstance(filetype, bytes):
        filetype = filetype.decode("utf-8", "replace")
    import progsurv

    if filetype == "progsurv-run":
        r = progsurv.load(path)
        out = {
            "outcomes": r.outcomes().reset_index(),
            "causes": r.causes().reset_index(),
            "curves": r.curves().astype({"category": str}),
            "survival": r.survival(),
            "quantiles": r.quantiles().reset_index(),
            "value": r.value().reset_index(),
            "time_decomposition": r.time_decomposition().reset_index(),
            "means": r.means().reset_index(),
            "convergence": r.convergence(),
        }
        if r.has_records:
            rec = r.records()
            for c in ("outcome", "cause", "initial_level"):
                rec[c] = rec[c].astype(str).where(rec[c].notna(), "")
            out["records"] = rec
        return out
    if filetype == "progsurv-attribution":
        frame = progsurv.load_attribution(path)
        all_off = pd.DataFrame(frame.attrs["all_off"]).T.rename_axis("statistic").reset_index()
        return {"attribution": frame.reset_index(), "all_off": all_off}
    if filetype == "progsurv-sweep":
        s = progsurv.load_sweep(path)
        out = {"points": s.points().reset_index()}
        if s.design == "sobol":
            out["sobol"] = s.sobol()
            if s.second_order:
                out["sobol_second_order"] = s.sobol(order=2)
            out["sobol_convergence"] = s.convergence()
        if s.design == "morris":
            out["morris"] = s.morris()
        if s.design == "oat":
            out["tornado"] = s.tornado()
        return out
    if filetype == "progsurv-remedies":
        r = progsurv.load(path)
        bundles = r.bundles.reset_index()
        raw = r.bundle_results
        for name in ("sum", "sum_squares", "diff_sum", "diff_sum_squares"):
            bundles[name] = [getattr(b, name) for b in raw]
        frontier = r.frontier.reset_index()
        settings = pd.DataFrame({"setting": ["seed", "metric", "target", "budget", "unit",
                                             "batch", "n0", "max_observations", "alpha",
                                             "delta", "epsilon", "search", "termination",
                                             "replications", "equal_allocation_replications"],
                                 "value": [str(x) for x in (
                                     r.seed, r.metric,
                                     "" if r.target is None else r.target.text,
                                     "" if r.budget is None else r.budget, r.unit, r.batch,
                                     r.n0, r.max_observations, r.alpha, r.delta, r.epsilon,
                                     r.search, r.termination, r.replications,
                                     r.equal_replications)]})
        return {"frontier": frontier, "bundles": bundles, "shapley": r.shapley,
                "answer": pd.DataFrame({"answer": [r.sentence]}), "settings": settings}
    if filetype == "progsurv-seek":
        s = progsurv.load(path)
        points = s.points.reset_index()
        for name in ("sum", "sumsq", "base_dsum", "base_dsumsq"):
            points[name] = [getattr(p, name) for p in s.point_sums]
        interval = s.interval or (float("nan"), float("nan"))
        answer = pd.DataFrame({
            "lever": [s.lever], "target": [s.target.describe()], "verdict": [s.verdict],
            "value": [float("nan") if s.value is None else s.value],
            "interval_lower": [interval[0]], "interval_upper": [interval[1]],
            "seed": [s.seed], "replications": [s.n], "sentence": [s.sentence]})
        return {"answer": answer, "points": points}
    raise ValueError(f"{path}: not a progsurv run, exact, sweep, attribution, remedies or seek "
                     f"file (filetype {filetype!r})")


def to_csv(path, directory, force=False):
    """One CSV per table in `directory`; returns the paths written. A new folder is built
    complete under a temporary name and renamed into place; in an existing folder the files
    are replaced only when all are written (progsurv._output.write_folder). Text cells that
    a spreadsheet would run as formulas are written as text (a leading ')."""
    from ._output import check_output_folder, formula_safe_frame, write_folder

    check_output_folder(directory, [path], force)
    files = {}
    for name, frame in tables(path).items():
        files[name + ".csv"] = formula_safe_frame(frame).to_csv(index=False).encode("utf-8")
    return write_folder(directory, files, [path], force)


def to_xlsx(path, output, force=False):
    """One sheet per table in the workbook `output` (openpyxl), built in memory and written
    through progsurv's output writer. Text cells are stored as strings, never as formulas."""
    from ._output import check_output_path, write_bytes

    check_output_path(output, [path], force)
    frames = tables(path)  # first: a bad input must not leave an empty workbook to save
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        for name, frame in frames.items():
            frame.to_excel(writer, sheet_name=name[:31], index=False)
            _cells_as_text(writer.sheets[name[:31]])
    return [write_bytes(output, buffer.getvalue(), [path], force)]


def _cells_as_text(sheet):
    """openpyxl stores a string starting with '=' as a formula: every text cell is made an
    explicit string cell, so a level named '=HYPERLINK(...)' is shown as that text."""
    for row in sheet.iter_rows():
        for cell in row:
            if isinstance(cell.value, str):
                cell.data_type = "s"


def main(argv=None):
    p = argparse.ArgumentParser(
        prog="progsurv export",
        description="Write the tables of a progsurv file as tidy CSV files (one per table) or "
        "one xlsx workbook (one sheet per table).")
    p.add_argument("file", help="a progsurv HDF5 file (run, exact, sweep, attribution, "
                   "remedies or seek)")
    g = p.add_mutually_exclusive_group(required=True)
    g.add_argument("--csv", metavar="DIR", help="write one CSV per table into DIR")
    g.add_argument("--xlsx", metavar="FILE", help="write one sheet per table into FILE")
    p.add_argument("--force", action="store_true",
                   help="replace outputs even when they are write-protected")
    args = p.parse_args(argv)
    from ._output import printable

    prog = "progsurv export" if os.environ.get("PROGSURV_CLI") else "progsurv.export"
    try:
        written = (to_xlsx(args.file, args.xlsx, args.force) if args.xlsx
                   else to_csv(args.file, args.csv, args.force))
    except KeyboardInterrupt:
        print(f"{prog}: interrupted; nothing written", file=sys.stderr)
        return 130
    except RuntimeError as e:  # writing failed (a full disk, ...): nothing replaced
        print(f"{prog}: failed: {printable(e)}", file=sys.stderr)
        return 1
    except (OSError, ValueError, KeyError, TypeError) as e:
        print(f"{prog}: error: {printable(e)}", file=sys.stderr)
        return 2
    except Exception as e:  # a library failing part-way (openpyxl's own temporary files)
        print(f"{prog}: failed: {type(e).__name__}: {printable(e)}; nothing written",
              file=sys.stderr)
        return 1
    for w in written:
        print(f"written: {printable(w)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
