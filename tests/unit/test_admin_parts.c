// SPDX-License-Identifier: GPL-2.0
/*
 * The device-parts admin commands (VF migration) a virtio-net PF serves
 * for its VFs, driven through admin_exec() after the set-up the Linux
 * driver does: LIST_QUERY, LIST_USE, then the device-parts capability
 * negotiated with DRIVER_CAP_SET.
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <linux/pci_regs.h>
#include <linux/virtio_config.h>
#include <linux/virtio_net.h>
#include <linux/virtio_pci.h>

#include "admin_env.h"

#define DEV_LIMIT 8		/* the device's object limits */
#define LIMIT 4			/* what the driver asks for */
#define EXTRA 3000		/* opaque context bytes per VF */
#define OBJ_GET VIRTIO_RESOURCE_OBJ_DEV_PARTS_TYPE_GET
#define OBJ_SET VIRTIO_RESOURCE_OBJ_DEV_PARTS_TYPE_SET
#define PARTS_CMDS (1ull << VIRTIO_ADMIN_CMD_RESOURCE_OBJ_CREATE | \
		    1ull << VIRTIO_ADMIN_CMD_RESOURCE_OBJ_DESTROY | \
		    1ull << VIRTIO_ADMIN_CMD_DEV_PARTS_METADATA_GET | \
		    1ull << VIRTIO_ADMIN_CMD_DEV_PARTS_GET | \
		    1ull << VIRTIO_ADMIN_CMD_DEV_PARTS_SET | \
		    1ull << VIRTIO_ADMIN_CMD_DEV_MODE_SET)
#define COMMON(field) (VDEV_COMMON_OFF + \
		       offsetof(struct virtio_pci_common_cfg, field))
#define RXQ_GPA (TMEM_GPA + 0x0000)
#define TXQ_GPA (TMEM_GPA + 0x1000)
#define PKT_GPA (TMEM_GPA + 0x8000)
#define QSIZE 8
#define MSI_ADDR 0xfee00000ull

Suite *admin_parts_suite(void);

/* RESOURCE_OBJ_CREATE with every field under control. */
static struct res create_raw(struct env *e, uint16_t group, uint64_t member,
			     uint16_t rtype, uint32_t id, uint64_t flags,
			     uint8_t op_type, size_t dlen)
{
	uint8_t d[32] = { 0 };

	memcpy(d, &rtype, 2);
	memcpy(d + 4, &id, 4);
	memcpy(d + 8, &flags, 8);
	d[16] = op_type;
	return exec(e, VIRTIO_ADMIN_CMD_RESOURCE_OBJ_CREATE, group, member, d,
		    dlen, NULL, 0);
}

static struct res create(struct env *e, uint64_t member, uint32_t id,
			 uint8_t op_type)
{
	return create_raw(e, SRIOV, member, VIRTIO_RESOURCE_OBJ_DEV_PARTS, id,
			  0, op_type, 24);
}

static struct res destroy(struct env *e, uint64_t member, uint32_t id)
{
	struct virtio_admin_cmd_resource_obj_cmd_hdr h = {
		.type = VIRTIO_RESOURCE_OBJ_DEV_PARTS, .id = id,
	};

	return exec(e, VIRTIO_ADMIN_CMD_RESOURCE_OBJ_DESTROY, SRIOV, member,
		    &h, sizeof(h), NULL, 0);
}

static struct res metadata(struct env *e, uint64_t member, uint32_t id,
			   uint8_t type, uint32_t *size, size_t rcap)
{
	struct virtio_admin_cmd_dev_parts_metadata_data d = {
		.hdr = { .type = VIRTIO_RESOURCE_OBJ_DEV_PARTS, .id = id },
		.type = type,
	};
	uint8_t out[8];
	struct res r;

	memset(out, 0xee, sizeof(out));
	r = exec(e, VIRTIO_ADMIN_CMD_DEV_PARTS_METADATA_GET, SRIOV, member,
		 &d, sizeof(d), out, rcap);
	if (!r.status) {
		ck_assert_uint_eq(r.len, 8);
		memcpy(size, out, 4);
	}
	return r;
}

static struct res parts_get(struct env *e, uint64_t member, uint32_t id,
			    uint8_t *buf, size_t cap)
{
	struct virtio_admin_cmd_dev_parts_get_data d = {
		.hdr = { .type = VIRTIO_RESOURCE_OBJ_DEV_PARTS, .id = id },
		.type = VIRTIO_ADMIN_CMD_DEV_PARTS_GET_TYPE_ALL,
	};

	return exec(e, VIRTIO_ADMIN_CMD_DEV_PARTS_GET, SRIOV, member, &d,
		    sizeof(d), buf, cap);
}

