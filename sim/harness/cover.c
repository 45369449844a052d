// SPDX-License-Identifier: GPL-2.0
/*
 * The coverage model: lcov tracefiles read, merged, sorted and summed.
 * The tracefile format is lcov's, geninfo(1) "TRACEFILE FORMAT".
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cover.h"

/* No line of a kernel source file is anywhere near this. */
#define COV_MAX_LINE 1000000u

int cov_grow(void *arr, size_t *cap, size_t n, size_t size)
{
	void **p = arr;
	size_t c = *cap ? 2 * *cap : 16;
	void *x;

	if (n < *cap)
		return 0;
	x = realloc(*p, c * size);
	if (!x)
		return -ENOMEM;
	*p = x;
	*cap = c;
	return 0;
}

void cov_init(struct cov *c)
{
	memset(c, 0, sizeof(*c));
}

static void file_free(struct cov_file *f)
{
	for (size_t i = 0; i < f->nfn; i++)
		free(f->fn[i].name);
	free(f->fn);
	free(f->br);
	free(f->count);
	free(f->has);
	free(f->path);
	memset(f, 0, sizeof(*f));
}

void cov_free(struct cov *c)
{
	for (size_t i = 0; i < c->nfiles; i++)
		file_free(&c->files[i]);
	free(c->files);
	memset(c, 0, sizeof(*c));
}

static uint64_t sat_add(uint64_t a, uint64_t b)
{
	return a + b < a ? UINT64_MAX : a + b;
}

static long long taken_add(long long a, long long b)
{
	if (a == COV_NOT_RUN)
		return b;
	if (b == COV_NOT_RUN)
		return a;
	return a + b < a ? (long long)(~0ULL >> 1) : a + b;
}

struct cov_file *cov_find(const struct cov *c, const char *path)
{
	for (size_t i = 0; i < c->nfiles; i++)
		if (!strcmp(c->files[i].path, path))
			return &c->files[i];
	return NULL;
}

static struct cov_file *file_of(struct cov *c, const char *path)
{
	struct cov_file *f = cov_find(c, path);

	if (f)
		return f;
	if (cov_grow(&c->files, &c->cap, c->nfiles, sizeof(*f)))
		return NULL;
	f = &c->files[c->nfiles];
	memset(f, 0, sizeof(*f));
	f->path = strdup(path);
	if (!f->path)
		return NULL;
	c->nfiles++;
	return f;
}

static int grow_lines(struct cov_file *f, unsigned int line)
{
	unsigned int n = f->nlines;
	uint64_t *count;
	unsigned char *has;

	if (line < n)
		return 0;
	n = n ? n : 256;
	while (n <= line)
		n *= 2;
	count = realloc(f->count, n * sizeof(*count));
	if (count)
		f->count = count;
	has = count ? realloc(f->has, n) : NULL;
	if (!has)
		return -ENOMEM;
	f->has = has;
	memset(f->count + f->nlines, 0, (n - f->nlines) * sizeof(*count));
	memset(f->has + f->nlines, 0, n - f->nlines);
	f->nlines = n;
	return 0;
}

static int add_line(struct cov_file *f, unsigned int line, uint64_t count)
{
	if (grow_lines(f, line))
		return -ENOMEM;
	f->has[line] = 1;
	f->count[line] = sat_add(f->count[line], count);
	return 0;
}

static int br_cmp(const struct cov_branch *a, const struct cov_branch *b)
{
	if (a->line != b->line)
		return a->line < b->line ? -1 : 1;
	if (a->block != b->block)
		return a->block < b->block ? -1 : 1;
	if (a->branch != b->branch)
		return a->branch < b->branch ? -1 : 1;
	return 0;
}

