// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cover_report.h"
#include "sweep_report.h"

static int step_rank(int step)
{
	if (step == SWEEP_BOOT)
		return 0;
	if (step == SWEEP_TEARDOWN)
		return 1 << 20;
	return step < 0 ? (1 << 20) + 1 : step;
}

static int cmp_runs(const void *pa, const void *pb)
{
	const struct sweep_point *a = &((const struct sweep_run *)pa)->pt;
	const struct sweep_point *b = &((const struct sweep_run *)pb)->pt;
	int c = step_rank(a->step) - step_rank(b->step);

	if (c)
		return c;
	if (a->kind != b->kind)
		return (int)a->kind - (int)b->kind;
	c = strcmp(a->target, b->target);
	if (c)
		return c;
	return a->nth < b->nth ? -1 : a->nth > b->nth;
}

void sweep_report_sort(struct sweep_run *runs, int n)
{
	qsort(runs, n, sizeof(*runs), cmp_runs);
}

/* Sites of @step between two tried ones with the same key (runs sorted). */
unsigned int sweep_report_inferred(const struct sweep_summary *s, int step)
{
	const struct sweep_run *prev = NULL;
	unsigned int n = 0;

	for (int i = 0; i < s->nruns; i++) {
		const struct sweep_run *r = &s->runs[i];

		if (r->pt.kind != SWEEP_ALLOC || r->pt.step != step || !r->done)
			continue;
		if (prev && r->pt.nth > prev->pt.nth + 1 &&
		    !strcmp(prev->v.site, r->v.site) &&
		    !strcmp(prev->v.key, r->v.key))
			n += r->pt.nth - prev->pt.nth - 1;
		prev = r;
	}
	return n;
}

static void count_kinds(const struct sweep_summary *s, int *kinds,
			int *outcomes)
{
	for (int i = 0; i < s->nruns; i++) {
		kinds[s->runs[i].pt.kind]++;
		if (s->runs[i].done)
			outcomes[s->runs[i].v.outcome]++;
	}
}

void sweep_report_rerun_cmd(const struct sweep_summary *s, const char *name,
			    char *buf, size_t size)
{
	char opts[PATH_MAX + 192] = "";
	size_t n = 0;

	if (s->kernel)
		n += snprintf(opts + n, sizeof(opts) - n, " --kernel %s",
			      s->kernel);
	if (s->admin_status != 22 && !strncmp(name, "admin-fail:", 11))
		n += snprintf(opts + n, sizeof(opts) - n, " --admin-status %u",
			      s->admin_status);
	if (s->seed_set && n < sizeof(opts))
		n += snprintf(opts + n, sizeof(opts) - n, " --seed %llu",
			      s->seed);
	if (s->hung_task_s && s->hung_task_s != 3 && n < sizeof(opts))
		n += snprintf(opts + n, sizeof(opts) - n, " --hung-task-s %u",
			      s->hung_task_s);
	if (s->out && n < sizeof(opts))
		snprintf(opts + n, sizeof(opts) - n, " -o %s", s->out);
	snprintf(buf, size, "%s sweep%s --rerun %s%s%s %s", s->self, opts,
		 strchr(name, '<') ? "'" : "", name,
		 strchr(name, '<') ? "'" : "", s->file);
}

static void stable_point(const struct sweep_run *r, char *buf, size_t len);

/*
 * Another run of the same step failed an allocation with the same chain
 * and judged otherwise: the chain does not tell them apart (the same
 * call path taken twice in the step, e.g. by two syscalls).
 */
static bool site_ambiguous(const struct sweep_summary *s,
			   const struct sweep_run *r)
{
	for (int i = 0; i < s->nruns; i++) {
		const struct sweep_run *o = &s->runs[i];

		if (o != r && o->done && o->pt.kind == SWEEP_ALLOC &&
		    o->pt.step == r->pt.step &&
		    !strcmp(o->v.site_name, r->v.site_name) &&
		    (o->v.outcome != r->v.outcome ||
		     strcmp(o->v.key, r->v.key)))
			return true;
	}
	return false;
}

/*
 * What a reproduce line reruns: an allocation by its site (the ordinal
 * moves with the kernel's timing-dependent work in the step), unless it
 * failed silently and has none, or its site stands for several
 * allocations that end differently.
 */
static void rerun_point(const struct sweep_summary *s,
			const struct sweep_run *r, char *buf, size_t len)
{
	stable_point(r, buf, len);
	if (r->pt.kind == SWEEP_ALLOC && !r->pt.site[0] &&
	    (!r->v.site_name[0] || !strcmp(r->v.site_name, "(silent)") ||
	     site_ambiguous(s, r)))
		sweep_point_name(&r->pt, buf, len);
}

