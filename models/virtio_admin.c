// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <linux/virtio_pci.h>

#include "sim/bus/log.h"
#include "sim/bus/trace.h"
#include "virtio_admin.h"
#include "sim/bus/le.h"

#define BIT64(n) (1ull << (n))

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
	a->dropped += a->nobjs;
	a->in_use = 0;
	a->drv_get_limit = a->drv_set_limit = 0;
	memset(a->obj, 0, sizeof(a->obj));
	a->nobjs = 0;
}

void admin_dev_set_members(struct admin_dev *a,
			   const struct admin_member_ops *ops, void *owner)
{
	a->mops = ops;
	a->owner = owner;
	a->supported |= BIT64(VIRTIO_ADMIN_CMD_RESOURCE_OBJ_CREATE) |
			BIT64(VIRTIO_ADMIN_CMD_RESOURCE_OBJ_DESTROY) |
			BIT64(VIRTIO_ADMIN_CMD_DEV_PARTS_METADATA_GET) |
			BIT64(VIRTIO_ADMIN_CMD_DEV_PARTS_GET) |
			BIT64(VIRTIO_ADMIN_CMD_DEV_PARTS_SET) |
			BIT64(VIRTIO_ADMIN_CMD_DEV_MODE_SET);
}

void admin_dev_set_legacy(struct admin_dev *a)
{
	if (!a->mops || !a->mops->legacy_read || !a->mops->legacy_write ||
	    !a->mops->legacy_notify)
		return;
	a->supported |= BIT64(VIRTIO_ADMIN_CMD_LEGACY_COMMON_CFG_WRITE) |
			BIT64(VIRTIO_ADMIN_CMD_LEGACY_COMMON_CFG_READ) |
			BIT64(VIRTIO_ADMIN_CMD_LEGACY_DEV_CFG_WRITE) |
			BIT64(VIRTIO_ADMIN_CMD_LEGACY_DEV_CFG_READ) |
			BIT64(VIRTIO_ADMIN_CMD_LEGACY_NOTIFY_INFO);
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

/* ---- device parts (VF migration) ---- */

/* The member a group command addresses, or NULL with the status set. */
static void *member_of(struct admin_dev *a, struct admin_cmd *cmd,
		       size_t min_data)
{
	void *m;

	if (cmd->group_type != VIRTIO_ADMIN_GROUP_TYPE_SRIOV) {
		fail(cmd, ADMIN_STATUS_EINVAL, ADMIN_Q_INVALID_GROUP);
		return NULL;
	}
	if (cmd->data_len < min_data) {
		fail(cmd, ADMIN_STATUS_EINVAL, ADMIN_Q_INVALID_COMMAND);
		return NULL;
	}
	m = cmd->member_id ? a->mops->member(a->owner, cmd->member_id) : NULL;
	if (!m)
		fail(cmd, ADMIN_STATUS_EINVAL, ADMIN_Q_INVALID_MEMBER);
	return m;
}

/* The object a command names: type DEV_PARTS, owned by the member. */
static struct admin_obj *object_of(struct admin_dev *a, struct admin_cmd *cmd,
				   int op_type)
{
	uint32_t id = get_le(cmd->data + 4, 4);
	struct admin_obj *o;

	if (get_le(cmd->data, 2) != VIRTIO_RESOURCE_OBJ_DEV_PARTS ||
	    id >= ADMIN_MAX_OBJECTS) {
		fail(cmd, ADMIN_STATUS_EINVAL, ADMIN_Q_INVALID_FIELD);
		return NULL;
	}
	o = &a->obj[id];
	if (!o->used || o->member != cmd->member_id ||
	    (op_type >= 0 && o->op_type != op_type)) {
		fail(cmd, ADMIN_STATUS_EINVAL, ADMIN_Q_INVALID_FIELD);
		return NULL;
	}
	return o;
}

static void obj_create(struct admin_dev *a, struct admin_cmd *cmd)
{
	const size_t len = sizeof(struct virtio_admin_cmd_resource_obj_create_data) +
			   sizeof(struct virtio_resource_obj_dev_parts);
	uint8_t limit = a->drv_get_limit < a->drv_set_limit ?
			a->drv_get_limit : a->drv_set_limit;
	uint32_t id;
	uint8_t type;

	if (!member_of(a, cmd, len))
		return;
	id = get_le(cmd->data + 4, 4);
	type = cmd->data[16];
	if (cmd->data_len != len ||
	    get_le(cmd->data, 2) != VIRTIO_RESOURCE_OBJ_DEV_PARTS ||
	    get_le(cmd->data + 8, 8) ||
	    type > VIRTIO_RESOURCE_OBJ_DEV_PARTS_TYPE_SET) {
		fail(cmd, ADMIN_STATUS_EINVAL, ADMIN_Q_INVALID_FIELD);
		return;
	}
	/* Ids are the driver's, shared PF-wide, below the negotiated limit. */
	if (id >= limit || id >= ADMIN_MAX_OBJECTS) {
		fail(cmd, ADMIN_STATUS_ENOMEM, ADMIN_Q_NORESOURCE);
		return;
	}
	if (a->obj[id].used) {
		fail(cmd, ADMIN_STATUS_EINVAL, ADMIN_Q_INVALID_FIELD);
		return;
	}
	a->obj[id] = (struct admin_obj){ true, type, cmd->member_id };
	a->nobjs++;
}

static void obj_destroy(struct admin_dev *a, struct admin_cmd *cmd)
{
	uint32_t id;

	if (cmd->group_type != VIRTIO_ADMIN_GROUP_TYPE_SRIOV) {
		fail(cmd, ADMIN_STATUS_EINVAL, ADMIN_Q_INVALID_GROUP);
		return;
	}
	if (cmd->data_len != sizeof(struct virtio_admin_cmd_resource_obj_cmd_hdr)) {
		fail(cmd, ADMIN_STATUS_EINVAL, ADMIN_Q_INVALID_COMMAND);
		return;
	}
	id = get_le(cmd->data + 4, 4);
	/* Gone already (FLR, VF removal): OK, or the driver leaks the id. */
	if (id < ADMIN_MAX_OBJECTS && a->obj[id].used &&
	    a->obj[id].member == cmd->member_id) {
		a->obj[id].used = false;
		a->nobjs--;
	}
}

static void parts_metadata_get(struct admin_dev *a, struct admin_cmd *cmd)
{
	void *m = member_of(a, cmd, 16);

	if (!m || !object_of(a, cmd, VIRTIO_RESOURCE_OBJ_DEV_PARTS_TYPE_GET))
		return;
	if (cmd->data_len != 16 ||
	    cmd->data[8] != VIRTIO_ADMIN_CMD_DEV_PARTS_METADATA_TYPE_SIZE) {
		fail(cmd, ADMIN_STATUS_EINVAL, ADMIN_Q_INVALID_FIELD);
		return;
	}
	if (cmd->result_cap < 8) {
		fail(cmd, ADMIN_STATUS_EINVAL, ADMIN_Q_INVALID_FIELD);
		return;
	}
	put_le(cmd->result, 4, a->mops->parts_size(m));
	put_le(cmd->result + 4, 4, 0);
	cmd->result_len = 8;
}

static void parts_get(struct admin_dev *a, struct admin_cmd *cmd)
{
	void *m = member_of(a, cmd, 16);
	size_t size;

	if (!m || !object_of(a, cmd, VIRTIO_RESOURCE_OBJ_DEV_PARTS_TYPE_GET))
		return;
	if (cmd->data_len != 16 ||
	    cmd->data[8] != VIRTIO_ADMIN_CMD_DEV_PARTS_GET_TYPE_ALL) {
		fail(cmd, ADMIN_STATUS_EINVAL, ADMIN_Q_INVALID_FIELD);
		return;
	}
	size = a->mops->parts_size(m);
	if (cmd->result_cap < size) {
		fail(cmd, ADMIN_STATUS_EINVAL, ADMIN_Q_INVALID_FIELD);
		return;
	}
	cmd->result_len = a->mops->parts_get(m, cmd->result, cmd->result_cap);
}

static void parts_set(struct admin_dev *a, struct admin_cmd *cmd)
{
	void *m = member_of(a, cmd, 8);
	char err[160];

	if (!m || !object_of(a, cmd, VIRTIO_RESOURCE_OBJ_DEV_PARTS_TYPE_SET))
		return;
	if (a->mops->parts_set(m, cmd->data + 8, cmd->data_len - 8, err,
			       sizeof(err))) {
		vlog(LOG_WARN, a->name, "DEV_PARTS_SET for member %llu "
		     "rejected: %s", (unsigned long long)cmd->member_id, err);
		fail(cmd, ADMIN_STATUS_EINVAL, ADMIN_Q_INVALID_FIELD);
	}
}

static void mode_set(struct admin_dev *a, struct admin_cmd *cmd)
{
	void *m = member_of(a, cmd, 1);

	if (!m)
		return;
	if (cmd->data_len != 1 || (cmd->data[0] & ~1u)) {
		fail(cmd, ADMIN_STATUS_EINVAL, ADMIN_Q_INVALID_FIELD);
		return;
	}
	a->mops->mode_set(m, cmd->data[0] &
			  (1u << VIRTIO_ADMIN_CMD_DEV_MODE_F_STOPPED));
}

/* ---- legacy interface (virtio 1.3, 2.12.1.3) ---- */

/* LEGACY_COMMON_CFG_WRITE, LEGACY_DEV_CFG_WRITE: offset, reserved, bytes. */
static void legacy_write(struct admin_dev *a, struct admin_cmd *cmd,
			 bool device)
{
	void *m = member_of(a, cmd, ADMIN_LEGACY_WR_HDR + 1);

	if (!m)
		return;
	for (unsigned int i = 1; i < ADMIN_LEGACY_WR_HDR; i++)
		if (cmd->data[i]) {
			fail(cmd, ADMIN_STATUS_EINVAL, ADMIN_Q_INVALID_FIELD);
			return;
		}
	if (cmd->data_len - ADMIN_LEGACY_WR_HDR > 255 ||
	    a->mops->legacy_write(m, device, cmd->data[0],
				  cmd->data + ADMIN_LEGACY_WR_HDR,
				  cmd->data_len - ADMIN_LEGACY_WR_HDR))
		fail(cmd, ADMIN_STATUS_EINVAL, ADMIN_Q_INVALID_FIELD);
}

/* The READs: one offset byte; the result's room is the access size. */
static void legacy_read(struct admin_dev *a, struct admin_cmd *cmd,
			bool device)
{
	void *m = member_of(a, cmd, 1);

	if (!m)
		return;
	if (cmd->data_len != 1) {
		fail(cmd, ADMIN_STATUS_EINVAL, ADMIN_Q_INVALID_COMMAND);
		return;
	}
	if (!cmd->result_cap || cmd->result_cap > 255 ||
	    a->mops->legacy_read(m, device, cmd->data[0], cmd->result,
				 cmd->result_cap)) {
		fail(cmd, ADMIN_STATUS_EINVAL, ADMIN_Q_INVALID_FIELD);
		return;
	}
	cmd->result_len = cmd->result_cap;
}

/*
 * One entry, the member's own doorbell (flags 2, "member device": Linux
 * calls it VIRTIO_ADMIN_CMD_NOTIFY_INFO_FLAGS_OWNER_MEM), then the end of
 * the list (flags 0).
 */
static void legacy_notify_info(struct admin_dev *a, struct admin_cmd *cmd)
{
	void *m = member_of(a, cmd, 0);
	uint64_t off;
	uint8_t bar;

	if (!m)
		return;
	if (cmd->data_len) {
		fail(cmd, ADMIN_STATUS_EINVAL, ADMIN_Q_INVALID_COMMAND);
		return;
	}
	if (cmd->result_cap < ADMIN_NOTIFY_INFO_LEN) {
		fail(cmd, ADMIN_STATUS_EINVAL, ADMIN_Q_INVALID_FIELD);
		return;
	}
	a->mops->legacy_notify(m, &bar, &off);
	memset(cmd->result, 0, ADMIN_NOTIFY_INFO_LEN);
	cmd->result[0] = VIRTIO_ADMIN_CMD_NOTIFY_INFO_FLAGS_OWNER_MEM;
	cmd->result[1] = bar;
	put_le(cmd->result + 8, 8, off);
	cmd->result_len = ADMIN_NOTIFY_INFO_LEN;
}

static void exec_legacy(struct admin_dev *a, struct admin_cmd *cmd)
{
	switch (cmd->opcode) {
	case VIRTIO_ADMIN_CMD_LEGACY_COMMON_CFG_WRITE:
		legacy_write(a, cmd, false);
		break;
	case VIRTIO_ADMIN_CMD_LEGACY_COMMON_CFG_READ:
		legacy_read(a, cmd, false);
		break;
	case VIRTIO_ADMIN_CMD_LEGACY_DEV_CFG_WRITE:
		legacy_write(a, cmd, true);
		break;
	case VIRTIO_ADMIN_CMD_LEGACY_DEV_CFG_READ:
		legacy_read(a, cmd, true);
		break;
	case VIRTIO_ADMIN_CMD_LEGACY_NOTIFY_INFO:
		legacy_notify_info(a, cmd);
		break;
	}
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
		case VIRTIO_ADMIN_CMD_RESOURCE_OBJ_CREATE:
			obj_create(a, cmd);
			break;
		case VIRTIO_ADMIN_CMD_RESOURCE_OBJ_DESTROY:
			obj_destroy(a, cmd);
			break;
		case VIRTIO_ADMIN_CMD_DEV_PARTS_METADATA_GET:
			parts_metadata_get(a, cmd);
			break;
		case VIRTIO_ADMIN_CMD_DEV_PARTS_GET:
			parts_get(a, cmd);
			break;
		case VIRTIO_ADMIN_CMD_DEV_PARTS_SET:
			parts_set(a, cmd);
			break;
		case VIRTIO_ADMIN_CMD_DEV_MODE_SET:
			mode_set(a, cmd);
			break;
		default:
			exec_legacy(a, cmd);
		}
	}
	if (cmd->status)
		a->failed++;
}