static struct res parts_set(struct env *e, uint64_t member, uint32_t id,
			    const uint8_t *blob, size_t len)
{
	struct virtio_admin_cmd_resource_obj_cmd_hdr h = {
		.type = VIRTIO_RESOURCE_OBJ_DEV_PARTS, .id = id,
	};
	uint8_t *d = malloc(sizeof(h) + len);
	struct res r;

	memcpy(d, &h, sizeof(h));
	if (len)
		memcpy(d + sizeof(h), blob, len);
	r = exec(e, VIRTIO_ADMIN_CMD_DEV_PARTS_SET, SRIOV, member, d,
		 sizeof(h) + len, NULL, 0);
	free(d);
	return r;
}

static struct res mode_set(struct env *e, uint64_t member, uint8_t flags)
{
	return exec(e, VIRTIO_ADMIN_CMD_DEV_MODE_SET, SRIOV, member, &flags, 1,
		    NULL, 0);
}

/* LIST_QUERY, LIST_USE, then the device-parts capability, as Linux. */
static void driver_setup(struct env *e)
{
	struct virtio_admin_cmd_cap_get_data g = { .id = VIRTIO_DEV_PARTS_CAP };
	uint8_t set[10] = { 0 };
	uint8_t out[8];

	assert_ok(exec(e, VIRTIO_ADMIN_CMD_LIST_QUERY, SRIOV, 0, NULL, 0, out,
		       8));
	memcpy(&e->supported, out, 8);
	assert_ok(exec(e, VIRTIO_ADMIN_CMD_LIST_USE, SRIOV, 0, &e->supported,
		       8, NULL, 0));
	assert_ok(exec(e, VIRTIO_ADMIN_CMD_CAP_ID_LIST_QUERY, SELF, 0, NULL, 0,
		       out, 8));
	ck_assert(out[0] & (1u << VIRTIO_DEV_PARTS_CAP));
	assert_ok(exec(e, VIRTIO_ADMIN_CMD_DEVICE_CAP_GET, SELF, 0, &g,
		       sizeof(g), out, 2));
	ck_assert_uint_eq(out[0], DEV_LIMIT);
	ck_assert_uint_eq(out[1], DEV_LIMIT);
	set[8] = LIMIT;
	set[9] = LIMIT;
	assert_ok(exec(e, VIRTIO_ADMIN_CMD_DRIVER_CAP_SET, SELF, 0, set,
		       sizeof(set), NULL, 0));
}

static void env_init(struct env *e)
{
	const struct env_params p = {
		.parts_limit = DEV_LIMIT, .context_extra = EXTRA, .mac5 = 0,
	};

	env_create(e, &p);
	vfs_enable(e, 2);
	driver_setup(e);
}

/* ---- a VF driven into a non-trivial state through its BAR ---- */

static void cc_wr(struct pci_func *fn, size_t off, unsigned int len,
		  uint64_t v)
{
	bar_wr(fn, VDEV_BAR, off, len, v);
}

static void setup_queue(struct pci_func *fn, uint16_t qi,
			const struct tring *r, uint16_t vec)
{
	cc_wr(fn, COMMON(queue_select), 2, qi);
	cc_wr(fn, COMMON(queue_size), 2, r->num);
	cc_wr(fn, COMMON(queue_msix_vector), 2, vec);
	cc_wr(fn, COMMON(queue_desc_lo), 4, (uint32_t)r->desc);
	cc_wr(fn, COMMON(queue_desc_hi), 4, r->desc >> 32);
	cc_wr(fn, COMMON(queue_avail_lo), 4, (uint32_t)r->avail);
	cc_wr(fn, COMMON(queue_avail_hi), 4, r->avail >> 32);
	cc_wr(fn, COMMON(queue_used_lo), 4, (uint32_t)r->used);
	cc_wr(fn, COMMON(queue_used_hi), 4, r->used >> 32);
	cc_wr(fn, COMMON(queue_enable), 2, 1);
}

static void post_tx(struct tring *tx, uint16_t head, uint32_t len)
{
	tring_desc(tx, head, PKT_GPA + 0x100 * head, len, 0, 0);
	tring_post(tx, head);
}

