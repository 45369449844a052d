// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <linux/pci_regs.h>

#include "pci_func.h"
#include "sriov.h"
#include "trace.h"

/* 4K, 8K, 64K, 256K, 1M and 4M, as most devices report. */
#define SRIOV_SUPPORTED_PAGES 0x553

static uint16_t ctrl(const struct sriov *s)
{
	return pci_cfg_get16(&s->pf->cfg, s->cap + PCI_SRIOV_CTRL);
}

int sriov_init(struct sriov *s, struct pci_func *pf, uint16_t total_vfs,
	       uint16_t vf_device_id)
{
	struct pci_cfg *cfg = &pf->cfg;
	uint16_t c;

	if (!total_vfs || total_vfs > SRIOV_MAX_VFS)
		return -EINVAL;
	c = pci_cfg_add_ext_cap(cfg, PCI_EXT_CAP_ID_SRIOV, 1,
				PCI_EXT_CAP_SRIOV_SIZEOF, SRIOV_CAP_OFF);
	if (!c)
		return -ENOSPC;
	s->pf = pf;
	s->cap = c;
	s->total_vfs = total_vfs;
	pf->sriov = s;
	pci_cfg_set32(cfg, c + PCI_SRIOV_CAP, 0);
	pci_cfg_set_wmask(cfg, c + PCI_SRIOV_CTRL, 2, PCI_SRIOV_CTRL_VFE |
			  PCI_SRIOV_CTRL_MSE | PCI_SRIOV_CTRL_ARI);
	pci_cfg_set16(cfg, c + PCI_SRIOV_INITIAL_VF, total_vfs);
	pci_cfg_set16(cfg, c + PCI_SRIOV_TOTAL_VF, total_vfs);
	pci_cfg_set_wmask(cfg, c + PCI_SRIOV_NUM_VF, 2, 0xffff);
	/* The PF is function 0: the VFs depend on it. */
	pci_cfg_set8(cfg, c + PCI_SRIOV_FUNC_LINK, 0);
	pci_cfg_set16(cfg, c + PCI_SRIOV_VF_OFFSET, SRIOV_VF_OFFSET);
	pci_cfg_set16(cfg, c + PCI_SRIOV_VF_STRIDE, SRIOV_VF_STRIDE);
	pci_cfg_set16(cfg, c + PCI_SRIOV_VF_DID, vf_device_id);
	pci_cfg_set32(cfg, c + PCI_SRIOV_SUP_PGSIZE, SRIOV_SUPPORTED_PAGES);
	pci_cfg_set32(cfg, c + PCI_SRIOV_SYS_PGSIZE, 1);
	pci_cfg_set_wmask(cfg, c + PCI_SRIOV_SYS_PGSIZE, 4,
			  SRIOV_SUPPORTED_PAGES);
	return 0;
}

/* The VF BARs reuse pci_cfg's sizing masks, placed in the capability. */
int sriov_set_vf_bar(struct sriov *s, int bar, enum pci_bar_type type,
		     uint64_t size)
{
	uint16_t off = s->cap + PCI_SRIOV_BAR + 4 * bar;
	unsigned int n = type == PCI_BAR_MEM64 ? 8 : 4;
	struct pci_cfg tmp;
	int ret;

	if (size < 4096)
		return -EINVAL;	/* a VF BAR is at least a system page */
	pci_cfg_init(&tmp, 0, 0, 0, 0, 0);
	ret = pci_cfg_set_bar(&tmp, bar, type, size);
	if (ret)
		return ret;
	for (unsigned int i = 0; i < n; i++) {
		s->pf->cfg.data[off + i] = tmp.data[PCI_BASE_ADDRESS_0 + 4 * bar + i];
		s->pf->cfg.wmask[off + i] = tmp.wmask[PCI_BASE_ADDRESS_0 + 4 * bar + i];
	}
	s->vf_bar_type[bar] = type;
	s->vf_bar_size[bar] = size;
	for (unsigned int i = 0; i < SRIOV_MAX_VFS; i++) {
		if (!s->vf[i])
			continue;
		s->vf[i]->cfg.bar_type[bar] = type;
		s->vf[i]->cfg.bar_size[bar] = size;
	}
	return 0;
}

