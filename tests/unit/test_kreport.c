// SPDX-License-Identifier: GPL-2.0
/* Recognising kernel reports in a UML console log. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sim/harness/kreport.h"
#include "helpers.h"

static void assert_kind(const char *line, const char *kind)
{
	const char *got = kreport_classify(line);

	ck_assert_msg(got && !strcmp(got, kind), "\"%s\": got %s, want %s",
		      line, got ? got : "NULL", kind);
}

START_TEST(test_classify_lockdep)
{
	assert_kind("[    2.345678] WARNING: possible circular locking "
		    "dependency detected", "lockdep-circular");
	assert_kind("WARNING: possible irq lock inversion dependency detected",
		    "lockdep-irq-inversion");
	assert_kind("WARNING: HARDIRQ-safe -> HARDIRQ-unsafe lock order "
		    "detected", "lockdep-irq-order");
	assert_kind("WARNING: inconsistent lock state",
		    "lockdep-inconsistent");
	assert_kind("WARNING: suspicious RCU usage", "lockdep-rcu");
}
END_TEST

/* The unlock-irq-check series' reports are a kind of their own. */
START_TEST(test_classify_unlock_irq)
{
	assert_kind("WARNING: spin_unlock_irq() with interrupts enabled",
		    "unlock-irq-mismatch");
	assert_kind("WARNING: read_unlock_irq() with interrupts enabled",
		    "unlock-irq-mismatch");
	assert_kind("WARNING: write_unlock_irq() enables interrupts in "
		    "hard-IRQ context", "unlock-irq-mismatch");
}
END_TEST

START_TEST(test_classify_other_reports)
{
	assert_kind("BUG: sleeping function called from invalid context at "
		    "include/linux/sched/mm.h:322", "sleep-in-atomic");
	assert_kind("INFO: task kworker/0:1:23 blocked for more than 5 "
		    "seconds.", "hung-task");
	assert_kind("BUG: KASAN: slab-use-after-free in foo+0x1/0x2", "kasan");
	assert_kind("WARNING: CPU: 0 PID: 1 at drivers/vfio/pci/virtio/"
		    "migrate.c:100 foo+0x0/0x1", "warning");
	assert_kind("UBSAN: array-index-out-of-bounds in foo.c:1:2", "ubsan");
	assert_kind("Kernel panic - not syncing: Attempted to kill init!",
		    "panic");
	assert_kind("BUG: unable to handle page fault for address: 0", "bug");
}
END_TEST

START_TEST(test_classify_ordinary_lines)
{
	static const char *const lines[] = {
		"virtio_net virtio0: link up",
		"pci 0000:00:00.0: [1af4:1041] type 00 class 0x020000",
		"------------[ cut here ]------------",
		"---[ end trace 0000000000000000 ]---",
		"---[ end Kernel panic - not syncing: Attempted to kill init! ]---",
		"Call Trace:",
		"",
	};

	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++)
		ck_assert_msg(!kreport_classify(lines[i]), "\"%s\" -> %s",
			      lines[i], kreport_classify(lines[i]));
}
END_TEST

static const char log_text[] =
	"[    0.100000] Linux version 7.2.0 (UML)\n"
	"[    1.000000] ======================================================\n"
	"[    1.000001] WARNING: possible circular locking dependency detected\n"
	"[    1.000002] 7.2.0 #1 Not tainted\n"
	"[    1.000003] ------------------------------------------------------\n"
	"[    1.000004] kworker/0:1/23 is trying to acquire lock:\n"
	"[    1.000005] *** DEADLOCK ***\n"
	"[    2.000000] ========================================================\n"
	"[    2.000001] WARNING: possible irq lock inversion dependency detected\n"
	"[    2.000002] swapper/0/1 just changed the state of lock:\n"
	"[    3.000000] BUG: sleeping function called from invalid context at "
	"include/linux/sched/mm.h:322\n"
	"[    3.000001] in_atomic(): 1, irqs_disabled(): 1, non_block: 0\n"
	"[    4.000000] ------------[ cut here ]------------\n"
	"[    4.000001] WARNING: CPU: 0 PID: 1 at drivers/vfio/pci/virtio/"
	"migrate.c:100 foo+0x0/0x1\n"
	"[    4.000002] Call Trace:\n"
	"[    4.000003] ---[ end trace 0000000000000000 ]---\n"
	"[    5.000000] BUG: KASAN: slab-use-after-free in foo+0x1/0x2\n"
	"[    5.000001] Read of size 8 at addr 000000006a1b2c3d by task sh/1\n"
	"[    5.000002] Disabling lock debugging due to kernel taint\n"
	"[    6.000000] INFO: task kworker/0:1:23 blocked for more than 5 "
	"seconds.\n"
	"[    7.000000] Kernel panic - not syncing: Attempted to kill init!\n"
	"[    7.000001] ---[ end Kernel panic - not syncing: Attempted to kill "
	"init! ]---\n";

