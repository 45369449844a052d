// SPDX-License-Identifier: GPL-2.0
/*
 * VFIO migration v2 client: device state arcs through
 * VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE, the saving data fd read with a
 * chosen read size, the resuming data fd written with a chosen chunk size,
 * PRE_COPY info, MIG_DATA_SIZE, streams saved to and loaded from files.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <linux/vfio.h>

#include "agent.h"

#define RUN_DIR "/tmp"
#define MAX_STREAM (96u << 20)

static int fail(const char *what, int err)
{
	result("error=\"%s: %s\" errno=%d", what, strerror(err), err);
	return -1;
}

static int feature(int dev, uint32_t flags, void *data, size_t len)
{
	uint8_t buf[sizeof(struct vfio_device_feature) + 64]
		__attribute__((aligned(8)));
	struct vfio_device_feature *f = (void *)buf;
	int ret;

	memset(buf, 0, sizeof(buf));
	f->argsz = sizeof(*f) + len;
	f->flags = flags;
	memcpy(f->data, data, len);
	ret = ioctl(dev, VFIO_DEVICE_FEATURE, f);
	if (ret < 0)
		return -errno;
	memcpy(data, f->data, len);
	return ret;
}

/* Move @dev to @state; returns the data fd (or -1 if none) or -errno. */
static int set_state(int dev, int state)
{
	struct vfio_device_feature_mig_state ms = { .device_state = state,
						    .data_fd = -1 };
	int ret = feature(dev, VFIO_DEVICE_FEATURE_SET |
			  VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE, &ms, sizeof(ms));

	return ret < 0 ? ret : ms.data_fd;
}

static int get_state(int dev)
{
	struct vfio_device_feature_mig_state ms = { 0 };
	int ret = feature(dev, VFIO_DEVICE_FEATURE_GET |
			  VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE, &ms, sizeof(ms));

	return ret < 0 ? ret : (int)ms.device_state;
}

static int device(const struct step *s)
{
	int fd = vfio_device_fd(s->argv[1]);

	if (fd < 0)
		fail("device not open (vfio-open first)", EBADF);
	return fd;
}

int step_mig_info(const struct step *s)
{
	struct vfio_device_feature_migration m = { 0 };
	int dev = device(s), ret;

	if (dev < 0)
		return -1;
	ret = feature(dev, VFIO_DEVICE_FEATURE_GET |
		      VFIO_DEVICE_FEATURE_MIGRATION, &m, sizeof(m));
	if (ret < 0)
		return fail("VFIO_DEVICE_FEATURE_MIGRATION", -ret);
	result("stop_copy=%d p2p=%d pre_copy=%d state=%s",
	       !!(m.flags & VFIO_MIGRATION_STOP_COPY),
	       !!(m.flags & VFIO_MIGRATION_P2P),
	       !!(m.flags & VFIO_MIGRATION_PRE_COPY),
	       step_state_names[get_state(dev) & 7]);
	return 0;
}

static int data_fd[8] = { -1, -1, -1, -1, -1, -1, -1, -1 };

static int *fd_slot(const char *bdf)
{
	unsigned int dev = 0;

	sscanf(bdf, "%*x:%*x:%x", &dev);
	return &data_fd[dev & 7];
}

static void keep_fd(const char *bdf, int fd)
{
	int *slot = fd_slot(bdf);

	if (fd < 0)
		return;
	if (*slot >= 0)
		close(*slot);
	*slot = fd;
}

/*
 * A state by its uAPI name, or by number: values the uAPI does not define
 * are for trying what the kernel refuses.
 */
static long state_arg(const char *a)
{
	int st = step_state(a);
	char *end;
	long n;

	if (st >= 0)
		return st;
	n = strtol(a, &end, 10);
	return *a && !*end && n >= 0 && n <= INT32_MAX ? n : -1;
}

/* mig-state BDF STATE|NUMBER: one request; the driver walks the arcs. */
int step_mig_state(const struct step *s)
{
	long st = state_arg(s->argv[2]);
	int dev = device(s), fd;

	if (dev < 0)
		return -1;
	if (st < 0)
		return fail("unknown state", EINVAL);
	fd = set_state(dev, st);
	if (fd < -1)
		return fail(s->argv[2], -fd);
	keep_fd(s->argv[1], fd);
	result("state=%s data_fd=%d", step_state_names[get_state(dev) & 7],
	       fd >= 0);
	return 0;
}

