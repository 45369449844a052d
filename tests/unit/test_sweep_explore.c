// SPDX-License-Identifier: GPL-2.0
/*
 * The sweep's allocation-site explorer on synthetic steps: every change
 * of key is found, no site runs twice, equal stretches cost log2 of their
 * length, and it works with several sites in flight.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/harness/sweep_explore.h"

/* A step of K sites whose keys are given by a function of the site. */
typedef const char *key_fn(unsigned int n);

struct sim {
	unsigned int runs;
	unsigned char *seen;	/* per site: started */
};

/*
 * Run the explorer to the end with up to @jobs sites in flight, finishing
 * them in a scrambled but fixed order.  Returns the number of runs.
 */
static unsigned int explore(unsigned int k, bool exhaustive, key_fn *key,
			    unsigned int jobs, unsigned char *seen)
{
	struct sweep_explorer e;
	unsigned int flight[8], nflight = 0, runs = 0, turn = 0;

	ck_assert_int_eq(sweep_explore_init(&e, k, exhaustive), 0);
	for (;;) {
		unsigned int n;

		while (nflight < jobs && (n = sweep_explore_next(&e))) {
			ck_assert_uint_ge(n, 1);
			ck_assert_uint_le(n, k);
			ck_assert_msg(!seen[n], "site %u started twice", n);
			seen[n] = 1;
			flight[nflight++] = n;
			runs++;
		}
		if (!nflight)
			break;
		/* Finish one of them: the oldest, or the newest every 3rd. */
		n = turn++ % 3 == 2 ? nflight - 1 : 0;
		sweep_explore_result(&e, flight[n], key(flight[n]));
		memmove(&flight[n], &flight[n + 1],
			(nflight - n - 1) * sizeof(flight[0]));
		nflight--;
	}
	ck_assert(sweep_explore_done(&e));
	sweep_explore_free(&e);
	return runs;
}

static const char *uniform(unsigned int n)
{
	(void)n;
	return "A";
}

/* 40 different sites, a bulk loop of 509, one site, 33 different ones. */
static const char *migration_like(unsigned int n)
{
	static char buf[32];

	if (n >= 41 && n <= 549)
		return "bulk-pages";
	if (n == 550)
		return "after-bulk";
	snprintf(buf, sizeof(buf), "site-%u", n);
	return buf;
}

static const char *alternating(unsigned int n)
{
	return n % 2 ? "A" : "B";
}

START_TEST(test_uniform_step_costs_log_k)
{
	unsigned char *seen = calloc(1001, 1);
	unsigned int runs = explore(1000, false, uniform, 1, seen);

	/* 1, 2, 4, ... 512, then 1000: about log2(K) + 2 */
	ck_assert_uint_le(runs, 12);
	ck_assert(seen[1] && seen[1000]);
	free(seen);
}
END_TEST

START_TEST(test_every_boundary_found)
{
	for (unsigned int jobs = 1; jobs <= 4; jobs++) {
		unsigned char *seen = calloc(584, 1);
		unsigned int runs = explore(583, false, migration_like, jobs,
					    seen);

		/* Every distinct site is tried, and both ends of the loop. */
		for (unsigned int n = 1; n <= 583; n++)
			if (n <= 41 || n >= 549)
				ck_assert_msg(seen[n], "jobs %u: site %u not "
					      "tried", jobs, n);
		ck_assert_msg(runs < 100, "jobs %u: %u runs", jobs, runs);
		free(seen);
	}
}
END_TEST

START_TEST(test_alternating_sites_all_tried)
{
	unsigned char *seen = calloc(21, 1);
	unsigned int runs = explore(20, false, alternating, 2, seen);

	ck_assert_uint_eq(runs, 20);
	free(seen);
}
END_TEST

START_TEST(test_exhaustive_and_edges)
{
	unsigned char *seen = calloc(51, 1);
	struct sweep_explorer e;

	ck_assert_uint_eq(explore(50, true, uniform, 3, seen), 50);
	memset(seen, 0, 51);
	ck_assert_uint_eq(explore(1, false, uniform, 2, seen), 1);
	ck_assert_int_eq(sweep_explore_init(&e, 0, false), 0);
	ck_assert_uint_eq(sweep_explore_next(&e), 0);
	ck_assert(sweep_explore_done(&e));
	sweep_explore_free(&e);
	free(seen);
}
END_TEST

Suite *sweep_explore_suite(void)
{
	Suite *s = suite_create("sweep_explore");
	TCase *tc = tcase_create("explore");

	tcase_add_test(tc, test_uniform_step_costs_log_k);
	tcase_add_test(tc, test_every_boundary_found);
	tcase_add_test(tc, test_alternating_sites_all_tried);
	tcase_add_test(tc, test_exhaustive_and_edges);
	suite_add_tcase(s, tc);
	return s;
}
