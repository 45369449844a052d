// SPDX-License-Identifier: GPL-2.0
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "agent.h"

/* The host's run directory is mounted here (hostfs, read-write). */
#define RUN_MNT "/tmp"

static FILE *agent_log;
static pthread_mutex_t emit_lock = PTHREAD_MUTEX_INITIALIZER;
/* Per thread: steps of a parallel block build their lines concurrently. */
static __thread char line[4096];
static __thread size_t line_len;

static double uptime_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_BOOTTIME, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

void result(const char *fmt, ...)
{
	va_list ap;

	if (line_len >= sizeof(line) - 2)
		return;
	line[line_len++] = ' ';
	va_start(ap, fmt);
	line_len += vsnprintf(line + line_len, sizeof(line) - line_len, fmt,
			      ap);
	va_end(ap);
	if (line_len >= sizeof(line))
		line_len = sizeof(line) - 1;
}

void say(const char *fmt, ...)
{
	va_list ap;

	printf("vfsim-agent: ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
}

void agent_emit(const char *text)
{
	pthread_mutex_lock(&emit_lock);
	printf("vfsim-agent: %s\n", text);
	fflush(stdout);
	if (agent_log) {
		fprintf(agent_log, "%s\n", text);
		fflush(agent_log);
	}
	pthread_mutex_unlock(&emit_lock);
}

/* A sysfs link (virtfnN, driver, iommu_group): the agent looking, too. */
int read_link_name(const char *path, char *buf, size_t len)
{
	char target[PATH_MAX], *name;
	ssize_t n;
	int err;

	fail_nth_pause();
	n = readlink(path, target, sizeof(target) - 1);
	err = n < 0 ? -errno : 0;
	fail_nth_resume();
	if (err)
		return err;
	target[n] = 0;
	name = strrchr(target, '/');
	snprintf(buf, len, "%s", name ? name + 1 : target);
	return 0;
}

/* Reads a file (sysfs, procfs): the agent looking, not the drivers working. */
int read_text(const char *path, char *buf, size_t len)
{
	int fd, err;
	ssize_t n;

	fail_nth_pause();
	fd = open(path, O_RDONLY | O_CLOEXEC);
	err = fd < 0 ? -errno : 0;
	n = fd < 0 ? -1 : read(fd, buf, len - 1);
	err = err ?: n < 0 ? -errno : 0;
	if (fd >= 0)
		close(fd);
	fail_nth_resume();
	if (err)
		return err;
	buf[n] = 0;
	buf[strcspn(buf, "\n")] = 0;
	return 0;
}

static void mount_or_say(const char *src, const char *dst, const char *type,
			 unsigned long flags, const char *data)
{
	if (mount(src, dst, type, flags, data) && errno != EBUSY)
		say("mount %s on %s failed: %s", type, dst, strerror(errno));
}

static void setup_mounts(void)
{
	const char *run = getenv("VFSIM_RUNDIR");

	mount_or_say("proc", "/proc", "proc", 0, NULL);
	mount_or_say("sysfs", "/sys", "sysfs", 0, NULL);
	mount_or_say("devtmpfs", "/dev", "devtmpfs", 0, NULL);
	mount_or_say("debugfs", "/sys/kernel/debug", "debugfs", 0, NULL);
	if (!run) {
		say("VFSIM_RUNDIR not set: results go to the console only");
		return;
	}
	mount_or_say("none", RUN_MNT, "hostfs", 0, run);
	agent_log = fopen(RUN_MNT "/agent.log", "w");
	if (!agent_log)
		say("cannot write %s/agent.log: %s", run, strerror(errno));
}

static int step_sleep(const struct step *s)
{
	double sec = s->argc > 1 ? atof(s->argv[1]) : 1;
	struct timespec ts = { (time_t)sec, (long)((sec - (time_t)sec) * 1e9) };

	nanosleep(&ts, NULL);
	result("slept_s=%.3f", sec);
	return 0;
}

static int step_mark(const struct step *s)
{
	const char *name = s->argc > 1 ? s->argv[1] : "mark";

	printf("vfsim-mark %s\n", name);
	fflush(stdout);
	result("mark=%s uptime_s=%.6f", name, uptime_s());
	return 0;
}

static int step_uptime(const struct step *s)
{
	(void)s;
	result("uptime_s=%.6f", uptime_s());
	return 0;
}

/*
 * failslab|fail-page-alloc [prob=P] [interval=N] [times=N] | off: kernel
 * fault injection through debugfs, limited to the agent's own task
 * (task-filter and /proc/self/make-it-fail, inherited by its threads).
 */
static int step_fail_inject(const struct step *s)
{
	const char *dir = !strcmp(s->argv[0], "failslab") ?
			  "/sys/kernel/debug/failslab" :
			  "/sys/kernel/debug/fail_page_alloc";
	char path[128], prob[16] = "100", interval[16] = "1", times[16] = "-1";
	bool off = s->argc > 1 && !strcmp(s->argv[1], "off");
	int err = 0;

	for (int i = 1; i < s->argc; i++) {
		if (!strncmp(s->argv[i], "prob=", 5))
			snprintf(prob, sizeof(prob), "%d",
				 (int)(atof(s->argv[i] + 5) * 100));
		else if (!strncmp(s->argv[i], "interval=", 9))
			snprintf(interval, sizeof(interval), "%s", s->argv[i] + 9);
		else if (!strncmp(s->argv[i], "times=", 6))
			snprintf(times, sizeof(times), "%s", s->argv[i] + 6);
	}
	/*
	 * Off: leave the task filter first.  Failures still armed (how many
	 * a step spent depends on the kernel's profile) can fail the open or
	 * write that disarms them; each retry spends one.
	 */
	for (int i = 0; off && i < 16; i++)
		if (!(err = write_text("/proc/self/make-it-fail", "0")) ||
		    err != -ENOMEM)
			break;
#define KNOB(name, val) do {						\
		snprintf(path, sizeof(path), "%s/%s", dir, name);	\
		if (!err)						\
			err = write_text(path, val);			\
	} while (0)
	KNOB("task-filter", "Y");
	KNOB("ignore-gfp-wait", "N");	/* GFP_KERNEL too, not only atomic */
	if (strstr(dir, "page"))
		KNOB("min-order", "0");	/* single pages too (default: 1) */
	KNOB("verbose", "1");
	KNOB("interval", interval);
	KNOB("times", off ? "0" : times);
	KNOB("probability", off ? "0" : prob);
#undef KNOB
	if (err) {
		result("error=\"%s: %s\"", path, strerror(-err));
		return -1;
	}
	/*
	 * The result line first: printing it allocates (console, hostfs,
	 * and under DEBUG_OBJECTS a refill of the tracking pool that fails
	 * silently), and a failure spent there is lost to the next step.
	 */
	result("armed=%d probability=%s", !off, off ? "0" : prob);
	if (off)
		return 0;
	err = write_text("/proc/self/make-it-fail", "1");
	if (err) {
		result("error=\"/proc/self/make-it-fail: %s\"", strerror(-err));
		return -1;
	}
	return 0;
}

