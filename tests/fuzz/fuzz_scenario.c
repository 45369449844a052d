// SPDX-License-Identifier: GPL-2.0
/*
 * The scenario parser (sim/harness/scenario.c) with its includes: the
 * input is the top file, then optionally "=== NAME" lines each starting
 * another file of the same directory (NAME: a-z, 0-9, '.', '_', '-', at
 * most 16 characters) that the others may include.  The top file is
 * parsed from memory, and from disk with its includes when it has any; a
 * good parse is checked against the limits the runner relies on.
 */
#include <fcntl.h>
#include <unistd.h>

#include "driver/agent/step_spec.h"
#include "sim/bus/fault.h"
#include "sim/harness/scenario.h"
#include "fuzz.h"

#define MAX_FILES 8
#define NAME_CHARS "abcdefghijklmnopqrstuvwxyz0123456789._-"

static char dir[128];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	snprintf(dir, sizeof(dir), "%s", fz_tmpdir());
	return 0;
}

static void put(const char *name, const uint8_t *p, size_t n)
{
	char path[192];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || write(fd, p, n) != (ssize_t)n)
		abort();
	close(fd);
}

/* Split at "\n=== NAME\n" lines; returns the files written. */
static int write_files(const uint8_t *data, size_t size, char names[][20])
{
	const uint8_t *p = data, *end = data + size, *s;
	int n = 0;

	strcpy(names[n], "main.vfs");
	for (s = p; n < MAX_FILES - 1 && s + 5 < end; s++) {
		size_t len;

		if (memcmp(s, "\n=== ", 5))
			continue;
		for (len = 0; s + 5 + len < end && len <= 16 &&
		     strchr(NAME_CHARS, s[5 + len]) && s[5 + len]; len++)
			;
		if (!len || len > 16 || s + 5 + len >= end ||
		    s[5 + len] != '\n' ||
		    !strncmp((const char *)s + 5, ".", len) ||
		    !strncmp((const char *)s + 5, "..", len))
			continue;
		put(names[n], p, s + 1 - p);
		n++;
		snprintf(names[n], 20, "%.*s", (int)len, s + 5);
		p = s + 5 + len + 1;
		s = p - 1;
	}
	put(names[n], p, end - p);
	return n + 1;
}

/* A step the runner hands to the agent must pass the agent's check. */
static void check_step(const struct scenario *sc, const char *fmt,
		       const char *text)
{
	const struct step_env env = { .vfs = sc->topo.vfs };
	char line[2 * SC_MAX_LINE], why[STEP_WHY_LEN];

	snprintf(line, sizeof(line), fmt, text);
	fz_assert(step_check_line(line, &env, why, sizeof(why)),
		  "parsed, but the agent refuses '%.80s': %s", line, why);
}

static void check_item(const struct scenario *sc, const struct sc_item *it)
{
	if (it->kind == SC_STEP)
		check_step(sc, "%s", it->text);
	else if (it->kind == SC_FAULT && !strncmp(it->text, "fail", 4))
		check_step(sc, "%s", it->text);
	else if (it->kind == SC_FAULT)
		fz_assert(strlen(it->text) <= FAULT_MAX_TEXT,
			  "fault longer than fault_parse() reads: %zu",
			  strlen(it->text));
}

/* What the runner relies on (sim/harness/scenario_run.c). */
static void check_limits(const struct scenario *sc)
{
	int steps = 0;

	fz_assert(sc->purpose && sc->topo.vfs <= 7 && sc->nfiles >= 1,
		  "a good parse without its purpose or with %u VFs",
		  sc->topo.vfs);
	for (int i = 0; i < sc->nitems; i++) {
		const struct sc_item *it = &sc->items[i];

		if (it->kind != SC_PARALLEL) {
			check_item(sc, it);
			steps++;
			continue;
		}
		fz_assert(it->nchildren > 0 &&
			  it->nchildren <= AGENT_MAX_PARALLEL,
			  "a block of %d", it->nchildren);
		for (int c = 0; c < it->nchildren; c++)
			check_item(sc, &it->children[c]);
		steps += it->nchildren + 2;
	}
	for (int e = 0; e < sc->nexpects; e++) {
		const struct sc_expect *x = &sc->expects[e];

		if (!strcmp(x->kind, "sysfs"))
			check_step(sc, "expect-sysfs %s", x->arg);
		else if (!strcmp(x->kind, "equal"))
			check_step(sc, "sim-compare %s", x->arg);
		else
			continue;
		steps++;
	}
	fz_assert(steps <= SC_MAX_STEPS, "%d agent steps, the runner takes %d",
		  steps, SC_MAX_STEPS);
}

/* From disk, with the includes: only when the input has any (faster). */
static void parse_files(const uint8_t *data, size_t size)
{
	char names[MAX_FILES][20], path[192], *errors = NULL;
	struct scenario sc;
	int n = write_files(data, size, names);

	snprintf(path, sizeof(path), "%s/main.vfs", dir);
	if (!scenario_parse(path, &sc, &errors))
		check_limits(&sc);
	else
		fz_assert(errors && *errors, "refused without a message");
	scenario_free(&sc);
	free(errors);
	for (int i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		unlink(path);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[192], *errors = NULL, *text;
	struct scenario sc;

	if (memmem(data, size, "include", 7))
		parse_files(data, size);
	snprintf(path, sizeof(path), "%s/main.vfs", dir);
	/* The top file from memory (a string stops at a NUL). */
	text = strndup((const char *)data, size);
	if (!text)
		abort();
	errors = NULL;
	if (!scenario_parse_string(path, text, &sc, &errors))
		check_limits(&sc);
	else
		fz_assert(errors && *errors, "refused without a message");
	scenario_free(&sc);
	free(errors);
	free(text);
	return 0;
}
