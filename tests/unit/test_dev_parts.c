// SPDX-License-Identifier: GPL-2.0
/*
 * Device parts (models/dev_parts.c): a virtio-net context encoded and
 * decoded, and every way a blob can be malformed.  Blobs for a single
 * broken rule are rebuilt part by part with a fresh checksum, so that
 * rule and no other is what the decoder meets.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/virtio_pci.h>

#include "models/dev_parts.h"
#include "helpers.h"

#define GUARD 64
#define MAX_PARTS (VDEV_MAX_QUEUES + 8)
#define OPAQUE_LEN 5000

Suite *dev_parts_suite(void);

struct part {
	size_t off;		/* of the header */
	uint16_t type;
	uint8_t flags;
	uint16_t index;
	uint32_t len;		/* of the value */
};

/* A state, its encoding and the encoding's parts. */
struct ctx {
	struct vnet_state st;
	uint8_t *buf;
	size_t len;
	struct part p[MAX_PARTS];
	unsigned int n;
};

/* A blob under construction. */
struct blob {
	uint8_t *p;
	size_t len, cap;
};

static uint64_t get_le(const uint8_t *p, unsigned int n)
{
	uint64_t v = 0;

	while (n--)
		v = v << 8 | p[n];
	return v;
}

static void put_le(uint8_t *p, unsigned int n, uint64_t v)
{
	for (unsigned int i = 0; i < n; i++)
		p[i] = v >> (8 * i);
}

static void fill_state(struct vnet_state *s, uint16_t nq, uint32_t opaque)
{
	static const uint8_t mac[6] = { 0x52, 0x54, 0x00, 0xab, 0xcd, 0xef };
	static const uint8_t filter[6] = { 0x01, 0x00, 0x5e, 0x00, 0x00, 0xfb };

	memset(s, 0, sizeof(*s));
	s->virtio_id = 1;
	s->host_features = 0x130030020ull;
	s->guest_features = 0x100010020ull;
	s->status = 0x0f;
	s->config_generation = 9;
	s->msix_config = 2;
	s->nqueues = nq;
	for (uint16_t i = 0; i < nq; i++) {
		uint64_t base = 0x100000000ull * (i + 1) + 0x10000ull * i;

		s->q[i] = (struct vq_state){
			.size = 16u << (i % 5), .vector = i + 1,
			.enabled = i != 1, .desc = base,
			.driver = base + 0x400, .device = base + 0x800 + i,
			.last_avail_idx = 0xfff0 + i, .used_idx = 0x1230 + i,
		};
	}
	memcpy(s->mac, mac, 6);
	s->link_status = 1;
	s->tx_packets = 0x0123456789abull;
	s->tx_bytes = 0xfedcba987654ull;
	s->accesses = 777777;
	s->rx_mode = 0x5;
	memcpy(s->mac_filter, filter, 6);
	s->opaque_len = opaque;
	s->opaque_seed = 0x5eed1234;
}

/* Walk the headers of a well-formed blob. */
static unsigned int split(const uint8_t *b, size_t len, struct part *p)
{
	unsigned int n = 0;

	for (size_t off = 0; off + DEV_PART_HDR_LEN <= len; n++) {
		ck_assert_uint_lt(n, MAX_PARTS);
		p[n] = (struct part){
			.off = off, .type = get_le(b + off, 2),
			.flags = b[off + 2], .index = get_le(b + off + 4, 2),
			.len = get_le(b + off + 12, 4),
		};
		off += DEV_PART_HDR_LEN + p[n].len;
		ck_assert_uint_le(off, len);
	}
	return n;
}

static void ctx_init(struct ctx *c, uint16_t nq, uint32_t opaque)
{
	memset(c, 0, sizeof(*c));
	fill_state(&c->st, nq, opaque);
	c->len = dev_parts_size(&c->st);
	c->buf = malloc(c->len);
	ck_assert_ptr_nonnull(c->buf);
	ck_assert_uint_eq(dev_parts_encode(&c->st, c->buf, c->len), c->len);
	c->n = split(c->buf, c->len, c->p);
	ck_assert_uint_eq(c->p[c->n - 1].type, DEV_PART_CHECKSUM);
}

