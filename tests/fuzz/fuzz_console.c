// SPDX-License-Identifier: GPL-2.0
/*
 * The guest console as the runner reads it (sim/harness/console.c, used
 * by run.c): the input is console output, fed in chunks whose sizes come
 * from its first bytes (UML's writes arrive cut anywhere), then each line
 * is parsed as the runner does: an agent request ("vfsim-rpc ID CMD A
 * B"), a mark, and as a control socket request.  Checked: lines never hold
 * a '\n' nor pass CONSOLE_LINE_MAX, every byte of the input is in a line
 * or in the unterminated tail, and a parsed request is the words of the
 * line: an id that is a safe file name, nothing shortened.
 */
#include <errno.h>

#include "sim/harness/console.h"
#include "fuzz.h"

static struct console_lines cl;
static size_t line_bytes;	/* characters passed in lines, + 1 per '\n' */
static bool any_cut;

/* @w is a word of @text, whole (blank or end on both sides). */
static bool whole_word_in(const char *text, const char *w)
{
	size_t n = strlen(w);

	for (const char *p = strstr(text, w); p; p = strstr(p + 1, w))
		if ((p == text || strchr(" \t\r\n\v\f", p[-1])) &&
		    (!p[n] || strchr(" \t\r\n\v\f", p[n])))
			return true;
	return false;
}

static void check_request(const char *line, const struct console_request *rq,
			  bool with_id)
{
	const char *d = rq->id + (rq->id[0] == 's');

	if (with_id)
		fz_assert(*d && !d[strspn(d, "0123456789")],
			  "request id '%s' is not a safe file name", rq->id);
	fz_assert(rq->cmd[0] && !strpbrk(rq->cmd, " \t\r\n"),
		  "command '%s'", rq->cmd);
	fz_assert(whole_word_in(line, rq->cmd), "command '%s' not a word of "
		  "the line", rq->cmd);
	fz_assert(!strpbrk(rq->rest, "\r\n"), "rest holds CR/LF");
	fz_assert(!rq->a[0] || whole_word_in(rq->rest, rq->a),
		  "'%s' is not a word of '%s'", rq->a, rq->rest);
	fz_assert(!rq->b[0] || (rq->a[0] && whole_word_in(rq->rest, rq->b)),
		  "'%s' is not a word of '%s'", rq->b, rq->rest);
}

static void on_line(void *ctx, const char *line)
{
	struct console_request rq;
	size_t n = strlen(line);
	char name[32];
	int ret;

	(void)ctx;
	fz_assert(n <= CONSOLE_LINE_MAX && !strchr(line, '\n'),
		  "line of %zu characters", n);
	line_bytes += cl.len + 1;
	any_cut |= cl.cut;
	ret = console_rpc_parse(line, cl.cut, &rq);
	fz_assert(ret == 1 || ret == 0 || ret == -EINVAL || ret == -E2BIG,
		  "console_rpc_parse returned %d", ret);
	fz_assert((ret != 0) == (strstr(line, "vfsim-rpc ") != NULL),
		  "request found %d, marker %d", ret,
		  strstr(line, "vfsim-rpc ") != NULL);
	fz_assert(ret != 1 || !cl.cut, "a request on a cut line was taken");
	if (ret == 1)
		check_request(strstr(line, "vfsim-rpc ") + 10, &rq, true);
	ret = console_ctl_parse(line, &rq);
	fz_assert(!ret || ret == -EINVAL || ret == -E2BIG,
		  "console_ctl_parse returned %d", ret);
	if (!ret)
		check_request(line, &rq, false);
	ret = console_mark_parse(line, name, sizeof(name));
	fz_assert(ret != 1 || (name[0] && strlen(name) < sizeof(name) &&
			       whole_word_in(line, name)),
		  "mark '%s'", name);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz f = { data, size };
	uint8_t chunk = fz_u8(&f);
	size_t total = f.left, n;
	const uint8_t *p;

	memset(&cl, 0, sizeof(cl));
	line_bytes = 0;
	any_cut = false;
	while (!fz_empty(&f)) {
		p = fz_bytes(&f, chunk ? chunk : 4096, &n);
		console_feed(&cl, (const char *)p, n, on_line, NULL);
	}
	/* What is not in a line is the tail: cut lines drop their excess. */
	fz_assert(any_cut ? line_bytes + cl.len <= total :
		  line_bytes + cl.len == total || cl.cut,
		  "%zu + %zu bytes of %zu", line_bytes, cl.len, total);
	fz_assert(cl.len <= CONSOLE_LINE_MAX, "tail of %zu", cl.len);
	return 0;
}