static const char *const expected_kinds[] = {
	"lockdep-circular", "lockdep-irq-inversion", "sleep-in-atomic",
	"warning", "kasan", "hung-task", "panic",
};

START_TEST(test_scan_counts_each_report_once)
{
	char path[] = "/tmp/vfsim-kreport-XXXXXX", *out = NULL;
	size_t out_len = 0, n = sizeof(expected_kinds) /
				sizeof(expected_kinds[0]);
	int fd = mkstemp(path);
	const char *p;
	FILE *f;

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, log_text, strlen(log_text)),
			 (ssize_t)strlen(log_text));
	close(fd);
	f = open_memstream(&out, &out_len);
	ck_assert_int_eq(kreport_scan(path, f), (int)n);
	fclose(f);
	unlink(path);
	p = out;
	for (size_t i = 0; i < n; i++) {
		ck_assert_msg(!strncmp(p, expected_kinds[i],
				       strlen(expected_kinds[i])),
			      "finding %zu: %s", i, p);
		p = strchr(p, '\n') + 1;
	}
	ck_assert_str_eq(p, "");
	free(out);
}
END_TEST

/* Findings of @text, one "kind: headline..." per line, into a string. */
static char *scan_text(const char *text, int *n)
{
	char path[] = "/tmp/vfsim-kreport-XXXXXX", *out = NULL;
	size_t out_len = 0;
	int fd = mkstemp(path);
	FILE *f;

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	f = open_memstream(&out, &out_len);
	*n = kreport_scan(path, f);
	fclose(f);
	unlink(path);
	return out;
}

/*
 * Issue 14: after "kworker/1:123", a report for "worker/1:12" (a
 * substring) was taken as a repeat and dropped.  Two tasks, two findings;
 * the same task again, none.
 */
START_TEST(test_hung_tasks_by_exact_name)
{
	int n;
	char *out = scan_text(
		"INFO: task kworker/1:123:45 blocked for more than 20 seconds.\n"
		"INFO: task worker/1:123:4 blocked for more than 20 seconds.\n"
		"INFO: task kworker/1:123:45 blocked for more than 40 seconds.\n"
		"INFO: task my task:99 blocked for more than 20 seconds.\n"
		"INFO: task my task:9 blocked for more than 20 seconds.\n"
		"INFO: task kworker/1:123 blocked for more than 20 seconds.\n"
		"INFO: task worker/1:12 blocked for more than 20 seconds.\n",
		&n);

	ck_assert_int_eq(n, 6);
	ck_assert_ptr_nonnull(strstr(out, "task worker/1:123:4 blocked"));
	ck_assert_ptr_nonnull(strstr(out, "task worker/1:12 blocked"));
	ck_assert_ptr_nonnull(strstr(out, "task my task:9 blocked"));
	free(out);
}
END_TEST

/* No fixed-size memory of tasks: the 300th new task is still reported. */
START_TEST(test_hung_tasks_many)
{
	char *text = NULL, *out;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	int n;

	for (int i = 0; i < 300; i++)
		fprintf(f, "INFO: task kworker/u8:%d:%d blocked for more than "
			"20 seconds.\n", i, 1000 + i);
	fclose(f);
	out = scan_text(text, &n);
	ck_assert_int_eq(n, 300);
	free(out);
	free(text);
}
END_TEST

/* What the agent prints is no kernel report, whatever it quotes. */
START_TEST(test_agent_lines_are_not_reports)
{
	int n;
	char *out = scan_text(
		"vfsim-agent: step=3 name=write status=fail error=\"BUG: x\"\n"
		"vfsim-rpc 1 fault admin-fail op=any WARNING:\n"
		"vfsim-mark Kernel panic\n", &n);

	ck_assert_int_eq(n, 0);
	free(out);
}
END_TEST

START_TEST(test_scan_missing_file)
{
	ck_assert_int_lt(kreport_scan("/nonexistent/vfsim/console.log",
				      stdout), 0);
}
END_TEST

Suite *kreport_suite(void)
{
	Suite *s = suite_create("kreport");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_classify_lockdep);
	tcase_add_test(tc, test_classify_unlock_irq);
	tcase_add_test(tc, test_classify_other_reports);
	tcase_add_test(tc, test_classify_ordinary_lines);
	tcase_add_test(tc, test_scan_counts_each_report_once);
	tcase_add_test(tc, test_scan_missing_file);
	tcase_add_test(tc, test_hung_tasks_by_exact_name);
	tcase_add_test(tc, test_hung_tasks_many);
	tcase_add_test(tc, test_agent_lines_are_not_reports);
	suite_add_tcase(s, tc);
	return s;
}
