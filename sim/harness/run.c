// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sim/bus/bus.h"
#include "sim/bus/fault.h"
#include "console.h"
#include "fsutil.h"
#include "kreport.h"
#include "mconsole.h"
#include "sim/bus/log.h"
#include "run.h"
#include "run_cover.h"
#include "sim/bus/trace.h"
#include "vfsim.h"

#define MAX_ARGS 64
#define MAX_MARKS 32
#define BOOT_MIN_S 60	/* the boot's budget is at least this */

struct mark {
	char name[32];
	double t_s;		/* since UML started */
	double bus_cpu_s;	/* bus thread CPU time at the mark */
};

struct run {
	const struct run_opts *o;
	char dir[PATH_MAX];	/* run directory (absolute) */
	char priv[PATH_MAX];	/* private socket/temp directory */
	struct bus bus;
	FILE *console;
	FILE *simlog;
	pid_t pid;
	int sfd;		/* signalfd */
	double t0, t_exit;
	double t_report;	/* first kernel report line, s after t0; 0: none */
	double t_agent;		/* the agent's start line, s after t0; 0: not
				 * yet (the deadline is the boot's) */
	int status;		/* UML wait status */
	enum run_verdict verdict;
	struct console_lines lines;	/* the console line being assembled */
	struct mark marks[MAX_MARKS];
	unsigned int nmarks;
	char stats[4200];	/* from the models, for summary.txt */
	char stats_at[4200];	/* at o->stats_at_step, or empty */
	struct fault_set faults;
	struct run_cover cover;	/* gcov data of a cover kernel */
	double deadline;	/* now_s() time the run is killed at */
	double end_at;		/* end the run then: its outcome is certain */
	bool end_for_cover;	/* ...once the agent saved its coverage */
	double last_data;	/* when the console last said something */
	const char *ended;	/* why the run ended, for summary.txt */
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static double bus_cpu_s(struct run *r)
{
	struct timespec ts;
	clockid_t cid;

	if (!r->bus.running || pthread_getcpuclockid(r->bus.thread, &cid) ||
	    clock_gettime(cid, &ts))
		return 0;
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static FILE *open_in(struct run *r, const char *name, const char *mode)
{
	char path[PATH_MAX + 64];

	snprintf(path, sizeof(path), "%s/%s", r->dir, name);
	return fopen(path, mode);
}

static int write_steps(struct run *r)
{
	FILE *f = open_in(r, "steps", "w");

	if (!f)
		return -errno;
	for (int i = 0; i < r->o->nsteps; i++)
		fprintf(f, "%s\n", r->o->steps[i]);
	return fclose(f) ? -errno : 0;
}

static int setup_dirs(struct run *r)
{
	const char *tmp = getenv("TMPDIR");
	int ret = fs_mkdir_p(r->o->run_dir);

	if (ret) {
		vlog(LOG_ERR, NULL, "cannot create run directory %s: %s",
		     r->o->run_dir, strerror(-ret));
		return ret;
	}
	if (!realpath(r->o->run_dir, r->dir))
		return -errno;
	/* Socket paths must stay short (108 bytes): not in the run dir. */
	snprintf(r->priv, sizeof(r->priv), "%s/vfsim.XXXXXX",
		 tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(r->priv)) {
		vlog(LOG_ERR, NULL, "cannot create private directory %s: %s",
		     r->priv, strerror(errno));
		r->priv[0] = 0;
		return -errno;
	}
	return 0;
}

/* Faults in force from the start: boot-time driver probes meet them too. */
static int arm_boot_faults(struct run *r)
{
	char err[160];
	struct fault f;

	for (int i = 0; i < r->o->nboot_faults; i++)
		if (fault_parse(r->o->boot_faults[i], &f, err, sizeof(err)) ||
		    fault_arm(&r->faults, &f)) {
			vlog(LOG_ERR, NULL, "fault '%s': %s",
			     r->o->boot_faults[i], err);
			return -EINVAL;
		}
	return 0;
}

static int setup_bus(struct run *r)
{
	int ret = bus_init(&r->bus, r->priv, r->o->spin_us);

	fault_set_init(&r->faults, r->o->seed);
	ret = ret ?: arm_boot_faults(r);
	for (unsigned int i = 0; i < r->o->nfuncs; i++)
		r->o->funcs[i]->faults = &r->faults;

	/* Slot order is registration order: the PF first, then VF n. */
	for (unsigned int i = 0; !ret && i < r->o->nfuncs; i++)
		ret = bus_add(&r->bus, r->o->funcs[i]);
	ret = ret ?: bus_start(&r->bus);
	if (ret)
		vlog(LOG_ERR, NULL, "cannot start the bus: %s", strerror(-ret));
	return ret;
}

static void build_argv(struct run *r, char **argv, char *bufs, size_t blen)
{
	static const char *const tt_arg[] = {
		[TT_OFF] = NULL, [TT_BASIC] = "time-travel",
		[TT_INF_CPU] = "time-travel=inf-cpu",
	};
	int n = 0;

#define ARG(...) do {							\
		int len_ = snprintf(bufs, blen, __VA_ARGS__) + 1;	\
		argv[n++] = bufs;					\
		bufs += len_;						\
		blen -= len_;						\
	} while (0)
	ARG("%s", r->o->kernel);
	ARG("mem=%uM", r->o->mem_mb);
	ARG("rootfstype=hostfs");
	ARG("rootflags=/");
	ARG("ro");
	ARG("init=%s", r->o->agent);
	ARG("con0=null,fd:1");
	ARG("con=null");
	ARG("ssl=null");
	ARG("umid=vfsim");
	ARG("uml_dir=%s", r->priv);
	/*
	 * A report while the PF probes at boot comes before UML's console
	 * is up; 6.12's default log buffer (128 KiB) then drops the start of
	 * a lockdep splat, its headline included, and the report is lost.
	 */
	ARG("log_buf_len=4M");
	for (unsigned int i = 0; i < r->bus.nslots; i++)
		ARG("virtio_uml.device=%s:%d", bus_socket_path(&r->bus, i),
		    VFSIM_PCIDEV_VIRTIO_ID);
	if (tt_arg[r->o->tt]) {
		ARG("%s", tt_arg[r->o->tt]);
		/*
		 * An idle guest jumps its clock to the next timer; when it
		 * waits for one of our interrupts, that timer can be the
		 * hung-task check 120 simulated seconds on: a report no real
		 * hang caused.  Under time-travel, hangs show as timeouts.
		 */
		ARG("sysctl.kernel.hung_task_timeout_secs=0");
	} else if (r->o->hung_task_s) {
		/* Checked every second: a hang is reported after N to N+1 s. */
		ARG("sysctl.kernel.hung_task_timeout_secs=%u",
		    r->o->hung_task_s);
		ARG("sysctl.kernel.hung_task_check_interval_secs=1");
	}
	/* SMP UML runs user space only under seccomp, not ptrace. */
	if (r->o->cpus > 1)
		ARG("ncpus=%u", r->o->cpus);
	if (r->o->seccomp)
		ARG("seccomp=on");
	/*
	 * virtio_pcidev gives up on a reply after max_delay_us polls (40 ms
	 * by default); a busy host can deschedule the bus thread that long,
	 * so allow more unless the user chose a value.  Up to 6.12 the
	 * parameter is virt-pci's (arch/um/drivers/virt-pci.c); a kernel
	 * ignores a parameter of a module it does not have.
	 */
	if (r->o->max_delay_us) {
		ARG("virtio_pcidev.max_delay_us=%u", r->o->max_delay_us);
		ARG("virt_pci.max_delay_us=%u", r->o->max_delay_us);
	}
	/* Unknown "KEY=value" arguments become init's environment. */
	ARG("VFSIM_RUNDIR=%s", r->dir);
	if (r->cover.on)
		ARG("VFSIM_GCOV_OBJTREE=%s", r->cover.objtree);
	/* Under time-travel a polling agent would never let the guest idle. */
	if (r->cover.on && r->o->tt == TT_OFF)
		ARG("VFSIM_GCOV_POLL=1");
	/* The agent draws parallel branches' start delays from it. */
	ARG("VFSIM_SEED=%llu", (unsigned long long)r->o->seed);
	if (r->o->cmdline) {
		char *save, *tok, copy[1024];

		snprintf(copy, sizeof(copy), "%s", r->o->cmdline);
		for (tok = strtok_r(copy, " ", &save); tok && n < MAX_ARGS - 1;
		     tok = strtok_r(NULL, " ", &save))
			ARG("%s", tok);
	}
#undef ARG
	argv[n] = NULL;
}

static int start_uml(struct run *r, int *out_fd)
{
	static char bufs[16384];
	char *argv[MAX_ARGS];
	char tmpenv[PATH_MAX + 8];
	int pfd[2];

	build_argv(r, argv, bufs, sizeof(bufs));
	fprintf(r->simlog, "uml:");
	for (char **a = argv; *a; a++)
		fprintf(r->simlog, " %s", *a);
	fprintf(r->simlog, "\n");
	fflush(r->simlog);
	if (pipe2(pfd, O_CLOEXEC))
		return -errno;
	snprintf(tmpenv, sizeof(tmpenv), "TMPDIR=%s", r->priv);
	r->t0 = now_s();
	r->pid = fork();
	if (r->pid < 0)
		return -errno;
	if (r->pid == 0) {
		char *envp[] = { tmpenv, "PATH=/usr/sbin:/usr/bin:/sbin:/bin",
				 NULL };
		int null = open("/dev/null", O_RDONLY);
		sigset_t all;

		struct rlimit no_core = { 0, 0 };

		sigemptyset(&all);
		sigprocmask(SIG_SETMASK, &all, NULL);
		/* A UML panic dumps core; keep the run directory clean. */
		setrlimit(RLIMIT_CORE, &no_core);
		setsid();	/* one process group to kill at the end */
		dup2(null, 0);
		dup2(pfd[1], 1);
		dup2(pfd[1], 2);
		execve(argv[0], argv, envp);
		fprintf(stderr, "vfsim: cannot run %s: %s\n", argv[0],
			strerror(errno));
		_exit(127);
	}
	close(pfd[1]);
	*out_fd = pfd[0];
	return 0;
}

/* ---- requests from the agent: "vfsim-rpc ID COMMAND A B" ---- */

struct rpc_call {
	struct run *r;
	struct console_request rq;
	char out[4200];
};

static struct pci_func *func_by_name(struct run *r, const char *name)
{
	for (unsigned int i = 0; i < r->o->nfuncs; i++)
		if (!strcmp(r->o->funcs[i]->name, name))
			return r->o->funcs[i];
	return NULL;
}

/* A fault about a function's registers must find them there. */
static int fault_applies(struct run *r, const struct fault *f, char *err,
			 size_t len)
{
	struct pci_func *fn = func_by_name(r, f->target);

	if (f->kind != FAULT_CAP_NEXT || !fn)
		return 0;
	if (f->ext ? fn->cfg.last_ext : fn->cfg.last_cap)
		return 0;
	snprintf(err, len, "%s has no %s capability list", fn->name,
		 f->ext ? "extended" : "standard");
	return -EINVAL;
}

/* Device-side requests the simulator core answers itself. */
static void sim_rpc_on_bus(void *arg)
{
	struct rpc_call *c = arg;
	struct pci_func *fn = func_by_name(c->r, c->rq.a);
	int kind = fault_kind_by_name(c->rq.a);
	struct fault f;
	char err[160];

	if (!strcmp(c->rq.cmd, "fault")) {
		if (!strcmp(c->rq.b, "off") && kind >= 0)
			fault_disarm(&c->r->faults, kind);
		else if (fault_parse(c->rq.rest, &f, err, sizeof(err)) ||
			 fault_applies(c->r, &f, err, sizeof(err)) ||
			 fault_arm(&c->r->faults, &f))
			goto bad;
		snprintf(c->out, sizeof(c->out), "differences=0\n");
		return;
	}
	if (!strcmp(c->rq.cmd, "step")) {
		/* The agent's step marker, ordered with the devices' events. */
		trace_event(TRACE_DEV, "agent", "step", "n=%s", c->rq.a);
		if (c->r->o->stats_at_step && c->r->o->rpc &&
		    atoi(c->rq.a) == c->r->o->stats_at_step)
			c->r->o->rpc(c->r->o->rpc_ctx, c->r->dir, "stats", "",
				     "", c->r->stats_at,
				     sizeof(c->r->stats_at));
		snprintf(c->out, sizeof(c->out), "differences=0\n");
		return;
	}
	if (!fn) {
		snprintf(err, sizeof(err), "no function '%s'", c->rq.a);
		goto bad;
	}
	trace_event(TRACE_DEV, fn->name, "fault", "kind=%s", c->rq.cmd);
	if (!strcmp(c->rq.cmd, "unplug"))
		bus_unplug(&c->r->bus, fn->name);
	else
		pci_func_reset(fn);	/* "flr": a reset the device does */
	snprintf(c->out, sizeof(c->out), "differences=0\n");
	return;
bad:
	snprintf(c->out, sizeof(c->out), "differences=-1\nerror=\"%s\"\n",
		 err);
}

static bool sim_rpc(const char *cmd)
{
	return !strcmp(cmd, "fault") || !strcmp(cmd, "unplug") ||
	       !strcmp(cmd, "flr") || !strcmp(cmd, "step");
}

static void rpc_on_bus(void *arg)
{
	struct rpc_call *c = arg;

	c->r->o->rpc(c->r->o->rpc_ctx, c->r->dir, c->rq.cmd, c->rq.a, c->rq.b, c->out,
		     sizeof(c->out));
}

static void rpc_reply(struct run *r, const char *id, const char *text)
{
	char tmp[PATH_MAX + 64], path[PATH_MAX + 64];
	FILE *f;

	snprintf(tmp, sizeof(tmp), "%s/rpc-%s.tmp", r->dir, id);
	snprintf(path, sizeof(path), "%s/rpc-%s.out", r->dir, id);
	f = fopen(tmp, "w");
	if (!f)
		return;
	fputs(text, f);
	fclose(f);
	rename(tmp, path);	/* the agent sees all of it or nothing */
}

/* A request line of the agent's (console.h); a bad one is logged. */
static void on_rpc(struct run *r, const char *line)
{
	static struct rpc_call c;
	int ret;

	memset(&c, 0, sizeof(c));
	c.r = r;
	ret = console_rpc_parse(line, r->lines.cut, &c.rq);
	if (!ret)
		return;
	if (ret < 0) {
		fprintf(r->simlog, "rpc refused (%s): %.200s\n",
			ret == -E2BIG ? "a word or the request is too long" :
			"bad id or no command", line);
		/* The agent waits for a reply it can be sent. */
		if (ret == -E2BIG && c.rq.id[0])
			rpc_reply(r, c.rq.id, "differences=-1\n"
				  "error=\"request too long\"\n");
		fflush(r->simlog);
		return;
	}
	if (sim_rpc(c.rq.cmd))
		bus_call(&r->bus, sim_rpc_on_bus, &c);
	else if (r->o->rpc)
		bus_call(&r->bus, rpc_on_bus, &c);
	else
		snprintf(c.out, sizeof(c.out), "differences=-1\nerror=no-handler\n");
	fprintf(r->simlog, "rpc %s %s %s: %s", c.rq.cmd, c.rq.a, c.rq.b, c.out);
	fflush(r->simlog);
	rpc_reply(r, c.rq.id, c.out);
}

/*
 * The control socket: "<priv>/ctl.sock", its path in "<run dir>/ctl".
 * One request line per connection ("fault admin-fail op=X", "unplug vf1",
 * "flr vf0", "stats", "compare vf0 vf1"), one reply, then close: what
 * `vfsim ctl RUN_DIR ...` and scripts use to act on a running guest.
 */
static int ctl_open(struct run *r)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char path[PATH_MAX + 16];
	FILE *f;
	int fd;

