/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Line, branch and function coverage of kernel source files, as gcov
 * measured it in runs on a KPROFILE=cover kernel (doc/coverage.md).
 *
 * The model is what an lcov tracefile holds (geninfo(1), "TRACEFILE
 * FORMAT"): per source file, a path relative to the kernel tree, the
 * instrumented lines with their execution counts, the branches with how
 * often each was taken, and the functions with their first line and call
 * count.  Runs of the same kernel merge by adding counts, so a line is
 * covered when any run executed it.
 *
 * Contract: the tracefile reader accepts what lcov 1.14-1.16 writes and
 * rejects, with "FILE:LINE: problem", what it cannot read; a record is
 * added to the model only once its end_of_record is read, so a truncated
 * or damaged file adds its complete records and nothing half-read.
 * Counts saturate instead of wrapping.  Every allocation failure is
 * reported as -ENOMEM and leaves the model valid.
 */
#ifndef VFSIM_COVER_H
#define VFSIM_COVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* "BRDA:line,block,branch,taken"; taken is COV_NOT_RUN for lcov's '-'. */
#define COV_NOT_RUN (-1LL)

struct cov_branch {
	unsigned int line, block, branch;
	long long taken;	/* times taken, or COV_NOT_RUN: block never ran */
};

struct cov_func {
	char *name;
	unsigned int line;	/* first line */
	uint64_t calls;
};

struct cov_file {
	char *path;		/* relative to the kernel tree */
	uint64_t *count;	/* count[n]: executions of line n ... */
	unsigned char *has;	/* ... valid where has[n] (instrumented) */
	unsigned int nlines;	/* size of count and has: highest line + 1 */
	struct cov_branch *br;	/* sorted by (line, block, branch) */
	size_t nbr, cap_br;
	struct cov_func *fn;	/* sorted by first line once cov_sort() ran */
	size_t nfn, cap_fn;
};

struct cov {
	struct cov_file *files;	/* sorted by path once cov_sort() ran */
	size_t nfiles, cap;
};

struct cov_count {
	unsigned int hit, total;
};

struct cov_sum {
	struct cov_count lines, branches, funcs;
};

void cov_init(struct cov *c);
void cov_free(struct cov *c);

/*
 * Add the records of an lcov tracefile.  A source path that starts with
 * @strip (a kernel tree, with or without the trailing '/') is stored
 * relative to it; other paths are stored as they are.  Returns 0, or -1
 * with "NAME:LINE: problem" in @err (the complete records before the
 * problem are kept), or -ENOMEM.
 */
int cov_read_info(struct cov *c, FILE *f, const char *name, const char *strip,
		  char *err, size_t len);
/* The same, from the file at @path ("PATH: cannot open: ..." if absent). */
int cov_read_info_path(struct cov *c, const char *path, const char *strip,
		       char *err, size_t len);

/* Write @c as an lcov tracefile, each path prefixed with @prefix + '/'. */
void cov_write_info(const struct cov *c, FILE *out, const char *prefix);
void cov_write_file_info(const struct cov_file *f, FILE *out,
			 const char *prefix);

/* Add every count of @from to @into: 0 or -ENOMEM. */
int cov_merge(struct cov *into, const struct cov *from);
/* The same for one file record. */
int cov_merge_file(struct cov *into, const struct cov_file *from);

/* The record of @path (relative to the tree), or NULL. */
struct cov_file *cov_find(const struct cov *c, const char *path);

/* Files by path, functions by first line (then name). */
void cov_sort(struct cov *c);

/*
 * The function a line belongs to: the last one (after cov_sort()) whose
 * first line is at or before @line, or -1 before the first function.
 * lcov 1.x records no last line, so code between two functions counts
 * for the first; the kernel has no executable code there.
 */
int cov_func_of(const struct cov_file *f, unsigned int line);

/* Hit/total lines, branches and functions of a file, or of function @fi. */
void cov_file_sum(const struct cov_file *f, struct cov_sum *s);
void cov_func_sum(const struct cov_file *f, int fi, struct cov_sum *s);
/* @b added into @a. */
void cov_sum_add(struct cov_sum *a, const struct cov_sum *b);

/*
 * Makes room for one more element in the array *@arr of @n elements of
 * @size bytes and capacity *@cap (doubling, 16 at first): 0 or -ENOMEM,
 * the array unchanged on failure.
 */
int cov_grow(void *arr, size_t *cap, size_t n, size_t size);

/* hit/total as a percentage; 100 for an empty total. */
double cov_pct(struct cov_count c);

#endif
