// SPDX-License-Identifier: GPL-2.0
/*
 * vfsim: run real VFIO / SR-IOV / virtio drivers in User-mode Linux
 * against a simulated PCI bus.
 */
#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "driver/agent/step_spec.h"
#include "models/topology.h"
#include "cover_cmd.h"
#include "kcaps.h"
#include "kconfig.h"
#include "lockmap.h"
#include "sim/bus/fault.h"
#include "sim/bus/log.h"
#include "run.h"
#include "scenario_run.h"
#include "sim/bus/trace.h"
#include "sweep.h"
#include "vfsim.h"

static const char usage_main[] =
"usage: vfsim COMMAND [OPTIONS]\n"
"\n"
"Run the real Linux virtio, SR-IOV and VFIO drivers in User-mode Linux\n"
"against a simulated PCI bus.\n"
"\n"
"commands:\n"
"  run [OPTIONS] [STEP...]   boot UML with the simulated devices and run\n"
"                            the in-guest agent's STEPs (default: probe);\n"
"                            each STEP is one argument: \"cfg-bench BDF 100\"\n"
"  ctl RUN_DIR COMMAND...    act on a running simulator: arm faults,\n"
"                            unplug or reset functions, statistics\n"
"  lockmap RUN_DIR...        what lockdep learned: lock types, contexts,\n"
"                            ordering, verdicts (Markdown, JSON, Graphviz)\n"
"  cover RUN_DIR...          which lines of the drivers the runs executed\n"
"                            (runs on a KPROFILE=cover kernel; lcov HTML)\n"
"  caps [-k KERNEL] [REQ...] what the kernel can do under vfsim; with\n"
"                            requirements (migration, legacy-io, ...),\n"
"                            exit 1 and say which one it does not meet\n"
"  sweep SCENARIO.vfs...     fail every admin command, MSI and allocation\n"
"                            of a scenario, one per run; classify outcomes\n"
"  help [COMMAND|steps]      show help; 'steps': the agent's steps\n"
"  version                   print the version\n"
"\n"
"See 'vfsim help run' and doc/usage.md; scenarios: doc/scenarios.md;\n"
"kernel profiles and patches: doc/kernel.md.\n";

static const char usage_run[] =
"usage: vfsim run [OPTIONS] [STEP...]\n"
"\n"
"Start the simulated bus (a virtio-net PF with an admin virtqueue), boot\n"
"UML on it with the agent as init, run STEPs in the guest, and collect\n"
"console.log, trace.log, agent.log, findings.txt and summary.txt into the\n"
"run directory.  Exit status: 0 pass, 1 fail, 2 error, 3 timeout,\n"
"4 interrupted.\n"
"\n"
"options:\n"
"  -k, --kernel PATH      UML kernel (default: $VFSIM_KERNEL, else\n"
"                         build/kernel/$KPROFILE/linux, KPROFILE=debug)\n"
"  -a, --agent PATH       in-guest agent (default: next to vfsim)\n"
"  -o, --run-dir DIR      where results go (default: build/runs/<time>)\n"
"  -t, --timeout SEC      kill the run SEC seconds after the agent started\n"
"                         (default 120; the boot gets as long, >= 60 s)\n"
"  -m, --mem MB           guest memory (default 256)\n"
"      --time-travel MODE off, basic or inf-cpu (default off)\n"
"      --trace CLASSES    all, none, or a list of cfg,bar,irq,admin,vu,dev\n"
"      --spin-us N        poll rings N us after work before sleeping (0)\n"
"      --max-delay-us N   how long UML waits for a config/BAR reply before\n"
"                         it warns and reads all-ones (default 1000000, with\n"
"                         time-travel 10000000; 0 keeps the kernel's 40000)\n"
"      --mac MAC          the PF's MAC (default 52:54:00:56:46:00);\n"
"                         VF n gets the last byte + 1 + n\n"
"      --vfs N            the PF has SR-IOV with TotalVFs N (1..7); VF n\n"
"                         is slot n+1 (devfn 8*(n+1)); default 0: no SR-IOV\n"
"      --context-size N   add N opaque bytes (up to 64 MiB) to each VF's\n"
"                         migration context (default 0)\n"
"      --seed N           seed of all randomness (probabilistic faults,\n"
"                         start delays of parallel branches)\n"
"      --cpus N           virtual CPUs of an SMP kernel (KPROFILE=smp; 1..4,\n"
"                         default 2 there, 1 elsewhere)\n"
"      --seccomp on|off   UML runs user space under seccomp instead of\n"
"                         ptrace (default: on for kernels from 6.16, where\n"
"                         UML has it; SMP kernels need it)\n"
"      --fault SPEC       arm a device fault before UML starts, so the\n"
"                         boot-time probe meets it too (repeatable; SPEC as\n"
"                         in a scenario: \"admin-fail op=LIST_QUERY\")\n"
"      --hung-task-s N    report tasks blocked N seconds (checked every\n"
"                         second; default: the kernel's, 20 on debug)\n"
"      --end-on-report    end the run once the first kernel report has\n"
"                         been printed (a panic always ends it)\n"
"\n"
"vfsim run [OPTIONS] FILE.vfs...  runs scenario files (doc/scenarios.md):\n"
"  -j, --jobs N           scenarios in parallel (default 1)\n"
"      --junit FILE       also write JUnit XML\n"
"      --shard K/N        run only the K-th of N slices of the list\n"
"      --repeat N         run each scenario up to N times, try K with seed\n"
"                         S+K; stop a scenario at its first failed try;\n"
"                         count the outcomes of its parallel steps\n"
"  -o DIR                 run directories below DIR\n"
"      --cmdline ARGS     extra kernel command line arguments\n"
"      --pf-indirect      PF offers VIRTIO_RING_F_INDIRECT_DESC (shows a\n"
"                         sleep-in-atomic bug in Linux 7.2/7.3's admin queue)\n"
"      --pf-legacy        PF serves its VFs' legacy interface (the legacy\n"
"                         admin commands; VF BAR0 hardwired to zero), for\n"
"                         virtio-vfio-pci's emulated I/O BAR0 (doc/legacy.md)\n"
"      --allow-findings   kernel reports do not fail the run\n"
"  -q, --quiet            do not copy the console to stdout\n"
"  -v, --verbose          debug messages from the simulator\n"
"\n"
"Each STEP is one argument, quoted if it has words: vfsim run probe \\\n"
"  \"expect-driver 0000:00:00.0 virtio-pci\"\n"
"'vfsim help steps' lists every step (doc/usage.md, doc/migration.md).\n";

