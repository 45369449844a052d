// SPDX-License-Identifier: GPL-2.0
/* virtio-pci transport and the virtio-net PF with its admin queue. */
#include <stddef.h>
#include <string.h>
#include <linux/pci_regs.h>
#include <linux/virtio_config.h>
#include <linux/virtio_net.h>
#include <linux/virtio_pci.h>

#include "models/virtio_net.h"
#include "helpers.h"

#define C(field) offsetof(struct virtio_pci_modern_common_cfg, field)
#define CC(field) C(cfg.field)
#define ADMIN_Q 2
#define ADMIN_VEC 2
#define RING TMEM_GPA
#define CMD_BUF (TMEM_GPA + 0x1000)
#define STS_BUF (TMEM_GPA + 0x1100)
#define RES_BUF (TMEM_GPA + 0x1200)
#define MSI_ADDR 0xfee00000ull

static const uint8_t mac[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };

struct env {
	struct virtio_net *n;
	struct pci_func *fn;
	struct tmem m;
	struct fake_tp tp;
	struct tring r;
};

static void env_init(struct env *e)
{
	struct virtio_net_params p = {
		.name = "pf", .admin_vq = true,
		.parts_get_limit = 15, .parts_set_limit = 15,
	};

	memset(e, 0, sizeof(*e));
	memcpy(p.mac, mac, sizeof(mac));
	e->n = virtio_net_create(&p);
	ck_assert_ptr_nonnull(e->n);
	e->fn = &e->n->fn;
	tmem_init(&e->m, TMEM_GPA, TMEM_SIZE);
	fake_tp_attach(&e->tp, e->fn, &e->m.gm);
	pci_enable_mem(e->fn);
}

static void env_free(struct env *e)
{
	virtio_net_destroy(e->n);
	tmem_free(&e->m);
}

static uint64_t common_rd(struct env *e, size_t off, unsigned int len)
{
	return bar_rd(e->fn, VDEV_BAR, VDEV_COMMON_OFF + off, len);
}

static void common_wr(struct env *e, size_t off, unsigned int len, uint64_t v)
{
	bar_wr(e->fn, VDEV_BAR, VDEV_COMMON_OFF + off, len, v);
}

static uint32_t device_feature(struct env *e, uint32_t sel)
{
	common_wr(e, CC(device_feature_select), 4, sel);
	return common_rd(e, CC(device_feature), 4);
}

static void set_guest_features(struct env *e, uint64_t f)
{
	common_wr(e, CC(guest_feature_select), 4, 0);
	common_wr(e, CC(guest_feature), 4, (uint32_t)f);
	common_wr(e, CC(guest_feature_select), 4, 1);
	common_wr(e, CC(guest_feature), 4, f >> 32);
}

static uint8_t status(struct env *e)
{
	return common_rd(e, CC(device_status), 1);
}

static void set_status(struct env *e, uint8_t s)
{
	common_wr(e, CC(device_status), 1, s);
}

/* Feature negotiation; returns the status the device kept. */
static uint8_t negotiate(struct env *e, uint64_t f)
{
	set_status(e, VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER);
	set_guest_features(e, f);
	set_status(e, status(e) | VIRTIO_CONFIG_S_FEATURES_OK);
	return status(e);
}

static uint8_t cfg8(struct env *e, uint16_t off)
{
	return pci_func_cfg_read(e->fn, off, 1);
}

static uint32_t cfg32(struct env *e, uint16_t off)
{
	return pci_func_cfg_read(e->fn, off, 4);
}