static void ctx_free(struct ctx *c)
{
	free(c->buf);
}

static int find(const struct ctx *c, uint16_t type, uint16_t index)
{
	for (unsigned int i = 0; i < c->n; i++)
		if (c->p[i].type == type && c->p[i].index == index)
			return i;
	ck_abort_msg("no part 0x%x/%u", type, index);
	return -1;
}

static void blob_init(struct blob *b, size_t cap)
{
	b->p = malloc(cap);
	ck_assert_ptr_nonnull(b->p);
	b->len = 0;
	b->cap = cap;
}

static void blob_add(struct blob *b, const void *src, size_t n)
{
	ck_assert_uint_le(n, b->cap - b->len);
	if (n)
		memcpy(b->p + b->len, src, n);
	b->len += n;
}

static void blob_zeros(struct blob *b, size_t n)
{
	ck_assert_uint_le(n, b->cap - b->len);
	memset(b->p + b->len, 0, n);
	b->len += n;
}

static void blob_hdr(struct blob *b, uint16_t type, uint8_t flags,
		     uint16_t index, uint32_t len)
{
	uint8_t h[DEV_PART_HDR_LEN] = { 0 };

	put_le(h, 2, type);
	h[2] = flags;
	put_le(h + 4, 2, index);
	put_le(h + 12, 4, len);
	blob_add(b, h, sizeof(h));
}

/* Part @i of @c, header and value, as encoded. */
static void blob_copy(struct blob *b, const struct ctx *c, unsigned int i)
{
	blob_add(b, c->buf + c->p[i].off, DEV_PART_HDR_LEN + c->p[i].len);
}

/* The checksum part over everything so far. */
static void blob_seal(struct blob *b)
{
	uint32_t crc = dev_parts_crc32(b->p, b->len);
	uint8_t v[4];

	blob_hdr(b, DEV_PART_CHECKSUM, 0, 0, 4);
	put_le(v, 4, crc);
	blob_add(b, v, 4);
}

/* Every part but the checksum, dropping @drop and doubling @dup (-1). */
static void rebuild(struct blob *b, const struct ctx *c, int drop, int dup)
{
	blob_init(b, c->len + 4096);
	for (unsigned int i = 0; i + 1 < c->n; i++) {
		if ((int)i == drop)
			continue;
		blob_copy(b, c, i);
		if ((int)i == dup)
			blob_copy(b, c, i);
	}
	blob_seal(b);
}

/* Recompute the checksum of a blob whose last part is the checksum. */
static void reseal(uint8_t *buf, size_t len)
{
	put_le(buf + len - 4, 4, dev_parts_crc32(buf, len - 4 -
						 DEV_PART_HDR_LEN));
}

/*
 * Decoding fails with EINVAL, says @why, and leaves the output alone.
 * @what names the damage in a failure message.
 */
static void expect_bad_what(const uint8_t *buf, size_t len,
			    const struct vnet_state *self, const char *why,
			    const char *what)
{
	struct vnet_state out, before;
	char err[200] = "";
	int ret;

	memset(&out, 0xa5, sizeof(out));
	memcpy(&before, &out, sizeof(out));
	ret = dev_parts_decode(buf, len, self, &out, err, sizeof(err));
	ck_assert_msg(ret == -EINVAL, "blob of %zu bytes%s%s: %d, expected "
		      "-EINVAL (%s)", len, what ? ", " : "", what ? what : "",
		      ret, why ? why : "any reason");
	ck_assert_msg(!memcmp(&out, &before, sizeof(out)),
		      "output changed by a rejected blob (%s)", err);
	ck_assert_msg(err[0], "no reason given");
	if (why)
		ck_assert_msg(strstr(err, why), "reason \"%s\", expected "
			      "\"%s\"", err, why);
}

static void expect_bad(const uint8_t *buf, size_t len,
		       const struct vnet_state *self, const char *why)
{
	expect_bad_what(buf, len, self, why, NULL);
}

