#!/usr/bin/env bash
# Live migration through the real virtio-vfio-pci driver: STOP_COPY reads
# of the device context from the PF's admin queue, RESUMING writes into
# another VF, PRE_COPY, two UML instances, and corrupted streams.
set -uo pipefail
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

PF=0000:00:00.0
A=0000:00:01.0
B=0000:00:02.0
SETUP=(--vfs 2 probe "sriov-autoprobe $PF 0" "sriov-enable $PF 2"
	vfio-noiommu "bind $A virtio_vfio_pci" "bind $B virtio_vfio_pci"
	"vfio-open $A" "vfio-open $B")



check() {
	local what=$1
	shift
	if "$@"; then pass "$what"; else fail "$what" "see $DIR"; fi
}

test_vf_to_vf() {
	run_ok mig-vf-to-vf "VF0 -> VF1 on one PF: source and destination state equal" \
		"${SETUP[@]}" "mig-info $A" "program-queues $A" "sim-evolve vf0" \
		"mig-data-size $A" "mig-migrate $A $B vf0 vf1" \
		"sim-evolve vf1" "sim-compare vf0 vf1 expect-differ" || return
	check "the comparison sees internal state: a changed destination differs" \
		grep -q 'name=sim-compare differences=[1-9]' "$DIR/agent.log"
	check "no admin object leaked (pf.admin_objects=0 at the end)" \
		grep -qx 'pf.admin_objects=0' "$DIR/summary.txt"
	check "none was left for a device reset to drop (pf.admin_objects_dropped=0)" \
		grep -qx 'pf.admin_objects_dropped=0' "$DIR/summary.txt"
	check "the VF reports STOP_COPY, P2P and PRE_COPY migration" \
		grep -q 'name=mig-info stop_copy=1 p2p=1 pre_copy=1 state=RUNNING' \
		"$DIR/agent.log"
	check "MIG_DATA_SIZE equals the context the device then wrote" \
		bash -c "size=\$(grep -o 'stop_copy_length=[0-9]*' '$DIR/agent.log' | cut -d= -f2);
			grep -Eq \"context-save bytes=\$size\$\" '$DIR/trace.log'"
	local want="RESOURCE_OBJ_CREATE DEV_PARTS_METADATA_GET DEV_PARTS_GET"
	check "STOP_COPY reads the context: $want" \
		bash -c "awk '\$3==\"admin\"' '$DIR/trace.log' | grep -q 'DEV_PARTS_GET.*status=0'"
	check "every admin command answered OK" \
		bash -c "! awk '\$3==\"admin\"' '$DIR/trace.log' | grep -qv ' status=0 '"
}

test_read_sizes() {
	run_ok mig-read-sizes "the data fd read 1 B / 4093 B / 4 KiB / 1 MiB at a time" \
		--context-size 70000 "${SETUP[@]}" "program-queues $A" \
		"mig-state $A STOP" "mig-save $A r1.bin 1" "mig-save $A r4093.bin 4093" \
		"mig-save $A r4096.bin 4096" "mig-save $A r1m.bin 1048576" || return
	check "all read sizes give the same stream" \
		bash -c "cmp -s '$DIR/r1.bin' '$DIR/r4093.bin' &&
			cmp -s '$DIR/r1.bin' '$DIR/r4096.bin' &&
			cmp -s '$DIR/r1.bin' '$DIR/r1m.bin'"
}

test_precopy() {
	run_ok mig-precopy "PRE_COPY then STOP_COPY, loaded into VF1 in 3-byte writes" \
		"${SETUP[@]}" "program-queues $A" "mig-precopy $A pre.bin" \
		"mig-load $B pre.bin 3" "sim-compare-stream vf1 pre.bin" || return
	check "PRECOPY_INFO reported the initial bytes, two chunks were read" \
		grep -Eq 'name=mig-precopy .*initial_bytes=[1-9][0-9]* .*precopy_read=[1-9]' \
		"$DIR/agent.log"
}

