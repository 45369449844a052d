// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fsutil.h"
#include "sweep.h"
#include "sweep_explore.h"
#include "sweep_judge.h"
#include "sweep_points.h"
#include "sweep_report.h"

const char sweep_usage[] =
"usage: vfsim sweep [OPTIONS] SCENARIO.vfs...\n"
"\n"
"Run each scenario once, recording its injection points (every admin\n"
"command, every MSI, every allocation its steps make), then once per point\n"
"with exactly that point failed, and say what the real drivers did:\n"
"clean, finding, leak, hang, wrong-result, simulator-error, not-reached.\n"
"Prints a table; writes sweep.json and outcomes.txt (doc/sweep.md).\n"
"\n"
"  -j, --jobs N          runs in parallel (default 3 per CPU: a run mostly\n"
"                        waits out the kernel's own sleeps)\n"
"      --points KINDS    comma list of admin-fail, admin-hang, msi-drop,\n"
"                        alloc, read-ones ('admin' is both admin kinds,\n"
"                        'all' every kind; default all but read-ones)\n"
"      --list            record and list the points; run none\n"
"      --all-steps       also the points of boot, of steps that come from\n"
"                        included files (shared setup: by default it is\n"
"                        swept where it is written out), and the\n"
"                        allocations of checks (probe, list, expect-...)\n"
"      --exhaustive      every allocation site, not only where the call\n"
"                        site or the outcome changes\n"
"      --rerun POINT     run one point again: admin-fail:DEV_MODE_SET#1,\n"
"                        msi-drop:pf#6, alloc:step9#5, or an allocation\n"
"                        by its site, 'alloc:step9@f<g<h' (repeatable)\n"
"      --shard K/N       only the K-th of N slices of the points\n"
"      --admin-status N  the status a failed admin command answers\n"
"                        (default 22, VIRTIO_ADMIN_STATUS_EINVAL)\n"
"      --hung-task-s N   the runs' hung-task timeout (default 3)\n"
"  -o, --out DIR         sweeps go to DIR/NAME (default build/sweeps)\n"
"  -k, --kernel PATH     UML kernel (default as for vfsim run)\n"
"      --seed N          seed of the runs (default: the scenario's, or 1)\n"
"      --keep            keep every run's trace and lockdep files (by\n"
"                        default clean runs lose them)\n"
"  -q, --quiet           no progress lines on stderr\n";

#define MAX_RERUN 16
#define SWEEP_MAX_JOBS 64	/* -j N: UML runs at a time */
#define MAX_HEALTH 16

struct sweep_opts {
	const struct sweep_env *env;
	struct sr_opts so;
	unsigned int jobs, kinds, admin_status, hung_task_s;
	unsigned int shard_k, shard_n;
	bool all_steps, exhaustive, keep, quiet, list;
	const char *rerun[MAX_RERUN];
	int nrerun;
	const char *out;
	uint64_t seed;
	bool seed_set;
};

struct sweep {
	const struct sweep_opts *o;
	const char *file;
	struct scenario sc;
	char dir[PATH_MAX];
	char base[PATH_MAX + 16];	/* the recording run */
	struct sweep_record rec;
	struct sweep_run *runs;
	pid_t *pids;			/* of runs[i], 0 when not running */
	double *t0;
	int nruns, cap;
	struct sweep_explorer ex[SWEEP_MAX_STEPS];
	int ex_step[SWEEP_MAX_STEPS];
	int nex;
	int next_device;		/* runs[] below this are device points */
	int ndevice;
	char health[MAX_HEALTH][96];
	const char *epilogue[MAX_HEALTH];
	int nepilogue;
	char expected[256];		/* report kinds the scenario expects */
	unsigned int timeout_s;
	unsigned int boot_timeout_s;	/* the runs', from the recording */
	uint64_t seed;
	int running;
	struct sweep_point tries[MAX_RERUN];	/* site searches' next runs */
	int ntries;
	int site_misses;	/* site searches that found no such site */
	int missed;		/* their runs that missed */
};

