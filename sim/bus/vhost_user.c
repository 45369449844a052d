// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/virtio_config.h>

#include "log.h"
#include "trace.h"
#include "vhost_user.h"

uint64_t vu_offered_features(void)
{
	return 1ull << VIRTIO_F_VERSION_1 | 1ull << VU_F_PROTOCOL_FEATURES;
}

uint64_t vu_offered_protocol_features(void)
{
	return 1ull << VU_PROTOCOL_F_MQ | 1ull << VU_PROTOCOL_F_REPLY_ACK |
	       1ull << VU_PROTOCOL_F_BACKEND_REQ;
}

static void queue_init(struct vu_queue *q)
{
	struct vring_split vr = q->vr;

	memset(q, 0, sizeof(*q));
	q->vr = vr;
	vring_reset(&q->vr);
	q->kick_fd = -1;
	q->call_fd = -1;
}

void vu_dev_init(struct vu_dev *d, const char *name)
{
	unsigned int i;

	memset(d, 0, sizeof(*d));
	snprintf(d->name, sizeof(d->name), "%s", name);
	d->conn_fd = -1;
	d->backend_fd = -1;
	for (i = 0; i < VU_NQUEUES; i++)
		queue_init(&d->q[i]);
}

void vu_dev_reset(struct vu_dev *d)
{
	unsigned int i;

	for (i = 0; i < VU_NQUEUES; i++) {
		if (d->q[i].kick_fd >= 0)
			close(d->q[i].kick_fd);
		if (d->q[i].call_fd >= 0)
			close(d->q[i].call_fd);
		queue_init(&d->q[i]);
	}
	guest_mem_unmap(&d->mem);
	if (d->backend_fd >= 0)
		close(d->backend_fd);
	d->backend_fd = -1;
	d->features = 0;
	d->protocol_features = 0;
}

static const char *req_name(uint32_t req)
{
	static const char *const names[] = {
		[VU_GET_FEATURES] = "GET_FEATURES",
		[VU_SET_FEATURES] = "SET_FEATURES",
		[VU_SET_OWNER] = "SET_OWNER",
		[VU_RESET_OWNER] = "RESET_OWNER",
		[VU_SET_MEM_TABLE] = "SET_MEM_TABLE",
		[VU_SET_VRING_NUM] = "SET_VRING_NUM",
		[VU_SET_VRING_ADDR] = "SET_VRING_ADDR",
		[VU_SET_VRING_BASE] = "SET_VRING_BASE",
		[VU_GET_VRING_BASE] = "GET_VRING_BASE",
		[VU_SET_VRING_KICK] = "SET_VRING_KICK",
		[VU_SET_VRING_CALL] = "SET_VRING_CALL",
		[VU_SET_VRING_ERR] = "SET_VRING_ERR",
		[VU_GET_PROTOCOL_FEATURES] = "GET_PROTOCOL_FEATURES",
		[VU_SET_PROTOCOL_FEATURES] = "SET_PROTOCOL_FEATURES",
		[VU_GET_QUEUE_NUM] = "GET_QUEUE_NUM",
		[VU_SET_VRING_ENABLE] = "SET_VRING_ENABLE",
		[VU_SET_BACKEND_REQ_FD] = "SET_BACKEND_REQ_FD",
		[VU_GET_CONFIG] = "GET_CONFIG",
		[VU_SET_CONFIG] = "SET_CONFIG",
		[VU_VRING_KICK] = "VRING_KICK",
	};

	if (req < sizeof(names) / sizeof(names[0]) && names[req])
		return names[req];
	return "UNKNOWN";
}

#define check_fail(...) (snprintf(err, errlen, __VA_ARGS__), -EINVAL)

static int check_size(const struct vu_msg *m, uint32_t want, char *err,
		      size_t errlen)
{
	if (m->hdr.size != want)
		return check_fail("%s with %u payload bytes, expected %u",
				  req_name(m->hdr.request), m->hdr.size, want);
	return 0;
}

static int check_index(const struct vu_msg *m, uint32_t index, char *err,
		       size_t errlen)
{
	if (index >= VU_NQUEUES)
		return check_fail("%s for queue %u, the device has %u",
				  req_name(m->hdr.request), index, VU_NQUEUES);
	return 0;
}

/*
 * The payload sizes the protocol allows a message carrying an array and
 * its count (QEMU docs/interop/vhost-user.rst): the front end may send
 * its whole array, not only the entries the count uses.  Linux 6.12's
 * UML front end sends SET_MEM_TABLE sized for its two-region array with
 * one region in use; 7.2 sends exactly one; libvhost-user and DPDK take
 * both.  So: the header, then @need entries at least and @cap at most, in
 * whole entries.  The entries past the count are ignored.  Every other
 * message has one fixed layout and must match it exactly (check_size()).
 */