/* Where @b is or goes in the sorted branch array. */
static size_t br_pos(const struct cov_file *f, const struct cov_branch *b,
		     bool *found)
{
	size_t lo = 0, hi = f->nbr;

	/* Records arrive in order: try the end first. */
	if (f->nbr && br_cmp(&f->br[f->nbr - 1], b) < 0) {
		*found = false;
		return f->nbr;
	}
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int r = br_cmp(&f->br[mid], b);

		if (!r) {
			*found = true;
			return mid;
		}
		if (r < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = false;
	return lo;
}

static int add_branch(struct cov_file *f, const struct cov_branch *b)
{
	bool found;
	size_t at = br_pos(f, b, &found);

	if (found) {
		f->br[at].taken = taken_add(f->br[at].taken, b->taken);
		return 0;
	}
	if (cov_grow(&f->br, &f->cap_br, f->nbr, sizeof(*b)))
		return -ENOMEM;
	memmove(&f->br[at + 1], &f->br[at], (f->nbr - at) * sizeof(*b));
	f->br[at] = *b;
	f->nbr++;
	return 0;
}

static struct cov_func *func_find(const struct cov_file *f, const char *name)
{
	for (size_t i = 0; i < f->nfn; i++)
		if (!strcmp(f->fn[i].name, name))
			return &f->fn[i];
	return NULL;
}

/* The function @name (added at @line if new; line 0: not known yet). */
static struct cov_func *func_of(struct cov_file *f, const char *name,
				unsigned int line)
{
	struct cov_func *fn = func_find(f, name);

	if (fn) {
		if (!fn->line)
			fn->line = line;
		return fn;
	}
	if (cov_grow(&f->fn, &f->cap_fn, f->nfn, sizeof(*fn)))
		return NULL;
	fn = &f->fn[f->nfn];
	fn->name = strdup(name);
	if (!fn->name)
		return NULL;
	fn->line = line;
	fn->calls = 0;
	f->nfn++;
	return fn;
}

int cov_merge_file(struct cov *into, const struct cov_file *from)
{
	struct cov_file *f = file_of(into, from->path);

	if (!f)
		return -ENOMEM;
	for (unsigned int l = 0; l < from->nlines; l++)
		if (from->has[l] && add_line(f, l, from->count[l]))
			return -ENOMEM;
	for (size_t i = 0; i < from->nbr; i++)
		if (add_branch(f, &from->br[i]))
			return -ENOMEM;
	for (size_t i = 0; i < from->nfn; i++) {
		struct cov_func *fn = func_of(f, from->fn[i].name,
					      from->fn[i].line);

		if (!fn)
			return -ENOMEM;
		fn->calls = sat_add(fn->calls, from->fn[i].calls);
	}
	return 0;
}

int cov_merge(struct cov *into, const struct cov *from)
{
	for (size_t i = 0; i < from->nfiles; i++)
		if (cov_merge_file(into, &from->files[i]))
			return -ENOMEM;
	return 0;
}

/* ---- reading tracefiles ---- */

struct reader {
	const char *name;
	unsigned int lineno;
	char *err;
	size_t len;
};

static int bad(struct reader *rd, const char *fmt, ...)
{
	char what[200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	snprintf(rd->err, rd->len, "%s:%u: %s", rd->name, rd->lineno, what);
	return -1;
}

/* Parses "N" or "N,..." at @s: an unsigned number followed by @stop. */
static bool number(const char **s, char stop, unsigned long long *out)
{
	char *end;

	if (**s < '0' || **s > '9')
		return false;
	errno = 0;
	*out = strtoull(*s, &end, 10);
	if (errno || (*end != stop && !(stop == 0 && *end == '\n')))
		return false;
	*s = *end ? end + 1 : end;
	return true;
}

static int read_da(struct reader *rd, struct cov_file *f, const char *v)
{
	unsigned long long line, count;

	/* "DA:line,count[,checksum]" */
	if (!number(&v, ',', &line) || !line || line > COV_MAX_LINE)
		return bad(rd, "bad DA record (want DA:LINE,COUNT)");
	errno = 0;
	count = strtoull(v, NULL, 10);
	if (*v < '0' || *v > '9' || errno)
		return bad(rd, "bad DA count");
	return add_line(f, line, count) ? -ENOMEM : 0;
}

static int read_brda(struct reader *rd, struct cov_file *f, const char *v)
{
	unsigned long long line, block, branch, taken;
	struct cov_branch b;

	if (!number(&v, ',', &line) || !number(&v, ',', &block) ||
	    !number(&v, ',', &branch) || !line || line > COV_MAX_LINE ||
	    block > ~0u || branch > ~0u)
		return bad(rd, "bad BRDA record (want BRDA:LINE,BLOCK,BRANCH,TAKEN)");
	b = (struct cov_branch){ line, block, branch, COV_NOT_RUN };
	if (*v != '-') {
		if (!number(&v, 0, &taken) || taken > (~0ULL >> 1))
			return bad(rd, "bad BRDA taken count");
		b.taken = taken;
	}
	return add_branch(f, &b) ? -ENOMEM : 0;
}

static int read_fn(struct reader *rd, struct cov_file *f, const char *v,
		   bool fnda)
{
	unsigned long long n;

	/* "FN:line,name" (lcov 2 adds ",end" after line) or "FNDA:count,name" */
	if (!number(&v, ',', &n))
		return bad(rd, "bad %s record", fnda ? "FNDA" : "FN");
	if (!fnda && *v >= '0' && *v <= '9' && strchr(v, ','))
		v = strchr(v, ',') + 1;		/* lcov 2: the last line */
	if (!*v)
		return bad(rd, "%s record without a function name",
			   fnda ? "FNDA" : "FN");
	if (!fnda) {
		if (!n || n > COV_MAX_LINE)
			return bad(rd, "bad FN line");
		return func_of(f, v, n) ? 0 : -ENOMEM;
	}
	{
		struct cov_func *fn = func_of(f, v, 0);

		if (!fn)
			return -ENOMEM;
		fn->calls = sat_add(fn->calls, n);
	}
	return 0;
}

static const char *strip_tree(const char *path, const char *strip)
{
	size_t n = strip ? strlen(strip) : 0;

	while (n > 1 && strip[n - 1] == '/')
		n--;
	if (n && !strncmp(path, strip, n) && path[n] == '/')
		return path + n + 1;
	return path;
}

/* One "KEY:VALUE" line inside a record. */
static int read_record_line(struct reader *rd, struct cov_file *f,
			    const char *key, const char *v)
{
	if (!strcmp(key, "DA"))
		return read_da(rd, f, v);
	if (!strcmp(key, "BRDA"))
		return read_brda(rd, f, v);
	if (!strcmp(key, "FN"))
		return read_fn(rd, f, v, false);
	if (!strcmp(key, "FNDA"))
		return read_fn(rd, f, v, true);
	/* Totals are recomputed; other keys (FNL, VER...) are not needed. */
	return 0;
}

int cov_read_info(struct cov *c, FILE *in, const char *name,
		  const char *strip, char *err, size_t len)
{
	struct reader rd = { name, 0, err, len };
	struct cov_file rec = { 0 };	/* the record being read */
	char *buf = NULL;
	size_t cap = 0;
	ssize_t n;
	int ret = 0;

	while (!ret && (n = getline(&buf, &cap, in)) >= 0) {
		bool cut = n > 0 && buf[n - 1] != '\n';	/* the last line */
		char *colon;

		rd.lineno++;
		while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
			buf[--n] = 0;
		if (cut && rec.path && strcmp(buf, "end_of_record")) {
			ret = bad(&rd, "truncated: the file ends inside the "
				  "record of %s", rec.path);
			continue;
		}
		if (!n || !strncmp(buf, "TN:", 3))
			continue;
		if (!strcmp(buf, "end_of_record")) {
			if (!rec.path)
				ret = bad(&rd, "end_of_record without SF");
			else if (cov_merge_file(c, &rec))
				ret = -ENOMEM;
			file_free(&rec);
			continue;
		}
		colon = strchr(buf, ':');
		if (!colon) {
			ret = bad(&rd, "not a tracefile line: '%.40s'", buf);
			continue;
		}
		*colon = 0;
		if (!strcmp(buf, "SF")) {
			if (rec.path)
				ret = bad(&rd, "SF inside the record of %s "
					  "(end_of_record missing)", rec.path);
			else if (!colon[1])
				ret = bad(&rd, "SF without a path");
			else if (!(rec.path = strdup(strip_tree(colon + 1, strip))))
				ret = -ENOMEM;
			continue;
		}
		if (!rec.path) {
			ret = bad(&rd, "%s record outside a file (no SF)", buf);
			continue;
		}
		ret = read_record_line(&rd, &rec, buf, colon + 1);
	}
	if (!ret && ferror(in))
		ret = bad(&rd, "read error: %s", strerror(errno));
	if (!ret && rec.path)
		ret = bad(&rd, "truncated: the record of %s has no end_of_record",
			  rec.path);
	if (!ret && !rd.lineno)
		ret = bad(&rd, "empty tracefile");
	file_free(&rec);
	free(buf);
	return ret;
}

int cov_read_info_path(struct cov *c, const char *path, const char *strip,
		       char *err, size_t len)
{
	FILE *f = fopen(path, "r");
	int ret;

	if (!f) {
		snprintf(err, len, "%s: cannot open: %s", path, strerror(errno));
		return -1;
	}
	ret = cov_read_info(c, f, path, strip, err, len);
	fclose(f);
	return ret;
}

/* ---- writing, sorting, sums ---- */

void cov_write_file_info(const struct cov_file *f, FILE *out,
			 const char *prefix)
{
	struct cov_sum s;

	cov_file_sum(f, &s);
	fprintf(out, "TN:\nSF:%s%s%s\n", prefix ? prefix : "",
		prefix ? "/" : "", f->path);
	for (size_t i = 0; i < f->nfn; i++)
		fprintf(out, "FN:%u,%s\n", f->fn[i].line, f->fn[i].name);
	for (size_t i = 0; i < f->nfn; i++)
		fprintf(out, "FNDA:%llu,%s\n",
			(unsigned long long)f->fn[i].calls, f->fn[i].name);
	fprintf(out, "FNF:%u\nFNH:%u\n", s.funcs.total, s.funcs.hit);
	for (size_t i = 0; i < f->nbr; i++) {
		const struct cov_branch *b = &f->br[i];

		if (b->taken == COV_NOT_RUN)
			fprintf(out, "BRDA:%u,%u,%u,-\n", b->line, b->block,
				b->branch);
		else
			fprintf(out, "BRDA:%u,%u,%u,%lld\n", b->line, b->block,
				b->branch, b->taken);
	}
	fprintf(out, "BRF:%u\nBRH:%u\n", s.branches.total, s.branches.hit);
	for (unsigned int l = 0; l < f->nlines; l++)
		if (f->has[l])
			fprintf(out, "DA:%u,%llu\n", l,
				(unsigned long long)f->count[l]);
	fprintf(out, "LF:%u\nLH:%u\nend_of_record\n", s.lines.total,
		s.lines.hit);
}

void cov_write_info(const struct cov *c, FILE *out, const char *prefix)
{
	for (size_t i = 0; i < c->nfiles; i++)
		cov_write_file_info(&c->files[i], out, prefix);
}

static int file_cmp(const void *a, const void *b)
{
	return strcmp(((const struct cov_file *)a)->path,
		      ((const struct cov_file *)b)->path);
}

static int func_cmp(const void *a, const void *b)
{
	const struct cov_func *x = a, *y = b;

	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	return strcmp(x->name, y->name);
}

void cov_sort(struct cov *c)
{
	if (c->nfiles)
		qsort(c->files, c->nfiles, sizeof(c->files[0]), file_cmp);
	for (size_t i = 0; i < c->nfiles; i++)
		if (c->files[i].nfn)
			qsort(c->files[i].fn, c->files[i].nfn,
			      sizeof(c->files[i].fn[0]), func_cmp);
}

int cov_func_of(const struct cov_file *f, unsigned int line)
{
	int found = -1;

	for (size_t i = 0; i < f->nfn && f->fn[i].line <= line; i++)
		found = i;
	return found;
}

static void count(struct cov_count *c, bool hit)
{
	c->total++;
	c->hit += hit;
}

/* Lines and branches in [first, last). */
static void range_sum(const struct cov_file *f, unsigned int first,
		      unsigned int last, struct cov_sum *s)
{
	for (unsigned int l = first; l < last && l < f->nlines; l++)
		if (f->has[l])
			count(&s->lines, f->count[l] > 0);
	for (size_t i = 0; i < f->nbr; i++)
		if (f->br[i].line >= first && f->br[i].line < last)
			count(&s->branches, f->br[i].taken > 0);
}

void cov_file_sum(const struct cov_file *f, struct cov_sum *s)
{
	memset(s, 0, sizeof(*s));
	range_sum(f, 0, ~0u, s);
	for (size_t i = 0; i < f->nfn; i++)
		count(&s->funcs, f->fn[i].calls > 0);
}

void cov_func_sum(const struct cov_file *f, int fi, struct cov_sum *s)
{
	unsigned int first = f->fn[fi].line, last = ~0u;

	memset(s, 0, sizeof(*s));
	/* Up to the next function starting on a later line. */
	for (size_t i = fi + 1; i < f->nfn; i++)
		if (f->fn[i].line > first) {
			last = f->fn[i].line;
			break;
		}
	range_sum(f, first, last, s);
	count(&s->funcs, f->fn[fi].calls > 0);
}

void cov_sum_add(struct cov_sum *a, const struct cov_sum *b)
{
	a->lines.hit += b->lines.hit;
	a->lines.total += b->lines.total;
	a->branches.hit += b->branches.hit;
	a->branches.total += b->branches.total;
	a->funcs.hit += b->funcs.hit;
	a->funcs.total += b->funcs.total;
}

double cov_pct(struct cov_count c)
{
	return c.total ? 100.0 * c.hit / c.total : 100.0;
}
