/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One PCI function as the simulated bus sees it: config space, BARs,
 * MSI-X, and the device model behind them.  This is the interface between
 * the bus (sim/) and device models (models/):
 *
 * - A model fills fn->cfg (pci_cfg_* helpers), declares BARs, calls
 *   msix_init(), sets fn->ops and fn->model.
 * - The transport calls pci_func_cfg_read/write() and pci_func_bar_*()
 *   for every guest access; they check sizes and ranges, trace, apply the
 *   config masks and the MSI-X table, and hand the rest to the model.
 * - The model reaches guest memory only through pci_func_dma_read/write()
 *   (bounds-checked) and raises interrupts with msix_notify().
 * - A model that detects a guest error calls pci_func_error(): one log
 *   line, a trace event, and the model decides how the device reacts.
 */
#ifndef VFSIM_PCI_FUNC_H
#define VFSIM_PCI_FUNC_H

#include <stdbool.h>
#include <stdint.h>

#include "fault.h"
#include "guest_mem.h"
#include "msix.h"
#include "pci_cfg.h"

struct pci_func;

struct pci_func_ops {
	/* BAR access inside the BAR (MSI-X table/PBA are handled already). */
	void (*bar_read)(struct pci_func *fn, int bar, uint64_t off,
			 void *buf, unsigned len);
	void (*bar_write)(struct pci_func *fn, int bar, uint64_t off,
			  const void *buf, unsigned len);
	/* Optional: answer a config read instead of the register file. */
	bool (*cfg_read)(struct pci_func *fn, uint16_t off, unsigned len,
			 uint64_t *val);
	/* Optional: after a config write went through the masks. */
	void (*cfg_write)(struct pci_func *fn, uint16_t off, unsigned len,
			  uint64_t val);
	/* Optional: Function Level Reset (PCIe Bridge FLR bit written). */
	void (*flr)(struct pci_func *fn);
	/* Optional: the transport lost the guest; reset to power-on state. */
	void (*disconnect)(struct pci_func *fn);
	/* Free the model (fn itself is freed by the caller). */
	void (*destroy)(struct pci_func *fn);
};

/* What the transport provides to a function. */
struct pci_transport {
	const struct guest_mem *mem;	/* NULL while not connected */
	/* Deliver an MSI write of @data to @addr.  0 or -errno. */
	int (*send_msi)(void *ctx, uint64_t addr, uint32_t data);
	void *ctx;
	/* Run @cb(@arg) on the bus thread after @us microseconds. */
	int (*defer)(void *bus, uint64_t us, void (*cb)(void *), void *arg);
	void *bus;
	/*
	 * Optional: serve the requests the guest has already queued for
	 * this function (@ctx is the one above).  The transport posts
	 * writes without waiting and each function has its own queue, so
	 * a write to one function can be served before an earlier posted
	 * write to another; a change that makes a function stop decoding
	 * (VF Enable) first flushes it, and the guest's program order holds.
	 */
	void (*flush)(void *ctx);
};

struct pci_func {
	char name[24];		/* "pf", "vf0", ...: used in logs and trace */
	struct pci_cfg cfg;
	struct msix msix;
	const struct pci_func_ops *ops;
	void *model;
	struct pci_transport tp;
	uint64_t errors;	/* guest errors seen */
	uint64_t flrs;		/* function level resets done */
	uint8_t pcie_cap;	/* offset of the PCIe capability, 0: none */
	struct sriov *sriov;	/* a PF's SR-IOV capability, or NULL */
	struct sriov *vf_of;	/* for a VF: its PF's SR-IOV state */
	unsigned int vf_index;
	uint64_t blocked;	/* accesses while dead or memory disabled */
	struct fault_set *faults;	/* armed faults, NULL: none */
};

/* Back to power-on state: command register, MSI-X, ops->flr(). */
void pci_func_reset(struct pci_func *fn);

/* Does the function answer config cycles (a VF only while enabled)? */
bool pci_func_present(const struct pci_func *fn);

/*
 * Add a PCIe capability (version 2, 60 bytes) of device/port @type
 * (PCI_EXP_TYPE_*), advertising Function Level Reset if @flr.  Writing
 * Initiate FLR then resets command register and MSI-X and calls ops->flr.
 */
int pci_func_add_pcie(struct pci_func *fn, unsigned int type, bool flr);

void pci_func_init(struct pci_func *fn, const char *name);
void pci_func_destroy(struct pci_func *fn);

uint64_t pci_func_cfg_read(struct pci_func *fn, uint32_t off, unsigned len);
void pci_func_cfg_write(struct pci_func *fn, uint32_t off, unsigned len,
			uint64_t val);

/* -EINVAL for a bad BAR or a range outside it (reads then give 0xff). */
int pci_func_bar_read(struct pci_func *fn, int bar, uint64_t off, void *buf,
		      uint32_t len);
int pci_func_bar_write(struct pci_func *fn, int bar, uint64_t off,
		       const void *buf, uint32_t len);
int pci_func_bar_memset(struct pci_func *fn, int bar, uint64_t off,
			uint8_t byte, uint32_t len);

int pci_func_dma_read(struct pci_func *fn, uint64_t gpa, void *dst,
		      uint64_t len);
int pci_func_dma_write(struct pci_func *fn, uint64_t gpa, const void *src,
		       uint64_t len);

/* Report a guest error on this function: one log line and a trace event. */
void pci_func_error(struct pci_func *fn, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