static void assert_same(const struct vnet_state *a,
			const struct vnet_state *b)
{
	char diff[4096];
	int n = vnet_state_diff(a, b, diff, sizeof(diff));

	ck_assert_msg(n == 0, "%d differences:\n%s", n, diff);
	ck_assert_uint_eq(a->virtio_id, b->virtio_id);
	ck_assert_uint_eq(a->host_features, b->host_features);
	ck_assert_uint_eq(a->nqueues, b->nqueues);
	ck_assert_uint_eq(a->config_generation, b->config_generation);
	ck_assert_uint_eq(a->opaque_len, b->opaque_len);
	ck_assert_uint_eq(a->opaque_seed, b->opaque_seed);
	ck_assert_mem_eq(a->mac, b->mac, 6);
	ck_assert_mem_eq(a->mac_filter, b->mac_filter, 6);
}

static void expect_good(const uint8_t *buf, size_t len, const struct ctx *c)
{
	struct vnet_state out;
	char err[200] = "";
	int ret;

	memset(&out, 0xa5, sizeof(out));
	ret = dev_parts_decode(buf, len, &c->st, &out, err, sizeof(err));
	ck_assert_msg(ret == 0, "rejected: %s", err);
	assert_same(&c->st, &out);
}

START_TEST(test_crc32)
{
	static const char v[] = "123456789";

	ck_assert_uint_eq(dev_parts_crc32((const uint8_t *)v, 9), 0xcbf43926);
	ck_assert_uint_eq(dev_parts_crc32((const uint8_t *)v, 0), 0);
	ck_assert_uint_eq(dev_parts_crc32((const uint8_t *)"a", 1), 0xe8b7be43);
}
END_TEST