static void kick(struct pci_func *fn, uint16_t qi)
{
	bar_wr(fn, VDEV_BAR, VDEV_NOTIFY_OFF + VDEV_NOTIFY_MULT * qi, 2, qi);
}

/* DRIVER_OK with rx and tx rings, one packet sent. */
static void vf_run(struct env *e, unsigned int i, struct tring *rx,
		   struct tring *tx)
{
	struct pci_func *fn = &e->vf[i]->fn;
	uint64_t f = 1ull << VIRTIO_F_VERSION_1 | 1ull << VIRTIO_NET_F_MAC;

	msix_enable(fn, false);
	msix_program(fn, 1, MSI_ADDR, 0x41, 0);
	cc_wr(fn, COMMON(device_status), 1, VIRTIO_CONFIG_S_ACKNOWLEDGE |
	      VIRTIO_CONFIG_S_DRIVER);
	cc_wr(fn, COMMON(guest_feature_select), 4, 0);
	cc_wr(fn, COMMON(guest_feature), 4, (uint32_t)f);
	cc_wr(fn, COMMON(guest_feature_select), 4, 1);
	cc_wr(fn, COMMON(guest_feature), 4, f >> 32);
	cc_wr(fn, COMMON(device_status), 1, VIRTIO_CONFIG_S_ACKNOWLEDGE |
	      VIRTIO_CONFIG_S_DRIVER | VIRTIO_CONFIG_S_FEATURES_OK);
	cc_wr(fn, COMMON(msix_config), 2, 0);
	tring_init(rx, &e->m, RXQ_GPA, QSIZE);
	tring_init(tx, &e->m, TXQ_GPA, QSIZE);
	setup_queue(fn, VNET_RXQ, rx, 0);
	setup_queue(fn, VNET_TXQ, tx, 1);
	cc_wr(fn, COMMON(device_status), 1, VIRTIO_CONFIG_S_ACKNOWLEDGE |
	      VIRTIO_CONFIG_S_DRIVER | VIRTIO_CONFIG_S_FEATURES_OK |
	      VIRTIO_CONFIG_S_DRIVER_OK);
	ck_assert(virtio_pci_driver_ok(&e->vf[i]->vdev));
	post_tx(tx, 0, 12 + 60);
	kick(fn, VNET_TXQ);
	ck_assert_uint_eq(tring_used_idx(tx), 1);
	ck_assert_uint_eq(e->vf[i]->tx_packets, 1);
}

/* GET object @id of member 1 and its context; returns the blob. */
static uint8_t *get_context(struct env *e, uint64_t member, uint32_t id,
			    size_t *len)
{
	uint32_t size = 0;
	uint8_t *blob;
	struct res r;

	assert_ok(create(e, member, id, OBJ_GET));
	assert_ok(metadata(e, member, id,
			   VIRTIO_ADMIN_CMD_DEV_PARTS_METADATA_TYPE_SIZE, &size,
			   8));
	blob = malloc(size);
	r = parts_get(e, member, id, blob, size);
	assert_ok(r);
	ck_assert_uint_eq(r.len, size);
	*len = r.len;
	return blob;
}

static void save(struct env *e, unsigned int i, struct vnet_state *s)
{
	virtio_net_save(e->vf[i], s);
}

static void assert_states_equal(const struct vnet_state *a,
				const struct vnet_state *b)
{
	char diff[4096];
	int n = vnet_state_diff(a, b, diff, sizeof(diff));

	ck_assert_msg(n == 0, "%d differences:\n%s", n, diff);
	ck_assert_uint_eq(a->config_generation, b->config_generation);
}

/* ---- the tests ---- */

START_TEST(test_list_query_advertises_parts)
{
	struct env e;

	env_init(&e);
	ck_assert_uint_eq(e.supported & PARTS_CMDS, PARTS_CMDS);
	ck_assert_uint_eq(e.supported, 0x3e783);
	ck_assert_uint_eq(e.pf->admin.in_use, e.supported);
	ck_assert_uint_eq(e.pf->admin.drv_get_limit, LIMIT);
	ck_assert_uint_eq(e.pf->admin.drv_set_limit, LIMIT);
	env_free(&e);
}
END_TEST