START_TEST(test_ids_and_capabilities)
{
	unsigned int seen = 0;
	struct env e;

	env_init(&e);
	ck_assert_uint_eq(pci_func_cfg_read(e.fn, PCI_VENDOR_ID, 2), 0x1af4);
	ck_assert_uint_eq(pci_func_cfg_read(e.fn, PCI_DEVICE_ID, 2), 0x1041);
	ck_assert(pci_cfg_find_cap(&e.fn->cfg, PCI_CAP_ID_EXP));
	ck_assert_uint_eq(pci_func_cfg_read(e.fn, e.fn->msix.cap +
					    PCI_MSIX_FLAGS, 2) &
			  PCI_MSIX_FLAGS_QSIZE, 3);
	for (uint8_t off = cfg8(&e, PCI_CAPABILITY_LIST); off;
	     off = cfg8(&e, off + PCI_CAP_LIST_NEXT)) {
		uint8_t type = cfg8(&e, off + VIRTIO_PCI_CAP_CFG_TYPE);
		uint32_t o = cfg32(&e, off + VIRTIO_PCI_CAP_OFFSET);
		uint32_t len = cfg32(&e, off + VIRTIO_PCI_CAP_LENGTH);

		if (cfg8(&e, off) != PCI_CAP_ID_VNDR)
			continue;
		ck_assert_uint_eq(cfg8(&e, off + VIRTIO_PCI_CAP_BAR), 0);
		seen |= 1u << type;
		switch (type) {
		case VIRTIO_PCI_CAP_COMMON_CFG:
			ck_assert_uint_eq(o, 0);
			ck_assert_uint_ge(len, C(admin_queue_num) + 2);
			break;
		case VIRTIO_PCI_CAP_NOTIFY_CFG:
			ck_assert_uint_eq(o, 0x3000);
			ck_assert_uint_eq(cfg8(&e, off + VIRTIO_PCI_CAP_LEN),
					  sizeof(struct virtio_pci_notify_cap));
			ck_assert_uint_eq(cfg32(&e, off +
						VIRTIO_PCI_NOTIFY_CAP_MULT), 4);
			break;
		case VIRTIO_PCI_CAP_ISR_CFG:
			ck_assert_uint_eq(o, 0x1000);
			ck_assert_uint_ge(len, 1);
			break;
		case VIRTIO_PCI_CAP_DEVICE_CFG:
			ck_assert_uint_eq(o, 0x2000);
			ck_assert_uint_ge(len,
					  sizeof(struct virtio_net_config));
			break;
		}
	}
	ck_assert_uint_eq(seen, 0x1e);	/* types 1, 2, 3, 4 */
	env_free(&e);
}
END_TEST

START_TEST(test_device_features)
{
	struct env e;

	env_init(&e);
	ck_assert(device_feature(&e, 0) & (1u << VIRTIO_NET_F_MAC));
	ck_assert(device_feature(&e, 0) & (1u << VIRTIO_NET_F_STATUS));
	ck_assert(device_feature(&e, 1) & (1u << (VIRTIO_F_VERSION_1 - 32)));
	ck_assert(device_feature(&e, 1) & (1u << (VIRTIO_F_ADMIN_VQ - 32)));
	ck_assert_uint_eq(device_feature(&e, 2), 0);
	env_free(&e);
}
END_TEST

START_TEST(test_features_ok)
{
	const uint64_t v1 = 1ull << VIRTIO_F_VERSION_1;
	struct env e;

	env_init(&e);
	ck_assert(negotiate(&e, v1 | 1ull << VIRTIO_NET_F_MAC) &
		  VIRTIO_CONFIG_S_FEATURES_OK);
	/* Frozen once accepted. */
	set_guest_features(&e, v1 | 1ull << VIRTIO_NET_F_CSUM);
	ck_assert(!virtio_pci_has_feature(&e.n->vdev, VIRTIO_NET_F_CSUM));
	set_status(&e, 0);
	ck_assert(!(negotiate(&e, 1ull << VIRTIO_NET_F_MAC) &
		    VIRTIO_CONFIG_S_FEATURES_OK));
	set_status(&e, 0);
	ck_assert(!(negotiate(&e, v1 | 1ull << VIRTIO_NET_F_CSUM) &
		    VIRTIO_CONFIG_S_FEATURES_OK));
	env_free(&e);
}
END_TEST

START_TEST(test_queue_layout)
{
	unsigned int size;
	struct env e;

	env_init(&e);
	ck_assert_uint_eq(common_rd(&e, CC(num_queues), 2), 2);
	ck_assert_uint_eq(common_rd(&e, C(admin_queue_index), 2), 2);
	ck_assert_uint_eq(common_rd(&e, C(admin_queue_num), 2), 1);
	common_wr(&e, CC(queue_select), 2, 0);
	ck_assert_uint_eq(common_rd(&e, CC(queue_size), 2),
			  VDEV_QUEUE_MAX_SIZE);
	common_wr(&e, CC(queue_select), 2, ADMIN_Q);
	size = common_rd(&e, CC(queue_size), 2);
	ck_assert_msg(size && !(size & (size - 1)), "admin queue size %u",
		      size);
	ck_assert_uint_eq(common_rd(&e, CC(queue_notify_off), 2), ADMIN_Q);
	common_wr(&e, CC(queue_select), 2, 3);
	ck_assert_uint_eq(common_rd(&e, CC(queue_size), 2), 0);
	env_free(&e);
}
END_TEST

START_TEST(test_msix_vectors)
{
	struct env e;

	env_init(&e);
	common_wr(&e, CC(queue_select), 2, 1);
	ck_assert_uint_eq(common_rd(&e, CC(queue_msix_vector), 2),
			  VIRTIO_MSI_NO_VECTOR);
	common_wr(&e, CC(queue_msix_vector), 2, 3);
	ck_assert_uint_eq(common_rd(&e, CC(queue_msix_vector), 2), 3);
	common_wr(&e, CC(queue_msix_vector), 2, 4);
	ck_assert_uint_eq(common_rd(&e, CC(queue_msix_vector), 2),
			  VIRTIO_MSI_NO_VECTOR);
	common_wr(&e, CC(msix_config), 2, 0);
	ck_assert_uint_eq(common_rd(&e, CC(msix_config), 2), 0);
	common_wr(&e, CC(msix_config), 2, 100);
	ck_assert_uint_eq(common_rd(&e, CC(msix_config), 2),
			  VIRTIO_MSI_NO_VECTOR);
	env_free(&e);
}
END_TEST

