/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Virtio administration commands (virtio 1.3, 2.12) as an owner device
 * (the PF) serves them on its admin virtqueue.
 *
 * Contract:
 * - admin_parse() splits a command's device-readable stream into header
 *   and data; a stream shorter than the 24-byte header is malformed.
 * - admin_exec() validates group, member, data size and result space for
 *   the opcode, executes it, and sets status/qualifier.  The legacy-access
 *   commands read as many bytes as the result has room for (that is how
 *   Linux sizes them) and fail with EINVAL/INVALID_FIELD an access that is
 *   not inside one register (virtio 1.3, 2.12.1.3.5).  Status values
 *   are errno numbers, as the Linux driver returns -status.  Opcodes not
 *   implemented answer EOPNOTSUPP; nothing is advertised that is not
 *   implemented (admin_dev.supported).
 * - admin_process_queue() serves a whole admin queue: every available
 *   command completes with the 8-byte status first, then the result, and
 *   used length 8 + result bytes.
 */
#ifndef VFSIM_MODELS_VIRTIO_ADMIN_H
#define VFSIM_MODELS_VIRTIO_ADMIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "virtio_pci.h"

/* Status (errno values, as the spec's EAGAIN/ENOMEM/EINVAL are). */
#define ADMIN_STATUS_OK 0
#define ADMIN_STATUS_EAGAIN 11
#define ADMIN_STATUS_ENOMEM 12
#define ADMIN_STATUS_EINVAL 22
#define ADMIN_STATUS_EOPNOTSUPP 95

/* Status qualifiers (virtio 1.3, 2.12.1.2); the driver only logs them. */
#define ADMIN_Q_OK 0
#define ADMIN_Q_INVALID_COMMAND 1
#define ADMIN_Q_INVALID_OPCODE 2
#define ADMIN_Q_INVALID_FIELD 3
#define ADMIN_Q_INVALID_GROUP 4
#define ADMIN_Q_INVALID_MEMBER 5
#define ADMIN_Q_NORESOURCE 6
#define ADMIN_Q_TRYAGAIN 7

#define ADMIN_HDR_LEN 24
#define ADMIN_STATUS_LEN 8
/* Largest command data / result the device accepts (contexts included). */
#define ADMIN_MAX_DATA (80u << 20)
#define ADMIN_MAX_RESULT (80u << 20)
#define ADMIN_MAX_OBJECTS 256
/* LEGACY_*_WRITE data: offset, reserved[7], then the register bytes. */
#define ADMIN_LEGACY_WR_HDR 8
/* LEGACY_NOTIFY_INFO result: 4 entries of 16 bytes. */
#define ADMIN_NOTIFY_INFO_LEN 64

/*
 * Group members (VFs, member id = VF index + 1) as the owner reaches them
 * for the device-parts commands.  member() returns NULL for a member that
 * does not exist or is not enabled.
 */
struct admin_member_ops {
	void *(*member)(void *owner, uint64_t id);
	void (*mode_set)(void *member, bool stopped);
	size_t (*parts_size)(void *member);
	size_t (*parts_get)(void *member, uint8_t *buf, size_t cap);
	int (*parts_set)(void *member, const uint8_t *buf, size_t len,
			 char *err, size_t errlen);
	/*
	 * The legacy interface (models/virtio_pci_legacy.h), for
	 * admin_dev_set_legacy(): @len bytes at @off of the legacy common
	 * (@device false) or device-specific configuration; 0 or -EINVAL for
	 * an access that is not inside one field.  legacy_notify gives the member's doorbell:
	 * VF BAR number and offset.
	 */
	int (*legacy_read)(void *member, bool device, unsigned int off,
			   uint8_t *buf, unsigned int len);
	int (*legacy_write)(void *member, bool device, unsigned int off,
			    const uint8_t *buf, unsigned int len);
	void (*legacy_notify)(void *member, uint8_t *bar, uint64_t *off);
};

struct admin_obj {
	bool used;
	uint8_t op_type;	/* VIRTIO_RESOURCE_OBJ_DEV_PARTS_TYPE_GET/SET */
	uint64_t member;
};

struct admin_cmd {
	uint16_t opcode;
	uint16_t group_type;
	uint64_t member_id;
	const uint8_t *data;
	size_t data_len;
	uint8_t *result;
	size_t result_cap;
	size_t result_len;	/* out */
	uint16_t status;	/* out */
	uint16_t qualifier;	/* out */
};

struct admin_dev {
	const char *name;		/* for the trace */
	uint64_t supported;		/* LIST_QUERY answer */
	uint64_t in_use;		/* accepted by LIST_USE */
	uint8_t get_limit, set_limit;	/* DEV_PARTS resource object limits */
	uint8_t drv_get_limit, drv_set_limit;
	uint64_t commands;		/* statistics */
	uint64_t failed;
	const struct admin_member_ops *mops;	/* NULL: no device parts */
	void *owner;
	struct admin_obj obj[ADMIN_MAX_OBJECTS];
	unsigned int nobjs;		/* objects in use */
	/*
	 * Objects a device reset discarded while the driver still owned
	 * them: a driver that destroys what it creates leaves 0, so this
	 * is the leak count that survives the reset at power-off.
	 */
	unsigned int dropped;
};

/* Enable the device-parts commands for the owner's members. */
void admin_dev_set_members(struct admin_dev *a,
			   const struct admin_member_ops *ops, void *owner);

/*
 * Also offer the legacy-access commands (virtio 1.3, 2.12.1.3): the
 * common and device configuration reads and writes and LEGACY_NOTIFY_INFO,
 * all or none, as the spec asks.  Needs admin_dev_set_members() first
 * with the legacy_* member ops.
 */
void admin_dev_set_legacy(struct admin_dev *a);

/* Owner with LIST_QUERY/USE, CAP_ID_LIST_QUERY, DEVICE_CAP_GET, DRIVER_CAP_SET. */
void admin_dev_init(struct admin_dev *a, const char *name, uint8_t get_limit,
		    uint8_t set_limit);

/* Forget what the driver negotiated (device reset). */
void admin_dev_reset(struct admin_dev *a);

int admin_parse(const uint8_t *req, size_t len, struct admin_cmd *cmd);
void admin_exec(struct admin_dev *a, struct admin_cmd *cmd);
const char *admin_opcode_name(uint16_t opcode);

void admin_process_queue(struct vdev *d, unsigned int qi, struct admin_dev *a);

#endif