/*
 * UML's um_pci_device_unregister() looks the slot's pci_dev up with
 * pci_get_slot(bus, slot) where it needs a devfn, so at power-off the VFs
 * (slots 1..7) outlive their transport and the PF's removal then touches
 * them: a NULL dereference in virtio_pcidev_send_cmd().  Disable SR-IOV
 * first, unless a scenario asks to see that (keep-vfs-at-poweroff).
 */
static bool keep_vfs;

static int step_keep_vfs(const struct step *s)
{
	(void)s;
	keep_vfs = true;
	return 0;
}

static void sriov_disable_all(void)
{
	DIR *d = opendir("/sys/bus/pci/devices");
	struct dirent *e;
	char path[300], num[16];

	while (d && (e = readdir(d))) {
		snprintf(path, sizeof(path),
			 "/sys/bus/pci/devices/%s/sriov_numvfs", e->d_name);
		if (e->d_name[0] != '.' && !read_text(path, num, sizeof(num)) &&
		    atoi(num) > 0)
			write_text(path, "0");
	}
	if (d)
		closedir(d);
}

/* argv[from..] joined by single spaces: a VALUE that has words. */
static const char *rest_of(const struct step *s, int from, char *buf,
			   size_t len)
{
	size_t used = 0;

	buf[0] = 0;
	for (int i = from; i < s->argc && used < len; i++)
		used += snprintf(buf + used, len - used, "%s%s",
				 i > from ? " " : "", s->argv[i]);
	return buf;
}

/* @s trimmed, each run of blanks inside made one space, in place. */
static char *squeeze_blanks(char *s)
{
	bool blank = false;
	char *o = s;

	for (const char *i = s; *i; i++) {
		if (*i == ' ' || *i == '\t') {
			blank = o > s;
			continue;
		}
		if (blank)
			*o++ = ' ';
		blank = false;
		*o++ = *i;
	}
	*o = 0;
	return s;
}

/* write PATH VALUE...: a sysfs, procfs or debugfs knob. */
static int step_write(const struct step *s)
{
	char value[AGENT_MAX_LINE + 1];
	int err = write_text(s->argv[1], rest_of(s, 2, value, sizeof(value)));

	if (err) {
		result("error=\"%s: %s\" errno=%d", s->argv[1], strerror(-err),
		       -err);
		return -1;
	}
	return 0;
}

/*
 * expect-sysfs PATH VALUE...: the attribute's first line reads VALUE,
 * blanks compared as single spaces.
 */
static int step_expect_sysfs(const struct step *s)
{
	char got[256], want[AGENT_MAX_LINE + 1];
	int err = read_text(s->argv[1], got, sizeof(got));

	if (err) {
		result("error=\"%s: %s\"", s->argv[1], strerror(-err));
		return -1;
	}
	squeeze_blanks(got);
	rest_of(s, 2, want, sizeof(want));
	result("value=\"%s\"", got);
	if (strcmp(got, want)) {
		result("error=\"expected %s\"", want);
		return -1;
	}
	return 0;
}

