// SPDX-License-Identifier: GPL-2.0
/*
 * Stopped mode of the virtio-pci transport (models/virtio_pci.c), as
 * DEV_MODE_SET uses it: no queue processing and no interrupts while
 * stopped, register accesses still served; leaving it serves the kicks
 * and delivers the interrupts held meanwhile; a reset leaves it.
 * A virtio-net PF with its admin queue, host-backed guest memory and a
 * fake transport that records MSIs.
 */
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
#define QSIZE 8
#define RXQ_GPA (TMEM_GPA + 0x0000)
#define TXQ_GPA (TMEM_GPA + 0x1000)
#define ADMQ_GPA (TMEM_GPA + 0x2000)
#define PKT_GPA (TMEM_GPA + 0x8000)
#define CMD_BUF (TMEM_GPA + 0x9000)
#define STS_BUF (TMEM_GPA + 0x9100)
#define RES_BUF (TMEM_GPA + 0x9200)
#define MSI_ADDR 0xfee00000ull
/* Vectors: config 0, then one per queue; MSI data = 0x30 + vector. */
#define CFG_VEC 0
#define VEC(q) (1 + (q))
#define MSI_DATA(v) (0x30 + (v))
#define ALL_QUEUES 0x7u

Suite *stopped_suite(void);

static const uint8_t mac[6] = { 0x52, 0x54, 0x00, 0x00, 0x02, 0x00 };

struct env {
	struct virtio_net *n;
	struct pci_func *fn;
	struct vdev *d;
	struct tmem m;
	struct fake_tp tp;
	struct tring q[3];	/* rx, tx, admin */
};

static uint64_t common_rd(struct env *e, size_t off, unsigned int len)
{
	return bar_rd(e->fn, VDEV_BAR, VDEV_COMMON_OFF + off, len);
}

static void common_wr(struct env *e, size_t off, unsigned int len, uint64_t v)
{
	bar_wr(e->fn, VDEV_BAR, VDEV_COMMON_OFF + off, len, v);
}

static uint8_t status(struct env *e)
{
	return common_rd(e, CC(device_status), 1);
}

static void set_status(struct env *e, uint8_t s)
{
	common_wr(e, CC(device_status), 1, s);
}

static void env_init(struct env *e)
{
	struct virtio_net_params p = {
		.name = "pf", .admin_vq = true,
		.parts_get_limit = 4, .parts_set_limit = 4,
	};

	memset(e, 0, sizeof(*e));
	memcpy(p.mac, mac, sizeof(mac));
	e->n = virtio_net_create(&p);
	ck_assert_ptr_nonnull(e->n);
	e->fn = &e->n->fn;
	e->d = &e->n->vdev;
	tmem_init(&e->m, TMEM_GPA, TMEM_SIZE);
	fake_tp_attach(&e->tp, e->fn, &e->m.gm);
	pci_enable_mem(e->fn);
}

static void env_free(struct env *e)
{
	virtio_net_destroy(e->n);
	tmem_free(&e->m);
}

static void setup_queue(struct env *e, uint16_t qi, uint64_t base)
{
	struct tring *r = &e->q[qi];

	tring_init(r, &e->m, base, QSIZE);
	common_wr(e, CC(queue_select), 2, qi);
	common_wr(e, CC(queue_size), 2, QSIZE);
	common_wr(e, CC(queue_msix_vector), 2, VEC(qi));
	common_wr(e, CC(queue_desc_lo), 4, (uint32_t)r->desc);
	common_wr(e, CC(queue_desc_hi), 4, r->desc >> 32);
	common_wr(e, CC(queue_avail_lo), 4, (uint32_t)r->avail);
	common_wr(e, CC(queue_avail_hi), 4, r->avail >> 32);
	common_wr(e, CC(queue_used_lo), 4, (uint32_t)r->used);
	common_wr(e, CC(queue_used_hi), 4, r->used >> 32);
	common_wr(e, CC(queue_enable), 2, 1);
	ck_assert_uint_eq(common_rd(e, CC(queue_enable), 2), 1);
}

