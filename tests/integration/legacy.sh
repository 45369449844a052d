#!/usr/bin/env bash
# Legacy I/O through the PF's admin queue: a legacy virtio-net driver on
# the I/O BAR0 virtio-vfio-pci emulates for a VF, the legacy admin
# commands the device sees, and what lockdep learns about bar_mutex.
set -uo pipefail
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

PF=0000:00:00.0
VF=0000:00:01.0
SETUP=(--vfs 1 probe "sriov-autoprobe $PF 0" "sriov-enable $PF 1"
	vfio-noiommu "bind $VF virtio_vfio_pci" "vfio-open $VF")
LEGACY_OPS='LEGACY_NOTIFY_INFO LEGACY_COMMON_CFG_WRITE LEGACY_COMMON_CFG_READ LEGACY_DEV_CFG_READ'

check() {
	local what=$1
	shift
	if "$@"; then pass "$what"; else fail "$what" "see $DIR"; fi
}

test_bringup() {
	local ops op
	run_ok legacy-bringup "legacy driver bring-up, two threads on BAR0, frames through the doorbell" \
		--pf-legacy "${SETUP[@]}" "legacy-probe $VF msix" \
		"legacy-stress $VF 2 100" "legacy-tx $VF 4" || return
	ops=$(admin_sequence "$DIR" | tr ' ' '\n' | sort -u | tr '\n' ' ')
	for op in $LEGACY_OPS; do
		[[ " $ops" == *" $op "* ]] || { fail "the device saw $op" "saw: $ops"; return; }
	done
	pass "the device saw the legacy commands: $LEGACY_OPS"
	check "every legacy command answered OK" \
		test -z "$(awk '$3 == "admin" && / name=LEGACY_/ && !/ status=0 /' "$DIR/trace.log")"
	check "the frames went out through the doorbell" \
		grep -qx 'vf0.legacy_notifies=1' "$DIR/summary.txt"
}

# lockdep on the legacy path, through vfsim lockmap.
test_lockmap() {
	local dir=$RUNS/legacy-bringup j
	if ! "$VFSIM" lockmap --out "$dir" "$dir" >"$dir/lockmap.out" 2>&1; then
		fail "vfsim lockmap reads the legacy run" "$(head -3 "$dir/lockmap.out")"
		return
	fi
	j=$dir/lockmap.json
	if grep -F '"name": "&virtvdev->bar_mutex"' "$j" | grep -q \
		'"hardirq": false, "softirq": false, "irqs_enabled": true'; then
		pass "bar_mutex exercised: process context only, IRQs enabled"
	else
		fail "bar_mutex exercised" "$(grep -F bar_mutex "$j" | head -2)"
	fi
	check "ordering observed: bar_mutex -> admin_vq.lock (the command under it)" \
		grep -qF '"from": "&virtvdev->bar_mutex", "to": "&vp_dev->admin_vq.lock"' "$j"
}

# Without --pf-legacy the VF keeps its BAR0 and virtio-vfio-pci emulates
# nothing: the legacy driver finds no I/O BAR and says so.
test_without_legacy() {
	vfsim_run legacy-off "${SETUP[@]}" "legacy-probe $VF"
	if [ "$RC" -eq 1 ] && grep -q 'name=legacy-probe .*not the emulated legacy I/O BAR' \
		"$DIR/agent.log" && ! grep -q 'name=LEGACY_' "$DIR/trace.log" &&
		[ ! -s "$DIR/findings.txt" ]; then
		pass "without --pf-legacy: no legacy BAR0, no legacy command, a clear failure"
	else
		fail "without --pf-legacy: no legacy BAR0" "exit $RC, see $DIR"
	fi
}

for t in test_bringup test_lockmap test_without_legacy; do
	requires "$t" legacy-io
done
summary
