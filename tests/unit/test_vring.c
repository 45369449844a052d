// SPDX-License-Identifier: GPL-2.0
/* Device side of the split virtqueue: chain validation and copies. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "sim/bus/vring.h"
#include "helpers.h"

#define NUM 8
#define RING TMEM_GPA			/* desc/avail/used */
#define BUF (TMEM_GPA + 0x1000)		/* data buffers */
#define ITBL (TMEM_GPA + 0x3000)	/* an indirect table */
#define MEM_END (TMEM_GPA + TMEM_SIZE)

#define F_NEXT VRING_DESC_F_NEXT
#define F_WRITE VRING_DESC_F_WRITE
#define F_INDIRECT VRING_DESC_F_INDIRECT

struct env {
	struct tmem m;
	struct tring r;
	struct vring_split vq;
};

static void env_init(struct env *e, bool indirect)
{
	memset(e, 0, sizeof(*e));
	tmem_init(&e->m, TMEM_GPA, TMEM_SIZE);
	tring_init(&e->r, &e->m, RING, NUM);
	ck_assert_int_eq(vring_setup(&e->vq, &e->m.gm, NUM, e->r.desc,
				     e->r.avail, e->r.used, indirect), 0);
	ck_assert(e->vq.ready);
}

static void env_free(struct env *e)
{
	vring_free(&e->vq);
	tmem_free(&e->m);
}

/* Post a one-descriptor chain and pop it; returns vring_pop()'s value. */
static int pop_one(struct env *e, uint64_t addr, uint32_t len, uint16_t fl,
		   struct vring_chain *c)
{
	tring_desc(&e->r, 0, addr, len, fl, 0);
	tring_post(&e->r, 0);
	return vring_pop(&e->vq, c);
}

static void assert_err(struct env *e, int ret, int want, const char *what)
{
	ck_assert_int_eq(ret, want);
	ck_assert_msg(strstr(e->vq.err, what), "error \"%s\" lacks \"%s\"",
		      e->vq.err, what);
}

START_TEST(test_setup_bad_size)
{
	struct vring_split vq = { 0 };
	struct tmem m;

	tmem_init(&m, TMEM_GPA, TMEM_SIZE);
	ck_assert_int_eq(vring_setup(&vq, &m.gm, 0, RING, RING + 0x100,
				     RING + 0x200, false), -EINVAL);
	ck_assert_int_eq(vring_setup(&vq, &m.gm, 6, RING, RING + 0x100,
				     RING + 0x200, false), -EINVAL);
	ck_assert(!vq.ready);
	ck_assert(strstr(vq.err, "power of 2"));
	vring_free(&vq);
	tmem_free(&m);
}
END_TEST

START_TEST(test_setup_outside_memory)
{
	struct vring_split vq = { 0 };
	struct tmem m;

	tmem_init(&m, TMEM_GPA, TMEM_SIZE);
	ck_assert_int_eq(vring_setup(&vq, &m.gm, NUM, 0x1000, RING + 0x100,
				     RING + 0x200, false), -EFAULT);
	ck_assert_int_eq(vring_setup(&vq, &m.gm, NUM, RING, MEM_END - 8,
				     RING + 0x200, false), -EFAULT);
	ck_assert_int_eq(vring_setup(&vq, &m.gm, NUM, RING, RING + 0x100,
				     MEM_END - 0x40, false), -EFAULT);
	ck_assert_int_eq(vring_setup(&vq, &m.gm, NUM, RING + 8, RING + 0x100,
				     RING + 0x200, false), -EINVAL);
	ck_assert(!vq.ready);
	vring_free(&vq);
	tmem_free(&m);
}
END_TEST

START_TEST(test_empty_ring)
{
	struct vring_chain c;
	struct env e;

	env_init(&e, false);
	ck_assert_uint_eq(vring_pending(&e.vq), 0);
	ck_assert_int_eq(vring_pop(&e.vq, &c), 0);
	env_free(&e);
}
END_TEST

