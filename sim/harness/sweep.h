/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vfsim sweep SCENARIO...: run a scenario once recording its injection
 * points (sweep_points.h), re-run it once per point with exactly that
 * point failed, `-j N` at a time, and classify every outcome
 * (sweep_judge.h).  Prints a table, writes sweep.json and outcomes.txt
 * into the sweep's directory (doc/sweep.md).
 *
 * Contract: sweep_command() takes the command line after "sweep".
 * Returns 0 when every point was run and judged (whatever the outcomes),
 * 1 when a scenario could not be swept (it fails without injection, or a
 * point could not be run), 2 on bad usage or a scenario that does not
 * parse (FILE:LINE: problem), 4 when interrupted (every run torn down).
 */
#ifndef VFSIM_SWEEP_H
#define VFSIM_SWEEP_H

#include "scenario_run.h"

struct sweep_env {
	const char *kernel;	/* default UML kernel */
	const char *agent;	/* default agent */
	const char *self;	/* this program, for reproduce lines */
	const char *out_dir;	/* default parent of the sweeps' directories */
	sr_run_fn *run;		/* builds the topology and runs */
};

extern const char sweep_usage[];

int sweep_command(int argc, char **argv, const struct sweep_env *env);

#endif
