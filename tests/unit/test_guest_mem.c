// SPDX-License-Identifier: GPL-2.0
/* Guest memory translation and bounds checks. */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "sim/bus/guest_mem.h"
#include "helpers.h"

#define RGPA 0x1000ull
#define RSIZE 0x1000ull

static uint8_t region[RSIZE];

static void one_region(struct guest_mem *gm)
{
	memset(gm, 0, sizeof(*gm));
	ck_assert_int_eq(guest_mem_add_host(gm, RGPA, region, RSIZE), 0);
}

START_TEST(test_ptr_inside)
{
	struct guest_mem gm;

	one_region(&gm);
	ck_assert_ptr_eq(guest_mem_ptr(&gm, RGPA, RSIZE), region);
	ck_assert_ptr_eq(guest_mem_ptr(&gm, RGPA + 0x800, 0x10),
			 region + 0x800);
	ck_assert_ptr_eq(guest_mem_ptr(&gm, RGPA + RSIZE - 1, 1),
			 region + RSIZE - 1);
	ck_assert_ptr_eq(guest_mem_ptr(&gm, RGPA + 0x800, 0), region + 0x800);
}
END_TEST

START_TEST(test_ptr_outside)
{
	struct guest_mem gm;

	one_region(&gm);
	ck_assert_ptr_null(guest_mem_ptr(&gm, RGPA + RSIZE - 0x10, 0x20));
	ck_assert_ptr_null(guest_mem_ptr(&gm, RGPA, RSIZE + 1));
	ck_assert_ptr_null(guest_mem_ptr(&gm, RGPA - 1, 1));
	ck_assert_ptr_null(guest_mem_ptr(&gm, RGPA - 1, 2));
	ck_assert_ptr_null(guest_mem_ptr(&gm, RGPA + RSIZE, 0));
	ck_assert_ptr_null(guest_mem_ptr(&gm, 0, 0));
}
END_TEST

START_TEST(test_ptr_overflow)
{
	/* One region ending 4 KiB below 2^64. */
	uint64_t top = UINT64_MAX - 2 * RSIZE + 1;
	struct guest_mem gm = { 0 };

	ck_assert_int_eq(guest_mem_add_host(&gm, top, region, RSIZE), 0);
	ck_assert_ptr_eq(guest_mem_ptr(&gm, top, RSIZE), region);
	/* gpa + len wraps to a small number: must not pass. */
	ck_assert_ptr_null(guest_mem_ptr(&gm, top + 0x10, UINT64_MAX - 8));
	ck_assert_ptr_null(guest_mem_ptr(&gm, top + 0x800, 0xffffffffull));
	ck_assert_ptr_null(guest_mem_ptr(&gm, top, UINT64_MAX));
	ck_assert_ptr_null(guest_mem_ptr(&gm, UINT64_MAX, 2));
	ck_assert_ptr_null(guest_mem_ptr(&gm, UINT64_MAX - 0x10, 0x20));
}
END_TEST

START_TEST(test_add_host_rejects)
{
	struct guest_mem gm = { 0 };

	ck_assert_int_eq(guest_mem_add_host(&gm, RGPA, region, 0), -EINVAL);
	ck_assert_int_eq(guest_mem_add_host(&gm, UINT64_MAX - 0xfff, region,
					    0x1000), -EINVAL);
	for (int i = 0; i < GUEST_MEM_MAX_REGIONS; i++)
		ck_assert_int_eq(guest_mem_add_host(&gm, RGPA * (i + 1) * 16,
						    region, RSIZE), 0);
	ck_assert_int_eq(guest_mem_add_host(&gm, 0x10000000, region, RSIZE),
			 -E2BIG);
	ck_assert_uint_eq(gm.nregions, GUEST_MEM_MAX_REGIONS);
}
END_TEST

