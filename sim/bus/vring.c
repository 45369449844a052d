// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/virtio_ring.h>

#include "vring.h"

#define vq_fail(vq, errno_, ...)					\
	({ snprintf((vq)->err, sizeof((vq)->err), __VA_ARGS__);	\
	   -(errno_); })

static uint64_t avail_ring_size(uint16_t num)
{
	return 4 + 2ull * num + 2;	/* flags, idx, ring[num], used_event */
}

static uint64_t used_ring_size(uint16_t num)
{
	return 4 + 8ull * num + 2;	/* flags, idx, ring[num], avail_event */
}

/*
 * Host pointer of a ring area, NULL unless it lies in guest memory at a
 * host address aligned for the type it is accessed as: UML's region
 * offset (mmap_offset) is the guest's choice.
 */
static void *ring_ptr(const struct guest_mem *mem, uint64_t gpa, uint64_t len,
		      size_t align)
{
	void *p = guest_mem_ptr(mem, gpa, len);

	return p && !((uintptr_t)p % align) ? p : NULL;
}

#define DESC_ALIGN _Alignof(struct vring_desc)
#define AVAIL_ALIGN _Alignof(struct vring_avail)
#define USED_ALIGN _Alignof(struct vring_used)

/* Each area inside guest memory and aligned there and in host memory. */
static int check_areas(struct vring_split *vq, const struct guest_mem *mem,
		       uint16_t num, uint64_t desc, uint64_t avail,
		       uint64_t used)
{
	static const char *const what[] = {
		"descriptor table", "avail ring", "used ring",
	};
	const uint64_t gpa[] = { desc, avail, used };
	const uint64_t len[] = { 16ull * num, avail_ring_size(num),
				 used_ring_size(num) };
	const size_t align[] = { DESC_ALIGN, AVAIL_ALIGN, USED_ALIGN };

	if ((desc & 15) || (avail & 1) || (used & 3))
		return vq_fail(vq, EINVAL, "misaligned ring addresses");
	for (int i = 0; i < 3; i++) {
		if (!guest_mem_ptr(mem, gpa[i], len[i]))
			return vq_fail(vq, EFAULT, "%s 0x%llx outside guest memory",
				       what[i], (unsigned long long)gpa[i]);
		if (!ring_ptr(mem, gpa[i], len[i], align[i]))
			return vq_fail(vq, EFAULT, "%s 0x%llx at a host address "
				       "not %zu-byte aligned (memory region "
				       "offset)", what[i],
				       (unsigned long long)gpa[i], align[i]);
	}
	return 0;
}

int vring_setup(struct vring_split *vq, const struct guest_mem *mem,
		uint16_t num, uint64_t desc, uint64_t avail, uint64_t used,
		bool indirect)
{
	int ret;

	vq->ready = false;
	vq->mem = mem;
	if (!num || (num & (num - 1)))
		return vq_fail(vq, EINVAL, "queue size %u is not a power of 2",
			       num);
	ret = check_areas(vq, mem, num, desc, avail, used);
	if (ret)
		return ret;
	vq->num = num;
	vq->desc_gpa = desc;
	vq->avail_gpa = avail;
	vq->used_gpa = used;
	vq->indirect = indirect;
	vq->ready = true;
	vq->err[0] = 0;
	return 0;
}

void vring_reset(struct vring_split *vq)
{
	struct vring_seg *segs = vq->segs;
	unsigned int cap = vq->segs_cap;

	memset(vq, 0, sizeof(*vq));
	vq->segs = segs;
	vq->segs_cap = cap;
}

void vring_free(struct vring_split *vq)
{
	free(vq->segs);
	memset(vq, 0, sizeof(*vq));
}

/*
 * The areas are looked up at each use: guest memory may have been
 * replaced since vring_setup() (a new SET_MEM_TABLE), so NULL is possible.
 */
static struct vring_avail *avail_of(const struct vring_split *vq)
{
	return ring_ptr(vq->mem, vq->avail_gpa, avail_ring_size(vq->num),
			AVAIL_ALIGN);
}

static struct vring_used *used_of(const struct vring_split *vq)
{
	return ring_ptr(vq->mem, vq->used_gpa, used_ring_size(vq->num),
			USED_ALIGN);
}

