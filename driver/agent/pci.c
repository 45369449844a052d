// SPDX-License-Identifier: GPL-2.0
/* PCI steps: enumeration through libpciaccess, drivers and netdevs via sysfs. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <pciaccess.h>

#include "agent.h"

#define SYS_PCI "/sys/bus/pci/devices"

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void bdf_of(const struct pci_device *d, char *buf, size_t len)
{
	snprintf(buf, len, "%04x:%02x:%02x.%u", d->domain, d->bus, d->dev,
		 d->func);
}

int pci_driver_of(const char *bdf, char *buf, size_t len)
{
	char path[PATH_MAX];
	int err;

	snprintf(path, sizeof(path), SYS_PCI "/%s/driver", bdf);
	err = read_link_name(path, buf, len);
	if (err)
		snprintf(buf, len, "none");
	return err;
}

/* Calls @fn for each netdev under a PCI function (through virtioN/net). */
static int for_each_netdev(const char *bdf,
			   void (*fn)(const char *bdf, const char *ifname,
				      const char *mac, void *arg), void *arg)
{
	char path[PATH_MAX], mac[64];
	struct dirent *v, *n;
	DIR *dv, *dn;
	int count = 0;

	snprintf(path, sizeof(path), SYS_PCI "/%s", bdf);
	dv = opendir(path);
	if (!dv)
		return 0;
	while ((v = readdir(dv))) {
		if (strncmp(v->d_name, "virtio", 6))
			continue;
		snprintf(path, sizeof(path), SYS_PCI "/%s/%s/net", bdf,
			 v->d_name);
		dn = opendir(path);
		if (!dn)
			continue;
		while ((n = readdir(dn))) {
			if (n->d_name[0] == '.')
				continue;
			snprintf(path, sizeof(path), SYS_PCI "/%s/%s/net/%s/address",
				 bdf, v->d_name, n->d_name);
			if (read_text(path, mac, sizeof(mac)))
				continue;
			fn(bdf, n->d_name, mac, arg);
			count++;
		}
		closedir(dn);
	}
	closedir(dv);
	return count;
}

static void print_netdev(const char *bdf, const char *ifname, const char *mac,
			 void *arg)
{
	(void)arg;
	say("netdev %s mac=%s pci=%s", ifname, mac, bdf);
	result("netdev.%s=%s", ifname, mac);
}

typedef void (*dev_fn)(struct pci_device *d, void *arg);

static int for_each_pci(dev_fn fn, void *arg)
{
	struct pci_device_iterator *it;
	struct pci_device *d;
	int n = 0, ret = pci_system_init();

	if (ret) {
		result("error=\"pci_system_init: %s\"", strerror(ret));
		return -1;
	}
	it = pci_slot_match_iterator_create(NULL);
	while ((d = pci_device_next(it))) {
		fn(d, arg);
		n++;
	}
	pci_iterator_destroy(it);
	pci_system_cleanup();
	return n;
}

static void list_one(struct pci_device *d, void *arg)
{
	char bdf[32], drv[64];

	(void)arg;
	bdf_of(d, bdf, sizeof(bdf));
	pci_driver_of(bdf, drv, sizeof(drv));
	say("pci %s id=%04x:%04x class=0x%06x driver=%s", bdf, d->vendor_id,
	    d->device_id, d->device_class, drv);
	result("pci.%s=%04x:%04x,%s", bdf, d->vendor_id, d->device_id, drv);
	for_each_netdev(bdf, print_netdev, NULL);
}

int step_list(const struct step *s)
{
	int n;

	(void)s;
	n = for_each_pci(list_one, NULL);
	if (n < 0)
		return -1;
	result("functions=%d", n);
	return 0;
}

static void count_bound(struct pci_device *d, void *arg)
{
	char bdf[32], drv[64];

	bdf_of(d, bdf, sizeof(bdf));
	if (!pci_driver_of(bdf, drv, sizeof(drv)))
		++*(int *)arg;
}

