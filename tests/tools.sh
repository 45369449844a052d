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
unset KPATCHES KSRC KDEB KSERIES
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
for c in run ctl lockmap cover sweep; do
	"$VFSIM" help "$c" | grep -q "^usage: vfsim $c" || bad+=" help-$c"
	grep -qF "vfsim $c" "$ROOT/doc/usage.md" || bad+=" usage.md-$c"
done
echo "missing:$bad" >"$TMP/why"
ok "$([ -z "$bad" ]; echo $?)" "vfsim help run|ctl|lockmap|cover|sweep match doc/usage.md"

# Every kernel.sh option and variable is in doc/kernel.md.
bad=
for o in $("$KERNEL_SH" --help | grep -oE -- '--[a-z-]+|\b(BUILD|KSRC|KDEB|KPROFILE|KPATCHES|KSERIES|KVER|JOBS)\b' | sort -u); do
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

# Profile series, in a scratch copy of driver/ with a profile of its own
# (vfsimtest) whose series changes one file of a small fake kernel tree
# (KSRC), built into a scratch BUILD; KPATCHES go on top of it.
T=$TMP/repo
TP=vfsimtest
FK=$TMP/ksrc
KB=$TMP/kbuild
TREES=$KB/src/ksrc+$TP
mkdir -p "$T" && cp -a "$ROOT/driver" "$T/"
cp "$ROOT/driver/kconfig/fast.config" "$T/driver/kconfig/$TP.config"
iov=drivers/pci/iov.c
mkdir -p "$FK/arch/um" "$FK/drivers/pci" "$(dirname "$FK/$mig")"
printf 'kernelversion:\n\t@echo 7.3.0\n' >"$FK/Makefile"
: >"$FK/Kconfig"
seq 1 20 | sed 's|^|/* iov line |; s|$| */|' >"$FK/$iov"
seq 1 20 | sed 's|^|/* migrate line |; s|$| */|' >"$FK/$mig"
fsum0=$(cat "$FK/$iov" "$FK/$mig" | sha256sum)
# add_patch DIR NAME FILE TEXT: DIR/0001-NAME.patch appends TEXT to FILE.
add_patch() {
	mkdir -p "$1"
	{ cat "$FK/$3"; echo "$4"; } >"$TMP/new"
	diff -u --label "a/$3" --label "b/$3" "$FK/$3" "$TMP/new" >"$1/0001-$2.patch"
}
# series_patch NAME FILE TEXT: a series NAME whose patch appends TEXT to FILE.
series_patch() {
	add_patch "$T/driver/kseries/$1" "$1" "$2" "$3"
	echo "test series $1" >"$T/driver/kseries/$1/README"
}
series_patch t1 "$iov" "/* vfsim series t1 */"
add_patch "$TMP/k1" k1 "$mig" "/* vfsim KPATCHES k1 */"
printf '# the test profile\n\nt1   # one series\n' >"$T/driver/kconfig/$TP.series"
tks() { BUILD=$KB KSRC=$FK KPROFILE=$TP "$T/driver/kernel.sh" "$@"; }

out=$(tks path; KSERIES=off tks path; tks --no-series path; KPATCHES=$TMP/k1 KSERIES=off tks path
	BUILD=$KB KPROFILE=fast "$T/driver/kernel.sh" --no-series path)
want="$KB/kernel/$TP/linux
$KB/kernel/$TP+noseries/linux
$KB/kernel/$TP+noseries/linux
$KB/kernel/$TP+noseries+patches/linux
$KB/kernel/fast/linux"
printf 'got:\n%s\nwant:\n%s\n' "$out" "$want" >"$TMP/why"
ok "$([ "$out" == "$want" ]; echo $?)" \
	"KSERIES=off builds into +noseries, and changes nothing for a profile without series"