static int bad_arg(const char *opt, const char *val, const char *why)
{
	fprintf(stderr, "vfsim: error: %s '%s': %s\n", opt, val, why);
	fprintf(stderr, "vfsim: see 'vfsim help run'\n");
	return RUN_ERROR;
}

static int parse_uint(const char *opt, const char *s, unsigned int lo,
		      unsigned int hi, unsigned int *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || !*s || *end || v < lo || v > hi) {
		char why[64];

		snprintf(why, sizeof(why), "expected a number from %u to %u",
			 lo, hi);
		return bad_arg(opt, s, why);
	}
	*out = v;
	return 0;
}

static int parse_mac(const char *s, unsigned char *mac)
{
	unsigned int b[6];
	char tail;

	if (sscanf(s, "%x:%x:%x:%x:%x:%x%c", &b[0], &b[1], &b[2], &b[3],
		   &b[4], &b[5], &tail) != 6)
		return bad_arg("--mac", s, "expected six hex bytes like "
			       "52:54:00:12:34:56");
	for (int i = 0; i < 6; i++) {
		if (b[i] > 0xff)
			return bad_arg("--mac", s, "byte out of range");
		mac[i] = b[i];
	}
	if (mac[0] & 1)
		return bad_arg("--mac", s, "a multicast address");
	return 0;
}

static int parse_tt(const char *s, enum time_travel *tt)
{
	if (!strcmp(s, "off"))
		*tt = TT_OFF;
	else if (!strcmp(s, "basic"))
		*tt = TT_BASIC;
	else if (!strcmp(s, "inf-cpu"))
		*tt = TT_INF_CPU;
	else
		return bad_arg("--time-travel", s,
			       "expected off, basic or inf-cpu");
	return 0;
}

/* Default paths are relative to the vfsim binary: build/bin/vfsim. */
static void default_paths(char *kernel, char *agent, char *run_dir)
{
	char exe[PATH_MAX], *dir;
	const char *prof = getenv("KPROFILE");
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	char stamp[32];
	time_t t = time(NULL);

	exe[n > 0 ? n : 0] = 0;
	dir = dirname(exe);
	snprintf(agent, PATH_MAX, "%s/vfsim-agent", dir);
	snprintf(kernel, PATH_MAX, "%s/../kernel/%s/linux", dir,
		 prof && *prof ? prof : "debug");
	if (getenv("VFSIM_KERNEL") && *getenv("VFSIM_KERNEL"))
		snprintf(kernel, PATH_MAX, "%s", getenv("VFSIM_KERNEL"));
	strftime(stamp, sizeof(stamp), "%Y%m%d-%H%M%S", localtime(&t));
	snprintf(run_dir, PATH_MAX, "%s/../runs/%s-%d", dir, stamp,
		 (int)getpid());
}

