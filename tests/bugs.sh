#!/usr/bin/env bash
# make bugs: prove that vfsim catches the bugs of its corpus.
#
# scenarios/bugs/NAME.patch reintroduces one bug into the kernel (git
# format-patch output); its trailers name the scenario that catches it and
# what that scenario must report:
#
#   Vfsim-Scenario: NAME.vfs
#   Vfsim-Expect: finding KIND [TEXT]   an unexpected kernel report of KIND
#                                       (whose line contains TEXT)
#   Vfsim-Expect: verdict TEXT          a failed expectation containing TEXT
#   Vfsim-Series: NAME                  (optional) the kernel series whose
#                                       detector catches it; skipped on a
#                                       kernel without it (KSERIES=off)
#
# First every bug scenario runs on the unpatched kernel and must pass; then,
# for each patch, the kernel is rebuilt with it (KPATCHES=, incrementally:
# only the files it touches recompile) and its scenario must fail with the
# expected report.  usage: tests/bugs.sh [NAME...]; exit 0 if all are caught.
# tests/bugs.sh --check only validates the corpus: every patch has its
# trailers and scenario and applies to the current source (no build).
set -Eeuo pipefail
# The corpus picks its own patches; a series set for "make kernel" is not one.
unset KPATCHES VFSIM_KERNEL

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(dirname "$HERE")
BUILD=${BUILD:-$REPO/build}
KPROFILE=${KPROFILE:-debug}
export BUILD KPROFILE
VFSIM=$BUILD/bin/vfsim
CORPUS=$REPO/scenarios/bugs
OUT=$BUILD/bugs

say() { echo "bugs: $*" >&2; }
die() { echo "bugs: error: $*" >&2; exit 2; }

# trailer FILE KEY: the value of "KEY: value" in the patch's message.
trailer() {
	sed -n "1,/^---\$/s/^$2: *//p" "$1" | head -n 1
}

# Checks one patch's trailers; prints "scenario|expect|series".
describe() {
	local patch=$1 scen expect series
	scen=$(trailer "$patch" Vfsim-Scenario)
	expect=$(trailer "$patch" Vfsim-Expect)
	series=$(trailer "$patch" Vfsim-Series)
	[[ -n $scen ]] || die "$patch: no 'Vfsim-Scenario:' trailer"
	[[ -f $CORPUS/$scen ]] || die "$patch: scenario $scen not in $CORPUS"
	[[ $expect =~ ^(finding|verdict)\ [^\ ] ]] ||
		die "$patch: 'Vfsim-Expect:' must be 'finding KIND [TEXT]' or 'verdict TEXT'"
	[[ -z $series || -d $REPO/driver/kseries/$series ]] ||
		die "$patch: 'Vfsim-Series: $series' is not a series of driver/kseries/"
	echo "$scen|$expect|$series"
}

# has_series KERNEL NAME: the kernel was built with series NAME (its
# directory's vfsim-series, written by driver/kernel.sh, lists it).
has_series() {
	grep -qxF -- "$2" "$(dirname "$1")/vfsim-series" 2>/dev/null
}

