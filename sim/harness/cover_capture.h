/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A run's coverage data, turned into the coverage model.
 *
 * A run on a KPROFILE=cover kernel leaves, in its run directory:
 *	gcov/<path>.gcda	the kernel's gcov counters per object, <path>
 *				relative to the kernel's build directory
 *	gcov.txt		"key=value" lines: kernel= (the build
 *				directory), source= (its source tree),
 *				kernel_mtime= (of its linux binary, to tell a
 *				rebuilt kernel), files=, saved= (how the data
 *				left the guest)
 * The counters are read with lcov's geninfo(1) (which runs gcov against the
 * build directory's .gcno files); each object's result is cached beside its
 * .gcda as <path>.info, an lcov tracefile of that one source file.
 *
 * Contract: a source file is selected when fnmatch(3) (no flags: '*'
 * crosses '/') matches one of the globs against its tree path; only .c
 * files compiled into objects have data.  Problems with one file of a run
 * (no .gcno, a .gcda that is truncated or of another build: checked by
 * cover_gcda.h, since gcov reads those silently) are one line each on
 * @warn and leave the rest of the run in; a run without usable data at
 * all returns 1 with the reason in @err.  geninfo runs with a bounded
 * time; its temporary files are removed on every path.
 */
#ifndef VFSIM_COVER_CAPTURE_H
#define VFSIM_COVER_CAPTURE_H

#include <limits.h>
#include <stdio.h>

#include "cover.h"

struct cover_sel {
	const char *const *globs;
	int nglobs;
};

/* What gcov.txt says about a run. */
struct cover_runinfo {
	char kernel[PATH_MAX];	/* build directory */
	char src[PATH_MAX];	/* source tree */
	char saved[64];		/* poweroff, exit, ... */
	char mtime[64];		/* of the kernel binary when it ran */
	int files;
};

/* Whether @path matches the selection. */
int cover_selected(const struct cover_sel *sel, const char *path);

/*
 * Read gcov.txt of @run: 0, or 1 with why there is no usable data in
 * @err (none saved, its kernel gone or rebuilt since the run).
 */
int cover_run_info(const char *run, struct cover_runinfo *ri, char *err,
		   size_t len);

/*
 * Make sure the selected sources of @run have their cached tracefiles
 * (runs geninfo for the missing ones).  0, 1 (no data: @err), or -1 (a
 * failure of the tools: @err).
 */
int cover_run_capture(const char *run, const struct cover_sel *sel,
		      FILE *warn, char *err, size_t len);

/* Add the cached tracefiles of the selected sources of @run to @c. */
int cover_run_read(struct cov *c, const char *run,
		   const struct cover_sel *sel, const struct cover_runinfo *ri,
		   FILE *warn, char *err, size_t len);

/* Whether geninfo is there: 0, or -1 with the advice in @err. */
int cover_tools_check(char *err, size_t len);

#endif
