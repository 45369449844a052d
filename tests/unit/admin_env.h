/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The environment of the admin-command tests: a virtio-net PF with an
 * admin virtqueue and two VFs on host-backed guest memory, commands
 * executed through admin_exec() as the PF's driver sends them, and the
 * PF's SR-IOV capability at hand.
 */
#ifndef VFSIM_TEST_ADMIN_ENV_H
#define VFSIM_TEST_ADMIN_ENV_H

#include <stddef.h>
#include <stdint.h>
#include <linux/virtio_pci.h>

#include "models/virtio_net.h"
#include "helpers.h"

#define SRIOV VIRTIO_ADMIN_GROUP_TYPE_SRIOV
#define SELF VIRTIO_ADMIN_GROUP_TYPE_SELF

struct env {
	struct virtio_net *pf;
	struct virtio_net *vf[2];
	struct tmem m;
	struct fake_tp tp[3];
	uint16_t cap;		/* the PF's SR-IOV capability */
	uint64_t supported;	/* LIST_QUERY's answer, once asked */
};

/* How the PF and its VFs are made (env_create()). */
struct env_params {
	bool legacy;		/* the PF serves the VFs' legacy interface */
	uint8_t parts_limit;	/* device-parts objects */
	uint32_t context_extra;	/* opaque bytes in each VF context */
	uint8_t mac5;		/* last MAC byte of the PF; VF n: + 1 + n */
};

/* Result of one command. */
struct res {
	uint16_t status, qualifier;
	size_t len;
};

/* The PF, VF0 and VF1 attached to fake transports; SR-IOV not enabled. */
void env_create(struct env *e, const struct env_params *p);
void env_free(struct env *e);

/* One admin command: @dlen data bytes, @rcap bytes of result room. */
struct res exec(struct env *e, uint16_t op, uint16_t group, uint64_t member,
		const void *data, size_t dlen, void *result, size_t rcap);

void assert_res(struct res r, uint16_t status, uint16_t qual);
#define assert_ok(r) assert_res((r), ADMIN_STATUS_OK, ADMIN_Q_OK)
#define assert_inval(r, q) assert_res((r), ADMIN_STATUS_EINVAL, (q))

/* The PF's SR-IOV registers; VF Enable with @num VFs. */
uint16_t sr_rd(struct env *e, uint16_t reg);
void sr_wr(struct env *e, uint16_t reg, uint16_t v);
void vfs_enable(struct env *e, uint16_t num);

#endif
