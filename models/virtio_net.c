// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <linux/virtio_config.h>
#include <linux/virtio_ids.h>
#include <linux/virtio_net.h>
#include <linux/virtio_ring.h>

#include "sim/bus/trace.h"
#include "virtio_net.h"
#include "virtio_pci_legacy.h"

#define VNET_CLASS_REV 0x02000001	/* Ethernet controller, rev 1 */

static struct virtio_net *of(struct vdev *d)
{
	return d->priv;
}

static void build_config(const struct virtio_net *n,
			 struct virtio_net_config *c)
{
	memset(c, 0, sizeof(*c));
	memcpy(c->mac, n->mac, sizeof(c->mac));
	c->status = n->link_status;
	c->max_virtqueue_pairs = 1;
	c->mtu = 1500;
}

static void net_cfg_read(struct vdev *d, uint32_t off, void *buf,
			 unsigned int len)
{
	struct virtio_net_config c;

	build_config(of(d), &c);
	if (off >= sizeof(c))
		return;		/* the rest of the window reads 0 */
	if (len > sizeof(c) - off)
		len = sizeof(c) - off;
	memcpy(buf, (uint8_t *)&c + off, len);
}

static void net_cfg_write(struct vdev *d, uint32_t off, const void *buf,
			  unsigned int len)
{
	(void)buf;
	/* The MAC is writable only with VIRTIO_NET_F_CTRL_MAC_ADDR legacy
	 * rules; we offer neither, so the whole config is read-only. */
	pci_func_error(d->fn, "write of %u bytes to read-only net config "
		       "at 0x%x", len, off);
}

/* The header before each packet: 10 bytes for a legacy driver. */
static uint64_t hdr_len(const struct vdev *d)
{
	if (virtio_pci_has_feature(d, VIRTIO_F_VERSION_1) ||
	    virtio_pci_has_feature(d, VIRTIO_NET_F_MRG_RXBUF))
		return sizeof(struct virtio_net_hdr_v1);
	return sizeof(struct virtio_net_hdr);
}

static void tx(struct virtio_net *n)
{
	struct vdev_queue *q = &n->vdev.q[VNET_TXQ];
	struct vring_chain c;
	bool done = false;
	int ret;

	while ((ret = vring_pop(&q->vr, &c)) > 0) {
		uint64_t len = c.read_len;

		n->tx_packets++;
		if (len > hdr_len(&n->vdev))
			n->tx_bytes += len - hdr_len(&n->vdev);
		vring_push(&q->vr, c.head, 0);
		done = true;
	}
	if (ret < 0)
		virtio_pci_device_error(&n->vdev, "tx queue: %s", q->vr.err);
	if (done)
		virtio_pci_notify_queue(&n->vdev, VNET_TXQ);
}

static void net_queue_notify(struct vdev *d, unsigned int qi)
{
	struct virtio_net *n = of(d);

	if (qi == VNET_TXQ)
		tx(n);
	else if (d->admin_num && qi == d->admin_index)
		admin_process_queue(d, qi, &n->admin);
	/* rx: buffers stay posted until there is traffic to deliver */
}

static void net_reset(struct vdev *d)
{
	admin_dev_reset(&of(d)->admin);
}

static void net_driver_ok(struct vdev *d)
{
	/* Kicks that came before DRIVER_OK were ignored: rescan. */
	for (unsigned int i = 0; i < virtio_pci_total_queues(d); i++)
		if (d->q[i].enabled)
			net_queue_notify(d, i);
}

static const struct virtio_dev_ops net_ops = {
	.queue_notify = net_queue_notify,
	.cfg_read = net_cfg_read,
	.cfg_write = net_cfg_write,
	.reset = net_reset,
	.driver_ok = net_driver_ok,
};

static void fn_flr(struct pci_func *fn)
{
	virtio_pci_reset(fn->model);
}

static void fn_disconnect(struct pci_func *fn)
{
	pci_func_reset(fn);	/* as after power-on */
}