START_TEST(test_round_trip)
{
	static const struct { uint16_t nq; uint32_t opaque; } cases[] = {
		{ 3, OPAQUE_LEN }, { 3, 0 }, { 1, 13 }, { 2, 1 },
		{ VDEV_MAX_QUEUES, 4096 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct ctx c;

		ctx_init(&c, cases[i].nq, cases[i].opaque);
		ck_assert_uint_eq(c.n, 5 + cases[i].nq +
				  (cases[i].opaque ? 1 : 0));
		expect_good(c.buf, c.len, &c);
		ctx_free(&c);
	}
}
END_TEST

START_TEST(test_round_trip_distinct_queues)
{
	struct vnet_state out;
	char err[200];
	struct ctx c;

	ctx_init(&c, 3, OPAQUE_LEN);
	ck_assert_int_eq(dev_parts_decode(c.buf, c.len, &c.st, &out, err,
					  sizeof(err)), 0);
	for (unsigned int i = 0; i < 3; i++) {
		ck_assert_uint_eq(out.q[i].size, c.st.q[i].size);
		ck_assert_uint_eq(out.q[i].desc, c.st.q[i].desc);
		ck_assert_uint_eq(out.q[i].device, c.st.q[i].device);
		ck_assert_uint_eq(out.q[i].last_avail_idx,
				  c.st.q[i].last_avail_idx);
	}
	ck_assert_uint_ne(out.q[0].desc, out.q[1].desc);
	ck_assert_uint_eq(out.q[1].enabled, 0);
	ck_assert_uint_eq(out.q[2].enabled, 1);
	ck_assert_uint_eq(out.q[2].desc >> 32, 3);
	ck_assert_uint_eq(out.tx_packets, 0x0123456789abull);
	ck_assert_uint_eq(out.opaque_len, OPAQUE_LEN);
	ctx_free(&c);
}
END_TEST

START_TEST(test_encode_exact_size)
{
	struct vnet_state s;
	uint8_t *a, *b;
	size_t size;

	fill_state(&s, 3, OPAQUE_LEN);
	size = dev_parts_size(&s);
	fill_state(&s, 3, 0);
	ck_assert_uint_eq(size, dev_parts_size(&s) + DEV_PART_HDR_LEN +
			  OPAQUE_LEN);
	fill_state(&s, 3, OPAQUE_LEN);
	a = malloc(size + GUARD);
	b = malloc(size + GUARD);
	memset(a, 0xcc, size + GUARD);
	memset(b, 0x33, size + GUARD);
	ck_assert_uint_eq(dev_parts_encode(&s, a, size + GUARD), size);
	ck_assert_uint_eq(dev_parts_encode(&s, b, size + GUARD), size);
	/* Every byte below size written, none after it. */
	ck_assert_mem_eq(a, b, size);
	for (size_t i = size; i < size + GUARD; i++) {
		ck_assert_uint_eq(a[i], 0xcc);
		ck_assert_uint_eq(b[i], 0x33);
	}
	free(a);
	free(b);
}
END_TEST

START_TEST(test_encode_small_buffer)
{
	struct ctx c;
	size_t caps[16], ncaps = 0, opaque_val;

	ctx_init(&c, 3, OPAQUE_LEN);
	opaque_val = c.p[find(&c, DEV_PART_OPAQUE, 0)].off + DEV_PART_HDR_LEN;
	caps[ncaps++] = 0;
	caps[ncaps++] = 1;
	caps[ncaps++] = 15;
	caps[ncaps++] = 16;
	caps[ncaps++] = 17;
	caps[ncaps++] = 100;
	caps[ncaps++] = opaque_val - 1;
	caps[ncaps++] = opaque_val;
	caps[ncaps++] = opaque_val + 1;
	caps[ncaps++] = opaque_val + OPAQUE_LEN - 1;
	caps[ncaps++] = c.len - 20;
	caps[ncaps++] = c.len - 4;
	caps[ncaps++] = c.len - 1;
	for (size_t i = 0; i < ncaps; i++) {
		size_t cap = caps[i];
		uint8_t *buf = malloc(cap + GUARD);
		size_t same = cap < opaque_val ? cap : opaque_val;

		memset(buf, 0xcc, cap + GUARD);
		dev_parts_encode(&c.st, buf, cap);
		for (size_t j = cap; j < cap + GUARD; j++)
			ck_assert_msg(buf[j] == 0xcc, "cap %zu: byte %zu "
				      "written", cap, j);
		/* What fits before the filler is the real encoding. */
		ck_assert_mem_eq(buf, c.buf, same);
		free(buf);
	}
	ctx_free(&c);
}
END_TEST

static void truncate_at(const struct ctx *c, size_t len)
{
	uint8_t *copy = malloc(len ? len : 1);

	/* A copy of exactly @len bytes: ASan sees any read past it. */
	memcpy(copy, c->buf, len);
	expect_bad_what(copy, len, &c->st, NULL, "truncated");
	free(copy);
}

START_TEST(test_truncated_small)
{
	struct ctx c;

	ctx_init(&c, 3, 0);
	for (size_t len = 0; len < c.len; len++)
		truncate_at(&c, len);
	expect_bad(c.buf, 0, &c.st, "truncated");
	expect_bad(c.buf, DEV_PART_HDR_LEN - 1, &c.st, "truncated");
	ctx_free(&c);
}
END_TEST

START_TEST(test_truncated_large)
{
	struct ctx c;

	ctx_init(&c, 3, OPAQUE_LEN);
	for (size_t len = 0; len < c.len; len += 61)
		truncate_at(&c, len);
	for (unsigned int i = 0; i < c.n; i++) {
		size_t at = c.p[i].off;

		truncate_at(&c, at);
		truncate_at(&c, at + 1);
		truncate_at(&c, at + DEV_PART_HDR_LEN - 1);
		truncate_at(&c, at + DEV_PART_HDR_LEN);
		if (at)
			truncate_at(&c, at - 1);
	}
	truncate_at(&c, c.len - 1);
	ctx_free(&c);
}
END_TEST

static void flip_at(const struct ctx *c, size_t at, uint8_t bits)
{
	uint8_t *copy = malloc(c->len);
	char what[48];

	snprintf(what, sizeof(what), "byte %zu ^ 0x%02x", at, bits);
	memcpy(copy, c->buf, c->len);
	copy[at] ^= bits;
	expect_bad_what(copy, c->len, &c->st, NULL, what);
	free(copy);
}

START_TEST(test_flipped_byte_anywhere)
{
	struct ctx c;

	ctx_init(&c, 3, 0);
	for (size_t at = 0; at < c.len; at++) {
		flip_at(&c, at, 0x01);
		flip_at(&c, at, 0x80);
	}
	ctx_free(&c);
}
END_TEST

START_TEST(test_flipped_byte_each_part)
{
	struct ctx c;

	ctx_init(&c, 3, OPAQUE_LEN);
	for (unsigned int i = 0; i < c.n; i++) {
		const struct part *p = &c.p[i];
		size_t v = p->off + DEV_PART_HDR_LEN;

		for (size_t j = 0; j < DEV_PART_HDR_LEN; j++)
			flip_at(&c, p->off + j, 0x10);
		flip_at(&c, v, 0x01);
		flip_at(&c, v + p->len / 2, 0x04);
		flip_at(&c, v + p->len - 1, 0x80);
	}
	ctx_free(&c);
}
END_TEST

START_TEST(test_length_past_end)
{
	struct ctx c;

	ctx_init(&c, 3, OPAQUE_LEN);
	for (unsigned int i = 0; i < c.n; i++) {
		uint8_t *copy = malloc(c.len);
		size_t left = c.len - c.p[i].off - DEV_PART_HDR_LEN;

		memcpy(copy, c.buf, c.len);
		put_le(copy + c.p[i].off + 12, 4, left + 1);
		expect_bad(copy, c.len, &c.st, "left");
		put_le(copy + c.p[i].off + 12, 4, 0xffffffff);
		expect_bad(copy, c.len, &c.st, "left");
		free(copy);
	}
	ctx_free(&c);
}
END_TEST

/* Part @i with a value @delta bytes longer (zeros) or shorter. */
static void resize_part(struct blob *b, const struct ctx *c, unsigned int i,
			int delta)
{
	const struct part *p = &c->p[i];

	blob_init(b, c->len + 4096);
	for (unsigned int k = 0; k + 1 < c->n; k++) {
		if (k != i) {
			blob_copy(b, c, k);
			continue;
		}
		blob_hdr(b, p->type, p->flags, p->index, p->len + delta);
		blob_add(b, c->buf + p->off + DEV_PART_HDR_LEN,
			 delta < 0 ? p->len + delta : p->len);
		if (delta > 0)
			blob_zeros(b, delta);
	}
	blob_seal(b);
}

START_TEST(test_wrong_fixed_length)
{
	static const struct { uint16_t type, index; int delta; } cases[] = {
		{ DEV_PART_IDENTITY, 0, 4 }, { DEV_PART_COMMON, 0, 4 },
		{ DEV_PART_COMMON, 0, -4 }, { DEV_PART_VQ, 1, -4 },
		{ DEV_PART_VQ, 2, 8 }, { DEV_PART_NET_CONFIG, 0, -8 },
		{ DEV_PART_NET_STATE, 0, 1 },
	};
	struct blob b;
	struct ctx c;

	ctx_init(&c, 3, 0);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		resize_part(&b, &c, find(&c, cases[i].type, cases[i].index),
			    cases[i].delta);
		expect_bad(b.p, b.len, &c.st, "expected");
		free(b.p);
	}
	/* A checksum part of 8 bytes. */
	rebuild(&b, &c, -1, -1);
	b.len -= DEV_PART_HDR_LEN + 4;
	blob_hdr(&b, DEV_PART_CHECKSUM, 0, 0, 8);
	blob_zeros(&b, 8);
	put_le(b.p + b.len - 8, 4, dev_parts_crc32(b.p, b.len - 24));
	expect_bad(b.p, b.len, &c.st, NULL);
	free(b.p);
	ctx_free(&c);
}
END_TEST

