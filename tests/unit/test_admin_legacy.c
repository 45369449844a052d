// SPDX-License-Identifier: GPL-2.0
/*
 * The legacy-access admin commands (virtio 1.3, 2.12.1.3) a virtio-net PF
 * serves for its VFs, as Linux's virtio_pci_admin_legacy_io.c sends them
 * for virtio-vfio-pci's emulated I/O BAR0: every command good, short,
 * oversized, for a bad member, and with offsets and sizes that do not fit
 * the register layout; then a legacy driver's whole bring-up and a packet
 * sent through the doorbell LEGACY_NOTIFY_INFO names.
 */
#include <stdlib.h>
#include <string.h>
#include <linux/pci_regs.h>
#include <linux/virtio_config.h>
#include <linux/virtio_net.h>
#include <linux/virtio_pci.h>

#include "models/virtio_pci_legacy.h"
#include "admin_env.h"

#define C_WRITE VIRTIO_ADMIN_CMD_LEGACY_COMMON_CFG_WRITE
#define C_READ VIRTIO_ADMIN_CMD_LEGACY_COMMON_CFG_READ
#define D_WRITE VIRTIO_ADMIN_CMD_LEGACY_DEV_CFG_WRITE
#define D_READ VIRTIO_ADMIN_CMD_LEGACY_DEV_CFG_READ
#define NOTIFY_INFO VIRTIO_ADMIN_CMD_LEGACY_NOTIFY_INFO
#define LEGACY_CMDS (1ull << C_WRITE | 1ull << C_READ | 1ull << D_WRITE | \
		     1ull << D_READ | 1ull << NOTIFY_INFO)
#define PFN_RX ((TMEM_GPA + 0x10000) >> 12)
#define PFN_TX ((TMEM_GPA + 0x20000) >> 12)
#define PKT_GPA (TMEM_GPA + 0x30000)
#define MSI_ADDR 0xfee00000ull
#define MAC0 { 0x52, 0x54, 0x00, 0x00, 0x01, 0x01 }

Suite *admin_legacy_suite(void);

/* LEGACY_*_CFG_WRITE of @len bytes of @v at @off. */
static struct res wr(struct env *e, uint16_t op, uint64_t member,
		     uint8_t off, unsigned int len, uint64_t v)
{
	uint8_t d[ADMIN_LEGACY_WR_HDR + 32] = { off };

	ck_assert_uint_le(len, 32);
	for (unsigned int i = 0; i < len && i < 8; i++)
		d[ADMIN_LEGACY_WR_HDR + i] = v >> (8 * i);
	return exec(e, op, SRIOV, member, d, ADMIN_LEGACY_WR_HDR + len, NULL,
		    0);
}

/* LEGACY_*_CFG_READ of @len bytes at @off into *@v. */
static struct res rd(struct env *e, uint16_t op, uint64_t member,
		     uint8_t off, unsigned int len, uint64_t *v)
{
	uint8_t out[16];
	struct res r;

	memset(out, 0xee, sizeof(out));
	r = exec(e, op, SRIOV, member, &off, 1, out, len);
	*v = 0;
	for (unsigned int i = 0; !r.status && i < len && i < 8; i++)
		*v |= (uint64_t)out[i] << (8 * i);
	if (!r.status)
		ck_assert_uint_eq(r.len, len);
	return r;
}

static uint64_t rd_ok(struct env *e, uint16_t op, uint8_t off,
		      unsigned int len)
{
	uint64_t v;

	assert_ok(rd(e, op, 1, off, len, &v));
	return v;
}

static void wr_ok(struct env *e, uint16_t op, uint8_t off, unsigned int len,
		  uint64_t v)
{
	assert_ok(wr(e, op, 1, off, len, v));
}

static uint64_t list_query(struct env *e)
{
	uint64_t bits = 0;

	assert_ok(exec(e, VIRTIO_ADMIN_CMD_LIST_QUERY, SRIOV, 0, NULL, 0,
		       &bits, 8));
	return bits;
}

