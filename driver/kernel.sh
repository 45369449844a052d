#!/usr/bin/env bash
# Fetch, configure and build the User-mode Linux kernel vfsim runs drivers in.
#
# Messages ("kernel: ...") go to stderr; each command prints the path of what
# it produced as the last line on stdout, so callers can use $(kernel.sh ...).
set -Eeuo pipefail

usage() {
	cat <<'EOF'
usage: driver/kernel.sh [options] COMMAND

commands:
  source    make a kernel source tree available; print its path
  headers   install its uAPI headers under $BUILD/uapi; print the include dir
  config    configure a UML kernel (defconfig + fragments, verified); print .config
  build     build $BUILD/kernel/$KPROFILE/linux; print its path
  patch     apply the profile's series and KPATCHES to a copy of the source;
            print the copy's path
  path      print the path of the kernel 'build' makes (builds nothing)
  version   print $BUILD/kernel-version (what source picked)
  series    print the kernel series 'make matrix' builds and tests

options (each may also be given as the environment variable named):
  -b, --build DIR      BUILD     build directory (default: <repo>/build)
  -s, --ksrc DIR       KSRC      use your own kernel tree (left untouched)
  -d, --kdeb FILE      KDEB      use a linux-source-*.deb you already have
  -V, --kver SERIES    KVER      a kernel series from the Debian archive:
                                 6.12, 7.2, 7.3 (or linux-source-6.12);
                                 one other than the default builds into
                                 $BUILD/kernel/$KPROFILE-SERIES
  -p, --profile NAME   KPROFILE  config profile: debug (default), fast, cover;
                                 adds driver/kconfig/NAME.config
  -P, --patches PATH   KPATCHES  apply a patch series (a directory of git
                                 format-patch files, in name order, or one
                                 .patch file) onto a copy of the source;
                                 builds into $BUILD/kernel/$KPROFILE+patches
  -S, --no-series      KSERIES   KSERIES=off: leave out the kernel series the
                                 profile lists in driver/kconfig/NAME.series
                                 (default on); builds into
                                 $BUILD/kernel/$KPROFILE+noseries
  -j, --jobs N         JOBS      parallel compile jobs (default: nproc)
  -f, --force                    build: run make even if nothing changed
                                 (after you touched files in the tree)
  -h, --help

Without KSRC, KDEB or KVER, the newest linux-source-7.N (N >= 2) that the
Debian archive configured on this machine serves (sid, trixie-backports,
trixie) is used: the default series.
Profiles: debug (lockdep, KASAN, UBSAN, debug objects, ...), fast (no
debugging) and cover (debug plus gcov); each builds into its own
directory.  A profile's series
(driver/kseries/SERIES/, listed in driver/kconfig/NAME.series) are applied
to its own copy of the source before KPATCHES.  See doc/kernel.md.
EOF
}

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(dirname "$HERE")
KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg
# trixie: linux-source-6.12, the LTS series (KVER=6.12).
APT_SUITES=(sid trixie-backports trixie)
# What 'make matrix' builds and runs the library on (KVER values); the
# newest 7.N is the default series and need not be listed.
MATRIX_SERIES=(6.12 7.2)
PROGRESS_EVERY=20     # seconds between build progress lines
LISTS_MAX_AGE=1440    # minutes before the private apt lists are refreshed

# The kernel's make must get its own -j and must not inherit variables or
# jobserver descriptors from the project's Makefile that runs this script.
unset MAKEFLAGS MFLAGS MAKELEVEL

say() { echo "kernel: $*" >&2; }

# Exit status a die() inside $(...) uses, so the caller does not report the
# same failure a second time as an unexpected one (see on_error).
DIED=99

die() {
	echo "kernel: error: $*" >&2
	if ((BASH_SUBSHELL > 0)); then exit "$DIED"; fi
	exit 1
}

# Catch-all for commands without their own error message (set -E makes
# functions and subshells inherit this trap).
on_error() {
	local status=$1 cmd=$2
	if ((BASH_SUBSHELL > 0)); then exit "$status"; fi
	if ((status == DIED)); then exit 1; fi
	die "command failed (exit $status): $cmd"
}
trap 'on_error $? "$BASH_COMMAND"' ERR
trap 'die interrupted' INT TERM

# Runs "$@" with all output into LOG; on failure shows the log's tail.
quietly() {
	local log=$1 status=0
	shift
	"$@" >"$log" 2>&1 || status=$?
	if ((status != 0)); then
		tail -n 30 "$log" | sed 's/^/  | /' >&2
		die "'$*' failed (exit $status); full log: $log"
	fi
}

# Serializes kernel.sh runs on one resource, e.g. when a parallel make runs
# "headers" and "build" at once: both would extract the same tree. The lock
# lasts until unlock or exit.
lock() {
	local file=$1
	exec {LOCK_FD}>"$file"
	if ! flock -n "$LOCK_FD"; then
		say "waiting for another kernel.sh ($file)"
		flock "$LOCK_FD"
	fi
}

unlock() {
	exec {LOCK_FD}>&-
}

need_tools() {
	local tool
	for tool in "$@"; do
		command -v "$tool" >/dev/null ||
			die "'$tool' not found; run driver/deps.sh"
	done
}

fmt_duration() {
	local s=$1
	if ((s >= 60)); then
		printf '%dm%02ds' $((s / 60)) $((s % 60))
	else
		printf '%ds' "$s"
	fi
}

parse_args() {
	FORCE=0
	COMMAND=
	while (($# > 0)); do
		case $1 in
		-b | --build | -s | --ksrc | -d | --kdeb | -p | --profile | -j | --jobs | -P | --patches | -V | --kver)
			[[ -n ${2:-} ]] || die "option $1 needs a value"
			;;
		esac
		case $1 in
		-b | --build) BUILD=$2; shift ;;
		-s | --ksrc) KSRC=$2; shift ;;
		-d | --kdeb) KDEB=$2; shift ;;
		-p | --profile) KPROFILE=$2; shift ;;
		-j | --jobs) JOBS=$2; shift ;;
		-P | --patches) KPATCHES=$2; shift ;;
		-V | --kver) KVER=$2; shift ;;
		-S | --no-series) KSERIES=off ;;
		-f | --force) FORCE=1 ;;
		-h | --help) usage; exit 0 ;;
		-*) die "unknown option: $1 (see --help)" ;;
		*)
			[[ -z $COMMAND ]] || die "only one command allowed (got '$COMMAND' and '$1')"
			COMMAND=$1
			;;
		esac
		shift
	done
	if [[ -z $COMMAND ]]; then
		usage >&2
		die "no command given"
	fi
}

