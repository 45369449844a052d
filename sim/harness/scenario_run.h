/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Runs scenario files (sim/scenario.h): each in its own process, run
 * directory, sockets and UML, up to @jobs at once, and reports like a
 * test suite: TAP on stdout, optional JUnit XML, a final "N passed,
 * N failed" line, and for each failure the expectations that failed and
 * the one command that reproduces exactly that run.
 *
 * With repeat N > 1 each scenario runs up to N times, try K with seed
 * S + K (S: the user's --seed, else the scenario's, else the runner's):
 * the seed draws the start delays of parallel branches and probabilistic
 * faults.  A scenario fails at its first failed try (its other tries are
 * stopped) and the report names that try's seed; every report counts the
 * distinct outcomes of its parallel steps over the tries
 * (parallel-outcome.txt).
 * Scenarios the kernel cannot run (skip_reason()) are TAP SKIPs.
 *
 * Contract: every file is parsed before anything runs; a parse error
 * prints "FILE:LINE: problem" lines and returns 2.  Returns 0 if every
 * scenario passed, 1 otherwise, 4 if interrupted (children torn down).
 */
#ifndef VFSIM_SCENARIO_RUN_H
#define VFSIM_SCENARIO_RUN_H

#include <stdbool.h>
#include <stdint.h>

#include "run.h"
#include "scenario.h"

/* Builds the devices for @t, sets o->funcs/rpc, calls run_uml(). */
typedef int sr_run_fn(struct run_opts *o, const struct sc_topology *t);

struct sr_opts {
	unsigned int jobs;		/* parallel scenarios, >= 1 */
	const char *junit;		/* JUnit XML output file, or NULL */
	uint64_t seed;			/* used unless a scenario sets one */
	bool seed_set;			/* given by the user: used always */
	unsigned int repeat;		/* tries per scenario (0, 1: one) */
	unsigned int shard_k, shard_n;	/* run the K-th of N slices (1-based) */
	const char *runs_dir;		/* a run directory per scenario below */
	const char *kernel, *agent;
	const char *self;		/* argv[0], for the reproduce line */
	unsigned int timeout_s;		/* 0: each scenario's own */
	unsigned int cpus;		/* run_opts.cpus of every run */
	bool seccomp;			/* run_opts.seccomp of every run */
};

int scenario_run_all(char **files, int nfiles, const struct sr_opts *so,
		     sr_run_fn *fn);

/*
 * What a tool that runs a scenario many ways (vfsim sweep) varies, on top
 * of the scenario itself.  Agent steps are text as in the steps file.
 */
struct sr_variant {
	const char *const *prologue;	/* agent steps before the scenario's */
	int nprologue;
	const char *const *epilogue;	/* and after them */
	int nepilogue;
	/*
	 * How many epilogue steps `expect sim` still judges (a teardown the
	 * run would do anyway, like release-fds); the models' account is
	 * taken before the next one (summary-scenario.txt).  Ignored when
	 * >= nepilogue: the end of the run is judged.
	 */
	int sim_judged_steps;
	int insert_at;			/* a fault line before items[insert_at] */
	const char *insert;		/* e.g. "fail-nth nth=5"; NULL: none */
	const char *const *boot_faults;	/* armed before UML starts */
	int nboot_faults;
	unsigned int hung_task_s;	/* 0: the kernel's */
	bool end_on_report;		/* struct run_opts */
	const char *expected_reports;	/* kinds that do not end the run */
	unsigned int timeout_s;		/* 0: the scenario's (or so's) */
	unsigned int boot_timeout_s;	/* struct run_opts; 0: its default */
};

/*
 * Run @sc once in this process into @dir (@v may be NULL: the scenario as
 * written), judge it, and write verdict.txt (one line per expectation that
 * failed) and step-results.txt (what each item did: see write_outcomes() in
 * scenario_run.c).  Returns the number of failed expectations, or -1 if
 * verdict.txt cannot be written.
 */
int scenario_run_variant(const struct scenario *sc, const struct sr_opts *so,
			 const struct sr_variant *v, uint64_t seed,
			 const char *dir, sr_run_fn *fn);

#endif
