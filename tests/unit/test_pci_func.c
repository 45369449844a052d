// SPDX-License-Identifier: GPL-2.0
/* pci_func: BAR range checks, PCIe FLR, DMA helpers. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <linux/pci_regs.h>

#include "sim/bus/pci_func.h"
#include "helpers.h"

#define BAR_SIZE 0x1000

struct env {
	struct pci_func fn;
	struct fake_tp tp;
	unsigned int reads, writes, flrs;
	uint64_t last_off;
	unsigned int last_len;
};

static void model_read(struct pci_func *fn, int bar, uint64_t off, void *buf,
		       unsigned len)
{
	struct env *e = fn->model;

	(void)bar;
	memset(buf, 0x5a, len);
	e->reads++;
	e->last_off = off;
	e->last_len = len;
}

static void model_write(struct pci_func *fn, int bar, uint64_t off,
			const void *buf, unsigned len)
{
	struct env *e = fn->model;

	(void)bar, (void)buf;
	e->writes++;
	e->last_off = off;
	e->last_len = len;
}

static void model_flr(struct pci_func *fn)
{
	struct env *e = fn->model;

	e->flrs++;
}

static const struct pci_func_ops model_ops = {
	.bar_read = model_read,
	.bar_write = model_write,
	.flr = model_flr,
};

static struct env *env_new(void)
{
	struct env *e = calloc(1, sizeof(*e));

	ck_assert_ptr_nonnull(e);
	pci_func_init(&e->fn, "fn");
	pci_cfg_init(&e->fn.cfg, 0x1234, 0x0002, 0xff000000, 0, 0);
	ck_assert_int_eq(pci_cfg_set_bar(&e->fn.cfg, 0, PCI_BAR_MEM32,
					 BAR_SIZE), 0);
	e->fn.ops = &model_ops;
	e->fn.model = e;
	pci_enable_mem(&e->fn);
	return e;
}

static void assert_all_ff(const uint8_t *b, unsigned int len)
{
	for (unsigned int i = 0; i < len; i++)
		ck_assert_uint_eq(b[i], 0xff);
}

START_TEST(test_bar_in_range_reaches_model)
{
	struct env *e = env_new();
	uint8_t b[4] = { 1, 2, 3, 4 };

	ck_assert_int_eq(pci_func_bar_read(&e->fn, 0, 0xffc, b, 4), 0);
	ck_assert_uint_eq(b[0], 0x5a);
	ck_assert_uint_eq(e->last_off, 0xffc);
	ck_assert_int_eq(pci_func_bar_write(&e->fn, 0, 0x10, b, 2), 0);
	ck_assert_uint_eq(e->writes, 1);
	ck_assert_uint_eq(e->last_len, 2);
	ck_assert_uint_eq(e->fn.errors, 0);
	free(e);
}
END_TEST

START_TEST(test_bar_missing)
{
	struct env *e = env_new();
	uint8_t b[4] = { 0 };

	ck_assert_int_eq(pci_func_bar_read(&e->fn, 1, 0, b, 4), -EINVAL);
	assert_all_ff(b, 4);
	ck_assert_int_eq(pci_func_bar_read(&e->fn, 6, 0, b, 4), -EINVAL);
	ck_assert_int_eq(pci_func_bar_read(&e->fn, -1, 0, b, 4), -EINVAL);
	ck_assert_int_eq(pci_func_bar_write(&e->fn, 3, 0, b, 4), -EINVAL);
	ck_assert_int_eq(pci_func_bar_memset(&e->fn, 5, 0, 0, 4), -EINVAL);
	ck_assert_uint_eq(e->fn.errors, 5);
	ck_assert_uint_eq(e->reads + e->writes, 0);
	free(e);
}
END_TEST

START_TEST(test_bar_outside_range)
{
	struct env *e = env_new();
	uint8_t b[8] = { 0 };

	ck_assert_int_eq(pci_func_bar_read(&e->fn, 0, BAR_SIZE, b, 4), -EINVAL);
	assert_all_ff(b, 4);
	memset(b, 0, sizeof(b));
	ck_assert_int_eq(pci_func_bar_read(&e->fn, 0, BAR_SIZE - 2, b, 4),
			 -EINVAL);
	assert_all_ff(b, 4);
	ck_assert_int_eq(pci_func_bar_read(&e->fn, 0, UINT64_MAX - 1, b, 8),
			 -EINVAL);
	ck_assert_int_eq(pci_func_bar_write(&e->fn, 0, BAR_SIZE - 4, b, 8),
			 -EINVAL);
	ck_assert_int_eq(pci_func_bar_memset(&e->fn, 0, 0, 0, BAR_SIZE + 1),
			 -EINVAL);
	ck_assert_uint_eq(e->fn.errors, 5);
	ck_assert_uint_eq(e->reads + e->writes, 0);
	free(e);
}
END_TEST

START_TEST(test_bar_memset_chunks)
{
	struct env *e = env_new();

	ck_assert_int_eq(pci_func_bar_memset(&e->fn, 0, 0x100, 0xab, 600), 0);
	/* 600 bytes go out as 256 + 256 + 88. */
	ck_assert_uint_eq(e->writes, 3);
	ck_assert_uint_eq(e->last_off, 0x100 + 512);
	ck_assert_uint_eq(e->last_len, 88);
	free(e);
}
END_TEST

