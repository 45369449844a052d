// SPDX-License-Identifier: GPL-2.0
/* The scenario language: good scenarios, and every error a user can make. */
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <check.h>

#include "driver/agent/step_spec.h"
#include "helpers.h"
#include "sim/harness/scenario.h"
#include "sim/harness/scenario_run.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

Suite *scenario_suite(void);

/* Made in the parent by an unchecked fixture, so it goes even on failure. */
static char tmpdir[] = "/tmp/vfsim-scenario-XXXXXX";

static void tmp_setup(void)
{
	tmpdir_make(tmpdir);
}

static void tmp_teardown(void)
{
	tmpdir_remove(tmpdir);
}

/* @rel under the temp dir, into @buf. */
static const char *tpath(char *buf, size_t len, const char *rel)
{
	snprintf(buf, len, "%s/%s", tmpdir, rel);
	return buf;
}

/* Write @len bytes of @text to @rel, making its directories. */
static void put_n(const char *rel, const char *text, size_t len)
{
	char path[256];
	int fd;

	tpath(path, sizeof(path), rel);
	for (char *s = strchr(path + strlen(tmpdir) + 1, '/'); s;
	     s = strchr(s + 1, '/')) {
		*s = 0;
		ck_assert(!mkdir(path, 0700) || errno == EEXIST);
		*s = '/';
	}
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, text, len), (ssize_t)len);
	close(fd);
}

static void put(const char *rel, const char *text)
{
	put_n(rel, text, strlen(text));
}

static void parse_ok(const char *text, struct scenario *sc)
{
	char *errors = NULL;
	int rc = scenario_parse_string("x.vfs", text, sc, &errors);

	ck_assert_msg(rc == 0, "parse failed:\n%s", errors);
	ck_assert_ptr_null(errors);
}

/* -1, nothing returned, and @want among the messages; returns them. */
static char *parse_bad(int rc, struct scenario *sc, char *errors,
		       const char *want)
{
	ck_assert_int_eq(rc, -1);
	ck_assert_ptr_nonnull(errors);
	ck_assert_msg(strstr(errors, want), "want \"%s\" in:\n%s", want,
		      errors);
	ck_assert_ptr_null(sc->items);
	ck_assert_ptr_null(sc->files);
	ck_assert_ptr_null(sc->purpose);
	return errors;
}

static void assert_error(const char *text, const char *want)
{
	struct scenario sc;
	char *errors;
	int rc = scenario_parse_string("x.vfs", text, &sc, &errors);

	free(parse_bad(rc, &sc, errors, want));
}

static void assert_file_error(const char *rel, const char *want)
{
	struct scenario sc;
	char path[256], *errors;
	int rc = scenario_parse(tpath(path, sizeof(path), rel), &sc, &errors);

	free(parse_bad(rc, &sc, errors, want));
}

