#!/usr/bin/env bash
# Coverage on the KPROFILE=cover kernel (doc/coverage.md): a migration
# covers the save path and leaves a named error path uncovered, the same
# migration with that fault injected covers it, runs in parallel merge to
# what the same runs give in sequence, and bad input gets one line each.
# Needs build/kernel/cover/linux: without it (or KPROFILE=cover make
# kernel not up to date) every test is reported as skipped.
set -uo pipefail
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

PF=0000:00:00.0
A=0000:00:01.0
B=0000:00:02.0
KERNEL=$BUILD/kernel/cover/linux
MIG=drivers/vfio/pci/virtio/migrate.c
SETUP=(--kernel "$KERNEL" --vfs 2 probe "sriov-autoprobe $PF 0"
	"sriov-enable $PF 2" vfio-noiommu "bind $A virtio_vfio_pci"
	"bind $B virtio_vfio_pci" "vfio-open $A" "vfio-open $B"
	"program-queues $A")
SAVE=("mig-save $A s.bin" "mig-load $B s.bin")
# The fault makes STOP_COPY fail once (EIO); the second save works.
FAULT=("sim-fault admin-fail op=DEV_PARTS_GET nth=1 status=5"
	"mig-save $A x.bin" "mig-state $A RUNNING" "mig-save $A s.bin"
	"mig-load $B s.bin")

skip_all() {
	local why=$1 t
	for t in "migration on the cover kernel passes" \
		"a migration covers virtiovf_pci_save_device_data" \
		"the failed-DEV_PARTS_GET path is uncovered without the fault" \
		"migration with a failing DEV_PARTS_GET: EIO once, then it works" \
		"with the fault injected it is covered" \
		"runs in parallel merge to what they give in sequence" \
		"bad input: one line each, the report covers what it can"; do
		TESTNO=$((TESTNO + 1))
		echo "ok $TESTNO - $t # SKIP $why"
	done
	echo "1..$TESTNO"
	echo "integration: 0 passed, 0 failed, $TESTNO skipped"
	exit 0
}

# Never built here: a cold cover build does not fit make check's budget.
[ -x "$KERNEL" ] || skip_all "no cover kernel (make kernel KPROFILE=cover, or make cover)"
SRC=$(sed -n 's/^source=//p' "$BUILD/kernel-version")

# The line of "goto out;" after the failed DEV_PARTS_GET of
# virtiovf_read_device_context_chunk(): the error path this test names.
ERR_LINE=$(awk '/sg_unmark_end\(sg\);/ { s = 1 } s && /goto out;/ { print NR; exit }' \
	"$SRC/$MIG")

# count FILE.info SOURCE LINE: the execution count of a line in a tracefile.
count() {
	awk -v sf="$2" -v l="$3" '/^SF:/ { f = substr($0, 4) }
		/^SF:/ && (f == sf || substr(f, length(f) - length(sf)) == "/" sf) { in_sf = 1; next }
		/^end_of_record/ { in_sf = 0 }
		in_sf && index($0, "DA:" l ",") == 1 { split($0, a, ","); print a[2] }' "$1"
}

# cover NAME RUN...: vfsim cover into $RUNS/NAME.cov; output in NAME.cov.out.
cover() {
	local name=$1
	shift
	rm -rf "$RUNS/$name.cov"
	COVER_RC=0
	"$VFSIM" cover --no-html --out "$RUNS/$name.cov" "$@" \
		>"$RUNS/$name.cov.out" 2>&1 || COVER_RC=$?
}

run_ok cov-mig "migration on the cover kernel passes" "${SETUP[@]}" "${SAVE[@]}"
cover cov-mig --files "$MIG" "$DIR"
info=$RUNS/cov-mig.cov/coverage.info
fn=$(grep -m1 '^FNDA:[1-9][0-9]*,virtiovf_pci_save_device_data$' "$info" 2>/dev/null)
if [ "$COVER_RC" -eq 0 ] && [ -n "$fn" ]; then
	pass "a migration covers virtiovf_pci_save_device_data (${fn%%,*})"
else
	fail "a migration covers virtiovf_pci_save_device_data" \
		"vfsim cover exit $COVER_RC, see $RUNS/cov-mig.cov.out"
fi
c=$(count "$info" "$MIG" "$ERR_LINE")
if [ "$c" = 0 ]; then
	pass "the failed-DEV_PARTS_GET path ($MIG:$ERR_LINE) is uncovered without the fault"
else
	fail "the failed-DEV_PARTS_GET path ($MIG:$ERR_LINE) is uncovered without the fault" \
		"count '$c' in $info"
fi

# The first save fails with EIO (the fault), everything else passes.
vfsim_run cov-fault "${SETUP[@]}" "${FAULT[@]}"
if grep -q 'name=mig-save error=.* errno=5 status=fail' "$DIR/agent.log" &&
	[ "$(grep -c '^step=.*status=fail' "$DIR/agent.log")" -eq 1 ]; then
	pass "migration with a failing DEV_PARTS_GET: EIO once, then it works"
