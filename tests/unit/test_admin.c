// SPDX-License-Identifier: GPL-2.0
/* Virtio admin commands as the owner device executes them. */
#include <errno.h>
#include <string.h>
#include <linux/virtio_pci.h>

#include "models/virtio_admin.h"
#include "helpers.h"

#define SELF VIRTIO_ADMIN_GROUP_TYPE_SELF
#define SRIOV VIRTIO_ADMIN_GROUP_TYPE_SRIOV
#define SUPPORTED 0x383ull	/* bits 0, 1, 7, 8, 9 */
#define GET_LIMIT 15
#define SET_LIMIT 14

struct cmd {
	uint8_t req[ADMIN_HDR_LEN + 4096];
	uint8_t result[64];
	struct admin_cmd c;
};

/* Build and execute a command; @rcap bytes of result space. */
static struct admin_cmd *run(struct admin_dev *a, struct cmd *k, uint16_t op,
			     uint16_t group, uint64_t member, const void *data,
			     size_t dlen, size_t rcap)
{
	struct virtio_admin_cmd_hdr h = {
		.opcode = op, .group_type = group, .group_member_id = member,
	};

	memset(k, 0, sizeof(*k));
	memcpy(k->req, &h, sizeof(h));
	if (dlen)
		memcpy(k->req + sizeof(h), data, dlen);
	ck_assert_int_eq(admin_parse(k->req, sizeof(h) + dlen, &k->c), 0);
	k->c.result = k->result;
	k->c.result_cap = rcap;
	admin_exec(a, &k->c);
	return &k->c;
}

static void assert_status(const struct admin_cmd *c, uint16_t st,
			  uint16_t qual)
{
	ck_assert_uint_eq(c->status, st);
	ck_assert_uint_eq(c->qualifier, qual);
	if (st)
		ck_assert_uint_eq(c->result_len, 0);
}

static uint64_t le64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static void init(struct admin_dev *a)
{
	admin_dev_init(a, "pf", GET_LIMIT, SET_LIMIT);
}

static void use(struct admin_dev *a, uint64_t bits)
{
	struct cmd k;

	assert_status(run(a, &k, VIRTIO_ADMIN_CMD_LIST_USE, SRIOV, 0, &bits,
			  8, 0), 0, 0);
}

START_TEST(test_parse)
{
	struct virtio_admin_cmd_hdr h = {
		.opcode = 7, .group_type = 1, .group_member_id = 3,
	};
	uint8_t req[ADMIN_HDR_LEN + 2] = { 0 };
	struct admin_cmd c;

	memcpy(req, &h, sizeof(h));
	ck_assert_int_eq(admin_parse(req, ADMIN_HDR_LEN - 1, &c), -EINVAL);
	ck_assert_int_eq(admin_parse(req, 0, &c), -EINVAL);
	ck_assert_int_eq(admin_parse(req, sizeof(req), &c), 0);
	ck_assert_uint_eq(c.opcode, 7);
	ck_assert_uint_eq(c.group_type, 1);
	ck_assert_uint_eq(c.member_id, 3);
	ck_assert_uint_eq(c.data_len, 2);
	ck_assert_ptr_eq(c.data, req + ADMIN_HDR_LEN);
}
END_TEST

START_TEST(test_list_query)
{
	struct admin_dev a;
	struct cmd k;

	init(&a);
	assert_status(run(&a, &k, VIRTIO_ADMIN_CMD_LIST_QUERY, SRIOV, 0, NULL,
			  0, 8), 0, 0);
	ck_assert_uint_eq(k.c.result_len, 8);
	ck_assert_uint_eq(le64(k.result), SUPPORTED);
	assert_status(run(&a, &k, VIRTIO_ADMIN_CMD_LIST_QUERY, SELF, 0, NULL,
			  0, 8), 0, 0);
	ck_assert_uint_eq(le64(k.result), SUPPORTED);
}
END_TEST

START_TEST(test_list_use)
{
	struct admin_dev a;
	uint64_t bits = SUPPORTED | 4;
	struct cmd k;

	init(&a);
	use(&a, SUPPORTED);
	ck_assert_uint_eq(a.in_use, SUPPORTED);
	use(&a, SUPPORTED & ~3ull);	/* Linux leaves out bits 0 and 1 */
	ck_assert_uint_eq(a.in_use, SUPPORTED & ~3ull);
	assert_status(run(&a, &k, VIRTIO_ADMIN_CMD_LIST_USE, SRIOV, 0, &bits,
			  8, 0), ADMIN_STATUS_EINVAL, ADMIN_Q_INVALID_FIELD);
	ck_assert_uint_eq(a.in_use, SUPPORTED & ~3ull);
	assert_status(run(&a, &k, VIRTIO_ADMIN_CMD_LIST_USE, SRIOV, 0, &bits,
			  4, 0), ADMIN_STATUS_EINVAL, ADMIN_Q_INVALID_COMMAND);
}
END_TEST