static int check_file(const char *what, const char *path)
{
	if (access(path, X_OK) == 0)
		return 0;
	fprintf(stderr, "vfsim: error: %s %s: %s\n", what, path,
		strerror(errno));
	if (!strcmp(what, "kernel"))
		fprintf(stderr, "vfsim: build it with 'make kernel' or pass "
			"--kernel\n");
	else
		fprintf(stderr, "vfsim: build it with 'make' or pass --agent\n");
	return RUN_ERROR;
}

static struct sr_opts scen = { .jobs = 1 };
static int seccomp_opt = -1;	/* --seccomp: -1 not given, 0 off, 1 on */

static int parse_shard(const char *arg)
{
	char tail;

	if (sscanf(arg, "%u/%u%c", &scen.shard_k, &scen.shard_n, &tail) != 2 ||
	    !scen.shard_n || !scen.shard_k || scen.shard_k > scen.shard_n)
		return bad_arg("--shard", arg, "expected K/N with 1 <= K <= N");
	return 0;
}

static int add_boot_fault(struct run_opts *o, const char *spec)
{
	static const char *faults[16];
	char err[160];
	struct fault f;

	if (fault_parse(spec, &f, err, sizeof(err)))
		return bad_arg("--fault", spec, err);
	if (o->nboot_faults == 16)
		return bad_arg("--fault", spec, "at most 16");
	faults[o->nboot_faults++] = spec;
	o->boot_faults = faults;
	return 0;
}

static int parse_opt(int c, const char *arg, struct run_opts *o,
		     struct topology_opts *t)
{
	switch (c) {
	case 'k': o->kernel = arg; return 0;
	case 'a': o->agent = arg; return 0;
	case 'o': o->run_dir = arg; return 0;
	case 't': return parse_uint("--timeout", arg, 1, 86400, &o->timeout_s);
	case 'm': return parse_uint("--mem", arg, 64, 16384, &o->mem_mb);
	case 'T': return parse_tt(arg, &o->tt);
	case 'R':
		if (trace_parse_mask(arg, &o->trace_mask))
			return bad_arg("--trace", arg, "unknown trace class");
		return 0;
	case 'S': return parse_uint("--spin-us", arg, 0, 100000, &o->spin_us);
	case 'D':
		return parse_uint("--max-delay-us", arg, 0, 100000000,
				  &o->max_delay_us);
	case 'M': return parse_mac(arg, t->mac);
	case 'V': return parse_uint("--vfs", arg, 0, 7, &t->vfs);
	case 'Z': {
		char *end;

		errno = 0;
		o->seed = strtoull(arg, &end, 0);
		if (errno || !*arg || *end)
			return bad_arg("--seed", arg, "expected a number");
		return 0;
	}
	case 'j': return parse_uint("-j", arg, 1, 64, &scen.jobs);
	case 'J': scen.junit = arg; return 0;
	case 'H': return parse_shard(arg);
	case 'E': return parse_uint("--repeat", arg, 1, 100000, &scen.repeat);
	case 'U': return parse_uint("--cpus", arg, 1, 64, &o->cpus);
	case 'K':
		if (strcmp(arg, "on") && strcmp(arg, "off"))
			return bad_arg("--seccomp", arg, "expected on or off");
		seccomp_opt = !strcmp(arg, "on") ? 1 : 0;
		return 0;
	case 'X':
		return parse_uint("--context-size", arg, 0, 64u << 20,
				  &t->context_extra);
	case 'C': o->cmdline = arg; return 0;
	case 'f': return add_boot_fault(o, arg);
	case 'G':
		return parse_uint("--hung-task-s", arg, 1, 3600,
				  &o->hung_task_s);
	case 'W': o->end_on_report = true; return 0;
	case 'F': o->allow_findings = true; return 0;
	case 'I': t->pf_indirect = true; return 0;
	case 'L': t->pf_legacy = true; return 0;
	case 'q': o->echo = false; return 0;
	case 'v': log_max_level = LOG_DEBUG; return 0;
	case 'h': fputs(usage_run, stdout); exit(0);
	}
	fprintf(stderr, "vfsim: see 'vfsim help run'\n");
	return RUN_ERROR;
}

