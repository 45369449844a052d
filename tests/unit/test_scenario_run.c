// SPDX-License-Identifier: GPL-2.0
/*
 * The scenario runner's judgement with a fake guest instead of UML: the
 * steps of thread blocks are judged, expectations inside threads apply
 * to their thread, errno and finding alternatives, and --repeat (tries,
 * seeds, the outcome counts, stopping at the first failed try), and
 * `expect sim` against the state before a variant's epilogue.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <check.h>

#include "helpers.h"
#include "sim/harness/kconfig.h"
#include "sim/harness/scenario_run.h"

Suite *scenario_run_suite(void);

static char tmpdir[] = "/tmp/vfsim-runner-XXXXXX";

static void tmp_setup(void)
{
	tmpdir_make(tmpdir);
}

static void tmp_teardown(void)
{
	tmpdir_remove(tmpdir);
}

static void put(const char *name, const char *text)
{
	put_file(tmpdir, name, text);
}

/*
 * The fake guest runs every step of the steps file in order and writes
 * agent.log as the agent would.  Steps are `mark WHAT`: "fail" fails with
 * ENOENT ("failbare": without an errno), "racy" with ENOENT on odd
 * seeds; "report" leaves a lockdep report when the seed is a multiple
 * of 3.
 */
static int fake_guest(struct run_opts *o, const struct sc_topology *t)
{
	char path[4096];
	FILE *log, *fd;
	int n = 0;

	(void)t;
	mkdir(o->run_dir, 0700);
	snprintf(path, sizeof(path), "%s/agent.log", o->run_dir);
	log = fopen(path, "w");
	snprintf(path, sizeof(path), "%s/findings.txt", o->run_dir);
	fd = fopen(path, "w");
	if (!log || !fd)
		return RUN_ERROR;
	for (int i = 0; i < o->nsteps; i++) {
		const char *s = o->steps[i];
		bool fail, no_errno;

		if (!strncmp(s, "mark ", 5))
			s += 5;
		fail = !strncmp(s, "fail", 4) ||
		       (!strncmp(s, "racy", 4) && o->seed % 2);
		no_errno = !strncmp(s, "failbare", 8);
		if (!strncmp(s, "parallel-", 9) || !strncmp(s, "thread-", 7))
			continue;
		fprintf(log, "step=%d name=x status=%s%s\n", ++n,
			fail ? "fail" : "ok",
			fail && !no_errno ? " errno=2" : "");
		if (!strncmp(s, "report", 6) && !(o->seed % 3))
			fprintf(fd, "lockdep-circular: WARNING: possible "
				"circular locking dependency detected\n");
	}
	fprintf(log, "agent=done status=ok steps=%d failed=0\n", n);
	fclose(log);
	fclose(fd);
	return RUN_PASS;
}

/*
 * Runs @file (in tmpdir) and returns its TAP output (static).  The kernel
 * is tmpdir/linux: its .config (if a test wrote one) says what it has.
 */
static const char *run(const char *file, unsigned int repeat,
		       uint64_t seed, int *ret)
{
	static char text[16384];
	char path[512], out[512], kernel[512];
	char *files[1] = { path };
	struct sr_opts so = {
		.jobs = 2, .runs_dir = tmpdir, .self = "vfsim",
		.repeat = repeat, .seed = seed, .seed_set = true,
	};
	int fd, saved;
	size_t n;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, file);
	snprintf(out, sizeof(out), "%s/tap", tmpdir);
	snprintf(kernel, sizeof(kernel), "%s/linux", tmpdir);
	so.kernel = kernel;		/* no .config: detectors assumed */
	fflush(stdout);
	saved = dup(1);
	fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	dup2(fd, 1);
	*ret = scenario_run_all(files, 1, &so, fake_guest);
	fflush(stdout);
	dup2(saved, 1);
	close(fd);
	close(saved);
	f = fopen(out, "r");
	ck_assert_ptr_nonnull(f);
	n = fread(text, 1, sizeof(text) - 1, f);
	text[n] = 0;
	fclose(f);
	return text;
}

#define HAS(text, s) ck_assert_msg(strstr(text, s), "no '%s' in:\n%s", s, text)