	snprintf(path, sizeof(path), "%s/ctl.sock", r->priv);
	if (strlen(path) >= sizeof(sa.sun_path))
		return -1;	/* no control socket; the run goes on */
	memcpy(sa.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    listen(fd, 4)) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	snprintf(path, sizeof(path), "%s/ctl", r->dir);
	f = fopen(path, "w");
	if (f) {
		fprintf(f, "%s\n", sa.sun_path);
		fclose(f);
	}
	return fd;
}

static void ctl_serve(struct run *r, int lfd)
{
	static struct rpc_call c;
	struct timeval tv = { .tv_sec = 2 };
	char req[300];
	int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	n = read(fd, req, sizeof(req) - 1);
	memset(&c, 0, sizeof(c));
	c.r = r;
	if (n > 0) {
		req[n] = 0;
		req[strcspn(req, "\r\n")] = 0;
		if (console_ctl_parse(req, &c.rq))
			snprintf(c.out, sizeof(c.out), "differences=-1\n"
				 "error=\"empty or too long a request\"\n");
		else
			bus_call(&r->bus, sim_rpc(c.rq.cmd) ? sim_rpc_on_bus :
				 rpc_on_bus, &c);
		fprintf(r->simlog, "ctl %s: %s", req, c.out);
		fflush(r->simlog);
		/* A client gone away must not kill the run (SIGPIPE). */
		(void)!send(fd, c.out, strlen(c.out), MSG_NOSIGNAL);
	}
	close(fd);
}

