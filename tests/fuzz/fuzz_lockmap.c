// SPDX-License-Identifier: GPL-2.0
/*
 * The lockdep evidence parsers (sim/harness/lockmap.c): /proc/lockdep and
 * /proc/lockdep_chains text as a run directory holds them, the kernel
 * source scan for init sites, and every report written from the result.
 * The input is the classes text, then a line "=== chains" and the chains
 * text, then a line "=== source" and one C file of the kernel tree.
 */
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sim/harness/lockmap.h"
#include "fuzz.h"

static char src[128], file[160];
static FILE *sink;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	snprintf(src, sizeof(src), "%s/src", fz_tmpdir());
	snprintf(file, sizeof(file), "%s/drivers/x.c", src);
	mkdir(src, 0700);
	snprintf(file, sizeof(file), "%s/drivers", src);
	mkdir(file, 0700);
	snprintf(file, sizeof(file), "%s/drivers/x.c", src);
	sink = fopen("/dev/null", "w");
	return sink ? 0 : -1;
}

/* [p, end) up to the line "=== @name", which *@next then follows. */
static size_t part(const uint8_t *p, const uint8_t *end, const char *name,
		   const uint8_t **next)
{
	char sep[32];
	size_t n = snprintf(sep, sizeof(sep), "\n=== %s\n", name);

	for (const uint8_t *s = p; s + n <= end; s++)
		if (!memcmp(s, sep, n)) {
			*next = s + n;
			return s - p;
		}
	*next = end;
	return end - p;
}

static void parse(struct lockmap *m, const uint8_t *text, size_t len,
		  bool chains)
{
	char err[160];
	FILE *f;

	if (!len)
		return;
	f = fmemopen((void *)text, len, "r");
	if (!f)
		abort();
	if (chains)
		lockmap_read_chains(m, f, err, sizeof(err));
	else
		lockmap_read_classes(m, f, err, sizeof(err));
	fclose(f);
}

static void report(const struct lockmap *m, const struct lockmap *before)
{
	char buf[512];

	for (int i = 0; i < m->ncls; i++) {
		lockmap_usage_words(&m->cls[i], buf, sizeof(buf));
		lockmap_verdict(m, i, buf, sizeof(buf));
	}
	lockmap_markdown(m, sink);
	lockmap_json(m, sink);
	lockmap_dot(m, sink);
	lockmap_diff(before, m, sink);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const subdirs[] = { "drivers" };
	const uint8_t *end = data + size, *chains, *source;
	size_t ncls = part(data, end, "chains", &chains);
	size_t nch = part(chains, end, "source", &source);
	struct lockmap a, b;
	const char *names[1];
	char name[32];
	int fd;

	lockmap_init(&a);
	lockmap_init(&b);
	parse(&a, data, ncls, false);
	parse(&a, chains, nch, true);
	/* A second run merged in: the same text again, a no-op by contract. */
	parse(&b, data, ncls, false);
	parse(&b, data, ncls, false);
	parse(&b, chains, nch, true);
	fz_assert(a.ncls == b.ncls && a.nedges == b.nedges,
		  "merging a run twice changed the map: %d/%d classes, %d/%d edges",
		  a.ncls, b.ncls, a.nedges, b.nedges);
	fd = open(file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || write(fd, source, end - source) != end - source)
		abort();
	close(fd);
	snprintf(name, sizeof(name), "%.*s", (int)(ncls < 8 ? ncls : 8),
		 (const char *)data);
	names[0] = name;
	lockmap_select(&a, src, subdirs, 1, names, 1);
	report(&a, &b);
	lockmap_free(&a);
	lockmap_free(&b);
	return 0;
}
