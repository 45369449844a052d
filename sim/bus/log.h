/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One-line diagnostics.  Every message names the function it concerns so a
 * user reading the run log can tell which PCI function misbehaved.
 */
#ifndef VFSIM_LOG_H
#define VFSIM_LOG_H

#include <stdarg.h>
#include <stdio.h>

enum log_level { LOG_ERR, LOG_WARN, LOG_INFO, LOG_DEBUG };

/* Messages above this level are dropped.  Default LOG_INFO. */
extern enum log_level log_max_level;

/* Also copy every message to @f (NULL to stop). */
void log_set_file(FILE *f);

/* Print one line "vfsim: <who>: <message>" to stderr (thread-safe). */
void vlog(enum log_level lvl, const char *who, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Like vlog() but only the first time this call site fires. */
#define vlog_once(lvl, who, ...)					\
	do {								\
		static int vlog_once_done_;				\
		if (!__atomic_exchange_n(&vlog_once_done_, 1,		\
					 __ATOMIC_RELAXED))		\
			vlog(lvl, who, __VA_ARGS__);			\
	} while (0)

#endif