/*
 * The timeout counts from the agent's start, so a slower kernel's boot
 * (KPROFILE=smp: 15 s and more on a loaded machine) does not eat the
 * steps' time; the boot gets as long, and at least BOOT_MIN_S.
 */
static void watch_start(struct run *r, const char *line)
{
	if (strstr(line, "vfsim-agent: started at uptime") &&
	    r->verdict == RUN_PASS) {
		r->deadline = now_s() + r->o->timeout_s;
		r->t_agent = now_s() - r->t0;
	}
}

/*
 * Time to verdict: once a run's outcome is certain, end it as soon as the
 * report that made it certain has been printed (the console quiet for
 * END_QUIET_S), at most @max_s from now.
 */
#define END_QUIET_S 0.5

static void end_soon(struct run *r, const char *why, double max_s)
{
	if (r->end_at || r->ended)
		return;		/* the first reason stands */
	r->ended = why;
	r->end_at = now_s() + max_s;
}

static bool expected_report(const struct run *r, const char *kind)
{
	const char *e = r->o->expected_reports;
	size_t n = strlen(kind);

	for (; e && (e = strstr(e, kind)); e += n)
		if ((e == r->o->expected_reports || e[-1] == ' ') &&
		    (!e[n] || e[n] == ' '))
			return true;
	return false;
}

