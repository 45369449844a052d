#!/usr/bin/env bash
# `make check`: the Check unit tests (under ASan/UBSan) and the integration
# tests that boot UML, then one line "N passed, N skipped, N failed".
# A TAP "ok ... # SKIP reason" line is a skip, not a pass.
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-$ROOT/build}
case $BUILD in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
export BUILD
LOG=$BUILD/check.log
passed=0
skipped=0
failed=0

# tally TAP_LOG: adds its passes, skips and failures to the totals
tally() {
	local s
	s=$(grep -c '^ok .*# SKIP' "$1")
	skipped=$((skipped + s))
	passed=$((passed + $(grep -c '^ok ' "$1") - s))
	failed=$((failed + $(grep -c '^not ok ' "$1")))
}

mkdir -p "$BUILD"
: >"$LOG"

echo "== unit tests (Check, ASan/UBSan)"
"$ROOT/tests/run-unit.sh" "$BUILD/bin/unit-tests" 2>&1 | tee -a "$LOG"
unit_rc=${PIPESTATUS[0]}
line=$(grep -Eo 'Checks: [0-9]+, Failures: [0-9]+, Errors: [0-9]+' "$LOG" | tail -1)
if [ -n "$line" ]; then
	read -r n f e < <(echo "$line" | tr -dc '0-9 ,' | tr ',' ' ')
	passed=$((passed + n - f - e))
	failed=$((failed + f + e))
elif [ "$unit_rc" -ne 0 ]; then
	failed=$((failed + 1))	# the test binary did not even run
fi
[ "$unit_rc" -ne 0 ] && [ "$failed" -eq 0 ] && failed=1

echo "== fuzz corpora and crash reproducers, replayed (ASan/UBSan)"
"$ROOT/tests/fuzz/replay.sh" 2>&1 | tee "$BUILD/fuzz-replay.log"
tally "$BUILD/fuzz-replay.log"
grep -q '^1\.\.' "$BUILD/fuzz-replay.log" || failed=$((failed + 1))

echo "== tools: help vs docs, kernel profiles and patch series, bug corpus"
"$ROOT/tests/tools.sh" 2>&1 | tee "$BUILD/tools.log"
tally "$BUILD/tools.log"
grep -q '^1\.\.' "$BUILD/tools.log" || failed=$((failed + 1))

echo "== integration tests (UML): probe, SR-IOV, migration, legacy I/O, sweep"
"$ROOT/tests/integration/run.sh" 2>&1 | tee "$BUILD/integration.log"
tally "$BUILD/integration.log"

echo "== the scenario library (two at a time; JUnit in build/scenarios.xml)"
"$BUILD/bin/vfsim" run -j 2 -o "$BUILD/check-scenarios" \
	--junit "$BUILD/scenarios.xml" "$ROOT"/scenarios/*/*.vfs \
	2>&1 | tee "$BUILD/scenarios.log"
tally "$BUILD/scenarios.log"
if ! grep -q '^ok \|^not ok ' "$BUILD/scenarios.log"; then
	failed=$((failed + 1))	# the runner did not run
fi

# The other kernel series, if already built (make matrix builds them): a
# smoke set each, so a change that breaks 6.12 or 7.2 shows here too.
SMOKE=(probe/pf-probe.vfs sriov/autoprobe.vfs vfio/open-reset.vfs
	legacy/bringup.vfs migration/vf-to-vf.vfs)
for k in "$BUILD/kernel/${KPROFILE:-debug}"-*/linux; do
	[ -x "$k" ] || continue
	case $k in *+patches/*) continue ;; esac
	v=$(basename "$(dirname "$k")")
	echo "== smoke on $v ($("$BUILD/bin/vfsim" caps -k "$k" |
		sed -n 's/^version=//p'))"
	"$BUILD/bin/vfsim" run -j 2 -o "$BUILD/check-smoke/$v" --kernel "$k" \
		"${SMOKE[@]/#/$ROOT/scenarios/}" 2>&1 | tee "$BUILD/smoke-$v.log"
	tally "$BUILD/smoke-$v.log"
	grep -q '^ok \|^not ok ' "$BUILD/smoke-$v.log" || failed=$((failed + 1))
done

echo "$passed passed, $skipped skipped, $failed failed"
[ "$failed" -eq 0 ]
