// SPDX-License-Identifier: GPL-2.0
/* Fault trigger logic: parsing, Nth occurrence, counts, seeded probability. */
#include <check.h>
#include <string.h>

#include "sim/bus/fault.h"

static struct fault parse_ok(const char *text)
{
	struct fault f;
	char err[160];

	ck_assert_msg(!fault_parse(text, &f, err, sizeof(err)), "%s: %s",
		      text, err);
	return f;
}

static void parse_bad(const char *text, const char *why)
{
	struct fault f;
	char err[160] = "";

	ck_assert_int_eq(fault_parse(text, &f, err, sizeof(err)), -22);
	ck_assert_msg(strstr(err, why), "'%s': got '%s', want '%s'", text,
		      err, why);
}

START_TEST(test_parse_defaults)
{
	struct fault f = parse_ok("admin-fail op=DEV_PARTS_GET");

	ck_assert_int_eq(f.kind, FAULT_ADMIN_FAIL);
	ck_assert_str_eq(f.target, "DEV_PARTS_GET");
	ck_assert_uint_eq(f.nth, 1);
	ck_assert_uint_eq(f.count, 1);
	ck_assert_uint_eq(f.arg, 22);	/* EINVAL unless status= */
	f = parse_ok("msi-delay fn=vf3 ms=20 nth=4");
	ck_assert_str_eq(f.target, "vf3");
	ck_assert_uint_eq(f.arg, 20);
	ck_assert_uint_eq(f.nth, 4);
	f = parse_ok("cfg-ones fn=pf");
	ck_assert_uint_eq(f.count, 0);	/* from then on */
}
END_TEST

START_TEST(test_parse_errors)
{
	parse_bad("admin-fial op=X", "unknown fault");
	parse_bad("", "unknown fault");
	parse_bad("admin-fail op", "KEY=VALUE");
	parse_bad("admin-fail fn=pf", "does not apply");
	parse_bad("msi-drop op=LIST_QUERY", "does not apply");
	parse_bad("admin-fail op=X nth=0", "bad key or value");
	parse_bad("admin-fail op=X nth=abc", "not a number");
	parse_bad("admin-fail op=X prob=1.5", "prob");
	parse_bad("admin-delay op=X", "needs a duration");
	parse_bad("admin-fail op=X colour=red", "bad key");
	/* What reaches it from the guest and the control socket, unchecked. */
	parse_bad("admin-fail op=X prob=nan", "prob");
	parse_bad("admin-fail op=X prob=-nan", "prob");
	parse_bad("admin-fail op=X prob=inf", "prob");
	parse_bad("admin-fail op=X prob=", "prob");
	parse_bad("admin-fail op=X nth=-1", "not a number");
	parse_bad("admin-fail op=X nth=+1", "not a number");
	parse_bad("admin-fail op=X status=65536", "bad key or value");
	parse_bad("msi-drop fn=vf0123456789012345678901234567890123",
		  "no function");
	ck_assert_uint_eq(parse_ok("admin-fail op=X status=65535").arg, 65535);
	parse_bad("cfg-value fn=vf0 off=0xd len=2", "aligned");
	parse_bad("cfg-value fn=vf0 off=4096", "bad key or value");
	parse_bad("cfg-value fn=vf0 len=3", "bad key or value");
	parse_bad("cfg-value fn=vf0 val=0x100000000", "bad key or value");
	parse_bad("cfg-value op=LIST_QUERY", "does not apply");
	parse_bad("cap-next fn=vf0", "needs ptr=");
	parse_bad("cap-next fn=vf0 ptr=last", "not a number");
	parse_bad("cap-next fn=vf0 ptr=1 ext=2", "bad key or value");
	parse_bad("cfg-ones fn=vf0 off=1", "bad key");
}
END_TEST

START_TEST(test_parse_cfg_faults)
{
	struct fault f = parse_ok("cfg-value fn=vf1 off=0xe len=1 val=0x7f");

	ck_assert_int_eq(f.kind, FAULT_CFG_VALUE);
	ck_assert_uint_eq(f.off, 0xe);
	ck_assert_uint_eq(f.len, 1);
	ck_assert_uint_eq(f.val, 0x7f);
	ck_assert_uint_eq(f.count, 0);	/* from then on */
	f = parse_ok("cfg-value fn=pf off=292 val=0");
	ck_assert_uint_eq(f.len, 4);
	ck_assert_uint_eq(f.off, 0x124);
	f = parse_ok("cap-next fn=vf0 ptr=first");
	ck_assert_uint_eq(f.val, FAULT_PTR_FIRST);
	ck_assert(!f.ext);
	f = parse_ok("cap-next fn=pf ptr=self ext=1 count=3");
	ck_assert_uint_eq(f.val, FAULT_PTR_SELF);
	ck_assert(f.ext);
	ck_assert_uint_eq(f.count, 3);
	f = parse_ok("cfg-ones fn=vf0 count=4");
	ck_assert_uint_eq(f.count, 4);
	ck_assert_int_eq(fault_kind_by_name("cap-next"), FAULT_CAP_NEXT);
	ck_assert_int_eq(fault_kind_by_name("cap-nxt"), -1);
}
END_TEST