START_TEST(test_pop_simple_chain)
{
	struct vring_chain c;
	struct env e;

	env_init(&e, false);
	tring_desc(&e.r, 3, BUF, 16, F_NEXT, 5);
	tring_desc(&e.r, 5, BUF + 0x100, 32, F_WRITE, 0);
	tring_post(&e.r, 3);
	ck_assert_uint_eq(vring_pending(&e.vq), 1);
	ck_assert_int_eq(vring_pop(&e.vq, &c), 1);
	ck_assert_uint_eq(c.head, 3);
	ck_assert_uint_eq(c.nseg, 2);
	ck_assert_uint_eq(c.nread, 1);
	ck_assert_uint_eq(c.read_len, 16);
	ck_assert_uint_eq(c.write_len, 32);
	ck_assert_uint_eq(c.seg[0].gpa, BUF);
	ck_assert(!c.seg[0].write);
	ck_assert_uint_eq(c.seg[1].gpa, BUF + 0x100);
	ck_assert(c.seg[1].write);
	ck_assert_int_eq(vring_pop(&e.vq, &c), 0);
	env_free(&e);
}
END_TEST

START_TEST(test_chain_copy_across_descriptors)
{
	static const char text[] = "0123456789abcdef";
	uint8_t out[16] = { 0 };
	struct vring_chain c;
	struct env e;

	env_init(&e, false);
	memcpy(tmem_ptr(&e.m, BUF), text, 4);
	memcpy(tmem_ptr(&e.m, BUF + 0x100), text + 4, 5);
	memcpy(tmem_ptr(&e.m, BUF + 0x200), text + 9, 7);
	tring_desc(&e.r, 0, BUF, 4, F_NEXT, 1);
	tring_desc(&e.r, 1, BUF + 0x100, 5, F_NEXT, 2);
	tring_desc(&e.r, 2, BUF + 0x200, 7, F_NEXT, 3);
	tring_desc(&e.r, 3, BUF + 0x300, 3, F_WRITE | F_NEXT, 4);
	tring_desc(&e.r, 4, BUF + 0x400, 8, F_WRITE, 0);
	tring_post(&e.r, 0);
	ck_assert_int_eq(vring_pop(&e.vq, &c), 1);
	ck_assert_uint_eq(vring_chain_read(&e.vq, &c, 0, out, 16), 16);
	ck_assert_mem_eq(out, text, 16);
	ck_assert_uint_eq(vring_chain_read(&e.vq, &c, 6, out, 8), 8);
	ck_assert_mem_eq(out, text + 6, 8);
	/* Asking for more than the stream holds copies what there is. */
	ck_assert_uint_eq(vring_chain_read(&e.vq, &c, 12, out, 16), 4);
	ck_assert_uint_eq(vring_chain_read(&e.vq, &c, 16, out, 1), 0);
	ck_assert_uint_eq(vring_chain_write(&e.vq, &c, 1, "WXYZ", 4), 4);
	ck_assert_mem_eq(tmem_ptr(&e.m, BUF + 0x301), "WX", 2);
	ck_assert_mem_eq(tmem_ptr(&e.m, BUF + 0x400), "YZ", 2);
	ck_assert_uint_eq(vring_chain_write(&e.vq, &c, 9, text, 16), 2);
	env_free(&e);
}
END_TEST

START_TEST(test_descriptor_loop)
{
	struct vring_chain c;
	struct env e;

	env_init(&e, false);
	tring_desc(&e.r, 0, BUF, 16, F_NEXT, 1);
	tring_desc(&e.r, 1, BUF, 16, F_NEXT, 0);
	tring_post(&e.r, 0);
	assert_err(&e, vring_pop(&e.vq, &c), -EINVAL, "loop");
	env_free(&e);
}
END_TEST

START_TEST(test_next_out_of_range)
{
	struct vring_chain c;
	struct env e;

	env_init(&e, false);
	tring_desc(&e.r, 0, BUF, 16, F_NEXT, NUM);
	tring_post(&e.r, 0);
	assert_err(&e, vring_pop(&e.vq, &c), -EINVAL, "next");
	env_free(&e);
}
END_TEST