/* expect-mig-state BDF STATE: the device is in STATE (..._MIG_DEVICE_STATE). */
int step_expect_mig_state(const struct step *s)
{
	int dev = device(s), want = step_state(s->argv[2]), st;

	if (dev < 0)
		return -1;
	if (want < 0)
		return fail("unknown state", EINVAL);
	st = get_state(dev);
	if (st < 0)
		return fail("MIG_DEVICE_STATE", -st);
	result("state=%s", step_state_names[st & 7]);
	if (st != want) {
		result("error=\"expected %s\"", step_state_names[want]);
		return -1;
	}
	return 0;
}

/* Read the saving fd until EOF (or ENOMSG in PRE_COPY) in @rsize reads. */
static ssize_t read_stream(int fd, uint8_t *buf, size_t cap, size_t rsize)
{
	size_t got = 0;

	for (;;) {
		size_t want = rsize < cap - got ? rsize : cap - got;
		ssize_t n;

		if (!want)
			return -EFBIG;
		n = read(fd, buf + got, want);
		if (n == 0)
			return got;
		if (n < 0 && errno == ENOMSG)	/* PRE_COPY: caught up */
			return got;
		if (n < 0)
			return -errno;
		got += n;
	}
}

static int save_file(const char *name, const uint8_t *buf, size_t len)
{
	char path[256];
	int fd, err;
	ssize_t n;

	snprintf(path, sizeof(path), "%s%s%s", name[0] == '/' ? "" : RUN_DIR,
		 name[0] == '/' ? "" : "/", name);
	fail_nth_pause();	/* the run directory: the agent's own files */
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	err = fd < 0 ? -errno : 0;
	n = fd < 0 ? -1 : write(fd, buf, len);
	if (fd >= 0)
		close(fd);
	fail_nth_resume();
	if (err)
		return err;
	return n == (ssize_t)len ? 0 : -EIO;
}

static ssize_t load_file(const char *name, uint8_t *buf, size_t cap)
{
	char path[256];
	ssize_t n, got = 0;
	int fd;

	snprintf(path, sizeof(path), "%s%s%s", name[0] == '/' ? "" : RUN_DIR,
		 name[0] == '/' ? "" : "/", name);
	fail_nth_pause();
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		n = -errno;
		fail_nth_resume();
		return n;
	}
	while ((n = read(fd, buf + got, cap - got)) > 0)
		got += n;
	close(fd);
	fail_nth_resume();
	return n < 0 ? -errno : got;
}

static size_t arg_size(const struct step *s, int i, size_t def)
{
	return s->argc > i ? strtoul(s->argv[i], NULL, 0) : def;
}

/*
 * Save: STOP_COPY (from whatever state the device is in), read the whole
 * stream, back to STOP.  Returns the stream length or -1.
 */
static ssize_t save(const char *bdf, int dev, uint8_t *buf, size_t rsize,
		    double *secs)
{
	double t0 = agent_now_s();
	int fd = set_state(dev, VFIO_DEVICE_STATE_STOP_COPY);
	ssize_t n;

	if (fd < -1)
		return fail("STOP_COPY", -fd);
	if (fd == -1)
		fd = *fd_slot(bdf);	/* PRE_COPY's fd carries on */
	else
		keep_fd(bdf, fd);
	n = read_stream(fd, buf, MAX_STREAM, rsize);
	if (n < 0)
		return fail("read", -n);
	*secs = agent_now_s() - t0;
	close(fd);
	*fd_slot(bdf) = -1;
	fd = set_state(dev, VFIO_DEVICE_STATE_STOP);
	if (fd < -1)
		return fail("STOP", -fd);
	return n;
}

