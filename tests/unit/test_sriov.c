// SPDX-License-Identifier: GPL-2.0
/*
 * SR-IOV: the PF's capability registers and how VFs appear, answer and
 * reset (sim/bus/sriov.c, sim/bus/pci_func.c, a virtio-net PF with 3 VFs).
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <linux/pci_regs.h>
#include <linux/virtio_config.h>
#include <linux/virtio_pci.h>

#include "models/virtio_net.h"
#include "helpers.h"

#define TOTAL_VFS 3
#define CTRL_RW (PCI_SRIOV_CTRL_VFE | PCI_SRIOV_CTRL_MSE | PCI_SRIOV_CTRL_ARI)
#define VF_BAR(n) (PCI_SRIOV_BAR + 4 * (n))
#define COMMON(field) (VDEV_COMMON_OFF + \
		       offsetof(struct virtio_pci_common_cfg, field))

Suite *sriov_suite(void);

struct env {
	struct virtio_net *pf;
	struct virtio_net *vf[TOTAL_VFS];
	struct pci_func *pfn;
	uint16_t cap;
};

static void env_init(struct env *e)
{
	struct virtio_net_params p = {
		.name = "pf", .total_vfs = TOTAL_VFS,
		.mac = { 0x52, 0x54, 0x00, 0x00, 0x00, 0x10 },
	};

	memset(e, 0, sizeof(*e));
	e->pf = virtio_net_create(&p);
	ck_assert_ptr_nonnull(e->pf);
	e->pfn = &e->pf->fn;
	e->cap = pci_cfg_find_ext_cap(&e->pfn->cfg, PCI_EXT_CAP_ID_SRIOV);
	ck_assert_uint_ne(e->cap, 0);
	for (unsigned int i = 0; i < TOTAL_VFS; i++) {
		struct virtio_net_params v = {
			.name = i == 0 ? "vf0" : i == 1 ? "vf1" : "vf2",
			.pf = e->pf, .vf_index = i,
			.mac = { 0x52, 0x54, 0x00, 0x00, 0x00, 0x11 + i },
		};

		e->vf[i] = virtio_net_create(&v);
		ck_assert_ptr_nonnull(e->vf[i]);
	}
}

static void env_free(struct env *e)
{
	for (unsigned int i = 0; i < TOTAL_VFS; i++)
		virtio_net_destroy(e->vf[i]);
	virtio_net_destroy(e->pf);
}

static uint64_t sr_rd(struct env *e, uint16_t reg, unsigned int len)
{
	return pci_func_cfg_read(e->pfn, e->cap + reg, len);
}

static void sr_wr(struct env *e, uint16_t reg, unsigned int len, uint64_t v)
{
	pci_func_cfg_write(e->pfn, e->cap + reg, len, v);
}

/* What the PCI core does: VF Enable off, NumVFs, then Control. */
static void vfs_enable(struct env *e, uint16_t num, uint16_t ctrl)
{
	sr_wr(e, PCI_SRIOV_CTRL, 2, 0);
	sr_wr(e, PCI_SRIOV_NUM_VF, 2, num);
	sr_wr(e, PCI_SRIOV_CTRL, 2, ctrl);
}

static struct pci_func *vfn(struct env *e, unsigned int i)
{
	return &e->vf[i]->fn;
}

static void flr(struct pci_func *fn)
{
	pci_func_cfg_write(fn, fn->pcie_cap + PCI_EXP_DEVCTL, 2,
			   PCI_EXP_DEVCTL_BCR_FLR);
}

/* A read-only register keeps its value whatever is written. */
static void assert_ro(struct env *e, uint16_t reg, unsigned int len)
{
	uint64_t before = sr_rd(e, reg, len);

	sr_wr(e, reg, len, ~before);
	ck_assert_msg(sr_rd(e, reg, len) == before,
		      "SR-IOV reg 0x%x changed from 0x%llx", reg,
		      (unsigned long long)before);
}

START_TEST(test_cap_header)
{
	struct env e;
	uint32_t hdr;

	env_init(&e);
	ck_assert_uint_eq(e.cap, 0x100);
	ck_assert_uint_eq(e.cap, SRIOV_CAP_OFF);
	hdr = pci_func_cfg_read(e.pfn, e.cap, 4);
	ck_assert_uint_eq(PCI_EXT_CAP_ID(hdr), PCI_EXT_CAP_ID_SRIOV);
	ck_assert_uint_eq(PCI_EXT_CAP_VER(hdr), 1);
	assert_ro(&e, 0, 4);
	/* No VF Migration: Capabilities 0, and so InitialVFs = TotalVFs. */
	ck_assert_uint_eq(sr_rd(&e, PCI_SRIOV_CAP, 4), 0);
	assert_ro(&e, PCI_SRIOV_CAP, 4);
	ck_assert_uint_eq(e.pf->sriov.total_vfs, TOTAL_VFS);
	env_free(&e);
}
END_TEST

START_TEST(test_vf_counts)
{
	struct env e;

	env_init(&e);
	ck_assert_uint_eq(sr_rd(&e, PCI_SRIOV_TOTAL_VF, 2), TOTAL_VFS);
	ck_assert_uint_eq(sr_rd(&e, PCI_SRIOV_INITIAL_VF, 2),
			  sr_rd(&e, PCI_SRIOV_TOTAL_VF, 2));
	ck_assert_uint_eq(sr_rd(&e, PCI_SRIOV_NUM_VF, 2), 0);
	assert_ro(&e, PCI_SRIOV_TOTAL_VF, 2);
	assert_ro(&e, PCI_SRIOV_INITIAL_VF, 2);
	env_free(&e);
}
END_TEST