static void rpc(void *ctx, const char *dir, const char *cmd, const char *a,
		const char *b, char *out, size_t len)
{
	topology_rpc(ctx, dir, cmd, a, b, out, len);
}

static int run_with_topology(struct run_opts *o,
			     const struct topology_opts *topo)
{
	struct pci_func *funcs[8];
	struct topology *t = topology_create(topo);
	int ret;

	if (!t) {
		fprintf(stderr, "vfsim: error: cannot build the devices\n");
		return RUN_ERROR;
	}
	o->nfuncs = topology_nfuncs(t);
	for (unsigned int i = 0; i < o->nfuncs; i++)
		funcs[i] = topology_func(t, i);
	o->funcs = funcs;
	o->rpc = rpc;
	o->rpc_ctx = t;
	ret = run_uml(o);
	topology_destroy(t);
	return ret;
}

static int run_scenario_topology(struct run_opts *o,
				 const struct sc_topology *st)
{
	struct topology_opts topo = {
		.mac = { 0x52, 0x54, 0x00, 0x56, 0x46, 0x00 },
		.vfs = st->vfs,
		.pf_indirect = st->pf_indirect,
		.pf_legacy = st->pf_legacy,
		.context_extra = st->context_size,
		.parts_obj_limit = st->admin_limit,
	};

	return run_with_topology(o, &topo);
}

static bool is_scenario(const char *arg)
{
	size_t n = strlen(arg);

	return n > 4 && !strcmp(arg + n - 4, ".vfs");
}

/*
 * What the kernel was built with decides how it boots (kconfig.h): an SMP
 * kernel gets ncpus= and seccomp=on; a kernel without time-travel support
 * cannot run --time-travel.  0, or RUN_ERROR with a message.
 */
static int fit_kernel(struct run_opts *o)
{
	bool smp = kconfig_enabled(o->kernel, "CONFIG_SMP", false);
	char nr[16] = "1";

	if (o->tt != TT_OFF &&
	    !kconfig_enabled(o->kernel, "CONFIG_UML_TIME_TRAVEL_SUPPORT", true))
		return bad_arg("--time-travel", o->tt == TT_BASIC ? "basic" :
			       "inf-cpu", "this kernel has no time-travel "
			       "support (UML has none with SMP: KPROFILE=smp)");
	if (!o->cpus)
		o->cpus = smp ? 2 : 1;
	kconfig_get(o->kernel, "CONFIG_NR_CPUS", nr, sizeof(nr));
	if (o->cpus > 1 && !smp)
		return bad_arg("--cpus", "> 1", "this kernel is not SMP "
			       "(build one: make kernel KPROFILE=smp)");
	if (o->cpus > (unsigned int)atoi(nr))
		return bad_arg("--cpus", nr, "this kernel has CONFIG_NR_CPUS "
			       "lower than that");
	/*
	 * UML has run user space under seccomp since 6.16 (SMP needs it):
	 * config reads are a third faster than under ptrace (doc/kernel.md).
	 */
	o->seccomp = seccomp_opt >= 0 ? seccomp_opt :
		     smp || kconfig_version(o->kernel) >= 616;
	if (o->cpus > 1 && !o->seccomp)
		return bad_arg("--seccomp", "off", "UML runs SMP only with "
			       "seccomp (\"SMP is not supported with PTRACE "
			       "userspace\")");
	return 0;
}

/* vfsim run FILE.vfs...: the scenario runner. */
static int run_scenarios(struct run_opts *o, char **files, int n,
			 bool timeout_set)
{
	static char runs[PATH_MAX];
	char exe[PATH_MAX];
	ssize_t len = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	exe[len > 0 ? len : 0] = 0;
	snprintf(runs, sizeof(runs), "%s", o->run_dir);
	scen.runs_dir = runs;
	scen.kernel = o->kernel;
	scen.agent = o->agent;
	scen.self = exe;
	scen.timeout_s = timeout_set ? o->timeout_s : 0;
	scen.cpus = o->cpus;
	scen.seccomp = o->seccomp;
	if (!scen.seed)
		scen.seed = o->seed ? o->seed : (uint64_t)time(NULL);
	return scenario_run_all(files, n, &scen, run_scenario_topology);
}

