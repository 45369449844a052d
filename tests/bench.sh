#!/usr/bin/env bash
# `make bench`: speed and CPU figures of the simulator with the real kernel.
# Figures, not assertions: read them with the machine's noise in mind.
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-$ROOT/build}
case $BUILD in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
VFSIM=$BUILD/bin/vfsim
RUNS=$BUILD/bench-runs
PF=0000:00:00.0
ROUNDS=${ROUNDS:-5}
READS=${READS:-10000}
IDLE_S=${IDLE_S:-5}

mkdir -p "$RUNS"

get() { sed -n "s/^$2=//p" "$1/summary.txt"; }
field() { grep -o "$2=[^ ]*" "$1" | head -1 | cut -d= -f2; }
median() { sort -g | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

# Microseconds from the PF's first config read to the last admin command.
probe_us() {
	awk '$2 == "pf" && $3 == "cfg-read" && !s { s = $1 }
	     $3 == "admin" { e = $1 } END { print e - s }' "$1/trace.log"
}

run() {
	local dir=$RUNS/$1
	shift
	rm -rf "$dir"
	"$VFSIM" run -q -o "$dir" "$@" >/dev/null 2>&1 || {
		echo "bench: run failed: $dir" >&2
		exit 1
	}
	echo "$dir"
}

echo "vfsim bench: $(sed -n 's/^kernelversion=//p' "$BUILD/kernel-version" 2>/dev/null) UML, KPROFILE=${KPROFILE:-debug}, $(nproc) cores"

walls=() agents=() probes=()
for i in $(seq "$ROUNDS"); do
	d=$(run "boot-$i" "mark agent" probe)
	walls+=("$(get "$d" uml_wall_s)")
	agents+=("$(get "$d" mark.agent.t_s)")
	probes+=("$(probe_us "$d")")
done
printf 'boot to agent (wall):            %8.3f s   (median of %d)\n' \
	"$(printf '%s\n' "${agents[@]}" | median)" "$ROUNDS"
printf 'PF probe (1st cfg read..admin):  %8.1f ms\n' \
	"$(echo "$(printf '%s\n' "${probes[@]}" | median) / 1000" | bc -l)"
printf 'boot + PF probe + poweroff:      %8.3f s   (target <= 1.0 s)\n' \
	"$(printf '%s\n' "${walls[@]}" | median)"

for trace in all none; do
	d=$(run "cfg-$trace" --trace "$trace" probe "cfg-bench $PF $READS")
	line=$(grep 'name=cfg-bench' "$d/agent.log")
	printf 'config read, trace=%-4s          median %6.1f us  p99 %6.1f us  %7.0f ops/s  (target median <= 25 us)\n' \
		"$trace" "$(field <(echo "$line") median_us)" \
		"$(field <(echo "$line") p99_us)" "$(field <(echo "$line") ops_per_s)"
done
# UML's user space under seccomp instead of ptrace (SMP kernels need it;
# --seccomp chooses on the others): config reads and boot, both ways.
for sc in off on; do
	boots=()
	for i in $(seq "$ROUNDS"); do
		d=$(run "seccomp-$sc-$i" --cpus 1 --seccomp "$sc" "mark agent" probe)
		boots+=("$(get "$d" mark.agent.t_s)")
	done
	d=$(run "seccomp-$sc-cfg" --cpus 1 --seccomp "$sc" probe "cfg-bench $PF $READS")
	line=$(grep 'name=cfg-bench' "$d/agent.log")
	printf 'seccomp=%-3s config read median %6.1f us  p99 %6.1f us; boot to agent %6.3f s\n' \
		"$sc" "$(field <(echo "$line") median_us)" \
		"$(field <(echo "$line") p99_us)" \
		"$(printf '%s\n' "${boots[@]}" | median)"
done

d=$(run idle probe "mark idle-start" "sleep $IDLE_S" "mark idle-end")
cpu0=$(get "$d" mark.idle-start.bus_cpu_s)
cpu1=$(get "$d" mark.idle-end.bus_cpu_s)
t0=$(get "$d" mark.idle-start.t_s)
t1=$(get "$d" mark.idle-end.t_s)
printf 'simulator CPU, guest idle:       %8.2f %% of one core over %.1f s (target < 2 %%)\n' \
	"$(echo "($cpu1 - $cpu0) * 100 / ($t1 - $t0)" | bc -l)" \
	"$(echo "$t1 - $t0" | bc -l)"

# SR-IOV: 100 enable/disable cycles of 1..7 VFs under time-travel, with the
# VFs auto-probed by virtio-net and without drivers.
for probe in 1 0; do
	d=$(run "cycles-$probe" --vfs 7 --time-travel inf-cpu -t 600 probe \
		"sriov-autoprobe $PF $probe" "mark c0" "sriov-cycles $PF 7 100" \
		"mark c1")
	t=$(echo "$(get "$d" mark.c1.t_s) - $(get "$d" mark.c0.t_s)" | bc -l)
	cpu=$(echo "$(get "$d" mark.c1.bus_cpu_s) - $(get "$d" mark.c0.bus_cpu_s)" | bc -l)
	printf '100 SR-IOV cycles, 7 VFs, autoprobe=%d: %6.2f s wall, simulator %5.2f s CPU (%3.0f %% of a core) (target <= 10 s)\n' \
		"$probe" "$t" "$cpu" "$(echo "$cpu * 100 / $t" | bc -l)"
done

# Migration: downtime (STOP_COPY read + RESUMING write) over 100 VF0 -> VF1
# migrations of the default context, and throughput with a 16 MiB context.
MIG=(--vfs 2 probe "sriov-autoprobe $PF 0" "sriov-enable $PF 2" vfio-noiommu
	"bind 0000:00:01.0 virtio_vfio_pci" "bind 0000:00:02.0 virtio_vfio_pci"
	"vfio-open 0000:00:01.0" "vfio-open 0000:00:02.0" "program-queues 0000:00:01.0")
d=$(run mig-default "${MIG[@]}" "mig-bench 0000:00:01.0 0000:00:02.0 100")
l=$(grep 'name=mig-bench' "$d/agent.log")
printf 'migration downtime, %s B context: median %6.2f ms  p99 %6.2f ms over %d  (target median <= 5 ms)\n' \
	"$(field <(echo "$l") bytes)" "$(field <(echo "$l") downtime_median_ms)" \
	"$(field <(echo "$l") downtime_p99_ms)" "$(field <(echo "$l") migrations)"
d=$(run mig-16m -m 512 --context-size 16777216 "${MIG[@]}" \
	"mig-bench 0000:00:01.0 0000:00:02.0 5")
l=$(grep 'name=mig-bench' "$d/agent.log")
printf 'migration of a 16 MiB context: %7.1f MB/s (save + restore), downtime median %.1f ms  (target >= 300 MB/s)\n' \
	"$(field <(echo "$l") mb_per_s)" "$(field <(echo "$l") downtime_median_ms)"

# The scenario library, two at a time.
t0=$(date +%s.%N)
n=$("$VFSIM" run -j 2 -o "$RUNS/scenarios" "$ROOT"/scenarios/*/*.vfs 2>/dev/null |
	grep -c '^ok \|^not ok ')
t=$(echo "$(date +%s.%N) - $t0" | bc -l)
printf 'scenario library (%d scenarios, -j2): %6.1f s wall, %5.1f scenarios/min  (target <= 60 s)\n' \
	"$n" "$t" "$(echo "$n * 60 / $t" | bc -l)"

# The races (scenarios/races/): RACE_TRIES tries each, how often each
# outcome came and at which try it first did (doc/scenarios.md, Races).
for f in "$ROOT"/scenarios/races/*.vfs; do
	t0=$(date +%s.%N)
	out=$("$VFSIM" run -j 2 --repeat "${RACE_TRIES:-20}" -o "$RUNS/races" "$f" 2>/dev/null)
	printf 'race %s: %s, %.0f s\n' "${f##*/}" \
		"$(echo "$out" | grep -o 'tries: [0-9]* of [0-9]*, [0-9]* failed[^)]*)\?')" \
		"$(echo "$(date +%s.%N) - $t0" | bc -l)"
	echo "$out" | sed -n 's/^#   \(outcome .*\)/    \1/p'
done
# Time to verdict and sweeps (doc/sweep.md): a hung admin command with the
# sweep's hung-task timeout (the run's own timeout is 120 s), a small sweep's
# throughput (injection runs per minute, -j2; target >= 30), and the last
# make sweep (BENCH_SWEEP=1 runs it now, about an hour).
PF=0000:00:00.0 VF=0000:00:01.0
t0=$(date +%s.%N)
"$VFSIM" run -q -o "$RUNS/hang" --hung-task-s 3 --end-on-report --vfs 1 probe \
	"sriov-autoprobe $PF 0" "sriov-enable $PF 1" vfio-noiommu \
	"bind $VF virtio_vfio_pci" "vfio-open $VF" \
	"sim-fault admin-hang op=DEV_MODE_SET" "mig-state $VF STOP" >/dev/null 2>&1
printf 'a hung admin command, to verdict: %6.1f s (%s; the run timeout is 120 s)\n' \
	"$(echo "$(date +%s.%N) - $t0" | bc -l)" \
	"$(sed -n 's/^ended=//p' "$RUNS/hang/summary.txt")"
"$VFSIM" sweep -q -j 2 -o "$RUNS/sweep" --points admin-fail,alloc \
	"$ROOT/tests/integration/sweep-mode-set.vfs" >"$RUNS/sweep.table" 2>/dev/null
printf 'sweep of sweep-mode-set.vfs (admin-fail, alloc): %s\n' \
	"$(sed -n 's/^# \([0-9]* runs in .*\)/\1/p' "$RUNS/sweep.table" | head -n 1) (target >= 30 runs/min)"
if [[ ${BENCH_SWEEP:-0} == 1 ]]; then
	"$ROOT/tests/sweep.sh" >"$RUNS/make-sweep.log" 2>&1 || echo "bench: make sweep differs or failed (see $RUNS/make-sweep.log)" >&2
fi
if [[ -f $BUILD/sweeps/figures.txt ]]; then
	awk -F= '{ f[$1] = $2 } END {
		printf "make sweep:                      %5d s, %d runs, %.1f runs/min; outcome lines: clean %d, finding %d, leak %d, hang %d, wrong-result %d, simulator-error %d, not-reached %d\n",
			f["sweep_wall_s"], f["sweep_runs"], f["sweep_runs_per_min"], f["sweep_clean"], f["sweep_finding"], f["sweep_leak"],
			f["sweep_hang"], f["sweep_wrong-result"], f["sweep_simulator-error"], f["sweep_not-reached"] }' "$BUILD/sweeps/figures.txt"
