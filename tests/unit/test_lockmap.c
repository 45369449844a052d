// SPDX-License-Identifier: GPL-2.0
/*
 * lockmap: /proc/lockdep and /proc/lockdep_chains captured from a vfsim
 * migration run (tests/unit/data/lockdep), whole, truncated and damaged.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/harness/lockmap.h"

#define DATA "tests/unit/data/lockdep"

static void read_capture(struct lockmap *m)
{
	char err[256] = "";

	lockmap_init(m);
	ck_assert_msg(!lockmap_read_run(m, DATA, err, sizeof(err)), "%s", err);
}

static const struct lm_class *cls(const struct lockmap *m, const char *name)
{
	int i = lockmap_find(m, name);

	ck_assert_msg(i >= 0, "no class %s", name);
	return &m->cls[i];
}

static bool edge(const struct lockmap *m, const char *a, const char *b)
{
	int f = lockmap_find(m, a), t = lockmap_find(m, b);

	for (int e = 0; e < m->nedges; e++)
		if (m->edges[e].from == f && m->edges[e].to == t)
			return true;
	return false;
}

START_TEST(test_classes_and_usage)
{
	struct lockmap m;
	char words[160];

	read_capture(&m);
	ck_assert_int_gt(m.ncls, 500);
	ck_assert_str_eq(cls(&m, "&virtvdev->state_mutex")->usage, "+.+.");
	ck_assert_str_eq(cls(&m, "&vp_dev->admin_vq.lock")->usage, "-...");
	ck_assert(cls(&m, "&migf->lock")->seen);
	lockmap_usage_words(cls(&m, "&vp_dev->admin_vq.lock"), words,
			    sizeof(words));
	ck_assert_ptr_nonnull(strstr(words, "hard-IRQ"));
	lockmap_usage_words(cls(&m, "&virtvdev->state_mutex"), words,
			    sizeof(words));
	ck_assert_ptr_nonnull(strstr(words, "process context only; with IRQs "
					    "enabled"));
	lockmap_free(&m);
}
END_TEST

START_TEST(test_migration_ordering)
{
	struct lockmap m;

	read_capture(&m);
	ck_assert(edge(&m, "&virtvdev->state_mutex", "&migf->lock"));
	ck_assert(edge(&m, "&migf->lock", "&migf->list_lock"));
	ck_assert(edge(&m, "&virtvdev->state_mutex", "&vp_dev->admin_vq.lock"));
	/* and not the inversion */
	ck_assert(!edge(&m, "&migf->lock", "&virtvdev->state_mutex"));
	lockmap_free(&m);
}
END_TEST

START_TEST(test_verdicts)
{
	struct lockmap m;
	char v[200];

	read_capture(&m);
	lockmap_verdict(&m, lockmap_find(&m, "&vp_dev->admin_vq.lock"), v,
			sizeof(v));
	ck_assert_ptr_nonnull(strstr(v, "irqsave"));
	lockmap_verdict(&m, lockmap_find(&m, "&virtvdev->state_mutex"), v,
			sizeof(v));
	ck_assert_ptr_nonnull(strstr(v, "never under a spinlock"));
	lockmap_free(&m);
}
END_TEST

START_TEST(test_select_by_name_and_outputs)
{
	static const char *const names[] = { "virtvdev", "migf" };
	struct lockmap m;
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	read_capture(&m);
	lockmap_select(&m, NULL, NULL, 0, names, 2);
	f = open_memstream(&buf, &len);
	lockmap_json(&m, f);
	fclose(f);
	ck_assert_ptr_nonnull(strstr(buf, "\"name\": \"&virtvdev->state_mutex\""));
	ck_assert_ptr_nonnull(strstr(buf, "\"from\": \"&virtvdev->state_mutex\", "
					  "\"to\": \"&migf->lock\""));
	ck_assert_ptr_null(strstr(buf, "admin_vq"));	/* not selected */
	free(buf);
	f = open_memstream(&buf, &len);
	lockmap_dot(&m, f);
	fclose(f);
	ck_assert_ptr_nonnull(strstr(buf, "digraph locks"));
	ck_assert_ptr_nonnull(strstr(buf, "->"));
	free(buf);
	lockmap_free(&m);
}
END_TEST