/* Driver bring-up of the queues in @queues, up to FEATURES_OK. */
static void bring_up_to_features(struct env *e, unsigned int queues)
{
	const uint64_t f = 1ull << VIRTIO_F_VERSION_1 |
			   1ull << VIRTIO_F_ADMIN_VQ;
	static const uint64_t base[3] = { RXQ_GPA, TXQ_GPA, ADMQ_GPA };

	msix_enable(e->fn, false);
	for (unsigned int v = 0; v < 4; v++)
		msix_program(e->fn, v, MSI_ADDR, MSI_DATA(v), 0);
	set_status(e, VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER);
	common_wr(e, CC(guest_feature_select), 4, 0);
	common_wr(e, CC(guest_feature), 4, (uint32_t)f);
	common_wr(e, CC(guest_feature_select), 4, 1);
	common_wr(e, CC(guest_feature), 4, f >> 32);
	set_status(e, status(e) | VIRTIO_CONFIG_S_FEATURES_OK);
	ck_assert(status(e) & VIRTIO_CONFIG_S_FEATURES_OK);
	common_wr(e, CC(msix_config), 2, CFG_VEC);
	for (uint16_t qi = 0; qi < 3; qi++)
		if (queues & (1u << qi))
			setup_queue(e, qi, base[qi]);
}

static void driver_ok(struct env *e)
{
	set_status(e, status(e) | VIRTIO_CONFIG_S_DRIVER_OK);
	ck_assert(virtio_pci_driver_ok(e->d));
}

static void bring_up(struct env *e)
{
	bring_up_to_features(e, ALL_QUEUES);
	driver_ok(e);
}

static void kick(struct env *e, uint16_t qi)
{
	bar_wr(e->fn, VDEV_BAR, VDEV_NOTIFY_OFF + VDEV_NOTIFY_MULT * qi, 2, qi);
}

static void post_tx(struct env *e, uint16_t head, uint32_t len)
{
	tring_desc(&e->q[VNET_TXQ], head, PKT_GPA + 0x100 * head, len, 0, 0);
	tring_post(&e->q[VNET_TXQ], head);
}

/* LIST_QUERY on the admin queue: 24 bytes out, 8 + 8 back. */
static void post_admin(struct env *e)
{
	struct virtio_admin_cmd_hdr h = {
		.opcode = VIRTIO_ADMIN_CMD_LIST_QUERY,
		.group_type = VIRTIO_ADMIN_GROUP_TYPE_SRIOV,
	};
	struct tring *r = &e->q[ADMIN_Q];

	memcpy(tmem_ptr(&e->m, CMD_BUF), &h, sizeof(h));
	memset(tmem_ptr(&e->m, STS_BUF), 0xee, 8);
	memset(tmem_ptr(&e->m, RES_BUF), 0xee, 8);
	tring_desc(r, 0, CMD_BUF, sizeof(h), VRING_DESC_F_NEXT, 1);
	tring_desc(r, 1, STS_BUF, 8, VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, 2);
	tring_desc(r, 2, RES_BUF, 8, VRING_DESC_F_WRITE, 0);
	tring_post(r, 0);
}

static uint8_t isr(struct env *e)
{
	return bar_rd(e->fn, VDEV_BAR, VDEV_ISR_OFF, 1);
}

START_TEST(test_kick_held_while_stopped)
{
	struct tring *tx;
	struct env e;

	env_init(&e);
	tx = &e.q[VNET_TXQ];
	bring_up(&e);
	post_tx(&e, 0, 12 + 60);
	virtio_pci_set_stopped(e.d, true);
	ck_assert(e.d->stopped);
	kick(&e, VNET_TXQ);
	ck_assert_uint_eq(e.d->q[VNET_TXQ].notifies, 1);
	ck_assert_uint_eq(tring_used_idx(tx), 0);
	ck_assert_uint_eq(e.n->tx_packets, 0);
	ck_assert_uint_eq(e.tp.n, 0);
	ck_assert_uint_eq(e.fn->msix.sent, 0);
	ck_assert_uint_eq(e.d->pending_kicks, 1u << VNET_TXQ);
	virtio_pci_set_stopped(e.d, false);
	ck_assert(!e.d->stopped);
	ck_assert_uint_eq(tring_used_idx(tx), 1);
	ck_assert_uint_eq(tring_used(tx, 0).id, 0);
	ck_assert_uint_eq(e.n->tx_packets, 1);
	ck_assert_uint_eq(e.n->tx_bytes, 60);
	ck_assert_uint_eq(e.tp.n, 1);
	ck_assert_uint_eq(e.tp.addr[0], MSI_ADDR);
	ck_assert_uint_eq(e.tp.data[0], MSI_DATA(VEC(VNET_TXQ)));
	ck_assert_uint_eq(e.d->pending_kicks, 0);
	env_free(&e);
}
END_TEST

