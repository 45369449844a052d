// SPDX-License-Identifier: GPL-2.0
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "lockmap.h"

void lockmap_init(struct lockmap *m)
{
	memset(m, 0, sizeof(*m));
}

void lockmap_free(struct lockmap *m)
{
	free(m->cls);
	free(m->edges);
	memset(m, 0, sizeof(*m));
}

int lockmap_find(const struct lockmap *m, const char *name)
{
	for (int i = 0; i < m->ncls; i++)
		if (!strcmp(m->cls[i].name, name))
			return i;
	return -1;
}

/*
 * The class called @name, added if new.  Names are kept to what the
 * class holds (127 characters): a longer one is found by that prefix, not
 * added again at each mention.
 */
static int class_of(struct lockmap *m, const char *name)
{
	char key[sizeof(m->cls[0].name)];
	int i;

	snprintf(key, sizeof(key), "%s", name);
	i = lockmap_find(m, key);

	if (i >= 0)
		return i;
	if (m->ncls == m->cap) {
		int cap = m->cap ? 2 * m->cap : 256;
		struct lm_class *c = realloc(m->cls, cap * sizeof(*c));

		if (!c)
			return -1;
		m->cls = c;
		m->cap = cap;
	}
	memset(&m->cls[m->ncls], 0, sizeof(m->cls[0]));
	memcpy(m->cls[m->ncls].name, key, sizeof(key));
	strcpy(m->cls[m->ncls].usage, "....");
	return m->ncls++;
}

static void add_edge(struct lockmap *m, int from, int to, const char *via)
{
	if (from < 0 || to < 0 || from == to)
		return;
	for (int i = 0; i < m->nedges; i++) {
		struct lm_edge *e = &m->edges[i];

		if (e->from != from || e->to != to)
			continue;
		/* A chain shows where it happened; keep one over "/proc/lockdep". */
		if (!strcmp(e->via, "/proc/lockdep") && strcmp(via, e->via))
			snprintf(e->via, sizeof(e->via), "%s", via);
		return;
	}
	if (m->nedges == m->cap_edges) {
		int cap = m->cap_edges ? 2 * m->cap_edges : 512;
		struct lm_edge *e = realloc(m->edges, cap * sizeof(*e));

		if (!e)
			return;
		m->edges = e;
		m->cap_edges = cap;
	}
	m->edges[m->nedges] = (struct lm_edge){ from, to, "" };
	snprintf(m->edges[m->nedges].via, sizeof(m->edges[0].via), "%s", via);
	m->nedges++;
}

/* Merge usage characters: '-' used in the context, '+' enabled, '?' both. */
static char merge_usage(char a, char b)
{
	bool used = a == '-' || a == '?' || b == '-' || b == '?';
	bool enabled = a == '+' || a == '?' || b == '+' || b == '?';

	return used && enabled ? '?' : used ? '-' : enabled ? '+' : '.';
}

static bool usage_ok(const char *u)
{
	return strlen(u) == 4 && strspn(u, ".+-?") == 4;
}

#define BAD(...) (snprintf(err, len, __VA_ARGS__), -1)

/* "<key> FD: n BD: n UUUU: name" or " -> [<key>] name". */
int lockmap_read_classes(struct lockmap *m, FILE *f, char *err, size_t len)
{
	char line[512], usage[8], *name;
	int cur = -1, n = 0, off;

	while (fgets(line, sizeof(line), f)) {
		n++;
		line[strcspn(line, "\n")] = 0;
		if (!line[0] || !strncmp(line, "all lock classes", 16))
			continue;
		if (!strncmp(line, " -> [", 5)) {
			name = strchr(line, ']');
			if (cur < 0 || !name || name[1] != ' ')
				return BAD("line %d: dependency without a class",
					   n);
			add_edge(m, cur, class_of(m, name + 2), "/proc/lockdep");
			continue;
		}
		off = 0;
		if (sscanf(line, "%*s FD: %*d BD: %*d %4[.+?-]%n", usage, &off) != 1 ||
		    !usage_ok(usage) || strncmp(line + off, ": ", 2) ||
		    !line[off + 2])
			return BAD("line %d: not a lock class: '%.60s'", n, line);
		name = line + off;
		cur = class_of(m, name + 2);
		if (cur < 0)
			return BAD("out of memory");
		for (int i = 0; i < 4; i++)
			m->cls[cur].usage[i] = merge_usage(m->cls[cur].usage[i],
							   usage[i]);
		m->cls[cur].seen = true;
	}
	return 0;
}