static int check_array_size(const struct vu_msg *m, size_t head,
			    size_t entry, uint32_t need, uint32_t cap,
			    char *err, size_t errlen)
{
	size_t size = m->hdr.size;

	if (size < head + need * entry || size > head + cap * entry ||
	    (size - head) % entry)
		return check_fail("%s of %u entries in %u bytes (%zu + %u to "
				  "%u entries of %zu)", req_name(m->hdr.request),
				  need, m->hdr.size, head, need, cap, entry);
	return 0;
}

static int check_mem_table(const struct vu_msg *m, unsigned int nfds,
			   char *err, size_t errlen)
{
	uint32_t n;
	int ret;

	if (m->hdr.size < 8)
		return check_fail("SET_MEM_TABLE with %u payload bytes",
				  m->hdr.size);
	n = m->mem.num;
	if (!n || n > VU_MAX_REGIONS)
		return check_fail("SET_MEM_TABLE with %u regions", n);
	ret = check_array_size(m, 8, sizeof(struct vu_mem_region), n,
			       VU_MAX_REGIONS, err, errlen);
	if (ret)
		return ret;
	if (nfds != n)
		return check_fail("SET_MEM_TABLE of %u regions with %u fds", n,
				  nfds);
	return 0;
}

static int check_fd_msg(const struct vu_msg *m, unsigned int nfds, char *err,
			size_t errlen)
{
	unsigned int want;
	int ret = check_size(m, 8, err, errlen);

	if (ret)
		return ret;
	if (m->u64 & ~(uint64_t)(VU_VRING_INDEX_MASK | VU_VRING_NOFD_MASK))
		return check_fail("%s with reserved bits 0x%llx",
				  req_name(m->hdr.request),
				  (unsigned long long)m->u64);
	want = (m->u64 & VU_VRING_NOFD_MASK) ? 0 : 1;
	if (nfds != want)
		return check_fail("%s with %u fds, expected %u",
				  req_name(m->hdr.request), nfds, want);
	return check_index(m, m->u64 & VU_VRING_INDEX_MASK, err, errlen);
}

int vu_msg_check(const struct vu_msg *m, unsigned int nfds, char *err,
		 size_t errlen)
{
	int ret;

	if ((m->hdr.flags & 0x3) != VU_FLAG_VERSION)
		return check_fail("message version %u, expected 1",
				  m->hdr.flags & 0x3);
	switch (m->hdr.request) {
	case VU_SET_MEM_TABLE:
		return check_mem_table(m, nfds, err, errlen);
	case VU_SET_VRING_KICK:
	case VU_SET_VRING_CALL:
	case VU_SET_VRING_ERR:
		return check_fd_msg(m, nfds, err, errlen);
	case VU_SET_BACKEND_REQ_FD:
		if (nfds != 1)
			return check_fail("SET_BACKEND_REQ_FD with %u fds, "
					  "expected 1", nfds);
		return check_size(m, 0, err, errlen);
	}
	if (nfds)
		return check_fail("%s with %u unexpected fds",
				  req_name(m->hdr.request), nfds);
	switch (m->hdr.request) {
	case VU_GET_FEATURES:
	case VU_GET_PROTOCOL_FEATURES:
	case VU_GET_QUEUE_NUM:
	case VU_SET_OWNER:
	case VU_RESET_OWNER:
		return check_size(m, 0, err, errlen);
	case VU_SET_FEATURES:
	case VU_SET_PROTOCOL_FEATURES:
		return check_size(m, 8, err, errlen);
	case VU_SET_VRING_NUM:
	case VU_SET_VRING_BASE:
	case VU_GET_VRING_BASE:
	case VU_SET_VRING_ENABLE:
		ret = check_size(m, sizeof(m->state), err, errlen);
		return ret ? ret : check_index(m, m->state.index, err, errlen);
	case VU_SET_VRING_ADDR:
		ret = check_size(m, sizeof(m->addr), err, errlen);
		return ret ? ret : check_index(m, m->addr.index, err, errlen);
	}
	return check_fail("unsupported request %u (%s)", m->hdr.request,
			  req_name(m->hdr.request));
}