START_TEST(test_running_kick_served_at_once)
{
	struct env e;

	/* The control: without stopped mode the same kick is served. */
	env_init(&e);
	bring_up(&e);
	post_tx(&e, 0, 12 + 60);
	kick(&e, VNET_TXQ);
	ck_assert_uint_eq(tring_used_idx(&e.q[VNET_TXQ]), 1);
	ck_assert_uint_eq(e.tp.n, 1);
	env_free(&e);
}
END_TEST

START_TEST(test_admin_held_while_stopped)
{
	struct tring *r;
	struct env e;

	env_init(&e);
	r = &e.q[ADMIN_Q];
	bring_up(&e);
	post_admin(&e);
	virtio_pci_set_stopped(e.d, true);
	kick(&e, ADMIN_Q);
	kick(&e, ADMIN_Q);
	ck_assert_uint_eq(tring_used_idx(r), 0);
	ck_assert_uint_eq(tmem_get_le(&e.m, STS_BUF, 2), 0xeeee);
	ck_assert_uint_eq(e.n->admin.commands, 0);
	ck_assert_uint_eq(e.tp.n, 0);
	virtio_pci_set_stopped(e.d, false);
	ck_assert_uint_eq(tring_used_idx(r), 1);
	ck_assert_uint_eq(tring_used(r, 0).len, 16);
	ck_assert_uint_eq(tmem_get_le(&e.m, STS_BUF, 2), 0);
	ck_assert_uint_eq(tmem_get_le(&e.m, RES_BUF, 8), e.n->admin.supported);
	ck_assert_uint_eq(e.n->admin.commands, 1);
	ck_assert_uint_eq(e.tp.n, 1);
	ck_assert_uint_eq(e.tp.data[0], MSI_DATA(VEC(ADMIN_Q)));
	env_free(&e);
}
END_TEST

START_TEST(test_registers_served_while_stopped)
{
	uint64_t accesses;
	uint8_t b[6];
	struct env e;

	env_init(&e);
	bring_up(&e);
	virtio_pci_set_stopped(e.d, true);
	accesses = e.d->accesses;
	ck_assert_uint_eq(common_rd(&e, CC(num_queues), 2), 2);
	ck_assert_uint_eq(common_rd(&e, C(admin_queue_index), 2), ADMIN_Q);
	ck_assert_uint_eq(status(&e), VIRTIO_CONFIG_S_ACKNOWLEDGE |
			  VIRTIO_CONFIG_S_DRIVER | VIRTIO_CONFIG_S_FEATURES_OK |
			  VIRTIO_CONFIG_S_DRIVER_OK);
	common_wr(&e, CC(device_feature_select), 4, 1);
	ck_assert(common_rd(&e, CC(device_feature), 4) &
		  (1u << (VIRTIO_F_VERSION_1 - 32)));
	common_wr(&e, CC(queue_select), 2, VNET_TXQ);
	ck_assert_uint_eq(common_rd(&e, CC(queue_msix_vector), 2),
			  VEC(VNET_TXQ));
	common_wr(&e, CC(queue_msix_vector), 2, 3);
	ck_assert_uint_eq(common_rd(&e, CC(queue_msix_vector), 2), 3);
	common_wr(&e, CC(msix_config), 2, 1);
	ck_assert_uint_eq(common_rd(&e, CC(msix_config), 2), 1);
	ck_assert_int_eq(pci_func_bar_read(e.fn, VDEV_BAR, VDEV_DEVCFG_OFF, b,
					   6), 0);
	ck_assert_mem_eq(b, mac, 6);
	ck_assert_uint_eq(isr(&e), 0);
	ck_assert_uint_gt(e.d->accesses, accesses);
	ck_assert(e.d->stopped);
	ck_assert_uint_eq(e.tp.n, 0);
	env_free(&e);
}
END_TEST

