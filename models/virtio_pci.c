// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <linux/pci_regs.h>
#include <linux/virtio_config.h>
#include <linux/virtio_pci.h>
#include <linux/virtio_ring.h>

#include "sim/bus/log.h"
#include "sim/bus/trace.h"
#include "virtio_pci.h"
#include "sim/bus/le.h"

unsigned int virtio_pci_total_queues(const struct vdev *d)
{
	return d->nqueues + d->admin_num;
}

bool virtio_pci_has_feature(const struct vdev *d, unsigned int bit)
{
	return bit < 64 && (d->guest_features & (1ull << bit));
}

bool virtio_pci_driver_ok(const struct vdev *d)
{
	return (d->status & VIRTIO_CONFIG_S_DRIVER_OK) &&
	       !(d->status & VIRTIO_CONFIG_S_NEEDS_RESET);
}

static void add_vendor_cap(struct pci_func *fn, uint8_t bar, uint8_t type,
			   uint32_t off, uint32_t len, bool notify)
{
	uint8_t clen = notify ? sizeof(struct virtio_pci_notify_cap) :
				sizeof(struct virtio_pci_cap);
	uint8_t cap = pci_cfg_add_cap(&fn->cfg, PCI_CAP_ID_VNDR, clen);

	pci_cfg_set8(&fn->cfg, cap + VIRTIO_PCI_CAP_LEN, clen);
	pci_cfg_set8(&fn->cfg, cap + VIRTIO_PCI_CAP_CFG_TYPE, type);
	pci_cfg_set8(&fn->cfg, cap + VIRTIO_PCI_CAP_BAR, bar);
	pci_cfg_set32(&fn->cfg, cap + VIRTIO_PCI_CAP_OFFSET, off);
	pci_cfg_set32(&fn->cfg, cap + VIRTIO_PCI_CAP_LENGTH, len);
	if (notify)
		pci_cfg_set32(&fn->cfg, cap + VIRTIO_PCI_NOTIFY_CAP_MULT,
			      VDEV_NOTIFY_MULT);
}

int virtio_pci_init(struct vdev *d, struct pci_func *fn, uint16_t virtio_id,
		    uint32_t class_rev, unsigned int nqueues,
		    unsigned int admin_num, unsigned int nvec,
		    unsigned int flags)
{
	bool no_bar0 = flags & VDEV_NO_BAR0;
	int ret;

	if (nqueues + admin_num > VDEV_MAX_QUEUES)
		return -EINVAL;
	d->fn = fn;
	d->bar = no_bar0 ? VDEV_NO_BAR0_BAR : VDEV_BAR;
	d->msix_bar = no_bar0 ? VDEV_NO_BAR0_MSIX_BAR : VDEV_MSIX_BAR;
	d->legacy_doorbell = no_bar0;
	d->nqueues = nqueues;
	d->admin_num = admin_num;
	d->admin_index = nqueues;
	fn->model = d;
	pci_cfg_init(&fn->cfg, VIRTIO_PCI_VENDOR,
		     VIRTIO_PCI_DEVICE_MODERN(virtio_id), class_rev,
		     VIRTIO_PCI_VENDOR, virtio_id);
	if (flags & VDEV_VF) {
		/* A VF's ids read all-ones; its BARs are the PF's VF BARs. */
		pci_cfg_set32(&fn->cfg, 0, 0xffffffff);
		ret = 0;
	} else {
		ret = pci_cfg_set_bar(&fn->cfg, d->bar, PCI_BAR_MEM64,
				      VDEV_BAR_SIZE);
		ret = ret ?: pci_cfg_set_bar(&fn->cfg, d->msix_bar,
					     PCI_BAR_MEM32, VDEV_MSIX_BAR_SIZE);
	}
	ret = ret ?: pci_func_add_pcie(fn, PCI_EXP_TYPE_ENDPOINT, true);
	ret = ret ?: msix_init(fn, nvec, d->msix_bar, 0, VDEV_MSIX_PBA_OFF);
	if (ret)
		return ret;
	add_vendor_cap(fn, d->bar, VIRTIO_PCI_CAP_COMMON_CFG, VDEV_COMMON_OFF,
		       VDEV_COMMON_LEN, false);
	add_vendor_cap(fn, d->bar, VIRTIO_PCI_CAP_ISR_CFG, VDEV_ISR_OFF, 4,
		       false);
	add_vendor_cap(fn, d->bar, VIRTIO_PCI_CAP_DEVICE_CFG, VDEV_DEVCFG_OFF,
		       VDEV_DEVCFG_LEN, false);
	add_vendor_cap(fn, d->bar, VIRTIO_PCI_CAP_NOTIFY_CFG, VDEV_NOTIFY_OFF,
		       VDEV_NOTIFY_LEN, true);
	virtio_pci_reset(d);
	return 0;
}