START_TEST(test_head_out_of_range)
{
	struct vring_chain c;
	struct env e;

	env_init(&e, false);
	tring_post(&e.r, NUM);
	assert_err(&e, vring_pop(&e.vq, &c), -EINVAL, "head");
	env_free(&e);
}
END_TEST

START_TEST(test_buffer_outside_memory)
{
	struct vring_chain c;
	struct env e;

	env_init(&e, false);
	assert_err(&e, pop_one(&e, 0x5000000, 16, 0, &c), -EFAULT, "outside");
	env_free(&e);
}
END_TEST

START_TEST(test_buffer_straddles_end)
{
	struct vring_chain c;
	struct env e;

	env_init(&e, false);
	assert_err(&e, pop_one(&e, MEM_END - 8, 16, F_WRITE, &c), -EFAULT,
		   "outside");
	env_free(&e);
}
END_TEST

START_TEST(test_buffer_address_wraps)
{
	static uint8_t top_buf[0x1000];
	const uint64_t top = UINT64_MAX - 0x1fff;
	struct vring_chain c;
	struct env e;

	env_init(&e, false);
	ck_assert_int_eq(guest_mem_add_host(&e.m.gm, top, top_buf,
					    sizeof(top_buf)), 0);
	/* Starts inside the top region; addr + len wraps past 2^64. */
	assert_err(&e, pop_one(&e, top + 0x800, 0xffffffff, 0, &c), -EFAULT,
		   "outside");
	env_free(&e);
}
END_TEST

START_TEST(test_readable_after_writable)
{
	struct vring_chain c;
	struct env e;

	env_init(&e, false);
	tring_desc(&e.r, 0, BUF, 16, F_WRITE | F_NEXT, 1);
	tring_desc(&e.r, 1, BUF + 0x100, 16, 0, 0);
	tring_post(&e.r, 0);
	assert_err(&e, vring_pop(&e.vq, &c), -EINVAL, "readable");
	env_free(&e);
}
END_TEST

START_TEST(test_huge_length_rejected)
{
	struct vring_chain c;
	struct env e;

	env_init(&e, false);
	ck_assert_int_lt(pop_one(&e, BUF, 0xffffffff, 0, &c), 0);
	ck_assert_str_ne(e.vq.err, "");
	env_free(&e);
}
END_TEST

/*
 * Two 2 GiB buffers inside a 2 GiB region: every buffer is valid, only
 * the total exceeds 32 bits.  The region is an address-space reservation
 * that nothing touches.
 */
START_TEST(test_total_length_overflow)
{
	const uint64_t big_gpa = 1ull << 32, big = 1ull << 31;
	struct vring_chain c;
	struct env e;
	void *res;

	env_init(&e, false);
	res = mmap(NULL, big, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS |
		   MAP_NORESERVE, -1, 0);
	ck_assert_ptr_ne(res, MAP_FAILED);
	ck_assert_int_eq(guest_mem_add_host(&e.m.gm, big_gpa, res, big), 0);
	tring_desc(&e.r, 0, big_gpa, big, F_NEXT, 1);
	tring_desc(&e.r, 1, big_gpa, big, F_WRITE, 0);
	tring_post(&e.r, 0);
	assert_err(&e, vring_pop(&e.vq, &c), -EINVAL, "overflow");
	munmap(res, big);
	env_free(&e);
}
END_TEST

START_TEST(test_avail_index_jump)
{
	struct vring_chain c;
	struct env e;

	env_init(&e, false);
	tring_desc(&e.r, 0, BUF, 16, 0, 0);
	tring_set_avail_idx(&e.r, NUM + 1);
	assert_err(&e, vring_pop(&e.vq, &c), -EINVAL, "avail index");
	env_free(&e);
}
END_TEST