START_TEST(test_held_queue_interrupt)
{
	struct env e;

	env_init(&e);
	bring_up(&e);
	virtio_pci_set_stopped(e.d, true);
	virtio_pci_notify_queue(e.d, VNET_TXQ);
	virtio_pci_notify_queue(e.d, ADMIN_Q);
	ck_assert_uint_eq(e.tp.n, 0);
	ck_assert_uint_eq(e.fn->msix.pending, 0);
	ck_assert_uint_eq(isr(&e), 0);
	ck_assert_uint_eq(e.d->pending_irqs,
			  1u << VNET_TXQ | 1u << ADMIN_Q);
	virtio_pci_set_stopped(e.d, false);
	ck_assert_uint_eq(e.tp.n, 2);
	ck_assert_uint_eq(e.tp.data[0], MSI_DATA(VEC(VNET_TXQ)));
	ck_assert_uint_eq(e.tp.data[1], MSI_DATA(VEC(ADMIN_Q)));
	ck_assert_uint_eq(isr(&e), VDEV_ISR_QUEUE);
	ck_assert_uint_eq(e.d->pending_irqs, 0);
	/* Delivered once: a second stop/resume cycle sends nothing. */
	virtio_pci_set_stopped(e.d, true);
	virtio_pci_set_stopped(e.d, false);
	ck_assert_uint_eq(e.tp.n, 2);
	env_free(&e);
}
END_TEST

START_TEST(test_held_interrupt_honours_no_interrupt)
{
	struct env e;

	env_init(&e);
	bring_up(&e);
	tring_set_avail_flags(&e.q[VNET_TXQ], VRING_AVAIL_F_NO_INTERRUPT);
	virtio_pci_set_stopped(e.d, true);
	virtio_pci_notify_queue(e.d, VNET_TXQ);
	virtio_pci_set_stopped(e.d, false);
	ck_assert_uint_eq(e.tp.n, 0);
	env_free(&e);
}
END_TEST

START_TEST(test_held_config_interrupt)
{
	uint8_t gen;
	struct env e;

	env_init(&e);
	/* rx left disabled, to be enabled badly while stopped. */
	bring_up_to_features(&e, ALL_QUEUES & ~(1u << VNET_RXQ));
	driver_ok(&e);
	virtio_pci_set_stopped(e.d, true);
	gen = common_rd(&e, CC(config_generation), 1);
	common_wr(&e, CC(queue_select), 2, VNET_RXQ);
	common_wr(&e, CC(queue_desc_lo), 4, 0);
	common_wr(&e, CC(queue_desc_hi), 4, 0x10);	/* no memory there */
	common_wr(&e, CC(queue_enable), 2, 1);
	ck_assert_uint_eq(common_rd(&e, CC(queue_enable), 2), 0);
	ck_assert(status(&e) & VIRTIO_CONFIG_S_NEEDS_RESET);
	ck_assert_uint_ne(common_rd(&e, CC(config_generation), 1), gen);
	ck_assert(e.d->pending_config_irq);
	ck_assert_uint_eq(e.tp.n, 0);
	virtio_pci_set_stopped(e.d, false);
	ck_assert_uint_eq(e.tp.n, 1);
	ck_assert_uint_eq(e.tp.data[0], MSI_DATA(CFG_VEC));
	ck_assert_uint_eq(isr(&e), VIRTIO_PCI_ISR_CONFIG);
	ck_assert(!e.d->pending_config_irq);
	env_free(&e);
}
END_TEST

START_TEST(test_direct_config_change_held)
{
	struct env e;

	env_init(&e);
	bring_up(&e);
	virtio_pci_set_stopped(e.d, true);
	virtio_pci_config_changed(e.d);
	virtio_pci_config_changed(e.d);
	ck_assert_uint_eq(e.tp.n, 0);
	virtio_pci_set_stopped(e.d, false);
	ck_assert_uint_eq(e.tp.n, 1);
	ck_assert_uint_eq(e.tp.data[0], MSI_DATA(CFG_VEC));
	env_free(&e);
}
END_TEST

START_TEST(test_resume_rescans_without_kick)
{
	struct env e;

	env_init(&e);
	bring_up(&e);
	virtio_pci_set_stopped(e.d, true);
	post_tx(&e, 0, 40);
	post_tx(&e, 1, 50);
	ck_assert_uint_eq(e.d->pending_kicks, 0);
	virtio_pci_set_stopped(e.d, false);
	ck_assert_uint_eq(tring_used_idx(&e.q[VNET_TXQ]), 2);
	ck_assert_uint_eq(e.n->tx_packets, 2);
	ck_assert_uint_eq(e.tp.n, 1);
	/* Leaving a mode we are not in does nothing. */
	post_tx(&e, 2, 40);
	virtio_pci_set_stopped(e.d, false);
	ck_assert_uint_eq(tring_used_idx(&e.q[VNET_TXQ]), 2);
	env_free(&e);
}
END_TEST

