/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Coverage reports for people and programs: Markdown (a summary table per
 * file, a table per function, and the source of every line no run
 * executed, grouped by function) and JSON (the same numbers, format
 * "vfsim-coverage-1", documented in doc/coverage.md).
 *
 * Contract: the model must have been sorted (cov_sort()).  Source lines
 * are read from @src/<path>; a file missing there is reported without its
 * source text.  Nothing here allocates beyond a line buffer.
 */
#ifndef VFSIM_COVER_REPORT_H
#define VFSIM_COVER_REPORT_H

#include <stdio.h>

#include "cover.h"

/* What the report says about where its numbers come from. */
struct cover_meta {
	int runs;		/* run directories given */
	int runs_with_data;	/* of which had coverage data */
	const char *kernel;	/* build directory of the kernel, or NULL */
	const char *src;	/* its source tree, or NULL */
};

/* A range of instrumented lines no run executed, within one function. */
struct cov_range {
	unsigned int first, last;	/* instrumented lines, inclusive */
	unsigned int lines;		/* instrumented lines in it */
};

/*
 * The uncovered ranges of function @fi of @f (@fi == -1: lines before the
 * first function): consecutive instrumented lines with count 0, a hit line
 * ending a range.  Fills at most @max; returns how many there are.
 */
int cover_uncovered(const struct cov_file *f, int fi, struct cov_range *r,
		    int max);

/* The per-file table with a total row. */
void cover_md_summary(const struct cov *c, FILE *out);
/* Summary, per-function tables and the uncovered lines with source. */
void cover_md(const struct cov *c, const struct cover_meta *m, FILE *out);
/* Everything as one JSON object (no trailing newline); @extra, if not
 * NULL, writes more members (",\"key\":...") before the closing brace. */
void cover_json(const struct cov *c, const struct cover_meta *m, FILE *out,
		void (*extra)(void *ctx, FILE *out), void *ctx);

/* A JSON string (quoted, escaped). */
void cover_json_str(FILE *out, const char *s);

/* Line @n (1-based) of @src/@path, without its newline; "" if absent. */
void cover_source_line(const char *src, const char *path, unsigned int n,
		       char *buf, size_t len);

#endif
