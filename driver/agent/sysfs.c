// SPDX-License-Identifier: GPL-2.0
/* SR-IOV and driver binding steps, all through sysfs. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "agent.h"

#define SYS_PCI "/sys/bus/pci/devices"

double agent_now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The write reaches the driver; the open is the agent's path lookup. */
int write_text(const char *path, const char *text)
{
	ssize_t n;
	int err, fd;

	fail_nth_pause();
	fd = open(path, O_WRONLY | O_CLOEXEC);
	err = fd < 0 ? -errno : 0;
	fail_nth_resume();
	if (err)
		return err;
	n = write(fd, text, strlen(text));
	err = n < 0 ? -errno : 0;
	close(fd);
	return err;
}

int dev_attr_write(const char *bdf, const char *attr, const char *text)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), SYS_PCI "/%s/%s", bdf, attr);
	return write_text(path, text);
}

static int dev_attr_read(const char *bdf, const char *attr, char *buf,
			 size_t len)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), SYS_PCI "/%s/%s", bdf, attr);
	return read_text(path, buf, len);
}

/* BDF of VF @i of PF @pf, from the virtfn link; -errno if none. */
int vf_bdf(const char *pf, int i, char *buf, size_t len)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), SYS_PCI "/%s/virtfn%d", pf, i);
	return read_link_name(path, buf, len);
}

static int fail_errno(const char *what, int err)
{
	result("error=\"%s: %s\" errno=%d", what, strerror(-err), -err);
	return -1;
}

int step_sriov_autoprobe(const struct step *s)
{
	int err = dev_attr_write(s->argv[1], "sriov_drivers_autoprobe",
				 s->argv[2]);

	return err ? fail_errno("sriov_drivers_autoprobe", err) : 0;
}

int sriov_set(const char *pf, int n, double *took)
{
	char num[16];
	double t0 = agent_now_s();
	int err;

	snprintf(num, sizeof(num), "%d", n);
	err = dev_attr_write(pf, "sriov_numvfs", num);
	if (took)
		*took = agent_now_s() - t0;
	return err;
}

/* sriov-enable PF N: write sriov_numvfs and list the VFs that appeared. */
int step_sriov_enable(const struct step *s)
{
	int n = atoi(s->argv[2]);
	double took;
	int err = sriov_set(s->argv[1], n, &took);

	result("numvfs=%d took_s=%.3f", n, took);
	if (err)
		return fail_errno("sriov_numvfs", err);
	return step_expect_vfs(s);
}

int step_sriov_disable(const struct step *s)
{
	double took;
	int err = sriov_set(s->argv[1], 0, &took);

	result("took_s=%.3f", took);
	return err ? fail_errno("sriov_numvfs", err) : 0;
}

/* expect-vfs PF N: N VFs with devfn 8*(i+1), listed with their drivers. */
int step_expect_vfs(const struct step *s)
{
	int want = atoi(s->argv[2]), i;
	char num[16], vf[32], drv[64], expect[32];

	if (dev_attr_read(s->argv[1], "sriov_numvfs", num, sizeof(num)))
		return fail_errno("sriov_numvfs", -errno);
	result("sriov_numvfs=%s", num);
	for (i = 0; !vf_bdf(s->argv[1], i, vf, sizeof(vf)); i++) {
		pci_driver_of(vf, drv, sizeof(drv));
		result("vf%d=%s,%s", i, vf, drv);
		snprintf(expect, sizeof(expect), "0000:00:%02x.0", i + 1);
		if (strcmp(vf, expect)) {
			result("error=\"VF %d at %s, expected %s\"", i, vf,
			       expect);
			return -1;
		}
	}
	if (atoi(num) != want || i != want) {
		result("error=\"%d VFs, expected %d\"", i, want);
		return -1;
	}
	return 0;
}

/* sriov-cycles PF MAXVFS CYCLES: enable 1..MAXVFS VFs in turn, disable. */
int step_sriov_cycles(const struct step *s)
{
	int max = atoi(s->argv[2]), cycles = atoi(s->argv[3]), c, err;
	double t0 = agent_now_s();
	char num[16];

	if (max < 1 || cycles < 1)
		return fail_errno("arguments", -EINVAL);
	for (c = 0; c < cycles; c++) {
		int n = 1 + (c * 3) % max;	/* a different N each time */

		err = sriov_set(s->argv[1], n, NULL);
		if (!err && (dev_attr_read(s->argv[1], "sriov_numvfs", num,
					   sizeof(num)) || atoi(num) != n))
			err = -EIO;
		err = err ?: sriov_set(s->argv[1], 0, NULL);
		if (err) {
			result("cycle=%d", c);
			return fail_errno("sriov cycle", err);
		}
	}
	result("cycles=%d took_s=%.3f", cycles, agent_now_s() - t0);
	return 0;
}