/* Every STEP against the agent's table and the topology, before booting. */
static int check_steps(const struct run_opts *o,
		       const struct topology_opts *topo)
{
	const struct step_env env = { .vfs = topo->vfs };
	char why[STEP_WHY_LEN];
	int bad = 0;

	for (int i = 0; i < o->nsteps; i++) {
		const char *s = o->steps[i];

		if (!strcmp(s, "parallel-begin") || !strcmp(s, "parallel-end"))
			continue;
		if (!step_check_line(s, &env, why, sizeof(why))) {
			fprintf(stderr, "vfsim: error: STEP %d: %s\n", i + 1,
				why);
			bad++;
		}
	}
	return bad ? RUN_ERROR : 0;
}

static int cmd_run(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "kernel", required_argument, NULL, 'k' },
		{ "agent", required_argument, NULL, 'a' },
		{ "run-dir", required_argument, NULL, 'o' },
		{ "timeout", required_argument, NULL, 't' },
		{ "mem", required_argument, NULL, 'm' },
		{ "time-travel", required_argument, NULL, 'T' },
		{ "trace", required_argument, NULL, 'R' },
		{ "spin-us", required_argument, NULL, 'S' },
		{ "max-delay-us", required_argument, NULL, 'D' },
		{ "mac", required_argument, NULL, 'M' },
		{ "vfs", required_argument, NULL, 'V' },
		{ "context-size", required_argument, NULL, 'X' },
		{ "seed", required_argument, NULL, 'Z' },
		{ "jobs", required_argument, NULL, 'j' },
		{ "junit", required_argument, NULL, 'J' },
		{ "shard", required_argument, NULL, 'H' },
		{ "repeat", required_argument, NULL, 'E' },
		{ "cpus", required_argument, NULL, 'U' },
		{ "seccomp", required_argument, NULL, 'K' },
		{ "cmdline", required_argument, NULL, 'C' },
		{ "fault", required_argument, NULL, 'f' },
		{ "hung-task-s", required_argument, NULL, 'G' },
		{ "end-on-report", no_argument, NULL, 'W' },
		{ "allow-findings", no_argument, NULL, 'F' },
		{ "pf-indirect", no_argument, NULL, 'I' },
		{ "pf-legacy", no_argument, NULL, 'L' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	static char kernel[PATH_MAX], agent[PATH_MAX], run_dir[PATH_MAX];
	static char scen_dir[PATH_MAX];
	bool timeout_set = false, seed_set = false;
	static char *default_steps[] = { "probe" };
	struct run_opts o = {
		.timeout_s = 120, .mem_mb = 256, .spin_us = 0,
		.max_delay_us = ~0u,	/* chosen by time-travel mode below */
		.trace_mask = TRACE_ALL, .tt = TT_OFF, .echo = true,
	};
	struct topology_opts topo = {
		.mac = { 0x52, 0x54, 0x00, 0x56, 0x46, 0x00 },
		.parts_obj_limit = VFSIM_PARTS_OBJ_LIMIT,
	};
	int c, ret;

	default_paths(kernel, agent, run_dir);
	o.kernel = kernel;
	o.agent = agent;
	o.run_dir = run_dir;
	while ((c = getopt_long(argc, argv, "+k:a:o:t:m:j:qvh", longopts,
				NULL)) != -1)
		if ((ret = parse_opt(c, optarg, &o, &topo)))
			return ret;
		else if (c == 't')
			timeout_set = true;
		else if (c == 'Z')
			seed_set = true;
	/*
	 * Under inf-cpu time-travel every poll of UML's wait loop is one
	 * simulated microsecond that costs almost no real time, so a host
	 * hiccup of a few ms exhausts a small budget: allow 10 s there.
	 */
	if (o.max_delay_us == ~0u)
		o.max_delay_us = o.tt == TT_OFF ? 1000000 : 10000000;
	if (argc > optind && is_scenario(argv[optind])) {
		setvbuf(stdout, NULL, _IOLBF, 0);
		if ((ret = check_file("kernel", o.kernel)) ||
		    (ret = check_file("agent", o.agent)) ||
		    (ret = fit_kernel(&o)))
			return ret;
		scen.seed_set = seed_set;
		if (!strcmp(o.run_dir, run_dir))
			snprintf(run_dir, sizeof(run_dir), "%s/../scenario-runs",
				 dirname(strcpy(scen_dir, agent)));
		return run_scenarios(&o, argv + optind, argc - optind,
				     timeout_set);
	}
	o.steps = argc > optind ? argv + optind : default_steps;
	o.nsteps = argc > optind ? argc - optind : 1;
	if ((ret = check_steps(&o, &topo)))
		return ret;
	if ((ret = check_file("kernel", o.kernel)) ||
	    (ret = check_file("agent", o.agent)) || (ret = fit_kernel(&o)))
		return ret;
	if (scen.repeat > 1)
		return bad_arg("--repeat", "N", "applies to scenario files "
			       "(FILE.vfs) only");
	setvbuf(stdout, NULL, _IOLBF, 0);
	return run_with_topology(&o, &topo);
}

