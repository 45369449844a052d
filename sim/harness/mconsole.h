/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A client of UML's management console (arch/um/drivers/mconsole_user.c,
 * protocol version 2, arch/um/drivers/mconsole.h): a datagram socket at
 * <uml_dir>/<umid>/mconsole that takes one text command per request.
 * vfsim uses it for one thing: "sysrq w" (show the blocked tasks with
 * their stacks) before it kills a run that hangs, so the console says
 * where it is stuck.  The command runs in UML's interrupt context and
 * works while every task is blocked.
 *
 * Contract: mconsole_command() sends @cmd (at most 511 bytes) from a
 * socket bound at @client_path (removed again before returning), waits
 * at most @timeout_ms for the complete reply, and copies its text into
 * @reply (NUL-terminated, truncated to @len).  Returns 0 when UML
 * answered without error, 1 when it answered with its error flag set,
 * -EAGAIN when only part of the reply arrived, -ETIMEDOUT when nothing
 * did, -EINVAL for a command too long, -ENAMETOOLONG for paths beyond
 * sockaddr_un, or another -errno from the socket calls.
 *
 * A long reply (a SysRq dump) often arrives cut short: UML sends it from
 * interrupt context without waiting, and the client's queue holds only
 * net.unix.max_dgram_qlen datagrams.  The kernel prints the same text on
 * its console, which is where vfsim reads it.
 */
#ifndef VFSIM_MCONSOLE_H
#define VFSIM_MCONSOLE_H

#include <stddef.h>

int mconsole_command(const char *sock_path, const char *client_path,
		     const char *cmd, unsigned int timeout_ms, char *reply,
		     size_t len);

#endif
