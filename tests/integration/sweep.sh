#!/usr/bin/env bash
# vfsim sweep end to end (doc/sweep.md): a small scenario's admin commands
# and MSIs, each failed in its own run, give the expected table.
set -uo pipefail
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

SCEN=tests/integration/sweep-mode-set.vfs
OUT=$RUNS/sweep
cd "$ROOT" || exit 2

check() {
	local what=$1
	shift
	if "$@"; then pass "$what"; else fail "$what" "see $OUT/sweep-mode-set"; fi
}

# One outcome line of outcomes.txt: POINT OUTCOME KEY.
has() {
	grep -qxF "$SCEN $1" "$OUT/sweep-mode-set/outcomes.txt"
}

test_admin_and_msi() {
	rm -rf "$OUT"
	RC=0
	"$VFSIM" sweep -q -j 2 -o "$OUT" --points admin,msi-drop "$SCEN" \
		>"$RUNS/sweep.out" 2>&1 || RC=$?
	if [ "$RC" -ne 0 ]; then
		fail "vfsim sweep runs" "exit $RC" "$(tail -3 "$RUNS/sweep.out")"
		return
	fi
	pass "vfsim sweep runs a recording and one run per point"
	check "DEV_MODE_SET failed at STOP: the state change returns the errno, clean" \
		has "admin-fail:DEV_MODE_SET#1 clean errno=22@step9"
	check "DEV_MODE_SET failed at RUNNING: errno, clean" \
		has "admin-fail:DEV_MODE_SET#2 clean errno=22@step10"
	check "DEV_MODE_SET never completed: a hang in vp_modern_admin_cmd_exec" \
		has "admin-hang:DEV_MODE_SET#1 hang hang@vp_modern_admin_cmd_exec"
	check "an admin completion MSI lost: the same hang" \
		grep -q ' msi-drop:pf#[0-9]* hang hang@vp_modern_admin_cmd_exec$' \
		"$OUT/sweep-mode-set/outcomes.txt"
	check "boot and the included setup are left out by default" \
		bash -c "! grep -q 'LIST_QUERY\|@step[1-8]\$' '$OUT/sweep-mode-set/outcomes.txt'"
	check "no simulator error, nothing not reached" \
		bash -c "! grep -q 'simulator-error\|not-reached' '$OUT/sweep-mode-set/outcomes.txt'"
	check "the table has a reproduce line per non-clean point" \
		grep -q "reproduce: .*vfsim sweep -o $OUT --rerun admin-hang:DEV_MODE_SET#1 $SCEN\$" \
		"$RUNS/sweep.out"
	test_reproduce_verbatim
	check "sweep.json lists every point with its run directory" \
		bash -c "[ \$(grep -c '\"run_dir\"' '$OUT/sweep-mode-set/sweep.json') -eq \
			\$(wc -l <'$OUT/sweep-mode-set/outcomes.txt') ]"
	check "nothing left behind: no UML, no private directory" no_leftovers
}

# A reproduce line, pasted as printed, reruns that point (into rerun/,
# leaving the sweep's own results as they were).
test_reproduce_verbatim() {
	local line before
	line=$(sed -n 's/^#   reproduce: \(.*--rerun admin-hang:DEV_MODE_SET#1 .*\)$/\1/p' \
		"$RUNS/sweep.out" | head -n 1)
	before=$(md5sum <"$OUT/sweep-mode-set/outcomes.txt")
	RC=0
	eval "$line" >"$RUNS/sweep-reproduce.out" 2>&1 || RC=$?
	check "a reproduce line pasted verbatim reruns its one point: the hang" \
		bash -c "[ $RC -eq 0 ] && grep -q '^admin-hang:DEV_MODE_SET#1 .* hang ' '$RUNS/sweep-reproduce.out' && grep -q '^# 1 runs' '$RUNS/sweep-reproduce.out'"
	check "... into rerun/, the sweep's outcomes.txt unchanged" \
		bash -c "[ -f '$OUT/sweep-mode-set/rerun/outcomes.txt' ] && [ \"\$(md5sum <'$OUT/sweep-mode-set/outcomes.txt')\" = '$before' ]"
}

