// SPDX-License-Identifier: GPL-2.0
#include <pthread.h>
#include <stdio.h>

#include "log.h"

enum log_level log_max_level = LOG_INFO;
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static FILE *log_file;

void log_set_file(FILE *f)
{
	pthread_mutex_lock(&log_lock);
	log_file = f;
	pthread_mutex_unlock(&log_lock);
}

void vlog(enum log_level lvl, const char *who, const char *fmt, ...)
{
	static const char *const names[] = { "error: ", "warning: ", "", "" };
	va_list ap;

	if (lvl > log_max_level)
		return;
	pthread_mutex_lock(&log_lock);
	fprintf(stderr, "vfsim: %s%s%s", who ? who : "", who ? ": " : "",
		names[lvl]);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	if (log_file) {
		fprintf(log_file, "%s%s%s", who ? who : "", who ? ": " : "",
			names[lvl]);
		va_start(ap, fmt);
		vfprintf(log_file, fmt, ap);
		va_end(ap);
		fputc('\n', log_file);
		fflush(log_file);
	}
	pthread_mutex_unlock(&log_lock);
}
