// SPDX-License-Identifier: GPL-2.0
#include <stdlib.h>
#include <string.h>
#include <linux/pci_regs.h>

#include "admin_env.h"

void env_create(struct env *e, const struct env_params *p)
{
	struct virtio_net_params pf = {
		.name = "pf", .total_vfs = 2, .admin_vq = true,
		.parts_get_limit = p->parts_limit,
		.parts_set_limit = p->parts_limit, .legacy = p->legacy,
		.mac = { 0x52, 0x54, 0x00, 0x00, 0x01, p->mac5 },
	};

	memset(e, 0, sizeof(*e));
	tmem_init(&e->m, TMEM_GPA, TMEM_SIZE);
	e->pf = virtio_net_create(&pf);
	ck_assert_ptr_nonnull(e->pf);
	fake_tp_attach(&e->tp[0], &e->pf->fn, &e->m.gm);
	for (unsigned int i = 0; i < 2; i++) {
		struct virtio_net_params v = {
			.name = i ? "vf1" : "vf0", .pf = e->pf, .vf_index = i,
			.context_extra = p->context_extra,
			.mac = { 0x52, 0x54, 0x00, 0x00, 0x01, p->mac5 + 1 + i },
		};

		e->vf[i] = virtio_net_create(&v);
		ck_assert_ptr_nonnull(e->vf[i]);
		fake_tp_attach(&e->tp[1 + i], &e->vf[i]->fn, &e->m.gm);
	}
	e->cap = pci_cfg_find_ext_cap(&e->pf->fn.cfg, PCI_EXT_CAP_ID_SRIOV);
	ck_assert_uint_ne(e->cap, 0);
}

void env_free(struct env *e)
{
	virtio_net_destroy(e->vf[0]);
	virtio_net_destroy(e->vf[1]);
	virtio_net_destroy(e->pf);
	tmem_free(&e->m);
}

struct res exec(struct env *e, uint16_t op, uint16_t group, uint64_t member,
		const void *data, size_t dlen, void *result, size_t rcap)
{
	struct virtio_admin_cmd_hdr h = {
		.opcode = op, .group_type = group, .group_member_id = member,
	};
	uint8_t *req = malloc(sizeof(h) + dlen);
	struct admin_cmd c;

	ck_assert_ptr_nonnull(req);
	memcpy(req, &h, sizeof(h));
	if (dlen)
		memcpy(req + sizeof(h), data, dlen);
	ck_assert_int_eq(admin_parse(req, sizeof(h) + dlen, &c), 0);
	c.result = result;
	c.result_cap = rcap;
	admin_exec(&e->pf->admin, &c);
	free(req);
	return (struct res){ c.status, c.qualifier, c.result_len };
}

void assert_res(struct res r, uint16_t status, uint16_t qual)
{
	ck_assert_msg(r.status == status && r.qualifier == qual,
		      "status %u qualifier %u, expected %u/%u", r.status,
		      r.qualifier, status, qual);
	if (status)
		ck_assert_uint_eq(r.len, 0);
}

uint16_t sr_rd(struct env *e, uint16_t reg)
{
	return pci_func_cfg_read(&e->pf->fn, e->cap + reg, 2);
}

void sr_wr(struct env *e, uint16_t reg, uint16_t v)
{
	pci_func_cfg_write(&e->pf->fn, e->cap + reg, 2, v);
}

void vfs_enable(struct env *e, uint16_t num)
{
	sr_wr(e, PCI_SRIOV_CTRL, 0);
	sr_wr(e, PCI_SRIOV_NUM_VF, num);
	sr_wr(e, PCI_SRIOV_CTRL, PCI_SRIOV_CTRL_VFE | PCI_SRIOV_CTRL_MSE);
	ck_assert_uint_eq(sr_rd(e, PCI_SRIOV_NUM_VF), num);
}
