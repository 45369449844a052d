// SPDX-License-Identifier: GPL-2.0
/* Config space register file: masks, BAR sizing, capability chains. */
#include <errno.h>
#include <stdlib.h>
#include <linux/pci_regs.h>

#include "sim/bus/pci_cfg.h"
#include "helpers.h"

#define CMD_RW (PCI_COMMAND_IO | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER | \
		PCI_COMMAND_PARITY | PCI_COMMAND_SERR | \
		PCI_COMMAND_INTX_DISABLE)

static struct pci_cfg *new_cfg(void)
{
	struct pci_cfg *c = calloc(1, sizeof(*c));

	ck_assert_ptr_nonnull(c);
	pci_cfg_init(c, 0x1af4, 0x1041, 0x02000001, 0x1af4, 0x0001);
	return c;
}

START_TEST(test_ids_read_only)
{
	struct pci_cfg *c = new_cfg();

	pci_cfg_write(c, PCI_VENDOR_ID, 4, 0xdeadbeef);
	pci_cfg_write(c, PCI_CLASS_REVISION, 4, 0xffffffff);
	pci_cfg_write(c, PCI_SUBSYSTEM_VENDOR_ID, 4, 0);
	ck_assert_uint_eq(pci_cfg_read(c, PCI_VENDOR_ID, 2), 0x1af4);
	ck_assert_uint_eq(pci_cfg_read(c, PCI_DEVICE_ID, 2), 0x1041);
	ck_assert_uint_eq(pci_cfg_read(c, PCI_CLASS_REVISION, 4), 0x02000001);
	ck_assert_uint_eq(pci_cfg_read(c, PCI_SUBSYSTEM_ID, 2), 0x0001);
	ck_assert_uint_eq(pci_cfg_read(c, PCI_HEADER_TYPE, 1),
			  PCI_HEADER_TYPE_NORMAL);
	free(c);
}
END_TEST

START_TEST(test_command_writable_bits)
{
	struct pci_cfg *c = new_cfg();

	pci_cfg_write(c, PCI_COMMAND, 2, 0xffff);
	ck_assert_uint_eq(pci_cfg_read(c, PCI_COMMAND, 2), CMD_RW);
	pci_cfg_write(c, PCI_COMMAND, 2, PCI_COMMAND_MEMORY);
	ck_assert_uint_eq(pci_cfg_read(c, PCI_COMMAND, 2), PCI_COMMAND_MEMORY);
	pci_cfg_write(c, PCI_INTERRUPT_LINE, 1, 0x0b);
	ck_assert_uint_eq(pci_cfg_read(c, PCI_INTERRUPT_LINE, 1), 0x0b);
	free(c);
}
END_TEST

START_TEST(test_status_write_one_to_clear)
{
	struct pci_cfg *c = new_cfg();
	uint16_t set = PCI_STATUS_CAP_LIST | PCI_STATUS_REC_MASTER_ABORT |
		       PCI_STATUS_DETECTED_PARITY;

	pci_cfg_set16(c, PCI_STATUS, set);
	pci_cfg_write(c, PCI_STATUS, 2, 0);
	ck_assert_uint_eq(pci_cfg_read(c, PCI_STATUS, 2), set);
	pci_cfg_write(c, PCI_STATUS, 2, PCI_STATUS_REC_MASTER_ABORT);
	ck_assert_uint_eq(pci_cfg_read(c, PCI_STATUS, 2),
			  PCI_STATUS_CAP_LIST | PCI_STATUS_DETECTED_PARITY);
	/* Writing all-ones clears every error bit, never CAP_LIST. */
	pci_cfg_write(c, PCI_COMMAND, 4, 0xffff0000u);
	ck_assert_uint_eq(pci_cfg_read(c, PCI_STATUS, 2), PCI_STATUS_CAP_LIST);
	ck_assert_uint_eq(pci_cfg_read(c, PCI_COMMAND, 2), 0);
	free(c);
}
END_TEST