/* A chain is the stack of held locks: each one is held while the next is taken. */
int lockmap_read_chains(struct lockmap *m, FILE *f, char *err, size_t len)
{
	char line[512], via[256] = "";
	int prev = -1, n = 0;

	while (fgets(line, sizeof(line), f)) {
		char *name;
		int c;

		n++;
		line[strcspn(line, "\n")] = 0;
		if (!strncmp(line, "irq_context:", 12) || !line[0]) {
			prev = -1;
			via[0] = 0;
			continue;
		}
		if (strstr(line, "all lock chains"))
			continue;
		name = strchr(line, ']');
		if (line[0] != '[' || !name || name[1] != ' ')
			return BAD("line %d: not a chain entry: '%.60s'", n, line);
		c = class_of(m, name + 2);
		if (c < 0)
			return BAD("out of memory");
		if (strlen(via) + strlen(name + 2) + 4 < sizeof(via))
			snprintf(via + strlen(via), sizeof(via) - strlen(via),
				 "%s%s", via[0] ? " -> " : "", name + 2);
		add_edge(m, prev, c, via);
		prev = c;
	}
	return 0;
}

int lockmap_read_run(struct lockmap *m, const char *dir, char *err,
		     size_t len)
{
	static const char *const names[] = { "lockdep.txt",
					     "lockdep_chains.txt" };
	char path[PATH_MAX + 32];

	for (int i = 0; i < 2; i++) {
		FILE *f;
		int ret;

		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		f = fopen(path, "r");
		if (!f)
			return BAD("%s: %s (a run of this version saves it at "
				   "power-off)", path, strerror(errno));
		ret = i ? lockmap_read_chains(m, f, err, len) :
			  lockmap_read_classes(m, f, err, len);
		fclose(f);
		if (ret)
			return ret;
	}
	return 0;
}

/* ---- where classes come from: init sites in the source ---- */

static const struct {
	const char *call;
	enum lm_type type;
	bool defined;		/* DEFINE_*(name): the class is "name" */
} inits[] = {
	{ "mutex_init(", LM_MUTEX, false },
	{ "spin_lock_init(", LM_SPINLOCK, false },
	{ "raw_spin_lock_init(", LM_RAW_SPINLOCK, false },
	{ "rwlock_init(", LM_RWLOCK, false },
	{ "init_rwsem(", LM_RWSEM, false },
	{ "DEFINE_MUTEX(", LM_MUTEX, true },
	{ "DEFINE_SPINLOCK(", LM_SPINLOCK, true },
	{ "DEFINE_RAW_SPINLOCK(", LM_RAW_SPINLOCK, true },
	{ "DEFINE_RWLOCK(", LM_RWLOCK, true },
	{ "DECLARE_RWSEM(", LM_RWSEM, true },
};

/* "&migf->lock#2" is lockdep's second class of that name: same base. */
static bool same_base(const char *name, const char *expr)
{
	size_t n = strlen(expr);

	return !strncmp(name, expr, n) && (!name[n] || name[n] == '#');
}

static void set_init(struct lm_class *c, enum lm_type t, const char *file,
		     int line)
{
	if (c->init_at[0])
		return;		/* the first site found wins: code order */
	c->type = t;
	c->selected = true;
	snprintf(c->init_at, sizeof(c->init_at), "%s:%d", file, line);
}

