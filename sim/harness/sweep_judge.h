/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vfsim sweep: what one injection did, judged against the recording run
 * (the baseline) of the same scenario (doc/sweep.md).
 *
 *	clean		the step returned an error (or the failure was
 *			absorbed), nothing leaked, no report, and the device
 *			still works afterwards
 *	finding		a kernel report the baseline did not have (which
 *			kind, where), or the simulator saw the guest touch
 *			a VF that did not decode
 *	leak		admin objects discarded by the PF's reset, or file
 *			descriptors the agent never received, beyond the
 *			baseline's
 *	hang		a hung-task report, or the run timed out (where it
 *			is stuck: the report's stack, or the blocked-task
 *			dump taken at the timeout)
 *	wrong-result	the scenario's own expectations failed for another
 *			reason, or the device did not work afterwards
 *	simulator-error	the simulator failed: never expected
 *	not-reached	the point did not occur in this run
 *
 * Contract: sweep_judge() reads the baseline's and the run's directories
 * (summary.txt, findings.txt, verdict.txt, step-results.txt, agent.log,
 * trace.log, console.log) and fills @v.  @status is the wait status of the
 * process that ran the scenario.  It returns 0; a directory it cannot
 * read is judged a simulator error.
 */
#ifndef VFSIM_SWEEP_JUDGE_H
#define VFSIM_SWEEP_JUDGE_H

#include "sweep_points.h"

enum sweep_outcome {
	SWEEP_CLEAN,
	SWEEP_FINDING,
	SWEEP_LEAK,
	SWEEP_HANG,
	SWEEP_WRONG,
	SWEEP_SIM_ERROR,
	SWEEP_NOT_REACHED,
	SWEEP_OUTCOMES,
};

struct sweep_verdict {
	enum sweep_outcome outcome;
	char detail[400];	/* what happened, one line */
	char report[256];	/* the first new kernel report's headline */
	char where[192];	/* hang: where stuck; finding: its stack */
	char site[256];		/* alloc: the failed call site, frames+offsets */
	char site_name[128];	/* ... its first frames by name */
	char key[192];		/* stable one-line summary (known outcomes) */
	int fired_step;		/* scenario step the point fired in, or SWEEP_* */
	int affected_step;	/* first step whose result differs, 0: none */
	bool fault_refused;	/* alloc: the agent refused the fail-nth */
};

const char *sweep_outcome_name(enum sweep_outcome o);

int sweep_judge(const char *base_dir, const char *dir,
		const struct sweep_point *pt, const struct sweep_record *rec,
		int status, struct sweep_verdict *v);

#endif