int vu_msg_recv(int fd, struct vu_msg *m, int *fds, unsigned int *nfds)
{
	char cbuf[CMSG_SPACE(VU_MAX_FDS * sizeof(int))];
	struct iovec iov = { &m->hdr, sizeof(m->hdr) };
	struct msghdr mh = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *cm;
	size_t got = 0;
	ssize_t n;

	*nfds = 0;
	n = recvmsg(fd, &mh, MSG_CMSG_CLOEXEC);
	if (n == 0)
		return -ECONNRESET;
	if (n < 0)
		return -errno;
	for (cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm)) {
		unsigned int k;

		if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
			continue;
		k = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		memcpy(fds + *nfds, CMSG_DATA(cm), k * sizeof(int));
		*nfds += k;
	}
	/* A truncated header or fd list: the stream cannot be trusted. */
	if (n != sizeof(m->hdr) || (mh.msg_flags & MSG_CTRUNC))
		return -EPROTO;
	if (m->hdr.size > sizeof(*m) - sizeof(m->hdr))
		return -EPROTO;
	while (got < m->hdr.size) {
		n = read(fd, m->raw + got, m->hdr.size - got);
		if (n == 0)
			return -ECONNRESET;
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return errno == EAGAIN ? -ETIMEDOUT : -errno;
		got += n;
	}
	return 0;
}

static int send_reply(struct vu_dev *d, const struct vu_msg *req, uint64_t v)
{
	struct vu_msg r = {
		.hdr = { req->hdr.request, VU_FLAG_REPLY | VU_FLAG_VERSION, 8 },
		.u64 = v,
	};
	size_t len = sizeof(r.hdr) + 8;

	if (write(d->conn_fd, &r, len) != (ssize_t)len)
		return -EIO;
	return 0;
}

static void close_fds(int *fds, unsigned int nfds)
{
	while (nfds--)
		close(fds[nfds]);
}

static int set_mem_table(struct vu_dev *d, const struct vu_msg *m, int *fds)
{
	struct guest_mem_desc desc[VU_MAX_REGIONS];
	unsigned int i;
	int ret;

	for (i = 0; i < m->mem.num; i++)
		desc[i] = (struct guest_mem_desc){
			m->mem.r[i].gpa, m->mem.r[i].size, m->mem.r[i].uaddr,
			m->mem.r[i].mmap_offset };
	if (m->hdr.size != 8 + m->mem.num * sizeof(struct vu_mem_region))
		vlog(LOG_DEBUG, d->name, "SET_MEM_TABLE of %u regions in %u "
		     "bytes (the front end's whole array); the rest is ignored",
		     m->mem.num, m->hdr.size);
	ret = guest_mem_map(&d->mem, desc, m->mem.num, fds);
	close_fds(fds, m->mem.num);
	if (ret) {
		vlog(LOG_ERR, d->name, "cannot map guest memory: %s",
		     strerror(-ret));
		return ret;
	}
	trace_event(TRACE_VU, d->name, "vhost-user",
		    "req=SET_MEM_TABLE regions=%u payload=%u gpa=0x%llx "
		    "size=0x%llx", m->mem.num, m->hdr.size,
		    (unsigned long long)m->mem.r[0].gpa,
		    (unsigned long long)m->mem.r[0].size);
	return 0;
}

static int queue_start(struct vu_dev *d, struct vu_queue *q)
{
	uint64_t desc, avail, used;
	int ret;

	if (!q->addr_set || !d->mem.nregions || !q->num)
		return 0;
	if (guest_mem_uaddr_to_gpa(&d->mem, q->addr.desc, &desc) ||
	    guest_mem_uaddr_to_gpa(&d->mem, q->addr.avail, &avail) ||
	    guest_mem_uaddr_to_gpa(&d->mem, q->addr.used, &used)) {
		vlog(LOG_ERR, d->name, "queue %u: ring outside guest memory",
		     q->addr.index);
		return -EFAULT;
	}
	ret = vring_setup(&q->vr, &d->mem, q->num, desc, avail, used, false);
	if (ret) {
		vlog(LOG_ERR, d->name, "queue %u: %s", q->addr.index, q->vr.err);
		return ret;
	}
	q->vr.last_avail_idx = q->base;
	q->vr.used_idx = q->base;
	vlog(LOG_DEBUG, d->name, "queue %u: %u entries at desc 0x%llx avail "
	     "0x%llx used 0x%llx", q->addr.index, q->num,
	     (unsigned long long)desc, (unsigned long long)avail,
	     (unsigned long long)used);
	return 0;
}

static int set_vring_fd(struct vu_dev *d, const struct vu_msg *m, int *fds,
			unsigned int nfds)
{
	struct vu_queue *q = &d->q[m->u64 & VU_VRING_INDEX_MASK];
	int *slot = m->hdr.request == VU_SET_VRING_KICK ? &q->kick_fd :
		    m->hdr.request == VU_SET_VRING_CALL ? &q->call_fd : NULL;

	if (!slot) {		/* SET_VRING_ERR: we never report ring errors */
		close_fds(fds, nfds);
		return 0;
	}
	if (*slot >= 0)
		close(*slot);
	*slot = nfds ? fds[0] : -1;
	/*
	 * UML's kick eventfd is blocking: draining it must never wait, and a
	 * full call pipe must never stall the bus (a wakeup is pending then).
	 */
	if (*slot >= 0)
		fcntl(*slot, F_SETFL, fcntl(*slot, F_GETFL) | O_NONBLOCK);
	if (m->hdr.request == VU_SET_VRING_KICK &&
	    !(d->features & (1ull << VU_F_PROTOCOL_FEATURES)))
		q->enabled = true;	/* without protocol features kick starts */
	return 0;
}

