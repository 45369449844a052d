// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <linux/virtio_pci.h>

#include "dev_parts.h"

#define COMMON_LEN 16
#define VQ_LEN 36
#define NET_CONFIG_LEN 8
#define NET_STATE_LEN 40
#define IDENTITY_LEN 12
#define CHECKSUM_LEN 4

struct writer {
	uint8_t *p;
	size_t cap, off;
};

struct reader {
	const uint8_t *p;
	size_t len, off;
};

/* CRC-32 (IEEE), slicing by 8: contexts reach 16 MiB and more. */
static uint32_t crc_table[8][256];

static void crc_init(void)
{
	for (uint32_t i = 0; i < 256; i++) {
		uint32_t c = i;

		for (int k = 0; k < 8; k++)
			c = (c >> 1) ^ (0xedb88320u & -(c & 1));
		crc_table[0][i] = c;
	}
	for (uint32_t i = 0; i < 256; i++)
		for (int t = 1; t < 8; t++)
			crc_table[t][i] = (crc_table[t - 1][i] >> 8) ^
					  crc_table[0][crc_table[t - 1][i] & 0xff];
}

uint32_t dev_parts_crc32(const uint8_t *p, size_t len)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	uint32_t crc = ~0u;

	pthread_once(&once, crc_init);
	for (; len >= 8; len -= 8, p += 8) {
		uint32_t a = crc ^ (p[0] | p[1] << 8 | p[2] << 16 |
				    (uint32_t)p[3] << 24);

		crc = crc_table[7][a & 0xff] ^ crc_table[6][(a >> 8) & 0xff] ^
		      crc_table[5][(a >> 16) & 0xff] ^ crc_table[4][a >> 24] ^
		      crc_table[3][p[4]] ^ crc_table[2][p[5]] ^
		      crc_table[1][p[6]] ^ crc_table[0][p[7]];
	}
	while (len--)
		crc = (crc >> 8) ^ crc_table[0][(crc ^ *p++) & 0xff];
	return ~crc;
}

static void put(struct writer *w, uint64_t v, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++, w->off++)
		if (w->off < w->cap)
			w->p[w->off] = v >> (8 * i);
}

static uint64_t get(struct reader *r, unsigned int n)
{
	uint64_t v = 0;

	for (unsigned int i = 0; i < n; i++)
		v |= (uint64_t)r->p[r->off + i] << (8 * i);
	r->off += n;
	return v;
}

static void part_hdr(struct writer *w, uint16_t type, uint8_t flags,
		     uint16_t index, uint32_t len)
{
	put(w, type, 2);
	put(w, flags, 1);
	put(w, 0, 1);
	put(w, index, 2);	/* selector: vq index, else 0 */
	put(w, 0, 6);
	put(w, len, 4);
}

/* The opaque filler: a splitmix64 stream from the seed, 8 bytes a step. */
static void opaque_fill(uint32_t seed, uint8_t *p, uint32_t len)
{
	uint64_t x = seed;

	for (uint32_t i = 0; i < len; i += 8) {
		uint64_t z = (x += 0x9e3779b97f4a7c15ull);

		z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
		z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
		z ^= z >> 31;
		memcpy(p + i, &z, len - i < 8 ? len - i : 8);
	}
}

/* Offset of the first byte that differs from the filler, or -1. */
static long opaque_check(uint32_t seed, const uint8_t *p, uint32_t len)
{
	uint8_t *want = malloc(len ? len : 1);
	long bad = -1;

	if (!want)
		return 0;	/* cannot check: treat as corrupt, not as fine */
	opaque_fill(seed, want, len);
	if (memcmp(p, want, len))
		for (uint32_t i = 0; i < len && bad < 0; i++)
			if (p[i] != want[i])
				bad = i;
	free(want);
	return bad;
}

size_t dev_parts_size(const struct vnet_state *s)
{
	return DEV_PART_HDR_LEN * (5 + s->nqueues + (s->opaque_len ? 1 : 0)) +
	       IDENTITY_LEN + COMMON_LEN + VQ_LEN * s->nqueues +
	       NET_CONFIG_LEN + NET_STATE_LEN + s->opaque_len + CHECKSUM_LEN;
}

