// SPDX-License-Identifier: GPL-2.0
/* A run's gcov data into tracefiles (lcov's geninfo) and the model. */
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <ftw.h>
#include <libgen.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cover_capture.h"
#include "cover_gcda.h"
#include "fsutil.h"

/* geninfo on a handful of objects takes seconds; this is a hang. */
#define GENINFO_TIMEOUT_S 600

int cover_selected(const struct cover_sel *sel, const char *path)
{
	for (int i = 0; i < sel->nglobs; i++)
		if (!fnmatch(sel->globs[i], path, 0))
			return 1;
	return 0;
}

static void chomp(char *s)
{
	s[strcspn(s, "\r\n")] = 0;
}

/* Why a run has no gcov.txt: its kernel, from sim.log's "uml:" line. */
static void no_data_reason(const char *run, char *err, size_t len)
{
	char path[PATH_MAX + 32], line[8192], kernel[PATH_MAX] = "";
	char dir[PATH_MAX];
	bool gcov = false;
	FILE *f;

	snprintf(path, sizeof(path), "%s/sim.log", run);
	f = fopen(path, "r");
	if (!f) {
		snprintf(err, len, "%s: not a run directory (no sim.log) or "
			 "no coverage data", run);
		return;
	}
	while (!kernel[0] && fgets(line, sizeof(line), f))
		if (!strncmp(line, "uml: ", 5))
			sscanf(line + 5, "%4095s", kernel);
	fclose(f);
	snprintf(dir, sizeof(dir), "%s", kernel);
	snprintf(path, sizeof(path), "%s/.config", dirname(dir));
	f = kernel[0] ? fopen(path, "r") : NULL;
	while (f && fgets(line, sizeof(line), f))
		gcov |= !strcmp(line, "CONFIG_GCOV_KERNEL=y\n");
	if (f)
		fclose(f);
	if (!f)
		snprintf(err, len, "%s: no coverage data (its kernel and "
			 "its .config are unknown)", run);
	else if (!gcov)
		snprintf(err, len, "%s: no coverage data: its kernel %s was "
			 "built without gcov (make kernel KPROFILE=cover)", run,
			 kernel);
	else
		snprintf(err, len, "%s: no coverage data: the guest never "
			 "saved it (the run ended in a panic, or before the "
			 "agent powered off)", run);
}

/* The kernel binary was rebuilt after the run: its .gcno no longer match. */
static int check_kernel(const char *run, const struct cover_runinfo *ri,
			char *err, size_t len)
{
	char path[PATH_MAX + 16], now[64];
	struct stat st;

	snprintf(path, sizeof(path), "%s/linux", ri->kernel);
	if (stat(path, &st)) {
		snprintf(err, len, "%s: its kernel %s is gone (%s): the .gcno "
			 "files are needed", run, path, strerror(errno));
		return 1;
	}
	snprintf(now, sizeof(now), "%lld.%09ld", (long long)st.st_mtim.tv_sec,
		 st.st_mtim.tv_nsec);
	if (ri->mtime[0] && strcmp(now, ri->mtime)) {
		snprintf(err, len, "%s: its kernel %s was rebuilt after the "
			 "run: the data no longer matches its .gcno files", run,
			 path);
		return 1;
	}
	return 0;
}

int cover_run_info(const char *run, struct cover_runinfo *ri, char *err,
		   size_t len)
{
	char path[PATH_MAX + 16], line[PATH_MAX + 32];
	FILE *f;

	memset(ri, 0, sizeof(*ri));
	snprintf(path, sizeof(path), "%s/gcov.txt", run);
	f = fopen(path, "r");
	if (!f) {
		no_data_reason(run, err, len);
		return 1;
	}
	while (fgets(line, sizeof(line), f)) {
		char *v = strchr(line, '=');

		if (!v)
			continue;
		*v++ = 0;
		chomp(v);
		if (!strcmp(line, "kernel"))
			snprintf(ri->kernel, sizeof(ri->kernel), "%s", v);
		else if (!strcmp(line, "source"))
			snprintf(ri->src, sizeof(ri->src), "%s", v);
		else if (!strcmp(line, "saved"))
			snprintf(ri->saved, sizeof(ri->saved), "%s", v);
		else if (!strcmp(line, "kernel_mtime"))
			snprintf(ri->mtime, sizeof(ri->mtime), "%s", v);
		else if (!strcmp(line, "files"))
			ri->files = atoi(v);
	}
	fclose(f);
	if (!ri->kernel[0] || !ri->src[0]) {
		snprintf(err, len, "%s: gcov.txt names no kernel or source",
			 run);
		return 1;
	}
	if (!ri->files) {
		snprintf(err, len, "%s: no coverage data: the guest saved no "
			 ".gcda files (%s)", run, ri->saved[0] ? ri->saved :
			 "how it ended is unknown");
		return 1;
	}
	return check_kernel(run, ri, err, len);
}