# caught TAP EXPECT: whether a scenario's TAP output shows the expected
# failure.
caught() {
	local tap=$1 kind=${2%% *} rest=${2#* } k text
	grep -q '^not ok ' "$tap" || return 1
	if [[ $kind == finding ]]; then
		k=${rest%% *}
		text=
		[[ $rest == *" "* ]] && text=${rest#* }
		grep -E "^# unexpected kernel report: $k:" "$tap" | grep -qiF -- "$text"
	else
		grep -E '^# ' "$tap" | grep -v '^#   ' | grep -qiF -- "$rest"
	fi
}

# --check: the corpus is well-formed and applies to today's source.
check_corpus() {
	local src p bad=0 n=0
	src=$("$REPO/driver/kernel.sh" source 2>/dev/null) || die "no kernel source: make kernel"
	for p in "$CORPUS"/*.patch; do
		n=$((n + 1))
		if ! (describe "$p" >/dev/null); then
			bad=$((bad + 1))
		elif ! patch -p1 -d "$src" --dry-run --batch --fuzz=0 -i "$p" >/dev/null 2>&1; then
			echo "bugs: ${p##*/} does not apply to $src" >&2
			bad=$((bad + 1))
		fi
	done
	((n >= 5)) || { echo "bugs: only $n patches in $CORPUS" >&2; bad=$((bad + 1)); }
	echo "corpus: $n patches, $bad bad"
	((bad == 0))
}

main() {
	if [[ ${1:-} == --check ]]; then
		check_corpus
		return
	fi
	local -a patches=() scens=() expects=() needs=()
	local i p name start t0 secs desc verdict rep
	local missed=0 skipped=0 all_start=$SECONDS kernel result
	if (($# > 0)); then
		for name in "$@"; do
			[[ -f $CORPUS/$name.patch ]] || die "no $CORPUS/$name.patch"
			patches+=("$CORPUS/$name.patch")
		done
	else
		patches=("$CORPUS"/*.patch)
	fi
	[[ -x $VFSIM ]] || die "$VFSIM missing: run make all"
	rm -rf "$OUT" && mkdir -p "$OUT"
	for p in "${patches[@]}"; do
		desc=$(describe "$p")
		scens+=("$CORPUS/${desc%%|*}")
		desc=${desc#*|}
		expects+=("${desc%|*}")
		needs+=("${desc##*|}")
	done

	say "building the unpatched $KPROFILE kernel"
	"$REPO/driver/kernel.sh" build >"$OUT/kernel.path"
	kernel=$(tail -n 1 "$OUT/kernel.path")
	say "running ${#scens[@]} bug scenarios on the unpatched kernel"
	if ! "$VFSIM" run -q -j 2 -o "$OUT/unpatched" \
		--kernel "$kernel" "${scens[@]}" >"$OUT/unpatched.tap"; then
		cat "$OUT/unpatched.tap"
		die "the unpatched kernel fails bug scenarios: they would catch nothing"
	fi

	printf '%-24s %-56s %-7s %7s %6s %8s\n' bug expected result build_s run_s report_s >"$OUT/table"
	for i in "${!patches[@]}"; do
		p=${patches[i]}
		name=$(basename "$p" .patch)
		if [[ -n ${needs[i]} ]] && ! has_series "$kernel" "${needs[i]}"; then
			say "$name: skipped: its detector is the kernel series ${needs[i]}, not in $kernel (KSERIES=off?)"
			printf '%-24s %-56s %-7s %7s %6s %8s\n' "$name" "${expects[i]}" skipped - - - >>"$OUT/table"
			skipped=$((skipped + 1))
			continue
		fi
		say "$name: building with the patch"
		start=$SECONDS
		if ! KPATCHES=$p "$REPO/driver/kernel.sh" build >"$OUT/$name.kernel" 2>"$OUT/$name.build.log"; then
			tail -n 20 "$OUT/$name.build.log" >&2
			die "$name: the patched kernel does not build"
		fi
		secs=$((SECONDS - start))
		t0=$SECONDS
		"$VFSIM" run -q -o "$OUT/$name" --kernel "$(tail -n 1 "$OUT/$name.kernel")" \
			"${scens[i]}" >"$OUT/$name.tap" || true
		if caught "$OUT/$name.tap" "${expects[i]}"; then
			verdict=caught
		else
			verdict=MISSED
			missed=$((missed + 1))
			cat "$OUT/$name.tap" >&2
		fi
		# When the first kernel report arrived, in seconds after UML started.
		rep=$(sed -n 's/^first_report_s=//p' "$OUT/$name"/*/summary.txt 2>/dev/null | head -n 1)
		printf '%-24s %-56s %-7s %7d %6d %8s\n' "$name" "${expects[i]}" "$verdict" \
			"$secs" $((SECONDS - t0)) "${rep:--}" >>"$OUT/table"
		say "$name: $verdict (${expects[i]})"
	done
	cat "$OUT/table"
	echo "make bugs took $((SECONDS - all_start)) s" | tee "$OUT/time"
	result="$((${#patches[@]} - missed - skipped)) caught, $missed missed"
	((skipped == 0)) || result+=", $skipped skipped (their kernel series is off)"
	echo "$result" | tee "$OUT/result"
	((missed == 0))
}

main "$@"