START_TEST(test_status_zero_resets)
{
	uint8_t gen;
	struct env e;

	env_init(&e);
	negotiate(&e, 1ull << VIRTIO_F_VERSION_1);
	common_wr(&e, CC(queue_select), 2, 0);
	common_wr(&e, CC(queue_msix_vector), 2, 1);
	common_wr(&e, CC(queue_size), 2, 64);
	gen = common_rd(&e, CC(config_generation), 1);
	set_status(&e, 0);
	ck_assert_uint_eq(status(&e), 0);
	ck_assert_uint_eq(common_rd(&e, CC(queue_select), 2), 0);
	ck_assert_uint_eq(common_rd(&e, CC(queue_msix_vector), 2),
			  VIRTIO_MSI_NO_VECTOR);
	ck_assert_uint_eq(common_rd(&e, CC(queue_size), 2),
			  VDEV_QUEUE_MAX_SIZE);
	ck_assert_uint_ne(common_rd(&e, CC(config_generation), 1), gen);
	ck_assert_uint_eq(e.n->vdev.guest_features, 0);
	env_free(&e);
}
END_TEST

START_TEST(test_device_config)
{
	size_t st = offsetof(struct virtio_net_config, status);
	struct env e;
	uint8_t b[6];

	env_init(&e);
	ck_assert_int_eq(pci_func_bar_read(e.fn, VDEV_BAR, VDEV_DEVCFG_OFF, b,
					   6), 0);
	ck_assert_mem_eq(b, mac, 6);
	ck_assert_uint_eq(bar_rd(e.fn, VDEV_BAR, VDEV_DEVCFG_OFF + st, 2),
			  VIRTIO_NET_S_LINK_UP);
	bar_wr(e.fn, VDEV_BAR, VDEV_DEVCFG_OFF, 1, 0);
	ck_assert_uint_eq(bar_rd(e.fn, VDEV_BAR, VDEV_DEVCFG_OFF, 1), mac[0]);
	ck_assert_uint_eq(e.fn->errors, 1);
	env_free(&e);
}
END_TEST

/* Driver bring-up with the admin queue (8 entries) and its MSI-X vector. */
static void bring_up_admin(struct env *e)
{
	const uint64_t f = 1ull << VIRTIO_F_VERSION_1 |
			   1ull << VIRTIO_F_ADMIN_VQ;

	msix_enable(e->fn, false);
	msix_program(e->fn, ADMIN_VEC, MSI_ADDR, 0x62, 0);
	ck_assert(negotiate(e, f) & VIRTIO_CONFIG_S_FEATURES_OK);
	tring_init(&e->r, &e->m, RING, 8);
	common_wr(e, CC(queue_select), 2, ADMIN_Q);
	common_wr(e, CC(queue_size), 2, 8);
	common_wr(e, CC(queue_msix_vector), 2, ADMIN_VEC);
	common_wr(e, CC(queue_desc_lo), 4, (uint32_t)e->r.desc);
	common_wr(e, CC(queue_desc_hi), 4, e->r.desc >> 32);
	common_wr(e, CC(queue_avail_lo), 4, (uint32_t)e->r.avail);
	common_wr(e, CC(queue_avail_hi), 4, e->r.avail >> 32);
	common_wr(e, CC(queue_used_lo), 4, (uint32_t)e->r.used);
	common_wr(e, CC(queue_used_hi), 4, e->r.used >> 32);
	common_wr(e, CC(queue_enable), 2, 1);
	ck_assert_uint_eq(common_rd(e, CC(queue_enable), 2), 1);
	set_status(e, status(e) | VIRTIO_CONFIG_S_DRIVER_OK);
	ck_assert(virtio_pci_driver_ok(&e->n->vdev));
}

static void notify_admin(struct env *e)
{
	bar_wr(e->fn, VDEV_BAR, VDEV_NOTIFY_OFF + ADMIN_Q * VDEV_NOTIFY_MULT, 2,
	       ADMIN_Q);
}

