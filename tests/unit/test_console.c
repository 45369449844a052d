// SPDX-License-Identifier: GPL-2.0
/*
 * The guest console's line protocol (sim/harness/console.c): lines cut
 * from arbitrary chunks, over-long lines, the agent's requests and marks,
 * and control socket requests; nothing is ever shortened silently.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <check.h>

#include "sim/harness/console.h"

Suite *console_suite(void);

static char got[4][CONSOLE_LINE_MAX + 1];
static int ngot;
static bool cut_seen;

static void collect(void *ctx, const char *line)
{
	struct console_lines *cl = ctx;

	if (ngot < 4)
		strcpy(got[ngot], line);
	ngot++;
	cut_seen |= cl->cut;
}

/* Lines come out whole whatever the chunks; the last waits for its '\n'. */
START_TEST(test_feed_chunks)
{
	static struct console_lines cl;
	const char *text = "one\ntwo\r\nthree";

	ngot = 0;
	for (size_t i = 0; i < strlen(text); i++)
		console_feed(&cl, text + i, 1, collect, &cl);
	ck_assert_int_eq(ngot, 2);
	ck_assert_str_eq(got[0], "one");
	ck_assert_str_eq(got[1], "two\r");
	console_feed(&cl, "\n", 1, collect, &cl);
	ck_assert_int_eq(ngot, 3);
	ck_assert_str_eq(got[2], "three");
}
END_TEST

/* A line past the limit keeps its head, is marked, and the next is whole. */
START_TEST(test_feed_long_line)
{
	static struct console_lines cl;
	static char big[CONSOLE_LINE_MAX + 100];

	memset(big, 'x', sizeof(big));
	big[sizeof(big) - 1] = '\n';
	ngot = 0;
	cut_seen = false;
	console_feed(&cl, big, sizeof(big), collect, &cl);
	console_feed(&cl, "ok\n", 3, collect, &cl);
	ck_assert_int_eq(ngot, 2);
	ck_assert_uint_eq(strlen(got[0]), CONSOLE_LINE_MAX);
	ck_assert(cut_seen);
	ck_assert_str_eq(got[1], "ok");
	ck_assert(!cl.cut);
}
END_TEST

START_TEST(test_rpc_parse)
{
	struct console_request rq;

	ck_assert_int_eq(console_rpc_parse("[ 1.0] nothing here", false, &rq), 0);
	ck_assert_int_eq(console_rpc_parse("vfsim-rpc 7 compare vf0 vf1\r",
					   false, &rq), 1);
	ck_assert_str_eq(rq.id, "7");
	ck_assert_str_eq(rq.cmd, "compare");
	ck_assert_str_eq(rq.a, "vf0");
	ck_assert_str_eq(rq.b, "vf1");
	ck_assert_str_eq(rq.rest, "vf0 vf1");
	ck_assert_int_eq(console_rpc_parse("vfsim-rpc s12 step 12", false, &rq), 1);
	ck_assert_str_eq(rq.id, "s12");
	ck_assert_str_eq(rq.a, "12");
	ck_assert_str_eq(rq.b, "");
	ck_assert_int_eq(console_rpc_parse(
		"vfsim-rpc 3 fault admin-fail op=DEV_MODE_SET nth=2", false, &rq), 1);
	ck_assert_str_eq(rq.rest, "admin-fail op=DEV_MODE_SET nth=2");
}
END_TEST

/* Ids name a file: only digits after an optional 's'. */
START_TEST(test_rpc_bad)
{
	struct console_request rq;
	char line[700];

	ck_assert_int_eq(console_rpc_parse("vfsim-rpc ../x stats", false, &rq),
			 -EINVAL);
	ck_assert_int_eq(console_rpc_parse("vfsim-rpc s stats", false, &rq), -EINVAL);
	ck_assert_int_eq(console_rpc_parse("vfsim-rpc 7s stats", false, &rq), -EINVAL);
	ck_assert_int_eq(console_rpc_parse("vfsim-rpc 7", false, &rq), -EINVAL);
	ck_assert_int_eq(console_rpc_parse("vfsim-rpc 12345678901234567 x",
					   false, &rq), -E2BIG);
	ck_assert_int_eq(console_rpc_parse("vfsim-rpc 1 0123456789abcdefg",
					   false, &rq), -E2BIG);
	/* A FILE argument of 199 characters fits, as the agent allows. */
	snprintf(line, sizeof(line), "vfsim-rpc 2 compare-stream vf1 %0199d",
		 0);
	ck_assert_int_eq(console_rpc_parse(line, false, &rq), 1);
	ck_assert_uint_eq(strlen(rq.b), 199);
	snprintf(line, sizeof(line), "vfsim-rpc 2 compare-stream vf1 %0600d",
		 0);
	ck_assert_int_eq(console_rpc_parse(line, false, &rq), -E2BIG);
	ck_assert_str_eq(rq.id, "2");	/* so the agent gets a reply */
	/* A line that lost its end is no request, whatever it still reads. */
	ck_assert_int_eq(console_rpc_parse("vfsim-rpc 4 stats", true, &rq),
			 -E2BIG);
	ck_assert_str_eq(rq.id, "4");
}
END_TEST

START_TEST(test_ctl_and_mark)
{
	struct console_request rq;
	char name[32];

	ck_assert_int_eq(console_ctl_parse("unplug vf1\n", &rq), 0);
	ck_assert_str_eq(rq.cmd, "unplug");
	ck_assert_str_eq(rq.a, "vf1");
	ck_assert_str_eq(rq.id, "");
	ck_assert_int_eq(console_ctl_parse("  \r\n", &rq), -EINVAL);
	ck_assert_int_eq(console_mark_parse("vfsim-mark booted\r", name,
					    sizeof(name)), 1);
	ck_assert_str_eq(name, "booted");
	ck_assert_int_eq(console_mark_parse("vfsim-mark ", name,
					    sizeof(name)), 0);
	ck_assert_int_eq(console_mark_parse(
		"vfsim-mark a-name-of-more-than-31-characters", name,
		sizeof(name)), -E2BIG);
}
END_TEST

Suite *console_suite(void)
{
	Suite *s = suite_create("console");
	TCase *tc = tcase_create("lines and requests");

	tcase_add_test(tc, test_feed_chunks);
	tcase_add_test(tc, test_feed_long_line);
	tcase_add_test(tc, test_rpc_parse);
	tcase_add_test(tc, test_rpc_bad);
	tcase_add_test(tc, test_ctl_and_mark);
	suite_add_tcase(s, tc);
	return s;
}
