// SPDX-License-Identifier: GPL-2.0
/*
 * The step table and its typed checker (step_spec.h).  Plain C with no
 * guest dependency: the agent and vfsim link the same object.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <linux/vfio.h>

#include "step_spec.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define MAX_WORDS AGENT_MAX_ARGS	/* words of one argument list */
#define TOKEN_LEN 96			/* one word of a row's ARGS */

const struct step_spec step_specs[] = {
#define STEP(name, fn, args) { name, args },
#include "steps.def"
#undef STEP
};
const size_t step_nspecs = ARRAY_SIZE(step_specs);

const char *const step_state_names[STEP_NSTATES] = {
	[VFIO_DEVICE_STATE_ERROR] = "ERROR",
	[VFIO_DEVICE_STATE_STOP] = "STOP",
	[VFIO_DEVICE_STATE_RUNNING] = "RUNNING",
	[VFIO_DEVICE_STATE_STOP_COPY] = "STOP_COPY",
	[VFIO_DEVICE_STATE_RESUMING] = "RESUMING",
	[VFIO_DEVICE_STATE_RUNNING_P2P] = "RUNNING_P2P",
	[VFIO_DEVICE_STATE_PRE_COPY] = "PRE_COPY",
	[VFIO_DEVICE_STATE_PRE_COPY_P2P] = "PRE_COPY_P2P",
};

int step_state(const char *name)
{
	for (int i = 0; i < STEP_NSTATES; i++)
		if (!strcasecmp(name, step_state_names[i]))
			return i;
	return -1;
}

/* --- argument kinds ----------------------------------------------------- */

static bool in_set(const char *s, const char *set)
{
	return *s && !s[strspn(s, set)];
}

#define NAME_CHARS "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ" \
		   "0123456789_.-"

/* Decimal without leading zeros, or 0x hex: what strtoull(s, 0) reads. */
static bool c_number(const char *s, uint64_t *v)
{
	int base = 10;

	*v = 0;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	} else if (s[0] == '0' && s[1]) {
		return false;	/* octal to strtoull: refuse the surprise */
	}
	if (!*s)
		return false;
	for (; *s; s++) {
		unsigned int d;

		if (*s >= '0' && *s <= '9')
			d = *s - '0';
		else if (base == 16 && *s >= 'a' && *s <= 'f')
			d = *s - 'a' + 10;
		else if (base == 16 && *s >= 'A' && *s <= 'F')
			d = *s - 'A' + 10;
		else
			return false;
		if (*v > (UINT64_MAX - d) / base)
			return false;
		*v = *v * base + d;
	}
	return true;
}

static bool decimal(const char *s, uint64_t min, uint64_t max)
{
	uint64_t v;

	return in_set(s, "0123456789") && c_number(s, &v) && v >= min &&
	       v <= max;
}

static bool k_num(const char *a, const struct step_env *e, char *why,
		  size_t len)
{
	(void)e, (void)why, (void)len;
	return decimal(a, 0, INT32_MAX);
}

static bool k_count(const char *a, const struct step_env *e, char *why,
		    size_t len)
{
	(void)e, (void)why, (void)len;
	return decimal(a, 1, INT32_MAX);
}

static bool k_bytes(const char *a, const struct step_env *e, char *why,
		    size_t len)
{
	uint64_t v;

	(void)e, (void)why, (void)len;
	return c_number(a, &v) && v >= 1 && v <= (1u << 30);
}

static bool k_u64(const char *a, const struct step_env *e, char *why,
		  size_t len)
{
	uint64_t v;

	(void)e, (void)why, (void)len;
	return c_number(a, &v);
}

/* Decimal seconds with an optional fraction, at most an hour. */
static bool k_seconds(const char *a, const struct step_env *e, char *why,
		      size_t len)
{
	size_t whole = strspn(a, "0123456789");
	uint64_t v = 0;

	(void)e, (void)why, (void)len;
	if (!whole || whole > 4)
		return false;
	for (size_t i = 0; i < whole; i++)
		v = v * 10 + (a[i] - '0');
	if (a[whole] == '.')
		return in_set(a + whole + 1, "0123456789") &&
		       (v < 3600 || !a[whole + 1 + strspn(a + whole + 1, "0")]);
	return !a[whole] && v <= 3600;
}

