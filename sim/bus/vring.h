/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Device side of a virtio split virtqueue (virtio 1.x, 2.7), shared by the
 * vhost-user transport (sim/) and the device models (models/).
 *
 * Contract:
 * - vring_pop() walks one descriptor chain and validates it completely
 *   before the caller sees it: head and next indexes inside the ring, no
 *   loops (at most `num` descriptors, or the table size for an indirect
 *   table), indirect tables only if negotiated, never nested and never
 *   combined with NEXT, every buffer inside guest memory, no readable
 *   descriptor after a writable one, total length below 4 GiB.  On any
 *   violation it returns -EINVAL or -EFAULT and leaves a one-line reason
 *   in vq->err; the caller then puts its device into an error state.
 * - The chain is then one device-readable byte stream followed by one
 *   device-writable byte stream; vring_chain_read()/vring_chain_write()
 *   copy at an offset within those streams, across descriptors.
 * - vring_push() completes a chain; vring_need_interrupt() honours
 *   VRING_AVAIL_F_NO_INTERRUPT (EVENT_IDX is never offered).
 */
#ifndef VFSIM_VRING_H
#define VFSIM_VRING_H

#include <stdbool.h>
#include <stdint.h>

#include "guest_mem.h"

/* Hard cap on segments in one chain: 64 Ki pages = 256 MiB of 4 KiB SG. */
#define VRING_MAX_SEGS 65536u

struct vring_seg {
	uint64_t gpa;
	uint32_t len;
	bool write;		/* device-writable */
};

struct vring_chain {
	uint16_t head;
	unsigned int nseg;
	unsigned int nread;	/* readable segments come first */
	uint64_t read_len;	/* bytes in the readable stream */
	uint64_t write_len;	/* bytes in the writable stream */
	struct vring_seg *seg;	/* owned by the vring, valid until next pop */
};

struct vring_split {
	const struct guest_mem *mem;
	uint16_t num;		/* queue size, power of two */
	uint64_t desc_gpa, avail_gpa, used_gpa;
	uint16_t last_avail_idx;
	uint16_t used_idx;
	bool indirect;		/* VIRTIO_RING_F_INDIRECT_DESC negotiated */
	bool ready;		/* addresses set and checked */
	char err[160];		/* reason of the last error */

	struct vring_seg *segs;	/* scratch for the chain being walked */
	unsigned int segs_cap;
};

/*
 * Set size and addresses and check that the three areas lie in guest
 * memory.  Returns 0 or -EINVAL/-EFAULT (reason in vq->err).
 */
int vring_setup(struct vring_split *vq, const struct guest_mem *mem,
		uint16_t num, uint64_t desc, uint64_t avail, uint64_t used,
		bool indirect);

/* Forget the ring (keeps the scratch buffer). */
void vring_reset(struct vring_split *vq);
void vring_free(struct vring_split *vq);

/* Number of chains the driver made available that we have not popped. */
uint16_t vring_pending(const struct vring_split *vq);

/* 1 and a chain, 0 if the ring is empty, or -EINVAL/-EFAULT. */
int vring_pop(struct vring_split *vq, struct vring_chain *c);

/* Put @head on the used ring with @len bytes written.  0 or -EFAULT. */
int vring_push(struct vring_split *vq, uint16_t head, uint32_t len);

/* False if the driver asked not to be interrupted. */
bool vring_need_interrupt(const struct vring_split *vq);

/* Ask the driver not to kick us (we are polling) or to kick again. */
void vring_set_no_notify(struct vring_split *vq, bool no_notify);

/* Copy from the readable stream at @off; returns bytes copied. */
uint64_t vring_chain_read(const struct vring_split *vq,
			  const struct vring_chain *c, uint64_t off,
			  void *dst, uint64_t len);

/* Copy into the writable stream at @off; returns bytes copied. */
uint64_t vring_chain_write(const struct vring_split *vq,
			   const struct vring_chain *c, uint64_t off,
			   const void *src, uint64_t len);

#endif