no_leftovers() {
	local d left=
	for d in "$OUT"/sweep-mode-set/record "$OUT"/sweep-mode-set/points/*; do
		left+=$(leftovers "$(cd "$d" && pwd)")
	done
	[ -z "$left" ]
}

test_rerun() {
	RC=0
	"$VFSIM" sweep -q -o "$OUT" --rerun alloc:step9#1 "$SCEN" \
		>"$RUNS/sweep-rerun.out" 2>&1 || RC=$?
	check "--rerun alloc:step9#1: the first allocation of STOP fails it with ENOMEM" \
		grep -q '^alloc:step9#1 .* clean .*errno 12' "$RUNS/sweep-rerun.out"
	test_rerun_site
}

# The same allocation by its site (what reproduce lines name): found by
# failing allocations under its innermost function until one fails there.
test_rerun_site() {
	local site point
	site=$(sed -n 's/^alloc:step9#1 .*\[at \(.*\)\]$/\1/p' "$RUNS/sweep-rerun.out")
	if [ -z "$site" ] || [ "$site" = "(silent)" ]; then
		fail "--rerun by site" "no site for alloc:step9#1" \
			"$(tail -3 "$RUNS/sweep-rerun.out")"
		return
	fi
	point="alloc:step9@${site// /}"
	RC=0
	"$VFSIM" sweep "$SCEN" -q -o "$OUT" --rerun "$point" \
		>"$RUNS/sweep-rerun-site.out" 2>&1 || RC=$?
	check "--rerun '$point': the same site fails, clean with ENOMEM" \
		grep -qF "$point step 9" "$RUNS/sweep-rerun-site.out"
	check "options after the scenario are taken too" \
		grep -q '^# 1 runs' "$RUNS/sweep-rerun-site.out"
	check "... with the outcome of the ordinal's run" \
		grep -q "^alloc:step9@.* clean .*errno 12.*\[at $site\]" \
		"$RUNS/sweep-rerun-site.out"
	RC=0
	"$VFSIM" sweep -q -o "$OUT" --rerun "alloc:step9@pci_enable_sriov" \
		"$SCEN" >"$RUNS/sweep-rerun-none.out" 2>&1 || RC=$?
	check "--rerun of a site the step does not pass: exit 1, one error" \
		bash -c "[ $RC -eq 1 ] && grep -q 'error: alloc:step9@pci_enable_sriov: no allocation of step 9 under pci_enable_sriov' '$RUNS/sweep-rerun-none.out'"
	RC=0
	"$VFSIM" sweep -q -o "$OUT" --rerun "alloc:step9@no_such_function_x" \
		"$SCEN" >"$RUNS/sweep-rerun-typo.out" 2>&1 || RC=$?
	check "--rerun of a function the kernel does not have: the agent's reason" \
		bash -c "[ $RC -eq 1 ] && grep -q 'error: alloc:step9@no_such_function_x: fail-nth was refused: within=no_such_function_x: no such text symbol' '$RUNS/sweep-rerun-typo.out'"
	RC=0
	"$VFSIM" sweep -q -o "$OUT" --rerun "alloc:step9@f g" "$SCEN" \
		>"$RUNS/sweep-rerun-bad.out" 2>&1 || RC=$?
	check "a malformed --rerun point: exit 2 before any run, one line" \
		bash -c "[ $RC -eq 2 ] && [ \$(wc -l <'$RUNS/sweep-rerun-bad.out') -eq 1 ] && grep -q 'space inside a function name' '$RUNS/sweep-rerun-bad.out'"
}

# A hang in the boot-time probe ends at the sweep's boot budget (ten times
# the recording's boot, at least 15 s), not at the kernel's own hung-task
# timeout: the sysctl applies only once init starts.
test_boot_hang() {
	local d=$OUT/sweep-mode-set/rerun/points/admin-hang-LIST_QUERY-1
	RC=0
	"$VFSIM" sweep -q -o "$OUT" --rerun admin-hang:LIST_QUERY#1 "$SCEN" \
		>"$RUNS/sweep-boot-hang.out" 2>&1 || RC=$?
	check "LIST_QUERY never completed at boot: a hang in vp_modern_admin_cmd_exec" \
		grep -qxF "$SCEN admin-hang:LIST_QUERY#1 hang hang@vp_modern_admin_cmd_exec" \
		"$OUT/sweep-mode-set/rerun/outcomes.txt"
	check "... ended by the boot budget, with the blocked tasks" \
		bash -c "grep -q 'the agent did not start within 15 s of boot' '$d/sim.log' && grep -q 'Show Blocked State' '$d/console.log'"
}

test_admin_and_msi
test_rerun
test_boot_hang
summary
