// SPDX-License-Identifier: GPL-2.0
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sweep_points.h"

static const char *const kind_names[SWEEP_KINDS] = {
	[SWEEP_ADMIN_FAIL] = "admin-fail",
	[SWEEP_ADMIN_HANG] = "admin-hang",
	[SWEEP_MSI_DROP] = "msi-drop",
	[SWEEP_ALLOC] = "alloc",
	[SWEEP_READ_ONES] = "read-ones",
};

const char *sweep_kind_name(enum sweep_kind k)
{
	return k < SWEEP_KINDS ? kind_names[k] : "?";
}

void sweep_point_name(const struct sweep_point *p, char *buf, size_t len)
{
	if (p->kind == SWEEP_ALLOC && p->site[0])
		snprintf(buf, len, "alloc:step%d@%s", p->step, p->site);
	else if (p->kind == SWEEP_ALLOC)
		snprintf(buf, len, "alloc:step%d#%u", p->step, p->nth);
	else
		snprintf(buf, len, "%s:%s#%u", sweep_kind_name(p->kind),
			 p->target, p->nth);
}

static int bad(char *err, size_t len, const char *why, const char *name)
{
	snprintf(err, len, "point '%.96s%s': %s", name,
		 strlen(name) > 96 ? "..." : "", why);
	return -1;
}

/* "stepS" up to @end: S in 1..SWEEP_MAX_STEPS, or 0. */
static int step_number(const char *s, const char *end)
{
	char *e;
	long n;

	if (strncmp(s, "step", 4) || !isdigit((unsigned char)s[4]))
		return 0;
	errno = 0;
	n = strtol(s + 4, &e, 10);
	if (errno || e != end || n < 1 || n > SWEEP_MAX_STEPS)
		return 0;
	return n;
}

/* A space between two letters of a name: "pci_iov_add virtfn". */
static bool space_in_name(const char *s)
{
	for (const char *sp = strchr(s, ' '); sp; sp = strchr(sp + 1, ' ')) {
		const char *a = sp, *b = sp;

		while (a > s && a[-1] == ' ')
			a--;
		while (*b == ' ')
			b++;
		if (a > s && a[-1] != '<' && *b && *b != '<')
			return true;
	}
	return false;
}

bool sweep_site_chain(const char *in, char *out, size_t len)
{
	size_t n = 0;

	if (!len)
		return false;
	for (; *in; in++) {
		if (*in == ' ')
			continue;
		if (n + 1 == len) {
			out[n] = 0;
			return false;
		}
		out[n++] = *in;
	}
	out[n] = 0;
	return true;
}

/* A function name: what kallsyms and the kernel's stack traces print. */
static bool site_valid(const char *site)
{
	size_t n;

	for (const char *f = site;; f += n + 1) {
		n = strcspn(f, "<");
		if (!n || strspn(f, "abcdefghijklmnopqrstuvwxyz"
				   "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.") != n)
			return false;
		if (!f[n])
			return true;
	}
}

const char *sweep_point_within(const struct sweep_point *p, char *buf,
			       size_t len)
{
	const char *f = p->site;

	for (unsigned int i = 0; i < p->within_at; i++) {
		f = strchr(f, '<');
		if (!f)
			return NULL;
		f++;
	}
	snprintf(buf, len, "%.*s", (int)strcspn(f, "<"), f);
	return buf;
}

bool sweep_site_matches(const struct sweep_point *p, const char *site_name)
{
	char chain[SWEEP_SITE_LEN + 64];
	size_t n = strlen(p->site);

	if (!sweep_site_chain(site_name, chain, sizeof(chain)))
		return false;
	return !strncmp(chain, p->site, n) && (!chain[n] || chain[n] == '<');
}

/* "alloc:stepS@F<G<H". */
static int parse_site(const char *name, const char *at, struct sweep_point *p,
		      char *err, size_t len)
{
	p->kind = SWEEP_ALLOC;
	p->nth = 1;
	if (strncmp(name, "alloc:", 6))
		return bad(err, len, "only an alloc point has a site: "
			   "alloc:stepS@F<G<H", name);
	if (!(p->step = step_number(name + 6, at)))
		return bad(err, len, "expected alloc:stepS@F<G<H, S a step "
			   "number from 1", name);
	if (!strcmp(at + 1, "(silent)"))
		return bad(err, len, "a silent failure has no call chain: "
			   "rerun it by its ordinal (alloc:stepS#N)", name);
	if (!strcmp(at + 1, "-"))
		return bad(err, len, "no site: the point never fired", name);
	if (space_in_name(at + 1))
		return bad(err, len, "a space inside a function name", name);
	if (strlen(at + 1) >= sizeof(p->site) ||
	    !sweep_site_chain(at + 1, p->site, sizeof(p->site)))
		return bad(err, len, "the chain is longer than 159 characters",
			   name);
	if (!site_valid(p->site))
		return bad(err, len, "expected function names after '@', "
			   "innermost first, joined by '<', without "
			   "+offset/size (as the table's [at ...] prints them)",
			   name);
	return 0;
}

