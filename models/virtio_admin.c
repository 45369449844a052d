// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <linux/virtio_pci.h>

#include "../sim/log.h"
#include "../sim/trace.h"
#include "virtio_admin.h"

#define BIT64(n) (1ull << (n))

static uint64_t get_le(const uint8_t *p, unsigned int len)
{
	uint64_t v = 0;

	while (len--)
		v = v << 8 | p[len];
	return v;
}

static void put_le(uint8_t *p, unsigned int len, uint64_t v)
{
	for (unsigned int i = 0; i < len; i++)
		p[i] = v >> (8 * i);
}

const char *admin_opcode_name(uint16_t op)
{
	static const char *const names[] = {
		[VIRTIO_ADMIN_CMD_LIST_QUERY] = "LIST_QUERY",
		[VIRTIO_ADMIN_CMD_LIST_USE] = "LIST_USE",
		[VIRTIO_ADMIN_CMD_LEGACY_COMMON_CFG_WRITE] = "LEGACY_COMMON_CFG_WRITE",
		[VIRTIO_ADMIN_CMD_LEGACY_COMMON_CFG_READ] = "LEGACY_COMMON_CFG_READ",
		[VIRTIO_ADMIN_CMD_LEGACY_DEV_CFG_WRITE] = "LEGACY_DEV_CFG_WRITE",
		[VIRTIO_ADMIN_CMD_LEGACY_DEV_CFG_READ] = "LEGACY_DEV_CFG_READ",
		[VIRTIO_ADMIN_CMD_LEGACY_NOTIFY_INFO] = "LEGACY_NOTIFY_INFO",
		[VIRTIO_ADMIN_CMD_CAP_ID_LIST_QUERY] = "CAP_ID_LIST_QUERY",
		[VIRTIO_ADMIN_CMD_DEVICE_CAP_GET] = "DEVICE_CAP_GET",
		[VIRTIO_ADMIN_CMD_DRIVER_CAP_SET] = "DRIVER_CAP_SET",
		[VIRTIO_ADMIN_CMD_RESOURCE_OBJ_CREATE] = "RESOURCE_OBJ_CREATE",
		[VIRTIO_ADMIN_CMD_RESOURCE_OBJ_DESTROY] = "RESOURCE_OBJ_DESTROY",
		[VIRTIO_ADMIN_CMD_DEV_PARTS_METADATA_GET] = "DEV_PARTS_METADATA_GET",
		[VIRTIO_ADMIN_CMD_DEV_PARTS_GET] = "DEV_PARTS_GET",
		[VIRTIO_ADMIN_CMD_DEV_PARTS_SET] = "DEV_PARTS_SET",
		[VIRTIO_ADMIN_CMD_DEV_MODE_SET] = "DEV_MODE_SET",
	};

	if (op < sizeof(names) / sizeof(names[0]) && names[op])
		return names[op];
	return "UNKNOWN";
}

void admin_dev_init(struct admin_dev *a, const char *name, uint8_t get_limit,
		    uint8_t set_limit)
{
	memset(a, 0, sizeof(*a));
	a->name = name;
	a->supported = BIT64(VIRTIO_ADMIN_CMD_LIST_QUERY) |
		       BIT64(VIRTIO_ADMIN_CMD_LIST_USE) |
		       BIT64(VIRTIO_ADMIN_CMD_CAP_ID_LIST_QUERY) |
		       BIT64(VIRTIO_ADMIN_CMD_DEVICE_CAP_GET) |
		       BIT64(VIRTIO_ADMIN_CMD_DRIVER_CAP_SET);
	a->get_limit = get_limit;
	a->set_limit = set_limit;
}

void admin_dev_reset(struct admin_dev *a)
{
	a->in_use = 0;
	a->drv_get_limit = a->drv_set_limit = 0;
}

int admin_parse(const uint8_t *req, size_t len, struct admin_cmd *cmd)
{
	memset(cmd, 0, sizeof(*cmd));
	if (len < ADMIN_HDR_LEN)
		return -EINVAL;
	cmd->opcode = get_le(req, 2);
	cmd->group_type = get_le(req + 2, 2);
	cmd->member_id = get_le(req + 16, 8);
	cmd->data = req + ADMIN_HDR_LEN;
	cmd->data_len = len - ADMIN_HDR_LEN;
	return 0;
}

static void fail(struct admin_cmd *cmd, uint16_t status, uint16_t qual)
{
	cmd->status = status;
	cmd->qualifier = qual;
	cmd->result_len = 0;
}