START_TEST(test_cap_id_list_query)
{
	struct admin_dev a;
	struct cmd k;

	init(&a);
	use(&a, SUPPORTED);
	assert_status(run(&a, &k, VIRTIO_ADMIN_CMD_CAP_ID_LIST_QUERY, SELF, 0,
			  NULL, 0, 8), 0, 0);
	ck_assert_uint_eq(k.c.result_len, 8);
	ck_assert_uint_eq(le64(k.result), 1ull << VIRTIO_DEV_PARTS_CAP);
}
END_TEST

START_TEST(test_device_cap_get)
{
	struct virtio_admin_cmd_cap_get_data d = { .id = VIRTIO_DEV_PARTS_CAP };
	struct virtio_dev_parts_cap *cap;
	struct admin_dev a;
	struct cmd k;

	init(&a);
	use(&a, SUPPORTED);
	assert_status(run(&a, &k, VIRTIO_ADMIN_CMD_DEVICE_CAP_GET, SELF, 0, &d,
			  sizeof(d), sizeof(*cap)), 0, 0);
	ck_assert_uint_eq(k.c.result_len, sizeof(*cap));
	cap = (void *)k.result;
	ck_assert_uint_eq(cap->get_parts_resource_objects_limit, GET_LIMIT);
	ck_assert_uint_eq(cap->set_parts_resource_objects_limit, SET_LIMIT);
	d.id = 1;
	assert_status(run(&a, &k, VIRTIO_ADMIN_CMD_DEVICE_CAP_GET, SELF, 0, &d,
			  sizeof(d), sizeof(*cap)), ADMIN_STATUS_EINVAL,
		      ADMIN_Q_INVALID_FIELD);
}
END_TEST

static struct admin_cmd *cap_set(struct admin_dev *a, struct cmd *k,
				 uint8_t get, uint8_t set)
{
	uint8_t d[sizeof(struct virtio_admin_cmd_cap_set_data) +
		  sizeof(struct virtio_dev_parts_cap)] = { 0 };

	d[8] = get;
	d[9] = set;
	return run(a, k, VIRTIO_ADMIN_CMD_DRIVER_CAP_SET, SELF, 0, d,
		   sizeof(d), 0);
}

START_TEST(test_driver_cap_set)
{
	struct admin_dev a;
	struct cmd k;

	init(&a);
	use(&a, SUPPORTED);
	assert_status(cap_set(&a, &k, 3, 4), 0, 0);
	ck_assert_uint_eq(a.drv_get_limit, 3);
	ck_assert_uint_eq(a.drv_set_limit, 4);
	assert_status(cap_set(&a, &k, GET_LIMIT, SET_LIMIT), 0, 0);
	assert_status(cap_set(&a, &k, GET_LIMIT + 1, 1), ADMIN_STATUS_EINVAL,
		      ADMIN_Q_INVALID_FIELD);
	assert_status(cap_set(&a, &k, 1, SET_LIMIT + 1), ADMIN_STATUS_EINVAL,
		      ADMIN_Q_INVALID_FIELD);
	ck_assert_uint_eq(a.drv_get_limit, GET_LIMIT);
	ck_assert_uint_eq(a.drv_set_limit, SET_LIMIT);
}
END_TEST

START_TEST(test_wrong_group)
{
	struct admin_dev a;
	struct cmd k;

	init(&a);
	use(&a, SUPPORTED);
	assert_status(run(&a, &k, VIRTIO_ADMIN_CMD_LIST_QUERY, 2, 0, NULL, 0,
			  8), ADMIN_STATUS_EINVAL, ADMIN_Q_INVALID_GROUP);
	assert_status(run(&a, &k, VIRTIO_ADMIN_CMD_CAP_ID_LIST_QUERY, SRIOV, 0,
			  NULL, 0, 8), ADMIN_STATUS_EINVAL,
		      ADMIN_Q_INVALID_GROUP);
}
END_TEST

START_TEST(test_nonzero_member)
{
	struct admin_dev a;
	struct cmd k;

	init(&a);
	assert_status(run(&a, &k, VIRTIO_ADMIN_CMD_LIST_QUERY, SRIOV, 1, NULL,
			  0, 8), ADMIN_STATUS_EINVAL, ADMIN_Q_INVALID_MEMBER);
}
END_TEST

