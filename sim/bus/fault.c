// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fault.h"
#include "trace.h"

static const char *const kind_names[FAULT_KINDS] = {
	[FAULT_ADMIN_FAIL] = "admin-fail",
	[FAULT_ADMIN_DELAY] = "admin-delay",
	[FAULT_ADMIN_HANG] = "admin-hang",
	[FAULT_ADMIN_SHORT] = "admin-short",
	[FAULT_ADMIN_OVERSIZE] = "admin-oversize",
	[FAULT_ADMIN_BAD_LEN] = "admin-bad-len",
	[FAULT_ADMIN_CORRUPT] = "admin-corrupt",
	[FAULT_MSI_DROP] = "msi-drop",
	[FAULT_MSI_DELAY] = "msi-delay",
	[FAULT_MSI_DUP] = "msi-dup",
	[FAULT_CFG_ONES] = "cfg-ones",
	[FAULT_SLOW_REPLY] = "slow-reply",
	[FAULT_CFG_VALUE] = "cfg-value",
	[FAULT_CAP_NEXT] = "cap-next",
	[FAULT_READ_ONES] = "read-ones",
};

const char *fault_kind_name(enum fault_kind k)
{
	return k < FAULT_KINDS ? kind_names[k] : "?";
}

int fault_kind_by_name(const char *name)
{
	for (int k = 0; k < FAULT_KINDS; k++)
		if (!strcmp(name, kind_names[k]))
			return k;
	return -1;
}

void fault_set_init(struct fault_set *s, uint64_t seed)
{
	memset(s, 0, sizeof(*s));
	s->rng = seed ? seed : 0x9e3779b97f4a7c15ull;
}

/* Which keys a kind takes, and which value key it requires. */
static bool admin_kind(enum fault_kind k)
{
	return k <= FAULT_ADMIN_CORRUPT;
}

static bool fn_kind(enum fault_kind k)
{
	return !admin_kind(k);
}

static int bad(char *err, size_t len, const char *fmt, const char *a)
{
	snprintf(err, len, fmt, a);
	return -EINVAL;
}

/* The keys of cfg-value and cap-next: off, val, len, ptr, ext. */
static int parse_cfg_kv(struct fault *f, const char *kv, const char *v,
			char *err, size_t len)
{
	unsigned long long n;
	char *end;

	if (f->kind == FAULT_CAP_NEXT && !strcmp(kv, "ptr") &&
	    (!strcmp(v, "first") || !strcmp(v, "self"))) {
		f->val = !strcmp(v, "first") ? FAULT_PTR_FIRST : FAULT_PTR_SELF;
		return 0;
	}
	n = strtoull(v, &end, 0);
	if (*end || !*v)
		return bad(err, len, "'%s' is not a number", v);
	if (f->kind == FAULT_CFG_VALUE && !strcmp(kv, "off") && n < 4096)
		f->off = n;
	else if (f->kind == FAULT_CFG_VALUE && !strcmp(kv, "val") &&
		 n <= 0xffffffffull)
		f->val = n;
	else if (f->kind == FAULT_CFG_VALUE && !strcmp(kv, "len") &&
		 (n == 1 || n == 2 || n == 4))
		f->len = n;
	else if (f->kind == FAULT_CAP_NEXT && !strcmp(kv, "ptr") && n < 4096)
		f->val = n;
	else if (f->kind == FAULT_CAP_NEXT && !strcmp(kv, "ext") && n <= 1)
		f->ext = n;
	else
		return bad(err, len, "bad key or value '%s'", kv);
	return 0;
}

static bool cfg_kind(enum fault_kind k)
{
	return k == FAULT_CFG_VALUE || k == FAULT_CAP_NEXT;
}

