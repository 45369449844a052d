// SPDX-License-Identifier: GPL-2.0
/*
 * The PF's admin virtqueue end to end (models/virtio_admin.c through the
 * virtio-pci transport of models/virtio_pci.c), with device-side faults
 * armed: a topology of a PF and its VFs, set up as the Linux driver does
 * (features, the admin queue, DRIVER_OK, SR-IOV), then the input's
 * operations: commands (their readable stream and result room, laid out
 * in guest memory over one or two descriptors each), notifies, deferred
 * completions coming due, faults, VF FLRs, PF resets, SR-IOV changes.
 */
#include <linux/pci_regs.h>
#include <linux/virtio_config.h>
#include <linux/virtio_pci.h>

#include "models/topology.h"
#include "models/virtio_net.h"
#include "sim/bus/log.h"
#include "fuzz.h"

#define GPA 0x100000ull
#define MEM 0x20000u		/* 128 KiB of guest memory */
#define QN 64u			/* admin queue size */
#define DATA (GPA + 0x1000)	/* buffers from here to the end */

/* A global: ASan still sees accesses past its end, and no page faults. */
static uint8_t guest_ram[MEM] __attribute__((aligned(4096)));

struct env {
	struct topology *t;
	struct virtio_net *pf;
	unsigned int nvfs;
	struct guest_mem gm;
	uint8_t *mem;
	struct fz_ring ring;
	struct fault_set faults;
	struct fz_timers timers;
	unsigned int msis;
};

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	log_max_level = LOG_ERR;
	return 0;
}

static int send_msi(void *ctx, uint64_t addr, uint32_t data)
{
	struct env *e = ctx;

	(void)addr, (void)data;
	e->msis++;
	return 0;
}

static void attach(struct env *e, struct pci_func *fn)
{
	fn->tp.mem = &e->gm;
	fn->tp.send_msi = send_msi;
	fn->tp.ctx = e;
	fn->tp.defer = fz_defer;
	fn->tp.bus = &e->timers;
	fn->faults = &e->faults;
}

static void bar_wr(struct pci_func *fn, uint64_t off, unsigned int len,
		   uint64_t v)
{
	uint8_t b[8];

	for (unsigned int i = 0; i < len; i++)
		b[i] = v >> (8 * i);
	pci_func_bar_write(fn, 0, off, b, len);
}

static uint32_t bar_rd32(struct pci_func *fn, uint64_t off)
{
	uint8_t b[4] = { 0 };

	pci_func_bar_read(fn, 0, off, b, 4);
	return b[0] | b[1] << 8 | b[2] << 16 | (uint32_t)b[3] << 24;
}

