// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <regex.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "kcaps.h"
#include "kreport.h"
#include "sim/bus/log.h"
#include "scenario_run.h"
#include "sim/bus/trace.h"

#define MAX_STEPS 512

/* What one scenario ran, to judge its expectations afterwards. */
struct plan {
	char *steps[MAX_STEPS];
	int nsteps;
	int step_of_item[MAX_STEPS];	/* agent step number of items[i] */
	int epilogue_at;		/* steps[] index of a variant's epilogue */
};

struct outcome {
	bool ran;			/* step line found in agent.log */
	bool ok;
	int err;			/* errno=N, 0 if none */
};

static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
	(void)sig;
	interrupted = 1;
}

static void add_step(struct plan *p, const char *fmt, const char *text)
{
	char buf[600];

	if (p->nsteps == MAX_STEPS)
		return;
	snprintf(buf, sizeof(buf), fmt, text);
	p->steps[p->nsteps++] = strdup(buf);
}

/* A fault line becomes the agent step that arms it. */
static void add_fault(struct plan *p, const char *text)
{
	char kind[32] = "", fn[32] = "";

	sscanf(text, "%31s fn=%31s", kind, fn);
	if (!strncmp(kind, "fail", 4))		/* failslab, fail-page-alloc */
		add_step(p, "%s", text);
	else if (!strcmp(kind, "unplug"))
		add_step(p, "sim-unplug %s", fn);
	else if (!strcmp(kind, "flr"))
		add_step(p, "sim-flr %s", fn);
	else if (!strcmp(kind, "pf-reset"))
		add_step(p, "sim-flr %s", "pf");
	else
		add_step(p, "sim-fault %s", text);
}

static void add_item(struct plan *p, const struct sc_item *it)
{
	if (it->kind == SC_STEP)
		add_step(p, "%s", it->text);
	else
		add_fault(p, it->text);
}

/* Expectations that run in the guest at their place in the file. */
static void add_inline_expects(struct plan *p, const struct scenario *sc,
			       int after)
{
	for (int e = 0; e < sc->nexpects; e++) {
		const struct sc_expect *x = &sc->expects[e];

		if (x->after_item != after)
			continue;
		if (!strcmp(x->kind, "sysfs"))
			add_step(p, "expect-sysfs %s", x->arg);
		else if (!strcmp(x->kind, "equal"))
			add_step(p, "sim-compare %s", x->arg);
	}
}

static void build_plan(const struct scenario *sc, const struct sr_variant *v,
		       struct plan *p)
{
	memset(p, 0, sizeof(*p));
	for (int i = 0; v && i < v->nprologue; i++)
		add_step(p, "%s", v->prologue[i]);
	add_inline_expects(p, sc, -1);
	for (int i = 0; i < sc->nitems && i < MAX_STEPS; i++) {
		const struct sc_item *it = &sc->items[i];

		if (v && v->insert && v->insert_at == i)
			add_fault(p, v->insert);
		if (it->kind == SC_PARALLEL) {
			add_step(p, "%s", "parallel-begin");
			for (int c = 0; c < it->nchildren; c++)
				add_item(p, &it->children[c]);
			add_step(p, "%s", "parallel-end");
			p->step_of_item[i] = -1;
		} else {
			add_item(p, it);
			p->step_of_item[i] = p->nsteps;	/* 1-based */
		}
		add_inline_expects(p, sc, i);
	}
	p->epilogue_at = p->nsteps;
	for (int i = 0; v && i < v->nepilogue; i++)
		add_step(p, "%s", v->epilogue[i]);
}

static void free_plan(struct plan *p)
{
	for (int i = 0; i < p->nsteps; i++)
		free(p->steps[i]);
}

/* The agent numbers steps as it reads them; block markers are not steps. */
static int agent_number(const struct plan *p, int nth)
{
	int n = 0;

	for (int i = 0; i < nth && i < p->nsteps; i++)
		if (strncmp(p->steps[i], "parallel-", 9))
			n++;
	return n;
}

