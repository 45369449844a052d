/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Recording what a guest sends, for the fuzzers' seed corpora (tests/fuzz,
 * doc/fuzzing.md).  With VFSIM_CAPTURE=DIR in the environment, the bus
 * appends each unit a front end sends to DIR/<stream>-<function>-<pid>.bin
 * (one set per vfsim process: scenarios run in parallel) as records
 * [le32 length][bytes]:
 *
 *	vu	a vhost-user message: [u8 nfds][nfds fd kinds][header+payload]
 *		(kinds: 'm' memory file, 'e' eventfd, 'p' pipe, 's' socket)
 *	req	a virtio_pcidev request: [le32 writable bytes][readable stream]
 *	admin	an admin command: [le32 writable bytes][readable stream]
 *
 * Without it nothing is recorded and capture_on() is false.  Bus thread
 * only; files are closed by capture_stop().
 */
#ifndef VFSIM_CAPTURE_H
#define VFSIM_CAPTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

void capture_start(void);
void capture_stop(void);
bool capture_on(void);

/* Append one record: @pre (@prelen bytes) then @p (@len bytes). */
void capture_record(const char *stream, const char *fn, const void *pre,
		    size_t prelen, const void *p, size_t len);

/* The kind letter of @fd, as above. */
char capture_fd_kind(int fd);

#endif
