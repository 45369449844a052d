#!/usr/bin/env bash
# The tools around the simulator, as TAP: help texts match the docs,
# driver/kernel.sh's profiles and patch series (applied, switched, refused),
# and the bug corpus is well-formed and applies to today's kernel.  Needs
# the kernel source (make kernel) but builds nothing.
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-$ROOT/build}
case $BUILD in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
export BUILD
unset KPATCHES KSRC KDEB
export KPROFILE=debug
VFSIM=$BUILD/bin/vfsim
KERNEL_SH=$ROOT/driver/kernel.sh
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
n=0
failed=0

ok() {
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $n - $2"
	else
		echo "not ok $n - $2"
		failed=$((failed + 1))
		[ -s "$TMP/why" ] && sed 's/^/#   /' "$TMP/why"
	fi
	: >"$TMP/why"
}

# Every step the agent knows, and every argument kind, is documented.
missing=$("$VFSIM" help steps | awk '/^$/ { exit } { print $1 }' | while read -r s; do
	grep -qF "\`$s" "$ROOT"/doc/*.md || echo "$s"
done)
kinds=$("$VFSIM" help steps | awk '/^Argument kinds:/ { k = 1; next } k { print $1 }')
for k in $kinds; do
	grep -qF "\`$k\`" "$ROOT/doc/usage.md" || missing+=" kind:$k"
done
echo "undocumented: $missing" >"$TMP/why"
ok "$([ -n "$kinds" ] && [ -z "$missing" ]; echo $?)" \
	"every agent step and argument kind ('vfsim help steps') is in doc/"

# Every command of 'vfsim help' has its own help and is in doc/usage.md.
bad=
for c in run ctl lockmap; do
	"$VFSIM" help "$c" | grep -q "^usage: vfsim $c" || bad+=" help-$c"
	grep -qF "vfsim $c" "$ROOT/doc/usage.md" || bad+=" usage.md-$c"
done
echo "missing:$bad" >"$TMP/why"
ok "$([ -z "$bad" ]; echo $?)" "vfsim help run|ctl|lockmap match doc/usage.md"

# Every kernel.sh option and variable is in doc/kernel.md.
bad=
for o in $("$KERNEL_SH" --help | grep -oE -- '--[a-z]+|\b(BUILD|KSRC|KDEB|KPROFILE|KPATCHES|JOBS)\b' | sort -u); do
	grep -qF -- "$o" "$ROOT/doc/kernel.md" || bad+=" $o"
done
echo "missing:$bad" >"$TMP/why"
ok "$([ -z "$bad" ]; echo $?)" "driver/kernel.sh --help matches doc/kernel.md"

# Profiles: an unknown one is refused with the list of known ones.
out=$(KPROFILE=nosuch "$KERNEL_SH" config 2>&1)
rc=$?
echo "$out" >"$TMP/why"
ok "$([ $rc -eq 1 ] && [[ $out == *"unknown KPROFILE 'nosuch'"*"debug fast"* ]]; echo $?)" \
	"KPROFILE=nosuch is refused, naming the profiles"

out=$(KPATCHES=$TMP/none "$KERNEL_SH" patch 2>&1)
rc=$?
echo "$out" >"$TMP/why"
ok "$([ $rc -eq 1 ] && [[ $out == *"KPATCHES=$TMP/none: no such file"* ]]; echo $?)" \
	"KPATCHES naming nothing is refused"

# The corpus: trailers, scenarios, and every patch applies without fuzz.
"$ROOT/tests/bugs.sh" --check >"$TMP/why" 2>&1
ok $? "bug corpus: >= 5 patches, trailers, scenarios, all apply to $(sed -n 's/^kernelversion=//p' "$BUILD/kernel-version")"

# Patch series: applied on a copy, switched, and refused by name.
SRC=$("$KERNEL_SH" source 2>/dev/null)
mig=drivers/vfio/pci/virtio/migrate.c
common=drivers/virtio/virtio_pci_common.c
sum0=$(cat "$SRC/$mig" "$SRC/$common" | sha256sum)
mkdir -p "$TMP/s1" "$TMP/s2" "$TMP/bad"
cp "$ROOT/scenarios/bugs/save-read-state-mutex.patch" "$TMP/s1/0001-a.patch"
cp "$ROOT/scenarios/bugs/pf-remove-uaf.patch" "$TMP/s2/0001-b.patch"
PSRC=$(KPATCHES=$TMP/s1 "$KERNEL_SH" patch 2>"$TMP/why")
ok "$([ -n "$PSRC" ] && ! cmp -s "$SRC/$mig" "$PSRC/$mig" &&
	cmp -s "$SRC/$common" "$PSRC/$common"; echo $?)" \
	"KPATCHES=dir: the series changes its file in a copy of the source"
KPATCHES=$TMP/s2 "$KERNEL_SH" patch >/dev/null 2>"$TMP/why"
ok "$(cmp -s "$SRC/$mig" "$PSRC/$mig" && ! cmp -s "$SRC/$common" "$PSRC/$common"; echo $?)" \
	"switching series restores the first one's file and patches the second's"
cp "$TMP/s1/0001-a.patch" "$TMP/bad/0001-a.patch"
sed 's/pci_disable_sriov(pci_dev);/pci_disable_sriov(pci_dev_X);/' \
	"$TMP/s2/0001-b.patch" >"$TMP/bad/0002-b-broken.patch"
out=$(KPATCHES=$TMP/bad "$KERNEL_SH" patch 2>&1)
rc=$?
echo "$out" >"$TMP/why"
ok "$([ $rc -eq 1 ] && [[ $out == *"KPATCHES: 0002-b-broken.patch does not apply"* ]] &&
	[[ $out == *"patching file $common"* ]]; echo $?)" \
	"a patch that does not apply is named, with its file"
echo "pristine tree changed" >"$TMP/why"
ok "$([ "$(cat "$SRC/$mig" "$SRC/$common" | sha256sum)" == "$sum0" ]; echo $?)" \
	"the pristine source is never modified"

echo "1..$n"
[ "$failed" -eq 0 ]