profiles() {
	local f out=()
	for f in "$HERE"/kconfig/*.config; do
		f=${f##*/}
		[[ $f == vfsim.config ]] || out+=("${f%.config}")
	done
	echo "${out[*]}"
}

setup_env() {
	BUILD=${BUILD:-$REPO/build}
	KSRC=${KSRC:-}
	KDEB=${KDEB:-}
	KPROFILE=${KPROFILE:-debug}
	KPATCHES=${KPATCHES:-}
	KSERIES=${KSERIES:-on}
	# The user's KVER is a kernel series; KVER itself is reused below for
	# the version of the tree picked (make kernelversion).
	KV_SERIES=${KVER:-}
	KV_SERIES=${KV_SERIES#linux-source-}
	KVER=
	JOBS=${JOBS:-$(nproc)}
	[[ $KSERIES == on || $KSERIES == off ]] || die "bad KSERIES '$KSERIES' (want on or off)"
	[[ $KPROFILE =~ ^[A-Za-z0-9_.-]+$ ]] || die "bad KPROFILE '$KPROFILE'"
	[[ $JOBS =~ ^[1-9][0-9]*$ ]] || die "bad JOBS '$JOBS' (want a number)"
	[[ -z $KSRC || -z $KDEB ]] || die "set KSRC or KDEB, not both"
	[[ -z $KV_SERIES || $KV_SERIES =~ ^[0-9]+\.[0-9]+$ ]] ||
		die "bad KVER '$KV_SERIES' (want a series like 6.12 or 7.3, or linux-source-6.12)"
	[[ -z $KV_SERIES || -z $KSRC$KDEB ]] || die "KVER picks a Debian package: set KVER or KSRC/KDEB, not both"
	# Absolute paths: kbuild runs from other directories, and we cd for apt.
	mkdir -p "$BUILD"
	BUILD=$(cd "$BUILD" && pwd)
	SUFFIX=
	[[ -z $KV_SERIES ]] || series_suffix
	OUT=$BUILD/kernel/$KPROFILE$SUFFIX
	FRAGMENTS=("$HERE/kconfig/vfsim.config")
	[[ -f ${FRAGMENTS[0]} ]] || die "missing ${FRAGMENTS[0]}"
	[[ $KPROFILE != vfsim && -f $HERE/kconfig/$KPROFILE.config ]] ||
		die "unknown KPROFILE '$KPROFILE': no driver/kconfig/$KPROFILE.config (profiles: $(profiles))"
	profile_fragments "$KPROFILE.config"
	profile_series
	[[ -z $KPATCHES ]] || patch_list
}

# Appends driver/kconfig/NAME to FRAGMENTS, after the fragments it builds on:
# a line "# vfsim: include OTHER.config" in it (smp.config builds on
# debug.config, so the smp kernel has every detector debug has).
profile_fragments() {
	local f=$HERE/kconfig/$1 base
	[[ -f $f ]] || die "driver/kconfig/$1 (included by a profile) does not exist"
	[[ " ${INCLUDING:-} " != *" $1 "* ]] || die "driver/kconfig/$1 includes itself (through:${INCLUDING})"
	[[ " ${FRAGMENTS[*]} " != *" $f "* ]] && INCLUDING+=" $1" || return 0
	while read -r base; do
		profile_fragments "$base"
	done < <(sed -nE 's/^# vfsim: include ([A-Za-z0-9_.-]+\.config)[[:space:]]*$/\1/p' "$f")
	INCLUDING=${INCLUDING% "$1"}
	FRAGMENTS+=("$f")
}

# --- source: the user's own tree -------------------------------------------

use_ksrc() {
	[[ -d $KSRC ]] || die "KSRC=$KSRC is not a directory"
	KSRC=$(cd "$KSRC" && pwd)
	local f
	for f in Makefile Kconfig arch/um; do
		[[ -e $KSRC/$f ]] || die "KSRC=$KSRC is not a kernel tree (no $f)"
	done
	# kbuild refuses O= builds from a configured tree, and we never write
	# into the user's tree ourselves.
	for f in .config include/config arch/um/include/generated arch/x86/include/generated; do
		[[ ! -e $KSRC/$f ]] ||
			die "KSRC=$KSRC has been configured/built in-tree ($f exists); run 'make mrproper' there (vfsim builds out of tree)"
	done
	SRC=$KSRC ORIGIN=ksrc PKG='' PKGVER='' DEB=''
	KVER=$(make -s -C "$SRC" kernelversion) || die "'make kernelversion' failed in $KSRC"
	say "using own tree $KSRC ($KVER)"
}

# --- source: a linux-source .deb ------------------------------------------

# Unpacks the kernel tarball inside DEB into $BUILD/src/<package>/, unless a
# stamp says this very .deb was unpacked there already (it takes ~25 s).
extract_deb() {
	local deb=$1 id dir
	PKG=$(dpkg-deb -f "$deb" Package 2>/dev/null) || die "$deb is not a .deb"
	PKGVER=$(dpkg-deb -f "$deb" Version)
	[[ $PKG =~ ^linux-source-[0-9]+\.[0-9]+$ ]] || die "$deb is $PKG, not a linux-source-X.Y package"
	id="$PKG $PKGVER $(stat -c %s "$deb")"
	dir=$BUILD/src/$PKG
	SRC=$dir DEB=$deb
	if [[ -f $dir/.vfsim-extracted && $(<"$dir/.vfsim-extracted") == "$id" ]]; then
		return
	fi
	say "extracting $PKG $PKGVER into $dir (about 30 s)"
	rm -rf "$dir"
	mkdir -p "$BUILD/src"
	dpkg-deb --fsys-tarfile "$deb" |
		tar -xO --wildcards -f - "*usr/src/$PKG.tar.xz" |
		tar -xJ -C "$BUILD/src" -f - ||
		die "could not extract usr/src/$PKG.tar.xz from $deb"
	[[ -f $dir/Makefile ]] || die "$deb did not unpack into $dir"
	# Written last: an interrupted extraction is redone next time.
	echo "$id" >"$dir/.vfsim-extracted"
}

use_kdeb() {
	[[ -f $KDEB ]] || die "KDEB=$KDEB does not exist"
	KDEB=$(cd "$(dirname "$KDEB")" && pwd)/$(basename "$KDEB")
	extract_deb "$KDEB"
	ORIGIN=kdeb
	KVER=$(make -s -C "$SRC" kernelversion)
	say "using $PKG $PKGVER ($KDEB)"
}

# --- source: the Debian archive, through a private apt configuration -------

# Prints the URI of the main Debian archive this machine's apt uses: the
# entry whose suites include the release's own (e.g. bookworm, as opposed to
# bookworm-security). Reading it here keeps mirrors and proxies working.
archive_uri() {
	local codename uri
	# shellcheck source=/dev/null
	codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
	[[ -n $codename ]] || die "cannot tell the Debian release (no VERSION_CODENAME in /etc/os-release)"
	uri=$(list_uris "$codename" | head -n 1)
	[[ -n $uri ]] ||
		die "no apt source for suite '$codename' in /etc/apt/sources.list{,.d}; set KDEB or KSRC instead"
	echo "$uri"
}

list_uris() {
	local suite=$1
	local -a lists=() deb822=()
	shopt -s nullglob
	[[ -f /etc/apt/sources.list ]] && lists+=(/etc/apt/sources.list)
	lists+=(/etc/apt/sources.list.d/*.list)
	deb822=(/etc/apt/sources.list.d/*.sources)
	shopt -u nullglob
	# One-line format: deb [options] URI SUITE COMPONENT...
	if ((${#lists[@]})); then
		awk -v suite="$suite" '
			{ sub(/#.*/, ""); gsub(/\[[^]]*\]/, ""); $0 = $0 }
			$1 == "deb" && $3 == suite { print $2 }
		' "${lists[@]}"
	fi
	# deb822 format: stanzas of "Field: value" lines split by blank lines.
	if ((${#deb822[@]})); then
		awk -v suite="$suite" '
			function flush() {
				if (enabled != "no" && (" " suites " ") ~ (" " suite " ") && uris != "") {
					split(uris, u, " "); print u[1]
				}
				uris = suites = enabled = ""
			}
			FNR == 1 { flush() }
			/^[ \t]*#/ { next }
			/^[ \t]*$/ { flush(); next }
			{ key = tolower($1); $1 = "" }
			key == "uris:" { uris = $0 }
			key == "suites:" { suites = $0 }
			key == "enabled:" { enabled = tolower($2) }
			END { flush() }
		' "${deb822[@]}"
	fi
}

# Sets APT_OPTS so apt works on $BUILD/apt only: the machine's apt state is
# untouched and no root is needed.
setup_private_apt() {
	local uri=$1 dir=$BUILD/apt suite list=""
	mkdir -p "$dir"/{etc/sources.list.d,etc/preferences.d,lists/partial,cache/archives/partial,state,debs}
	# target=Packages: fetch no Contents/DEP-11 files that apt.conf.d
	# snippets (apt-file, appstream) would otherwise add.
	for suite in "${APT_SUITES[@]}"; do
		list+="deb [target=Packages signed-by=$KEYRING] $uri $suite main"$'\n'
	done
	if [[ ! -f $dir/etc/sources.list || $(<"$dir/etc/sources.list") != "${list%$'\n'}" ]]; then
		printf '%s' "$list" >"$dir/etc/sources.list"
		rm -f "$dir/lists/.vfsim-updated"   # other sources: lists are stale
		rm -f "$dir"/lists/.vfsim-pick*
	fi
	APT_OPTS=(
		-o "Dir::Etc=$dir/etc"
		-o "Dir::Etc::sourcelist=$dir/etc/sources.list"
		-o "Dir::Etc::sourceparts=$dir/etc/sources.list.d"
		-o "Dir::State=$dir/state"
		-o "Dir::State::Lists=$dir/lists"
		-o "Dir::State::status=/dev/null"
		-o "Dir::Cache=$dir/cache"
		-o "Acquire::Languages=none"
		# As root apt drops to _apt for downloads and warns it cannot
		# read our directories; there is nothing to protect here.
		-o "APT::Sandbox::User=root"
	)
}

# Refreshes the private lists unless done less than a day ago. Without
# network, lists from an earlier run are good enough.
update_lists() {
	local stamp=$BUILD/apt/lists/.vfsim-updated log=$BUILD/apt/update.log
	if [[ -n $(find "$stamp" -mmin -"$LISTS_MAX_AGE" 2>/dev/null) ]]; then
		return
	fi
	say "updating package lists (${APT_SUITES[*]})"
	# --error-on=any: a failed fetch must not pass for fresh lists.
	if apt-get "${APT_OPTS[@]}" -q --error-on=any update >"$log" 2>&1; then
		grep -E '^(W|E):' "$log" | sed 's/^/kernel: apt: /' >&2 || true
		touch "$stamp"
		rm -f "$BUILD"/apt/lists/.vfsim-pick*
	elif [[ -f $stamp ]]; then
		say "warning: apt-get update failed (see $log); using lists from $(date -r "$stamp" '+%F %R')"
	else
		tail -n 10 "$log" | sed 's/^/  | /' >&2
		die "apt-get update failed; full log: $log (or set KDEB/KSRC)"
	fi
}

# Prints "PACKAGE VERSION" for series $1 (linux-source-$1), or without $1
# the highest linux-source-7.N (N >= 2), the default series; at the version
# apt would pick (its candidate). Cached until the lists change, as each
# apt-cache call takes over a second.
pick_package() {
	local series=${1:-} pkg ver cache=$BUILD/apt/lists/.vfsim-pick${1:+-$1}
	if [[ -s $cache ]]; then
		cat "$cache"
		return
	fi
	if [[ -n $series ]]; then
		pkg=linux-source-$series
		apt-cache "${APT_OPTS[@]}" pkgnames "$pkg" | grep -qx "$pkg" ||
			die "KVER=$series: the archive serves no $pkg (${APT_SUITES[*]}; series it serves: $(apt-cache "${APT_OPTS[@]}" pkgnames linux-source- | sed 's/linux-source-//' | sort -V | tr '\n' ' '))"
	else
		pkg=$(apt-cache "${APT_OPTS[@]}" pkgnames linux-source-7. |
			awk -F. '/^linux-source-7\.[0-9]+$/ && $2 >= 2' | sort -V | tail -n 1)
		[[ -n $pkg ]] || die "the archive serves no linux-source-7.N with N >= 2 (${APT_SUITES[*]})"
	fi
	ver=$(apt-cache "${APT_OPTS[@]}" policy "$pkg" | awk '$1 == "Candidate:" { print $2 }')
	[[ -n $ver && $ver != "(none)" ]] || die "apt has no candidate version of $pkg"
	echo "$pkg $ver" | tee "$cache"
}

# The private apt state, with lists no older than a day.
apt_ready() {
	need_tools apt-get apt-cache dpkg-deb
	ARCHIVE=$(archive_uri)
	setup_private_apt "$ARCHIVE"
	update_lists
}

# Sets SUFFIX for KVER: "" if it names the default series, else "-SERIES",
# so each series builds into its own directory (and keeps its own records).
series_suffix() {
	local pick def
	apt_ready
	pick=$(pick_package "$KV_SERIES")
	def=$(pick_package)
	[[ ${pick% *} == "${def% *}" ]] || SUFFIX=-$KV_SERIES
}

# Downloads PKG=VER into $BUILD/apt/debs unless there already; sets DEB.
download_deb() {
	local pkg=$1 ver=$2 debs=$BUILD/apt/debs size
	DEB=$debs/${pkg}_${ver//:/%3a}_all.deb
	[[ -f $DEB ]] && return
	size=$(apt-cache "${APT_OPTS[@]}" show "$pkg=$ver" | awk '$1 == "Size:" { print int($2 / 1048576); exit }')
	say "downloading $pkg $ver (${size:-?} MB)"
	# Download into a scratch dir: a half-downloaded file must never look
	# like a complete one.
	rm -rf "$debs/partial" && mkdir -p "$debs/partial"
	(cd "$debs/partial" && quietly "$BUILD/apt/download.log" apt-get "${APT_OPTS[@]}" -q download "$pkg=$ver")
	mv "$debs/partial/$(basename "$DEB")" "$DEB" || die "apt-get download did not produce $(basename "$DEB")"
	rmdir "$debs/partial"
	# Older versions of the same package only take space (~170 MB each).
	find "$debs" -maxdepth 1 -name "${pkg}_*.deb" ! -path "$DEB" -delete
}

use_debian() {
	local pick
	apt_ready
	pick=$(pick_package "$KV_SERIES")
	download_deb "${pick% *}" "${pick#* }"
	extract_deb "$DEB"
	ORIGIN=debian
	KVER=$(make -s -C "$SRC" kernelversion)
	say "using $PKG $PKGVER (debian archive, $ARCHIVE)"
}

# Sets SRC ORIGIN KVER PKG PKGVER DEB and records them in
# $BUILD/kernel-version (the default series) or kernel-version-SERIES.
resolve_source() {
	need_tools make tar xz
	lock "$BUILD/.source.lock"
	if [[ -n $KSRC ]]; then
		use_ksrc
	elif [[ -n $KDEB ]]; then
		use_kdeb
	else
		use_debian
	fi
	cat >"$BUILD/kernel-version.tmp" <<EOF
source=$SRC
origin=$ORIGIN
package=$PKG
packageversion=$PKGVER
kernelversion=$KVER
deb=$DEB
EOF
	mv "$BUILD/kernel-version.tmp" "$BUILD/kernel-version$SUFFIX"
	# Released so "headers" need not wait for a running "build".
	unlock
}

# --- headers ---------------------------------------------------------------

install_headers() {
	local dest=$BUILD/uapi stamp=$BUILD/uapi/.vfsim-stamp id="$SRC $KVER $PKGVER"
	if [[ -f $stamp && $(<"$stamp") == "$id" ]]; then
		return
	fi
	say "installing uAPI headers of $KVER into $dest/include"
	rm -rf "$dest" "$BUILD/uapi-build"
	mkdir -p "$BUILD/uapi-build"
	# Out of tree (O=), so the source tree stays untouched. "headers" plus a
	# copy is headers_install without its need for rsync.
	quietly "$BUILD/uapi-build/headers.log" make -s -C "$SRC" ARCH=x86 \
		O="$BUILD/uapi-build" headers
	mkdir -p "$dest"
	cp -a "$BUILD/uapi-build/usr/include" "$dest/"
	find "$dest/include" -type f ! -name '*.h' -delete   # kbuild's .cmd files
	[[ -f $dest/include/linux/virtio_pcidev.h ]] ||
		die "$KVER has no linux/virtio_pcidev.h (UML PCI needs a newer kernel)"
	echo "$id" >"$stamp"
}

# --- profile series (driver/kseries/) -------------------------------------

# Sets PROFILE_SERIES (the series driver/kconfig/$KPROFILE.series lists, in
# its order), PROFILE_PATCHES (their patches, series by series, each in name
# order) and PROFILE_HASH (names and content).  A profile without a .series
# file has none.  KSERIES=off empties them (SERIES_OFF keeps the names for
# messages) and builds into a directory of its own, so switching never
# rebuilds the other.
profile_series() {
	local file=$HERE/kconfig/$KPROFILE.series line n=0 name p
	local -a words found
	PROFILE_SERIES=() PROFILE_PATCHES=() PROFILE_HASH='' SERIES_OFF=()
	[[ -f $file ]] || return 0
	while IFS= read -r line || [[ -n $line ]]; do
		n=$((n + 1))
		read -r -a words <<<"${line%%#*}"
		((${#words[@]})) || continue
		((${#words[@]} == 1)) || die "$file:$n: one series name per line (got '${words[*]}')"
		name=${words[0]}
		[[ $name =~ ^[A-Za-z0-9_.-]+$ ]] || die "$file:$n: bad series name '$name'"
		[[ -d $HERE/kseries/$name ]] || die "$file:$n: no series driver/kseries/$name"
		[[ " ${PROFILE_SERIES[*]} " != *" $name "* ]] || die "$file:$n: series '$name' listed twice"
		shopt -s nullglob
		found=("$HERE/kseries/$name"/*.patch)
		shopt -u nullglob
		((${#found[@]})) || die "$file:$n: driver/kseries/$name has no *.patch files"
		for p in "${found[@]}"; do
			grep -qE '^\+\+\+ ' "$p" ||
				die "driver/kseries/$name/${p##*/} is not a patch (no '+++' line)"
		done
		PROFILE_SERIES+=("$name")
		PROFILE_PATCHES+=("${found[@]}")
	done <"$file"
	((${#PROFILE_SERIES[@]})) || die "$file names no series (delete it for a profile without series)"
	PROFILE_HASH=$({
		printf '%s\n' "${PROFILE_SERIES[@]}"
		cat "${PROFILE_PATCHES[@]}"
	} | sha256sum | cut -c1-16)
	if [[ $KSERIES == off ]]; then
		SERIES_OFF=("${PROFILE_SERIES[@]}")
		PROFILE_SERIES=() PROFILE_PATCHES=() PROFILE_HASH=''
		OUT=$OUT+noseries
	fi
}

# The profile's series as build records and messages name them.
series_label() {
	if ((${#PROFILE_SERIES[@]})); then
		local IFS=,
		echo "${PROFILE_SERIES[*]}"
	elif ((${#SERIES_OFF[@]})); then
		echo off
	else
		echo none
	fi
}

# The oldest kernel series (X.Y) driver/kseries/$1 applies to: its file
# 'since' (one line, e.g. 7.2), or nothing for a series without a bound.
series_since() {
	local f=$HERE/kseries/$1/since v
	[[ -f $f ]] || return 0
	v=$(sed -n '/^[[:space:]]*[^#[:space:]]/{s/[[:space:]]//g;p;q}' "$f")
	[[ $v =~ ^[0-9]+\.[0-9]+$ ]] || die "driver/kseries/$1/since: want a series like 7.2 (got '$v')"
	echo "$v"
}

# Leaves out of PROFILE_SERIES the series whose 'since' is newer than the
# tree picked ($KVER), saying so: under KVER=6.12 the debug profile builds
# without the lock-detector series, and the scenarios that need them are
# skipped (vfsim-series does not list them).  Recomputes the hash.
series_for_version() {
	local name since have=${KVER%.*} keep=() p
	((${#PROFILE_SERIES[@]})) || return 0
	[[ $KVER =~ ^[0-9]+\.[0-9]+ ]] && have=${BASH_REMATCH[0]}
	for name in "${PROFILE_SERIES[@]}"; do
		since=$(series_since "$name")
		if [[ -n $since && $(printf '%s\n%s\n' "$since" "$have" | sort -V | head -n1) != "$since" ]]; then
			say "series $name left out: it applies to $since and later (driver/kseries/$name/since), this is $KVER"
			continue
		fi
		keep+=("$name")
	done
	((${#keep[@]} != ${#PROFILE_SERIES[@]})) || return 0
	PROFILE_SERIES=("${keep[@]}") PROFILE_PATCHES=()
	shopt -s nullglob
	for name in "${keep[@]}"; do
		for p in "$HERE/kseries/$name"/*.patch; do PROFILE_PATCHES+=("$p"); done
	done
	shopt -u nullglob
	PROFILE_HASH=''
	((${#keep[@]})) && PROFILE_HASH=$({
		printf '%s\n' "${PROFILE_SERIES[@]}"
		cat "${PROFILE_PATCHES[@]}"
	} | sha256sum | cut -c1-16)
	return 0
}

# Applies the profile's series, then KPATCHES, each to its own hard-link
# copy of the tree below it; SRC ends as the tree to build.
apply_layers() {
	PRISTINE=$SRC LAYERS=() BASE_EXTRA=''
	series_for_version
	if ((${#SERIES_OFF[@]})); then
		say "series off (KSERIES=off): not applying ${SERIES_OFF[*]}; building into $OUT"
	fi
	if ((${#PROFILE_SERIES[@]})); then
		# The series tree is also the profile's own build's: under KPATCHES,
		# not while that build applies it.
		local fd
		[[ -z $KPATCHES ]] || { exec {fd}>"$BUILD/kernel/$KPROFILE$SUFFIX.lock" && flock "$fd"; }
		apply_layer "$KPROFILE" "series $(series_label)" "$PROFILE_HASH" \
			"$BUILD/kernel/series-$KPROFILE$SUFFIX.log" "${PROFILE_PATCHES[@]}"
		[[ -z $KPATCHES ]] || exec {fd}>&-
		BASE_EXTRA=" series=$PROFILE_HASH"
	fi
	if [[ -n $KPATCHES ]]; then
		local below=${OUT##*/}
		apply_layer "${OUT##*/}" KPATCHES "$SERIES" \
			"$BUILD/kernel/patches-${below%+patches}.log" "${PATCHES[@]}"
	fi
	return 0
}

# --- patches (KPATCHES) ----------------------------------------------------

# Sets PATCHES (absolute paths, in order), SERIES (their content's hash) and
# OUT, the build directory of patched kernels of this profile.
patch_list() {
	local p
	PATCHES=()
	if [[ -d $KPATCHES ]]; then
		for p in "$KPATCHES"/*.patch; do
			[[ -f $p ]] && PATCHES+=("$(cd "$(dirname "$p")" && pwd)/${p##*/}")
		done
		((${#PATCHES[@]})) || die "KPATCHES=$KPATCHES: no *.patch files in it"
	elif [[ -f $KPATCHES ]]; then
		PATCHES=("$(cd "$(dirname "$KPATCHES")" && pwd)/${KPATCHES##*/}")
	else
		die "KPATCHES=$KPATCHES: no such file or directory"
	fi
	for p in "${PATCHES[@]}"; do
		grep -qE '^\+\+\+ ' "$p" || die "KPATCHES: $p is not a patch (no '+++' line)"
	done
	SERIES=$(cat "${PATCHES[@]}" | sha256sum | cut -c1-16)
	OUT=$OUT+patches
}

# The tree paths a patch series touches ("--- a/X", "+++ b/X" lines).
patch_paths() {
	sed -nE 's@^(\+\+\+|---) [ab]/([^[:space:]]+).*@\2@p' "$@" | sort -u
}

# Copies the source tree to $1 as hard links (no space, a second or two
# per thousand files); a copy across file systems falls back to real files.
# "$from/." copies the tree a symbolic link names, never the link.
copy_tree() {
	local from=$1 to=$2
	rm -rf "$to"
	mkdir -p "$to"
	if ! cp -al "$from/." "$to/" 2>/dev/null; then
		rm -rf "$to" && mkdir -p "$to"
		say "hard links impossible ($to is on another file system): copying"
		cp -a "$from/." "$to/"
	fi
	rm -rf "$to/.git"
}

# Puts the pristine version of tree path $1 back into the patched tree, as a
# file of its own with a new modification time, so that kbuild recompiles
# what a previous series changed there.
restore_path() {
	local path=$1
	rm -f "$PSRC/$path"
	if [[ -e $SRC/$path ]]; then
		cp "$SRC/$path" "$PSRC/$path"
	fi
}

# A patched path must not stay a hard link to the pristine tree: give it a
# file of its own before patch(1) touches it.
own_path() {
	local path=$1
	[[ -f $PSRC/$path ]] || return 0
	cp "$PSRC/$path" "$PSRC/$path.vfsim-own"
	mv -f "$PSRC/$path.vfsim-own" "$PSRC/$path"
}

# The state file of the patched tree: "base <id>", "series <hash>|none",
# then "path <tree path>" for every path a series was (being) applied to.
# Written before patching, so an interrupted or failed series is undone.
patched_state() {
	local series=$1 path
	{
		echo "base $BASE_ID"
		echo "series $series"
		for path in "${TOUCHED[@]}"; do echo "path $path"; done
	} >"$PSRC/.vfsim-patches.tmp"
	mv "$PSRC/.vfsim-patches.tmp" "$PSRC/.vfsim-patches"
}

# The tree paths recorded in patched tree $1's state file.
series_paths() {
	sed -n 's/^path //p' "$1/.vfsim-patches"
}

# apply_layer NAME LABEL ID LOG PATCH...: makes $PSRC=$BUILD/src/<tree>+NAME,
# a hard-link copy of $SRC with the patches applied (LABEL names them in
# messages, ID is their hash), appends it to LAYERS and switches SRC to it.
# Switching to other patches only restores and re-patches the paths
# involved, so the build directory recompiles just those files.  The copy
# is made afresh when what lies below changed (another source or version,
# or, through BASE_EXTRA, other series under KPATCHES).
apply_layer() {
	local name=$1 label=$2 id=$3 log=$4 state p path pname
	shift 4
	local -a patches=("$@") old=()
	PSRC=$BUILD/src/${PRISTINE##*/}+$name
	state=$PSRC/.vfsim-patches
	BASE_ID="$SRC $KVER $PKGVER$BASE_EXTRA"
	if [[ ! -f $state || $(sed -n 1p "$state") != "base $BASE_ID" ]] ||
		[[ $ORIGIN == ksrc && -n $(find "$SRC" -name .git -prune -o -newer "$state" -print -quit) ]]; then
		say "copying $SRC to $PSRC (hard links)"
		copy_tree "$SRC" "$PSRC"
		TOUCHED=()
		patched_state none
	fi
	LAYERS+=("$PSRC")
	if [[ $(sed -n 2p "$state") == "series $id" ]]; then
		say "$label already applied in $PSRC (${#patches[@]} patches)"
		SRC=$PSRC
		return
	fi
	mapfile -t old < <(series_paths "$PSRC")
	for path in "${old[@]}"; do restore_path "$path"; done
	mapfile -t TOUCHED < <(patch_paths "${patches[@]}")
	patched_state none
	for path in "${TOUCHED[@]}"; do own_path "$path"; done
	: >"$log"
	for p in "${patches[@]}"; do
		pname=${p##*/}
		[[ $label == KPATCHES ]] || pname=${p#"$HERE"/kseries/}
		{ echo "== $pname"; } >>"$log"
		if ! patch -p1 -d "$PSRC" --forward --batch --fuzz=0 --no-backup-if-mismatch \
			-r - -i "$p" >>"$log" 2>&1; then
			sed -n "\@^== $pname\$@,\$p" "$log" |
				grep -E '^patching file|FAILED|malformed|can.t find|Reversed|Only garbage' |
				tail -n 8 | sed 's/^/  | /' >&2
			[[ $label == KPATCHES ]] ||
				say "KSERIES=off (--no-series) builds without the profile's series"
			die "${label%% *}: $pname does not apply to $KVER (${SRC##*/}); log: $log"
		fi
		if grep -qE '^Hunk .* (offset)' <(sed -n "\@^== $pname\$@,\$p" "$log"); then
			say "warning: $pname applied at an offset (see $log)"
		fi
	done
	patched_state "$id"
	say "applied $label: ${#patches[@]} patches to $PSRC (${#TOUCHED[@]} files)"
	SRC=$PSRC
}

# After a patched build: every compiled .c file of the series and of
# KPATCHES must have an object newer than itself, or the kernel silently
# runs unpatched code.
check_patched_objects() {
	local layer path obj
	for layer in "${LAYERS[@]}"; do
		while read -r path; do
			obj=$OUT/${path%.c}.o
			[[ $path == *.c && -f $obj ]] || continue
			[[ ! $SRC/$path -nt $obj ]] ||
				die "$obj is older than the patched $path: the kernel would run unpatched code (rm -rf $OUT and rebuild)"
		done < <(series_paths "$layer")
	done
}

# --- config ----------------------------------------------------------------

# A different source tree (or version) leaves objects that kbuild may not
# notice are stale; start such a build directory from scratch.  One change
# is safe to keep: a directory built from the pristine tree that now builds
# from the profile's series tree (a profile that gained its first series).
prepare_outdir() {
	local id="$SRC $KVER $PKGVER" mark=$OUT/.vfsim-source
	if [[ -d $OUT && (! -f $mark || $(<"$mark") != "$id") ]]; then
		if [[ -z $KPATCHES && -n ${LAYERS[*]} && -f $mark &&
			$(<"$mark") == "$PRISTINE $KVER $PKGVER" ]] && retarget_outdir; then
			:
		else
			say "new source for $OUT: starting from an empty build directory"
			rm -rf "$OUT"
		fi
	fi
	[[ -d $OUT || -z $KPATCHES ]] || seed_outdir
	mkdir -p "$OUT"
	echo "$id" >"$mark"
}

# rewrite_paths DIR OLD_SRC OLD_OUT: makes build directory DIR, built from
# OLD_SRC into OLD_OUT, name $SRC and $OUT instead in its makefile and
# kbuild's .cmd files (command lines, dependencies).  Fails if OLD_SRC is
# still named somewhere.
rewrite_paths() {
	local dir=$1 was=$2 from=$3
	find "$dir" -name '*.cmd' -print0 |
		xargs -0 -r sed -i -e "s|$was/|$SRC/|g" -e "s|$was\$|$SRC|g" -e "s|$from/|$OUT/|g"
	sed -i -e "s|$was/|$SRC/|g" -e "s|$from\$|$OUT|g" "$dir/Makefile"
	! grep -rqsF --include='*.cmd' "$was/" "$dir" && ! grep -qF "$was/" "$dir/Makefile"
}

# Makes every path the layers patched newer than any object, so that
# kbuild recompiles them in a directory built from other sources.
touch_layer_paths() {
	local layer path
	for layer in "$@"; do
		series_paths "$layer" | while read -r path; do
			[[ ! -e $SRC/$path ]] || touch "$SRC/$path"
		done
	done
}

# The profile's series tree is a hard-link copy of the pristine one whose
# patched files have their own, newer copies: a build of the pristine tree
# is a valid starting point once it names the series tree, and kbuild
# recompiles only what the series touched (about a minute, not a cold
# build).
retarget_outdir() {
	say "$OUT was built from $PRISTINE: rebuilding only what the series change"
	rm -f "$OUT/.vfsim-stamp"
	if ! rewrite_paths "$OUT" "$PRISTINE" "$OUT"; then
		say "warning: $OUT still names $PRISTINE"
		return 1
	fi
	touch_layer_paths "${LAYERS[@]}"
}

# A patched tree is a hard-link copy: its files keep the pristine files'
# modification times.  So the unpatched build of the same profile is a valid
# starting point for the patched one, once the source path recorded in its
# makefile and kbuild's .cmd files (command lines, dependencies) is the
# patched tree's: kbuild then recompiles only what the series touched.
# Without an unpatched build, or if a path is left over, start empty.
seed_outdir() {
	local from=${OUT%+patches} base=${BASE_ID%% *} mark fd
	mark="$base $KVER $PKGVER"
	[[ -x $from/linux && -f $from/.vfsim-stamp && -f $from/.vfsim-source &&
		$(<"$from/.vfsim-source") == "$mark" ]] || return 0
	say "seeding $OUT from the unpatched build $from"
	rm -rf "$OUT.seed"
	# Not while the unpatched build is being rebuilt.
	exec {fd}>"$from.lock"
	flock "$fd"
	cp -a "$from" "$OUT.seed"
	exec {fd}>&-
	rm -f "$OUT.seed/.vfsim-stamp" "$OUT.seed/build-times"
	if ! rewrite_paths "$OUT.seed" "$base" "$from"; then
		say "warning: the unpatched build still names $base; building from nothing"
		rm -rf "$OUT.seed"
		return 0
	fi
	mv "$OUT.seed" "$OUT"
	# The seeded objects may be newer than the series' files (the
	# unpatched kernel was rebuilt after they were patched): make the
	# patched files newer still, or kbuild would keep unpatched objects.
	touch_layer_paths "$SRC"
}

configure() {
	local log=$OUT/config.log
	need_tools gcc flex bison
	prepare_outdir
	say "configuring $KVER ($KPROFILE): defconfig + ${FRAGMENTS[*]##*/}"
	quietly "$log" make -C "$SRC" ARCH=um O="$OUT" defconfig
	# Older merge_config.sh versions put temp files in the current directory:
	# run it from the build dir, never from the (user-owned) source tree.
	(cd "$OUT" && quietly "$OUT/merge.log" "$SRC/scripts/kconfig/merge_config.sh" \
		-m -O "$OUT" "$OUT/.config" "${FRAGMENTS[@]}")
	quietly "$log" make -C "$SRC" ARCH=um O="$OUT" olddefconfig
	verify_config
}

# Prints the value of each "CONFIG_X=v" / "# CONFIG_X is not set" line
# of the given files as "CONFIG_X v", with "n" for "not set".
config_values() {
	sed -nE -e 's/^(CONFIG_[A-Za-z0-9_]+)=(.*)$/\1 \2/p' \
		-e 's/^# (CONFIG_[A-Za-z0-9_]+) is not set[[:space:]]*$/\1 n/p' "$@"
}

fmt_option() {
	if [[ $2 == n ]]; then echo "# $1 is not set"; else echo "$1=$2"; fi
}

# A fragment option the tree does not define at all is no error on another
# series than the default (CONFIG_VIRTIO_VFIO_PCI_ADMIN_LEGACY came in
# 6.13; on 6.12 its code is part of VIRTIO_VFIO_PCI) nor on your own tree;
# on the default series it is a typo.
absent_ok() {
	local sym=${1#CONFIG_}
	[[ -n $SUFFIX || $ORIGIN != debian ]] || return 1
	! grep -rqsE --include='Kconfig*' "^[[:space:]]*(menu)?config[[:space:]]+$sym[[:space:]]*\$" "$SRC"
}

# kconfig silently drops options whose dependencies are off; like kunit_tool,
# fail on every fragment line that did not make it into .config.
verify_config() {
	local -A want=() got=()
	local -a order=() bad=()
	local sym val
	while read -r sym val; do
		[[ -v "want[$sym]" ]] || order+=("$sym")
		want[$sym]=$val   # a later fragment overrides an earlier one
	done < <(config_values "${FRAGMENTS[@]}")
	while read -r sym val; do
		got[$sym]=$val
	done < <(config_values "$OUT/.config")
	for sym in "${order[@]}"; do
		val=${got[$sym]:-n}
		[[ $val == "${want[$sym]}" ]] && continue
		if ! [[ -v "got[$sym]" ]] && absent_ok "$sym"; then
			say "note: $sym is not an option of $KVER: skipped"
			continue
		fi
		[[ $val == n ]] && val="not set"
		bad+=("  $(fmt_option "$sym" "${want[$sym]}") (got: $val)")
	done
	if ((${#bad[@]})); then
		echo "kernel: error: these fragment options did not survive olddefconfig (missing dependency?):" >&2
		printf '%s\n' "${bad[@]}" >&2
		exit 1
	fi
	say "config ok: ${#order[@]} fragment options verified in $OUT/.config"
}

# --- build -----------------------------------------------------------------

# Identifies what a build was made from; a changed fragment or source
# changes it.
build_id() {
	{
		printf 'source=%s\nkernelversion=%s\norigin=%s\npackage=%s %s\n' \
			"$SRC" "$KVER" "$ORIGIN" "$PKG" "$PKGVER"
		local f
		for f in "${FRAGMENTS[@]}"; do
			printf 'fragment %s\n' "${f##*/}"
			cat "$f"
		done
		((${#PROFILE_SERIES[@]} == 0)) || printf 'series %s %s\n' "$(series_label)" "$PROFILE_HASH"
		[[ -z $KPATCHES ]] || printf 'patches %s\n' "$SERIES"
	} | sha256sum | cut -d' ' -f1
}

up_to_date() {
	local stamp=$OUT/.vfsim-stamp
	[[ -f $stamp && -x $OUT/linux && $(<"$stamp") == "$(build_id)" ]] || return 1
	# The user's own tree may have been edited since the last build.
	if [[ $ORIGIN == ksrc ]]; then
		[[ -z $(find "$SRC" \( -name .git -o -path "$BUILD" \) -prune -o -newer "$stamp" -print -quit) ]] || return 1
	fi
	return 0
}

MAKE_PID=
# Stops an interrupted build: make runs in its own session (setsid), so the
# whole process group, compilers included, goes.
stop_make() {
	if [[ -n $MAKE_PID ]]; then
		kill -TERM -- "-$MAKE_PID" 2>/dev/null || true
		MAKE_PID=
	fi
}
trap stop_make EXIT

# Runs make in the background with its output in LOG, printing a progress
# line every PROGRESS_EVERY seconds; returns make's exit status via STATUS.
make_with_progress() {
	local log=$1 start=$SECONDS next=$((SECONDS + PROGRESS_EVERY)) compiled
	shift
	setsid "$@" >"$log" 2>&1 </dev/null &
	MAKE_PID=$!
	while kill -0 "$MAKE_PID" 2>/dev/null; do
		sleep 1
		if ((SECONDS >= next)); then
			compiled=$(grep -c '^  CC ' "$log" || true)
			say "building $KVER ($KPROFILE): $compiled objects compiled, $(fmt_duration $((SECONDS - start)))"
			next=$((next + PROGRESS_EVERY))
		fi
	done
	STATUS=0
	wait "$MAKE_PID" || STATUS=$?
	MAKE_PID=
}

build_kernel() {
	local log=$OUT/build.log start=$SECONDS
	configure
	rm -f "$OUT/.vfsim-stamp"   # no stale "up to date" if this build fails
	say "building $KVER ($KPROFILE, series: $(series_label)) with $JOBS jobs; log: $log"
	make_with_progress "$log" make -C "$SRC" ARCH=um O="$OUT" -j"$JOBS" linux
	if ((STATUS != 0)); then
		say "last 30 lines of $log:"
		tail -n 30 "$log" >&2
		die "kernel build failed (exit $STATUS); full log: $log"
	fi
	[[ -x $OUT/linux ]] || die "make succeeded but $OUT/linux is missing"
	check_patched_objects
	build_id >"$OUT/.vfsim-stamp"
	# For make bench: what each build of this directory cost, and how much
	# it compiled (a cold build compiles everything, a rebuild a few files).
	printf 'date=%s seconds=%d compiled=%d series=%s\n' "$(date -u +%FT%TZ)" \
		$((SECONDS - start)) "$(grep -c '^  CC ' "$log" || true)" "$(series_label)" >>"$OUT/build-times"
	say "built $OUT/linux in $(fmt_duration $((SECONDS - start))) (series: $(series_label))"
}

# --- commands --------------------------------------------------------------

cmd_source() {
	resolve_source
	echo "$SRC"
}

# The agent and simulator are built once, against the default series'
# headers (or KSRC's, or KDEB's): they run on every kernel of the matrix.
cmd_headers() {
	KV_SERIES= SUFFIX=
	resolve_source
	lock "$BUILD/.uapi.lock"
	install_headers
	say "uAPI headers: $BUILD/uapi/include ($KVER)"
	echo "$BUILD/uapi/include"
}

cmd_config() {
	resolve_source
	mkdir -p "$BUILD/kernel" && lock "$OUT.lock"
	apply_layers
	configure
	echo "$OUT/.config"
}

# $OUT/vfsim-series: the series in this kernel, one per line, for vfsim
# (a scenario's "topology series=NAME" is skipped on a kernel without it).
record_series() {
	local s
	for s in "${PROFILE_SERIES[@]}"; do echo "$s"; done >"$OUT/vfsim-series.tmp"
	mv "$OUT/vfsim-series.tmp" "$OUT/vfsim-series"
}

cmd_build() {
	resolve_source
	mkdir -p "$BUILD/kernel" && lock "$OUT.lock"
	apply_layers
	if ((FORCE == 0)) && up_to_date; then
		say "up to date: $OUT/linux ($KVER, $KPROFILE, series: $(series_label))"
	else
		build_kernel
	fi
	record_series
	echo "$OUT/linux"
}

cmd_patch() {
	[[ -n $KPATCHES || ${#PROFILE_SERIES[@]} -gt 0 ]] ||
		die "'patch' needs KPATCHES (or --patches), or a profile with series"
	resolve_source
	mkdir -p "$BUILD/kernel" && lock "$OUT.lock"
	apply_layers
	echo "$SRC"
}

cmd_path() {
	echo "$OUT/linux"
}

cmd_version() {
	[[ -f $BUILD/kernel-version$SUFFIX ]] ||
		die "no kernel picked yet in $BUILD${KV_SERIES:+ for KVER=$KV_SERIES}; run 'driver/kernel.sh${KV_SERIES:+ --kver $KV_SERIES} source'"
	cat "$BUILD/kernel-version$SUFFIX"
}

cmd_series() {
	local def
	apt_ready
	def=$(pick_package)
	def=${def% *}
	echo "${MATRIX_SERIES[*]} ${def#linux-source-}"
}

main() {
	parse_args "$@"
	setup_env
	case $COMMAND in
	source | headers | config | build | patch | path | version | series) "cmd_$COMMAND" ;;
	*) die "unknown command '$COMMAND' (see --help)" ;;
	esac
}

main "$@"