/* ---- the admin virtqueue ---- */


static void complete(struct vdev *d, unsigned int qi, uint16_t head,
		     uint32_t len)
{
	if (vring_push(&d->q[qi].vr, head, len)) {
		virtio_pci_device_error(d, "admin queue used ring unreachable");
		return;
	}
	virtio_pci_notify_queue(d, qi);
}

struct late_completion {
	struct vdev *d;
	unsigned int qi;
	uint16_t head;
	uint32_t len;
	uint64_t resets;
};

static void complete_late(void *arg)
{
	struct late_completion *l = arg;

	/* A reset in between dropped the queue: nothing to complete. */
	if (l->resets == l->d->resets && l->d->q[l->qi].enabled)
		complete(l->d, l->qi, l->head, l->len);
	free(l);
}

/* Complete now, later (admin-delay) or never (admin-hang). */
static void complete_faulty(struct vdev *d, unsigned int qi, uint16_t head,
			    uint32_t len, const char *op)
{
	struct fault_set *fs = d->fn->faults;
	struct late_completion *l;
	struct fault *f;

	if (fault_hit(fs, FAULT_ADMIN_HANG, op))
		return;
	f = fault_hit(fs, FAULT_ADMIN_DELAY, op);
	if (f && d->fn->tp.defer && (l = malloc(sizeof(*l)))) {
		*l = (struct late_completion){ d, qi, head, len, d->resets };
		if (!d->fn->tp.defer(d->fn->tp.bus, f->arg * 1000ull,
				     complete_late, l))
			return;
		free(l);
	}
	complete(d, qi, head, len);
}

