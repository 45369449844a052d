// SPDX-License-Identifier: GPL-2.0
/*
 * The split-virtqueue walker (sim/bus/vring.c) over guest memory the
 * input fills.  Input: a header (queue size, ring offsets, indirect,
 * start index, host misalignment, a second region), then the memory
 * image, then operations: pop a chain and copy its streams, push, look at
 * the interrupt and notify flags, or change guest memory under the ring
 * (what a new SET_MEM_TABLE does).
 */
#include "sim/bus/vring.h"
#include "fuzz.h"

#define MEM 8192		/* bytes of guest memory, at GPA */
#define GPA 0x10000ull

struct env {
	struct guest_mem gm;
	struct vring_split vq;
	uint8_t *hva;		/* guest memory as the host sees it */
	uint64_t base;		/* its guest-physical address */
};

/* One region at @gpa, or two halves (the second at @gpa2). */
static void describe(struct env *e, uint64_t gpa, uint64_t gpa2, bool two)
{
	memset(&e->gm, 0, sizeof(e->gm));
	if (!two) {
		guest_mem_add_host(&e->gm, gpa, e->hva, MEM);
		return;
	}
	guest_mem_add_host(&e->gm, gpa, e->hva, MEM / 2);
	guest_mem_add_host(&e->gm, gpa2, e->hva + MEM / 2, MEM / 2);
}

/* Every segment of a chain vring_pop() returned lies in guest memory. */
static void check_chain(struct env *e, const struct vring_chain *c)
{
	uint64_t rd = 0, wr = 0;

	fz_assert(c->nseg <= VRING_MAX_SEGS && c->nread <= c->nseg,
		  "%u segments, %u readable", c->nseg, c->nread);
	for (unsigned int i = 0; i < c->nseg; i++) {
		const struct vring_seg *s = &c->seg[i];

		fz_assert(guest_mem_ptr(&e->gm, s->gpa, s->len),
			  "segment 0x%llx+%u outside guest memory",
			  (unsigned long long)s->gpa, s->len);
		fz_assert(s->write == (i >= c->nread), "segment order");
		*(s->write ? &wr : &rd) += s->len;
	}
	fz_assert(rd == c->read_len && wr == c->write_len,
		  "stream lengths %llu/%llu, segments say %llu/%llu",
		  (unsigned long long)c->read_len,
		  (unsigned long long)c->write_len, (unsigned long long)rd,
		  (unsigned long long)wr);
}

static void copy_streams(struct env *e, const struct vring_chain *c,
			 struct fz *f)
{
	static uint8_t buf[4096];
	uint64_t off = fz_u16(f), n = fz_u16(f) % sizeof(buf), got, left;

	got = vring_chain_read(&e->vq, c, off, buf, n);
	left = off < c->read_len ? c->read_len - off : 0;
	fz_assert(got == (n < left ? n : left),
		  "read %llu of %llu at %llu from %llu",
		  (unsigned long long)got, (unsigned long long)n,
		  (unsigned long long)off, (unsigned long long)c->read_len);
	got = vring_chain_write(&e->vq, c, off, buf, n);
	fz_assert(got <= n, "wrote %llu of %llu", (unsigned long long)got,
		  (unsigned long long)n);
}

static void run_ops(struct env *e, struct fz *f)
{
	struct vring_chain c;
	bool have = false;

	for (int i = 0; i < 256 && !fz_empty(f); i++) {
		int ret;

		switch (fz_u8(f) % 6) {
		case 0:
			ret = vring_pop(&e->vq, &c);
			if (ret < 0)
				return;	/* the device is broken now */
			have = ret == 1;
			if (have)
				check_chain(e, &c);
			break;
		case 1:
			if (have)
				copy_streams(e, &c, f);
			break;
		case 2: {
			uint16_t head = fz_u16(f);
			uint32_t len = fz_u32(f);

			vring_push(&e->vq, have ? c.head : head, len);
			break;
		}
		case 3:
			vring_need_interrupt(&e->vq);
			vring_set_no_notify(&e->vq, fz_u8(f) & 1);
			vring_pending(&e->vq);
			break;
		case 4:	/* the guest changes the memory table */
			describe(e, GPA + 16 * (uint64_t)fz_u16(f),
				 GPA + MEM + 16 * (uint64_t)fz_u16(f),
				 fz_u8(f) & 1);
			have = false;	/* chains die with a new table */
			break;
		case 5: {	/* the guest writes its memory */
			size_t off = fz_u16(f) % MEM, n;
			const uint8_t *p = fz_bytes(f, fz_u8(f), &n);

			if (n > MEM - off)
				n = MEM - off;
			memcpy(e->hva + off, p, n);
			break;
		}
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz f = { data, size };
	struct env e = { 0 };
	unsigned int num = 1u << (fz_u8(&f) % 16);
	uint64_t desc = GPA + fz_u16(&f) % MEM, avail = GPA + fz_u16(&f) % MEM;
	uint64_t used = GPA + fz_u16(&f) % MEM;
	uint8_t flags = fz_u8(&f);
	uint16_t start = fz_u16(&f);
	const uint8_t *img;
	uint8_t *buf;
	size_t n;

	/*
	 * Where the host sees guest memory: UML's mmap_offset is arbitrary.
	 * Exactly sized, so ASan sees any access past the region.
	 */
	buf = calloc(1, (flags >> 4) + MEM);
	if (!buf)
		abort();
	e.hva = buf + (flags >> 4);
	img = fz_bytes(&f, fz_u16(&f) % (MEM + 1), &n);
	memcpy(e.hva, img, n);
	describe(&e, GPA, GPA + MEM + 0x1000, flags & 2);
	if (!vring_setup(&e.vq, &e.gm, num, desc, avail, used, flags & 1)) {
		e.vq.last_avail_idx = start;
		e.vq.used_idx = start;
		run_ops(&e, &f);
	}
	vring_free(&e.vq);
	free(buf);
	return 0;
}