static const struct vring_desc *desc_of(const struct vring_split *vq)
{
	return ring_ptr(vq->mem, vq->desc_gpa, 16ull * vq->num, DESC_ALIGN);
}

uint16_t vring_pending(const struct vring_split *vq)
{
	struct vring_avail *a;

	if (!vq->ready || !(a = avail_of(vq)))
		return 0;
	return (uint16_t)(__atomic_load_n(&a->idx, __ATOMIC_ACQUIRE) -
			  vq->last_avail_idx);
}

static int add_seg(struct vring_split *vq, struct vring_chain *c,
		   const struct vring_desc *d)
{
	bool write = d->flags & VRING_DESC_F_WRITE;

	if (!d->len)
		return 0;
	if (!guest_mem_ptr(vq->mem, d->addr, d->len))
		return vq_fail(vq, EFAULT,
			       "buffer 0x%llx+%u outside guest memory",
			       (unsigned long long)d->addr, d->len);
	if (!write && c->nseg > c->nread)
		return vq_fail(vq, EINVAL,
			       "readable descriptor after a writable one");
	if (c->nseg >= VRING_MAX_SEGS)
		return vq_fail(vq, EINVAL, "chain longer than %u buffers",
			       VRING_MAX_SEGS);
	if (c->nseg == vq->segs_cap) {
		unsigned int cap = vq->segs_cap ? 2 * vq->segs_cap : 64;
		struct vring_seg *s = realloc(vq->segs, cap * sizeof(*s));

		if (!s)
			return vq_fail(vq, ENOMEM, "out of memory");
		vq->segs = s;
		vq->segs_cap = cap;
	}
	vq->segs[c->nseg++] = (struct vring_seg){ d->addr, d->len, write };
	if (write)
		c->write_len += d->len;
	else
		c->read_len += d->len, c->nread++;
	if (c->read_len + c->write_len > UINT32_MAX)
		return vq_fail(vq, EINVAL, "chain length overflows 32 bits");
	return 0;
}

static int walk_indirect(struct vring_split *vq, struct vring_chain *c,
			 const struct vring_desc *outer)
{
	const uint8_t *tbl;	/* may be unaligned: see the loop below */
	unsigned int n, i, count = 0;
	int err;

	if (!vq->indirect)
		return vq_fail(vq, EINVAL, "indirect descriptor not negotiated");
	if (outer->flags & VRING_DESC_F_NEXT)
		return vq_fail(vq, EINVAL, "indirect descriptor with NEXT set");
	if (!outer->len || outer->len % sizeof(struct vring_desc))
		return vq_fail(vq, EINVAL, "indirect table length %u invalid",
			       outer->len);
	n = outer->len / sizeof(struct vring_desc);
	tbl = guest_mem_ptr(vq->mem, outer->addr, outer->len);
	if (!tbl)
		return vq_fail(vq, EFAULT,
			       "indirect table 0x%llx outside guest memory",
			       (unsigned long long)outer->addr);
	for (i = 0;;) {
		struct vring_desc d;

		/*
		 * Fix: the spec sets no alignment for indirect tables and the
		 * guest picks the address; dereferencing it as a struct
		 * vring_desc * was a misaligned load (UB, aborts the ASan/UBSan
		 * build).  Copy the descriptor out instead.
		 */
		memcpy(&d, tbl + i * sizeof(d), sizeof(d));
		if (++count > n)
			return vq_fail(vq, EINVAL, "loop in indirect table");
		if (d.flags & VRING_DESC_F_INDIRECT)
			return vq_fail(vq, EINVAL, "nested indirect table");
		err = add_seg(vq, c, &d);
		if (err)
			return err;
		if (!(d.flags & VRING_DESC_F_NEXT))
			return 0;
		i = d.next;
		if (i >= n)
			return vq_fail(vq, EINVAL,
				       "indirect next %u beyond table of %u", i,
				       n);
	}
}

