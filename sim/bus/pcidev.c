// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <linux/virtio_pcidev.h>

#include "log.h"
#include "pcidev.h"
#include "trace.h"
#include "le.h"

static int send_msi(void *ctx, uint64_t addr, uint32_t data);

static void flush(void *ctx)
{
	pcidev_process(ctx);
}

void pcidev_init(struct pcidev *p, struct pci_func *fn)
{
	memset(p, 0, sizeof(*p));
	vu_dev_init(&p->vu, fn->name);
	p->fn = fn;
	fn->tp.mem = NULL;
	fn->tp.send_msi = send_msi;
	fn->tp.flush = flush;
	fn->tp.ctx = p;
}

void pcidev_free(struct pcidev *p)
{
	vu_dev_reset(&p->vu);
	for (unsigned int i = 0; i < VU_NQUEUES; i++)
		vring_free(&p->vu.q[i].vr);
	free(p->buf);
	p->buf = NULL;
}

void pcidev_disconnect(struct pcidev *p)
{
	p->epoch++;
	vu_dev_reset(&p->vu);
	p->fn->tp.mem = NULL;
	p->broken = false;
	p->nbacklog = 0;
	if (p->fn->ops && p->fn->ops->disconnect)
		p->fn->ops->disconnect(p->fn);
}

static uint8_t *bounce(struct pcidev *p, uint32_t len)
{
	if (len > p->buf_cap) {
		uint8_t *b = realloc(p->buf, len);

		if (!b)
			return NULL;
		p->buf = b;
		p->buf_cap = len;
	}
	return p->buf;
}

static void broken(struct pcidev *p, const char *why)
{
	if (!p->broken)
		vlog(LOG_ERR, p->vu.name, "request queue broken, device stops "
		     "answering until the guest reconnects: %s", why);
	trace_event(TRACE_DEV, p->vu.name, "error", "msg=\"%s\"", why);
	p->broken = true;
}

static bool cfg_size_ok(uint32_t size)
{
	return size == 1 || size == 2 || size == 4 || size == 8;
}

static uint32_t do_cfg_read(struct pcidev *p, const struct vring_chain *c,
			    const struct virtio_pcidev_msg *m)
{
	uint8_t data[8];

	if (!cfg_size_ok(m->size) || c->write_len < m->size) {
		pci_func_error(p->fn, "CFG_READ of %u bytes with %llu-byte reply",
			       m->size, (unsigned long long)c->write_len);
		return 0;
	}
	put_le(data, m->size, pci_func_cfg_read(p->fn, m->addr, m->size));
	return vring_chain_write(&p->vu.q[VU_Q_REQ].vr, c, 0, data, m->size);
}

static void do_memset(struct pcidev *p, const struct vring_chain *c,
		      const struct virtio_pcidev_msg *m)
{
	uint8_t byte;

	if (vring_chain_read(&p->vu.q[VU_Q_REQ].vr, c, sizeof(*m), &byte, 1) != 1) {
		pci_func_error(p->fn, "MMIO_MEMSET without its byte");
		return;
	}
	pci_func_bar_memset(p->fn, m->bar, m->addr, byte, m->size);
}

static void do_cfg_write(struct pcidev *p, const struct vring_chain *c,
			 const struct virtio_pcidev_msg *m)
{
	uint64_t payload = c->read_len - sizeof(*m);
	uint8_t data[8];

	/*
	 * virtio_pcidev_bar_set() in Linux 7.2/7.3 sends memset_io() as
	 * CFG_WRITE with a BAR number and one data byte; a real config
	 * write always carries 8 data bytes.
	 */
	if (payload == 1) {
		vlog_once(LOG_WARN, p->vu.name, "guest sent MMIO_MEMSET as "
			  "CFG_WRITE (known virtio_pcidev_bar_set() bug in "
			  "Linux 7.2/7.3); serving it as the memset it meant");
		do_memset(p, c, m);
		return;
	}
	if (!cfg_size_ok(m->size) || payload < m->size) {
		pci_func_error(p->fn, "CFG_WRITE of %u bytes with %llu data bytes",
			       m->size, (unsigned long long)payload);
		return;
	}
	vring_chain_read(&p->vu.q[VU_Q_REQ].vr, c, sizeof(*m), data, m->size);
	pci_func_cfg_write(p->fn, m->addr, m->size, get_le(data, m->size));
}

