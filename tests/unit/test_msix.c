// SPDX-License-Identifier: GPL-2.0
/* MSI-X capability, table and PBA on a pci_func with a fake transport. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <linux/pci_regs.h>

#include "sim/bus/msix.h"
#include "sim/bus/pci_func.h"
#include "helpers.h"

#define MSIX_BAR 2
#define PBA_OFF 0x800
#define NVEC 4
#define MSI_ADDR 0xfee00000ull

struct env {
	struct pci_func fn;
	struct fake_tp tp;
	unsigned int model_writes;
};

static void model_write(struct pci_func *fn, int bar, uint64_t off,
			const void *buf, unsigned len)
{
	struct env *e = fn->model;

	(void)bar, (void)off, (void)buf, (void)len;
	e->model_writes++;
}

static const struct pci_func_ops model_ops = { .bar_write = model_write };

static struct env *env_new(unsigned int nvec)
{
	struct env *e = calloc(1, sizeof(*e));

	ck_assert_ptr_nonnull(e);
	pci_func_init(&e->fn, "msix");
	pci_cfg_init(&e->fn.cfg, 0x1234, 0x0001, 0xff000000, 0, 0);
	ck_assert_int_eq(pci_cfg_set_bar(&e->fn.cfg, MSIX_BAR, PCI_BAR_MEM32,
					 0x1000), 0);
	ck_assert_int_eq(msix_init(&e->fn, nvec, MSIX_BAR, 0, PBA_OFF), 0);
	e->fn.ops = &model_ops;
	e->fn.model = e;
	fake_tp_attach(&e->tp, &e->fn, NULL);
	pci_enable_mem(&e->fn);
	return e;
}

static uint16_t msg_ctrl(struct env *e)
{
	return pci_func_cfg_read(&e->fn, e->fn.msix.cap + PCI_MSIX_FLAGS, 2);
}

static uint64_t pba(struct env *e)
{
	return bar_rd(&e->fn, MSIX_BAR, PBA_OFF, 8);
}

static uint32_t vec_ctrl(struct env *e, unsigned int vec)
{
	return bar_rd(&e->fn, MSIX_BAR, vec * PCI_MSIX_ENTRY_SIZE +
		      PCI_MSIX_ENTRY_VECTOR_CTRL, 4);
}

START_TEST(test_masked_at_reset)
{
	struct env *e = env_new(NVEC);
	uint8_t cap = e->fn.msix.cap;

	ck_assert_uint_eq(pci_cfg_find_cap(&e->fn.cfg, PCI_CAP_ID_MSIX), cap);
	for (unsigned int v = 0; v < NVEC; v++)
		ck_assert_uint_eq(vec_ctrl(e, v), PCI_MSIX_ENTRY_CTRL_MASKBIT);
	ck_assert_uint_eq(msg_ctrl(e) & PCI_MSIX_FLAGS_ENABLE, 0);
	ck_assert_uint_eq(pci_func_cfg_read(&e->fn, cap + PCI_MSIX_TABLE, 4),
			  0 | MSIX_BAR);
	ck_assert_uint_eq(pci_func_cfg_read(&e->fn, cap + PCI_MSIX_PBA, 4),
			  PBA_OFF | MSIX_BAR);
	ck_assert_uint_eq(pba(e), 0);
	free(e);
}
END_TEST

START_TEST(test_table_size_field)
{
	struct env *e = env_new(7);

	ck_assert_uint_eq(msg_ctrl(e) & PCI_MSIX_FLAGS_QSIZE, 6);
	/* The table size is read-only. */
	pci_func_cfg_write(&e->fn, e->fn.msix.cap + PCI_MSIX_FLAGS, 2,
			   PCI_MSIX_FLAGS_QSIZE);
	ck_assert_uint_eq(msg_ctrl(e) & PCI_MSIX_FLAGS_QSIZE, 6);
	ck_assert_int_eq(msix_init(&e->fn, 0, MSIX_BAR, 0, PBA_OFF), -EINVAL);
	ck_assert_int_eq(msix_init(&e->fn, MSIX_MAX_VECTORS + 1, MSIX_BAR, 0,
				   PBA_OFF), -EINVAL);
	free(e);
}
END_TEST

START_TEST(test_enable_and_notify)
{
	struct env *e = env_new(NVEC);

	msix_enable(&e->fn, false);
	ck_assert(msix_enabled(&e->fn));
	msix_program(&e->fn, 1, MSI_ADDR, 0x41, 0);
	ck_assert_uint_eq(bar_rd(&e->fn, MSIX_BAR, 16 + PCI_MSIX_ENTRY_DATA, 4),
			  0x41);
	ck_assert_int_eq(msix_notify(&e->fn, 1), 0);
	ck_assert_uint_eq(e->tp.n, 1);
	ck_assert_uint_eq(e->tp.addr[0], MSI_ADDR);
	ck_assert_uint_eq(e->tp.data[0], 0x41);
	ck_assert_uint_eq(e->fn.msix.sent, 1);
	ck_assert_uint_eq(e->model_writes, 0);
	free(e);
}
END_TEST

