/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared unit-test helpers: host-backed guest memory, split rings built in
 * that memory at known guest addresses, and a fake PCI transport that
 * records the MSIs a function sends.
 */
#ifndef VFSIM_TEST_HELPERS_H
#define VFSIM_TEST_HELPERS_H

#include <check.h>
#include <stdint.h>
#include <linux/virtio_ring.h>

#include "sim/bus/guest_mem.h"
#include "sim/bus/pci_func.h"

/* Default guest memory: 256 KiB at 1 MiB. */
#define TMEM_GPA 0x100000ull
#define TMEM_SIZE 0x40000ull

struct tmem {
	struct guest_mem gm;	/* one region covering buf */
	uint8_t *buf;
	uint64_t gpa;
	uint64_t size;
};

void tmem_init(struct tmem *m, uint64_t gpa, uint64_t size);
void tmem_free(struct tmem *m);
/* Host pointer of @gpa inside the buffer (asserts it is inside). */
void *tmem_ptr(const struct tmem *m, uint64_t gpa);
void tmem_put_le(const struct tmem *m, uint64_t gpa, unsigned int len,
		 uint64_t v);
uint64_t tmem_get_le(const struct tmem *m, uint64_t gpa, unsigned int len);

/* Split ring: desc at base, avail right after, used 4-aligned after it. */
struct tring {
	const struct tmem *mem;
	uint16_t num;
	uint64_t desc, avail, used;
	uint16_t avail_idx;
};

void tring_init(struct tring *r, const struct tmem *m, uint64_t base,
		uint16_t num);
/* Write descriptor @i of the table at @table (ring or indirect table). */
void tdesc_set(const struct tmem *m, uint64_t table, uint16_t i,
	       uint64_t addr, uint32_t len, uint16_t flags, uint16_t next);
void tring_desc(struct tring *r, uint16_t i, uint64_t addr, uint32_t len,
		uint16_t flags, uint16_t next);
/* Make chain @head available and bump avail->idx. */
void tring_post(struct tring *r, uint16_t head);
void tring_set_avail_idx(struct tring *r, uint16_t idx);
void tring_set_avail_flags(struct tring *r, uint16_t flags);
uint16_t tring_used_idx(const struct tring *r);
uint16_t tring_used_flags(const struct tring *r);
struct vring_used_elem tring_used(const struct tring *r, uint16_t i);

/* Fake transport: records MSIs sent through fn->tp.send_msi. */
#define FAKE_TP_MAX 32

struct fake_tp {
	unsigned int n;
	uint64_t addr[FAKE_TP_MAX];
	uint32_t data[FAKE_TP_MAX];
};

void fake_tp_attach(struct fake_tp *t, struct pci_func *fn,
		    const struct guest_mem *mem);

/* Config/BAR access shorthands through the pci_func transport API. */
uint64_t bar_rd(struct pci_func *fn, int bar, uint64_t off, unsigned int len);
void bar_wr(struct pci_func *fn, int bar, uint64_t off, unsigned int len,
	    uint64_t v);
/* Program MSI-X entry @vec (address, data, vector control) via the BAR. */
void msix_program(struct pci_func *fn, unsigned int vec, uint64_t addr,
		  uint32_t data, uint32_t ctrl);
void msix_enable(struct pci_func *fn, bool maskall);
/*
 * A private directory from the template @dir ("/tmp/name-XXXXXX", the
 * X's rewritten each time), and its removal with all it holds.
 */
void tmpdir_make(char *dir);
void tmpdir_remove(const char *dir);
/* Write @text into @dir/@name (the directory must exist). */
void put_file(const char *dir, const char *name, const char *text);

/* Set Command.MEM (and Bus Master): BARs decode only with it. */
void pci_enable_mem(struct pci_func *fn);

/* The suites. */
Suite *pci_cfg_suite(void);
Suite *msix_suite(void);
Suite *pci_func_suite(void);
Suite *vring_suite(void);
Suite *guest_mem_suite(void);
Suite *vhost_user_suite(void);
Suite *pcidev_suite(void);
Suite *admin_suite(void);
Suite *virtio_net_suite(void);
Suite *kreport_suite(void);

#endif