/*
 * A panic ends the kernel.  A hung task is a hang: with end_on_hang the
 * run ends as if at its timeout.  With end_on_report (a sweep), so does
 * any report the scenario does not expect.
 */
static void watch_reports(struct run *r, const char *line)
{
	const char *kind = kreport_classify(line);
	bool unexpected;

	if (!kind)
		return;
	unexpected = r->o->end_on_report && !expected_report(r, kind);
	if (!strcmp(kind, "panic"))
		end_soon(r, "panic", 2);
	else if (strcmp(kind, "hung-task"))
		unexpected ? end_soon(r, "report", 3) : (void)0;
	else if (r->o->tt == TT_OFF && (unexpected || r->o->end_on_hang))
		end_soon(r, "hung-task", 3);
}

static bool end_due(const struct run *r)
{
	double t = now_s();

	if (r->end_for_cover)
		return t >= r->end_at || run_cover_saved(&r->cover, r->dir);
	return r->end_at && (t >= r->end_at || t - r->last_data >= END_QUIET_S);
}

/*
 * On a cover kernel, a run that ends early (a report, a hung task) asks
 * the agent to save its counters first, as at a timeout: the error paths
 * a sweep reaches are the coverage it adds.  A panicked kernel cannot.
 */
static bool end_after_cover(struct run *r)
{
	unsigned int grace;

	if (r->end_for_cover || !strcmp(r->ended, "panic") ||
	    !(grace = run_cover_ask(&r->cover, r->dir)))
		return false;
	r->end_for_cover = true;
	r->end_at = now_s() + grace;
	return true;
}