size_t dev_parts_encode(const struct vnet_state *s, uint8_t *buf, size_t cap)
{
	struct writer w = { buf, cap, 0 };
	size_t body;

	part_hdr(&w, DEV_PART_IDENTITY, 0, 0, IDENTITY_LEN);
	put(&w, s->virtio_id, 2);
	put(&w, s->nqueues, 2);
	put(&w, s->host_features, 8);
	part_hdr(&w, DEV_PART_COMMON, 0, 0, COMMON_LEN);
	put(&w, s->guest_features, 8);
	put(&w, s->status, 1);
	put(&w, s->config_generation, 1);
	put(&w, s->msix_config, 2);
	put(&w, 0, 4);
	for (uint16_t i = 0; i < s->nqueues; i++) {
		const struct vq_state *q = &s->q[i];

		part_hdr(&w, DEV_PART_VQ, 0, i, VQ_LEN);
		put(&w, q->size, 2);
		put(&w, q->vector, 2);
		put(&w, q->enabled, 1);
		put(&w, 0, 3);
		put(&w, q->desc, 8);
		put(&w, q->driver, 8);
		put(&w, q->device, 8);
		put(&w, q->last_avail_idx, 2);
		put(&w, q->used_idx, 2);
	}
	part_hdr(&w, DEV_PART_NET_CONFIG, 0, 0, NET_CONFIG_LEN);
	for (int i = 0; i < 6; i++)
		put(&w, s->mac[i], 1);
	put(&w, s->link_status, 2);
	part_hdr(&w, DEV_PART_NET_STATE, 0, 0, NET_STATE_LEN);
	put(&w, s->tx_packets, 8);
	put(&w, s->tx_bytes, 8);
	put(&w, s->accesses, 8);
	put(&w, s->rx_mode, 4);
	for (int i = 0; i < 6; i++)
		put(&w, s->mac_filter[i], 1);
	put(&w, s->opaque_seed, 4);
	put(&w, 0, 2);
	if (s->opaque_len) {
		part_hdr(&w, DEV_PART_OPAQUE, DEV_PART_F_OPTIONAL, 0,
			 s->opaque_len);
		if (w.off + s->opaque_len <= cap)
			opaque_fill(s->opaque_seed, buf + w.off, s->opaque_len);
		w.off += s->opaque_len;
	}
	body = w.off;	/* the checksum covers everything before its part */
	part_hdr(&w, DEV_PART_CHECKSUM, 0, 0, CHECKSUM_LEN);
	put(&w, body <= cap ? dev_parts_crc32(buf, body) : 0, 4);
	return w.off;
}

#define bad(...) (snprintf(err, errlen, __VA_ARGS__), -EINVAL)

static int read_vq(struct reader *r, uint16_t index, struct vnet_state *s)
{
	struct vq_state *q = &s->q[index];

	q->size = get(r, 2);
	q->vector = get(r, 2);
	q->enabled = get(r, 1);
	r->off += 3;
	q->desc = get(r, 8);
	q->driver = get(r, 8);
	q->device = get(r, 8);
	q->last_avail_idx = get(r, 2);
	q->used_idx = get(r, 2);
	return 0;
}

static void read_net_state(struct reader *r, struct vnet_state *s)
{
	s->tx_packets = get(r, 8);
	s->tx_bytes = get(r, 8);
	s->accesses = get(r, 8);
	s->rx_mode = get(r, 4);
	for (int i = 0; i < 6; i++)
		s->mac_filter[i] = get(r, 1);
	s->opaque_seed = get(r, 4);
	r->off += 2;
}

static const struct {
	uint16_t type;
	uint32_t len;		/* 0: variable */
} known[] = {
	{ DEV_PART_IDENTITY, IDENTITY_LEN }, { DEV_PART_COMMON, COMMON_LEN },
	{ DEV_PART_VQ, VQ_LEN }, { DEV_PART_NET_CONFIG, NET_CONFIG_LEN },
	{ DEV_PART_NET_STATE, NET_STATE_LEN }, { DEV_PART_OPAQUE, 0 },
	{ DEV_PART_CHECKSUM, CHECKSUM_LEN },
};

