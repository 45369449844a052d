// SPDX-License-Identifier: GPL-2.0
/*
 * Coverage: lcov tracefiles captured from two real runs on the cover
 * kernel (tests/unit/data/cover/: a migration (STOP_COPY, RESUMING), and the same
 * with DEV_PARTS_GET failing once), merged, summed and reported; whole,
 * truncated, damaged and missing.  Diff coverage of patch series that
 * renumber each other's lines.  The .gcda check on files made here.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sim/harness/cover.h"
#include "sim/harness/cover_diff.h"
#include "sim/harness/cover_gcda.h"
#include "sim/harness/cover_report.h"

#define DATA "tests/unit/data/cover"
#define MIG "drivers/vfio/pci/virtio/migrate.c"
#define MAIN "drivers/vfio/pci/virtio/main.c"

/* The captures name their files relative to the kernel tree. */
#define TREE NULL

static void read_ok(struct cov *c, const char *name)
{
	char path[256], err[512] = "";

	snprintf(path, sizeof(path), DATA "/%s", name);
	ck_assert_msg(!cov_read_info_path(c, path, TREE, err, sizeof(err)),
		      "%s", err);
}

static unsigned int hits(const struct cov_file *f)
{
	struct cov_sum s;

	cov_file_sum(f, &s);
	return s.lines.hit;
}

static int func_index(const struct cov_file *f, const char *name)
{
	for (size_t i = 0; i < f->nfn; i++)
		if (!strcmp(f->fn[i].name, name))
			return i;
	return -1;
}

START_TEST(test_capture_read)
{
	struct cov c;
	struct cov_file *f;
	struct cov_sum s;
	int fi;

	cov_init(&c);
	read_ok(&c, "migration.info");
	f = cov_find(&c, MIG);
	ck_assert_ptr_nonnull(f);
	ck_assert_ptr_nonnull(cov_find(&c, MAIN));
	cov_sort(&c);
	f = cov_find(&c, MIG);
	cov_file_sum(f, &s);
	ck_assert_uint_gt(s.lines.total, 400);
	ck_assert_uint_gt(s.lines.hit, s.lines.total / 2);
	ck_assert_uint_lt(s.lines.hit, s.lines.total);
	ck_assert_uint_gt(s.branches.total, 100);
	fi = func_index(f, "virtiovf_pci_save_device_data");
	ck_assert_int_ge(fi, 0);
	ck_assert_uint_gt(f->fn[fi].calls, 0);
	/* Every line belongs to the function it is in. */
	ck_assert_int_eq(cov_func_of(f, f->fn[fi].line), fi);
	ck_assert_int_eq(cov_func_of(f, f->fn[fi].line - 1), fi - 1);
	cov_free(&c);
}
END_TEST

/* Merging adds counts: never fewer hits, the union of hit lines. */
START_TEST(test_merge_two_runs)
{
	struct cov a, b, m;
	struct cov_file *fa, *fb, *fm;
	unsigned int only_b = 0;

	cov_init(&a);
	cov_init(&b);
	cov_init(&m);
	read_ok(&a, "migration.info");
	read_ok(&b, "parts-get-fail.info");
	ck_assert(!cov_merge(&m, &a));
	ck_assert(!cov_merge(&m, &b));
	fa = cov_find(&a, MIG);
	fb = cov_find(&b, MIG);
	fm = cov_find(&m, MIG);
	for (unsigned int l = 0; l < fm->nlines; l++) {
		uint64_t ca = l < fa->nlines && fa->has[l] ? fa->count[l] : 0;
		uint64_t cb = l < fb->nlines && fb->has[l] ? fb->count[l] : 0;

		if (!fm->has[l])
			continue;
		ck_assert_uint_eq(fm->count[l], ca + cb);
		only_b += cb && !ca;
	}
	/* The failed DEV_PARTS_GET runs an error path the other run does not. */
	ck_assert_uint_gt(only_b, 0);
	ck_assert_uint_gt(hits(fm), hits(fa));
	ck_assert_uint_ge(hits(fm), hits(fb));
	/* Merging in the other order gives the same. */
	cov_free(&m);
	cov_init(&m);
	ck_assert(!cov_merge(&m, &b));
	ck_assert(!cov_merge(&m, &a));
	ck_assert_uint_eq(hits(cov_find(&m, MIG)), hits(fm = cov_find(&m, MIG)));
	cov_free(&a);
	cov_free(&b);
	cov_free(&m);
}
END_TEST