# The Makefile runs the kernel kernel.sh builds.
bad=
for v in "KPROFILE=debug" "KPROFILE=debug KSERIES=off" "KPROFILE=fast KSERIES=off" \
	"KPROFILE=debug KSERIES=off KPATCHES=$TMP/s1"; do
	read -r -a vars <<<"$v"
	# shellcheck disable=SC2016 # $(KERNEL) is make's
	m=$(env "${vars[@]}" make -s --no-print-directory -C "$ROOT" \
		--eval 'vfsim-kernel-path: ; @echo $(abspath $(KERNEL))' vfsim-kernel-path)
	k=$(env "${vars[@]}" "$KERNEL_SH" path)
	[ "$m" == "$k" ] || bad+=" [$v: make $m, kernel.sh $k]"
done
echo "differ:$bad" >"$TMP/why"
ok "$([ -z "$bad" ]; echo $?)" "make and kernel.sh agree on the kernel's path (KPROFILE, KSERIES, KPATCHES)"

T1=$(tks patch 2>"$TMP/err")
cat "$TMP/err" >"$TMP/why"
ok "$([ "$T1" == "$TREES" ] && tail -n 1 "$T1/$iov" | grep -qF 'series t1' &&
	[ "$(stat -c %i "$T1/$iov")" != "$(stat -c %i "$FK/$iov")" ] &&
	[ "$(stat -c %i "$T1/$mig")" == "$(stat -c %i "$FK/$mig")" ] &&
	grep -q 'applied series t1: 1 patches' "$TMP/err"; echo $?)" \
	"a profile's series is applied to its own hard-link copy (patched file copied first)"

T2=$(KPATCHES=$TMP/k1 tks patch 2>"$TMP/why")
ok "$([ "$T2" == "$TREES+patches" ] && tail -n 1 "$T2/$iov" | grep -qF 'series t1' &&
	! cmp -s "$FK/$mig" "$T2/$mig" && cmp -s "$T1/$mig" "$FK/$mig"; echo $?)" \
	"KPATCHES are applied on top of the profile's series, in a tree of their own"

T3=$(KPATCHES=$TMP/k1 KSERIES=off tks patch 2>"$TMP/why")
ok "$([ "$T3" == "$TREES+noseries+patches" ] && cmp -s "$FK/$iov" "$T3/$iov" &&
	! cmp -s "$FK/$mig" "$T3/$mig" && grep -q 'series off' "$TMP/why"; echo $?)" \
	"KSERIES=off leaves the series out under KPATCHES"

series_patch t1 "$iov" "/* vfsim series t1, second version */"
KPATCHES=$TMP/k1 tks patch >/dev/null 2>"$TMP/why"
ok "$(tail -n 1 "$T1/$iov" | grep -qF 'second version' &&
	tail -n 1 "$T2/$iov" | grep -qF 'second version' && ! cmp -s "$FK/$mig" "$T2/$mig"; echo $?)" \
	"a changed series reaches its tree and the KPATCHES tree above it"

series_patch t2 "$mig" "/* vfsim series t2 */"
sed -i 's/^ /X/' "$T/driver/kseries/t2/0001-t2.patch"   # context that is not in the tree
printf 't1\nt2\n' >"$T/driver/kconfig/$TP.series"
out=$(tks patch 2>&1)
rc=$?
echo "$out" >"$TMP/why"
ok "$([ $rc -eq 1 ] && [[ $out == *"series: t2/0001-t2.patch does not apply"* ]] &&
	[[ $out == *KSERIES=off* ]]; echo $?)" "a series patch that does not apply is named, with KSERIES=off"

# A series whose 'since' is newer than the tree (7.3.0) is left out, said.
echo 7.4 >"$T/driver/kseries/t2/since"
T4=$(tks patch 2>"$TMP/err")
rc=$?
cat "$TMP/err" >"$TMP/why"
ok "$([ $rc -eq 0 ] && [ "$T4" == "$TREES" ] && cmp -s "$FK/$mig" "$T4/$mig" &&
	tail -n 1 "$T4/$iov" | grep -qF 'series t1' &&
	grep -q 'series t2 left out: it applies to 7.4 and later' "$TMP/err"; echo $?)" \
	"a series for newer kernels (since) is left out of an older tree, saying so"