static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
	(void)sig;
	interrupted = 1;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* ---- what every run adds to the scenario ------------------------------ */

/*
 * After the scenario: close every descriptor (teardown; it counts those
 * nobody received), then check that the devices still work: every VF left
 * on virtio_vfio_pci opens, saves its state through the PF's admin queue
 * and resumes; without VFs, the PF is still bound to virtio-pci.
 */
static void add_health(struct sweep *s)
{
	int n = 0;

	snprintf(s->health[n++], sizeof(s->health[0]), "release-fds");
	snprintf(s->health[n++], sizeof(s->health[0]), s->sc.topo.vfs ?
		 "check-vfs 0000:00:00.0" :
		 "expect-driver 0000:00:00.0 virtio-pci");
	for (int i = 0; i < n; i++)
		s->epilogue[i] = s->health[i];
	s->nepilogue = n;
}

static void add_expected(struct sweep *s)
{
	size_t used = 0;

	for (int e = 0; e < s->sc.nexpects; e++)
		if (!strcmp(s->sc.expects[e].kind, "finding") &&
		    used + strlen(s->sc.expects[e].arg) + 2 < sizeof(s->expected))
			used += snprintf(s->expected + used,
					 sizeof(s->expected) - used, "%s%s",
					 used ? " " : "", s->sc.expects[e].arg);
}

/* ---- one run in a child process --------------------------------------- */

static pid_t start(struct sweep *s, const struct sr_variant *v,
		   const char *dir)
{
	pid_t pid;

	fflush(NULL);
	pid = fork();
	if (pid)
		return pid;
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	if (!freopen("/dev/null", "w", stdout) ||
	    !freopen("/dev/null", "w", stderr))
		_exit(2);
	_exit(scenario_run_variant(&s->sc, &s->o->so, v, s->seed, dir,
				   s->o->env->run) < 0 ? 2 : 0);
}

static int wait_one(pid_t pid, int *status)
{
	if (pid <= 0)
		return -1;
	while (waitpid(pid, status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return 0;
}

/* ---- the recording run ------------------------------------------------ */

static double summary_value(const char *dir, const char *key)
{
	char path[PATH_MAX + 48], line[256];
	double v = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/summary.txt", dir);
	f = fopen(path, "r");
	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, key, strlen(key)) &&
		    line[strlen(key)] == '=')
			v = atof(line + strlen(key) + 1);
	if (f)
		fclose(f);
	return v;
}

/* The misses of the recording, printed; 0 when it passed. */
static int recording_misses(const char *dir)
{
	char path[PATH_MAX + 48], line[1024];
	int n = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/verdict.txt", dir);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		fprintf(stderr, "vfsim: %s", line);
		n++;
	}
	fclose(f);
	return n;
}

/*
 * The runs' boot budget: ten times the recording's boot (summary.txt's
 * agent_start_s: from UML's start to the agent's), at least
 * SWEEP_BOOT_MIN_S.  A hang in the
 * boot-time probe then ends in seconds, where the kernel's own hung-task
 * timeout (the sysctl applies only once init starts) took 40.
 */
#define SWEEP_BOOT_MIN_S 15

static unsigned int boot_budget(const char *dir)
{
	double boot = summary_value(dir, "agent_start_s");

	return 10 * boot > SWEEP_BOOT_MIN_S ? (unsigned int)(10 * boot) + 1 :
	       SWEEP_BOOT_MIN_S;
}

