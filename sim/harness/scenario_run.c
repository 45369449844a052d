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
#include "kconfig.h"
#include "kreport.h"
#include "sim/bus/log.h"
#include "scenario_run.h"
#include "sim/bus/trace.h"

#define MAX_STEPS SC_MAX_STEPS

/*
 * What one scenario ran, to judge its expectations afterwards: the lines
 * of the agent's steps file, and for each the step or fault it came from
 * (NULL for block markers and expectations checked in the guest).
 */
struct plan {
	char *steps[MAX_STEPS];
	const struct sc_item *src[MAX_STEPS];
	bool in_block[MAX_STEPS];	/* a branch of a parallel block */
	int nsteps;
	int item_of[MAX_STEPS];		/* 1 + its index in sc->items, 0: none */
	int epilogue_at;		/* steps[] index of a variant's epilogue */
};

struct outcome {
	bool ran;			/* step line found in agent.log */
	bool ok;
	int err;			/* errno=N, 0 if none */
	char error[160];		/* the agent's error="...", or "" */
	bool nth_missed;		/* fail_nth=missed: it never fired */
	unsigned long nth_calls;	/* the sites the step passed then */
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
	int n = p->nsteps;

	if (it->kind == SC_STEP)
		add_step(p, "%s", it->text);
	else
		add_fault(p, it->text);
	if (p->nsteps > n)
		p->src[n] = it;
}

/*
 * Expectations that run in the guest at their place in the file: after
 * items[after] at the top level (thread -1), or in branch @thread of the
 * block items[after] after its child @child.
 */
static void add_inline_expects(struct plan *p, const struct scenario *sc,
			       int after, int thread, int child)
{
	for (int e = 0; e < sc->nexpects; e++) {
		const struct sc_expect *x = &sc->expects[e];

		if (x->after_item != after || x->thread != thread ||
		    (thread >= 0 && x->after_child != child))
			continue;
		if (!strcmp(x->kind, "sysfs"))
			add_step(p, "expect-sysfs %s", x->arg);
		else if (!strcmp(x->kind, "equal"))
			add_step(p, "sim-compare %s", x->arg);
	}
}

/* Branch @t of the block items[@i]: a thread, or a bare step or fault. */
static void add_branch(struct plan *p, const struct scenario *sc, int i,
		       int t)
{
	const struct sc_item *br = &sc->items[i].children[t];

	if (br->kind != SC_THREAD) {
		add_step(p, "%s", "thread-begin");
		add_item(p, br);
		add_step(p, "%s", "thread-end");
		return;
	}
	add_step(p, "thread-begin %s", br->text ? br->text : "");
	add_inline_expects(p, sc, i, t, -1);
	for (int c = 0; c < br->nchildren; c++) {
		add_item(p, &br->children[c]);
		add_inline_expects(p, sc, i, t, c);
	}
	add_step(p, "%s", "thread-end");
}

static void add_block(struct plan *p, const struct scenario *sc, int i)
{
	const struct sc_item *it = &sc->items[i];
	int first = p->nsteps;
	char begin[64];

	snprintf(begin, sizeof(begin), "parallel-begin jitter_us=%u",
		 it->jitter_ms * 1000);
	add_step(p, "%s", begin);
	for (int t = 0; t < it->nchildren; t++)
		add_branch(p, sc, i, t);
	add_step(p, "%s", "parallel-end");
	for (int k = first; k < p->nsteps; k++)
		p->in_block[k] = true;
}