else
	echo 'make sweep:                      not run yet (make sweep, or BENCH_SWEEP=1 make bench)'
fi

# The kernel: cold builds as recorded by driver/kernel.sh (the build with the
# most objects compiled is the cold one), an incremental rebuild after
# touching one file of the variant driver, and the last make bugs.
# BENCH_COLD=1 builds each profile from nothing now (in build/bench-kernel,
# about 10-15 min each on 2 cores); BENCH_BUGS=1 runs make bugs now.
cold_build() {
	local profile=$1 times=$2
	[[ -f $times ]] || { printf 'cold build, %-5s                 not built yet (make kernel KPROFILE=%s)\n' "$profile" "$profile"; return; }
	awk -v p="$profile" '
		{ for (i = 1; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] }
		  if (f["compiled"] + 0 >= best) { best = f["compiled"]; s = f["seconds"]; d = f["date"] } }
		END { printf "cold build, %-5s                 %5d s (%d objects compiled, %s)\n", p, s, best, d }' "$times"
}
for profile in debug fast cover smp; do
	if [[ ${BENCH_COLD:-0} == 1 ]]; then
		rm -rf "$BUILD/bench-kernel"
		# The pristine trees are shared (read only); the profile's series
		# and patch trees are the cold build's own.
		mkdir -p "$BUILD/bench-kernel/src"
		for t in "$BUILD"/src/*; do
			[[ $t == *+* ]] || ln -s "$t" "$BUILD/bench-kernel/src/"
		done
		cp -a "$BUILD/apt" "$BUILD/bench-kernel/apt"
		BUILD=$BUILD/bench-kernel KPROFILE=$profile "$ROOT/driver/kernel.sh" build >/dev/null 2>&1 ||
			echo "bench: cold $profile build failed" >&2
		cold_build "$profile" "$BUILD/bench-kernel/kernel/$profile/build-times"
		rm -rf "$BUILD/bench-kernel"
	else
		cold_build "$profile" "$BUILD/kernel/$profile/build-times"
	fi
done
# The other kernel series of the matrix (make matrix, doc/kernel.md).
for d in "$BUILD"/kernel/*-[0-9]*.[0-9]*; do
	[[ -d $d && $d != *+* ]] || continue
	cold_build "${d##*/}" "$d/build-times"