int sriov_add_vf(struct sriov *s, struct pci_func *vf, unsigned int index)
{
	if (index >= s->total_vfs || s->vf[index])
		return -EINVAL;
	s->vf[index] = vf;
	vf->vf_of = s;
	vf->vf_index = index;
	/* A VF's own BAR registers read 0; its BARs come from the PF. */
	for (int bar = 0; bar < PCI_NUM_BARS; bar++) {
		vf->cfg.bar_type[bar] = s->vf_bar_type[bar];
		vf->cfg.bar_size[bar] = s->vf_bar_size[bar];
	}
	return 0;
}

bool sriov_vf_alive(const struct sriov *s, unsigned int index)
{
	return s->enabled && index < s->num_vfs && index < s->total_vfs;
}

static void reset_vfs(struct sriov *s)
{
	for (unsigned int i = 0; i < SRIOV_MAX_VFS; i++)
		if (s->vf[i])
			pci_func_reset(s->vf[i]);
}

/*
 * The VF BARs' sizing masks (as sriov_set_vf_bar() made them), or none.
 * Fix: only NumVFs used to be frozen while VFs exist; the VF BARs stayed
 * writable although the contract (sriov.h) says they are frozen too.
 */
static void vf_bars_writable(struct sriov *s, bool writable)
{
	for (int bar = 0; bar < PCI_NUM_BARS; bar++) {
		uint16_t off = s->cap + PCI_SRIOV_BAR + 4 * bar;
		uint64_t mask = ~(s->vf_bar_size[bar] - 1);

		if (s->vf_bar_type[bar] == PCI_BAR_NONE)
			continue;
		if (!writable)
			mask = 0;
		pci_cfg_set_wmask(&s->pf->cfg, off, 4, (uint32_t)mask & ~0xfu);
		if (s->vf_bar_type[bar] == PCI_BAR_MEM64)
			pci_cfg_set_wmask(&s->pf->cfg, off + 4, 4, mask >> 32);
	}
}

/* Requests the guest queued for the VFs before this change come first. */
static void flush_vfs(struct sriov *s)
{
	for (unsigned int i = 0; i < SRIOV_MAX_VFS; i++)
		if (s->vf[i] && s->vf[i]->tp.flush)
			s->vf[i]->tp.flush(s->vf[i]->tp.ctx);
}

static void apply_enable(struct sriov *s, bool enable)
{
	uint16_t wm = enable ? 0 : 0xffff;

	flush_vfs(s);
	s->enabled = enable;
	s->num_vfs = pci_cfg_get16(&s->pf->cfg, s->cap + PCI_SRIOV_NUM_VF);
	/* NumVFs and the VF BARs are frozen while VFs exist. */
	pci_cfg_set_wmask(&s->pf->cfg, s->cap + PCI_SRIOV_NUM_VF, 2, wm);
	vf_bars_writable(s, !enable);
	if (enable)
		s->enables++;
	else
		s->disables++;
	trace_event(TRACE_DEV, s->pf->name, "sriov", "vf_enable=%d num_vfs=%u",
		    enable, s->num_vfs);
	reset_vfs(s);
}

void sriov_cfg_written(struct sriov *s, uint32_t off, unsigned int len)
{
	uint32_t c = s->cap + PCI_SRIOV_CTRL;
	bool vfe;

	if (off >= c + 2 || off + len <= c)
		return;
	vfe = ctrl(s) & PCI_SRIOV_CTRL_VFE;
	if (vfe != s->enabled)
		apply_enable(s, vfe);
}

void sriov_reset(struct sriov *s)
{
	uint16_t c = s->cap + PCI_SRIOV_CTRL;

	pci_cfg_set16(&s->pf->cfg, c, 0);
	pci_cfg_set16(&s->pf->cfg, s->cap + PCI_SRIOV_NUM_VF, 0);
	if (s->enabled)
		apply_enable(s, false);
}