/* Load: RESUMING, write in @chunk pieces, STOP (applies), RUNNING. */
static int load(int dev, const uint8_t *buf, size_t len, size_t chunk,
		double *secs)
{
	double t0 = agent_now_s();
	int fd, err = 0;
	size_t off = 0;

	fd = set_state(dev, VFIO_DEVICE_STATE_STOP);
	fd = fd < -1 ? fd : set_state(dev, VFIO_DEVICE_STATE_RESUMING);
	if (fd < 0)
		return fail("RESUMING", fd < -1 ? -fd : EBADF);
	while (off < len && !err) {
		size_t n = chunk < len - off ? chunk : len - off;
		ssize_t w = write(fd, buf + off, n);

		if (w < 0)
			err = errno;
		else
			off += w;
	}
	close(fd);
	if (err) {
		result("written=%zu", off);
		return fail("write", err);
	}
	fd = set_state(dev, VFIO_DEVICE_STATE_STOP);
	*secs = agent_now_s() - t0;
	if (fd < -1)
		return fail("STOP after RESUMING", -fd);
	fd = set_state(dev, VFIO_DEVICE_STATE_RUNNING);
	return fd < -1 ? fail("RUNNING", -fd) : 0;
}

/* mig-save BDF FILE [READ_SIZE] */
int step_mig_save(const struct step *s)
{
	uint8_t *buf = malloc(MAX_STREAM);
	int dev = device(s);
	double secs = 0;
	ssize_t n;

	if (dev < 0 || !buf) {
		free(buf);
		return -1;
	}
	n = save(s->argv[1], dev, buf, arg_size(s, 3, 4096), &secs);
	if (n >= 0 && save_file(s->argv[2], buf, n))
		n = fail("saving the stream", EIO);
	if (n >= 0)
		result("bytes=%zd stop_copy_s=%.6f", n, secs);
	free(buf);
	return n < 0 ? -1 : 0;
}

/* mig-load BDF FILE [CHUNK] [expect-fail] */
int step_mig_load(const struct step *s)
{
	uint8_t *buf = malloc(MAX_STREAM);
	bool expect_fail = s->argc > 4 && !strcmp(s->argv[4], "expect-fail");
	int dev = device(s), ret;
	double secs = 0;
	ssize_t n;

	if (dev < 0 || !buf) {
		free(buf);
		return -1;
	}
	n = load_file(s->argv[2], buf, MAX_STREAM);
	if (n < 0) {
		free(buf);
		return fail(s->argv[2], -n);
	}
	ret = load(dev, buf, n, arg_size(s, 3, 65536), &secs);
	free(buf);
	result("bytes=%zd resume_s=%.6f", n, secs);
	if (expect_fail) {
		/* The device must refuse it; leave it usable for the checks. */
		set_state(dev, VFIO_DEVICE_STATE_RUNNING);
		result("refused=%d", ret != 0);
		return ret ? 0 : -1;
	}
	return ret;
}

/*
 * mig-corrupt FILE OUT MODE, on a saved stream of one record:
 *   flip	flip a byte inside the device context
 *   truncate	drop the context's last 24 bytes and shrink the record
 *		header to match: a well-formed record, a truncated context
 *   cut	drop the stream's last 24 bytes: an incomplete record
 *   optional	put a record of OPT_RECORD bytes with an unknown tag and
 *		the optional flag first: the destination must skip it
 *   unknown	give the record an unknown tag, mandatory: EOPNOTSUPP
 *   huge	claim a record of 4 GiB, more than a device part holds
 * Record header (drivers/vfio/pci/virtio/common.h): le64 record_size,
 * le32 flags (bit 0: optional), le32 tag (0: device data).
 */
#define OPT_RECORD 5000		/* more than the header buffer's page */
#define UNKNOWN_TAG 0x7f

static ssize_t add_optional_record(uint8_t *buf, ssize_t n)
{
	uint64_t size = OPT_RECORD;
	uint32_t flags = 1, tag = UNKNOWN_TAG;
	ssize_t add = 16 + OPT_RECORD;

	if (n + add > MAX_STREAM)
		return -EFBIG;
	memmove(buf + add, buf, n);
	memcpy(buf, &size, 8);
	memcpy(buf + 8, &flags, 4);
	memcpy(buf + 12, &tag, 4);
	memset(buf + 16, 0xa5, OPT_RECORD);
	return n + add;
}

