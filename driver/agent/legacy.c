// SPDX-License-Identifier: GPL-2.0
/*
 * Legacy I/O steps: a legacy virtio-net driver (what Linux's
 * virtio_pci_legacy.c does, from user space) driving a VF through the I/O
 * BAR0 that virtio-vfio-pci emulates (drivers/vfio/pci/virtio/legacy_io.c):
 * every register access there becomes a legacy admin command on the PF,
 * except queue notifications, which go to the doorbell LEGACY_NOTIFY_INFO
 * named.  The rings live in the agent's own memory: VFIO no-IOMMU mode
 * means the device gets physical addresses, found in /proc/self/pagemap,
 * and a legacy ring must be physically contiguous (its used ring is on
 * the next 4096-byte boundary), so the agent looks for such a run.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include <linux/pci_regs.h>
#include <linux/vfio.h>
#include <linux/virtio_config.h>
#include <linux/virtio_net.h>
#include <linux/virtio_pci.h>
#include <linux/virtio_ring.h>

#include "agent.h"

#define PAGE 4096u
#define POOL_PAGES 1024		/* searched for physically contiguous runs */
#define NQ 2			/* rx, tx */
#define TXQ 1
#define NVEC 3			/* config, rx, tx */
#define FRAME 60
#define HDR 10			/* struct virtio_net_hdr: no VERSION_1 */
#define WAIT_MS 3000
#define MAX_DEVS 8

struct lring {
	uint16_t num;
	uint8_t *va;		/* desc, then avail; used at the next page */
	uint64_t pa;
	struct vring_desc *desc;
	struct vring_avail *avail;
	struct vring_used *used;
	uint16_t avail_idx;
};

struct ldev {
	char bdf[32];
	int fd;
	uint64_t bar0, config;	/* region offsets */
	unsigned int cfg_off;	/* device config: 20, or 24 with MSI-X */
	int irq[NVEC];		/* eventfds with MSI-X, else -1 */
	struct lring q[NQ];
	uint8_t *pkt;
	uint64_t pkt_pa;
};

static struct ldev devs[MAX_DEVS];

/*
 * Locked pages for rings and frames, mapped once and kept: pages freed by
 * an unmap come back in reverse order, so a pool made again after a reset
 * may have no ascending run left.  owner: 0 free, else device slot + 1.
 */
static struct {
	uint8_t *va;
	uint64_t pa[POOL_PAGES];
	uint8_t owner[POOL_PAGES];
} pool;

static int fail(const char *what, int err)
{
	result("error=\"%s: %s\" errno=%d", what, strerror(err), err);
	return -1;
}

static void ldev_free(struct ldev *d);

/* The driver state of @bdf; dropped once its VFIO device was closed. */
static struct ldev *find(const char *bdf)
{
	for (int i = 0; i < MAX_DEVS; i++) {
		if (devs[i].fd <= 0 || strcmp(devs[i].bdf, bdf))
			continue;
		if (vfio_device_fd(bdf) == devs[i].fd)
			return &devs[i];
		ldev_free(&devs[i]);
	}
	return NULL;
}

/* One access to the emulated I/O BAR: 0 or -errno (the admin status). */
static int io(struct ldev *d, bool write, unsigned int off, void *v,
	      size_t len)
{
	ssize_t n = write ? pwrite(d->fd, v, len, d->bar0 + off) :
			    pread(d->fd, v, len, d->bar0 + off);

	if (n < 0)
		return -errno;
	return n == (ssize_t)len ? 0 : -EIO;
}

static int iow(struct ldev *d, unsigned int off, uint32_t v, size_t len)
{
	return io(d, true, off, &v, len);
}

static int ior(struct ldev *d, unsigned int off, uint32_t *v, size_t len)
{
	*v = 0;
	return io(d, false, off, v, len);
}