START_TEST(test_full_ring_accepted)
{
	struct vring_chain c;
	struct env e;

	env_init(&e, false);
	for (uint16_t i = 0; i < NUM; i++) {
		tring_desc(&e.r, i, BUF + 16 * i, 16, 0, 0);
		tring_post(&e.r, i);
	}
	ck_assert_uint_eq(vring_pending(&e.vq), NUM);
	for (uint16_t i = 0; i < NUM; i++) {
		ck_assert_int_eq(vring_pop(&e.vq, &c), 1);
		ck_assert_uint_eq(c.head, i);
	}
	ck_assert_int_eq(vring_pop(&e.vq, &c), 0);
	env_free(&e);
}
END_TEST

/* A chain may use every descriptor once: exactly num is no loop. */
START_TEST(test_chain_of_num_descriptors)
{
	struct vring_chain c;
	struct env e;

	env_init(&e, false);
	for (uint16_t i = 0; i < NUM; i++)
		tring_desc(&e.r, i, BUF + 16 * i, 16,
			   i < NUM - 1 ? F_NEXT : 0, i + 1);
	tring_post(&e.r, 0);
	ck_assert_int_eq(vring_pop(&e.vq, &c), 1);
	ck_assert_uint_eq(c.nseg, NUM);
	ck_assert_uint_eq(c.read_len, 16 * NUM);
	env_free(&e);
}
END_TEST

static void post_indirect(struct env *e, uint64_t tbl, uint32_t len,
			  uint16_t flags)
{
	tring_desc(&e->r, 0, tbl, len, F_INDIRECT | flags, 1);
	tring_desc(&e->r, 1, BUF + 0x800, 4, 0, 0);
	tring_post(&e->r, 0);
}

START_TEST(test_indirect_ok)
{
	struct vring_chain c;
	struct env e;

	env_init(&e, true);
	tdesc_set(&e.m, ITBL, 0, BUF, 10, F_NEXT, 2);
	tdesc_set(&e.m, ITBL, 2, BUF + 0x100, 6, F_NEXT, 1);
	tdesc_set(&e.m, ITBL, 1, BUF + 0x200, 64, F_WRITE, 0);
	post_indirect(&e, ITBL, 3 * 16, 0);
	ck_assert_int_eq(vring_pop(&e.vq, &c), 1);
	ck_assert_uint_eq(c.head, 0);
	ck_assert_uint_eq(c.nseg, 3);
	ck_assert_uint_eq(c.read_len, 16);
	ck_assert_uint_eq(c.write_len, 64);
	ck_assert_uint_eq(c.seg[1].gpa, BUF + 0x100);
	env_free(&e);
}
END_TEST

START_TEST(test_indirect_unaligned_table)
{
	struct vring_chain c;
	struct env e;

	env_init(&e, true);
	tdesc_set(&e.m, ITBL + 4, 0, BUF, 10, F_NEXT, 1);
	tdesc_set(&e.m, ITBL + 4, 1, BUF + 0x200, 8, F_WRITE, 0);
	post_indirect(&e, ITBL + 4, 2 * 16, 0);
	ck_assert_int_eq(vring_pop(&e.vq, &c), 1);
	ck_assert_uint_eq(c.read_len, 10);
	ck_assert_uint_eq(c.write_len, 8);
	env_free(&e);
}
END_TEST

START_TEST(test_indirect_not_negotiated)
{
	struct vring_chain c;
	struct env e;

	env_init(&e, false);
	tdesc_set(&e.m, ITBL, 0, BUF, 10, 0, 0);
	post_indirect(&e, ITBL, 16, 0);
	assert_err(&e, vring_pop(&e.vq, &c), -EINVAL, "not negotiated");
	env_free(&e);
}
END_TEST

START_TEST(test_indirect_nested)
{
	struct vring_chain c;
	struct env e;

	env_init(&e, true);
	tdesc_set(&e.m, ITBL, 0, ITBL + 0x100, 16, F_INDIRECT, 0);
	post_indirect(&e, ITBL, 16, 0);
	assert_err(&e, vring_pop(&e.vq, &c), -EINVAL, "nested");
	env_free(&e);
}
END_TEST

START_TEST(test_indirect_with_next)
{
	struct vring_chain c;
	struct env e;

	env_init(&e, true);
	tdesc_set(&e.m, ITBL, 0, BUF, 10, 0, 0);
	post_indirect(&e, ITBL, 16, F_NEXT);
	assert_err(&e, vring_pop(&e.vq, &c), -EINVAL, "NEXT");
	env_free(&e);
}
END_TEST