START_TEST(test_driver_ok_while_stopped)
{
	struct env e;

	env_init(&e);
	bring_up_to_features(&e, ALL_QUEUES);
	post_tx(&e, 0, 40);
	kick(&e, VNET_TXQ);		/* before DRIVER_OK: ignored */
	ck_assert_uint_eq(tring_used_idx(&e.q[VNET_TXQ]), 0);
	virtio_pci_set_stopped(e.d, true);
	driver_ok(&e);
	ck_assert_uint_eq(tring_used_idx(&e.q[VNET_TXQ]), 0);
	ck_assert_uint_eq(e.n->tx_packets, 0);
	ck_assert_uint_eq(e.tp.n, 0);
	virtio_pci_set_stopped(e.d, false);
	ck_assert_uint_eq(tring_used_idx(&e.q[VNET_TXQ]), 1);
	ck_assert_uint_eq(e.tp.n, 1);
	env_free(&e);
}
END_TEST

START_TEST(test_reset_clears_stopped)
{
	struct env e;

	env_init(&e);
	bring_up(&e);
	post_tx(&e, 0, 40);
	virtio_pci_set_stopped(e.d, true);
	kick(&e, VNET_TXQ);
	virtio_pci_notify_queue(e.d, ADMIN_Q);
	virtio_pci_config_changed(e.d);
	set_status(&e, 0);
	ck_assert(!e.d->stopped);
	ck_assert_uint_eq(e.d->pending_kicks, 0);
	ck_assert_uint_eq(e.d->pending_irqs, 0);
	ck_assert(!e.d->pending_config_irq);
	ck_assert_uint_eq(status(&e), 0);
	ck_assert_uint_eq(tring_used_idx(&e.q[VNET_TXQ]), 0);
	ck_assert_uint_eq(e.tp.n, 0);
	/* Running again: a fresh bring-up is served at once. */
	bring_up(&e);
	post_tx(&e, 0, 40);
	kick(&e, VNET_TXQ);
	ck_assert_uint_eq(tring_used_idx(&e.q[VNET_TXQ]), 1);
	ck_assert_uint_eq(e.tp.n, 1);
	ck_assert_uint_eq(e.tp.data[0], MSI_DATA(VEC(VNET_TXQ)));
	env_free(&e);
}
END_TEST

START_TEST(test_flr_clears_stopped)
{
	struct env e;

	env_init(&e);
	bring_up(&e);
	virtio_pci_set_stopped(e.d, true);
	virtio_pci_notify_queue(e.d, VNET_TXQ);
	pci_func_cfg_write(e.fn, e.fn->pcie_cap + PCI_EXP_DEVCTL, 2,
			   PCI_EXP_DEVCTL_BCR_FLR);
	ck_assert_uint_eq(e.fn->flrs, 1);
	ck_assert(!e.d->stopped);
	ck_assert_uint_eq(e.d->pending_irqs, 0);
	ck_assert_uint_eq(e.tp.n, 0);
	env_free(&e);
}
END_TEST

Suite *stopped_suite(void)
{
	Suite *s = suite_create("stopped");
	TCase *th = tcase_create("hold");
	TCase *tr = tcase_create("resume_reset");

	tcase_add_test(th, test_kick_held_while_stopped);
	tcase_add_test(th, test_running_kick_served_at_once);
	tcase_add_test(th, test_admin_held_while_stopped);
	tcase_add_test(th, test_registers_served_while_stopped);
	tcase_add_test(th, test_held_queue_interrupt);
	tcase_add_test(th, test_held_interrupt_honours_no_interrupt);
	tcase_add_test(th, test_held_config_interrupt);
	tcase_add_test(th, test_direct_config_change_held);
	tcase_add_test(th, test_driver_ok_while_stopped);
	suite_add_tcase(s, th);
	tcase_add_test(tr, test_resume_rescans_without_kick);
	tcase_add_test(tr, test_reset_clears_stopped);
	tcase_add_test(tr, test_flr_clears_stopped);
	suite_add_tcase(s, tr);
	return s;
}
