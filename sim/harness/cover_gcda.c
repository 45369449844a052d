// SPDX-License-Identifier: GPL-2.0
/* A .gcda checked against its .gcno before gcov reads it. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cover_gcda.h"

#define GCDA_MAGIC 0x67636461u		/* "gcda" */
#define GCNO_MAGIC 0x67636e6fu		/* "gcno" */
#define TAG_FUNCTION 0x01000000u
#define MAX_FILE (64u << 20)

static uint32_t word(const unsigned char *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

/* gcc's major version from the version word ("B22*" is 12.2). */
static int gcc_major(uint32_t v)
{
	int a = (v >> 24) & 0xff, b = (v >> 16) & 0xff;

	return (a - 'A') * 10 + (b - '0');
}

/*
 * Counts the function records from @pos to the end; -1 if a record runs
 * past the end (the file is cut) or the lengths are in an unknown unit.
 */
static long count_functions(const unsigned char *p, size_t n, size_t pos,
			    int major)
{
	long fns = 0;

	while (pos < n) {
		uint64_t rec;

		if (n - pos < 8)
			return -1;
		rec = word(p + pos + 4);
		if (major < 12)
			rec *= 4;	/* lengths in words before gcc 12 */
		if (rec > n - pos - 8)
			return -1;
		fns += word(p + pos) == TAG_FUNCTION;
		pos += 8 + rec;
	}
	return fns;
}

/* Where the records of a .gcno start: after its directory and flag. */
static size_t gcno_records(const unsigned char *p, size_t n, int major)
{
	size_t pos = major >= 12 ? 16 : 12, slen;

	if (major < 12 || n < pos + 4)
		return 0;	/* only gcc 12's layout is known here */
	slen = word(p + pos);
	pos += 4 + ((slen + 3) & ~(size_t)3) + 4;
	return pos <= n ? pos : 0;
}

int cover_gcda_check_mem(const unsigned char *da, size_t da_len,
			 const unsigned char *no, size_t no_len, char *err,
			 size_t len)
{
	long fda, fno;
	size_t start;
	int major;

	if (da_len < 12 || word(da) != GCDA_MAGIC)
		return snprintf(err, len, "not a .gcda file"), -1;
	if (no_len < 12 || word(no) != GCNO_MAGIC)
		return snprintf(err, len, "its .gcno is not a .gcno file"), -1;
	if (word(da + 4) != word(no + 4) || word(da + 8) != word(no + 8))
		return snprintf(err, len, "from another build than its .gcno "
				"(version or stamp differs)"), -1;
	major = gcc_major(word(da + 4));
	fda = count_functions(da, da_len, major >= 12 ? 16 : 12, major);
	if (fda < 0)
		return snprintf(err, len, "truncated: its last record runs "
				"past the end of the file"), -1;
	start = gcno_records(no, no_len, major);
	fno = start ? count_functions(no, no_len, start, major) : -1;
	if (fno >= 0 && fda != fno)
		return snprintf(err, len, "truncated: %ld of the %ld functions "
				"of its .gcno", fda, fno), -1;
	return 0;
}

static unsigned char *slurp(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	unsigned char *buf = NULL;
	long size;

	if (!f)
		return NULL;
	if (!fseek(f, 0, SEEK_END) && (size = ftell(f)) >= 0 &&
	    (unsigned long)size <= MAX_FILE && !fseek(f, 0, SEEK_SET) &&
	    (buf = malloc(size ? size : 1)) &&
	    fread(buf, 1, size, f) == (size_t)size) {
		*n = size;
	} else {
		free(buf);
		buf = NULL;
		errno = errno ? errno : EIO;
	}
	fclose(f);
	return buf;
}

int cover_gcda_check(const char *gcda, const char *gcno, char *err,
		     size_t len)
{
	size_t nda = 0, nno = 0;
	unsigned char *da = slurp(gcda, &nda), *no = da ? slurp(gcno, &nno) : NULL;
	int ret;

	if (!da || !no) {
		snprintf(err, len, "cannot read %s: %s", da ? gcno : gcda,
			 strerror(errno));
		free(da);
		return -1;
	}
	ret = cover_gcda_check_mem(da, nda, no, nno, err, len);
	free(da);
	free(no);
	return ret;
}