int sweep_point_parse(const char *name, struct sweep_point *p, char *err,
		      size_t len)
{
	const char *colon = strchr(name, ':'), *hash = strrchr(name, '#');
	char *end;
	unsigned long n;
	size_t klen;

	memset(p, 0, sizeof(*p));
	if (colon && strchr(colon, '@'))
		return parse_site(name, strchr(colon, '@'), p, err, len);
	if (!colon || !hash || hash < colon)
		return bad(err, len, "expected KIND:TARGET#N (admin-fail:"
			   "DEV_MODE_SET#1, msi-drop:pf#3, alloc:step9#5) or "
			   "alloc:stepS@F<G<H",
			   name);
	klen = colon - name;
	for (p->kind = 0; p->kind < SWEEP_KINDS; p->kind++)
		if (strlen(kind_names[p->kind]) == klen &&
		    !strncmp(name, kind_names[p->kind], klen))
			break;
	if (p->kind == SWEEP_KINDS)
		return bad(err, len, "unknown kind (admin-fail, admin-hang, "
			   "msi-drop, alloc)", name);
	errno = 0;
	n = strtoul(hash + 1, &end, 10);
	if (errno || *end || !hash[1] || !n || n > 1000000)
		return bad(err, len, "N must be a number from 1", name);
	p->nth = n;
	if (hash - colon - 1 <= 0 || hash - colon - 1 >= (int)sizeof(p->target))
		return bad(err, len, "no target", name);
	memcpy(p->target, colon + 1, hash - colon - 1);
	if (p->kind != SWEEP_ALLOC) {
		p->step = SWEEP_OTHER;
		return 0;
	}
	if (!(p->step = step_number(p->target, p->target + strlen(p->target))))
		return bad(err, len, "an alloc point names its step: stepS, S "
			   "from 1", name);
	p->target[0] = 0;
	return 0;
}

void sweep_point_fault(const struct sweep_point *p, unsigned int status,
		       char *buf, size_t len)
{
	char within[SWEEP_SITE_LEN];

	switch (p->kind) {
	case SWEEP_ADMIN_FAIL:
		snprintf(buf, len, "admin-fail op=%s nth=%u status=%u",
			 p->target, p->nth, status);
		break;
	case SWEEP_ADMIN_HANG:
		snprintf(buf, len, "admin-hang op=%s nth=%u", p->target,
			 p->nth);
		break;
	case SWEEP_MSI_DROP:
		snprintf(buf, len, "msi-drop fn=%s nth=%u", p->target, p->nth);
		break;
	case SWEEP_READ_ONES:
		snprintf(buf, len, "read-ones fn=%.*s reg=%s nth=%u",
			 (int)strcspn(p->target, "/"), p->target,
			 strchr(p->target, '/') ? strchr(p->target, '/') + 1 :
			 "", p->nth);
		break;
	default:
		if (p->site[0])
			snprintf(buf, len, "fail-nth within=%s nth=%u%s",
				 sweep_point_within(p, within, sizeof(within)) ?:
				 "-", p->nth, p->page ? " alloc=page" : "");
		else
			snprintf(buf, len, "fail-nth nth=%u", p->nth);
	}
}

void sweep_step_name(int step, char *buf, size_t len)
{
	if (step == SWEEP_BOOT)
		snprintf(buf, len, "boot");
	else if (step == SWEEP_TEARDOWN)
		snprintf(buf, len, "teardown");
	else if (step < 0)
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, "step %d", step);
}

/* ---- reading a recording run -------------------------------------- */

static FILE *open_in(const char *dir, const char *name)
{
	char path[PATH_MAX + 32];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return fopen(path, "r");
}

/*
 * Steps that only look: their allocations are the kernel's generic sysfs,
 * procfs and netlink paths, not the drivers' (a sweep leaves them out
 * unless asked).
 */