START_TEST(test_create_ids)
{
	struct env e;

	env_init(&e);
	assert_ok(create(&e, 1, 0, OBJ_GET));
	assert_ok(create(&e, 1, LIMIT - 1, OBJ_SET));
	assert_res(create(&e, 1, LIMIT, OBJ_GET), ADMIN_STATUS_ENOMEM,
		   ADMIN_Q_NORESOURCE);
	assert_res(create(&e, 2, 255, OBJ_GET), ADMIN_STATUS_ENOMEM,
		   ADMIN_Q_NORESOURCE);
	assert_res(create(&e, 2, 0xffffffff, OBJ_SET), ADMIN_STATUS_ENOMEM,
		   ADMIN_Q_NORESOURCE);
	ck_assert_uint_eq(ADMIN_STATUS_ENOMEM, 12);
	/* Used: EINVAL, whatever the type or member. */
	assert_inval(create(&e, 1, 0, OBJ_GET), ADMIN_Q_INVALID_FIELD);
	assert_inval(create(&e, 1, 0, OBJ_SET), ADMIN_Q_INVALID_FIELD);
	assert_inval(create(&e, 2, LIMIT - 1, OBJ_GET), ADMIN_Q_INVALID_FIELD);
	ck_assert_uint_eq(ADMIN_STATUS_EINVAL, 22);
	ck_assert_uint_eq(e.pf->admin.nobjs, 2);
	env_free(&e);
}
END_TEST

START_TEST(test_create_bad_fields)
{
	struct env e;

	env_init(&e);
	assert_inval(create_raw(&e, SRIOV, 1, 1, 0, 0, OBJ_GET, 24),
		     ADMIN_Q_INVALID_FIELD);
	assert_inval(create_raw(&e, SRIOV, 1, 0xffff, 0, 0, OBJ_GET, 24),
		     ADMIN_Q_INVALID_FIELD);
	assert_inval(create_raw(&e, SRIOV, 1, 0, 0, 1, OBJ_GET, 24),
		     ADMIN_Q_INVALID_FIELD);
	assert_inval(create_raw(&e, SRIOV, 1, 0, 0, 1ull << 63, OBJ_GET, 24),
		     ADMIN_Q_INVALID_FIELD);
	assert_inval(create_raw(&e, SRIOV, 1, 0, 0, 0, 2, 24),
		     ADMIN_Q_INVALID_FIELD);
	assert_inval(create_raw(&e, SRIOV, 1, 0, 0, 0, 0xff, 24),
		     ADMIN_Q_INVALID_FIELD);
	assert_inval(create_raw(&e, SRIOV, 1, 0, 0, 0, OBJ_GET, 23),
		     ADMIN_Q_INVALID_COMMAND);
	assert_inval(create_raw(&e, SRIOV, 1, 0, 0, 0, OBJ_GET, 25),
		     ADMIN_Q_INVALID_FIELD);
	assert_inval(create_raw(&e, 0, 1, 0, 0, 0, OBJ_GET, 24),
		     ADMIN_Q_INVALID_GROUP);
	assert_inval(create_raw(&e, SELF, 1, 0, 0, 0, OBJ_GET, 24),
		     ADMIN_Q_INVALID_GROUP);
	assert_inval(create(&e, 0, 0, OBJ_GET), ADMIN_Q_INVALID_MEMBER);
	assert_inval(create(&e, 3, 0, OBJ_GET), ADMIN_Q_INVALID_MEMBER);
	assert_inval(create(&e, 8, 0, OBJ_GET), ADMIN_Q_INVALID_MEMBER);
	assert_inval(create(&e, 1ull << 40, 0, OBJ_GET),
		     ADMIN_Q_INVALID_MEMBER);
	/* None of them took id 0. */
	ck_assert_uint_eq(e.pf->admin.nobjs, 0);
	assert_ok(create(&e, 1, 0, OBJ_GET));
	env_free(&e);
}
END_TEST

START_TEST(test_create_member_not_enabled)
{
	struct env e;

	env_init(&e);
	vfs_enable(&e, 1);
	assert_inval(create(&e, 2, 0, OBJ_GET), ADMIN_Q_INVALID_MEMBER);
	assert_inval(mode_set(&e, 2, 1), ADMIN_Q_INVALID_MEMBER);
	assert_ok(create(&e, 1, 0, OBJ_GET));
	/* VF Enable clear: no member at all. */
	sr_wr(&e, PCI_SRIOV_CTRL, 0);
	assert_inval(create(&e, 1, 1, OBJ_GET), ADMIN_Q_INVALID_MEMBER);
	vfs_enable(&e, 2);
	assert_ok(create(&e, 2, 1, OBJ_GET));
	env_free(&e);
}
END_TEST