START_TEST(test_bar_memory_disabled)
{
	struct env *e = env_new();
	uint8_t b[4] = { 0 };

	pci_func_cfg_write(&e->fn, PCI_COMMAND, 2, 0);
	ck_assert_int_eq(pci_func_bar_read(&e->fn, 0, 0, b, 4), 0);
	assert_all_ff(b, 4);
	ck_assert_int_eq(pci_func_bar_write(&e->fn, 0, 0, b, 4), 0);
	ck_assert_int_eq(pci_func_bar_memset(&e->fn, 0, 0, 0, 4), 0);
	ck_assert_uint_eq(e->reads + e->writes, 0);
	ck_assert_uint_eq(e->fn.blocked, 3);
	ck_assert_uint_eq(e->fn.errors, 0);
	free(e);
}
END_TEST

START_TEST(test_cfg_bad_access)
{
	struct env *e = env_new();

	ck_assert_uint_eq(pci_func_cfg_read(&e->fn, 0, 3), 0xffffff);
	ck_assert_uint_eq(pci_func_cfg_read(&e->fn, 4095, 2), 0xffff);
	ck_assert_uint_eq(pci_func_cfg_read(&e->fn, 4096, 4), 0xffffffff);
	pci_func_cfg_write(&e->fn, PCI_COMMAND, 16, 0);
	ck_assert_uint_eq(pci_func_cfg_read(&e->fn, PCI_COMMAND, 2),
			  PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
	ck_assert_uint_eq(e->fn.errors, 4);
	ck_assert_uint_eq(pci_func_cfg_read(&e->fn, 0, 2), 0x1234);
	free(e);
}
END_TEST

static void add_pcie_msix(struct env *e, bool flr)
{
	ck_assert_int_eq(pci_func_add_pcie(&e->fn, PCI_EXP_TYPE_ENDPOINT, flr),
			 0);
	ck_assert_int_eq(pci_cfg_set_bar(&e->fn.cfg, 2, PCI_BAR_MEM32, 0x1000),
			 0);
	ck_assert_int_eq(msix_init(&e->fn, 2, 2, 0, 0x800), 0);
	fake_tp_attach(&e->tp, &e->fn, NULL);
	msix_enable(&e->fn, false);
	msix_program(&e->fn, 0, 0xfee00000, 7, 0);
	pci_func_cfg_write(&e->fn, PCI_COMMAND, 2,
			   PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
}

START_TEST(test_flr)
{
	struct env *e = env_new();
	uint16_t ctl;

	add_pcie_msix(e, true);
	ctl = e->fn.pcie_cap + PCI_EXP_DEVCTL;
	ck_assert(pci_func_cfg_read(&e->fn, e->fn.pcie_cap + PCI_EXP_DEVCAP, 4)
		  & PCI_EXP_DEVCAP_FLR);
	pci_func_cfg_write(&e->fn, ctl, 2, PCI_EXP_DEVCTL_BCR_FLR |
			   PCI_EXP_DEVCTL_RELAX_EN);
	ck_assert_uint_eq(e->flrs, 1);
	ck_assert_uint_eq(e->fn.flrs, 1);
	ck_assert_uint_eq(pci_func_cfg_read(&e->fn, ctl, 2),
			  PCI_EXP_DEVCTL_RELAX_EN);
	ck_assert_uint_eq(pci_func_cfg_read(&e->fn, PCI_COMMAND, 2), 0);
	ck_assert(!msix_enabled(&e->fn));
	pci_enable_mem(&e->fn);
	ck_assert_uint_eq(bar_rd(&e->fn, 2, PCI_MSIX_ENTRY_VECTOR_CTRL, 4),
			  PCI_MSIX_ENTRY_CTRL_MASKBIT);
	free(e);
}
END_TEST

START_TEST(test_no_flr_without_capability)
{
	struct env *e = env_new();
	uint16_t ctl;

	add_pcie_msix(e, false);
	ctl = e->fn.pcie_cap + PCI_EXP_DEVCTL;
	ck_assert(!(pci_func_cfg_read(&e->fn, e->fn.pcie_cap + PCI_EXP_DEVCAP,
				      4) & PCI_EXP_DEVCAP_FLR));
	pci_func_cfg_write(&e->fn, ctl, 2, PCI_EXP_DEVCTL_BCR_FLR);
	ck_assert_uint_eq(e->flrs, 0);
	ck_assert(msix_enabled(&e->fn));
	ck_assert_uint_eq(pci_func_cfg_read(&e->fn, PCI_COMMAND, 2),
			  PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
	free(e);
}
END_TEST

START_TEST(test_dma_without_memory)
{
	struct env *e = env_new();
	uint8_t b[4] = { 0 };

	ck_assert_int_eq(pci_func_dma_read(&e->fn, 0x1000, b, 4), -ENOTCONN);
	ck_assert_int_eq(pci_func_dma_write(&e->fn, 0x1000, b, 4), -ENOTCONN);
	free(e);
}
END_TEST

START_TEST(test_dma_with_memory)
{
	struct env *e = env_new();
	uint8_t out[4] = { 1, 2, 3, 4 }, in[4] = { 0 };
	struct tmem m;

	tmem_init(&m, TMEM_GPA, 0x1000);
	fake_tp_attach(&e->tp, &e->fn, &m.gm);
	ck_assert_int_eq(pci_func_dma_write(&e->fn, TMEM_GPA + 8, out, 4), 0);
	ck_assert_int_eq(pci_func_dma_read(&e->fn, TMEM_GPA + 8, in, 4), 0);
	ck_assert_mem_eq(in, out, 4);
	ck_assert_int_eq(pci_func_dma_read(&e->fn, TMEM_GPA + 0xffe, in, 4),
			 -EFAULT);
	tmem_free(&m);
	free(e);
}
END_TEST

Suite *pci_func_suite(void)
{
	Suite *s = suite_create("pci_func");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_bar_in_range_reaches_model);
	tcase_add_test(tc, test_bar_missing);
	tcase_add_test(tc, test_bar_outside_range);
	tcase_add_test(tc, test_bar_memset_chunks);
	tcase_add_test(tc, test_bar_memory_disabled);
	tcase_add_test(tc, test_cfg_bad_access);
	tcase_add_test(tc, test_flr);
	tcase_add_test(tc, test_no_flr_without_capability);
	tcase_add_test(tc, test_dma_without_memory);
	tcase_add_test(tc, test_dma_with_memory);
	suite_add_tcase(s, tc);
	return s;
}