static uint32_t do_mmio_read(struct pcidev *p, const struct vring_chain *c,
			     const struct virtio_pcidev_msg *m)
{
	uint8_t *b;

	if (!m->size || m->size > PCIDEV_MAX_ACCESS || c->write_len < m->size) {
		pci_func_error(p->fn, "MMIO_READ of %u bytes with %llu-byte reply",
			       m->size, (unsigned long long)c->write_len);
		return 0;
	}
	b = bounce(p, m->size);
	if (!b)
		return 0;
	pci_func_bar_read(p->fn, m->bar, m->addr, b, m->size);
	return vring_chain_write(&p->vu.q[VU_Q_REQ].vr, c, 0, b, m->size);
}

static void do_mmio_write(struct pcidev *p, const struct vring_chain *c,
			  const struct virtio_pcidev_msg *m)
{
	uint64_t payload = c->read_len - sizeof(*m);
	uint8_t *b;

	if (!m->size || m->size > PCIDEV_MAX_ACCESS || payload < m->size) {
		pci_func_error(p->fn, "MMIO_WRITE of %u bytes with %llu data bytes",
			       m->size, (unsigned long long)payload);
		return;
	}
	b = bounce(p, m->size);
	if (!b)
		return;
	vring_chain_read(&p->vu.q[VU_Q_REQ].vr, c, sizeof(*m), b, m->size);
	pci_func_bar_write(p->fn, m->bar, m->addr, b, m->size);
}

/* Serve one request; returns the bytes written into the reply. */
static uint32_t serve(struct pcidev *p, const struct vring_chain *c)
{
	struct virtio_pcidev_msg m;

	if (vring_chain_read(&p->vu.q[VU_Q_REQ].vr, c, 0, &m, sizeof(m)) !=
	    sizeof(m)) {
		pci_func_error(p->fn, "request of %llu bytes, shorter than its "
			       "header", (unsigned long long)c->read_len);
		return 0;
	}
	switch (m.op) {
	case VIRTIO_PCIDEV_OP_CFG_READ:
		return do_cfg_read(p, c, &m);
	case VIRTIO_PCIDEV_OP_MMIO_READ:
		return do_mmio_read(p, c, &m);
	case VIRTIO_PCIDEV_OP_CFG_WRITE:
		do_cfg_write(p, c, &m);
		return 0;
	case VIRTIO_PCIDEV_OP_MMIO_WRITE:
		do_mmio_write(p, c, &m);
		return 0;
	case VIRTIO_PCIDEV_OP_MMIO_MEMSET:
		do_memset(p, c, &m);
		return 0;
	}
	pci_func_error(p->fn, "unknown virtio_pcidev request op %u", m.op);
	return 0;
}

static void flush_backlog(struct pcidev *p);

/*
 * Up to 6.12 UML's PCI transport (virt-pci.c) kmallocs every posted write
 * and frees it only in its request-queue callback or while it polls for a
 * read on the same device; with no read and no call, 256 completed writes
 * fill the ring and the next write is dropped silently (a doorbell, so the
 * driver waits forever).  7.2 and later turn a write into a polled one
 * when their few write buffers are busy.  So: one call per
 * PCIDEV_POSTED_SIGNAL posted writes in a row, which 7.x never reaches
 * and which leaves 6.12 room to reap them.
 */
static void reap_posted(struct pcidev *p, const struct vring_chain *c)
{
	if (c->write_len) {
		p->posted_run = 0;
		return;
	}
	if (++p->posted_run < PCIDEV_POSTED_SIGNAL)
		return;
	p->posted_run = 0;
	p->reap_signals++;
	vu_queue_call(&p->vu, VU_Q_REQ);
}

struct late_reply {
	struct pcidev *p;
	uint16_t head;
	uint32_t len;
	uint64_t epoch;
};

static void complete_late(void *arg)
{
	struct late_reply *l = arg;

	/* Only into the ring it came from: not after a reconnect. */
	if (l->epoch == l->p->epoch && vu_queue_ready(&l->p->vu, VU_Q_REQ))
		vring_push(&l->p->vu.q[VU_Q_REQ].vr, l->head, l->len);
	free(l);
}

