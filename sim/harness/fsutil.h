/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Directory helpers of the harness's file outputs.
 *
 * fs_mkdir_p(): like mkdir -p, mode 0755; 0 or -errno (-ENAMETOOLONG for
 * a path longer than PATH_MAX).  fs_remove_tree(): like rm -rf, never
 * following symbolic links; a missing path is not an error.
 */
#ifndef VFSIM_FSUTIL_H
#define VFSIM_FSUTIL_H

int fs_mkdir_p(const char *path);
void fs_remove_tree(const char *path);

#endif
