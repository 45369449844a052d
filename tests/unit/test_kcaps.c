// SPDX-License-Identifier: GPL-2.0
/*
 * What a kernel can do (sim/harness/kcaps.c): requirement words, the
 * reasons a kernel does not meet them, and the symbols that tell
 * virtio-vfio-pci's migration and legacy I/O apart.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "sim/harness/kcaps.h"
#include "helpers.h"

Suite *kcaps_suite(void);

/* What the symbol scan looks for: this test binary "has" migration. */
const int virtiovf_vfio_pci_lm_ops = 1;

static struct kcaps kernel(const char *version, bool mig, bool legacy)
{
	struct kcaps c = { .known = true, .symbols = true, .migration = mig,
			   .legacy_io = legacy, .detectors = true };

	snprintf(c.version, sizeof(c.version), "%s", version);
	sscanf(version, "%u.%u.%u", &c.ver[0], &c.ver[1], &c.ver[2]);
	return c;
}

START_TEST(test_words)
{
	static const char *const good[] = {
		"migration", "legacy-io", "detectors", "kasan", "kernel>=6.13",
		"kernel<7.2", "kernel>=6.12.117",
	};
	static const char *const bad[] = {
		"", "Migration", "kernel", "kernel>6.12", "kernel>=6",
		"kernel<=7.2", "kernel>=6.12.1.1", "kernel>=6.x",
	};
	char err[200];

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		ck_assert_msg(!kcaps_check_word(good[i], err, sizeof(err)),
			      "%s refused: %s", good[i], err);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = 0;
		ck_assert_msg(kcaps_check_word(bad[i], err, sizeof(err)),
			      "'%s' accepted", bad[i]);
		ck_assert_ptr_nonnull(strstr(err, "unknown requirement"));
	}
}
END_TEST

START_TEST(test_unmet)
{
	struct kcaps lts = kernel("6.12.117", false, true);
	struct kcaps new = kernel("7.3.4", true, false);
	struct kcaps unknown = { 0 }, script = lts;
	char buf[200];
	const char *why;

	why = kcaps_unmet(&lts, "migration", buf, sizeof(buf));
	ck_assert_str_eq(why, "6.12.117 has no virtio-vfio-pci live migration "
			 "(added in 6.13)");
	ck_assert_ptr_null(kcaps_unmet(&lts, "legacy-io", buf, sizeof(buf)));
	ck_assert_ptr_nonnull(kcaps_unmet(&new, "legacy-io", buf, sizeof(buf)));
	ck_assert_ptr_null(kcaps_unmet(&new, "migration", buf, sizeof(buf)));
	ck_assert_ptr_null(kcaps_unmet(&new, "detectors", buf, sizeof(buf)));
	ck_assert_ptr_nonnull(kcaps_unmet(&new, "kasan", buf, sizeof(buf)));
	ck_assert_str_eq(kcaps_unmet(&lts, "kernel>=6.13", buf, sizeof(buf)),
			 "needs kernel>=6.13, this is 6.12.117");
	ck_assert_ptr_null(kcaps_unmet(&new, "kernel>=6.13", buf, sizeof(buf)));
	ck_assert_ptr_null(kcaps_unmet(&new, "kernel>=7.3.4", buf, sizeof(buf)));
	ck_assert_ptr_nonnull(kcaps_unmet(&new, "kernel>=7.3.5", buf,
					  sizeof(buf)));
	ck_assert_ptr_nonnull(kcaps_unmet(&new, "kernel<7.3", buf, sizeof(buf)));
	ck_assert_ptr_null(kcaps_unmet(&lts, "kernel<7.3", buf, sizeof(buf)));
	/* A kernel that could not be asked, or no ELF: run and see. */
	ck_assert_ptr_null(kcaps_unmet(&unknown, "migration", buf,
				       sizeof(buf)));
	script.symbols = false;
	ck_assert_ptr_null(kcaps_unmet(&script, "migration", buf, sizeof(buf)));
	ck_assert_ptr_nonnull(kcaps_unmet(&script, "kasan", buf, sizeof(buf)));
}
END_TEST

START_TEST(test_symbols)
{
	struct kcaps c = { 0 };
	char err[300];

	ck_assert_int_eq(kcaps_read_symbols("/proc/self/exe", &c, err,
					    sizeof(err)), 0);
	ck_assert(c.symbols);
	ck_assert(c.migration);
	ck_assert(!c.legacy_io);
	ck_assert_int_eq(kcaps_read_symbols("/etc/hostname", &c, err,
					    sizeof(err)), -EINVAL);
	ck_assert_int_lt(kcaps_read_symbols("/nonexistent", &c, err,
					    sizeof(err)), 0);
	ck_assert_ptr_nonnull(strstr(err, "/nonexistent"));
}
END_TEST

Suite *kcaps_suite(void)
{
	Suite *s = suite_create("kcaps");
	TCase *t = tcase_create("core");

	tcase_add_test(t, test_words);
	tcase_add_test(t, test_unmet);
	tcase_add_test(t, test_symbols);
	suite_add_tcase(s, t);
	return s;
}
