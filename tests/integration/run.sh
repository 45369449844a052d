#!/usr/bin/env bash
# All integration suites (each boots UML several times); TAP per suite.
# Usage: tests/integration/run.sh [SUITE...]   (probe sriov migrate legacy cover sweep)
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
suites=("$@")
[ ${#suites[@]} -gt 0 ] || suites=(probe sriov migrate legacy cover sweep)
rc=0
for s in "${suites[@]}"; do
	echo "# suite: $s"
	"$HERE/$s.sh" || rc=1
done
exit $rc
