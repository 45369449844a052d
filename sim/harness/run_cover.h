/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The runner's part of coverage (doc/coverage.md): a run on a kernel built
 * with CONFIG_GCOV_KERNEL (KPROFILE=cover) gets its gcov counters copied
 * into its own run directory by the agent (driver/agent/gcov.c), so runs
 * in parallel never share data files.
 *
 *	gcov/		the .gcda files, paths relative to the build directory
 *	gcov.txt	written here after the run: kernel=, source=,
 *			kernel_mtime=, files=, saved= (poweroff, request)
 *
 * Before a run is killed at its timeout, the runner asks the agent to save
 * (the file gcov.request) and waits at most RUN_COVER_GRACE_S for it.
 * Lost: runs that end in a kernel panic, hang the whole guest, or run
 * under time-travel and time out (the agent does not poll there).
 */
#ifndef VFSIM_RUN_COVER_H
#define VFSIM_RUN_COVER_H

#include <limits.h>
#include <stdbool.h>

#define RUN_COVER_GRACE_S 30

struct run_cover {
	bool on;			/* the kernel has CONFIG_GCOV_KERNEL */
	char objtree[PATH_MAX];		/* its build directory (real path) */
	char mtime[64];			/* of the kernel binary */
	bool asked;			/* gcov.request written */
};

/* Whether @kernel is a gcov kernel; clears the coverage files of @dir. */
void run_cover_setup(struct run_cover *c, const char *kernel,
		     const char *dir);

/* Asks the agent to save now: the seconds to wait, 0 if pointless. */
unsigned int run_cover_ask(struct run_cover *c, const char *dir);

/* After run_cover_ask(): whether the agent has saved. */
bool run_cover_saved(const struct run_cover *c, const char *dir);

/* After the run: gcov.txt, and no half copies left. */
void run_cover_finish(const struct run_cover *c, const char *dir);

#endif