static int cfg(struct ldev *d, bool write, unsigned int off, void *v,
	       size_t len)
{
	ssize_t n = write ? pwrite(d->fd, v, len, d->config + off) :
			    pread(d->fd, v, len, d->config + off);

	return n == (ssize_t)len ? 0 : n < 0 ? -errno : -EIO;
}

/* Map the pool once; physical addresses from pagemap (root sees PFNs). */
static int pool_map(void)
{
	uint8_t *va;
	int fd;

	if (pool.va)
		return 0;
	va = mmap(NULL, POOL_PAGES * PAGE, PROT_READ | PROT_WRITE,
		  MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE | MAP_LOCKED,
		  -1, 0);
	if (va == MAP_FAILED)
		return -errno;
	fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	for (unsigned int i = 0; fd >= 0 && i < POOL_PAGES; i++) {
		uint64_t e = 0;
		off_t at = ((uintptr_t)va / PAGE + i) * 8;

		if (pread(fd, &e, 8, at) != 8 || !(e & (1ull << 63)) ||
		    !(e & ((1ull << 55) - 1))) {
			close(fd);
			munmap(va, POOL_PAGES * PAGE);
			return -EFAULT;
		}
		pool.pa[i] = (e & ((1ull << 55) - 1)) * PAGE;
	}
	if (fd < 0) {
		munmap(va, POOL_PAGES * PAGE);
		return -errno;
	}
	close(fd);
	pool.va = va;
	return 0;
}

/* @n physically contiguous free pages of the pool, zeroed, or NULL. */
static uint8_t *pool_take(struct ldev *d, unsigned int n, uint64_t *pa)
{
	uint8_t owner = d - devs + 1;

	for (unsigned int i = 0; i + n <= POOL_PAGES; i++) {
		unsigned int k;

		for (k = 0; k < n; k++)
			if (pool.owner[i + k] ||
			    pool.pa[i + k] != pool.pa[i] + k * PAGE)
				break;
		if (k < n)
			continue;
		for (k = 0; k < n; k++)
			pool.owner[i + k] = owner;
		memset(pool.va + i * PAGE, 0, n * PAGE);
		*pa = pool.pa[i];
		return pool.va + i * PAGE;
	}
	return NULL;
}

static void pool_release(struct ldev *d)
{
	uint8_t owner = d - devs + 1;

	for (unsigned int i = 0; i < POOL_PAGES; i++)
		if (pool.owner[i] == owner)
			pool.owner[i] = 0;
}

static size_t ring_bytes(uint16_t num)
{
	size_t used = (16u * num + 2u * (3 + num) + PAGE - 1) & ~(PAGE - 1);

	return used + 6 + 8u * num;
}

static int ring_alloc(struct ldev *d, struct lring *r, uint16_t num)
{
	size_t bytes = ring_bytes(num);

	r->num = num;
	r->va = pool_take(d, (bytes + PAGE - 1) / PAGE, &r->pa);
	if (!r->va)
		return -ENOMEM;
	r->desc = (void *)r->va;
	r->avail = (void *)(r->va + 16u * num);
	r->used = (void *)(r->va + ((16u * num + 2u * (3 + num) + PAGE - 1) &
				    ~(PAGE - 1)));
	return 0;
}

/* MSI-X through VFIO: one eventfd per vector. */
static int msix_on(struct ldev *d)
{
	char buf[sizeof(struct vfio_irq_set) + NVEC * sizeof(int32_t)];
	struct vfio_irq_set *set = (void *)buf;
	int32_t fds[NVEC];

	for (int i = 0; i < NVEC; i++) {
		d->irq[i] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (d->irq[i] < 0)
			return -errno;
		fds[i] = d->irq[i];
	}
	set->argsz = sizeof(buf);
	set->flags = VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER;
	set->index = VFIO_PCI_MSIX_IRQ_INDEX;
	set->start = 0;
	set->count = NVEC;
	memcpy(set->data, fds, sizeof(fds));
	return ioctl(d->fd, VFIO_DEVICE_SET_IRQS, set) ? -errno : 0;
}