/* ---- the .gcda files of a run ---- */

static struct {
	char **rel;		/* object paths without ".gcda" */
	size_t n, cap;
	size_t skip;		/* length of "<run>/gcov/" */
} walk;

static int on_entry(const char *path, const struct stat *st, int flag,
		    struct FTW *ftw)
{
	size_t l = strlen(path);

	(void)st;
	(void)ftw;
	if (flag != FTW_F || l < walk.skip + 6 || strcmp(path + l - 5, ".gcda"))
		return 0;
	if (cov_grow(&walk.rel, &walk.cap, walk.n, sizeof(*walk.rel)))
		return -1;
	walk.rel[walk.n] = strndup(path + walk.skip, l - walk.skip - 5);
	if (!walk.rel[walk.n])
		return -1;
	walk.n++;
	return 0;
}

static void walk_free(void)
{
	for (size_t i = 0; i < walk.n; i++)
		free(walk.rel[i]);
	free(walk.rel);
	memset(&walk, 0, sizeof(walk));
}

/* Fills walk.rel with the selected objects of @run. */
static int list_selected(const char *run, const struct cover_sel *sel)
{
	char dir[PATH_MAX + 8], src[PATH_MAX + 4];
	size_t kept = 0;

	walk_free();
	snprintf(dir, sizeof(dir), "%s/gcov", run);
	walk.skip = strlen(dir) + 1;
	if (nftw(dir, on_entry, 16, FTW_PHYS))
		return -1;
	for (size_t i = 0; i < walk.n; i++) {
		snprintf(src, sizeof(src), "%s.c", walk.rel[i]);
		if (cover_selected(sel, src))
			walk.rel[kept++] = walk.rel[i];
		else
			free(walk.rel[i]);
	}
	walk.n = kept;
	return 0;
}

static bool cache_fresh(const char *run, const char *rel)
{
	char gcda[PATH_MAX * 2], info[PATH_MAX * 2];
	struct stat a, b;

	snprintf(gcda, sizeof(gcda), "%s/gcov/%s.gcda", run, rel);
	snprintf(info, sizeof(info), "%s/gcov/%s.info", run, rel);
	return !stat(gcda, &a) && !stat(info, &b) &&
	       (b.st_mtim.tv_sec > a.st_mtim.tv_sec ||
		(b.st_mtim.tv_sec == a.st_mtim.tv_sec &&
		 b.st_mtim.tv_nsec >= a.st_mtim.tv_nsec));
}

/* ---- geninfo ---- */

int cover_tools_check(char *err, size_t len)
{
	if (!system("command -v geninfo >/dev/null 2>&1 && "
		    "command -v gcov >/dev/null 2>&1"))
		return 0;
	snprintf(err, len, "geninfo or gcov not found: install lcov and gcc "
		 "(make deps)");
	return -1;
}

