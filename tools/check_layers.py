#!/usr/bin/env python3
"""Fails when a source file includes a header from a layer above its own.

The layers and their order are read from docs/architecture.md (the numbered list under
"## Layers"), so the picture there and this check cannot disagree. A file in sim/<layer>/ or
include/progsurv/<layer>/ may include headers of its own layer and of the layers listed
before it; bindings/ and tests/ are above everything. Generated headers (progsurv/*.hpp
directly under progsurv/) may be included anywhere.

    python3 tools/check_layers.py [--root DIR]

Prints one line per include against the order (file:line: what and why) and exits 1, or
prints a one-line all-clear and exits 0.
"""
import argparse
import os
import re
import sys

INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"')
LAYER_LINE = re.compile(r"^\d+\.\s+(.*)$")


def read_layers(architecture):
    """{folder: rank} from the numbered list of the '## Layers' section (rank 1 = bottom)."""
    ranks = {}
    in_section = False
    with open(architecture, encoding="utf-8") as f:
        for line in f:
            if line.startswith("## "):
                in_section = line.strip() == "## Layers"
                continue
            if not in_section:
                continue
            m = LAYER_LINE.match(line.strip())
            if not m:
                continue
            # The folders of one rank are the backticked names before the first dash.
            head = m.group(1).split(" — ")[0]
            rank = len(set(ranks.values())) + 1
            for name in re.findall(r"`([a-z_]+)/?`", head):
                ranks[name] = rank
    if not ranks:
        sys.exit(f"{architecture}: no numbered layer list under '## Layers'")
    return ranks


def layer_of_include(target, ranks):
    """The layer of an include path, None when it names no layer (a generated header)."""
    parts = target.split("/")
    if parts[0] == "progsurv":
        parts = parts[1:]
    if len(parts) < 2:
        return None
    return parts[0]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--root", default=os.path.join(os.path.dirname(__file__), ".."))
    args = ap.parse_args()
    root = os.path.abspath(args.root)
    ranks = read_layers(os.path.join(root, "docs", "architecture.md"))
    problems = []
    checked = 0
    for base in (os.path.join(root, "sim"), os.path.join(root, "include", "progsurv")):
        for folder in sorted(os.listdir(base)):
            path = os.path.join(base, folder)
            if not os.path.isdir(path):
                continue
            if folder not in ranks:
                problems.append(
                    f"{os.path.relpath(path, root)}: folder '{folder}' is not a layer of "
                    f"docs/architecture.md; add it to the list there"
                )
                continue
            for dirpath, _, files in os.walk(path):
                for name in sorted(files):
                    if not name.endswith((".cpp", ".hpp", ".h")):
                        continue
                    file = os.path.join(dirpath, name)
                    checked += 1
                    with open(file, encoding="utf-8") as f:
                        for number, line in enumerate(f, 1):
                            m = INCLUDE.match(line)
                            if not m:
                                continue
                            target = layer_of_include(m.group(1), ranks)
                            if target is None or target == folder:
                                continue
                            if target not in ranks:
                                problems.append(
                                    f"{os.path.relpath(file, root)}:{number}: includes "
                                    f'"{m.group(1)}" from \'{target}\', which is not a layer '
                                    f"of docs/architecture.md"
                                )
                            elif ranks[target] > ranks[folder]:
                                problems.append(
                                    f"{os.path.relpath(file, root)}:{number}: {folder} may not "
                                    f'include "{m.group(1)}": {target} is a layer above it '
                                    f"(docs/architecture.md)"
                                )
    for p in problems:
        print(p)
    if problems:
        print(f"{len(problems)} include(s) against the layering of docs/architecture.md")
        return 1
    print(f"layering: {checked} files in sim/ and include/progsurv/ include only downwards")
    return 0


if __name__ == "__main__":
    sys.exit(main())
