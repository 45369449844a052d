// SPDX-License-Identifier: GPL-2.0
/* The agent's step table (driver/agent/steps.def) and its typed checker. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "driver/agent/step_spec.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

Suite *steps_suite(void);

static const struct step_env vfs2 = { .vfs = 2 };

START_TEST(test_rows_well_formed)
{
	char why[STEP_WHY_LEN], usage[256];

	ck_assert_uint_gt(step_nspecs, 40);
	for (size_t i = 0; i < step_nspecs; i++) {
		const struct step_spec *s = &step_specs[i];

		ck_assert_msg(step_spec_valid(s, why, sizeof(why)),
			      "steps.def row '%s': %s", s->name, why);
		ck_assert_ptr_eq(step_find(s->name), s);	/* unique */
		step_usage(s, usage, sizeof(usage));
		ck_assert_msg(!strncmp(usage, s->name, strlen(s->name)) &&
			      (!usage[strlen(s->name)] ||
			       usage[strlen(s->name)] == ' '),
			      "usage '%s' of '%s'", usage, s->name);
		ck_assert_msg(!strchr(usage, ':'), "label missing in '%s'",
			      usage);
	}
	ck_assert_ptr_null(step_find("no-such-step"));
}
END_TEST

START_TEST(test_malformed_rows_refused)
{
	static const struct step_spec rows[] = {
		{ "x", "BDF [N:COUNT] FN" },	/* required after optional */
		{ "x", "NOSUCHKIND" },
		{ "x", "prob=PROB" },		/* a key must be optional */
		{ "x", "FAULT... BDF" },	/* rest not last */
		{ "X", "" },			/* name */
	};
	char why[STEP_WHY_LEN];

	for (size_t i = 0; i < ARRAY_SIZE(rows); i++)
		ck_assert_msg(!step_spec_valid(&rows[i], why, sizeof(why)),
			      "row %zu accepted", i);
	ck_assert(step_spec_valid(&(struct step_spec){ "x", "off | BDF [a=NUM] [N:NUM]" },
				  why, sizeof(why)));
}
END_TEST

START_TEST(test_usage_shows_labels)
{
	char buf[256];

	ck_assert_str_eq(step_usage(step_find("mig-migrate"), buf, sizeof(buf)),
			 "mig-migrate SRC DST SRC_FN DST_FN [READ_SIZE] [CHUNK]");
	ck_assert_str_eq(step_usage(step_find("failslab"), buf, sizeof(buf)),
			 "failslab off | [prob=PROB] [interval=COUNT] [times=COUNT]");
	ck_assert_str_eq(step_usage(step_find("mig-corrupt"), buf, sizeof(buf)),
			 "mig-corrupt FILE OUT "
			 "truncate|flip|cut|optional|unknown|huge");
	ck_assert_str_eq(step_usage(step_find("sim-fault"), buf, sizeof(buf)),
			 "sim-fault FAULT...");
}
END_TEST

static const char *const good[] = {
	"probe", "probe 1.5", "list", "uptime", "sleep 0.2", "sleep 3600.0",
	"mark boot-1.a", "cfg-bench 0000:00:00.0 2000",
	"failslab", "failslab off", "failslab prob=0.5 interval=10 times=3",
	"fail-page-alloc times=3 prob=1", "failslab prob=1.000",
	"sriov-enable 0000:00:00.0 5", "sriov-autoprobe 0000:00:00.0 0",
	"sriov-cycles 0000:00:00.0 7 100", "expect-vfs 0000:00:00.0 0",
	"bind 0000:00:02.0 virtio_vfio_pci", "unbind 0000:00:00.0",
	"vfio-bar-read 0000:00:01.0 0 0x12 2",
	"vfio-bar-write 0000:00:01.0 5 0 0xffffffffffffffff 8",
	"vfio-bar-write 0000:00:01.0 4 256 18446744073709551615",
	"mig-state 0000:00:01.0 stop_copy", "mig-state 0000:00:02.0 PRE_COPY_P2P",
	"mig-load 0000:00:02.0 bad.bin 4096 expect-fail",
	"mig-load 0000:00:02.0 c.bin", "mig-save 0000:00:01.0 s.bin 0x1",
	"mig-corrupt good.bin /tmp/bad.bin cut",
	"mig-migrate 0000:00:01.0 0000:00:02.0 vf0 vf1 1048576 1048576",
	"mig-bench 0000:00:01.0 0000:00:02.0 10",
	"sim-compare vf0 vf1 expect-differ", "sim-compare pf vf1",
	"sim-fault admin-fail op=any nth=1", "sim-unplug vf1", "sim-flr pf",
	"sim-compare-stream vf1 pre.bin", "sim-evolve vf0",
	"expect-netdev-mac 52:54:00:56:46:0A",
	"expect-sysfs /sys/bus/pci/devices/0000:00:00.0/sriov_numvfs 2",
	"write /proc/sys/kernel/hung_task_timeout_secs 2",
	"write /sys/bus/pci/drivers/vfio-pci/new_id 1af4 1041",
	"expect-sysfs /sys/block/ubda/queue/scheduler [none] mq-deadline",
	"write-host-file /vfsim-must-fail", "keep-vfs-at-poweroff",
	"vfio-disable-while-open 0000:00:00.0 0000:00:01.0",
	"expect-driver 0000:00:01.0 virtio-pci",
};