int vring_pop(struct vring_split *vq, struct vring_chain *c)
{
	const struct vring_desc *tbl;
	struct vring_avail *a;
	unsigned int count = 0;
	uint16_t i;
	int err;

	if (!vq->ready)
		return 0;
	a = avail_of(vq);
	tbl = desc_of(vq);
	if (!a || !tbl)
		return vq_fail(vq, EFAULT, "ring no longer in guest memory "
			       "(memory table changed)");
	if (!vring_pending(vq))
		return 0;
	if (vring_pending(vq) > vq->num)
		return vq_fail(vq, EINVAL, "avail index moved by %u > size %u",
			       vring_pending(vq), vq->num);
	memset(c, 0, sizeof(*c));
	c->head = __atomic_load_n(&a->ring[vq->last_avail_idx % vq->num],
				  __ATOMIC_RELAXED);
	if (c->head >= vq->num)
		return vq_fail(vq, EINVAL, "head %u beyond queue size %u",
			       c->head, vq->num);
	vq->last_avail_idx++;
	for (i = c->head;;) {
		struct vring_desc d = tbl[i];

		if (++count > vq->num)
			return vq_fail(vq, EINVAL, "descriptor loop at head %u",
				       c->head);
		if (d.flags & VRING_DESC_F_INDIRECT)
			err = walk_indirect(vq, c, &d);
		else
			err = add_seg(vq, c, &d);
		if (err)
			return err;
		if (!(d.flags & VRING_DESC_F_NEXT))
			break;
		i = d.next;
		if (i >= vq->num)
			return vq_fail(vq, EINVAL, "next %u beyond queue size %u",
				       i, vq->num);
	}
	c->seg = vq->segs;
	return 1;
}

int vring_push(struct vring_split *vq, uint16_t head, uint32_t len)
{
	struct vring_used *u = used_of(vq);

	if (!u)
		return -EFAULT;
	u->ring[vq->used_idx % vq->num].id = head;
	u->ring[vq->used_idx % vq->num].len = len;
	vq->used_idx++;
	/* The element must be visible before the index that publishes it. */
	__atomic_store_n(&u->idx, vq->used_idx, __ATOMIC_RELEASE);
	return 0;
}

bool vring_need_interrupt(const struct vring_split *vq)
{
	struct vring_avail *a = avail_of(vq);

	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	return a && !(__atomic_load_n(&a->flags, __ATOMIC_RELAXED) &
		      VRING_AVAIL_F_NO_INTERRUPT);
}

void vring_set_no_notify(struct vring_split *vq, bool no_notify)
{
	struct vring_used *u;

	if (!vq->ready || !(u = used_of(vq)))
		return;
	__atomic_store_n(&u->flags, no_notify ? VRING_USED_F_NO_NOTIFY : 0,
			 __ATOMIC_RELAXED);
	/* Pairs with the driver's barrier between avail idx and flags. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}

static uint64_t chain_copy(const struct vring_split *vq,
			   const struct vring_chain *c, bool write,
			   uint64_t off, void *buf, uint64_t len)
{
	unsigned int i = write ? c->nread : 0;
	unsigned int end = write ? c->nseg : c->nread;
	uint64_t done = 0;

	for (; i < end && done < len; i++) {
		const struct vring_seg *s = &c->seg[i];
		uint64_t n;
		uint8_t *p;

		if (off >= s->len) {
			off -= s->len;
			continue;
		}
		n = s->len - off;
		if (n > len - done)
			n = len - done;
		/* Checked by vring_pop(); memory cannot shrink under us. */
		p = guest_mem_ptr(vq->mem, s->gpa + off, n);
		if (!p)
			break;
		if (write)
			memcpy(p, (uint8_t *)buf + done, n);
		else
			memcpy((uint8_t *)buf + done, p, n);
		done += n;
		off = 0;
	}
	return done;
}

uint64_t vring_chain_read(const struct vring_split *vq,
			  const struct vring_chain *c, uint64_t off,
			  void *dst, uint64_t len)
{
	return chain_copy(vq, c, false, off, dst, len);
}

uint64_t vring_chain_write(const struct vring_split *vq,
			   const struct vring_chain *c, uint64_t off,
			   const void *src, uint64_t len)
{
	return chain_copy(vq, c, true, off, (void *)src, len);
}