/* Writing and reading back gives the same model. */
START_TEST(test_write_read_roundtrip)
{
	struct cov a, b;
	char *buf = NULL, err[256];
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct cov_sum sa, sb;

	cov_init(&a);
	cov_init(&b);
	read_ok(&a, "migration.info");
	cov_write_info(&a, f, "/x");
	fclose(f);
	f = fmemopen(buf, len, "r");
	ck_assert_msg(!cov_read_info(&b, f, "mem", "/x", err, sizeof(err)),
		      "%s", err);
	fclose(f);
	cov_file_sum(cov_find(&a, MIG), &sa);
	cov_file_sum(cov_find(&b, MIG), &sb);
	ck_assert_mem_eq(&sa, &sb, sizeof(sa));
	ck_assert_uint_eq(cov_find(&a, MIG)->nbr, cov_find(&b, MIG)->nbr);
	free(buf);
	cov_free(&a);
	cov_free(&b);
}
END_TEST

/* A truncated capture keeps its complete records and says what is cut. */
START_TEST(test_truncated)
{
	char path[] = "/tmp/vfsim-cover-XXXXXX", err[512] = "", *data;
	struct cov c;
	struct stat st;
	FILE *in, *out;
	int fd = mkstemp(path);

	ck_assert_int_ge(fd, 0);
	ck_assert(!stat(DATA "/migration.info", &st));
	data = malloc(st.st_size);
	in = fopen(DATA "/migration.info", "r");
	ck_assert(fread(data, 1, st.st_size, in) == (size_t)st.st_size);
	fclose(in);
	out = fdopen(fd, "w");
	/* Cut in the middle of the last record. */
	fwrite(data, 1, st.st_size - 300, out);
	fclose(out);
	cov_init(&c);
	ck_assert_int_eq(cov_read_info_path(&c, path, TREE, err, sizeof(err)),
			 -1);
	ck_assert_msg(strstr(err, "truncated") && strstr(err, path), "%s", err);
	/* The records before the last are in, the cut one is not. */
	ck_assert_uint_ge(c.nfiles, 1);
	ck_assert_ptr_null(cov_find(&c, MIG));
	cov_free(&c);
	unlink(path);
	free(data);
}
END_TEST

static int read_text(struct cov *c, const char *text, char *err, size_t len)
{
	FILE *f = fmemopen((void *)text, strlen(text), "r");
	int r = cov_read_info(c, f, "t.info", NULL, err, len);

	fclose(f);
	return r;
}

START_TEST(test_damaged_and_missing)
{
	struct cov c;
	char err[512];

	cov_init(&c);
	ck_assert_int_eq(read_text(&c, "SF:a.c\nDA:1,1\nDA:x,2\nend_of_record\n",
				   err, sizeof(err)), -1);
	ck_assert_str_eq(err, "t.info:3: bad DA record (want DA:LINE,COUNT)");
	ck_assert_ptr_null(cov_find(&c, "a.c"));
	ck_assert_int_eq(read_text(&c, "DA:1,1\n", err, sizeof(err)), -1);
	ck_assert_str_eq(err, "t.info:1: DA record outside a file (no SF)");
	ck_assert_int_eq(read_text(&c, "SF:a.c\nSF:b.c\n", err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "end_of_record missing"));
	ck_assert_int_eq(read_text(&c, "", err, sizeof(err)), -1);
	ck_assert_str_eq(err, "t.info:0: empty tracefile");
	ck_assert_int_eq(read_text(&c, "SF:a.c\nBRDA:3,0,1,-\nBRDA:3,0,0,2\n"
				   "FN:2,f\nFNDA:4,f\nDA:2,4\nDA:3,0\n"
				   "end_of_record\n", err, sizeof(err)), 0);
	ck_assert_uint_eq(cov_find(&c, "a.c")->nbr, 2);
	ck_assert_uint_eq(cov_find(&c, "a.c")->br[0].branch, 0);
	ck_assert_int_eq(cov_find(&c, "a.c")->br[1].taken, COV_NOT_RUN);
	ck_assert_int_eq(cov_read_info_path(&c, DATA "/no-such.info", NULL, err,
					    sizeof(err)), -1);
	ck_assert_str_eq(err, DATA "/no-such.info: cannot open: No such file "
			 "or directory");
	cov_free(&c);
}
END_TEST