static const char usage_lockmap[] =
"usage: vfsim lockmap [OPTIONS] RUN_DIR... [--diff RUN_DIR...]\n"
"\n"
"Report what lockdep learned in the runs (merged): for the lock classes of\n"
"the chosen code, their type, where they are initialised, the contexts\n"
"they were taken in, the ordering edges among them, a verdict per lock,\n"
"and the classes the runs never exercised.  Writes lockmap.md, .json and\n"
".dot (.svg and .png when Graphviz is installed) into --out.\n"
"\n"
"  --src DIR      kernel source (default: the tree make kernel used)\n"
"  --code PATH    source file or directory to report on (repeatable;\n"
"                 default: drivers/vfio, drivers/virtio/virtio_pci_*.c,\n"
"                 drivers/pci/iov.c)\n"
"  --lock NAME    also report classes whose name contains NAME\n"
"  --out DIR      where the files go (default: the first RUN_DIR)\n"
"  --diff ...     the runs after it are compared with the runs before it:\n"
"                 usages and edges they add\n";

static void default_src(char *buf, size_t len)
{
	char exe[PATH_MAX], path[PATH_MAX + 32], line[PATH_MAX + 16];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	FILE *f;

	buf[0] = 0;
	exe[n > 0 ? n : 0] = 0;
	snprintf(path, sizeof(path), "%s/../kernel-version", dirname(exe));
	f = fopen(path, "r");
	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, "source=", 7)) {
			line[strcspn(line, "\n")] = 0;
			if (strlen(line + 7) < len)
				memcpy(buf, line + 7, strlen(line + 7) + 1);
		}
	if (f)
		fclose(f);
}

static int write_outputs(const struct lockmap *m, const char *dir)
{
	char path[PATH_MAX + 32], cmd[3 * PATH_MAX];
	FILE *f;

	snprintf(path, sizeof(path), "%s/lockmap.md", dir);
	if ((f = fopen(path, "w"))) {
		lockmap_markdown(m, f);
		fclose(f);
	}
	snprintf(path, sizeof(path), "%s/lockmap.json", dir);
	if ((f = fopen(path, "w"))) {
		lockmap_json(m, f);
		fclose(f);
	}
	snprintf(path, sizeof(path), "%s/lockmap.dot", dir);
	if (!(f = fopen(path, "w")))
		return RUN_ERROR;
	lockmap_dot(m, f);
	fclose(f);
	if (!system("command -v dot >/dev/null 2>&1")) {
		snprintf(cmd, sizeof(cmd), "dot -Tsvg '%s' -o '%s/lockmap.svg' && "
			 "dot -Tpng '%s' -o '%s/lockmap.png'", path, dir, path,
			 dir);
		if (system(cmd))
			fprintf(stderr, "vfsim: dot failed; lockmap.dot is there\n");
	}
	return 0;
}

