# Helpers for the integration tests: TAP output, vfsim runs, assertions.
# shellcheck shell=bash

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BUILD=${BUILD:-$ROOT/build}
case $BUILD in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
VFSIM=$BUILD/bin/vfsim
RUNS=$BUILD/test-runs
TESTNO=0
FAILED=0

mkdir -p "$RUNS"

# ok|not ok lines as TAP; a failing test prints why and where its run is.
pass() { TESTNO=$((TESTNO + 1)); echo "ok $TESTNO - $1"; }
fail() {
	TESTNO=$((TESTNO + 1)); FAILED=$((FAILED + 1))
	echo "not ok $TESTNO - $1"
	shift
	for line in "$@"; do echo "#   $line"; done
}

# vfsim_run NAME [vfsim run options and steps...]: run into $RUNS/NAME,
# leaving the exit status in $RC and the run directory in $DIR.
vfsim_run() {
	local name=$1
	shift
	DIR=$RUNS/$name
	[ -n "${KEEP_DIR:-}" ] || rm -rf "$DIR"
	RC=0
	"$VFSIM" run -q -o "$DIR" "$@" >"$RUNS/$name.out" 2>&1 || RC=$?
}

# run_ok NAME DESCRIPTION [vfsim options and steps]: pass if the run
# passes; a failure shows the failed steps, state mismatches and reports.
run_ok() {
	local name=$1 what=$2
	shift 2
	vfsim_run "$name" "$@"
	if [ "$RC" -eq 0 ]; then
		pass "$what"
		return 0
	fi
	fail "$what" "exit $RC, see $DIR" \
		"$(grep -h 'status=fail' "$DIR/agent.log" 2>/dev/null | head -2)" \
		"$(grep -h 'mismatch' "$DIR/console.log" 2>/dev/null | head -3)" \
		"$(head -2 "$DIR/findings.txt" 2>/dev/null)"
	return 1
}

# The admin opcodes in trace order, space separated.
admin_sequence() {
	awk '$3 == "admin" { for (i = 4; i <= NF; i++)
		if ($i ~ /^name=/) { sub("name=", "", $i); printf "%s ", $i } }' \
		"$1/trace.log" | sed 's/ $//'
}

# Processes or the private directory the run in $1 left behind (none).
# Only that run's: other runs may be going on at the same time.
leftovers() {
	local priv
	pgrep -f "VFSIM_RUNDIR=$1( |$)" || true
	priv=$(sed -n 's/.*uml_dir=\([^ ]*\).*/\1/p' "$1/sim.log" 2>/dev/null | head -1)
	if [ -n "$priv" ] && [ -e "$priv" ]; then echo "$priv"; fi
}

# What the kernel under test can do (vfsim caps; VFSIM_KERNEL or default).
caps() {
	"$VFSIM" caps ${VFSIM_KERNEL:+-k "$VFSIM_KERNEL"} "$@"
}

# has REQ...: the kernel meets every requirement (doc/scenarios.md).
has() {
	caps "$@" >/dev/null 2>&1
}

# requires TEST REQ...: run test function TEST if the kernel meets the
# requirements; else one TAP skip line for it, with the reason.
requires() {
	local t=$1 why
	shift
	why=$(caps "$@" 2>&1 | sed -n 's/^unmet: //p')
	if [ -z "$why" ]; then
		"$t"
		return
	fi
	TESTNO=$((TESTNO + 1))
	echo "ok $TESTNO - ${t#test_} # SKIP $why"
}

summary() {
	echo "1..$TESTNO"
	echo "integration: $((TESTNO - FAILED)) passed, $FAILED failed"
	[ "$FAILED" -eq 0 ]
}