static void ldev_free(struct ldev *d)
{
	for (int i = 0; i < NVEC; i++)
		if (d->irq[i] >= 0)
			close(d->irq[i]);
	pool_release(d);
	memset(d, 0, sizeof(*d));
}

/* What virtio-vfio-pci shows a legacy guest: a transitional net device. */
static int check_config(struct ldev *d)
{
	uint16_t cmd, id = 0, subsys = 0;
	uint32_t bar = 0;
	uint8_t rev = 0xff;
	int err;

	err = cfg(d, false, PCI_DEVICE_ID, &id, 2);
	err = err ?: cfg(d, false, PCI_REVISION_ID, &rev, 1);
	err = err ?: cfg(d, false, PCI_SUBSYSTEM_ID, &subsys, 2);
	err = err ?: cfg(d, false, PCI_COMMAND, &cmd, 2);
	if (err)
		return fail("config read", -err);
	/* I/O decoding on: without it every BAR0 access fails with EIO. */
	cmd |= PCI_COMMAND_IO | PCI_COMMAND_MASTER;
	err = cfg(d, true, PCI_COMMAND, &cmd, 2);
	err = err ?: cfg(d, false, PCI_BASE_ADDRESS_0, &bar, 4);
	if (err)
		return fail("config write", -err);
	result("device_id=0x%04x revision=%u subsystem=%u bar0=0x%x", id, rev,
	       subsys, bar);
	if (id != 0x1000 || rev || subsys != 1 ||
	    !(bar & PCI_BASE_ADDRESS_SPACE_IO)) {
		result("error=\"not a transitional virtio-net device with an "
		       "I/O BAR0\"");
		return -1;
	}
	return 0;
}

#define IOW(off, v, len) do {						\
		if ((err = iow(d, (off), (v), (len))))			\
			return fail("BAR0 write " #off, -err);		\
	} while (0)
#define IOR(off, v, len) do {						\
		if ((err = ior(d, (off), (v), (len))))			\
			return fail("BAR0 read " #off, -err);		\
	} while (0)
#define EXPECT(what, got, want) do {					\
		if ((got) != (want)) {					\
			result("error=\"%s: 0x%x, expected 0x%x\"", what, \
			       (unsigned int)(got), (unsigned int)(want)); \
			return -1;					\
		}							\
	} while (0)

/* Select, size, vector and place queue @qi, as vp_legacy setup_vq(). */
static int setup_queue(struct ldev *d, uint16_t qi, bool msix)
{
	uint32_t num, v;
	int err;

	IOW(VIRTIO_PCI_QUEUE_SEL, qi, 2);
	IOR(VIRTIO_PCI_QUEUE_NUM, &num, 2);
	if (!num || (num & (num - 1)))
		return fail("queue size", EINVAL);
	IOR(VIRTIO_PCI_QUEUE_PFN, &v, 4);
	EXPECT("queue PFN before setup", v, 0);
	if (ring_alloc(d, &d->q[qi], num))
		return fail("no physically contiguous pages for the ring",
			    ENOMEM);
	if (msix) {
		IOW(VIRTIO_MSI_QUEUE_VECTOR, 1 + qi, 2);
		IOR(VIRTIO_MSI_QUEUE_VECTOR, &v, 2);
		EXPECT("queue vector", v, 1u + qi);
	}
	IOW(VIRTIO_PCI_QUEUE_PFN, d->q[qi].pa / PAGE, 4);
	IOR(VIRTIO_PCI_QUEUE_PFN, &v, 4);
	EXPECT("queue PFN", v, d->q[qi].pa / PAGE);
	result("q%u_size=%u q%u_pfn=0x%x", qi, num, qi, v);
	return 0;
}