/* Seconds until end_due() may change, for poll(). */
static double end_wait(const struct run *r)
{
	double t = now_s(), w = r->end_at - t;

	if (r->end_for_cover)
		return w < 0.2 ? (w > 0 ? w : 0) : 0.2;	/* gcov.saved? */

	if (r->last_data + END_QUIET_S - t < w)
		w = r->last_data + END_QUIET_S - t;
	return w > 0 ? w : 0;
}

/*
 * A run at its timeout: ask the kernel for its blocked tasks (SysRq w
 * through UML's management console) and end the run once the dump has
 * been printed, so the console says where the hang is stuck.
 */
static void dump_blocked_tasks(struct run *r)
{
	char sock[PATH_MAX + 32], me[PATH_MAX + 32], reply[64];
	int ret;

	snprintf(sock, sizeof(sock), "%s/vfsim/mconsole", r->priv);
	snprintf(me, sizeof(me), "%s/mconsole-client", r->priv);
	ret = mconsole_command(sock, me, "sysrq w", 500, reply, sizeof(reply));
	/* No socket: UML is past its shutdown (a hang in power-off). */
	if (ret && ret != -EAGAIN)
		fprintf(r->simlog, "no blocked-task dump (mconsole: %s)\n",
			strerror(-ret));
	r->ended = "timeout";
	r->last_data = now_s();
	r->end_at = r->last_data + 3;
}