START_TEST(test_routing_ids)
{
	struct env e;

	env_init(&e);
	ck_assert_uint_eq(sr_rd(&e, PCI_SRIOV_VF_OFFSET, 2), 8);
	ck_assert_uint_eq(sr_rd(&e, PCI_SRIOV_VF_STRIDE, 2), 8);
	ck_assert_uint_eq(sr_rd(&e, PCI_SRIOV_VF_DID, 2), 0x1041);
	ck_assert_uint_eq(sr_rd(&e, PCI_SRIOV_FUNC_LINK, 1), 0);
	assert_ro(&e, PCI_SRIOV_VF_OFFSET, 2);
	assert_ro(&e, PCI_SRIOV_VF_STRIDE, 2);
	assert_ro(&e, PCI_SRIOV_VF_DID, 2);
	assert_ro(&e, PCI_SRIOV_FUNC_LINK, 1);
	/* ARI does not move the VFs on this bus. */
	sr_wr(&e, PCI_SRIOV_CTRL, 2, PCI_SRIOV_CTRL_ARI);
	ck_assert_uint_eq(sr_rd(&e, PCI_SRIOV_VF_OFFSET, 2), 8);
	ck_assert_uint_eq(sr_rd(&e, PCI_SRIOV_VF_STRIDE, 2), 8);
	env_free(&e);
}
END_TEST

START_TEST(test_page_sizes)
{
	uint32_t sup;
	struct env e;

	env_init(&e);
	sup = sr_rd(&e, PCI_SRIOV_SUP_PGSIZE, 4);
	ck_assert(sup & 1);				/* 4K */
	assert_ro(&e, PCI_SRIOV_SUP_PGSIZE, 4);
	ck_assert_uint_eq(sr_rd(&e, PCI_SRIOV_SYS_PGSIZE, 4), 1);
	for (unsigned int b = 0; b < 32; b++) {
		sr_wr(&e, PCI_SRIOV_SYS_PGSIZE, 4, 1u << b);
		ck_assert_msg(sr_rd(&e, PCI_SRIOV_SYS_PGSIZE, 4) ==
			      (sup & (1u << b)), "page size bit %u", b);
	}
	sr_wr(&e, PCI_SRIOV_SYS_PGSIZE, 4, 0xffffffff);
	ck_assert_uint_eq(sr_rd(&e, PCI_SRIOV_SYS_PGSIZE, 4), sup);
	sr_wr(&e, PCI_SRIOV_SYS_PGSIZE, 4, 1);
	ck_assert_uint_eq(sr_rd(&e, PCI_SRIOV_SYS_PGSIZE, 4), 1);
	env_free(&e);
}
END_TEST

START_TEST(test_control_mask)
{
	struct env e;

	env_init(&e);
	ck_assert_uint_eq(sr_rd(&e, PCI_SRIOV_CTRL, 2), 0);
	sr_wr(&e, PCI_SRIOV_CTRL, 2, 0xffff);
	ck_assert_uint_eq(sr_rd(&e, PCI_SRIOV_CTRL, 2), CTRL_RW);
	ck_assert(e.pf->sriov.enabled);
	for (unsigned int b = 0; b < 16; b++) {
		sr_wr(&e, PCI_SRIOV_CTRL, 2, 1u << b);
		ck_assert_uint_eq(sr_rd(&e, PCI_SRIOV_CTRL, 2),
				  (1u << b) & CTRL_RW);
	}
	sr_wr(&e, PCI_SRIOV_CTRL, 2, 0);
	ck_assert_uint_eq(sr_rd(&e, PCI_SRIOV_CTRL, 2), 0);
	ck_assert(!e.pf->sriov.enabled);
	assert_ro(&e, PCI_SRIOV_STATUS, 2);
	env_free(&e);
}
END_TEST

START_TEST(test_numvfs_frozen_while_enabled)
{
	struct env e;

	env_init(&e);
	sr_wr(&e, PCI_SRIOV_NUM_VF, 2, 2);
	ck_assert_uint_eq(sr_rd(&e, PCI_SRIOV_NUM_VF, 2), 2);
	sr_wr(&e, PCI_SRIOV_NUM_VF, 2, 1);
	ck_assert_uint_eq(sr_rd(&e, PCI_SRIOV_NUM_VF, 2), 1);
	sr_wr(&e, PCI_SRIOV_CTRL, 2, PCI_SRIOV_CTRL_VFE);
	sr_wr(&e, PCI_SRIOV_NUM_VF, 2, 3);
	ck_assert_uint_eq(sr_rd(&e, PCI_SRIOV_NUM_VF, 2), 1);
	ck_assert_uint_eq(e.pf->sriov.num_vfs, 1);
	ck_assert(!pci_func_present(vfn(&e, 1)));
	/* MSE toggled with VFE still set: NumVFs stays frozen. */
	sr_wr(&e, PCI_SRIOV_CTRL, 2, PCI_SRIOV_CTRL_VFE | PCI_SRIOV_CTRL_MSE);
	sr_wr(&e, PCI_SRIOV_NUM_VF, 2, 3);
	ck_assert_uint_eq(sr_rd(&e, PCI_SRIOV_NUM_VF, 2), 1);
	sr_wr(&e, PCI_SRIOV_CTRL, 2, 0);
	sr_wr(&e, PCI_SRIOV_NUM_VF, 2, 3);
	ck_assert_uint_eq(sr_rd(&e, PCI_SRIOV_NUM_VF, 2), 3);
	env_free(&e);
}
END_TEST

