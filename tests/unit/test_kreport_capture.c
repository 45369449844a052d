// SPDX-License-Identifier: GPL-2.0
/*
 * The kernel report scanner on real consoles captured from vfsim runs
 * (tests/unit/data/consoles, kernel lines only), whole, truncated
 * and damaged.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sim/harness/kreport.h"

#ifndef DATA_DIR
#define DATA_DIR "tests/unit/data/consoles"
#endif

/* Scan @name (or its first @lines lines if > 0); findings in a buffer. */
static int scan(const char *name, int lines, char *out, size_t len)
{
	char path[256], tmp[] = "/tmp/vfsim-kr-XXXXXX", line[4096];
	FILE *in, *cut, *res = fmemopen(out, len, "w");
	int n, fd;

	snprintf(path, sizeof(path), "%s/%s", DATA_DIR, name);
	if (lines > 0) {
		in = fopen(path, "r");
		fd = mkstemp(tmp);
		ck_assert(in && fd >= 0);
		cut = fdopen(fd, "w");
		while (lines-- > 0 && fgets(line, sizeof(line), in))
			fputs(line, cut);
		fclose(cut);
		fclose(in);
		n = kreport_scan(tmp, res);
		unlink(tmp);
	} else {
		n = kreport_scan(path, res);
	}
	fclose(res);
	return n;
}

START_TEST(test_sleep_in_atomic_and_irq_inversion)
{
	char out[8192];

	ck_assert_int_eq(scan("pf-indirect.log", 0, out, sizeof(out)), 2);
	ck_assert_ptr_nonnull(strstr(out, "sleep-in-atomic: BUG: sleeping "
					  "function called from invalid context"));
	ck_assert_ptr_nonnull(strstr(out, "stack: __kmalloc_noprof < "
					  "virtqueue_add_split"));
	ck_assert_ptr_nonnull(strstr(out, "lockdep-irq-inversion:"));
	ck_assert_ptr_nonnull(strstr(out, "vp_modern_avq_done"));
}
END_TEST

START_TEST(test_hung_task_once_with_its_wait)
{
	char out[8192];

	/* The detector repeats itself every interval: one finding. */
	ck_assert_int_eq(scan("hung-task.log", 0, out, sizeof(out)), 1);
	ck_assert_ptr_nonnull(strstr(out, "hung-task: INFO: task "
					  "vfsim-agent:1 blocked"));
	ck_assert_ptr_nonnull(strstr(out, "wait_for_completion < "
					  "vp_modern_admin_cmd_exec"));
}
END_TEST

START_TEST(test_warning_location_and_callers)
{
	char out[8192];

	ck_assert_int_eq(scan("pf-unbind.log", 0, out, sizeof(out)), 3);
	ck_assert_ptr_nonnull(strstr(out, "warning: WARNING: "
					  "drivers/pci/remove.c:128"));
	ck_assert_ptr_nonnull(strstr(out, "pci_iov_remove_virtfn < "
					  "sriov_disable"));
}
END_TEST

START_TEST(test_panic)
{
	char out[8192];

	ck_assert_int_eq(scan("poweroff-panic.log", 0, out, sizeof(out)), 1);
	ck_assert_ptr_nonnull(strstr(out, "panic: Kernel panic - not syncing"));
	ck_assert_ptr_nonnull(strstr(out, "stack: virtqueue_add_sgs < "
					  "virtio_pcidev_send_cmd"));
}
END_TEST

/* Under time-travel the runner leaves hung tasks out; the rest stays. */
START_TEST(test_scan_except_kind)
{
	char path[256], out[8192];
	FILE *res;
	int all, n;

	snprintf(path, sizeof(path), "%s/hung-task.log", DATA_DIR);
	all = scan("hung-task.log", 0, out, sizeof(out));
	ck_assert_int_ge(all, 1);
	memset(out, 0, sizeof(out));
	res = fmemopen(out, sizeof(out), "w");
	n = kreport_scan_except(path, res, "hung-task");
	fclose(res);
	ck_assert_ptr_null(strstr(out, "hung-task:"));
	ck_assert_int_lt(n, all);
}
END_TEST

/* The same bug on the debug profile: KASAN names it; its frames are skipped. */
START_TEST(test_poweroff_kasan)
{
	char out[8192];

	ck_assert_int_eq(scan("poweroff-kasan.log", 0, out, sizeof(out)), 2);
	ck_assert_ptr_nonnull(strstr(out, "kasan: BUG: KASAN: slab-use-after-free "
					  "in um_pci_bar_write"));
	ck_assert_ptr_nonnull(strstr(out, "stack: um_pci_bar_write < __raw_writeb"));
	ck_assert_ptr_nonnull(strstr(out, "panic: Kernel panic"));
}
END_TEST