static bool check_step(const char *text)
{
	static const char *const checks[] = {
		"probe", "list", "expect-", "sleep", "mark", "uptime",
		"sim-compare", "write-host-file", "cfg-bench",
	};
	size_t n = strcspn(text, " ");

	for (size_t i = 0; i < sizeof(checks) / sizeof(checks[0]); i++) {
		size_t k = strlen(checks[i]);

		if (checks[i][k - 1] == '-' ? !strncmp(text, checks[i], k) :
		    (n == k && !strncmp(text, checks[i], k)))
			return true;
	}
	return false;
}

/* "at=FILE:LINE kind=step text=..." of a step-results.txt item line. */
static int read_item(const char *line, const char *top, struct sweep_step *s)
{
	const char *at = strstr(line, " at="), *kind = strstr(line, " kind=");
	const char *text = strstr(line, " text=");
	size_t n;

	if (sscanf(line, "item=%d step=%d", &s->item, &s->agent_step) != 2 ||
	    !at || !kind || !text || kind < at)
		return -1;
	if (strncmp(kind, " kind=step ", 11))
		return 1;	/* a fault line: not a step */
	n = kind - at - 4;
	snprintf(s->at, sizeof(s->at), "%.*s", (int)n, at + 4);
	snprintf(s->text, sizeof(s->text), "%s", text + 6);
	s->text[strcspn(s->text, "\n")] = 0;
	n = strlen(top);
	s->included = strncmp(s->at, top, n) || s->at[n] != ':';
	s->check = check_step(s->text);
	return 0;
}

static int read_outcomes(const char *dir, const char *top,
			 struct sweep_record *rec, char *err, size_t len)
{
	FILE *f = open_in(dir, "step-results.txt");
	char line[1024];
	int e, k;

	if (!f) {
		snprintf(err, len, "%s/step-results.txt: %s", dir, strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof(line), f)) {
		struct sweep_step s = { 0 };
		int ret;

		if (sscanf(line, "epilogue=%d step=%d", &e, &k) == 2) {
			if (!e && strstr(line, " text=release-fds"))
				rec->teardown_step = k;
			continue;
		}
		ret = read_item(line, top, &s);
		if (ret < 0) {
			snprintf(err, len, "%s/step-results.txt: bad line: %.80s",
				 dir, line);
			fclose(f);
			return -1;
		}
		if (!ret && rec->nsteps < SWEEP_MAX_STEPS)
			rec->steps[rec->nsteps++] = s;
	}
	fclose(f);
	return 0;
}

static struct sweep_step *step_of_agent(struct sweep_record *rec, int k)
{
	for (int i = 0; i < rec->nsteps; i++)
		if (rec->steps[i].agent_step == k)
			return &rec->steps[i];
	return NULL;
}

/* fail_nth_calls=K of each step, from agent.log. */
static void read_calls(const char *dir, struct sweep_record *rec)
{
	FILE *f = open_in(dir, "agent.log");
	char line[4096];

	while (f && fgets(line, sizeof(line), f)) {
		const char *c = strstr(line, " fail_nth_calls=");
		struct sweep_step *s;
		int k;

		if (!c || sscanf(line, "step=%d", &k) != 1 ||
		    !(s = step_of_agent(rec, k)))
			continue;
		s->calls = strtoul(c + 16, NULL, 10);
	}
	if (f)
		fclose(f);
}

static int scenario_step(struct sweep_record *rec, int agent_step)
{
	if (!agent_step)
		return SWEEP_BOOT;
	if (agent_step == rec->teardown_step)
		return SWEEP_TEARDOWN;
	for (int i = 0; i < rec->nsteps; i++)
		if (rec->steps[i].agent_step == agent_step)
			return i + 1;
	return SWEEP_OTHER;
}

/* Ordinals per opcode or function, in trace order. */
struct counter {
	char name[32];
	unsigned int n;
};

static unsigned int bump(struct counter *c, int *nc, int max, const char *name)
{
	for (int i = 0; i < *nc; i++)
		if (!strcmp(c[i].name, name))
			return ++c[i].n;
	if (*nc == max)
		return 0;
	snprintf(c[*nc].name, sizeof(c[*nc].name), "%s", name);
	c[*nc].n = 1;
	return c[(*nc)++].n;
}

static int add_point(struct sweep_record *rec, enum sweep_kind kind,
		     const char *target, unsigned int nth, int step)
{
	struct sweep_point *p = realloc(rec->points, (rec->npoints + 1) *
					sizeof(*p));

	if (!p)
		return -ENOMEM;
	rec->points = p;
	p = &rec->points[rec->npoints++];
	memset(p, 0, sizeof(*p));
	p->kind = kind;
	snprintf(p->target, sizeof(p->target), "%s", target);
	p->nth = nth;
	p->step = step;
	return 0;
}