/* A slow-reply fault: complete this request later; true if deferred. */
static bool reply_late(struct pcidev *p, uint16_t head, uint32_t len)
{
	struct fault *f = fault_hit(p->fn->faults, FAULT_SLOW_REPLY,
				    p->fn->name);
	struct late_reply *l;

	if (!f || !p->fn->tp.defer || !(l = malloc(sizeof(*l))))
		return false;
	*l = (struct late_reply){ p, head, len, p->epoch };
	if (p->fn->tp.defer(p->fn->tp.bus, f->arg, complete_late, l)) {
		free(l);
		return false;
	}
	return true;
}

static void attach_memory(struct pcidev *p)
{
	p->fn->tp.mem = p->vu.mem.nregions ? &p->vu.mem : NULL;
}

bool pcidev_has_work(struct pcidev *p)
{
	return !p->broken && vu_queue_ready(&p->vu, VU_Q_REQ) &&
	       vring_pending(&p->vu.q[VU_Q_REQ].vr);
}

int pcidev_process(struct pcidev *p)
{
	struct vu_queue *q = &p->vu.q[VU_Q_REQ];
	struct vring_chain c;
	int served = 0, ret;

	attach_memory(p);
	if (p->nbacklog)
		flush_backlog(p);
	while (!p->broken && vu_queue_ready(&p->vu, VU_Q_REQ)) {
		uint32_t len;

		ret = vring_pop(&q->vr, &c);
		if (ret == 0)
			break;
		if (ret < 0) {
			broken(p, q->vr.err);
			break;
		}
		len = serve(p, &c);
		p->requests++;
		served++;
		if (reply_late(p, c.head, len))
			continue;
		/*
		 * No completion interrupt, not even for posted writes: the
		 * guest reaps used buffers in its next poll anyway, and
		 * virtio_pcidev's callback reaps them only while no access is
		 * waiting, a single flag that a nested access (an interrupt
		 * handler touching the device during a poll, which time-travel
		 * makes likely) clears too early, so the callback can steal
		 * the outer access's reply and UML gives up on it.  The one
		 * exception is reap_posted()'s, for 6.12.
		 */
		if (vring_push(&q->vr, c.head, len)) {
			broken(p, "used ring outside guest memory");
			break;
		}
		reap_posted(p, &c);
	}
	return served;
}

static int post_msi(struct pcidev *p, uint64_t addr, uint32_t data)
{
	struct vu_queue *q = &p->vu.q[VU_Q_EVT];
	struct {
		struct virtio_pcidev_msg hdr;
		uint8_t data[4];
	} __attribute__((packed)) msg = {
		.hdr = { .op = VIRTIO_PCIDEV_OP_MSI, .size = 4, .addr = addr },
	};
	struct vring_chain c;
	int ret;

	if (p->broken || !vu_queue_ready(&p->vu, VU_Q_EVT))
		return -EAGAIN;
	ret = vring_pop(&q->vr, &c);
	if (ret == 0)
		return -EAGAIN;
	if (ret < 0) {
		broken(p, q->vr.err);
		return ret;
	}
	put_le(msg.data, 4, data);
	if (c.write_len < sizeof(msg)) {
		pci_func_error(p->fn, "event buffer of %llu bytes, need %zu",
			       (unsigned long long)c.write_len, sizeof(msg));
		vring_push(&q->vr, c.head, 0);
		return -EINVAL;
	}
	vring_chain_write(&q->vr, &c, 0, &msg, sizeof(msg));
	vring_push(&q->vr, c.head, sizeof(msg));
	vu_queue_call(&p->vu, VU_Q_EVT);
	p->msis++;
	return 0;
}

static void flush_backlog(struct pcidev *p)
{
	unsigned int i = 0;

	while (i < p->nbacklog && !post_msi(p, 0, p->backlog[i]))
		i++;
	memmove(p->backlog, p->backlog + i, (p->nbacklog - i) * sizeof(uint32_t));
	p->nbacklog -= i;
}

static int send_msi(void *ctx, uint64_t addr, uint32_t data)
{
	struct pcidev *p = ctx;

	(void)addr;	/* UML's MSI message is just the interrupt number */
	if (!p->nbacklog && !post_msi(p, addr, data))
		return 0;
	if (p->nbacklog == PCIDEV_MSI_BACKLOG) {
		vlog_once(LOG_WARN, p->vu.name, "guest posts no event buffers; "
			  "dropping MSIs");
		return -ENOSPC;
	}
	p->backlog[p->nbacklog++] = data;
	return 0;
}