START_TEST(test_data_size)
{
	struct virtio_admin_cmd_cap_get_data d = { .id = VIRTIO_DEV_PARTS_CAP };
	static const uint8_t big[4096];
	struct admin_dev a;
	struct cmd k;

	init(&a);
	use(&a, SUPPORTED);
	assert_status(run(&a, &k, VIRTIO_ADMIN_CMD_DEVICE_CAP_GET, SELF, 0, &d,
			  sizeof(d) - 1, 2), ADMIN_STATUS_EINVAL,
		      ADMIN_Q_INVALID_COMMAND);
	assert_status(run(&a, &k, VIRTIO_ADMIN_CMD_DEVICE_CAP_GET, SELF, 0,
			  big, sizeof(big), 2), ADMIN_STATUS_EINVAL,
		      ADMIN_Q_INVALID_COMMAND);
	assert_status(run(&a, &k, VIRTIO_ADMIN_CMD_LIST_QUERY, SRIOV, 0, big,
			  8, 8), ADMIN_STATUS_EINVAL, ADMIN_Q_INVALID_COMMAND);
}
END_TEST

START_TEST(test_result_too_small)
{
	struct virtio_admin_cmd_cap_get_data d = { .id = VIRTIO_DEV_PARTS_CAP };
	struct admin_dev a;
	struct cmd k;

	init(&a);
	use(&a, SUPPORTED);
	assert_status(run(&a, &k, VIRTIO_ADMIN_CMD_LIST_QUERY, SRIOV, 0, NULL,
			  0, 7), ADMIN_STATUS_EINVAL, ADMIN_Q_INVALID_FIELD);
	assert_status(run(&a, &k, VIRTIO_ADMIN_CMD_DEVICE_CAP_GET, SELF, 0, &d,
			  sizeof(d), 1), ADMIN_STATUS_EINVAL,
		      ADMIN_Q_INVALID_FIELD);
}
END_TEST

START_TEST(test_unsupported_opcodes)
{
	static const uint16_t ops[] = {
		VIRTIO_ADMIN_CMD_LEGACY_COMMON_CFG_WRITE,
		VIRTIO_ADMIN_CMD_LEGACY_NOTIFY_INFO,
		VIRTIO_ADMIN_CMD_RESOURCE_OBJ_CREATE,
		VIRTIO_ADMIN_CMD_DEV_PARTS_GET,
		VIRTIO_ADMIN_CMD_DEV_MODE_SET, 63, 64, 0xffff,
	};
	struct admin_dev a;
	struct cmd k;

	init(&a);
	use(&a, SUPPORTED);
	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
		assert_status(run(&a, &k, ops[i], SELF, 0, NULL, 0, 64),
			      ADMIN_STATUS_EOPNOTSUPP,
			      ADMIN_Q_INVALID_OPCODE);
	ck_assert_uint_eq(a.failed, sizeof(ops) / sizeof(ops[0]));
}
END_TEST

START_TEST(test_not_enabled_by_list_use)
{
	struct virtio_admin_cmd_cap_get_data d = { .id = VIRTIO_DEV_PARTS_CAP };
	struct admin_dev a;
	struct cmd k;

	init(&a);
	assert_status(run(&a, &k, VIRTIO_ADMIN_CMD_CAP_ID_LIST_QUERY, SELF, 0,
			  NULL, 0, 8), ADMIN_STATUS_EOPNOTSUPP,
		      ADMIN_Q_INVALID_OPCODE);
	use(&a, 1ull << VIRTIO_ADMIN_CMD_CAP_ID_LIST_QUERY);
	assert_status(run(&a, &k, VIRTIO_ADMIN_CMD_CAP_ID_LIST_QUERY, SELF, 0,
			  NULL, 0, 8), 0, 0);
	assert_status(run(&a, &k, VIRTIO_ADMIN_CMD_DEVICE_CAP_GET, SELF, 0, &d,
			  sizeof(d), 2), ADMIN_STATUS_EOPNOTSUPP,
		      ADMIN_Q_INVALID_OPCODE);
	admin_dev_reset(&a);
	assert_status(run(&a, &k, VIRTIO_ADMIN_CMD_CAP_ID_LIST_QUERY, SELF, 0,
			  NULL, 0, 8), ADMIN_STATUS_EOPNOTSUPP,
		      ADMIN_Q_INVALID_OPCODE);
}
END_TEST

Suite *admin_suite(void)
{
	Suite *s = suite_create("virtio_admin");
	TCase *tc = tcase_create("commands");

	tcase_add_test(tc, test_parse);
	tcase_add_test(tc, test_list_query);
	tcase_add_test(tc, test_list_use);
	tcase_add_test(tc, test_cap_id_list_query);
	tcase_add_test(tc, test_device_cap_get);
	tcase_add_test(tc, test_driver_cap_set);
	tcase_add_test(tc, test_wrong_group);
	tcase_add_test(tc, test_nonzero_member);
	tcase_add_test(tc, test_data_size);
	tcase_add_test(tc, test_result_too_small);
	tcase_add_test(tc, test_unsupported_opcodes);
	tcase_add_test(tc, test_not_enabled_by_list_use);
	suite_add_tcase(s, tc);
	return s;
}
