/* SPDX-License-Identifier: GPL-2.0 */
/*
 * UML's virtio_pcidev protocol (include/uapi/linux/virtio_pcidev.h) on top
 * of a vhost-user device: queue 0 carries config and BAR requests from the
 * guest, queue 1 carries MSI messages to the guest.
 *
 * Contract:
 * - pcidev_process() serves every request available on queue 0, in order,
 *   through the pci_func accessors, and completes each one.  A malformed
 *   request (short header, bad size, missing reply buffer) is completed
 *   with nothing written and logged; a broken ring (bad descriptors) marks
 *   the device broken: it stops serving, as hardware that hit a fatal
 *   error would, until the front end reconnects.
 * - The 7.2/7.3 memset_io bug (CFG_WRITE with a one-byte payload meant as
 *   MMIO_MEMSET) is recognised, logged once and served as the memset.
 * - pcidev_send_msi() queues the MSI on queue 1; if the guest has no free
 *   buffer it is kept (bounded backlog) and sent when one arrives.
 */
#ifndef VFSIM_PCIDEV_H
#define VFSIM_PCIDEV_H

#include <stdbool.h>
#include <stdint.h>

#include "pci_func.h"
#include "vhost_user.h"

#define PCIDEV_MSI_BACKLOG 256
/* Largest BAR read/write one request may carry. */
#define PCIDEV_MAX_ACCESS (1u << 20)

struct pcidev {
	struct vu_dev vu;
	struct pci_func *fn;
	bool broken;
	uint32_t backlog[PCIDEV_MSI_BACKLOG];
	unsigned int nbacklog;
	uint8_t *buf;			/* bounce buffer for BAR data */
	uint32_t buf_cap;
	uint64_t epoch;			/* bumped at each disconnect */
	uint64_t requests;		/* statistics */
	uint64_t msis;
	unsigned int posted_run;	/* posted writes since a read */
	uint64_t reap_signals;		/* request-queue calls (see .c) */
};

/* Posted writes in a row after which the request queue is signalled. */
#define PCIDEV_POSTED_SIGNAL 64

void pcidev_init(struct pcidev *p, struct pci_func *fn);
void pcidev_free(struct pcidev *p);

/* Connection lost: reset vhost-user state and the function's model. */
void pcidev_disconnect(struct pcidev *p);

/*
 * Serve available requests and flush pending MSIs.  Returns the number of
 * requests served (0: nothing to do).  Completions are not signalled (UML
 * polls for them, see pcidev.c), except once every PCIDEV_POSTED_SIGNAL
 * posted writes in a row, so a front end that reaps those only in its
 * queue callback (6.12's virt-pci) gets to.
 */
int pcidev_process(struct pcidev *p);

/* True if a request is waiting (used while polling). */
bool pcidev_has_work(struct pcidev *p);


#endif