static struct outcome step_outcome(const char *dir, int n)
{
	struct outcome o = { 0 };
	char path[PATH_MAX + 16], line[4096], want[32];
	FILE *f;

	snprintf(path, sizeof(path), "%s/agent.log", dir);
	snprintf(want, sizeof(want), "step=%d ", n);
	f = fopen(path, "r");
	while (f && fgets(line, sizeof(line), f)) {
		char *e;

		if (strncmp(line, want, strlen(want)))
			continue;
		o.ran = true;
		o.ok = strstr(line, " status=ok") != NULL;
		e = strstr(line, " errno=");
		o.err = e ? atoi(e + 7) : 0;
	}
	if (f)
		fclose(f);
	return o;
}

static bool file_has(const char *dir, const char *name, const char *regex,
		     bool fixed_prefix)
{
	char path[PATH_MAX + 32], line[4096];
	bool found = false;
	regex_t re;
	FILE *f;

	if (!fixed_prefix && regcomp(&re, regex, REG_EXTENDED | REG_NOSUB))
		return false;
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "r");
	while (f && !found && fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = 0;
		found = fixed_prefix ? !strncmp(line, regex, strlen(regex)) :
				       !regexec(&re, line, 0, NULL, 0);
	}
	if (f)
		fclose(f);
	if (!fixed_prefix)
		regfree(&re);
	return found;
}

static bool file_has_line(const char *dir, const char *name, const char *want)
{
	char path[PATH_MAX + 32], line[4096];
	bool found = false;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "r");
	while (f && !found && fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = 0;
		found = !strcmp(line, want);
	}
	if (f)
		fclose(f);
	return found;
}

#define MISS(...) (fprintf(out, "# " __VA_ARGS__), fputc('\n', out), bad++)

/* The steps must succeed unless an expectation says otherwise. */
static int judge_steps(const struct scenario *sc, const struct plan *p,
		       const char *dir, bool hung, FILE *out)
{
	int bad = 0;

	for (int i = 0; i < sc->nitems; i++) {
		int n = p->step_of_item[i];
		struct outcome o;
		bool expected_fail = false;

		if (n < 0)
			continue;
		o = step_outcome(dir, agent_number(p, n));
		for (int e = 0; e < sc->nexpects; e++) {
			const struct sc_expect *x = &sc->expects[e];

			if (x->after_item != i)
				continue;
			if (!strcmp(x->kind, "errno")) {
				expected_fail = true;
				if (o.err != atoi(x->arg))
					MISS("%s:%d: expected errno %s, got %d",
					     x->file, x->line, x->arg, o.err);
			} else if (!strcmp(x->kind, "status")) {
				expected_fail = atoi(x->arg) != 0;
				if (o.ok == expected_fail)
					MISS("%s:%d: expected status %s, the "
					     "step %s", x->file, x->line,
					     x->arg, o.ok ? "passed" : "failed");
			}
		}
		if (!o.ran && hung)
			continue;	/* the step that hung, and what follows */
		if (!o.ran)
			MISS("%s:%d: step did not run: %s", sc->items[i].file,
			     sc->items[i].line, sc->items[i].text);
		else if (!o.ok && !expected_fail)
			MISS("%s:%d: step failed (errno %d): %s",
			     sc->items[i].file, sc->items[i].line, o.err,
			     sc->items[i].text);
	}
	return bad;
}

static int judge_inline(const struct plan *p, const char *dir, FILE *out)
{
	int bad = 0, n = 0;

	for (int i = 0; i < p->nsteps; i++) {
		struct outcome o;

		if (strncmp(p->steps[i], "parallel-", 9))
			n++;
		if (strncmp(p->steps[i], "expect-sysfs ", 13) &&
		    strncmp(p->steps[i], "sim-compare ", 12))
			continue;
		o = step_outcome(dir, n);
		if (!o.ok)
			MISS("expectation failed in the guest: %s",
			     p->steps[i]);
	}
	return bad;
}