int step_mig_corrupt(const struct step *s)
{
	uint8_t *buf = malloc(MAX_STREAM);
	ssize_t n = buf ? load_file(s->argv[1], buf, MAX_STREAM) : -ENOMEM;
	int ret;

	if (n < 32) {
		free(buf);
		return fail(s->argv[1], n < 0 ? -n : EINVAL);
	}
	if (!strcmp(s->argv[3], "truncate")) {
		uint64_t rec;

		memcpy(&rec, buf, 8);	/* le64 record_size (x86 host) */
		rec -= 24;
		memcpy(buf, &rec, 8);
		n -= 24;
	} else if (!strcmp(s->argv[3], "cut")) {
		n -= 24;
	} else if (!strcmp(s->argv[3], "optional")) {
		n = add_optional_record(buf, n);
	} else if (!strcmp(s->argv[3], "unknown")) {
		uint32_t tag = UNKNOWN_TAG;

		memcpy(buf + 12, &tag, 4);
	} else if (!strcmp(s->argv[3], "huge")) {
		uint64_t rec = 1ULL << 32;

		memcpy(buf, &rec, 8);
	} else {
		buf[n / 2] ^= 0x5a;
	}
	if (n < 0) {
		free(buf);
		return fail(s->argv[3], -n);
	}
	ret = save_file(s->argv[2], buf, n);
	free(buf);
	result("bytes=%zd mode=%s", n, s->argv[3]);
	return ret ? fail(s->argv[2], -ret) : 0;
}

static int rpc_compare(const char *cmd, const char *a, const char *b)
{
	static int id;
	char path[64], text[4096];
	double t0 = agent_now_s();

	snprintf(path, sizeof(path), RUN_DIR "/rpc-%d.out", ++id);
	printf("vfsim-rpc %d %s %s %s\n", id, cmd, a, b);
	fflush(stdout);
	fail_nth_pause();
	while (read_text(path, text, sizeof(text))) {
		if (agent_now_s() - t0 > 10) {
			fail_nth_resume();
			return fail("simulator did not answer", ETIMEDOUT);
		}
		usleep(2000);
	}
	fail_nth_resume();
	result("%s", text);	/* "differences=N" */
	if (strcmp(text, "differences=0")) {
		/* read_text stops at the first line; show the rest too */
		FILE *f = fopen(path, "r");
		char line[256];

		while (f && fgets(line, sizeof(line), f)) {
			line[strcspn(line, "\n")] = 0;
			say("state mismatch %s", line);
		}
		if (f)
			fclose(f);
		return -1;
	}
	return 0;
}

/* sim-compare SRC DST [expect-differ]: SRC's last saved context == DST now. */
int step_sim_compare(const struct step *s)
{
	int ret = rpc_compare("compare", s->argv[1], s->argv[2]);

	if (s->argc > 3 && !strcmp(s->argv[3], "expect-differ"))
		return ret ? 0 : -1;
	return ret;
}

/* sim-fault KIND KEY=VALUE...: arm a device-side fault now. */
int step_sim_fault(const struct step *s)
{
	char text[256] = "";
	size_t used = 0;

	for (int i = 1; i < s->argc && used < sizeof(text); i++)
		used += snprintf(text + used, sizeof(text) - used, "%s%s",
				 i > 1 ? " " : "", s->argv[i]);
	return rpc_compare("fault", text, "");
}

/* sim-unplug FN / sim-flr FN: the device side acts on a function. */
int step_sim_device(const struct step *s)
{
	return rpc_compare(!strcmp(s->argv[0], "sim-unplug") ? "unplug" :
			   "flr", s->argv[1], "");
}

/* sim-evolve NAME: the simulator changes NAME's internal state. */
int step_sim_evolve(const struct step *s)
{
	return rpc_compare("evolve", s->argv[1], "-");
}

/* sim-compare-stream DST FILE: a saved stream's context == DST's state. */
int step_sim_compare_stream(const struct step *s)
{
	return rpc_compare("compare-stream", s->argv[1], s->argv[2]);
}

/*
 * mig-migrate SRC DST SRC_NAME DST_NAME [READ_SIZE] [CHUNK]: STOP_COPY on
 * SRC, RESUMING on DST, then the simulator compares the two devices.
 */