START_TEST(test_good_steps)
{
	char why[STEP_WHY_LEN];

	ck_assert_msg(step_check_line(good[_i], &vfs2, why, sizeof(why)),
		      "'%s': %s", good[_i], why);
}
END_TEST

/* With vfs=2 unless @vfs says otherwise (-1: the guest's syntax check). */
static const struct {
	const char *line;
	const char *why;
	int vfs;
} bad[] = {
	{ "sriov-enabel 0000:00:00.0 2", "unknown step 'sriov-enabel' (did you mean 'sriov-enable'? 'vfsim help steps' lists them)", 2 },
	{ "frobnicate", "unknown step 'frobnicate' ('vfsim help steps' lists them)", 2 },
	/* Distance 2 still suggests; 3 does not; the nearest one wins. */
	{ "sriov-enbl 0000:00:00.0 2", "unknown step 'sriov-enbl' (did you mean 'sriov-enable'?", 2 },
	{ "sriov-xxxble 0000:00:00.0 2", "unknown step 'sriov-xxxble' ('vfsim help steps' lists them)", 2 },
	{ "sriov-disabl 0000:00:00.0", "(did you mean 'sriov-disable'?", 2 },
	{ "sriov-enable 0000:00:00.0", "step 'sriov-enable' is missing NUMVFS (usage: sriov-enable PF NUMVFS)", 2 },
	{ "sriov-enable 0000:00:00.0 -1", "step 'sriov-enable': NUMVFS wants a decimal number 0..2147483647, got '-1'", 2 },
	{ "bind 0000:00:09.0 virtio_vfio_pci", "step 'bind': BDF 0000:00:09.0 is not a function of this topology: the PF is 0000:00:00.0, its VFs 0000:00:01.0..0000:00:02.0 (vfs=2)", 2 },
	{ "bind 0000:00:03.0 vfio-pci", "step 'bind': BDF 0000:00:03.0 is not a function of this topology", 2 },
	{ "bind 0000:00:01.1 vfio-pci", "step 'bind': BDF 0000:00:01.1 is not a function of this topology", 2 },
	{ "bind 0001:00:01.0 vfio-pci", "step 'bind': BDF 0001:00:01.0 is not a function of this topology", 2 },
	{ "bind 0000:00:01.0 vfio-pci", "step 'bind': BDF 0000:00:01.0 is not a function of this topology: the PF 0000:00:00.0 is the only one (vfs=0)", 0 },
	{ "bind 0000:00:02.0 vfio-pci", "its VF 0000:00:01.0 (vfs=1)", 1 },
	{ "vfio-open 0000:00:0A.0", "step 'vfio-open': BDF wants a PCI address DDDD:BB:DD.F in lowercase hex, of a function the topology has (0000:00:00.0 the PF, 0000:00:0N.0 VF N-1), got '0000:00:0A.0'", 2 },
	{ "vfio-open 00:01.0", "got '00:01.0'", 2 },
	{ "vfio-open 0000:00:20.0", "got '0000:00:20.0'", -1 },
	{ "vfio-open 0000:00:01.8", "got '0000:00:01.8'", -1 },
	{ "vfio-open 0000:00:01.0 now", "step 'vfio-open': too many arguments from 'now' (usage: vfio-open BDF)", 2 },
	{ "bind 0000:00:01.0 virtio/pci", "step 'bind': DRIVER wants a driver name", 2 },
	{ "list now", "step 'list': too many arguments from 'now' (usage: list)", 2 },
	{ "mig-load 0000:00:01.0 a.bin 0", "step 'mig-load': CHUNK wants a size in bytes 1..1073741824, decimal or 0x hex, got '0'", 2 },
	{ "mig-load 0000:00:01.0 a.bin 010", "got '010'", 2 },
	{ "mig-load 0000:00:01.0 a.bin 1073741825", "got '1073741825'", 2 },
	{ "mig-load 0000:00:01.0 a.bin expect-fail", "step 'mig-load': CHUNK wants", 2 },
	{ "mig-save 0000:00:01.0 ../x", "step 'mig-save': FILE wants a file name in the run directory", 2 },
	{ "mig-state 0000:00:01.0 FOO", "step 'mig-state': STATE wants a VFIO migration state: ERROR, STOP,", 2 },
	{ "vfio-bar-read 0000:00:01.0 6 0", "step 'vfio-bar-read': BAR '6' is not one of 0, 1, 2, 3, 4, 5", 2 },
	{ "vfio-bar-read 0000:00:01.0 0 0 3", "step 'vfio-bar-read': LEN '3' is not one of 1, 2, 4, 8", 2 },
	{ "vfio-bar-write 0000:00:01.0 0 0 18446744073709551616", "step 'vfio-bar-write': VALUE wants a 64-bit number", 2 },
	{ "vfio-bar-write 0000:00:01.0 0 0x", "step 'vfio-bar-write': OFF wants a 64-bit number", 2 },
	{ "mig-corrupt a b zap", "step 'mig-corrupt': 'zap' is not one of truncate, flip, cut", 2 },
	{ "sriov-autoprobe 0000:00:00.0 2", "step 'sriov-autoprobe': '2' is not one of 0, 1", 2 },
	{ "failslab prob=1.5", "step 'failslab': prob wants a probability, decimal 0..1 (e.g. 0.25), got '1.5'", 2 },
	{ "failslab prob=.5", "got '.5'", 2 },
	{ "failslab prob=0.5 prob=0.1", "step 'failslab': key 'prob' given twice", 2 },
	{ "failslab colour=red", "step 'failslab' has no key 'colour' (usage: failslab off | [prob=PROB] [interval=COUNT] [times=COUNT])", 2 },
	{ "failslab off prob=0.1", "step 'failslab': too many arguments from 'prob=0.1'", 2 },
	{ "failslab interval=0", "step 'failslab': interval wants a decimal number 1..2147483647, got '0'", 2 },
	{ "failslab of", "step 'failslab': too many arguments from 'of'", 2 },
	{ "sim-evolve vf2", "step 'sim-evolve': FN names vf2 but the topology has 2 VFs (vfs=2)", 2 },
	{ "sim-evolve vf0", "names vf0 but the topology has 0 VFs (vfs=0)", 0 },
	{ "sim-evolve vf7", "step 'sim-evolve': FN wants a simulated function: pf, or vfN", -1 },
	{ "sim-compare vf0 vf1 expect-same", "step 'sim-compare': 'expect-same' is not one of expect-differ", 2 },
	{ "sim-fault", "step 'sim-fault' is missing FAULT (usage: sim-fault FAULT...)", 2 },
	{ "sleep", "step 'sleep' is missing SECONDS", 2 },
	{ "sleep 3601", "step 'sleep': SECONDS wants seconds 0..3600", 2 },
	{ "sleep 3600.5", "got '3600.5'", 2 },
	{ "sleep 1e3", "got '1e3'", 2 },
	{ "sleep 1.", "got '1.'", 2 },
	{ "cfg-bench 0000:00:00.0 0", "step 'cfg-bench': COUNT wants a decimal number 1..2147483647, got '0'", 2 },
	{ "cfg-bench 0000:00:00.0 2147483648", "got '2147483648'", 2 },
	{ "expect-netdev-mac 52:54:00:56:46", "step 'expect-netdev-mac': MAC wants a MAC address", 2 },
	{ "expect-netdev-mac 52:54:00:56:46:0g", "got '52:54:00:56:46:0g'", 2 },
	{ "write relative 1", "step 'write': PATH wants an absolute path, got 'relative'", 2 },
	{ "expect-sysfs /sys/x", "step 'expect-sysfs' is missing VALUE (usage: expect-sysfs PATH VALUE...)", 2 },
	{ "", "empty step", 2 },
	{ "sim-fault a b c d e f g h i j k l m n o", "step 'sim-fault' has more than 15 words", 2 },
};