static void add_filler_part(struct blob *b, uint16_t type, uint8_t flags,
			    uint32_t len)
{
	blob_hdr(b, type, flags, 0, len);
	for (uint32_t k = 0; k < len; k++)
		b->p[b->len++] = 0x5a ^ k;
}

/* All parts, with an extra one before part @at (n - 1: the checksum). */
static void insert_part(struct blob *b, const struct ctx *c, unsigned int at,
			uint16_t type, uint8_t flags, uint32_t len)
{
	blob_init(b, c->len + len + 4096);
	for (unsigned int i = 0; i + 1 < c->n; i++) {
		if (i == at)
			add_filler_part(b, type, flags, len);
		blob_copy(b, c, i);
	}
	if (at == c->n - 1)
		add_filler_part(b, type, flags, len);
	blob_seal(b);
}

START_TEST(test_unknown_mandatory_part)
{
	struct blob b;
	struct ctx c;

	ctx_init(&c, 3, OPAQUE_LEN);
	insert_part(&b, &c, 2, 0x0777, 0, 8);
	expect_bad(b.p, b.len, &c.st, "unknown mandatory part 0x777");
	free(b.p);
	/* A flag other than OPTIONAL does not make it optional. */
	insert_part(&b, &c, 0, 0x0400, 0x02, 0);
	expect_bad(b.p, b.len, &c.st, "unknown mandatory part 0x400");
	free(b.p);
	insert_part(&b, &c, c.n - 1, 0xfffe, 0x80, 3);
	expect_bad(b.p, b.len, &c.st, "unknown mandatory part");
	free(b.p);
	ctx_free(&c);
}
END_TEST