static bool finding_expected(const struct scenario *sc, const char *kind)
{
	for (int e = 0; e < sc->nexpects; e++)
		if (!strcmp(sc->expects[e].kind, "finding") &&
		    !strcmp(sc->expects[e].arg, kind))
			return true;
	return false;
}

static int judge_findings(const struct scenario *sc, const char *dir,
			  FILE *out)
{
	char path[PATH_MAX + 16], line[1024];
	int bad = 0;
	FILE *f;

	for (int e = 0; e < sc->nexpects; e++) {
		const struct sc_expect *x = &sc->expects[e];
		char prefix[64];

		if (strcmp(x->kind, "finding"))
			continue;
		snprintf(prefix, sizeof(prefix), "%s:", x->arg);
		if (!file_has(dir, "findings.txt", prefix, true))
			MISS("%s:%d: expected a %s report, none found",
			     x->file, x->line, x->arg);
	}
	snprintf(path, sizeof(path), "%s/findings.txt", dir);
	f = fopen(path, "r");
	while (f && fgets(line, sizeof(line), f)) {
		char kind[64];

		line[strcspn(line, "\n")] = 0;
		if (sscanf(line, "%63[^:]", kind) == 1 &&
		    !finding_expected(sc, kind))
			MISS("unexpected kernel report: %s", line);
	}
	if (f)
		fclose(f);
	return bad;
}

static int judge_logs(const struct scenario *sc, const char *dir, FILE *out)
{
	int bad = 0;

	for (int e = 0; e < sc->nexpects; e++) {
		const struct sc_expect *x = &sc->expects[e];

		if (!strcmp(x->kind, "dmesg") &&
		    !file_has(dir, "console.log", x->arg, false))
			MISS("%s:%d: no console line matches /%s/", x->file,
			     x->line, x->arg);
		else if (!strcmp(x->kind, "no-dmesg") &&
			 file_has(dir, "console.log", x->arg, false))
			MISS("%s:%d: a console line matches /%s/", x->file,
			     x->line, x->arg);
		else if (!strcmp(x->kind, "sim") &&
			 !file_has_line(dir, "summary.txt", x->arg))
			MISS("%s:%d: simulator state is not %s (summary.txt)",
			     x->file, x->line, x->arg);
	}
	return bad;
}

static bool expects(const struct scenario *sc, const char *kind)
{
	for (int e = 0; e < sc->nexpects; e++)
		if (!strcmp(sc->expects[e].kind, kind))
			return true;
	return false;
}

static int judge(const struct scenario *sc, const struct plan *p,
		 const char *dir, int verdict, FILE *out)
{
	bool hang_ok = finding_expected(sc, "hung-task") ||
		       expects(sc, "timeout");
	int bad = 0;

	if (expects(sc, "timeout") && verdict != RUN_TIMEOUT)
		MISS("expected the run to hang until its timeout; it ended");
	if (verdict == RUN_TIMEOUT && !hang_ok)
		MISS("timeout after %u s", sc->topo.timeout_s);
	else if (verdict == RUN_ERROR || verdict == RUN_INTERRUPTED)
		MISS("the run did not complete (%s)",
		     verdict == RUN_ERROR ? "error" : "interrupted");
	/*
	 * A run that hung, or died in the panic the scenario expects, runs
	 * none of the steps after: those are not misses.
	 */
	bad += judge_steps(sc, p, dir, (verdict == RUN_TIMEOUT && hang_ok) ||
			   (finding_expected(sc, "panic") &&
			    file_has(dir, "findings.txt", "panic:", true)), out);
	bad += judge_inline(p, dir, out);
	bad += judge_findings(sc, dir, out);
	bad += judge_logs(sc, dir, out);
	return bad;
}