/* Admin command chain: @rlen readable, then @slen + @reslen writable. */
static void post_admin(struct env *e, uint16_t op, uint32_t rlen,
		       uint32_t slen, uint32_t reslen)
{
	struct virtio_admin_cmd_hdr h = {
		.opcode = op, .group_type = VIRTIO_ADMIN_GROUP_TYPE_SRIOV,
	};

	memcpy(tmem_ptr(&e->m, CMD_BUF), &h, sizeof(h));
	memset(tmem_ptr(&e->m, STS_BUF), 0xee, 8);
	memset(tmem_ptr(&e->m, RES_BUF), 0xee, 8);
	tring_desc(&e->r, 0, CMD_BUF, rlen, slen ? VRING_DESC_F_NEXT : 0, 1);
	tring_desc(&e->r, 1, STS_BUF, slen, VRING_DESC_F_WRITE |
		   (reslen ? VRING_DESC_F_NEXT : 0), 2);
	tring_desc(&e->r, 2, RES_BUF, reslen, VRING_DESC_F_WRITE, 0);
	tring_post(&e->r, 0);
}

START_TEST(test_admin_round_trip)
{
	struct env e;

	env_init(&e);
	bring_up_admin(&e);
	ck_assert_uint_eq(e.tp.n, 0);
	post_admin(&e, VIRTIO_ADMIN_CMD_LIST_QUERY, 24, 8, 8);
	notify_admin(&e);
	ck_assert_uint_eq(tring_used_idx(&e.r), 1);
	ck_assert_uint_eq(tring_used(&e.r, 0).id, 0);
	ck_assert_uint_eq(tring_used(&e.r, 0).len, 16);
	ck_assert_uint_eq(tmem_get_le(&e.m, STS_BUF, 2), 0);
	ck_assert_uint_eq(tmem_get_le(&e.m, STS_BUF + 2, 2), 0);
	ck_assert_uint_eq(tmem_get_le(&e.m, RES_BUF, 8), 0x383);
	ck_assert_uint_eq(e.tp.n, 1);
	ck_assert_uint_eq(e.tp.addr[0], MSI_ADDR);
	ck_assert_uint_eq(e.tp.data[0], 0x62);
	env_free(&e);
}
END_TEST

START_TEST(test_admin_malformed_command)
{
	struct env e;

	env_init(&e);
	bring_up_admin(&e);
	post_admin(&e, VIRTIO_ADMIN_CMD_LIST_QUERY, 16, 8, 8);
	notify_admin(&e);
	ck_assert_uint_eq(tring_used_idx(&e.r), 1);
	ck_assert_uint_eq(tring_used(&e.r, 0).len, 8);
	ck_assert_uint_eq(tmem_get_le(&e.m, STS_BUF, 2), ADMIN_STATUS_EINVAL);
	ck_assert_uint_eq(tmem_get_le(&e.m, RES_BUF, 1), 0xee);
	ck_assert(virtio_pci_driver_ok(&e.n->vdev));
	env_free(&e);
}
END_TEST

START_TEST(test_admin_no_status_buffer)
{
	struct env e;

	env_init(&e);
	bring_up_admin(&e);
	post_admin(&e, VIRTIO_ADMIN_CMD_LIST_QUERY, 24, 0, 0);
	notify_admin(&e);
	ck_assert_uint_eq(tring_used_idx(&e.r), 1);
	ck_assert_uint_eq(tring_used(&e.r, 0).len, 0);
	ck_assert_uint_eq(e.fn->errors, 1);
	env_free(&e);
}
END_TEST

START_TEST(test_admin_bad_ring_needs_reset)
{
	struct env e;

	env_init(&e);
	bring_up_admin(&e);
	tring_desc(&e.r, 0, CMD_BUF, 24, VRING_DESC_F_NEXT, 0);
	tring_post(&e.r, 0);
	notify_admin(&e);
	ck_assert(status(&e) & VIRTIO_CONFIG_S_NEEDS_RESET);
	ck_assert_uint_eq(tring_used_idx(&e.r), 0);
	set_status(&e, 0);
	ck_assert_uint_eq(status(&e), 0);
	env_free(&e);
}
END_TEST

Suite *virtio_net_suite(void)
{
	Suite *s = suite_create("virtio_net");
	TCase *tc = tcase_create("transport");
	TCase *ta = tcase_create("admin_queue");

	tcase_add_test(tc, test_ids_and_capabilities);
	tcase_add_test(tc, test_device_features);
	tcase_add_test(tc, test_features_ok);
	tcase_add_test(tc, test_queue_layout);
	tcase_add_test(tc, test_msix_vectors);
	tcase_add_test(tc, test_status_zero_resets);
	tcase_add_test(tc, test_device_config);
	suite_add_tcase(s, tc);
	tcase_add_test(ta, test_admin_round_trip);
	tcase_add_test(ta, test_admin_malformed_command);
	tcase_add_test(ta, test_admin_no_status_buffer);
	tcase_add_test(ta, test_admin_bad_ring_needs_reset);
	suite_add_tcase(s, ta);
	return s;
}