/* Steps in threads are judged, with their thread's expectations. */
START_TEST(test_thread_steps_judged)
{
	const char *t;
	int ret;

	put("a.vfs", "purpose A\nstep mark ok\nparallel\n"
	    "thread one\nstep mark ok\nstep mark fail\nend\n"
	    "step mark ok\nend\n");
	t = run("a.vfs", 1, 4, &ret);
	ck_assert_int_eq(ret, 1);
	HAS(t, "not ok 1 - ");
	HAS(t, "a.vfs:6: step failed (errno 2): mark fail");
	put("b.vfs", "purpose B\nstep mark ok\nparallel\n"
	    "thread one\nstep mark ok\nstep mark fail\nexpect errno 2\nend\n"
	    "thread\nexpect sysfs /sys/x 1\nstep mark ok\nend\nend\n");
	t = run("b.vfs", 1, 4, &ret);
	ck_assert_int_eq(ret, 0);
	HAS(t, "ok 1 - ");
	HAS(t, "1 passed, 0 failed");
	/* errno 0 is success, not a failure that gave no errno. */
	put("c.vfs", "purpose C\nparallel\nthread\nstep mark failbare\n"
	    "expect errno 0|2\nend\nend\n");
	t = run("c.vfs", 1, 4, &ret);
	ck_assert_int_eq(ret, 1);
	HAS(t, "c.vfs:5: expected errno 0|2, the step failed without one");
}
END_TEST

/* --repeat: try K has seed S+K; outcomes are counted; all allowed pass. */
START_TEST(test_repeat_outcomes)
{
	const char *t;
	int ret;

	put("r.vfs", "purpose R\nparallel\nthread\nstep mark racy\n"
	    "expect errno 0|2\nend\nstep mark report\nend\n"
	    "expect finding lockdep-circular|none\n");
	t = run("r.vfs", 6, 10, &ret);
	ck_assert_int_eq(ret, 0);
	HAS(t, "# repeat 6: try K of a scenario has seed + K");
	HAS(t, "#   tries: 6 of 6, 0 failed");
	/* Seeds 10..15: odd ones fail the racy step, 12 and 15 report. */
	HAS(t, "outcome 2x, first at try 0: 4=ok 7=ok \n");
	HAS(t, "outcome 1x, first at try 2: 4=ok 7=ok findings=lockdep-circular");
	HAS(t, "outcome 2x, first at try 1: 4=ENOENT 7=ok \n");
	HAS(t, "outcome 1x, first at try 5: 4=ENOENT 7=ok findings=lockdep-circular");
	HAS(t, "1 passed, 0 failed");
}
END_TEST

/* A failed try ends the scenario and names its seed. */
START_TEST(test_repeat_stops_at_failure)
{
	const char *t;
	int ret;

	put("s.vfs", "purpose S\nparallel\nstep mark racy\nstep mark ok\nend\n");
	t = run("s.vfs", 50, 20, &ret);
	ck_assert_int_eq(ret, 1);
	HAS(t, "not ok 1 - ");
	HAS(t, "first at try 1, seed 21)");
	HAS(t, "reproduce: vfsim run --seed 21 ");
	/* Two jobs: at most the failed try and the one beside it. */
	ck_assert_ptr_null(strstr(t, "tries: 50"));
}
END_TEST

/* A required report is missing; an allowed one is not required. */
START_TEST(test_finding_alternatives)
{
	const char *t;
	int ret;

	put("f.vfs", "purpose F\nstep mark report\n"
	    "expect finding kasan|lockdep-circular\n");
	t = run("f.vfs", 1, 3, &ret);	/* 3: reported */
	ck_assert_int_eq(ret, 0);
	t = run("f.vfs", 1, 4, &ret);	/* 4: not */
	ck_assert_int_eq(ret, 1);
	HAS(t, "expected a kasan|lockdep-circular report, none found");
	put("g.vfs", "purpose G\nstep mark report\nexpect finding kasan|none\n");
	t = run("g.vfs", 1, 3, &ret);	/* reported, but not a kasan */
	ck_assert_int_eq(ret, 1);
	HAS(t, "unexpected kernel report: lockdep-circular");
	t = run("g.vfs", 1, 4, &ret);
	ck_assert_int_eq(ret, 0);
}
END_TEST