START_TEST(test_vf_bars_frozen_while_enabled)
{
	struct env e;

	env_init(&e);
	sr_wr(&e, VF_BAR(0), 4, 0xfe000000);
	ck_assert_uint_eq(sr_rd(&e, VF_BAR(0), 4),
			  0xfe000000 | PCI_BASE_ADDRESS_MEM_TYPE_64);
	sr_wr(&e, PCI_SRIOV_CTRL, 2, PCI_SRIOV_CTRL_VFE);
	sr_wr(&e, VF_BAR(0), 4, 0xffffffff);
	sr_wr(&e, VF_BAR(1), 4, 0xffffffff);
	sr_wr(&e, VF_BAR(2), 4, 0xffffffff);
	ck_assert_uint_eq(sr_rd(&e, VF_BAR(0), 4),
			  0xfe000000 | PCI_BASE_ADDRESS_MEM_TYPE_64);
	ck_assert_uint_eq(sr_rd(&e, VF_BAR(1), 4), 0);
	ck_assert_uint_eq(sr_rd(&e, VF_BAR(2), 4), 0);
	sr_wr(&e, PCI_SRIOV_CTRL, 2, 0);
	sr_wr(&e, VF_BAR(2), 4, 0xffffffff);
	ck_assert_uint_eq(sr_rd(&e, VF_BAR(2), 4), 0xfffff000);
	env_free(&e);
}
END_TEST

START_TEST(test_vf_bar_sizing)
{
	struct env e;

	env_init(&e);
	/* VF BAR0: 64-bit, 16 KiB. */
	ck_assert_uint_eq(sr_rd(&e, VF_BAR(0), 4),
			  PCI_BASE_ADDRESS_MEM_TYPE_64);
	sr_wr(&e, VF_BAR(0), 4, 0xffffffff);
	ck_assert_uint_eq(sr_rd(&e, VF_BAR(0), 4),
			  ~(uint32_t)(VDEV_BAR_SIZE - 1) |
			  PCI_BASE_ADDRESS_MEM_TYPE_64);
	ck_assert_uint_eq(sr_rd(&e, VF_BAR(0), 4), 0xffffc004);
	sr_wr(&e, VF_BAR(1), 4, 0xffffffff);
	ck_assert_uint_eq(sr_rd(&e, VF_BAR(1), 4), 0xffffffff);
	sr_wr(&e, VF_BAR(0), 4, 0x12345678);
	ck_assert_uint_eq(sr_rd(&e, VF_BAR(0), 4), 0x12344004);
	sr_wr(&e, VF_BAR(1), 4, 0x9);
	ck_assert_uint_eq(sr_rd(&e, VF_BAR(1), 4), 0x9);
	/* VF BAR2: 32-bit, 4 KiB. */
	ck_assert_uint_eq(sr_rd(&e, VF_BAR(2), 4),
			  PCI_BASE_ADDRESS_MEM_TYPE_32);
	sr_wr(&e, VF_BAR(2), 4, 0xffffffff);
	ck_assert_uint_eq(sr_rd(&e, VF_BAR(2), 4),
			  ~(uint32_t)(VDEV_MSIX_BAR_SIZE - 1));
	ck_assert_uint_eq(sr_rd(&e, VF_BAR(2), 4), 0xfffff000);
	/* BAR3..5 do not exist: read 0, not sizeable. */
	for (int bar = 3; bar < PCI_SRIOV_NUM_BARS; bar++) {
		sr_wr(&e, VF_BAR(bar), 4, 0xffffffff);
		ck_assert_uint_eq(sr_rd(&e, VF_BAR(bar), 4), 0);
	}
	ck_assert_uint_eq(vfn(&e, 0)->cfg.bar_size[0], VDEV_BAR_SIZE);
	ck_assert_uint_eq(vfn(&e, 0)->cfg.bar_size[2], VDEV_MSIX_BAR_SIZE);
	ck_assert_uint_eq(vfn(&e, 0)->cfg.bar_size[1], 0);
	env_free(&e);
}
END_TEST

START_TEST(test_init_rejects_vf_counts)
{
	struct virtio_net_params p = { .name = "pf", .total_vfs = 8 };
	struct pci_func fn, vf;
	struct sriov s;

	pci_func_init(&fn, "pf");
	pci_cfg_init(&fn.cfg, 0x1af4, 0x1041, 0x02000001, 0x1af4, 1);
	memset(&s, 0, sizeof(s));
	ck_assert_int_eq(sriov_init(&s, &fn, 0, 0x1041), -EINVAL);
	ck_assert_int_eq(sriov_init(&s, &fn, 8, 0x1041), -EINVAL);
	ck_assert_int_eq(sriov_init(&s, &fn, SRIOV_MAX_VFS + 100, 0x1041),
			 -EINVAL);
	ck_assert_uint_eq(pci_cfg_find_ext_cap(&fn.cfg, PCI_EXT_CAP_ID_SRIOV),
			  0);
	ck_assert_ptr_null(fn.sriov);
	ck_assert_ptr_null(virtio_net_create(&p));
	/* 1..7 is fine. */
	ck_assert_int_eq(sriov_init(&s, &fn, 7, 0x1041), 0);
	ck_assert_ptr_eq(fn.sriov, &s);
	ck_assert_uint_eq(pci_cfg_get16(&fn.cfg, s.cap + PCI_SRIOV_TOTAL_VF),
			  7);
	/* VF index beyond TotalVFs, or taken twice. */
	pci_func_init(&vf, "vf");
	ck_assert_int_eq(sriov_add_vf(&s, &vf, 7), -EINVAL);
	ck_assert_int_eq(sriov_add_vf(&s, &vf, 6), 0);
	ck_assert_int_eq(sriov_add_vf(&s, &vf, 6), -EINVAL);
	ck_assert_int_eq(sriov_set_vf_bar(&s, 0, PCI_BAR_MEM32, 2048),
			 -EINVAL);
}
END_TEST