/* What Linux does at DRIVER_OK: LIST_QUERY, then LIST_USE of its bitmap. */
static void driver_setup(struct env *e, uint64_t use)
{
	use &= list_query(e);
	assert_ok(exec(e, VIRTIO_ADMIN_CMD_LIST_USE, SRIOV, 0, &use, 8, NULL,
		       0));
}

static void env_init_legacy(struct env *e, bool legacy, uint16_t numvfs)
{
	const struct env_params p = { .legacy = legacy, .parts_limit = 4 };

	env_create(e, &p);
	vfs_enable(e, numvfs);
	driver_setup(e, ~0ull);
}

static void env_init(struct env *e)
{
	env_init_legacy(e, true, 2);
}

START_TEST(test_advertised_only_when_enabled)
{
	struct env e;
	uint64_t v;

	env_init_legacy(&e, false, 2);
	ck_assert_uint_eq(list_query(&e) & LEGACY_CMDS, 0);
	assert_res(rd(&e, C_READ, 1, 0, 4, &v), ADMIN_STATUS_EOPNOTSUPP,
		   ADMIN_Q_INVALID_OPCODE);
	env_free(&e);
	env_init(&e);
	ck_assert_uint_eq(list_query(&e) & LEGACY_CMDS, LEGACY_CMDS);
	env_free(&e);
}
END_TEST

/* Offered but not in LIST_USE's bitmap: refused like any unused command. */
START_TEST(test_needs_list_use)
{
	struct env e;
	uint64_t v;

	env_init(&e);
	driver_setup(&e, ~LEGACY_CMDS);
	assert_res(rd(&e, C_READ, 1, 0, 4, &v), ADMIN_STATUS_EOPNOTSUPP,
		   ADMIN_Q_INVALID_OPCODE);
	env_free(&e);
}
END_TEST

/* The owner hardwires VF BAR0 to zero; the structures move to BAR2. */
START_TEST(test_vf_bar0_hardwired)
{
	struct env e;
	uint16_t bar0 = PCI_SRIOV_BAR, bar2 = PCI_SRIOV_BAR + 8;
	struct pci_func *pf;

	env_init(&e);
	pf = &e.pf->fn;
	vfs_enable(&e, 0);
	sr_wr(&e, PCI_SRIOV_CTRL, 0);
	pci_func_cfg_write(pf, e.cap + bar0, 4, 0xffffffff);
	ck_assert_uint_eq(pci_func_cfg_read(pf, e.cap + bar0, 4), 0);
	pci_func_cfg_write(pf, e.cap + bar2, 4, 0xffffffff);
	ck_assert_uint_eq(pci_func_cfg_read(pf, e.cap + bar2, 4),
			  (uint32_t)~(VDEV_BAR_SIZE - 1) |
			  PCI_BASE_ADDRESS_MEM_TYPE_64);
	ck_assert_uint_eq(e.vf[0]->vdev.bar, VDEV_NO_BAR0_BAR);
	ck_assert_uint_eq(e.vf[0]->fn.msix.bar, VDEV_NO_BAR0_MSIX_BAR);
	ck_assert_uint_eq(e.pf->vdev.bar, VDEV_BAR);
	env_free(&e);
}
END_TEST

START_TEST(test_common_read)
{
	struct env e;

	env_init(&e);
	ck_assert_uint_eq(rd_ok(&e, C_READ, VIRTIO_PCI_HOST_FEATURES, 4),
			  (uint32_t)e.vf[0]->vdev.host_features);
	ck_assert_uint_eq(rd_ok(&e, C_READ, VIRTIO_PCI_HOST_FEATURES + 2, 1),
			  (uint8_t)(e.vf[0]->vdev.host_features >> 16));
	ck_assert_uint_eq(rd_ok(&e, C_READ, VIRTIO_PCI_QUEUE_NUM, 2),
			  VDEV_QUEUE_MAX_SIZE);
	ck_assert_uint_eq(rd_ok(&e, C_READ, VIRTIO_PCI_QUEUE_PFN, 4), 0);
	ck_assert_uint_eq(rd_ok(&e, C_READ, VIRTIO_PCI_STATUS, 1), 0);
	wr_ok(&e, C_WRITE, VIRTIO_PCI_QUEUE_SEL, 2, 5);	/* no queue 5 */
	ck_assert_uint_eq(rd_ok(&e, C_READ, VIRTIO_PCI_QUEUE_NUM, 2), 0);
	ck_assert_uint_eq(e.vf[0]->legacy_accesses, 7);
	ck_assert_uint_eq(e.vf[1]->legacy_accesses, 0);
	env_free(&e);
}
END_TEST

