// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <string.h>
#include <linux/pci_regs.h>

#include "pci_cfg.h"
#include "le.h"

uint8_t pci_cfg_get8(const struct pci_cfg *cfg, uint16_t off)
{
	return cfg->data[off];
}

uint16_t pci_cfg_get16(const struct pci_cfg *cfg, uint16_t off)
{
	return get_le(&cfg->data[off], 2);
}

uint32_t pci_cfg_get32(const struct pci_cfg *cfg, uint16_t off)
{
	return get_le(&cfg->data[off], 4);
}

void pci_cfg_set8(struct pci_cfg *cfg, uint16_t off, uint8_t v)
{
	cfg->data[off] = v;
}

void pci_cfg_set16(struct pci_cfg *cfg, uint16_t off, uint16_t v)
{
	put_le(&cfg->data[off], 2, v);
}

void pci_cfg_set32(struct pci_cfg *cfg, uint16_t off, uint32_t v)
{
	put_le(&cfg->data[off], 4, v);
}

void pci_cfg_set_wmask(struct pci_cfg *cfg, uint16_t off, unsigned len,
		       uint32_t mask)
{
	put_le(&cfg->wmask[off], len, mask);
}

void pci_cfg_set_w1cmask(struct pci_cfg *cfg, uint16_t off, unsigned len,
			 uint32_t mask)
{
	put_le(&cfg->w1cmask[off], len, mask);
}

void pci_cfg_init(struct pci_cfg *cfg, uint16_t vendor, uint16_t device,
		  uint32_t class_rev, uint16_t subsys_vendor,
		  uint16_t subsys_id)
{
	memset(cfg, 0, sizeof(*cfg));
	pci_cfg_set16(cfg, PCI_VENDOR_ID, vendor);
	pci_cfg_set16(cfg, PCI_DEVICE_ID, device);
	pci_cfg_set32(cfg, PCI_CLASS_REVISION, class_rev);
	pci_cfg_set8(cfg, PCI_HEADER_TYPE, PCI_HEADER_TYPE_NORMAL);
	pci_cfg_set16(cfg, PCI_SUBSYSTEM_VENDOR_ID, subsys_vendor);
	pci_cfg_set16(cfg, PCI_SUBSYSTEM_ID, subsys_id);
	pci_cfg_set_wmask(cfg, PCI_COMMAND, 2,
			  PCI_COMMAND_IO | PCI_COMMAND_MEMORY |
			  PCI_COMMAND_MASTER | PCI_COMMAND_PARITY |
			  PCI_COMMAND_SERR | PCI_COMMAND_INTX_DISABLE);
	pci_cfg_set_w1cmask(cfg, PCI_STATUS, 2,
			    PCI_STATUS_PARITY | PCI_STATUS_SIG_TARGET_ABORT |
			    PCI_STATUS_REC_TARGET_ABORT |
			    PCI_STATUS_REC_MASTER_ABORT |
			    PCI_STATUS_SIG_SYSTEM_ERROR |
			    PCI_STATUS_DETECTED_PARITY);
	pci_cfg_set_wmask(cfg, PCI_CACHE_LINE_SIZE, 1, 0xff);
	pci_cfg_set_wmask(cfg, PCI_LATENCY_TIMER, 1, 0xff);
	pci_cfg_set_wmask(cfg, PCI_INTERRUPT_LINE, 1, 0xff);
	cfg->next_cap = 0x40;
	cfg->next_ext = PCI_CFG_SPACE_SIZE;
}

int pci_cfg_set_bar(struct pci_cfg *cfg, int bar, enum pci_bar_type type,
		    uint64_t size)
{
	uint16_t off = PCI_BASE_ADDRESS_0 + 4 * bar;
	uint64_t mask = ~(size - 1);

	if (bar < 0 || bar >= PCI_NUM_BARS || size < 16 || (size & (size - 1)))
		return -EINVAL;
	if (type == PCI_BAR_MEM64 && bar == PCI_NUM_BARS - 1)
		return -EINVAL;
	if (type == PCI_BAR_MEM32 && size > (1ull << 31))
		return -EINVAL;
	cfg->bar_type[bar] = type;
	cfg->bar_size[bar] = size;
	if (type == PCI_BAR_MEM32) {
		pci_cfg_set32(cfg, off, PCI_BASE_ADDRESS_MEM_TYPE_32);
		pci_cfg_set_wmask(cfg, off, 4, (uint32_t)mask & ~0xfu);
		return 0;
	}
	pci_cfg_set32(cfg, off, PCI_BASE_ADDRESS_MEM_TYPE_64);
	pci_cfg_set_wmask(cfg, off, 4, (uint32_t)mask & ~0xfu);
	pci_cfg_set32(cfg, off + 4, 0);
	pci_cfg_set_wmask(cfg, off + 4, 4, mask >> 32);
	cfg->bar_type[bar + 1] = PCI_BAR_NONE;
	return 0;
}