static void run_dir_of(const struct sr_opts *so, const struct scenario *sc,
		       uint64_t seed, char *buf, size_t len)
{
	char copy[PATH_MAX];
	char *base, *dot;

	snprintf(copy, sizeof(copy), "%s", sc->path);
	base = basename(copy);
	dot = strrchr(base, '.');
	if (dot)
		*dot = 0;
	snprintf(buf, len, "%s/%s-%llu", so->runs_dir, base,
		 (unsigned long long)seed);
}

static void put_outcome(FILE *f, const struct plan *p, const char *dir, int n)
{
	struct outcome o = step_outcome(dir, agent_number(p, n));

	fprintf(f, "step=%d ran=%d ok=%d errno=%d", agent_number(p, n), o.ran,
		o.ok, o.err);
}

/*
 * outcomes.txt: what each item and epilogue step did, for tools that
 * compare runs (vfsim sweep):
 *	item=I step=K ran=0|1 ok=0|1 errno=E at=FILE:LINE kind=step|fault text=...
 *	epilogue=J step=K ran=0|1 ok=0|1 errno=E text=...
 * I indexes sc->items (blocks are left out), K is the agent's step number.
 */
static void write_outcomes(const struct scenario *sc, const struct plan *p,
			   const char *dir)
{
	char path[PATH_MAX + 16];
	FILE *f;

	snprintf(path, sizeof(path), "%s/outcomes.txt", dir);
	f = fopen(path, "w");
	if (!f)
		return;
	for (int i = 0; i < sc->nitems && i < MAX_STEPS; i++) {
		const struct sc_item *it = &sc->items[i];

		if (p->step_of_item[i] < 0)
			continue;
		fprintf(f, "item=%d ", i);
		put_outcome(f, p, dir, p->step_of_item[i]);
		fprintf(f, " at=%s:%d kind=%s text=%s\n", it->file, it->line,
			it->kind == SC_STEP ? "step" : "fault", it->text);
	}
	for (int i = p->epilogue_at; i < p->nsteps; i++) {
		fprintf(f, "epilogue=%d ", i - p->epilogue_at);
		put_outcome(f, p, dir, i + 1);
		fprintf(f, " text=%s\n", p->steps[i]);
	}
	fclose(f);
}

int scenario_run_variant(const struct scenario *sc, const struct sr_opts *so,
			 const struct sr_variant *v, uint64_t seed,
			 const char *dir, sr_run_fn *fn)
{
	static const enum time_travel tt[] = { TT_OFF, TT_BASIC, TT_INF_CPU };
	struct plan p;
	struct run_opts o = {
		.kernel = so->kernel, .agent = so->agent, .run_dir = dir,
		.cmdline = sc->topo.cmdline,
		.timeout_s = so->timeout_s ? so->timeout_s : sc->topo.timeout_s,
		.mem_mb = sc->topo.mem_mb, .trace_mask = TRACE_ALL,
		.tt = tt[sc->topo.time_travel % 3],
		.max_delay_us = sc->topo.time_travel ? 10000000 : 1000000,
		.allow_findings = true, .seed = seed, .end_on_hang = true,
	};
	char path[PATH_MAX + 16];
	int verdict, bad;
	FILE *out;

	if (v) {
		o.boot_faults = v->boot_faults;
		o.nboot_faults = v->nboot_faults;
		o.hung_task_s = v->hung_task_s;
		o.end_on_report = v->end_on_report;
		o.expected_reports = v->expected_reports;
		if (v->timeout_s)
			o.timeout_s = v->timeout_s;
	}
	build_plan(sc, v, &p);
	o.steps = p.steps;
	o.nsteps = p.nsteps;
	verdict = fn(&o, &sc->topo);
	snprintf(path, sizeof(path), "%s/verdict.txt", dir);
	out = fopen(path, "w");
	if (!out) {
		free_plan(&p);
		return -1;
	}
	bad = judge(sc, &p, dir, verdict, out);
	fclose(out);
	write_outcomes(sc, &p, dir);
	free_plan(&p);
	return bad;
}