/* A reset discards live objects and counts them: the leak that survives it. */
START_TEST(test_reset_counts_dropped_objects)
{
	struct env e;

	env_init(&e);
	assert_ok(create(&e, 1, 0, OBJ_GET));
	assert_ok(create(&e, 2, 1, OBJ_SET));
	assert_ok(destroy(&e, 2, 1));
	ck_assert_uint_eq(e.pf->admin.dropped, 0);
	admin_dev_reset(&e.pf->admin);
	ck_assert_uint_eq(e.pf->admin.nobjs, 0);
	ck_assert_uint_eq(e.pf->admin.dropped, 1);
	admin_dev_reset(&e.pf->admin);
	ck_assert_uint_eq(e.pf->admin.dropped, 1);
	env_free(&e);
}
END_TEST

START_TEST(test_ids_shared_pf_wide)
{
	struct env e;

	env_init(&e);
	assert_ok(create(&e, 1, 1, OBJ_GET));
	assert_inval(create(&e, 2, 1, OBJ_GET), ADMIN_Q_INVALID_FIELD);
	/* Another member cannot destroy it (answered OK, nothing freed). */
	assert_ok(destroy(&e, 2, 1));
	assert_inval(create(&e, 2, 1, OBJ_SET), ADMIN_Q_INVALID_FIELD);
	ck_assert_uint_eq(e.pf->admin.nobjs, 1);
	assert_ok(destroy(&e, 1, 1));
	ck_assert_uint_eq(e.pf->admin.nobjs, 0);
	assert_ok(create(&e, 2, 1, OBJ_SET));
	/* Unknown ids: OK. */
	assert_ok(destroy(&e, 1, 1));
	assert_ok(destroy(&e, 1, 3));
	assert_ok(destroy(&e, 2, 200));
	assert_ok(destroy(&e, 2, 0xffffffff));
	ck_assert_uint_eq(e.pf->admin.nobjs, 1);
	assert_inval(exec(&e, VIRTIO_ADMIN_CMD_RESOURCE_OBJ_DESTROY, 0, 2,
			  "\0\0\0\0\1\0\0\0", 8, NULL, 0),
		     ADMIN_Q_INVALID_GROUP);
	assert_inval(exec(&e, VIRTIO_ADMIN_CMD_RESOURCE_OBJ_DESTROY, SRIOV, 2,
			  "\0\0\0\0\1\0\0\0", 7, NULL, 0),
		     ADMIN_Q_INVALID_COMMAND);
	ck_assert_uint_eq(e.pf->admin.nobjs, 1);
	env_free(&e);
}
END_TEST

START_TEST(test_metadata_size_is_get_length)
{
	struct vnet_state now, out;
	uint32_t size = 0, size2 = 0;
	char err[200];
	uint8_t *buf;
	struct res r;
	struct env e;

	env_init(&e);
	assert_ok(create(&e, 1, 2, OBJ_GET));
	assert_ok(metadata(&e, 1, 2,
			   VIRTIO_ADMIN_CMD_DEV_PARTS_METADATA_TYPE_SIZE,
			   &size, 8));
	save(&e, 0, &now);
	ck_assert_uint_eq(size, dev_parts_size(&now));
	ck_assert_uint_gt(size, EXTRA);
	buf = malloc(size + 64);
	memset(buf, 0xee, size + 64);
	r = parts_get(&e, 1, 2, buf, size + 64);
	assert_ok(r);
	ck_assert_uint_eq(r.len, size);
	for (size_t i = size; i < size + 64; i++)
		ck_assert_uint_eq(buf[i], 0xee);
	ck_assert_int_eq(dev_parts_decode(buf, r.len, &now, &out, err,
					  sizeof(err)), 0);
	ck_assert_uint_eq(out.opaque_len, EXTRA);
	assert_states_equal(&now, &out);
	ck_assert_uint_eq(e.vf[0]->contexts_saved, 1);
	ck_assert(e.vf[0]->saved);
	/* The other VF: the same size (same model and context_extra). */
	assert_ok(create(&e, 2, 3, OBJ_GET));
	assert_ok(metadata(&e, 2, 3,
			   VIRTIO_ADMIN_CMD_DEV_PARTS_METADATA_TYPE_SIZE,
			   &size2, 8));
	ck_assert_uint_eq(size2, size);
	/* COUNT and LIST are not served; the result needs 8 bytes. */
	assert_inval(metadata(&e, 1, 2,
			      VIRTIO_ADMIN_CMD_DEV_PARTS_METADATA_TYPE_COUNT,
			      &size, 8), ADMIN_Q_INVALID_FIELD);
	assert_inval(metadata(&e, 1, 2,
			      VIRTIO_ADMIN_CMD_DEV_PARTS_METADATA_TYPE_SIZE,
			      &size, 7), ADMIN_Q_INVALID_FIELD);
	free(buf);
	env_free(&e);
}
END_TEST

