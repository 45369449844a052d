// SPDX-License-Identifier: GPL-2.0
/* Diff coverage: the lines a patch series changes, and whether they ran. */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cover_diff.h"
#include "cover_report.h"

struct hunk {
	unsigned int old_start, old_count, new_start, new_count;
	unsigned int *map;	/* map[i]: new number of old line start+i, 0: removed */
};

/* One file's part of one patch, before it is applied to the series. */
struct fpatch {
	char path[PATH_MAX];
	bool deleted;
	struct hunk *h;
	size_t nh, cap_h;
	struct cov_pline *add;	/* lines this patch adds (new numbering) */
	size_t nadd, cap_add;
};

void cover_series_init(struct cov_series *s)
{
	memset(s, 0, sizeof(*s));
}

static void pfile_free(struct cov_pfile *f)
{
	for (size_t i = 0; i < f->n; i++)
		free(f->l[i].text);
	free(f->l);
	free(f->path);
}

void cover_series_free(struct cov_series *s)
{
	for (size_t i = 0; i < s->nfiles; i++)
		pfile_free(&s->files[i]);
	for (int i = 0; i < s->npatches; i++)
		free(s->patches[i]);
	free(s->patches);
	free(s->files);
	free(s->path);
	memset(s, 0, sizeof(*s));
}

static void fpatch_reset(struct fpatch *fp)
{
	for (size_t i = 0; i < fp->nh; i++)
		free(fp->h[i].map);
	for (size_t i = 0; i < fp->nadd; i++)
		free(fp->add[i].text);
	free(fp->h);
	free(fp->add);
	memset(fp, 0, sizeof(*fp));
}

static struct cov_pfile *pfile_of(struct cov_series *s, const char *path)
{
	struct cov_pfile *f;

	for (size_t i = 0; i < s->nfiles; i++)
		if (!strcmp(s->files[i].path, path))
			return &s->files[i];
	if (cov_grow(&s->files, &s->cap, s->nfiles, sizeof(*f)))
		return NULL;
	f = &s->files[s->nfiles];
	memset(f, 0, sizeof(*f));
	if (!(f->path = strdup(path)))
		return NULL;
	s->nfiles++;
	return f;
}

static int push_line(struct cov_pline **l, size_t *n, size_t *cap,
		     struct cov_pline v)
{
	if (cov_grow(l, cap, *n, sizeof(v)))
		return -ENOMEM;
	(*l)[(*n)++] = v;
	return 0;
}

/* The new number of old line @line, 0 if the patch removes it. */
static unsigned int renumber(const struct fpatch *fp, unsigned int line)
{
	long delta = 0;

	for (size_t i = 0; i < fp->nh; i++) {
		const struct hunk *h = &fp->h[i];
		unsigned int end = h->old_count ? h->old_start + h->old_count :
						  h->old_start + 1;

		if (h->old_count && line >= h->old_start && line < end)
			return h->map[line - h->old_start];
		if (line >= end)
			delta += (long)h->new_count - (long)h->old_count;
	}
	return line + delta;
}

static int pline_cmp(const void *a, const void *b)
{
	const struct cov_pline *x = a, *y = b;

	return x->line < y->line ? -1 : x->line > y->line;
}

/* Apply one file's part of a patch to what the series changed so far. */
static int fpatch_apply(struct cov_series *s, struct fpatch *fp)
{
	struct cov_pfile *f = pfile_of(s, fp->path);
	size_t kept = 0;

	if (!f)
		return -ENOMEM;
	for (size_t i = 0; i < f->n; i++) {
		unsigned int n = fp->deleted ? 0 : renumber(fp, f->l[i].line);

		if (!n) {
			free(f->l[i].text);
			continue;
		}
		f->l[i].line = n;
		f->l[kept++] = f->l[i];
	}
	f->n = kept;
	for (size_t i = 0; i < fp->nadd && !fp->deleted; i++) {
		if (push_line(&f->l, &f->n, &f->cap, fp->add[i]))
			return -ENOMEM;
		fp->add[i].text = NULL;		/* now owned by the series */
	}
	if (f->n)
		qsort(f->l, f->n, sizeof(f->l[0]), pline_cmp);
	return 0;
}