/* kconfig.c reads what the kernel beside it was built with. */
START_TEST(test_kconfig)
{
	char kernel[512], v[16];

	snprintf(kernel, sizeof(kernel), "%s/linux", tmpdir);
	ck_assert_int_eq(kconfig_get(kernel, "CONFIG_SMP", v, sizeof(v)),
			 -ENOENT);
	ck_assert(kconfig_enabled(kernel, "CONFIG_SMP", true));
	ck_assert(!kconfig_enabled(kernel, "CONFIG_SMP", false));
	ck_assert_int_eq(kconfig_version(kernel), -ENOENT);
	put(".config", "#\n# Automatically generated file; DO NOT EDIT.\n"
	    "# Linux/um 7.3.4 Kernel Configuration\n"
	    "CONFIG_SMP=y\nCONFIG_NR_CPUS=4\n"
	    "# CONFIG_UML_TIME_TRAVEL_SUPPORT is not set\n"
	    "CONFIG_SMP_ISH=y\n");
	ck_assert_int_eq(kconfig_get(kernel, "CONFIG_NR_CPUS", v, sizeof(v)), 1);
	ck_assert_str_eq(v, "4");
	ck_assert(kconfig_enabled(kernel, "CONFIG_SMP", false));
	ck_assert(!kconfig_enabled(kernel, "CONFIG_UML_TIME_TRAVEL_SUPPORT",
				   true));
	ck_assert_int_eq(kconfig_get(kernel, "CONFIG_SM", v, sizeof(v)), 0);
	ck_assert_int_eq(kconfig_version(kernel), 703);
	snprintf(kernel, sizeof(kernel), "%s/.config", tmpdir);
	remove(kernel);
}
END_TEST

/*
 * What a kernel lacks skips what needs it: time-travel on an SMP kernel;
 * a report only allowed (|none) is no reason to skip on a fast kernel.
 */
START_TEST(test_skips)
{
	char config[512];
	const char *t;
	int ret;

	put(".config", "CONFIG_SMP=y\nCONFIG_PROVE_LOCKING=y\n");
	put("tt.vfs", "purpose TT\ntopology time-travel=inf-cpu\n"
	    "step mark ok\n");
	t = run("tt.vfs", 1, 1, &ret);
	ck_assert_int_eq(ret, 0);
	HAS(t, "ok 1 - ");
	HAS(t, "# SKIP needs time-travel; this kernel has none");
	put(".config", "CONFIG_UML_TIME_TRAVEL_SUPPORT=y\n");
	put("maybe.vfs", "purpose M\nstep mark report\n"
	    "expect finding kasan|none\n");
	t = run("maybe.vfs", 1, 1, &ret);	/* ran: no report at seed 1 */
	ck_assert_int_eq(ret, 0);
	ck_assert_ptr_null(strstr(t, "SKIP"));
	put("within.vfs", "purpose W\nfault fail-nth within=f\nstep mark ok\n");
	t = run("within.vfs", 1, 1, &ret);
	HAS(t, "# SKIP fail-nth within= needs the fault-injection stack filter");
	snprintf(config, sizeof(config), "%s/.config", tmpdir);
	remove(config);
}
END_TEST

/*
 * The fake guest of a variant with an epilogue: it checks the step the
 * runner snapshots the models at, and leaves both accounts as a run
 * would: 3 FLRs after the scenario and its teardown, 5 after the checks.
 */
static int snapshot_at;

static int epilogue_guest(struct run_opts *o, const struct sc_topology *t)
{
	int ret = fake_guest(o, t);

	snapshot_at = o->stats_at_step;
	put_file(o->run_dir, "summary.txt",
		 "verdict=pass\nvf0.flrs=5\npf.dropped=1\n");
	if (o->stats_at_step)
		put_file(o->run_dir, "summary-scenario.txt", "vf0.flrs=3\n");
	return ret;
}

/*
 * `expect sim` holds in the state the scenario left (before the checks'
 * FLRs) or at the end (what the power-off did: pf.dropped).
 */
