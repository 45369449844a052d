// SPDX-License-Identifier: GPL-2.0
/*
 * The scenario parser.  Each line is validated in full and parsing goes
 * on after an error, so a user sees every mistake (up to SC_MAX_ERRORS)
 * in one go instead of one per run.
 */
#include <errno.h>
#include <fcntl.h>
#include <regex.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "driver/agent/step_spec.h"
#include "kcaps.h"
#include "sim/bus/fault.h"
#include "scenario.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define MAX_FILE_SIZE (4 << 20)	/* scenarios are small: refuse blobs */
#define MAX_KEYS 6		/* KEY=VALUE keys a fault accepts */
#define NAMES_LEN 512		/* "expected one of: ..." lists */

/* Where a line comes from; line 0 stands for the whole file. */
struct loc {
	const char *file;
	int line;
};

/* A file being read, to find include cycles. */
struct frame {
	const char *path;
	dev_t dev;
	ino_t ino;
	bool has_id;		/* false for the text of parse_string */
};

struct parser {
	struct scenario *sc;
	FILE *errf;
	int nerrs;
	bool oom;
	struct frame stack[SC_MAX_DEPTH + 1];
	int depth;
	/* The first step, fault, block or expect: topology precedes it. */
	const char *first_what;
	struct loc first;
	struct loc purpose;	/* the first purpose line, file NULL if none */
	int nsteps;		/* agent steps the runner will make */
	/* The open parallel block; moved into items at its `end`. */
	bool in_block;
	struct sc_item block;
	/* The open thread of that block; moved into its children at `end`. */
	bool in_thread;
	struct sc_item thread;
	int block_cap, thread_cap, items_cap, expects_cap, files_cap;
	int requires_cap;
	/* A `fault fail-nth` waiting for its step; file NULL: none. */
	struct loc fail_nth;
};

/* --- errors and memory -------------------------------------------------- */

static bool full(const struct parser *p)
{
	return p->nerrs >= SC_MAX_ERRORS || p->oom;
}

__attribute__((format(printf, 3, 4)))
static void err(struct parser *p, const struct loc *at, const char *fmt, ...)
{
	va_list ap;

	if (full(p))
		return;
	p->nerrs++;
	if (at->line > 0)
		fprintf(p->errf, "%s:%d: ", at->file, at->line);
	else
		fprintf(p->errf, "%s: ", at->file);
	va_start(ap, fmt);
	vfprintf(p->errf, fmt, ap);
	va_end(ap);
	fputc('\n', p->errf);
}

static char *sdup(struct parser *p, const char *s)
{
	char *d = strdup(s);

	if (!d)
		p->oom = true;
	return d;
}

/* @arr (holding @n of *@cap elements of @size) with room for one more. */
static void *grow(struct parser *p, void *arr, int n, int *cap, size_t size)
{
	int ncap = *cap ? *cap * 2 : 8;
	void *na;

	if (n < *cap)
		return arr;
	na = reallocarray(arr, ncap, size);
	if (!na) {
		p->oom = true;
		return NULL;
	}
	*cap = ncap;
	return na;
}

/* --- words -------------------------------------------------------------- */

/* What the agent splits steps on; other control characters are refused. */
static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static char *trim(char *s)
{
	size_t n;

	while (is_blank(*s))
		s++;
	n = strlen(s);
	while (n && is_blank(s[n - 1]))
		s[--n] = 0;
	return s;
}

/* End the first word of @s; returns what follows, leading blanks skipped. */
static char *split_word(char *s)
{
	while (*s && !is_blank(*s))
		s++;
	if (!*s)
		return s;
	*s++ = 0;
	while (is_blank(*s))
		s++;
	return s;
}

/* A copy of trimmed @s with each run of blanks made one space. */
static char *squeeze(struct parser *p, const char *s)
{
	char *out = malloc(strlen(s) + 1), *o = out;

	if (!out) {
		p->oom = true;
		return NULL;
	}
	while (*s) {
		if (!is_blank(*s)) {
			*o++ = *s++;
			continue;
		}
		while (is_blank(*s))
			s++;
		*o++ = ' ';
	}
	*o = 0;
	return out;
}

/* strlen() of what squeeze() makes of trimmed @s. */
static size_t squeezed_len(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += !is_blank(*s) || !is_blank(s[1]);
	return n;
}

/*
 * Index of @name in a table whose elements start with their name (a
 * string array is such a table), -1 if absent.
 */
static int find_name(const void *tab, size_t n, size_t size, const char *name)
{
	for (size_t i = 0; i < n; i++) {
		const char *s = *(const char *const *)((const char *)tab +
						       i * size);

		if (s && !strcmp(s, name))
			return i;
	}
	return -1;
}

/* "a, b, c" of the same kind of table, into @buf. */
static const char *list_names(char *buf, const void *tab, size_t n,
			      size_t size)
{
	size_t len = 0;

	buf[0] = 0;
	for (size_t i = 0; i < n && len < NAMES_LEN; i++) {
		const char *s = *(const char *const *)((const char *)tab +
						       i * size);

		if (s)
			len += snprintf(buf + len, NAMES_LEN - len, "%s%s",
					len ? ", " : "", s);
	}
	return buf;
}

#define FIND(tab, name) find_name(tab, ARRAY_SIZE(tab), sizeof(tab[0]), name)
#define NAMES(buf, tab) list_names(buf, tab, ARRAY_SIZE(tab), sizeof(tab[0]))

/* Plain decimal @s in min..max: no sign, no blanks, no hex. */
static bool parse_range(const char *s, unsigned long long min,
			unsigned long long max, unsigned long long *out)
{
	unsigned long long v = 0;

	if (!*s)
		return false;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return false;
		v = v * 10 + (*s - '0');
		if (v > max)	/* also keeps v far from overflowing */
			return false;
	}
	*out = v;
	return v >= min;
}

/* A probability as a decimal 0..1: "0", "1", "0.25", "1.0". */
static bool parse_prob(const char *s)
{
	bool one = *s == '1';

	if (*s != '0' && *s != '1')
		return false;
	if (!*++s)
		return true;
	if (*s++ != '.' || !*s)
		return false;
	for (; *s; s++) {
		if (*s < '0' || *s > '9' || (one && *s != '0'))
			return false;
	}
	return true;
}

/* Decimal as parse_range(), or 0x hex: a register offset or value. */
static bool parse_num(const char *s, unsigned long long min,
		      unsigned long long max, unsigned long long *out)
{
	unsigned long long v = 0;

	if (s[0] != '0' || (s[1] != 'x' && s[1] != 'X'))
		return parse_range(s, min, max, out);
	if (!s[2] || strlen(s + 2) > 8)
		return false;
	for (s += 2; *s; s++) {
		int d = *s >= '0' && *s <= '9' ? *s - '0' :
			*s >= 'a' && *s <= 'f' ? *s - 'a' + 10 :
			*s >= 'A' && *s <= 'F' ? *s - 'A' + 10 : -1;

		if (d < 0)
			return false;
		v = v * 16 + d;
	}
	*out = v;
	return v >= min && v <= max;
}

/* -1 for "pf", N for "vfN" (0..6), -2 for anything else. */
static int fn_index(const char *s)
{
	if (!strcmp(s, "pf"))
		return -1;
	if (s[0] == 'v' && s[1] == 'f' && s[2] >= '0' && s[2] <= '6' && !s[3])
		return s[2] - '0';
	return -2;
}

/* A function name; a VF must exist in the topology read so far. */
static bool check_fn(struct parser *p, const struct loc *at, const char *what,
		     const char *s, bool vf_only)
{
	unsigned int vfs = p->sc->topo.vfs;
	int i = fn_index(s);

	if (i == -2 || (vf_only && i == -1)) {
		err(p, at, "%s wants %s, got '%s'", what,
		    vf_only ? "a VF (vf0..vf6)" : "pf or vf0..vf6", s);
		return false;
	}
	if (i >= 0 && (unsigned int)i >= vfs) {
		err(p, at, "%s names %s but the topology has %u VF%s (vfs=%u)",
		    what, s, vfs, vfs == 1 ? "" : "s", vfs);
		return false;
	}
	return true;
}