static bool k_state(const char *a, const struct step_env *e, char *why,
		    size_t len)
{
	(void)e, (void)why, (void)len;
	return step_state(a) >= 0;
}

static bool k_name(const char *a, const struct step_env *e, char *why,
		   size_t len)
{
	(void)e, (void)why, (void)len;
	return in_set(a, NAME_CHARS) && strlen(a) <= 64;
}

/* A name in the run directory, or an absolute path. */
static bool k_file(const char *a, const struct step_env *e, char *why,
		   size_t len)
{
	(void)e, (void)why, (void)len;
	if (a[0] == '/')
		return strlen(a) < 200;
	return in_set(a, NAME_CHARS) && strcmp(a, ".") && strcmp(a, "..") &&
	       strlen(a) < 200;
}

static bool k_path(const char *a, const struct step_env *e, char *why,
		   size_t len)
{
	(void)e, (void)why, (void)len;
	return a[0] == '/';
}

static bool k_word(const char *a, const struct step_env *e, char *why,
		   size_t len)
{
	(void)e, (void)why, (void)len;
	return *a;
}

static bool hex_digits(const char *s, int n, bool lower)
{
	for (int i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') ||
		      (s[i] >= 'a' && s[i] <= 'f') ||
		      (!lower && s[i] >= 'A' && s[i] <= 'F')))
			return false;
	return true;
}

static bool k_mac(const char *a, const struct step_env *e, char *why,
		  size_t len)
{
	(void)e, (void)why, (void)len;
	if (strlen(a) != 17)
		return false;
	for (int i = 0; i < 6; i++)
		if (!hex_digits(a + 3 * i, 2, false) ||
		    (i < 5 && a[3 * i + 2] != ':'))
			return false;
	return true;
}

/* A probability as a decimal 0..1: "0", "1", "0.25", "1.0". */
static bool k_prob(const char *a, const struct step_env *e, char *why,
		   size_t len)
{
	(void)e, (void)why, (void)len;
	if (!strcmp(a, "0") || !strcmp(a, "1"))
		return true;
	if (a[0] == '0' && a[1] == '.')
		return in_set(a + 2, "0123456789");
	return a[0] == '1' && a[1] == '.' && in_set(a + 2, "0");
}

/* Slot N of the bus: the PF at 0, VF n at n + 1 (doc/architecture.md). */
static bool k_bdf(const char *a, const struct step_env *e, char *why,
		  size_t len)
{
	unsigned int dev;

	if (strlen(a) != 12 || !hex_digits(a, 4, true) || a[4] != ':' ||
	    !hex_digits(a + 5, 2, true) || a[7] != ':' ||
	    !hex_digits(a + 8, 2, true) || a[10] != '.' ||
	    a[11] < '0' || a[11] > '7')
		return false;
	dev = (a[8] >= 'a' ? a[8] - 'a' + 10 : a[8] - '0') * 16 +
	      (a[9] >= 'a' ? a[9] - 'a' + 10 : a[9] - '0');
	if (dev > 31)
		return false;
	if (e->vfs < 0)
		return true;
	if (strncmp(a, "0000:00:0", 9) || a[11] != '0' ||
	    (unsigned int)(a[9] - '0') > (unsigned int)e->vfs) {
		if (e->vfs > 1)
			snprintf(why, len, "%s is not a function of this topology: the PF is 0000:00:00.0, its VFs 0000:00:01.0..0000:00:0%d.0 (vfs=%d)",
				 a, e->vfs, e->vfs);
		else if (e->vfs)
			snprintf(why, len, "%s is not a function of this topology: the PF is 0000:00:00.0, its VF 0000:00:01.0 (vfs=1)",
				 a);
		else
			snprintf(why, len, "%s is not a function of this topology: the PF 0000:00:00.0 is the only one (vfs=0)",
				 a);
		return false;
	}
	return true;
}

