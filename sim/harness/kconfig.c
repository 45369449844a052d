// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "kconfig.h"

FILE *kconfig_open_beside(const char *kernel, const char *name)
{
	char path[PATH_MAX + 16], copy[PATH_MAX];

	snprintf(copy, sizeof(copy), "%s", kernel ? kernel : "");
	snprintf(path, sizeof(path), "%s/%s", dirname(copy), name);
	return fopen(path, "r");
}

int kconfig_get(const char *kernel, const char *sym, char *val, size_t len)
{
	char line[512];
	size_t n = strlen(sym);
	int found = 0;
	FILE *f = kconfig_open_beside(kernel, ".config");

	if (!f)
		return -ENOENT;
	while (!found && fgets(line, sizeof(line), f)) {
		if (strncmp(line, sym, n) || line[n] != '=')
			continue;
		line[strcspn(line, "\n")] = 0;
		if (val && len)
			snprintf(val, len, "%s", line + n + 1);
		found = 1;
	}
	fclose(f);
	return found;
}

bool kconfig_enabled(const char *kernel, const char *sym, bool unknown)
{
	char v[8];
	int ret = kconfig_get(kernel, sym, v, sizeof(v));

	if (ret < 0)
		return unknown;
	return ret == 1 && !strcmp(v, "y");
}

int kconfig_version(const char *kernel)
{
	FILE *f = kconfig_open_beside(kernel, ".config");
	int major, minor, ret = -ENOENT;
	char line[256];

	for (int i = 0; f && i < 5 && fgets(line, sizeof(line), f); i++)
		if (sscanf(line, "# Linux/um %d.%d", &major, &minor) == 2) {
			ret = major * 100 + minor;
			break;
		}
	if (f)
		fclose(f);
	return ret;
}