else
	fail "migration with a failing DEV_PARTS_GET: EIO once, then it works" \
		"see $DIR/agent.log"
fi
cover cov-fault --files "$MIG" "$DIR"
c=$(count "$RUNS/cov-fault.cov/coverage.info" "$MIG" "$ERR_LINE")
if [ -n "$c" ] && [ "$c" -gt 0 ]; then
	pass "with the fault injected it is covered ($c times)"
else
	fail "with the fault injected it is covered" "count '$c', see $RUNS/cov-fault.cov"
fi

# The same two runs again, in parallel: the merged line counts of the
# variant driver must be those of the two in sequence.
seq_dirs=("$RUNS/cov-mig" "$RUNS/cov-fault")
(vfsim_run cov-par-mig "${SETUP[@]}" "${SAVE[@]}"; exit "$RC") &
p1=$!
(vfsim_run cov-par-fault "${SETUP[@]}" "${FAULT[@]}"; exit "$RC") &
p2=$!
wait "$p1"
r1=$?
wait "$p2"
r2=$?
cover cov-seq --files 'drivers/vfio/pci/virtio/*' "${seq_dirs[@]}"
cover cov-par --files 'drivers/vfio/pci/virtio/*' "$RUNS/cov-par-mig" "$RUNS/cov-par-fault"
da() { grep -E '^(SF|DA|FNDA):' "$1" 2>/dev/null; }
# The fault run "fails" by design (its first save): exit 1.
if [ "$r1$r2" = 01 ] && [ -s "$RUNS/cov-par.cov/coverage.info" ] &&
	diff <(da "$RUNS/cov-seq.cov/coverage.info") <(da "$RUNS/cov-par.cov/coverage.info") \
		>"$RUNS/cov-par.diff"; then
	pass "runs in parallel merge to what they give in sequence ($(grep -c '^DA:' "$RUNS/cov-par.cov/coverage.info") lines)"
else
	fail "runs in parallel merge to what they give in sequence" \
		"runs exit $r1 $r2 (want 0 1); differences in $RUNS/cov-par.diff"
fi

# Bad input: a debug-kernel run, a rebuilt kernel, a truncated .gcda, a
# series that does not apply.  One line each; the report is still made.
bad=
vfsim_run cov-debug --kernel "$BUILD/kernel/debug/linux" probe
cover cov-debug "$DIR" "$RUNS/cov-mig"
grep -q "cov-debug: no coverage data: its kernel .*debug/linux was built without gcov" \
	"$RUNS/cov-debug.cov.out" && [ "$COVER_RC" -eq 0 ] || bad+=" debug-kernel"
rm -rf "$RUNS/cov-stale" && cp -a "$RUNS/cov-mig" "$RUNS/cov-stale"
sed -i 's/^kernel_mtime=.*/kernel_mtime=1.000000000/' "$RUNS/cov-stale/gcov.txt"
cover cov-stale "$RUNS/cov-stale"
grep -q "cov-stale: its kernel .* was rebuilt after the run" "$RUNS/cov-stale.cov.out" &&
	[ "$COVER_RC" -eq 2 ] || bad+=" stale"
rm -rf "$RUNS/cov-trunc" && cp -a "$RUNS/cov-mig" "$RUNS/cov-trunc"
g=$RUNS/cov-trunc/gcov/${MIG%.c}.gcda
rm -f "$RUNS"/cov-trunc/gcov/drivers/vfio/pci/virtio/*.info
truncate -s $(($(stat -c %s "$g") / 2)) "$g"
cover cov-trunc --files 'drivers/vfio/pci/virtio/*' "$RUNS/cov-trunc"
grep -q "cov-trunc: ${MIG%.c}.gcda: " "$RUNS/cov-trunc.cov.out" && [ "$COVER_RC" -eq 0 ] &&
	grep -q '^SF:.*virtio/main.c$' "$RUNS/cov-trunc.cov/coverage.info" &&
	! grep -q "^SF:.*$MIG\$" "$RUNS/cov-trunc.cov/coverage.info" || bad+=" truncated"
cover cov-patch --patches "$ROOT/scenarios/bugs/save-read-state-mutex.patch" "$RUNS/cov-mig"
grep -q "save-read-state-mutex.patch: $MIG:[0-9]* is not the line the series adds" \
	"$RUNS/cov-patch.cov.out" && [ "$COVER_RC" -eq 0 ] &&
	grep -q "not in the runs' source" "$RUNS/cov-patch.cov/coverage.md" || bad+=" series"
if [ -z "$bad" ]; then
	pass "bad input: one line each, the report covers what it can"
else
	fail "bad input: one line each, the report covers what it can" \
		"wrong:$bad (see $RUNS/cov-*.cov.out)"
fi
summary