static int record(struct sweep *s)
{
	static const char *const prologue[] = { "trace-steps",
						"fail-nth count" };
	struct sr_variant v = {
		.prologue = prologue, .nprologue = 2,
		.epilogue = s->epilogue, .nepilogue = s->nepilogue,
		.sim_judged_steps = 1,	/* release-fds, the teardown */
		.insert_at = -1, .hung_task_s = s->o->hung_task_s,
	};
	char err[256];
	int status, wall;

	snprintf(s->base, sizeof(s->base), "%s/record", s->dir);
	if (!s->o->quiet)
		fprintf(stderr, "vfsim: %s: recording (%s)\n", s->file, s->base);
	if (wait_one(start(s, &v, s->base), &status) || !WIFEXITED(status) ||
	    WEXITSTATUS(status)) {
		fprintf(stderr, "vfsim: error: %s: the recording run failed to "
			"run (see %s)\n", s->file, s->base);
		return -1;
	}
	if (recording_misses(s->base)) {
		fprintf(stderr, "vfsim: error: %s fails without any injection "
			"(above; run %s): fix it before sweeping it\n", s->file,
			s->base);
		return -1;
	}
	if (sweep_record_read(s->base, s->sc.path, &s->rec, err, sizeof(err))) {
		fprintf(stderr, "vfsim: error: %s\n", err);
		return -1;
	}
	/* Generous: the runs of a sweep share the machine. */
	wall = (int)summary_value(s->base, "uml_wall_s");
	s->timeout_s = 4 * wall + 15 < 30 ? 30 : 4 * wall + 15;
	if (s->timeout_s > s->sc.topo.timeout_s)
		s->timeout_s = s->sc.topo.timeout_s;
	s->boot_timeout_s = boot_budget(s->base);
	return 0;
}

/* ---- the points ------------------------------------------------------- */

static struct sweep_run *add_run(struct sweep *s, const struct sweep_point *p)
{
	struct sweep_run *r;

	if (s->nruns == s->cap) {
		int cap = s->cap ? 2 * s->cap : 64;
		void *a = realloc(s->runs, cap * sizeof(*s->runs));
		void *b = a ? realloc(s->pids, cap * sizeof(*s->pids)) : NULL;
		void *c = b ? realloc(s->t0, cap * sizeof(*s->t0)) : NULL;

		if (a)
			s->runs = a;
		if (b)
			s->pids = b;
		if (!a || !b || !c)
			return NULL;
		s->t0 = c;
		s->cap = cap;
	}
	r = &s->runs[s->nruns];
	memset(r, 0, sizeof(*r));
	r->pt = *p;
	s->pids[s->nruns] = 0;
	s->nruns++;
	return r;
}

static bool kind_on(const struct sweep *s, enum sweep_kind k)
{
	return s->o->kinds & (1u << k);
}

/*
 * Boot and included steps are shared setup: swept where written out.  The
 * check after the scenario (SWEEP_OTHER) is never swept.
 */
static bool step_on(const struct sweep *s, int step)
{
	if (step == SWEEP_OTHER)
		return false;
	if (s->o->all_steps)
		return true;
	if (step == SWEEP_BOOT)
		return false;
	return step == SWEEP_TEARDOWN || !s->rec.steps[step - 1].included;
}

static bool in_shard(const struct sweep *s, int group)
{
	return !s->o->shard_n || group % s->o->shard_n == s->o->shard_k - 1;
}

static int rerun_points(struct sweep *s)
{
	for (int i = 0; i < s->o->nrerun; i++) {
		struct sweep_point p;
		char err[320];

		if (sweep_point_parse(s->o->rerun[i], &p, err, sizeof(err))) {
			fprintf(stderr, "vfsim: error: %s\n", err);
			return -1;
		}
		if (p.kind == SWEEP_ALLOC && p.step > s->rec.nsteps) {
			fprintf(stderr, "vfsim: error: %s has %d steps\n",
				s->file, s->rec.nsteps);
			return -1;
		}
		for (int k = 0; p.kind != SWEEP_ALLOC && k < s->rec.npoints; k++)
			if (s->rec.points[k].kind == p.kind &&
			    !strcmp(s->rec.points[k].target, p.target) &&
			    s->rec.points[k].nth == p.nth)
				p.step = s->rec.points[k].step;
		if (!add_run(s, &p))
			return -1;
	}
	s->ndevice = s->nruns;
	return 0;
}

