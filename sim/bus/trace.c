// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "trace.h"

static FILE *trace_file;
static unsigned int trace_mask;
static struct timespec trace_t0;
static pthread_mutex_t trace_lock = PTHREAD_MUTEX_INITIALIZER;

int trace_open(const char *path, unsigned int mask)
{
	FILE *f = fopen(path, "w");

	if (!f)
		return -errno;
	/* A large buffer: tracing must not cost a syscall per access. */
	setvbuf(f, NULL, _IOFBF, 1 << 16);
	clock_gettime(CLOCK_MONOTONIC, &trace_t0);
	pthread_mutex_lock(&trace_lock);
	trace_file = f;
	trace_mask = mask;
	pthread_mutex_unlock(&trace_lock);
	return 0;
}

void trace_close(void)
{
	pthread_mutex_lock(&trace_lock);
	if (trace_file)
		fclose(trace_file);
	trace_file = NULL;
	trace_mask = 0;
	pthread_mutex_unlock(&trace_lock);
}

void trace_flush(void)
{
	pthread_mutex_lock(&trace_lock);
	if (trace_file)
		fflush(trace_file);
	pthread_mutex_unlock(&trace_lock);
}

bool trace_on(enum trace_class cls)
{
	return __atomic_load_n(&trace_mask, __ATOMIC_RELAXED) & cls;
}

int trace_parse_mask(const char *s, unsigned int *mask)
{
	static const struct { const char *name; unsigned int bit; } names[] = {
		{ "cfg", TRACE_CFG }, { "bar", TRACE_BAR }, { "irq", TRACE_IRQ },
		{ "admin", TRACE_ADMIN }, { "vu", TRACE_VU }, { "dev", TRACE_DEV },
		{ "all", TRACE_ALL }, { "none", 0 },
	};
	char buf[128], *tok, *save;
	unsigned int m = 0;

	if (strlen(s) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, s);
	for (tok = strtok_r(buf, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		size_t i;

		for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
			if (!strcmp(tok, names[i].name))
				break;
		if (i == sizeof(names) / sizeof(names[0]))
			return -EINVAL;
		m |= names[i].bit;
	}
	*mask = m;
	return 0;
}

void trace_event(enum trace_class cls, const char *func, const char *kind,
		 const char *fmt, ...)
{
	struct timespec now;
	long long us;
	va_list ap;

	if (!trace_on(cls))
		return;
	clock_gettime(CLOCK_MONOTONIC, &now);
	us = (now.tv_sec - trace_t0.tv_sec) * 1000000LL +
	     (now.tv_nsec - trace_t0.tv_nsec) / 1000;
	pthread_mutex_lock(&trace_lock);
	if (trace_file) {
		fprintf(trace_file, "%lld %s %s ", us, func, kind);
		va_start(ap, fmt);
		vfprintf(trace_file, fmt, ap);
		va_end(ap);
		fputc('\n', trace_file);
	}
	pthread_mutex_unlock(&trace_lock);
}