static const struct pci_func_ops fn_ops = {
	.bar_read = virtio_pci_bar_read,
	.bar_write = virtio_pci_bar_write,
	.flr = fn_flr,
	.disconnect = fn_disconnect,
};

void virtio_net_save(struct virtio_net *n, struct vnet_state *s)
{
	const struct vdev *d = &n->vdev;

	memset(s, 0, sizeof(*s));
	s->virtio_id = VIRTIO_ID_NET;
	s->host_features = d->host_features;
	s->guest_features = d->guest_features;
	s->status = d->status;
	s->config_generation = d->config_generation;
	s->msix_config = d->msix_config;
	s->nqueues = virtio_pci_total_queues(d);
	for (unsigned int i = 0; i < s->nqueues; i++) {
		const struct vdev_queue *q = &d->q[i];

		s->q[i] = (struct vq_state){
			.size = q->size, .vector = q->vector,
			.enabled = q->enabled, .desc = q->desc,
			.driver = q->driver, .device = q->device,
			.last_avail_idx = q->vr.last_avail_idx,
			.used_idx = q->vr.used_idx,
		};
	}
	memcpy(s->mac, n->mac, 6);
	s->link_status = n->link_status;
	s->tx_packets = n->tx_packets;
	s->tx_bytes = n->tx_bytes;
	s->accesses = d->accesses;
	s->rx_mode = n->rx_mode;
	memcpy(s->mac_filter, n->mac_filter, 6);
	s->opaque_len = n->context_extra;
	/* Tie the filler to this state so a stale context shows. */
	s->opaque_seed = (uint32_t)(d->accesses * 2654435761u) ^ n->mac[5];
}

void virtio_net_load(struct virtio_net *n, const struct vnet_state *s)
{
	struct vdev *d = &n->vdev;

	d->guest_features = s->guest_features;
	d->status = s->status;
	d->config_generation = s->config_generation;
	d->msix_config = s->msix_config;
	for (unsigned int i = 0; i < s->nqueues; i++) {
		struct vdev_queue *q = &d->q[i];
		const struct vq_state *v = &s->q[i];

		vring_reset(&q->vr);
		q->size = v->size;
		q->vector = v->vector;
		q->desc = v->desc;
		q->driver = v->driver;
		q->device = v->device;
		q->enabled = false;
		if (v->enabled && d->fn->tp.mem &&
		    !vring_setup(&q->vr, d->fn->tp.mem, q->size, q->desc,
				 q->driver, q->device,
				 virtio_pci_has_feature(d,
						VIRTIO_RING_F_INDIRECT_DESC)))
			q->enabled = true;
		q->vr.last_avail_idx = v->last_avail_idx;
		q->vr.used_idx = v->used_idx;
	}
	memcpy(n->mac, s->mac, 6);
	n->link_status = s->link_status;
	n->tx_packets = s->tx_packets;
	n->tx_bytes = s->tx_bytes;
	n->rx_mode = s->rx_mode;
	memcpy(n->mac_filter, s->mac_filter, 6);
	d->accesses = s->accesses;
	n->contexts_loaded++;
}

void virtio_net_evolve(struct virtio_net *n)
{
	n->tx_packets += 17;
	n->tx_bytes += 17 * 1514;
	n->rx_mode ^= 0x3;		/* promiscuous, all-multicast */
	n->mac_filter[0] = 0x02;	/* a locally administered address */
	n->mac_filter[5] = n->mac_filter[5] * 5 + 1;
	trace_event(TRACE_DEV, n->fn.name, "evolve",
		    "tx_packets=%llu rx_mode=0x%x",
		    (unsigned long long)n->tx_packets, n->rx_mode);
}

/* ---- the PF as owner of the SR-IOV group: its VFs as members ---- */

