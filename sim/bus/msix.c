// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <linux/pci_regs.h>

#include "log.h"
#include "pci_func.h"
#include "trace.h"
#include "le.h"

static uint16_t msix_ctrl(const struct pci_func *fn)
{
	return pci_cfg_get16(&fn->cfg, fn->msix.cap + PCI_MSIX_FLAGS);
}

int msix_init(struct pci_func *fn, unsigned nvec, int bar,
	      uint32_t table_off, uint32_t pba_off)
{
	struct msix *m = &fn->msix;
	uint8_t cap;

	if (!nvec || nvec > MSIX_MAX_VECTORS || (table_off & 7) ||
	    (pba_off & 7))
		return -EINVAL;
	cap = pci_cfg_add_cap(&fn->cfg, PCI_CAP_ID_MSIX, PCI_CAP_MSIX_SIZEOF);
	if (!cap)
		return -ENOSPC;
	m->nvec = nvec;
	m->cap = cap;
	m->bar = bar;
	m->table_off = table_off;
	m->pba_off = pba_off;
	pci_cfg_set16(&fn->cfg, cap + PCI_MSIX_FLAGS, nvec - 1);
	pci_cfg_set_wmask(&fn->cfg, cap + PCI_MSIX_FLAGS, 2,
			  PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL);
	pci_cfg_set32(&fn->cfg, cap + PCI_MSIX_TABLE, table_off | bar);
	pci_cfg_set32(&fn->cfg, cap + PCI_MSIX_PBA, pba_off | bar);
	msix_reset(fn);
	return 0;
}

void msix_reset(struct pci_func *fn)
{
	struct msix *m = &fn->msix;
	unsigned i;

	if (!m->nvec)
		return;
	memset(m->table, 0, sizeof(m->table));
	for (i = 0; i < m->nvec; i++)
		m->table[i * MSIX_ENTRY_SIZE + PCI_MSIX_ENTRY_VECTOR_CTRL] =
			PCI_MSIX_ENTRY_CTRL_MASKBIT;
	m->pending = 0;
	pci_cfg_set16(&fn->cfg, m->cap + PCI_MSIX_FLAGS, m->nvec - 1);
}

bool msix_enabled(const struct pci_func *fn)
{
	return fn->msix.nvec && (msix_ctrl(fn) & PCI_MSIX_FLAGS_ENABLE);
}

static bool vector_masked(const struct pci_func *fn, unsigned vec)
{
	const uint8_t *e = &fn->msix.table[vec * MSIX_ENTRY_SIZE];

	return (msix_ctrl(fn) & PCI_MSIX_FLAGS_MASKALL) ||
	       (e[PCI_MSIX_ENTRY_VECTOR_CTRL] & PCI_MSIX_ENTRY_CTRL_MASKBIT);
}

struct delayed_msi {
	struct pci_func *fn;
	uint64_t addr;
	uint32_t data;
};

static void send_delayed(void *arg)
{
	struct delayed_msi *d = arg;

	if (d->fn->tp.send_msi)
		d->fn->tp.send_msi(d->fn->tp.ctx, d->addr, d->data);
	free(d);
}

/* Faults on the way out: drop, duplicate or delay the message. */
static int send_faulty(struct pci_func *fn, uint64_t addr, uint32_t data)
{
	struct fault *f;
	struct delayed_msi *d;

	if (fault_hit(fn->faults, FAULT_MSI_DROP, fn->name))
		return 0;
	f = fault_hit(fn->faults, FAULT_MSI_DELAY, fn->name);
	if (f && fn->tp.defer && (d = malloc(sizeof(*d)))) {
		*d = (struct delayed_msi){ fn, addr, data };
		if (!fn->tp.defer(fn->tp.bus, f->arg * 1000ull, send_delayed, d))
			return 0;
		free(d);
	}
	if (fault_hit(fn->faults, FAULT_MSI_DUP, fn->name))
		fn->tp.send_msi(fn->tp.ctx, addr, data);
	return fn->tp.send_msi(fn->tp.ctx, addr, data);
}

static int deliver(struct pci_func *fn, unsigned vec)
{
	const uint8_t *e = &fn->msix.table[vec * MSIX_ENTRY_SIZE];
	uint64_t addr = get_le(e + PCI_MSIX_ENTRY_LOWER_ADDR, 8);
	uint32_t data = get_le(e + PCI_MSIX_ENTRY_DATA, 4);

	trace_event(TRACE_IRQ, fn->name, "msi", "vector=%u addr=0x%llx data=%u",
		    vec, (unsigned long long)addr, data);
	if (!addr) {
		vlog_once(LOG_WARN, fn->name,
			  "MSI-X vector %u fired with no address programmed",
			  vec);
		return -EINVAL;
	}
	if (!fn->tp.send_msi)
		return -ENOTCONN;
	fn->msix.sent++;
	return send_faulty(fn, addr, data);
}

int msix_notify(struct pci_func *fn, unsigned vec)
{
	if (!msix_enabled(fn) || vec >= fn->msix.nvec)
		return -ENOENT;
	if (vector_masked(fn, vec)) {
		fn->msix.pending |= 1ull << vec;
		return 0;
	}
	return deliver(fn, vec);
}

static void deliver_unmasked(struct pci_func *fn)
{
	unsigned vec;

	if (!msix_enabled(fn))
		return;
	for (vec = 0; vec < fn->msix.nvec; vec++) {
		if (!(fn->msix.pending & (1ull << vec)) ||
		    vector_masked(fn, vec))
			continue;
		fn->msix.pending &= ~(1ull << vec);
		deliver(fn, vec);
	}
}

void msix_cfg_written(struct pci_func *fn)
{
	deliver_unmasked(fn);
}

static bool in_range(uint64_t off, unsigned len, uint32_t start, uint32_t size)
{
	return off >= start && off - start < size && len <= size - (off - start);
}

bool msix_bar_read(struct pci_func *fn, int bar, uint64_t off, void *buf,
		   unsigned len)
{
	struct msix *m = &fn->msix;
	uint32_t tsize = m->nvec * MSIX_ENTRY_SIZE;
	uint8_t pba[8];

	if (!m->nvec || bar != m->bar)
		return false;
	if (in_range(off, len, m->table_off, tsize)) {
		memcpy(buf, &m->table[off - m->table_off], len);
		return true;
	}
	if (in_range(off, len, m->pba_off, 8)) {
		for (unsigned i = 0; i < 8; i++)
			pba[i] = m->pending >> (8 * i);
		memcpy(buf, &pba[off - m->pba_off], len);
		return true;
	}
	return false;
}

bool msix_bar_write(struct pci_func *fn, int bar, uint64_t off,
		    const void *buf, unsigned len)
{
	struct msix *m = &fn->msix;
	uint32_t tsize = m->nvec * MSIX_ENTRY_SIZE;

	if (!m->nvec || bar != m->bar)
		return false;
	if (in_range(off, len, m->table_off, tsize)) {
		uint64_t rel = off - m->table_off;
		unsigned i;

		memcpy(&m->table[rel], buf, len);
		/* Only the mask bit of Vector Control is writable. */
		for (i = 0; i < m->nvec; i++)
			m->table[i * MSIX_ENTRY_SIZE + 12] &=
				PCI_MSIX_ENTRY_CTRL_MASKBIT;
		for (i = 0; i < m->nvec; i++)
			memset(&m->table[i * MSIX_ENTRY_SIZE + 13], 0, 3);
		deliver_unmasked(fn);
		return true;
	}
	/* The PBA is read-only; writes are ignored as on hardware. */
	return in_range(off, len, m->pba_off, 8);
}
