// SPDX-License-Identifier: GPL-2.0
/*
 * A VF's device context coming back: DEV_PARTS_SET through the PF's admin
 * command path (models/virtio_admin.c -> virtio_net.c -> dev_parts.c),
 * and a saved VFIO migration stream through the simulator's
 * compare-stream request (models/topology.c).  The first input byte picks
 * the path, the rest is the blob or the stream file.  A context the
 * device accepted must read back (DEV_PARTS_GET) as what was loaded.
 */
#include <fcntl.h>
#include <unistd.h>
#include <linux/pci_regs.h>
#include <linux/virtio_pci.h>

#include "models/topology.h"
#include "models/virtio_net.h"
#include "sim/bus/log.h"
#include "fuzz.h"

#define SRIOV VIRTIO_ADMIN_GROUP_TYPE_SRIOV
#define SELF VIRTIO_ADMIN_GROUP_TYPE_SELF
#define VF 1			/* member id of vf0 */

static char dir[128];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	snprintf(dir, sizeof(dir), "%s", fz_tmpdir());
	log_max_level = LOG_ERR;
	return 0;
}

static struct virtio_net *net_of(struct pci_func *fn)
{
	return (struct virtio_net *)fn;	/* fn is its first member */
}

/*
 * One admin command as the admin queue hands it over, to vf0 (@member) or
 * the group; returns its status.
 */
static uint16_t exec(struct virtio_net *pf, uint16_t op, uint16_t group,
		     bool member, const void *data, size_t len, uint8_t *res,
		     size_t cap, size_t *res_len)
{
	struct virtio_admin_cmd_hdr h = {
		.opcode = op, .group_type = group,
		.group_member_id = member ? VF : 0,
	};
	uint8_t *req = malloc(sizeof(h) + len);
	struct admin_cmd c;

	if (!req)
		abort();
	memcpy(req, &h, sizeof(h));
	if (len)
		memcpy(req + sizeof(h), data, len);
	if (admin_parse(req, sizeof(h) + len, &c))
		abort();
	c.result = res;
	c.result_cap = cap;
	admin_exec(&pf->admin, &c);
	free(req);
	if (res_len)
		*res_len = c.result_len;
	return c.status;
}

/* What the Linux driver does before migrating vf0: objects, STOP. */
static void driver_setup(struct virtio_net *pf)
{
	uint8_t out[8], set[10] = { [0] = VIRTIO_DEV_PARTS_CAP, [8] = 2,
				    [9] = 2 };
	uint8_t obj[24] = { [0] = VIRTIO_RESOURCE_OBJ_DEV_PARTS };
	uint8_t stop = 1u << VIRTIO_ADMIN_CMD_DEV_MODE_F_STOPPED;
	uint64_t all;
	uint16_t cap = pci_cfg_find_ext_cap(&pf->fn.cfg, PCI_EXT_CAP_ID_SRIOV);

	pci_func_cfg_write(&pf->fn, cap + PCI_SRIOV_NUM_VF, 2, 2);
	pci_func_cfg_write(&pf->fn, cap + PCI_SRIOV_CTRL, 2,
			   PCI_SRIOV_CTRL_VFE | PCI_SRIOV_CTRL_MSE);
	exec(pf, VIRTIO_ADMIN_CMD_LIST_QUERY, SRIOV, false, NULL, 0, out, 8,
	     NULL);
	memcpy(&all, out, 8);
	exec(pf, VIRTIO_ADMIN_CMD_LIST_USE, SRIOV, false, &all, 8, NULL, 0,
	     NULL);
	exec(pf, VIRTIO_ADMIN_CMD_DRIVER_CAP_SET, SELF, false, set,
	     sizeof(set), NULL, 0, NULL);
	obj[4] = 0;		/* id 0: GET */
	obj[16] = VIRTIO_RESOURCE_OBJ_DEV_PARTS_TYPE_GET;
	exec(pf, VIRTIO_ADMIN_CMD_RESOURCE_OBJ_CREATE, SRIOV, true, obj, 24,
	     NULL, 0, NULL);
	obj[4] = 1;		/* id 1: SET */
	obj[16] = VIRTIO_RESOURCE_OBJ_DEV_PARTS_TYPE_SET;
	exec(pf, VIRTIO_ADMIN_CMD_RESOURCE_OBJ_CREATE, SRIOV, true, obj, 24,
	     NULL, 0, NULL);
	if (exec(pf, VIRTIO_ADMIN_CMD_DEV_MODE_SET, SRIOV, true, &stop, 1,
		 NULL, 0, NULL))
		abort();
}

