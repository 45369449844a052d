// SPDX-License-Identifier: GPL-2.0
/*
 * VFIO steps: no-IOMMU mode, the group/container/device-fd API, config and
 * BAR access with pread/pwrite (BAR mmap does not work under UML), reset.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <linux/vfio.h>

#include "agent.h"

#define MAX_OPEN 8

struct vfio_dev {
	char bdf[32];
	int container, group, device;
	int req;		/* device request eventfd (vfio-req-arm), 0: none */
};

static struct vfio_dev open_devs[MAX_OPEN];
/* Steps of parallel branches open, find and close devices concurrently. */
static pthread_mutex_t devs_lock = PTHREAD_MUTEX_INITIALIZER;

static int fail(const char *what, int err)
{
	result("error=\"%s: %s\" errno=%d", what, strerror(err), err);
	return -1;
}

static struct vfio_dev *find(const char *bdf)
{
	struct vfio_dev *d = NULL;

	pthread_mutex_lock(&devs_lock);
	for (int i = 0; i < MAX_OPEN && !d; i++)
		if (open_devs[i].device > 0 && !strcmp(open_devs[i].bdf, bdf))
			d = &open_devs[i];
	pthread_mutex_unlock(&devs_lock);
	return d;
}

int step_vfio_noiommu(const struct step *s)
{
	int err = write_text("/sys/module/vfio/parameters/"
			     "enable_unsafe_noiommu_mode", "Y");

	(void)s;
	return err ? fail("enable_unsafe_noiommu_mode", -err) : 0;
}

static int group_path(const char *bdf, char *buf, size_t len)
{
	char link[PATH_MAX], group[NAME_MAX + 1];
	int err;

	snprintf(link, sizeof(link), "/sys/bus/pci/devices/%s/iommu_group",
		 bdf);
	err = read_link_name(link, group, sizeof(group));
	if (err)
		return err;
	/* No-IOMMU groups are /dev/vfio/noiommu-N. */
	snprintf(buf, len, "/dev/vfio/noiommu-%s", group);
	fail_nth_pause();
	err = access(buf, F_OK);
	fail_nth_resume();
	if (err)
		snprintf(buf, len, "/dev/vfio/%s", group);
	return 0;
}

/* Forget @d first, then close its fds (a close can block on the kernel). */
static void close_dev(struct vfio_dev *d)
{
	struct vfio_dev copy;

	pthread_mutex_lock(&devs_lock);
	copy = *d;
	memset(d, 0, sizeof(*d));
	pthread_mutex_unlock(&devs_lock);
	if (copy.device > 0)
		close(copy.device);
	if (copy.req > 0)
		close(copy.req);
	if (copy.group > 0)
		close(copy.group);
	if (copy.container > 0)
		close(copy.container);
}

static int open_dev(struct vfio_dev *d, const char *bdf)
{
	struct vfio_group_status st = { .argsz = sizeof(st) };
	char gpath[PATH_MAX];
	int err;

	snprintf(d->bdf, sizeof(d->bdf), "%s", bdf);
	err = group_path(bdf, gpath, sizeof(gpath));
	if (err)
		return fail("iommu_group", -err);
	d->container = open("/dev/vfio/vfio", O_RDWR | O_CLOEXEC);
	if (d->container < 0)
		return fail("/dev/vfio/vfio", errno);
	d->group = open(gpath, O_RDWR | O_CLOEXEC);
	if (d->group < 0)
		return fail(gpath, errno);
	if (ioctl(d->group, VFIO_GROUP_GET_STATUS, &st))
		return fail("VFIO_GROUP_GET_STATUS", errno);
	if (!(st.flags & VFIO_GROUP_FLAGS_VIABLE))
		return fail("group not viable", EBUSY);
	if (ioctl(d->group, VFIO_GROUP_SET_CONTAINER, &d->container))
		return fail("VFIO_GROUP_SET_CONTAINER", errno);
	if (ioctl(d->container, VFIO_SET_IOMMU, VFIO_NOIOMMU_IOMMU))
		return fail("VFIO_SET_IOMMU", errno);
	d->device = ioctl(d->group, VFIO_GROUP_GET_DEVICE_FD, bdf);
	if (d->device < 0)
		return fail("VFIO_GROUP_GET_DEVICE_FD", errno);
	result("group=%s", gpath);
	return 0;
}

int step_vfio_open(const struct step *s)
{
	struct vfio_device_info info = { .argsz = sizeof(info) };
	struct vfio_dev *d = NULL;

	if (find(s->argv[1]))
		return fail("already open", EBUSY);
	pthread_mutex_lock(&devs_lock);
	for (int i = 0; i < MAX_OPEN && !d; i++)
		if (!open_devs[i].device && !open_devs[i].bdf[0])
			d = &open_devs[i];
	if (d)		/* reserved: open_dev() fills it outside the lock */
		snprintf(d->bdf, sizeof(d->bdf), "%s", s->argv[1]);
	pthread_mutex_unlock(&devs_lock);
	if (!d)
		return fail("open slots", EBUSY);
	if (open_dev(d, s->argv[1])) {
		close_dev(d);
		return -1;
	}
	if (ioctl(d->device, VFIO_DEVICE_GET_INFO, &info))
		return fail("VFIO_DEVICE_GET_INFO", errno);
	result("regions=%u irqs=%u reset=%d", info.num_regions, info.num_irqs,
	       !!(info.flags & VFIO_DEVICE_FLAGS_RESET));
	return 0;
}