START_TEST(test_vf_create_bad_index)
{
	struct env e;
	struct virtio_net_params v = { .name = "vfx" };

	env_init(&e);
	v.pf = e.pf;
	v.vf_index = TOTAL_VFS;
	ck_assert_ptr_null(virtio_net_create(&v));
	v.vf_index = 1;		/* taken */
	ck_assert_ptr_null(virtio_net_create(&v));
	v.total_vfs = 1;	/* a VF has no VFs */
	ck_assert_ptr_null(virtio_net_create(&v));
	env_free(&e);
}
END_TEST

static void assert_dead_cfg(struct pci_func *fn)
{
	ck_assert(!pci_func_present(fn));
	ck_assert_uint_eq(pci_func_cfg_read(fn, PCI_VENDOR_ID, 4), 0xffffffff);
	ck_assert_uint_eq(pci_func_cfg_read(fn, PCI_CLASS_REVISION, 4),
			  0xffffffff);
	ck_assert_uint_eq(pci_func_cfg_read(fn, PCI_CAPABILITY_LIST, 1), 0xff);
	ck_assert_uint_eq(pci_func_cfg_read(fn, PCI_COMMAND, 2), 0xffff);
	ck_assert_uint_eq(pci_func_cfg_read(fn, 0x40, 8), ~0ull);
	ck_assert_uint_eq(pci_func_cfg_read(fn, 0x100, 4), 0xffffffff);
}

static void assert_live_cfg(struct pci_func *fn)
{
	uint8_t ptr;

	ck_assert(pci_func_present(fn));
	/* A VF's vendor/device read all-ones even when enabled (spec). */
	ck_assert_uint_eq(pci_func_cfg_read(fn, PCI_VENDOR_ID, 4), 0xffffffff);
	ck_assert_uint_eq(pci_func_cfg_read(fn, PCI_CLASS_REVISION, 4),
			  0x02000001);
	ck_assert_uint_eq(pci_func_cfg_read(fn, PCI_CLASS_DEVICE, 2), 0x0200);
	ck_assert_uint_eq(pci_func_cfg_read(fn, PCI_HEADER_TYPE, 1),
			  PCI_HEADER_TYPE_NORMAL);
	ck_assert(pci_func_cfg_read(fn, PCI_STATUS, 2) & PCI_STATUS_CAP_LIST);
	ptr = pci_func_cfg_read(fn, PCI_CAPABILITY_LIST, 1);
	ck_assert_uint_ge(ptr, 0x40);
	ck_assert_uint_ne(ptr, 0xff);
	ck_assert_uint_eq(ptr, pci_cfg_get8(&fn->cfg, PCI_CAPABILITY_LIST));
	ck_assert_uint_eq(pci_func_cfg_read(fn, fn->pcie_cap, 1),
			  PCI_CAP_ID_EXP);
	/* Its own BAR registers read 0: the PF's VF BARs place it. */
	ck_assert_uint_eq(pci_func_cfg_read(fn, PCI_BASE_ADDRESS_0, 4), 0);
	pci_func_cfg_write(fn, PCI_BASE_ADDRESS_0, 4, 0xffffffff);
	ck_assert_uint_eq(pci_func_cfg_read(fn, PCI_BASE_ADDRESS_0, 4), 0);
}

START_TEST(test_vf_presence)
{
	struct env e;

	env_init(&e);
	for (unsigned int i = 0; i < TOTAL_VFS; i++)
		assert_dead_cfg(vfn(&e, i));
	/* VF Enable with NumVFs 0: nobody. */
	sr_wr(&e, PCI_SRIOV_CTRL, 2, PCI_SRIOV_CTRL_VFE);
	for (unsigned int i = 0; i < TOTAL_VFS; i++)
		assert_dead_cfg(vfn(&e, i));
	/* NumVFs 2: VF0 and VF1, not VF2 (n >= NumVFs). */
	vfs_enable(&e, 2, PCI_SRIOV_CTRL_VFE);
	assert_live_cfg(vfn(&e, 0));
	assert_live_cfg(vfn(&e, 1));
	assert_dead_cfg(vfn(&e, 2));
	/* NumVFs set but VF Enable clear: nobody. */
	sr_wr(&e, PCI_SRIOV_CTRL, 2, 0);
	ck_assert_uint_eq(sr_rd(&e, PCI_SRIOV_NUM_VF, 2), 2);
	for (unsigned int i = 0; i < TOTAL_VFS; i++)
		assert_dead_cfg(vfn(&e, i));
	vfs_enable(&e, TOTAL_VFS, PCI_SRIOV_CTRL_VFE);
	for (unsigned int i = 0; i < TOTAL_VFS; i++)
		assert_live_cfg(vfn(&e, i));
	env_free(&e);
}
END_TEST

