// SPDX-License-Identifier: GPL-2.0
/* The runner's part of coverage: setup, the save request, gcov.txt. */
#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fsutil.h"
#include "run_cover.h"

static void remove_in(const char *dir, const char *name)
{
	char path[PATH_MAX + 32];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fs_remove_tree(path);
}

static bool has_gcov(const char *objtree)
{
	char path[PATH_MAX + 16], line[256];
	bool found = false;
	FILE *f;

	snprintf(path, sizeof(path), "%s/.config", objtree);
	f = fopen(path, "r");
	while (f && !found && fgets(line, sizeof(line), f))
		found = !strcmp(line, "CONFIG_GCOV_KERNEL=y\n");
	if (f)
		fclose(f);
	return found;
}

void run_cover_setup(struct run_cover *c, const char *kernel, const char *dir)
{
	static const char *const stale[] = {
		"gcov", "gcov.part", "gcov.old", "gcov.saved", "gcov.txt",
		"gcov.request",
	};
	char real[PATH_MAX];
	struct stat st;

	memset(c, 0, sizeof(*c));
	/* A run directory used again must not mix in an earlier run. */
	for (size_t i = 0; i < sizeof(stale) / sizeof(stale[0]); i++)
		remove_in(dir, stale[i]);
	if (!realpath(kernel, real) || stat(real, &st))
		return;
	snprintf(c->mtime, sizeof(c->mtime), "%lld.%09ld",
		 (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
	snprintf(c->objtree, sizeof(c->objtree), "%s", dirname(real));
	c->on = has_gcov(c->objtree);
}

unsigned int run_cover_ask(struct run_cover *c, const char *dir)
{
	char path[PATH_MAX + 32];
	FILE *f;

	if (!c->on || c->asked)
		return 0;
	c->asked = true;
	remove_in(dir, "gcov.saved");
	snprintf(path, sizeof(path), "%s/gcov.request", dir);
	f = fopen(path, "w");
	if (!f)
		return 0;
	fclose(f);
	return RUN_COVER_GRACE_S;
}

bool run_cover_saved(const struct run_cover *c, const char *dir)
{
	char path[PATH_MAX + 32];

	snprintf(path, sizeof(path), "%s/gcov.saved", dir);
	return c->asked && !access(path, F_OK);
}

/* "key=value" from the agent's gcov.saved. */
static void saved_value(const char *dir, const char *key, char *buf,
			size_t len)
{
	char path[PATH_MAX + 32], line[256];
	size_t n = strlen(key);
	FILE *f;

	buf[0] = 0;
	snprintf(path, sizeof(path), "%s/gcov.saved", dir);
	f = fopen(path, "r");
	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, key, n) && line[n] == '=') {
			line[strcspn(line, "\n")] = 0;
			snprintf(buf, len, "%s", line + n + 1);
		}
	if (f)
		fclose(f);
}

void run_cover_finish(const struct run_cover *c, const char *dir)
{
	char path[PATH_MAX + 32], src[PATH_MAX], files[32], why[64];
	char link[PATH_MAX + 16];
	ssize_t n;
	FILE *f;

	if (!c->on)
		return;
	remove_in(dir, "gcov.part");
	remove_in(dir, "gcov.old");
	remove_in(dir, "gcov.request");
	saved_value(dir, "files", files, sizeof(files));
	saved_value(dir, "why", why, sizeof(why));
	remove_in(dir, "gcov.saved");
	/* kbuild's O= build directory links to its source tree. */
	snprintf(link, sizeof(link), "%s/source", c->objtree);
	n = readlink(link, src, sizeof(src) - 1);
	src[n > 0 ? n : 0] = 0;
	snprintf(path, sizeof(path), "%s/gcov.txt", dir);
	f = fopen(path, "w");
	if (!f)
		return;
	fprintf(f, "kernel=%s\nsource=%s\nkernel_mtime=%s\nfiles=%s\n"
		"saved=%s\n", c->objtree, src[0] ? src : c->objtree, c->mtime,
		files[0] ? files : "0", why[0] ? why : "never (the guest did "
		"not save: panic, or killed)");
	fclose(f);
}
