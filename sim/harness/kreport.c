// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
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

/* Tasks the hung-task detector reported, by "comm:pid". */
struct seen {
	char **task;
	size_t n;
};

/*
 * "kworker/1:123:45" of "INFO: task kworker/1:123:45 blocked for more
 * than 20 seconds." (check_hung_task() prints comm:pid; comm may hold
 * spaces), or the whole line if it has another form.
 */
static char *hung_task_key(const char *line)
{
	const char *t = strstr(line, "INFO: task ");
	const char *end = t ? strstr(t, " blocked for more than") : NULL;

	if (!t || !end)
		return strdup(line);
	t += strlen("INFO: task ");
	return strndup(t, end - t);
}

/*
 * The detector repeats itself for the same task: once is enough.  Two
 * tasks are two findings, however alike their names.
 */
static bool repeated_hung_task(const char *line, struct seen *seen)
{
	char *key = hung_task_key(line), **task;

	if (!key)
		return false;	/* no memory: report again, lose nothing */
	for (size_t i = 0; i < seen->n; i++)
		if (!strcmp(seen->task[i], key)) {
			free(key);
			return true;
		}
	task = realloc(seen->task, (seen->n + 1) * sizeof(*task));
	if (!task) {
		free(key);
		return false;
	}
	seen->task = task;
	seen->task[seen->n++] = key;
	return false;
}

static void seen_free(struct seen *seen)
{
	for (size_t i = 0; i < seen->n; i++)
		free(seen->task[i]);
	free(seen->task);
}

/* The agent's own lines are on the console too; they report nothing. */
static bool agent_line(const char *line)
{
	return !strncmp(line, "vfsim-agent: ", 13) ||
	       !strncmp(line, "vfsim-rpc ", 10) ||
	       !strncmp(line, "vfsim-mark ", 11);
}

int kreport_scan(const char *path, FILE *out)
{
	return kreport_scan_except(path, out, NULL);
}

int kreport_scan_except(const char *path, FILE *out, const char *skip_kind)
{
	char line[1024];
	struct seen hung = { 0 };
	int found = 0;
	FILE *f = fopen(path, "r");

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		const char *kind = agent_line(line) ? NULL :
				   kreport_classify(line);

		if (!kind || (skip_kind && !strcmp(kind, skip_kind)))
			continue;
		line[strcspn(line, "\r\n")] = 0;
		if (!strcmp(kind, "hung-task") &&
		    repeated_hung_task(line, &hung))
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
	seen_free(&hung);
	fclose(f);
	return found;
}