static void *member(void *owner, uint64_t id)
{
	struct virtio_net *pf = owner;
	struct pci_func *fn;

	if (!id || id > SRIOV_MAX_VFS || !pf->sriov.cap)
		return NULL;
	fn = pf->sriov.vf[id - 1];
	if (!fn || !sriov_vf_alive(&pf->sriov, id - 1))
		return NULL;
	return ((struct vdev *)fn->model)->priv;
}

static void member_mode_set(void *m, bool stopped)
{
	virtio_pci_set_stopped(&((struct virtio_net *)m)->vdev, stopped);
}

static size_t member_parts_size(void *m)
{
	struct vnet_state s;

	virtio_net_save(m, &s);
	return dev_parts_size(&s);
}

static size_t member_parts_get(void *m, uint8_t *buf, size_t cap)
{
	struct virtio_net *n = m;

	virtio_net_save(n, &n->last_saved);
	n->saved = true;
	n->contexts_saved++;
	trace_event(TRACE_DEV, n->fn.name, "context-save", "bytes=%zu",
		    dev_parts_size(&n->last_saved));
	return dev_parts_encode(&n->last_saved, buf, cap);
}

static int member_parts_set(void *m, const uint8_t *buf, size_t len,
			    char *err, size_t errlen)
{
	struct virtio_net *n = m;
	struct vnet_state self, in;
	int ret;

	virtio_net_save(n, &self);
	ret = dev_parts_decode(buf, len, &self, &in, err, errlen);
	trace_event(TRACE_DEV, n->fn.name, "context-load", "bytes=%zu ok=%d",
		    len, !ret);
	if (ret)
		return ret;
	virtio_net_load(n, &in);
	return 0;
}

/* The legacy device configuration (virtio 1.3, 5.1.4.3). */
static const struct vlegacy_field net_fields[] = {
	{ 0, 6, false, "mac" },		/* legacy drivers write it */
	{ 6, 2, true, "status" },
};

static int legacy_device(struct virtio_net *n, bool write, unsigned int off,
			 uint8_t *rbuf, const uint8_t *wbuf, unsigned int len)
{
	const struct vlegacy_field *f = vlegacy_field(net_fields, 2, off, len);
	struct virtio_net_config c;

	if (!f) {
		pci_func_error(&n->fn, "legacy net config %s of %u bytes at %u: "
			       "not inside one field of mac[6], status",
			       write ? "write" : "read", len, off);
		return -EINVAL;
	}
	if (!write) {
		build_config(n, &c);
		memcpy(rbuf, (uint8_t *)&c + off, len);
		return 0;
	}
	trace_event(TRACE_DEV, n->fn.name, "legacy-write",
		    "field=\"%s\" off=%u len=%u", f->name, off, len);
	if (!f->ro)
		memcpy(n->mac + off, wbuf, len);
	return 0;
}

static int member_legacy_read(void *m, bool device, unsigned int off,
			      uint8_t *buf, unsigned int len)
{
	struct virtio_net *n = m;

	n->legacy_accesses++;
	if (device)
		return legacy_device(n, false, off, buf, NULL, len);
	return vlegacy_common_read(&n->vdev, off, buf, len);
}

static int member_legacy_write(void *m, bool device, unsigned int off,
			       const uint8_t *buf, unsigned int len)
{
	struct virtio_net *n = m;

	n->legacy_accesses++;
	if (device)
		return legacy_device(n, true, off, NULL, buf, len);
	return vlegacy_common_write(&n->vdev, off, buf, len);
}

static void member_legacy_notify(void *m, uint8_t *bar, uint64_t *off)
{
	struct virtio_net *n = m;

	*bar = n->vdev.bar;
	*off = VDEV_LEGACY_NOTIFY_OFF;
}

static const struct admin_member_ops member_ops = {
	.member = member,
	.mode_set = member_mode_set,
	.parts_size = member_parts_size,
	.parts_get = member_parts_get,
	.parts_set = member_parts_set,
	.legacy_read = member_legacy_read,
	.legacy_write = member_legacy_write,
	.legacy_notify = member_legacy_notify,
};