echo 7.3 >"$T/driver/kseries/t2/since"
out=$(tks patch 2>&1)
rc=$?
echo "$out" >"$TMP/why"
ok "$([ $rc -eq 1 ] && [[ $out == *"t2/0001-t2.patch does not apply"* ]]; echo $?)" \
	"a series whose since the tree meets is applied (and must apply)"
rm "$T/driver/kseries/t2/since"

printf 't1\n\nnosuch\n' >"$T/driver/kconfig/$TP.series"
out=$(tks path 2>&1)
rc=$?
echo "$out" >"$TMP/why"
ok "$([ $rc -eq 1 ] && [[ $out == *"$TP.series:3: no series driver/kseries/nosuch"* ]]; echo $?)" \
	"a .series file naming a missing series is refused with its line"

# Every series in the repository has its README and patches.
bad=
for d in "$ROOT"/driver/kseries/*/; do
	[ -d "$d" ] || continue
	[ -s "$d/README" ] || bad+=" ${d%/}/README"
	ls "$d"/*.patch >/dev/null 2>&1 || bad+=" ${d%/}/*.patch"
done
echo "missing:$bad" >"$TMP/why"
ok "$([ -z "$bad" ]; echo $?)" "every driver/kseries/ series has a README and patches"

echo "pristine tree changed" >"$TMP/why"
ok "$([ "$(cat "$SRC/$mig" "$SRC/$common" | sha256sum)" == "$sum0" ] &&
	[ "$(cat "$FK/$iov" "$FK/$mig" | sha256sum)" == "$fsum0" ]; echo $?)" \
	"the pristine source is never modified"

# COMPILE_TEST unlocks the legacy I/O options on UML and must change
# nothing else (driver/kconfig/vfsim.config, doc/legacy.md): configure the
# default tree with and without it and compare.
ct_config() {
	local out=$TMP/ct-$1
	mkdir -p "$out"
	cp "$ROOT/driver/kconfig/vfsim.config" "$out/frag.config"
	[ "$1" = on ] || sed -i 's/^CONFIG_COMPILE_TEST=y$/# CONFIG_COMPILE_TEST is not set/' \
		"$out/frag.config"
	make -s -C "$SRC" ARCH=um O="$out" defconfig >/dev/null 2>&1 &&
		(cd "$out" && "$SRC/scripts/kconfig/merge_config.sh" -m -O "$out" \
			"$out/.config" "$out/frag.config" \
			"$ROOT/driver/kconfig/debug.config" >/dev/null 2>&1) &&
		make -s -C "$SRC" ARCH=um O="$out" olddefconfig >/dev/null 2>&1
}
allowed=' COMPILE_TEST VIRTIO_PCI_ADMIN_LEGACY VIRTIO_VFIO_PCI_ADMIN_LEGACY VIRTIO_VFIO_PCI LOCALVERSION_AUTO PIC32_EVIC GENERIC_IRQ_CHIP UBSAN_ALIGNMENT '
if ct_config off && ct_config on; then
	changed=$(diff <(grep '^CONFIG_' "$TMP/ct-off/.config") \
		<(grep '^CONFIG_' "$TMP/ct-on/.config") |
		sed -n 's/^[<>] CONFIG_\([A-Za-z0-9_]*\)=.*/\1/p' | sort -u | tr '\n' ' ')
	bad=
	for sym in $changed; do
		[[ $allowed == *" $sym "* ]] || bad+=" $sym"
	done
	echo "changed by COMPILE_TEST:" $changed "; not expected:$bad" >"$TMP/why"
	ok "$([ -z "$bad" ] && [[ " $changed " == *" VIRTIO_PCI_ADMIN_LEGACY "* ]]; echo $?)" \
		"COMPILE_TEST adds the legacy I/O options and nothing else ($(echo $changed | wc -w) options differ)"
else
	echo "configuring $SRC failed" >"$TMP/why"
	ok 1 "COMPILE_TEST adds the legacy I/O options and nothing else"
fi

echo "1..$n"
[ "$failed" -eq 0 ]