START_TEST(test_indirect_bad_length)
{
	struct vring_chain c;
	struct env e;

	env_init(&e, true);
	tdesc_set(&e.m, ITBL, 0, BUF, 10, 0, 0);
	post_indirect(&e, ITBL, 20, 0);
	assert_err(&e, vring_pop(&e.vq, &c), -EINVAL, "length");
	post_indirect(&e, ITBL, 0, 0);
	assert_err(&e, vring_pop(&e.vq, &c), -EINVAL, "length");
	env_free(&e);
}
END_TEST

START_TEST(test_indirect_loop)
{
	struct vring_chain c;
	struct env e;

	env_init(&e, true);
	tdesc_set(&e.m, ITBL, 0, BUF, 10, F_NEXT, 1);
	tdesc_set(&e.m, ITBL, 1, BUF, 10, F_NEXT, 0);
	post_indirect(&e, ITBL, 2 * 16, 0);
	assert_err(&e, vring_pop(&e.vq, &c), -EINVAL, "loop");
	env_free(&e);
}
END_TEST

START_TEST(test_indirect_next_out_of_table)
{
	struct vring_chain c;
	struct env e;

	env_init(&e, true);
	tdesc_set(&e.m, ITBL, 0, BUF, 10, F_NEXT, 2);
	post_indirect(&e, ITBL, 2 * 16, 0);
	assert_err(&e, vring_pop(&e.vq, &c), -EINVAL, "beyond");
	env_free(&e);
}
END_TEST

START_TEST(test_indirect_table_outside_memory)
{
	struct vring_chain c;
	struct env e;

	env_init(&e, true);
	post_indirect(&e, MEM_END - 16, 32, 0);
	assert_err(&e, vring_pop(&e.vq, &c), -EFAULT, "outside");
	env_free(&e);
}
END_TEST

START_TEST(test_push)
{
	struct vring_used_elem u;
	struct env e;

	env_init(&e, false);
	ck_assert_int_eq(vring_push(&e.vq, 5, 123), 0);
	ck_assert_uint_eq(tring_used_idx(&e.r), 1);
	u = tring_used(&e.r, 0);
	ck_assert_uint_eq(u.id, 5);
	ck_assert_uint_eq(u.len, 123);
	ck_assert_int_eq(vring_push(&e.vq, 2, 0), 0);
	ck_assert_uint_eq(tring_used_idx(&e.r), 2);
	ck_assert_uint_eq(tring_used(&e.r, 1).id, 2);
	ck_assert_uint_eq(tring_used(&e.r, 0).id, 5);
	env_free(&e);
}
END_TEST

START_TEST(test_need_interrupt)
{
	struct env e;

	env_init(&e, false);
	ck_assert(vring_need_interrupt(&e.vq));
	tring_set_avail_flags(&e.r, VRING_AVAIL_F_NO_INTERRUPT);
	ck_assert(!vring_need_interrupt(&e.vq));
	tring_set_avail_flags(&e.r, 0);
	ck_assert(vring_need_interrupt(&e.vq));
	env_free(&e);
}
END_TEST

START_TEST(test_set_no_notify)
{
	struct env e;

	env_init(&e, false);
	vring_set_no_notify(&e.vq, true);
	ck_assert_uint_eq(tring_used_flags(&e.r), VRING_USED_F_NO_NOTIFY);
	vring_set_no_notify(&e.vq, false);
	ck_assert_uint_eq(tring_used_flags(&e.r), 0);
	env_free(&e);
}
END_TEST

/*
 * Guest memory at a host address the ring types cannot be read at (UML's
 * region offset is arbitrary): refused at setup, not a misaligned load.
 */