START_TEST(test_unknown_optional_part)
{
	struct blob b;
	struct ctx c;

	ctx_init(&c, 3, OPAQUE_LEN);
	for (unsigned int at = 0; at < c.n; at++) {
		insert_part(&b, &c, at, 0x0777, DEV_PART_F_OPTIONAL, 24);
		expect_good(b.p, b.len, &c);
		free(b.p);
	}
	insert_part(&b, &c, 1, 0xabcd, DEV_PART_F_OPTIONAL | 0x80, 0);
	expect_good(b.p, b.len, &c);
	free(b.p);
	/* Skipping it still honours its length. */
	insert_part(&b, &c, 1, 0x0777, DEV_PART_F_OPTIONAL, 24);
	put_le(b.p + c.p[1].off + 12, 4, b.len);
	expect_bad(b.p, b.len, &c.st, "left");
	free(b.p);
	ctx_free(&c);
}
END_TEST

START_TEST(test_missing_mandatory_part)
{
	static const uint16_t types[] = {
		DEV_PART_IDENTITY, DEV_PART_COMMON, DEV_PART_NET_CONFIG,
		DEV_PART_NET_STATE,
	};
	struct blob b;
	struct ctx c;

	ctx_init(&c, 3, 0);
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		rebuild(&b, &c, find(&c, types[i], 0), -1);
		expect_bad(b.p, b.len, &c.st, "mandatory parts missing");
		free(b.p);
	}
	/* Nothing but the checksum. */
	blob_init(&b, 64);
	blob_seal(&b);
	expect_bad(b.p, b.len, &c.st, "missing");
	free(b.p);
	/* The unmodified rebuild is fine: the builder is not the problem. */
	rebuild(&b, &c, -1, -1);
	ck_assert_uint_eq(b.len, c.len);
	ck_assert_mem_eq(b.p, c.buf, c.len);
	expect_good(b.p, b.len, &c);
	free(b.p);
	ctx_free(&c);
}
END_TEST

START_TEST(test_missing_queue_part)
{
	struct blob b;
	struct ctx c;

	ctx_init(&c, 3, OPAQUE_LEN);
	for (uint16_t q = 0; q < 3; q++) {
		rebuild(&b, &c, find(&c, DEV_PART_VQ, q), -1);
		expect_bad(b.p, b.len, &c.st, "queue parts missing");
		free(b.p);
	}
	ctx_free(&c);
}
END_TEST

