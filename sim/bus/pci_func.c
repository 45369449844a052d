// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <linux/pci_regs.h>

#include "log.h"
#include "pci_func.h"
#include "sriov.h"
#include "trace.h"

void pci_func_init(struct pci_func *fn, const char *name)
{
	memset(fn, 0, sizeof(*fn));
	snprintf(fn->name, sizeof(fn->name), "%s", name);
}

void pci_func_destroy(struct pci_func *fn)
{
	if (fn->ops && fn->ops->destroy)
		fn->ops->destroy(fn);
	fn->ops = NULL;
	fn->model = NULL;
}

bool pci_func_present(const struct pci_func *fn)
{
	return !fn->vf_of || sriov_vf_alive(fn->vf_of, fn->vf_index);
}

/* Memory space decoding: Command.MEM, or for a VF the PF's VF MSE. */
static bool mem_enabled(const struct pci_func *fn)
{
	const struct sriov *s = fn->vf_of;

	if (s)
		return sriov_vf_alive(s, fn->vf_index) &&
		       (pci_cfg_get16(&s->pf->cfg, s->cap + PCI_SRIOV_CTRL) &
			PCI_SRIOV_CTRL_MSE);
	return pci_cfg_get16(&fn->cfg, PCI_COMMAND) & PCI_COMMAND_MEMORY;
}

void pci_func_reset(struct pci_func *fn)
{
	pci_cfg_set16(&fn->cfg, PCI_COMMAND, 0);
	msix_reset(fn);
	if (fn->ops && fn->ops->flr)
		fn->ops->flr(fn);
	if (fn->sriov)
		sriov_reset(fn->sriov);
}

static bool touches(uint32_t off, unsigned len, uint32_t reg, unsigned rlen)
{
	return off < reg + rlen && reg < off + len;
}

/* @val read at [off, off+len) with the bytes of [roff, roff+rlen) = rval. */
static uint64_t overlay(uint64_t val, uint32_t off, unsigned len,
			uint32_t roff, unsigned rlen, uint32_t rval)
{
	for (unsigned int b = 0; b < rlen; b++) {
		uint32_t at = roff + b;
		unsigned int shift;

		if (at < off || at >= off + len)
			continue;
		shift = 8 * (at - off);
		val &= ~(0xffull << shift);
		val |= (uint64_t)((rval >> (8 * b)) & 0xff) << shift;
	}
	return val;
}

/*
 * cap-next: the register holding the next pointer of the function's last
 * capability (standard: its byte 1; extended: bits 31:20 of its header)
 * and what it reads instead.  False if the list is empty.
 */
static bool cap_next_reg(const struct pci_func *fn, const struct fault *f,
			 uint32_t *roff, unsigned *rlen, uint32_t *rval)
{
	const struct pci_cfg *cfg = &fn->cfg;
	uint32_t last = f->ext ? cfg->last_ext : cfg->last_cap;
	uint32_t ptr = f->val;

	if (!last)
		return false;
	if (ptr == FAULT_PTR_FIRST)
		ptr = f->ext ? PCI_CFG_SPACE_SIZE : cfg->data[PCI_CAPABILITY_LIST];
	else if (ptr == FAULT_PTR_SELF)
		ptr = last;
	if (!f->ext) {
		*roff = last + PCI_CAP_LIST_NEXT;
		*rlen = 1;
		*rval = ptr & 0xff;
		return true;
	}
	*roff = last;
	*rlen = 4;
	*rval = (pci_cfg_get32(cfg, last) & 0xfffff) | (ptr & 0xfff) << 20;
	return true;
}

/* Config faults that change what a register reads (fault.h). */
static uint64_t cfg_read_faults(struct pci_func *fn, uint32_t off,
				unsigned len, uint64_t val)
{
	unsigned int pos = 0, rlen;
	uint32_t roff, rval;
	struct fault *f;

	while ((f = fault_next(fn->faults, FAULT_CFG_VALUE, fn->name, &pos)))
		if (touches(off, len, f->off, f->len) &&
		    fault_fires(fn->faults, f, fn->name))
			val = overlay(val, off, len, f->off, f->len, f->val);
	pos = 0;
	while ((f = fault_next(fn->faults, FAULT_CAP_NEXT, fn->name, &pos)))
		if (cap_next_reg(fn, f, &roff, &rlen, &rval) &&
		    touches(off, len, roff, rlen) &&
		    fault_fires(fn->faults, f, fn->name))
			val = overlay(val, off, len, roff, rlen, rval);
	return val;
}

/* A read-ones fault on this register (fault.h): this read fails. */
static bool read_fails(struct pci_func *fn, const char *space, uint64_t off)
{
	char reg[24];

	if (!fault_armed(fn->faults, FAULT_READ_ONES))
		return false;
	snprintf(reg, sizeof(reg), "%s:0x%llx", space,
		 (unsigned long long)off);
	return fault_hit_reg(fn->faults, FAULT_READ_ONES, fn->name, reg);
}