START_TEST(test_setup_host_misaligned)
{
	struct vring_split vq = { 0 };
	struct guest_mem gm = { 0 };
	uint8_t *buf = aligned_alloc(64, 0x2000);

	ck_assert_ptr_nonnull(buf);
	memset(buf, 0, 0x2000);
	ck_assert_int_eq(guest_mem_add_host(&gm, 0x10000, buf + 1, 0x1000), 0);
	ck_assert_int_eq(vring_setup(&vq, &gm, NUM, 0x10000, 0x10080, 0x100a0,
				     false), -EFAULT);
	ck_assert_msg(strstr(vq.err, "descriptor table 0x10000 at a host "
			     "address not 8-byte aligned"), "%s", vq.err);
	ck_assert(!vq.ready);
	memset(&gm, 0, sizeof(gm));
	ck_assert_int_eq(guest_mem_add_host(&gm, 0x10000, buf + 8, 0x1000), 0);
	ck_assert_int_eq(vring_setup(&vq, &gm, NUM, 0x10000, 0x10080, 0x100a0,
				     false), 0);
	vring_free(&vq);
	free(buf);
}
END_TEST

/*
 * The guest replaces its memory table under a running ring (a second
 * SET_MEM_TABLE): the ring's areas are looked up again, and a ring that
 * left guest memory is an error, never a NULL descriptor table.
 */
START_TEST(test_memory_replaced_under_ring)
{
	struct vring_chain c;
	struct env e;

	env_init(&e, false);
	tring_desc(&e.r, 0, BUF, 16, 0, 0);
	tring_post(&e.r, 0);
	memset(&e.m.gm, 0, sizeof(e.m.gm));
	ck_assert_int_eq(guest_mem_add_host(&e.m.gm, RING + 0x80,
					    e.m.buf + 0x80,
					    TMEM_SIZE - 0x80), 0);
	assert_err(&e, vring_pop(&e.vq, &c), -EFAULT,
		   "ring no longer in guest memory");
	ck_assert(vring_need_interrupt(&e.vq));	/* avail still there */
	ck_assert_int_eq(vring_push(&e.vq, 0, 0), 0);	/* used too */
	env_free(&e);
}
END_TEST

Suite *vring_suite(void)
{
	Suite *s = suite_create("vring");
	TCase *tc = tcase_create("split");
	TCase *ti = tcase_create("indirect");

	tcase_add_test(tc, test_setup_bad_size);
	tcase_add_test(tc, test_setup_outside_memory);
	tcase_add_test(tc, test_setup_host_misaligned);
	tcase_add_test(tc, test_memory_replaced_under_ring);
	tcase_add_test(tc, test_empty_ring);
	tcase_add_test(tc, test_pop_simple_chain);
	tcase_add_test(tc, test_chain_copy_across_descriptors);
	tcase_add_test(tc, test_descriptor_loop);
	tcase_add_test(tc, test_chain_of_num_descriptors);
	tcase_add_test(tc, test_next_out_of_range);
	tcase_add_test(tc, test_head_out_of_range);
	tcase_add_test(tc, test_buffer_outside_memory);
	tcase_add_test(tc, test_buffer_straddles_end);
	tcase_add_test(tc, test_buffer_address_wraps);
	tcase_add_test(tc, test_readable_after_writable);
	tcase_add_test(tc, test_huge_length_rejected);
	tcase_add_test(tc, test_total_length_overflow);
	tcase_add_test(tc, test_avail_index_jump);
	tcase_add_test(tc, test_full_ring_accepted);
	tcase_add_test(tc, test_push);
	tcase_add_test(tc, test_need_interrupt);
	tcase_add_test(tc, test_set_no_notify);
	suite_add_tcase(s, tc);
	tcase_add_test(ti, test_indirect_ok);
	tcase_add_test(ti, test_indirect_unaligned_table);
	tcase_add_test(ti, test_indirect_not_negotiated);
	tcase_add_test(ti, test_indirect_nested);
	tcase_add_test(ti, test_indirect_with_next);
	tcase_add_test(ti, test_indirect_bad_length);
	tcase_add_test(ti, test_indirect_loop);
	tcase_add_test(ti, test_indirect_next_out_of_table);
	tcase_add_test(ti, test_indirect_table_outside_memory);
	suite_add_tcase(s, ti);
	return s;
}
