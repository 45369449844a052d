// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <string.h>
#include <linux/virtio_config.h>
#include <linux/virtio_pci.h>

#include "sim/bus/le.h"
#include "sim/bus/log.h"
#include "sim/bus/trace.h"
#include "virtio_pci_legacy.h"

static const struct vlegacy_field common_fields[] = {
	{ VIRTIO_PCI_HOST_FEATURES, 4, true, "host features" },
	{ VIRTIO_PCI_GUEST_FEATURES, 4, false, "guest features" },
	{ VIRTIO_PCI_QUEUE_PFN, 4, false, "queue PFN" },
	{ VIRTIO_PCI_QUEUE_NUM, 2, true, "queue size" },
	{ VIRTIO_PCI_QUEUE_SEL, 2, false, "queue select" },
	{ VIRTIO_PCI_QUEUE_NOTIFY, 2, false, "queue notify" },
	{ VIRTIO_PCI_STATUS, 1, false, "device status" },
	{ VIRTIO_PCI_ISR, 1, true, "ISR status" },
	{ VIRTIO_MSI_CONFIG_VECTOR, 2, false, "config vector" },
	{ VIRTIO_MSI_QUEUE_VECTOR, 2, false, "queue vector" },
};

#define NFIELDS (sizeof(common_fields) / sizeof(common_fields[0]))

const struct vlegacy_field *vlegacy_field(const struct vlegacy_field *fields,
					  unsigned int n, unsigned int off,
					  unsigned int len)
{
	for (unsigned int i = 0; i < n; i++) {
		const struct vlegacy_field *f = &fields[i];

		if (len && off >= f->off && off + len <= f->off + f->len)
			return f;
	}
	return NULL;
}

unsigned int vlegacy_common_len(const struct vdev *d)
{
	return msix_enabled(d->fn) ? VLEGACY_COMMON_MSIX_LEN :
				     VLEGACY_COMMON_LEN;
}

/* The field holding the access, or NULL (logged: a driver bug). */
static const struct vlegacy_field *field_of(struct vdev *d, unsigned int off,
					    unsigned int len, bool write)
{
	const struct vlegacy_field *f = NULL;

	if (off + len <= vlegacy_common_len(d))
		f = vlegacy_field(common_fields, NFIELDS, off, len);
	if (!f)
		pci_func_error(d->fn, "legacy common config %s of %u bytes at "
			       "%u: not inside one field of the %u-byte "
			       "layout", write ? "write" : "read", len, off,
			       vlegacy_common_len(d));
	return f;
}

static struct vdev_queue *selected(struct vdev *d)
{
	return d->queue_select < d->nqueues ? &d->q[d->queue_select] : NULL;
}

void vlegacy_ring_layout(uint32_t pfn, uint16_t num, uint64_t *desc,
			 uint64_t *avail, uint64_t *used)
{
	uint64_t end;

	*desc = (uint64_t)pfn << VLEGACY_PFN_SHIFT;
	*avail = *desc + 16ull * num;
	end = *avail + 2ull * (3 + num);	/* flags, idx, ring, used_event */
	*used = (end + VLEGACY_VRING_ALIGN - 1) & ~(VLEGACY_VRING_ALIGN - 1ull);
}

/* A field's current value, as the legacy interface shows it. */
static uint32_t field_value(struct vdev *d, unsigned int off)
{
	struct vdev_queue *q = selected(d);
	uint8_t isr;

	switch (off) {
	case VIRTIO_PCI_HOST_FEATURES:
		return (uint32_t)d->host_features;
	case VIRTIO_PCI_GUEST_FEATURES:
		return (uint32_t)d->guest_features;
	case VIRTIO_PCI_QUEUE_PFN:
		return q && q->enabled ? q->desc >> VLEGACY_PFN_SHIFT : 0;
	case VIRTIO_PCI_QUEUE_NUM:
		return q ? q->max_size : 0;
	case VIRTIO_PCI_QUEUE_SEL:
		return d->queue_select;
	case VIRTIO_PCI_STATUS:
		return d->status;
	case VIRTIO_PCI_ISR:
		isr = d->isr;		/* reading acknowledges it */
		d->isr = 0;
		return isr;
	case VIRTIO_MSI_CONFIG_VECTOR:
		return d->msix_config;
	case VIRTIO_MSI_QUEUE_VECTOR:
		return q ? q->vector : VDEV_NO_VECTOR;
	}
	return 0;			/* queue notify reads 0 */
}