/* --- files, items, expectations ----------------------------------------- */

/* Keep @path in sc->files (each file once); returns the kept copy. */
static const char *keep_file(struct parser *p, const char *path)
{
	struct scenario *sc = p->sc;
	char **files;

	for (int i = 0; i < sc->nfiles; i++) {
		if (!strcmp(sc->files[i], path))
			return sc->files[i];
	}
	files = grow(p, sc->files, sc->nfiles, &p->files_cap, sizeof(*files));
	if (!files)
		return NULL;
	sc->files = files;
	files[sc->nfiles] = sdup(p, path);
	if (!files[sc->nfiles])
		return NULL;
	return files[sc->nfiles++];
}

/*
 * A zeroed slot at the end of the open thread, or else of the open block,
 * or else of the items.
 */
static struct sc_item *new_item(struct parser *p)
{
	struct scenario *sc = p->sc;
	struct sc_item *arr;

	if (p->in_thread) {
		arr = grow(p, p->thread.children, p->thread.nchildren,
			   &p->thread_cap, sizeof(*arr));
		if (!arr)
			return NULL;
		p->thread.children = arr;
		arr += p->thread.nchildren++;
	} else if (p->in_block) {
		arr = grow(p, p->block.children, p->block.nchildren,
			   &p->block_cap, sizeof(*arr));
		if (!arr)
			return NULL;
		p->block.children = arr;
		arr += p->block.nchildren++;
	} else {
		arr = grow(p, sc->items, sc->nitems, &p->items_cap,
			   sizeof(*arr));
		if (!arr)
			return NULL;
		sc->items = arr;
		arr += sc->nitems++;
	}
	memset(arr, 0, sizeof(*arr));
	return arr;
}

/*
 * Each step, fault, block marker and in-guest expectation is one agent
 * step (sim/harness/scenario_run.c); the runner takes SC_MAX_STEPS.
 */
static void count_steps(struct parser *p, const struct loc *at, int n)
{
	if (p->nsteps <= SC_MAX_STEPS && p->nsteps + n > SC_MAX_STEPS)
		err(p, at, "more than %d agent steps in one scenario (steps, "
		    "faults, parallel blocks and in-guest expectations)",
		    SC_MAX_STEPS);
	p->nsteps += n;
}

static bool block_full(struct parser *p, const struct loc *at);

static void add_item(struct parser *p, const struct loc *at,
		     enum sc_kind kind, const char *words)
{
	struct sc_item *it;

	if (p->in_block && !p->in_thread && block_full(p, at))
		return;
	/* A bare line of a parallel block is a thread of its own. */
	count_steps(p, at, p->in_block && !p->in_thread ? 3 : 1);
	it = new_item(p);
	if (!it)
		return;
	it->kind = kind;
	it->file = at->file;
	it->line = at->line;
	it->text = squeeze(p, words);
}

static void add_expect(struct parser *p, const struct loc *at,
		       const char *kind, const char *arg)
{
	struct scenario *sc = p->sc;
	struct sc_expect *e;

	e = grow(p, sc->expects, sc->nexpects, &p->expects_cap, sizeof(*e));
	if (!e)
		return;
	sc->expects = e;
	e += sc->nexpects++;
	e->kind = sdup(p, kind);
	e->arg = sdup(p, arg);
	e->file = at->file;
	e->line = at->line;
	e->after_item = sc->nitems - 1;
	e->thread = e->after_child = -1;
	if (p->in_thread) {
		/* The indices the block and the thread get at their `end`. */
		e->after_item = sc->nitems;
		e->thread = p->block.nchildren;
		e->after_child = p->thread.nchildren - 1;
	}
}

static void free_items(struct sc_item *it, int n)
{
	for (int i = 0; i < n; i++) {
		free(it[i].text);
		free_items(it[i].children, it[i].nchildren);
	}
	free(it);
}

/* Topology may not follow the first thing that happens in the run. */
static void note_first(struct parser *p, const struct loc *at,
		       const char *what)
{
	if (p->first_what)
		return;
	p->first_what = what;
	p->first = *at;
}

/* --- topology ----------------------------------------------------------- */

enum topo_type { T_UINT, T_BOOL, T_SEED, T_TT, T_PROFILE, T_CMDLINE, T_SERIES };

static const struct topo_key {
	const char *name;
	enum topo_type type;
	unsigned long long min, max;
	size_t off;		/* T_UINT, T_BOOL: of its field */
} topo_keys[] = {
#define U(name, min, max, field) \
	{ name, T_UINT, min, max, offsetof(struct sc_topology, field) }
	U("vfs", 0, 7, vfs),
	{ "time-travel", T_TT, 0, 0, 0 },
	U("context-size", 0, 64 << 20, context_size),
	U("mem", 64, 16384, mem_mb),
	U("timeout", 1, 3600, timeout_s),
	{ "cmdline", T_CMDLINE, 0, 0, 0 },
	{ "profile", T_PROFILE, 0, 0, 0 },
	{ "series", T_SERIES, 0, 0, 0 },
	{ "pf-indirect", T_BOOL, 0, 1, offsetof(struct sc_topology, pf_indirect) },
	{ "pf-legacy", T_BOOL, 0, 1, offsetof(struct sc_topology, pf_legacy) },
	U("admin-limit", 1, 255, admin_limit),
	{ "seed", T_SEED, 0, UINT32_MAX, 0 },
#undef U
};

static const char *const tt_modes[] = { "off", "basic", "inf-cpu" };

