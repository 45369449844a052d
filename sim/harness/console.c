// SPDX-License-Identifier: GPL-2.0
/* The guest console's line protocol (console.h). */
#include <errno.h>
#include <string.h>

#include "console.h"

#define BLANKS " \t\r\n\v\f"	/* what sscanf('%s') skips */

void console_feed(struct console_lines *cl, const char *buf, size_t n,
		  console_line_fn *fn, void *ctx)
{
	for (size_t i = 0; i < n; i++) {
		if (buf[i] != '\n') {
			if (cl->len < CONSOLE_LINE_MAX)
				cl->line[cl->len++] = buf[i];
			else
				cl->cut = true;
			continue;
		}
		cl->line[cl->len] = 0;
		fn(ctx, cl->line);
		cl->len = 0;
		cl->cut = false;
	}
}

/* The next word of *@p into @dst (@len bytes); "" at the end. */
static int take_word(const char **p, char *dst, size_t len)
{
	size_t n;

	*p += strspn(*p, BLANKS);
	n = strcspn(*p, BLANKS);
	if (n >= len)
		return -E2BIG;
	memcpy(dst, *p, n);
	dst[n] = 0;
	*p += n;
	return 0;
}

static bool id_ok(const char *id)
{
	const char *d = id + (id[0] == 's');

	return *d && !d[strspn(d, "0123456789")];
}

/* "COMMAND [A [B ...]]" from @p, up to CR or LF. */
static int parse_command(const char *p, struct console_request *rq)
{
	size_t n;

	if (take_word(&p, rq->cmd, sizeof(rq->cmd)))
		return -E2BIG;
	if (!rq->cmd[0])
		return -EINVAL;
	p += strspn(p, BLANKS);
	n = strcspn(p, "\r\n");
	if (n >= sizeof(rq->rest))
		return -E2BIG;
	memcpy(rq->rest, p, n);
	rq->rest[n] = 0;
	p = rq->rest;
	if (take_word(&p, rq->a, sizeof(rq->a)) ||
	    take_word(&p, rq->b, sizeof(rq->b)))
		return -E2BIG;
	return 0;
}

int console_rpc_parse(const char *line, bool cut,
		      struct console_request *rq)
{
	const char *p = strstr(line, "vfsim-rpc ");
	int err;

	memset(rq, 0, sizeof(*rq));
	if (!p)
		return 0;
	p += strlen("vfsim-rpc ");
	if (take_word(&p, rq->id, sizeof(rq->id)))
		return -E2BIG;
	if (!id_ok(rq->id))
		return -EINVAL;
	if (cut)
		return -E2BIG;
	err = parse_command(p, rq);
	return err ? err : 1;
}

int console_ctl_parse(const char *req, struct console_request *rq)
{
	memset(rq, 0, sizeof(*rq));
	return parse_command(req, rq);
}

int console_mark_parse(const char *line, char *name, size_t len)
{
	const char *p = strstr(line, "vfsim-mark ");

	if (!p || !len)
		return 0;
	p += strlen("vfsim-mark ");
	if (take_word(&p, name, len))
		return -E2BIG;
	return name[0] ? 1 : 0;
}
