/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What a UML kernel was built with, from the .config beside it
 * (driver/kernel.sh builds build/kernel/<profile>/linux next to its
 * .config): whether it has detectors (lockdep), SMP, time-travel.  The
 * runner adapts to it: SMP kernels boot with ncpus= and seccomp=on,
 * scenarios that need what the kernel lacks are skipped.
 *
 * Contract: kconfig_get() returns 1 and the value as written after '='
 * ("y", "4", "\"text\"", at most @len - 1 bytes) when @sym is set, 0 when
 * it is not ("# CONFIG_X is not set" or absent), -ENOENT when the kernel
 * has no readable .config beside it (a kernel from elsewhere).
 */
#ifndef VFSIM_KCONFIG_H
#define VFSIM_KCONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/*
 * Opens file @name (".config", "vfsim-series") of the directory @kernel
 * is in, for reading; NULL (errno set) when there is none.  The caller
 * closes it.
 */
FILE *kconfig_open_beside(const char *kernel, const char *name);

int kconfig_get(const char *kernel, const char *sym, char *val, size_t len);

/* @sym is "=y"; @unknown when there is no .config to tell. */
bool kconfig_enabled(const char *kernel, const char *sym, bool unknown);

/*
 * The kernel's version from the .config header ("# Linux/um 7.3.4 Kernel
 * Configuration") as major * 100 + minor (703), or -ENOENT.
 */
int kconfig_version(const char *kernel);

#endif