uint64_t pci_func_cfg_read(struct pci_func *fn, uint32_t off, unsigned len)
{
	uint64_t val;

	if (!pci_cfg_access_ok(off, len)) {
		pci_func_error(fn, "config read of %u bytes at 0x%x", len, off);
		return ~0ull >> (64 - 8 * (len > 8 || !len ? 8 : len));
	}
	if (!pci_func_present(fn) ||
	    fault_hit(fn->faults, FAULT_CFG_ONES, fn->name) ||
	    read_fails(fn, "cfg", off)) {
		val = ~0ull >> (64 - 8 * len);	/* nobody answers: all-ones */
	} else {
		if (!fn->ops || !fn->ops->cfg_read ||
		    !fn->ops->cfg_read(fn, off, len, &val))
			val = pci_cfg_read(&fn->cfg, off, len);
		val = cfg_read_faults(fn, off, len, val);
	}
	trace_event(TRACE_CFG, fn->name, "cfg-read", "off=0x%x len=%u val=0x%llx",
		    off, len, (unsigned long long)val);
	return val;
}

int pci_func_add_pcie(struct pci_func *fn, unsigned int type, bool flr)
{
	struct pci_cfg *cfg = &fn->cfg;
	uint8_t cap = pci_cfg_add_cap(cfg, PCI_CAP_ID_EXP,
				      PCI_CAP_EXP_ENDPOINT_SIZEOF_V2);

	if (!cap)
		return -ENOSPC;
	fn->pcie_cap = cap;
	pci_cfg_set16(cfg, cap + PCI_EXP_FLAGS, 2 | (type << 4));
	pci_cfg_set32(cfg, cap + PCI_EXP_DEVCAP,
		      flr ? PCI_EXP_DEVCAP_FLR : 0);
	pci_cfg_set_wmask(cfg, cap + PCI_EXP_DEVCTL, 2,
			  PCI_EXP_DEVCTL_CERE | PCI_EXP_DEVCTL_NFERE |
			  PCI_EXP_DEVCTL_FERE | PCI_EXP_DEVCTL_URRE |
			  PCI_EXP_DEVCTL_RELAX_EN | PCI_EXP_DEVCTL_PAYLOAD |
			  PCI_EXP_DEVCTL_READRQ | PCI_EXP_DEVCTL_NOSNOOP_EN |
			  (flr ? PCI_EXP_DEVCTL_BCR_FLR : 0));
	pci_cfg_set_w1cmask(cfg, cap + PCI_EXP_DEVSTA, 2,
			    PCI_EXP_DEVSTA_CED | PCI_EXP_DEVSTA_NFED |
			    PCI_EXP_DEVSTA_FED | PCI_EXP_DEVSTA_URD);
	return 0;
}

static void check_flr(struct pci_func *fn, uint32_t off, unsigned len)
{
	uint16_t ctl_off = fn->pcie_cap + PCI_EXP_DEVCTL;
	uint16_t ctl;

	if (!fn->pcie_cap || !touches(off, len, ctl_off, 2))
		return;
	ctl = pci_cfg_get16(&fn->cfg, ctl_off);
	if (!(ctl & PCI_EXP_DEVCTL_BCR_FLR))
		return;
	/* The bit always reads 0; the reset completes before the reply. */
	pci_cfg_set16(&fn->cfg, ctl_off, ctl & ~PCI_EXP_DEVCTL_BCR_FLR);
	fn->flrs++;
	trace_event(TRACE_DEV, fn->name, "flr", "count=%llu",
		    (unsigned long long)fn->flrs);
	pci_func_reset(fn);
}

void pci_func_cfg_write(struct pci_func *fn, uint32_t off, unsigned len,
			uint64_t val)
{
	if (!pci_cfg_access_ok(off, len)) {
		pci_func_error(fn, "config write of %u bytes at 0x%x", len, off);
		return;
	}
	trace_event(TRACE_CFG, fn->name, "cfg-write",
		    "off=0x%x len=%u val=0x%llx", off, len,
		    (unsigned long long)val);
	if (!pci_func_present(fn)) {
		fn->blocked++;
		return;
	}
	if (fn->sriov)
		sriov_cfg_writing(fn->sriov, off, len);
	pci_cfg_write(&fn->cfg, off, len, val);
	if (fn->sriov)
		sriov_cfg_written(fn->sriov, off, len);
	if (fn->msix.nvec && touches(off, len, fn->msix.cap + PCI_MSIX_FLAGS, 2))
		msix_cfg_written(fn);
	check_flr(fn, off, len);
	if (fn->ops && fn->ops->cfg_write)
		fn->ops->cfg_write(fn, off, len, val);
}