/* Reset, features, vectors, queues, device config, DRIVER_OK. */
static int bring_up(struct ldev *d, bool msix)
{
	const uint32_t want = 1u << VIRTIO_NET_F_MAC | 1u << VIRTIO_NET_F_STATUS;
	uint32_t v, hf, mac[6], st;
	int err;

	IOW(VIRTIO_PCI_STATUS, 0, 1);
	IOR(VIRTIO_PCI_STATUS, &v, 1);
	EXPECT("status after reset", v, 0);
	IOW(VIRTIO_PCI_STATUS, VIRTIO_CONFIG_S_ACKNOWLEDGE, 1);
	IOW(VIRTIO_PCI_STATUS, VIRTIO_CONFIG_S_ACKNOWLEDGE |
	    VIRTIO_CONFIG_S_DRIVER, 1);
	IOR(VIRTIO_PCI_HOST_FEATURES, &hf, 4);
	result("host_features=0x%x", hf);
	IOW(VIRTIO_PCI_GUEST_FEATURES, hf & want, 4);
	IOR(VIRTIO_PCI_GUEST_FEATURES, &v, 4);
	EXPECT("guest features", v, hf & want);
	if (msix) {
		IOW(VIRTIO_MSI_CONFIG_VECTOR, 0, 2);
		IOR(VIRTIO_MSI_CONFIG_VECTOR, &v, 2);
		EXPECT("config vector", v, 0);
	}
	for (uint16_t qi = 0; qi < NQ; qi++)
		if (setup_queue(d, qi, msix))
			return -1;
	/* The device config, a byte at a time as vp_legacy_get() reads. */
	for (int i = 0; i < 6; i++)
		IOR(d->cfg_off + i, &mac[i], 1);
	IOR(d->cfg_off + 6, &st, 2);
	result("mac=%02x:%02x:%02x:%02x:%02x:%02x link=%u", mac[0], mac[1],
	       mac[2], mac[3], mac[4], mac[5], st & VIRTIO_NET_S_LINK_UP);
	IOW(VIRTIO_PCI_STATUS, VIRTIO_CONFIG_S_ACKNOWLEDGE |
	    VIRTIO_CONFIG_S_DRIVER | VIRTIO_CONFIG_S_DRIVER_OK, 1);
	IOR(VIRTIO_PCI_STATUS, &v, 1);
	EXPECT("status", v, VIRTIO_CONFIG_S_ACKNOWLEDGE |
	       VIRTIO_CONFIG_S_DRIVER | VIRTIO_CONFIG_S_DRIVER_OK);
	return 0;
}

static int ldev_open(struct ldev *d, const char *bdf, bool msix)
{
	struct vfio_region_info ri = { .argsz = sizeof(ri),
				       .index = VFIO_PCI_CONFIG_REGION_INDEX };
	int err;

	snprintf(d->bdf, sizeof(d->bdf), "%s", bdf);
	for (int i = 0; i < NVEC; i++)
		d->irq[i] = -1;
	d->fd = vfio_device_fd(bdf);
	if (d->fd < 0)
		return fail("device not open (vfio-open first)", EBADF);
	if (ioctl(d->fd, VFIO_DEVICE_GET_REGION_INFO, &ri))
		return fail("config region", errno);
	d->config = ri.offset;
	ri.index = VFIO_PCI_BAR0_REGION_INDEX;
	if (ioctl(d->fd, VFIO_DEVICE_GET_REGION_INFO, &ri))
		return fail("BAR0 region", errno);
	d->bar0 = ri.offset;
	result("bar0_size=%llu", (unsigned long long)ri.size);
	/* VIRTIO_PCI_CONFIG_OFF(true) + the net config up to status. */
	if (ri.size != 32 || !(ri.flags & VFIO_REGION_INFO_FLAG_WRITE))
		return fail("BAR0 is not the emulated legacy I/O BAR", ENODEV);
	if (check_config(d))
		return -1;
	if ((err = pool_map()))
		return fail("ring memory (mmap, /proc/self/pagemap)", -err);
	if (msix && (err = msix_on(d)))
		return fail("VFIO_DEVICE_SET_IRQS (MSI-X)", -err);
	d->cfg_off = VIRTIO_PCI_CONFIG_OFF(msix);
	d->pkt = pool_take(d, 1, &d->pkt_pa);
	return d->pkt ? 0 : fail("packet page", ENOMEM);
}

