// SPDX-License-Identifier: GPL-2.0
/*
 * `vfsim cover`: merge the coverage data of runs and report it
 * (doc/coverage.md).  The tools it uses are lcov's: geninfo to read gcov
 * data, genhtml for the HTML report.
 */
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cover.h"
#include "cover_capture.h"
#include "cover_cmd.h"
#include "cover_diff.h"
#include "cover_report.h"

#define MAX_GLOBS 64

const char cover_usage[] =
"usage: vfsim cover [OPTIONS] RUN_DIR... [--diff RUN_DIR...]\n"
"\n"
"Merge the gcov data of runs made on a KPROFILE=cover kernel and report,\n"
"for the chosen source files, lines, branches and functions hit/total per\n"
"file and per function, and the source of every line no run executed.\n"
"Prints the summary table; writes coverage.md, coverage.json,\n"
"coverage.info (lcov) and html/ (genhtml) into --out.\n"
"\n"
"  --files GLOB    source files to report on, fnmatch(3) on the tree path\n"
"                  ('*' crosses '/'); repeatable.  Default: the drivers\n"
"                  under test (doc/coverage.md)\n"
"  --patches PATH  diff coverage of a patch series (a directory of\n"
"                  format-patch files, or one .patch), as given to\n"
"                  KPATCHES: which changed lines the runs executed\n"
"  --out DIR       where the files go (default: build/coverage)\n"
"  --diff ...      the runs after it are compared with the runs before\n"
"                  it: lines, branches and functions only they executed\n"
"  -j N            read N runs at once (default: the number of CPUs)\n"
"  --no-html       skip the HTML report\n"
"  --full          print the whole coverage.md, not just the summary\n"
"\n"
"Exit status: 0 a report was made, 2 no run had usable data or bad usage.\n";

/* The drivers under test, and the code between them and the bus. */
static const char *const default_globs[] = {
	"drivers/vfio/pci/virtio/*.c",
	"drivers/virtio/virtio_pci_modern.c",
	"drivers/virtio/virtio_pci_common.c",
	"drivers/virtio/virtio_pci_admin_legacy_io.c",
	"drivers/pci/iov.c",
	"drivers/vfio/pci/vfio_pci_core.c",
	"drivers/vfio/vfio_main.c",
	"arch/um/drivers/virtio_pcidev.c",
};

struct cover_args {
	const char *globs[MAX_GLOBS + 16];
	int nglobs;
	const char *patches;
	const char *out;
	char **runs;		/* before --diff */
	int nruns;
	char **after;		/* after --diff */
	int nafter;
	unsigned int jobs;
	bool html, full;
};

/* One set of runs, merged. */
struct runset {
	struct cov cov;
	int runs, with_data;
	struct cover_runinfo first;	/* of the first run with data */
};

static int usage_error(const char *what, const char *arg)
{
	fprintf(stderr, "vfsim: error: %s%s%s\nvfsim: see 'vfsim help cover'\n",
		what, arg ? ": " : "", arg ? arg : "");
	return 2;
}

static int parse_args(int argc, char **argv, struct cover_args *a)
{
	bool diff = false;

	a->runs = calloc(argc, sizeof(char *));
	a->after = calloc(argc, sizeof(char *));
	if (!a->runs || !a->after)
		return usage_error("out of memory", NULL);
	a->html = true;
	a->jobs = sysconf(_SC_NPROCESSORS_ONLN) > 0 ?
		  sysconf(_SC_NPROCESSORS_ONLN) : 1;
	for (int i = 1; i < argc; i++) {
		const char *s = argv[i];
		bool value = !strcmp(s, "--files") || !strcmp(s, "--patches") ||
			     !strcmp(s, "--out") || !strcmp(s, "-j");

		if (value && i + 1 >= argc)
			return usage_error("option needs a value", s);
		if (!strcmp(s, "--files")) {
			if (a->nglobs == MAX_GLOBS)
				return usage_error("too many --files", argv[i + 1]);
			a->globs[a->nglobs++] = argv[++i];
		} else if (!strcmp(s, "--patches")) {
			a->patches = argv[++i];
		} else if (!strcmp(s, "--out")) {
			a->out = argv[++i];
		} else if (!strcmp(s, "-j")) {
			char *end;

			a->jobs = strtoul(argv[++i], &end, 10);
			if (*end || !a->jobs || a->jobs > 64)
				return usage_error("-j wants 1..64", argv[i]);
		} else if (!strcmp(s, "--diff")) {
			diff = true;
		} else if (!strcmp(s, "--no-html")) {
			a->html = false;
		} else if (!strcmp(s, "--full")) {
			a->full = true;
		} else if (s[0] == '-') {
			return usage_error("unknown option", s);
		} else if (diff) {
			a->after[a->nafter++] = argv[i];
		} else {
			a->runs[a->nruns++] = argv[i];
		}
	}
	if (!a->nruns)
		return usage_error("no RUN_DIR given", NULL);
	if (diff && !a->nafter)
		return usage_error("--diff needs run directories after it", NULL);
	if (!a->nglobs)
		for (size_t i = 0; i < sizeof(default_globs) / sizeof(*default_globs); i++)
			a->globs[a->nglobs++] = default_globs[i];
	return 0;
}