static int bar_check(struct pci_func *fn, const char *what, int bar,
		     uint64_t off, uint32_t len)
{
	uint64_t size;

	if (bar < 0 || bar >= PCI_NUM_BARS || !fn->cfg.bar_size[bar]) {
		pci_func_error(fn, "%s of BAR %d, which does not exist", what,
			       bar);
		return -EINVAL;
	}
	size = fn->cfg.bar_size[bar];
	if (off >= size || len > size - off) {
		pci_func_error(fn, "%s of %u bytes at BAR%d+0x%llx, beyond its "
			       "%llu bytes", what, len, bar,
			       (unsigned long long)off,
			       (unsigned long long)size);
		return -EINVAL;
	}
	return 0;
}

static uint64_t small_val(const void *buf, uint32_t len)
{
	const uint8_t *p = buf;
	uint64_t v = 0;

	if (len > 8)
		return 0;
	while (len--)
		v = v << 8 | p[len];
	return v;
}

static const char *bar_space(int bar)
{
	static const char *const names[] = {
		"bar0", "bar1", "bar2", "bar3", "bar4", "bar5",
	};

	return bar >= 0 && bar < 6 ? names[bar] : "bar?";
}

int pci_func_bar_read(struct pci_func *fn, int bar, uint64_t off, void *buf,
		      uint32_t len)
{
	memset(buf, 0xff, len);
	if (bar_check(fn, "read", bar, off, len))
		return -EINVAL;
	if (fault_hit(fn->faults, FAULT_CFG_ONES, fn->name))
		return 0;	/* surprise removal: all-ones */
	if (!mem_enabled(fn)) {
		fn->blocked++;
		trace_event(TRACE_BAR, fn->name, "bar-read",
			    "bar=%d off=0x%llx len=%u blocked=1", bar,
			    (unsigned long long)off, len);
		return 0;	/* unsupported request: all-ones */
	}
	if (read_fails(fn, bar_space(bar), off))
		memset(buf, 0xff, len);	/* a failed read */
	else if (!msix_bar_read(fn, bar, off, buf, len) && fn->ops &&
		 fn->ops->bar_read)
		fn->ops->bar_read(fn, bar, off, buf, len);
	trace_event(TRACE_BAR, fn->name, "bar-read",
		    "bar=%d off=0x%llx len=%u val=0x%llx", bar,
		    (unsigned long long)off, len,
		    (unsigned long long)small_val(buf, len));
	return 0;
}

int pci_func_bar_write(struct pci_func *fn, int bar, uint64_t off,
		       const void *buf, uint32_t len)
{
	if (bar_check(fn, "write", bar, off, len))
		return -EINVAL;
	if (!mem_enabled(fn)) {
		fn->blocked++;
		trace_event(TRACE_BAR, fn->name, "bar-write",
			    "bar=%d off=0x%llx len=%u blocked=1", bar,
			    (unsigned long long)off, len);
		return 0;
	}
	trace_event(TRACE_BAR, fn->name, "bar-write",
		    "bar=%d off=0x%llx len=%u val=0x%llx", bar,
		    (unsigned long long)off, len,
		    (unsigned long long)small_val(buf, len));
	if (!msix_bar_write(fn, bar, off, buf, len) && fn->ops &&
	    fn->ops->bar_write)
		fn->ops->bar_write(fn, bar, off, buf, len);
	return 0;
}

int pci_func_bar_memset(struct pci_func *fn, int bar, uint64_t off,
			uint8_t byte, uint32_t len)
{
	uint8_t chunk[256];

	if (bar_check(fn, "memset", bar, off, len))
		return -EINVAL;
	if (!mem_enabled(fn)) {
		fn->blocked++;
		return 0;
	}
	trace_event(TRACE_BAR, fn->name, "bar-memset",
		    "bar=%d off=0x%llx len=%u byte=0x%x", bar,
		    (unsigned long long)off, len, byte);
	memset(chunk, byte, sizeof(chunk));
	while (len) {
		uint32_t n = len < sizeof(chunk) ? len : sizeof(chunk);

		if (!msix_bar_write(fn, bar, off, chunk, n) && fn->ops &&
		    fn->ops->bar_write)
			fn->ops->bar_write(fn, bar, off, chunk, n);
		off += n;
		len -= n;
	}
	return 0;
}

int pci_func_dma_read(struct pci_func *fn, uint64_t gpa, void *dst,
		      uint64_t len)
{
	if (!fn->tp.mem)
		return -ENOTCONN;
	return guest_mem_read(fn->tp.mem, gpa, dst, len);
}

int pci_func_dma_write(struct pci_func *fn, uint64_t gpa, const void *src,
		       uint64_t len)
{
	if (!fn->tp.mem)
		return -ENOTCONN;
	return guest_mem_write(fn->tp.mem, gpa, src, len);
}

void pci_func_error(struct pci_func *fn, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* A guest in a loop must not flood the log: count, log the first few. */
	if (++fn->errors <= 5)
		vlog(LOG_WARN, fn->name, "guest error: %s", msg);
	if (fn->errors == 5)
		vlog(LOG_WARN, fn->name, "further guest errors are traced only");
	trace_event(TRACE_DEV, fn->name, "error", "msg=\"%s\"", msg);
}