/* In the child: run one scenario, write verdict.txt, exit 0 pass 1 fail. */
static int child(const struct scenario *sc, const struct sr_opts *so,
		 uint64_t seed, const char *dir, sr_run_fn *fn)
{
	int bad;

	if (!freopen("/dev/null", "w", stdout))
		return 2;
	bad = scenario_run_variant(sc, so, NULL, seed, dir, fn);
	return bad < 0 ? 2 : bad ? 1 : 0;
}

struct slot {
	pid_t pid;
	int index;		/* in the selected list */
};

static void print_result(int n, const struct scenario *sc, int status,
			 const char *dir, uint64_t seed,
			 const struct sr_opts *so, FILE *junit, double secs)
{
	char path[PATH_MAX + 16], line[1024];
	bool ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
	FILE *f;

	printf("%s %d - %s: %s\n", ok ? "ok" : "not ok", n, sc->path,
	       sc->purpose);
	snprintf(path, sizeof(path), "%s/verdict.txt", dir);
	f = fopen(path, "r");
	if (junit)
		fprintf(junit, "  <testcase classname=\"vfsim\" name=\"%s\" "
			"time=\"%.3f\">\n", sc->path, secs);
	if (!ok && junit)
		fprintf(junit, "    <failure message=\"expectations failed\">"
			"<![CDATA[");
	while (!ok && f && fgets(line, sizeof(line), f)) {
		fputs(line, stdout);
		if (junit)
			fputs(line, junit);
	}
	/* Kernel reports belong in the summary, expected or not. */
	snprintf(path, sizeof(path), "%s/findings.txt", dir);
	if (f)
		fclose(f);
	f = fopen(path, "r");
	while (f && fgets(line, sizeof(line), f))
		printf("#   finding: %s", line);
	if (f)
		fclose(f);
	f = NULL;
	if (!ok) {
		printf("#   run directory: %s\n", dir);
		printf("#   reproduce: %s run --seed %llu %s\n", so->self,
		       (unsigned long long)seed, sc->path);
		if (junit)
			fprintf(junit, "]]></failure>\n");
	}
	if (junit)
		fprintf(junit, "  </testcase>\n");
	if (f)
		fclose(f);
	fflush(stdout);
}

static int parse_all(char **files, int nfiles, struct scenario *sc)
{
	int failed = 0;

	for (int i = 0; i < nfiles; i++) {
		char *errors = NULL;

		if (scenario_parse(files[i], &sc[i], &errors)) {
			fputs(errors ? errors : "parse error\n", stderr);
			failed++;
		}
		free(errors);
	}
	return failed;
}

/* Opens file @name of @kernel's build directory for reading, or NULL. */
static FILE *open_beside(const char *kernel, const char *name)
{
	char path[PATH_MAX + 16], copy[PATH_MAX];

	snprintf(copy, sizeof(copy), "%s", kernel ? kernel : "");
	snprintf(path, sizeof(path), "%s/%s", dirname(copy), name);
	return fopen(path, "r");
}

static bool expects_finding(const struct scenario *sc)
{
	for (int i = 0; i < sc->nexpects; i++)
		if (!strcmp(sc->expects[i].kind, "finding"))
			return true;
	return false;
}

/*
 * Whether @kernel has every kernel series of @names ("a,b") applied: its
 * build directory's vfsim-series, written by driver/kernel.sh, lists them
 * one per line.  A kernel without that file (your own build) is assumed
 * to have them.  Names the first missing one in @why.
 */
static bool kernel_has_series(const char *kernel, const char *names,
			      char *why, size_t len)
{
	char have[1024] = "\n";
	const char *n = names;
	FILE *f = open_beside(kernel, "vfsim-series");
	size_t got;

	if (!f)
		return true;
	got = fread(have + 1, 1, sizeof(have) - 2, f);
	have[got + 1] = 0;
	fclose(f);
	while (*n) {
		size_t l = strcspn(n, ",");
		char want[128];

		snprintf(want, sizeof(want), "\n%.*s\n", (int)l, n);
		if (!strstr(have, want)) {
			snprintf(why, len, "needs the kernel series %.*s, which "
				 "this kernel was built without (KSERIES=off, or a "
				 "kernel older than the series; doc/kernel.md)",
				 (int)l, n);
			return false;
		}
		n += l + (n[l] == ',');
	}
	return true;
}

