/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The legacy interface of a transitional virtio-pci device (virtio 1.3,
 * 4.1.4.8 "Legacy Interfaces: A Note on PCI Device Layout"), as an owner
 * device reaches a member's through the legacy-access admin commands
 * (virtio 1.3, 2.12.1.3 "Legacy Interfaces"; Linux
 * drivers/virtio/virtio_pci_admin_legacy_io.c sends them for
 * drivers/vfio/pci/virtio/legacy_io.c).  The state is the device's own
 * (struct vdev): a driver may use either interface, not both at once.
 *
 * The legacy common configuration, little-endian (linux/virtio_pci.h):
 *
 *	 0 host features (32, read-only)	 4 guest features (32)
 *	 8 queue PFN (32)			12 queue size (16, read-only)
 *	14 queue select (16)			16 queue notify (16)
 *	18 device status (8)			19 ISR status (8, read clears)
 *	20 config vector (16)			22 queue vector (16)
 *
 * The two vectors exist only while MSI-X is enabled on the member: the
 * common configuration is then 24 bytes, else 20.  The device-specific
 * configuration follows it in I/O space but has its own commands.
 *
 * Contract: an access of @len bytes at @off must lie inside one field
 * (part of a field is fine, as through I/O space); anything else, @len 0
 * or a field that does not exist is -EINVAL, because the spec asks the
 * device to fail such a command.  A write to a read-only field has no
 * effect.  Writing a queue PFN activates the selected queue with the
 * legacy ring layout (4096-byte alignment, size = queue size); writing 0
 * deactivates it.  Guest features take the low 32 bits only; there is no
 * FEATURES_OK, so a driver without VIRTIO_F_VERSION_1 is a legacy driver.
 */
#ifndef VFSIM_MODELS_VIRTIO_PCI_LEGACY_H
#define VFSIM_MODELS_VIRTIO_PCI_LEGACY_H

#include <stdbool.h>
#include <stdint.h>

#include "virtio_pci.h"

#define VLEGACY_COMMON_LEN 20		/* MSI-X disabled */
#define VLEGACY_COMMON_MSIX_LEN 24	/* MSI-X enabled */
#define VLEGACY_VRING_ALIGN 4096	/* VIRTIO_PCI_VRING_ALIGN */
#define VLEGACY_PFN_SHIFT 12		/* VIRTIO_PCI_QUEUE_ADDR_SHIFT */

/* Size of the member's legacy common configuration now (20 or 24). */
unsigned int vlegacy_common_len(const struct vdev *d);

/* 0, or -EINVAL (see above); @buf holds @len bytes. */
int vlegacy_common_read(struct vdev *d, unsigned int off, void *buf,
			unsigned int len);
int vlegacy_common_write(struct vdev *d, unsigned int off, const void *buf,
			 unsigned int len);

/*
 * The rings of a legacy queue of @num entries at page @pfn: descriptor
 * table, available ring right after it, used ring at the next
 * VLEGACY_VRING_ALIGN boundary (Linux vring_init()).
 */
void vlegacy_ring_layout(uint32_t pfn, uint16_t num, uint64_t *desc,
			 uint64_t *avail, uint64_t *used);

/* One field of a register layout, for the range checks. */
struct vlegacy_field {
	uint8_t off, len;
	bool ro;
	const char *name;
};

/*
 * The field of @fields (@n of them) that holds [@off, @off + @len), or
 * NULL.  Shared with device models for their device configuration.
 */
const struct vlegacy_field *vlegacy_field(const struct vlegacy_field *fields,
					  unsigned int n, unsigned int off,
					  unsigned int len);

#endif