static bool k_fn(const char *a, const struct step_env *e, char *why,
		 size_t len)
{
	if (!strcmp(a, "pf"))
		return true;
	if (a[0] != 'v' || a[1] != 'f' || a[2] < '0' || a[2] > '6' || a[3])
		return false;
	if (e->vfs >= 0 && a[2] - '0' >= e->vfs) {
		snprintf(why, len, "names %s but the topology has %d VF%s (vfs=%d)",
			 a, e->vfs, e->vfs == 1 ? "" : "s", e->vfs);
		return false;
	}
	return true;
}

static bool k_fault(const char *a, const struct step_env *e, char *why,
		    size_t len)
{
	(void)len;
	if (e->check_fault && !e->check_fault(e->ctx, a)) {
		why[0] = 0;
		return false;
	}
	return *a;
}

static const struct kind {
	const char *name;
	const char *what;
	bool (*ok)(const char *arg, const struct step_env *env, char *why,
		   size_t len);
} kinds[] = {
	{ "BDF", "a PCI address DDDD:BB:DD.F in lowercase hex, of a function the topology has (0000:00:00.0 the PF, 0000:00:0N.0 VF N-1)", k_bdf },
	{ "FN", "a simulated function: pf, or vfN of the topology (N < vfs)", k_fn },
	{ "NUM", "a decimal number 0..2147483647", k_num },
	{ "COUNT", "a decimal number 1..2147483647", k_count },
	{ "BYTES", "a size in bytes 1..1073741824, decimal or 0x hex", k_bytes },
	{ "U64", "a 64-bit number, decimal or 0x hex", k_u64 },
	{ "SECONDS", "seconds 0..3600, decimal with an optional fraction", k_seconds },
	{ "STATE", "a VFIO migration state: ERROR, STOP, RUNNING, STOP_COPY, RESUMING, RUNNING_P2P, PRE_COPY or PRE_COPY_P2P", k_state },
	{ "DRIVER", "a driver name (letters, digits, '_', '.', '-')", k_name },
	{ "FILE", "a file name in the run directory (letters, digits, '_', '.', '-') or an absolute path", k_file },
	{ "PATH", "an absolute path", k_path },
	{ "WORD", "one word", k_word },
	{ "NAME", "a name of at most 64 characters (letters, digits, '_', '.', '-')", k_name },
	{ "MAC", "a MAC address xx:xx:xx:xx:xx:xx", k_mac },
	{ "PROB", "a probability, decimal 0..1 (e.g. 0.25)", k_prob },
	{ "FAULT", "a device-side fault and its KEY=VALUE words, as on a scenario's fault line (doc/scenarios.md)", k_fault },
};

static const struct kind *find_kind(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(kinds); i++)
		if (!strcmp(kinds[i].name, name))
			return &kinds[i];
	return NULL;
}

/* --- the grammar -------------------------------------------------------- */

/* One word of a row's ARGS. */
struct word {
	char label[TOKEN_LEN];	/* what the usage and messages show */
	char key[TOKEN_LEN];	/* [key=KIND]: "key", else empty */
	const struct kind *kind;	/* NULL: literal words in @lits */
	char lits[TOKEN_LEN];
	bool optional, rest;
};

/* Parse one word @t (@n chars) of ARGS; false if the row is malformed. */
static bool parse_token(const char *t, size_t n, struct word *w)
{
	char body[TOKEN_LEN], *colon, *eq, *type;

	memset(w, 0, sizeof(*w));
	if (n >= 2 && t[0] == '[' && t[n - 1] == ']') {
		w->optional = true;
		t++;
		n -= 2;
	}
	if (n >= 3 && !memcmp(t + n - 3, "...", 3)) {
		w->rest = true;
		n -= 3;
	}
	if (!n || n >= TOKEN_LEN)
		return false;
	memcpy(body, t, n);
	body[n] = 0;
	type = body;
	eq = strchr(body, '=');
	colon = strchr(body, ':');
	if (eq) {
		*eq = 0;
		snprintf(w->key, sizeof(w->key), "%s", body);
		snprintf(w->label, sizeof(w->label), "%s", body);
		type = eq + 1;
	} else if (colon) {
		*colon = 0;
		snprintf(w->label, sizeof(w->label), "%s", body);
		type = colon + 1;
	}
	if (*type >= 'A' && *type <= 'Z') {
		w->kind = find_kind(type);
		if (!w->kind)
			return false;
	} else {
		snprintf(w->lits, sizeof(w->lits), "%s", type);
	}
	if (!w->label[0])
		snprintf(w->label, sizeof(w->label), "%s", type);
	return true;
}