/* The blob went in: reading the context back gives the same state. */
static void check_round_trip(struct virtio_net *pf, struct virtio_net *vf,
			     const uint8_t *blob, size_t len)
{
	uint8_t get[16] = { [0] = VIRTIO_RESOURCE_OBJ_DEV_PARTS, [4] = 0,
			    [8] = VIRTIO_ADMIN_CMD_DEV_PARTS_GET_TYPE_ALL };
	struct vnet_state self, in, back;
	char err[160], diff[512];
	size_t cap = 1 << 20, got;
	uint8_t *res = malloc(cap);

	if (!res)
		abort();
	virtio_net_save(vf, &self);
	fz_assert(!dev_parts_decode(blob, len, &self, &in, err, sizeof(err)),
		  "accepted by DEV_PARTS_SET, refused by the decoder: %s", err);
	if (!exec(pf, VIRTIO_ADMIN_CMD_DEV_PARTS_GET, SRIOV, true, get, 16,
		  res, cap, &got)) {
		fz_assert(!dev_parts_decode(res, got, &self, &back, err,
					    sizeof(err)),
			  "the device's own context does not decode: %s", err);
		/* The opaque filler is the device's own (context-size). */
		back.opaque_len = in.opaque_len;
		back.opaque_seed = in.opaque_seed;
		fz_assert(!vnet_state_diff(&in, &back, diff, sizeof(diff)),
			  "loaded and read back differ: %s", diff);
	}
	free(res);
}

static void parts_set(struct virtio_net *pf, struct virtio_net *vf,
		      const uint8_t *blob, size_t len)
{
	uint8_t *d = malloc(8 + len);

	if (!d)
		abort();
	memset(d, 0, 8);
	d[0] = VIRTIO_RESOURCE_OBJ_DEV_PARTS;
	d[4] = 1;
	memcpy(d + 8, blob, len);
	if (!exec(pf, VIRTIO_ADMIN_CMD_DEV_PARTS_SET, SRIOV, true, d,
		  8 + len, NULL, 0, NULL))
		check_round_trip(pf, vf, blob, len);
	free(d);
}

static void stream(struct topology *t, const uint8_t *p, size_t len)
{
	char path[192], out[4200];
	int fd;

	snprintf(path, sizeof(path), "%s/s.bin", dir);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || write(fd, p, len) != (ssize_t)len)
		abort();
	close(fd);
	topology_rpc(t, dir, "compare-stream", "vf0", "s.bin", out,
		     sizeof(out));
	fz_assert(!strncmp(out, "differences=", 12), "reply '%.40s'", out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct topology_opts o = {
		.vfs = 2, .mac = { 0x52, 0x54, 0, 0x56, 0x46, 0 },
		.context_extra = 64, .parts_obj_limit = 4,
	};
	struct topology *t = topology_create(&o);
	struct virtio_net *pf, *vf;

	if (!t)
		abort();
	pf = net_of(topology_func(t, 0));
	vf = net_of(topology_func(t, 1));
	driver_setup(pf);
	if (size && (data[0] & 1))
		stream(t, data + 1, size - 1);
	else if (size)
		parts_set(pf, vf, data + 1, size - 1);
	topology_destroy(t);
	return 0;
}
