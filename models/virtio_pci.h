/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Modern virtio-pci transport (virtio 1.3, 4.1) for a device model: the
 * vendor capabilities, the common configuration, notifications, ISR,
 * device configuration dispatch, feature negotiation, reset and split
 * virtqueues with MSI-X vectors.
 *
 * BAR0 (64-bit memory, 16 KiB) holds the virtio structures:
 *	0x0000 common config (64 bytes, with admin_queue_index/num)
 *	0x1000 ISR status
 *	0x2000 device-specific config
 *	0x3000 notifications, queue_notify_off = queue index, multiplier 4
 * BAR2 (32-bit memory, 4 KiB) holds the MSI-X table (0x0) and PBA (0x800).
 * A VF whose owner serves the legacy interface has BAR0 hardwired to zero
 * (virtio 1.3, 2.12.1.3.5): its structures are in BAR2 (64-bit) and its
 * MSI-X in BAR4 (VDEV_NO_BAR0), and its structures BAR has the legacy
 * doorbell (models/virtio_pci_legacy.h).
 *
 * Contract: the device model supplies queue handlers and config accessors
 * (struct virtio_dev_ops) and runs them on the bus thread.  A guest error
 * detected anywhere (bad ring, bad queue setup) goes through
 * virtio_pci_device_error(): the device sets DEVICE_NEEDS_RESET, raises a
 * configuration change interrupt and processes nothing until reset.
 */
#ifndef VFSIM_MODELS_VIRTIO_PCI_H
#define VFSIM_MODELS_VIRTIO_PCI_H

#include <stdbool.h>
#include <stdint.h>

#include "sim/bus/pci_func.h"
#include "sim/bus/vring.h"

#define VIRTIO_PCI_VENDOR 0x1af4
#define VIRTIO_PCI_DEVICE_MODERN(id) (0x1040 + (id))
#define VDEV_MAX_QUEUES 16
#define VDEV_QUEUE_MAX_SIZE 256
/* Admin queue: a 16 MiB context read needs ~4100 buffers without indirect. */
#define VDEV_ADMIN_QUEUE_MAX_SIZE 8192
#define VDEV_NO_VECTOR 0xffff
#define VDEV_ISR_QUEUE 0x1	/* ISR bit 0: a queue has used buffers */

#define VDEV_BAR 0
#define VDEV_BAR_SIZE 0x4000
#define VDEV_COMMON_OFF 0x0000
#define VDEV_COMMON_LEN 0x40
#define VDEV_ISR_OFF 0x1000
#define VDEV_DEVCFG_OFF 0x2000
#define VDEV_DEVCFG_LEN 0x100
#define VDEV_NOTIFY_OFF 0x3000
#define VDEV_NOTIFY_LEN 0x1000
#define VDEV_NOTIFY_MULT 4
/* VDEV_NO_BAR0: write a 16-bit queue index here to notify it (legacy). */
#define VDEV_LEGACY_NOTIFY_OFF 0x3800
#define VDEV_MSIX_BAR 2
#define VDEV_MSIX_BAR_SIZE 0x1000
#define VDEV_MSIX_PBA_OFF 0x800
#define VDEV_NO_BAR0_BAR 2
#define VDEV_NO_BAR0_MSIX_BAR 4

/* virtio_pci_init() flags. */
#define VDEV_VF 0x1		/* a VF: no BAR registers, ids all-ones */
#define VDEV_NO_BAR0 0x2	/* BAR0 hardwired to zero (legacy by owner) */

struct vdev;

struct vdev_queue {
	struct vring_split vr;
	uint16_t max_size;
	uint16_t size;		/* as the driver set it */
	uint16_t vector;
	bool enabled;
	uint64_t desc, driver, device;
	uint64_t notifies;
};

struct virtio_dev_ops {
	/* Driver notified queue @qi (also called when the ring is rescanned). */
	void (*queue_notify)(struct vdev *d, unsigned int qi);
	/* Device config access inside [0, VDEV_DEVCFG_LEN). */
	void (*cfg_read)(struct vdev *d, uint32_t off, void *buf,
			 unsigned int len);
	void (*cfg_write)(struct vdev *d, uint32_t off, const void *buf,
			  unsigned int len);
	/* Device reset (status 0 written, FLR, disconnect). */
	void (*reset)(struct vdev *d);
	/* Status went to DRIVER_OK. */
	void (*driver_ok)(struct vdev *d);
};