static int region(struct vfio_dev *d, unsigned int index, uint64_t *off,
		  uint64_t *size)
{
	struct vfio_region_info ri = { .argsz = sizeof(ri), .index = index };

	if (ioctl(d->device, VFIO_DEVICE_GET_REGION_INFO, &ri))
		return -errno;
	*off = ri.offset;
	*size = ri.size;
	return 0;
}

static int rw(struct vfio_dev *d, unsigned int index, uint64_t at, void *buf,
	      size_t len, bool write)
{
	uint64_t off = 0, size = 0;
	ssize_t n;
	int err = region(d, index, &off, &size);

	if (err)
		return err;
	if (at + len > size)
		return -EINVAL;
	n = write ? pwrite(d->device, buf, len, off + at) :
		    pread(d->device, buf, len, off + at);
	if (n < 0)
		return -errno;
	return n == (ssize_t)len ? 0 : -EIO;
}

/* vfio-config BDF: ids and command register through the config region. */
int step_vfio_config(const struct step *s)
{
	struct vfio_dev *d = find(s->argv[1]);
	uint32_t id;
	uint16_t cmd;
	int err;

	if (!d)
		return fail("not open", EBADF);
	err = rw(d, VFIO_PCI_CONFIG_REGION_INDEX, 0, &id, 4, false);
	err = err ?: rw(d, VFIO_PCI_CONFIG_REGION_INDEX, 4, &cmd, 2, false);
	if (err)
		return fail("config read", -err);
	result("vendor=0x%04x device=0x%04x command=0x%04x", id & 0xffff,
	       id >> 16, cmd);
	return 0;
}

/*
 * vfio-bar-read BDF BAR OFF [LEN] and vfio-bar-write BDF BAR OFF VALUE
 * [LEN]: one access of 1, 2, 4 or 8 bytes through the BAR's region.
 */
static int bar_access(const struct step *s, bool write)
{
	struct vfio_dev *d = find(s->argv[1]);
	int len_arg = write ? 5 : 4;
	size_t len = s->argc > len_arg ? strtoul(s->argv[len_arg], NULL, 0) : 4;
	uint64_t v = write ? strtoull(s->argv[4], NULL, 0) : 0;
	int err;

	if (!d)
		return fail("not open", EBADF);
	if (len != 1 && len != 2 && len != 4 && len != 8)
		return fail("length", EINVAL);
	err = rw(d, VFIO_PCI_BAR0_REGION_INDEX + atoi(s->argv[2]),
		 strtoull(s->argv[3], NULL, 0), &v, len, write);
	if (err)
		return fail(write ? "BAR write" : "BAR read", -err);
	if (!write)
		result("value=0x%llx", (unsigned long long)v);
	return 0;
}

int step_vfio_bar_read(const struct step *s)
{
	return bar_access(s, false);
}

int step_vfio_bar_write(const struct step *s)
{
	return bar_access(s, true);
}

int step_vfio_reset(const struct step *s)
{
	struct vfio_dev *d = find(s->argv[1]);

	if (!d)
		return fail("not open", EBADF);
	if (ioctl(d->device, VFIO_DEVICE_RESET))
		return fail("VFIO_DEVICE_RESET", errno);
	return 0;
}

int step_vfio_close(const struct step *s)
{
	struct vfio_dev *d = find(s->argv[1]);

	if (!d)
		return fail("not open", EBADF);
	close_dev(d);
	return 0;
}

/* What a "...-while-open" step does to the PF in its own thread. */
enum pf_action { PF_DISABLE_SRIOV, PF_UNBIND };

struct pf_actor {
	const char *pf;
	enum pf_action action;
	int err;
	volatile int done;
};

static void *pf_action_thread(void *arg)
{
	struct pf_actor *x = arg;

	if (x->action == PF_DISABLE_SRIOV)
		x->err = sriov_set(x->pf, 0, NULL);
	else
		x->err = dev_attr_write(x->pf, "driver/unbind", x->pf);
	x->done = 1;
	return NULL;
}

static int request_eventfd(struct vfio_dev *d)
{
	char buf[sizeof(struct vfio_irq_set) + sizeof(int32_t)];
	struct vfio_irq_set *set = (void *)buf;
	int fd = eventfd(0, EFD_CLOEXEC);

	if (fd < 0)
		return -errno;
	set->argsz = sizeof(buf);
	set->flags = VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER;
	set->index = VFIO_PCI_REQ_IRQ_INDEX;
	set->start = 0;
	set->count = 1;
	memcpy(set->data, &fd, sizeof(int32_t));
	if (ioctl(d->device, VFIO_DEVICE_SET_IRQS, set)) {
		close(fd);
		return -errno;
	}
	return fd;
}