/* A small source tree: line N of t.c reads "line N". */
static void make_tree(const char *dir, const char *name, int lines)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	for (int i = 1; i <= lines; i++)
		fprintf(f, "line %d\n", i);
	fclose(f);
}

static const char two_funcs[] =
	"SF:t.c\nFN:2,alpha\nFN:10,beta\nFNDA:3,alpha\nFNDA:0,beta\n"
	"BRDA:4,0,0,3\nBRDA:4,0,1,0\nBRDA:11,0,0,-\nBRDA:11,0,1,-\n"
	"DA:3,3\nDA:4,3\nDA:5,0\nDA:6,0\nDA:8,3\nDA:11,0\nDA:12,0\n"
	"end_of_record\n";

/* A tree in @dir (mkdtemp template) with t.c, and @c read from two_funcs. */
static void tree_setup(char *dir, struct cov *c)
{
	char err[256] = "";

	ck_assert_ptr_nonnull(mkdtemp(dir));
	make_tree(dir, "t.c", 14);
	cov_init(c);
	ck_assert_msg(!read_text(c, two_funcs, err, sizeof(err)), "%s", err);
	cov_sort(c);
}

static void tree_teardown(const char *dir, struct cov *c)
{
	char path[256];

	cov_free(c);
	snprintf(path, sizeof(path), "%s/t.c", dir);
	unlink(path);
	rmdir(dir);
}

START_TEST(test_uncovered_and_markdown)
{
	char dir[] = "/tmp/vfsim-cover-XXXXXX", *md = NULL;
	struct cover_meta m = { 1, 1, "k", dir };
	struct cov_range r[8];
	size_t len = 0;
	struct cov c;
	FILE *f;

	tree_setup(dir, &c);
	ck_assert_int_eq(cover_uncovered(&c.files[0], 0, r, 8), 1);
	ck_assert_uint_eq(r[0].first, 5);
	ck_assert_uint_eq(r[0].last, 6);
	ck_assert_int_eq(cover_uncovered(&c.files[0], 1, r, 8), 1);
	ck_assert_uint_eq(r[0].first, 11);
	f = open_memstream(&md, &len);
	cover_md(&c, &m, f);
	fclose(f);
	ck_assert_msg(strstr(md, "| `t.c` | 3/7 (42.9%) | 1/4 (25.0%) | 1/2 "
			     "(50.0%) |"), "%s", md);
	ck_assert_msg(strstr(md, "`alpha()`, t.c:2: 2 of 5 lines never ran: 5-6"),
		      "%s", md);
	ck_assert_msg(strstr(md, "`beta()`, t.c:10: 2 of 2 lines never ran "
			     "(never called): 11-12"), "%s", md);
	ck_assert_msg(strstr(md, "    !     5  line 5\n    !     6  line 6\n"),
		      "%s", md);
	free(md);
	md = NULL;
	f = open_memstream(&md, &len);
	cover_json(&c, &m, f, NULL, NULL);
	fclose(f);
	ck_assert_msg(strstr(md, "\"total\":{\"lines\":{\"hit\":3,\"total\":7}"),
		      "%s", md);
	ck_assert_msg(strstr(md, "{\"name\":\"beta\",\"line\":10,\"calls\":0,"
			     "\"lines\":{\"hit\":0,\"total\":2},\"branches\":"
			     "{\"hit\":0,\"total\":2},\"uncovered\":[[11,12]]}"),
		      "%s", md);
	free(md);
	tree_teardown(dir, &c);
}
END_TEST

static const char patch1[] =
	"From x\nSubject: [PATCH 1/2] one\n\n---\n"
	"diff --git a/t.c b/t.c\n--- a/t.c\n+++ b/t.c\n"
	"@@ -2,3 +2,4 @@\n line 2\n-old 3\n+line 3\n+line 4\n line 5\n"
	"-- \n2.39\n";