/* "@@ -a[,b] +c[,d] @@" */
static bool hunk_header(const char *s, struct hunk *h)
{
	unsigned int a, b = 1, c, d = 1;
	int n = 0;

	if (sscanf(s, "@@ -%u,%u +%u,%u @@%n", &a, &b, &c, &d, &n) == 4 && n)
		goto ok;
	b = d = 1;
	if (sscanf(s, "@@ -%u +%u,%u @@%n", &a, &c, &d, &n) == 3 && n)
		goto ok;
	if (sscanf(s, "@@ -%u,%u +%u @@%n", &a, &b, &c, &n) == 3 && n)
		goto ok;
	if (sscanf(s, "@@ -%u +%u @@%n", &a, &c, &n) == 2 && n)
		goto ok;
	return false;
ok:
	*h = (struct hunk){ a, b, c, d, NULL };
	return true;
}

struct preader {
	FILE *f;
	const char *name;
	unsigned int lineno;
	char *buf;
	size_t cap;
	char *err;
	size_t len;
};

static int pbad(struct preader *p, const char *what)
{
	snprintf(p->err, p->len, "%s:%u: %s", p->name, p->lineno, what);
	return -1;
}

static ssize_t pnext(struct preader *p)
{
	ssize_t n = getline(&p->buf, &p->cap, p->f);

	if (n < 0)
		return n;
	p->lineno++;
	while (n > 0 && (p->buf[n - 1] == '\n' || p->buf[n - 1] == '\r'))
		p->buf[--n] = 0;
	return n;
}

/* The body of hunk @h, read by its line counts. */
static int read_hunk(struct preader *p, struct fpatch *fp, struct hunk *h,
		     const char *patch)
{
	unsigned int o = 0, n = 0;

	h->map = calloc(h->old_count ? h->old_count : 1, sizeof(*h->map));
	if (!h->map)
		return -ENOMEM;
	while (o < h->old_count || n < h->new_count) {
		char c;

		if (pnext(p) < 0)
			return pbad(p, "truncated hunk");
		c = p->buf[0];
		if (c == '\\')
			continue;	/* "\ No newline at end of file" */
		if (c == '+' && n < h->new_count) {
			struct cov_pline l = { h->new_start + n, NULL, patch };

			if (!(l.text = strdup(p->buf + 1)) ||
			    push_line(&fp->add, &fp->nadd, &fp->cap_add, l)) {
				free(l.text);
				return -ENOMEM;
			}
			n++;
		} else if (c == '-' && o < h->old_count) {
			h->map[o++] = 0;
		} else if ((c == ' ' || c == 0) && o < h->old_count &&
			   n < h->new_count) {
			h->map[o++] = h->new_start + n++;
		} else {
			return pbad(p, "hunk line does not fit the hunk's counts");
		}
	}
	return 0;
}

static int add_hunk(struct fpatch *fp, struct hunk *h)
{
	if (cov_grow(&fp->h, &fp->cap_h, fp->nh, sizeof(*h)))
		return -ENOMEM;
	fp->h[fp->nh++] = *h;
	return 0;
}

/* "+++ b/path" (or "/dev/null" for a file the patch deletes). */
static void target_path(const char *old, const char *new, struct fpatch *fp)
{
	const char *p = new;

	fp->deleted = !strncmp(new, "/dev/null", 9);
	if (fp->deleted)
		p = old;
	if (!strncmp(p, "a/", 2) || !strncmp(p, "b/", 2))
		p += 2;
	snprintf(fp->path, sizeof(fp->path), "%.*s", (int)strcspn(p, "\t"), p);
}