static int handle_get(struct vu_dev *d, const struct vu_msg *m)
{
	uint64_t v = 0;

	switch (m->hdr.request) {
	case VU_GET_FEATURES:
		v = vu_offered_features();
		break;
	case VU_GET_PROTOCOL_FEATURES:
		v = vu_offered_protocol_features();
		break;
	case VU_GET_QUEUE_NUM:
		v = VU_NQUEUES;
		break;
	case VU_GET_VRING_BASE:
		/* Stops the ring: report where the next request would be. */
		d->q[m->state.index].enabled = false;
		v = d->q[m->state.index].vr.last_avail_idx;
		break;
	}
	return send_reply(d, m, v);
}

static int handle_set(struct vu_dev *d, const struct vu_msg *m, int *fds,
		      unsigned int nfds)
{
	struct vu_queue *q;

	switch (m->hdr.request) {
	case VU_SET_OWNER:
	case VU_RESET_OWNER:
		return 0;
	case VU_SET_FEATURES:
		if (m->u64 & ~vu_offered_features())
			return -EINVAL;
		d->features = m->u64;
		return 0;
	case VU_SET_PROTOCOL_FEATURES:
		if (m->u64 & ~vu_offered_protocol_features())
			return -EINVAL;
		d->protocol_features = m->u64;
		return 0;
	case VU_SET_MEM_TABLE:
		return set_mem_table(d, m, fds);
	case VU_SET_BACKEND_REQ_FD:
		if (d->backend_fd >= 0)
			close(d->backend_fd);
		d->backend_fd = fds[0];
		return 0;
	case VU_SET_VRING_KICK:
	case VU_SET_VRING_CALL:
	case VU_SET_VRING_ERR:
		return set_vring_fd(d, m, fds, nfds);
	}
	q = &d->q[m->state.index];
	switch (m->hdr.request) {
	case VU_SET_VRING_NUM:
		if (!m->state.num || m->state.num > 32768 ||
		    (m->state.num & (m->state.num - 1)))
			return -EINVAL;
		q->num = m->state.num;
		return 0;
	case VU_SET_VRING_BASE:
		if (m->state.num > 0xffff)
			return -EINVAL;
		q->base = m->state.num;
		return 0;
	case VU_SET_VRING_ADDR:
		q->addr = m->addr;
		q->addr_set = true;
		return queue_start(d, q);
	case VU_SET_VRING_ENABLE:
		if (m->state.num > 1)
			return -EINVAL;
		q->enabled = m->state.num;
		return 0;
	}
	return -EINVAL;
}

static bool is_get(uint32_t req)
{
	return req == VU_GET_FEATURES || req == VU_GET_PROTOCOL_FEATURES ||
	       req == VU_GET_QUEUE_NUM || req == VU_GET_VRING_BASE;
}

int vu_dev_handle(struct vu_dev *d, struct vu_msg *m, int *fds,
		  unsigned int nfds)
{
	int ret;

	d->msgs++;
	if (m->hdr.request != VU_SET_MEM_TABLE)
		trace_event(TRACE_VU, d->name, "vhost-user",
			    "req=%s size=%u fds=%u", req_name(m->hdr.request),
			    m->hdr.size, nfds);
	if (is_get(m->hdr.request))
		return handle_get(d, m);
	ret = handle_set(d, m, fds, nfds);
	if (ret)
		vlog(LOG_WARN, d->name, "%s rejected: %s",
		     req_name(m->hdr.request), strerror(-ret));
	/* After handling: SET_PROTOCOL_FEATURES may just have enabled acks. */
	if ((m->hdr.flags & VU_FLAG_NEED_REPLY) &&
	    (d->protocol_features & (1ull << VU_PROTOCOL_F_REPLY_ACK)))
		return send_reply(d, m, ret ? 1 : 0);
	return 0;
}

bool vu_queue_ready(const struct vu_dev *d, unsigned int qi)
{
	const struct vu_queue *q = &d->q[qi];

	return q->enabled && q->vr.ready;
}

void vu_queue_call(struct vu_dev *d, unsigned int qi)
{
	static const uint64_t one = 1;
	int fd = d->q[qi].call_fd;

	/* A pipe or an eventfd; EAGAIN means a wakeup is already pending. */
	if (fd >= 0 && write(fd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		vlog_once(LOG_WARN, d->name, "call fd write failed: %s",
			  strerror(errno));
}