/* Offsets and sizes that are not inside one register of the layout. */
START_TEST(test_common_bad_offsets)
{
	static const struct { uint8_t off, len; } bad[] = {
		{ 2, 4 },	/* host features into guest features */
		{ 0, 8 }, { 12, 4 }, { 17, 2 }, { 18, 2 }, { 0, 24 },
		{ 20, 2 }, { 22, 2 },	/* vectors: MSI-X is disabled */
		{ 24, 1 }, { 255, 1 },
	};
	struct env e;
	uint64_t v;

	env_init(&e);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_inval(rd(&e, C_READ, 1, bad[i].off, bad[i].len, &v),
			     ADMIN_Q_INVALID_FIELD);
		assert_inval(wr(&e, C_WRITE, 1, bad[i].off, bad[i].len, 0),
			     ADMIN_Q_INVALID_FIELD);
	}
	assert_inval(rd(&e, C_READ, 1, 0, 0, &v), ADMIN_Q_INVALID_FIELD);
	ck_assert_uint_eq(e.vf[0]->vdev.status, 0);
	env_free(&e);
}
END_TEST

/* With MSI-X enabled the vectors are there and the layout is 24 bytes. */
START_TEST(test_common_msix_vectors)
{
	struct env e;

	env_init(&e);
	msix_enable(&e.vf[0]->fn, false);
	wr_ok(&e, C_WRITE, VIRTIO_MSI_CONFIG_VECTOR, 2, 1);
	ck_assert_uint_eq(rd_ok(&e, C_READ, VIRTIO_MSI_CONFIG_VECTOR, 2), 1);
	wr_ok(&e, C_WRITE, VIRTIO_PCI_QUEUE_SEL, 2, VNET_TXQ);
	wr_ok(&e, C_WRITE, VIRTIO_MSI_QUEUE_VECTOR, 2, 2);
	ck_assert_uint_eq(rd_ok(&e, C_READ, VIRTIO_MSI_QUEUE_VECTOR, 2), 2);
	ck_assert_uint_eq(e.vf[0]->vdev.q[VNET_TXQ].vector, 2);
	/* A vector the function does not have reads back as NO_VECTOR. */
	wr_ok(&e, C_WRITE, VIRTIO_MSI_CONFIG_VECTOR, 2, 40);
	ck_assert_uint_eq(rd_ok(&e, C_READ, VIRTIO_MSI_CONFIG_VECTOR, 2),
			  VIRTIO_MSI_NO_VECTOR);
	env_free(&e);
}
END_TEST

START_TEST(test_common_write)
{
	struct env e;
	struct vdev *d;

	env_init(&e);
	d = &e.vf[0]->vdev;
	wr_ok(&e, C_WRITE, VIRTIO_PCI_STATUS, 1, VIRTIO_CONFIG_S_ACKNOWLEDGE);
	ck_assert_uint_eq(d->status, VIRTIO_CONFIG_S_ACKNOWLEDGE);
	wr_ok(&e, C_WRITE, VIRTIO_PCI_GUEST_FEATURES, 4,
	      1u << VIRTIO_NET_F_MAC | 1u << VIRTIO_NET_F_STATUS);
	ck_assert_uint_eq(d->guest_features,
			  1u << VIRTIO_NET_F_MAC | 1u << VIRTIO_NET_F_STATUS);
	/* Part of a field: the other bytes keep their value. */
	wr_ok(&e, C_WRITE, VIRTIO_PCI_GUEST_FEATURES, 1, 0);
	ck_assert_uint_eq(d->guest_features, 1u << VIRTIO_NET_F_STATUS);
	/* Read-only: no effect, and not an error. */
	wr_ok(&e, C_WRITE, VIRTIO_PCI_HOST_FEATURES, 4, 0);
	ck_assert_uint_eq(rd_ok(&e, C_READ, VIRTIO_PCI_HOST_FEATURES, 4),
			  (uint32_t)d->host_features);
	wr_ok(&e, C_WRITE, VIRTIO_PCI_QUEUE_NUM, 2, 4);
	ck_assert_uint_eq(rd_ok(&e, C_READ, VIRTIO_PCI_QUEUE_NUM, 2),
			  VDEV_QUEUE_MAX_SIZE);
	/* Status 0 resets the device. */
	wr_ok(&e, C_WRITE, VIRTIO_PCI_STATUS, 1, 0);
	ck_assert_uint_eq(d->status, 0);
	ck_assert_uint_eq(d->guest_features, 0);
	ck_assert_uint_eq(e.vf[1]->vdev.status, 0);
	env_free(&e);
}
END_TEST

