// SPDX-License-Identifier: GPL-2.0
/*
 * What `vfsim sweep` needs from the agent (doc/sweep.md):
 *
 * - trace-steps: each following step announces itself to the simulator
 *   (a synchronous request, so it is ordered with the devices' events) and
 *   the trace says which step every admin command and MSI belongs to.
 * - fail-nth: the kernel's per-task fault injection
 *   (Documentation/fault-injection/fault-injection.rst, "fail-nth"):
 *   "fail-nth count" makes every following step report how many
 *   fault-injection sites (slab and page allocations) its task passed;
 *   "fail-nth nth=N" fails the Nth of them in the next step and reports
 *   whether that happened.  "within=FUNCTION" narrows the count to the
 *   slab allocations ("alloc=page": the page allocations) whose call
 *   stack passes through FUNCTION (the fault attributes' stack filter,
 *   CONFIG_FAULT_INJECTION_STACKTRACE_FILTER), so
 *   a scenario names an allocation by its call site, not by an ordinal
 *   that slab refills and the KASAN stack depot shift from run to run.
 * - release-fds: close every VFIO and migration fd the agent holds, then
 *   count the descriptors still open that the agent never received;
 *   check-vfs: the VFs left on virtio_vfio_pci still open, save their
 *   state and resume (the devices work after an injected failure).
 *
 * Only sequential steps take part: the agent's main thread owns one
 * /proc/thread-self/fail-nth descriptor, opened once so that arming and
 * reading allocate nothing themselves, and the count is exact.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "agent.h"

#define FAIL_NTH_COUNT (1u << 31)	/* > any nth (COUNT); never reaches 0 */
#define RPC_WAIT_S 10
#define STACK_FILTER_DEPTH "32"	/* MAX_STACK_TRACE_DEPTH, lib/fault-inject.c */

static bool mark_steps;
static bool counting;
static unsigned int pending_nth;	/* for the next sequential step */
static unsigned int armed;		/* what the running step was given */
static int nth_fd = -1;
static bool filtered;			/* a within= filter is in force */

static bool main_thread(void)
{
	return syscall(SYS_gettid) == getpid();
}

static int symbol_range(const char *sym, unsigned long *start,
			unsigned long *end, char *why, size_t len);

/* Write each "attr/knob" "value" pair under /sys/kernel/debug. */
static int write_knobs(const char *const (*knobs)[2], size_t n)
{
	char path[128];
	int err;

	for (size_t i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "/sys/kernel/debug/%s",
			 knobs[i][0]);
		err = write_text(path, knobs[i][1]);
		if (err) {
			result("error=\"%s: %s\" errno=%d", path,
			       strerror(-err), -err);
			return -1;
		}
	}
	return 0;
}

/*
 * Page allocations the slab allocator makes to refill a cache (new_slab())
 * are left out of fail-nth: whether a kmalloc() refills depends on what
 * the cache went through before, so counting them moved every ordinal
 * from run to run; and failing one is failing that kmalloc(), which is a
 * site of its own.  The page attribute's reject range
 * (CONFIG_FAULT_INJECTION_STACKTRACE_FILTER); without it, or without the
 * symbol, they are counted as before ("slab_refills=counted").
 */
static int reject_slab_refills(void)
{
	char start[24], end[24], why[300];
	const char *const knobs[][2] = {
		{ "fail_page_alloc/stacktrace-depth", STACK_FILTER_DEPTH },
		{ "fail_page_alloc/reject-start", start },
		{ "fail_page_alloc/reject-end", end },
	};
	unsigned long lo, hi;

	if (access("/sys/kernel/debug/fail_page_alloc/reject-start", F_OK) ||
	    symbol_range("new_slab", &lo, &hi, why, sizeof(why))) {
		result("slab_refills=counted");
		return 0;
	}
	snprintf(start, sizeof(start), "%#lx", lo);
	snprintf(end, sizeof(end), "%#lx", hi);
	return write_knobs(knobs, sizeof(knobs) / sizeof(knobs[0]));
}

/*
 * The fault attributes fail-nth goes through: failslab and
 * fail_page_alloc ignore sleeping allocations and order-0 pages by
 * default, which would leave out most of a driver's allocations.  User
 * pages (highmem) stay ignored: they belong to the agent, not the driver.
 * verbose=2: each injected failure prints its call trace.
 */