int cover_series_add(struct cov_series *s, FILE *f, const char *name,
		     char *err, size_t len)
{
	struct preader p = { f, name, 0, NULL, 0, err, len };
	struct fpatch fp = { 0 };
	char old[PATH_MAX] = "";
	const char *patch;
	bool in_file = false;
	int ret = 0, files = 0;
	char **pl = realloc(s->patches, (s->npatches + 1) * sizeof(*pl));

	if (!pl || !(pl[s->npatches] = strdup(name)))
		return -ENOMEM;
	s->patches = pl;
	patch = pl[s->npatches++];
	while (!ret && pnext(&p) >= 0) {
		struct hunk h;

		if (!strncmp(p.buf, "--- ", 4)) {
			snprintf(old, sizeof(old), "%s", p.buf + 4);
			continue;
		}
		if (!strncmp(p.buf, "+++ ", 4)) {
			if (in_file)
				ret = fpatch_apply(s, &fp);
			fpatch_reset(&fp);
			target_path(old, p.buf + 4, &fp);
			in_file = true;
			files++;
			continue;
		}
		if (strncmp(p.buf, "@@ ", 3))
			continue;	/* message, diffstat, git headers */
		if (!in_file)
			ret = pbad(&p, "hunk before any '+++' line");
		else if (!hunk_header(p.buf, &h))
			ret = pbad(&p, "bad hunk header");
		else if (add_hunk(&fp, &h))
			ret = -ENOMEM;
		else
			ret = read_hunk(&p, &fp, &fp.h[fp.nh - 1], patch);
	}
	if (!ret && in_file)
		ret = fpatch_apply(s, &fp);
	if (!ret && !files)
		ret = pbad(&p, "not a patch (no '+++' line)");
	fpatch_reset(&fp);
	free(p.buf);
	return ret;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int add_path(struct cov_series *s, const char *path, const char *name,
		    char *err, size_t len)
{
	FILE *f = fopen(path, "r");
	int ret;

	if (!f) {
		snprintf(err, len, "%s: cannot open: %s", path, strerror(errno));
		return -1;
	}
	ret = cover_series_add(s, f, name, err, len);
	fclose(f);
	return ret;
}

int cover_series_read(struct cov_series *s, const char *path, char *err,
		      size_t len)
{
	char **names = NULL, full[PATH_MAX + 256];
	struct dirent *de;
	struct stat st;
	size_t n = 0;
	int ret = 0;
	DIR *d;

	if (!(s->path = strdup(path)))
		return -ENOMEM;
	if (stat(path, &st)) {
		snprintf(err, len, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		const char *base = strrchr(path, '/');

		return add_path(s, path, base ? base + 1 : path, err, len);
	}
	if (!(d = opendir(path))) {
		snprintf(err, len, "%s: %s", path, strerror(errno));
		return -1;
	}
	while ((de = readdir(d))) {
		size_t l = strlen(de->d_name);
		char **x;

		if (l < 7 || strcmp(de->d_name + l - 6, ".patch"))
			continue;
		x = realloc(names, (n + 1) * sizeof(*x));
		if (!x || !(x[n] = strdup(de->d_name))) {
			names = x ? x : names;
			ret = -ENOMEM;
			break;
		}
		names = x;
		n++;
	}
	closedir(d);
	if (!ret && !n) {
		snprintf(err, len, "%s: no *.patch files in it", path);
		ret = -1;
	}
	if (n)
		qsort(names, n, sizeof(*names), name_cmp);
	for (size_t i = 0; !ret && i < n; i++) {
		snprintf(full, sizeof(full), "%s/%s", path, names[i]);
		ret = add_path(s, full, names[i], err, len);
	}
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return ret;
}

int cover_series_check(struct cov_series *s, const char *src, FILE *warn)
{
	char line[4096];
	int bad = 0;

	for (size_t i = 0; i < s->nfiles; i++) {
		struct cov_pfile *f = &s->files[i];

		for (size_t k = 0; k < f->n && !f->mismatch; k++) {
			cover_source_line(src, f->path, f->l[k].line, line,
					  sizeof(line));
			if (!strcmp(line, f->l[k].text))
				continue;
			f->mismatch = true;
			bad++;
			if (warn)
				fprintf(warn, "vfsim: --patches %s: %s: %s:%u is "
					"not the line the series adds: the "
					"runs' kernel (%s) was not built with "
					"this series; its lines are not judged\n",
					s->path, f->l[k].patch, f->path,
					f->l[k].line, src ? src : "no source");
		}
	}
	return bad;
}

/* ---- reports ---- */

static void file_sum(const struct cov_pfile *pf, const struct cov *c,
		     struct cov_diff_sum *d)
{
	const struct cov_file *f = cov_find(c, pf->path);

	memset(d, 0, sizeof(*d));
	d->changed = pf->n;
	for (size_t k = 0; f && !pf->mismatch && k < pf->n; k++) {
		unsigned int l = pf->l[k].line;

		if (l >= f->nlines || !f->has[l])
			continue;
		d->instrumented++;
		d->executed += f->count[l] > 0;
	}
}

void cover_series_sum(const struct cov_series *s, const struct cov *c,
		      struct cov_diff_sum *sum)
{
	struct cov_diff_sum d;

	memset(sum, 0, sizeof(*sum));
	for (size_t i = 0; i < s->nfiles; i++) {
		if (s->files[i].mismatch)
			continue;
		file_sum(&s->files[i], c, &d);
		sum->changed += d.changed;
		sum->instrumented += d.instrumented;
		sum->executed += d.executed;
	}
}

static const char *file_status(const struct cov_pfile *pf,
			       const struct cov *c)
{
	if (pf->mismatch)
		return "not in the runs' source";
	if (!pf->n)
		return "only removes lines";
	if (!cov_find(c, pf->path))
		return "no coverage data (header, not built, or not selected)";
	return NULL;
}

void cover_series_md(const struct cov_series *s, const struct cov *c,
		     FILE *out)
{
	struct cov_diff_sum d, total;
	bool any = false;

	fprintf(out, "\n## Lines the series changes (diff coverage)\n\n"
		"`%s`: %d patch%s, %zu file%s.\n\n"
		"| file | changed lines | instrumented | executed |\n"
		"| --- | ---: | ---: | ---: |\n", s->path, s->npatches,
		s->npatches == 1 ? "" : "es", s->nfiles,
		s->nfiles == 1 ? "" : "s");
	for (size_t i = 0; i < s->nfiles; i++) {
		const char *why = file_status(&s->files[i], c);

		file_sum(&s->files[i], c, &d);
		if (why)
			fprintf(out, "| `%s` | %u | - | %s |\n",
				s->files[i].path, d.changed, why);
		else
			fprintf(out, "| `%s` | %u | %u | %u (%.1f%%) |\n",
				s->files[i].path, d.changed, d.instrumented,
				d.executed, cov_pct((struct cov_count){
					d.executed, d.instrumented }));
	}
	cover_series_sum(s, c, &total);
	fprintf(out, "| **total** | %u | %u | %u (%.1f%%) |\n", total.changed,
		total.instrumented, total.executed,
		cov_pct((struct cov_count){ total.executed,
					    total.instrumented }));
	for (size_t i = 0; i < s->nfiles; i++) {
		const struct cov_pfile *pf = &s->files[i];
		const struct cov_file *f = cov_find(c, pf->path);

		for (size_t k = 0; f && !pf->mismatch && k < pf->n; k++) {
			unsigned int l = pf->l[k].line;

			if (l >= f->nlines || !f->has[l] || f->count[l])
				continue;
			if (!any)
				fputs("\nChanged lines no run executed:\n\n", out);
			any = true;
			fprintf(out, "    %s:%u (%s)  %s\n", pf->path, l,
				pf->l[k].patch, pf->l[k].text);
		}
	}
}

void cover_series_json(const struct cov_series *s, const struct cov *c,
		       FILE *out)
{
	struct cov_diff_sum d;

	fputs(",\"patches\":{\"series\":", out);
	cover_json_str(out, s->path);
	fprintf(out, ",\"patches\":%d", s->npatches);
	cover_series_sum(s, c, &d);
	fprintf(out, ",\"total\":{\"changed\":%u,\"instrumented\":%u,"
		"\"executed\":%u},\"files\":[", d.changed, d.instrumented,
		d.executed);
	for (size_t i = 0; i < s->nfiles; i++) {
		const struct cov_pfile *pf = &s->files[i];
		const struct cov_file *f = cov_find(c, pf->path);
		const char *why = file_status(pf, c);
		bool first = true;

		file_sum(pf, c, &d);
		fprintf(out, "%s{\"path\":", i ? "," : "");
		cover_json_str(out, pf->path);
		fprintf(out, ",\"changed\":%u,\"instrumented\":%u,"
			"\"executed\":%u,\"problem\":", d.changed,
			d.instrumented, d.executed);
		cover_json_str(out, why);
		fputs(",\"not_executed\":[", out);
		for (size_t k = 0; f && !pf->mismatch && k < pf->n; k++) {
			unsigned int l = pf->l[k].line;

			if (l >= f->nlines || !f->has[l] || f->count[l])
				continue;
			fprintf(out, "%s%u", first ? "" : ",", l);
			first = false;
		}
		fputs("]}", out);
	}
	fputs("]}", out);
}
