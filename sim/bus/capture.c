// SPDX-License-Identifier: GPL-2.0
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "capture.h"
#include "log.h"

#define MAX_FILES 32

static char dir[PATH_MAX];
static struct {
	char name[64];
	FILE *f;
} files[MAX_FILES];

void capture_start(void)
{
	const char *d = getenv("VFSIM_CAPTURE");

	if (!d || !*d || strlen(d) >= sizeof(dir))
		return;
	snprintf(dir, sizeof(dir), "%s", d);
	vlog(LOG_INFO, NULL, "capturing what the guest sends into %s", dir);
}

void capture_stop(void)
{
	for (int i = 0; i < MAX_FILES; i++) {
		if (files[i].f)
			fclose(files[i].f);
		files[i].f = NULL;
	}
	dir[0] = 0;
}

bool capture_on(void)
{
	return dir[0];
}

static FILE *file_of(const char *stream, const char *fn)
{
	char name[64], path[PATH_MAX + 80];
	int i;

	snprintf(name, sizeof(name), "%s-%s", stream, fn);
	for (i = 0; i < MAX_FILES && files[i].f; i++)
		if (!strcmp(files[i].name, name))
			return files[i].f;
	if (i == MAX_FILES)
		return NULL;
	snprintf(path, sizeof(path), "%s/%s-%d.bin", dir, name, (int)getpid());
	files[i].f = fopen(path, "ab");
	snprintf(files[i].name, sizeof(files[i].name), "%s", name);
	return files[i].f;
}

void capture_record(const char *stream, const char *fn, const void *pre,
		    size_t prelen, const void *p, size_t len)
{
	FILE *f = capture_on() ? file_of(stream, fn) : NULL;
	uint32_t n = prelen + len;
	uint8_t le[4] = { n, n >> 8, n >> 16, n >> 24 };

	if (!f)
		return;
	fwrite(le, 1, 4, f);
	fwrite(pre, 1, prelen, f);
	fwrite(p, 1, len, f);
}

char capture_fd_kind(int fd)
{
	struct stat st;

	if (fstat(fd, &st))
		return '?';
	if (S_ISREG(st.st_mode))
		return 'm';
	if (S_ISFIFO(st.st_mode))
		return 'p';
	if (S_ISSOCK(st.st_mode))
		return 's';
	return 'e';	/* an anonymous inode: UML's eventfds */
}