START_TEST(test_nth_fires_once)
{
	struct fault_set s;
	int fired[6] = { 0 };

	fault_set_init(&s, 1);
	fault_arm(&s, &(struct fault){ .kind = FAULT_ADMIN_FAIL,
				       .target = "DEV_PARTS_GET", .nth = 3,
				       .count = 1 });
	for (int i = 0; i < 6; i++)
		fired[i] = fault_hit(&s, FAULT_ADMIN_FAIL, "DEV_PARTS_GET") != NULL;
	ck_assert(!fired[0] && !fired[1] && fired[2] && !fired[3] &&
		  !fired[4] && !fired[5]);
	/* Other opcodes and kinds do not count towards it. */
	ck_assert_ptr_null(fault_hit(&s, FAULT_ADMIN_FAIL, "LIST_QUERY"));
	ck_assert_ptr_null(fault_hit(&s, FAULT_ADMIN_HANG, "DEV_PARTS_GET"));
}
END_TEST

START_TEST(test_count_and_any)
{
	struct fault_set s;
	int n = 0;

	fault_set_init(&s, 1);
	fault_arm(&s, &(struct fault){ .kind = FAULT_MSI_DROP, .target = "any",
				       .nth = 2, .count = 3 });
	for (int i = 0; i < 10; i++)
		n += fault_hit(&s, FAULT_MSI_DROP, i % 2 ? "pf" : "vf0") != NULL;
	ck_assert_int_eq(n, 3);
}
END_TEST

START_TEST(test_unlimited)
{
	struct fault_set s;
	struct fault f = parse_ok("cfg-ones fn=vf0");
	int n = 0;

	fault_set_init(&s, 1);
	fault_arm(&s, &f);
	for (int i = 0; i < 100; i++)
		n += fault_hit(&s, FAULT_CFG_ONES, "vf0") != NULL;
	ck_assert_int_eq(n, 100);
	fault_disarm(&s, FAULT_CFG_ONES);
	ck_assert_ptr_null(fault_hit(&s, FAULT_CFG_ONES, "vf0"));
}
END_TEST

static int prob_run(uint64_t seed, char *pattern)
{
	struct fault_set s;
	struct fault f = parse_ok("admin-fail op=any prob=0.25");
	int n = 0;

	fault_set_init(&s, seed);
	fault_arm(&s, &f);
	for (int i = 0; i < 400; i++) {
		bool hit = fault_hit(&s, FAULT_ADMIN_FAIL, "LIST_USE") != NULL;

		pattern[i] = hit ? '1' : '0';
		n += hit;
	}
	pattern[400] = 0;
	return n;
}

START_TEST(test_probability_is_seeded)
{
	char a[401], b[401], c[401];
	int n = prob_run(42, a);

	/* Same seed, same faults: a failing run can be replayed exactly. */
	ck_assert_int_eq(prob_run(42, b), n);
	ck_assert_str_eq(a, b);
	/* Another seed, another pattern; both near 25 %. */
	prob_run(43, c);
	ck_assert_str_ne(a, c);
	ck_assert_int_gt(n, 60);
	ck_assert_int_lt(n, 140);
}
END_TEST

START_TEST(test_full_set)
{
	struct fault_set s;
	struct fault f = parse_ok("msi-dup fn=pf");

	fault_set_init(&s, 0);
	for (int i = 0; i < FAULT_MAX; i++)
		ck_assert_int_eq(fault_arm(&s, &f), 0);
	ck_assert_int_eq(fault_arm(&s, &f), -28);	/* ENOSPC */
	ck_assert_ptr_null(fault_hit(NULL, FAULT_MSI_DUP, "pf"));
}
END_TEST

/* read-ones: one register, its Nth read, once; other registers untouched. */
START_TEST(test_read_ones_register)
{
	struct fault_set s;
	struct fault f = parse_ok("read-ones fn=vf0 reg=cfg:0x4 nth=2");

	ck_assert_str_eq(f.reg, "cfg:0x4");
	fault_set_init(&s, 1);
	ck_assert(!fault_armed(&s, FAULT_READ_ONES));
	ck_assert_int_eq(fault_arm(&s, &f), 0);
	ck_assert(fault_armed(&s, FAULT_READ_ONES));
	ck_assert_ptr_null(fault_hit_reg(&s, FAULT_READ_ONES, "vf0", "cfg:0x4"));
	ck_assert_ptr_null(fault_hit_reg(&s, FAULT_READ_ONES, "vf0", "cfg:0x6"));
	ck_assert_ptr_null(fault_hit_reg(&s, FAULT_READ_ONES, "vf1", "cfg:0x4"));
	ck_assert_ptr_null(fault_hit(&s, FAULT_READ_ONES, "vf0"));
	ck_assert_ptr_nonnull(fault_hit_reg(&s, FAULT_READ_ONES, "vf0",
					    "cfg:0x4"));
	ck_assert_ptr_null(fault_hit_reg(&s, FAULT_READ_ONES, "vf0", "cfg:0x4"));
	parse_ok("read-ones fn=pf reg=bar0:0x14");
	parse_bad("read-ones fn=pf reg=bar6:0x14", "not cfg:0xOFF");
	parse_bad("read-ones fn=pf reg=cfg:4", "not cfg:0xOFF");
	parse_bad("msi-drop fn=pf reg=cfg:0x4", "does not apply");
}
END_TEST

Suite *fault_suite(void)
{
	Suite *s = suite_create("fault");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_parse_defaults);
	tcase_add_test(tc, test_parse_errors);
	tcase_add_test(tc, test_parse_cfg_faults);
	tcase_add_test(tc, test_nth_fires_once);
	tcase_add_test(tc, test_count_and_any);
	tcase_add_test(tc, test_unlimited);
	tcase_add_test(tc, test_probability_is_seeded);
	tcase_add_test(tc, test_full_set);
	tcase_add_test(tc, test_read_ones_register);
	suite_add_tcase(s, tc);
	return s;
}
