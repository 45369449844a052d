// SPDX-License-Identifier: GPL-2.0
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/pci_regs.h>

#include "helpers.h"

void tmem_init(struct tmem *m, uint64_t gpa, uint64_t size)
{
	memset(m, 0, sizeof(*m));
	m->buf = aligned_alloc(4096, size);
	ck_assert_ptr_nonnull(m->buf);
	memset(m->buf, 0, size);
	m->gpa = gpa;
	m->size = size;
	ck_assert_int_eq(guest_mem_add_host(&m->gm, gpa, m->buf, size), 0);
}

void tmem_free(struct tmem *m)
{
	free(m->buf);
	m->buf = NULL;
}

void *tmem_ptr(const struct tmem *m, uint64_t gpa)
{
	ck_assert_msg(gpa >= m->gpa && gpa - m->gpa < m->size,
		      "gpa 0x%llx outside test memory",
		      (unsigned long long)gpa);
	return m->buf + (gpa - m->gpa);
}

void tmem_put_le(const struct tmem *m, uint64_t gpa, unsigned int len,
		 uint64_t v)
{
	uint8_t *p = tmem_ptr(m, gpa);

	for (unsigned int i = 0; i < len; i++)
		p[i] = v >> (8 * i);
}

uint64_t tmem_get_le(const struct tmem *m, uint64_t gpa, unsigned int len)
{
	const uint8_t *p = tmem_ptr(m, gpa);
	uint64_t v = 0;

	while (len--)
		v = v << 8 | p[len];
	return v;
}

void tring_init(struct tring *r, const struct tmem *m, uint64_t base,
		uint16_t num)
{
	memset(r, 0, sizeof(*r));
	r->mem = m;
	r->num = num;
	r->desc = base;
	r->avail = base + 16ull * num;
	r->used = (r->avail + 6 + 2ull * num + 3) & ~3ull;
	memset(tmem_ptr(m, base), 0, r->used + 6 + 8ull * num - base);
}

void tdesc_set(const struct tmem *m, uint64_t table, uint16_t i,
	       uint64_t addr, uint32_t len, uint16_t flags, uint16_t next)
{
	struct vring_desc d = {
		.addr = addr, .len = len, .flags = flags, .next = next,
	};

	memcpy(tmem_ptr(m, table + 16ull * i), &d, sizeof(d));
}

void tring_desc(struct tring *r, uint16_t i, uint64_t addr, uint32_t len,
		uint16_t flags, uint16_t next)
{
	tdesc_set(r->mem, r->desc, i, addr, len, flags, next);
}

void tring_set_avail_idx(struct tring *r, uint16_t idx)
{
	r->avail_idx = idx;
	tmem_put_le(r->mem, r->avail + 2, 2, idx);
}

void tring_post(struct tring *r, uint16_t head)
{
	tmem_put_le(r->mem, r->avail + 4 + 2ull * (r->avail_idx % r->num), 2,
		    head);
	tring_set_avail_idx(r, r->avail_idx + 1);
}

void tring_set_avail_flags(struct tring *r, uint16_t flags)
{
	tmem_put_le(r->mem, r->avail, 2, flags);
}

uint16_t tring_used_idx(const struct tring *r)
{
	return tmem_get_le(r->mem, r->used + 2, 2);
}

uint16_t tring_used_flags(const struct tring *r)
{
	return tmem_get_le(r->mem, r->used, 2);
}

struct vring_used_elem tring_used(const struct tring *r, uint16_t i)
{
	uint64_t e = r->used + 4 + 8ull * (i % r->num);

	return (struct vring_used_elem){
		.id = tmem_get_le(r->mem, e, 4),
		.len = tmem_get_le(r->mem, e + 4, 4),
	};
}

static int fake_send_msi(void *ctx, uint64_t addr, uint32_t data)
{
	struct fake_tp *t = ctx;

	if (t->n < FAKE_TP_MAX) {
		t->addr[t->n] = addr;
		t->data[t->n] = data;
	}
	t->n++;
	return 0;
}

void fake_tp_attach(struct fake_tp *t, struct pci_func *fn,
		    const struct guest_mem *mem)
{
	memset(t, 0, sizeof(*t));
	fn->tp.mem = mem;
	fn->tp.send_msi = fake_send_msi;
	fn->tp.ctx = t;
}

uint64_t bar_rd(struct pci_func *fn, int bar, uint64_t off, unsigned int len)
{
	uint8_t b[8];
	uint64_t v = 0;

	ck_assert_uint_le(len, 8);
	ck_assert_int_eq(pci_func_bar_read(fn, bar, off, b, len), 0);
	while (len--)
		v = v << 8 | b[len];
	return v;
}

void bar_wr(struct pci_func *fn, int bar, uint64_t off, unsigned int len,
	    uint64_t v)
{
	uint8_t b[8];

	ck_assert_uint_le(len, 8);
	for (unsigned int i = 0; i < len; i++)
		b[i] = v >> (8 * i);
	ck_assert_int_eq(pci_func_bar_write(fn, bar, off, b, len), 0);
}

void msix_program(struct pci_func *fn, unsigned int vec, uint64_t addr,
		  uint32_t data, uint32_t ctrl)
{
	uint64_t e = fn->msix.table_off + vec * PCI_MSIX_ENTRY_SIZE;

	bar_wr(fn, fn->msix.bar, e + PCI_MSIX_ENTRY_LOWER_ADDR, 4,
	       (uint32_t)addr);
	bar_wr(fn, fn->msix.bar, e + PCI_MSIX_ENTRY_UPPER_ADDR, 4, addr >> 32);
	bar_wr(fn, fn->msix.bar, e + PCI_MSIX_ENTRY_DATA, 4, data);
	bar_wr(fn, fn->msix.bar, e + PCI_MSIX_ENTRY_VECTOR_CTRL, 4, ctrl);
}

void msix_enable(struct pci_func *fn, bool maskall)
{
	pci_func_cfg_write(fn, fn->msix.cap + PCI_MSIX_FLAGS, 2,
			   PCI_MSIX_FLAGS_ENABLE |
			   (maskall ? PCI_MSIX_FLAGS_MASKALL : 0));
}

void pci_enable_mem(struct pci_func *fn)
{
	uint16_t cmd = pci_func_cfg_read(fn, PCI_COMMAND, 2);

	pci_func_cfg_write(fn, PCI_COMMAND, 2,
			   cmd | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
}

void tmpdir_make(char *dir)
{
	strcpy(dir + strlen(dir) - 6, "XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
}

static int rm_one(const char *path, const struct stat *st, int flag,
		  struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	return remove(path);
}

void tmpdir_remove(const char *dir)
{
	nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

void put_file(const char *dir, const char *name, const char *text)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
}
