/* SPDX-License-Identifier: GPL-2.0 */
/* Constants shared by the simulator, the runner and the kernel config. */
#ifndef VFSIM_VFSIM_H
#define VFSIM_VFSIM_H

#define VFSIM_VERSION "0.1"

/*
 * Virtio device ID UML's virtio_pcidev driver binds to.  There is no
 * official one; driver/kconfig/vfsim.config sets the same value in
 * CONFIG_UML_PCI_OVER_VIRTIO_DEVICE_ID.
 */
#define VFSIM_PCIDEV_VIRTIO_ID 1234

/* DEV_PARTS resource objects the PF offers: 2 * 7 VFs + 1. */
#define VFSIM_PARTS_OBJ_LIMIT 15

#endif
