// SPDX-License-Identifier: GPL-2.0
/*
 * UML's virtio_pcidev requests (include/uapi/linux/virtio_pcidev.h) on the
 * request queue of a PF (sim/bus/pcidev.c and the virtio-net model behind
 * it): the function is connected through real vhost-user messages with a
 * memfd as guest memory, then the input's operations run: requests (the
 * readable stream, header and data, and the reply room, over one or two
 * descriptors), processing, event buffers for MSIs, late replies coming
 * due, faults (cfg-ones, slow-reply, MSI faults), reconnects.
 */
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <unistd.h>

#include "models/topology.h"
#include "sim/bus/log.h"
#include "sim/bus/pcidev.h"
#include "fuzz.h"

#define GPA 0x0ull
#define MEM 0x10000u		/* 64 KiB of guest memory */
#define UADDR 0x7f0000000000ull
#define REQ_RING 0x0
#define EVT_RING 0x800
#define QN 32u
#define DATA 0x1000
#define EVT_DATA 0xc000

struct env {
	struct topology *t;
	struct pcidev dev;
	int memfd;
	uint8_t *mem;
	struct fz_ring req, evt;
	struct fault_set faults;
	struct fz_timers timers;
};

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	log_max_level = LOG_ERR;
	/* Made before fz_fds_mark() sees the fds open at start. */
	fz_guest_memfd(MEM, &(uint8_t *){ NULL });
	return 0;
}

static void handle(struct env *e, struct vu_msg *m, int *fds,
		   unsigned int nfds)
{
	char err[160];

	if (vu_msg_check(m, nfds, err, sizeof(err)) ||
	    vu_dev_handle(&e->dev.vu, m, fds, nfds))
		abort();	/* the set-up is well formed */
}

static void vring(struct env *e, uint32_t req, uint32_t q, uint32_t num)
{
	struct vu_msg m = { .hdr = { req, VU_FLAG_VERSION, 8 } };

	m.state.index = q;
	m.state.num = num;
	handle(e, &m, NULL, 0);
}

/* What UML's virtio_uml does when the device is registered. */
static void connect(struct env *e)
{
	struct vu_msg m = { .hdr = { VU_SET_FEATURES, VU_FLAG_VERSION, 8 } };
	int fd;

	m.u64 = 1ull << 32;	/* VIRTIO_F_VERSION_1 */
	handle(e, &m, NULL, 0);
	m = (struct vu_msg){ .hdr = { VU_SET_MEM_TABLE, VU_FLAG_VERSION,
				      8 + sizeof(struct vu_mem_region) } };
	m.mem.num = 1;
	m.mem.r[0] = (struct vu_mem_region){ GPA, MEM, UADDR, 0 };
	fd = dup(e->memfd);
	handle(e, &m, &fd, 1);
	for (uint32_t q = 0; q < VU_NQUEUES; q++) {
		uint64_t ring = q ? EVT_RING : REQ_RING;
		struct fz_ring *r = q ? &e->evt : &e->req;

		/* Request buffers below EVT_DATA, event buffers above. */
		fz_ring_init(r, e->mem, GPA, q ? MEM : EVT_DATA, ring, QN,
			     q ? EVT_DATA : DATA);
		vring(e, VU_SET_VRING_NUM, q, QN);
		vring(e, VU_SET_VRING_BASE, q, 0);
		m = (struct vu_msg){ .hdr = { VU_SET_VRING_ADDR,
					      VU_FLAG_VERSION,
					      sizeof(m.addr) } };
		m.addr = (struct vu_vring_addr){ .index = q,
			.desc = UADDR + r->desc, .avail = UADDR + r->avail,
			.used = UADDR + r->used };
		handle(e, &m, NULL, 0);
		m = (struct vu_msg){ .hdr = { VU_SET_VRING_KICK,
					      VU_FLAG_VERSION, 8 } };
		m.u64 = q;
		fd = eventfd(0, EFD_CLOEXEC);
		handle(e, &m, &fd, 1);
		m.hdr.request = VU_SET_VRING_CALL;
		fd = eventfd(0, EFD_CLOEXEC);
		handle(e, &m, &fd, 1);
	}
}

static void event_buffers(struct env *e, struct fz *f)
{
	unsigned int k = fz_u8(f) % 8;
	uint16_t len = fz_u8(f);

	for (unsigned int i = 0; i < k; i++)
		fz_ring_post(&e->evt, NULL, 0, 0, len, 4);
}

static void arm(struct env *e, struct fz *f)
{
	static const char *const text[] = {
		"cfg-ones fn=pf", "slow-reply fn=pf us=10", "msi-drop fn=pf",
		"msi-dup fn=pf", "msi-delay fn=pf ms=1", "msi-drop fn=pf nth=2",
	};
	char err[160];
	struct fault flt;

	if (!fault_parse(text[fz_u8(f) % 6], &flt, err, sizeof(err)))
		fault_arm(&e->faults, &flt);
}

static void run(struct env *e, struct fz *f)
{
	for (int step = 0; step < 512 && !fz_empty(f); step++) {
		switch (fz_u8(f) % 8) {
		case 0:
		case 1:
		case 2:
			fz_ring_post_input(&e->req, f);
			break;
		case 3:
			pcidev_process(&e->dev);
			break;
		case 4:
			event_buffers(e, f);
			break;
		case 5:
			fz_run_timers(&e->timers);
			break;
		case 6:
			arm(e, f);
			break;
		case 7:
			/*
			 * The guest went away and came back: 1 operation in
			 * 64.  Each is a whole vhost-user set-up; at 1 in 8
			 * they took 40% of the harness's time, and the
			 * vhost_user harness drives the set-up itself.
			 */
			if (fz_u8(f) % 8)
				break;
			pcidev_disconnect(&e->dev);
			connect(e);
			break;
		}
	}
	pcidev_process(&e->dev);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz f = { data, size };
	struct topology_opts o = {
		.mac = { 0x52, 0x54, 0, 0x56, 0x46, 0 }, .vfs = fz_u8(&f) % 8,
		.parts_obj_limit = 4,
	};
	struct pci_func *pf;
	struct env e = { 0 };

	fz_fds_mark();
	e.t = topology_create(&o);
	e.memfd = fz_guest_memfd(MEM, &e.mem);
	if (!e.t)
		abort();
	pf = topology_func(e.t, 0);
	fault_set_init(&e.faults, fz_u64(&f));
	pcidev_init(&e.dev, pf);
	pf->tp.defer = fz_defer;
	pf->tp.bus = &e.timers;
	pf->faults = &e.faults;
	connect(&e);
	run(&e, &f);
	fz_run_timers(&e.timers);
	pcidev_free(&e.dev);
	topology_destroy(e.t);
	fz_fds_check();
	return 0;
}