static int setup_fail_nth(void)
{
	static const char *const knobs[][2] = {
		{ "failslab/ignore-gfp-wait", "N" },
		{ "failslab/verbose", "2" },
		{ "fail_page_alloc/ignore-gfp-wait", "N" },
		{ "fail_page_alloc/min-order", "0" },
		{ "fail_page_alloc/verbose", "2" },
	};

	if (nth_fd >= 0)
		return 0;
	if (write_knobs(knobs, sizeof(knobs) / sizeof(knobs[0])) ||
	    reject_slab_refills())
		return -1;
	nth_fd = open("/proc/thread-self/fail-nth", O_RDWR | O_CLOEXEC);
	if (nth_fd < 0) {
		result("error=\"/proc/thread-self/fail-nth: %s\" errno=%d",
		       strerror(errno), errno);
		return -1;
	}
	return 0;
}

/*
 * The text symbol @sym in /proc/kallsyms: [*start, *end) up to the next
 * text symbol.  0, or -1 with the reason in @why (unknown, ambiguous).
 */
static int symbol_range(const char *sym, unsigned long *start,
			unsigned long *end, char *why, size_t len)
{
	FILE *f = fopen("/proc/kallsyms", "re");
	unsigned long a, lo = 0, hi = ~0ul;
	char line[256], type, name[200];
	int found = 0;

	if (!f) {
		snprintf(why, len, "/proc/kallsyms: %s", strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx %c %199s", &a, &type, name) != 3 ||
		    (type != 't' && type != 'T'))
			continue;
		if (!strcmp(name, sym) && !found++)
			lo = a;
	}
	rewind(f);
	while (found == 1 && fgets(line, sizeof(line), f))
		if (sscanf(line, "%lx %c", &a, &type) == 2 &&
		    (type == 't' || type == 'T') && a > lo && a < hi)
			hi = a;
	fclose(f);
	if (found != 1 || !lo) {
		snprintf(why, len, "within=%s: %s text symbol in /proc/kallsyms%s",
			 sym, !found ? "no such" : !lo ? "no address of the" :
			 "more than one", !found ? " (inlined? a compiled "
			 "copy may be NAME.isra.0 or NAME.constprop.0: see "
			 "System.map; or name its caller)" : found > 1 ?
			 " (a static name defined twice: name its caller)" : "");
		return -1;
	}
	*start = lo;
	*end = hi;
	return 0;
}

/*
 * within=SYM: failslab (@page: fail_page_alloc) counts and fails only
 * under SYM; the other gets an empty range, so none of its calls count.
 * NULL: no filter.
 */
static int set_stack_filter(const char *sym, bool page)
{
	char start[24] = "0", end[24] = "0xffffffffffffffff";
	const char *none = sym ? "1" : NULL;	/* [1, 1): no address */
	const char *const knobs[][2] = {
		{ "failslab/stacktrace-depth", STACK_FILTER_DEPTH },
		{ "failslab/require-start", none && page ? none : start },
		{ "failslab/require-end", none && page ? none : end },
		{ "fail_page_alloc/stacktrace-depth", STACK_FILTER_DEPTH },
		{ "fail_page_alloc/require-start", none && !page ? none : start },
		{ "fail_page_alloc/require-end", none && !page ? none : end },
	};
	unsigned long lo, hi;

	if (!sym && !filtered)
		return 0;
	if (sym && access("/sys/kernel/debug/failslab/require-start", F_OK)) {
		result("error=\"within= needs a kernel with "
		       "CONFIG_FAULT_INJECTION_STACKTRACE_FILTER (KPROFILE=debug)\"");
		return -1;
	}
	if (sym) {
		char why[300];

		if (symbol_range(sym, &lo, &hi, why, sizeof(why))) {
			result("error=\"%s\"", why);
			return -1;
		}
		snprintf(start, sizeof(start), "%#lx", lo);
		snprintf(end, sizeof(end), "%#lx", hi);
	}
	filtered = sym != NULL;
	return write_knobs(knobs, sizeof(knobs) / sizeof(knobs[0]));
}