static int plan_points(struct sweep *s)
{
	int group = 0;

	if (s->o->nrerun)
		return rerun_points(s);
	for (int i = 0; i < s->rec.npoints; i++) {
		const struct sweep_point *p = &s->rec.points[i];

		if (!kind_on(s, p->kind) || !step_on(s, p->step))
			continue;
		if (in_shard(s, group++) && !add_run(s, p))
			return -1;
	}
	s->ndevice = s->nruns;
	for (int i = 0; kind_on(s, SWEEP_ALLOC) && i < s->rec.nsteps; i++) {
		if (!s->rec.steps[i].calls || !step_on(s, i + 1) ||
		    (s->rec.steps[i].check && !s->o->all_steps) ||
		    !in_shard(s, group++))
			continue;
		if (sweep_explore_init(&s->ex[s->nex], s->rec.steps[i].calls,
				       s->o->exhaustive))
			return -1;
		s->ex_step[s->nex++] = i + 1;
	}
	return 0;
}

/* The next point to run: device points first, then allocation sites. */
static int next_point(struct sweep *s)
{
	if (s->ntries)
		return add_run(s, &s->tries[--s->ntries]) ? s->nruns - 1 : -1;
	if (s->next_device < s->ndevice)
		return s->next_device++;
	for (int e = 0; e < s->nex; e++) {
		struct sweep_point p = { .kind = SWEEP_ALLOC,
					 .step = s->ex_step[e] };

		p.nth = sweep_explore_next(&s->ex[e]);
		if (p.nth)
			return add_run(s, &p) ? s->nruns - 1 : -1;
	}
	return -1;
}

/* ---- running them ------------------------------------------------------ */

static void point_dir(const struct sweep *s, const struct sweep_point *p,
		      char *buf, size_t len)
{
	char name[SWEEP_SITE_LEN + 32], within[SWEEP_SITE_LEN];

	if (p->site[0])
		snprintf(name, sizeof(name), "alloc:step%d:within:%s:%s%u",
			 p->step, sweep_point_within(p, within, sizeof(within))
			 ?: "-", p->page ? "page" : "slab", p->nth);
	else
		sweep_point_name(p, name, sizeof(name));
	for (char *c = name; *c; c++)
		if (*c == ':' || *c == '#')
			*c = '-';
	if (snprintf(buf, len, "%s/points/%s", s->dir, name) >= (int)len)
		buf[0] = 0;	/* refused by run_uml: a simulator error */
}

static void launch(struct sweep *s, int i)
{
	static const char *const prologue[] = { "trace-steps" };
	struct sweep_run *r = &s->runs[i];
	char fault[128];
	const char *faults[1] = { fault };
	struct sr_variant v = {
		.prologue = prologue, .nprologue = 1,
		.epilogue = s->epilogue, .nepilogue = s->nepilogue,
		.sim_judged_steps = 1,	/* release-fds, the teardown */
		.insert_at = -1, .hung_task_s = s->o->hung_task_s,
		.end_on_report = true, .expected_reports = s->expected,
		.timeout_s = s->timeout_s, .boot_timeout_s = s->boot_timeout_s,
	};

	sweep_point_fault(&r->pt, s->o->admin_status, fault, sizeof(fault));
	if (r->pt.kind == SWEEP_ALLOC) {
		v.insert_at = s->rec.steps[r->pt.step - 1].item;
		v.insert = fault;
	} else {
		v.boot_faults = faults;
		v.nboot_faults = 1;
	}
	point_dir(s, &r->pt, r->dir, sizeof(r->dir));
	fs_remove_tree(r->dir);
	s->t0[i] = now_s();
	s->pids[i] = start(s, &v, r->dir);
	if (s->pids[i] > 0)
		s->running++;
}