/* vfsim lockmap: evidence about locks from the runs' lockdep data. */
static int cmd_lockmap(int argc, char **argv)
{
	/* The variant driver first: the first init site of a name wins. */
	static const char *const def_code[] = {
		"drivers/vfio/pci/virtio", "drivers/virtio/virtio_pci_common.c",
		"drivers/virtio/virtio_pci_modern.c",
		"drivers/virtio/virtio_pci_modern_dev.c", "drivers/pci/iov.c",
		"drivers/vfio/pci/vfio_pci_core.c", "drivers/vfio/vfio_main.c",
		"drivers/vfio/group.c", "drivers/vfio/container.c",
		"drivers/vfio/virqfd.c", "drivers/vfio/vfio_iommu_type1.c",
	};
	const char *code[16], *locks[16], *out = NULL;
	char src[PATH_MAX], err[256];
	struct lockmap a, b;
	int ncode = 0, nlocks = 0, nruns = 0, diff_at = -1;

	default_src(src, sizeof(src));
	lockmap_init(&a);
	lockmap_init(&b);
	for (int i = 1; i < argc; i++) {
		const char *arg = argv[i];

		if (!strcmp(arg, "-h") || !strcmp(arg, "--help")) {
			fputs(usage_lockmap, stdout);
			return 0;
		}
		if (!strcmp(arg, "--diff")) {
			diff_at = nruns;
			continue;
		}
		if (arg[0] == '-' && i + 1 >= argc)
			return bad_arg(arg, "", "needs a value");
		if (!strcmp(arg, "--src"))
			snprintf(src, sizeof(src), "%s", argv[++i]);
		else if (!strcmp(arg, "--code") && ncode < 16)
			code[ncode++] = argv[++i];
		else if (!strcmp(arg, "--lock") && nlocks < 16)
			locks[nlocks++] = argv[++i];
		else if (!strcmp(arg, "--out"))
			out = argv[++i];
		else if (arg[0] == '-')
			return bad_arg(arg, "", "unknown option (vfsim lockmap --help)");
		else {
			if (lockmap_read_run(diff_at >= 0 ? &b : &a, arg, err,
					     sizeof(err))) {
				fprintf(stderr, "vfsim: error: %s\n", err);
				return RUN_ERROR;
			}
			if (!out)
				out = arg;
			nruns++;
		}
	}
	if (!nruns) {
		fputs(usage_lockmap, stderr);
		return RUN_ERROR;
	}
	if (!ncode)
		for (size_t i = 0; i < sizeof(def_code) / sizeof(def_code[0]); i++)
			code[ncode++] = def_code[i];
	if (!src[0])
		fprintf(stderr, "vfsim: no kernel source (--src): types and init "
			"sites unknown, selection by --lock only\n");
	lockmap_select(&a, src[0] ? src : NULL, code, ncode, locks, nlocks);
	if (diff_at >= 0) {
		lockmap_select(&b, src[0] ? src : NULL, code, ncode, locks,
			       nlocks);
		lockmap_diff(&a, &b, stdout);
		lockmap_free(&a);
		lockmap_free(&b);
		return 0;
	}
	lockmap_markdown(&a, stdout);
	write_outputs(&a, out);
	lockmap_free(&a);
	return 0;
}

static const char usage_caps[] =
"usage: vfsim caps [-k KERNEL] [REQUIREMENT...]\n"
"\n"
"Print the kernel's version and capabilities as key=value lines, asked of\n"
"the kernel itself (--showconfig and its symbols).  With requirements, as\n"
"scenarios declare them (migration, legacy-io, detectors, kasan,\n"
"kernel>=X.Y, kernel<X.Y), exit 1 and print 'unmet: REQ: why' for the\n"
"first one not met (doc/scenarios.md).\n"
"\n"
"  -k, --kernel PATH   default: $VFSIM_KERNEL, else build/kernel/$KPROFILE/linux\n";

/* vfsim caps: the kernel's capabilities, or whether it meets some. */
static int cmd_caps(int argc, char **argv)
{
	char kernel[PATH_MAX], agent[PATH_MAX], run_dir[PATH_MAX];
	char err[300], why[300];
	struct kcaps c;
	int i = 1;

	default_paths(kernel, agent, run_dir);
	if (argc > 1 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
		fputs(usage_caps, stdout);
		return 0;
	}
	if (argc > 2 && (!strcmp(argv[1], "-k") || !strcmp(argv[1], "--kernel"))) {
		snprintf(kernel, sizeof(kernel), "%s", argv[2]);
		i = 3;
	}
	for (int k = i; k < argc; k++)
		if (kcaps_check_word(argv[k], err, sizeof(err)))
			return bad_arg("caps", argv[k], err);
	if (kcaps_probe(kernel, &c, err, sizeof(err))) {
		fprintf(stderr, "vfsim: error: %s\n", err);
		return RUN_ERROR;
	}
	printf("kernel=%s\nversion=%s\nmigration=%d\nlegacy-io=%d\n"
	       "detectors=%d\nkasan=%d\n", kernel, c.version, c.migration,
	       c.legacy_io, c.detectors, c.kasan);
	for (; i < argc; i++)
		if (kcaps_unmet(&c, argv[i], why, sizeof(why))) {
			printf("unmet: %s: %s\n", argv[i], why);
			return RUN_FAIL;
		}
	return 0;
}

static const char usage_ctl[] =
"usage: vfsim ctl RUN_DIR COMMAND [ARGS...]\n"
"\n"
"Send one request to the simulator of a running 'vfsim run' (its control\n"
"socket's path is in RUN_DIR/ctl) and print the answer.\n"
"\n"
"  fault KIND KEY=VALUE...   arm a fault (doc/scenarios.md)\n"
"  fault KIND off            disarm\n"
"  unplug FN | flr FN        act on a function (pf, vf0..vf6)\n"
"  stats                     end-of-run style statistics\n"
"  compare A B | evolve A    model requests (doc/migration.md)\n";