START_TEST(test_bar32_sizing)
{
	struct pci_cfg *c = new_cfg();
	uint16_t off = PCI_BASE_ADDRESS_1;

	ck_assert_int_eq(pci_cfg_set_bar(c, 1, PCI_BAR_MEM32, 0x1000), 0);
	pci_cfg_write(c, off, 4, 0xffffffff);
	ck_assert_uint_eq(pci_cfg_read(c, off, 4),
			  0xfffff000u | PCI_BASE_ADDRESS_MEM_TYPE_32);
	pci_cfg_write(c, off, 4, 0xfebf0123);
	ck_assert_uint_eq(pci_cfg_read(c, off, 4), 0xfebf0000);
	ck_assert_uint_eq(pci_cfg_bar_addr(c, 1), 0xfebf0000);
	ck_assert_uint_eq(pci_cfg_bar_addr(c, 0), 0);
	free(c);
}
END_TEST

START_TEST(test_bar64_sizing)
{
	struct pci_cfg *c = new_cfg();

	ck_assert_int_eq(pci_cfg_set_bar(c, 0, PCI_BAR_MEM64, 0x4000), 0);
	ck_assert_uint_eq(pci_cfg_read(c, PCI_BASE_ADDRESS_0, 4),
			  PCI_BASE_ADDRESS_MEM_TYPE_64);
	pci_cfg_write(c, PCI_BASE_ADDRESS_0, 4, 0xffffffff);
	pci_cfg_write(c, PCI_BASE_ADDRESS_1, 4, 0xffffffff);
	ck_assert_uint_eq(pci_cfg_read(c, PCI_BASE_ADDRESS_0, 4),
			  0xffffc000u | PCI_BASE_ADDRESS_MEM_TYPE_64);
	ck_assert_uint_eq(pci_cfg_read(c, PCI_BASE_ADDRESS_1, 4), 0xffffffff);
	pci_cfg_write(c, PCI_BASE_ADDRESS_0, 4, 0x9abc0000);
	pci_cfg_write(c, PCI_BASE_ADDRESS_1, 4, 0x12345678);
	ck_assert_uint_eq(pci_cfg_bar_addr(c, 0), 0x123456789abc0000ull);
	free(c);
}
END_TEST

START_TEST(test_bar64_larger_than_4g)
{
	struct pci_cfg *c = new_cfg();

	ck_assert_int_eq(pci_cfg_set_bar(c, 2, PCI_BAR_MEM64, 8ull << 30), 0);
	pci_cfg_write(c, PCI_BASE_ADDRESS_2, 4, 0xffffffff);
	pci_cfg_write(c, PCI_BASE_ADDRESS_3, 4, 0xffffffff);
	ck_assert_uint_eq(pci_cfg_read(c, PCI_BASE_ADDRESS_2, 4),
			  PCI_BASE_ADDRESS_MEM_TYPE_64);
	ck_assert_uint_eq(pci_cfg_read(c, PCI_BASE_ADDRESS_3, 4), 0xfffffffe);
	free(c);
}
END_TEST

START_TEST(test_bar_invalid)
{
	struct pci_cfg *c = new_cfg();

	ck_assert_int_eq(pci_cfg_set_bar(c, 0, PCI_BAR_MEM32, 0), -EINVAL);
	ck_assert_int_eq(pci_cfg_set_bar(c, 0, PCI_BAR_MEM32, 8), -EINVAL);
	ck_assert_int_eq(pci_cfg_set_bar(c, 0, PCI_BAR_MEM32, 0x1800), -EINVAL);
	ck_assert_int_eq(pci_cfg_set_bar(c, 0, PCI_BAR_MEM32, 1ull << 32),
			 -EINVAL);
	ck_assert_int_eq(pci_cfg_set_bar(c, 5, PCI_BAR_MEM64, 0x1000), -EINVAL);
	ck_assert_int_eq(pci_cfg_set_bar(c, 6, PCI_BAR_MEM32, 0x1000), -EINVAL);
	ck_assert_int_eq(pci_cfg_set_bar(c, -1, PCI_BAR_MEM32, 0x1000),
			 -EINVAL);
	for (int i = 0; i < PCI_NUM_BARS; i++)
		ck_assert_uint_eq(c->bar_size[i], 0);
	/* Nothing became writable. */
	pci_cfg_write(c, PCI_BASE_ADDRESS_0, 4, 0xffffffff);
	ck_assert_uint_eq(pci_cfg_read(c, PCI_BASE_ADDRESS_0, 4), 0);
	free(c);
}
END_TEST