/* Result faults: what a buggy or hostile device would answer. */
static uint32_t result_faults(struct fault_set *fs, struct admin_cmd *cmd,
			      const struct vring_chain *c, uint32_t used)
{
	const char *op = admin_opcode_name(cmd->opcode);

	if (cmd->result_len && fault_hit(fs, FAULT_ADMIN_CORRUPT, op))
		for (size_t i = 0; i < cmd->result_len; i += 97)
			cmd->result[i] ^= 0xa5;
	if (fault_hit(fs, FAULT_ADMIN_SHORT, op))
		cmd->result_len /= 2;
	used = ADMIN_STATUS_LEN + cmd->result_len;
	if (fault_hit(fs, FAULT_ADMIN_OVERSIZE, op))
		used = c->write_len + 4096;
	if (fault_hit(fs, FAULT_ADMIN_BAD_LEN, op))
		used = 4;	/* less than the status */
	return used;
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
		      struct admin_dev *a, uint16_t *opcode)
{
	const struct vring_split *vr = &d->q[qi].vr;
	uint8_t status[ADMIN_STATUS_LEN] = { 0 };
	uint64_t rcap = c->write_len - ADMIN_STATUS_LEN;
	uint8_t *req = NULL, *resp = NULL;
	struct admin_cmd cmd;
	uint32_t used;