/* Wait until a PCI function exists and every one has a driver, then list. */
int step_probe(const struct step *s)
{
	double timeout = s->argc > 1 ? atof(s->argv[1]) : 10;
	double t0 = now_s();
	int n, bound;

	for (;;) {
		bound = 0;
		n = for_each_pci(count_bound, &bound);
		if (n > 0 && bound == n)
			break;
		if (now_s() - t0 > timeout) {
			result("error=\"%d of %d functions bound after %.0f s\"",
			       bound, n, timeout);
			return -1;
		}
		usleep(10000);
	}
	result("waited_s=%.3f", now_s() - t0);
	return step_list(s);
}

struct find_ctx {
	const char *bdf;
	struct pci_device *dev;
};

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/*
 * COUNT 4-byte config reads of the vendor/device dword through the sysfs
 * config file, held open (libpciaccess reopens it per access, which would
 * measure open/close), each read timed; plus the guest's syscall floor.
 */
int step_cfg_bench(const struct step *s)
{
	long count = atol(s->argv[2]);
	char path[PATH_MAX];
	double *lat, t0, total, floor_s;
	uint32_t v = 0;
	int fd;

	if (count < 1 || count > 10000000) {
		result("error=\"usage: cfg-bench BDF COUNT\"");
		return -1;
	}
	snprintf(path, sizeof(path), SYS_PCI "/%s/config", s->argv[1]);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	lat = calloc(count, sizeof(*lat));
	if (fd < 0 || !lat) {
		result("error=\"%s: %s\"", path, strerror(errno));
		free(lat);
		if (fd >= 0)
			close(fd);
		return -1;
	}
	total = now_s();
	for (long i = 0; i < count; i++) {
		t0 = now_s();
		if (pread(fd, &v, 4, 0) != 4)
			break;
		lat[i] = now_s() - t0;
	}
	total = now_s() - total;
	/* The same syscall path with no device behind it: offset 0x100 of
	 * a file that ends at 0x100 (ECAM-less) returns at once. */
	t0 = now_s();
	for (long i = 0; i < 1000; i++)
		getppid();
	floor_s = (now_s() - t0) / 1000;
	close(fd);
	qsort(lat, count, sizeof(*lat), cmp_double);
	result("reads=%ld value=0x%08x median_us=%.2f p99_us=%.2f "
	       "ops_per_s=%.0f syscall_floor_us=%.2f", count, v,
	       lat[count / 2] * 1e6, lat[(count * 99) / 100] * 1e6,
	       count / total, floor_s * 1e6);
	free(lat);
	return 0;
}

int step_expect_driver(const struct step *s)
{
	char drv[64];

	pci_driver_of(s->argv[1], drv, sizeof(drv));
	result("pci=%s driver=%s", s->argv[1], drv);
	if (strcmp(drv, s->argv[2])) {
		result("error=\"expected driver %s\"", s->argv[2]);
		return -1;
	}
	return 0;
}

struct mac_ctx {
	const char *want;
	int found;
};

static void match_mac(const char *bdf, const char *ifname, const char *mac,
		      void *arg)
{
	struct mac_ctx *c = arg;

	if (strcasecmp(mac, c->want))
		return;
	result("netdev=%s pci=%s", ifname, bdf);
	c->found++;
}

static void scan_macs(struct pci_device *d, void *arg)
{
	char bdf[32];

	bdf_of(d, bdf, sizeof(bdf));
	for_each_netdev(bdf, match_mac, arg);
}

int step_expect_netdev_mac(const struct step *s)
{
	struct mac_ctx c = { s->argv[1], 0 };

	if (for_each_pci(scan_macs, &c) < 0)
		return -1;
	if (!c.found) {
		result("error=\"no netdev with MAC %s\"", s->argv[1]);
		return -1;
	}
	return 0;
}
