// SPDX-License-Identifier: GPL-2.0
/*
 * The kernel-report scanner (sim/harness/kreport.c) on a console log: the
 * input is the whole console.log of a run, scanned as the runner does
 * (all kinds, and without hung tasks as under time-travel when it has
 * any).
 */
#include <fcntl.h>
#include <unistd.h>

#include "sim/harness/kreport.h"
#include "fuzz.h"

static char path[128];
static FILE *sink;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	snprintf(path, sizeof(path), "%s/console.log", fz_tmpdir());
	sink = fopen("/dev/null", "w");
	return sink ? 0 : -1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	int all, some;

	if (fd < 0 || write(fd, data, size) != (ssize_t)size)
		abort();
	close(fd);
	all = kreport_scan(path, sink);
	/* As under time-travel; only differs when a task hung. */
	some = !memmem(data, size, "blocked for more than", 21) ? all :
	       kreport_scan_except(path, sink, "hung-task");
	fz_assert(all >= 0 && some >= 0 && some <= all,
		  "%d findings, %d without hung tasks", all, some);
	return 0;
}