/* The words of one alternative @alt (@n chars); -1 if malformed. */
static int parse_alt(const char *alt, size_t n, struct word *w)
{
	const char *s = alt, *end = alt + n;
	int count = 0;

	while (s < end) {
		const char *sp = memchr(s, ' ', end - s);
		size_t len = sp ? (size_t)(sp - s) : (size_t)(end - s);

		if (len && (count == MAX_WORDS ||
			    !parse_token(s, len, &w[count++])))
			return -1;
		s += len + 1;
	}
	return count;
}

/* Literal @a among "x|y|z"? */
static bool in_lits(const char *a, const char *lits)
{
	size_t n = strlen(a);

	for (const char *s = lits; *s;) {
		size_t len = strcspn(s, "|");

		if (len == n && !memcmp(s, a, n))
			return true;
		s += len + (s[len] == '|');
	}
	return false;
}

struct ctx {
	const char *step;
	const struct step_spec *spec;
	const struct step_env *env;
	char *why;
	size_t len;
};

static void usage_of(const struct ctx *c, char *buf, size_t len)
{
	step_usage(c->spec, buf, len);
}

/* Check one argument @a against @w; false with the message in c->why. */
static bool check_arg(const struct ctx *c, const struct word *w,
		      const char *a)
{
	char why[STEP_WHY_LEN] = "", lits[TOKEN_LEN * 2];
	size_t j = 0;

	if (!w->kind) {
		if (in_lits(a, w->lits))
			return true;
		for (const char *s = w->lits; *s && j < sizeof(lits) - 3; s++)
			j += snprintf(lits + j, sizeof(lits) - j, "%s",
				      *s == '|' ? ", " : (char[]){ *s, 0 });
		snprintf(c->why, c->len, "step '%s': %s%s'%s' is not one of %s",
			 c->step, strcmp(w->label, w->lits) ? w->label : "",
			 strcmp(w->label, w->lits) ? " " : "", a, lits);
		return false;
	}
	if (w->kind->ok(a, c->env, why, sizeof(why)))
		return true;
	if (w->kind->ok == k_fault && !why[0])
		c->why[0] = 0;	/* check_fault reported it */
	else if (why[0])
		snprintf(c->why, c->len, "step '%s': %s %s", c->step,
			 w->label, why);
	else
		snprintf(c->why, c->len, "step '%s': %s wants %s, got '%s'",
			 c->step, w->label, w->kind->what, a);
	return false;
}

/* @argv[from..argc) joined by spaces, into @buf. */
static const char *join(int from, int argc, char *const argv[], char *buf,
			size_t len)
{
	size_t j = 0;

	buf[0] = 0;
	for (int i = from; i < argc && j < len; i++)
		j += snprintf(buf + j, len - j, "%s%s", i > from ? " " : "",
			      argv[i]);
	return buf;
}

/* The keyed word for "key=value" @a, NULL if @a is not one. */
static const struct word *keyed(const struct word *w, int n, const char *a)
{
	const char *eq = strchr(a, '=');

	for (int i = 0; eq && i < n; i++)
		if (w[i].key[0] && strlen(w[i].key) == (size_t)(eq - a) &&
		    !memcmp(w[i].key, a, eq - a))
			return &w[i];
	return NULL;
}

static bool has_keys(const struct word *w, int n)
{
	for (int i = 0; i < n; i++)
		if (w[i].key[0])
			return true;
	return false;
}

/*
 * Match argv against one alternative.  *@used counts the arguments taken
 * before an error, to pick the message of the closest alternative.
 */