/* Capture the runs, @jobs at a time, each in a child process. */
static void capture_all(char **runs, int n, const struct cover_sel *sel,
			unsigned int jobs)
{
	unsigned int running = 0;
	int next = 0;

	fflush(NULL);
	while (next < n || running) {
		pid_t pid;

		while (next < n && running < jobs) {
			pid = fork();
			if (pid == 0) {
				char err[PATH_MAX + 256];
				int r = cover_run_capture(runs[next], sel, stderr,
							  err, sizeof(err));

				/* "no data" is said once, when reading. */
				if (r < 0)
					fprintf(stderr, "vfsim: %s\n", err);
				fflush(NULL);
				_exit(0);
			}
			if (pid < 0)
				break;
			next++;
			running++;
		}
		if (!running)
			break;
		if (wait(NULL) > 0)
			running--;
	}
}

static int read_set(struct runset *rs, char **runs, int n,
		    const struct cover_sel *sel, unsigned int jobs)
{
	char err[PATH_MAX + 256];

	cov_init(&rs->cov);
	rs->runs = n;
	capture_all(runs, n, sel, jobs);
	for (int i = 0; i < n; i++) {
		struct cover_runinfo ri;

		if (cover_run_info(runs[i], &ri, err, sizeof(err))) {
			fprintf(stderr, "vfsim: %s\n", err);
			continue;
		}
		if (rs->with_data && strcmp(ri.kernel, rs->first.kernel)) {
			fprintf(stderr, "vfsim: %s: from another kernel (%s) than "
				"%s: left out\n", runs[i], ri.kernel,
				rs->first.kernel);
			continue;
		}
		if (cover_run_read(&rs->cov, runs[i], sel, &ri, stderr, err,
				   sizeof(err))) {
			fprintf(stderr, "vfsim: %s\n", err);
			continue;
		}
		if (!rs->with_data++)
			rs->first = ri;
	}
	cov_sort(&rs->cov);
	return rs->with_data ? 0 : -1;
}

/* ---- --diff: what the second set of runs adds ---- */

struct added {
	const struct cov *a, *b;
};

static unsigned int added_lines(const struct cov_file *fa,
				const struct cov_file *fb, FILE *list)
{
	unsigned int n = 0;

	for (unsigned int l = 0; l < fb->nlines; l++) {
		bool before = fa && l < fa->nlines && fa->count[l];

		if (!fb->has[l] || !fb->count[l] || before)
			continue;
		if (list)
			fprintf(list, "%s%u", n ? "," : "", l);
		n++;
	}
	return n;
}

static unsigned int added_branches(const struct cov_file *fa,
				   const struct cov_file *fb)
{
	unsigned int n = 0;

	for (size_t i = 0; i < fb->nbr; i++) {
		const struct cov_branch *b = &fb->br[i];
		bool before = false;

		for (size_t k = 0; fa && k < fa->nbr && !before; k++)
			before = fa->br[k].line == b->line &&
				 fa->br[k].block == b->block &&
				 fa->br[k].branch == b->branch &&
				 fa->br[k].taken > 0;
		n += b->taken > 0 && !before;
	}
	return n;
}

