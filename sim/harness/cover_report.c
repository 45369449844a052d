// SPDX-License-Identifier: GPL-2.0
/* Coverage reports: Markdown tables, uncovered source, JSON. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "cover_report.h"

/* Source lines shown of one uncovered range before "..." */
#define MAX_SHOWN 12

/* ---- source lines: the last file read stays loaded ---- */

static struct {
	char path[PATH_MAX];
	char *data;
	size_t *off;		/* off[n - 1]: where line n starts */
	unsigned int nlines;
} srcf;

static void source_load(const char *src, const char *path)
{
	char full[PATH_MAX];
	FILE *f;
	long size;

	snprintf(full, sizeof(full), "%s/%s", src ? src : "", path);
	if (!strcmp(full, srcf.path))
		return;
	free(srcf.data);
	free(srcf.off);
	memset(&srcf, 0, sizeof(srcf));
	snprintf(srcf.path, sizeof(srcf.path), "%s", full);
	f = src ? fopen(full, "r") : NULL;
	if (!f)
		return;
	if (fseek(f, 0, SEEK_END) || (size = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) || !(srcf.data = malloc(size + 1)) ||
	    fread(srcf.data, 1, size, f) != (size_t)size) {
		fclose(f);
		free(srcf.data);
		srcf.data = NULL;
		return;
	}
	fclose(f);
	srcf.data[size] = 0;
	srcf.off = malloc((size + 2) * sizeof(*srcf.off));
	if (!srcf.off)
		return;
	srcf.off[srcf.nlines++] = 0;
	for (long i = 0; i < size; i++)
		if (srcf.data[i] == '\n' && i + 1 < size)
			srcf.off[srcf.nlines++] = i + 1;
}

void cover_source_line(const char *src, const char *path, unsigned int n,
		       char *buf, size_t len)
{
	const char *s;
	size_t k = 0;

	buf[0] = 0;
	source_load(src, path);
	if (!srcf.off || !n || n > srcf.nlines)
		return;
	s = srcf.data + srcf.off[n - 1];
	while (s[k] && s[k] != '\n' && k + 1 < len) {
		buf[k] = s[k];
		k++;
	}
	buf[k] = 0;
}

static bool source_known(const char *src, const char *path)
{
	source_load(src, path);
	return srcf.off != NULL;
}

/* ---- ranges ---- */

int cover_uncovered(const struct cov_file *f, int fi, struct cov_range *r,
		    int max)
{
	unsigned int first = fi >= 0 ? f->fn[fi].line : 0, last = f->nlines;
	int n = 0;
	bool open = false;

	for (size_t i = fi + 1; fi >= 0 && i < f->nfn; i++)
		if (f->fn[i].line > first) {
			last = f->fn[i].line;
			break;
		}
	if (fi < 0 && f->nfn)
		last = f->fn[0].line;
	for (unsigned int l = first; l < last && l < f->nlines; l++) {
		if (!f->has[l])
			continue;
		if (f->count[l]) {
			open = false;
			continue;
		}
		if (!open) {
			if (n < max)
				r[n] = (struct cov_range){ l, l, 0 };
			n++;
			open = true;
		}
		if (n <= max) {
			r[n - 1].last = l;
			r[n - 1].lines++;
		}
	}
	return n;
}

/* ---- Markdown ---- */

static const char *base_name(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? s + 1 : path;
}

static void md_count(FILE *out, struct cov_count c)
{
	if (!c.total)
		fprintf(out, " - |");
	else
		fprintf(out, " %u/%u (%.1f%%) |", c.hit, c.total, cov_pct(c));
}

static void md_row(FILE *out, const char *name, const struct cov_sum *s,
		   bool bold)
{
	fprintf(out, bold ? "| **%s** |" : "| `%s` |", name);
	md_count(out, s->lines);
	md_count(out, s->branches);
	md_count(out, s->funcs);
	fputc('\n', out);
}

void cover_md_summary(const struct cov *c, FILE *out)
{
	struct cov_sum total = { 0 }, s;

	fprintf(out, "| file | lines | branches | functions |\n"
		     "| --- | ---: | ---: | ---: |\n");
	for (size_t i = 0; i < c->nfiles; i++) {
		cov_file_sum(&c->files[i], &s);
		md_row(out, c->files[i].path, &s, false);
		cov_sum_add(&total, &s);
	}
	md_row(out, "total", &total, true);
}

static void md_functions(const struct cov_file *f, FILE *out)
{
	struct cov_sum s;

	fprintf(out, "\n| function | line | calls | lines | branches |\n"
		     "| --- | ---: | ---: | ---: | ---: |\n");
	for (size_t i = 0; i < f->nfn; i++) {
		cov_func_sum(f, i, &s);
		fprintf(out, "| `%s` | %u | %llu |", f->fn[i].name,
			f->fn[i].line, (unsigned long long)f->fn[i].calls);
		md_count(out, s.lines);
		md_count(out, s.branches);
		fputc('\n', out);
	}
}

/* Source of one range; '!' marks the instrumented lines that never ran. */
static void md_range_source(const struct cov_file *f, const char *src,
			    const struct cov_range *r, FILE *out)
{
	char line[512];
	unsigned int shown = 0;

	for (unsigned int l = r->first; l <= r->last; l++) {
		if (shown++ == MAX_SHOWN) {
			fprintf(out, "        ...    (to line %u)\n", r->last);
			break;
		}
		cover_source_line(src, f->path, l, line, sizeof(line));
		fprintf(out, "    %c %5u  %s\n",
			l < f->nlines && f->has[l] && !f->count[l] ? '!' : ' ',
			l, line);
	}
}