START_TEST(test_cap_chain)
{
	struct pci_cfg *c = new_cfg();

	ck_assert_uint_eq(pci_cfg_find_cap(c, PCI_CAP_ID_PM), 0);
	ck_assert_uint_eq(pci_cfg_add_cap(c, PCI_CAP_ID_PM, 8), 0x40);
	ck_assert_uint_eq(pci_cfg_add_cap(c, PCI_CAP_ID_MSIX, 12), 0x48);
	ck_assert_uint_eq(pci_cfg_add_cap(c, PCI_CAP_ID_VNDR, 5), 0x54);
	ck_assert_uint_eq(pci_cfg_add_cap(c, PCI_CAP_ID_VNDR, 16), 0x5c);
	ck_assert(pci_cfg_read(c, PCI_STATUS, 2) & PCI_STATUS_CAP_LIST);
	ck_assert_uint_eq(pci_cfg_read(c, PCI_CAPABILITY_LIST, 1), 0x40);
	ck_assert_uint_eq(pci_cfg_read(c, 0x41, 1), 0x48);
	ck_assert_uint_eq(pci_cfg_read(c, 0x49, 1), 0x54);
	ck_assert_uint_eq(pci_cfg_read(c, 0x55, 1), 0x5c);
	ck_assert_uint_eq(pci_cfg_read(c, 0x5d, 1), 0);
	ck_assert_uint_eq(pci_cfg_find_cap(c, PCI_CAP_ID_MSIX), 0x48);
	ck_assert_uint_eq(pci_cfg_find_cap(c, PCI_CAP_ID_VNDR), 0x54);
	ck_assert_uint_eq(pci_cfg_find_cap(c, PCI_CAP_ID_EXP), 0);
	free(c);
}
END_TEST

START_TEST(test_cap_out_of_space)
{
	struct pci_cfg *c = new_cfg();

	ck_assert_uint_eq(pci_cfg_add_cap(c, PCI_CAP_ID_VNDR, 0x80), 0x40);
	ck_assert_uint_eq(pci_cfg_add_cap(c, PCI_CAP_ID_VNDR, 0x44), 0);
	/* Exactly up to 0x100 still fits, then nothing does. */
	ck_assert_uint_eq(pci_cfg_add_cap(c, PCI_CAP_ID_MSIX, 0x40), 0xc0);
	ck_assert_uint_eq(pci_cfg_add_cap(c, PCI_CAP_ID_PM, 4), 0);
	ck_assert_uint_eq(pci_cfg_read(c, 0x41, 1), 0xc0);
	ck_assert_uint_eq(pci_cfg_read(c, 0xc1, 1), 0);
	ck_assert_uint_eq(pci_cfg_find_cap(c, PCI_CAP_ID_PM), 0);
	free(c);
}
END_TEST

START_TEST(test_ext_cap_chain)
{
	struct pci_cfg *c = new_cfg();
	uint32_t hdr;

	ck_assert_uint_eq(pci_cfg_find_ext_cap(c, PCI_EXT_CAP_ID_SRIOV), 0);
	ck_assert_uint_eq(pci_cfg_add_ext_cap(c, PCI_EXT_CAP_ID_SRIOV, 1,
					      PCI_EXT_CAP_SRIOV_SIZEOF, 0),
			  0x100);
	ck_assert_uint_eq(pci_cfg_add_ext_cap(c, PCI_EXT_CAP_ID_ARI, 1, 8, 0),
			  0x140);
	ck_assert_uint_eq(pci_cfg_add_ext_cap(c, PCI_EXT_CAP_ID_DSN, 1, 12,
					      0x200), 0x200);
	hdr = pci_cfg_read(c, 0x100, 4);
	ck_assert_uint_eq(PCI_EXT_CAP_ID(hdr), PCI_EXT_CAP_ID_SRIOV);
	ck_assert_uint_eq(PCI_EXT_CAP_VER(hdr), 1);
	ck_assert_uint_eq(PCI_EXT_CAP_NEXT(hdr), 0x140);
	ck_assert_uint_eq(PCI_EXT_CAP_NEXT(pci_cfg_read(c, 0x140, 4)), 0x200);
	ck_assert_uint_eq(PCI_EXT_CAP_NEXT(pci_cfg_read(c, 0x200, 4)), 0);
	ck_assert_uint_eq(pci_cfg_find_ext_cap(c, PCI_EXT_CAP_ID_ARI), 0x140);
	ck_assert_uint_eq(pci_cfg_find_ext_cap(c, PCI_EXT_CAP_ID_DSN), 0x200);
	ck_assert_uint_eq(pci_cfg_find_ext_cap(c, PCI_EXT_CAP_ID_ACS), 0);
	free(c);
}
END_TEST