/* "cfg:0x6", "bar0:0x14": a space and a hex offset, as the trace writes. */
static bool valid_reg(const char *v)
{
	const char *off = strchr(v, ':');
	char *end;

	if (!off || strncmp(off + 1, "0x", 2) || !off[3] ||
	    strlen(v) >= sizeof(((struct fault *)0)->reg))
		return false;
	strtoull(off + 3, &end, 16);
	if (*end)
		return false;
	if (off - v == 3 && !strncmp(v, "cfg", 3))
		return true;
	return off - v == 4 && !strncmp(v, "bar", 3) && v[3] >= '0' &&
	       v[3] <= '5';
}

static int parse_kv(struct fault *f, char *kv, char *err, size_t len)
{
	char *v = strchr(kv, '='), *end;
	unsigned long long n;

	if (!v)
		return bad(err, len, "'%s' is not KEY=VALUE", kv);
	*v++ = 0;
	if (cfg_kind(f->kind) && (!strcmp(kv, "off") || !strcmp(kv, "val") ||
				  !strcmp(kv, "len") || !strcmp(kv, "ptr") ||
				  !strcmp(kv, "ext")))
		return parse_cfg_kv(f, kv, v, err, len);
	if (!strcmp(kv, "reg")) {
		if (f->kind != FAULT_READ_ONES)
			return bad(err, len, "key '%s' does not apply here", kv);
		if (!valid_reg(v))
			return bad(err, len, "reg '%s' is not cfg:0xOFF or "
				   "barN:0xOFF", v);
		snprintf(f->reg, sizeof(f->reg), "%s", v);
		return 0;
	}
	if (!strcmp(kv, "op") || !strcmp(kv, "fn")) {
		if ((!strcmp(kv, "op") && !admin_kind(f->kind)) ||
		    (!strcmp(kv, "fn") && !fn_kind(f->kind)))
			return bad(err, len, "key '%s' does not apply here", kv);
		if (strlen(v) >= sizeof(f->target))
			return bad(err, len, "'%s' is no function or opcode", v);
		snprintf(f->target, sizeof(f->target), "%s", v);
		return 0;
	}
	if (!strcmp(kv, "prob")) {
		f->prob = strtod(v, &end);
		/* Written so that NaN fails too. */
		if (*end || !*v || !(f->prob > 0 && f->prob <= 1))
			return bad(err, len, "prob '%s' must be in (0, 1]", v);
		return 0;
	}
	if (strcmp(kv, "nth") && strcmp(kv, "count") && strcmp(kv, "status") &&
	    strcmp(kv, "ms") && strcmp(kv, "us"))
		return bad(err, len, "bad key '%s' (expected op/fn, nth, count, "
			   "prob, status, ms or us)", kv);
	/* strtoull() would take "-1", " 1" and "+1". */
	if (!*v || v[strspn(v, "0123456789")])
		return bad(err, len, "'%s' is not a number", v);
	n = strtoull(v, &end, 10);
	if (!strcmp(kv, "nth") && n >= 1)
		f->nth = n;
	else if (!strcmp(kv, "count") && n >= 1)
		f->count = n;
	else if (!strcmp(kv, "status") && n >= 1 && n <= 0xffff)
		f->arg = n;	/* the 16-bit admin status */
	else if ((!strcmp(kv, "ms") || !strcmp(kv, "us")) && n >= 1 &&
		 n <= 100000000)
		f->arg = n;
	else
		return bad(err, len, "bad key or value '%s'", kv);
	return 0;
}