START_TEST(test_dead_vf_ignores_cfg_writes)
{
	struct pci_func *fn;
	struct env e;

	env_init(&e);
	fn = vfn(&e, 0);
	pci_func_cfg_write(fn, PCI_CACHE_LINE_SIZE, 1, 0x10);
	pci_func_cfg_write(fn, PCI_INTERRUPT_LINE, 1, 0x0b);
	ck_assert_uint_eq(fn->blocked, 2);
	/* NumVFs 1: VF0 comes alive, VF1 (n >= NumVFs) stays dead. */
	vfs_enable(&e, 1, PCI_SRIOV_CTRL_VFE);
	pci_func_cfg_write(vfn(&e, 1), PCI_CACHE_LINE_SIZE, 1, 0x20);
	ck_assert_uint_eq(vfn(&e, 1)->blocked, 1);
	ck_assert_uint_eq(pci_func_cfg_read(fn, PCI_CACHE_LINE_SIZE, 1), 0);
	ck_assert_uint_eq(pci_func_cfg_read(fn, PCI_INTERRUPT_LINE, 1), 0);
	/* Alive, the same writes land. */
	pci_func_cfg_write(fn, PCI_CACHE_LINE_SIZE, 1, 0x10);
	ck_assert_uint_eq(pci_func_cfg_read(fn, PCI_CACHE_LINE_SIZE, 1), 0x10);
	ck_assert_uint_eq(fn->blocked, 2);
	vfs_enable(&e, 2, PCI_SRIOV_CTRL_VFE);
	ck_assert_uint_eq(pci_func_cfg_read(vfn(&e, 1), PCI_CACHE_LINE_SIZE,
					    1), 0);
	env_free(&e);
}
END_TEST

START_TEST(test_dead_vf_bar_all_ones)
{
	struct pci_func *fn;
	uint8_t b[64];
	struct env e;

	env_init(&e);
	fn = vfn(&e, 0);
	/* VF MSE alone does not bring a VF to life. */
	sr_wr(&e, PCI_SRIOV_CTRL, 2, PCI_SRIOV_CTRL_MSE);
	ck_assert_uint_eq(bar_rd(fn, VDEV_BAR, COMMON(num_queues), 2), 0xffff);
	ck_assert_uint_eq(bar_rd(fn, VDEV_BAR, COMMON(device_status), 1), 0xff);
	ck_assert_uint_eq(bar_rd(fn, VDEV_BAR, VDEV_DEVCFG_OFF, 8), ~0ull);
	ck_assert_uint_eq(bar_rd(fn, VDEV_MSIX_BAR, 0, 4), 0xffffffff);
	memset(b, 0, sizeof(b));
	ck_assert_int_eq(pci_func_bar_read(fn, VDEV_BAR, 0, b, sizeof(b)), 0);
	for (size_t i = 0; i < sizeof(b); i++)
		ck_assert_uint_eq(b[i], 0xff);
	bar_wr(fn, VDEV_BAR, COMMON(device_status), 1,
	       VIRTIO_CONFIG_S_ACKNOWLEDGE);
	ck_assert_uint_eq(e.vf[0]->vdev.status, 0);
	ck_assert_uint_eq(e.vf[0]->vdev.accesses, 0);
	ck_assert_uint_ge(fn->blocked, 6);
	env_free(&e);
}
END_TEST

START_TEST(test_vf_bar_needs_vf_mse)
{
	struct pci_func *fn;
	struct env e;

	env_init(&e);
	fn = vfn(&e, 0);
	vfs_enable(&e, 2, PCI_SRIOV_CTRL_VFE);
	ck_assert(pci_func_present(fn));
	ck_assert_uint_eq(bar_rd(fn, VDEV_BAR, COMMON(num_queues), 2), 0xffff);
	bar_wr(fn, VDEV_BAR, COMMON(device_status), 1,
	       VIRTIO_CONFIG_S_ACKNOWLEDGE);
	ck_assert_uint_eq(e.vf[0]->vdev.status, 0);
	/* The VF's own Command.MEM does not count for a VF. */
	pci_enable_mem(fn);
	ck_assert_uint_eq(bar_rd(fn, VDEV_BAR, COMMON(num_queues), 2), 0xffff);
	sr_wr(&e, PCI_SRIOV_CTRL, 2, PCI_SRIOV_CTRL_VFE | PCI_SRIOV_CTRL_MSE);
	ck_assert_uint_eq(bar_rd(fn, VDEV_BAR, COMMON(num_queues), 2), 2);
	bar_wr(fn, VDEV_BAR, COMMON(device_status), 1,
	       VIRTIO_CONFIG_S_ACKNOWLEDGE);
	ck_assert_uint_eq(bar_rd(fn, VDEV_BAR, COMMON(device_status), 1),
			  VIRTIO_CONFIG_S_ACKNOWLEDGE);
	ck_assert_uint_eq(bar_rd(fn, VDEV_BAR, VDEV_DEVCFG_OFF + 5, 1), 0x11);
	/* MSE off again: all-ones, but no reset (VF Enable unchanged). */
	sr_wr(&e, PCI_SRIOV_CTRL, 2, PCI_SRIOV_CTRL_VFE);
	ck_assert_uint_eq(bar_rd(fn, VDEV_BAR, COMMON(device_status), 1), 0xff);
	ck_assert_uint_eq(e.vf[0]->vdev.status, VIRTIO_CONFIG_S_ACKNOWLEDGE);
	env_free(&e);
}
END_TEST