void virtio_pci_reset(struct vdev *d)
{
	for (unsigned int i = 0; i < VDEV_MAX_QUEUES; i++) {
		struct vdev_queue *q = &d->q[i];

		vring_reset(&q->vr);
		q->max_size = d->admin_num && i == d->admin_index ?
			      VDEV_ADMIN_QUEUE_MAX_SIZE : VDEV_QUEUE_MAX_SIZE;
		q->size = q->max_size;
		q->vector = VDEV_NO_VECTOR;
		q->enabled = false;
		q->desc = q->driver = q->device = 0;
	}
	d->guest_features = 0;
	d->guest_features_high = false;
	d->dfselect = d->gfselect = 0;
	d->msix_config = VDEV_NO_VECTOR;
	d->queue_select = 0;
	d->status = 0;
	d->isr = 0;
	/* A reset (FLR included) always leaves the device running. */
	d->stopped = false;
	d->pending_kicks = d->pending_irqs = 0;
	d->pending_config_irq = false;
	d->config_generation++;
	d->resets++;
	if (d->ops && d->ops->reset)
		d->ops->reset(d);
}

static void raise_vector(struct vdev *d, uint16_t vector, uint8_t isr_bit)
{
	d->isr |= isr_bit;
	if (vector != VDEV_NO_VECTOR)
		msix_notify(d->fn, vector);
}

void virtio_pci_notify_queue(struct vdev *d, unsigned int qi)
{
	struct vdev_queue *q = &d->q[qi];

	if (d->stopped) {
		d->pending_irqs |= 1u << qi;
		return;
	}
	if (!vring_need_interrupt(&q->vr))
		return;
	raise_vector(d, q->vector, VDEV_ISR_QUEUE);
}

void virtio_pci_config_changed(struct vdev *d)
{
	d->config_generation++;
	if (d->stopped) {
		d->pending_config_irq = true;
		return;
	}
	raise_vector(d, d->msix_config, VIRTIO_PCI_ISR_CONFIG);
}