int fault_parse(const char *text, struct fault *f, char *err, size_t len)
{
	char buf[FAULT_MAX_TEXT + 1], *save, *tok;
	int ret;

	memset(f, 0, sizeof(*f));
	if (strlen(text) >= sizeof(buf))
		return bad(err, len, "%s", "fault description too long");
	strcpy(buf, text);
	tok = strtok_r(buf, " ", &save);
	for (f->kind = 0; tok && f->kind < FAULT_KINDS; f->kind++)
		if (!strcmp(tok, kind_names[f->kind]))
			break;
	if (!tok || f->kind == FAULT_KINDS)
		return bad(err, len, "unknown fault '%s'", tok ? tok : "");
	f->nth = 1;
	/* Config faults act from then on unless count= says how long. */
	f->count = f->kind == FAULT_CFG_ONES || f->kind == FAULT_SLOW_REPLY ||
		   cfg_kind(f->kind) ? 0 : 1;
	f->len = 4;
	f->val = ~0u;
	strcpy(f->target, "any");
	while ((tok = strtok_r(NULL, " ", &save)))
		if ((ret = parse_kv(f, tok, err, len)))
			return ret;
	if (f->kind == FAULT_ADMIN_FAIL && !f->arg)
		f->arg = 22;		/* EINVAL */
	if ((f->kind == FAULT_ADMIN_DELAY || f->kind == FAULT_MSI_DELAY ||
	     f->kind == FAULT_SLOW_REPLY) && !f->arg)
		return bad(err, len, "%s needs a duration (ms= or us=)",
			   kind_names[f->kind]);
	if (f->kind == FAULT_SLOW_REPLY)
		f->count = 0;		/* from then on */
	if (f->kind == FAULT_CFG_VALUE && f->off % f->len)
		return bad(err, len, "%s", "off must be aligned to len");
	if (f->kind == FAULT_CAP_NEXT && f->val == ~0u)
		return bad(err, len, "%s", "cap-next needs ptr= (a number, "
			   "first or self)");
	return 0;
}

int fault_arm(struct fault_set *s, const struct fault *f)
{
	if (s->n == FAULT_MAX)
		return -ENOSPC;
	s->f[s->n] = *f;
	s->f[s->n].seen = s->f[s->n].fired = 0;
	s->n++;
	return 0;
}

void fault_disarm(struct fault_set *s, enum fault_kind k)
{
	unsigned int j = 0;

	for (unsigned int i = 0; i < s->n; i++)
		if (s->f[i].kind != k)
			s->f[j++] = s->f[i];
	s->n = j;
}

static double next_unit(struct fault_set *s)
{
	uint64_t z = (s->rng += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return (double)((z ^ (z >> 31)) >> 11) / (double)(1ull << 53);
}

static bool fires(struct fault_set *s, struct fault *f)
{
	f->seen++;
	if (f->prob > 0)
		return next_unit(s) < f->prob;
	if (f->seen < f->nth)
		return false;
	return !f->count || f->seen < f->nth + f->count;
}

struct fault *fault_next(struct fault_set *s, enum fault_kind kind,
			 const char *target, unsigned int *pos)
{
	for (; s && *pos < s->n; ++*pos) {
		struct fault *f = &s->f[*pos];

		if (f->kind == kind && (!strcmp(f->target, "any") ||
					!strcmp(f->target, target))) {
			++*pos;
			return f;
		}
	}
	return NULL;
}

bool fault_armed(const struct fault_set *s, enum fault_kind kind)
{
	for (unsigned int i = 0; s && i < s->n; i++)
		if (s->f[i].kind == kind)
			return true;
	return false;
}

bool fault_fires(struct fault_set *s, struct fault *f, const char *target)
{
	if (!fires(s, f))
		return false;
	f->fired++;
	if (f->reg[0])
		trace_event(TRACE_DEV, target, "fault", "kind=%s reg=%s seen=%llu",
			    kind_names[f->kind], f->reg,
			    (unsigned long long)f->seen);
	else
		trace_event(TRACE_DEV, target, "fault", "kind=%s seen=%llu",
			    kind_names[f->kind], (unsigned long long)f->seen);
	return true;
}

struct fault *fault_hit_reg(struct fault_set *s, enum fault_kind kind,
			    const char *target, const char *reg)
{
	unsigned int pos = 0;
	struct fault *f;

	while ((f = fault_next(s, kind, target, &pos)))
		if ((!f->reg[0] || (reg && !strcmp(f->reg, reg))) &&
		    fault_fires(s, f, target))
			return f;
	return NULL;
}

struct fault *fault_hit(struct fault_set *s, enum fault_kind kind,
			const char *target)
{
	return fault_hit_reg(s, kind, target, NULL);
}
