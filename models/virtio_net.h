/* SPDX-License-Identifier: GPL-2.0 */
/*
 * virtio-net device model (virtio 1.3, 5.1) on the modern virtio-pci
 * transport: one queue pair, MAC and link status in the device config.
 * As a Physical Function it also has an admin virtqueue (after the
 * rx/tx queues) served by models/virtio_admin.c.
 *
 * Contract: virtio_net_create() returns a ready pci_func for the bus;
 * virtio_net_destroy() frees it.  Transmitted packets are consumed and
 * counted; receive buffers are kept posted.  A VF of a PF made with
 * .legacy also has the legacy interface, which its PF serves: the legacy
 * device configuration is the MAC (6 bytes, writable there, as legacy
 * drivers set it) and the link status (2 bytes, read-only).
 */
#ifndef VFSIM_MODELS_VIRTIO_NET_H
#define VFSIM_MODELS_VIRTIO_NET_H

#include <stdbool.h>
#include <stdint.h>

#include "sim/bus/pci_func.h"
#include "sim/bus/sriov.h"
#include "dev_parts.h"
#include "virtio_admin.h"
#include "virtio_pci.h"

struct virtio_net_params {
	const char *name;	/* "pf", "vf0", ... */
	uint8_t mac[6];
	unsigned int total_vfs;	/* PF: SR-IOV with this many VFs (0: none) */
	struct virtio_net *pf;	/* VF: its PF */
	unsigned int vf_index;
	bool admin_vq;		/* a PF with an admin virtqueue */
	bool indirect;		/* offer VIRTIO_RING_F_INDIRECT_DESC */
	/*
	 * PF: serve the legacy interface of its VFs through the admin queue;
	 * VF: of such a PF, so no BAR0 (models/virtio_pci_legacy.h).
	 */
	bool legacy;
	uint32_t context_extra;	/* VF: opaque device-context bytes (tests) */
	uint8_t parts_get_limit, parts_set_limit;
};

struct virtio_net {
	struct pci_func fn;
	struct vdev vdev;
	struct admin_dev admin;
	uint8_t mac[6];
	uint16_t link_status;
	uint64_t tx_packets, tx_bytes;
	bool legacy;			/* PF: serves its VFs' legacy interface */
	uint64_t legacy_accesses;	/* through the PF's legacy commands */
	/* Device-internal state a driver cannot read back; migrated. */
	uint32_t rx_mode;
	uint8_t mac_filter[6];
	struct sriov sriov;	/* PF only, if total_vfs */
	/* VF migration */
	uint32_t context_extra;
	struct vnet_state last_saved;	/* what the last DEV_PARTS_GET carried */
	bool saved;
	uint64_t contexts_saved, contexts_loaded;
};

/*
 * Change the device-internal state as traffic would (counters, RX mode,
 * MAC filter), so a context that misses a field shows a mismatch.
 */
void virtio_net_evolve(struct virtio_net *n);

/* Capture / restore the whole device state (see models/dev_parts.h). */
void virtio_net_save(struct virtio_net *n, struct vnet_state *s);
void virtio_net_load(struct virtio_net *n, const struct vnet_state *s);

/* Queue indexes. */
enum { VNET_RXQ = 0, VNET_TXQ = 1, VNET_NQUEUES = 2 };

/* VF Device ID, as virtio-vfio-pci matches it (modern virtio-net). */
#define VIRTIO_NET_VF_DEVICE_ID 0x1041

/*
 * A PF (p->pf NULL) or VF n of p->pf (attached to its SR-IOV capability).
 * Returns NULL on bad parameters or no memory.
 */
struct virtio_net *virtio_net_create(const struct virtio_net_params *p);
void virtio_net_destroy(struct virtio_net *n);

#endif