START_TEST(test_enable_resets_vfs)
{
	const uint8_t st = VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER;
	struct pci_func *fn;
	struct env e;

	env_init(&e);
	fn = vfn(&e, 0);
	vfs_enable(&e, 2, PCI_SRIOV_CTRL_VFE | PCI_SRIOV_CTRL_MSE);
	ck_assert_uint_eq(e.pf->sriov.enables, 1);
	bar_wr(fn, VDEV_BAR, COMMON(device_status), 1, st);
	bar_wr(fn, VDEV_BAR, COMMON(msix_config), 2, 1);
	msix_enable(fn, true);
	pci_func_cfg_write(fn, PCI_COMMAND, 2, PCI_COMMAND_MASTER);
	ck_assert_uint_eq(bar_rd(fn, VDEV_BAR, COMMON(device_status), 1), st);
	ck_assert_uint_eq(pci_func_cfg_read(fn, fn->msix.cap + PCI_MSIX_FLAGS,
					    2) &
			  (PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL),
			  PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL);
	/* Off: the VF dies with power-on state... */
	sr_wr(&e, PCI_SRIOV_CTRL, 2, PCI_SRIOV_CTRL_MSE);
	ck_assert_uint_eq(e.vf[0]->vdev.status, 0);
	ck_assert(!msix_enabled(fn));
	/* ...and comes back with it. */
	sr_wr(&e, PCI_SRIOV_CTRL, 2, PCI_SRIOV_CTRL_VFE | PCI_SRIOV_CTRL_MSE);
	ck_assert_uint_eq(e.pf->sriov.enables, 2);
	ck_assert_uint_eq(e.pf->sriov.disables, 1);
	ck_assert_uint_eq(bar_rd(fn, VDEV_BAR, COMMON(device_status), 1), 0);
	ck_assert_uint_eq(bar_rd(fn, VDEV_BAR, COMMON(msix_config), 2),
			  VIRTIO_MSI_NO_VECTOR);
	ck_assert_uint_eq(pci_func_cfg_read(fn, fn->msix.cap + PCI_MSIX_FLAGS,
					    2) &
			  (PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL), 0);
	ck_assert_uint_eq(pci_func_cfg_read(fn, PCI_COMMAND, 2), 0);
	env_free(&e);
}
END_TEST

START_TEST(test_pf_flr_disables_vfs)
{
	struct env e;

	env_init(&e);
	ck_assert(pci_func_cfg_read(e.pfn, e.pfn->pcie_cap + PCI_EXP_DEVCAP,
				    4) & PCI_EXP_DEVCAP_FLR);
	vfs_enable(&e, 2, PCI_SRIOV_CTRL_VFE | PCI_SRIOV_CTRL_MSE);
	bar_wr(vfn(&e, 1), VDEV_BAR, COMMON(device_status), 1,
	       VIRTIO_CONFIG_S_ACKNOWLEDGE);
	flr(e.pfn);
	ck_assert_uint_eq(e.pfn->flrs, 1);
	ck_assert_uint_eq(sr_rd(&e, PCI_SRIOV_CTRL, 2), 0);
	ck_assert_uint_eq(sr_rd(&e, PCI_SRIOV_NUM_VF, 2), 0);
	ck_assert(!e.pf->sriov.enabled);
	assert_dead_cfg(vfn(&e, 0));
	assert_dead_cfg(vfn(&e, 1));
	ck_assert_uint_eq(e.vf[1]->vdev.status, 0);
	/* The FLR bit reads 0 and NumVFs is writable again. */
	ck_assert_uint_eq(pci_func_cfg_read(e.pfn, e.pfn->pcie_cap +
					    PCI_EXP_DEVCTL, 2) &
			  PCI_EXP_DEVCTL_BCR_FLR, 0);
	sr_wr(&e, PCI_SRIOV_NUM_VF, 2, 1);
	ck_assert_uint_eq(sr_rd(&e, PCI_SRIOV_NUM_VF, 2), 1);
	/* The capability itself survives the reset. */
	ck_assert_uint_eq(sr_rd(&e, PCI_SRIOV_TOTAL_VF, 2), TOTAL_VFS);
	ck_assert_uint_eq(sr_rd(&e, PCI_SRIOV_VF_DID, 2), 0x1041);
	env_free(&e);
}
END_TEST

/* A posted write the guest queued to a VF before clearing VF Enable. */
static unsigned int flushed[TOTAL_VFS];

static void queued_write(void *bus, struct pci_func *vf)
{
	(void)bus;
	flushed[vf->vf_index]++;
	bar_wr(vf, VDEV_BAR, COMMON(device_status), 1, 0);
}

START_TEST(test_disable_flushes_vfs_first)
{
	struct env e;

	env_init(&e);
	memset(flushed, 0, sizeof(flushed));
	for (unsigned int i = 0; i < TOTAL_VFS; i++)
		vfn(&e, i)->tp.flush = queued_write;
	vfs_enable(&e, 2, PCI_SRIOV_CTRL_VFE | PCI_SRIOV_CTRL_MSE);
	ck_assert_uint_eq(flushed[0] + flushed[1] + flushed[2], 0);
	sr_wr(&e, PCI_SRIOV_CTRL, 2, 0);
	/* Each enabled VF's queue is served while it still decodes. */
	ck_assert_uint_eq(flushed[0], 1);
	ck_assert_uint_eq(flushed[1], 1);
	ck_assert_uint_eq(flushed[2], 0);
	ck_assert_uint_eq(vfn(&e, 0)->blocked, 0);
	ck_assert_uint_eq(vfn(&e, 1)->blocked, 0);
	assert_dead_cfg(vfn(&e, 1));
	env_free(&e);
}
END_TEST