START_TEST(test_ext_cap_bad_placement)
{
	struct pci_cfg *c = new_cfg();

	ck_assert_uint_eq(pci_cfg_add_ext_cap(c, PCI_EXT_CAP_ID_ARI, 1, 8,
					      0x80), 0);
	ck_assert_uint_eq(pci_cfg_add_ext_cap(c, PCI_EXT_CAP_ID_ARI, 1, 8,
					      0x102), 0);
	ck_assert_uint_eq(pci_cfg_add_ext_cap(c, PCI_EXT_CAP_ID_ARI, 1, 16,
					      0xff8), 0);
	ck_assert_uint_eq(pci_cfg_add_ext_cap(c, PCI_EXT_CAP_ID_ARI, 1, 8,
					      0x200), 0x200);
	/* Going backwards would corrupt the chain. */
	ck_assert_uint_eq(pci_cfg_add_ext_cap(c, PCI_EXT_CAP_ID_DSN, 1, 12,
					      0x100), 0);
	ck_assert_uint_eq(pci_cfg_add_ext_cap(c, PCI_EXT_CAP_ID_DSN, 1, 3, 0),
			  0);
	free(c);
}
END_TEST

START_TEST(test_access_checks)
{
	struct pci_cfg *c = new_cfg();

	ck_assert(pci_cfg_access_ok(0, 1));
	ck_assert(pci_cfg_access_ok(0, 8));
	ck_assert(pci_cfg_access_ok(4095, 1));
	ck_assert(pci_cfg_access_ok(4092, 4));
	ck_assert(!pci_cfg_access_ok(0, 3));
	ck_assert(!pci_cfg_access_ok(0, 16));
	ck_assert(!pci_cfg_access_ok(0, 0));
	ck_assert(!pci_cfg_access_ok(4095, 2));
	ck_assert(!pci_cfg_access_ok(4096, 1));
	ck_assert(!pci_cfg_access_ok(0xffffffff, 4));
	ck_assert_uint_eq(pci_cfg_read(c, 0, 3), ~0ull);
	ck_assert_uint_eq(pci_cfg_read(c, 4095, 2), ~0ull);
	pci_cfg_write(c, PCI_COMMAND, 3, 0xffffff);
	ck_assert_uint_eq(pci_cfg_read(c, PCI_COMMAND, 2), 0);
	free(c);
}
END_TEST

Suite *pci_cfg_suite(void)
{
	Suite *s = suite_create("pci_cfg");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_ids_read_only);
	tcase_add_test(tc, test_command_writable_bits);
	tcase_add_test(tc, test_status_write_one_to_clear);
	tcase_add_test(tc, test_bar32_sizing);
	tcase_add_test(tc, test_bar64_sizing);
	tcase_add_test(tc, test_bar64_larger_than_4g);
	tcase_add_test(tc, test_bar_invalid);
	tcase_add_test(tc, test_cap_chain);
	tcase_add_test(tc, test_cap_out_of_space);
	tcase_add_test(tc, test_ext_cap_chain);
	tcase_add_test(tc, test_ext_cap_bad_placement);
	tcase_add_test(tc, test_access_checks);
	suite_add_tcase(s, tc);
	return s;
}