test_two_instances() {
	run_ok mig-src "instance 1: save VF0's stream to a file on the host" \
		"${SETUP[@]}" "program-queues $A" "mig-save $A stream.bin 65536" || return
	local src=$DIR
	rm -rf "$RUNS/mig-dst"
	mkdir -p "$RUNS/mig-dst"
	cp "$src/stream.bin" "$RUNS/mig-dst/stream.bin"
	KEEP_DIR=1 run_ok mig-dst "instance 2: load it into its VF0, state equal to the source's" \
		"${SETUP[@]}" "mig-load $A stream.bin 4096" \
		"sim-compare-stream vf0 stream.bin"
}

test_bad_streams() {
	run_ok mig-bad "corrupt and truncated streams are refused, destination unchanged" \
		"${SETUP[@]}" "program-queues $A" "mig-save $A good.bin" \
		"mig-corrupt good.bin flip.bin flip" "mig-load $B flip.bin 4096 expect-fail" \
		"mig-corrupt good.bin trunc.bin truncate" \
		"mig-load $B trunc.bin 4096 expect-fail" || return
	check "the device refused both contexts (DEV_PARTS_SET -> EINVAL)" \
		bash -c "[ \$(grep -c 'vf1 context-load .*ok=0' '$DIR/trace.log') -eq 2 ]"
	check "nothing was applied to the destination" \
		bash -c "! grep -q 'vf1 context-load .*ok=1' '$DIR/trace.log'"
}

# An incomplete record is dropped by virtio-vfio-pci without an error.
test_cut_stream() {
	run_ok mig-cut "an incomplete last record: the driver sends nothing to the device" \
		"${SETUP[@]}" "mig-save $A good.bin" "mig-corrupt good.bin cut.bin cut" \
		"mig-load $B cut.bin 4096" || return
	check "no DEV_PARTS_SET reached the destination" \
		bash -c "! grep -q 'DEV_PARTS_SET' '$DIR/trace.log'"
}

test_large_context() {
	run_ok mig-16m "a 16 MiB context through STOP_COPY and RESUMING" \
		--context-size 16777216 -m 512 "${SETUP[@]}" "program-queues $A" \
		"mig-migrate $A $B vf0 vf1 1048576 1048576"
}

# What lockdep learned on the migration path, through vfsim lockmap.
test_lockmap() {
	local dir=$RUNS/mig-precopy j
	if ! "$VFSIM" lockmap --out "$dir" "$dir" >"$dir/lockmap.out" 2>&1; then
		fail "vfsim lockmap reads the run's lockdep data" "$(head -3 "$dir/lockmap.out")"
		return
	fi
	pass "vfsim lockmap reads the run's lockdep data (md, json, dot)"
	j=$dir/lockmap.json
	for lock in '&virtvdev->state_mutex' '&migf->lock' '&migf->list_lock'; do
		if grep -F "\"name\": \"$lock\"" "$j" | grep -q \
			'"hardirq": false, "softirq": false, "irqs_enabled": true'; then
			pass "$lock: taken in process context only, IRQs enabled"
		else
			fail "$lock: process context only" "$(grep -F "$lock" "$j" | head -2)"
		fi
	done
	if grep -qF '"from": "&virtvdev->state_mutex", "to": "&migf->lock"' "$j"; then
		pass "ordering observed: state_mutex -> migf->lock"
	else
		fail "ordering observed: state_mutex -> migf->lock" "see $j"
	fi
	if grep -F '"name": "&vp_dev->admin_vq.lock"' "$j" | grep -q '"hardirq": true'; then
		pass "admin_vq.lock: taken in hard-IRQ context (the admin completion)"
	else
		fail "admin_vq.lock in hard-IRQ context" "see $j"
	fi
}

for t in test_vf_to_vf test_read_sizes test_precopy test_lockmap \
	test_two_instances test_bad_streams test_cut_stream test_large_context; do
	requires "$t" migration
done
summary