/* geninfo over @tmp/objs into @tmp/out.info; its messages in geninfo.log. */
static int run_geninfo(const char *tmp, const char *src, char *err, size_t len)
{
	char objs[PATH_MAX + 8], out[PATH_MAX + 16], log[PATH_MAX + 16];
	time_t end = time(NULL) + GENINFO_TIMEOUT_S;
	int status = 0, fd;
	pid_t pid, w;

	snprintf(objs, sizeof(objs), "%s/objs", tmp);
	snprintf(out, sizeof(out), "%s/out.info", tmp);
	snprintf(log, sizeof(log), "%s/geninfo.log", tmp);
	pid = fork();
	if (pid < 0) {
		snprintf(err, len, "fork: %s", strerror(errno));
		return -1;
	}
	if (pid == 0) {
		fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		setpgid(0, 0);
		execlp("geninfo", "geninfo", "--quiet", "--follow",
		       "--no-checksum", "--rc", "lcov_branch_coverage=1",
		       "--ignore-errors", "gcov,source,graph",
		       "--base-directory", src, "--output-filename", out, objs,
		       (char *)NULL);
		_exit(127);
	}
	while ((w = waitpid(pid, &status, WNOHANG)) == 0 && time(NULL) < end)
		usleep(20000);
	if (w == 0) {
		kill(-pid, SIGKILL);
		waitpid(pid, &status, 0);
		snprintf(err, len, "geninfo did not finish in %d s",
			 GENINFO_TIMEOUT_S);
		return -1;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		snprintf(err, len, "geninfo failed (exit %d); its messages: %s",
			 WIFEXITED(status) ? WEXITSTATUS(status) : -1, log);
		return -1;
	}
	return 0;
}

/* A line of geninfo's log that names @rel, for the warning. */
static void geninfo_says(const char *tmp, const char *rel, char *buf,
			 size_t len)
{
	char path[PATH_MAX + 16], line[1024];
	FILE *f;

	snprintf(buf, len, "gcov could not read it (truncated or from "
		 "another build?)");
	snprintf(path, sizeof(path), "%s/geninfo.log", tmp);
	f = fopen(path, "r");
	while (f && fgets(line, sizeof(line), f)) {
		if (!strstr(line, rel) || strstr(line, "redefined"))
			continue;
		chomp(line);
		snprintf(buf, len, "%s", line);
		break;
	}
	if (f)
		fclose(f);
}

/* Links the .gcda of the run and the .gcno of the kernel into @tmp/objs. */
static int link_objects(const char *run, const struct cover_runinfo *ri,
			const char *tmp, const char *const *rel, size_t n,
			bool *usable, FILE *warn)
{
	char from[PATH_MAX * 2], to[PATH_MAX * 2], dir[PATH_MAX * 2];
	char why[256];
	int linked = 0;

	for (size_t i = 0; i < n; i++) {
		usable[i] = false;
		snprintf(from, sizeof(from), "%s/%s.gcno", ri->kernel, rel[i]);
		if (access(from, R_OK)) {
			fprintf(warn, "vfsim: %s: %s.gcda: no %s (the object "
				"was not built with gcov)\n", run, rel[i], from);
			continue;
		}
		snprintf(to, sizeof(to), "%s/gcov/%s.gcda", run, rel[i]);
		if (cover_gcda_check(to, from, why, sizeof(why))) {
			fprintf(warn, "vfsim: %s: %s.gcda: %s\n", run, rel[i], why);
			continue;
		}
		snprintf(to, sizeof(to), "%s/objs/%s.gcno", tmp, rel[i]);
		snprintf(dir, sizeof(dir), "%s", to);
		if (fs_mkdir_p(dirname(dir)) || symlink(from, to))
			return -1;
		snprintf(from, sizeof(from), "%s/gcov/%s.gcda", run, rel[i]);
		if (realpath(from, dir) == NULL)
			return -1;
		snprintf(to, sizeof(to), "%s/objs/%s.gcda", tmp, rel[i]);
		if (symlink(dir, to))
			return -1;
		usable[i] = true;
		linked++;
	}
	return linked;
}

/*
 * The record of source @rel: objects keep the source path they were
 * compiled from, which is not always the tree the build directory names
 * now (a profile series retargets a build to its own copy of the tree).
 */
static struct cov_file *find_source(struct cov *c, const char *rel)
{
	size_t n = strlen(rel);

	for (size_t i = 0; i < c->nfiles; i++) {
		struct cov_file *f = &c->files[i];
		size_t l = strlen(f->path);

		if (!strcmp(f->path, rel) ||
		    (l > n && f->path[l - n - 1] == '/' &&
		     !strcmp(f->path + l - n, rel))) {
			free(f->path);
			f->path = strdup(rel);
			return f->path ? f : NULL;
		}
	}
	return NULL;
}

