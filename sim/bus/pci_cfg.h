/* SPDX-License-Identifier: GPL-2.0 */
/*
 * PCI configuration space of one function: 4 KiB of registers with, per
 * bit, whether the driver may write it (wmask) and whether writing 1
 * clears it (w1cmask).  Everything else is read-only.  Device models build
 * the space with the helpers below and never poke the masks at run time.
 *
 * BAR sizing falls out of the masks: a BAR of size S has the address bits
 * below S read-only zero, so writing all-ones reads back ~(S-1) | flags.
 */
#ifndef VFSIM_PCI_CFG_H
#define VFSIM_PCI_CFG_H

#include <stdbool.h>
#include <stdint.h>

#define PCI_CFG_SPACE_SIZE 256
#define PCI_CFG_SPACE_EXP_SIZE 4096
#define PCI_NUM_BARS 6

enum pci_bar_type {
	PCI_BAR_NONE,
	PCI_BAR_MEM32,
	PCI_BAR_MEM64,
};

struct pci_cfg {
	uint8_t data[PCI_CFG_SPACE_EXP_SIZE];
	uint8_t wmask[PCI_CFG_SPACE_EXP_SIZE];
	uint8_t w1cmask[PCI_CFG_SPACE_EXP_SIZE];
	uint8_t next_cap;	/* next free offset for a standard capability */
	uint8_t last_cap;	/* offset of the last standard capability */
	uint16_t next_ext;	/* next free offset in extended space */
	uint16_t last_ext;	/* offset of the last extended capability */
	uint64_t bar_size[PCI_NUM_BARS];
	enum pci_bar_type bar_type[PCI_NUM_BARS];
};

/* Type 0 header: ids, class, command/status write rules, no BARs yet. */
void pci_cfg_init(struct pci_cfg *cfg, uint16_t vendor, uint16_t device,
		  uint32_t class_rev, uint16_t subsys_vendor,
		  uint16_t subsys_id);

/*
 * Declare BAR @bar of @size bytes (power of two, >= 16).  A 64-bit BAR
 * takes @bar and @bar + 1.  Returns 0 or -EINVAL.
 */
int pci_cfg_set_bar(struct pci_cfg *cfg, int bar, enum pci_bar_type type,
		    uint64_t size);

/* Current BAR address as the driver programmed it. */
uint64_t pci_cfg_bar_addr(const struct pci_cfg *cfg, int bar);

/*
 * Append a standard capability of @len bytes to the chain; returns its
 * offset (dword aligned, >= 0x40), or 0 if it does not fit below 0x100.
 */
uint8_t pci_cfg_add_cap(struct pci_cfg *cfg, uint8_t id, uint8_t len);

/*
 * Append an extended capability at @off (0: next free offset, the first
 * one at 0x100).  Returns the offset or 0 if it does not fit.
 */
uint16_t pci_cfg_add_ext_cap(struct pci_cfg *cfg, uint16_t id, uint8_t ver,
			     uint16_t len, uint16_t off);

/* Offset of the first capability @id at or after @start, or 0. */
uint8_t pci_cfg_find_cap(const struct pci_cfg *cfg, uint8_t id);
uint16_t pci_cfg_find_ext_cap(const struct pci_cfg *cfg, uint16_t id);

/* Driver accesses; @len is 1, 2, 4 or 8 and the range must fit. */
uint64_t pci_cfg_read(const struct pci_cfg *cfg, uint16_t off, unsigned len);
void pci_cfg_write(struct pci_cfg *cfg, uint16_t off, unsigned len,
		   uint64_t val);
bool pci_cfg_access_ok(uint32_t off, unsigned len);

/* Device-side raw accessors that ignore the masks (model setup/state). */
uint8_t pci_cfg_get8(const struct pci_cfg *cfg, uint16_t off);
uint16_t pci_cfg_get16(const struct pci_cfg *cfg, uint16_t off);
uint32_t pci_cfg_get32(const struct pci_cfg *cfg, uint16_t off);
void pci_cfg_set8(struct pci_cfg *cfg, uint16_t off, uint8_t v);
void pci_cfg_set16(struct pci_cfg *cfg, uint16_t off, uint16_t v);
void pci_cfg_set32(struct pci_cfg *cfg, uint16_t off, uint32_t v);

/* Mark bits of a register writable / write-1-to-clear (model setup). */
void pci_cfg_set_wmask(struct pci_cfg *cfg, uint16_t off, unsigned len,
		       uint32_t mask);
void pci_cfg_set_w1cmask(struct pci_cfg *cfg, uint16_t off, unsigned len,
			 uint32_t mask);

#endif
