#!/usr/bin/env bash
# Regenerates docs/examples/baseline-report.html: the baseline (100,000 replications, seed
# 1) with its attribution (100,000 replications, seed 1). Run after a build:
#   bash docs/examples/make-baseline-report.sh [build/release/sim/progsurv [OUT.html]]
# (.ci/test-docs writes it elsewhere and compares it with the committed page.)
set -euo pipefail
cd "$(dirname "$0")/../.."
BIN="${1:-build/release/sim/progsurv}"
OUT="${2:-docs/examples/baseline-report.html}"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
"$BIN" run scenarios/baseline.yaml -n 100000 --seed 1 -o "$WORK/baseline.h5" -q >/dev/null
"$BIN" attribute scenarios/baseline.yaml -n 100000 --seed 1 -o "$WORK/baseline-attribution.h5" \
  -q >/dev/null
"$BIN" report "$WORK/baseline.h5" --attribution "$WORK/baseline-attribution.h5" \
  -o "$OUT"