/*
 * "FN/cfg:0x4" of a cfg-read or bar-read line, or 0 (a read the function
 * did not decode: blocked=1).
 */
static bool read_reg(const char *line, const char *fn, const char *kind,
		     char *buf, size_t len)
{
	const char *o = strstr(line, " off=0x"), *b = strstr(line, " bar=");
	unsigned long long off;

	if (!o || strstr(line, " blocked=1") ||
	    sscanf(o + 7, "%llx", &off) != 1)
		return false;
	if (!strcmp(kind, "cfg-read"))
		snprintf(buf, len, "%s/cfg:0x%llx", fn, off);
	else if (b)
		snprintf(buf, len, "%s/bar%d:0x%llx", fn, atoi(b + 5), off);
	else
		return false;
	return true;
}

/* Register reads: each register once per step, at its ordinal since boot. */
struct reads {
	struct counter regs[512];
	int nregs;
	char seen[512][48];	/* "STEP FN/REG" already a point */
	int nseen;
};

static int add_read(struct sweep_record *rec, struct reads *r,
		    const char *reg, int step)
{
	unsigned int n = bump(r->regs, &r->nregs, 512, reg);
	char key[48];

	snprintf(key, sizeof(key), "%d %.31s", step, reg);
	if (!n || r->nseen == 512)
		return 0;
	for (int i = 0; i < r->nseen; i++)
		if (!strcmp(r->seen[i], key))
			return 0;
	snprintf(r->seen[r->nseen++], sizeof(r->seen[0]), "%s", key);
	return add_point(rec, SWEEP_READ_ONES, reg, n, step);
}

/* "<usec> FN KIND key=value...": markers, admin commands, MSIs, reads. */
static int read_trace(const char *dir, struct sweep_record *rec, char *err,
		      size_t len)
{
	struct counter ops[32], fns[16];
	static struct reads reads;
	int nops = 0, nfns = 0, agent_step = 0, ret = 0;
	char reg[64];
	FILE *f = open_in(dir, "trace.log");
	char line[1024], fn[32], kind[32];

	memset(&reads, 0, sizeof(reads));
	if (!f) {
		snprintf(err, len, "%s/trace.log: %s", dir, strerror(errno));
		return -1;
	}
	while (!ret && fgets(line, sizeof(line), f)) {
		unsigned long long t;
		const char *name;
		char op[32];
		int step = scenario_step(rec, agent_step);

		if (sscanf(line, "%llu %31s %31s", &t, fn, kind) != 3)
			continue;
		if (!strcmp(fn, "agent") && !strcmp(kind, "step")) {
			name = strstr(line, " n=");
			agent_step = name ? atoi(name + 3) : 0;
		} else if (!strcmp(kind, "admin") &&
			   (name = strstr(line, " name=")) &&
			   sscanf(name + 6, "%31s", op) == 1) {
			unsigned int n = bump(ops, &nops, 32, op);

			ret = n ? add_point(rec, SWEEP_ADMIN_FAIL, op, n, step) : 0;
			ret = ret ?: n ? add_point(rec, SWEEP_ADMIN_HANG, op, n,
						   step) : 0;
		} else if (!strcmp(kind, "msi")) {
			unsigned int n = bump(fns, &nfns, 16, fn);

			ret = n ? add_point(rec, SWEEP_MSI_DROP, fn, n, step) : 0;
		} else if ((!strcmp(kind, "cfg-read") ||
			    !strcmp(kind, "bar-read")) &&
			   read_reg(line, fn, kind, reg, sizeof(reg))) {
			ret = add_read(rec, &reads, reg, step);
		}
	}
	fclose(f);
	if (ret)
		snprintf(err, len, "out of memory");
	return ret ? -1 : 0;
}

int sweep_record_read(const char *dir, const char *top_file,
		      struct sweep_record *rec, char *err, size_t len)
{
	memset(rec, 0, sizeof(*rec));
	if (read_outcomes(dir, top_file, rec, err, len))
		return -1;
	read_calls(dir, rec);
	if (read_trace(dir, rec, err, len)) {
		sweep_record_free(rec);
		return -1;
	}
	return 0;
}

void sweep_record_free(struct sweep_record *rec)
{
	free(rec->points);
	rec->points = NULL;
	rec->npoints = 0;
}