/* Writes that are short, oversized or carry reserved bytes. */
START_TEST(test_write_malformed)
{
	uint8_t d[ADMIN_LEGACY_WR_HDR + 2] = { VIRTIO_PCI_STATUS };
	struct env e;

	env_init(&e);
	/* No register bytes at all. */
	assert_inval(exec(&e, C_WRITE, SRIOV, 1, d, ADMIN_LEGACY_WR_HDR,
			  NULL, 0), ADMIN_Q_INVALID_COMMAND);
	assert_inval(exec(&e, C_WRITE, SRIOV, 1, d, 1, NULL, 0),
		     ADMIN_Q_INVALID_COMMAND);
	/* Two bytes into the one-byte status. */
	assert_inval(exec(&e, C_WRITE, SRIOV, 1, d, sizeof(d), NULL, 0),
		     ADMIN_Q_INVALID_FIELD);
	d[3] = 1;		/* reserved */
	assert_inval(exec(&e, C_WRITE, SRIOV, 1, d, ADMIN_LEGACY_WR_HDR + 1,
			  NULL, 0), ADMIN_Q_INVALID_FIELD);
	assert_inval(exec(&e, D_WRITE, SRIOV, 1, d, ADMIN_LEGACY_WR_HDR + 1,
			  NULL, 0), ADMIN_Q_INVALID_FIELD);
	env_free(&e);
}
END_TEST

/* Reads carry exactly one offset byte; the result sizes the access. */
START_TEST(test_read_malformed)
{
	uint8_t d[2] = { 0 }, out[300];
	struct env e;

	env_init(&e);
	assert_inval(exec(&e, C_READ, SRIOV, 1, d, 0, out, 4),
		     ADMIN_Q_INVALID_COMMAND);
	assert_inval(exec(&e, C_READ, SRIOV, 1, d, 2, out, 4),
		     ADMIN_Q_INVALID_COMMAND);
	assert_inval(exec(&e, D_READ, SRIOV, 1, d, 2, out, 1),
		     ADMIN_Q_INVALID_COMMAND);
	assert_inval(exec(&e, C_READ, SRIOV, 1, d, 1, out, sizeof(out)),
		     ADMIN_Q_INVALID_FIELD);
	assert_inval(exec(&e, D_READ, SRIOV, 1, d, 1, out, 0),
		     ADMIN_Q_INVALID_FIELD);
	env_free(&e);
}
END_TEST

/* Members that do not exist or are not enabled, and the wrong group. */
START_TEST(test_bad_member)
{
	struct env e;
	uint8_t out[ADMIN_NOTIFY_INFO_LEN];
	uint8_t off = 0;
	uint64_t v;

	env_init_legacy(&e, true, 1);	/* only VF0 enabled */
	for (uint16_t op = C_WRITE; op <= NOTIFY_INFO; op++) {
		const uint64_t members[] = { 0, 2, 3, 1ull << 40 };

		for (size_t i = 0; i < sizeof(members) / sizeof(members[0]);
		     i++) {
			struct res r = op == NOTIFY_INFO ?
				exec(&e, op, SRIOV, members[i], NULL, 0, out,
				     sizeof(out)) :
				op == C_READ || op == D_READ ?
				rd(&e, op, members[i], 0, 1, &v) :
				wr(&e, op, members[i], 0, 1, 0);

			assert_inval(r, ADMIN_Q_INVALID_MEMBER);
		}
		assert_inval(exec(&e, op, SELF, 1, &off, 1, out, 1),
			     ADMIN_Q_INVALID_GROUP);
	}
	env_free(&e);
}
END_TEST

