/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Scenario files: what one run does, line by line.
 *
 *	# comment (whole lines only: '#' inside a line is part of it)
 *	purpose ONE LINE OF TEXT		required, exactly once
 *	include PATH				relative to the including file
 *	topology KEY=VALUE ...			before any step, fault or expect
 *	step AGENT-STEP WORDS...		passed verbatim to the agent
 *	fault FAULT KEY=VALUE ...		armed when reached
 *	expect KIND ARG...			checked after the run
 *	requires WORD...			what the kernel must have
 *	parallel [jitter=MS] / end		its branches run concurrently
 *	thread [NAME] / end			inside parallel: one branch, a
 *						sequence of steps, faults and
 *						expectations run by one thread
 *
 * Contract: scenario_parse() reads the whole file and its includes and
 * validates every line (topology values, fault names and keys, expectation
 * kinds, regexes, block structure).  It returns 0 with @sc filled, or -1
 * with @sc zeroed and *errors set to one "FILE:LINE: problem\n" line per
 * error (at most SC_MAX_ERRORS; "FILE: problem" when no line applies).
 * On success *errors is NULL.  @errors may be NULL.  The caller frees
 * *errors with free() and @sc with scenario_free().
 *
 * `requires` words are kcaps_check_word()'s (sim/harness/kcaps.h):
 * migration, legacy-io, detectors, kasan, kernel>=X.Y, kernel<X.Y.  A
 * scenario whose steps need a capability must declare it: mig-* and
 * sim-compare* steps and `expect equal` need migration; legacy-* steps
 * need legacy-io and `topology pf-legacy=1`.
 *
 * Rules a reader might not guess: topology and requires lines precede
 * every step,
 * fault, block and expect (later keys override earlier ones; cmdline=
 * takes the rest of the line); `expect status|errno` must follow a step
 * line, not a fault or a block (inside a thread: the thread's own step);
 * a fault's or `expect equal`'s vfN must exist in the topology (N < vfs);
 * `include` is refused inside a parallel block and `expect` inside one
 * but outside a thread; threads exist only directly inside a parallel
 * block (no nesting either way), hold at least one line, and a block
 * closes in the file it opened in.  A bare step or fault inside a
 * parallel block is a branch of its own (a thread of one line).
 *
 * Everything in @sc is owned by it; the `file` pointers point into
 * sc->files, which lists every file read, the top one first, each once.
 * Items from included files are spliced in where the include was.
 */
#ifndef VFSIM_SCENARIO_H
#define VFSIM_SCENARIO_H

#include <stdbool.h>
#include <stdint.h>

#define SC_MAX_ERRORS 20
#define SC_MAX_LINE 1024	/* characters, without the newline */
#define SC_MAX_DEPTH 8		/* include nesting below the top file */
#define SC_MAX_STEPS 512	/* agent steps one scenario becomes */
#define SC_MAX_BRANCHES 16	/* threads (and bare lines) of a parallel block */
#define SC_MAX_JITTER_MS 10000	/* parallel jitter=MS */

enum sc_kind {
	SC_STEP,
	SC_FAULT,
	SC_PARALLEL,		/* a block: see children */
	SC_THREAD,		/* a branch of a parallel block: see children */
};

/* One executable line (or block), in file order. */
struct sc_item {
	enum sc_kind kind;
	/*
	 * The words after `step` / `fault`, joined by single spaces, e.g.
	 * "admin-fail op=DEV_PARTS_GET nth=1"; SC_THREAD: its NAME or NULL;
	 * NULL for SC_PARALLEL.
	 */
	char *text;
	const char *file;
	int line;
	/*
	 * SC_PARALLEL: its branches, each a SC_THREAD or a bare SC_STEP /
	 * SC_FAULT; SC_THREAD: its steps and faults, in order.
	 */
	struct sc_item *children;
	int nchildren;
	unsigned int jitter_ms;	/* SC_PARALLEL: each branch starts after a
				   seeded delay of 0..jitter_ms */
};

/*
 * kind is the word after `expect`; arg the rest of the line as written
 * (only its ends trimmed), so a regex keeps its spaces:
 *	status N, errno N	of the step at items[after_item]
 *	sysfs PATH VALUE	VALUE is everything after PATH's space
 *	dmesg REGEX, no-dmesg REGEX	POSIX extended
 *	finding KIND, sim KEY=VALUE, equal FN FN
 *
 * Where it stands: at the top level after items[after_item] (-1: before
 * any), or, when thread >= 0, inside branch items[after_item].children
 * [thread] after its child after_child (-1: at the thread's start).
 * status/errno judge, and sysfs/equal are checked in the guest, there.
 */
struct sc_expect {
	char *kind;
	char *arg;
	const char *file;
	int line;
	int after_item;		/* index in items it follows, -1 if none */
	int thread;		/* -1: top level */
	int after_child;	/* in that thread; -1: at its start */
};

struct sc_topology {
	unsigned int vfs;		/* 0..7, default 0 */
	unsigned int context_size;	/* bytes, 0..64 MiB, default 0 */
	unsigned int mem_mb;		/* 64..16384, default 256 */
	unsigned int timeout_s;		/* 1..3600, default 120 */
	unsigned int admin_limit;	/* 1..255, default 15 */
	int time_travel;		/* 0 off, 1 basic, 2 inf-cpu */
	char *cmdline;			/* extra kernel arguments, NULL if none */
	char *profile;			/* kernel profile, default "debug" */
	char *series;			/* kernel series it needs ("a,b"), or NULL */
	bool pf_indirect;
	bool pf_legacy;			/* the PF serves its VFs' legacy I/O */
	uint32_t seed;
	bool seed_set;
};

struct scenario {
	char *path;			/* as given to the parser */
	char *purpose;
	struct sc_topology topo;
	struct sc_item *items;
	int nitems;
	struct sc_expect *expects;
	int nexpects;
	char **files;
	int nfiles;
	char **requires;		/* `requires` words, in file order */
	int nrequires;
};

int scenario_parse(const char *path, struct scenario *sc, char **errors);

/*
 * The same from memory (tests).  @name stands for the file in messages,
 * and its directory is the base of relative includes.
 */
int scenario_parse_string(const char *name, const char *text,
			  struct scenario *sc, char **errors);

/* The step or fault an expectation follows (its target), NULL if none. */
const struct sc_item *scenario_expect_item(const struct scenario *sc,
					   const struct sc_expect *x);

/*
 * Is fault line @text ("fail-nth nth=2 within=f") a fail-nth that fails an
 * allocation of the next sequential step (not `count` or `off`)?
 */
bool scenario_fault_arms_fail_nth(const char *text);

/* Free everything and zero @sc; safe on a zeroed or already freed one. */
void scenario_free(struct scenario *sc);

#endif