/*
 * legacy-probe BDF [msix]: the bring-up of a legacy virtio-net driver on
 * the VF's emulated I/O BAR0 (the VF must be open through VFIO).
 */
int step_legacy_probe(const struct step *s)
{
	bool msix = s->argc > 2 && !strcmp(s->argv[2], "msix");
	struct ldev *d = find(s->argv[1]);

	if (d)
		ldev_free(d);
	for (int i = 0; i < MAX_DEVS && !d; i++)
		if (devs[i].fd <= 0)
			d = &devs[i];
	if (!d)
		return fail("legacy devices", EBUSY);
	if (ldev_open(d, s->argv[1], msix) || bring_up(d, msix)) {
		ldev_free(d);
		return -1;
	}
	result("msix=%d", msix);
	return 0;
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* Wait until the device used @want entries of @r; false on timeout. */
static bool wait_used(struct lring *r, uint16_t want)
{
	double end = now_ms() + WAIT_MS;

	while (__atomic_load_n(&r->used->idx, __ATOMIC_ACQUIRE) != want) {
		if (now_ms() > end)
			return false;
		usleep(500);
	}
	return true;
}

/* legacy-tx BDF [N]: N frames on the tx queue, one doorbell write. */
int step_legacy_tx(const struct step *s)
{
	struct ldev *d = find(s->argv[1]);
	int n = s->argc > 2 ? atoi(s->argv[2]) : 1, err;
	struct pollfd pfd = { .events = POLLIN };
	struct lring *r;
	uint32_t isr;
	uint64_t hits = 0;

	if (!d)
		return fail("no legacy driver on it (legacy-probe first)",
			    EBADF);
	r = &d->q[TXQ];
	if (n < 1 || n > r->num)
		return fail("frame count", EINVAL);
	for (int i = 0; i < n; i++) {
		uint16_t head = (r->avail_idx + i) % r->num;

		r->desc[head] = (struct vring_desc){
			.addr = d->pkt_pa + 128u * (i % 32),
			.len = HDR + FRAME,
		};
		r->avail->ring[(r->avail_idx + i) % r->num] = head;
	}
	r->avail_idx += n;
	__atomic_store_n(&r->avail->idx, r->avail_idx, __ATOMIC_RELEASE);
	/* The notify register: a 2-byte write, sent to the doorbell. */
	if ((err = iow(d, VIRTIO_PCI_QUEUE_NOTIFY, TXQ, 2)))
		return fail("BAR0 write VIRTIO_PCI_QUEUE_NOTIFY", -err);
	if (!wait_used(r, r->avail_idx)) {
		result("used=%u", r->used->idx);
		return fail("frames not used within 3 s", ETIMEDOUT);
	}
	if (d->irq[0] >= 0) {
		pfd.fd = d->irq[1 + TXQ];
		if (poll(&pfd, 1, WAIT_MS) != 1 ||
		    read(pfd.fd, &hits, 8) != 8)
			return fail("no tx interrupt within 3 s", ETIMEDOUT);
	}
	if ((err = ior(d, VIRTIO_PCI_ISR, &isr, 1)))
		return fail("BAR0 read VIRTIO_PCI_ISR", -err);
	result("sent=%d used=%u irqs=%llu isr=%u", n, r->used->idx,
	       (unsigned long long)hits, isr);
	return 0;
}

/* legacy-reset BDF: status 0, the queues read as inactive again. */
int step_legacy_reset(const struct step *s)
{
	struct ldev *d = find(s->argv[1]);
	uint32_t v;
	int err;

	if (!d)
		return fail("no legacy driver on it (legacy-probe first)",
			    EBADF);
	IOW(VIRTIO_PCI_STATUS, 0, 1);
	IOR(VIRTIO_PCI_STATUS, &v, 1);
	EXPECT("status after reset", v, 0);
	for (uint16_t qi = 0; qi < NQ; qi++) {
		IOW(VIRTIO_PCI_QUEUE_SEL, qi, 2);
		IOR(VIRTIO_PCI_QUEUE_PFN, &v, 4);
		EXPECT("queue PFN after reset", v, 0);
	}
	ldev_free(d);
	return 0;
}

struct stress {
	struct ldev *d;
	int count;
	uint32_t hf, mac0;
	long ops, errors, mismatches;
	int first_err;
};

/* Reads whose values cannot change: any difference is a torn access. */
static void *stress_thread(void *arg)
{
	struct stress *t = arg;

	for (int i = 0; i < t->count; i++) {
		unsigned int off = i % 3 == 0 ? VIRTIO_PCI_HOST_FEATURES :
				   i % 3 == 1 ? t->d->cfg_off : VIRTIO_PCI_STATUS;
		size_t len = off == VIRTIO_PCI_HOST_FEATURES ? 4 : 1;
		uint32_t v, want = off == VIRTIO_PCI_HOST_FEATURES ? t->hf :
				   off == VIRTIO_PCI_STATUS ? 0x7 : t->mac0;
		int err = ior(t->d, off, &v, len);

		t->ops++;
		if (err) {
			t->errors++;
			t->first_err = t->first_err ?: -err;
		} else if (v != want) {
			t->mismatches++;
		}
	}
	return NULL;
}

/*
 * legacy-stress BDF THREADS COUNT: THREADS threads each do COUNT reads of
 * the emulated BAR0 at once, all serialized by the driver's bar_mutex.
 */
int step_legacy_stress(const struct step *s)
{
	struct ldev *d = find(s->argv[1]);
	int nt = atoi(s->argv[2]), count = atoi(s->argv[3]), err;
	struct stress t[16];
	pthread_t th[16];
	bool started[16];
	long ops = 0, errors = 0, mism = 0;
	uint32_t hf, mac0;
	int first = 0;
	double t0;

	if (!d)
		return fail("no legacy driver on it (legacy-probe first)",
			    EBADF);
	if (nt < 1 || nt > 16 || count < 1)
		return fail("THREADS 1..16, COUNT >= 1", EINVAL);
	IOR(VIRTIO_PCI_HOST_FEATURES, &hf, 4);
	IOR(d->cfg_off, &mac0, 1);
	t0 = now_ms();
	for (int i = 0; i < nt; i++) {
		t[i] = (struct stress){ d, count, hf, mac0, 0, 0, 0, 0 };
		/* A thread that cannot start runs here, after the others. */
		started[i] = !pthread_create(&th[i], NULL, stress_thread, &t[i]);
	}
	for (int i = 0; i < nt; i++) {
		if (started[i])
			pthread_join(th[i], NULL);
		else
			stress_thread(&t[i]);
		ops += t[i].ops;
		errors += t[i].errors;
		mism += t[i].mismatches;
		first = first ?: t[i].first_err;
	}
	result("threads=%d ops=%ld errors=%ld mismatches=%ld ops_per_s=%.0f",
	       nt, ops, errors, mism, ops / ((now_ms() - t0) / 1e3));
	if (errors)
		return fail("BAR0 read", first);
	return mism ? fail("values changed under concurrent reads", EIO) : 0;
}

void legacy_close_all(void)
{
	for (int i = 0; i < MAX_DEVS; i++)
		if (devs[i].fd > 0)
			ldev_free(&devs[i]);
}
