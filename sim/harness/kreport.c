// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdbool.h>
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
	/*
	 * The debug profile's unlock-irq-check series (doc/detectors.md):
	 * "WARNING: spin_unlock_irq() with interrupts enabled" and
	 * "WARNING: spin_unlock_irq() enables interrupts in hard-IRQ context"
	 * (also read_unlock_irq(), write_unlock_irq()).
	 */
	{ "_unlock_irq() with interrupts enabled", "unlock-irq-mismatch" },
	{ "_unlock_irq() enables interrupts in hard-IRQ", "unlock-irq-mismatch" },
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

const char *kreport_frame(const char *line, char *buf, size_t len)
{
	const char *p = strstr(line, "] ");

	if (!strstr(line, "[<") || !p || strstr(line, "] ? "))
		return NULL;	/* "? " frames are guesses: skip them */
	p += 2;
	snprintf(buf, len, "%.*s", (int)strcspn(p, "+ \r\n"), p);
	return buf[0] ? buf : NULL;
}

/* Frames of the reporting and scheduling machinery, not of the culprit. */
static bool plumbing(const char *fn)
{
	static const char *const skip[] = {
		"dump_stack", "show_stack", "__warn", "warn_slowpath",
		"__might", "might_", "__switch_to", "__schedule", "schedule",
		"print_", "mark_lock", "mark_usage", "lock_acquire",
		"__lock_acquire", "check_", "validate_chain", "panic",
		"lockdep_", "kasan_", "__kasan", "__asan_", "__ubsan_",
		"ubsan_", "_raw_",	/* _raw_spin_lock_irqsave(): the lock API */
	};

	for (size_t i = 0; i < sizeof(skip) / sizeof(skip[0]); i++)
		if (!strncmp(fn, skip[i], strlen(skip[i])))
			return true;
	return false;
}

/*
 * After a report's headline, the first few frames of its call trace say
 * where it happened (a hung task's wait, a WARNING's caller): append them.
 */
static void add_stack(FILE *f, FILE *out)
{
	char line[1024], fn[128];
	int frames = 0, lines = 0;
	bool trace = false;
	long pos = ftell(f);

	/* Lockdep's reports are long: its call trace comes last. */
	while (frames < 4 && lines++ < 400 && fgets(line, sizeof(line), f)) {
		if (kreport_classify(line))
			break;		/* the next report */
		if (strstr(line, "Call Trace:")) {
			trace = true;	/* not the "irqs last enabled at" lines */
			continue;
		}
		if (!trace || !kreport_frame(line, fn, sizeof(fn)) || plumbing(fn))
			continue;
		fprintf(out, "%s%s", frames ? " < " : " | stack: ", fn);
		frames++;
	}
	fseek(f, pos, SEEK_SET);
}

/* The hung-task detector repeats itself for the same task: once is enough. */
static bool repeated_hung_task(const char *line, char *seen, size_t len)
{
	char task[128];
	const char *t = strstr(line, "INFO: task ");

	if (!t || sscanf(t + 11, "%127s", task) != 1)
		return false;
	if (strstr(seen, task))
		return true;
	if (strlen(seen) + strlen(task) + 2 < len) {
		strcat(seen, task);
		strcat(seen, " ");
	}
	return false;
}

int kreport_scan(const char *path, FILE *out)
{
	return kreport_scan_except(path, out, NULL);
}

int kreport_scan_except(const char *path, FILE *out, const char *skip_kind)
{
	char line[1024], hung[1024] = "";
	int found = 0;
	FILE *f = fopen(path, "r");

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		const char *kind = kreport_classify(line);

		if (!kind || (skip_kind && !strcmp(kind, skip_kind)))
			continue;
		line[strcspn(line, "\r\n")] = 0;
		if (!strcmp(kind, "hung-task") &&
		    repeated_hung_task(line, hung, sizeof(hung)))
			continue;
		/* Lockdep prints "WARNING: <kind>"; count it once. */
		if (!strcmp(kind, "warning") &&
		    (strstr(line, "lock") || strstr(line, "RCU")) &&
		    !strstr(line, "CPU:"))
			continue;
		fprintf(out, "%s: %s", kind, line);
		add_stack(f, out);
		fputc('\n', out);
		found++;
	}
	fclose(f);
	return found;
}