static bool is_profile(const char *s)
{
	return *s && !s[strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789_-")];
}

/* "a,b": names of driver/kseries/ series, comma-separated */
static bool is_series_list(const char *s)
{
	size_t n = strlen(s);

	return n && s[0] != ',' && s[n - 1] != ',' && !strstr(s, ",,") &&
	       !s[strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789_.-,")];
}

static void set_string(struct parser *p, char **field, const char *v)
{
	char *s = sdup(p, v);

	if (!s)
		return;
	free(*field);
	*field = s;
}

static void topo_number(struct parser *p, const struct loc *at,
			const struct topo_key *k, const char *v)
{
	struct sc_topology *t = &p->sc->topo;
	unsigned long long n;

	if (!parse_range(v, k->min, k->max, &n)) {
		err(p, at, "topology key '%s' wants %llu..%llu, got %s",
		    k->name, k->min, k->max, *v ? v : "nothing");
		return;
	}
	if (k->type == T_BOOL) {
		*(bool *)((char *)t + k->off) = n;
	} else if (k->type == T_SEED) {
		t->seed = n;
		t->seed_set = true;
	} else {
		*(unsigned int *)((char *)t + k->off) = n;
	}
}

static void topo_set(struct parser *p, const struct loc *at,
		     const struct topo_key *k, const char *v)
{
	struct sc_topology *t = &p->sc->topo;
	char buf[NAMES_LEN];
	int i;

	switch (k->type) {
	case T_TT:
		i = FIND(tt_modes, v);
		if (i < 0)
			err(p, at, "topology key '%s' wants one of: %s; got '%s'",
			    k->name, NAMES(buf, tt_modes), v);
		else
			t->time_travel = i;
		break;
	case T_PROFILE:
		if (!is_profile(v))
			err(p, at, "topology key '%s' wants a name of a-z, 0-9, '_' and '-', got '%s'",
			    k->name, v);
		else
			set_string(p, &t->profile, v);
		break;
	case T_CMDLINE:
		set_string(p, &t->cmdline, v);
		break;
	case T_SERIES:
		if (!is_series_list(v))
			err(p, at, "topology key '%s' wants series names (a-z, 0-9, '_', '.', '-') separated by commas, got '%s'",
			    k->name, v);
		else
			set_string(p, &t->series, v);
		break;
	default:
		topo_number(p, at, k, v);
	}
}

static void do_topology(struct parser *p, const struct loc *at, char *rest)
{
	char buf[NAMES_LEN];
	char *w, *next;

	if (p->first_what) {
		err(p, at, "'topology' after the first %s (%s:%d)",
		    p->first_what, p->first.file, p->first.line);
		return;
	}
	if (!*rest) {
		err(p, at, "'topology' needs KEY=VALUE words");
		return;
	}
	for (w = rest; *w; w = next) {
		char *eq;
		int i;

		/* The kernel command line has spaces: it takes the rest. */
		if (!strncmp(w, "cmdline=", 8)) {
			set_string(p, &p->sc->topo.cmdline, w + 8);
			return;
		}
		next = split_word(w);
		eq = strchr(w, '=');
		if (!eq) {
			err(p, at, "topology word '%s' is not KEY=VALUE", w);
			continue;
		}
		*eq = 0;
		i = FIND(topo_keys, w);
		if (i < 0)
			err(p, at, "unknown topology key '%s' (expected one of: %s)",
			    w, NAMES(buf, topo_keys));
		else
			topo_set(p, at, &topo_keys[i], eq + 1);
	}
}

/* --- faults ------------------------------------------------------------- */

enum val_type { V_OP, V_FN, V_VF, V_UINT, V_PROB, V_NUM, V_PTR, V_REG };

struct fault_key {
	const char *name;
	enum val_type type;
	unsigned long long min, max;
	bool required;
};

static const struct fault_spec {
	const char *name;
	struct fault_key keys[MAX_KEYS];	/* ends at a NULL name */
	/* Kernel fault injection: an agent step, checked by its table. */
	bool agent_step;
} faults[] = {
#define K_OP { "op", V_OP, 0, 0, true }
#define K_NTH { "nth", V_UINT, 1, 1000000, false }
#define K_PROB { "prob", V_PROB, 0, 0, false }
#define K_FN { "fn", V_FN, 0, 0, true }
#define K_MS { "ms", V_UINT, 1, 600000, true }
#define K_N(name) { name, V_UINT, 1, 1000000, false }
	{ "admin-fail",
	  { K_OP, K_NTH, K_PROB, { "status", V_UINT, 1, 65535, false } },
	  false },
	{ "admin-delay", { K_OP, K_NTH, K_MS }, false },
	{ "admin-hang", { K_OP, K_NTH }, false },
	{ "admin-short", { K_OP, K_NTH }, false },
	{ "admin-oversize", { K_OP, K_NTH }, false },
	{ "admin-bad-len", { K_OP, K_NTH }, false },
	{ "admin-corrupt", { K_OP, K_NTH }, false },
	{ "msi-drop", { K_FN, K_NTH, K_N("count") }, false },
	{ "msi-delay", { K_FN, K_MS, K_NTH }, false },
	{ "msi-dup", { K_FN, K_NTH }, false },
	{ "cfg-ones", { K_FN, K_N("count") }, false },
	/* Config registers that read wrong (an enumeration-time VF fault). */
	{ "cfg-value",
	  { K_FN, { "off", V_NUM, 0, 4095, true },
	    { "val", V_NUM, 0, 0xffffffff, true },
	    { "len", V_NUM, 1, 4, false }, K_N("count") }, false },
	{ "cap-next",
	  { K_FN, { "ptr", V_PTR, 0, 4095, true },
	    { "ext", V_UINT, 0, 1, false }, K_N("count") }, false },
	{ "read-ones", { K_FN, { "reg", V_REG, 0, 0, true }, K_NTH }, false },
	{ "slow-reply", { K_FN, { "us", V_UINT, 1, 100000000, true } }, false },
	{ "unplug", { K_FN }, false },
	{ "flr", { { "fn", V_VF, 0, 0, true } }, false },
	{ "pf-reset", { { 0 } }, false },
	{ "failslab", { { 0 } }, true },
	{ "fail-page-alloc", { { 0 } }, true },
	/* The Nth fault-injection site of the next step fails (fail-nth). */
	{ "fail-nth", { { 0 } }, true },
#undef K_OP
#undef K_NTH
#undef K_PROB
#undef K_FN
#undef K_MS
#undef K_N
};

/* Device faults that last until `fault NAME off`. */
static const char *const off_faults[] = { "cfg-value", "cap-next" };

static bool can_off(const struct fault_spec *f)
{
	return FIND(off_faults, f->name) >= 0;
}

static const char *const admin_ops[] = {
	"LIST_QUERY", "LIST_USE", "CAP_ID_LIST_QUERY", "DEVICE_CAP_GET",
	"DRIVER_CAP_SET", "RESOURCE_OBJ_CREATE", "RESOURCE_OBJ_DESTROY",
	"DEV_PARTS_METADATA_GET", "DEV_PARTS_GET", "DEV_PARTS_SET",
	"DEV_MODE_SET", "LEGACY_COMMON_CFG_WRITE", "LEGACY_COMMON_CFG_READ",
	"LEGACY_DEV_CFG_WRITE", "LEGACY_DEV_CFG_READ", "LEGACY_NOTIFY_INFO",
	"any",
};

static bool check_value(struct parser *p, const struct loc *at,
			const struct fault_spec *f, const struct fault_key *k,
			const char *v)
{
	char what[64], buf[NAMES_LEN];
	unsigned long long n;

	switch (k->type) {
	case V_OP:
		if (FIND(admin_ops, v) >= 0)
			return true;
		err(p, at, "fault '%s': unknown op '%s' (expected one of: %s)",
		    f->name, v, NAMES(buf, admin_ops));
		return false;
	case V_FN:
	case V_VF:
		snprintf(what, sizeof(what), "fault '%s' fn", f->name);
		return check_fn(p, at, what, v, k->type == V_VF);
	case V_UINT:
		if (parse_range(v, k->min, k->max, &n))
			return true;
		err(p, at, "fault '%s': %s wants %llu..%llu, got %s", f->name,
		    k->name, k->min, k->max, *v ? v : "nothing");
		return false;
	case V_PTR:
		if (!strcmp(v, "first") || !strcmp(v, "self"))
			return true;
		__attribute__((fallthrough));	/* a number */
	case V_NUM:
		if (parse_num(v, k->min, k->max, &n) &&
		    (strcmp(k->name, "len") || n == 1 || n == 2 || n == 4))
			return true;
		if (!strcmp(k->name, "len"))
			err(p, at, "fault '%s': len wants 1, 2 or 4, got %s",
			    f->name, *v ? v : "nothing");
		else
			err(p, at, "fault '%s': %s wants %s%llu..%#llx (decimal or 0x hex), got %s",
			    f->name, k->name,
			    k->type == V_PTR ? "first, self or " : "",
			    k->min, k->max, *v ? v : "nothing");
		return false;
	case V_PROB:
		if (parse_prob(v))
			return true;
		err(p, at, "fault '%s': %s wants a decimal 0..1 (e.g. 0.25), got %s",
		    f->name, k->name, *v ? v : "nothing");
		return false;
	case V_REG: {
		/* The simulator's own parser says what a register is. */
		char text[96], why[160];
		struct fault parsed;

		snprintf(text, sizeof(text), "read-ones reg=%s", v);
		if (!fault_parse(text, &parsed, why, sizeof(why)))
			return true;
		err(p, at, "fault '%s': %s", f->name, why);
		return false;
	}
	}
	return false;
}

/* One KEY=VALUE word of fault @f; @seen records the keys given. */
static bool fault_word(struct parser *p, const struct loc *at,
		       const struct fault_spec *f, char *w, bool *seen)
{
	char *eq = strchr(w, '=');
	char buf[NAMES_LEN];
	int i;

	if (can_off(f) && !strcmp(w, "off")) {
		err(p, at, "fault '%s': 'off' stands alone ('fault %s off')",
		    f->name, f->name);
		return false;
	}
	if (!eq) {
		err(p, at, "fault '%s': '%s' is not KEY=VALUE", f->name, w);
		return false;
	}
	*eq = 0;
	i = find_name(f->keys, MAX_KEYS, sizeof(f->keys[0]), w);
	if (i < 0 && !f->keys[0].name) {
		err(p, at, "fault '%s' takes no arguments, got '%s'", f->name, w);
		return false;
	}
	if (i < 0) {
		err(p, at, "fault '%s' has no key '%s' (expected one of: %s)",
		    f->name, w, list_names(buf, f->keys, MAX_KEYS,
					   sizeof(f->keys[0])));
		return false;
	}
	if (seen[i]) {
		err(p, at, "fault '%s': key '%s' given twice", f->name, w);
		return false;
	}
	seen[i] = true;
	return check_value(p, at, f, &f->keys[i], eq + 1);
}

/* failslab, fail-page-alloc, fail-nth: the agent's steps of the same name. */
static bool check_agent_fault(struct parser *p, const struct loc *at,
			      const char *text)
{
	const struct step_env env = { .vfs = p->sc->topo.vfs };
	char why[STEP_WHY_LEN];

	if (step_check_line(text, &env, why, sizeof(why)))
		return true;
	err(p, at, "fault %s", why + strlen("step "));
	return false;
}

/* cfg-value's register lies within one naturally aligned access. */
static bool cfg_value_aligned(struct parser *p, const struct loc *at,
			      const char *text)
{
	unsigned long long off = 0, len = 4;
	const char *o = strstr(text, " off="), *l = strstr(text, " len=");
	char word[16];

	if (o && sscanf(o + 5, "%15s", word) == 1)
		parse_num(word, 0, 4095, &off);
	if (l && sscanf(l + 5, "%15s", word) == 1)
		parse_num(word, 1, 4, &len);
	if (!(off % len))
		return true;
	err(p, at, "fault 'cfg-value': off=%#llx is not aligned to len=%llu",
	    off, len);
	return false;
}

static bool check_fault(struct parser *p, const struct loc *at,
			const char *text)
{
	char line[SC_MAX_LINE + 1], buf[NAMES_LEN];
	bool seen[MAX_KEYS] = { false };
	const struct fault_spec *f;
	int i, nth, prob;
	char *w, *next;
	bool ok = true;

	snprintf(line, sizeof(line), "%s", text);
	next = split_word(line);
	i = FIND(faults, line);
	if (i < 0) {
		err(p, at, "unknown fault '%s' (expected one of: %s)", line,
		    NAMES(buf, faults));
		return false;
	}
	f = &faults[i];
	if (f->agent_step)
		return check_agent_fault(p, at, text);
	if (can_off(f) && !strcmp(next, "off"))
		return true;
	for (w = next; *w; w = next) {
		next = split_word(w);
		ok &= fault_word(p, at, f, w, seen);
	}
	for (i = 0; i < MAX_KEYS && f->keys[i].name; i++) {
		if (f->keys[i].required && !seen[i]) {
			err(p, at, "fault '%s' needs %s=...", f->name,
			    f->keys[i].name);
			ok = false;
		}
	}
	nth = find_name(f->keys, MAX_KEYS, sizeof(f->keys[0]), "nth");
	prob = find_name(f->keys, MAX_KEYS, sizeof(f->keys[0]), "prob");
	if (nth >= 0 && prob >= 0 && seen[nth] && seen[prob]) {
		err(p, at, "fault '%s': nth and prob are mutually exclusive",
		    f->name);
		ok = false;
	}
	if (ok && !strcmp(f->name, "cfg-value"))
		ok = cfg_value_aligned(p, at, text);
	return ok;
}

/* --- expectations ------------------------------------------------------- */

static const char *const finding_kinds[] = {
	"lockdep-circular", "lockdep-inconsistent", "lockdep-bad-unlock",
	"lockdep-held-lock-freed", "lockdep-recursive",
	"lockdep-irq-inversion", "lockdep-irq-order", "sleep-in-atomic",
	"kasan", "kfence", "ubsan", "hung-task", "panic", "warning", "bug",
};

static const char *const item_names[] = {
	[SC_STEP] = "step", [SC_FAULT] = "fault",
	[SC_PARALLEL] = "parallel block", [SC_THREAD] = "thread",
};

/*
 * "N" or, for errno, "N|M|...": the outcomes a racing step may have (0:
 * it succeeded).
 */
static bool result_values(const char *kind, char *arg)
{
	unsigned long long max = strcmp(kind, "errno") ? 255 : 4095, n;
	char *bar;

	for (;;) {
		bar = strchr(arg, '|');
		if (bar && !strcmp(kind, "errno"))
			*bar = 0;
		if (!parse_range(arg, 0, max, &n))
			return false;
		if (!bar || strcmp(kind, "errno"))
			return true;
		arg = bar + 1;
	}
}

/* status and errno: of the step just before. */
static bool ex_result(struct parser *p, const struct loc *at,
		      const char *kind, char *arg)
{
	const struct sc_item *prev;
	char copy[SC_MAX_LINE + 1];

	snprintf(copy, sizeof(copy), "%s", arg);
	if (!result_values(kind, copy)) {
		if (strcmp(kind, "errno"))
			err(p, at, "'expect %s' wants a number 0..255, got '%s'",
			    kind, arg);
		else
			err(p, at, "'expect %s' wants a number 0..4095, or several as N|M (0: success), got '%s'",
			    kind, arg);
		return false;
	}
	if (p->in_thread && !p->thread.nchildren) {
		err(p, at, "'expect %s' needs a preceding step in its thread (line %d)",
		    kind, p->thread.line);
		return false;
	}
	if (!p->in_thread && !p->sc->nitems) {
		err(p, at, "'expect %s' needs a preceding step", kind);
		return false;
	}
	prev = p->in_thread ? &p->thread.children[p->thread.nchildren - 1] :
			      &p->sc->items[p->sc->nitems - 1];
	if (prev->kind != SC_STEP) {
		err(p, at, "'expect %s' needs a preceding step, not a %s (%s:%d)",
		    kind, item_names[prev->kind], prev->file, prev->line);
		return false;
	}
	return true;
}

/* "@step @a @b" is an agent step the agent's table takes. */
static bool agent_can_run(struct parser *p, const struct loc *at,
			  const char *step, const char *a, const char *b)
{
	const struct step_env env = { .vfs = p->sc->topo.vfs };
	char line[2 * SC_MAX_LINE], why[STEP_WHY_LEN];

	snprintf(line, sizeof(line), "%s %s %s", step, a, b);
	if (step_check_line(line, &env, why, sizeof(why)))
		return true;
	err(p, at, "the agent cannot run it: %s", why);
	return false;
}

static bool ex_sysfs(struct parser *p, const struct loc *at,
		     const char *kind, char *arg)
{
	char *value = split_word(arg);

	if (strncmp(arg, "/sys/", 5)) {
		err(p, at, "'expect %s' wants a path under /sys/, got '%s'",
		    kind, arg);
		return false;
	}
	if (!*value) {
		err(p, at, "'expect %s %s' needs a VALUE", kind, arg);
		return false;
	}
	return agent_can_run(p, at, "expect-sysfs", arg, value);
}

/*
 * glibc's regcomp() expands repetitions: 'a+' is 'aa*', 'x{m,n}' is n
 * copies of x, so 'a++++++++++++++++++++' or nested bounds take gigabytes.
 * Before compiling, estimate the expanded size of an ERE and refuse
 * patterns beyond RE_MAX_NODES, nested more than RE_MAX_DEPTH groups, or
 * with adjacent repetition operators (undefined in POSIX EREs).
 */
#define RE_MAX_NODES 2000
#define RE_MAX_DEPTH 16

struct re_walk {
	const char *s;
	int depth;
	const char *why;
};

static unsigned long re_cap(unsigned long n)
{
	return n > RE_MAX_NODES ? RE_MAX_NODES + 1 : n;
}

/* "{m}", "{m,}", "{m,n}" at w->s: its largest count, or 0 if none. */
static unsigned long re_bound(struct re_walk *w)
{
	const char *s = w->s + 1;
	unsigned long m = 0, n;

	if (*s < '0' || *s > '9')
		return 0;
	while (*s >= '0' && *s <= '9')
		m = re_cap(m * 10 + (*s++ - '0'));
	n = m;
	if (*s == ',') {
		n = 0;
		for (s++; *s >= '0' && *s <= '9'; s++)
			n = re_cap(n * 10 + (*s - '0'));
		if (n < m)
			n = m;
	}
	if (*s != '}')
		return 0;
	w->s = s + 1;
	return n + 1;
}

/* After an atom of @size: its repetition, if any. */
static unsigned long re_repeat(struct re_walk *w, unsigned long size)
{
	unsigned long times = 1;

	if (*w->s == '*' || *w->s == '?') {
		w->s++;
	} else if (*w->s == '+') {
		w->s++;
		times = 2;
	} else if (*w->s == '{' && !(times = re_bound(w))) {
		times = 1;
	}
	if (*w->s == '*' || *w->s == '+' || *w->s == '?' ||
	    (*w->s == '{' && w->s[1] >= '0' && w->s[1] <= '9'))
		w->why = "adjacent repetition operators";
	return re_cap(size * times);
}

static void re_bracket(struct re_walk *w)
{
	const char *s = w->s + 1;

	s += *s == '^';
	s += *s == ']';
	while (*s && *s != ']') {
		if (*s == '[' && (s[1] == ':' || s[1] == '.' || s[1] == '=')) {
			const char *end = strchr(s + 2, s[1]);

			while (end && end[1] != ']')
				end = strchr(end + 1, s[1]);
			s = end ? end + 2 : s + 1;
			continue;
		}
		s++;
	}
	w->s = *s ? s + 1 : s;
}

static unsigned long re_alt(struct re_walk *w);

static unsigned long re_atom(struct re_walk *w)
{
	unsigned long size = 1;

	switch (*w->s) {
	case '(':
		if (++w->depth > RE_MAX_DEPTH)
			w->why = "groups nested too deep";
		w->s++;
		size = re_alt(w) + 1;
		w->depth--;
		w->s += *w->s == ')';
		break;
	case '[':
		re_bracket(w);
		break;
	case '\\':
		w->s += w->s[1] ? 2 : 1;
		break;
	default:
		w->s++;
	}
	return re_repeat(w, size);
}

/* Branches separated by '|' up to ')' or the end: all are compiled. */
static unsigned long re_alt(struct re_walk *w)
{
	unsigned long size = 0;

	while (*w->s && *w->s != ')' && !w->why && size <= RE_MAX_NODES) {
		if (*w->s == '|') {
			w->s++;
			continue;
		}
		size = re_cap(size + re_atom(w));
	}
	return size;
}

static bool regex_bounded(const char *re, char *why, size_t len)
{
	struct re_walk w = { re, 0, NULL };
	unsigned long size = 0;

	while (*w.s && !w.why && size <= RE_MAX_NODES) {
		size = re_cap(size + re_alt(&w));
		w.s += *w.s == ')';	/* unbalanced: regcomp() says so */
	}
	if (!w.why && size > RE_MAX_NODES)
		w.why = "repetitions expand it beyond 2000 nodes";
	if (w.why)
		snprintf(why, len, "%s", w.why);
	return !w.why;
}

static bool ex_regex(struct parser *p, const struct loc *at,
		     const char *kind, char *arg)
{
	char msg[256];
	regex_t re;
	int rc;

	if (!*arg) {
		err(p, at, "'expect %s' needs a REGEX", kind);
		return false;
	}
	if (!regex_bounded(arg, msg, sizeof(msg))) {
		err(p, at, "'expect %s': regex '%.60s%s' refused: %s", kind, arg,
		    strlen(arg) > 60 ? "..." : "", msg);
		return false;
	}
	rc = regcomp(&re, arg, REG_EXTENDED | REG_NOSUB);
	if (rc) {
		regerror(rc, &re, msg, sizeof(msg));
		err(p, at, "'expect %s': invalid regex '%s': %s", kind, arg,
		    msg);
		return false;
	}
	regfree(&re);
	return true;
}

/*
 * KIND, or KIND|KIND|...: one of them must be reported; with `none` among
 * them, a run without a report passes too (a race that may or may not
 * hit a kernel bug).
 */
static bool ex_finding(struct parser *p, const struct loc *at,
		       const char *kind, char *arg)
{
	char *extra = split_word(arg);
	char buf[NAMES_LEN], *k, *save;

	if (*arg == '|' || (*arg && arg[strlen(arg) - 1] == '|') ||
	    strstr(arg, "||")) {
		err(p, at, "'expect %s' wants KIND or KIND|KIND..., got '%s'",
		    kind, arg);
		return false;
	}
	for (k = strtok_r(arg, "|", &save); k; k = strtok_r(NULL, "|", &save)) {
		if (!strcmp(k, "none") || FIND(finding_kinds, k) >= 0)
			continue;
		err(p, at, "'expect %s': unknown kind '%s' (expected one of: %s; several as A|B, none: no report is fine too)",
		    kind, k, NAMES(buf, finding_kinds));
		return false;
	}
	if (!*arg) {
		err(p, at, "'expect %s' wants KIND or KIND|KIND...", kind);
		return false;
	}
	if (*extra) {
		err(p, at, "'expect %s' wants one KIND, got also '%s'", kind,
		    extra);
		return false;
	}
	return true;
}

/* expect timeout: the run must hang (a livelock no detector reports). */
static bool ex_timeout(struct parser *p, const struct loc *at,
		       const char *kind, char *arg)
{
	if (*arg) {
		err(p, at, "'expect %s' takes no argument", kind);
		return false;
	}
	return true;
}

static bool ex_sim(struct parser *p, const struct loc *at, const char *kind,
		   char *arg)
{
	char *extra = split_word(arg);
	char *eq = strchr(arg, '=');

	if (!eq || eq == arg || !eq[1] || *extra) {
		err(p, at, "'expect %s' wants one KEY=VALUE, e.g. pf.admin_objects=0",
		    kind);
		return false;
	}
	*eq = 0;
	if (arg[strspn(arg, "abcdefghijklmnopqrstuvwxyz0123456789_.")]) {
		err(p, at, "'expect %s' key '%s' may hold only a-z, 0-9, '_' and '.'",
		    kind, arg);
		return false;
	}
	return true;
}

static bool ex_equal(struct parser *p, const struct loc *at,
		     const char *kind, char *arg)
{
	char *b = split_word(arg);
	char *extra = split_word(b);
	char what[32];

	if (!*b || *extra) {
		err(p, at, "'expect %s' wants two functions, e.g. 'vf0 vf1'",
		    kind);
		return false;
	}
	snprintf(what, sizeof(what), "'expect %s'", kind);
	if (!check_fn(p, at, what, arg, false) ||
	    !check_fn(p, at, what, b, false))
		return false;
	if (!strcmp(arg, b)) {
		err(p, at, "'expect %s' compares %s with itself", kind, arg);
		return false;
	}
	return true;
}

static const struct expect_kind {
	const char *name;
	bool (*check)(struct parser *p, const struct loc *at,
		      const char *kind, char *arg);
} expect_kinds[] = {
	{ "status", ex_result },
	{ "errno", ex_result },
	{ "sysfs", ex_sysfs },
	{ "dmesg", ex_regex },
	{ "no-dmesg", ex_regex },
	{ "finding", ex_finding },
	{ "sim", ex_sim },
	{ "equal", ex_equal },
	{ "timeout", ex_timeout },
};

static void do_expect(struct parser *p, const struct loc *at, char *rest)
{
	char line[SC_MAX_LINE + 1], buf[NAMES_LEN];
	char *arg = split_word(rest);
	int i;

	if (p->in_block && !p->in_thread) {
		err(p, at, "'expect' inside a 'parallel' block but outside a 'thread' (put it in a thread, or after 'end')");
		return;
	}
	note_first(p, at, "expect line");
	if (!*rest) {
		err(p, at, "'expect' needs a kind (one of: %s)",
		    NAMES(buf, expect_kinds));
		return;
	}
	i = FIND(expect_kinds, rest);
	if (i < 0) {
		err(p, at, "unknown expectation '%s' (expected one of: %s)",
		    rest, NAMES(buf, expect_kinds));
		return;
	}
	/* The checks cut words; the kept argument stays as written. */
	snprintf(line, sizeof(line), "%s", arg);
	if (!expect_kinds[i].check(p, at, rest, line))
		return;
	add_expect(p, at, rest, arg);
	if (!strcmp(rest, "sysfs") || !strcmp(rest, "equal"))
		count_steps(p, at, 1);	/* checked in the guest */
}

/* --- the other keywords ------------------------------------------------- */

static void do_purpose(struct parser *p, const struct loc *at, char *rest)
{
	if (p->purpose.file) {
		err(p, at, "second 'purpose' line (the first is at %s:%d)",
		    p->purpose.file, p->purpose.line);
		return;
	}
	p->purpose = *at;
	if (!*rest) {
		err(p, at, "'purpose' needs a one-line description");
		return;
	}
	p->sc->purpose = sdup(p, rest);
}

struct fault_ctx {
	struct parser *p;
	const struct loc *at;
};

/* A sim-fault step's words, like a fault line's. */
static bool step_fault_ok(void *ctx, const char *words)
{
	struct fault_ctx *c = ctx;

	return check_fault(c->p, c->at, words);
}

/* Against the agent's step table (steps.def) and the topology. */
static void do_step(struct parser *p, const struct loc *at, char *rest)
{
	struct fault_ctx fc = { p, at };
	const struct step_env env = {
		.vfs = p->sc->topo.vfs, .check_fault = step_fault_ok,
		.ctx = &fc,
	};
	char why[STEP_WHY_LEN];

	note_first(p, at, "step");
	if (!*rest) {
		err(p, at, "'step' needs an agent step, e.g. 'step sriov-enable 0000:00:00.0 2'");
		return;
	}
	/* Kept even if refused: the lines after it are judged as usual. */
	if (!step_check_line(rest, &env, why, sizeof(why)) && why[0])
		err(p, at, "%s", why);
	if (!p->in_block)
		p->fail_nth.file = NULL;	/* this step takes it */
	add_item(p, at, SC_STEP, rest);
}

/*
 * `fault fail-nth [nth=N] [within=F] [alloc=...]` fails an allocation of
 * the next sequential step (the agent's main thread): not one inside a
 * parallel block, and there must be one.  Not `count` / `off`.
 */
bool scenario_fault_arms_fail_nth(const char *text)
{
	return !strncmp(text, "fail-nth", 8) && (!text[8] || text[8] == ' ') &&
	       strcmp(text, "fail-nth count") && strcmp(text, "fail-nth off");
}

static void note_fail_nth(struct parser *p, const struct loc *at,
			  const char *text)
{
	if (!scenario_fault_arms_fail_nth(text))
		return;
	if (strstr(text, " alloc=") && !strstr(text, " within="))
		err(p, at, "fault 'fail-nth': alloc= needs within=FUNCTION");
	if (p->in_block) {
		err(p, at, "fault 'fail-nth' inside a 'parallel' block (line %d): it fails an allocation of the next sequential step; the block's steps run in threads",
		    p->block.line);
		return;
	}
	p->fail_nth = *at;
}

static void do_fault(struct parser *p, const struct loc *at, char *rest)
{
	char buf[NAMES_LEN];

	note_first(p, at, "fault");
	if (!*rest) {
		err(p, at, "'fault' needs a fault (one of: %s)",
		    NAMES(buf, faults));
		return;
	}
	if (!check_fault(p, at, rest))
		return;
	/* The simulator's fault_parse() reads it, via one agent step. */
	if (squeezed_len(rest) > FAULT_MAX_TEXT) {
		err(p, at, "fault longer than %d characters", FAULT_MAX_TEXT);
		return;
	}
	note_fail_nth(p, at, rest);
	add_item(p, at, SC_FAULT, rest);
}

static unsigned int block_jitter(struct parser *p, const struct loc *at,
				 char *rest);

static void do_parallel(struct parser *p, const struct loc *at, char *rest)
{
	if (p->in_thread) {
		err(p, at, "'parallel' inside a 'thread' (opened at line %d): parallel blocks do not nest",
		    p->thread.line);
		return;
	}
	if (p->in_block) {
		err(p, at, "nested 'parallel' (the block opened at line %d is still open)",
		    p->block.line);
		return;
	}
	if (p->fail_nth.file) {
		err(p, at, "a 'parallel' block right after 'fault fail-nth' (%s:%d): it fails an allocation of the next sequential step, and the block's steps run in threads (put a step between them)",
		    p->fail_nth.file, p->fail_nth.line);
		p->fail_nth.file = NULL;
	}
	note_first(p, at, "parallel block");
	count_steps(p, at, 2);	/* parallel-begin, parallel-end */
	memset(&p->block, 0, sizeof(p->block));
	p->block.kind = SC_PARALLEL;
	p->block.file = at->file;
	p->block.line = at->line;
	p->block.jitter_ms = block_jitter(p, at, rest);
	p->block_cap = 0;
	p->in_block = true;
}

static void drop_thread(struct parser *p);

static void drop_block(struct parser *p)
{
	drop_thread(p);
	free_items(p->block.children, p->block.nchildren);
	memset(&p->block, 0, sizeof(p->block));
	p->in_block = false;
}

static bool end_thread(struct parser *p, const struct loc *at, char *rest);

static void do_end(struct parser *p, const struct loc *at, char *rest)
{
	struct loc open;
	struct sc_item *it;

	if (end_thread(p, at, rest))
		return;
	if (!p->in_block) {
		err(p, at, "'end' without 'parallel' or 'thread'");
		return;
	}
	if (*rest)
		err(p, at, "'end' takes no arguments");
	open = (struct loc){ p->block.file, p->block.line };
	if (!p->block.nchildren) {
		err(p, &open, "empty parallel block (closed at line %d)",
		    at->line);
		drop_block(p);
		return;
	}
	p->in_block = false;
	it = new_item(p);
	if (!it) {
		p->in_block = true;
		drop_block(p);
		return;
	}
	*it = p->block;
	memset(&p->block, 0, sizeof(p->block));
}

/* --- threads: the branches of a parallel block ------------------------- */

/* "jitter=MS" or nothing: the words after `parallel`. */
static unsigned int block_jitter(struct parser *p, const struct loc *at,
				 char *rest)
{
	char *extra = split_word(rest);
	unsigned long long ms = 0;

	if (!*rest)
		return 0;
	if (*extra || strncmp(rest, "jitter=", 7)) {
		err(p, at, "'parallel' takes only jitter=MS, got '%s'",
		    *extra && !strncmp(rest, "jitter=", 7) ? extra : rest);
		return 0;
	}
	if (!parse_range(rest + 7, 0, SC_MAX_JITTER_MS, &ms))
		err(p, at, "'parallel' jitter wants 0..%d (ms), got '%s'",
		    SC_MAX_JITTER_MS, rest + 7);
	return ms;
}

_Static_assert(SC_MAX_BRANCHES == AGENT_MAX_PARALLEL,
	       "a parallel block has as many branches as the agent runs");

/* Refuse one more branch in a full block (the agent's limit). */
static bool block_full(struct parser *p, const struct loc *at)
{
	if (p->block.nchildren < SC_MAX_BRANCHES)
		return false;
	err(p, at, "more than %d branches in the parallel block opened at line %d",
	    SC_MAX_BRANCHES, p->block.line);
	return true;
}

static void drop_thread(struct parser *p)
{
	if (!p->in_thread)
		return;
	free(p->thread.text);
	free_items(p->thread.children, p->thread.nchildren);
	memset(&p->thread, 0, sizeof(p->thread));
	p->in_thread = false;
}

static void do_thread(struct parser *p, const struct loc *at, char *rest)
{
	char *extra = split_word(rest);

	if (p->in_thread) {
		err(p, at, "nested 'thread' (the thread opened at line %d is still open; 'end' closes it)",
		    p->thread.line);
		return;
	}
	if (!p->in_block) {
		err(p, at, "'thread' outside a 'parallel' block (a thread is one branch of a parallel block)");
		return;
	}
	/* One too many is still read to its `end`, then dropped. */
	block_full(p, at);
	count_steps(p, at, 2);	/* thread-begin, thread-end */
	if (*extra)
		err(p, at, "'thread' takes at most a NAME, got also '%s'", extra);
	/* Thread names use the characters of profile names. */
	if (*rest && !is_profile(rest))
		err(p, at, "thread name wants a-z, 0-9, '_' and '-', got '%s'",
		    rest);
	memset(&p->thread, 0, sizeof(p->thread));
	p->thread.kind = SC_THREAD;
	p->thread.file = at->file;
	p->thread.line = at->line;
	p->thread.text = *rest ? sdup(p, rest) : NULL;
	p->thread_cap = 0;
	p->in_thread = true;
}

/* `end` of the open thread, if any: into its block's branches. */
static bool end_thread(struct parser *p, const struct loc *at, char *rest)
{
	struct sc_item *arr;
	struct loc open;

	if (!p->in_thread)
		return false;
	if (*rest)
		err(p, at, "'end' takes no arguments");
	if (!p->thread.nchildren) {
		open = (struct loc){ p->thread.file, p->thread.line };
		err(p, &open, "empty thread (closed at line %d)", at->line);
		drop_thread(p);
		return true;
	}
	if (p->block.nchildren >= SC_MAX_BRANCHES) {
		drop_thread(p);		/* do_thread() said so */
		return true;
	}
	arr = grow(p, p->block.children, p->block.nchildren, &p->block_cap,
		   sizeof(*arr));
	if (!arr) {
		drop_thread(p);
		return true;
	}
	p->block.children = arr;
	arr[p->block.nchildren++] = p->thread;
	memset(&p->thread, 0, sizeof(p->thread));
	p->in_thread = false;
	return true;
}

static void parse_file(struct parser *p, const struct loc *at,
		       const char *shown, const char *path);

/* @arg relative to the directory of @from, unless absolute. */
static char *resolve(struct parser *p, const char *from, const char *arg)
{
	const char *slash = strrchr(from, '/');
	char *path;

	if (arg[0] == '/' || !slash)
		return sdup(p, arg);
	if (asprintf(&path, "%.*s/%s", (int)(slash - from), from, arg) < 0) {
		p->oom = true;
		return NULL;
	}
	return path;
}

static void do_include(struct parser *p, const struct loc *at, char *rest)
{
	char *extra = split_word(rest);
	char *path;

	/* A block spanning files would be hard to read: keep it local. */
	if (p->in_block) {
		err(p, at, "'include' inside a 'parallel' block");
		return;
	}
	if (!*rest || *extra) {
		err(p, at, "'include' wants one path");
		return;
	}
	path = resolve(p, at->file, rest);
	if (!path)
		return;
	parse_file(p, at, rest, path);
	free(path);
}

/* --- requires ----------------------------------------------------------- */

static void do_requires(struct parser *p, const struct loc *at, char *rest)
{
	struct scenario *sc = p->sc;
	char why[200], *w, *next;

	if (p->first_what) {
		err(p, at, "'requires' after the first %s (%s:%d)",
		    p->first_what, p->first.file, p->first.line);
		return;
	}
	if (!*rest) {
		err(p, at, "'requires' needs what the kernel must have, e.g. 'requires migration'");
		return;
	}
	for (w = rest; *w; w = next) {
		char **grown;

		next = split_word(w);
		if (kcaps_check_word(w, why, sizeof(why))) {
			err(p, at, "%s", why);
			continue;
		}
		grown = grow(p, sc->requires, sc->nrequires, &p->requires_cap,
			     sizeof(*sc->requires));
		if (!grown)
			return;
		sc->requires = grown;
		sc->requires[sc->nrequires] = sdup(p, w);
		if (sc->requires[sc->nrequires])
			sc->nrequires++;
	}
}

static bool declared(const struct scenario *sc, const char *req)
{
	for (int i = 0; i < sc->nrequires; i++)
		if (!strcmp(sc->requires[i], req))
			return true;
	return false;
}

/* What a step needs the kernel to have, or NULL. */
static const char *step_needs(const char *text)
{
	if (!strncmp(text, "mig-", 4) || !strncmp(text, "sim-compare", 11))
		return "migration";
	if (!strncmp(text, "legacy-", 7))
		return "legacy-io";
	return NULL;
}

static void check_item_needs(struct parser *p, const struct sc_item *it)
{
	const struct loc at = { it->file, it->line };
	const char *need;

	for (int c = 0; c < it->nchildren; c++)
		check_item_needs(p, &it->children[c]);
	if (it->kind != SC_STEP || !(need = step_needs(it->text)))
		return;
	if (!declared(p->sc, need))
		err(p, &at, "step '%.*s' needs 'requires %s' (kernels without "
		    "it skip the scenario)", (int)strcspn(it->text, " "),
		    it->text, need);
	if (!strcmp(need, "legacy-io") && !p->sc->topo.pf_legacy)
		err(p, &at, "step '%.*s' needs 'topology pf-legacy=1' (a PF "
		    "that serves the legacy interface)",
		    (int)strcspn(it->text, " "), it->text);
}

/* Every capability the steps need is declared (after the whole file). */
static void check_requires(struct parser *p)
{
	const struct scenario *sc = p->sc;

	for (int i = 0; i < sc->nitems && !full(p); i++)
		check_item_needs(p, &sc->items[i]);
	for (int e = 0; e < sc->nexpects && !full(p); e++) {
		const struct sc_expect *x = &sc->expects[e];
		const struct loc at = { x->file, x->line };

		if (!strcmp(x->kind, "equal") && !declared(sc, "migration"))
			err(p, &at, "'expect equal' needs 'requires migration'");
	}
}

static const struct directive {
	const char *name;
	void (*run)(struct parser *p, const struct loc *at, char *rest);
} directives[] = {
	{ "purpose", do_purpose },
	{ "include", do_include },
	{ "topology", do_topology },
	{ "step", do_step },
	{ "fault", do_fault },
	{ "expect", do_expect },
	{ "parallel", do_parallel },
	{ "thread", do_thread },
	{ "end", do_end },
	{ "requires", do_requires },
};

/* --- lines and files ---------------------------------------------------- */

static void parse_line(struct parser *p, const struct loc *at, char *s)
{
	char buf[NAMES_LEN];
	char *rest;
	int i;

	s = trim(s);
	if (!*s || *s == '#')
		return;
	rest = split_word(s);
	i = FIND(directives, s);
	if (i < 0) {
		err(p, at, "unknown keyword '%s' (expected one of: %s)", s,
		    NAMES(buf, directives));
		return;
	}
	directives[i].run(p, at, rest);
}

/*
 * The first control character of a line but a tab, or -1.  The agent
 * splits a step on spaces and tabs only (driver/agent/step_spec.c): a
 * form feed the parser took for a blank would join two of its words.
 */
static int control_char(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (((unsigned char)s[i] < 0x20 && s[i] != '\t') ||
		    s[i] == 0x7f)
			return (int)i;
	return -1;
}

static void parse_text(struct parser *p, const char *file, const char *text,
		       size_t len)
{
	const char *s = text, *end = text + len;
	char line[SC_MAX_LINE + 1];
	struct loc at = { file, 0 };
	int c;

	while (s < end && !full(p)) {
		const char *nl = memchr(s, '\n', end - s);
		size_t n = nl ? (size_t)(nl - s) : (size_t)(end - s);

		at.line++;
		if (n && s[n - 1] == '\r')
			n--;		/* CRLF */
		if (n > SC_MAX_LINE) {
			err(p, &at, "line is longer than %d characters (%zu)",
			    SC_MAX_LINE, n);
		} else if (memchr(s, 0, n)) {
			err(p, &at, "NUL byte in the line (not a text file?)");
		} else if ((c = control_char(s, n)) >= 0) {
			err(p, &at, "control character 0x%02x in the line, column "
			    "%d (words are separated by spaces and tabs only)",
			    (unsigned char)s[c], c + 1);
		} else {
			memcpy(line, s, n);
			line[n] = 0;
			parse_line(p, &at, line);
		}
		s = nl ? nl + 1 : end;
	}
	if (p->in_thread) {
		at.line = p->thread.line;
		err(p, &at, "'thread' not closed (opened here)");
	}
	if (p->in_block) {
		at.line = p->block.line;
		err(p, &at, "'parallel' block not closed (opened here)");
		drop_block(p);
	}
}

/* Push @path (@st NULL for a string) unless that makes a cycle. */
static const char *enter(struct parser *p, const struct loc *at,
			 const char *path, const struct stat *st)
{
	struct frame *f;
	const char *kept;
	char *chain;
	size_t len;
	FILE *c;

	for (int i = 0; i < p->depth; i++) {
		f = &p->stack[i];
		if (strcmp(f->path, path) && !(st && f->has_id &&
		    f->dev == st->st_dev && f->ino == st->st_ino))
			continue;
		c = open_memstream(&chain, &len);
		if (!c) {
			p->oom = true;
			return NULL;
		}
		for (int j = i; j < p->depth; j++)
			fprintf(c, "%s -> ", p->stack[j].path);
		fprintf(c, "%s", path);
		fclose(c);
		err(p, at, "include cycle: %s", chain);
		free(chain);
		return NULL;
	}
	if (p->depth > SC_MAX_DEPTH) {
		err(p, at, "includes nested more than %d deep", SC_MAX_DEPTH);
		return NULL;
	}
	kept = keep_file(p, path);
	if (!kept)
		return NULL;
	f = &p->stack[p->depth++];
	*f = (struct frame){ .path = kept, .has_id = st != NULL };
	if (st) {
		f->dev = st->st_dev;
		f->ino = st->st_ino;
	}
	return kept;
}

/* Report a file that cannot be read: on the include line, if any. */
static void file_err(struct parser *p, const struct loc *at,
		     const char *shown, const char *path, const char *why)
{
	struct loc top = { path, 0 };

	if (at)
		err(p, at, "include '%s': %s", shown, why);
	else
		err(p, &top, "%s", why);
}

/* All of @fd, at most @size bytes; NULL (errno set) on failure. */
static char *slurp(int fd, size_t size, size_t *len)
{
	char *buf = malloc(size + 1);
	ssize_t n;

	*len = 0;
	if (!buf)
		return NULL;
	while (*len < size) {
		n = read(fd, buf + *len, size - *len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			free(buf);
			return NULL;
		}
		if (!n)
			break;
		*len += n;
	}
	return buf;
}

static void parse_fd(struct parser *p, const struct loc *at,
		     const char *shown, const char *path, int fd)
{
	const char *kept;
	struct stat st;
	size_t len;
	char *text;

	if (fstat(fd, &st)) {
		file_err(p, at, shown, path, strerror(errno));
		return;
	}
	if (!S_ISREG(st.st_mode)) {
		file_err(p, at, shown, path, "not a regular file");
		return;
	}
	if (st.st_size > MAX_FILE_SIZE) {
		file_err(p, at, shown, path, "larger than 4 MiB");
		return;
	}
	text = slurp(fd, st.st_size, &len);
	if (!text) {
		file_err(p, at, shown, path, strerror(errno));
		return;
	}
	kept = enter(p, at, path, &st);
	if (kept) {
		parse_text(p, kept, text, len);
		p->depth--;
	}
	free(text);
}

/* Read @path (@shown as written in the include at @at, if any). */
static void parse_file(struct parser *p, const struct loc *at,
		       const char *shown, const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);

	if (fd < 0) {
		file_err(p, at, shown, path, strerror(errno));
		return;
	}
	parse_fd(p, at, shown, path, fd);
	close(fd);
}

/* --- entry points ------------------------------------------------------- */

const struct sc_item *scenario_expect_item(const struct scenario *sc,
					   const struct sc_expect *x)
{
	const struct sc_item *it;

	if (x->after_item < 0 || x->after_item >= sc->nitems)
		return NULL;
	it = &sc->items[x->after_item];
	if (x->thread < 0)
		return it;
	if (it->kind != SC_PARALLEL || x->thread >= it->nchildren)
		return NULL;
	it = &it->children[x->thread];
	if (x->after_child < 0 || x->after_child >= it->nchildren)
		return NULL;
	return &it->children[x->after_child];
}

void scenario_free(struct scenario *sc)
{
	free(sc->path);
	free(sc->purpose);
	free(sc->topo.cmdline);
	free(sc->topo.profile);
	free(sc->topo.series);
	free_items(sc->items, sc->nitems);
	for (int i = 0; i < sc->nexpects; i++) {
		free(sc->expects[i].kind);
		free(sc->expects[i].arg);
	}
	free(sc->expects);
	for (int i = 0; i < sc->nfiles; i++)
		free(sc->files[i]);
	free(sc->files);
	for (int i = 0; i < sc->nrequires; i++)
		free(sc->requires[i]);
	free(sc->requires);
	memset(sc, 0, sizeof(*sc));
}

static void defaults(struct parser *p, struct sc_topology *t)
{
	t->mem_mb = 256;
	t->timeout_s = 120;
	t->admin_limit = 15;
	t->profile = sdup(p, "debug");
}

/* The verdict; hands the messages over to @errors. */
static int finish(struct parser *p, char **msgs, char **errors)
{
	struct scenario *sc = p->sc;
	struct loc top = { sc->path, 0 };
	bool failed;

	/* Only once the top file could be read: else that is the error. */
	if (!p->purpose.file && sc->nfiles)
		err(p, &top, "missing 'purpose' line");
	if (p->fail_nth.file)
		err(p, &p->fail_nth, "'fault fail-nth' with no step after it");
	if (!p->nerrs && !p->oom)
		check_requires(p);
	if (p->oom)
		fprintf(p->errf, "%s: out of memory\n", sc->path ? sc->path : "?");
	failed = p->nerrs || p->oom;
	fclose(p->errf);
	if (failed)
		scenario_free(sc);
	if (failed && errors)
		*errors = *msgs;
	else
		free(*msgs);
	return failed ? -1 : 0;
}

/* @text NULL: read the file @name. */
static int parse(const char *name, const char *text, struct scenario *sc,
		 char **errors)
{
	struct parser p = { .sc = sc };
	char *msgs = NULL;
	size_t len = 0;
	const char *kept;

	memset(sc, 0, sizeof(*sc));
	if (errors)
		*errors = NULL;
	p.errf = open_memstream(&msgs, &len);
	if (!p.errf) {
		if (errors)
			*errors = strdup("out of memory\n");
		return -1;
	}
	sc->path = sdup(&p, name);
	defaults(&p, &sc->topo);
	if (!text) {
		parse_file(&p, NULL, name, name);
	} else {
		kept = enter(&p, NULL, name, NULL);
		if (kept)
			parse_text(&p, kept, text, strlen(text));
	}
	return finish(&p, &msgs, errors);
}

int scenario_parse(const char *path, struct scenario *sc, char **errors)
{
	return parse(path, NULL, sc, errors);
}

int scenario_parse_string(const char *name, const char *text,
			  struct scenario *sc, char **errors)
{
	return parse(name, text, sc, errors);
}
