#!/usr/bin/env bash
# `make sweep`: sweep the library's migration, SR-IOV and VFIO scenarios
# (doc/sweep.md), three runs per CPU at a time, and diff the outcomes
# against the known ones in tests/sweep-known.txt.  SWEEP_UPDATE=1 records
# them.  SWEEP_JOBS=N: runs at a time (default: vfsim sweep's, three per
# CPU).
# Usage: tests/sweep.sh [SCENARIO...]   (default: the list below)
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-$ROOT/build}
case $BUILD in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
VFSIM=$BUILD/bin/vfsim
OUT=$BUILD/sweeps
KNOWN=$ROOT/tests/sweep-known.txt
JOBS=()
[ -n "${SWEEP_JOBS:-}" ] && JOBS=(-j "$SWEEP_JOBS")

cd "$ROOT" || exit 2
# SCENARIO [vfsim sweep options].  vfio/open-reset.vfs also sweeps boot
# and the shared setup of common/vfio2.inc, which the others include.  A
# lost completion and a never completed command hang the same way at
# every admin command (doc/findings.md): vf-to-vf and precopy, which send
# every opcode, show it; the other migration scenarios leave those kinds
# out.  The SR-IOV ones also fail register reads: there the kernel's own
# drivers read the VFs.  Not here: sriov/cycles.vfs (a hundred cycles
# under time-travel), sriov/pf-reset.vfs (expects to hang), and the
# scenarios that show a finding (vf-add-nomem, irq-proc-nomem,
# migration/save-pte-nomem).
default=(
	"scenarios/vfio/open-reset.vfs --all-steps"
	scenarios/vfio/bind-without-noiommu.vfs
	scenarios/vfio/disable-while-bound.vfs
	scenarios/vfio/disable-while-open.vfs
	scenarios/vfio/parallel-open-disable.vfs
	"scenarios/sriov/autoprobe.vfs --points all"
	"scenarios/sriov/pf-unbind.vfs --points all"
	"scenarios/sriov/too-many.vfs --points all"
	scenarios/migration/vf-to-vf.vfs
	scenarios/migration/precopy.vfs
)
for f in scenarios/migration/*.vfs; do
	case $f in */vf-to-vf.vfs | */precopy.vfs | */save-pte-nomem.vfs) continue ;; esac
	default+=("$f --points admin-fail,alloc")
