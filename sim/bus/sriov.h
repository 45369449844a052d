/* SPDX-License-Identifier: GPL-2.0 */
/*
 * SR-IOV (PCIe Base 6, 9.3.3) for a Physical Function and its Virtual
 * Functions, laid out for UML's virt-pci bridge: bus 0, function 0 only,
 * so First VF Offset = 8 and VF Stride = 8 put VF n in slot n + 1
 * (devfn 8 * (n + 1)), each VF its own vhost-user function.
 *
 * Contract:
 * - sriov_init() adds the extended capability at 0x100: InitialVFs =
 *   TotalVFs, VF Migration not supported, Function Dependency Link 0,
 *   supported page sizes 4K..4M, VF BARs with standard sizing semantics.
 * - Control: VF Enable, VF MSE and ARI Capable Hierarchy are writable;
 *   NumVFs and the VF BARs are writable only while VF Enable is clear.
 * - sriov_add_vf() attaches VF n.  A VF answers all-ones to config reads
 *   and ignores writes and BAR accesses unless VF Enable is set and
 *   n < NumVFs.  Every change of VF Enable resets every VF (its command
 *   register, MSI-X and model through ops->flr), so a VF comes alive, and
 *   dies, with power-on defaults.
 */
#ifndef VFSIM_SRIOV_H
#define VFSIM_SRIOV_H

#include <stdbool.h>
#include <stdint.h>

#include "pci_cfg.h"

#define SRIOV_CAP_OFF 0x100
#define SRIOV_MAX_VFS 7
#define SRIOV_VF_OFFSET 8
#define SRIOV_VF_STRIDE 8

struct pci_func;

struct sriov {
	struct pci_func *pf;
	uint16_t cap;			/* capability offset */
	uint16_t total_vfs;
	bool enabled;			/* VF Enable as last applied */
	uint16_t num_vfs;		/* NumVFs latched at enable */
	struct pci_func *vf[SRIOV_MAX_VFS];
	uint64_t vf_bar_size[PCI_NUM_BARS];
	enum pci_bar_type vf_bar_type[PCI_NUM_BARS];
	uint64_t enables, disables;	/* statistics */
};

int sriov_init(struct sriov *s, struct pci_func *pf, uint16_t total_vfs,
	       uint16_t vf_device_id);

/* Declare VF BAR @bar (same rules as pci_cfg_set_bar()). */
int sriov_set_vf_bar(struct sriov *s, int bar, enum pci_bar_type type,
		     uint64_t size);

/* Attach @vf as VF @index; it takes its BAR sizes from the PF's cap. */
int sriov_add_vf(struct sriov *s, struct pci_func *vf, unsigned int index);

/* Is VF @index visible to the guest? */
bool sriov_vf_alive(const struct sriov *s, unsigned int index);

/*
 * The PF's config space is about to be written at [off, off + len): a
 * write to SR-IOV Control while VFs are enabled first has the transport
 * serve what the guest already queued to them (pci_transport.flush).
 */
void sriov_cfg_writing(struct sriov *s, uint32_t off, unsigned int len);

/* The PF's config space changed at [off, off + len): apply the rules. */
void sriov_cfg_written(struct sriov *s, uint32_t off, unsigned int len);

/* PF reset (FLR, disconnect): VFs flushed, VF Enable cleared, VFs reset. */
void sriov_reset(struct sriov *s);

#endif