static void build_plan(const struct scenario *sc, const struct sr_variant *v,
		       struct plan *p)
{
	memset(p, 0, sizeof(*p));
	for (int i = 0; v && i < v->nprologue; i++)
		add_step(p, "%s", v->prologue[i]);
	add_inline_expects(p, sc, -1, -1, -1);
	for (int i = 0; i < sc->nitems && i < MAX_STEPS; i++) {
		if (v && v->insert && v->insert_at == i)
			add_fault(p, v->insert);
		if (sc->items[i].kind == SC_PARALLEL) {
			add_block(p, sc, i);
		} else {
			add_item(p, &sc->items[i]);
			if (p->nsteps)
				p->item_of[p->nsteps - 1] = i + 1;
		}
		add_inline_expects(p, sc, i, -1, -1);
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

/* Block markers are lines of the steps file but not steps. */
static bool is_marker(const char *line)
{
	return !strncmp(line, "parallel-", 9) || !strncmp(line, "thread-", 7);
}

/* The agent numbers steps as it reads them: line @nth's number (1-based). */
static int agent_number(const struct plan *p, int nth)
{
	int n = 0;

	for (int i = 0; i < nth && i < p->nsteps; i++)
		if (!is_marker(p->steps[i]))
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
		e = strstr(line, " error=\"");
		if (e)
			snprintf(o.error, sizeof(o.error), "%.*s",
				 (int)strcspn(e + 8, "\""), e + 8);
		e = strstr(line, " fail_nth=missed calls=");
		o.nth_missed = e != NULL;
		o.nth_calls = e ? strtoul(e + 23, NULL, 10) : 0;
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

/* Is @err (0: the step succeeded) one of "N|M|..."? */
static bool errno_listed(const char *list, int err)
{
	const char *s = list;
	char *end;

	for (;;) {
		long v = strtol(s, &end, 10);

		if (end != s && v == err)
			return true;
		if (*end != '|')
			return false;
		s = end + 1;
	}
}

/*
 * The expectations on plan line @k's outcome @o; sets *expected_fail when
 * one allows the step to fail.
 */
static int judge_expects(const struct scenario *sc, const struct plan *p,
			 int k, struct outcome o, bool *expected_fail,
			 FILE *out)
{
	int bad = 0;

	for (int e = 0; e < sc->nexpects; e++) {
		const struct sc_expect *x = &sc->expects[e];
		bool want_fail;

		/* A step that did not run is judged as such, not here. */
		if (scenario_expect_item(sc, x) != p->src[k] || !o.ran)
			continue;
		if (!strcmp(x->kind, "errno")) {
			*expected_fail = true;
			/* 0 is success, not a failure without an errno. */
			if (!o.ok && !o.err)
				MISS("%s:%d: expected errno %s, the step "
				     "failed without one", x->file, x->line,
				     x->arg);
			else if (!errno_listed(x->arg, o.ok ? 0 : o.err))
				MISS("%s:%d: expected errno %s, got %d",
				     x->file, x->line, x->arg,
				     o.ok ? 0 : o.err);
		} else if (!strcmp(x->kind, "status")) {
			want_fail = atoi(x->arg) != 0;
			*expected_fail = want_fail;
			if (o.ok == want_fail)
				MISS("%s:%d: expected status %s, the "
				     "step %s", x->file, x->line,
				     x->arg, o.ok ? "passed" : "failed");
		}
	}
	return bad;
}

/*
 * A scenario's `fault fail-nth` must fail an allocation of the step that
 * takes it: one that never fired tested nothing (a kernel that allocates
 * elsewhere, a FUNCTION that allocates less).  *@nth: the fault line
 * waiting for its step.  A sweep's own fail-nth is no item: not judged.
 */
static int judge_fail_nth(const struct sc_item *it, struct outcome o,
			  const struct sc_item **nth, FILE *out)
{
	int bad = 0;

	if (it->kind == SC_FAULT) {
		if (scenario_fault_arms_fail_nth(it->text))
			*nth = it;
		return 0;
	}
	if (!*nth || it->kind != SC_STEP)
		return 0;
	if (o.nth_missed)
		MISS("%s:%d: fault %s never fired: the next step passed %lu such allocation site%s",
		     (*nth)->file, (*nth)->line, (*nth)->text, o.nth_calls,
		     o.nth_calls == 1 ? "" : "s");
	*nth = NULL;
	return bad;
}

/* The steps must succeed unless an expectation says otherwise. */
static int judge_steps(const struct scenario *sc, const struct plan *p,
		       const char *dir, bool hung, FILE *out)
{
	const struct sc_item *nth = NULL;
	int bad = 0, ran = 0;

	for (int k = 0; k < p->nsteps; k++) {
		const struct sc_item *it = p->src[k];
		bool expected_fail = false;
		struct outcome o;

		if (!it)
			continue;
		o = step_outcome(dir, agent_number(p, k + 1));
		ran += o.ran;
		bad += judge_expects(sc, p, k, o, &expected_fail, out);
		if (!o.ran && hung)
			continue;	/* the step that hung, and what follows */
		if (!o.ran)
			MISS("%s:%d: step did not run: %s", it->file, it->line,
			     it->text);
		else if (!o.ok && !expected_fail && o.error[0] && !o.err)
			MISS("%s:%d: step failed: %s: %s", it->file, it->line,
			     o.error, it->text);
		else if (!o.ok && !expected_fail)
			MISS("%s:%d: step failed (errno %d): %s", it->file,
			     it->line, o.err, it->text);
		bad += judge_fail_nth(it, o, &nth, out);
	}
	/* A hang proves something only once the steps began. */
	if (hung && !ran && p->nsteps)
		MISS("no step ran: the guest did not get as far as its first "
		     "step");
	return bad;
}

/* `expect sysfs|equal` lines, checked in the guest (no src: not steps). */
static int judge_inline(const struct plan *p, const char *dir, bool hung,
			FILE *out)
{
	int bad = 0, n = 0;

	for (int i = 0; i < p->nsteps; i++) {
		struct outcome o;

		if (!is_marker(p->steps[i]))
			n++;
		if (p->src[i] || (strncmp(p->steps[i], "expect-sysfs ", 13) &&
				  strncmp(p->steps[i], "sim-compare ", 12)))
			continue;
		o = step_outcome(dir, n);
		if (!o.ran && hung)
			continue;	/* behind the step that hung */
		if (!o.ok)
			MISS("expectation failed in the guest: %s",
			     p->steps[i]);
	}
	return bad;
}

/* Is @word one of the '|'-separated words of @list? */
static bool listed(const char *list, const char *word)
{
	size_t n = strlen(word);

	for (const char *s = list; s; s = strchr(s, '|') ? strchr(s, '|') + 1 :
							   NULL)
		if (!strncmp(s, word, n) && (s[n] == '|' || !s[n]))
			return true;
	return false;
}

/* `expect finding A|B|none`: a report of kind A or B is expected. */
static bool finding_expected(const struct scenario *sc, const char *kind)
{
	for (int e = 0; e < sc->nexpects; e++)
		if (!strcmp(sc->expects[e].kind, "finding") &&
		    listed(sc->expects[e].arg, kind))
			return true;
	return false;
}

/* One of the kinds of @list is in findings.txt. */
static bool found_one_of(const char *dir, const char *list)
{
	char prefix[64];
	const char *s = list;

	for (;;) {
		size_t n = strcspn(s, "|");

		snprintf(prefix, sizeof(prefix), "%.*s:", (int)n, s);
		if (file_has(dir, "findings.txt", prefix, true))
			return true;
		if (!s[n])
			return false;
		s += n + 1;
	}
}

static int judge_findings(const struct scenario *sc, const char *dir,
			  FILE *out)
{
	char path[PATH_MAX + 16], line[1024];
	int bad = 0;
	FILE *f;

	for (int e = 0; e < sc->nexpects; e++) {
		const struct sc_expect *x = &sc->expects[e];

		if (strcmp(x->kind, "finding") || listed(x->arg, "none"))
			continue;
		if (!found_one_of(dir, x->arg))
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

/*
 * `expect sim KEY=VALUE` holds in the models' account at the end of the
 * run (summary.txt), or, in a sweep, when the scenario and its teardown
 * ended (summary-scenario.txt): the sweep's device checks reset VFs after
 * that (open-reset.vfs counts FLRs), while what the power-off does
 * (destroy-nomem.vfs: the PF reset drops a leaked object) comes after
 * both.  A plain run has only summary.txt.
 */
static bool sim_state_has(const char *dir, const char *line)
{
	return file_has_line(dir, "summary.txt", line) ||
	       file_has_line(dir, "summary-scenario.txt", line);
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
		else if (!strcmp(x->kind, "sim") && !sim_state_has(dir, x->arg))
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
		 const char *dir, int verdict, unsigned int timeout_s,
		 FILE *out)
{
	bool hang_ok = finding_expected(sc, "hung-task") ||
		       expects(sc, "timeout");
	bool cut;
	int bad = 0;

	if (expects(sc, "timeout") && verdict != RUN_TIMEOUT)
		MISS("expected the run to hang until its timeout; it ended");
	if (verdict == RUN_TIMEOUT && !hang_ok)
		MISS("timeout after %u s", timeout_s);
	else if (verdict == RUN_ERROR || verdict == RUN_INTERRUPTED)
		MISS("the run did not complete (%s)",
		     verdict == RUN_ERROR ? "error" : "interrupted");
	/*
	 * A run that hung, or died in the panic the scenario expects, runs
	 * none of the steps after: those are not misses.
	 */
	cut = (verdict == RUN_TIMEOUT && hang_ok) ||
	      (finding_expected(sc, "panic") &&
	       file_has(dir, "findings.txt", "panic:", true));
	bad += judge_steps(sc, p, dir, cut, out);
	bad += judge_inline(p, dir, cut, out);
	bad += judge_findings(sc, dir, out);
	bad += judge_logs(sc, dir, out);
	return bad;
}

/* "findings=KIND,KIND" (each kind once, in order of appearance), if any. */
static void outcome_findings(FILE *out, const char *dir)
{
	char path[PATH_MAX + 16], line[1024], kinds[512] = "";
	size_t used = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/findings.txt", dir);
	f = fopen(path, "r");
	while (f && fgets(line, sizeof(line), f)) {
		char kind[64], word[66];

		if (sscanf(line, "%63[^:]", kind) != 1)
			continue;
		snprintf(word, sizeof(word), ",%s,", kind);
		if (used && strstr(kinds, word))
			continue;
		used += snprintf(kinds + used, sizeof(kinds) - used, "%s%s,",
				 used ? "" : ",", kind);
		if (used >= sizeof(kinds))
			break;
	}
	if (f)
		fclose(f);
	if (used) {
		kinds[strlen(kinds) - 1] = 0;
		fprintf(out, "findings=%s", kinds + 1);
	}
}

/*
 * parallel-outcome.txt: how the steps of the parallel blocks ended, one
 * word each ("12=ok", "13=ENOENT", "14=-" for one that did not run; LINE of the
 * step, FILE:LINE when it is in an included file).  `--repeat` counts the
 * distinct outcomes over the tries: the interleavings the races took.
 */
static void write_outcome(const struct scenario *sc, const struct plan *p,
			  const char *dir)
{
	char path[PATH_MAX + 16];
	FILE *f = NULL;

	for (int k = 0; k < p->nsteps; k++) {
		const struct sc_item *it = p->src[k];
		struct outcome o;
		const char *name;

		if (!it || !p->in_block[k])
			continue;
		if (!f) {
			snprintf(path, sizeof(path), "%s/parallel-outcome.txt", dir);
			f = fopen(path, "w");
			if (!f)
				return;
		}
		o = step_outcome(dir, agent_number(p, k + 1));
		name = !o.ran ? "-" : o.ok ? "ok" :
		       !o.err ? "fail" : strerrorname_np(o.err);
		if (strcmp(it->file, sc->path))
			fprintf(f, "%s:", it->file);
		if (name)
			fprintf(f, "%d=%s ", it->line, name);
		else
			fprintf(f, "%d=E%d ", it->line, o.err);
	}
	if (f) {
		outcome_findings(f, dir);
		fputc('\n', f);
		fclose(f);
	}
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
 * step-results.txt: what each item and epilogue step did, for tools that
 * compare runs (vfsim sweep):
 *	item=I step=K ran=0|1 ok=0|1 errno=E at=FILE:LINE kind=step|fault text=...
 *	epilogue=J step=K ran=0|1 ok=0|1 errno=E text=...
 * I indexes sc->items (blocks are left out), K is the agent's step number.
 */
static void write_outcomes(const struct plan *p, const char *dir)
{
	char path[PATH_MAX + 16];
	FILE *f;

	snprintf(path, sizeof(path), "%s/step-results.txt", dir);
	f = fopen(path, "w");
	if (!f)
		return;
	for (int k = 0; k < p->nsteps; k++) {
		const struct sc_item *it = p->src[k];

		/* Top-level steps and faults; blocks are left out. */
		if (!it || !p->item_of[k])
			continue;
		fprintf(f, "item=%d ", p->item_of[k] - 1);
		put_outcome(f, p, dir, k + 1);
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
		.cpus = so->cpus, .seccomp = so->seccomp,
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
		o.boot_timeout_s = v->boot_timeout_s;
	}
	build_plan(sc, v, &p);
	if (v && v->sim_judged_steps >= 0 &&
	    v->sim_judged_steps < v->nepilogue)
		o.stats_at_step = agent_number(&p, p.epilogue_at +
					       v->sim_judged_steps) + 1;
	o.steps = p.steps;
	o.nsteps = p.nsteps;
	verdict = fn(&o, &sc->topo);
	snprintf(path, sizeof(path), "%s/verdict.txt", dir);
	out = fopen(path, "w");
	if (!out) {
		free_plan(&p);
		return -1;
	}
	bad = judge(sc, &p, dir, verdict, o.timeout_s, out);
	fclose(out);
	write_outcome(sc, &p, dir);
	write_outcomes(&p, dir);
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

#define MAX_OUTCOMES 16

/* The distinct parallel-outcome.txt lines of a scenario's tries. */
struct outcomes {
	char *text[MAX_OUTCOMES];
	int count[MAX_OUTCOMES], first[MAX_OUTCOMES];
	int n, other;		/* tries beyond MAX_OUTCOMES distinct ones */
};

/* One scenario's tries (--repeat; one try otherwise). */
struct tally {
	int started, done, failed;
	bool skipped, finished;
	const char *skip_why;
	char skip_buf[300];	/* skip_why, when it names something */
	int status;		/* of the first failed try, else of the last */
	int try_shown;		/* its try number */
	uint64_t seed;		/* its seed */
	char dir[PATH_MAX];	/* its run directory */
	double secs;		/* wall time of all tries */
	struct outcomes oc;
};

struct slot {
	pid_t pid;
	int index;		/* in the selected list */
	int try;
	uint64_t seed;
	double t0;
	char dir[PATH_MAX];
};

static double mono_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void count_outcome(struct outcomes *oc, const char *dir, int try)
{
	char path[PATH_MAX + 16], line[1024];
	FILE *f;
	int i;

	snprintf(path, sizeof(path), "%s/parallel-outcome.txt", dir);
	f = fopen(path, "r");
	if (!f)
		return;
	if (!fgets(line, sizeof(line), f))
		line[0] = 0;
	fclose(f);
	line[strcspn(line, "\n")] = 0;
	for (i = 0; i < oc->n && strcmp(oc->text[i], line); i++)
		;
	if (i == oc->n && oc->n == MAX_OUTCOMES) {
		oc->other++;
		return;
	}
	if (i == oc->n) {
		oc->text[i] = strdup(line);
		if (!oc->text[i])
			return;
		oc->first[i] = try;
		oc->n++;
	}
	/* Tries run -j at a time: a later one can end first. */
	if (try < oc->first[i])
		oc->first[i] = try;
	oc->count[i]++;
}

static void print_tries(const struct tally *t, unsigned int repeat)
{
	if (repeat <= 1)
		return;
	printf("#   tries: %d of %u, %d failed", t->done, repeat, t->failed);
	if (t->failed)
		printf(" (first at try %d, seed %llu)", t->try_shown,
		       (unsigned long long)t->seed);
	printf("\n");
	for (int i = 0; i < t->oc.n; i++)
		printf("#   outcome %dx, first at try %d: %s\n", t->oc.count[i],
		       t->oc.first[i], t->oc.text[i]);
	if (t->oc.other)
		printf("#   outcome: %d tries with yet other outcomes\n",
		       t->oc.other);
}

static void print_result(int n, const struct scenario *sc,
			 const struct tally *t, const struct sr_opts *so,
			 FILE *junit)
{
	char path[PATH_MAX + 16], line[1024];
	bool ok = !t->failed && WIFEXITED(t->status) &&
		  WEXITSTATUS(t->status) == 0;
	FILE *f;

	printf("%s %d - %s: %s\n", ok ? "ok" : "not ok", n, sc->path,
	       sc->purpose);
	print_tries(t, so->repeat);
	snprintf(path, sizeof(path), "%s/verdict.txt", t->dir);
	f = fopen(path, "r");
	if (junit)
		fprintf(junit, "  <testcase classname=\"vfsim\" name=\"%s\" "
			"time=\"%.3f\">\n", sc->path, t->secs);
	if (!ok && junit)
		fprintf(junit, "    <failure message=\"expectations failed\">"
			"<![CDATA[");
	while (!ok && f && fgets(line, sizeof(line), f)) {
		fputs(line, stdout);
		if (junit)
			fputs(line, junit);
	}
	if (f)
		fclose(f);
	/* Kernel reports belong in the summary, expected or not. */
	snprintf(path, sizeof(path), "%s/findings.txt", t->dir);
	f = fopen(path, "r");
	while (f && fgets(line, sizeof(line), f))
		printf("#   finding: %s", line);
	if (f)
		fclose(f);
	if (!ok) {
		printf("#   run directory: %s\n", t->dir);
		printf("#   reproduce: %s run --seed %llu %s\n", so->self,
		       (unsigned long long)t->seed, sc->path);
		if (junit)
			fprintf(junit, "]]></failure>\n");
	}
	if (junit)
		fprintf(junit, "  </testcase>\n");
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

/* A report is required (not only allowed, as with `... |none`). */
static bool expects_finding(const struct scenario *sc)
{
	for (int i = 0; i < sc->nexpects; i++)
		if (!strcmp(sc->expects[i].kind, "finding") &&
		    !listed(sc->expects[i].arg, "none"))
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
	FILE *f = kconfig_open_beside(kernel, "vfsim-series");
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
 * Why @sc cannot pass on @kernel, whose capabilities are @caps, or NULL
 * (the reason is written to @buf, @len): a `requires` word it does not
 * meet, an expected report on a kernel without detectors, time-travel
 * on a kernel without it (UML has none with SMP; the .config beside the
 * kernel tells, a kernel without one is assumed to have it), or a kernel
 * series (topology series=) it lacks.
 */
/* A `fault fail-nth ... within=` line, at the top level or in a block. */
static bool items_use_within(const struct sc_item *items, int n)
{
	for (int i = 0; i < n; i++) {
		if (items[i].kind == SC_FAULT &&
		    !strncmp(items[i].text, "fail-nth", 8) &&
		    strstr(items[i].text, " within="))
			return true;
		if (items_use_within(items[i].children, items[i].nchildren))
			return true;
	}
	return false;
}

static bool uses_within(const struct scenario *sc)
{
	return items_use_within(sc->items, sc->nitems);
}

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
	if (sc->topo.time_travel &&
	    !kconfig_enabled(kernel, "CONFIG_UML_TIME_TRAVEL_SUPPORT", true)) {
		snprintf(buf, len, "needs time-travel; this kernel has none "
			 "(UML has no time-travel with SMP)");
		return buf;
	}
	if (sc->topo.series &&
	    !kernel_has_series(kernel, sc->topo.series, buf, len))
		return buf;
	if (uses_within(sc) &&
	    !kconfig_enabled(kernel, "CONFIG_FAULT_INJECTION_STACKTRACE_FILTER",
			     true)) {
		snprintf(buf, len, "fail-nth within= needs the fault-injection "
			 "stack filter (KPROFILE=debug has it)");
		return buf;
	}
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

/* What scenario_run_all() keeps while it runs. */
struct runner {
	const struct sr_opts *so;
	sr_run_fn *fn;
	struct scenario *sc;
	int *sel, nsel;
	struct tally *t;	/* per selected scenario */
	struct slot *slots;
	int next;		/* the first selected one with tries to start */
	int printed, passed, failed, skipped;
	FILE *junit;
	struct kcaps caps;	/* the kernel's, for skip reasons */
};

/* Try @try of selected scenario @k: the seed and the run directory. */
static uint64_t try_seed(const struct runner *r, int k, int try)
{
	const struct scenario *sc = &r->sc[r->sel[k]];
	uint64_t base = r->so->seed_set || !sc->topo.seed_set ?
			r->so->seed : sc->topo.seed;

	return base + try;
}

static bool wants_more(const struct runner *r, int k)
{
	const struct tally *t = &r->t[k];

	return !t->skipped && !t->failed &&
	       t->started < (int)(r->so->repeat ? r->so->repeat : 1);
}

static void start_try(struct runner *r, struct slot *sl, int k)
{
	int i = r->sel[k];
	pid_t pid;

	sl->index = k;
	sl->try = r->t[k].started++;
	sl->seed = try_seed(r, k, sl->try);
	run_dir_of(r->so, &r->sc[i], sl->seed, sl->dir, sizeof(sl->dir));
	sl->t0 = mono_s();
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		_exit(child(&r->sc[i], r->so, sl->seed, sl->dir, r->fn));
	}
	if (pid < 0) {		/* counts as a failed try */
		sl->pid = 0;
		r->t[k].done++;
		r->t[k].failed++;
		r->t[k].status = 2 << 8;
		return;
	}
	sl->pid = pid;
}

/* Fill free slots, the selected scenarios in order, tries in order. */
static void start_tries(struct runner *r)
{
	for (unsigned int j = 0; j < r->so->jobs && !interrupted; j++) {
		if (r->slots[j].pid)
			continue;
		while (r->next < r->nsel && !wants_more(r, r->next))
			r->next++;
		if (r->next == r->nsel)
			return;
		start_try(r, &r->slots[j], r->next);
	}
}

static void finish_try(struct runner *r, struct slot *sl, int st)
{
	struct tally *t = &r->t[sl->index];
	bool ok = WIFEXITED(st) && WEXITSTATUS(st) == 0;

	t->done++;
	t->secs += mono_s() - sl->t0;
	sl->pid = 0;
	if (t->failed) {
		/* A try stopped because an earlier one failed: not counted. */
		t->done--;
		return;
	}
	count_outcome(&t->oc, sl->dir, sl->try);
	if (!ok) {
		t->failed++;
		t->status = st;
		t->try_shown = sl->try;
		t->seed = sl->seed;
		snprintf(t->dir, sizeof(t->dir), "%s", sl->dir);
		/* The verdict is certain: stop its other tries. */
		for (unsigned int j = 0; j < r->so->jobs; j++)
			if (r->slots[j].pid && r->slots[j].index == sl->index)
				kill(r->slots[j].pid, SIGTERM);
		return;
	}
	if (t->try_shown <= sl->try || !t->dir[0]) {
		t->status = st;
		t->try_shown = sl->try;
		t->seed = sl->seed;
		snprintf(t->dir, sizeof(t->dir), "%s", sl->dir);
	}
}

static bool running(const struct runner *r, int k)
{
	for (unsigned int j = 0; j < r->so->jobs; j++)
		if (r->slots[j].pid && r->slots[j].index == k)
			return true;
	return false;
}

/* TAP in file order: print what is complete from the front. */
static void print_ready(struct runner *r)
{
	while (r->printed < r->nsel) {
		int k = r->printed, i = r->sel[k];
		struct tally *t = &r->t[k];

		if (t->skipped) {
			print_skip(k + 1, &r->sc[i], t->skip_why, r->junit);
			r->skipped++;
		} else if ((wants_more(r, k) && !interrupted) ||
			   running(r, k) || !t->done) {
			return;
		} else {
			print_result(k + 1, &r->sc[i], t, r->so, r->junit);
			t->failed || !WIFEXITED(t->status) ||
				WEXITSTATUS(t->status) ? r->failed++ :
							 r->passed++;
		}
		r->printed++;
	}
}

static void reap(struct runner *r)
{
	int st;
	pid_t pid = waitpid(-1, &st, 0);

	if (pid < 0 && errno == EINTR && interrupted) {
		for (unsigned int j = 0; j < r->so->jobs; j++)
			if (r->slots[j].pid)
				kill(r->slots[j].pid, SIGTERM);
		return;
	}
	for (unsigned int j = 0; j < r->so->jobs && pid > 0; j++)
		if (r->slots[j].pid == pid)
			finish_try(r, &r->slots[j], st);
}

static bool any_running(const struct runner *r)
{
	for (unsigned int j = 0; j < r->so->jobs; j++)
		if (r->slots[j].pid)
			return true;
	return false;
}

static void start_junit(struct runner *r)
{
	if (r->so->junit && !(r->junit = fopen(r->so->junit, "w")))
		fprintf(stderr, "vfsim: cannot write %s\n", r->so->junit);
	if (r->junit)
		fprintf(r->junit, "<?xml version=\"1.0\"?>\n<testsuite "
			"name=\"vfsim\" tests=\"%d\">\n", r->nsel);
}

static void select_scenarios(struct runner *r, int nfiles)
{
	const struct sr_opts *so = r->so;

	for (int i = 0; i < nfiles; i++)
		if (!so->shard_n || i % so->shard_n == so->shard_k - 1)
			r->sel[r->nsel++] = i;
}

/* Which selected scenarios cannot pass on the kernel, and why. */
static void find_skips(struct runner *r)
{
	const struct sr_opts *so = r->so;

	for (int k = 0; k < r->nsel; k++) {
		r->t[k].skip_why = skip_reason(&r->sc[r->sel[k]], so->kernel,
					       &r->caps, r->t[k].skip_buf,
					       sizeof(r->t[k].skip_buf));
		r->t[k].skipped = r->t[k].skip_why != NULL;
	}
}

static void free_runner(struct runner *r, int nfiles)
{
	for (int k = 0; r->t && k < r->nsel; k++)
		for (int i = 0; i < r->t[k].oc.n; i++)
			free(r->t[k].oc.text[i]);
	for (int i = 0; r->sc && i < nfiles; i++)
		scenario_free(&r->sc[i]);
	free(r->sc);
	free(r->sel);
	free(r->t);
	free(r->slots);
}

int scenario_run_all(char **files, int nfiles, const struct sr_opts *so,
		     sr_run_fn *fn)
{
	struct runner r = {
		.so = so, .fn = fn,
		.sc = calloc(nfiles, sizeof(*r.sc)),
		.sel = calloc(nfiles, sizeof(int)),
		.t = calloc(nfiles, sizeof(struct tally)),
		.slots = calloc(so->jobs, sizeof(struct slot)),
	};
	struct sigaction sa = { .sa_handler = on_signal };
	int ret = 2;

	if (!r.sc || !r.sel || !r.t || !r.slots)
		goto out;
	if (parse_all(files, nfiles, r.sc))
		goto out;
	select_scenarios(&r, nfiles);
	printf("TAP version 13\n1..%d\n# seed %llu\n", r.nsel,
	       (unsigned long long)so->seed);
	if (so->repeat > 1)
		printf("# repeat %u: try K of a scenario has seed + K\n",
		       so->repeat);
	probe_kernel(so->kernel, &r.caps);
	find_skips(&r);
	fflush(stdout);
	start_junit(&r);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	for (;;) {
		start_tries(&r);
		print_ready(&r);
		if (r.printed == r.nsel || (!any_running(&r) && interrupted))
			break;
		if (any_running(&r))
			reap(&r);
	}
	if (r.skipped)
		printf("# %d skipped\n", r.skipped);
	printf("%d passed, %d failed\n", r.passed, r.failed);
	ret = interrupted ? RUN_INTERRUPTED : r.failed ? 1 : 0;
	if (r.junit) {
		fprintf(r.junit, "</testsuite>\n");
		fclose(r.junit);
	}
out:
	free_runner(&r, nfiles);
	return ret;
}