START_TEST(test_two_regions)
{
	static uint8_t second[RSIZE];
	struct guest_mem gm;

	one_region(&gm);
	ck_assert_int_eq(guest_mem_add_host(&gm, RGPA + RSIZE, second, RSIZE),
			 0);
	ck_assert_ptr_eq(guest_mem_ptr(&gm, RGPA + RSIZE + 4, 4), second + 4);
	/* Adjacent in guest space but not in host space: one region only. */
	ck_assert_ptr_null(guest_mem_ptr(&gm, RGPA + RSIZE - 4, 8));
}
END_TEST

START_TEST(test_read_write)
{
	uint8_t out[8] = "vfsim!!", in[8] = { 0 };
	struct guest_mem gm;

	one_region(&gm);
	ck_assert_int_eq(guest_mem_write(&gm, RGPA + 0x20, out, 8), 0);
	ck_assert_mem_eq(region + 0x20, out, 8);
	ck_assert_int_eq(guest_mem_read(&gm, RGPA + 0x20, in, 8), 0);
	ck_assert_mem_eq(in, out, 8);
	ck_assert_int_eq(guest_mem_read(&gm, RGPA + RSIZE - 4, in, 8), -EFAULT);
	ck_assert_int_eq(guest_mem_write(&gm, 0x10, out, 8), -EFAULT);
	ck_assert_int_eq(guest_mem_write(&gm, UINT64_MAX - 3, out, 8),
			 -EFAULT);
	/* Nothing to copy is never a fault. */
	ck_assert_int_eq(guest_mem_read(&gm, 0x10, in, 0), 0);
}
END_TEST

START_TEST(test_uaddr_to_gpa)
{
	struct guest_mem gm;
	uint64_t gpa = 0;

	one_region(&gm);
	gm.r[0].uaddr = 0x7f0000000000ull;
	ck_assert_int_eq(guest_mem_uaddr_to_gpa(&gm, 0x7f0000000010ull, &gpa),
			 0);
	ck_assert_uint_eq(gpa, RGPA + 0x10);
	ck_assert_int_eq(guest_mem_uaddr_to_gpa(&gm, 0x7f0000000000ull +
						RSIZE, &gpa), -EFAULT);
	ck_assert_int_eq(guest_mem_uaddr_to_gpa(&gm, RGPA, &gpa), -EFAULT);
}
END_TEST

START_TEST(test_map_memfd)
{
	struct guest_mem_desc d = {
		.gpa = 0x200000, .size = 0x2000, .uaddr = 0x200000,
		.mmap_offset = 0x1000,
	};
	struct guest_mem gm = { 0 };
	uint32_t v = 0xcafef00d, got = 0;
	int fd = memfd_create("unit-gm", 0);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(ftruncate(fd, 0x3000), 0);
	ck_assert_int_eq(guest_mem_map(&gm, &d, 1, &fd, NULL, 0), 0);
	ck_assert_int_eq(guest_mem_write(&gm, 0x200000, &v, 4), 0);
	/* The region starts mmap_offset bytes into the file. */
	ck_assert_int_eq(pread(fd, &got, 4, 0x1000), 4);
	ck_assert_uint_eq(got, v);
	ck_assert_ptr_null(guest_mem_ptr(&gm, 0x202000, 1));
	guest_mem_unmap(&gm);
	ck_assert_uint_eq(gm.nregions, 0);
	ck_assert_ptr_null(guest_mem_ptr(&gm, 0x200000, 1));
	close(fd);
}
END_TEST

Suite *guest_mem_suite(void)
{
	Suite *s = suite_create("guest_mem");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_ptr_inside);
	tcase_add_test(tc, test_ptr_outside);
	tcase_add_test(tc, test_ptr_overflow);
	tcase_add_test(tc, test_add_host_rejects);
	tcase_add_test(tc, test_two_regions);
	tcase_add_test(tc, test_read_write);
	tcase_add_test(tc, test_uaddr_to_gpa);
	tcase_add_test(tc, test_map_memfd);
	suite_add_tcase(s, tc);
	return s;
}