static int known_len(uint16_t type, uint32_t *len)
{
	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (known[i].type == type) {
			*len = known[i].len;
			return 0;
		}
	return -1;
}

/*
 * A part type's bit in the "seen" mask: its index in known[] (< 8).
 * Fix: this used to be (type & 7), which gives IDENTITY and NET_STATE
 * bit 1 and COMMON and NET_CONFIG bit 0, so a blob missing any one of the
 * four mandatory parts passed the "mandatory parts missing" check.
 */
static unsigned int part_bit(uint16_t type)
{
	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (known[i].type == type)
			return 1u << i;
	return 0;
}

static bool all_zero(const uint8_t *p, size_t n)
{
	while (n--)
		if (*p++)
			return false;
	return true;
}

/* Apply one part to @s; @seen collects the mandatory parts found. */
static int apply_part(struct reader *r, uint16_t type, uint16_t index,
		      uint32_t len, const struct vnet_state *self,
		      struct vnet_state *s, unsigned int *seen, char *err,
		      size_t errlen)
{
	switch (type) {
	case DEV_PART_IDENTITY:
		s->virtio_id = get(r, 2);
		s->nqueues = get(r, 2);
		s->host_features = get(r, 8);
		if (s->virtio_id != self->virtio_id ||
		    s->nqueues != self->nqueues ||
		    s->host_features != self->host_features)
			return bad("context of a different device (id %u, %u "
				   "queues, features 0x%llx)", s->virtio_id,
				   s->nqueues,
				   (unsigned long long)s->host_features);
		break;
	case DEV_PART_COMMON:
		s->guest_features = get(r, 8);
		s->status = get(r, 1);
		s->config_generation = get(r, 1);
		s->msix_config = get(r, 2);
		r->off += 4;
		break;
	case DEV_PART_VQ:
		if (index >= self->nqueues || (*seen & (1u << (8 + index))))
			return bad("queue part for queue %u", index);
		*seen |= 1u << (8 + index);
		return read_vq(r, index, s);
	case DEV_PART_NET_CONFIG:
		for (int i = 0; i < 6; i++)
			s->mac[i] = get(r, 1);
		s->link_status = get(r, 2);
		break;
	case DEV_PART_NET_STATE:
		read_net_state(r, s);
		break;
	case DEV_PART_OPAQUE: {
		long at = opaque_check(s->opaque_seed, r->p + r->off, len);

		if (at >= 0)
			return bad("opaque part corrupt at byte %ld", at);
		s->opaque_len = len;
		r->off += len;
		break;
	}
	}
	*seen |= part_bit(type);
	return 0;
}

int dev_parts_decode(const uint8_t *buf, size_t len,
		     const struct vnet_state *self, struct vnet_state *out,
		     char *err, size_t errlen)
{
	const unsigned int mandatory = part_bit(DEV_PART_IDENTITY) |
		part_bit(DEV_PART_COMMON) | part_bit(DEV_PART_NET_CONFIG) |
		part_bit(DEV_PART_NET_STATE);
	struct reader r = { buf, len, 0 };
	struct vnet_state s = { 0 };
	unsigned int seen = 0;
	int ret;

	while (r.off + DEV_PART_HDR_LEN <= len) {
		size_t start = r.off;
		uint16_t type = get(&r, 2);
		uint8_t flags = get(&r, 1);
		uint16_t index;
		uint32_t plen, want;

		r.off += 1;
		index = get(&r, 2);
		r.off += 6;
		plen = get(&r, 4);
		if (plen > len - r.off)
			return bad("part 0x%x at %zu: %u bytes, %zu left", type,
				   start, plen, len - r.off);
		if (type == DEV_PART_CHECKSUM) {
			/*
			 * Fix: the CRC ends before this header, so its flags,
			 * reserved byte and selector were never checked and a
			 * flipped byte there went unnoticed.  They are 0.
			 */
			if (!all_zero(buf + start + 2, 10))
				return bad("checksum part header corrupt");
			if (plen != CHECKSUM_LEN ||
			    get(&r, 4) != dev_parts_crc32(buf, start))
				return bad("checksum mismatch");
			if (r.off != len)
				return bad("%zu bytes after the checksum",
					   len - r.off);
			if ((seen & mandatory) != mandatory)
				return bad("mandatory parts missing");
			if (((seen >> 8) & ((1u << self->nqueues) - 1)) !=
			    (1u << self->nqueues) - 1)
				return bad("queue parts missing");
			s.nqueues = self->nqueues;
			*out = s;
			return 0;
		}
		if (known_len(type, &want)) {
			if (!(flags & DEV_PART_F_OPTIONAL))
				return bad("unknown mandatory part 0x%x", type);
			r.off += plen;	/* optional: skip */
			continue;
		}
		if (want && plen != want)
			return bad("part 0x%x of %u bytes, expected %u", type,
				   plen, want);
		if (type == DEV_PART_OPAQUE && plen > DEV_PARTS_MAX_OPAQUE)
			return bad("opaque part of %u bytes", plen);
		ret = apply_part(&r, type, index, plen, self, &s, &seen, err,
				 errlen);
		if (ret)
			return ret;
	}
	return bad("truncated: no checksum part in %zu bytes", len);
}