START_TEST(test_vector_mask_pends)
{
	struct env *e = env_new(NVEC);

	msix_enable(&e->fn, false);
	msix_program(&e->fn, 2, MSI_ADDR, 0x52, PCI_MSIX_ENTRY_CTRL_MASKBIT);
	ck_assert_int_eq(msix_notify(&e->fn, 2), 0);
	ck_assert_uint_eq(e->tp.n, 0);
	ck_assert_uint_eq(pba(e), 1u << 2);
	bar_wr(&e->fn, MSIX_BAR, 2 * 16 + PCI_MSIX_ENTRY_VECTOR_CTRL, 4, 0);
	ck_assert_uint_eq(e->tp.n, 1);
	ck_assert_uint_eq(e->tp.data[0], 0x52);
	ck_assert_uint_eq(pba(e), 0);
	free(e);
}
END_TEST

START_TEST(test_function_mask_pends)
{
	struct env *e = env_new(NVEC);

	msix_enable(&e->fn, true);
	msix_program(&e->fn, 0, MSI_ADDR, 0x30, 0);
	ck_assert_int_eq(msix_notify(&e->fn, 0), 0);
	ck_assert_uint_eq(e->tp.n, 0);
	ck_assert_uint_eq(pba(e), 1);
	msix_enable(&e->fn, false);
	ck_assert_uint_eq(e->tp.n, 1);
	ck_assert_uint_eq(e->tp.data[0], 0x30);
	ck_assert_uint_eq(pba(e), 0);
	free(e);
}
END_TEST

START_TEST(test_disabled_drops)
{
	struct env *e = env_new(NVEC);

	msix_program(&e->fn, 0, MSI_ADDR, 0x30, 0);
	ck_assert(!msix_enabled(&e->fn));
	ck_assert_int_eq(msix_notify(&e->fn, 0), -ENOENT);
	ck_assert_uint_eq(e->tp.n, 0);
	ck_assert_uint_eq(pba(e), 0);
	free(e);
}
END_TEST

START_TEST(test_vector_out_of_range)
{
	struct env *e = env_new(NVEC);

	msix_enable(&e->fn, false);
	ck_assert_int_eq(msix_notify(&e->fn, NVEC), -ENOENT);
	ck_assert_int_eq(msix_notify(&e->fn, 63), -ENOENT);
	ck_assert_int_eq(msix_notify(&e->fn, 1000), -ENOENT);
	ck_assert_uint_eq(e->tp.n, 0);
	ck_assert_uint_eq(pba(e), 0);
	free(e);
}
END_TEST

START_TEST(test_pba_writes_ignored)
{
	struct env *e = env_new(NVEC);

	msix_enable(&e->fn, false);
	ck_assert_int_eq(msix_notify(&e->fn, 3), 0);
	ck_assert_uint_eq(pba(e), 1u << 3);
	bar_wr(&e->fn, MSIX_BAR, PBA_OFF, 8, 0);
	bar_wr(&e->fn, MSIX_BAR, PBA_OFF, 4, 0xffffffff);
	ck_assert_uint_eq(pba(e), 1u << 3);
	ck_assert_uint_eq(e->model_writes, 0);
	free(e);
}
END_TEST

START_TEST(test_vector_ctrl_reserved_bits)
{
	struct env *e = env_new(NVEC);

	bar_wr(&e->fn, MSIX_BAR, PCI_MSIX_ENTRY_VECTOR_CTRL, 4, 0xfffffffe);
	ck_assert_uint_eq(vec_ctrl(e, 0), 0);
	bar_wr(&e->fn, MSIX_BAR, PCI_MSIX_ENTRY_VECTOR_CTRL, 4, 0xffffffff);
	ck_assert_uint_eq(vec_ctrl(e, 0), PCI_MSIX_ENTRY_CTRL_MASKBIT);
	free(e);
}
END_TEST

START_TEST(test_no_address_not_sent)
{
	struct env *e = env_new(NVEC);

	msix_enable(&e->fn, false);
	msix_program(&e->fn, 0, 0, 0x30, 0);
	ck_assert_int_ne(msix_notify(&e->fn, 0), 0);
	ck_assert_uint_eq(e->tp.n, 0);
	free(e);
}
END_TEST

Suite *msix_suite(void)
{
	Suite *s = suite_create("msix");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_masked_at_reset);
	tcase_add_test(tc, test_table_size_field);
	tcase_add_test(tc, test_enable_and_notify);
	tcase_add_test(tc, test_vector_mask_pends);
	tcase_add_test(tc, test_function_mask_pends);
	tcase_add_test(tc, test_disabled_drops);
	tcase_add_test(tc, test_vector_out_of_range);
	tcase_add_test(tc, test_pba_writes_ignored);
	tcase_add_test(tc, test_vector_ctrl_reserved_bits);
	tcase_add_test(tc, test_no_address_not_sent);
	suite_add_tcase(s, tc);
	return s;
}