static void print_row(const struct sweep_summary *s, const struct sweep_run *r,
		      FILE *out)
{
	char name[SWEEP_SITE_LEN + 32], step[32], cmd[1024];

	sweep_point_name(&r->pt, name, sizeof(name));
	sweep_step_name(r->pt.step, step, sizeof(step));
	if (!r->done) {
		fprintf(out, "%-34s %-9s %-15s (not run: interrupted)\n", name,
			step, "-");
		return;
	}
	fprintf(out, "%-34s %-9s %-15s %s", name, step,
		sweep_outcome_name(r->v.outcome), r->v.detail);
	if (r->pt.kind == SWEEP_ALLOC && r->v.site_name[0])
		fprintf(out, " [at %s]", r->v.site_name);
	fputc('\n', out);
	if (r->v.outcome == SWEEP_CLEAN)
		return;
	if (r->v.report[0])
		fprintf(out, "#   report: %s\n", r->v.report);
	if (r->v.where[0])
		fprintf(out, "#   where: %s\n", r->v.where);
	rerun_point(s, r, name, sizeof(name));
	sweep_report_rerun_cmd(s, name, cmd, sizeof(cmd));
	fprintf(out, "#   run: %s\n#   reproduce: %s\n", r->dir, cmd);
}

void sweep_report_table(const struct sweep_summary *s, FILE *out)
{
	int kinds[SWEEP_KINDS] = { 0 }, outcomes[SWEEP_OUTCOMES] = { 0 };
	unsigned int inferred = 0, sites = 0;
	int done = 0;

	count_kinds(s, kinds, outcomes);
	for (int i = 0; i < s->rec->nsteps; i++) {
		inferred += sweep_report_inferred(s, i + 1);
		sites += s->rec->steps[i].calls;
	}
	fprintf(out, "# vfsim sweep %s: %d points run (admin-fail %d, "
		"admin-hang %d, msi-drop %d, alloc %d); the recording passed "
		"%u allocation sites in %d steps\n", s->file, s->nruns,
		kinds[SWEEP_ADMIN_FAIL], kinds[SWEEP_ADMIN_HANG],
		kinds[SWEEP_MSI_DROP], kinds[SWEEP_ALLOC], sites,
		s->rec->nsteps);
	fprintf(out, "%-34s %-9s %-15s %s\n", "POINT", "STEP", "OUTCOME",
		"DETAIL");
	for (int i = 0; i < s->nruns; i++) {
		print_row(s, &s->runs[i], out);
		done += s->runs[i].done;
	}
	fprintf(out, "# outcomes:");
	for (int o = 0; o < SWEEP_OUTCOMES; o++)
		fprintf(out, "%s %s %d", o ? "," : "",
			sweep_outcome_name(o), outcomes[o]);
	fprintf(out, "\n# %d runs in %.0f s: %.1f runs/min with -j %u",
		done + s->tries, s->wall_s,
		s->wall_s > 0 ? (done + s->tries) * 60 / s->wall_s : 0, s->jobs);
	if (s->tries)
		fprintf(out, " (%d of them site-search tries that missed)",
			s->tries);
	if (inferred)
		fprintf(out, "; %u allocation sites inferred from equal "
			"neighbours", inferred);
	fprintf(out, "\n");
}

/* ---- JSON ------------------------------------------------------------- */

/* "key": "escaped value" (the escaping is the coverage report's). */
static void json_str(FILE *f, const char *key, const char *v, bool comma)
{
	fprintf(f, "\"%s\": ", key);
	cover_json_str(f, v);
	fprintf(f, "%s", comma ? ", " : "");
}

static void json_run(FILE *f, const struct sweep_summary *s,
		     const struct sweep_run *r)
{
	char name[SWEEP_SITE_LEN + 32], step[32], cmd[1024];
	char within[SWEEP_SITE_LEN];

	rerun_point(s, r, name, sizeof(name));
	sweep_report_rerun_cmd(s, name, cmd, sizeof(cmd));
	sweep_point_name(&r->pt, name, sizeof(name));
	sweep_step_name(r->pt.step, step, sizeof(step));
	fprintf(f, "    {");
	json_str(f, "point", name, true);
	json_str(f, "kind", sweep_kind_name(r->pt.kind), true);
	fprintf(f, "\"step\": %d, \"step_name\": \"%s\", \"nth\": %u, ",
		r->pt.step, step, r->pt.nth);
	if (r->pt.site[0])	/* nth counts allocations under "within" */
		fprintf(f, "\"within\": \"%s\", \"alloc\": \"%s\", ",
			sweep_point_within(&r->pt, within, sizeof(within)) ?: "",
			r->pt.page ? "page" : "slab");
	json_str(f, "outcome", r->done ? sweep_outcome_name(r->v.outcome) :
		 "not-run", true);
	json_str(f, "detail", r->v.detail, true);
	json_str(f, "report", r->v.report, true);
	json_str(f, "where", r->v.where, true);
	json_str(f, "site", r->v.site, true);
	json_str(f, "key", r->v.key, true);
	fprintf(f, "\"fired_step\": %d, \"affected_step\": %d, "
		"\"secs\": %.2f, ", r->v.fired_step, r->v.affected_step,
		r->secs);
	json_str(f, "run_dir", r->dir, true);
	json_str(f, "reproduce", cmd, false);
	fprintf(f, "}");
}