START_TEST(test_bad_steps)
{
	const struct step_env env = { .vfs = bad[_i].vfs };
	char why[STEP_WHY_LEN];

	ck_assert_msg(!step_check_line(bad[_i].line, &env, why, sizeof(why)),
		      "'%s' accepted", bad[_i].line);
	ck_assert_msg(strstr(why, bad[_i].why), "'%s': want \"%s\" in \"%s\"",
		      bad[_i].line, bad[_i].why, why);
}
END_TEST

/* Topology checks only where the topology is known. */
START_TEST(test_guest_checks_syntax_only)
{
	static const struct step_env guest = { .vfs = -1 };
	char why[STEP_WHY_LEN];

	ck_assert(step_check_line("bind 0000:00:07.0 vfio-pci", &guest, why,
				  sizeof(why)));
	ck_assert(step_check_line("bind 0001:0a:1f.7 vfio-pci", &guest, why,
				  sizeof(why)));
	ck_assert(step_check_line("sim-evolve vf6", &guest, why, sizeof(why)));
	ck_assert(step_check_line("sim-fault anything at=all", &guest, why,
				  sizeof(why)));
}
END_TEST

START_TEST(test_line_limits)
{
	char line[AGENT_MAX_LINE + 2], why[STEP_WHY_LEN];
	size_t head = strlen("write /sys/x ");

	memcpy(line, "write /sys/x ", head);
	memset(line + head, 'v', AGENT_MAX_LINE - head);
	line[AGENT_MAX_LINE] = 0;
	ck_assert_msg(step_check_line(line, &vfs2, why, sizeof(why)), "%s", why);
	strcat(line, "v");
	ck_assert(!step_check_line(line, &vfs2, why, sizeof(why)));
	ck_assert_str_eq(why, "step line is longer than 511 characters (512)");
	/* Fifteen words are fine, a sixteenth would be cut by the agent. */
	ck_assert(step_check_line("sim-fault a b c d e f g h i j k l m n",
				  &vfs2, why, sizeof(why)));
}
END_TEST