struct vdev {
	struct pci_func *fn;
	const struct virtio_dev_ops *ops;
	void *priv;
	uint64_t host_features;
	uint64_t guest_features;
	bool guest_features_high;	/* driver set a bit >= 64 */
	uint32_t dfselect, gfselect;
	uint16_t msix_config;
	uint16_t queue_select;
	uint8_t status;
	uint8_t config_generation;
	uint8_t isr;
	unsigned int nqueues;		/* num_queues (admin queue excluded) */
	unsigned int admin_index;	/* valid if admin_num */
	unsigned int admin_num;
	uint8_t bar, msix_bar;		/* where the structures and MSI-X are */
	bool legacy_doorbell;		/* VDEV_NO_BAR0: has the legacy doorbell */
	uint64_t doorbells;		/* legacy doorbell writes */
	struct vdev_queue q[VDEV_MAX_QUEUES];
	uint64_t resets;
	uint64_t accesses;		/* BAR accesses: internal state that evolves */
	/* Stopped mode (admin DEV_MODE_SET): no DMA, no interrupts. */
	bool stopped;
	uint32_t pending_kicks;		/* queues notified while stopped */
	uint32_t pending_irqs;		/* queue interrupts held back */
	bool pending_config_irq;
};

/*
 * Enter or leave stopped mode.  Register accesses are still served while
 * stopped; kicks are remembered and interrupts held.  Leaving it delivers
 * the held interrupts and rescans every enabled queue.
 */
void virtio_pci_set_stopped(struct vdev *d, bool stopped);

/*
 * Build the PCI function: ids for virtio device @virtio_id, PCIe endpoint
 * capability with FLR, MSI-X with @nvec vectors, the vendor capabilities
 * and both BARs.  @nqueues device queues; @admin_num admin queues placed
 * right after them.  @flags: VDEV_VF, a VF, has no BAR registers and
 * reads all-ones ids: its BARs are declared by the PF (sriov_set_vf_bar());
 * VDEV_NO_BAR0 moves the BARs up (see above).  -EINVAL for too many queues.
 */
int virtio_pci_init(struct vdev *d, struct pci_func *fn, uint16_t virtio_id,
		    uint32_t class_rev, unsigned int nqueues,
		    unsigned int admin_num, unsigned int nvec,
		    unsigned int flags);

/* Total queues including admin queues. */
unsigned int virtio_pci_total_queues(const struct vdev *d);

bool virtio_pci_has_feature(const struct vdev *d, unsigned int bit);
bool virtio_pci_driver_ok(const struct vdev *d);

/* Interrupt the driver for queue @qi if it wants one. */
void virtio_pci_notify_queue(struct vdev *d, unsigned int qi);

/* Device config changed: bump the generation, config interrupt. */
void virtio_pci_config_changed(struct vdev *d);

/* Guest error: log once per reset, NEEDS_RESET, config interrupt. */
void virtio_pci_device_error(struct vdev *d, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Reset the virtio state (what writing status 0 does). */
void virtio_pci_reset(struct vdev *d);

/*
 * For the legacy interface (models/virtio_pci_legacy.c), which shares the
 * device's state: write device_status (0 resets), notify queue @qi as the
 * notification area would, enable queue @qi at the addresses set in it
 * (false, with DEVICE_NEEDS_RESET set, if the ring is unusable), and the
 * vector the driver may set (@v, or VDEV_NO_VECTOR if out of range).
 */
void virtio_pci_set_status(struct vdev *d, uint8_t v);
void virtio_pci_queue_notify(struct vdev *d, unsigned int qi);
bool virtio_pci_enable_queue(struct vdev *d, unsigned int qi);
uint16_t virtio_pci_valid_vector(const struct vdev *d, uint16_t v);

/* BAR dispatch, for the model's pci_func_ops. */
void virtio_pci_bar_read(struct pci_func *fn, int bar, uint64_t off,
			 void *buf, unsigned int len);
void virtio_pci_bar_write(struct pci_func *fn, int bar, uint64_t off,
			  const void *buf, unsigned int len);

#endif