int sweep_report_json(const struct sweep_summary *s, const char *path)
{
	int outcomes[SWEEP_OUTCOMES] = { 0 }, kinds[SWEEP_KINDS] = { 0 };
	FILE *f = fopen(path, "w");

	if (!f)
		return -errno;
	count_kinds(s, kinds, outcomes);
	fprintf(f, "{\n  ");
	json_str(f, "scenario", s->file, true);
	json_str(f, "dir", s->dir, true);
	fprintf(f, "\"admin_status\": %u, \"jobs\": %u, \"runs\": %d, "
		"\"wall_s\": %.1f,\n  \"totals\": {", s->admin_status, s->jobs,
		s->nruns, s->wall_s);
	for (int o = 0; o < SWEEP_OUTCOMES; o++)
		fprintf(f, "%s\"%s\": %d", o ? ", " : "", sweep_outcome_name(o),
			outcomes[o]);
	fprintf(f, "},\n  \"steps\": [\n");
	for (int i = 0; i < s->rec->nsteps; i++) {
		const struct sweep_step *st = &s->rec->steps[i];

		fprintf(f, "    {\"step\": %d, ", i + 1);
		json_str(f, "at", st->at, true);
		json_str(f, "text", st->text, true);
		fprintf(f, "\"included\": %s, \"check\": %s, "
			"\"alloc_sites\": %u, \"inferred\": %u}%s\n",
			st->included ? "true" : "false",
			st->check ? "true" : "false",
			st->calls, sweep_report_inferred(s, i + 1),
			i + 1 < s->rec->nsteps ? "," : "");
	}
	fprintf(f, "  ],\n  \"points\": [\n");
	for (int i = 0; i < s->nruns; i++) {
		json_run(f, s, &s->runs[i]);
		fprintf(f, "%s\n", i + 1 < s->nruns ? "," : "");
	}
	fprintf(f, "  ]\n}\n");
	return fclose(f) ? -errno : 0;
}

/* ---- outcomes.txt ------------------------------------------------------- */

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* "alloc:step9@a<b<c": the same site, whatever its ordinal. */
static void stable_point(const struct sweep_run *r, char *buf, size_t len)
{
	size_t n;

	if (r->pt.kind != SWEEP_ALLOC) {
		sweep_point_name(&r->pt, buf, len);
		return;
	}
	n = snprintf(buf, len, "alloc:step%d@", r->pt.step);
	if (n < len)	/* cut short if it does not fit: still one point */
		sweep_site_chain(r->v.site_name[0] ? r->v.site_name : "-",
				 buf + n, len - n);
}

int sweep_report_outcomes(const struct sweep_summary *s, const char *path)
{
	char **lines = calloc(s->nruns ? s->nruns : 1, sizeof(char *));
	char point[256], line[1024];
	int n = 0, ret = 0;
	FILE *f;

	if (!lines)
		return -ENOMEM;
	for (int i = 0; i < s->nruns; i++) {
		const struct sweep_run *r = &s->runs[i];

		if (!r->done)
			continue;
		stable_point(r, point, sizeof(point));
		snprintf(line, sizeof(line), "%s %s %s %s", s->file, point,
			 sweep_outcome_name(r->v.outcome), r->v.key);
		if (!(lines[n++] = strdup(line)))
			ret = -ENOMEM;
	}
	qsort(lines, n, sizeof(*lines), cmp_str);
	f = ret ? NULL : fopen(path, "w");
	if (!ret && !f)
		ret = -errno;
	for (int i = 0; f && i < n; i++)
		if (!i || strcmp(lines[i], lines[i - 1]))
			fprintf(f, "%s\n", lines[i]);
	if (f && fclose(f))
		ret = -errno;
	for (int i = 0; i < n; i++)
		free(lines[i]);
	free(lines);
	return ret;
}