static void diff_funcs(const struct cov_file *fa, const struct cov_file *fb,
		       FILE *out, bool json)
{
	bool first = true;

	for (size_t i = 0; i < fb->nfn; i++) {
		bool before = false;

		if (!fb->fn[i].calls)
			continue;
		for (size_t k = 0; fa && k < fa->nfn && !before; k++)
			before = !strcmp(fa->fn[k].name, fb->fn[i].name) &&
				 fa->fn[k].calls;
		if (before)
			continue;
		if (json) {
			fputs(first ? "" : ",", out);
			cover_json_str(out, fb->fn[i].name);
		} else {
			fprintf(out, "%s`%s`", first ? "" : ", ", fb->fn[i].name);
		}
		first = false;
	}
}

static void diff_md(const struct added *d, FILE *out)
{
	fputs("\n## What the runs after --diff add\n\n"
	      "| file | new lines | new branches | newly called functions |\n"
	      "| --- | ---: | ---: | --- |\n", out);
	for (size_t i = 0; i < d->b->nfiles; i++) {
		const struct cov_file *fb = &d->b->files[i];
		const struct cov_file *fa = cov_find(d->a, fb->path);

		fprintf(out, "| `%s` | %u | %u | ", fb->path,
			added_lines(fa, fb, NULL), added_branches(fa, fb));
		diff_funcs(fa, fb, out, false);
		fputs(" |\n", out);
	}
}

static void diff_json(void *ctx, FILE *out)
{
	const struct added *d = ctx;

	fputs(",\"diff\":{\"files\":[", out);
	for (size_t i = 0; i < d->b->nfiles; i++) {
		const struct cov_file *fb = &d->b->files[i];
		const struct cov_file *fa = cov_find(d->a, fb->path);

		fprintf(out, "%s{\"path\":", i ? "," : "");
		cover_json_str(out, fb->path);
		fprintf(out, ",\"new_branches\":%u,\"new_lines\":[",
			added_branches(fa, fb));
		added_lines(fa, fb, out);
		fputs("],\"new_functions\":[", out);
		diff_funcs(fa, fb, out, true);
		fputs("]}", out);
	}
	fputs("]}", out);
}

/* ---- outputs ---- */

struct extras {
	struct added *diff;
	struct cov_series *series;
	const struct cov *cov;
};

static void json_extras(void *ctx, FILE *out)
{
	struct extras *x = ctx;

	if (x->series)
		cover_series_json(x->series, x->cov, out);
	if (x->diff)
		diff_json(x->diff, out);
}

static FILE *open_out(const char *dir, const char *name, char *path,
		      size_t len)
{
	FILE *f;

	snprintf(path, len, "%s/%s", dir, name);
	f = fopen(path, "w");
	if (!f)
		fprintf(stderr, "vfsim: cannot write %s: %s\n", path,
			strerror(errno));
	return f;
}

static void write_html(const char *dir, const char *info, const char *title)
{
	char html[PATH_MAX + 8], log[PATH_MAX + 16];
	pid_t pid;
	int st = 0;

	snprintf(html, sizeof(html), "%s/html", dir);
	snprintf(log, sizeof(log), "%s/genhtml.log", dir);
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		if (!freopen(log, "w", stdout) || dup2(1, 2) < 0)
			_exit(127);
		execlp("genhtml", "genhtml", "--quiet", "--branch-coverage",
		       "--function-coverage", "--legend", "--title", title,
		       "--output-directory", html, info, (char *)NULL);
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &st, 0) < 0 || !WIFEXITED(st) ||
	    WEXITSTATUS(st))
		fprintf(stderr, "vfsim: genhtml failed (is lcov installed? make "
			"deps); see %s\n", log);
}

static int write_outputs(const struct cover_args *a, const struct cov *c,
			 const struct cover_meta *m, struct extras *x)
{
	char path[PATH_MAX + 32], info[PATH_MAX + 32];
	FILE *f;

	if (mkdir(a->out, 0755) && errno != EEXIST) {
		fprintf(stderr, "vfsim: error: cannot create %s: %s\n", a->out,
			strerror(errno));
		return 2;
	}
	if ((f = open_out(a->out, "coverage.md", path, sizeof(path)))) {
		cover_md(c, m, f);
		if (x->series)
			cover_series_md(x->series, c, f);
		if (x->diff)
			diff_md(x->diff, f);
		fclose(f);
	}
	if ((f = open_out(a->out, "coverage.json", path, sizeof(path)))) {
		cover_json(c, m, f, json_extras, x);
		fputc('\n', f);
		fclose(f);
	}
	if ((f = open_out(a->out, "coverage.info", info, sizeof(info)))) {
		cov_write_info(c, f, m->src);
		fclose(f);
	}
	if (a->html && c->nfiles)
		write_html(a->out, info, "vfsim: coverage of the drivers under test");
	return 0;
}

