/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What lockdep learned during runs, as evidence for locking reviews:
 * /proc/lockdep (classes, usage bits, direct dependencies) and
 * /proc/lockdep_chains (held-lock stacks), saved by the agent into each
 * run directory, plus where each class of the chosen code is initialised
 * (found in the kernel source).
 *
 * Contract: the parsers accept what Linux 7.x prints and reject, with a
 * line number, what they cannot read; truncated input keeps what was read.
 * Several runs merge into one map (the union of usages and edges).
 */
#ifndef VFSIM_LOCKMAP_H
#define VFSIM_LOCKMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

enum lm_type { LM_UNKNOWN, LM_SPINLOCK, LM_RAW_SPINLOCK, LM_RWLOCK, LM_MUTEX,
	       LM_RWSEM };

struct lm_class {
	char name[128];
	char usage[5];		/* lockdep's 4 usage characters */
	enum lm_type type;
	char init_at[160];	/* file:line of its init, "" if unknown */
	bool seen;		/* in a run's /proc/lockdep */
	bool selected;		/* belongs to the code being reported on */
};

struct lm_edge {
	int from, to;		/* from held while to was taken */
	char via[256];		/* a chain that showed it */
};

struct lockmap {
	struct lm_class *cls;
	int ncls, cap;
	struct lm_edge *edges;
	int nedges, cap_edges;
};

void lockmap_init(struct lockmap *m);
void lockmap_free(struct lockmap *m);

/* Parse /proc/lockdep text: 0, or -1 with "line N: problem" in @err. */
int lockmap_read_classes(struct lockmap *m, FILE *f, char *err, size_t len);
/* Parse /proc/lockdep_chains text into ordering edges. */
int lockmap_read_chains(struct lockmap *m, FILE *f, char *err, size_t len);
/* Both files of a run directory. */
int lockmap_read_run(struct lockmap *m, const char *dir, char *err,
		     size_t len);

/*
 * Find the init sites (mutex_init, spin_lock_init, DEFINE_MUTEX, ...) in
 * the files below @src/@subdir[i] and mark those classes selected; classes
 * whose name contains one of @names are selected too.
 */
void lockmap_select(struct lockmap *m, const char *src,
		    const char *const *subdirs, int nsub,
		    const char *const *names, int nnames);

/* Usage characters in words, and the plain-language verdict. */
void lockmap_usage_words(const struct lm_class *c, char *buf, size_t len);
void lockmap_verdict(const struct lockmap *m, int i, char *buf, size_t len);

void lockmap_markdown(const struct lockmap *m, FILE *out);
void lockmap_json(const struct lockmap *m, FILE *out);
void lockmap_dot(const struct lockmap *m, FILE *out);

/* Usages and edges among selected classes in @b but not in @a. */
void lockmap_diff(const struct lockmap *a, const struct lockmap *b,
		  FILE *out);

int lockmap_find(const struct lockmap *m, const char *name);

#endif