START_TEST(test_duplicate_queue_part)
{
	struct blob b;
	struct ctx c;
	int i;

	ctx_init(&c, 3, 0);
	rebuild(&b, &c, -1, find(&c, DEV_PART_VQ, 0));
	expect_bad(b.p, b.len, &c.st, "queue part for queue 0");
	free(b.p);
	rebuild(&b, &c, -1, find(&c, DEV_PART_VQ, 2));
	expect_bad(b.p, b.len, &c.st, "queue part for queue 2");
	free(b.p);
	/* Queue 1 twice instead of queue 2. */
	i = find(&c, DEV_PART_VQ, 2);
	rebuild(&b, &c, -1, -1);
	put_le(b.p + c.p[i].off + 4, 2, 1);
	reseal(b.p, b.len);
	expect_bad(b.p, b.len, &c.st, "queue part for queue 1");
	/* A queue the device does not have. */
	put_le(b.p + c.p[i].off + 4, 2, 3);
	reseal(b.p, b.len);
	expect_bad(b.p, b.len, &c.st, "queue part for queue 3");
	free(b.p);
	ctx_free(&c);
}
END_TEST

START_TEST(test_bytes_after_checksum)
{
	static const size_t extra[] = { 1, 4, 15, 16, 40 };
	struct ctx c;

	ctx_init(&c, 3, OPAQUE_LEN);
	for (size_t i = 0; i < sizeof(extra) / sizeof(extra[0]); i++) {
		uint8_t *copy = calloc(1, c.len + extra[i]);

		memcpy(copy, c.buf, c.len);
		expect_bad(copy, c.len + extra[i], &c.st, "after the checksum");
		free(copy);
	}
	ctx_free(&c);
}
END_TEST

START_TEST(test_other_device)
{
	struct vnet_state self;
	struct ctx c;

	ctx_init(&c, 3, OPAQUE_LEN);
	self = c.st;
	self.virtio_id = 2;
	expect_bad(c.buf, c.len, &self, "different device");
	self = c.st;
	self.host_features ^= 1ull << 5;
	expect_bad(c.buf, c.len, &self, "different device");
	self = c.st;
	self.nqueues = 2;
	expect_bad(c.buf, c.len, &self, "different device");
	self = c.st;
	self.nqueues = 4;
	expect_bad(c.buf, c.len, &self, "different device");
	/* What is not identity may differ: the blob brings it. */
	self = c.st;
	self.guest_features = 0;
	self.mac[0] ^= 0xff;
	self.opaque_len = 0;
	{
		struct vnet_state out;
		char err[200];

		ck_assert_int_eq(dev_parts_decode(c.buf, c.len, &self, &out,
						  err, sizeof(err)), 0);
		assert_same(&c.st, &out);
	}
	ctx_free(&c);
}
END_TEST

START_TEST(test_corrupt_opaque_good_crc)
{
	static const uint32_t at[] = { 0, 1234, OPAQUE_LEN - 1 };
	char why[64];
	struct ctx c;
	size_t v;

	ctx_init(&c, 3, OPAQUE_LEN);
	v = c.p[find(&c, DEV_PART_OPAQUE, 0)].off + DEV_PART_HDR_LEN;
	for (size_t i = 0; i < sizeof(at) / sizeof(at[0]); i++) {
		uint8_t *copy = malloc(c.len);

		memcpy(copy, c.buf, c.len);
		copy[v + at[i]] ^= 0x40;
		reseal(copy, c.len);
		snprintf(why, sizeof(why), "opaque part corrupt at byte %u",
			 at[i]);
		expect_bad(copy, c.len, &c.st, why);
		/* Put back, still resealed: accepted again. */
		copy[v + at[i]] ^= 0x40;
		reseal(copy, c.len);
		expect_good(copy, c.len, &c);
		free(copy);
	}
	/* Filler of another seed: the stale-context check. */
	{
		uint8_t *copy = malloc(c.len);
		size_t ns = c.p[find(&c, DEV_PART_NET_STATE, 0)].off +
			    DEV_PART_HDR_LEN + 34;	/* opaque_seed */

		memcpy(copy, c.buf, c.len);
		put_le(copy + ns, 4, c.st.opaque_seed + 1);
		reseal(copy, c.len);
		expect_bad(copy, c.len, &c.st, "opaque part corrupt");
		free(copy);
	}
	ctx_free(&c);
}
END_TEST

