#!/bin/bash
# Run the unit tests: Check forks each test (CK_FORK default), prints the
# failures and its summary line; the binary exits non-zero on any failure.
set -u
bin=${1:-build/bin/unit-tests}
if [ ! -x "$bin" ]; then
	echo "run-unit.sh: $bin not built (make unit)" >&2
	exit 2
fi
"$bin"
status=$?
[ "$status" -eq 0 ] || echo "run-unit.sh: unit tests FAILED (exit $status)" >&2
exit "$status"
