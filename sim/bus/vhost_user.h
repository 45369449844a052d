/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Back end of the vhost-user protocol (QEMU docs/interop/vhost-user.rst),
 * as much of it as UML's virtio_uml front end uses, for one PCI function.
 *
 * Contract:
 * - vu_msg_check() validates a received message (size, fds, queue index)
 *   without side effects; bad messages are answered with a failure ack
 *   when the front end asked for one and otherwise ignored, with one log
 *   line.  A message whose header cannot be trusted closes the connection.
 * - Replies carry flags REPLY | VERSION (0x5), which UML insists on.
 * - Every fd received is either kept by the device or closed.
 */
#ifndef VFSIM_VHOST_USER_H
#define VFSIM_VHOST_USER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "guest_mem.h"
#include "vring.h"

enum vu_request {
	VU_GET_FEATURES = 1,
	VU_SET_FEATURES = 2,
	VU_SET_OWNER = 3,
	VU_RESET_OWNER = 4,
	VU_SET_MEM_TABLE = 5,
	VU_SET_LOG_BASE = 6,
	VU_SET_LOG_FD = 7,
	VU_SET_VRING_NUM = 8,
	VU_SET_VRING_ADDR = 9,
	VU_SET_VRING_BASE = 10,
	VU_GET_VRING_BASE = 11,
	VU_SET_VRING_KICK = 12,
	VU_SET_VRING_CALL = 13,
	VU_SET_VRING_ERR = 14,
	VU_GET_PROTOCOL_FEATURES = 15,
	VU_SET_PROTOCOL_FEATURES = 16,
	VU_GET_QUEUE_NUM = 17,
	VU_SET_VRING_ENABLE = 18,
	VU_SET_BACKEND_REQ_FD = 21,
	VU_GET_CONFIG = 24,
	VU_SET_CONFIG = 25,
	VU_VRING_KICK = 35,
};

#define VU_FLAG_VERSION 0x1u
#define VU_FLAG_REPLY (1u << 2)
#define VU_FLAG_NEED_REPLY (1u << 3)
#define VU_F_PROTOCOL_FEATURES 30
#define VU_PROTOCOL_F_MQ 0
#define VU_PROTOCOL_F_REPLY_ACK 3
#define VU_PROTOCOL_F_BACKEND_REQ 5
#define VU_VRING_INDEX_MASK 0xffu
#define VU_VRING_NOFD_MASK (1u << 8)
#define VU_MAX_FDS 8
#define VU_MAX_REGIONS 8

struct vu_hdr {
	uint32_t request;
	uint32_t flags;
	uint32_t size;
} __attribute__((packed));

struct vu_vring_state {
	uint32_t index;
	uint32_t num;
} __attribute__((packed));

struct vu_vring_addr {
	uint32_t index;
	uint32_t flags;
	uint64_t desc, used, avail, log;
} __attribute__((packed));

struct vu_mem_region {
	uint64_t gpa;
	uint64_t size;
	uint64_t uaddr;
	uint64_t mmap_offset;
} __attribute__((packed));

struct vu_mem_table {
	uint32_t num;
	uint32_t padding;
	struct vu_mem_region r[VU_MAX_REGIONS];
} __attribute__((packed));

struct vu_msg {
	struct vu_hdr hdr;
	union {
		uint64_t u64;
		struct vu_vring_state state;
		struct vu_vring_addr addr;
		struct vu_mem_table mem;
		uint8_t raw[512];
	};
} __attribute__((packed));

/* The two virtqueues of a virtio_pcidev device. */
enum { VU_Q_REQ = 0, VU_Q_EVT = 1, VU_NQUEUES = 2 };

struct vu_queue {
	struct vring_split vr;
	uint16_t num;
	uint16_t base;
	struct vu_vring_addr addr;
	bool addr_set;
	bool enabled;
	int kick_fd;
	int call_fd;
};

struct vu_dev {
	char name[24];
	int conn_fd;			/* -1 while nobody is connected */
	uint64_t features;		/* acked by the front end */
	uint64_t protocol_features;
	int backend_fd;			/* SET_BACKEND_REQ_FD's, or -1 */
	struct guest_mem mem;
	struct vu_queue q[VU_NQUEUES];
	unsigned int msgs;		/* messages handled, for the trace */
};

/*
 * Features offered: VERSION_1 | PROTOCOL_FEATURES; protocol MQ, REPLY_ACK,
 * BACKEND_REQ.  The back-end request channel is kept but never written:
 * Linux 6.12's UML front end takes its interrupt line from that channel
 * and without it requests IRQ 0 (the timer's) for its queues, which fails;
 * 7.2 and later allocate one either way.
 */
uint64_t vu_offered_features(void);
uint64_t vu_offered_protocol_features(void);

void vu_dev_init(struct vu_dev *d, const char *name);

/* Drop the connection state: unmap memory, close fds, reset queues. */
void vu_dev_reset(struct vu_dev *d);

/*
 * Validate @m (payload bytes received: m->hdr.size) carrying @nfds fds.
 * 0 if well formed, else -EINVAL with a reason in @err.
 */
int vu_msg_check(const struct vu_msg *m, unsigned int nfds, char *err,
		 size_t errlen);

/*
 * Read one message from @fd (blocking, bounded by the socket timeout).
 * Returns 0, -ECONNRESET on EOF, -EPROTO for a header that cannot be
 * trusted, or -errno.  Received fds are stored in @fds / *@nfds.
 */
int vu_msg_recv(int fd, struct vu_msg *m, int *fds, unsigned int *nfds);

/*
 * Handle a checked message: update @d, take or close @fds, send the reply.
 * Returns 0, or -errno if the connection must be closed.
 */
int vu_dev_handle(struct vu_dev *d, struct vu_msg *m, int *fds,
		  unsigned int nfds);

/* True once queue @qi is addressed, kicked and enabled. */
bool vu_queue_ready(const struct vu_dev *d, unsigned int qi);

/* Signal the front end that queue @qi has used buffers. */
void vu_queue_call(struct vu_dev *d, unsigned int qi);

#endif