START_TEST(test_get_needs_own_get_object)
{
	uint8_t *buf = malloc(1 << 16);
	uint32_t size;
	struct env e;

	env_init(&e);
	assert_ok(create(&e, 1, 0, OBJ_GET));
	assert_ok(create(&e, 1, 1, OBJ_SET));
	assert_ok(create(&e, 2, 2, OBJ_GET));
	/* A SET object, another member's object, no object. */
	assert_inval(parts_get(&e, 1, 1, buf, 1 << 16), ADMIN_Q_INVALID_FIELD);
	assert_inval(parts_get(&e, 1, 2, buf, 1 << 16), ADMIN_Q_INVALID_FIELD);
	assert_inval(parts_get(&e, 2, 0, buf, 1 << 16), ADMIN_Q_INVALID_FIELD);
	assert_inval(parts_get(&e, 1, 3, buf, 1 << 16), ADMIN_Q_INVALID_FIELD);
	assert_inval(parts_get(&e, 1, 300, buf, 1 << 16),
		     ADMIN_Q_INVALID_FIELD);
	assert_inval(metadata(&e, 1, 1,
			      VIRTIO_ADMIN_CMD_DEV_PARTS_METADATA_TYPE_SIZE,
			      &size, 8), ADMIN_Q_INVALID_FIELD);
	assert_inval(metadata(&e, 2, 0,
			      VIRTIO_ADMIN_CMD_DEV_PARTS_METADATA_TYPE_SIZE,
			      &size, 8), ADMIN_Q_INVALID_FIELD);
	ck_assert_uint_eq(e.vf[0]->contexts_saved, 0);
	ck_assert_uint_eq(e.vf[1]->contexts_saved, 0);
	/* GET type SELECTED is not served. */
	{
		struct virtio_admin_cmd_dev_parts_get_data d = {
			.hdr = { .type = 0, .id = 0 },
			.type = VIRTIO_ADMIN_CMD_DEV_PARTS_GET_TYPE_SELECTED,
		};

		assert_inval(exec(&e, VIRTIO_ADMIN_CMD_DEV_PARTS_GET, SRIOV, 1,
				  &d, sizeof(d), buf, 1 << 16),
			     ADMIN_Q_INVALID_FIELD);
	}
	assert_ok(parts_get(&e, 1, 0, buf, 1 << 16));
	assert_ok(parts_get(&e, 2, 2, buf, 1 << 16));
	free(buf);
	env_free(&e);
}
END_TEST

START_TEST(test_get_result_too_small)
{
	uint32_t size = 0;
	uint8_t *buf;
	struct env e;

	env_init(&e);
	assert_ok(create(&e, 1, 0, OBJ_GET));
	assert_ok(metadata(&e, 1, 0,
			   VIRTIO_ADMIN_CMD_DEV_PARTS_METADATA_TYPE_SIZE,
			   &size, 8));
	buf = malloc(size);
	memset(buf, 0xee, size);
	assert_inval(parts_get(&e, 1, 0, buf, size - 1),
		     ADMIN_Q_INVALID_FIELD);
	assert_inval(parts_get(&e, 1, 0, buf, 0), ADMIN_Q_INVALID_FIELD);
	for (size_t i = 0; i < size; i++)
		ck_assert_uint_eq(buf[i], 0xee);
	ck_assert_uint_eq(e.vf[0]->contexts_saved, 0);
	ck_assert_uint_eq(parts_get(&e, 1, 0, buf, size).len, size);
	free(buf);
	env_free(&e);
}
END_TEST