static int fault_calls;

static bool refuse_fault(void *ctx, const char *words)
{
	fault_calls++;
	ck_assert_str_eq(ctx, "ctx");
	ck_assert_str_eq(words, "admin-fail op=any nth=1");
	return false;
}

/* A FAULT argument goes to the caller's fault checker, which reports. */
START_TEST(test_fault_words_delegated)
{
	const struct step_env env = { .vfs = 2, .check_fault = refuse_fault,
				      .ctx = "ctx" };
	char why[STEP_WHY_LEN] = "x";

	ck_assert(!step_check_line("sim-fault admin-fail  op=any nth=1", &env,
				   why, sizeof(why)));
	ck_assert_int_eq(fault_calls, 1);
	ck_assert_str_eq(why, "");
}
END_TEST

START_TEST(test_states)
{
	ck_assert_int_eq(step_state("STOP_COPY"), 3);
	ck_assert_int_eq(step_state("pre_copy_p2p"), 7);
	ck_assert_int_eq(step_state("ERROR"), 0);
	ck_assert_int_eq(step_state("STOPCOPY"), -1);
	ck_assert_str_eq(step_state_names[4], "RESUMING");
}
END_TEST

START_TEST(test_help_lists_every_step_and_kind)
{
	char *text = NULL, usage[256];
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	step_print_help(f);
	fclose(f);
	for (size_t i = 0; i < step_nspecs; i++) {
		char want[300];

		snprintf(want, sizeof(want), "%s\n",
			 step_usage(&step_specs[i], usage, sizeof(usage)));
		ck_assert_msg(strstr(text, want), "'%s' not in help", want);
	}
	ck_assert_ptr_nonnull(strstr(text, "\n\nArgument kinds:\n  BDF "));
	free(text);
}
END_TEST

Suite *steps_suite(void)
{
	Suite *s = suite_create("steps");
	TCase *tc = tcase_create("table");

	tcase_add_test(tc, test_rows_well_formed);
	tcase_add_test(tc, test_malformed_rows_refused);
	tcase_add_test(tc, test_usage_shows_labels);
	tcase_add_loop_test(tc, test_good_steps, 0, ARRAY_SIZE(good));
	tcase_add_loop_test(tc, test_bad_steps, 0, ARRAY_SIZE(bad));
	tcase_add_test(tc, test_guest_checks_syntax_only);
	tcase_add_test(tc, test_line_limits);
	tcase_add_test(tc, test_fault_words_delegated);
	tcase_add_test(tc, test_states);
	tcase_add_test(tc, test_help_lists_every_step_and_kind);
	suite_add_tcase(s, tc);
	return s;
}
