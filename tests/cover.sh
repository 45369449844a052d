#!/usr/bin/env bash
# `make cover`: build the coverage kernel (KPROFILE=cover, with KPATCHES if
# set), run the scenario library on it, and print which lines of the
# drivers under test it executed (vfsim cover; doc/coverage.md).  With
# KPATCHES the report adds the diff coverage of the series.
# Figures for `make bench` go to build/cover/figures.
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-$ROOT/build}
case $BUILD in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
export BUILD
VFSIM=$BUILD/bin/vfsim
RUNS=$BUILD/cover-runs
OUT=$BUILD/cover
JOBS=${JOBS:-2}

KERNEL=$(KPROFILE=cover "$ROOT/driver/kernel.sh" build) || exit 1
mkdir -p "$OUT"
rm -rf "$RUNS"

echo "== the scenario library on $KERNEL (-j $JOBS)"
t0=$(date +%s.%N)
"$VFSIM" run -j "$JOBS" --kernel "$KERNEL" -o "$RUNS" \
	--junit "$OUT/scenarios.xml" "$ROOT"/scenarios/*/*.vfs 2>&1 |
	tee "$OUT/scenarios.log"
lib_rc=${PIPESTATUS[0]}
wall=$(echo "$(date +%s.%N) - $t0" | bc -l)

echo "== coverage"
args=()
[[ -z ${KPATCHES:-} ]] || args+=(--patches "$KPATCHES")
"$VFSIM" cover --out "$OUT" "${args[@]}" "$RUNS"/*/ 2>"$OUT/cover.err"
cover_rc=$?
sed 's/^/  /' "$OUT/cover.err" | grep -v 'no coverage data' || true
nodata=$(grep -c 'no coverage data' "$OUT/cover.err")

# Figures: the library's wall time, the coverage data per run.
runs=$(find "$RUNS" -mindepth 1 -maxdepth 1 -type d | wc -l)
kb=$(du -sk --total "$RUNS"/*/gcov 2>/dev/null | awk '$2 == "total" { print $1 }')
{
	printf 'library_wall_s=%.1f\n' "$wall"
	echo "runs=$runs"
	echo "runs_without_data=$nodata"
	echo "gcov_kb_per_run=$(( ${kb:-0} / (runs > 0 ? runs : 1) ))"
	echo "date=$(date -u +%FT%TZ)"
} >"$OUT/figures"
printf 'library on the cover kernel: %.1f s wall; coverage data %s KiB per run; %d of %d runs without data\n' \
	"$wall" "$(( ${kb:-0} / (runs > 0 ? runs : 1) ))" "$nodata" "$runs"
[[ $lib_rc -eq 0 && $cover_rc -eq 0 ]]