START_TEST(test_device_config)
{
	const uint8_t mac[6] = MAC0;
	struct env e;
	uint64_t v;

	env_init(&e);
	for (int i = 0; i < 6; i++)
		ck_assert_uint_eq(rd_ok(&e, D_READ, i, 1), mac[i]);
	ck_assert_uint_eq(rd_ok(&e, D_READ, 6, 2), VIRTIO_NET_S_LINK_UP);
	/* A legacy driver sets its MAC byte by byte. */
	wr_ok(&e, D_WRITE, 5, 1, 0x77);
	ck_assert_uint_eq(e.vf[0]->mac[5], 0x77);
	ck_assert_uint_eq(rd_ok(&e, D_READ, 5, 1), 0x77);
	ck_assert_uint_eq(e.vf[1]->mac[5], mac[5] + 1);
	/* Status is read-only. */
	wr_ok(&e, D_WRITE, 6, 2, 0);
	ck_assert_uint_eq(rd_ok(&e, D_READ, 6, 2), VIRTIO_NET_S_LINK_UP);
	assert_inval(rd(&e, D_READ, 1, 4, 4, &v), ADMIN_Q_INVALID_FIELD);
	assert_inval(rd(&e, D_READ, 1, 8, 2, &v), ADMIN_Q_INVALID_FIELD);
	assert_inval(wr(&e, D_WRITE, 1, 5, 2, 0), ADMIN_Q_INVALID_FIELD);
	env_free(&e);
}
END_TEST

START_TEST(test_notify_info)
{
	uint8_t out[ADMIN_NOTIFY_INFO_LEN + 8], zero[48] = { 0 };
	struct env e;
	uint64_t off;

	env_init(&e);
	memset(out, 0xee, sizeof(out));
	assert_ok(exec(&e, NOTIFY_INFO, SRIOV, 2, NULL, 0, out, sizeof(out)));
	ck_assert_uint_eq(out[0], VIRTIO_ADMIN_CMD_NOTIFY_INFO_FLAGS_OWNER_MEM);
	ck_assert_uint_eq(out[1], VDEV_NO_BAR0_BAR);
	memcpy(&off, out + 8, 8);
	ck_assert_uint_eq(off, VDEV_LEGACY_NOTIFY_OFF);
	ck_assert_uint_eq(off % 2, 0);
	ck_assert_mem_eq(out + 16, zero, sizeof(zero));	/* end of list */
	ck_assert_uint_eq(out[ADMIN_NOTIFY_INFO_LEN], 0xee);
	assert_inval(exec(&e, NOTIFY_INFO, SRIOV, 2, NULL, 0, out,
			  ADMIN_NOTIFY_INFO_LEN - 1), ADMIN_Q_INVALID_FIELD);
	assert_inval(exec(&e, NOTIFY_INFO, SRIOV, 2, out, 1, out, sizeof(out)),
		     ADMIN_Q_INVALID_COMMAND);
	env_free(&e);
}
END_TEST