	if (c->write_len < ADMIN_STATUS_LEN) {
		pci_func_error(d->fn, "admin command without room for its "
			       "status (%llu bytes)",
			       (unsigned long long)c->write_len);
		return 0;
	}
	if (rcap > ADMIN_MAX_RESULT)
		rcap = ADMIN_MAX_RESULT;
	if (c->read_len <= ADMIN_HDR_LEN + ADMIN_MAX_DATA)
		req = malloc(c->read_len ? c->read_len : 1);
	resp = malloc(rcap ? rcap : 1);
	if (!req || !resp ||
	    admin_parse(req, vring_chain_read(vr, c, 0, req, c->read_len),
			&cmd)) {
		pci_func_error(d->fn, "malformed admin command of %llu bytes",
			       (unsigned long long)c->read_len);
		memset(&cmd, 0, sizeof(cmd));
		fail(&cmd, ADMIN_STATUS_EINVAL, ADMIN_Q_INVALID_COMMAND);
	} else {
		struct fault *f = fault_hit(d->fn->faults, FAULT_ADMIN_FAIL,
					    admin_opcode_name(cmd.opcode));

		cmd.result = resp;
		cmd.result_cap = rcap;
		if (f)
			fail(&cmd, f->arg, ADMIN_Q_OK);
		else
			admin_exec(a, &cmd);
	}
	trace_cmd(a, &cmd);
	put_le(status, 2, cmd.status);
	put_le(status + 2, 2, cmd.qualifier);
	used = result_faults(d->fn->faults, &cmd, c, 0);
	vring_chain_write(vr, c, 0, status, sizeof(status));
	vring_chain_write(vr, c, ADMIN_STATUS_LEN, cmd.result, cmd.result_len);
	*opcode = cmd.opcode;
	free(req);
	free(resp);
	return used;
}

void admin_process_queue(struct vdev *d, unsigned int qi, struct admin_dev *a)
{
	struct vring_chain c;
	int ret;

	while (virtio_pci_driver_ok(d) &&
	       (ret = vring_pop(&d->q[qi].vr, &c)) != 0) {
		if (ret < 0) {
			virtio_pci_device_error(d, "admin queue: %s",
						d->q[qi].vr.err);
			break;
		}
		uint16_t op = 0xffff;
		uint32_t used = serve(d, qi, &c, a, &op);

		complete_faulty(d, qi, c.head, used, admin_opcode_name(op));
	}
}