static void md_range_list(FILE *out, const struct cov_range *r, int n)
{
	for (int i = 0; i < n; i++) {
		if (r[i].first == r[i].last)
			fprintf(out, "%s%u", i ? ", " : "", r[i].first);
		else
			fprintf(out, "%s%u-%u", i ? ", " : "", r[i].first,
				r[i].last);
	}
}

static void md_uncovered_func(const struct cov_file *f, int fi,
			      const struct cover_meta *m, FILE *out)
{
	struct cov_range r[256];
	struct cov_sum s;
	int n = cover_uncovered(f, fi, r, 256);
	unsigned int missed = 0;

	if (!n)
		return;
	if (n > 256)
		n = 256;
	for (int i = 0; i < n; i++)
		missed += r[i].lines;
	if (fi >= 0) {
		cov_func_sum(f, fi, &s);
		fprintf(out, "\n`%s()`, %s:%u: %u of %u lines never ran%s: ",
			f->fn[fi].name, base_name(f->path), f->fn[fi].line,
			missed, s.lines.total,
			f->fn[fi].calls ? "" : " (never called)");
	} else {
		fprintf(out, "\nbefore the first function, %s: ",
			base_name(f->path));
	}
	md_range_list(out, r, n);
	fputs("\n\n", out);
	if (!source_known(m->src, f->path))
		return;
	for (int i = 0; i < n; i++) {
		if (i)
			fputs("\n", out);
		md_range_source(f, m->src, &r[i], out);
	}
}

void cover_md(const struct cov *c, const struct cover_meta *m, FILE *out)
{
	fprintf(out, "# Coverage\n\n%d run%s", m->runs_with_data,
		m->runs_with_data == 1 ? "" : "s");
	if (m->runs != m->runs_with_data)
		fprintf(out, " (%d more without coverage data)",
			m->runs - m->runs_with_data);
	if (m->kernel)
		fprintf(out, " of `%s`", m->kernel);
	fputs(".\n\n", out);
	cover_md_summary(c, out);
	for (size_t i = 0; i < c->nfiles; i++) {
		const struct cov_file *f = &c->files[i];

		fprintf(out, "\n## %s\n", f->path);
		md_functions(f, out);
		fprintf(out, "\n### Never executed (`!`)%s\n",
			source_known(m->src, f->path) ? "" :
			" (source not found)");
		for (int fi = -1; fi < (int)f->nfn; fi++)
			md_uncovered_func(f, fi, m, out);
	}
}

/* ---- JSON ---- */

void cover_json_str(FILE *out, const char *s)
{
	if (!s) {
		fputs("null", out);
		return;
	}
	fputc('"', out);
	for (; *s; s++) {
		unsigned char ch = *s;

		if (ch == '"' || ch == '\\')
			fprintf(out, "\\%c", ch);
		else if (ch < 0x20)
			fprintf(out, "\\u%04x", ch);
		else
			fputc(ch, out);
	}
	fputc('"', out);
}

static void json_count(FILE *out, const char *key, struct cov_count c)
{
	fprintf(out, "\"%s\":{\"hit\":%u,\"total\":%u}", key, c.hit, c.total);
}

static void json_sum(FILE *out, const struct cov_sum *s)
{
	json_count(out, "lines", s->lines);
	fputc(',', out);
	json_count(out, "branches", s->branches);
	fputc(',', out);
	json_count(out, "functions", s->funcs);
}

static void json_ranges(FILE *out, const struct cov_file *f, int fi)
{
	struct cov_range r[512];
	int n = cover_uncovered(f, fi, r, 512);

	fputs("\"uncovered\":[", out);
	for (int i = 0; i < n && i < 512; i++)
		fprintf(out, "%s[%u,%u]", i ? "," : "", r[i].first, r[i].last);
	fputc(']', out);
}

static void json_file(FILE *out, const struct cov_file *f)
{
	struct cov_sum s;

	cov_file_sum(f, &s);
	fputs("{\"path\":", out);
	cover_json_str(out, f->path);
	fputc(',', out);
	json_sum(out, &s);
	fputs(",\"function_list\":[", out);
	for (size_t i = 0; i < f->nfn; i++) {
		cov_func_sum(f, i, &s);
		fprintf(out, "%s{\"name\":", i ? "," : "");
		cover_json_str(out, f->fn[i].name);
		fprintf(out, ",\"line\":%u,\"calls\":%llu,", f->fn[i].line,
			(unsigned long long)f->fn[i].calls);
		json_count(out, "lines", s.lines);
		fputc(',', out);
		json_count(out, "branches", s.branches);
		fputc(',', out);
		json_ranges(out, f, i);
		fputc('}', out);
	}
	fputs("]}", out);
}

void cover_json(const struct cov *c, const struct cover_meta *m, FILE *out,
		void (*extra)(void *ctx, FILE *out), void *ctx)
{
	struct cov_sum total = { 0 }, s;

	for (size_t i = 0; i < c->nfiles; i++) {
		cov_file_sum(&c->files[i], &s);
		cov_sum_add(&total, &s);
	}
	fprintf(out, "{\"format\":\"vfsim-coverage-1\",\"runs\":%d,"
		"\"runs_with_data\":%d,\"kernel\":", m->runs,
		m->runs_with_data);
	cover_json_str(out, m->kernel);
	fputs(",\"source\":", out);
	cover_json_str(out, m->src);
	fputs(",\"total\":{", out);
	json_sum(out, &total);
	fputs("},\"files\":[", out);
	for (size_t i = 0; i < c->nfiles; i++) {
		if (i)
			fputc(',', out);
		json_file(out, &c->files[i]);
	}
	fputc(']', out);
	if (extra)
		extra(ctx, out);
	fputc('}', out);
}
