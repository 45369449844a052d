/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The agent's step table (driver/agent/steps.def) and the typed check of a
 * step's words against it.  Linked into the agent, which checks each step
 * it runs, and into vfsim, whose scenario parser and `vfsim run` check
 * every step before anything boots; both see the same table.
 *
 * Grammar of a row's ARGS: words separated by single spaces.
 *	KIND		a required argument of that kind (the table below)
 *	LABEL:KIND	the same, shown as LABEL in the usage
 *	a|b|c		one of these literal words (LABEL:a|b|c shows LABEL)
 *	[WORD]		optional; optional words follow the required ones
 *			and are taken in order
 *	[key=KIND]	an optional key=value word, in any order among the
 *			others, at most once ([key=a|b]: one of these words)
 *	KIND...		last: this and every following word (FAULT)
 *	A | B		(spaces around the bar) either argument list A or B
 *
 * Kinds: BDF, FN, NUM, COUNT, BYTES, U64, SECONDS, STATE, DRIVER, FILE,
 * PATH, WORD, NAME, MAC, PROB, FAULT; what each accepts is in
 * step_spec.c's kind table and `vfsim help steps`.
 */
#ifndef VFSIM_STEP_SPEC_H
#define VFSIM_STEP_SPEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#define AGENT_MAX_ARGS 16	/* words of a step, its name included, + 1 */
#define AGENT_MAX_LINE 511	/* characters of a step line */
#define AGENT_MAX_PARALLEL 16	/* steps of one parallel block */
#define STEP_WHY_LEN 512	/* enough for any step_check() message */

struct step_spec {
	const char *name;
	const char *args;	/* the grammar above */
};

/* The rows of steps.def, in its order. */
extern const struct step_spec step_specs[];
extern const size_t step_nspecs;

/* What the checker knows of the run the step is for. */
struct step_env {
	/*
	 * VFs of the topology (0..7): BDF and FN arguments must name a
	 * function it has.  -1: unknown (in the guest), syntax only.
	 */
	int vfs;
	/*
	 * Checks the words of a FAULT argument ("KIND KEY=VALUE..."); on
	 * false it has reported the problem itself.  NULL: any words.
	 */
	bool (*check_fault)(void *ctx, const char *words);
	void *ctx;
};

/*
 * Is row @s well-formed (known kinds, optional words after required
 * ones, keys optional, KIND... last)?  false with the reason in @why.
 */
bool step_spec_valid(const struct step_spec *s, char *why, size_t len);

/* The row named @name, or NULL. */
const struct step_spec *step_find(const char *name);

/*
 * Check a step: @argv[0] its name, @argc words in all.  Returns true, or
 * false with one line in @why (no newline; empty when check_fault
 * reported): "unknown step 'x' (did you mean 'y'?...)", "step 'x' is
 * missing LABEL (usage: ...)", "step 'x': LABEL wants ..., got '...'",
 * "step 'x': too many arguments from '...' (usage: ...)".
 */
bool step_check(int argc, char *const argv[], const struct step_env *env,
		char *why, size_t len);

/*
 * The same for one step line as the agent reads it: words separated by
 * blanks, at most AGENT_MAX_LINE characters and AGENT_MAX_ARGS - 1 words.
 */
bool step_check_line(const char *line, const struct step_env *env,
		     char *why, size_t len);

/* "NAME ARGS" with labels for kinds, as `vfsim help steps` shows it. */
const char *step_usage(const struct step_spec *s, char *buf, size_t len);

/* `vfsim help steps`: every usage line, a blank line, the kinds. */
void step_print_help(FILE *f);

/*
 * The VFIO migration states by their uAPI value (enum vfio_device_mig_state,
 * include/uapi/linux/vfio.h); step_state() maps a name, any case, to its
 * value, -1 if none.
 */
#define STEP_NSTATES 8
extern const char *const step_state_names[STEP_NSTATES];
int step_state(const char *name);

#endif
