#!/usr/bin/env bash
# `make fuzz`: run each libFuzzer harness of tests/fuzz, one at a time at
# low priority, and report per harness the executions, their rate, the
# coverage reached and any crash with its reproducer (doc/fuzzing.md).
#
#   FUZZ="vring kreport"   the harnesses to run (default: all)
#   FUZZ_S=180             seconds per harness
#   FUZZ_RUNS=N            stop a harness after N executions instead
#                          (FUZZ_S then bounds it only if set)
#   FUZZ_NICE=15           niceness (the machine is shared)
#   FUZZ_MALLOC_MB=512     one allocation larger than this is a crash
#                          (an input that makes the code allocate without
#                          bound, e.g. a pattern regcomp() blows up)
#
# New inputs go to build/fuzz/corpus/NAME (seeded from tests/fuzz/corpus
# and tests/fuzz/regressions), crashes to build/fuzz/crashes/NAME, the
# figures to build/fuzz/summary.txt.  Exit 1 if any harness crashed.
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${BUILD:-$ROOT/build}
case $BUILD in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
OUT=$BUILD/fuzz
NICE=${FUZZ_NICE:-15}
MALLOC_MB=${FUZZ_MALLOC_MB:-512}
TIMEOUT_S=10	# one input longer than this (wall time) is a hang
if [[ -n ${FUZZ_RUNS:-} ]]; then
	LIMIT=(-runs="$FUZZ_RUNS" -max_total_time="${FUZZ_S:-0}")
else
	LIMIT=(-max_total_time="${FUZZ_S:-180}")
fi
names=${FUZZ:-$(cd "$ROOT/tests/fuzz" && ls fuzz_*.c | sed 's/^fuzz_//; s/\.c$//')}

# Inputs large enough for a whole captured probe or console excerpt.
max_len() {
	case $1 in
	vring) echo 16384 ;;	# 8 KiB of guest memory, then operations
	gcda) echo 32768 ;;	# a driver's .gcno (up to 26 KiB) and .gcda
	pcidev | kreport | lockmap) echo 4096 ;;	# each unit costs: more inputs
	*) echo 8192 ;;
	esac
}

# "key value" pairs of one libFuzzer log: the final stats and coverage.
stats() {
	awk '
		/^stat::number_of_executed_units:/ { execs = $2 }
		/^stat::average_exec_per_sec:/ { rate = $2 }
		/^stat::peak_rss_mb:/ { rss = $2 }
		/ cov: / { for (i = 1; i < NF; i++) {
			if ($i == "cov:") cov = $(i + 1)
			if ($i == "ft:") ft = $(i + 1)
			if ($i == "corp:") corp = $(i + 1) } }
		END { printf "%s %s %s %s %s %s\n", execs + 0, rate + 0, cov + 0,
		      ft + 0, corp == "" ? "0" : corp, rss + 0 }' "$1"
}

# libFuzzer's -timeout is wall time: a fuzzer starved of CPU (or stopped)
# reports a timeout on an input that is not slow.  Replay it alone and say;
# true if it is slow alone too.
replay_timeout() {
	local start=$SECONDS took
	(cd "$OUT" && timeout 60 "$1" -runs=1 "$2" >/dev/null 2>&1)
	took=$((SECONDS - start))
	if ((took < TIMEOUT_S)); then
		echo "   replayed alone in ${took} s: not slow; the machine's" \
			"load (or a stopped fuzzer) made it slow" | tee -a "$summary"
		return 1
	fi
	echo "   replayed alone: still ${took} s or more, a real hang" |
		tee -a "$summary"
}

mkdir -p "$OUT"
summary=$OUT/summary.txt
{
	echo "# make fuzz, $(date '+%F %R'), ${LIMIT[*]}, nice $NICE"
	printf '%-11s %12s %8s %6s %7s %10s %7s %s\n' harness executions exec/s \
		cov features corpus rss_mb crashes
} >"$summary"
crashed=0
for name in $names; do
	bin=$OUT/bin/fuzz-$name
	corpus=$OUT/corpus/$name
	crashes=$OUT/crashes/$name
	log=$OUT/$name.log
	if [[ ! -x $bin ]]; then
		echo "fuzz: $bin not built (make fuzzers)" >&2
		crashed=1
		continue
	fi
	mkdir -p "$corpus" "$crashes"
	before=$(ls "$crashes" | wc -l)
	seeds=("$ROOT/tests/fuzz/corpus/$name")
	[[ -d $ROOT/tests/fuzz/regressions/$name ]] &&
		seeds+=("$ROOT/tests/fuzz/regressions/$name")
	dict=()
	[[ -f $ROOT/tests/fuzz/$name.dict ]] && dict=(-dict="$ROOT/tests/fuzz/$name.dict")
	echo "== $name: ${LIMIT[*]}"
	(cd "$OUT" && nice -n "$NICE" "$bin" "${LIMIT[@]}" -print_final_stats=1 \
		-close_fd_mask=3 -timeout="$TIMEOUT_S" -rss_limit_mb=2048 -malloc_limit_mb="$MALLOC_MB" \
		-max_len="$(max_len "$name")" "${dict[@]}" \
		-artifact_prefix="$crashes/" "$corpus" "${seeds[@]}") >"$log" 2>&1
	read -r execs rate cov ft corp rss < <(stats "$log")
	new=$(ls -t "$crashes" | head -n $(($(ls "$crashes" | wc -l) - before)))
	printf '%-11s %12s %8s %6s %7s %10s %7s %s\n' "$name" "$execs" "$rate" \
		"$cov" "$ft" "$corp" "$rss" \
		"$(echo "$new" | grep -v '^slow-unit-' | grep -c .)" | tee -a "$summary"
	for c in $new; do
		# libFuzzer keeps a unit slower than 10 s that ended before
		# its timeout fired as slow-unit-*, and goes on.
		if [[ $c == slow-unit-* ]]; then
			echo "   slow unit: $crashes/$c" | tee -a "$summary"
			replay_timeout "$bin" "$crashes/$c" && crashed=1
			continue
		fi
		crashed=1
		echo "   crash: $crashes/$c" | tee -a "$summary"
		echo "   reproduce: $bin $crashes/$c" | tee -a "$summary"
		grep -m 3 -E 'ERROR|runtime error|fuzz:|SUMMARY' "$log" | sed 's/^/   /'
		[[ $c == timeout-* ]] && replay_timeout "$bin" "$crashes/$c"
	done
done
echo "figures: $summary; keep a crash as a regression input in" \
	"tests/fuzz/regressions/NAME/ (doc/fuzzing.md)"
exit "$crashed"
