/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A sanity check of a .gcda file against its .gcno before gcov reads it:
 * gcov reads a truncated .gcda without a word and counts the functions it
 * lost as never run.
 *
 * Format (gcc's gcov-io.h; the kernel writes .gcda in kernel/gcov/
 * gcc_4_7.c: convert_to_gcda()): a header of 32-bit words (magic "gcda" or
 * "gcno", version, stamp, and from gcc 12 a checksum; a .gcno then has its
 * directory as a string and a flag word), then records of a tag word, a
 * length word (bytes from gcc 12, words before) and the payload.
 *
 * Contract: 0 when the .gcda has the .gcno's magic pairing, version and
 * stamp, its records end exactly at its end and it has as many function
 * records as the .gcno; otherwise -1 with the problem in @err (no path:
 * the caller names the file).  Reads both files whole (a .gcno is at most a
 * few hundred KiB); no other side effect.
 */
#ifndef VFSIM_COVER_GCDA_H
#define VFSIM_COVER_GCDA_H

#include <stddef.h>

int cover_gcda_check(const char *gcda, const char *gcno, char *err,
		     size_t len);

/* The same on files already in memory (for tests). */
int cover_gcda_check_mem(const unsigned char *da, size_t da_len,
			 const unsigned char *no, size_t no_len, char *err,
			 size_t len);

#endif