/* Check group, member and sizes; false (status set) if the command is bad. */
static bool check(struct admin_cmd *cmd, uint16_t group, size_t data_len,
		  size_t result_len)
{
	if (cmd->group_type != group) {
		fail(cmd, ADMIN_STATUS_EINVAL, ADMIN_Q_INVALID_GROUP);
		return false;
	}
	if (cmd->member_id) {
		fail(cmd, ADMIN_STATUS_EINVAL, ADMIN_Q_INVALID_MEMBER);
		return false;
	}
	if (cmd->data_len != data_len) {
		fail(cmd, ADMIN_STATUS_EINVAL, ADMIN_Q_INVALID_COMMAND);
		return false;
	}
	if (cmd->result_cap < result_len) {
		fail(cmd, ADMIN_STATUS_EINVAL, ADMIN_Q_INVALID_FIELD);
		return false;
	}
	return true;
}

static void list_query(struct admin_dev *a, struct admin_cmd *cmd)
{
	if (cmd->group_type != VIRTIO_ADMIN_GROUP_TYPE_SELF &&
	    !check(cmd, VIRTIO_ADMIN_GROUP_TYPE_SRIOV, 0, 8))
		return;
	if (cmd->group_type == VIRTIO_ADMIN_GROUP_TYPE_SELF &&
	    !check(cmd, VIRTIO_ADMIN_GROUP_TYPE_SELF, 0, 8))
		return;
	put_le(cmd->result, 8, a->supported);
	cmd->result_len = 8;
}

static void list_use(struct admin_dev *a, struct admin_cmd *cmd)
{
	uint64_t use;

	if (cmd->group_type != VIRTIO_ADMIN_GROUP_TYPE_SELF &&
	    !check(cmd, VIRTIO_ADMIN_GROUP_TYPE_SRIOV, 8, 0))
		return;
	if (cmd->group_type == VIRTIO_ADMIN_GROUP_TYPE_SELF &&
	    !check(cmd, VIRTIO_ADMIN_GROUP_TYPE_SELF, 8, 0))
		return;
	use = get_le(cmd->data, 8);
	/* Linux leaves out bits 0 and 1 (always usable); accept that. */
	if (use & ~a->supported) {
		fail(cmd, ADMIN_STATUS_EINVAL, ADMIN_Q_INVALID_FIELD);
		return;
	}
	a->in_use = use;
}

static void cap_id_list_query(struct admin_dev *a, struct admin_cmd *cmd)
{
	(void)a;
	if (!check(cmd, VIRTIO_ADMIN_GROUP_TYPE_SELF, 0, 8))
		return;
	put_le(cmd->result, 8, BIT64(VIRTIO_DEV_PARTS_CAP));
	cmd->result_len = 8;
}

static void device_cap_get(struct admin_dev *a, struct admin_cmd *cmd)
{
	if (!check(cmd, VIRTIO_ADMIN_GROUP_TYPE_SELF,
		   sizeof(struct virtio_admin_cmd_cap_get_data),
		   sizeof(struct virtio_dev_parts_cap)))
		return;
	if (get_le(cmd->data, 2) != VIRTIO_DEV_PARTS_CAP) {
		fail(cmd, ADMIN_STATUS_EINVAL, ADMIN_Q_INVALID_FIELD);
		return;
	}
	cmd->result[0] = a->get_limit;
	cmd->result[1] = a->set_limit;
	cmd->result_len = 2;
}

static void driver_cap_set(struct admin_dev *a, struct admin_cmd *cmd)
{
	const size_t len = sizeof(struct virtio_admin_cmd_cap_set_data) +
			   sizeof(struct virtio_dev_parts_cap);
	uint8_t get, set;

	if (!check(cmd, VIRTIO_ADMIN_GROUP_TYPE_SELF, len, 0))
		return;
	get = cmd->data[8];
	set = cmd->data[9];
	if (get_le(cmd->data, 2) != VIRTIO_DEV_PARTS_CAP ||
	    get > a->get_limit || set > a->set_limit) {
		fail(cmd, ADMIN_STATUS_EINVAL, ADMIN_Q_INVALID_FIELD);
		return;
	}
	a->drv_get_limit = get;
	a->drv_set_limit = set;
}

static bool usable(const struct admin_dev *a, uint16_t op)
{
	if (op >= 64 || !(a->supported & BIT64(op)))
		return false;
	/* LIST_QUERY and LIST_USE work before (and without) LIST_USE. */
	return op <= VIRTIO_ADMIN_CMD_LIST_USE || (a->in_use & BIT64(op));
}