int step_mig_migrate(const struct step *s)
{
	uint8_t *buf = malloc(MAX_STREAM);
	int src = vfio_device_fd(s->argv[1]), dst = vfio_device_fd(s->argv[2]);
	double t_save = 0, t_load = 0;
	ssize_t n;
	int ret;

	if (src < 0 || dst < 0 || !buf) {
		free(buf);
		return fail("devices not open", EBADF);
	}
	n = save(s->argv[1], src, buf, arg_size(s, 5, 4096), &t_save);
	ret = n < 0 ? -1 : load(dst, buf, n, arg_size(s, 6, 65536), &t_load);
	free(buf);
	if (ret)
		return -1;
	result("bytes=%zd stop_copy_s=%.6f resume_s=%.6f", n, t_save, t_load);
	return rpc_compare("compare", s->argv[3], s->argv[4]);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* mig-bench SRC DST N: N migrations, downtime = STOP_COPY read + resume. */
int step_mig_bench(const struct step *s)
{
	int n = atoi(s->argv[3]), src = vfio_device_fd(s->argv[1]);
	int dst = vfio_device_fd(s->argv[2]);
	uint8_t *buf = malloc(MAX_STREAM);
	double *dt = calloc(n > 0 ? n : 1, sizeof(*dt)), total = 0;
	ssize_t len = 0;

	if (src < 0 || dst < 0 || !buf || !dt || n < 1) {
		free(buf);
		free(dt);
		return fail("arguments", EINVAL);
	}
	for (int i = 0; i < n; i++) {
		double a = 0, b = 0;

		set_state(src, VFIO_DEVICE_STATE_RUNNING);
		len = save(s->argv[1], src, buf, 1 << 20, &a);
		if (len < 0 || load(dst, buf, len, 1 << 20, &b)) {
			free(buf);
			free(dt);
			return -1;
		}
		dt[i] = a + b;
		total += dt[i];
	}
	qsort(dt, n, sizeof(*dt), cmp_double);
	result("migrations=%d bytes=%zd downtime_median_ms=%.3f "
	       "downtime_p99_ms=%.3f mb_per_s=%.1f", n, len,
	       dt[n / 2] * 1e3, dt[(n * 99) / 100] * 1e3,
	       2.0 * len * n / total / 1e6);
	free(buf);
	free(dt);
	return 0;
}

/* mig-data-size BDF: VFIO_DEVICE_FEATURE_MIG_DATA_SIZE */
int step_mig_data_size(const struct step *s)
{
	struct vfio_device_feature_mig_data_size ds = { 0 };
	int dev = device(s), ret;

	if (dev < 0)
		return -1;
	ret = feature(dev, VFIO_DEVICE_FEATURE_GET |
		      VFIO_DEVICE_FEATURE_MIG_DATA_SIZE, &ds, sizeof(ds));
	if (ret < 0)
		return fail("MIG_DATA_SIZE", -ret);
	result("stop_copy_length=%llu", (unsigned long long)ds.stop_copy_length);
	return 0;
}

/*
 * mig-precopy BDF FILE [READ_SIZE]: PRE_COPY, PRECOPY_INFO, read the
 * initial data, then PRE_COPY_P2P -> STOP_COPY on the same fd to the end.
 */
/*
 * Rounds 2..@rounds of PRE_COPY: after the driver's one-second rate limit,
 * VFIO_MIG_GET_PRECOPY_INFO on a drained fd reads the device context
 * again (the "dirty" data), which is appended to @buf at @got.
 */
static ssize_t precopy_rounds(int fd, uint8_t *buf, ssize_t got,
			      size_t rsize, int rounds)
{
	struct vfio_precopy_info pi = { .argsz = sizeof(pi) };
	struct timespec wait = { 1, 100000000 };

	for (int r = 1; r < rounds && got >= 0; r++) {
		ssize_t more;

		nanosleep(&wait, NULL);
		if (ioctl(fd, VFIO_MIG_GET_PRECOPY_INFO, &pi))
			return -errno;
		more = read_stream(fd, buf + got, MAX_STREAM - got, rsize);
		got = more < 0 ? more : got + more;
	}
	if (rounds > 1)
		result("rounds=%d", rounds);
	return got;
}

int step_mig_precopy(const struct step *s)
{
	struct vfio_precopy_info pi = { .argsz = sizeof(pi) };
	size_t rsize = arg_size(s, 3, 4096);
	uint8_t *buf = malloc(MAX_STREAM);
	int dev = device(s), fd;
	ssize_t pre, rest, err;

	if (dev < 0 || !buf) {
		free(buf);
		return -1;
	}
	fd = set_state(dev, VFIO_DEVICE_STATE_PRE_COPY);
	if (fd < 0) {
		free(buf);
		return fail("PRE_COPY", fd < -1 ? -fd : EBADF);
	}
	if (ioctl(fd, VFIO_MIG_GET_PRECOPY_INFO, &pi)) {
		free(buf);
		close(fd);
		return fail("VFIO_MIG_GET_PRECOPY_INFO", errno);
	}
	pre = read_stream(fd, buf, MAX_STREAM, rsize);
	pre = precopy_rounds(fd, buf, pre, rsize, s->argc > 4 ? atoi(s->argv[4]) : 1);
	err = pre < 0 ? pre : set_state(dev, VFIO_DEVICE_STATE_PRE_COPY_P2P);
	if (err >= -1)
		err = set_state(dev, VFIO_DEVICE_STATE_STOP_COPY);
	if (err < -1 || pre < 0) {
		free(buf);
		close(fd);
		/* The kernel's errno: a sweep tells ENOMEM from EIO. */
		return fail(pre < 0 ? "PRE_COPY read" : "STOP_COPY", -err);
	}
	/* Out of PRE_COPY the driver refuses the query. */
	result("precopy_info_in_stop_copy_errno=%d",
	       ioctl(fd, VFIO_MIG_GET_PRECOPY_INFO, &pi) ? errno : 0);
	rest = read_stream(fd, buf + pre, MAX_STREAM - pre, rsize);
	close(fd);
	set_state(dev, VFIO_DEVICE_STATE_STOP);
	if (rest < 0 || save_file(s->argv[2], buf, pre + rest)) {
		free(buf);
		return fail("STOP_COPY read", rest < 0 ? -rest : EIO);
	}
	result("initial_bytes=%llu dirty_bytes=%llu precopy_read=%zd "
	       "stop_copy_read=%zd", (unsigned long long)pi.initial_bytes,
	       (unsigned long long)pi.dirty_bytes, pre, rest);
	free(buf);
	return 0;
}

/*
 * program-queues BDF: give a VF non-trivial virtio state through its VFIO
 * BAR0 region (status, features, queue sizes, vectors, ring addresses).
 */
int step_program_queues(const struct step *s)
{
	static const struct { uint32_t off, len; uint64_t val; } w[] = {
		{ 0x14, 1, 1 }, { 0x14, 1, 3 },		/* ACK, DRIVER */
		{ 0x08, 4, 1 }, { 0x0c, 4, 1 },		/* VERSION_1 */
		{ 0x08, 4, 0 }, { 0x0c, 4, 1 << 5 },	/* NET_F_MAC */
		{ 0x14, 1, 0xb },			/* FEATURES_OK */
		{ 0x10, 2, 0 },				/* msix_config */
		{ 0x16, 2, 0 }, { 0x18, 2, 64 }, { 0x1a, 2, 1 },
		{ 0x20, 4, 0x123000 }, { 0x28, 4, 0x124000 },
		{ 0x30, 4, 0x125000 },
		{ 0x16, 2, 1 }, { 0x18, 2, 128 }, { 0x1a, 2, 2 },
		{ 0x20, 4, 0x223000 }, { 0x28, 4, 0x224800 },
		{ 0x30, 4, 0x225000 },
	};
	struct vfio_region_info ri = { .argsz = sizeof(ri),
				       .index = VFIO_PCI_BAR0_REGION_INDEX };
	int dev = device(s);

	if (dev < 0)
		return -1;
	if (ioctl(dev, VFIO_DEVICE_GET_REGION_INFO, &ri))
		return fail("BAR0 region", errno);
	for (size_t i = 0; i < sizeof(w) / sizeof(w[0]); i++) {
		uint64_t v = w[i].val;

		if (pwrite(dev, &v, w[i].len, ri.offset + w[i].off) !=
		    (ssize_t)w[i].len)
			return fail("BAR0 write", errno);
	}
	result("writes=%zu", sizeof(w) / sizeof(w[0]));
	return 0;
}

void mig_close_all(void)
{
	for (int i = 0; i < 8; i++)
		if (data_fd[i] >= 0) {
			close(data_fd[i]);
			data_fd[i] = -1;
		}
}
