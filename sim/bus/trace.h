/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Trace of every device-visible event, one line each:
 *
 *	<usec since start> <function> <kind> <key=value ...>
 *
 * kinds: cfg-read cfg-write bar-read bar-write bar-memset msi admin
 * vhost-user dev (device state changes) error.  Tests and scenarios grep
 * this file, so the keys are stable.  Lines go to a buffered file that is
 * flushed whenever the bus goes idle and at exit.
 */
#ifndef VFSIM_TRACE_H
#define VFSIM_TRACE_H

#include <stdbool.h>

enum trace_class {
	TRACE_CFG = 1 << 0,	/* config space accesses */
	TRACE_BAR = 1 << 1,	/* BAR accesses */
	TRACE_IRQ = 1 << 2,	/* MSI/MSI-X messages */
	TRACE_ADMIN = 1 << 3,	/* admin virtqueue commands */
	TRACE_VU = 1 << 4,	/* vhost-user control messages */
	TRACE_DEV = 1 << 5,	/* device state: reset, status, errors */
	TRACE_ALL = (1 << 6) - 1,
};

/* Open the trace file; classes not in @mask are not recorded. */
int trace_open(const char *path, unsigned int mask);
void trace_close(void);
void trace_flush(void);
bool trace_on(enum trace_class cls);

/* Parse "all", "none" or a comma list of cfg,bar,irq,admin,vu,dev. */
int trace_parse_mask(const char *s, unsigned int *mask);

void trace_event(enum trace_class cls, const char *func, const char *kind,
		 const char *fmt, ...) __attribute__((format(printf, 4, 5)));

#endif