done
src=$(sed -n 's/^source=//p' "$BUILD/kernel-version")
if [[ $(sed -n 's/^origin=//p' "$BUILD/kernel-version") == ksrc ]]; then
	echo 'incremental rebuild:             skipped (KSRC: vfsim does not touch your tree)'
else
	touch "$src/drivers/vfio/pci/virtio/migrate.c"
	t0=$(date +%s.%N)
	"$ROOT/driver/kernel.sh" build --force >/dev/null 2>&1 || echo "bench: rebuild failed" >&2
	prof=${KPROFILE:-debug}
	kdir=$(dirname "$("$ROOT/driver/kernel.sh" path)")
	printf 'incremental rebuild, %s, after touching drivers/vfio/pci/virtio/migrate.c: %6.1f s (%s objects compiled)\n' "$prof" \
		"$(echo "$(date +%s.%N) - $t0" | bc -l)" \
		"$(tail -n 1 "$kdir/build-times" | grep -o 'compiled=[0-9]*' | cut -d= -f2)"
	# The profile's kernel series (doc/kernel.md): what they cost a build
	# that had none, i.e. recompiling the files they patch.  Touched in the
	# profile's own copy of the source, never in the shared pristine tree.
	stree=$src+$prof
	if [[ -f $stree/.vfsim-patches && ${KSERIES:-on} != off ]]; then
		sed -n 's/^path //p' "$stree/.vfsim-patches" | while read -r f; do
			[[ ! -f $stree/$f ]] || touch "$stree/$f"
		done
		t0=$(date +%s.%N)
		"$ROOT/driver/kernel.sh" build --force >/dev/null 2>&1 || echo "bench: rebuild failed" >&2
		printf 'kernel series of %s (%s): rebuild of the files they patch: %6.1f s (%s objects compiled)\n' "$prof" \
			"$(paste -sd, "$kdir/vfsim-series")" "$(echo "$(date +%s.%N) - $t0" | bc -l)" \
			"$(tail -n 1 "$kdir/build-times" | grep -o 'compiled=[0-9]*' | cut -d= -f2)"
	fi
