#!/usr/bin/env bash
# Install the Debian/Ubuntu host packages vfsim needs to build the UML kernel,
# the simulator and its tests. Cheap when everything is there already.
set -euo pipefail

BASE=(
	build-essential flex bison bc libelf-dev libssl-dev # kernel build
	check libsubunit-dev libpciaccess-dev pkg-config    # sim/ and its tests
	xz-utils patch                                      # linux-source tarball, KPATCHES
	graphviz python3 ca-certificates
	lcov                                                # vfsim cover: geninfo, genhtml
)
# make fuzz: clang's libFuzzer (libclang-rt-dev follows the default clang).
FUZZ=(clang libclang-rt-dev)
PACKAGES=()

usage() {
	cat <<'EOF'
usage: driver/deps.sh [--check] [base|fuzz|all]

Installs the missing host packages with apt-get (as root), or prints the
command to run (otherwise). base: what make check and make demo need
(the default); fuzz: base and clang with libFuzzer for make fuzz; all:
both (make deps). --check only reports; exit 1 if any is missing.
EOF
}

say() { echo "deps: $*" >&2; }
die() {
	echo "deps: error: $*" >&2
	exit 1
}

# Prints the packages of PACKAGES that are not installed, one a line.
missing_packages() {
	# One dpkg-query for all; it fails for unknown names, which count as
	# missing just like removed ones.
	dpkg-query -W -f='${Package} ${Status}\n' "${PACKAGES[@]}" 2>/dev/null |
		awk -v want="${PACKAGES[*]}" '
			$2 == "install" && $3 == "ok" && $4 == "installed" { ok[$1] = 1 }
			END { n = split(want, w, " "); for (i = 1; i <= n; i++) if (!(w[i] in ok)) print w[i] }
		' || true
}

# True if apt knows an installable version of every package given.
all_installable() {
	local pkg candidate
	for pkg in "$@"; do
		candidate=$(apt-cache policy "$pkg" 2>/dev/null | awk '$1 == "Candidate:" { print $2 }')
		[[ -n $candidate && $candidate != "(none)" ]] || return 1
	done
}

install() {
	export DEBIAN_FRONTEND=noninteractive
	# The package lists may be missing (fresh container) or too old to
	# know a package: refresh them only then, it takes a while.
	if ! all_installable "$@"; then
		say "updating package lists"
		apt-get -q update >/dev/null || die "apt-get update failed"
	fi
	apt-get install -q -y --no-install-recommends "$@" || die "apt-get install failed"
}

main() {
	local check_only=false arg
	PACKAGES=("${BASE[@]}")
	for arg in "$@"; do
		case $arg in
		--check) check_only=true ;;
		base) ;;
		fuzz | all) PACKAGES=("${BASE[@]}" "${FUZZ[@]}") ;;
		-h | --help) usage; exit 0 ;;
		*) usage >&2; die "unknown argument: $arg" ;;
		esac
	done
	command -v dpkg-query >/dev/null ||
		die "needs a Debian-based system (dpkg, apt); install: ${PACKAGES[*]}"

	local -a missing
	mapfile -t missing < <(missing_packages)
	if ((${#missing[@]} == 0)); then
		say "all present"
		return
	fi
	say "missing: ${missing[*]}"
	if $check_only || ((EUID != 0)); then
		say "run: sudo apt-get install -y --no-install-recommends ${missing[*]}"
		exit 1
	fi
	install "${missing[@]}"
	mapfile -t missing < <(missing_packages)
	((${#missing[@]} == 0)) || die "still missing after install: ${missing[*]}"
	say "installed; all present"
}

main "$@"