START_TEST(test_set_migrates_vf1_to_vf2)
{
	struct vnet_state src, dst;
	struct tring rx, tx;
	uint8_t *blob;
	size_t len;
	struct env e;

	env_init(&e);
	vf_run(&e, 0, &rx, &tx);
	save(&e, 1, &dst);
	ck_assert_uint_ne(dst.mac[5], e.vf[0]->mac[5]);
	blob = get_context(&e, 1, 0, &len);
	assert_ok(create(&e, 2, 1, OBJ_SET));
	assert_ok(parts_set(&e, 2, 1, blob, len));
	ck_assert_uint_eq(e.vf[1]->contexts_loaded, 1);
	save(&e, 0, &src);
	save(&e, 1, &dst);
	assert_states_equal(&src, &dst);
	ck_assert_mem_eq(e.vf[1]->mac, e.vf[0]->mac, 6);
	ck_assert_uint_eq(dst.status & VIRTIO_CONFIG_S_DRIVER_OK,
			  VIRTIO_CONFIG_S_DRIVER_OK);
	ck_assert(e.vf[1]->vdev.q[VNET_TXQ].enabled);
	ck_assert_uint_eq(dst.q[VNET_TXQ].last_avail_idx, 1);
	ck_assert_uint_eq(dst.tx_packets, 1);
	/* VF2 carries on where VF1 stopped: the next packet is its first. */
	post_tx(&tx, 1, 12 + 100);
	kick(&e.vf[1]->fn, VNET_TXQ);
	ck_assert_uint_eq(tring_used_idx(&tx), 2);
	ck_assert_uint_eq(tring_used(&tx, 1).id, 1);
	ck_assert_uint_eq(e.vf[1]->tx_packets, 2);
	ck_assert_uint_eq(e.vf[1]->tx_bytes, 160);
	ck_assert_uint_eq(e.vf[0]->tx_packets, 1);
	free(blob);
	env_free(&e);
}
END_TEST

START_TEST(test_set_rejects_bad_blob)
{
	struct vnet_state before, after;
	struct tring rx, tx;
	uint8_t *blob;
	size_t len;
	struct env e;

	env_init(&e);
	vf_run(&e, 0, &rx, &tx);
	blob = get_context(&e, 1, 0, &len);
	assert_ok(create(&e, 2, 1, OBJ_SET));
	save(&e, 1, &before);
	blob[len / 2] ^= 0x20;
	assert_inval(parts_set(&e, 2, 1, blob, len), ADMIN_Q_INVALID_FIELD);
	blob[len / 2] ^= 0x20;
	assert_inval(parts_set(&e, 2, 1, blob, len - 1),
		     ADMIN_Q_INVALID_FIELD);
	assert_inval(parts_set(&e, 2, 1, blob, 0), ADMIN_Q_INVALID_FIELD);
	assert_inval(exec(&e, VIRTIO_ADMIN_CMD_DEV_PARTS_SET, SRIOV, 2,
			  "\0\0\0\0\1\0\0", 7, NULL, 0),
		     ADMIN_Q_INVALID_COMMAND);
	/* Needs a SET object of the member. */
	assert_inval(parts_set(&e, 2, 0, blob, len), ADMIN_Q_INVALID_FIELD);
	assert_inval(parts_set(&e, 1, 1, blob, len), ADMIN_Q_INVALID_FIELD);
	save(&e, 1, &after);
	assert_states_equal(&before, &after);
	ck_assert_uint_eq(e.vf[1]->mac[5], 0x02);
	ck_assert_uint_eq(e.vf[1]->vdev.status, 0);
	ck_assert_uint_eq(e.vf[1]->contexts_loaded, 0);
	/* The intact blob still goes in. */
	assert_ok(parts_set(&e, 2, 1, blob, len));
	ck_assert_uint_eq(e.vf[1]->mac[5], 0x01);
	free(blob);
	env_free(&e);
}
END_TEST

START_TEST(test_mode_set)
{
	struct env e;

	env_init(&e);
	assert_ok(mode_set(&e, 1, 1));
	ck_assert(e.vf[0]->vdev.stopped);
	ck_assert(!e.vf[1]->vdev.stopped);
	assert_ok(mode_set(&e, 1, 1));
	ck_assert(e.vf[0]->vdev.stopped);
	for (unsigned int b = 1; b < 8; b++) {
		assert_inval(mode_set(&e, 1, 1u << b), ADMIN_Q_INVALID_FIELD);
		assert_inval(mode_set(&e, 1, 1u << b | 1),
			     ADMIN_Q_INVALID_FIELD);
	}
	assert_inval(mode_set(&e, 1, 0x80), ADMIN_Q_INVALID_FIELD);
	ck_assert(e.vf[0]->vdev.stopped);
	assert_ok(mode_set(&e, 1, 0));
	ck_assert(!e.vf[0]->vdev.stopped);
	/* Data length other than 1. */
	assert_inval(exec(&e, VIRTIO_ADMIN_CMD_DEV_MODE_SET, SRIOV, 1, NULL, 0,
			  NULL, 0), ADMIN_Q_INVALID_COMMAND);
	assert_inval(exec(&e, VIRTIO_ADMIN_CMD_DEV_MODE_SET, SRIOV, 1, "\1\0",
			  2, NULL, 0), ADMIN_Q_INVALID_FIELD);
	ck_assert(!e.vf[0]->vdev.stopped);
	assert_inval(mode_set(&e, 0, 1), ADMIN_Q_INVALID_MEMBER);
	assert_inval(mode_set(&e, 3, 1), ADMIN_Q_INVALID_MEMBER);
	assert_ok(mode_set(&e, 2, 1));
	ck_assert(e.vf[1]->vdev.stopped);
	ck_assert(!e.vf[0]->vdev.stopped);
	env_free(&e);
}
END_TEST