/* With the legacy interface VF BAR0 is hardwired to zero (2.12.1.3.5). */
static int add_sriov(struct virtio_net *n, unsigned int total_vfs)
{
	int bar = n->legacy ? VDEV_NO_BAR0_BAR : VDEV_BAR;
	int msix_bar = n->legacy ? VDEV_NO_BAR0_MSIX_BAR : VDEV_MSIX_BAR;
	int ret = sriov_init(&n->sriov, &n->fn, total_vfs,
			     VIRTIO_NET_VF_DEVICE_ID);

	ret = ret ?: sriov_set_vf_bar(&n->sriov, bar, PCI_BAR_MEM64,
				      VDEV_BAR_SIZE);
	ret = ret ?: sriov_set_vf_bar(&n->sriov, msix_bar, PCI_BAR_MEM32,
				      VDEV_MSIX_BAR_SIZE);
	/* Offered only with the capability: Linux drops it otherwise. */
	n->vdev.host_features |= 1ull << VIRTIO_F_SR_IOV;
	if (n->vdev.admin_num)
		admin_dev_set_members(&n->admin, &member_ops, n);
	if (n->vdev.admin_num && n->legacy)
		admin_dev_set_legacy(&n->admin);
	return ret;
}

struct virtio_net *virtio_net_create(const struct virtio_net_params *p)
{
	struct virtio_net *n;
	unsigned int admin = p->admin_vq && !p->pf ? 1 : 0;
	bool vf = p->pf != NULL;
	unsigned int flags = (vf ? VDEV_VF : 0) |
			     (vf && p->pf->legacy ? VDEV_NO_BAR0 : 0);

	if (p->total_vfs > SRIOV_MAX_VFS || (vf && p->total_vfs))
		return NULL;
	n = calloc(1, sizeof(*n));
	if (!n)
		return NULL;
	pci_func_init(&n->fn, p->name);
	memcpy(n->mac, p->mac, sizeof(n->mac));
	n->context_extra = p->context_extra;
	n->legacy = p->legacy && !vf;
	memcpy(n->mac_filter, p->mac, 6);
	n->link_status = VIRTIO_NET_S_LINK_UP;
	admin_dev_init(&n->admin, n->fn.name, p->parts_get_limit,
		       p->parts_set_limit);
	n->vdev.ops = &net_ops;
	n->vdev.priv = n;
	n->vdev.host_features = 1ull << VIRTIO_F_VERSION_1 |
				1ull << VIRTIO_NET_F_MAC |
				1ull << VIRTIO_NET_F_STATUS;
	if (admin)
		n->vdev.host_features |= 1ull << VIRTIO_F_ADMIN_VQ;
	/*
	 * Off by default: Linux 7.2/7.3 vp_modern_admin_cmd_exec() adds admin
	 * buffers with GFP_KERNEL under admin_vq.lock (irqsave), so with
	 * indirect descriptors it allocates in atomic context (a real bug,
	 * see doc/findings.md).  --pf-indirect reproduces it.
	 */
	if (p->indirect)
		n->vdev.host_features |= 1ull << VIRTIO_RING_F_INDIRECT_DESC;
	/* One vector per queue plus one for config changes. */
	if (virtio_pci_init(&n->vdev, &n->fn, VIRTIO_ID_NET, VNET_CLASS_REV,
			    VNET_NQUEUES, admin, VNET_NQUEUES + admin + 1,
			    flags) ||
	    (p->total_vfs && add_sriov(n, p->total_vfs)) ||
	    (vf && sriov_add_vf(&p->pf->sriov, &n->fn, p->vf_index))) {
		free(n);
		return NULL;
	}
	n->fn.ops = &fn_ops;
	return n;
}

void virtio_net_destroy(struct virtio_net *n)
{
	if (!n)
		return;
	for (unsigned int i = 0; i < VDEV_MAX_QUEUES; i++)
		vring_free(&n->vdev.q[i].vr);
	free(n);
}
