// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "kreport.h"

static const struct {
	const char *needle;
	const char *kind;
} patterns[] = {
	{ "possible circular locking dependency", "lockdep-circular" },
	{ "inconsistent lock state", "lockdep-inconsistent" },
	{ "bad unlock balance detected", "lockdep-bad-unlock" },
	{ "held lock freed", "lockdep-held-lock-freed" },
	{ "possible recursive locking detected", "lockdep-recursive" },
	{ "suspicious RCU usage", "lockdep-rcu" },
	{ "lock held when returning to user space", "lockdep-held-return" },
	/*
	 * Fix: these lockdep headlines ("WARNING: possible irq lock inversion
	 * dependency detected", "WARNING: HARDIRQ-safe -> HARDIRQ-unsafe lock
	 * order detected") matched only "WARNING:", and kreport_scan() then
	 * dropped them as lockdep duplicates: the reports were lost.
	 */
	{ "irq lock inversion", "lockdep-irq-inversion" },
	{ "lock order detected", "lockdep-irq-order" },
	{ "BUG: sleeping function called from invalid context", "sleep-in-atomic" },
	{ "BUG: scheduling while atomic", "sleep-in-atomic" },
	{ "BUG: KASAN:", "kasan" },
	{ "BUG: KFENCE:", "kfence" },
	{ "UBSAN:", "ubsan" },
	{ "blocked for more than", "hung-task" },
	/*
	 * Fix: panic() ends with "---[ end Kernel panic - not syncing: ... ]---",
	 * which matched "Kernel panic" and counted every panic twice.  Trailers
	 * never start a report.
	 */
	{ "---[ end ", NULL },
	{ "Kernel panic", "panic" },
	{ "------------[ cut here ]------------", NULL },
	{ "WARNING:", "warning" },
	{ "BUG:", "bug" },
};

const char *kreport_classify(const char *line)
{
	for (size_t i = 0; i < sizeof(patterns) / sizeof(patterns[0]); i++) {
		if (!strstr(line, patterns[i].needle))
			continue;
		return patterns[i].kind;
	}
	return NULL;
}

int kreport_scan(const char *path, FILE *out)
{
	char line[1024];
	int found = 0;
	FILE *f = fopen(path, "r");

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		const char *kind = kreport_classify(line);

		if (!kind)
			continue;
		line[strcspn(line, "\r\n")] = 0;
		/* Lockdep prints "WARNING: <kind>"; count it once. */
		if (!strcmp(kind, "warning") &&
		    (strstr(line, "lock") || strstr(line, "RCU")) &&
		    !strstr(line, "CPU:"))
			continue;
		fprintf(out, "%s: %s\n", kind, line);
		found++;
	}
	fclose(f);
	return found;
}
