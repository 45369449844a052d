#!/usr/bin/env bash
# `make matrix`: build every supported kernel series (incrementally, one at
# a time, niced) and run the scenario library on each; print one table,
# scenario x kernel (pass, FAIL, skip; findings), and the totals.
#
# Usage: tests/matrix.sh [SERIES...]   (default: driver/kernel.sh series)
# Environment: BUILD, KPROFILE (default debug), JOBS (kernel compile jobs),
# MATRIX_JOBS (scenarios at once, default 2).  Results: build/matrix/.
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-$ROOT/build}
case $BUILD in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
export BUILD
export KPROFILE=${KPROFILE:-debug}
unset KPATCHES KSRC KDEB KVER
OUT=$BUILD/matrix
VFSIM=$BUILD/bin/vfsim
KERNEL_SH=$ROOT/driver/kernel.sh

series=("$@")
if [ ${#series[@]} -eq 0 ]; then
	read -r -a series < <("$KERNEL_SH" series) || {
		echo "matrix: driver/kernel.sh series failed" >&2
		exit 2
	}
fi
mkdir -p "$OUT"
declare -A kernel version

# Builds first, one at a time: two kernel builds at once would only be
# slower on 2 cores.
for v in "${series[@]}"; do
	echo "== kernel $v ($KPROFILE)"
	start=$SECONDS
	if ! k=$(KVER=$v JOBS=${JOBS:-2} nice -n 10 "$KERNEL_SH" build); then
		echo "matrix: the $v kernel did not build" >&2
		kernel[$v]=
		continue
	fi
	kernel[$v]=$k
	version[$v]=$("$VFSIM" caps -k "$k" | sed -n 's/^version=//p')
	echo "   $k (${version[$v]}), $((SECONDS - start)) s;" \
		"cold build: $(sed -n '1s/.*seconds=\([0-9]*\).*/\1 s/p' \
			"$(dirname "$k")/build-times" 2>/dev/null)"
done

# The library on each kernel: TAP into $OUT/<series>.tap; one line per
# kernel into $OUT/summary (make bench prints it).
: >"$OUT/summary.tmp"
for v in "${series[@]}"; do
	[ -n "${kernel[$v]}" ] || continue
	echo "== library on $v"
	start=$SECONDS
	"$VFSIM" run -j "${MATRIX_JOBS:-2}" --kernel "${kernel[$v]}" \
		-o "$OUT/runs-$v" --junit "$OUT/$v.xml" "$ROOT"/scenarios/*/*.vfs \
		>"$OUT/$v.tap" 2>&1
	line="$(tail -n 1 "$OUT/$v.tap"), $(grep -c '^ok .* # SKIP ' "$OUT/$v.tap") skipped"
	echo "   $line in $((SECONDS - start)) s"
	printf '%-10s %s in %d s\n' "${version[$v]:-$v}" "$line" \
		$((SECONDS - start)) >>"$OUT/summary.tmp"
done
mv "$OUT/summary.tmp" "$OUT/summary"

# One row per scenario: pass / FAIL / skip, "+Nf" for kernel reports.
table() {
	local v f name
	printf '| scenario |'
	for v in "${series[@]}"; do printf ' %s |' "${version[$v]:-$v}"; done
	printf '\n| --- |'
	for v in "${series[@]}"; do printf ' --- |'; done
	printf '\n'
	for f in "$ROOT"/scenarios/*/*.vfs; do
		name=${f#"$ROOT"/scenarios/}
		printf '| %s |' "${name%.vfs}"
		for v in "${series[@]}"; do
			printf ' %s |' "$(cell "$OUT/$v.tap" "$f")"
		done
		printf '\n'
	done
}

# The result of scenario file $2 in TAP file $1.
cell() {
	awk -v f="$2" '
		/^(ok|not ok) [0-9]+ - / {
			on = index($0, " - " f ":") > 0
			if (on) {
				r = $1 == "ok" ? ($0 ~ / # SKIP / ? "skip" : "pass") : "FAIL"
				n = 0
			}
			next
		}
		on && /^#   finding:/ { n++ }
		END {
			if (r == "") { print "-"; exit }
			print r (n ? " +" n "f" : "")
		}' "$1" 2>/dev/null
}

totals() {
	local v p f s
	printf '| totals |'
	for v in "${series[@]}"; do
		p=$(grep -c '^ok .* - ' "$OUT/$v.tap" 2>/dev/null)
		s=$(grep -c '^ok .* # SKIP ' "$OUT/$v.tap" 2>/dev/null)
		f=$(grep -c '^not ok ' "$OUT/$v.tap" 2>/dev/null)
		printf ' %d pass, %d fail, %d skip |' $((${p:-0} - ${s:-0})) \
			"${f:-0}" "${s:-0}"
	done
	printf '\n'
}

{
	table
	totals
} | tee "$OUT/matrix.md"
echo
# Why each skip: one line per reason and kernel.
for v in "${series[@]}"; do
	sed -n 's/^ok .* # SKIP \(.*\)$/\1/p' "$OUT/$v.tap" 2>/dev/null |
		sort | uniq -c | sed "s/^/# ${version[$v]:-$v}: /"
done | tee -a "$OUT/matrix.md"
! grep -q '^not ok ' "$OUT"/*.tap 2>/dev/null