START_TEST(test_vf_flr)
{
	const uint8_t st = VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER;
	struct pci_func *fn, *other;
	uint64_t resets;
	struct env e;

	env_init(&e);
	fn = vfn(&e, 0);
	other = vfn(&e, 1);
	/* FLR of a dead VF: nobody there to reset. */
	flr(fn);
	ck_assert_uint_eq(fn->flrs, 0);
	vfs_enable(&e, 2, PCI_SRIOV_CTRL_VFE | PCI_SRIOV_CTRL_MSE);
	ck_assert(pci_func_cfg_read(fn, fn->pcie_cap + PCI_EXP_DEVCAP, 4) &
		  PCI_EXP_DEVCAP_FLR);
	bar_wr(fn, VDEV_BAR, COMMON(device_status), 1, st);
	bar_wr(fn, VDEV_BAR, COMMON(queue_select), 2, 1);
	bar_wr(fn, VDEV_BAR, COMMON(queue_size), 2, 16);
	bar_wr(other, VDEV_BAR, COMMON(device_status), 1, st);
	msix_enable(fn, false);
	resets = e.vf[0]->vdev.resets;
	flr(fn);
	ck_assert_uint_eq(fn->flrs, 1);
	ck_assert_uint_eq(e.vf[0]->vdev.resets, resets + 1);
	ck_assert_uint_eq(bar_rd(fn, VDEV_BAR, COMMON(device_status), 1), 0);
	ck_assert_uint_eq(bar_rd(fn, VDEV_BAR, COMMON(queue_select), 2), 0);
	bar_wr(fn, VDEV_BAR, COMMON(queue_select), 2, 1);
	ck_assert_uint_eq(bar_rd(fn, VDEV_BAR, COMMON(queue_size), 2),
			  VDEV_QUEUE_MAX_SIZE);
	ck_assert(!msix_enabled(fn));
	ck_assert_uint_eq(pci_func_cfg_read(fn, fn->pcie_cap + PCI_EXP_DEVCTL,
					    2) & PCI_EXP_DEVCTL_BCR_FLR, 0);
	/* Only that VF: its sibling and the PF's SR-IOV state stay. */
	ck_assert_uint_eq(other->flrs, 0);
	ck_assert_uint_eq(bar_rd(other, VDEV_BAR, COMMON(device_status), 1),
			  st);
	ck_assert_uint_eq(sr_rd(&e, PCI_SRIOV_CTRL, 2),
			  PCI_SRIOV_CTRL_VFE | PCI_SRIOV_CTRL_MSE);
	ck_assert_uint_eq(e.pfn->flrs, 0);
	flr(fn);
	ck_assert_uint_eq(fn->flrs, 2);
	env_free(&e);
}
END_TEST


/* --- faults on VFs: armed before a VF exists, kept across its resets --- */

static struct fault *arm(struct env *e, struct fault_set *fs,
			 const char *text)
{
	struct fault f;
	char err[160];

	ck_assert_msg(!fault_parse(text, &f, err, sizeof(err)), "%s", err);
	ck_assert_int_eq(fault_arm(fs, &f), 0);
	e->pfn->faults = fs;
	for (unsigned int i = 0; i < TOTAL_VFS; i++)
		vfn(e, i)->faults = fs;
	return &fs->f[fs->n - 1];
}

/* "The first N reads" are the first N the VF answers, after VF Enable. */
START_TEST(test_fault_waits_for_vf)
{
	struct fault_set fs;
	struct fault *f;
	struct env e;

	env_init(&e);
	fault_set_init(&fs, 1);
	f = arm(&e, &fs, "cfg-ones fn=vf0 count=2");
	ck_assert_uint_eq(pci_func_cfg_read(vfn(&e, 0), PCI_HEADER_TYPE, 1),
			  0xff);
	ck_assert_uint_eq(f->seen, 0);		/* not there: not counted */
	vfs_enable(&e, 2, PCI_SRIOV_CTRL_VFE);
	ck_assert_uint_eq(pci_func_cfg_read(vfn(&e, 0), PCI_CLASS_REVISION,
					    4), 0xffffffff);
	ck_assert_uint_eq(pci_func_cfg_read(vfn(&e, 1), PCI_HEADER_TYPE, 1),
			  0);			/* another VF: untouched */
	ck_assert_uint_eq(pci_func_cfg_read(vfn(&e, 0), PCI_HEADER_TYPE, 1),
			  0xff);
	ck_assert_uint_eq(pci_func_cfg_read(vfn(&e, 0), PCI_HEADER_TYPE, 1),
			  0);			/* answers from the third read on */
	ck_assert_uint_eq(f->fired, 2);
	env_free(&e);
}
END_TEST

/* A register override stays through VF Enable, FLR and PF reset. */
START_TEST(test_cfg_value_survives_resets)
{
	struct fault_set fs;
	struct pci_func *fn;
	struct env e;

	env_init(&e);
	fn = vfn(&e, 1);
	fault_set_init(&fs, 1);
	arm(&e, &fs, "cfg-value fn=vf1 off=0xe len=1 val=0x7f");
	vfs_enable(&e, 2, PCI_SRIOV_CTRL_VFE);
	ck_assert_uint_eq(pci_func_cfg_read(fn, PCI_HEADER_TYPE, 1), 0x7f);
	/* A wider read sees the byte in place and the others as they are. */
	ck_assert_uint_eq(pci_func_cfg_read(fn, PCI_CACHE_LINE_SIZE, 4),
			  0x7f0000);
	ck_assert_uint_eq(pci_func_cfg_read(vfn(&e, 0), PCI_HEADER_TYPE, 1),
			  0);
	flr(fn);
	ck_assert_uint_eq(fn->flrs, 1);
	ck_assert_uint_eq(pci_func_cfg_read(fn, PCI_HEADER_TYPE, 1), 0x7f);
	flr(e.pfn);			/* VF Enable off: the VF is gone */
	vfs_enable(&e, 2, PCI_SRIOV_CTRL_VFE);
	ck_assert_uint_eq(pci_func_cfg_read(fn, PCI_HEADER_TYPE, 1), 0x7f);
	/* Writes still reach the register file underneath. */
	pci_func_cfg_write(fn, PCI_CACHE_LINE_SIZE, 1, 0x10);
	ck_assert_uint_eq(pci_func_cfg_read(fn, PCI_CACHE_LINE_SIZE, 4),
			  0x7f0010);
	fault_disarm(&fs, FAULT_CFG_VALUE);
	ck_assert_uint_eq(pci_func_cfg_read(fn, PCI_HEADER_TYPE, 1), 0);
	env_free(&e);
}
END_TEST

