/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Recognise kernel reports in a UML console log: lockdep, sleeping in
 * atomic context, KASAN, WARNING, BUG, hung tasks, panics.
 *
 * Contract: kreport_scan() reads the log line by line and writes one
 * finding per report ("<kind>: <headline>") to @out; it returns the number
 * of findings or -errno.  A report is counted once even though the kernel
 * prints many lines for it.
 */
#ifndef VFSIM_KREPORT_H
#define VFSIM_KREPORT_H

#include <stdio.h>

/* Classify one console line; NULL if it does not start a report. */
const char *kreport_classify(const char *line);

int kreport_scan(const char *path, FILE *out);

/*
 * "func" of a call trace line " [<6030b7e2>] func+0x5c/0xb5" into @buf,
 * or NULL for another line or an unreliable "? func" frame.
 */
const char *kreport_frame(const char *line, char *buf, size_t len);

/* The same, leaving out the reports of @skip_kind (e.g. "hung-task"). */
int kreport_scan_except(const char *path, FILE *out, const char *skip_kind);

#endif
