#!/usr/bin/env bash
# `make demo`: boot UML against the simulated virtio-net PF and watch the
# real virtio_pci and virtio_net drivers probe it.
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-$ROOT/build}
case $BUILD in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
DIR=$BUILD/runs/demo
rc=0

echo "== booting UML; the console follows"
"$BUILD/bin/vfsim" run -o "$DIR" probe list || rc=$?
echo
echo "== what the simulated PF saw (trace.log, admin commands):"
awk '$3 == "admin"' "$DIR/trace.log" | sed 's/^/   /'
echo "== results: $DIR (console.log, trace.log, agent.log, summary.txt)"
exit $rc