static void note_init(struct lockmap *m, const char *expr, enum lm_type t,
		      const char *file, int line)
{
	bool any = false;
	int c;

	/* lockdep names a class after the init's argument as written. */
	for (c = 0; c < m->ncls; c++)
		if (same_base(m->cls[c].name, expr)) {
			set_init(&m->cls[c], t, file, line);
			any = true;
		}
	if (any)
		return;
	c = class_of(m, expr);	/* never taken in these runs */
	if (c >= 0)
		set_init(&m->cls[c], t, file, line);
}

static void scan_file(struct lockmap *m, const char *path, const char *rel)
{
	char line[512];
	int n = 0;
	FILE *f = fopen(path, "r");

	while (f && fgets(line, sizeof(line), f)) {
		n++;
		for (size_t i = 0; i < sizeof(inits) / sizeof(inits[0]); i++) {
			char *p = strstr(line, inits[i].call), expr[128];

			if (!p || (p > line && (p[-1] == '_' ||
						(p[-1] >= 'a' && p[-1] <= 'z'))))
				continue;
			p += strlen(inits[i].call);
			if (sscanf(p, " %127[^,) ]", expr) != 1)
				continue;
			note_init(m, expr, inits[i].type, rel, n);
		}
	}
	if (f)
		fclose(f);
}

static void scan_dir(struct lockmap *m, const char *src, const char *rel)
{
	char path[PATH_MAX], sub[PATH_MAX];
	struct dirent *e;
	struct stat st;
	DIR *d;

	snprintf(path, sizeof(path), "%s/%s", src, rel);
	if (stat(path, &st))
		return;
	if (S_ISREG(st.st_mode)) {
		scan_file(m, path, rel);
		return;
	}
	d = opendir(path);
	while (d && (e = readdir(d))) {
		size_t l = strlen(e->d_name);

		if (e->d_name[0] == '.')
			continue;
		snprintf(sub, sizeof(sub), "%s/%s", rel, e->d_name);
		if (e->d_type == DT_DIR)
			scan_dir(m, src, sub);
		else if (l > 2 && !strcmp(e->d_name + l - 2, ".c"))
			scan_dir(m, src, sub);
	}
	if (d)
		closedir(d);
}

void lockmap_select(struct lockmap *m, const char *src,
		    const char *const *subdirs, int nsub,
		    const char *const *names, int nnames)
{
	for (int i = 0; src && i < nsub; i++)
		scan_dir(m, src, subdirs[i]);
	for (int c = 0; c < m->ncls; c++)
		for (int i = 0; i < nnames; i++)
			if (strstr(m->cls[c].name, names[i]))
				m->cls[c].selected = true;
}

/* ---- words, verdicts, outputs ---- */

static const char *const type_names[] = {
	[LM_UNKNOWN] = "unknown", [LM_SPINLOCK] = "spinlock",
	[LM_RAW_SPINLOCK] = "raw spinlock", [LM_RWLOCK] = "rwlock",
	[LM_MUTEX] = "mutex", [LM_RWSEM] = "rwsem",
};

static bool used_in(const struct lm_class *c, int state)
{
	const char *u = c->usage + 2 * state;

	return u[0] == '-' || u[0] == '?' || u[1] == '-' || u[1] == '?';
}

static bool enabled_in(const struct lm_class *c, int state)
{
	const char *u = c->usage + 2 * state;

	return u[0] == '+' || u[0] == '?' || u[1] == '+' || u[1] == '?';
}

void lockmap_usage_words(const struct lm_class *c, char *buf, size_t len)
{
	snprintf(buf, len, "%s; %s",
		 used_in(c, 0) ? "taken in hard-IRQ context" :
		 used_in(c, 1) ? "taken in soft-IRQ context" :
		 "taken in process context only",
		 enabled_in(c, 0) ? "with IRQs enabled" :
		 enabled_in(c, 1) ? "with soft-IRQs enabled, IRQs disabled" :
		 "always with IRQs disabled");
}