static void default_out(char *buf, size_t len)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	exe[n > 0 ? n : 0] = 0;
	snprintf(buf, len, "%s/../coverage", dirname(exe));
}

/* Adds the .c files a series touches to the selection. */
static void select_series(struct cover_args *a, const struct cov_series *s)
{
	for (size_t i = 0; i < s->nfiles && a->nglobs < MAX_GLOBS + 16; i++) {
		size_t l = strlen(s->files[i].path);

		if (l > 2 && !strcmp(s->files[i].path + l - 2, ".c"))
			a->globs[a->nglobs++] = s->files[i].path;
	}
}

static int load_series(struct cover_args *a, struct cov_series *s)
{
	char err[PATH_MAX + 256];

	cover_series_init(s);
	if (!a->patches)
		return 0;
	if (cover_series_read(s, a->patches, err, sizeof(err))) {
		fprintf(stderr, "vfsim: --patches: %s; no diff coverage\n", err);
		cover_series_free(s);
		a->patches = NULL;
		return 0;
	}
	select_series(a, s);
	return 0;
}

static void print_result(const struct cover_args *a, const struct cov *c,
			 const struct cover_meta *m, struct extras *x)
{
	struct cov_diff_sum d;

	if (a->full) {
		cover_md(c, m, stdout);
		if (x->series)
			cover_series_md(x->series, c, stdout);
		if (x->diff)
			diff_md(x->diff, stdout);
	} else {
		cover_md_summary(c, stdout);
	}
	if (x->series) {
		cover_series_sum(x->series, c, &d);
		printf("\ndiff coverage of %s: %u of %u instrumented changed "
		       "lines executed (%.1f%%; %u lines changed)\n",
		       x->series->path, d.executed, d.instrumented,
		       cov_pct((struct cov_count){ d.executed, d.instrumented }),
		       d.changed);
	}
	printf("\nvfsim: %d of %d runs had coverage data; report in %s "
	       "(coverage.md, coverage.json%s)\n", m->runs_with_data, m->runs,
	       a->out, a->html && c->nfiles ? ", html/index.html" : "");
}

int cover_main(int argc, char **argv)
{
	static struct cover_args a;
	static char out[PATH_MAX];
	struct runset before, after;
	struct cov_series series;
	struct cover_sel sel;
	struct added diff;
	struct extras x = { 0 };
	struct cover_meta m;
	char err[256];
	int ret;

	if (argc == 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
		fputs(cover_usage, stdout);
		return 0;
	}
	memset(&a, 0, sizeof(a));
	if ((ret = parse_args(argc, argv, &a)))
		return ret;
	if (!a.out) {
		default_out(out, sizeof(out));
		a.out = out;
	}
	if (cover_tools_check(err, sizeof(err)))
		return usage_error(err, NULL);
	load_series(&a, &series);
	sel = (struct cover_sel){ a.globs, a.nglobs };
	if (read_set(&before, a.runs, a.nruns, &sel, a.jobs)) {
		if (a.nruns == 1)
			fprintf(stderr, "vfsim: error: the run had no coverage "
				"data for the selected files\n");
		else
			fprintf(stderr, "vfsim: error: none of the %d runs had "
				"coverage data for the selected files\n", a.nruns);
		cov_free(&before.cov);
		cover_series_free(&series);
		return 2;
	}
	m = (struct cover_meta){ before.runs, before.with_data,
				 before.first.kernel, before.first.src };
	x.cov = &before.cov;
	if (a.patches) {
		cover_series_check(&series, m.src, stderr);
		x.series = &series;
	}
	if (a.nafter) {
		if (read_set(&after, a.after, a.nafter, &sel, a.jobs))
			fprintf(stderr, "vfsim: the runs after --diff had no "
				"coverage data: they add nothing\n");
		diff = (struct added){ &before.cov, &after.cov };
		x.diff = &diff;
	}
	ret = write_outputs(&a, &before.cov, &m, &x);
	if (!ret)
		print_result(&a, &before.cov, &m, &x);
	if (a.nafter)
		cov_free(&after.cov);
	cov_free(&before.cov);
	cover_series_free(&series);
	free(a.runs);
	free(a.after);
	return ret;
}