/* The host's root is mounted read-only: creating PATH must fail. */
static int step_write_host_file(const struct step *s)
{
	int fd = open(s->argv[1], O_WRONLY | O_CREAT | O_EXCL, 0600);

	if (fd >= 0) {
		close(fd);
		unlink(s->argv[1]);
		result("write=allowed error=\"host root is writable\"");
		return -1;
	}
	result("write=refused errno=%d", errno);
	return 0;
}

/* The rows of steps.def with their handlers (step_spec.h). */
static const struct {
	const char *name;
	int (*fn)(const struct step *s);
} steps[] = {
#define STEP(name, fn, args) { name, fn },
#include "steps.def"
#undef STEP
};

static const struct step_env guest_env = { .vfs = -1 };

static int run_step(struct step *s)
{
	char why[STEP_WHY_LEN];
	int ret = -1;
	size_t i;

	line_len = snprintf(line, sizeof(line), "step=%d name=%s", s->index,
			    s->argv[0]);
	for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++)
		if (!strcmp(steps[i].name, s->argv[0]))
			break;
	/* The host checked it against the topology; here the syntax. */
	if (s->cut)
		result("error=\"step line longer than %d characters or %d words\"",
		       AGENT_MAX_LINE, AGENT_MAX_ARGS - 1);
	else if (!step_check(s->argc, s->argv, &guest_env, why, sizeof(why)))
		result("error=\"%s\"", why);
	else {
		sweep_step_begin(s);
		ret = steps[i].fn(s);
		sweep_step_end(s);
	}
	result("status=%s", ret ? "fail" : "ok");
	agent_emit(line);
	return ret;
}

int agent_split(char *text, bool cut, struct step *s)
{
	char *save, *tok;

	s->argc = 0;
	s->cut = cut;
	for (tok = strtok_r(text, " \t\n", &save); tok;
	     tok = strtok_r(NULL, " \t\n", &save)) {
		if (s->argc == AGENT_MAX_ARGS - 1) {
			s->cut = true;
			break;
		}
		s->argv[s->argc++] = tok;
	}
	s->argv[s->argc] = NULL;
	return s->argc;
}

bool agent_read_line(FILE *f, char *buf, bool *cut)
{
	size_t n;
	int c;

	if (!fgets(buf, AGENT_MAX_LINE + 2, f))
		return false;
	n = strlen(buf);
	*cut = n == AGENT_MAX_LINE + 1 && buf[n - 1] != '\n';
	while (*cut && (c = fgetc(f)) != EOF && c != '\n')
		;
	return true;
}

/* What lockdep learned during the run, for `vfsim lockmap`. */
static void save_lockdep(void)
{
	static const char *const files[] = {
		"lockdep", "lockdep_chains", "lockdep_stats",
	};
	char src[64], dst[64], buf[65536];

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		FILE *in, *out;
		size_t n;

		snprintf(src, sizeof(src), "/proc/%s", files[i]);
		snprintf(dst, sizeof(dst), RUN_MNT "/%s.txt", files[i]);
		in = fopen(src, "r");
		out = in ? fopen(dst, "w") : NULL;
		while (out && (n = fread(buf, 1, sizeof(buf), in)) > 0)
			fwrite(buf, 1, n, out);
		if (out)
			fclose(out);
		if (in)
			fclose(in);
	}
}

static int run_steps(void)
{
	char buf[AGENT_MAX_LINE + 2];
	int failed = 0, n = 0;
	FILE *f = fopen(RUN_MNT "/steps", "r");
	struct step s;
	bool cut;

	if (!f) {
		say("no steps file: %s", strerror(errno));
		return -1;
	}
	while (agent_read_line(f, buf, &cut)) {
		if (!strncmp(buf, "parallel-begin", 14)) {
			failed += run_parallel(f, buf, &n, run_step);
			continue;
		}
		if (buf[0] == '#' || !agent_split(buf, cut, &s))
			continue;
		s.index = ++n;
		failed += run_step(&s) != 0;
	}
	fclose(f);
	snprintf(line, sizeof(line), "agent=done status=%s steps=%d failed=%d",
		 failed ? "fail" : "ok", n, failed);
	agent_emit(line);
	return failed ? -1 : 0;
}

int main(int argc, char **argv)
{
	if (argc == 2 && !strcmp(argv[1], "--steps")) {
		step_print_help(stdout);
		return 0;
	}
	if (getpid() != 1) {
		fprintf(stderr, "vfsim-agent runs as init inside UML; start it "
			"with 'vfsim run' (or list its steps: --steps)\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	setup_mounts();
	gcov_start(agent_log ? RUN_MNT : NULL, getenv("VFSIM_GCOV_POLL"));
	say("started at uptime %.3f s", uptime_s());
	run_steps();
	mig_close_all();
	legacy_close_all();
	vfio_close_all();
	if (!keep_vfs)
		sriov_disable_all();
	pci_unbind_for_poweroff();
	save_lockdep();
	gcov_save("poweroff");
	if (agent_log)
		fclose(agent_log);
	sync();
	reboot(RB_POWER_OFF);
	return 0;
}