/* virtio_pci_modern probe and the admin queue's activation, as Linux. */
static void driver_init(struct env *e, uint8_t vector)
{
	struct pci_func *fn = &e->pf->fn;
	uint64_t features;

	pci_func_cfg_write(fn, PCI_COMMAND, 2,
			   PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
	pci_func_cfg_write(fn, fn->msix.cap + PCI_MSIX_FLAGS, 2,
			   PCI_MSIX_FLAGS_ENABLE);
	/* Each vector's data, unmasked (the table starts masked). */
	for (unsigned int v = 0; v < fn->msix.nvec; v++) {
		uint64_t ent = fn->msix.table_off + v * PCI_MSIX_ENTRY_SIZE;
		uint8_t b[4] = { v, 0, 0, 0 }, unmask[4] = { 0 };

		pci_func_bar_write(fn, fn->msix.bar, ent + PCI_MSIX_ENTRY_DATA,
				   b, 4);
		pci_func_bar_write(fn, fn->msix.bar,
				   ent + PCI_MSIX_ENTRY_VECTOR_CTRL, unmask, 4);
	}
	bar_wr(fn, VIRTIO_PCI_COMMON_STATUS, 1, VIRTIO_CONFIG_S_ACKNOWLEDGE);
	bar_wr(fn, VIRTIO_PCI_COMMON_STATUS, 1,
	       VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER);
	bar_wr(fn, VIRTIO_PCI_COMMON_DFSELECT, 4, 0);
	features = bar_rd32(fn, VIRTIO_PCI_COMMON_DF);
	bar_wr(fn, VIRTIO_PCI_COMMON_DFSELECT, 4, 1);
	features |= (uint64_t)bar_rd32(fn, VIRTIO_PCI_COMMON_DF) << 32;
	for (unsigned int i = 0; i < 2; i++) {
		bar_wr(fn, VIRTIO_PCI_COMMON_GFSELECT, 4, i);
		bar_wr(fn, VIRTIO_PCI_COMMON_GF, 4, features >> (32 * i));
	}
	bar_wr(fn, VIRTIO_PCI_COMMON_STATUS, 1, VIRTIO_CONFIG_S_ACKNOWLEDGE |
	       VIRTIO_CONFIG_S_DRIVER | VIRTIO_CONFIG_S_FEATURES_OK);
	bar_wr(fn, VIRTIO_PCI_COMMON_Q_SELECT, 2, e->pf->vdev.admin_index);
	bar_wr(fn, VIRTIO_PCI_COMMON_Q_SIZE, 2, QN);
	bar_wr(fn, VIRTIO_PCI_COMMON_Q_MSIX, 2, vector % 4);
	fz_ring_init(&e->ring, e->mem, GPA, MEM, GPA, QN, DATA);
	bar_wr(fn, VIRTIO_PCI_COMMON_Q_DESCLO, 8, e->ring.desc);
	bar_wr(fn, VIRTIO_PCI_COMMON_Q_AVAILLO, 8, e->ring.avail);
	bar_wr(fn, VIRTIO_PCI_COMMON_Q_USEDLO, 8, e->ring.used);
	bar_wr(fn, VIRTIO_PCI_COMMON_Q_ENABLE, 2, 1);
	bar_wr(fn, VIRTIO_PCI_COMMON_STATUS, 1, VIRTIO_CONFIG_S_ACKNOWLEDGE |
	       VIRTIO_CONFIG_S_DRIVER | VIRTIO_CONFIG_S_FEATURES_OK |
	       VIRTIO_CONFIG_S_DRIVER_OK);
}

static void sriov_set(struct env *e, unsigned int n)
{
	struct pci_func *fn = &e->pf->fn;
	uint16_t cap = pci_cfg_find_ext_cap(&fn->cfg, PCI_EXT_CAP_ID_SRIOV);

	pci_func_cfg_write(fn, cap + PCI_SRIOV_CTRL, 2, 0);
	if (!n)
		return;
	pci_func_cfg_write(fn, cap + PCI_SRIOV_NUM_VF, 2, n);
	pci_func_cfg_write(fn, cap + PCI_SRIOV_CTRL, 2,
			   PCI_SRIOV_CTRL_VFE | PCI_SRIOV_CTRL_MSE);
}

static void notify(struct env *e)
{
	bar_wr(&e->pf->fn, VDEV_NOTIFY_OFF +
	       VDEV_NOTIFY_MULT * e->pf->vdev.admin_index, 2,
	       e->pf->vdev.admin_index);
}

static const char *const ops[] = {
	"any", "LIST_QUERY", "LIST_USE", "CAP_ID_LIST_QUERY", "DEVICE_CAP_GET",
	"DRIVER_CAP_SET", "RESOURCE_OBJ_CREATE", "RESOURCE_OBJ_DESTROY",
	"DEV_PARTS_METADATA_GET", "DEV_PARTS_GET", "DEV_PARTS_SET",
	"DEV_MODE_SET",
};

/* A fault line as the scenario runner sends it (fault_parse()). */
static void arm(struct env *e, struct fz *f)
{
	static const char *const kinds[] = {
		"admin-fail", "admin-delay", "admin-hang", "admin-short",
		"admin-oversize", "admin-bad-len", "admin-corrupt",
		"msi-drop", "msi-delay", "msi-dup",
	};
	uint8_t k = fz_u8(f) % 10, how = fz_u8(f);
	char text[160], err[160];
	struct fault flt;
	int n;

	n = snprintf(text, sizeof(text), "%s", kinds[k]);
	if (k < 7)
		n += snprintf(text + n, sizeof(text) - n, " op=%s",
			      ops[fz_u8(f) % 12]);
	else
		n += snprintf(text + n, sizeof(text) - n, " fn=%s",
			      how & 1 ? "pf" : "vf0");
	if (how & 2)
		n += snprintf(text + n, sizeof(text) - n, " nth=%u",
			      1 + fz_u8(f) % 8);
	if (how & 4)
		n += snprintf(text + n, sizeof(text) - n, " count=%u",
			      1 + fz_u8(f) % 4);
	if (how & 8)
		n += snprintf(text + n, sizeof(text) - n, " prob=0.5");
	if (k == 0 || k == 1 || k == 8 || (how & 16))
		snprintf(text + n, sizeof(text) - n, " %s=%u",
			 k == 0 ? "status" : "ms", 1 + fz_u16(f));
	if (!fault_parse(text, &flt, err, sizeof(err)))
		fault_arm(&e->faults, &flt);
}

static void flr(struct env *e, unsigned int vf)
{
	struct pci_func *fn = topology_func(e->t, 1 + vf % e->nvfs);

	pci_func_cfg_write(fn, fn->pcie_cap + PCI_EXP_DEVCTL, 2,
			   PCI_EXP_DEVCTL_BCR_FLR);
}

/* Resets and SR-IOV changes redo the whole set-up: a few per input. */
#define MAX_RESETS 8

static void run(struct env *e, struct fz *f)
{
	int resets = 0;

	for (int step = 0; step < 512 && !fz_empty(f); step++) {
		uint8_t op = fz_u8(f) % 8;

		if (op >= 6 && ++resets > MAX_RESETS)
			op = 2;
		switch (op) {
		case 0:
		case 1:
			fz_ring_post_input(&e->ring, f);
			break;
		case 2:
			notify(e);
			break;
		case 3:
			fz_run_timers(&e->timers);
			break;
		case 4:
			arm(e, f);
			break;
		case 5:
			flr(e, fz_u8(f));
			break;
		case 6:	/* the driver resets the PF and starts again */
			bar_wr(&e->pf->fn, VIRTIO_PCI_COMMON_STATUS, 1, 0);
			driver_init(e, fz_u8(f));
			break;
		case 7:
			sriov_set(e, fz_u8(f) % (e->nvfs + 1));
			break;
		}
	}
	notify(e);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz f = { data, size };
	struct env e = { 0 };
	struct topology_opts o = {
		.mac = { 0x52, 0x54, 0, 0x56, 0x46, 0 },
		.parts_obj_limit = 1 + fz_u8(&f) % 16,
		.context_extra = fz_u8(&f),
	};

	o.vfs = e.nvfs = 1 + fz_u8(&f) % 7;
	e.t = topology_create(&o);
	e.mem = guest_ram;
	memset(guest_ram, 0, MEM);
	if (!e.t)
		abort();
	guest_mem_add_host(&e.gm, GPA, e.mem, MEM);
	fault_set_init(&e.faults, fz_u64(&f));
	for (unsigned int i = 0; i < topology_nfuncs(e.t); i++)
		attach(&e, topology_func(e.t, i));
	e.pf = (struct virtio_net *)topology_func(e.t, 0);
	driver_init(&e, fz_u8(&f));
	sriov_set(&e, e.nvfs);
	run(&e, &f);
	fz_run_timers(&e.timers);		/* what bus_stop() does */
	topology_destroy(e.t);
	return 0;
}
