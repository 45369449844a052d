#!/usr/bin/env bash
# The fuzzers' committed inputs as regression tests, in TAP: every seed of
# tests/fuzz/corpus/NAME and every crash kept in tests/fuzz/regressions/NAME
# runs once through build/bin/fuzz-replay-NAME (gcc, ASan/UBSan, leak
# checks; no clang, no fuzzing).  One line per harness.
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${BUILD:-$ROOT/build}
case $BUILD in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
n=0
failed=0

for src in "$ROOT"/tests/fuzz/fuzz_*.c; do
	name=$(basename "$src" .c)
	name=${name#fuzz_}
	n=$((n + 1))
	dirs=()
	for d in corpus regressions; do
		[[ -d $ROOT/tests/fuzz/$d/$name ]] && dirs+=("$ROOT/tests/fuzz/$d/$name")
	done
	log=$BUILD/fuzz-replay-$name.log
	if ((${#dirs[@]} == 0)); then
		echo "not ok $n - fuzz replay $name: no committed inputs"
		failed=$((failed + 1))
		continue
	fi
	if out=$("$BUILD/bin/fuzz-replay-$name" "${dirs[@]}" 2>"$log"); then
		echo "ok $n - fuzz replay $name: ${out#replayed }"
	else
		echo "not ok $n - fuzz replay $name (see $log)"
		grep -m 5 -E 'ERROR|runtime error|fuzz:|SUMMARY|^replay:' "$log" |
			tail -n 5 | sed 's/^/#   /'
		failed=$((failed + 1))
	fi
done
echo "1..$n"
[ "$failed" -eq 0 ]