/* 'vfsim help steps': the agent's step table, linked in (steps.def). */
static int help_steps(void)
{
	step_print_help(stdout);
	return 0;
}

/* vfsim ctl RUN_DIR COMMAND...: a request to a running simulator. */
static int cmd_ctl(int argc, char **argv)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char path[PATH_MAX + 8], req[300] = "", reply[4300];
	size_t used = 0;
	ssize_t n;
	FILE *f;
	int fd;

	if (argc == 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
		fputs(usage_ctl, stdout);
		return 0;
	}
	if (argc < 3) {
		fputs(usage_ctl, stderr);
		return RUN_ERROR;
	}
	snprintf(path, sizeof(path), "%s/ctl", argv[1]);
	f = fopen(path, "r");
	if (!f || !fgets(sa.sun_path, sizeof(sa.sun_path), f)) {
		fprintf(stderr, "vfsim: error: %s: no running simulator there "
			"(%s)\n", argv[1], strerror(errno));
		if (f)
			fclose(f);
		return RUN_ERROR;
	}
	fclose(f);
	sa.sun_path[strcspn(sa.sun_path, "\n")] = 0;
	for (int i = 2; i < argc && used < sizeof(req); i++)
		used += snprintf(req + used, sizeof(req) - used, "%s%s",
				 i > 2 ? " " : "", argv[i]);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		fprintf(stderr, "vfsim: error: %s: %s (has the run ended?)\n",
			sa.sun_path, strerror(errno));
		return RUN_ERROR;
	}
	(void)!write(fd, req, strlen(req));
	while ((n = read(fd, reply, sizeof(reply) - 1)) > 0) {
		reply[n] = 0;
		fputs(reply, stdout);
	}
	close(fd);
	return strstr(reply, "differences=-1") ? RUN_FAIL : 0;
}

/* vfsim sweep: sim/harness/sweep.h. */
static int cmd_sweep(int argc, char **argv)
{
	static char kernel[PATH_MAX], agent[PATH_MAX], run_dir[PATH_MAX];
	static char exe[PATH_MAX], out[PATH_MAX + 32];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	struct sweep_env env = {
		.kernel = kernel, .agent = agent, .self = exe, .out_dir = out,
		.run = run_scenario_topology,
	};

	exe[n > 0 ? n : 0] = 0;
	default_paths(kernel, agent, run_dir);
	snprintf(out, sizeof(out), "%s/../sweeps", dirname(strcpy(run_dir,
								 agent)));
	return sweep_command(argc, argv, &env);
}

int main(int argc, char **argv)
{
	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		fputs(usage_main, argc < 2 ? stderr : stdout);
		return argc < 2 ? RUN_ERROR : 0;
	}
	if (!strcmp(argv[1], "run"))
		return cmd_run(argc - 1, argv + 1);
	if (!strcmp(argv[1], "ctl"))
		return cmd_ctl(argc - 1, argv + 1);
	if (!strcmp(argv[1], "lockmap"))
		return cmd_lockmap(argc - 1, argv + 1);
	if (!strcmp(argv[1], "cover"))
		return cover_main(argc - 1, argv + 1);
	if (!strcmp(argv[1], "caps"))
		return cmd_caps(argc - 1, argv + 1);
	if (!strcmp(argv[1], "sweep"))
		return cmd_sweep(argc - 1, argv + 1);
	if (!strcmp(argv[1], "version") || !strcmp(argv[1], "--version")) {
		printf("vfsim %s\n", VFSIM_VERSION);
		return 0;
	}
	if (!strcmp(argv[1], "help")) {
		if (argc > 2 && !strcmp(argv[2], "steps"))
			return help_steps();
		fputs(argc > 2 && !strcmp(argv[2], "run") ? usage_run :
		      argc > 2 && !strcmp(argv[2], "lockmap") ? usage_lockmap :
		      argc > 2 && !strcmp(argv[2], "ctl") ? usage_ctl :
		      argc > 2 && !strcmp(argv[2], "cover") ? cover_usage :
		      argc > 2 && !strcmp(argv[2], "caps") ? usage_caps :
		      argc > 2 && !strcmp(argv[2], "sweep") ? sweep_usage :
		      usage_main, stdout);
		return 0;
	}
	fprintf(stderr, "vfsim: error: unknown command '%s'\n", argv[1]);
	fputs(usage_main, stderr);
	return RUN_ERROR;
}