START_TEST(test_mode_set_holds_queue)
{
	struct tring rx, tx;
	struct env e;

	env_init(&e);
	vf_run(&e, 0, &rx, &tx);
	ck_assert_uint_eq(e.tp[1].n, 1);
	assert_ok(mode_set(&e, 1, 1));
	post_tx(&tx, 1, 80);
	kick(&e.vf[0]->fn, VNET_TXQ);
	ck_assert_uint_eq(tring_used_idx(&tx), 1);
	ck_assert_uint_eq(e.vf[0]->tx_packets, 1);
	ck_assert_uint_eq(e.tp[1].n, 1);
	/* The context can be read while stopped. */
	free(get_context(&e, 1, 0, &(size_t){ 0 }));
	assert_ok(mode_set(&e, 1, 0));
	ck_assert_uint_eq(tring_used_idx(&tx), 2);
	ck_assert_uint_eq(e.vf[0]->tx_packets, 2);
	ck_assert_uint_eq(e.tp[1].n, 2);
	ck_assert_uint_eq(e.tp[1].data[1], 0x41);
	env_free(&e);
}
END_TEST

START_TEST(test_vf_flr_resumes_member)
{
	struct env e;

	env_init(&e);
	assert_ok(create(&e, 1, 0, OBJ_GET));
	assert_ok(mode_set(&e, 1, 1));
	ck_assert(e.vf[0]->vdev.stopped);
	pci_func_reset(&e.vf[0]->fn);
	ck_assert(!e.vf[0]->vdev.stopped);
	ck_assert_uint_eq(e.vf[0]->vdev.pending_kicks, 0);
	assert_ok(destroy(&e, 1, 0));
	assert_ok(destroy(&e, 1, 0));
	assert_ok(create(&e, 1, 0, OBJ_SET));
	/* An FLR through config space does the same. */
	assert_ok(mode_set(&e, 1, 1));
	pci_func_cfg_write(&e.vf[0]->fn, e.vf[0]->fn.pcie_cap + PCI_EXP_DEVCTL,
			   2, PCI_EXP_DEVCTL_BCR_FLR);
	ck_assert_uint_eq(e.vf[0]->fn.flrs, 1);
	ck_assert(!e.vf[0]->vdev.stopped);
	assert_ok(destroy(&e, 1, 0));
	/* So does a VF Enable cycle. */
	assert_ok(mode_set(&e, 2, 1));
	vfs_enable(&e, 2);
	ck_assert(!e.vf[1]->vdev.stopped);
	env_free(&e);
}
END_TEST

Suite *admin_parts_suite(void)
{
	Suite *s = suite_create("admin_parts");
	TCase *to = tcase_create("objects");
	TCase *tp = tcase_create("parts");
	TCase *tm = tcase_create("mode");

	tcase_add_test(to, test_list_query_advertises_parts);
	tcase_add_test(to, test_create_ids);
	tcase_add_test(to, test_create_bad_fields);
	tcase_add_test(to, test_create_member_not_enabled);
	tcase_add_test(to, test_ids_shared_pf_wide);
	tcase_add_test(to, test_reset_counts_dropped_objects);
	suite_add_tcase(s, to);
	tcase_add_test(tp, test_metadata_size_is_get_length);
	tcase_add_test(tp, test_get_needs_own_get_object);
	tcase_add_test(tp, test_get_result_too_small);
	tcase_add_test(tp, test_set_migrates_vf1_to_vf2);
	tcase_add_test(tp, test_set_rejects_bad_blob);
	suite_add_tcase(s, tp);
	tcase_add_test(tm, test_mode_set);
	tcase_add_test(tm, test_mode_set_holds_queue);
	tcase_add_test(tm, test_vf_flr_resumes_member);
	suite_add_tcase(s, tm);
	return s;
}