START_TEST(test_diff_names_fields)
{
	struct vnet_state a, b;
	char out[1024];

	fill_state(&a, 3, 0);
	b = a;
	ck_assert_int_eq(vnet_state_diff(&a, &b, out, sizeof(out)), 0);
	ck_assert_str_eq(out, "");
	b.q[1].desc = 0x1234;
	b.mac[5] = 0x01;
	ck_assert_int_eq(vnet_state_diff(&a, &b, out, sizeof(out)), 2);
	ck_assert_ptr_nonnull(strstr(out, "vq1.desc: 0x200010000 != 0x1234"));
	ck_assert_ptr_nonnull(strstr(out, "mac[5]: 0xef != 0x01"));
	ck_assert_ptr_null(strstr(out, "vq0"));
	ck_assert_ptr_null(strstr(out, "mac_filter"));
	b.status = 0;
	b.q[2].used_idx = 1;
	b.q[0].enabled = 0;
	b.mac_filter[0] = 0;
	b.tx_packets = 1;
	b.opaque_seed = 7;
	b.link_status = 0;
	ck_assert_int_eq(vnet_state_diff(&a, &b, out, sizeof(out)), 9);
	ck_assert_ptr_nonnull(strstr(out, "link_status: 0x1 != 0x0"));
	ck_assert_ptr_nonnull(strstr(out, "status: 0xf != 0x0\n"));
	ck_assert_ptr_nonnull(strstr(out, "vq2.used_idx:"));
	ck_assert_ptr_nonnull(strstr(out, "vq0.enabled: 1 != 0"));
	ck_assert_ptr_nonnull(strstr(out, "mac_filter[0]:"));
	ck_assert_ptr_nonnull(strstr(out, "tx_packets:"));
	ck_assert_ptr_nonnull(strstr(out, "opaque_seed:"));
}
END_TEST

START_TEST(test_diff_identity_and_small_buffer)
{
	struct vnet_state a, b;
	char small[8 + GUARD];

	fill_state(&a, 3, 0);
	b = a;
	/* Identity is the decoder's business, not a difference. */
	b.virtio_id = 5;
	b.host_features = 0;
	ck_assert_int_eq(vnet_state_diff(&a, &b, small, 8), 0);
	/* Counting goes on when the text no longer fits. */
	b.q[0].size = 1;
	b.q[1].size = 2;
	b.q[2].size = 4;
	memset(small, 0xcc, sizeof(small));
	ck_assert_int_eq(vnet_state_diff(&a, &b, small, 8), 3);
	ck_assert_uint_eq(small[7], 0);
	ck_assert_mem_eq(small, "vq0.siz", 7);
	for (size_t i = 8; i < sizeof(small); i++)
		ck_assert_uint_eq((uint8_t)small[i], 0xcc);
}
END_TEST

Suite *dev_parts_suite(void)
{
	Suite *s = suite_create("dev_parts");
	TCase *te = tcase_create("encode");
	TCase *tm = tcase_create("malformed");
	TCase *td = tcase_create("diff");

	tcase_add_test(te, test_crc32);
	tcase_add_test(te, test_round_trip);
	tcase_add_test(te, test_round_trip_distinct_queues);
	tcase_add_test(te, test_encode_exact_size);
	tcase_add_test(te, test_encode_small_buffer);
	suite_add_tcase(s, te);
	tcase_add_test(tm, test_truncated_small);
	tcase_add_test(tm, test_truncated_large);
	tcase_add_test(tm, test_flipped_byte_anywhere);
	tcase_add_test(tm, test_flipped_byte_each_part);
	tcase_add_test(tm, test_length_past_end);
	tcase_add_test(tm, test_wrong_fixed_length);
	tcase_add_test(tm, test_unknown_mandatory_part);
	tcase_add_test(tm, test_unknown_optional_part);
	tcase_add_test(tm, test_missing_mandatory_part);
	tcase_add_test(tm, test_missing_queue_part);
	tcase_add_test(tm, test_duplicate_queue_part);
	tcase_add_test(tm, test_bytes_after_checksum);
	tcase_add_test(tm, test_other_device);
	tcase_add_test(tm, test_corrupt_opaque_good_crc);
	suite_add_tcase(s, tm);
	tcase_add_test(td, test_diff_names_fields);
	tcase_add_test(td, test_diff_identity_and_small_buffer);
	suite_add_tcase(s, td);
	return s;
}
