#!/usr/bin/env bash
# The coverage a sweep adds (doc/sweep.md): the scenario library and the
# sweeps of some scenarios, both on the cover kernel (doc/coverage.md),
# and `vfsim cover --diff`: the lines of the drivers under test that only
# the sweeps executed.
# Usage: tests/sweep-cover.sh [SCENARIO...]
#	COVER_KERNEL=PATH	a cover kernel already built (default: build it,
#				make kernel KPROFILE=cover)
#	SWEEP_POINTS=KINDS	the kinds swept (default: all)
#	the library's runs of `make cover` (build/cover-runs) are used when
#	they are of that kernel; otherwise the library runs first.
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-$ROOT/build}
case $BUILD in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
VFSIM=$BUILD/bin/vfsim
OUT=$BUILD/sweeps-cover
LIB=$BUILD/cover-runs
# SWEEP_JOBS=N: runs at a time (default: the library 2, the sweeps vfsim
# sweep's own, three per CPU).
JOBS=()
[ -n "${SWEEP_JOBS:-}" ] && JOBS=(-j "$SWEEP_JOBS")
POINTS=${SWEEP_POINTS:-all}
scens=("$@")
[ ${#scens[@]} -gt 0 ] || scens=(scenarios/migration/vf-to-vf.vfs
	scenarios/migration/precopy.vfs scenarios/sriov/autoprobe.vfs)

cd "$ROOT" || exit 2
kernel=${COVER_KERNEL:-$(KPROFILE=cover "$ROOT/driver/kernel.sh" build)} || exit 1
mkdir -p "$OUT"

# The library's runs, if they are of this kernel.
lib_kernel=$(sed -n 's/^kernel=//p' "$LIB"/*/gcov.txt 2>/dev/null | sort -u)
if [[ $lib_kernel != "$(dirname "$(realpath "$kernel")")" ]]; then
	echo "== the scenario library on $kernel"
	LIB=$OUT/library
	rm -rf "$LIB"
	nice -n 10 "$VFSIM" run -q -j "${SWEEP_JOBS:-2}" --kernel "$kernel" -o "$LIB" \
		scenarios/*/*.vfs | tail -n 1
fi

echo "== sweeps on $kernel: ${scens[*]}"
for s in "${scens[@]}"; do
	nice -n 10 "$VFSIM" sweep -q "${JOBS[@]}" --kernel "$kernel" -o "$OUT" \
		--points "$POINTS" "$s" | grep -E '^# ([0-9]+ runs|outcomes)'
done

sweeps=("$OUT"/*/record "$OUT"/*/points/*)
echo "== coverage of the drivers under test: the library, then with the sweeps"
"$VFSIM" cover --no-html --out "$OUT/cover-library" "$LIB"/*/ 2>/dev/null |
	grep -E '^\| \*\*total'
"$VFSIM" cover --no-html --out "$OUT/cover-with-sweeps" "$LIB"/*/ "${sweeps[@]}" \
	2>/dev/null | grep -E '^\| \*\*total'
echo "== what only the sweeps executed ($OUT/cover-diff/coverage.md)"
"$VFSIM" cover --no-html --out "$OUT/cover-diff" "$LIB"/*/ --diff "${sweeps[@]}" \
	>/dev/null 2>&1 || exit 1
# The section's table: from its header to the first line after the table.
awk '/^## What the runs after --diff add/ { on = 1; next }
	on && /^\|/ { print; t = 1; next } t { exit }' "$OUT/cover-diff/coverage.md"
