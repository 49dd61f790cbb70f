"""`progsurv export`: the tables of any progsurv file as tidy CSV files (one per table) or
one Excel workbook (one sheet per table).

    python3 -m progsurv.export baseline.h5 --csv tables/
    python3 -m progsurv.export baseline.h5 --xlsx baseline.xlsx
    progsurv.export.tables("baseline.h5")     # {name: DataFrame}
"""
import argparse
import os
import sys

import h5py
import pandas as pd


def tables(path):
    """The tables of a run, exact, sweep or attribution file, as {name: DataFrame}. Column
    names and values are those of the file's datasets (docs/hdf5-format.md)."""
    path = os.fspath(path)
    with h5py.File(path, "r") as f:
        filetype = f.attrs.get("filetype")
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
        if s.design == "oat":
            out["tornado"] = s.tornado()
        return out
    raise ValueError(f"{path}: not a progsurv run, exact, sweep or attribution file "
                     f"(filetype {filetype!r})")


def to_csv(path, directory):
    """One CSV per table in `directory` (created if needed); returns the paths written."""
    os.makedirs(directory, exist_ok=True)
    written = []
    for name, frame in tables(path).items():
        out = os.path.join(directory, name + ".csv")
        frame.to_csv(out, index=False)
        written.append(out)
    return written


def to_xlsx(path, output):
    """One sheet per table in the workbook `output` (openpyxl); written atomically."""
    tmp = output + ".tmp.xlsx"
    with pd.ExcelWriter(tmp, engine="openpyxl") as writer:
        for name, frame in tables(path).items():
            frame.to_excel(writer, sheet_name=name[:31], index=False)
    os.replace(tmp, output)
    return [output]


def main(argv=None):
    p = argparse.ArgumentParser(
        prog="progsurv export",
        description="Write the tables of a progsurv file as tidy CSV files (one per table) or "
        "one xlsx workbook (one sheet per table).")
    p.add_argument("file", help="a progsurv HDF5 file (run, exact, sweep or attribution)")
    g = p.add_mutually_exclusive_group(required=True)
    g.add_argument("--csv", metavar="DIR", help="write one CSV per table into DIR")
    g.add_argument("--xlsx", metavar="FILE", help="write one sheet per table into FILE")
    args = p.parse_args(argv)
    prog = "progsurv export" if os.environ.get("PROGSURV_CLI") else "progsurv.export"
    try:
        if not os.path.exists(args.file):
            raise ValueError(f"{args.file}: no such file")
        target = args.xlsx or args.csv
        parent = os.path.dirname(os.path.abspath(target if args.xlsx else target.rstrip("/")))
        if not os.path.isdir(parent):
            raise ValueError(f"{'--xlsx' if args.xlsx else '--csv'}: directory does not exist: "
                             f"{parent}")
        written = to_xlsx(args.file, args.xlsx) if args.xlsx else to_csv(args.file, args.csv)
    except (OSError, ValueError, KeyError) as e:
        print(f"{prog}: error: {e}", file=sys.stderr)
        return 2
    for w in written:
        print(f"written: {w}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