/*
 * The debug profile's unlock-irq-check series (scenarios/bugs/
 * reset-lock-unlock-irq.patch): its own finding kind, and the stack
 * starts at the caller of spin_unlock_irq(), past the lock API.
 */
START_TEST(test_unlock_irq_enabled)
{
	char out[8192];

	ck_assert_int_eq(scan("unlock-irq-enabled.log", 0, out, sizeof(out)), 1);
	ck_assert_ptr_nonnull(strstr(out, "unlock-irq-mismatch: WARNING: "
					  "spin_unlock_irq() with interrupts enabled"));
	ck_assert_ptr_nonnull(strstr(out, "stack: virtiovf_state_mutex_unlock < "
					  "virtiovf_migration_reset_done"));
}
END_TEST

/* In a hard-IRQ handler (avq-done-unlock-irq.patch): both detectors. */
START_TEST(test_unlock_irq_hardirq)
{
	char out[8192];

	ck_assert_int_eq(scan("unlock-irq-hardirq.log", 0, out, sizeof(out)), 2);
	ck_assert_ptr_nonnull(strstr(out, "unlock-irq-mismatch: WARNING: "
					  "spin_unlock_irq() enables interrupts in "
					  "hard-IRQ context | stack: vp_modern_avq_done"));
	ck_assert_ptr_nonnull(strstr(out, "warning: WARNING: kernel/irq/handle.c"));
}
END_TEST

/* device-lock-classes: a VF probe taking device_lock(PF) is circular. */
START_TEST(test_device_lock_circular)
{
	char out[8192];

	ck_assert_int_eq(scan("device-lock-circular.log", 0, out, sizeof(out)), 1);
	ck_assert_ptr_nonnull(strstr(out, "lockdep-circular: WARNING: possible "
					  "circular locking dependency detected"));
	ck_assert_ptr_nonnull(strstr(out, "< virtiovf_pci_probe < "
					  "pci_device_probe"));
}
END_TEST

/* Cut anywhere, a capture still yields its headlines and never crashes. */
START_TEST(test_truncated_everywhere)
{
	static const char *const names[] = {
		"pf-indirect.log", "hung-task.log", "pf-unbind.log",
		"poweroff-panic.log", "poweroff-kasan.log",
		"unlock-irq-enabled.log",
	};
	char out[8192];

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		for (int lines = 1; lines < 700; lines += 7)
			ck_assert_int_ge(scan(names[i], lines, out, sizeof(out)),
					 0);
	/* Cut right after the headline: found, with no stack. */
	ck_assert_int_ge(scan("poweroff-panic.log", 0, out, sizeof(out)), 1);
}
END_TEST

START_TEST(test_damaged_lines)
{
	char tmp[] = "/tmp/vfsim-kr-XXXXXX", out[4096];
	int fd = mkstemp(tmp);
	FILE *f = fdopen(fd, "w"), *res;
	int n;

	/* An endless line, a NUL byte, a frame with no symbol, then a report. */
	for (int i = 0; i < 5000; i++)
		fputc('x', f);
	fputs("\n", f);
	fputc('\0', f);
	fputs("garbage\n [<>] \nBUG: KASAN: slab-use-after-free in "
	      "foo+0x1/0x2\nCall Trace:\n [<1>] ? guess+0x0/0x1\n"
	      " [<2>] real_caller+0x10/0x20\n", f);
	fclose(f);
	res = fmemopen(out, sizeof(out), "w");
	n = kreport_scan(tmp, res);
	fclose(res);
	unlink(tmp);
	ck_assert_int_eq(n, 1);
	ck_assert_ptr_nonnull(strstr(out, "kasan: BUG: KASAN: slab-use-after-free"));
	ck_assert_ptr_nonnull(strstr(out, "stack: real_caller"));
	ck_assert_ptr_null(strstr(out, "guess"));
	ck_assert_int_lt(kreport_scan("/nonexistent/console.log", stdout), 0);
}
END_TEST

Suite *kreport_capture_suite(void)
{
	Suite *s = suite_create("kreport_capture");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_sleep_in_atomic_and_irq_inversion);
	tcase_add_test(tc, test_hung_task_once_with_its_wait);
	tcase_add_test(tc, test_warning_location_and_callers);
	tcase_add_test(tc, test_panic);
	tcase_add_test(tc, test_poweroff_kasan);
	tcase_add_test(tc, test_scan_except_kind);
	tcase_add_test(tc, test_unlock_irq_enabled);
	tcase_add_test(tc, test_unlock_irq_hardirq);
	tcase_add_test(tc, test_device_lock_circular);
	tcase_add_test(tc, test_truncated_everywhere);
	tcase_add_test(tc, test_damaged_lines);
	suite_add_tcase(s, tc);
	return s;
}