/* fail-nth count | off | [nth=N] [within=FUNCTION] [alloc=slab|page] */
int step_fail_nth(const struct step *s)
{
	const char *arg = s->argc > 1 ? s->argv[1] : "";
	const char *within = NULL;
	bool page = false;
	unsigned long n = 1;
	char *end;

	if (!main_thread()) {
		result("error=\"fail-nth is for sequential steps\"");
		return -1;
	}
	if (!strcmp(arg, "off")) {
		counting = false;
		pending_nth = 0;
		return set_stack_filter(NULL, false);
	}
	if (setup_fail_nth())
		return -1;
	if (!strcmp(arg, "count")) {
		counting = true;
		result("counting=1");
		return set_stack_filter(NULL, false);
	}
	for (int i = 1; i < s->argc; i++) {
		arg = s->argv[i];
		if (!strncmp(arg, "within=", 7)) {
			within = arg + 7;
			continue;
		}
		if (!strncmp(arg, "alloc=", 6)) {
			page = !strcmp(arg + 6, "page");
			continue;
		}
		if (!strncmp(arg, "nth=", 4))
			arg += 4;
		n = strtoul(arg, &end, 10);
		if (!*arg || *end || !n || n >= FAIL_NTH_COUNT) {
			result("error=\"usage: fail-nth count|off | [nth=N] "
			       "[within=FUNCTION] [alloc=slab|page], "
			       "N in 1..%u\"", FAIL_NTH_COUNT - 1);
			return -1;
		}
	}
	if (page && !within) {
		result("error=\"alloc=page needs within=FUNCTION\"");
		return -1;
	}
	if (set_stack_filter(within, page))
		return -1;
	pending_nth = n;
	result("nth=%lu%s%s%s", n, within ? " within=" : "", within ? within : "",
	       page ? " alloc=page" : "");
	return 0;
}

/*
 * The agent's own waiting (polling for the simulator's answer) passes a
 * number of sites that depends on timing: leave it out of the count, so
 * that a step's sites are the same from run to run.  Nests; exact, as the
 * descriptor is already open.
 */
static unsigned int paused_left;
static int pause_depth;

void fail_nth_pause(void)
{
	char v[16];
	ssize_t n;

	if (!armed || !main_thread() || pause_depth++)
		return;
	n = pread(nth_fd, v, sizeof(v) - 1, 0);
	v[n > 0 ? n : 0] = 0;
	paused_left = strtoul(v, NULL, 10);
	(void)!pwrite(nth_fd, "0", 1, 0);
}

void fail_nth_resume(void)
{
	char v[16];
	int len;

	if (!armed || !main_thread() || --pause_depth)
		return;
	if (!paused_left)
		return;		/* injected before the pause */
	len = snprintf(v, sizeof(v), "%u", paused_left);
	(void)!pwrite(nth_fd, v, len, 0);
}

/* The task's own probabilistic injection (failslab ...) is in force. */
static bool task_injecting(void)
{
	char v[8];

	return !read_text("/proc/self/make-it-fail", v, sizeof(v)) &&
	       strcmp(v, "0");
}

/* "vfsim-rpc ID step N": the runner traces it on the bus thread. */
static void announce(int index)
{
	char path[64], text[64];
	double t0 = agent_now_s();

	snprintf(path, sizeof(path), "/tmp/rpc-s%d.out", index);
	printf("vfsim-rpc s%d step %d\n", index, index);
	fflush(stdout);
	while (read_text(path, text, sizeof(text)) &&
	       agent_now_s() - t0 < RPC_WAIT_S)
		usleep(1000);
	unlink(path);
}

/*
 * Steps that are not the scenario's own actions: this file's, and the
 * scenario's fault lines (scenario_run.c's add_fault()).  A fail-nth
 * armed before them waits for the next step; they are not counted.
 */
static bool own_step(const struct step *s)
{
	static const char *const own[] = {
		"fail-nth", "trace-steps", "sim-fault", "sim-unplug",
		"sim-flr", "failslab", "fail-page-alloc",
	};

	for (size_t i = 0; i < sizeof(own) / sizeof(own[0]); i++)
		if (!strcmp(s->argv[0], own[i]))
			return true;
	return false;
}