int vlegacy_common_read(struct vdev *d, unsigned int off, void *buf,
			unsigned int len)
{
	const struct vlegacy_field *f = field_of(d, off, len, false);
	uint8_t v[4];

	if (!f)
		return -EINVAL;
	put_le(v, f->len, field_value(d, f->off));
	memcpy(buf, v + (off - f->off), len);
	d->accesses++;
	return 0;
}

static void set_features(struct vdev *d, uint32_t v)
{
	if (d->status & VIRTIO_CONFIG_S_DRIVER_OK)
		return;		/* fixed once the driver is running */
	if (v & ~(uint32_t)d->host_features)
		pci_func_error(d->fn, "legacy guest features 0x%x: 0x%x not "
			       "offered, ignored", v,
			       v & ~(uint32_t)d->host_features);
	d->guest_features = v & d->host_features;
	d->guest_features_high = false;
}

static void set_pfn(struct vdev *d, uint32_t pfn)
{
	struct vdev_queue *q = selected(d);

	if (!q) {
		pci_func_error(d->fn, "legacy queue PFN for queue %u, the "
			       "device has %u", d->queue_select, d->nqueues);
		return;
	}
	if (!pfn) {		/* deactivate */
		vring_reset(&q->vr);
		q->enabled = false;
		q->desc = q->driver = q->device = 0;
		return;
	}
	if (q->enabled) {
		pci_func_error(d->fn, "legacy queue PFN 0x%x for active queue "
			       "%u, ignored", pfn, d->queue_select);
		return;
	}
	q->size = q->max_size;	/* legacy drivers cannot choose */
	vlegacy_ring_layout(pfn, q->size, &q->desc, &q->driver, &q->device);
	if (!virtio_pci_enable_queue(d, d->queue_select))
		q->desc = q->driver = q->device = 0;
}

static void apply(struct vdev *d, unsigned int off, uint32_t v)
{
	struct vdev_queue *q = selected(d);

	switch (off) {
	case VIRTIO_PCI_GUEST_FEATURES:
		set_features(d, v);
		break;
	case VIRTIO_PCI_QUEUE_PFN:
		set_pfn(d, v);
		break;
	case VIRTIO_PCI_QUEUE_SEL:
		d->queue_select = v;
		break;
	case VIRTIO_PCI_QUEUE_NOTIFY:
		if (v < d->nqueues)
			virtio_pci_queue_notify(d, v);
		else
			pci_func_error(d->fn, "legacy notify of queue %u, the "
				       "device has %u", v, d->nqueues);
		break;
	case VIRTIO_PCI_STATUS:
		virtio_pci_set_status(d, v);
		break;
	case VIRTIO_MSI_CONFIG_VECTOR:
		d->msix_config = virtio_pci_valid_vector(d, v);
		break;
	case VIRTIO_MSI_QUEUE_VECTOR:
		if (q)
			q->vector = virtio_pci_valid_vector(d, v);
		break;
	}
}

int vlegacy_common_write(struct vdev *d, unsigned int off, const void *buf,
			 unsigned int len)
{
	const struct vlegacy_field *f = field_of(d, off, len, true);
	uint8_t v[4];

	if (!f)
		return -EINVAL;
	d->accesses++;
	trace_event(TRACE_DEV, d->fn->name, "legacy-write",
		    "field=\"%s\" off=%u len=%u val=0x%llx", f->name, off, len,
		    (unsigned long long)get_le(buf, len));
	if (f->ro)
		return 0;	/* no effect, as through I/O space */
	/* Part of a field: the rest keeps its value (a read has effects
	 * only on ISR, which is read-only). */
	put_le(v, f->len, field_value(d, f->off));
	memcpy(v + (off - f->off), buf, len);
	apply(d, f->off, get_le(v, f->len));
	return 0;
}