START_TEST(test_merge_and_diff)
{
	static const char *const names[] = { "migf", "virtvdev" };
	struct lockmap a, b;
	char *buf = NULL, err[256];
	size_t len = 0;
	FILE *f;

	/* a: only classes; b: classes and chains: b adds chain edges. */
	lockmap_init(&a);
	f = fopen(DATA "/lockdep.txt", "r");
	ck_assert(!lockmap_read_classes(&a, f, err, sizeof(err)));
	fclose(f);
	read_capture(&b);
	lockmap_select(&a, NULL, NULL, 0, names, 2);
	lockmap_select(&b, NULL, NULL, 0, names, 2);
	f = open_memstream(&buf, &len);
	lockmap_diff(&b, &a, f);	/* nothing a has that b lacks */
	fclose(f);
	ck_assert_str_eq(buf, "");
	free(buf);
	/* Reading the same run twice merges: same classes, same edges. */
	{
		int n = b.ncls, e = b.nedges;

		ck_assert(!lockmap_read_run(&b, DATA, err, sizeof(err)));
		ck_assert_int_eq(b.ncls, n);
		ck_assert_int_eq(b.nedges, e);
	}
	lockmap_free(&a);
	lockmap_free(&b);
}
END_TEST

static int parse_text(const char *classes, const char *chains, char *err)
{
	struct lockmap m;
	FILE *f;
	int ret = 0;

	lockmap_init(&m);
	if (classes) {
		f = fmemopen((void *)classes, strlen(classes), "r");
		ret = lockmap_read_classes(&m, f, err, 256);
		fclose(f);
	}
	if (!ret && chains) {
		f = fmemopen((void *)chains, strlen(chains), "r");
		ret = lockmap_read_chains(&m, f, err, 256);
		fclose(f);
	}
	lockmap_free(&m);
	return ret;
}

START_TEST(test_malformed)
{
	char err[256];

	ck_assert_int_eq(parse_text(" -> [00] orphan\n", NULL, err), -1);
	ck_assert_ptr_nonnull(strstr(err, "line 1: dependency without a class"));
	ck_assert_int_eq(parse_text("0000 FD: 1 BD: 1 +.x.: bad\n", NULL, err), -1);
	ck_assert_ptr_nonnull(strstr(err, "line 1: not a lock class"));
	ck_assert_int_eq(parse_text("0000 FD: 1 BD: 1 ....:\n", NULL, err), -1);
	ck_assert_int_eq(parse_text("garbage\n", NULL, err), -1);
	ck_assert_int_eq(parse_text(NULL, "irq_context: 0\nnot a chain\n", err),
			 -1);
	ck_assert_ptr_nonnull(strstr(err, "line 2"));
	ck_assert_int_eq(parse_text("all lock classes:\n0000 FD: 1 BD: 1 +.+.: a\n"
				    " -> [11] b\n\n", "all lock chains:\n"
				    "irq_context: 0\n[1] a\n[2] b\n\n", err), 0);
}
END_TEST

/* A capture cut anywhere parses what it has; the last line may be half. */
START_TEST(test_truncated)
{
	char err[256], *text;
	long size;
	FILE *f = fopen(DATA "/lockdep.txt", "r");

	ck_assert_ptr_nonnull(f);
	fseek(f, 0, SEEK_END);
	size = ftell(f);
	rewind(f);
	text = malloc(size + 1);
	ck_assert_int_eq(fread(text, 1, size, f), size);
	fclose(f);
	for (long cut = 0; cut < size; cut += 977) {
		char *p = strndup(text, cut);
		char *nl = strrchr(p, '\n');

		if (nl)
			nl[1] = 0;	/* whole lines: must parse */
		else
			p[0] = 0;
		ck_assert_msg(!parse_text(p, NULL, err), "cut %ld: %s", cut, err);
		free(p);
	}
	free(text);
}
END_TEST

/* A class name longer than a class holds is one class, not one a mention. */
START_TEST(test_long_names_merge)
{
	char name[300], text[1024], err[256];
	struct lockmap m;
	FILE *f;

	memset(name, 'x', sizeof(name) - 1);
	name[sizeof(name) - 1] = 0;
	snprintf(text, sizeof(text), "1 FD: 1 BD: 1 +.+.: %s\n"
		 "2 FD: 1 BD: 1 ....: %s\n -> [1] %s\n", name, name, name);
	lockmap_init(&m);
	for (int i = 0; i < 2; i++) {
		f = fmemopen(text, strlen(text), "r");
		ck_assert_int_eq(lockmap_read_classes(&m, f, err, sizeof(err)), 0);
		fclose(f);
	}
	ck_assert_int_eq(m.ncls, 1);
	ck_assert_int_eq(m.nedges, 0);		/* a class after itself */
	ck_assert_uint_eq(strlen(m.cls[0].name), sizeof(m.cls[0].name) - 1);
	lockmap_free(&m);
}
END_TEST

Suite *lockmap_suite(void)
{
	Suite *s = suite_create("lockmap");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_classes_and_usage);
	tcase_add_test(tc, test_migration_ordering);
	tcase_add_test(tc, test_verdicts);
	tcase_add_test(tc, test_select_by_name_and_outputs);
	tcase_add_test(tc, test_merge_and_diff);
	tcase_add_test(tc, test_malformed);
	tcase_add_test(tc, test_truncated);
	tcase_add_test(tc, test_long_names_merge);
	suite_add_tcase(s, tc);
	return s;
}