/*
 * Why @sc cannot run on @kernel, whose capabilities are @caps, or NULL: a
 * `requires` word it does not meet, an expected report on a kernel
 * without detectors, or a kernel series (topology series=) it lacks.
 */
static const char *skip_reason(const struct scenario *sc, const char *kernel,
			       const struct kcaps *caps, char *buf, size_t len)
{
	char why[200];

	for (int i = 0; i < sc->nrequires; i++)
		if (kcaps_unmet(caps, sc->requires[i], why, sizeof(why))) {
			snprintf(buf, len, "requires %s: %s", sc->requires[i],
				 why);
			return buf;
		}
	if (caps->known && !caps->detectors && expects_finding(sc)) {
		snprintf(buf, len, "expects a kernel report; this kernel has "
			 "no detectors (KPROFILE=debug has)");
		return buf;
	}
	if (sc->topo.series &&
	    !kernel_has_series(kernel, sc->topo.series, buf, len))
		return buf;
	return NULL;
}

static void print_skip(int n, const struct scenario *sc, const char *why,
		       FILE *junit)
{
	printf("ok %d - %s: %s # SKIP %s\n", n, sc->path, sc->purpose, why);
	if (junit)
		fprintf(junit, "  <testcase classname=\"vfsim\" name=\"%s\">"
			"<skipped message=\"%s\"/></testcase>\n", sc->path,
			why);
	fflush(stdout);
}

/* The kernel's version and capabilities, as a TAP comment. */
static void probe_kernel(const char *kernel, struct kcaps *caps)
{
	char err[300];

	if (kcaps_probe(kernel, caps, err, sizeof(err))) {
		printf("# kernel: %s; running every scenario\n", err);
		return;
	}
	printf("# kernel %s: migration=%s legacy-io=%s detectors=%s kasan=%s\n",
	       caps->version, caps->migration ? "yes" : "no",
	       caps->legacy_io ? "yes" : "no", caps->detectors ? "yes" : "no",
	       caps->kasan ? "yes" : "no");
}

