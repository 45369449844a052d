/* SPDX-License-Identifier: GPL-2.0 */
/*
 * MSI-X (PCI 3.0 6.8.2): the capability, the vector table and the pending
 * bit array, living in one BAR of the function.
 *
 * Contract: msix_notify() delivers a vector's message through the
 * function's transport if MSI-X is enabled and neither the function nor
 * the vector is masked; if masked it sets the pending bit and the message
 * goes out when the mask is cleared (msix_unmasked()).  With MSI-X
 * disabled the notification is dropped (UML's bridge has no INTx).
 */
#ifndef VFSIM_MSIX_H
#define VFSIM_MSIX_H

#include <stdbool.h>
#include <stdint.h>

#define MSIX_MAX_VECTORS 64
#define MSIX_ENTRY_SIZE 16

struct pci_func;

struct msix {
	uint16_t nvec;		/* 0: no MSI-X */
	uint8_t cap;		/* capability offset */
	uint8_t bar;
	uint32_t table_off, pba_off;
	uint8_t table[MSIX_MAX_VECTORS * MSIX_ENTRY_SIZE];
	uint64_t pending;	/* PBA, one bit per vector */
	uint64_t sent;		/* messages delivered (statistics) */
};

/* Add the capability and lay the table and PBA out in @bar. */
int msix_init(struct pci_func *fn, unsigned nvec, int bar,
	      uint32_t table_off, uint32_t pba_off);

/* All vectors masked, nothing pending (function reset). */
void msix_reset(struct pci_func *fn);

bool msix_enabled(const struct pci_func *fn);

/* BAR accesses: true if [off, off+len) is the table or PBA and was served. */
bool msix_bar_read(struct pci_func *fn, int bar, uint64_t off, void *buf,
		   unsigned len);
bool msix_bar_write(struct pci_func *fn, int bar, uint64_t off,
		    const void *buf, unsigned len);

/* Config space Message Control changed: deliver what became unmasked. */
void msix_cfg_written(struct pci_func *fn);

/* Raise vector @vec.  0 sent or pended, -ENOENT disabled/bad vector. */
int msix_notify(struct pci_func *fn, unsigned vec);

#endif