/* Clean runs need not keep their bulky evidence. */
static void trim(const struct sweep_run *r)
{
	static const char *const bulky[] = {
		"lockdep.txt", "lockdep_chains.txt", "lockdep_stats.txt",
		"trace.log",
	};
	char path[PATH_MAX + 32];

	for (size_t i = 0; i < sizeof(bulky) / sizeof(bulky[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", r->dir, bulky[i]);
		unlink(path);
	}
}

/* The agent refused the within= function: why, or NULL. */
static const char *refused(const struct sweep_run *r)
{
	const char *why = strstr(r->v.detail, "fail-nth was refused");

	if (!r->v.fault_refused)
		return NULL;
	return why ? why : r->v.detail;
}

/*
 * One try of a search by site ended: it failed the Nth allocation under F.
 * The site, or the next try: N+1, or page allocations from 1 when F has no
 * more slab ones in the step (the fail-nth did not fire) or N reached the
 * bound; after both kinds, the site is not in this run.  A function the
 * agent cannot filter on (a static name defined twice, like the compiled
 * copies _kzalloc_noprof.constprop.0) hands the search to its caller, the
 * next frame of the chain.
 */
static void site_search(struct sweep *s, struct sweep_run *r)
{
	struct sweep_point next = r->pt;
	const char *why = refused(r);
	bool fired = r->v.site_name[0];
	char name[SWEEP_SITE_LEN + 32], f[SWEEP_SITE_LEN], g[SWEEP_SITE_LEN];

	if (fired && sweep_site_matches(&r->pt, r->v.site_name))
		return;
	r->superseded = true;
	s->missed++;
	if (!s->o->keep)
		trim(r);
	sweep_point_name(&r->pt, name, sizeof(name));
	sweep_point_within(&r->pt, f, sizeof(f));
	next.within_at++;
	if (why && sweep_point_within(&next, g, sizeof(g))) {
		if (!s->o->quiet)
			fprintf(stderr, "vfsim: %s: %s; counting under %s\n",
				name, why, g);
		next.nth = 1;
		next.page = false;
	} else if (why) {
		fprintf(stderr, "vfsim: error: %s: %s\n", name, why);
		s->site_misses++;
		return;
	} else {
		next = r->pt;
		if (!s->o->quiet)
			fprintf(stderr, "vfsim: %s: %s allocation %u under %s: "
				"%s\n", name, r->pt.page ? "page" : "slab",
				r->pt.nth, f, fired ? r->v.site_name : "none");
		if (fired && r->pt.nth < SWEEP_SITE_MAX_NTH) {
			next.nth++;
		} else if (!r->pt.page) {
			next.page = true;
			next.nth = 1;
		} else {
			fprintf(stderr, "vfsim: error: %s: no allocation of "
				"step %d under %s failed there (the "
				"allocation sites may differ on this kernel; a "
				"sweep of the scenario shows them)\n", name,
				r->pt.step, f);
			s->site_misses++;
			return;
		}
	}
	if (s->ntries < MAX_RERUN)
		s->tries[s->ntries++] = next;
}

/* The tries of site searches that missed are not points: drop them. */
static void drop_superseded(struct sweep *s)
{
	int n = 0;

	for (int i = 0; i < s->nruns; i++)
		if (!s->runs[i].superseded)
			s->runs[n++] = s->runs[i];
	s->nruns = n;
}

static void finish(struct sweep *s, int i, int status)
{
	struct sweep_run *r = &s->runs[i];
	char name[SWEEP_SITE_LEN + 32], key[SWEEP_KEY_LEN];

	s->pids[i] = 0;
	s->running--;
	r->secs = now_s() - s->t0[i];
	if (interrupted)
		return;
	sweep_judge(s->base, r->dir, &r->pt, &s->rec, status, &r->v);
	r->done = true;
	if (r->pt.site[0])
		site_search(s, r);
	if (r->superseded)
		return;
	for (int e = 0; r->pt.kind == SWEEP_ALLOC && e < s->nex; e++)
		if (s->ex_step[e] == r->pt.step) {
			snprintf(key, sizeof(key), "%.150s|%s|%.150s",
				 r->v.site, sweep_outcome_name(r->v.outcome),
				 r->v.key);
			sweep_explore_result(&s->ex[e], r->pt.nth, key);
		}
	if (r->v.outcome == SWEEP_CLEAN && !s->o->keep)
		trim(r);
	if (s->o->quiet)
		return;
	sweep_point_name(&r->pt, name, sizeof(name));
	fprintf(stderr, "vfsim: [%d] %s: %s (%.1f s)\n", i + 1, name,
		sweep_outcome_name(r->v.outcome), r->secs);
}

static void stop_all(struct sweep *s)
{
	for (int i = 0; i < s->nruns; i++)
		if (s->pids[i] > 0)
			kill(s->pids[i], SIGTERM);
}

static int run_points(struct sweep *s)
{
	for (;;) {
		int status, i;
		pid_t pid;

		while (!interrupted && s->running < (int)s->o->jobs &&
		       (i = next_point(s)) >= 0)
			launch(s, i);
		if (!s->running)
			return interrupted ? -1 : 0;
		pid = waitpid(-1, &status, 0);
		if (pid < 0 && errno == EINTR) {
			if (interrupted)
				stop_all(s);
			continue;
		}
		if (pid < 0)
			return -1;
		for (i = 0; i < s->nruns; i++)
			if (s->pids[i] == pid)
				finish(s, i, status);
	}
}

/* ---- one scenario ------------------------------------------------------ */

/* --list: the device points and the allocation sites per step. */
static void list_points(struct sweep *s)
{
	char name[SWEEP_SITE_LEN + 32], step[32];

	printf("# vfsim sweep %s: %d device points", s->file, s->ndevice);
	for (int e = 0; e < s->nex; e++)
		printf("%s step %d: %u allocation sites", e ? "," : ";",
		       s->ex_step[e], s->ex[e].calls);
	printf("\n");
	for (int i = 0; i < s->ndevice; i++) {
		sweep_point_name(&s->runs[i].pt, name, sizeof(name));
		sweep_step_name(s->runs[i].pt.step, step, sizeof(step));
		printf("%-34s %s\n", name, step);
	}
}

static void report(struct sweep *s, double wall)
{
	struct sweep_summary sum = {
		.file = s->file, .self = s->o->so.self, .dir = s->dir,
		.kernel = s->o->so.kernel != s->o->env->kernel ?
			  s->o->so.kernel : NULL,
		.rec = &s->rec, .runs = s->runs, .nruns = s->nruns,
		.wall_s = wall, .jobs = s->o->jobs,
		.admin_status = s->o->admin_status,
		.hung_task_s = s->o->hung_task_s, .out = s->o->out,
		.seed = s->o->seed, .seed_set = s->o->seed_set,
		.tries = s->missed,
	};
	char path[PATH_MAX + 32];
	int ret;

	sweep_report_sort(s->runs, s->nruns);
	sweep_report_table(&sum, stdout);
	snprintf(path, sizeof(path), "%s/sweep.json", s->dir);
	ret = sweep_report_json(&sum, path);
	snprintf(path, sizeof(path), "%s/outcomes.txt", s->dir);
	ret = ret ?: sweep_report_outcomes(&sum, path);
	if (ret)
		fprintf(stderr, "vfsim: error: %s: %s\n", path, strerror(-ret));
	else
		printf("# %s/sweep.json, %s/outcomes.txt\n", s->dir, s->dir);
	fflush(stdout);
}

static void sweep_dir(const struct sweep_opts *o, const char *file, char *buf,
		      size_t len)
{
	char copy[PATH_MAX], *base, *dot;

	snprintf(copy, sizeof(copy), "%s", file);
	base = basename(copy);
	dot = strrchr(base, '.');
	if (dot)
		*dot = 0;
	snprintf(buf, len, "%s/%s", o->out ? o->out : o->env->out_dir, base);
}

static int sweep_one(const struct sweep_opts *o, const char *file)
{
	static struct sweep s;
	char *errors = NULL, path[PATH_MAX + 16];
	double t0;
	int ret = 1;

	memset(&s, 0, sizeof(s));
	s.o = o;
	s.file = file;
	if (scenario_parse(file, &s.sc, &errors)) {
		fputs(errors ? errors : "parse error\n", stderr);
		free(errors);
		return 2;
	}
	s.seed = o->seed_set ? o->seed : s.sc.topo.seed_set ? s.sc.topo.seed : 1;
	sweep_dir(o, file, s.dir, sizeof(s.dir));
	/* A rerun leaves the sweep it came from as it was. */
	if (o->nrerun && strlen(s.dir) + 7 < sizeof(s.dir))
		strcat(s.dir, "/rerun");
	snprintf(path, sizeof(path), "%s/points", s.dir);
	fs_remove_tree(path);
	add_health(&s);
	add_expected(&s);
	if (record(&s) || plan_points(&s))
		goto out;
	if (o->list) {
		list_points(&s);
		ret = 0;
		goto out;
	}
	t0 = now_s();
	if (run_points(&s)) {
		stop_all(&s);
		while (s.running && wait(NULL) > 0)
			s.running--;
		ret = 4;
	} else {
		ret = 0;
	}
	drop_superseded(&s);
	if (s.nruns || !s.site_misses)
		report(&s, now_s() - t0);
	if (!ret && s.site_misses)
		ret = 1;
out:
	for (int i = 0; i < s.nex; i++)
		sweep_explore_free(&s.ex[i]);
	sweep_record_free(&s.rec);
	scenario_free(&s.sc);
	free(s.runs);
	free(s.pids);
	free(s.t0);
	return ret;
}

/* ---- the command ------------------------------------------------------- */

static int usage_error(const char *opt, const char *val, const char *why)
{
	fprintf(stderr, "vfsim: error: %s '%s': %s\nvfsim: see 'vfsim help "
		"sweep'\n", opt, val, why);
	return 2;
}

static int parse_kinds(const char *arg, unsigned int *kinds)
{
	char copy[128], *save, *tok;

	*kinds = 0;
	snprintf(copy, sizeof(copy), "%s", arg);
	for (tok = strtok_r(copy, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		enum sweep_kind k;

		if (!strcmp(tok, "admin")) {
			*kinds |= 1u << SWEEP_ADMIN_FAIL | 1u << SWEEP_ADMIN_HANG;
			continue;
		}
		if (!strcmp(tok, "all")) {
			*kinds = (1u << SWEEP_KINDS) - 1;
			continue;
		}
		for (k = 0; k < SWEEP_KINDS; k++)
			if (!strcmp(tok, sweep_kind_name(k)))
				break;
		if (k == SWEEP_KINDS)
			return usage_error("--points", tok, "expected admin-fail, "
					   "admin-hang, msi-drop, alloc, "
					   "read-ones, admin or all");
		*kinds |= 1u << k;
	}
	return 0;
}

static int parse_num(const char *opt, const char *arg, unsigned int lo,
		     unsigned int hi, unsigned int *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(arg, &end, 10);
	if (errno || !*arg || *end || v < lo || v > hi)
		return usage_error(opt, arg, "out of range");
	*out = v;
	return 0;
}

static int parse_args(int argc, char **argv, struct sweep_opts *o)
{
	static const struct option longopts[] = {
		{ "jobs", required_argument, NULL, 'j' },
		{ "points", required_argument, NULL, 'p' },
		{ "all-steps", no_argument, NULL, 'A' },
		{ "exhaustive", no_argument, NULL, 'X' },
		{ "rerun", required_argument, NULL, 'r' },
		{ "shard", required_argument, NULL, 'H' },
		{ "admin-status", required_argument, NULL, 'S' },
		{ "hung-task-s", required_argument, NULL, 'G' },
		{ "out", required_argument, NULL, 'o' },
		{ "kernel", required_argument, NULL, 'k' },
		{ "seed", required_argument, NULL, 'Z' },
		{ "keep", no_argument, NULL, 'K' },
		{ "list", no_argument, NULL, 'L' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	char tail;
	int c, ret = 0;

	optind = 0;	/* glibc: a full restart, permutation state too */
	while (!ret && (c = getopt_long(argc, argv, "j:o:k:qh", longopts,
					NULL)) != -1) {
		switch (c) {
		case 'j':
			ret = parse_num("-j", optarg, 1, SWEEP_MAX_JOBS,
					&o->jobs);
			break;
		case 'p': ret = parse_kinds(optarg, &o->kinds); break;
		case 'A': o->all_steps = true; break;
		case 'X': o->exhaustive = true; break;
		case 'r': {
			struct sweep_point p;
			char err[320];

			if (o->nrerun == MAX_RERUN)
				return usage_error("--rerun", optarg, "too many");
			if (sweep_point_parse(optarg, &p, err, sizeof(err))) {
				fprintf(stderr, "vfsim: error: --rerun: %s\n",
					err);
				return 2;
			}
			o->rerun[o->nrerun++] = optarg;
			break;
		}
		case 'H':
			if (sscanf(optarg, "%u/%u%c", &o->shard_k, &o->shard_n,
				   &tail) != 2 || !o->shard_k ||
			    o->shard_k > o->shard_n)
				return usage_error("--shard", optarg,
						   "expected K/N, 1 <= K <= N");
			break;
		case 'S':
			ret = parse_num("--admin-status", optarg, 1, 65535,
					&o->admin_status);
			break;
		case 'G':
			ret = parse_num("--hung-task-s", optarg, 1, 600,
					&o->hung_task_s);
			break;
		case 'o': o->out = optarg; break;
		case 'k': o->so.kernel = optarg; break;
		case 'Z':
			o->seed = strtoull(optarg, NULL, 0);
			o->seed_set = true;
			break;
		case 'K': o->keep = true; break;
		case 'L': o->list = true; break;
		case 'q': o->quiet = true; break;
		case 'h': fputs(sweep_usage, stdout); exit(0);
		default: return 2;
		}
	}
	return ret;
}

/*
 * A run spends most of its wall time in the kernel's own sleeps (100 ms
 * after VF Enable and after an FLR, 1 s after VF disable) and uses about a
 * fifth of a CPU: three per CPU keep the CPUs busy (doc/sweep.md).
 */
static unsigned int default_jobs(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	if (n < 1)
		return 1;
	return n > SWEEP_MAX_JOBS / 3 ? SWEEP_MAX_JOBS : 3 * (unsigned int)n;
}

int sweep_command(int argc, char **argv, const struct sweep_env *env)
{
	struct sweep_opts o = {
		.env = env, .jobs = default_jobs(),
		.kinds = ((1u << SWEEP_KINDS) - 1) & ~(1u << SWEEP_READ_ONES),
		.admin_status = 22, .hung_task_s = 3,
	};
	struct sigaction sa = { .sa_handler = on_signal };
	int ret = 0, r;

	o.so.kernel = env->kernel;
	o.so.agent = env->agent;
	o.so.self = env->self;
	o.so.jobs = 1;
	if ((r = parse_args(argc, argv, &o)))
		return r;
	if (optind >= argc) {
		fputs(sweep_usage, stderr);
		return 2;
	}
	if (access(o.so.kernel, X_OK) || access(o.so.agent, X_OK)) {
		fprintf(stderr, "vfsim: error: %s: %s (make kernel; make)\n",
			access(o.so.kernel, X_OK) ? o.so.kernel : o.so.agent,
			strerror(errno));
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	for (int i = optind; i < argc && !interrupted; i++) {
		r = sweep_one(&o, argv[i]);
		if (r > ret)
			ret = r;
	}
	return interrupted ? 4 : ret;
}
