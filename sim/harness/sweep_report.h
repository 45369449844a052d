/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What a sweep prints and writes (doc/sweep.md):
 *
 * - the table: one row per point run (point, step, outcome, detail; for
 *   anything but clean also the first line of the report and the one
 *   command that reproduces it), the totals and the throughput;
 * - sweep.json: the same with every field, the recording's steps and the
 *   allocation sites inferred rather than run;
 * - outcomes.txt: one stable line per point ("SCENARIO POINT OUTCOME
 *   KEY"; allocation points by step and call site, not by ordinal), sorted,
 *   for `make sweep` to diff against the known outcomes.
 *
 * Contract: the functions only read @s.  sweep_report_json() and
 * sweep_report_outcomes() return 0 or -errno of the file they write.
 */
#ifndef VFSIM_SWEEP_REPORT_H
#define VFSIM_SWEEP_REPORT_H

#include <limits.h>
#include <stdbool.h>
#include <stdio.h>

#include "sweep_judge.h"
#include "sweep_points.h"

struct sweep_run {
	struct sweep_point pt;
	struct sweep_verdict v;
	char dir[PATH_MAX];
	double secs;
	bool done;		/* judged (not interrupted) */
	bool superseded;	/* a try of a site search that missed it */
};

struct sweep_summary {
	const char *file;	/* the scenario, as given */
	const char *self;	/* this program, for reproduce lines */
	const char *kernel;	/* --kernel given, or NULL: reproduce lines */
	const char *dir;	/* the sweep's directory */
	const struct sweep_record *rec;
	struct sweep_run *runs;
	int nruns;
	double wall_s;		/* the injection runs, start to end */
	unsigned int jobs;
	unsigned int admin_status;
	unsigned int hung_task_s;	/* the runs' (default 3) */
	const char *out;	/* -o given, or NULL */
	unsigned long long seed;	/* --seed given: */
	bool seed_set;
	int tries;		/* site-search runs that missed, not in runs */
};

/*
 * The command that reruns @name with what defines its failure and where
 * the sweep went (the kernel, admin status, seed, hung-task timeout and
 * -o if not the defaults), options before the scenario, into @buf of
 * @size bytes (truncated).
 */
void sweep_report_rerun_cmd(const struct sweep_summary *s, const char *name,
			    char *buf, size_t size);

/* Point order: boot, the steps, teardown; kind, target, ordinal. */
void sweep_report_sort(struct sweep_run *runs, int n);

void sweep_report_table(const struct sweep_summary *s, FILE *out);
int sweep_report_json(const struct sweep_summary *s, const char *path);
int sweep_report_outcomes(const struct sweep_summary *s, const char *path);

/* Allocation sites of @step no run tried: equal neighbours stand for them. */
unsigned int sweep_report_inferred(const struct sweep_summary *s, int step);

#endif