static void on_line(void *ctx, const char *line)
{
	struct run *r = ctx;
	struct mark *mk;

	watch_start(r, line);
	watch_reports(r, line);
	on_rpc(r, line);
	if (!r->t_report && kreport_classify(line))
		r->t_report = now_s() - r->t0;
	if (r->nmarks == MAX_MARKS)
		return;
	mk = &r->marks[r->nmarks];
	if (console_mark_parse(line, mk->name, sizeof(mk->name)) != 1)
		return;
	r->nmarks++;
	mk->t_s = now_s() - r->t0;
	mk->bus_cpu_s = bus_cpu_s(r);
}

static void console_data(struct run *r, const char *buf, size_t n)
{
	fwrite(buf, 1, n, r->console);
	r->last_data = now_s();
	if (r->o->echo)
		fwrite(buf, 1, n, stdout);
	console_feed(&r->lines, buf, n, on_line, r);
}

static void kill_uml(struct run *r)
{
	if (r->pid > 0)
		kill(-r->pid, SIGKILL);
}

/* Returns when UML closed its console; sets r->verdict on timeout/signal. */
static void supervise(struct run *r, int cfd)
{
	int lfd = ctl_open(r);
	struct pollfd pfd[3] = { { cfd, POLLIN, 0 }, { r->sfd, POLLIN, 0 },
				 { lfd, POLLIN, 0 } };
	char buf[8192];
	unsigned int grace;

	/* Until the agent starts (watch_start()), the boot's budget. */
	r->deadline = r->t0 + (r->o->boot_timeout_s ? r->o->boot_timeout_s :
			       r->o->timeout_s > BOOT_MIN_S ?
			       r->o->timeout_s : BOOT_MIN_S);
	for (;;) {
		double left = r->deadline - now_s();
		int ret;

		if (r->cover.asked && r->verdict == RUN_PASS && left > 0 &&
		    !r->end_at && run_cover_saved(&r->cover, r->dir))
			left = 0;	/* the coverage data is out */
		if (left <= 0 && r->verdict == RUN_PASS &&
		    (grace = run_cover_ask(&r->cover, r->dir))) {
			vlog(LOG_WARN, NULL, "timeout after %u s: saving the "
			     "coverage data first", r->o->timeout_s);
			r->deadline = now_s() + grace;
			continue;
		}
		if (left <= 0 && r->verdict == RUN_PASS && !r->t_agent) {
			vlog(LOG_ERR, NULL, "timeout: the agent did not start "
			     "within %.0f s of boot: killing UML",
			     r->deadline - r->t0);
			r->verdict = RUN_TIMEOUT;
			r->end_at = 0;
			dump_blocked_tasks(r);
			r->deadline = now_s() + 3 + 5;
			continue;
		}
		if (left <= 0 && r->verdict == RUN_PASS) {
			vlog(LOG_ERR, NULL, "timeout after %u s: killing UML",
			     r->o->timeout_s);
			r->verdict = RUN_TIMEOUT;
			r->end_at = 0;
			dump_blocked_tasks(r);
			r->deadline = now_s() + 3 + 5;	/* then drain the rest */
			continue;
		}
		if (left <= 0)
			break;
		if (end_due(r)) {
			if (r->verdict == RUN_PASS && end_after_cover(r))
				continue;
			if (r->verdict == RUN_PASS)
				vlog(LOG_DEBUG, NULL, "outcome certain (%s): "
				     "ending the run", r->ended);
			if (r->verdict == RUN_PASS && !strcmp(r->ended, "hung-task"))
				r->verdict = RUN_TIMEOUT;	/* a hang */
			kill_uml(r);
			r->end_at = 0;
			r->end_for_cover = false;
			r->deadline = now_s() + 5;
			continue;
		}
		if (r->end_at && end_wait(r) < left)
			left = end_wait(r);
		if (r->cover.asked && left > 0.2)
			left = 0.2;	/* look for the agent's gcov.saved */
		ret = poll(pfd, lfd >= 0 ? 3 : 2, (int)(left * 1000) + 1);
		if (ret < 0 && errno != EINTR)
			break;
		if (pfd[1].revents & POLLIN) {
			struct signalfd_siginfo si;

			if (read(r->sfd, &si, sizeof(si)) == sizeof(si) &&
			    si.ssi_signo != SIGCHLD &&
			    r->verdict == RUN_PASS) {
				vlog(LOG_WARN, NULL, "interrupted: tearing down");
				r->verdict = RUN_INTERRUPTED;
				r->ended = "interrupted";
				kill_uml(r);
				r->deadline = now_s() + 5;
			}
		}
		if (lfd >= 0 && (pfd[2].revents & POLLIN))
			ctl_serve(r, lfd);
		if (pfd[0].revents & (POLLIN | POLLHUP)) {
			ssize_t n = read(cfd, buf, sizeof(buf));

			if (n <= 0)
				break;
			console_data(r, buf, n);
		}
	}
	if (lfd >= 0) {
		char path[PATH_MAX + 8];

		close(lfd);
		snprintf(path, sizeof(path), "%s/ctl", r->dir);
		unlink(path);	/* the socket goes with the private dir */
	}
}