static bool match_alt(const struct ctx *c, const struct word *w, int n,
		      int argc, char *const argv[], int *used)
{
	char usage[STEP_WHY_LEN / 2], rest[AGENT_MAX_LINE + 1];
	bool seen[MAX_WORDS] = { false };
	int pos = 0;

	*used = 0;
	for (int i = 1; i < argc; i++, (*used)++) {
		const char *a = argv[i];
		const struct word *k = keyed(w, n, a);

		while (pos < n && w[pos].key[0])
			pos++;
		if (k) {
			if (seen[k - w]) {
				snprintf(c->why, c->len, "step '%s': key '%s' given twice",
					 c->step, k->key);
				return false;
			}
			seen[k - w] = true;
			if (!check_arg(c, k, strchr(a, '=') + 1))
				return false;
			continue;
		}
		if (pos == n) {
			usage_of(c, usage, sizeof(usage));
			if (has_keys(w, n) && strchr(a, '='))
				snprintf(c->why, c->len, "step '%s' has no key '%.*s' (usage: %s)",
					 c->step, (int)strcspn(a, "="), a,
					 usage);
			else
				snprintf(c->why, c->len, "step '%s': too many arguments from '%s' (usage: %s)",
					 c->step, a, usage);
			return false;
		}
		if (w[pos].rest) {
			join(i, argc, argv, rest, sizeof(rest));
			return check_arg(c, &w[pos], rest);
		}
		if (!check_arg(c, &w[pos++], a))
			return false;
	}
	while (pos < n && (w[pos].key[0] || w[pos].optional))
		pos++;
	if (pos < n) {
		usage_of(c, usage, sizeof(usage));
		snprintf(c->why, c->len, "step '%s' is missing %s (usage: %s)",
			 c->step, w[pos].label, usage);
		return false;
	}
	return true;
}

/* --- the entry points --------------------------------------------------- */

static bool alt_valid(const struct word *w, int n, char *why, size_t len)
{
	bool optional = false;

	for (int i = 0; i < n; i++) {
		const struct word *k = &w[i];

		if (k->key[0] && (!k->optional || k->rest ||
				  (!k->kind && !k->lits[0]))) {
			snprintf(why, len, "'%s=' must be [%s=KIND] or "
				 "[%s=a|b]", k->key, k->key, k->key);
			return false;
		}
		if (k->rest && i != n - 1) {
			snprintf(why, len, "'%s...' must be last", k->label);
			return false;
		}
		if (k->key[0])
			continue;
		if (optional && !k->optional) {
			snprintf(why, len, "required %s after an optional word",
				 k->label);
			return false;
		}
		optional |= k->optional;
	}
	return true;
}

bool step_spec_valid(const struct step_spec *s, char *why, size_t len)
{
	struct word w[MAX_WORDS];
	const char *alt = s->args;

	if (!in_set(s->name, "abcdefghijklmnopqrstuvwxyz0123456789-")) {
		snprintf(why, len, "bad step name '%s'", s->name);
		return false;
	}
	for (;;) {
		const char *bar = strstr(alt, " | ");
		size_t n = bar ? (size_t)(bar - alt) : strlen(alt);
		int nw = parse_alt(alt, n, w);

		if (nw < 0) {
			snprintf(why, len, "'%.*s': unknown kind or word too long",
				 (int)n, alt);
			return false;
		}
		if (!alt_valid(w, nw, why, len))
			return false;
		if (!bar)
			return true;
		alt = bar + 3;
	}
}

const struct step_spec *step_find(const char *name)
{
	for (size_t i = 0; i < step_nspecs; i++)
		if (!strcmp(step_specs[i].name, name))
			return &step_specs[i];
	return NULL;
}

/*
 * Edit distance of two short strings, or @cap if it is @cap or more: the
 * row's minimum never decreases, so a row at @cap ends the count (most
 * names are far from every step, and this runs for each of them).
 */
static int distance(const char *a, const char *b, int cap)
{
	size_t la = strlen(a), lb = strlen(b);
	int row[32 + 1];

	if (la > 32 || lb > 32)
		return cap;
	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		int diag = row[0], tmp, low;

		low = row[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			int best = diag + (a[i - 1] != b[j - 1]);

			if (row[j] + 1 < best)
				best = row[j] + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			tmp = row[j];
			row[j] = best;
			diag = tmp;
			if (best < low)
				low = best;
		}
		if (low >= cap)
			return cap;
	}
	return row[lb] < cap ? row[lb] : cap;
}