static bool spinning(enum lm_type t)
{
	return t == LM_SPINLOCK || t == LM_RAW_SPINLOCK || t == LM_RWLOCK;
}

/* Is @i ever taken while a spinning lock is held? */
static bool under_spinlock(const struct lockmap *m, int i)
{
	for (int e = 0; e < m->nedges; e++)
		if (m->edges[e].to == i && spinning(m->cls[m->edges[e].from].type))
			return true;
	return false;
}

void lockmap_verdict(const struct lockmap *m, int i, char *buf, size_t len)
{
	const struct lm_class *c = &m->cls[i];

	if (!c->seen)
		snprintf(buf, len, "never exercised by these runs: no evidence "
			 "either way");
	else if (used_in(c, 0))
		snprintf(buf, len, "taken in hard-IRQ context: every other "
			 "acquisition must disable IRQs (irqsave)");
	else if (used_in(c, 1))
		snprintf(buf, len, "taken in soft-IRQ context: process-context "
			 "acquisitions must disable soft-IRQs (_bh) or IRQs");
	else if (enabled_in(c, 0) && !under_spinlock(m, i))
		snprintf(buf, len, "only ever taken in process context with "
			 "IRQs enabled and never under a spinlock: a %s",
			 spinning(c->type) ? "mutex would be sufficient "
			 "unless the section must not sleep" :
			 "sleeping lock is fine");
	else if (enabled_in(c, 0))
		snprintf(buf, len, "process context with IRQs enabled, but "
			 "taken under a spinlock: it must not sleep");
	else
		snprintf(buf, len, "only taken with IRQs already disabled "
			 "(inside an irqsave section or under such a lock)");
}

static bool show(const struct lm_class *c)
{
	return c->selected;
}

void lockmap_markdown(const struct lockmap *m, FILE *out)
{
	char words[160], verdict[200];

	fprintf(out, "## Lock classes\n\n| lock | type | initialised at | "
		"usage | contexts | verdict |\n| --- | --- | --- | --- | --- "
		"| --- |\n");
	for (int i = 0; i < m->ncls; i++) {
		const struct lm_class *c = &m->cls[i];

		if (!show(c) || !c->seen)
			continue;
		lockmap_usage_words(c, words, sizeof(words));
		lockmap_verdict(m, i, verdict, sizeof(verdict));
		fprintf(out, "| `%s` | %s | %s | `%s` | %s | %s |\n", c->name,
			type_names[c->type], c->init_at[0] ? c->init_at : "?",
			c->usage, words, verdict);
	}
	fprintf(out, "\n## Ordering (A held while B was taken)\n\n");
	for (int e = 0; e < m->nedges; e++) {
		const struct lm_edge *x = &m->edges[e];

		if (show(&m->cls[x->from]) && show(&m->cls[x->to]))
			fprintf(out, "- `%s` -> `%s` (seen in: %s)\n",
				m->cls[x->from].name, m->cls[x->to].name,
				x->via);
	}
	fprintf(out, "\n## Never exercised\n\n");
	for (int i = 0; i < m->ncls; i++)
		if (show(&m->cls[i]) && !m->cls[i].seen)
			fprintf(out, "- `%s` (%s, %s)\n", m->cls[i].name,
				type_names[m->cls[i].type], m->cls[i].init_at);
}

static void json_str(FILE *out, const char *s)
{
	fputc('"', out);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fputc('\\', out);
		if ((unsigned char)*s >= 0x20)
			fputc(*s, out);
	}
	fputc('"', out);
}