void admin_exec(struct admin_dev *a, struct admin_cmd *cmd)
{
	cmd->status = ADMIN_STATUS_OK;
	cmd->qualifier = ADMIN_Q_OK;
	cmd->result_len = 0;
	a->commands++;
	if (!usable(a, cmd->opcode)) {
		fail(cmd, ADMIN_STATUS_EOPNOTSUPP, ADMIN_Q_INVALID_OPCODE);
	} else {
		switch (cmd->opcode) {
		case VIRTIO_ADMIN_CMD_LIST_QUERY:
			list_query(a, cmd);
			break;
		case VIRTIO_ADMIN_CMD_LIST_USE:
			list_use(a, cmd);
			break;
		case VIRTIO_ADMIN_CMD_CAP_ID_LIST_QUERY:
			cap_id_list_query(a, cmd);
			break;
		case VIRTIO_ADMIN_CMD_DEVICE_CAP_GET:
			device_cap_get(a, cmd);
			break;
		case VIRTIO_ADMIN_CMD_DRIVER_CAP_SET:
			driver_cap_set(a, cmd);
			break;
		}
	}
	if (cmd->status)
		a->failed++;
}

/* ---- the admin virtqueue ---- */

struct admin_io {
	uint8_t *req;
	uint8_t *resp;
};

static void complete(struct vdev *d, unsigned int qi, struct vring_chain *c,
		     uint32_t len)
{
	if (vring_push(&d->q[qi].vr, c->head, len)) {
		virtio_pci_device_error(d, "admin queue used ring unreachable");
		return;
	}
	virtio_pci_notify_queue(d, qi);
}

static void trace_cmd(struct admin_dev *a, const struct admin_cmd *cmd)
{
	trace_event(TRACE_ADMIN, a->name, "admin",
		    "op=0x%x name=%s group=%u member=%llu data=%zu status=%u "
		    "qualifier=%u result=%zu", cmd->opcode,
		    admin_opcode_name(cmd->opcode), cmd->group_type,
		    (unsigned long long)cmd->member_id, cmd->data_len,
		    cmd->status, cmd->qualifier, cmd->result_len);
}

static uint32_t serve(struct vdev *d, unsigned int qi, struct vring_chain *c,
		      struct admin_dev *a, struct admin_io *io)
{
	const struct vring_split *vr = &d->q[qi].vr;
	struct admin_cmd cmd;
	uint8_t status[ADMIN_STATUS_LEN] = { 0 };

	if (c->write_len < ADMIN_STATUS_LEN) {
		pci_func_error(d->fn, "admin command without room for its "
			       "status (%llu bytes)",
			       (unsigned long long)c->write_len);
		return 0;
	}
	if (c->read_len > ADMIN_HDR_LEN + ADMIN_MAX_DATA ||
	    admin_parse(io->req, vring_chain_read(vr, c, 0, io->req,
						 c->read_len), &cmd)) {
		pci_func_error(d->fn, "malformed admin command of %llu bytes",
			       (unsigned long long)c->read_len);
		memset(&cmd, 0, sizeof(cmd));
		fail(&cmd, ADMIN_STATUS_EINVAL, ADMIN_Q_INVALID_COMMAND);
	} else {
		cmd.result = io->resp;
		cmd.result_cap = c->write_len - ADMIN_STATUS_LEN;
		if (cmd.result_cap > ADMIN_MAX_RESULT)
			cmd.result_cap = ADMIN_MAX_RESULT;
		admin_exec(a, &cmd);
	}
	trace_cmd(a, &cmd);
	put_le(status, 2, cmd.status);
	put_le(status + 2, 2, cmd.qualifier);
	vring_chain_write(vr, c, 0, status, sizeof(status));
	vring_chain_write(vr, c, ADMIN_STATUS_LEN, cmd.result, cmd.result_len);
	return ADMIN_STATUS_LEN + cmd.result_len;
}

void admin_process_queue(struct vdev *d, unsigned int qi, struct admin_dev *a)
{
	struct admin_io io = {
		malloc(ADMIN_HDR_LEN + ADMIN_MAX_DATA), malloc(ADMIN_MAX_RESULT)
	};
	struct vring_chain c;
	int ret;

	if (!io.req || !io.resp) {
		vlog(LOG_ERR, d->fn->name, "out of memory serving admin queue");
		goto out;
	}
	while (virtio_pci_driver_ok(d) &&
	       (ret = vring_pop(&d->q[qi].vr, &c)) != 0) {
		if (ret < 0) {
			virtio_pci_device_error(d, "admin queue: %s",
						d->q[qi].vr.err);
			break;
		}
		complete(d, qi, &c, serve(d, qi, &c, a, &io));
	}
out:
	free(io.req);
	free(io.resp);
}