/* Removes line 2, so patch 1's lines 3 and 4 become 2 and 3. */
static const char patch2[] =
	"--- a/t.c\n+++ b/t.c\n@@ -1,3 +1,2 @@\n line 1\n-line 2\n line 3\n"
	"@@ -8,0 +8,1 @@\n+line 8\n";

static void add_patch(struct cov_series *s, const char *text,
		      const char *name)
{
	FILE *f = fmemopen((void *)text, strlen(text), "r");
	char err[256] = "";

	ck_assert_msg(!cover_series_add(s, f, name, err, sizeof(err)), "%s", err);
	fclose(f);
}

START_TEST(test_series_renumbered)
{
	struct cov_series s;
	struct cov_pfile *f;

	cover_series_init(&s);
	add_patch(&s, patch1, "0001-one.patch");
	ck_assert_uint_eq(s.files[0].n, 2);
	ck_assert_uint_eq(s.files[0].l[0].line, 3);
	add_patch(&s, patch2, "0002-two.patch");
	f = &s.files[0];
	ck_assert_str_eq(f->path, "t.c");
	ck_assert_uint_eq(f->n, 3);
	ck_assert_uint_eq(f->l[0].line, 2);
	ck_assert_str_eq(f->l[0].text, "line 3");
	ck_assert_str_eq(f->l[0].patch, "0001-one.patch");
	ck_assert_uint_eq(f->l[1].line, 3);
	ck_assert_uint_eq(f->l[2].line, 8);
	ck_assert_str_eq(f->l[2].patch, "0002-two.patch");
	cover_series_free(&s);
}
END_TEST

START_TEST(test_series_diff_coverage)
{
	char dir[] = "/tmp/vfsim-cover-XXXXXX", *md = NULL;
	struct cov_diff_sum d;
	struct cov_series s;
	size_t len = 0;
	struct cov c;
	FILE *f;

	tree_setup(dir, &c);
	cover_series_init(&s);
	s.path = strdup("series");
	add_patch(&s, patch1, "0001-one.patch");
	/* Lines 3 and 4: both instrumented, both ran. */
	ck_assert_int_eq(cover_series_check(&s, dir, NULL), 0);
	cover_series_sum(&s, &c, &d);
	ck_assert_uint_eq(d.changed, 2);
	ck_assert_uint_eq(d.instrumented, 2);
	ck_assert_uint_eq(d.executed, 2);
	add_patch(&s, patch2, "0002-two.patch");
	/* Lines 2, 3 and 8 of a tree that has "line 2" at 2: the series'
	 * "line 3" is not there, so the runs were not made with it. */
	f = fopen("/dev/null", "w");
	ck_assert_int_eq(cover_series_check(&s, dir, f), 1);
	fclose(f);
	cover_series_sum(&s, &c, &d);
	ck_assert_uint_eq(d.changed, 0);
	f = open_memstream(&md, &len);
	cover_series_md(&s, &c, f);
	fclose(f);
	ck_assert_msg(strstr(md, "| `t.c` | 3 | - | not in the runs' source |"),
		      "%s", md);
	free(md);
	cover_series_free(&s);
	tree_teardown(dir, &c);
}
END_TEST

START_TEST(test_series_bad)
{
	struct cov_series s;
	char err[256];
	FILE *f;

	cover_series_init(&s);
	f = fmemopen("--- a/t.c\n+++ b/t.c\n@@ -1,2 +1,2 @@\n line 1\n", 44, "r");
	ck_assert_int_eq(cover_series_add(&s, f, "x.patch", err, sizeof(err)),
			 -1);
	ck_assert_str_eq(err, "x.patch:4: truncated hunk");
	fclose(f);
	f = fmemopen("just text\n", 10, "r");
	ck_assert_int_eq(cover_series_add(&s, f, "y.patch", err, sizeof(err)),
			 -1);
	ck_assert_str_eq(err, "y.patch:1: not a patch (no '+++' line)");
	fclose(f);
	cover_series_free(&s);
	cover_series_init(&s);
	ck_assert_int_eq(cover_series_read(&s, DATA "/none", err, sizeof(err)),
			 -1);
	ck_assert_str_eq(err, DATA "/none: No such file or directory");
	cover_series_free(&s);
}
END_TEST