void lockmap_json(const struct lockmap *m, FILE *out)
{
	char words[160], verdict[200];
	bool first = true;

	fprintf(out, "{\"classes\": [");
	for (int i = 0; i < m->ncls; i++) {
		const struct lm_class *c = &m->cls[i];

		if (!show(c))
			continue;
		lockmap_usage_words(c, words, sizeof(words));
		lockmap_verdict(m, i, verdict, sizeof(verdict));
		fprintf(out, "%s\n  {\"name\": ", first ? "" : ",");
		json_str(out, c->name);
		fprintf(out, ", \"type\": \"%s\", \"init\": ", type_names[c->type]);
		json_str(out, c->init_at);
		fprintf(out, ", \"exercised\": %s, \"usage\": \"%s\", "
			"\"hardirq\": %s, \"softirq\": %s, \"irqs_enabled\": %s, "
			"\"contexts\": ", c->seen ? "true" : "false", c->usage,
			used_in(c, 0) ? "true" : "false",
			used_in(c, 1) ? "true" : "false",
			enabled_in(c, 0) ? "true" : "false");
		json_str(out, words);
		fprintf(out, ", \"verdict\": ");
		json_str(out, verdict);
		fprintf(out, "}");
		first = false;
	}
	fprintf(out, "\n], \"edges\": [");
	first = true;
	for (int e = 0; e < m->nedges; e++) {
		const struct lm_edge *x = &m->edges[e];

		if (!show(&m->cls[x->from]) || !show(&m->cls[x->to]))
			continue;
		fprintf(out, "%s\n  {\"from\": ", first ? "" : ",");
		json_str(out, m->cls[x->from].name);
		fprintf(out, ", \"to\": ");
		json_str(out, m->cls[x->to].name);
		fprintf(out, ", \"via\": ");
		json_str(out, x->via);
		fprintf(out, "}");
		first = false;
	}
	fprintf(out, "\n]}\n");
}

void lockmap_dot(const struct lockmap *m, FILE *out)
{
	fprintf(out, "digraph locks {\n  rankdir=LR;\n  node [shape=box, "
		"style=filled, fontname=\"monospace\"];\n");
	for (int i = 0; i < m->ncls; i++) {
		const struct lm_class *c = &m->cls[i];

		if (!show(c) || !c->seen)
			continue;
		/* red: hard-IRQ, orange: soft-IRQ, green: process only */
		fprintf(out, "  n%d [label=\"%s\\n%s %s\", fillcolor=\"%s\"];\n",
			i, c->name, type_names[c->type], c->usage,
			used_in(c, 0) ? "#f4a6a6" : used_in(c, 1) ? "#f7cf8f" :
			"#b9e4b0");
	}
	for (int e = 0; e < m->nedges; e++) {
		const struct lm_edge *x = &m->edges[e];

		if (show(&m->cls[x->from]) && show(&m->cls[x->to]) &&
		    m->cls[x->from].seen && m->cls[x->to].seen)
			fprintf(out, "  n%d -> n%d;\n", x->from, x->to);
	}
	fprintf(out, "}\n");
}

void lockmap_diff(const struct lockmap *a, const struct lockmap *b,
		  FILE *out)
{
	for (int i = 0; i < b->ncls; i++) {
		const struct lm_class *c = &b->cls[i];
		int j = lockmap_find(a, c->name);

		if (!show(c) || !c->seen)
			continue;
		if (j < 0 || !a->cls[j].seen)
			fprintf(out, "+ class `%s` %s\n", c->name, c->usage);
		else if (strcmp(a->cls[j].usage, c->usage))
			fprintf(out, "~ class `%s` usage %s -> %s\n", c->name,
				a->cls[j].usage, c->usage);
	}
	for (int e = 0; e < b->nedges; e++) {
		const struct lm_edge *x = &b->edges[e];
		int f, t;
		bool found = false;

		if (!show(&b->cls[x->from]) || !show(&b->cls[x->to]))
			continue;
		f = lockmap_find(a, b->cls[x->from].name);
		t = lockmap_find(a, b->cls[x->to].name);
		for (int k = 0; f >= 0 && t >= 0 && k < a->nedges; k++)
			found |= a->edges[k].from == f && a->edges[k].to == t;
		if (!found)
			fprintf(out, "+ edge `%s` -> `%s` (%s)\n",
				b->cls[x->from].name, b->cls[x->to].name, x->via);
	}
}