done
[ $# -gt 0 ] && default=("$@")

mkdir -p "$OUT"
: >"$OUT/sweep.log"
: >"$OUT/outcomes.txt.new"
: >"$OUT/swept"
: >"$OUT/runs"
start=$SECONDS
rc=0
for entry in "${default[@]}"; do
	read -r -a args <<<"$entry"
	name=$(basename "${args[0]}" .vfs)
	echo "${args[0]}" >>"$OUT/swept"
	rm -f "$OUT/$name/outcomes.txt"
	echo "== ${args[0]} ${args[*]:1}"
	nice -n 10 "$VFSIM" sweep -q "${JOBS[@]}" -o "$OUT" "${args[@]:1}" "${args[0]}" \
		>"$OUT/$name.table" 2>>"$OUT/sweep.log"
	r=$?
	grep -E '^# (outcomes|[0-9]+ runs)' "$OUT/$name.table"
	if [ $r -ne 0 ]; then
		echo "   sweep failed (exit $r): $OUT/sweep.log"
		rc=1
	fi
	cat "$OUT/$name/outcomes.txt" >>"$OUT/outcomes.txt.new" 2>/dev/null
	grep -h -oE '^# [0-9]+ runs' "$OUT/$name.table" >>"$OUT/runs"
done
wall=$((SECONDS - start))

sort "$OUT/outcomes.txt.new" >"$OUT/outcomes.txt"
rm -f "$OUT/outcomes.txt.new"
runs=$(awk '{ s += $2 } END { print s + 0 }' "$OUT/runs")
rm -f "$OUT/runs"
# Known outcomes of the scenarios swept this time.
grep -F -f <(sed 's/$/ /' "$OUT/swept") "$KNOWN" 2>/dev/null | sort >"$OUT/known.txt"
{
	echo "sweep_wall_s=$wall"
	echo "sweep_runs=$runs"
	awk -v r="$runs" -v w="$wall" 'BEGIN { printf "sweep_runs_per_min=%.1f\n", w ? r * 60 / w : 0 }'
	for o in clean finding leak hang wrong-result simulator-error not-reached; do
		echo "sweep_$o=$(awk -v o="$o" '$3 == o' "$OUT/outcomes.txt" | wc -l)"
	done
} >"$OUT/figures.txt"
echo "== figures (outcome lines are distinct points; allocation points by site)"
sed 's/^/   /' "$OUT/figures.txt"

# A corpus bug on an error path (scenarios/bugs/precopy-unlock-leak.patch:
# the PRE_COPY ioctl returns with state_mutex held when its context size
# query fails): on the patched kernel, the sweep must mark that point.
corpus() {
	local patch=$ROOT/scenarios/bugs/precopy-unlock-leak.patch
	local point='admin-fail:DEV_PARTS_METADATA_GET#2' kernel outcome
	echo "== corpus: ${patch##*/} on scenarios/migration/precopy.vfs"
	if ! kernel=$(KPATCHES=$patch nice -n 10 "$ROOT/driver/kernel.sh" build \
		2>"$OUT/corpus-kernel.log" | tail -n 1); then
		echo "   the patched kernel does not build: $OUT/corpus-kernel.log"
		return 1
	fi
	nice -n 10 "$VFSIM" sweep -q "${JOBS[@]}" -o "$OUT/corpus" --kernel "$kernel" \
		--points admin-fail scenarios/migration/precopy.vfs \
		>"$OUT/corpus.table" 2>>"$OUT/sweep.log"
	# What the bug changed: the admin-fail points unlike the unpatched sweep.
	diff <(grep ' admin-fail:' "$OUT/precopy/outcomes.txt" 2>/dev/null) \
		"$OUT/corpus/precopy/outcomes.txt" | grep '^[<>]' | sed 's/^/   /'
	# outcomes.txt: "SCENARIO POINT OUTCOME DETAIL" (the table's step
	# column has a space in it).
	outcome=$(awk -v p="$point" '$2 == p { print $3 }' \
		"$OUT/corpus/precopy/outcomes.txt" 2>/dev/null)
	if [[ $outcome == finding || $outcome == hang ]]; then
		echo "   caught: $point is a $outcome on the patched kernel"
		return 0
	fi
	echo "   MISSED: $point should be a finding on the patched kernel:" \
		"${outcome:-not in the sweep}; $(grep "^$point " "$OUT/corpus.table")"
	return 1
}
# SWEEP_CORPUS=1: also with scenarios given.
{ [ $# -eq 0 ] || [ -n "${SWEEP_CORPUS:-}" ]; } && { corpus || rc=1; }

# What must not change: per scenario, the distinct kernel-side outcomes
# (finding, leak and hang, with the report and where) and no simulator
# error.  Which allocation sites a sweep explores varies a little from run
# to run (doc/sweep.md, "Known outcomes"), so the points themselves are
# compared for information only.
verdicts() {
	awk '$3 ~ /^(finding|leak|hang|simulator-error)$/ { print $1, $3, $4 }' "$1" | sort -u
}
points() {
	local same
	same=$(comm -12 "$OUT/known.txt" "$OUT/outcomes.txt" | wc -l)
	echo "   points: $same as known, $(comm -23 "$OUT/known.txt" "$OUT/outcomes.txt" | wc -l) known ones not seen, $(comm -13 "$OUT/known.txt" "$OUT/outcomes.txt" | wc -l) new ($OUT/outcomes.txt)"
}
grep -q ' simulator-error ' "$OUT/outcomes.txt" && {
	echo "sweep: a simulator error (never expected):"
	grep ' simulator-error ' "$OUT/outcomes.txt" | sed 's/^/   /'
	rc=1
}

if [ -n "${SWEEP_UPDATE:-}" ]; then
	# Replace the swept scenarios' lines, keep the others'.
	{ grep -v -F -f <(sed 's/$/ /' "$OUT/swept") "$KNOWN" 2>/dev/null
	  cat "$OUT/outcomes.txt"; } | sort >"$OUT/known.new"
	mv "$OUT/known.new" "$KNOWN"
	echo "sweep: recorded $(wc -l <"$KNOWN") known outcomes in tests/sweep-known.txt"
elif [ ! -f "$KNOWN" ]; then
	echo "sweep: no tests/sweep-known.txt (make sweep SWEEP_UPDATE=1)"
	rc=1
elif ! diff -u <(verdicts "$OUT/known.txt") <(verdicts "$OUT/outcomes.txt") \
	>"$OUT/outcomes.diff"; then
	echo "sweep: the kernel's outcomes changed (- known, + now; make sweep SWEEP_UPDATE=1 to accept):"
	grep -E '^[-+][^-+]' "$OUT/outcomes.diff"
	points
	rc=1
else
	echo "sweep: every finding, leak and hang as known ($(verdicts "$OUT/known.txt" | wc -l) distinct, $(wc -l <"$OUT/swept") scenarios)"
	points
fi
exit $rc