/* gcc 12 files: header words, then records (tag, length in bytes, data). */
static size_t put(unsigned char *p, size_t at, uint32_t w)
{
	for (int i = 0; i < 4; i++)
		p[at + i] = w >> (8 * i);
	return at + 4;
}

#define VER 0x4232322au		/* "B22*": gcc 12.2 */

/* A .gcno with @fns functions and a .gcda with their counters. */
static void make_pair(unsigned char *no, size_t *nno, unsigned char *da,
		      size_t *nda, int fns)
{
	size_t a = 0, b = 0;

	a = put(no, a, 0x67636e6f);
	a = put(no, a, VER);
	a = put(no, a, 7);			/* stamp */
	a = put(no, a, 0);			/* checksum */
	a = put(no, a, 5);			/* "/src" + NUL, padded */
	memcpy(no + a, "/src\0\0\0", 8);
	a += 8;
	a = put(no, a, 1);			/* unexecuted-blocks flag */
	b = put(da, b, 0x67636461);
	b = put(da, b, VER);
	b = put(da, b, 7);
	b = put(da, b, 0);
	for (int f = 0; f < fns; f++) {
		a = put(no, a, 0x01000000);	/* function, 8 bytes */
		a = put(no, a, 8);
		a = put(no, a, f);
		a = put(no, a, 0);
		a = put(no, a, 0x01410000);	/* blocks */
		a = put(no, a, 4);
		a = put(no, a, 3);
		b = put(da, b, 0x01000000);
		b = put(da, b, 12);
		b = put(da, b, f);
		b = put(da, b, 0);
		b = put(da, b, 0);
		b = put(da, b, 0x01a10000);	/* arcs: two u64 */
		b = put(da, b, 16);
		memset(da + b, 0, 16);
		b += 16;
	}
	*nno = a;
	*nda = b;
}

START_TEST(test_gcda_check)
{
	unsigned char no[1024], da[1024];
	size_t nno, nda;
	char err[128];

	make_pair(no, &nno, da, &nda, 3);
	ck_assert_int_eq(cover_gcda_check_mem(da, nda, no, nno, err,
					      sizeof(err)), 0);
	/* Cut inside the last record. */
	ck_assert_int_eq(cover_gcda_check_mem(da, nda - 5, no, nno, err,
					      sizeof(err)), -1);
	ck_assert_str_eq(err, "truncated: its last record runs past the end "
			 "of the file");
	/* Cut between two functions: only the .gcno tells. */
	ck_assert_int_eq(cover_gcda_check_mem(da, nda - 44, no, nno, err,
					      sizeof(err)), -1);
	ck_assert_str_eq(err, "truncated: 2 of the 3 functions of its .gcno");
	da[8] = 8;		/* another stamp */
	ck_assert_int_eq(cover_gcda_check_mem(da, nda, no, nno, err,
					      sizeof(err)), -1);
	ck_assert_str_eq(err, "from another build than its .gcno (version or "
			 "stamp differs)");
	ck_assert_int_eq(cover_gcda_check_mem(no, nno, no, nno, err,
					      sizeof(err)), -1);
	ck_assert_str_eq(err, "not a .gcda file");
	ck_assert_int_eq(cover_gcda_check("/nonexistent.gcda", "x.gcno", err,
					  sizeof(err)), -1);
	ck_assert_str_eq(err, "cannot read /nonexistent.gcda: No such file or "
			 "directory");
}
END_TEST

Suite *cover_suite(void)
{
	Suite *s = suite_create("cover");
	TCase *tc = tcase_create("cover");

	tcase_add_test(tc, test_capture_read);
	tcase_add_test(tc, test_merge_two_runs);
	tcase_add_test(tc, test_write_read_roundtrip);
	tcase_add_test(tc, test_truncated);
	tcase_add_test(tc, test_damaged_and_missing);
	tcase_add_test(tc, test_uncovered_and_markdown);
	tcase_add_test(tc, test_series_renumbered);
	tcase_add_test(tc, test_series_diff_coverage);
	tcase_add_test(tc, test_series_bad);
	tcase_add_test(tc, test_gcda_check);
	suite_add_tcase(s, tc);
	return s;
}
