/* SPDX-License-Identifier: GPL-2.0 */
/*
 * `vfsim cover RUN_DIR... [--files GLOB] [--patches PATH] [--diff RUN_DIR...]`
 * (doc/coverage.md): argc/argv start at "cover".  Returns the exit status:
 * 0 a report was written, 2 bad usage or no run with usable data.
 */
#ifndef VFSIM_COVER_CMD_H
#define VFSIM_COVER_CMD_H

extern const char cover_usage[];

int cover_main(int argc, char **argv);

#endif