fi
# Coverage (make cover, doc/coverage.md): the library's coverage of the
# drivers under test on the cover kernel, its wall time there against the
# scenario library above, the data per run.  BENCH_COVER=1 runs it now.
if [[ ${BENCH_COVER:-0} == 1 ]]; then
	"$ROOT/tests/cover.sh" >"$RUNS/cover.log" 2>&1 || echo "bench: make cover failed (see $RUNS/cover.log)" >&2
fi
if [[ -f $BUILD/cover/figures ]]; then
	printf 'make cover: library %s s wall on the cover kernel (above: %.1f s on %s), %s KiB of coverage data per run, %s of %s runs without data (%s)\n' \
		"$(sed -n 's/^library_wall_s=//p' "$BUILD/cover/figures")" "$t" "${KPROFILE:-debug}" \
		"$(sed -n 's/^gcov_kb_per_run=//p' "$BUILD/cover/figures")" \
		"$(sed -n 's/^runs_without_data=//p' "$BUILD/cover/figures")" \
		"$(sed -n 's/^runs=//p' "$BUILD/cover/figures")" \
		"$(date -r "$BUILD/cover/figures" '+%F %R')"
	"$VFSIM" cover --no-html --out "$RUNS/cover" "$BUILD"/cover-runs/*/ 2>/dev/null |
		sed -n '/^| file/,/^| \*\*total/p'
else
	echo 'make cover:                      not run yet (make cover, or BENCH_COVER=1 make bench)'
fi
# The last make matrix (doc/kernel.md): the library on each kernel series.
if [[ -f $BUILD/matrix/summary ]]; then
	echo "make matrix (the library per kernel; $(date -r "$BUILD/matrix/summary" '+%F %R')):"
	sed 's/^/  /' "$BUILD/matrix/summary"
else
	echo 'make matrix:                     not run yet'
fi
if [[ ${BENCH_BUGS:-0} == 1 ]]; then
	"$ROOT/tests/bugs.sh" >"$RUNS/bugs.log" 2>&1 || echo "bench: make bugs failed (see $RUNS/bugs.log)" >&2
fi
if [[ -f $BUILD/bugs/time ]]; then
	printf 'make bugs:                       %5d s (%s; %s)\n' \
		"$(grep -o '[0-9]* s' "$BUILD/bugs/time" | cut -d' ' -f1)" \
		"$(tail -n 1 "$BUILD/bugs/result" 2>/dev/null || echo '?')" \
		"$(date -r "$BUILD/bugs/time" '+%F %R')"
	cat "$BUILD/bugs/table"
else
	echo 'make bugs:                       not run yet (make bugs, or BENCH_BUGS=1 make bench)'
fi
if [[ -f $BUILD/fuzz/summary.txt ]]; then
	echo "make fuzz (last run, $(date -r "$BUILD/fuzz/summary.txt" '+%F %R')):"
	sed 's/^/  /' "$BUILD/fuzz/summary.txt"
else
	echo 'make fuzz:                       not run yet (make fuzz)'
fi