static int count_lines(const char *s)
{
	int n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

/* --- good scenarios ----------------------------------------------------- */

START_TEST(test_full_with_includes)
{
	struct scenario sc;
	char path[256], inc[256], *errors;
	const struct sc_item *it;

	put("full/main.vfs",
	    "# Migration while the device refuses once\n"
	    "purpose Migrate VF0 into VF1 while DEV_PARTS_GET fails once\n"
	    "\n"
	    "topology mem=1024 timeout=300 cmdline=lockdep.debug=1  loglevel=8\n"
	    "include common/sriov2.inc\n"
	    "fault admin-fail op=DEV_PARTS_GET nth=1 status=5\n"
	    "step   sim-compare\tvf0 vf1\n"
	    "expect errno 5\n"
	    "expect equal vf0 vf1\n"
	    "expect no-dmesg BUG: .* at\n");
	put("full/common/sriov2.inc",
	    "requires migration\n"
	    "topology vfs=2 time-travel=inf-cpu mem=512\n"
	    "include enable.inc\n");
	put("full/common/enable.inc",
	    "step sriov-enable 0000:00:00.0 2\n"
	    "expect status 0\n"
	    "expect sysfs /sys/bus/pci/devices/0000:00:00.0/sriov_numvfs 2\n");
	ck_assert_int_eq(scenario_parse(tpath(path, sizeof(path),
					      "full/main.vfs"),
					&sc, &errors), 0);
	ck_assert_ptr_null(errors);
	ck_assert_str_eq(sc.path, path);
	ck_assert_str_eq(sc.purpose,
			 "Migrate VF0 into VF1 while DEV_PARTS_GET fails once");
	ck_assert_uint_eq(sc.topo.vfs, 2);
	ck_assert_uint_eq(sc.topo.mem_mb, 512);		/* the include's */
	ck_assert_uint_eq(sc.topo.timeout_s, 300);
	ck_assert_int_eq(sc.topo.time_travel, 2);
	ck_assert_str_eq(sc.topo.cmdline, "lockdep.debug=1  loglevel=8");

	ck_assert_int_eq(sc.nfiles, 3);
	ck_assert_str_eq(sc.files[0], path);
	ck_assert_str_eq(sc.files[1], tpath(inc, sizeof(inc),
					    "full/common/sriov2.inc"));
	ck_assert_str_eq(sc.files[2], tpath(inc, sizeof(inc),
					    "full/common/enable.inc"));

	ck_assert_int_eq(sc.nitems, 3);
	it = sc.items;
	ck_assert_int_eq(it[0].kind, SC_STEP);
	ck_assert_str_eq(it[0].text, "sriov-enable 0000:00:00.0 2");
	ck_assert_ptr_eq(it[0].file, sc.files[2]);
	ck_assert_int_eq(it[0].line, 1);
	ck_assert_int_eq(it[1].kind, SC_FAULT);
	ck_assert_str_eq(it[1].text, "admin-fail op=DEV_PARTS_GET nth=1 status=5");
	ck_assert_ptr_eq(it[1].file, sc.files[0]);
	ck_assert_int_eq(it[1].line, 6);
	ck_assert_str_eq(it[2].text, "sim-compare vf0 vf1");

	ck_assert_int_eq(sc.nexpects, 5);
	ck_assert_str_eq(sc.expects[0].kind, "status");
	ck_assert_str_eq(sc.expects[0].arg, "0");
	ck_assert_int_eq(sc.expects[0].after_item, 0);
	ck_assert_ptr_eq(sc.expects[0].file, sc.files[2]);
	ck_assert_int_eq(sc.expects[0].line, 2);
	ck_assert_str_eq(sc.expects[1].arg,
			 "/sys/bus/pci/devices/0000:00:00.0/sriov_numvfs 2");
	ck_assert_int_eq(sc.expects[2].after_item, 2);
	ck_assert_str_eq(sc.expects[3].arg, "vf0 vf1");
	ck_assert_str_eq(sc.expects[4].kind, "no-dmesg");
	ck_assert_str_eq(sc.expects[4].arg, "BUG: .* at");
	ck_assert_int_eq(sc.expects[4].line, 10);
	scenario_free(&sc);
	ck_assert_ptr_null(sc.items);
	scenario_free(&sc);		/* a second free is harmless */
}
END_TEST

START_TEST(test_defaults)
{
	struct scenario sc;

	parse_ok("purpose nothing at all\n", &sc);
	ck_assert_uint_eq(sc.topo.vfs, 0);
	ck_assert_int_eq(sc.topo.time_travel, 0);
	ck_assert_uint_eq(sc.topo.context_size, 0);
	ck_assert_uint_eq(sc.topo.mem_mb, 256);
	ck_assert_uint_eq(sc.topo.timeout_s, 120);
	ck_assert_uint_eq(sc.topo.admin_limit, 15);
	ck_assert_str_eq(sc.topo.profile, "debug");
	ck_assert_ptr_null(sc.topo.cmdline);
	ck_assert(!sc.topo.pf_indirect);
	ck_assert(!sc.topo.seed_set);
	ck_assert_int_eq(sc.nitems, 0);
	ck_assert_int_eq(sc.nexpects, 0);
	ck_assert_int_eq(sc.nfiles, 1);
	ck_assert_str_eq(sc.files[0], "x.vfs");
	scenario_free(&sc);
}
END_TEST

START_TEST(test_topology_overrides_and_limits)
{
	struct scenario sc;

	parse_ok("purpose p\n"
		 "topology vfs=1 mem=64 profile=kasan_lite-2 cmdline=a\n"
		 "topology vfs=7 time-travel=basic context-size=67108864\n"
		 "topology mem=16384 timeout=3600 pf-indirect=1 admin-limit=255\n"
		 "topology seed=4294967295 cmdline=b  c vfs=3\n", &sc);
	ck_assert_uint_eq(sc.topo.vfs, 7);	/* inside cmdline: not a key */
	ck_assert_int_eq(sc.topo.time_travel, 1);
	ck_assert_uint_eq(sc.topo.context_size, 67108864);
	ck_assert_uint_eq(sc.topo.mem_mb, 16384);
	ck_assert_uint_eq(sc.topo.timeout_s, 3600);
	ck_assert_uint_eq(sc.topo.admin_limit, 255);
	ck_assert(sc.topo.pf_indirect);
	ck_assert_str_eq(sc.topo.profile, "kasan_lite-2");
	ck_assert_str_eq(sc.topo.cmdline, "b  c vfs=3");
	ck_assert_ptr_null(sc.topo.series);
	ck_assert(sc.topo.seed_set);
	ck_assert_uint_eq(sc.topo.seed, 4294967295u);
	scenario_free(&sc);
}
END_TEST

START_TEST(test_parallel_blocks)
{
	struct scenario sc;
	const struct sc_item *b;

	parse_ok("purpose p\n"
		 "topology vfs=2\n"
		 "step list\n"
		 "parallel\n"
		 "  step vfio-open 0000:00:01.0\n"
		 "  fault msi-dup fn=vf1 nth=2\n"
		 "  step vfio-open   0000:00:02.0\n"
		 "end\n"
		 "expect finding warning\n"
		 "parallel\n"
		 "\tstep uptime\n"
		 "end\n", &sc);
	ck_assert_int_eq(sc.nitems, 3);
	ck_assert_int_eq(sc.items[0].kind, SC_STEP);
	b = &sc.items[1];
	ck_assert_int_eq(b->kind, SC_PARALLEL);
	ck_assert_ptr_null(b->text);
	ck_assert_int_eq(b->line, 4);
	ck_assert_int_eq(b->nchildren, 3);
	ck_assert_int_eq(b->children[0].kind, SC_STEP);
	ck_assert_int_eq(b->children[1].kind, SC_FAULT);
	ck_assert_str_eq(b->children[1].text, "msi-dup fn=vf1 nth=2");
	ck_assert_int_eq(b->children[1].line, 6);
	ck_assert_str_eq(b->children[2].text, "vfio-open 0000:00:02.0");
	ck_assert_int_eq(sc.expects[0].after_item, 1);
	ck_assert_int_eq(sc.items[2].nchildren, 1);
	ck_assert_str_eq(sc.items[2].children[0].text, "uptime");
	scenario_free(&sc);
}
END_TEST

/* Thread blocks: each branch a sequence, with its own expectations. */
START_TEST(test_thread_blocks)
{
	struct scenario sc;
	const struct sc_item *b, *t;
	const struct sc_expect *x;

	parse_ok("purpose p\n"
		 "topology vfs=2\n"
		 "step list\n"
		 "parallel jitter=250\n"
		 "  thread disabler\n"
		 "    step sriov-disable 0000:00:00.0\n"
		 "    expect errno 16\n"
		 "  end\n"
		 "  step uptime\n"
		 "  thread\n"
		 "    expect sysfs /sys/x at-start\n"
		 "    step vfio-req-wait 0000:00:01.0\n"
		 "    fault msi-dup fn=vf1\n"
		 "    step vfio-close 0000:00:01.0\n"
		 "    expect status 0\n"
		 "    expect dmesg anywhere\n"
		 "  end\n"
		 "end\n"
		 "expect sysfs /sys/y after-block\n", &sc);
	ck_assert_int_eq(sc.nitems, 2);
	b = &sc.items[1];
	ck_assert_int_eq(b->kind, SC_PARALLEL);
	ck_assert_uint_eq(b->jitter_ms, 250);
	ck_assert_int_eq(b->nchildren, 3);
	t = &b->children[0];
	ck_assert_int_eq(t->kind, SC_THREAD);
	ck_assert_str_eq(t->text, "disabler");
	ck_assert_int_eq(t->line, 5);
	ck_assert_int_eq(t->nchildren, 1);
	ck_assert_str_eq(t->children[0].text, "sriov-disable 0000:00:00.0");
	ck_assert_int_eq(b->children[1].kind, SC_STEP);
	t = &b->children[2];
	ck_assert_int_eq(t->kind, SC_THREAD);
	ck_assert_ptr_null(t->text);
	ck_assert_int_eq(t->nchildren, 3);
	ck_assert_int_eq(t->children[1].kind, SC_FAULT);
	ck_assert_int_eq(t->children[2].line, 14);

	ck_assert_int_eq(sc.nexpects, 5);
	x = &sc.expects[0];		/* errno 16 after the disable */
	ck_assert_int_eq(x->after_item, 1);
	ck_assert_int_eq(x->thread, 0);
	ck_assert_int_eq(x->after_child, 0);
	ck_assert_ptr_eq(scenario_expect_item(&sc, x), &b->children[0].children[0]);
	x = &sc.expects[1];		/* at the second thread's start */
	ck_assert_int_eq(x->thread, 2);
	ck_assert_int_eq(x->after_child, -1);
	ck_assert_ptr_null(scenario_expect_item(&sc, x));
	x = &sc.expects[2];
	ck_assert_str_eq(x->kind, "status");
	ck_assert_ptr_eq(scenario_expect_item(&sc, x), &t->children[2]);
	ck_assert_int_eq(sc.expects[3].thread, 2);
	x = &sc.expects[4];		/* after the block, top level */
	ck_assert_int_eq(x->after_item, 1);
	ck_assert_int_eq(x->thread, -1);
	ck_assert_ptr_eq(scenario_expect_item(&sc, x), b);
	scenario_free(&sc);
}
END_TEST

START_TEST(test_expect_after_item)
{
	struct scenario sc;

	parse_ok("purpose p\n"
		 "expect finding kasan\n"
		 "step list\n"
		 "expect status 0\n"
		 "# a comment between is fine\n"
		 "expect errno 0|2|19\n"
		 "fault pf-reset\n"
		 "expect sim pf.admin_objects=0\n"
		 "step uptime\n"
		 "expect dmesg a  b\n", &sc);
	ck_assert_int_eq(sc.nexpects, 5);
	ck_assert_int_eq(sc.expects[0].after_item, -1);
	ck_assert_int_eq(sc.expects[1].after_item, 0);
	ck_assert_int_eq(sc.expects[2].after_item, 0);
	ck_assert_int_eq(sc.expects[2].line, 6);
	ck_assert_int_eq(sc.expects[3].after_item, 1);
	ck_assert_str_eq(sc.expects[3].arg, "pf.admin_objects=0");
	ck_assert_int_eq(sc.expects[4].after_item, 2);
	ck_assert_str_eq(sc.expects[4].arg, "a  b");	/* regex as written */
	scenario_free(&sc);
}
END_TEST

START_TEST(test_comments_and_blanks)
{
	struct scenario sc;

	parse_ok("\n# comment\n   # indented comment\n\t\n"
		 "   purpose  spaced   out  \r\n"
		 "\t\tstep write /sys/x #not-a-comment\r\n"
		 "\n", &sc);
	ck_assert_str_eq(sc.purpose, "spaced   out");
	ck_assert_int_eq(sc.nitems, 1);
	ck_assert_str_eq(sc.items[0].text, "write /sys/x #not-a-comment");
	ck_assert_int_eq(sc.items[0].line, 6);
	scenario_free(&sc);
}
END_TEST

START_TEST(test_fault_forms)
{
	struct scenario sc;

	parse_ok("purpose p\n"
		 "topology vfs=7\n"
		 "fault admin-fail op=any prob=0\n"
		 "fault admin-fail op=LIST_USE prob=1.0\n"
		 "fault admin-fail op=DEV_MODE_SET prob=0.25 status=65535\n"
		 "fault admin-delay op=DEVICE_CAP_GET ms=600000 nth=1000000\n"
		 "fault admin-hang op=RESOURCE_OBJ_CREATE\n"
		 "fault admin-corrupt op=DEV_PARTS_SET nth=3\n"
		 "fault msi-drop fn=pf count=1000000\n"
		 "fault msi-delay fn=vf6 ms=1\n"
		 "fault slow-reply fn=vf0 us=100000000\n"
		 "fault flr fn=vf6\n"
		 "fault unplug fn=pf\n"
		 "fault failslab prob=0.5 interval=10 times=3\n"
		 "fault failslab off\n"
		 "fault fail-page-alloc\n"
		 "fault cfg-ones fn=vf6 count=4\n"
		 "fault cfg-value fn=vf0 off=0xe len=1 val=0x7f count=2\n"
		 "fault cfg-value fn=pf off=292 val=4026531852\n"
		 "fault cfg-value off\n"
		 "fault cap-next fn=vf1 ptr=first ext=0\n"
		 "fault cap-next fn=pf ptr=0xffc ext=1\n"
		 "fault cap-next fn=vf2 ptr=self\n"
		 "fault cap-next off\n"
		 "fault fail-nth nth=7\n"
		 "fault fail-nth within=register_irq_proc nth=2\n"
		 "fault read-ones fn=vf3 reg=bar0:0x14 nth=2\n"
		 "step uptime\n", &sc);	/* what the fail-nth lines fail */
	ck_assert_int_eq(sc.nitems, 26);
	ck_assert_str_eq(sc.items[12].text, "failslab off");
	scenario_free(&sc);
}
END_TEST

START_TEST(test_longest_line_ok)
{
	struct scenario sc;
	char text[16 + SC_MAX_LINE];

	/* "purpose " + words up to exactly SC_MAX_LINE characters. */
	strcpy(text, "purpose ");
	memset(text + 8, 'a', SC_MAX_LINE - 8);
	strcpy(text + SC_MAX_LINE, "\n");
	parse_ok(text, &sc);
	ck_assert_uint_eq(strlen(sc.purpose), SC_MAX_LINE - 8);
	scenario_free(&sc);
}
END_TEST

/* --- errors ------------------------------------------------------------- */

/* Each after a "purpose t" line 1. */
static const struct {
	const char *text;
	const char *want;
} bad[] = {
	{ "stpe a", "x.vfs:2: unknown keyword 'stpe' (expected one of: purpose, include" },
	{ "purpose again", "x.vfs:2: second 'purpose' line (the first is at x.vfs:1)" },
	{ "topology vfs=9", "x.vfs:2: topology key 'vfs' wants 0..7, got 9" },
	{ "topology vfs=", "x.vfs:2: topology key 'vfs' wants 0..7, got nothing" },
	{ "topology vfs=-1", "x.vfs:2: topology key 'vfs' wants 0..7, got -1" },
	{ "topology time-travel=fast", "x.vfs:2: topology key 'time-travel' wants one of: off, basic, inf-cpu; got 'fast'" },
	{ "topology context-size=67108865", "x.vfs:2: topology key 'context-size' wants 0..67108864, got 67108865" },
	{ "topology mem=63", "x.vfs:2: topology key 'mem' wants 64..16384, got 63" },
	{ "topology timeout=0", "x.vfs:2: topology key 'timeout' wants 1..3600, got 0" },
	{ "topology profile=Debug", "x.vfs:2: topology key 'profile' wants a name of a-z, 0-9, '_' and '-', got 'Debug'" },
	{ "topology pf-indirect=2", "x.vfs:2: topology key 'pf-indirect' wants 0..1, got 2" },
	{ "topology series=Locks", "x.vfs:2: topology key 'series' wants series names (a-z, 0-9, '_', '.', '-') separated by commas, got 'Locks'" },
	{ "topology series=a,,b", "x.vfs:2: topology key 'series' wants series names" },
	{ "topology series=a,", "x.vfs:2: topology key 'series' wants series names" },
	{ "topology admin-limit=256", "x.vfs:2: topology key 'admin-limit' wants 1..255, got 256" },
	{ "topology seed=4294967296", "x.vfs:2: topology key 'seed' wants 0..4294967295, got 4294967296" },
	{ "topology colour=red", "x.vfs:2: unknown topology key 'colour' (expected one of: vfs, time-travel," },
	{ "topology vfs", "x.vfs:2: topology word 'vfs' is not KEY=VALUE" },
	{ "topology", "x.vfs:2: 'topology' needs KEY=VALUE words" },
	{ "step a\ntopology vfs=1", "x.vfs:3: 'topology' after the first step (x.vfs:2)" },
	{ "fault pf-reset\ntopology vfs=1", "x.vfs:3: 'topology' after the first fault (x.vfs:2)" },
	{ "expect finding bug\ntopology vfs=1", "x.vfs:3: 'topology' after the first expect line (x.vfs:2)" },
	{ "fault", "x.vfs:2: 'fault' needs a fault (one of: admin-fail," },
	{ "fault admin-fial op=any", "x.vfs:2: unknown fault 'admin-fial' (expected one of: admin-fail, admin-delay, admin-hang," },
	{ "fault admin-fail", "x.vfs:2: fault 'admin-fail' needs op=..." },
	{ "fault admin-fail op=FOO", "x.vfs:2: fault 'admin-fail': unknown op 'FOO' (expected one of: LIST_QUERY," },
	{ "fault admin-fail op=any nth=2 prob=0.5", "x.vfs:2: fault 'admin-fail': nth and prob are mutually exclusive" },
	{ "fault admin-fail op=any prob=1.5", "x.vfs:2: fault 'admin-fail': prob wants a decimal 0..1 (e.g. 0.25), got 1.5" },
	{ "fault admin-fail op=any prob=.5", "x.vfs:2: fault 'admin-fail': prob wants a decimal 0..1" },
	{ "fault admin-fail op=any status=0", "x.vfs:2: fault 'admin-fail': status wants 1..65535, got 0" },
	{ "fault admin-fail op=any nth=0", "x.vfs:2: fault 'admin-fail': nth wants 1..1000000, got 0" },
	{ "fault admin-fail op=any colour=red", "x.vfs:2: fault 'admin-fail' has no key 'colour' (expected one of: op, nth, prob, status)" },
	{ "fault admin-fail op=any op=LIST_USE", "x.vfs:2: fault 'admin-fail': key 'op' given twice" },
	{ "fault admin-fail op=any nth", "x.vfs:2: fault 'admin-fail': 'nth' is not KEY=VALUE" },
	{ "fault admin-fail off", "x.vfs:2: fault 'admin-fail': 'off' is not KEY=VALUE" },
	{ "fault admin-delay op=any", "x.vfs:2: fault 'admin-delay' needs ms=..." },
	{ "fault admin-delay op=any ms=600001", "x.vfs:2: fault 'admin-delay': ms wants 1..600000, got 600001" },
	{ "fault admin-short op=any prob=0.5", "x.vfs:2: fault 'admin-short' has no key 'prob' (expected one of: op, nth)" },
	{ "fault msi-drop fn=vf7", "x.vfs:2: fault 'msi-drop' fn wants pf or vf0..vf6, got 'vf7'" },
	{ "fault msi-drop fn=vf1", "x.vfs:2: fault 'msi-drop' fn names vf1 but the topology has 0 VFs (vfs=0)" },
	{ "fault msi-drop fn=pf count=0", "x.vfs:2: fault 'msi-drop': count wants 1..1000000, got 0" },
	{ "fault msi-delay fn=pf", "x.vfs:2: fault 'msi-delay' needs ms=..." },
	{ "fault slow-reply fn=pf", "x.vfs:2: fault 'slow-reply' needs us=..." },
	{ "fault cfg-ones", "x.vfs:2: fault 'cfg-ones' needs fn=..." },
	{ "topology vfs=2\nfault flr fn=pf", "x.vfs:3: fault 'flr' fn wants a VF (vf0..vf6), got 'pf'" },
	{ "fault pf-reset now=1", "x.vfs:2: fault 'pf-reset' takes no arguments, got 'now'" },
	{ "fault failslab off prob=0.1", "x.vfs:2: fault 'failslab': too many arguments from 'prob=0.1' (usage: failslab off | [prob=PROB] [interval=COUNT] [times=COUNT])" },
	{ "fault fail-page-alloc times=0", "x.vfs:2: fault 'fail-page-alloc': times wants a decimal number 1..2147483647, got '0'" },
	{ "fault read-ones fn=pf reg=cfg:6", "x.vfs:2: fault 'read-ones': reg 'cfg:6' is not cfg:0xOFF or barN:0xOFF" },
	{ "fault read-ones fn=pf", "x.vfs:2: fault 'read-ones' needs reg=..." },
	{ "fault fail-nth nth=0", "x.vfs:2: fault 'fail-nth'" },
	{ "fault fail-nth alloc=page\nstep uptime", "x.vfs:2: fault 'fail-nth': alloc= needs within=FUNCTION" },
	{ "fault fail-nth nth=2", "x.vfs:2: 'fault fail-nth' with no step after it" },
	{ "fault fail-nth nth=2\nparallel\nstep uptime\nstep uptime\nend\nstep uptime", "x.vfs:3: a 'parallel' block right after 'fault fail-nth' (x.vfs:2)" },
	{ "parallel\nthread\nfault fail-nth nth=2\nstep uptime\nend\nstep uptime\nend", "x.vfs:4: fault 'fail-nth' inside a 'parallel' block (line 2)" },
	{ "fault fail-nth within=a/b", "x.vfs:2: fault 'fail-nth': within wants a name of at most 64 characters (letters, digits, '_', '.', '-'), got 'a/b'" },
	{ "fault failslab prob=0.1 colour=red", "x.vfs:2: fault 'failslab' has no key 'colour'" },
	{ "topology vfs=1\nfault cfg-value fn=vf0 off=0xd len=2 val=1", "x.vfs:3: fault 'cfg-value': off=0xd is not aligned to len=2" },
	{ "fault cfg-value fn=pf off=0x1000 val=1", "x.vfs:2: fault 'cfg-value': off wants 0..0xfff (decimal or 0x hex), got 0x1000" },
	{ "fault cfg-value fn=pf off=0 val=0x100000000", "x.vfs:2: fault 'cfg-value': val wants 0..0xffffffff (decimal or 0x hex), got 0x100000000" },
	{ "fault cfg-value fn=pf off=0 val=1 len=3", "x.vfs:2: fault 'cfg-value': len wants 1, 2 or 4, got 3" },
	{ "fault cfg-value fn=pf val=1", "x.vfs:2: fault 'cfg-value' needs off=..." },
	{ "fault cfg-value fn=pf off=0xg val=1", "x.vfs:2: fault 'cfg-value': off wants" },
	{ "fault cap-next fn=pf", "x.vfs:2: fault 'cap-next' needs ptr=..." },
	{ "fault cap-next fn=pf ptr=last", "x.vfs:2: fault 'cap-next': ptr wants first, self or 0..0xfff (decimal or 0x hex), got last" },
	{ "fault cap-next fn=pf ptr=1 ext=2", "x.vfs:2: fault 'cap-next': ext wants 0..1, got 2" },
	{ "fault cfg-ones fn=pf count=0", "x.vfs:2: fault 'cfg-ones': count wants 1..1000000, got 0" },
	{ "fault cfg-value fn=pf off=0 val=1 off", "x.vfs:2: fault 'cfg-value': 'off' stands alone ('fault cfg-value off')" },
	{ "step", "x.vfs:2: 'step' needs an agent step" },
	{ "topology vfs=2\nstep sriov-enabel 0000:00:00.0 2", "x.vfs:3: unknown step 'sriov-enabel' (did you mean 'sriov-enable'? 'vfsim help steps' lists them)" },
	{ "step sriov-enable 0000:00:00.0", "x.vfs:2: step 'sriov-enable' is missing NUMVFS (usage: sriov-enable PF NUMVFS)" },
	{ "step bind 0000:00:09.0 virtio_vfio_pci", "x.vfs:2: step 'bind': BDF 0000:00:09.0 is not a function of this topology: the PF 0000:00:00.0 is the only one (vfs=0)" },
	{ "topology vfs=3\nstep mig-state 0000:00:03.0 STOP_COPY now", "x.vfs:3: step 'mig-state': too many arguments from 'now'" },
	{ "step sim-fault admin-fial", "x.vfs:2: unknown fault 'admin-fial' (expected one of: admin-fail," },
	{ "step sim-fault msi-drop fn=vf0", "x.vfs:2: fault 'msi-drop' fn names vf0 but the topology has 0 VFs (vfs=0)" },
	{ "parallel\nstep a\nend\nexpect status 0", "x.vfs:3: unknown step 'a' ('vfsim help steps' lists them)" },
	{ "expect", "x.vfs:2: 'expect' needs a kind (one of: status, errno," },
	{ "expect colour red", "x.vfs:2: unknown expectation 'colour' (expected one of: status, errno, sysfs," },
	{ "expect status 0", "x.vfs:2: 'expect status' needs a preceding step" },
	{ "fault pf-reset\nexpect errno 5", "x.vfs:3: 'expect errno' needs a preceding step, not a fault (x.vfs:2)" },
	{ "parallel\nstep a\nend\nexpect status 0", "x.vfs:5: 'expect status' needs a preceding step, not a parallel block (x.vfs:2)" },
	{ "step a\nexpect status 256", "x.vfs:3: 'expect status' wants a number 0..255, got '256'" },
	{ "step a\nexpect errno EIO", "x.vfs:3: 'expect errno' wants a number 0..4095, or several as N|M (0: success), got 'EIO'" },
	{ "step a\nexpect errno 0|", "x.vfs:3: 'expect errno' wants a number 0..4095, or several as N|M (0: success), got '0|'" },
	{ "step a\nexpect errno 2||19", "got '2||19'" },
	{ "step a\nexpect status 0|1", "x.vfs:3: 'expect status' wants a number 0..255, got '0|1'" },
	{ "expect sysfs /proc/x 1", "x.vfs:2: 'expect sysfs' wants a path under /sys/, got '/proc/x'" },
	{ "expect sysfs /sys/x", "x.vfs:2: 'expect sysfs /sys/x' needs a VALUE" },
	{ "expect dmesg (unclosed", "x.vfs:2: 'expect dmesg': invalid regex '(unclosed': " },
	{ "expect dmesg a++++++++++++++++++++++++", "x.vfs:2: 'expect dmesg': regex 'a++++++++++++++++++++++++' refused: adjacent repetition operators" },
	{ "expect no-dmesg (a{1,100}){1,100}", "x.vfs:2: 'expect no-dmesg': regex '(a{1,100}){1,100}' refused: repetitions expand it beyond 2000 nodes" },
	{ "expect dmesg ((((((((((((((((((a))))))))))))))))))", "refused: groups nested too deep" },
	{ "expect dmesg a{1,32767}", "refused: repetitions expand it beyond 2000 nodes" },
	{ "expect dmesg x((a{1,50}){1,50})y", "refused: repetitions expand it beyond 2000 nodes" },
	{ "expect sysfs /sys/x a b c d e f g h i j k l m n", "x.vfs:2: the agent cannot run it: step 'expect-sysfs' has more than 15 words" },
	{ "fault admin-fail op=any nth=0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000001", "x.vfs:2: fault longer than 255 characters" },
	{ "expect no-dmesg", "x.vfs:2: 'expect no-dmesg' needs a REGEX" },
	{ "expect finding kasn", "x.vfs:2: 'expect finding': unknown kind 'kasn' (expected one of: lockdep-circular," },
	{ "expect finding kasan bug", "x.vfs:2: 'expect finding' wants one KIND, got also 'bug'" },
	{ "expect finding kasan|kasn", "x.vfs:2: 'expect finding': unknown kind 'kasn' (expected one of: lockdep-circular," },
	{ "expect finding kasan|", "x.vfs:2: 'expect finding' wants KIND or KIND|KIND..., got 'kasan|'" },
	{ "expect finding |none", "x.vfs:2: 'expect finding' wants KIND or KIND|KIND..., got '|none'" },
	{ "expect finding kasan||none", "got 'kasan||none'" },
	{ "expect sim PF.x=1", "x.vfs:2: 'expect sim' key 'PF.x' may hold only a-z, 0-9, '_' and '.'" },
	{ "expect sim pf.x", "x.vfs:2: 'expect sim' wants one KEY=VALUE" },
	{ "expect equal vf0", "x.vfs:2: 'expect equal' wants two functions" },
	{ "expect equal pf vf2", "x.vfs:2: 'expect equal' names vf2 but the topology has 0 VFs" },
	{ "topology vfs=1\nexpect equal vf0 vf0", "x.vfs:3: 'expect equal' compares vf0 with itself" },
	{ "end", "x.vfs:2: 'end' without 'parallel' or 'thread'" },
	{ "parallel\nstep a", "x.vfs:2: 'parallel' block not closed (opened here)" },
	{ "parallel\nparallel\nstep a\nend", "x.vfs:3: nested 'parallel' (the block opened at line 2 is still open)" },
	{ "parallel\nend", "x.vfs:2: empty parallel block (closed at line 3)" },
	{ "parallel\nstep a\nexpect status 0\nend", "x.vfs:4: 'expect' inside a 'parallel' block" },
	{ "parallel now\nstep a\nend", "x.vfs:2: 'parallel' takes only jitter=MS, got 'now'" },
	{ "parallel jitter=5 x\nstep a\nend", "x.vfs:2: 'parallel' takes only jitter=MS, got 'x'" },
	{ "parallel jitter=10001\nstep a\nend", "x.vfs:2: 'parallel' jitter wants 0..10000 (ms), got '10001'" },
	{ "parallel jitter=\nstep a\nend", "x.vfs:2: 'parallel' jitter wants 0..10000 (ms), got ''" },
	{ "thread\nstep a\nend", "x.vfs:2: 'thread' outside a 'parallel' block (a thread is one branch of a parallel block)" },
	{ "parallel\nthread\nthread\nstep a\nend\nend", "x.vfs:4: nested 'thread' (the thread opened at line 3 is still open; 'end' closes it)" },
	{ "parallel\nthread\nparallel\nstep a\nend\nend", "x.vfs:4: 'parallel' inside a 'thread' (opened at line 3): parallel blocks do not nest" },
	{ "parallel\nthread\nend\nstep a\nend", "x.vfs:3: empty thread (closed at line 4)" },
	{ "parallel\nthread\nstep a", "x.vfs:3: 'thread' not closed (opened here)" },
	{ "parallel\nthread\nstep a", "x.vfs:2: 'parallel' block not closed (opened here)" },
	{ "parallel\nthread A\nstep a\nend\nend", "x.vfs:3: thread name wants a-z, 0-9, '_' and '-', got 'A'" },
	{ "parallel\nthread a b\nstep a\nend\nend", "x.vfs:3: 'thread' takes at most a NAME, got also 'b'" },
	{ "parallel\nthread\nstep a\nend now\nend", "x.vfs:5: 'end' takes no arguments" },
	{ "parallel\nthread\ninclude a.inc\nstep a\nend\nend", "x.vfs:4: 'include' inside a 'parallel' block" },
	{ "parallel\nthread\nexpect errno 5\nstep a\nend\nend", "x.vfs:4: 'expect errno' needs a preceding step in its thread (line 3)" },
	{ "parallel\nthread\nfault pf-reset\nexpect errno 5\nend\nend", "x.vfs:5: 'expect errno' needs a preceding step, not a fault (x.vfs:4)" },
	{ "step a\nparallel\nthread\nexpect status 1\nstep b\nend\nend", "x.vfs:5: 'expect status' needs a preceding step in its thread" },
	{ "parallel\nthread\nstep a\nend\nexpect sysfs /sys/x 1\nend", "x.vfs:6: 'expect' inside a 'parallel' block but outside a 'thread' (put it in a thread, or after 'end')" },
	{ "parallel\nthread\nstep a\nend\nend\nend", "x.vfs:7: 'end' without 'parallel' or 'thread'" },
	{ "thread\nstep a\nend", "x.vfs:4: 'end' without 'parallel' or 'thread'" },
	{ "parallel\nstep a\nend now", "x.vfs:4: 'end' takes no arguments" },
	{ "parallel\ninclude a.inc\nstep a\nend", "x.vfs:3: 'include' inside a 'parallel' block" },
	{ "include", "x.vfs:2: 'include' wants one path" },
	{ "include a.inc b.inc", "x.vfs:2: 'include' wants one path" },
	{ "include /nonexistent/vfsim.inc", "x.vfs:2: include '/nonexistent/vfsim.inc': No such file or directory" },
};

START_TEST(test_error_messages)
{
	char text[SC_MAX_LINE + 32];

	snprintf(text, sizeof(text), "purpose t\n%s\n", bad[_i].text);
	assert_error(text, bad[_i].want);
}
END_TEST

/* The agent runs at most AGENT_MAX_PARALLEL steps of a block together. */
START_TEST(test_parallel_block_limit)
{
	char text[64 + 16 * (AGENT_MAX_PARALLEL + 3)], *errors;
	struct scenario sc;
	size_t n;
	int rc;

	n = snprintf(text, sizeof(text), "purpose p\nparallel\n");
	for (int i = 0; i < AGENT_MAX_PARALLEL; i++)
		n += snprintf(text + n, sizeof(text) - n, "step uptime\n");
	snprintf(text + n, sizeof(text) - n, "end\n");
	parse_ok(text, &sc);
	ck_assert_int_eq(sc.items[0].nchildren, AGENT_MAX_PARALLEL);
	scenario_free(&sc);
	snprintf(text + n, sizeof(text) - n, "step list\nend\n");
	assert_error(text, "x.vfs:19: more than 16 branches in the parallel block opened at line 2\n");
	/* A thread too many is read to its end: one error, not one a line. */
	snprintf(text + n, sizeof(text) - n, "thread\nstep list\nend\nend\n");
	rc = scenario_parse_string("x.vfs", text, &sc, &errors);
	parse_bad(rc, &sc, errors, "x.vfs:19: more than 16 branches in the parallel block opened at line 2\n");
	ck_assert_int_eq(count_lines(errors), 1);
	free(errors);
}
END_TEST

/* Regexes that compile in bounded memory stay allowed. */
START_TEST(test_regex_bounds_allow)
{
	struct scenario sc;

	parse_ok("purpose p\n"
		 "expect dmesg KASAN: slab-use-after-free in um_pci_bar_write\n"
		 "expect dmesg a{1,1000}[[:alpha:]]+(x|y)*\\+\\+\\{2\\}\n"
		 "expect no-dmesg [+*?]{2}|[]+]+|(a+)+b?c*\n"
		 "expect dmesg ((((a+)+)+)+)+\n", &sc);
	ck_assert_int_eq(sc.nexpects, 4);
	scenario_free(&sc);
}
END_TEST

/* The runner takes SC_MAX_STEPS agent steps: more is refused, not cut. */
START_TEST(test_step_count_limit)
{
	size_t cap = 64 + 16 * (SC_MAX_STEPS + 2), n;
	char *text = malloc(cap);
	struct scenario sc;
	char *errors;

	ck_assert_ptr_nonnull(text);
	n = snprintf(text, cap, "purpose p\nexpect sysfs /sys/x 1\n");
	for (int i = 1; i < SC_MAX_STEPS; i++)
		n += snprintf(text + n, cap - n, "step uptime\n");
	parse_ok(text, &sc);
	ck_assert_int_eq(sc.nitems, SC_MAX_STEPS - 1);
	scenario_free(&sc);
	snprintf(text + n, cap - n, "fault pf-reset\n");
	ck_assert_int_eq(scenario_parse_string("x.vfs", text, &sc, &errors),
			 -1);
	ck_assert_msg(strstr(errors, "x.vfs:514: more than 512 agent steps"),
		      "%s", errors);
	free(errors);
	free(text);
}
END_TEST

START_TEST(test_missing_purpose)
{
	assert_error("step a\n", "x.vfs: missing 'purpose' line\n");
	assert_error("", "x.vfs: missing 'purpose' line\n");
}
END_TEST

START_TEST(test_empty_purpose)
{
	struct scenario sc;
	char *errors;
	int rc = scenario_parse_string("x.vfs", "purpose   \n", &sc, &errors);

	/* The line is there, only empty: one error, not two. */
	parse_bad(rc, &sc, errors,
		  "x.vfs:1: 'purpose' needs a one-line description\n");
	ck_assert_int_eq(count_lines(errors), 1);
	free(errors);
}
END_TEST

START_TEST(test_line_too_long)
{
	char text[32 + SC_MAX_LINE];

	strcpy(text, "purpose p\nstep ");
	memset(text + 15, 'a', SC_MAX_LINE - 4);
	strcpy(text + 15 + SC_MAX_LINE - 4, "\nbogus\n");
	assert_error(text, "x.vfs:2: line is longer than 1024 characters (1025)");
	/* ... and parsing goes on after it. */
	assert_error(text, "x.vfs:3: unknown keyword 'bogus'");
}
END_TEST

START_TEST(test_all_errors_reported)
{
	struct scenario sc;
	char text[2048] = "purpose p\n", *errors;
	int rc;

	rc = scenario_parse_string("x.vfs", "topology vfs=8\nstpe\nend\n", &sc,
				   &errors);
	parse_bad(rc, &sc, errors, "x.vfs:1: topology key 'vfs'");
	ck_assert_ptr_nonnull(strstr(errors, "x.vfs:2: unknown keyword"));
	ck_assert_ptr_nonnull(strstr(errors, "x.vfs:3: 'end' without"));
	ck_assert_ptr_nonnull(strstr(errors, "x.vfs: missing 'purpose'"));
	ck_assert_int_eq(count_lines(errors), 4);
	free(errors);

	for (int i = 0; i < 30; i++)
		strcat(text, "end\n");
	rc = scenario_parse_string("x.vfs", text, &sc, &errors);
	parse_bad(rc, &sc, errors, "x.vfs:21: 'end' without 'parallel' or 'thread'\n");
	ck_assert_int_eq(count_lines(errors), SC_MAX_ERRORS);
	free(errors);
}
END_TEST

START_TEST(test_errors_optional)
{
	struct scenario sc;

	ck_assert_int_eq(scenario_parse_string("x.vfs", "stpe\n", &sc, NULL),
			 -1);
	ck_assert_int_eq(sc.nitems, 0);
}
END_TEST

/* --- errors with files -------------------------------------------------- */

START_TEST(test_missing_file)
{
	struct scenario sc;
	char *errors;
	int rc = scenario_parse("/nonexistent/vfsim/x.vfs", &sc, &errors);

	parse_bad(rc, &sc, errors,
		  "/nonexistent/vfsim/x.vfs: No such file or directory\n");
	ck_assert_int_eq(count_lines(errors), 1);	/* no "missing purpose" */
	free(errors);
}
END_TEST

START_TEST(test_include_missing)
{
	put("miss/x.vfs", "purpose p\n\ninclude sub/missing.inc\n");
	assert_file_error("miss/x.vfs",
			  "/miss/x.vfs:3: include 'sub/missing.inc': No such file or directory");
}
END_TEST

START_TEST(test_include_not_regular)
{
	put("dir/x.vfs", "purpose p\ninclude sub\n");
	put("dir/sub/y.inc", "step a\n");
	assert_file_error("dir/x.vfs", "/dir/x.vfs:2: include 'sub': not a regular file");
}
END_TEST

START_TEST(test_error_in_include_names_it)
{
	put("inc/x.vfs", "purpose p\ninclude lib/y.inc\n");
	put("inc/lib/y.inc", "# lib\nfault admin-fail op=NOPE\n");
	assert_file_error("inc/x.vfs", "/inc/lib/y.inc:2: fault 'admin-fail': unknown op 'NOPE'");
}
END_TEST

START_TEST(test_parallel_not_closed_in_include)
{
	put("pinc/x.vfs", "purpose p\ninclude y.inc\nstep b\nend\n");
	put("pinc/y.inc", "parallel\nstep a\n");
	assert_file_error("pinc/x.vfs", "/pinc/y.inc:1: 'parallel' block not closed (opened here)");
	assert_file_error("pinc/x.vfs", "/pinc/x.vfs:4: 'end' without 'parallel'");
}
END_TEST

START_TEST(test_include_cycle)
{
	char want[512];

	put("cyc/x.vfs", "purpose p\ninclude a.inc\n");
	put("cyc/a.inc", "step a\ninclude b.inc\n");
	put("cyc/b.inc", "include a.inc\n");
	snprintf(want, sizeof(want),
		 "%s/cyc/b.inc:1: include cycle: %s/cyc/a.inc -> %s/cyc/b.inc -> %s/cyc/a.inc\n",
		 tmpdir, tmpdir, tmpdir, tmpdir);
	assert_file_error("cyc/x.vfs", want);

	/* The same file by another name is still the same file. */
	put("self/x.vfs", "purpose p\ninclude ../self/./x.vfs\n");
	snprintf(want, sizeof(want), "%s/self/x.vfs:2: include cycle: %s/self/x.vfs -> %s/self/../self/./x.vfs\n",
		 tmpdir, tmpdir, tmpdir);
	assert_file_error("self/x.vfs", want);
}
END_TEST

/* x.vfs includes n1.inc, which includes n2.inc ... n@depth.inc. */
static void include_chain(const char *dir, int depth)
{
	char rel[64], text[64];

	snprintf(rel, sizeof(rel), "%s/x.vfs", dir);
	put(rel, "purpose p\ninclude n1.inc\n");
	for (int i = 1; i <= depth; i++) {
		snprintf(rel, sizeof(rel), "%s/n%d.inc", dir, i);
		if (i < depth)
			snprintf(text, sizeof(text), "include n%d.inc\n", i + 1);
		else
			snprintf(text, sizeof(text), "step uptime\n");
		put(rel, text);
	}
}

START_TEST(test_include_depth)
{
	struct scenario sc;
	char path[256], *errors;

	include_chain("deep8", SC_MAX_DEPTH);
	ck_assert_int_eq(scenario_parse(tpath(path, sizeof(path),
					      "deep8/x.vfs"), &sc, &errors), 0);
	ck_assert_int_eq(sc.nfiles, 1 + SC_MAX_DEPTH);
	ck_assert_str_eq(sc.items[0].text, "uptime");
	scenario_free(&sc);

	include_chain("deep9", SC_MAX_DEPTH + 1);
	assert_file_error("deep9/x.vfs", "/deep9/n8.inc:1: includes nested more than 8 deep");
}
END_TEST

START_TEST(test_nul_byte)
{
	static const char text[] = "purpose p\nstep a\0b\nbogus\n";

	put_n("nul.vfs", text, sizeof(text) - 1);
	assert_file_error("nul.vfs", "/nul.vfs:2: NUL byte in the line");
	assert_file_error("nul.vfs", "/nul.vfs:3: unknown keyword 'bogus'");
}
END_TEST

/*
 * The fuzzer's find: a form feed inside a step line was a blank to the
 * parser (it saw PATH and VALUE) but not to the agent (one word).
 */
START_TEST(test_control_characters)
{
	static const char text[] = "purpose p\n"
		"step expect-sysfs /sys/x\fV\n"
		"step write /sys/x\v1\n"
		"step uptime\r\n"
		"step write /sys/x\r1\n"
		"step \x7f\n"
		"step\tuptime\t\n";

	put_n("ctl.vfs", text, sizeof(text) - 1);
	assert_file_error("ctl.vfs", "/ctl.vfs:2: control character 0x0c in the line, column 25 (words are separated by spaces and tabs only)");
	assert_file_error("ctl.vfs", "/ctl.vfs:3: control character 0x0b in the line, column 18");
	assert_file_error("ctl.vfs", "/ctl.vfs:5: control character 0x0d in the line, column 18");
	assert_file_error("ctl.vfs", "/ctl.vfs:6: control character 0x7f in the line, column 6");
}
END_TEST

START_TEST(test_string_includes_relative_to_name)
{
	struct scenario sc;
	char name[256], *errors;

	put("str/common/t.inc", "topology vfs=3\n");
	tpath(name, sizeof(name), "str/virtual.vfs");
	ck_assert_int_eq(scenario_parse_string(name,
			 "purpose p\ninclude common/t.inc\n", &sc, &errors), 0);
	ck_assert_uint_eq(sc.topo.vfs, 3);
	ck_assert_int_eq(sc.nfiles, 2);
	scenario_free(&sc);
}
END_TEST

/* `requires`: known words, before the steps, declared where needed. */
START_TEST(test_requires)
{
	struct scenario sc;

	parse_ok("purpose p\nrequires migration kernel>=6.13\n"
		 "requires legacy-io detectors kasan kernel<7.4.1\n"
		 "topology vfs=1 pf-legacy=1\nstep mig-state 0000:00:01.0 RUNNING\n"
		 "step legacy-probe 0000:00:01.0\n", &sc);
	ck_assert_int_eq(sc.nrequires, 6);
	ck_assert_str_eq(sc.requires[0], "migration");
	ck_assert_str_eq(sc.requires[5], "kernel<7.4.1");
	ck_assert(sc.topo.pf_legacy);
	scenario_free(&sc);
	assert_error("purpose p\nrequires teleport\n",
		     "x.vfs:2: unknown requirement 'teleport'");
	assert_error("purpose p\nrequires kernel=6.12\n",
		     "x.vfs:2: unknown requirement 'kernel=6.12'");
	assert_error("purpose p\nrequires\n", "x.vfs:2: 'requires' needs");
	assert_error("purpose p\nstep probe\nrequires migration\n",
		     "x.vfs:3: 'requires' after the first step (x.vfs:2)");
	assert_error("purpose p\ntopology vfs=1\nparallel\n"
		     "step mig-save 0000:00:01.0 f\nend\n",
		     "x.vfs:4: step 'mig-save' needs 'requires migration'");
	assert_error("purpose p\ntopology vfs=2\nstep sim-compare vf0 vf1\n",
		     "x.vfs:3: step 'sim-compare' needs 'requires migration'");
	assert_error("purpose p\ntopology vfs=2\nexpect equal vf0 vf1\n",
		     "x.vfs:3: 'expect equal' needs 'requires migration'");
	assert_error("purpose p\nrequires legacy-io\ntopology vfs=1\n"
		     "step legacy-tx 0000:00:01.0\n",
		     "x.vfs:4: step 'legacy-tx' needs 'topology pf-legacy=1'");
	assert_error("purpose p\ntopology vfs=1 pf-legacy=1\n"
		     "step legacy-tx 0000:00:01.0\n",
		     "x.vfs:3: step 'legacy-tx' needs 'requires legacy-io'");
}
END_TEST

static void write_file(const char *name, const char *text)
{
	put_file(tmpdir, name, text);
}

/* Never called: every scenario of the test is skipped before it runs. */
static int no_run(struct run_opts *o, const struct sc_topology *t)
{
	(void)o, (void)t;
	ck_abort_msg("a skipped scenario ran");
	return 0;
}

/*
 * Runs a.vfs, b.vfs (and, with @three, c.vfs) of tmpdir with tmpdir/linux
 * as the kernel, none of them for real (no_run); their TAP into @text.
 */
static void run_skipped(char *text, size_t len, bool three)
{
	char a[512], b[512], c[512], kernel[512], out[512];
	char *files[3] = { a, b, c };
	struct sr_opts so = { .jobs = 2, .runs_dir = tmpdir, .self = "vfsim" };
	int fd, saved, ret;
	FILE *f;

	snprintf(a, sizeof(a), "%s/a.vfs", tmpdir);
	snprintf(b, sizeof(b), "%s/b.vfs", tmpdir);
	snprintf(c, sizeof(c), "%s/c.vfs", tmpdir);
	snprintf(kernel, sizeof(kernel), "%s/linux", tmpdir);
	snprintf(out, sizeof(out), "%s/tap", tmpdir);
	so.kernel = kernel;
	fflush(stdout);
	saved = dup(1);
	fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	dup2(fd, 1);
	ret = scenario_run_all(files, three ? 3 : 2, &so, no_run);
	fflush(stdout);
	dup2(saved, 1);
	close(fd);
	close(saved);
	ck_assert_int_eq(ret, 0);
	f = fopen(out, "r");
	ck_assert_ptr_nonnull(f);
	memset(text, 0, len);
	ck_assert_uint_gt(fread(text, 1, len - 1, f), 0);
	fclose(f);
	unlink(out);
}

/*
 * On a kernel without detectors (its .config has no PROVE_LOCKING, as
 * KPROFILE=fast), scenarios that expect a report are skipped, in TAP.
 */
START_TEST(test_skip_findings_without_detectors)
{
	char text[4096], kernel[512];

	write_file("linux", "#!/bin/sh\nprintf '#\\n# Linux/um 6.12.117 "
		   "Kernel Configuration\\nCONFIG_UML=y\\n"
		   "# CONFIG_PROVE_LOCKING is not set\\n'\n");
	snprintf(kernel, sizeof(kernel), "%s/linux", tmpdir);
	ck_assert_int_eq(chmod(kernel, 0700), 0);
	write_file("a.vfs", "purpose A\nstep probe\nexpect finding hung-task\n");
	write_file("b.vfs", "purpose B\nstep probe\nexpect finding kasan\n");
	write_file("c.vfs", "purpose C\nrequires kernel>=6.13\nstep probe\n");
	run_skipped(text, sizeof(text), true);
	unlink(kernel);
	ck_assert_ptr_nonnull(strstr(text, "ok 1 - "));
	ck_assert_ptr_nonnull(strstr(text, "a.vfs: A # SKIP"));
	ck_assert_ptr_nonnull(strstr(text, "ok 2 - "));
	ck_assert_ptr_nonnull(strstr(text, "# kernel 6.12.117: "));
	ck_assert_ptr_nonnull(strstr(text, "c.vfs: C # SKIP requires "
				     "kernel>=6.13: needs kernel>=6.13, this is "
				     "6.12.117\n"));
	ck_assert_ptr_nonnull(strstr(text, "# 3 skipped\n0 passed, 0 failed\n"));
}
END_TEST

/*
 * A scenario that needs a kernel series (topology series=...) is skipped
 * on a kernel whose vfsim-series (driver/kernel.sh) does not list it.
 */
START_TEST(test_skip_without_series)
{
	char text[4096], path[512];
	struct scenario sc;

	parse_ok("purpose p\ntopology series=device-lock-classes,x.y_z-1 vfs=1\n",
		 &sc);
	ck_assert_str_eq(sc.topo.series, "device-lock-classes,x.y_z-1");
	ck_assert_uint_eq(sc.topo.vfs, 1);
	scenario_free(&sc);

	write_file(".config", "CONFIG_UML=y\nCONFIG_PROVE_LOCKING=y\n");
	write_file("vfsim-series", "lock-a\nlock-b\n");
	write_file("a.vfs", "purpose A\ntopology series=lock-\nstep probe\n");
	write_file("b.vfs", "purpose B\ntopology series=lock-b,lock-c\nstep probe\n");
	run_skipped(text, sizeof(text), false);
	/* a whole name, not a prefix of one */
	ck_assert_ptr_nonnull(strstr(text, "a.vfs: A # SKIP needs the kernel "
					   "series lock-, which"));
	ck_assert_ptr_nonnull(strstr(text, "b.vfs: B # SKIP needs the kernel "
					   "series lock-c, which"));
	ck_assert_ptr_nonnull(strstr(text, "# 2 skipped\n0 passed, 0 failed\n"));
	snprintf(path, sizeof(path), "%s/vfsim-series", tmpdir);
	unlink(path);
}
END_TEST

/* Every scenario of the library parses (the runner would refuse it). */
START_TEST(test_library_parses)
{
	glob_t g;
	size_t ok = 0;

	ck_assert_int_eq(glob("scenarios/*/*.vfs", 0, NULL, &g), 0);
	for (size_t i = 0; i < g.gl_pathc; i++) {
		struct scenario sc;
		char *errors = NULL;

		if (scenario_parse(g.gl_pathv[i], &sc, &errors))
			ck_abort_msg("%s", errors ? errors : g.gl_pathv[i]);
		scenario_free(&sc);
		ok++;
	}
	ck_assert_uint_ge(ok, 90);
	globfree(&g);
}
END_TEST

Suite *scenario_suite(void)
{
	Suite *s = suite_create("scenario");
	TCase *tc = tcase_create("core");
	TCase *files = tcase_create("files");

	tcase_add_test(tc, test_defaults);
	tcase_add_test(tc, test_topology_overrides_and_limits);
	tcase_add_test(tc, test_parallel_blocks);
	tcase_add_test(tc, test_thread_blocks);
	tcase_add_test(tc, test_expect_after_item);
	tcase_add_test(tc, test_comments_and_blanks);
	tcase_add_test(tc, test_fault_forms);
	tcase_add_test(tc, test_longest_line_ok);
	tcase_add_loop_test(tc, test_error_messages, 0, ARRAY_SIZE(bad));
	tcase_add_test(tc, test_parallel_block_limit);
	tcase_add_test(tc, test_regex_bounds_allow);
	tcase_add_test(tc, test_step_count_limit);
	tcase_add_test(tc, test_missing_purpose);
	tcase_add_test(tc, test_empty_purpose);
	tcase_add_test(tc, test_line_too_long);
	tcase_add_test(tc, test_all_errors_reported);
	tcase_add_test(tc, test_errors_optional);
	tcase_add_test(tc, test_missing_file);
	suite_add_tcase(s, tc);

	tcase_add_unchecked_fixture(files, tmp_setup, tmp_teardown);
	tcase_add_test(files, test_full_with_includes);
	tcase_add_test(files, test_include_missing);
	tcase_add_test(files, test_include_not_regular);
	tcase_add_test(files, test_error_in_include_names_it);
	tcase_add_test(files, test_parallel_not_closed_in_include);
	tcase_add_test(files, test_include_cycle);
	tcase_add_test(files, test_include_depth);
	tcase_add_test(files, test_nul_byte);
	tcase_add_test(files, test_control_characters);
	tcase_add_test(files, test_string_includes_relative_to_name);
	tcase_add_test(files, test_skip_findings_without_detectors);
	tcase_add_test(files, test_skip_without_series);
	tcase_add_test(tc, test_requires);
	tcase_add_test(tc, test_library_parses);
	suite_add_tcase(s, files);
	return s;
}
