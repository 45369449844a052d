#!/usr/bin/env bash
# Integration tests: boot the UML kernel against the simulator and check
# what the real drivers did, what the device saw and that the kernel stayed
# clean.  TAP output; exit status 1 if any test failed.
set -uo pipefail
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

MAC=52:54:00:56:46:00
PF=0000:00:00.0

test_pf_probe() {
	local want="LIST_QUERY LIST_USE CAP_ID_LIST_QUERY DEVICE_CAP_GET DRIVER_CAP_SET"
	local got bad

	# Before 6.13 the PF driver negotiates no device-parts capability.
	has migration || want="LIST_QUERY LIST_USE"

	vfsim_run pf-probe --mac "$MAC" probe "expect-driver $PF virtio-pci" \
		"expect-netdev-mac $MAC"
	if [ "$RC" -ne 0 ]; then
		fail "PF probe: run passes" "exit $RC, see $DIR" \
			"$(cat "$DIR/findings.txt" 2>/dev/null | head -3)"
		return
	fi
	pass "PF probe: virtio-pci bound, netdev has MAC $MAC, kernel clean"
	got=$(admin_sequence "$DIR")
	if [ "$got" = "$want" ]; then
		pass "PF probe: admin commands in order: $want"
	else
		fail "PF probe: admin commands in order" "want: $want" "got:  $got"
	fi
	bad=$(awk '$3 == "admin" && $0 !~ / status=0 /' "$DIR/trace.log")
	if [ -z "$bad" ]; then
		pass "PF probe: every admin command answered OK"
	else
		fail "PF probe: every admin command answered OK" "$bad"
	fi
	if [ -s "$DIR/findings.txt" ]; then
		fail "PF probe: no lockdep/WARNING/BUG/hung-task report" \
			"$(head -3 "$DIR/findings.txt")"
	else
		pass "PF probe: no lockdep/WARNING/BUG/hung-task report"
	fi
}

# Linux 7.2/7.3 add admin buffers with GFP_KERNEL under a spinlock; with
# indirect descriptors that allocates in atomic context.  vfsim must see it.
test_indirect_bug() {
	vfsim_run pf-indirect --pf-indirect probe
	if [ "$RC" -eq 1 ] && grep -q '^sleep-in-atomic:' "$DIR/findings.txt"; then
		pass "PF with indirect descriptors: sleep-in-atomic reported, run fails"
	else
		fail "PF with indirect descriptors: sleep-in-atomic reported" \
			"exit $RC, findings: $(head -2 "$DIR/findings.txt" 2>/dev/null)"
	fi
}

test_failing_step() {
	vfsim_run bad-step "expect-netdev-mac 02:00:00:00:00:99"
	if [ "$RC" -eq 1 ] && grep -q 'status=fail' "$DIR/agent.log"; then
		pass "a failing guest step fails the run"
	else
		fail "a failing guest step fails the run" "exit $RC"
	fi
}

test_timeout() {
	vfsim_run timeout -t 3 "sleep 60"
	local left
	left=$(leftovers "$DIR")
	if [ "$RC" -eq 3 ] && [ -z "$left" ]; then
		pass "timeout: run killed 3 s after the agent started, nothing left behind"
	else
		fail "timeout: run killed, nothing left behind" "exit $RC" "$left"
	fi
}

test_interrupt() {
	local pid left rc=0
	rm -rf "$RUNS/interrupt"
	"$VFSIM" run -q -o "$RUNS/interrupt" -t 60 "sleep 60" \
		>"$RUNS/interrupt.out" 2>&1 &
	pid=$!
	sleep 2
	kill -INT "$pid"
	wait "$pid" || rc=$?
	left=$(leftovers "$RUNS/interrupt")
	if [ "$rc" -eq 4 ] && [ -z "$left" ]; then
		pass "Ctrl-C: run torn down, nothing left behind"
	else
		fail "Ctrl-C: run torn down, nothing left behind" "exit $rc" "$left"
	fi
}

test_ctl() {
	local pid out rc=0
	rm -rf "$RUNS/ctl"
	"$VFSIM" run -q -o "$RUNS/ctl" -t 60 probe "sleep 8" >/dev/null 2>&1 &
	pid=$!
	for _ in $(seq 50); do [ -e "$RUNS/ctl/ctl" ] && break; sleep 0.1; done
	# Asked while the guest sleeps after the probe (so the PF's admin
	# commands are done; under load the boot takes seconds).
	for _ in $(seq 300); do
		grep -qs '^step=1 name=probe .*status=ok' "$RUNS/ctl/agent.log" && break
		sleep 0.1
	done
	out=$("$VFSIM" ctl "$RUNS/ctl" stats 2>&1)
	"$VFSIM" ctl "$RUNS/ctl" fault admin-fial op=LIST_USE >/dev/null 2>&1 || rc=$?
	wait "$pid"
	# The PF probe's admin commands: 5, or 2 before 6.13 (test_pf_probe).
	local want=5
	has migration || want=2
	if [[ $out == *"pf.admin_commands=$want"* ]] && [ "$rc" -eq 1 ] &&
		grep -q "ctl fault admin-fial" "$RUNS/ctl/sim.log"; then
		pass "vfsim ctl: statistics from a running simulator, bad faults refused"
	else
		fail "vfsim ctl on a running simulator" "stats: $out" "bad fault rc: $rc"
	fi
}

test_bad_args() {
	local out rc=0
	out=$("$VFSIM" run --mac 52:54:zz 2>&1) || rc=$?
	if [ "$rc" -eq 2 ] && [[ $out == *"--mac"*"52:54:zz"* ]]; then
		pass "bad --mac: exit 2, message names the option and value"
	else
		fail "bad --mac: clear error" "exit $rc: $out"
	fi
	rc=0
	out=$("$VFSIM" run --time-travel sometimes 2>&1) || rc=$?
	if [ "$rc" -eq 2 ] && [[ $out == *"--time-travel"* ]]; then
		pass "bad --time-travel: exit 2 with a clear message"
	else
		fail "bad --time-travel: clear error" "exit $rc: $out"
	fi
}

test_guest_is_readonly() {
	vfsim_run readonly "write-host-file /etc/vfsim-must-not-exist"
	if [ "$RC" -eq 0 ] && [ ! -e /etc/vfsim-must-not-exist ] &&
		grep -q 'write=refused' "$DIR/agent.log"; then
		pass "the guest cannot write the host's root file system"
	else
		fail "the guest cannot write the host's root file system" "exit $RC"
		rm -f /etc/vfsim-must-not-exist
	fi
}

test_pf_probe
test_indirect_bug
test_failing_step
test_guest_is_readonly
test_timeout
test_interrupt
test_ctl
test_bad_args
summary