/* Splits geninfo's output into one cached tracefile per object. */
static void write_caches(const char *run, const struct cover_runinfo *ri,
			 const char *tmp, char **rel, size_t n,
			 const bool *usable, FILE *warn)
{
	char path[PATH_MAX * 2], err[512], why[1100];
	struct cov all;
	FILE *f;

	cov_init(&all);
	snprintf(path, sizeof(path), "%s/out.info", tmp);
	if (access(path, R_OK) == 0 &&
	    cov_read_info_path(&all, path, ri->src, err, sizeof(err)))
		fprintf(warn, "vfsim: %s: geninfo's output: %s\n", run, err);
	for (size_t i = 0; i < n; i++) {
		struct cov_file *rec;

		if (!usable[i])
			continue;
		snprintf(path, sizeof(path), "%s.c", rel[i]);
		rec = find_source(&all, path);
		if (!rec) {
			geninfo_says(tmp, rel[i], why, sizeof(why));
			fprintf(warn, "vfsim: %s: %s.gcda: %s\n", run, rel[i],
				why);
			continue;
		}
		snprintf(path, sizeof(path), "%s/gcov/%s.info", run, rel[i]);
		f = fopen(path, "w");
		if (!f) {
			fprintf(warn, "vfsim: %s: cannot write %s: %s\n", run,
				path, strerror(errno));
			continue;
		}
		cov_write_file_info(rec, f, NULL);
		fclose(f);
	}
	cov_free(&all);
}

int cover_run_capture(const char *run, const struct cover_sel *sel,
		      FILE *warn, char *err, size_t len)
{
	struct cover_runinfo ri;
	char tmp[PATH_MAX];
	const char *t = getenv("TMPDIR");
	char **todo = NULL;
	bool *usable = NULL;
	size_t n = 0;
	int ret;

	if ((ret = cover_run_info(run, &ri, err, len)))
		return ret;
	if (list_selected(run, sel)) {
		snprintf(err, len, "%s/gcov: cannot list: %s", run,
			 strerror(errno));
		return -1;
	}
	todo = calloc(walk.n + 1, sizeof(*todo));
	usable = calloc(walk.n + 1, sizeof(*usable));
	for (size_t i = 0; todo && usable && i < walk.n; i++)
		if (!cache_fresh(run, walk.rel[i]))
			todo[n++] = walk.rel[i];
	ret = !todo || !usable ? -1 : 0;
	if (!n || ret)
		goto out;
	snprintf(tmp, sizeof(tmp), "%s/vfsim-cover.XXXXXX", t && *t ? t : "/tmp");
	if (!mkdtemp(tmp)) {
		snprintf(err, len, "cannot create %s: %s", tmp, strerror(errno));
		ret = -1;
		goto out;
	}
	ret = link_objects(run, &ri, tmp, (const char *const *)todo, n,
			   usable, warn);
	if (ret < 0)
		snprintf(err, len, "cannot link the objects of %s into %s: %s",
			 run, tmp, strerror(errno));
	else if (ret > 0)
		ret = run_geninfo(tmp, ri.src, err, len);
	if (ret >= 0) {
		write_caches(run, &ri, tmp, todo, n, usable, warn);
		ret = 0;
	}
	fs_remove_tree(tmp);
out:
	free(todo);
	free(usable);
	walk_free();
	return ret;
}

int cover_run_read(struct cov *c, const char *run,
		   const struct cover_sel *sel, const struct cover_runinfo *ri,
		   FILE *warn, char *err, size_t len)
{
	char path[PATH_MAX * 2], why[512];
	int used = 0;

	(void)ri;
	if (list_selected(run, sel)) {
		snprintf(err, len, "%s/gcov: cannot list: %s", run,
			 strerror(errno));
		return -1;
	}
	for (size_t i = 0; i < walk.n; i++) {
		struct cov one;

		snprintf(path, sizeof(path), "%s/gcov/%s.info", run,
			 walk.rel[i]);
		if (access(path, R_OK))
			continue;	/* warned about when captured */
		cov_init(&one);
		if (cov_read_info_path(&one, path, NULL, why, sizeof(why)))
			fprintf(warn, "vfsim: %s\n", why);
		else if (cov_merge(c, &one))
			fprintf(warn, "vfsim: %s: out of memory\n", run);
		else
			used++;
		cov_free(&one);
	}
	walk_free();
	if (!used) {
		snprintf(err, len, "%s: no coverage data for the selected "
			 "files", run);
		return 1;
	}
	return 0;
}
