// SPDX-License-Identifier: GPL-2.0
#include <stdlib.h>
#include <string.h>
#include <linux/virtio_config.h>
#include <linux/virtio_ids.h>
#include <linux/virtio_net.h>
#include <linux/virtio_ring.h>

#include "../sim/trace.h"
#include "virtio_net.h"

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

static void tx(struct virtio_net *n)
{
	struct vdev_queue *q = &n->vdev.q[VNET_TXQ];
	struct vring_chain c;
	bool done = false;
	int ret;

	while ((ret = vring_pop(&q->vr, &c)) > 0) {
		uint64_t len = c.read_len;

		n->tx_packets++;
		if (len > sizeof(struct virtio_net_hdr_v1))
			n->tx_bytes += len - sizeof(struct virtio_net_hdr_v1);
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

static int add_sriov(struct virtio_net *n, unsigned int total_vfs)
{
	int ret = sriov_init(&n->sriov, &n->fn, total_vfs,
			     VIRTIO_NET_VF_DEVICE_ID);

	ret = ret ?: sriov_set_vf_bar(&n->sriov, VDEV_BAR, PCI_BAR_MEM64,
				      VDEV_BAR_SIZE);
	ret = ret ?: sriov_set_vf_bar(&n->sriov, VDEV_MSIX_BAR, PCI_BAR_MEM32,
				      VDEV_MSIX_BAR_SIZE);
	/* Offered only with the capability: Linux drops it otherwise. */
	n->vdev.host_features |= 1ull << VIRTIO_F_SR_IOV;
	return ret;
}

struct virtio_net *virtio_net_create(const struct virtio_net_params *p)
{
	struct virtio_net *n;
	unsigned int admin = p->admin_vq && !p->pf ? 1 : 0;
	bool vf = p->pf != NULL;

	if (p->total_vfs > SRIOV_MAX_VFS || (vf && p->total_vfs))
		return NULL;
	n = calloc(1, sizeof(*n));
	if (!n)
		return NULL;
	pci_func_init(&n->fn, p->name);
	memcpy(n->mac, p->mac, sizeof(n->mac));
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
			    VNET_NQUEUES, admin, VNET_NQUEUES + admin + 1, vf) ||
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
