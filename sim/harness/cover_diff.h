/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Diff coverage: which lines a patch series adds or changes, numbered as in
 * the tree with the whole series applied, and whether the runs executed
 * them.  The series is what driver/kernel.sh takes as KPATCHES: a
 * directory of `git format-patch` files applied in name order, or one
 * .patch file (unified diffs, -p1 paths).
 *
 * Contract: a later patch renumbers, changes or removes the lines of the
 * earlier ones, as applying it would.  Reading fails with "FILE:LINE:
 * problem" on a malformed hunk; a series whose lines differ from the
 * source tree the runs' kernel was built from is reported per file
 * (cover_series_check()), and only the files that match are judged.
 */
#ifndef VFSIM_COVER_DIFF_H
#define VFSIM_COVER_DIFF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "cover.h"

struct cov_pline {
	unsigned int line;	/* in the patched tree */
	char *text;		/* the line as the series adds it */
	const char *patch;	/* file name of the patch that added it */
};

struct cov_pfile {
	char *path;		/* relative to the tree */
	struct cov_pline *l;	/* sorted by line */
	size_t n, cap;
	bool mismatch;		/* the tree does not have these lines */
};

struct cov_series {
	char *path;		/* as given */
	char **patches;		/* file names, in order */
	int npatches;
	struct cov_pfile *files;
	size_t nfiles, cap;
};

void cover_series_init(struct cov_series *s);
void cover_series_free(struct cov_series *s);

/* Read the series at @path: 0, or -1 with a one-line reason in @err. */
int cover_series_read(struct cov_series *s, const char *path, char *err,
		      size_t len);
/* Parse one patch (for tests): lines are renumbered by it. */
int cover_series_add(struct cov_series *s, FILE *f, const char *name,
		     char *err, size_t len);

/*
 * Compare every changed line with @src/<path>: a file whose lines differ
 * is marked (mismatch) and named on @warn with the first differing line.
 * Returns the number of such files.
 */
int cover_series_check(struct cov_series *s, const char *src, FILE *warn);

/* The Markdown section and the JSON member (",\"patches\":{...}"). */
void cover_series_md(const struct cov_series *s, const struct cov *c,
		     FILE *out);
void cover_series_json(const struct cov_series *s, const struct cov *c,
		       FILE *out);

/* Changed, instrumented and executed lines of the whole series. */
struct cov_diff_sum {
	unsigned int changed, instrumented, executed;
};
void cover_series_sum(const struct cov_series *s, const struct cov *c,
		      struct cov_diff_sum *sum);

#endif