static void reap(struct run *r)
{
	double end = now_s() + 5;

	/* Helpers of UML that outlived it belong to the same group. */
	kill_uml(r);
	while (waitpid(r->pid, &r->status, WNOHANG) == 0 && now_s() < end)
		usleep(1000);
	r->t_exit = now_s() - r->t0;
	while (waitpid(-r->pid, NULL, WNOHANG) > 0)
		;
}

static bool agent_ok(struct run *r)
{
	char line[512];
	bool ok = false;
	FILE *f = open_in(r, "agent.log", "r");

	if (!f)
		return false;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "agent=done status=ok", 20))
			ok = true;
	fclose(f);
	return ok;
}

static int scan_findings(struct run *r)
{
	char path[PATH_MAX + 16];
	FILE *f = open_in(r, "findings.txt", "w");
	int n;

	if (!f)
		return -errno;
	snprintf(path, sizeof(path), "%s/console.log", r->dir);
	/*
	 * Under time-travel an idle guest's clock jumps to its next timer,
	 * so a task waiting for the simulator looks blocked for as long as
	 * the jump: hung-task reports mean nothing there (the runner's
	 * sysctl turning the detector off only applies after the boot-time
	 * driver probes).  Hangs show as timeouts instead.
	 */
	n = kreport_scan_except(path, f, r->o->tt == TT_OFF ? NULL : "hung-task");
	fclose(f);
	return n;
}

static void write_summary(struct run *r, int findings, bool ok)
{
	static const char *const names[] = {
		"pass", "fail", "error", "timeout", "interrupted" };
	FILE *f = open_in(r, "summary.txt", "w");
	struct rusage ru;

	if (!f)
		return;
	getrusage(RUSAGE_SELF, &ru);
	fprintf(f, "verdict=%s\nagent=%s\nfindings=%d\n", names[r->verdict],
		ok ? "ok" : "failed", findings);
	fprintf(f, "ended=%s\n", r->ended ? r->ended : "poweroff");
	fprintf(f, "uml_wall_s=%.3f\n", r->t_exit);
	if (r->t_agent)
		fprintf(f, "agent_start_s=%.3f\n", r->t_agent);
	if (r->t_report)
		fprintf(f, "first_report_s=%.3f\n", r->t_report);
	fprintf(f, "sim_cpu_s=%.3f\n", ru.ru_utime.tv_sec +
		ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec +
		ru.ru_stime.tv_usec / 1e6);
	for (unsigned int i = 0; i < BUS_MAX_FUNCS; i++)
		if (bus_requests(&r->bus, i))
			fprintf(f, "func%u_requests=%llu\nfunc%u_msis=%llu\n", i,
				(unsigned long long)bus_requests(&r->bus, i), i,
				(unsigned long long)bus_msis(&r->bus, i));
	fputs(r->stats, f);
	for (unsigned int i = 0; i < r->nmarks; i++)
		fprintf(f, "mark.%s.t_s=%.6f\nmark.%s.bus_cpu_s=%.6f\n",
			r->marks[i].name, r->marks[i].t_s, r->marks[i].name,
			r->marks[i].bus_cpu_s);
	fclose(f);
	if (!r->stats_at[0])
		return;
	f = open_in(r, "summary-scenario.txt", "w");
	if (f) {
		fputs(r->stats_at, f);
		fclose(f);
	}
}

