/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Which allocation sites of one step a sweep tries (doc/sweep.md).
 *
 * A step passes K fault-injection sites (K from the recording run), and
 * long stretches of them are the same call in a loop: the pages of one
 * bulk allocation, the entries of one table.  Failing the 3rd or the
 * 300th of them takes the same error path.  Each tried site gets a key
 * (its call site and the outcome of failing it).  The explorer tries
 * site 1, then gallops towards K (1, 2, 4, 8... sites past the last tried
 * one) while the key stays the same, and bisects every interval whose two
 * ends have different keys until they are neighbours.  Every change of
 * key is found; a stretch of n equal sites costs about 2*log2(n) runs, as
 * long as no different site hides inside a stretch whose ends are equal
 * (the sites between such ends are reported as inferred, not tried).
 * Exhaustive mode tries every site.  Several sites can be in flight at
 * once (-j): bisections of different intervals, and up to two gallop
 * probes ahead.
 *
 * Contract: sweep_explore_next() returns a site to run now (1..K), or 0
 * when none can be started until a result comes back, or when all is
 * done (sweep_explore_done()).  Every site it returned must get exactly
 * one sweep_explore_result().  Keys are compared as strings, truncated to
 * SWEEP_KEY_LEN - 1 characters.  sweep_explore_init() returns 0 or
 * -ENOMEM; sweep_explore_free() releases what the explorer holds.
 */
#ifndef VFSIM_SWEEP_EXPLORE_H
#define VFSIM_SWEEP_EXPLORE_H

#include <stdbool.h>

#define SWEEP_KEY_LEN 320

struct sweep_site {
	unsigned int n;
	char key[SWEEP_KEY_LEN];	/* "" while in flight */
	bool running;
};

struct sweep_explorer {
	unsigned int calls;		/* K */
	bool exhaustive;
	struct sweep_site *sites;	/* tried or running, sorted by n */
	unsigned int nsites, cap;
};

int sweep_explore_init(struct sweep_explorer *e, unsigned int calls,
		       bool exhaustive);
void sweep_explore_free(struct sweep_explorer *e);
unsigned int sweep_explore_next(struct sweep_explorer *e);
void sweep_explore_result(struct sweep_explorer *e, unsigned int n,
			  const char *key);
bool sweep_explore_done(const struct sweep_explorer *e);

#endif