/* The queue PFN: legacy ring layout, activation, deactivation. */
START_TEST(test_queue_pfn)
{
	uint64_t desc, avail, used;
	struct vdev_queue *q;
	struct env e;

	env_init(&e);
	q = &e.vf[0]->vdev.q[VNET_TXQ];
	wr_ok(&e, C_WRITE, VIRTIO_PCI_QUEUE_SEL, 2, VNET_TXQ);
	wr_ok(&e, C_WRITE, VIRTIO_PCI_QUEUE_PFN, 4, PFN_TX);
	vlegacy_ring_layout(PFN_TX, VDEV_QUEUE_MAX_SIZE, &desc, &avail, &used);
	ck_assert(q->enabled);
	ck_assert_uint_eq(q->desc, PFN_TX << 12);
	ck_assert_uint_eq(q->driver, desc + 16 * VDEV_QUEUE_MAX_SIZE);
	ck_assert_uint_eq(q->device % VLEGACY_VRING_ALIGN, 0);
	ck_assert_uint_eq(q->device, used);
	ck_assert_uint_ge(used, avail + 2 * (3 + VDEV_QUEUE_MAX_SIZE));
	ck_assert_uint_eq(rd_ok(&e, C_READ, VIRTIO_PCI_QUEUE_PFN, 4), PFN_TX);
	/* Not while active; 0 deactivates. */
	wr_ok(&e, C_WRITE, VIRTIO_PCI_QUEUE_PFN, 4, PFN_RX);
	ck_assert_uint_eq(q->desc, PFN_TX << 12);
	wr_ok(&e, C_WRITE, VIRTIO_PCI_QUEUE_PFN, 4, 0);
	ck_assert(!q->enabled);
	ck_assert_uint_eq(rd_ok(&e, C_READ, VIRTIO_PCI_QUEUE_PFN, 4), 0);
	/* A ring outside guest memory: the device needs a reset. */
	wr_ok(&e, C_WRITE, VIRTIO_PCI_QUEUE_PFN, 4, 0xfffff);
	ck_assert(!q->enabled);
	ck_assert(e.vf[0]->vdev.status & VIRTIO_CONFIG_S_NEEDS_RESET);
	env_free(&e);
}
END_TEST

/*
 * What a legacy virtio-net driver does (Linux virtio_pci_legacy.c), all
 * through the admin commands, then one packet through the doorbell.
 */