void sweep_step_begin(const struct step *s)
{
	char v[16];
	int len;

	armed = 0;
	if (!main_thread() || own_step(s))
		return;
	if (mark_steps)
		announce(s->index);
	if (nth_fd < 0 || (!pending_nth && !counting))
		return;
	if (task_injecting()) {
		result("fail_nth=skipped");	/* failslab ... decides */
		pending_nth = 0;
		return;
	}
	armed = pending_nth ? pending_nth : FAIL_NTH_COUNT;
	pending_nth = 0;
	len = snprintf(v, sizeof(v), "%u", armed);
	/* From here until the read in sweep_step_end(), every site counts. */
	if (pwrite(nth_fd, v, len, 0) != len)
		armed = 0;
}

void sweep_step_end(const struct step *s)
{
	char v[16] = "";
	unsigned long left;
	ssize_t n = 0;

	if (!main_thread() || own_step(s))
		return;
	if (armed) {
		n = pread(nth_fd, v, sizeof(v) - 1, 0);
		(void)!pwrite(nth_fd, "0", 1, 0);
	}
	/* Disarmed: within= lasts one step, even one that was skipped. */
	set_stack_filter(NULL, false);
	if (!armed || n <= 0) {
		armed = 0;
		return;
	}
	v[n] = 0;
	left = strtoul(v, NULL, 10);
	if (armed == FAIL_NTH_COUNT)
		result("fail_nth_calls=%lu", armed - left);
	else if (!left)
		result("fail_nth=injected");
	else
		result("fail_nth=missed calls=%lu", armed - left);
	armed = 0;
}

int step_trace_steps(const struct step *s)
{
	mark_steps = !(s->argc > 1 && !strcmp(s->argv[1], "off"));
	return 0;
}

/* Descriptors that are not the agent's own files (run dir, /proc). */
static int foreign_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	char path[300], target[256];
	struct dirent *e;
	int n = 0;

	while (d && (e = readdir(d))) {
		int fd = atoi(e->d_name);
		ssize_t len;

		if (e->d_name[0] == '.' || fd <= 2 || fd == dirfd(d))
			continue;
		snprintf(path, sizeof(path), "/proc/self/fd/%s", e->d_name);
		len = readlink(path, target, sizeof(target) - 1);
		if (len < 0)
			continue;
		target[len] = 0;
		if (!strncmp(target, "/tmp/", 5) || !strncmp(target, "/proc/", 6))
			continue;
		if (n < 4)
			result("fd%d=%s", fd, target);
		n++;
	}
	if (d)
		closedir(d);
	return n;
}

/* release-fds: close every VFIO and migration fd, then what is still open. */
int step_release_fds(const struct step *s)
{
	(void)s;
	mig_close_all();
	vfio_close_all();
	result("fds_left=%d", foreign_fds());
	return 0;
}

/* One VF through open, a state save, RUNNING and close: -1 on failure. */
static int check_vf(const char *bdf, int i)
{
	char file[32];
	char *open[] = { "vfio-open", (char *)bdf, NULL };
	char *save[] = { "mig-save", (char *)bdf, file, NULL };
	char *run[] = { "mig-state", (char *)bdf, "RUNNING", NULL };
	char *close[] = { "vfio-close", (char *)bdf, NULL };
	struct step st = { .index = 0 };

	snprintf(file, sizeof(file), "check-vf%d.bin", i);
#define CALL(fn, args, n) (memcpy(st.argv, args, sizeof(args)),	\
			    st.argc = n, fn(&st))
	if (CALL(step_vfio_open, open, 2))
		return -1;
	if (CALL(step_mig_save, save, 3) || CALL(step_mig_state, run, 3)) {
		CALL(step_vfio_close, close, 2);
		return -1;
	}
	return CALL(step_vfio_close, close, 2);
#undef CALL
}

/*
 * check-vfs PF: every VF of PF bound to virtio_vfio_pci still works: it
 * opens, saves its device state through the PF's admin queue and goes
 * back to RUNNING.  "checked=N", or the first VF that did not.
 */
int step_check_vfs(const struct step *s)
{
	char bdf[64], drv[64];
	int checked = 0;

	for (int i = 0; !vf_bdf(s->argv[1], i, bdf, sizeof(bdf)); i++) {
		if (pci_driver_of(bdf, drv, sizeof(drv)) ||
		    strcmp(drv, "virtio_vfio_pci"))
			continue;
		if (check_vf(bdf, i)) {
			result("vf=%s", bdf);
			return -1;
		}
		checked++;
	}
	result("checked=%d", checked);
	return 0;
}
