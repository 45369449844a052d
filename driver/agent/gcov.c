// SPDX-License-Identifier: GPL-2.0
/*
 * Coverage data of a KPROFILE=cover kernel (CONFIG_GCOV_KERNEL,
 * kernel/gcov/fs.c): the counters of each instrumented object are the
 * file /sys/kernel/debug/gcov/<build dir>/<object>.gcda.  The agent copies
 * them into the run directory (gcov/, through hostfs) before it powers
 * off, and when the host asks: a file "gcov.request" appears in the run
 * directory when the run is about to be ended early (its timeout), and a
 * thread of the agent that looks for it every POLL_MS saves the data.
 *
 * The copy goes to gcov.part/, which replaces gcov/ when complete, then
 * gcov.saved says "files=N why=WHY": the host never sees half a copy.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "agent.h"

#define GCOV_FS "/sys/kernel/debug/gcov"
#define POLL_MS 200

static const char *run_dir;	/* the run directory, mounted in the guest */
static const char *objtree;	/* the kernel's build directory */
static pthread_mutex_t save_lock = PTHREAD_MUTEX_INITIALIZER;

static int copy_file(const char *from, const char *to)
{
	char buf[65536];
	int in = open(from, O_RDONLY | O_CLOEXEC), out;
	ssize_t n = 0;

	if (in < 0)
		return -errno;
	out = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (out < 0) {
		close(in);
		return -errno;
	}
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, n) != n) {
			n = -1;
			break;
		}
	close(in);
	if (close(out) || n < 0) {
		unlink(to);	/* never leave half a file to be read */
		return -EIO;
	}
	return 0;
}

/* Copies the .gcda files below @from into @to; returns how many. */
static int copy_tree(const char *from, const char *to)
{
	char f[4096], t[4096];
	struct dirent *de;
	DIR *d = opendir(from);
	int n = 0, sub;

	if (!d)
		return -errno;
	if (mkdir(to, 0755) && errno != EEXIST) {
		closedir(d);
		return -errno;
	}
	while ((de = readdir(d))) {
		size_t l = strlen(de->d_name);

		if (de->d_name[0] == '.')
			continue;
		snprintf(f, sizeof(f), "%s/%s", from, de->d_name);
		snprintf(t, sizeof(t), "%s/%s", to, de->d_name);
		if (de->d_type == DT_DIR) {
			sub = copy_tree(f, t);
			n += sub > 0 ? sub : 0;
		} else if (de->d_type == DT_REG && l > 5 &&
			   !strcmp(de->d_name + l - 5, ".gcda")) {
			n += copy_file(f, t) == 0;
		}
	}
	closedir(d);
	return n;
}

static void remove_tree(const char *path)
{
	char p[4096];
	struct dirent *de;
	DIR *d = opendir(path);

	while (d && (de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		snprintf(p, sizeof(p), "%s/%s", path, de->d_name);
		if (de->d_type == DT_DIR)
			remove_tree(p);
		else
			unlink(p);
	}
	if (d)
		closedir(d);
	rmdir(path);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_BOOTTIME, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void path_in_run(char *buf, size_t len, const char *name)
{
	snprintf(buf, len, "%s/%s", run_dir, name);
}

int gcov_save(const char *why)
{
	char src[4096], part[4096], dst[4096], old[4096], saved[4096];
	char tmp[4096];
	double t0 = now_s();
	FILE *f;
	int n;

	if (!run_dir || !objtree)
		return 0;
	pthread_mutex_lock(&save_lock);
	snprintf(src, sizeof(src), GCOV_FS "%s", objtree);
	path_in_run(part, sizeof(part), "gcov.part");
	path_in_run(dst, sizeof(dst), "gcov");
	path_in_run(old, sizeof(old), "gcov.old");
	remove_tree(part);
	n = copy_tree(src, part);
	if (n >= 0) {
		remove_tree(old);
		rename(dst, old);
		if (rename(part, dst))
			n = -errno;
		remove_tree(old);
	}
	path_in_run(tmp, sizeof(tmp), "gcov.saved.tmp");
	path_in_run(saved, sizeof(saved), "gcov.saved");
	f = fopen(tmp, "w");
	if (f) {
		fprintf(f, "files=%d\nwhy=%s\nseconds=%.3f\n", n > 0 ? n : 0,
			why, now_s() - t0);
		fclose(f);
		rename(tmp, saved);
	}
	pthread_mutex_unlock(&save_lock);
	say("gcov: saved %d .gcda files (%s) in %.2f s", n, why, now_s() - t0);
	return n;
}

/* Waits for the host's "gcov.request"; saves once when it comes. */
static void *watch(void *arg)
{
	char req[4096];
	struct timespec ts = { 0, POLL_MS * 1000000L };

	(void)arg;
	path_in_run(req, sizeof(req), "gcov.request");
	for (;;) {
		nanosleep(&ts, NULL);
		if (access(req, F_OK))
			continue;
		unlink(req);
		gcov_save("request");
		return NULL;
	}
}

void gcov_start(const char *run, bool poll)
{
	static char tree[4096];
	const char *t = getenv("VFSIM_GCOV_OBJTREE");
	char dir[4200];
	pthread_t th;

	if (!run || !t || access(GCOV_FS, F_OK))
		return;		/* not a cover kernel, or not asked */
	snprintf(tree, sizeof(tree), "%s", t);
	snprintf(dir, sizeof(dir), GCOV_FS "%s", tree);
	if (access(dir, F_OK)) {
		say("gcov: no data under %s (was the kernel built elsewhere?)",
		    dir);
		return;
	}
	run_dir = run;
	objtree = tree;
	if (poll && !pthread_create(&th, NULL, watch, NULL))
		pthread_detach(th);
}