START_TEST(test_legacy_bringup_and_tx)
{
	const uint32_t feat = 1u << VIRTIO_NET_F_MAC |
			      1u << VIRTIO_NET_F_STATUS;
	uint64_t desc, avail, used;
	struct virtio_net *vf;
	struct env e;
	uint32_t sent;

	env_init(&e);
	vf = e.vf[0];
	msix_enable(&vf->fn, false);
	msix_program(&vf->fn, 2, MSI_ADDR, 0x42, 0);
	wr_ok(&e, C_WRITE, VIRTIO_PCI_STATUS, 1, 0);
	wr_ok(&e, C_WRITE, VIRTIO_PCI_STATUS, 1, VIRTIO_CONFIG_S_ACKNOWLEDGE);
	wr_ok(&e, C_WRITE, VIRTIO_PCI_STATUS, 1, VIRTIO_CONFIG_S_ACKNOWLEDGE |
	      VIRTIO_CONFIG_S_DRIVER);
	ck_assert_uint_eq(rd_ok(&e, C_READ, VIRTIO_PCI_HOST_FEATURES, 4) &
			  feat, feat);
	wr_ok(&e, C_WRITE, VIRTIO_PCI_GUEST_FEATURES, 4, feat);
	wr_ok(&e, C_WRITE, VIRTIO_MSI_CONFIG_VECTOR, 2, 0);
	for (uint16_t qi = 0; qi < VNET_NQUEUES; qi++) {
		wr_ok(&e, C_WRITE, VIRTIO_PCI_QUEUE_SEL, 2, qi);
		ck_assert_uint_eq(rd_ok(&e, C_READ, VIRTIO_PCI_QUEUE_NUM, 2),
				  VDEV_QUEUE_MAX_SIZE);
		ck_assert_uint_eq(rd_ok(&e, C_READ, VIRTIO_PCI_QUEUE_PFN, 4),
				  0);
		wr_ok(&e, C_WRITE, VIRTIO_MSI_QUEUE_VECTOR, 2, 1 + qi);
		wr_ok(&e, C_WRITE, VIRTIO_PCI_QUEUE_PFN, 4,
		      qi ? PFN_TX : PFN_RX);
	}
	ck_assert_uint_eq(rd_ok(&e, D_READ, 0, 1), vf->mac[0]);
	wr_ok(&e, C_WRITE, VIRTIO_PCI_STATUS, 1, VIRTIO_CONFIG_S_ACKNOWLEDGE |
	      VIRTIO_CONFIG_S_DRIVER | VIRTIO_CONFIG_S_DRIVER_OK);
	ck_assert(virtio_pci_driver_ok(&vf->vdev));
	ck_assert(!virtio_pci_has_feature(&vf->vdev, VIRTIO_F_VERSION_1));
	/* A 60-byte frame after the 10-byte legacy header. */
	vlegacy_ring_layout(PFN_TX, VDEV_QUEUE_MAX_SIZE, &desc, &avail, &used);
	tdesc_set(&e.m, desc, 0, PKT_GPA, 10 + 60, 0, 0);
	tmem_put_le(&e.m, avail + 4, 2, 0);	/* ring[0] = head 0 */
	tmem_put_le(&e.m, avail + 2, 2, 1);	/* idx */
	sent = e.tp[1].n;
	bar_wr(&vf->fn, VDEV_NO_BAR0_BAR, VDEV_LEGACY_NOTIFY_OFF, 2, VNET_TXQ);
	ck_assert_uint_eq(tmem_get_le(&e.m, used + 2, 2), 1);
	ck_assert_uint_eq(vf->tx_packets, 1);
	ck_assert_uint_eq(vf->tx_bytes, 60);
	ck_assert_uint_eq(e.tp[1].n, sent + 1);
	ck_assert_uint_eq(e.tp[1].data[sent], 0x42);
	/* The doorbell takes a 16-bit queue index, nothing else. */
	bar_wr(&vf->fn, VDEV_NO_BAR0_BAR, VDEV_LEGACY_NOTIFY_OFF, 2, 7);
	bar_wr(&vf->fn, VDEV_NO_BAR0_BAR, VDEV_LEGACY_NOTIFY_OFF, 1, 1);
	ck_assert_uint_eq(vf->fn.errors, 2);
	ck_assert_uint_eq(vf->vdev.q[VNET_TXQ].notifies, 1);
	/* ISR: read-to-clear. */
	ck_assert_uint_eq(rd_ok(&e, C_READ, VIRTIO_PCI_ISR, 1), 1);
	ck_assert_uint_eq(rd_ok(&e, C_READ, VIRTIO_PCI_ISR, 1), 0);
	env_free(&e);
}
END_TEST

/* Features a legacy driver writes but the device did not offer. */
START_TEST(test_unoffered_features)
{
	struct env e;

	env_init(&e);
	wr_ok(&e, C_WRITE, VIRTIO_PCI_GUEST_FEATURES, 4,
	      1u << VIRTIO_NET_F_MAC | 1u << VIRTIO_NET_F_GUEST_TSO4);
	ck_assert_uint_eq(e.vf[0]->vdev.guest_features,
			  1u << VIRTIO_NET_F_MAC);
	ck_assert_uint_eq(e.vf[0]->fn.errors, 1);
	env_free(&e);
}
END_TEST

Suite *admin_legacy_suite(void)
{
	Suite *s = suite_create("admin_legacy");
	TCase *t = tcase_create("commands");
	TCase *d = tcase_create("driver");

	tcase_add_test(t, test_advertised_only_when_enabled);
	tcase_add_test(t, test_needs_list_use);
	tcase_add_test(t, test_vf_bar0_hardwired);
	tcase_add_test(t, test_common_read);
	tcase_add_test(t, test_common_bad_offsets);
	tcase_add_test(t, test_common_msix_vectors);
	tcase_add_test(t, test_common_write);
	tcase_add_test(t, test_write_malformed);
	tcase_add_test(t, test_read_malformed);
	tcase_add_test(t, test_bad_member);
	tcase_add_test(t, test_device_config);
	tcase_add_test(t, test_notify_info);
	suite_add_tcase(s, t);
	tcase_add_test(d, test_queue_pfn);
	tcase_add_test(d, test_legacy_bringup_and_tx);
	tcase_add_test(d, test_unoffered_features);
	suite_add_tcase(s, d);
	return s;
}
