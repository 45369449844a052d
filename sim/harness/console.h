/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The guest console's line protocol, as the runner reads it
 * (sim/harness/run.c): the bytes UML writes are cut into lines, and a
 * line may carry a request of the agent ("vfsim-rpc ID COMMAND A B",
 * driver/agent/mig.c and sweep.c) or a timing mark ("vfsim-mark NAME");
 * the control socket carries the same requests without an ID
 * ("COMMAND A B", `vfsim ctl`).  Everything here is text a guest or a
 * local client controls: nothing is trusted, nothing is cut silently.
 */
#ifndef VFSIM_CONSOLE_H
#define VFSIM_CONSOLE_H

#include <stdbool.h>
#include <stddef.h>

#define CONSOLE_LINE_MAX 4095	/* characters of a line; the rest is dropped */

/* A line being assembled; zero-initialise before the first feed. */
struct console_lines {
	char line[CONSOLE_LINE_MAX + 1];
	size_t len;
	bool cut;	/* this line passed CONSOLE_LINE_MAX characters */
};

/* Called with each complete line: NUL-terminated, without its '\n'. */
typedef void console_line_fn(void *ctx, const char *line);

/*
 * Feed @n bytes of console output (any bytes, NULs included).  @fn runs
 * once per '\n' with the line so far; a line longer than CONSOLE_LINE_MAX
 * is passed with its first CONSOLE_LINE_MAX characters (and @cl->cut set
 * during the call).  A NUL inside a line ends the string @fn sees.  The
 * last, unterminated line stays in @cl for the next feed.
 */
void console_feed(struct console_lines *cl, const char *buf, size_t n,
		  console_line_fn *fn, void *ctx);

/* A request: command and its first two words, and all its arguments. */
struct console_request {
	char id[16];	/* "7" or "s7" (digits after an optional 's') */
	char cmd[16];
	char a[64], b[256];	/* words 1 and 2 after cmd, or "" */
	char rest[512];		/* everything after cmd, CR/LF removed */
};

/*
 * The request in console line @line: from "vfsim-rpc " anywhere in it;
 * @cut: the line lost its end (console_lines.cut).  Returns 1 with @rq
 * filled, 0 when the line holds none, -EINVAL when the ID is not digits
 * after an optional 's' (it names the reply file rpc-ID.out in the run
 * directory) or the command is missing, and -E2BIG when the ID, the
 * command, a word or the rest does not fit @rq or the line was cut
 * (@rq->id is kept when it was read, so the sender can be answered):
 * never a shortened request.
 */
int console_rpc_parse(const char *line, bool cut,
		      struct console_request *rq);

/*
 * A control socket request "COMMAND [A [B ...]]" (one line, CR/LF
 * ending it): 0 with @rq filled (id empty), -EINVAL when empty, -E2BIG
 * as console_rpc_parse().
 */
int console_ctl_parse(const char *req, struct console_request *rq);

/*
 * "vfsim-mark NAME" anywhere in @line: 1 and the NAME (the word after
 * it, at most @len - 1 characters, else -E2BIG), 0 when none or empty.
 */
int console_mark_parse(const char *line, char *name, size_t len);

#endif