/*
 * With VF's device fd open, act on the PF (disable SR-IOV, or unbind its
 * driver, which disables SR-IOV too).  The kernel must not remove the VF
 * under the user: the action blocks and vfio signals the device request
 * eventfd; once the user closes the fd, the action completes and the VFs
 * are gone.
 */
static int while_open(const struct step *s, enum pf_action action,
		      const char *what)
{
	struct pf_actor x = { s->argv[1], action, 0, 0 };
	struct vfio_dev *d = find(s->argv[2]);
	struct pollfd pfd = { .events = POLLIN };
	pthread_t t;
	int req, err;

	if (!d)
		return fail("not open", EBADF);
	req = request_eventfd(d);
	if (req < 0)
		return fail("request eventfd", -req);
	pfd.fd = req;
	/* A failed thread (ENOMEM under fail-nth) is this step's error. */
	err = pthread_create(&t, NULL, pf_action_thread, &x);
	if (err) {
		close(req);
		return fail("pthread_create", err);
	}
	if (poll(&pfd, 1, 10000) != 1) {
		result("error=\"no device request within 10 s\"");
		close_dev(d);
		pthread_join(t, NULL);
		close(req);
		return -1;
	}
	result("request=seen blocked=%d", !x.done);
	close_dev(d);
	pthread_join(t, NULL);
	close(req);
	result("%s_errno=%d", what, -x.err);
	if (x.err)
		return fail(what, -x.err);
	return x.done ? 0 : -1;
}

/* vfio-disable-while-open PF VF: write 0 to the PF's sriov_numvfs. */
int step_vfio_disable_while_open(const struct step *s)
{
	return while_open(s, PF_DISABLE_SRIOV, "disable");
}

/* vfio-unbind-while-open PF VF: unbind the PF's driver. */
int step_vfio_unbind_while_open(const struct step *s)
{
	return while_open(s, PF_UNBIND, "unbind");
}

/*
 * vfio-req-arm BDF: register an eventfd for the device request
 * (VFIO_PCI_REQ_IRQ_INDEX), as QEMU, DPDK and SPDK do: when the kernel
 * wants the device back (SR-IOV disable, the PF's or the VF's driver
 * unbound, the device removed) vfio_pci_core_request() signals it,
 * instead of logging "No device request channel registered, blocked
 * until released by user".  vfio-req-wait waits for that signal.
 */
int step_vfio_req_arm(const struct step *s)
{
	struct vfio_dev *d = find(s->argv[1]);
	int fd;

	if (!d)
		return fail("not open", EBADF);
	fd = request_eventfd(d);
	if (fd < 0)
		return fail("VFIO_DEVICE_SET_IRQS (REQ)", -fd);
	if (d->req > 0)
		close(d->req);	/* the kernel dropped it for the new one */
	d->req = fd;
	return 0;
}

/* vfio-req-disarm BDF: no request channel (the kernel's default). */
int step_vfio_req_disarm(const struct step *s)
{
	struct vfio_irq_set set = {
		.argsz = sizeof(set), .index = VFIO_PCI_REQ_IRQ_INDEX,
		.flags = VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_TRIGGER,
	};
	struct vfio_dev *d = find(s->argv[1]);

	if (!d)
		return fail("not open", EBADF);
	if (ioctl(d->device, VFIO_DEVICE_SET_IRQS, &set))
		return fail("VFIO_DEVICE_SET_IRQS (REQ, none)", errno);
	if (d->req > 0)
		close(d->req);
	d->req = 0;
	return 0;
}

/*
 * vfio-req-wait BDF [TIMEOUT_S]: block until the kernel asks for the
 * device back (default 10 s; ETIMEDOUT if it does not).  Reports how many
 * requests the eventfd counted and how long the wait took.
 */
int step_vfio_req_wait(const struct step *s)
{
	double limit = s->argc > 2 ? atof(s->argv[2]) : 10, t0 = agent_now_s();
	struct vfio_dev *d = find(s->argv[1]);
	struct pollfd pfd = { .events = POLLIN };
	uint64_t count = 0;
	int ret;

	if (!d)
		return fail("not open", EBADF);
	if (d->req <= 0)
		return fail("no request eventfd (vfio-req-arm first)", EBADF);
	if (limit <= 0 || limit > 3600)
		return fail("timeout", EINVAL);
	pfd.fd = d->req;
	do
		ret = poll(&pfd, 1, (int)(limit * 1000));
	while (ret < 0 && errno == EINTR);
	result("waited_s=%.3f", agent_now_s() - t0);
	if (ret < 0)
		return fail("poll", errno);
	if (!ret)
		return fail("no device request", ETIMEDOUT);
	if (read(d->req, &count, sizeof(count)) != sizeof(count))
		return fail("eventfd read", errno);
	result("requests=%llu", (unsigned long long)count);
	return 0;
}

int vfio_device_fd(const char *bdf)
{
	struct vfio_dev *d = find(bdf);

	return d ? d->device : -1;
}

/* Before power-off: the kernel's shutdown waits for VFIO users to leave. */
void vfio_close_all(void)
{
	for (int i = 0; i < MAX_OPEN; i++)
		if (open_devs[i].device > 0)
			close_dev(&open_devs[i]);
}