void virtio_pci_device_error(struct vdev *d, const char *fmt, ...)
{
	char msg[200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (d->status & VIRTIO_CONFIG_S_NEEDS_RESET)
		return;		/* already failed; one line per failure */
	pci_func_error(d->fn, "%s; device needs reset", msg);
	d->status |= VIRTIO_CONFIG_S_NEEDS_RESET;
	virtio_pci_config_changed(d);
}

/* ---- common configuration ---- */

static struct vdev_queue *selected(struct vdev *d)
{
	if (d->queue_select >= virtio_pci_total_queues(d))
		return NULL;
	return &d->q[d->queue_select];
}

static uint32_t device_feature_word(const struct vdev *d)
{
	return d->dfselect < 2 ? d->host_features >> (32 * d->dfselect) : 0;
}

static uint32_t guest_feature_word(const struct vdev *d)
{
	return d->gfselect < 2 ? d->guest_features >> (32 * d->gfselect) : 0;
}

static void common_snapshot(struct vdev *d, uint8_t *c)
{
	struct vdev_queue *q = selected(d);

	memset(c, 0, VDEV_COMMON_LEN);
	put_le(c + VIRTIO_PCI_COMMON_DFSELECT, 4, d->dfselect);
	put_le(c + VIRTIO_PCI_COMMON_DF, 4, device_feature_word(d));
	put_le(c + VIRTIO_PCI_COMMON_GFSELECT, 4, d->gfselect);
	put_le(c + VIRTIO_PCI_COMMON_GF, 4, guest_feature_word(d));
	put_le(c + VIRTIO_PCI_COMMON_MSIX, 2, d->msix_config);
	put_le(c + VIRTIO_PCI_COMMON_NUMQ, 2, d->nqueues);
	c[VIRTIO_PCI_COMMON_STATUS] = d->status;
	c[VIRTIO_PCI_COMMON_CFGGENERATION] = d->config_generation;
	put_le(c + VIRTIO_PCI_COMMON_Q_SELECT, 2, d->queue_select);
	put_le(c + VIRTIO_PCI_COMMON_ADM_Q_IDX, 2, d->admin_index);
	put_le(c + VIRTIO_PCI_COMMON_ADM_Q_NUM, 2, d->admin_num);
	if (!q)
		return;		/* queue_size 0: no such queue */
	put_le(c + VIRTIO_PCI_COMMON_Q_SIZE, 2, q->size);
	put_le(c + VIRTIO_PCI_COMMON_Q_MSIX, 2, q->vector);
	put_le(c + VIRTIO_PCI_COMMON_Q_ENABLE, 2, q->enabled);
	put_le(c + VIRTIO_PCI_COMMON_Q_NOFF, 2, d->queue_select);
	put_le(c + VIRTIO_PCI_COMMON_Q_DESCLO, 8, q->desc);
	put_le(c + VIRTIO_PCI_COMMON_Q_AVAILLO, 8, q->driver);
	put_le(c + VIRTIO_PCI_COMMON_Q_USEDLO, 8, q->device);
	put_le(c + VIRTIO_PCI_COMMON_Q_NDATA, 2, d->queue_select);
}

static void set_guest_features(struct vdev *d, uint32_t v)
{
	if (d->status & VIRTIO_CONFIG_S_FEATURES_OK)
		return;		/* frozen once FEATURES_OK is set */
	if (d->gfselect >= 2) {
		d->guest_features_high |= v != 0;
		return;
	}
	d->guest_features &= ~(0xffffffffull << (32 * d->gfselect));
	d->guest_features |= (uint64_t)v << (32 * d->gfselect);
}

static bool features_ok(const struct vdev *d)
{
	return !d->guest_features_high &&
	       !(d->guest_features & ~d->host_features) &&
	       virtio_pci_has_feature(d, VIRTIO_F_VERSION_1);
}

void virtio_pci_set_status(struct vdev *d, uint8_t v)
{
	uint8_t old = d->status;

	if (!v) {
		trace_event(TRACE_DEV, d->fn->name, "reset", "by=driver");
		virtio_pci_reset(d);
		return;
	}
	/* NEEDS_RESET is the device's to set; the driver cannot clear it. */
	v = (v & ~VIRTIO_CONFIG_S_NEEDS_RESET) |
	    (old & VIRTIO_CONFIG_S_NEEDS_RESET);
	if ((v & VIRTIO_CONFIG_S_FEATURES_OK) &&
	    !(old & VIRTIO_CONFIG_S_FEATURES_OK) && !features_ok(d))
		v &= ~VIRTIO_CONFIG_S_FEATURES_OK;
	d->status = v;
	trace_event(TRACE_DEV, d->fn->name, "status",
		    "val=0x%x features=0x%llx", v,
		    (unsigned long long)d->guest_features);
	/*
	 * Fix: driver_ok (virtio-net rescans its rings) used to run in
	 * stopped mode too, processing queues while stopped.  Leaving stopped
	 * mode rescans every enabled queue, which covers it.
	 */
	if ((v & VIRTIO_CONFIG_S_DRIVER_OK) &&
	    !(old & VIRTIO_CONFIG_S_DRIVER_OK) && !d->stopped && d->ops &&
	    d->ops->driver_ok)
		d->ops->driver_ok(d);
}

uint16_t virtio_pci_valid_vector(const struct vdev *d, uint16_t v)
{
	return v < d->fn->msix.nvec ? v : VDEV_NO_VECTOR;
}

bool virtio_pci_enable_queue(struct vdev *d, unsigned int qi)
{
	struct vdev_queue *q = &d->q[qi];
	int ret;

	if (q->enabled)
		return true;
	if (!d->fn->tp.mem) {
		virtio_pci_device_error(d, "queue %u enabled with no guest "
					"memory", qi);
		return false;
	}
	ret = vring_setup(&q->vr, d->fn->tp.mem, q->size, q->desc, q->driver,
			  q->device,
			  virtio_pci_has_feature(d, VIRTIO_RING_F_INDIRECT_DESC));
	if (ret) {
		virtio_pci_device_error(d, "queue %u: %s", qi, q->vr.err);
		return false;
	}
	q->enabled = true;
	trace_event(TRACE_DEV, d->fn->name, "queue-enable",
		    "queue=%u size=%u vector=%u", qi, q->size, q->vector);
	return true;
}

static void set_queue_size(struct vdev *d, struct vdev_queue *q, uint16_t v)
{
	if (q->enabled)
		return;
	if (!v || v > q->max_size || (v & (v - 1))) {
		pci_func_error(d->fn, "queue %u: size %u is not a power of 2 "
			       "<= %u", d->queue_select, v, q->max_size);
		return;
	}
	q->size = v;
}

static void apply_queue_field(struct vdev *d, unsigned int off,
			      const uint8_t *c)
{
	struct vdev_queue *q = selected(d);

	if (!q)
		return;
	switch (off) {
	case VIRTIO_PCI_COMMON_Q_SIZE:
		set_queue_size(d, q, get_le(c + off, 2));
		break;
	case VIRTIO_PCI_COMMON_Q_MSIX:
		q->vector = virtio_pci_valid_vector(d, get_le(c + off, 2));
		break;
	case VIRTIO_PCI_COMMON_Q_ENABLE:
		if (get_le(c + off, 2) == 1)
			virtio_pci_enable_queue(d, d->queue_select);
		break;
	case VIRTIO_PCI_COMMON_Q_DESCLO:
		if (!q->enabled)
			q->desc = get_le(c + off, 8);
		break;
	case VIRTIO_PCI_COMMON_Q_AVAILLO:
		if (!q->enabled)
			q->driver = get_le(c + off, 8);
		break;
	case VIRTIO_PCI_COMMON_Q_USEDLO:
		if (!q->enabled)
			q->device = get_le(c + off, 8);
		break;
	}
}

static void apply_field(struct vdev *d, unsigned int off, const uint8_t *c)
{
	switch (off) {
	case VIRTIO_PCI_COMMON_DFSELECT:
		d->dfselect = get_le(c + off, 4);
		break;
	case VIRTIO_PCI_COMMON_GFSELECT:
		d->gfselect = get_le(c + off, 4);
		break;
	case VIRTIO_PCI_COMMON_GF:
		set_guest_features(d, get_le(c + off, 4));
		break;
	case VIRTIO_PCI_COMMON_MSIX:
		d->msix_config = virtio_pci_valid_vector(d, get_le(c + off, 2));
		break;
	case VIRTIO_PCI_COMMON_STATUS:
		virtio_pci_set_status(d, c[off]);
		break;
	case VIRTIO_PCI_COMMON_Q_SELECT:
		d->queue_select = get_le(c + off, 2);
		break;
	default:
		apply_queue_field(d, off, c);
	}
}

/* Writable fields, in the order a multi-field write applies them. */
static const struct { uint8_t off, len; } common_fields[] = {
	{ VIRTIO_PCI_COMMON_DFSELECT, 4 }, { VIRTIO_PCI_COMMON_GFSELECT, 4 },
	{ VIRTIO_PCI_COMMON_GF, 4 }, { VIRTIO_PCI_COMMON_MSIX, 2 },
	{ VIRTIO_PCI_COMMON_Q_SELECT, 2 }, { VIRTIO_PCI_COMMON_Q_SIZE, 2 },
	{ VIRTIO_PCI_COMMON_Q_MSIX, 2 }, { VIRTIO_PCI_COMMON_Q_DESCLO, 8 },
	{ VIRTIO_PCI_COMMON_Q_AVAILLO, 8 }, { VIRTIO_PCI_COMMON_Q_USEDLO, 8 },
	{ VIRTIO_PCI_COMMON_Q_ENABLE, 2 }, { VIRTIO_PCI_COMMON_STATUS, 1 },
};

static void common_write(struct vdev *d, uint32_t off, const void *buf,
			 unsigned int len)
{
	uint8_t c[VDEV_COMMON_LEN];

	common_snapshot(d, c);
	memcpy(c + off, buf, len);
	for (unsigned int i = 0; i < sizeof(common_fields) /
				     sizeof(common_fields[0]); i++) {
		unsigned int f = common_fields[i].off;

		if (off < f + common_fields[i].len && f < off + len)
			apply_field(d, f, c);
	}
}

void virtio_pci_queue_notify(struct vdev *d, unsigned int qi)
{
	struct vdev_queue *q = &d->q[qi];

	q->notifies++;
	if (!q->enabled || !virtio_pci_driver_ok(d))
		return;
	if (d->stopped) {
		d->pending_kicks |= 1u << qi;	/* served on resume */
		return;
	}
	if (d->ops && d->ops->queue_notify)
		d->ops->queue_notify(d, qi);
}

static void notify(struct vdev *d, uint64_t off)
{
	unsigned int qi = off / VDEV_NOTIFY_MULT;

	if (off % VDEV_NOTIFY_MULT || qi >= virtio_pci_total_queues(d)) {
		pci_func_error(d->fn, "notify at offset 0x%llx: no such queue",
			       (unsigned long long)off);
		return;
	}
	virtio_pci_queue_notify(d, qi);
}

/* The legacy doorbell: a 16-bit queue index (virtio 1.3, 2.12.1.3.5). */
static void doorbell(struct vdev *d, const void *buf, unsigned int len)
{
	uint16_t qi = len == 2 ? get_le(buf, 2) : 0xffff;

	trace_event(TRACE_DEV, d->fn->name, "legacy-notify", "queue=%u len=%u",
		    qi, len);
	d->doorbells++;
	if (qi >= d->nqueues) {
		pci_func_error(d->fn, "legacy doorbell: %u-byte write of "
			       "queue %u (the device has %u queues)", len,
			       (unsigned int)qi, d->nqueues);
		return;
	}
	virtio_pci_queue_notify(d, qi);
}

static bool in(uint64_t off, unsigned int len, uint32_t start, uint32_t size)
{
	return off >= start && off - start < size &&
	       len <= size - (off - start);
}

void virtio_pci_bar_read(struct pci_func *fn, int bar, uint64_t off,
			 void *buf, unsigned int len)
{
	struct vdev *d = fn->model;
	uint8_t c[VDEV_COMMON_LEN];

	memset(buf, 0, len);
	if (bar != d->bar)
		return;
	d->accesses++;
	if (in(off, len, VDEV_COMMON_OFF, VDEV_COMMON_LEN)) {
		common_snapshot(d, c);
		memcpy(buf, c + off - VDEV_COMMON_OFF, len);
	} else if (in(off, len, VDEV_ISR_OFF, 4)) {
		/* Reading ISR acknowledges it. */
		if (off == VDEV_ISR_OFF)
			*(uint8_t *)buf = d->isr;
		d->isr = 0;
	} else if (in(off, len, VDEV_DEVCFG_OFF, VDEV_DEVCFG_LEN)) {
		if (d->ops && d->ops->cfg_read)
			d->ops->cfg_read(d, off - VDEV_DEVCFG_OFF, buf, len);
	}
}

void virtio_pci_bar_write(struct pci_func *fn, int bar, uint64_t off,
			  const void *buf, unsigned int len)
{
	struct vdev *d = fn->model;

	if (bar != d->bar)
		return;
	d->accesses++;
	if (d->legacy_doorbell && in(off, len, VDEV_LEGACY_NOTIFY_OFF, 2))
		doorbell(d, buf, len);
	else if (in(off, len, VDEV_COMMON_OFF, VDEV_COMMON_LEN))
		common_write(d, off - VDEV_COMMON_OFF, buf, len);
	else if (in(off, len, VDEV_DEVCFG_OFF, VDEV_DEVCFG_LEN)) {
		if (d->ops && d->ops->cfg_write)
			d->ops->cfg_write(d, off - VDEV_DEVCFG_OFF, buf, len);
	} else if (in(off, len, VDEV_NOTIFY_OFF, VDEV_NOTIFY_LEN))
		notify(d, off - VDEV_NOTIFY_OFF);
}

void virtio_pci_set_stopped(struct vdev *d, bool stopped)
{
	uint32_t irqs = d->pending_irqs;

	if (d->stopped == stopped)
		return;
	d->stopped = stopped;
	trace_event(TRACE_DEV, d->fn->name, "mode", "stopped=%d", stopped);
	if (stopped)
		return;
	d->pending_irqs = d->pending_kicks = 0;
	if (d->pending_config_irq) {
		d->pending_config_irq = false;
		raise_vector(d, d->msix_config, VIRTIO_PCI_ISR_CONFIG);
	}
	for (unsigned int i = 0; i < virtio_pci_total_queues(d); i++) {
		if (irqs & (1u << i))
			virtio_pci_notify_queue(d, i);
		/* Buffers may have been added without a kick we kept. */
		if (d->q[i].enabled && virtio_pci_driver_ok(d) && d->ops &&
		    d->ops->queue_notify)
			d->ops->queue_notify(d, i);
	}
}
