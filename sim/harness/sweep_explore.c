// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sweep_explore.h"

#define MAX_AHEAD 2	/* gallop probes in flight past the last result */

int sweep_explore_init(struct sweep_explorer *e, unsigned int calls,
		       bool exhaustive)
{
	memset(e, 0, sizeof(*e));
	e->calls = calls;
	e->exhaustive = exhaustive;
	e->cap = 16;
	e->sites = calloc(e->cap, sizeof(*e->sites));
	return e->sites ? 0 : -ENOMEM;
}

void sweep_explore_free(struct sweep_explorer *e)
{
	free(e->sites);
	e->sites = NULL;
	e->nsites = e->cap = 0;
}

/* Insert site @n (not present) in order, running; 0 or -ENOMEM. */
static unsigned int start(struct sweep_explorer *e, unsigned int n)
{
	unsigned int i = e->nsites;

	if (e->nsites == e->cap) {
		struct sweep_site *s = realloc(e->sites, 2 * e->cap *
					       sizeof(*s));

		if (!s)
			return 0;
		e->sites = s;
		e->cap *= 2;
	}
	while (i && e->sites[i - 1].n > n)
		i--;
	memmove(&e->sites[i + 1], &e->sites[i],
		(e->nsites - i) * sizeof(*e->sites));
	memset(&e->sites[i], 0, sizeof(*e->sites));
	e->sites[i].n = n;
	e->sites[i].running = true;
	e->nsites++;
	return n;
}

static bool same(const struct sweep_site *a, const struct sweep_site *b)
{
	return !strcmp(a->key, b->key);
}

/* The midpoint of the first interval whose ends differ, or 0. */
static unsigned int bisect(const struct sweep_explorer *e)
{
	for (unsigned int i = 0; i + 1 < e->nsites; i++) {
		const struct sweep_site *a = &e->sites[i], *b = a + 1;

		if (!a->running && !b->running && b->n > a->n + 1 &&
		    !same(a, b))
			return a->n + (b->n - a->n) / 2;
	}
	return 0;
}

/* Past the last site: twice as far per equal key in a row. */
static unsigned int gallop(const struct sweep_explorer *e)
{
	const struct sweep_site *top = &e->sites[e->nsites - 1];
	int d = e->nsites - 1, ahead = 0;
	unsigned int run = 0, stride;

	while (d >= 0 && e->sites[d].running) {
		d--;
		ahead++;
	}
	if (top->n >= e->calls || ahead >= MAX_AHEAD || d < 0)
		return 0;
	/* Equal neighbours only: a site still running breaks the run. */
	for (int i = d; i >= 0 && run < 31; i--) {
		if (e->sites[i].running || !same(&e->sites[i], &e->sites[d]))
			break;
		run++;
	}
	stride = 1u << (run - 1);
	if (stride > e->calls - top->n)
		return e->calls;
	return top->n + stride;
}

unsigned int sweep_explore_next(struct sweep_explorer *e)
{
	unsigned int n;

	if (!e->calls)
		return 0;
	if (!e->nsites)
		return start(e, 1);
	if (e->exhaustive) {
		n = e->sites[e->nsites - 1].n;
		return n < e->calls ? start(e, n + 1) : 0;
	}
	n = bisect(e);
	if (!n)
		n = gallop(e);
	return n ? start(e, n) : 0;
}

void sweep_explore_result(struct sweep_explorer *e, unsigned int n,
			  const char *key)
{
	for (unsigned int i = 0; i < e->nsites; i++)
		if (e->sites[i].n == n && e->sites[i].running) {
			strncpy(e->sites[i].key, key, SWEEP_KEY_LEN - 1);
			e->sites[i].running = false;
			return;
		}
}

bool sweep_explore_done(const struct sweep_explorer *e)
{
	if (!e->calls)
		return true;
	if (!e->nsites)
		return false;
	for (unsigned int i = 0; i < e->nsites; i++)
		if (e->sites[i].running)
			return false;
	return e->sites[e->nsites - 1].n >= e->calls && !bisect(e);
}