uint64_t pci_cfg_bar_addr(const struct pci_cfg *cfg, int bar)
{
	uint16_t off = PCI_BASE_ADDRESS_0 + 4 * bar;
	uint64_t a;

	if (cfg->bar_type[bar] == PCI_BAR_NONE)
		return 0;
	a = pci_cfg_get32(cfg, off) & PCI_BASE_ADDRESS_MEM_MASK;
	if (cfg->bar_type[bar] == PCI_BAR_MEM64)
		a |= (uint64_t)pci_cfg_get32(cfg, off + 4) << 32;
	return a;
}

uint8_t pci_cfg_add_cap(struct pci_cfg *cfg, uint8_t id, uint8_t len)
{
	uint8_t off = cfg->next_cap;

	if (len < 2 || off < 0x40 || off + len > PCI_CFG_SPACE_SIZE)
		return 0;
	cfg->data[off + PCI_CAP_LIST_ID] = id;
	cfg->data[off + PCI_CAP_LIST_NEXT] = 0;
	if (cfg->last_cap)
		cfg->data[cfg->last_cap + PCI_CAP_LIST_NEXT] = off;
	else
		cfg->data[PCI_CAPABILITY_LIST] = off;
	cfg->data[PCI_STATUS] |= PCI_STATUS_CAP_LIST;
	cfg->last_cap = off;
	/* Keep the chain dword aligned; the last slot may end at 0x100. */
	cfg->next_cap = (off + len + 3) > 0xff ? 0 : (off + len + 3) & ~3;
	return off;
}

uint16_t pci_cfg_add_ext_cap(struct pci_cfg *cfg, uint16_t id, uint8_t ver,
			     uint16_t len, uint16_t off)
{
	uint32_t hdr;

	if (!off)
		off = cfg->next_ext;
	if (len < 4 || off < PCI_CFG_SPACE_SIZE || (off & 3) ||
	    off + len > PCI_CFG_SPACE_EXP_SIZE || off < cfg->next_ext)
		return 0;
	hdr = id | (uint32_t)(ver & 0xf) << 16;
	pci_cfg_set32(cfg, off, hdr);
	if (cfg->last_ext) {
		hdr = pci_cfg_get32(cfg, cfg->last_ext) & 0xfffff;
		pci_cfg_set32(cfg, cfg->last_ext, hdr | (uint32_t)off << 20);
	}
	cfg->last_ext = off;
	cfg->next_ext = (off + len + 3) & ~3;
	return off;
}

uint8_t pci_cfg_find_cap(const struct pci_cfg *cfg, uint8_t id)
{
	uint8_t off = cfg->data[PCI_CAPABILITY_LIST];
	int guard = 48;

	while (off && guard--) {
		if (cfg->data[off] == id)
			return off;
		off = cfg->data[off + PCI_CAP_LIST_NEXT];
	}
	return 0;
}

uint16_t pci_cfg_find_ext_cap(const struct pci_cfg *cfg, uint16_t id)
{
	uint16_t off = PCI_CFG_SPACE_SIZE;
	int guard = 960;

	while (off && guard--) {
		uint32_t hdr = pci_cfg_get32(cfg, off);

		if (PCI_EXT_CAP_ID(hdr) == id && hdr)
			return off;
		off = PCI_EXT_CAP_NEXT(hdr);
	}
	return 0;
}

bool pci_cfg_access_ok(uint32_t off, unsigned len)
{
	if (len != 1 && len != 2 && len != 4 && len != 8)
		return false;
	return off < PCI_CFG_SPACE_EXP_SIZE &&
	       len <= PCI_CFG_SPACE_EXP_SIZE - off;
}

uint64_t pci_cfg_read(const struct pci_cfg *cfg, uint16_t off, unsigned len)
{
	if (!pci_cfg_access_ok(off, len))
		return ~0ull;
	return get_le(&cfg->data[off], len);
}

void pci_cfg_write(struct pci_cfg *cfg, uint16_t off, unsigned len,
		   uint64_t val)
{
	unsigned i;

	if (!pci_cfg_access_ok(off, len))
		return;
	for (i = 0; i < len; i++) {
		uint8_t v = val >> (8 * i), w = cfg->wmask[off + i];
		uint8_t c = cfg->w1cmask[off + i];
		uint8_t *d = &cfg->data[off + i];

		*d = (*d & ~w) | (v & w);
		*d &= ~(v & c);
	}
}