static void judge(struct run *r)
{
	int findings = scan_findings(r);
	bool ok = agent_ok(r);

	if (r->verdict == RUN_PASS &&
	    (!ok || (findings > 0 && !r->o->allow_findings)))
		r->verdict = RUN_FAIL;
	write_summary(r, findings, ok);
	printf("vfsim: %s: %s (agent %s, %d kernel report%s, %.2f s)\n",
	       r->verdict == RUN_PASS ? "PASS" :
	       r->verdict == RUN_TIMEOUT ? "TIMEOUT" :
	       r->verdict == RUN_INTERRUPTED ? "INTERRUPTED" : "FAIL",
	       r->dir, ok ? "ok" : "failed", findings > 0 ? findings : 0,
	       findings == 1 ? "" : "s", r->t_exit);
	if (findings > 0)
		printf("vfsim: kernel reports: %s/findings.txt\n", r->dir);
}

/* The models' own account of the run, before the bus goes away. */
static void collect_stats(struct run *r)
{
	static struct rpc_call c;

	if (!r->o->rpc || !r->bus.running)
		return;
	memset(&c, 0, sizeof(c));
	c.r = r;
	strcpy(c.rq.cmd, "stats");
	bus_call(&r->bus, rpc_on_bus, &c);
	snprintf(r->stats, sizeof(r->stats), "%s", c.out);
}

static void teardown(struct run *r)
{
	bus_stop(&r->bus);
	trace_close();
	log_set_file(NULL);
	if (r->simlog)
		fclose(r->simlog);
	if (r->console)
		fclose(r->console);
	if (r->priv[0])
		fs_remove_tree(r->priv);
	if (r->sfd >= 0)
		close(r->sfd);
}

static int block_signals(struct run *r)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGCHLD);
	/* Before any thread starts, so the bus thread inherits the mask. */
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	r->sfd = signalfd(-1, &set, SFD_CLOEXEC);
	return r->sfd < 0 ? -errno : 0;
}

int run_uml(const struct run_opts *o)
{
	static struct run r;
	char path[PATH_MAX + 16];
	int cfd = -1, ret;

	memset(&r, 0, sizeof(r));
	r.o = o;
	r.sfd = -1;
	r.bus.epfd = r.bus.stop_fd = r.bus.call_fd = -1;
	ret = block_signals(&r);
	ret = ret ?: setup_dirs(&r);
	if (!ret)
		run_cover_setup(&r.cover, o->kernel, r.dir);
	if (!ret) {
		r.console = open_in(&r, "console.log", "w");
		r.simlog = open_in(&r, "sim.log", "w");
		snprintf(path, sizeof(path), "%s/trace.log", r.dir);
		if (!r.console || !r.simlog || trace_open(path, o->trace_mask))
			ret = -EIO;
	}
	if (!ret) {
		log_set_file(r.simlog);
		ret = write_steps(&r);
	}
	ret = ret ?: setup_bus(&r);
	ret = ret ?: start_uml(&r, &cfd);
	if (ret) {
		vlog(LOG_ERR, NULL, "run not started: %s", strerror(-ret));
		teardown(&r);
		return RUN_ERROR;
	}
	supervise(&r, cfd);
	close(cfd);
	reap(&r);
	run_cover_finish(&r.cover, r.dir);
	collect_stats(&r);
	teardown(&r);
	judge(&r);
	return r.verdict;
}