START_TEST(test_expect_sim_before_epilogue)
{
	static const char *const pro[] = { "trace-steps" };
	static const char *const epi[] = { "release-fds", "check-vfs X" };
	const struct sr_variant v = { .prologue = pro, .nprologue = 1,
				      .epilogue = epi, .nepilogue = 2,
				      .sim_judged_steps = 1 };
	struct sr_opts so = { .jobs = 1, .self = "vfsim" };
	struct scenario sc;
	char *errors = NULL, dir[512];

	ck_assert_int_eq(scenario_parse_string("x.vfs", "purpose P\n"
		"step mark a\nstep mark b\nexpect sim vf0.flrs=3\n"
		"expect sim pf.dropped=1\n", &sc,
		&errors), 0);
	snprintf(dir, sizeof(dir), "%s/variant", tmpdir);
	ck_assert_int_eq(scenario_run_variant(&sc, &so, &v, 1, dir,
					      epilogue_guest), 0);
	/* trace-steps, a, b, release-fds; check-vfs is step 5 */
	ck_assert_int_eq(snapshot_at, 5);
	snprintf(dir, sizeof(dir), "%s/plain", tmpdir);
	ck_assert_int_eq(scenario_run_variant(&sc, &so, NULL, 1, dir,
					      epilogue_guest), 1);
	ck_assert_int_eq(snapshot_at, 0);
	scenario_free(&sc);
	free(errors);
}
END_TEST

/*
 * A guest whose fail-nth never fires on "mark missed" and does on
 * "mark hit"; "mark oops" fails with the agent's error text, no errno.
 */
static int nth_guest(struct run_opts *o, const struct sc_topology *t)
{
	char path[4096];
	FILE *log;
	int n = 0;

	(void)t;
	mkdir(o->run_dir, 0700);
	snprintf(path, sizeof(path), "%s/agent.log", o->run_dir);
	log = fopen(path, "w");
	if (!log)
		return RUN_ERROR;
	for (int i = 0; i < o->nsteps; i++) {
		const char *s = o->steps[i];

		fprintf(log, "step=%d name=x%s\n", ++n,
			!strcmp(s, "mark missed") ?
			" fail_nth=missed calls=3 status=ok" :
			!strcmp(s, "mark hit") ? " fail_nth=injected status=ok" :
			!strcmp(s, "mark oops") ?
			" error=\"no such text symbol\" status=fail" :
			" status=ok");
	}
	fprintf(log, "agent=done status=ok steps=%d failed=0\n", n);
	fclose(log);
	put_file(o->run_dir, "findings.txt", "");
	return RUN_PASS;
}

static int judge_with(sr_run_fn *fn, const char *text, char *verdict,
		      size_t len)
{
	struct sr_opts so = { .jobs = 1, .self = "vfsim" };
	struct scenario sc;
	char *errors = NULL, dir[512];
	int bad;
	FILE *f;

	ck_assert_int_eq(scenario_parse_string("x.vfs", text, &sc, &errors),
			 0);
	snprintf(dir, sizeof(dir), "%s/nth", tmpdir);
	bad = scenario_run_variant(&sc, &so, NULL, 1, dir, fn);
	snprintf(verdict, len, "%s/verdict.txt", dir);
	f = fopen(verdict, "r");
	verdict[0] = 0;
	if (f) {
		verdict[fread(verdict, 1, len - 1, f)] = 0;
		fclose(f);
	}
	scenario_free(&sc);
	return bad;
}

/* A scenario's fail-nth that never fired fails it; one that did passes. */
START_TEST(test_fail_nth_missed)
{
	char v[1024];

	ck_assert_int_eq(judge_with(nth_guest, "purpose P\n"
		"fault fail-nth within=f nth=2\nstep mark missed\n", v,
		sizeof(v)), 1);
	HAS(v, "x.vfs:2: fault fail-nth within=f nth=2 never fired: the next step passed 3 such allocation sites");
	ck_assert_int_eq(judge_with(nth_guest, "purpose P\n"
		"fault fail-nth nth=2\nstep mark hit\nstep mark missed\n", v,
		sizeof(v)), 0);
	ck_assert_int_eq(judge_with(nth_guest, "purpose P\nstep mark oops\n",
				    v, sizeof(v)), 1);
	HAS(v, "x.vfs:2: step failed: no such text symbol: mark oops");
}
END_TEST

Suite *scenario_run_suite(void)
{
	Suite *s = suite_create("scenario_run");
	TCase *tc = tcase_create("fake guest");

	tcase_add_unchecked_fixture(tc, tmp_setup, tmp_teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_thread_steps_judged);
	tcase_add_test(tc, test_repeat_outcomes);
	tcase_add_test(tc, test_repeat_stops_at_failure);
	tcase_add_test(tc, test_finding_alternatives);
	tcase_add_test(tc, test_kconfig);
	tcase_add_test(tc, test_skips);
	tcase_add_test(tc, test_expect_sim_before_epilogue);
	tcase_add_test(tc, test_fail_nth_missed);
	suite_add_tcase(s, tc);
	return s;
}