static void unknown(const char *name, char *why, size_t len)
{
	size_t n = strlen(name);
	const char *best = NULL;
	int best_d = 3;

	for (size_t i = 0; i < step_nspecs; i++) {
		size_t other = strlen(step_specs[i].name);
		int d;

		/* The lengths alone put it too far: skip the distance. */
		if (n > other + 2 || other > n + 2)
			continue;
		d = distance(name, step_specs[i].name, best_d);
		if (d < best_d) {
			best_d = d;
			best = step_specs[i].name;
		}
	}
	if (best)
		snprintf(why, len, "unknown step '%s' (did you mean '%s'? 'vfsim help steps' lists them)",
			 name, best);
	else
		snprintf(why, len, "unknown step '%s' ('vfsim help steps' lists them)",
			 name);
}

bool step_check(int argc, char *const argv[], const struct step_env *env,
		char *why, size_t len)
{
	struct word w[MAX_WORDS];
	char best[STEP_WHY_LEN] = "";
	int best_used = -1;
	struct ctx c = { argv[0], step_find(argv[0]), env, why, len };

	if (!c.spec) {
		unknown(argv[0], why, len);
		return false;
	}
	for (const char *alt = c.spec->args;;) {
		const char *bar = strstr(alt, " | ");
		size_t n = bar ? (size_t)(bar - alt) : strlen(alt);
		int nw = parse_alt(alt, n, w), used;

		if (nw < 0) {
			snprintf(why, len, "step '%s': malformed row in steps.def",
				 argv[0]);
			return false;
		}
		if (match_alt(&c, w, nw, argc, argv, &used))
			return true;
		if (used >= best_used) {
			best_used = used;
			snprintf(best, sizeof(best), "%s", why);
		}
		if (!bar)
			break;
		alt = bar + 3;
	}
	snprintf(why, len, "%s", best);
	return false;
}

bool step_check_line(const char *line, const struct step_env *env,
		     char *why, size_t len)
{
	char buf[AGENT_MAX_LINE + 1], *argv[AGENT_MAX_ARGS], *save, *tok;
	size_t n = strlen(line);
	int argc = 0;

	if (n > AGENT_MAX_LINE) {
		snprintf(why, len, "step line is longer than %d characters (%zu)",
			 AGENT_MAX_LINE, n);
		return false;
	}
	memcpy(buf, line, n + 1);
	for (tok = strtok_r(buf, " \t\n", &save); tok;
	     tok = strtok_r(NULL, " \t\n", &save)) {
		if (argc == AGENT_MAX_ARGS - 1) {
			snprintf(why, len, "step '%s' has more than %d words",
				 argv[0], AGENT_MAX_ARGS - 1);
			return false;
		}
		argv[argc++] = tok;
	}
	if (!argc) {
		snprintf(why, len, "empty step");
		return false;
	}
	return step_check(argc, argv, env, why, len);
}

const char *step_usage(const struct step_spec *s, char *buf, size_t len)
{
	const char *a = s->args;
	size_t j = snprintf(buf, len, "%s", s->name);
	struct word w;

	while (*a && j < len) {
		size_t n = strcspn(a, " ");

		if (n == 1 && *a == '|')
			j += snprintf(buf + j, len - j, " |");
		else if (n && parse_token(a, n, &w))
			j += snprintf(buf + j, len - j, " %s%s%s%s%s%s",
				      w.optional ? "[" : "", w.label,
				      w.key[0] ? "=" : "",
				      !w.key[0] ? "" :
				      w.kind ? w.kind->name : w.lits,
				      w.rest ? "..." : "",
				      w.optional ? "]" : "");
		a += n + (a[n] == ' ');
	}
	return buf;
}

void step_print_help(FILE *f)
{
	char buf[256];

	for (size_t i = 0; i < step_nspecs; i++)
		fprintf(f, "%s\n", step_usage(&step_specs[i], buf, sizeof(buf)));
	fprintf(f, "\nArgument kinds:\n");
	for (size_t i = 0; i < ARRAY_SIZE(kinds); i++)
		fprintf(f, "  %-8s %s\n", kinds[i].name, kinds[i].what);
}