/* The last capability in the list, and its next pointer. */
static uint8_t last_cap(struct pci_func *fn, uint8_t *next)
{
	uint8_t pos = pci_func_cfg_read(fn, PCI_CAPABILITY_LIST, 1), last = 0;

	for (int ttl = 48; pos >= 0x40 && ttl--;) {
		last = pos;
		pos = pci_func_cfg_read(fn, pos + PCI_CAP_LIST_NEXT, 1);
		if (pos == *next)
			break;
	}
	*next = pos;
	return last;
}

START_TEST(test_cap_next)
{
	struct fault_set fs;
	struct pci_func *fn;
	uint8_t first, last, next = 0;
	uint32_t hdr;
	struct env e;

	env_init(&e);
	fn = vfn(&e, 0);
	vfs_enable(&e, 1, PCI_SRIOV_CTRL_VFE);
	first = pci_func_cfg_read(fn, PCI_CAPABILITY_LIST, 1);
	last = last_cap(fn, &next);
	ck_assert_uint_eq(next, 0);
	ck_assert_uint_eq(last, fn->cfg.last_cap);
	fault_set_init(&fs, 1);
	arm(&e, &fs, "cap-next fn=vf0 ptr=first");
	next = first;
	ck_assert_uint_eq(last_cap(fn, &next), last);
	ck_assert_uint_eq(next, first);		/* a loop */
	fault_disarm(&fs, FAULT_CAP_NEXT);
	arm(&e, &fs, "cap-next fn=vf0 ptr=self");
	ck_assert_uint_eq(pci_func_cfg_read(fn, last + PCI_CAP_LIST_NEXT, 1),
			  last);
	fault_disarm(&fs, FAULT_CAP_NEXT);
	arm(&e, &fs, "cap-next fn=vf0 ptr=0x10");
	ck_assert_uint_eq(pci_func_cfg_read(fn, last + PCI_CAP_LIST_NEXT, 1),
			  0x10);
	/* The byte before it (the capability ID) is left alone. */
	ck_assert_uint_eq(pci_func_cfg_read(fn, last, 1), PCI_CAP_ID_VNDR);
	/* Extended: the PF's last one points back to 0x100. */
	arm(&e, &fs, "cap-next fn=pf ptr=first ext=1");
	hdr = pci_func_cfg_read(e.pfn, e.pfn->cfg.last_ext, 4);
	ck_assert_uint_eq(PCI_EXT_CAP_NEXT(hdr), 0x100);
	ck_assert_uint_eq(PCI_EXT_CAP_ID(hdr),
			  PCI_EXT_CAP_ID(pci_cfg_get32(&e.pfn->cfg,
						       e.pfn->cfg.last_ext)));
	env_free(&e);
}
END_TEST

/*
 * The transport posts writes: a VF's write queued before the PF's write
 * that clears VF Enable is served first (tp.flush), not counted blocked.
 */
static struct pci_func *pending_fn;

static void fake_flush(void *bus, struct pci_func *vf)
{
	(void)bus;
	(void)vf;
	if (pending_fn)
		pci_func_cfg_write(pending_fn, PCI_COMMAND, 2, 0);
	pending_fn = NULL;
}

START_TEST(test_posted_vf_write_before_disable)
{
	struct pci_func *fn;
	struct env e;

	env_init(&e);
	fn = vfn(&e, 1);
	fn->tp.flush = fake_flush;
	vfs_enable(&e, 2, PCI_SRIOV_CTRL_VFE);
	pending_fn = fn;	/* the guest's write, not yet served */
	sr_wr(&e, PCI_SRIOV_CTRL, 2, 0);
	ck_assert_ptr_null(pending_fn);
	ck_assert_uint_eq(fn->blocked, 0);
	/* A write really made after the disable is blocked. */
	pci_func_cfg_write(fn, PCI_COMMAND, 2, 0);
	ck_assert_uint_eq(fn->blocked, 1);
	env_free(&e);
}
END_TEST

Suite *sriov_suite(void)
{
	Suite *s = suite_create("sriov");
	TCase *tr = tcase_create("registers");
	TCase *tv = tcase_create("vfs");

	tcase_add_test(tr, test_cap_header);
	tcase_add_test(tr, test_vf_counts);
	tcase_add_test(tr, test_routing_ids);
	tcase_add_test(tr, test_page_sizes);
	tcase_add_test(tr, test_control_mask);
	tcase_add_test(tr, test_numvfs_frozen_while_enabled);
	tcase_add_test(tr, test_vf_bars_frozen_while_enabled);
	tcase_add_test(tr, test_vf_bar_sizing);
	tcase_add_test(tr, test_init_rejects_vf_counts);
	suite_add_tcase(s, tr);
	tcase_add_test(tv, test_vf_create_bad_index);
	tcase_add_test(tv, test_vf_presence);
	tcase_add_test(tv, test_dead_vf_ignores_cfg_writes);
	tcase_add_test(tv, test_dead_vf_bar_all_ones);
	tcase_add_test(tv, test_vf_bar_needs_vf_mse);
	tcase_add_test(tv, test_enable_resets_vfs);
	tcase_add_test(tv, test_pf_flr_disables_vfs);
	tcase_add_test(tv, test_vf_flr);
	tcase_add_test(tv, test_disable_flushes_vfs_first);
	tcase_add_test(tv, test_fault_waits_for_vf);
	tcase_add_test(tv, test_cfg_value_survives_resets);
	tcase_add_test(tv, test_cap_next);
	tcase_add_test(tv, test_posted_vf_write_before_disable);
	suite_add_tcase(s, tv);
	return s;
}