/* bind BDF DRIVER: driver_override, then drivers_probe. */
int step_bind(const struct step *s)
{
	char drv[64];
	int err = dev_attr_write(s->argv[1], "driver_override", s->argv[2]);

	if (err)
		return fail_errno("driver_override", err);
	err = write_text("/sys/bus/pci/drivers_probe", s->argv[1]);
	if (err)
		return fail_errno("drivers_probe", err);
	pci_driver_of(s->argv[1], drv, sizeof(drv));
	result("driver=%s", drv);
	if (strcmp(drv, s->argv[2])) {
		result("error=\"not bound to %s\"", s->argv[2]);
		return -1;
	}
	return 0;
}

int step_unbind(const struct step *s)
{
	char drv[64];
	int err;

	if (pci_driver_of(s->argv[1], drv, sizeof(drv))) {
		result("driver=none");
		return 0;
	}
	err = dev_attr_write(s->argv[1], "driver/unbind", s->argv[1]);
	if (err)
		return fail_errno("unbind", err);
	dev_attr_write(s->argv[1], "driver_override", "\n");
	result("unbound=%s", drv);
	return 0;
}

/*
 * pci-remove BDF: hot-remove the function through sysfs (its `remove`
 * attribute): the PCI core unbinds its driver, and for a PF disables
 * SR-IOV first (the VFs and their users go), under the rescan/remove lock.
 */
int step_pci_remove(const struct step *s)
{
	double t0 = agent_now_s();
	int err = dev_attr_write(s->argv[1], "remove", "1");

	result("took_s=%.3f", agent_now_s() - t0);
	return err ? fail_errno("remove", err) : 0;
}

static int count_functions(void)
{
	DIR *d = opendir(SYS_PCI);
	struct dirent *e;
	int n = 0;

	while (d && (e = readdir(d)))
		n += e->d_name[0] != '.';
	if (d)
		closedir(d);
	return n;
}

/* pci-rescan [BDF]: rescan the bus (/sys/bus/pci/rescan) or below BDF. */
int step_pci_rescan(const struct step *s)
{
	double t0 = agent_now_s();
	int err = s->argc > 1 ? dev_attr_write(s->argv[1], "rescan", "1") :
		  write_text("/sys/bus/pci/rescan", "1");

	result("took_s=%.3f functions=%d", agent_now_s() - t0,
	       count_functions());
	return err ? fail_errno("rescan", err) : 0;
}

/*
 * Up to 6.12 UML's PCI transport (arch/um/drivers/virt-pci.c) has no
 * shutdown callback: device_shutdown() breaks and resets its virtqueues,
 * then the power-off exitcall removes the PCI devices through them.  Every
 * BAR read then returns all-ones and virtio_pci's vp_reset() polls
 * device_status forever: power-off never ends (doc/findings.md).  7.2 and
 * later give the transport a shutdown callback that keeps its queues.  On
 * such a kernel (its module is still called virt_pci) unbind the PCI
 * drivers first, unless a scenario asks to see the hang
 * (keep-drivers-at-poweroff).
 */
static bool keep_drivers;

int step_keep_drivers(const struct step *s)
{
	(void)s;
	keep_drivers = true;
	return 0;
}

void pci_unbind_for_poweroff(void)
{
	DIR *d;
	struct dirent *e;
	char drv[64];

	if (keep_drivers || access("/sys/module/virt_pci", F_OK))
		return;
	say("unbinding PCI drivers before power-off (virt-pci breaks its "
	    "queues at shutdown; doc/findings.md)");
	d = opendir("/sys/bus/pci/devices");
	while (d && (e = readdir(d)))
		if (e->d_name[0] != '.' &&
		    !pci_driver_of(e->d_name, drv, sizeof(drv)))
			dev_attr_write(e->d_name, "driver/unbind", e->d_name);
	if (d)
		closedir(d);
}