int scenario_run_all(char **files, int nfiles, const struct sr_opts *so,
		     sr_run_fn *fn)
{
	struct scenario *sc = calloc(nfiles, sizeof(*sc));
	int *sel = calloc(nfiles, sizeof(int)), nsel = 0, next = 0, done = 0;
	int passed = 0, failed = 0, printed = 0;
	int *status = calloc(nfiles, sizeof(int));
	double *t0 = calloc(nfiles, sizeof(double));
	bool *finished = calloc(nfiles, sizeof(bool));
	bool *skipped = calloc(nfiles, sizeof(bool));
	char (*why)[300] = calloc(nfiles, 300);
	struct kcaps caps;
	int nskipped = 0;
	struct slot *slots = calloc(so->jobs, sizeof(*slots));
	uint64_t *seeds = calloc(nfiles, sizeof(uint64_t));
	char (*dirs)[PATH_MAX] = calloc(nfiles, PATH_MAX);
	struct sigaction sa = { .sa_handler = on_signal };
	FILE *junit = NULL;
	int ret = 0;

	if (!sc || !sel || !status || !t0 || !finished || !skipped || !slots ||
	    !seeds || !dirs || !why)
		return 2;
	if (parse_all(files, nfiles, sc)) {
		ret = 2;
		goto out;
	}
	for (int i = 0; i < nfiles; i++)
		if (!so->shard_n || i % so->shard_n == so->shard_k - 1)
			sel[nsel++] = i;
	printf("TAP version 13\n1..%d\n# seed %llu\n", nsel,
	       (unsigned long long)so->seed);
	probe_kernel(so->kernel, &caps);
	fflush(stdout);
	if (so->junit && !(junit = fopen(so->junit, "w")))
		fprintf(stderr, "vfsim: cannot write %s\n", so->junit);
	if (junit)
		fprintf(junit, "<?xml version=\"1.0\"?>\n<testsuite name=\"vfsim\" "
			"tests=\"%d\">\n", nsel);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	for (int k = 0; k < nsel; k++)
		if (skip_reason(&sc[sel[k]], so->kernel, &caps, why[sel[k]],
				300)) {
			skipped[sel[k]] = finished[sel[k]] = true;
			done++;
		}
	while (done < nsel || printed < nsel) {
		struct timespec ts;
		int st;
		pid_t pid;

		for (unsigned int j = 0; j < so->jobs && next < nsel &&
					 !interrupted; j++) {
			int i;

			if (slots[j].pid)
				continue;
			while (next < nsel && skipped[sel[next]])
				next++;
			if (next == nsel)
				break;
			i = sel[next];
			seeds[i] = sc[i].topo.seed_set ? sc[i].topo.seed : so->seed;
			run_dir_of(so, &sc[i], seeds[i], dirs[i], PATH_MAX);
			clock_gettime(CLOCK_MONOTONIC, &ts);
			t0[i] = ts.tv_sec + ts.tv_nsec / 1e9;
			fflush(NULL);
			pid = fork();
			if (pid == 0) {
				signal(SIGINT, SIG_DFL);
				signal(SIGTERM, SIG_DFL);
				_exit(child(&sc[i], so, seeds[i], dirs[i], fn));
			}
			slots[j] = (struct slot){ pid, next++ };
		}
		/* Nothing left to wait for: only skipped ones to print. */
		pid = done < nsel ? waitpid(-1, &st, 0) : 0;
		if (pid < 0 && errno == EINTR && interrupted) {
			for (unsigned int j = 0; j < so->jobs; j++)
				if (slots[j].pid)
					kill(slots[j].pid, SIGTERM);
			continue;
		}
		if (pid < 0 && errno == ECHILD)
			break;
		for (unsigned int j = 0; j < so->jobs && pid > 0; j++) {
			int i;

			if (slots[j].pid != pid)
				continue;
			i = sel[slots[j].index];
			status[i] = st;
			finished[i] = true;
			slots[j].pid = 0;
			done++;
			clock_gettime(CLOCK_MONOTONIC, &ts);
			t0[i] = ts.tv_sec + ts.tv_nsec / 1e9 - t0[i];
		}
		/* TAP in file order: print what is complete from the front. */
		while (printed < nsel && finished[sel[printed]]) {
			int i = sel[printed];
			bool ok = WIFEXITED(status[i]) &&
				  WEXITSTATUS(status[i]) == 0;

			if (skipped[i]) {
				print_skip(printed + 1, &sc[i], why[i], junit);
				nskipped++;
				printed++;
				continue;
			}
			print_result(printed + 1, &sc[i], status[i], dirs[i],
				     seeds[i], so, junit, t0[i]);
			ok ? passed++ : failed++;
			printed++;
		}
		if (interrupted && next < nsel)
			nsel = next;	/* start nothing new */
	}
	if (nskipped)
		printf("# %d skipped\n", nskipped);
	printf("%d passed, %d failed\n", passed, failed);
	ret = interrupted ? RUN_INTERRUPTED : failed ? 1 : 0;
	if (junit) {
		fprintf(junit, "</testsuite>\n");
		fclose(junit);
	}
out:
	for (int i = 0; i < nfiles; i++)
		scenario_free(&sc[i]);
	free(sc);
	free(sel);
	free(status);
	free(t0);
	free(finished);
	free(skipped);
	free(slots);
	free(seeds);
	free(dirs);
	free(why);
	return ret;
}