#define DIFF(field, fmt, a, b)						\
	do {								\
		if ((a) != (b)) {					\
			n++;						\
			used += snprintf(out + used, used < len ?	\
					 len - used : 0,		\
					 "%s: " fmt " != " fmt "\n",	\
					 field, a, b);			\
		}							\
	} while (0)

int vnet_state_diff(const struct vnet_state *a, const struct vnet_state *b,
		    char *out, size_t len)
{
	size_t used = 0;
	int n = 0;
	char name[48];

	if (len)
		out[0] = 0;
	DIFF("guest_features", "0x%llx", (unsigned long long)a->guest_features,
	     (unsigned long long)b->guest_features);
	DIFF("status", "0x%x", a->status, b->status);
	DIFF("msix_config", "%u", a->msix_config, b->msix_config);
	for (unsigned int i = 0; i < a->nqueues && i < VDEV_MAX_QUEUES; i++) {
		const struct vq_state *x = &a->q[i], *y = &b->q[i];

#define QDIFF(f, fmt, cast) do {					\
		snprintf(name, sizeof(name), "vq%u.%s", i, #f);		\
		DIFF(name, fmt, (cast)x->f, (cast)y->f);		\
	} while (0)
		QDIFF(size, "%u", unsigned int);
		QDIFF(vector, "%u", unsigned int);
		QDIFF(enabled, "%u", unsigned int);
		QDIFF(desc, "0x%llx", unsigned long long);
		QDIFF(driver, "0x%llx", unsigned long long);
		QDIFF(device, "0x%llx", unsigned long long);
		QDIFF(last_avail_idx, "%u", unsigned int);
		QDIFF(used_idx, "%u", unsigned int);
#undef QDIFF
	}
	for (int i = 0; i < 6; i++) {
		snprintf(name, sizeof(name), "mac[%d]", i);
		DIFF(name, "0x%02x", a->mac[i], b->mac[i]);
		snprintf(name, sizeof(name), "mac_filter[%d]", i);
		DIFF(name, "0x%02x", a->mac_filter[i], b->mac_filter[i]);
	}
	DIFF("link_status", "0x%x", a->link_status, b->link_status);
	DIFF("tx_packets", "%llu", (unsigned long long)a->tx_packets,
	     (unsigned long long)b->tx_packets);
	DIFF("tx_bytes", "%llu", (unsigned long long)a->tx_bytes,
	     (unsigned long long)b->tx_bytes);
	DIFF("accesses", "%llu", (unsigned long long)a->accesses,
	     (unsigned long long)b->accesses);
	DIFF("rx_mode", "0x%x", a->rx_mode, b->rx_mode);
	DIFF("opaque_len", "%u", a->opaque_len, b->opaque_len);
	DIFF("opaque_seed", "0x%x", a->opaque_seed, b->opaque_seed);
	return n;
}
