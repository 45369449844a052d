// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "kreport.h"
#include "sweep_judge.h"

#define MAX_FINDINGS 32
#define MAX_MISSES 16
#define MAX_EPILOGUE 32

struct result {
	int step;		/* agent step number */
	int ran, ok, err;
};

/* What one run directory says, in the parts the judge compares. */
struct view {
	bool summary;
	char verdict[16], ended[16];
	long long dropped, blocked;	/* admin objects dropped, VF blocked */
	int fds_left;
	char findings[MAX_FINDINGS][512];
	int nfindings;
	char misses[MAX_MISSES][256];
	int nmisses;
	struct result items[SWEEP_MAX_STEPS * 2];	/* by item index */
	int nitems;
	struct result epilogue[MAX_EPILOGUE];
	char epilogue_text[MAX_EPILOGUE][96];
	int nepilogue;
};

static const char *const names[SWEEP_OUTCOMES] = {
	[SWEEP_CLEAN] = "clean",
	[SWEEP_FINDING] = "finding",
	[SWEEP_LEAK] = "leak",
	[SWEEP_HANG] = "hang",
	[SWEEP_WRONG] = "wrong-result",
	[SWEEP_SIM_ERROR] = "simulator-error",
	[SWEEP_NOT_REACHED] = "not-reached",
};

const char *sweep_outcome_name(enum sweep_outcome o)
{
	return o < SWEEP_OUTCOMES ? names[o] : "?";
}

static FILE *open_in(const char *dir, const char *name)
{
	char path[PATH_MAX + 32];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return fopen(path, "r");
}

static void chomp(char *s)
{
	s[strcspn(s, "\r\n")] = 0;
}

/* summary.txt: verdict, ended, and the simulator's leak/blocked counts. */
static void read_summary(const char *dir, struct view *w)
{
	FILE *f = open_in(dir, "summary.txt");
	char line[512], key[128];
	long long val;

	while (f && fgets(line, sizeof(line), f)) {
		w->summary = true;
		chomp(line);
		if (!strncmp(line, "verdict=", 8))
			snprintf(w->verdict, sizeof(w->verdict), "%.15s", line + 8);
		else if (!strncmp(line, "ended=", 6))
			snprintf(w->ended, sizeof(w->ended), "%.15s", line + 6);
		else if (sscanf(line, "%127[^=]=%lld", key, &val) == 2 &&
			 strstr(key, ".admin_objects_dropped"))
			w->dropped += val;
		else if (sscanf(line, "%127[^=]=%lld", key, &val) == 2 &&
			 strstr(key, ".blocked"))
			w->blocked += val;
	}
	if (f)
		fclose(f);
}

static int read_lines(const char *dir, const char *name, char (*lines)[512],
		      int max)
{
	FILE *f = open_in(dir, name);
	char line[1024];
	int n = 0;

	while (f && n < max && fgets(line, sizeof(line), f)) {
		chomp(line);
		if (line[0])
			snprintf(lines[n++], 512, "%.511s", line);
	}
	if (f)
		fclose(f);
	return n;
}

static void read_misses(const char *dir, struct view *w)
{
	FILE *f = open_in(dir, "verdict.txt");
	char line[1024];

	while (f && w->nmisses < MAX_MISSES && fgets(line, sizeof(line), f)) {
		chomp(line);
		/* "# scenarios/x.vfs:12: ..."; reports are judged apart */
		if (line[0] && !strstr(line, "unexpected kernel report"))
			snprintf(w->misses[w->nmisses++], 256, "%.255s",
				 line[0] == '#' ? line + 2 : line);
	}
	if (f)
		fclose(f);
}

static void read_outcomes(const char *dir, struct view *w)
{
	FILE *f = open_in(dir, "step-results.txt");
	char line[1024];
	struct result r;
	int i;

	while (f && fgets(line, sizeof(line), f)) {
		const char *t = strstr(line, " text=");

		if (sscanf(line, "item=%d step=%d ran=%d ok=%d errno=%d", &i,
			   &r.step, &r.ran, &r.ok, &r.err) == 5 && i >= 0 &&
		    i < (int)(sizeof(w->items) / sizeof(w->items[0]))) {
			w->items[i] = r;
			if (i >= w->nitems)
				w->nitems = i + 1;
		} else if (sscanf(line, "epilogue=%d step=%d ran=%d ok=%d "
				  "errno=%d", &i, &r.step, &r.ran, &r.ok,
				  &r.err) == 5 && i >= 0 && i < MAX_EPILOGUE) {
			w->epilogue[i] = r;
			snprintf(w->epilogue_text[i], 96, "%s", t ? t + 6 : "");
			chomp(w->epilogue_text[i]);
			if (i >= w->nepilogue)
				w->nepilogue = i + 1;
		}
	}
	if (f)
		fclose(f);
}

/* The agent.log result line of agent step @k into @line; false if none. */
static bool agent_line(const char *dir, int k, char *line, size_t len)
{
	FILE *f = open_in(dir, "agent.log");
	char want[32];
	bool found = false;

	snprintf(want, sizeof(want), "step=%d ", k);
	while (f && !found && fgets(line, len, f))
		found = !strncmp(line, want, strlen(want));
	if (f)
		fclose(f);
	if (found)
		chomp(line);
	return found;
}

static struct view *load(const char *dir)
{
	struct view *w = calloc(1, sizeof(*w));
	char line[4096];
	const char *p;

	if (!w)
		return NULL;
	w->fds_left = -1;
	read_summary(dir, w);
	w->nfindings = read_lines(dir, "findings.txt", w->findings,
				  MAX_FINDINGS);
	read_misses(dir, w);
	read_outcomes(dir, w);
	for (int i = 0; i < w->nepilogue; i++)
		if (!strcmp(w->epilogue_text[i], "release-fds") &&
		    agent_line(dir, w->epilogue[i].step, line, sizeof(line)) &&
		    (p = strstr(line, " fds_left=")))
			w->fds_left = atoi(p + 10);
	return w;
}

/* ---- pieces of the verdict ------------------------------------------ */

/* "kind: headline | stack: a < b" -> the part before " | stack: ". */
static void headline(const char *finding, char *buf, size_t len)
{
	const char *s = strstr(finding, " | stack: ");

	snprintf(buf, len, "%.*s", s ? (int)(s - finding) : (int)strlen(finding),
		 finding);
}

static bool in_baseline(const struct view *b, const char *finding)
{
	char h[512], hb[512];

	headline(finding, h, sizeof(h));
	for (int i = 0; i < b->nfindings; i++) {
		headline(b->findings[i], hb, sizeof(hb));
		if (!strcmp(h, hb))
			return true;
	}
	return false;
}

/* Frames that say how a task waits, not what it waits for. */
static bool wait_frame(const char *fn)
{
	static const char *const generic[] = {
		"__wait_for_common", "wait_for_completion", "schedule",
		"__schedule", "__mutex_lock", "mutex_lock", "__down",
		"down", "rwsem_", "__rwsem", "msleep", "io_schedule",
		"__switch_to", "do_nanosleep", "hrtimer_nanosleep",
	};

	for (size_t i = 0; i < sizeof(generic) / sizeof(generic[0]); i++)
		if (!strncmp(fn, generic[i], strlen(generic[i])))
			return true;
	return false;
}

/* The first frame of "a < b < c" that is not a generic wait. */
static void key_frame(const char *stack, char *buf, size_t len)
{
	char copy[512], *save, *tok;

	snprintf(copy, sizeof(copy), "%s", stack);
	buf[0] = 0;
	for (tok = strtok_r(copy, " <", &save); tok;
	     tok = strtok_r(NULL, " <", &save)) {
		if (!buf[0])
			snprintf(buf, len, "%s", tok);
		if (!wait_frame(tok)) {
			snprintf(buf, len, "%s", tok);
			return;
		}
	}
}

/* A frame with its offset: "func+0x79" from " [<...>] func+0x79/0x19d". */
static bool frame_at(const char *line, char *buf, size_t len)
{
	char fn[128];
	const char *p;

	if (!kreport_frame(line, fn, sizeof(fn)) || !(p = strstr(line, fn)))
		return false;
	snprintf(buf, len, "%.*s", (int)strcspn(p, "/ \r\n"), p);
	return true;
}

static bool alloc_plumbing(const char *fn)
{
	static const char *const skip[] = {
		"show_stack", "dump_stack", "should_fail", "fail_dump",
		"prepare_alloc_pages", "__alloc_pages", "alloc_pages",
		"__alloc_frozen_pages", "alloc_frozen_pages", "__kmalloc",
		"kmalloc", "__kvmalloc", "kvmalloc", "kmem_cache_alloc",
		"slab_alloc", "__slab_alloc", "___slab_alloc",
		"allocate_slab", "new_slab", "alloc_slab_page", "__vmalloc",
		"vmalloc", "kzalloc", "kcalloc", "alloc_pages_mpol",
		"folio_alloc", "__folio_alloc", "__get_free_pages",
		"get_zeroed_page", "kmemdup", "kstrdup", "kstrndup",
		"krealloc", "__krealloc", "kvasprintf", "kasprintf",
		"memdup_user", "vmemdup_user", "__do_kmalloc",
		"kmalloc_node", "__kmalloc_node", "alloc_slab_obj_exts",
	};

	for (size_t i = 0; i < sizeof(skip) / sizeof(skip[0]); i++)
		if (!strncmp(fn, skip[i], strlen(skip[i])))
			return true;
	return false;
}

/*
 * The call site of the injected failure: the frames after the allocator's
 * own, from the FAULT_INJECTION report in the console.  A __GFP_NOWARN
 * allocation fails silently: no report, site "(silent)".
 */
static void alloc_site(const char *dir, struct sweep_verdict *v)
{
	FILE *f = open_in(dir, "console.log");
	char line[1024], fr[160], fn[128];
	size_t used = 0, nused = 0;
	int frames = 0, lines = 0;
	bool in = false, trace = false;

	snprintf(v->site, sizeof(v->site), "(silent)");
	snprintf(v->site_name, sizeof(v->site_name), "(silent)");
	while (f && fgets(line, sizeof(line), f)) {
		if (strstr(line, "FAULT_INJECTION: forcing a failure")) {
			in = true;
			continue;
		}
		if (!in)
			continue;
		if (strstr(line, "Call Trace:")) {
			trace = true;
			continue;
		}
		if (++lines > 200 || frames == 8)
			break;
		if (!trace || !frame_at(line, fr, sizeof(fr)) ||
		    !kreport_frame(line, fn, sizeof(fn)) ||
		    (!frames && alloc_plumbing(fn)))
			continue;
		used += snprintf(v->site + (frames ? used : 0),
				 sizeof(v->site) - (frames ? used : 0), "%s%s",
				 frames ? " < " : "", fr);
		if (frames < 3)
			nused += snprintf(v->site_name + (frames ? nused : 0),
					  sizeof(v->site_name) -
					  (frames ? nused : 0), "%s%s",
					  frames ? " < " : "", fn);
		if (used >= sizeof(v->site))
			used = sizeof(v->site) - 1;
		if (nused >= sizeof(v->site_name))
			nused = sizeof(v->site_name) - 1;
		frames++;
	}
	if (f)
		fclose(f);
}

/* The blocked tasks the runner's SysRq w dump shows: "task: a < b". */
static void blocked_dump(const char *dir, char *buf, size_t len)
{
	FILE *f = open_in(dir, "console.log");
	char line[1024], fn[128], task[64] = "";
	size_t used = 0;
	int frames = 0;
	bool in = false;

	buf[0] = 0;
	while (f && frames < 4 && fgets(line, sizeof(line), f)) {
		if (strstr(line, "sysrq: Show Blocked State")) {
			in = true;
			continue;
		}
		if (!in)
			continue;
		if (!task[0] && sscanf(line, "task:%63s", task) == 1) {
			used = snprintf(buf, len, "%s:", task);
			continue;
		}
		if (!task[0] || !kreport_frame(line, fn, sizeof(fn)) ||
		    wait_frame(fn))
			continue;
		used += snprintf(buf + used, len - used, "%s%s",
				 frames ? " < " : " ", fn);
		if (used >= len)
			used = len - 1;
		frames++;
	}
	if (f)
		fclose(f);
}

/* Which scenario step agent step @k of this run was. */
static int step_of(const struct view *w, const struct sweep_record *rec,
		   int k)
{
	for (int s = 0; s < rec->nsteps; s++) {
		int item = rec->steps[s].item;

		if (item < w->nitems && w->items[item].step == k)
			return s + 1;
	}
	for (int i = 0; i < w->nepilogue; i++)
		if (w->epilogue[i].step == k)
			return !strcmp(w->epilogue_text[i], "release-fds") ?
			       SWEEP_TEARDOWN : SWEEP_OTHER;
	return k ? SWEEP_OTHER : SWEEP_BOOT;
}

/* Did the device point's fault fire, and in which step? */
static bool device_fired(const char *dir, const struct view *w,
			 const struct sweep_point *pt,
			 const struct sweep_record *rec, int *step)
{
	FILE *f = open_in(dir, "trace.log");
	char line[1024], want[128];
	int k = 0;
	bool fired = false;

	/* Its own event: the scenario may arm faults of the same kind. */
	if (pt->kind == SWEEP_READ_ONES)
		snprintf(want, sizeof(want), " %.*s fault kind=read-ones "
			 "reg=%s seen=%u\n", (int)strcspn(pt->target, "/"),
			 pt->target, strchr(pt->target, '/') ?
			 strchr(pt->target, '/') + 1 : "", pt->nth);
	else
		snprintf(want, sizeof(want), " %s fault kind=%s seen=%u\n",
			 pt->target, sweep_kind_name(pt->kind), pt->nth);
	while (f && !fired && fgets(line, sizeof(line), f)) {
		const char *n = strstr(line, " agent step n=");

		if (n)
			k = atoi(n + 14);
		else if (strstr(line, want))
			fired = true;
	}
	if (f)
		fclose(f);
	*step = fired ? step_of(w, rec, k) : SWEEP_OTHER;
	return fired;
}

/*
 * The agent refused the fail-nth line inserted before the step (a within=
 * function not in kallsyms, a kernel without the filter): its error.
 */
static bool fault_error(const char *dir, int step, char *why, size_t len)
{
	char line[4096];
	const char *e;

	if (!agent_line(dir, step - 1, line, sizeof(line)) ||
	    !strstr(line, " name=fail-nth ") ||
	    !(e = strstr(line, " error=\"")))
		return false;
	snprintf(why, len, "the fail-nth was refused: %.*s",
		 (int)strcspn(e + 8, "\""), e + 8);
	return true;
}

/*
 * Whether the allocation point's fail-nth failed an allocation; if not,
 * why in @why, and whether the agent refused the fail-nth in @refused.
 */
static bool alloc_fired(const char *dir, const struct view *w,
			const struct sweep_point *pt,
			const struct sweep_record *rec, char *why, size_t len,
			bool *refused)
{
	char line[4096];
	const char *p, *calls;
	int item;

	snprintf(why, len, "the step did not run");
	if (pt->step < 1 || pt->step > rec->nsteps)
		return false;
	item = rec->steps[pt->step - 1].item;
	if (item >= w->nitems ||
	    !agent_line(dir, w->items[item].step, line, sizeof(line)))
		return false;
	p = strstr(line, " fail_nth=");
	if (p && !strncmp(p + 10, "injected", 8))
		return true;
	calls = strstr(line, " calls=");
	if (p && !strncmp(p + 10, "missed", 6) && calls)
		snprintf(why, len, "the step passed only %d sites",
			 atoi(calls + 7));
	else if (p && !strncmp(p + 10, "skipped", 7))
		snprintf(why, len, "the step ran under the scenario's own "
			 "failslab/fail-page-alloc");
	else if ((*refused = fault_error(dir, w->items[item].step, why, len)))
		;
	else
		snprintf(why, len, "no fail-nth result");
	return false;
}

/*
 * Driver probes that failed (drivers/base/dd.c: "probe with driver %s
 * failed with error %d"): how many, and the first one's driver and error.
 */
static int probe_failures(const char *dir, char *drv, size_t len, int *err)
{
	FILE *f = open_in(dir, "console.log");
	char line[1024], name[64];
	const char *p;
	int n = 0, e;

	while (f && fgets(line, sizeof(line), f)) {
		p = strstr(line, "probe with driver ");
		if (!p || sscanf(p, "probe with driver %63s failed with error %d",
				 name, &e) != 2)
			continue;
		if (!n++) {
			snprintf(drv, len, "%s", name);
			*err = e;
		}
	}
	if (f)
		fclose(f);
	return n;
}

static bool same(const struct result *a, const struct result *b)
{
	return a->ran == b->ran && a->ok == b->ok && a->err == b->err;
}

/* ---- the verdict ------------------------------------------------------ */

#define SET(o, ...) do {						\
		v->outcome = (o);					\
		snprintf(v->detail, sizeof(v->detail), __VA_ARGS__);	\
	} while (0)

static bool judge_reports(const struct view *b, const struct view *w,
			  struct sweep_verdict *v)
{
	for (int i = 0; i < w->nfindings; i++) {
		const char *s = strstr(w->findings[i], " | stack: ");
		char kind[48] = "", frame[96];

		if (in_baseline(b, w->findings[i]))
			continue;
		headline(w->findings[i], v->report, sizeof(v->report));
		snprintf(v->where, sizeof(v->where), "%s", s ? s + 10 : "");
		sscanf(v->report, "%47[^:]", kind);
		key_frame(v->where, frame, sizeof(frame));
		if (!strcmp(kind, "hung-task")) {
			SET(SWEEP_HANG, "hung task: %s", v->where);
			snprintf(v->key, sizeof(v->key), "hang@%s", frame);
		} else {
			SET(SWEEP_FINDING, "%s", v->report);
			snprintf(v->key, sizeof(v->key), "%s@%s", kind, frame);
		}
		return true;
	}
	return false;
}

/* The run ended at its timeout, or at a hung-task report. */
static bool hung(const struct view *w)
{
	return !strcmp(w->ended, "timeout") || !strcmp(w->ended, "hung-task");
}

static bool judge_state(const struct view *b, const struct view *w,
			const char *dir, const struct sweep_point *pt,
			struct sweep_verdict *v)
{
	/* A device that refuses to destroy an object keeps it: not a leak. */
	int kept = pt->kind != SWEEP_MSI_DROP &&
		   !strcmp(pt->target, "RESOURCE_OBJ_DESTROY");
	char frame[96];

	if (hung(w) && !hung(b)) {
		blocked_dump(dir, v->where, sizeof(v->where));
		SET(SWEEP_HANG, "timeout; blocked: %s",
		    v->where[0] ? v->where : "no task in D state (a livelock?)");
		key_frame(strchr(v->where, ':') ? strchr(v->where, ':') + 1 :
			  "", frame, sizeof(frame));
		snprintf(v->key, sizeof(v->key), "hang@%s",
			 frame[0] ? frame : "timeout");
		return true;
	}
	if (w->blocked > b->blocked) {
		SET(SWEEP_FINDING, "the guest touched a VF that did not decode "
		    "(vfN.blocked=%lld, baseline %lld)", w->blocked, b->blocked);
		snprintf(v->key, sizeof(v->key), "sim@vf-blocked");
		return true;
	}
	if (w->dropped > b->dropped + kept) {
		SET(SWEEP_LEAK, "%lld admin object(s) left for the PF reset to "
		    "discard (baseline %lld)", w->dropped, b->dropped);
		snprintf(v->key, sizeof(v->key), "admin-objects");
		return true;
	}
	if (w->fds_left > b->fds_left && b->fds_left >= 0) {
		SET(SWEEP_LEAK, "%d file descriptor(s) open that the agent never "
		    "received (baseline %d)", w->fds_left, b->fds_left);
		snprintf(v->key, sizeof(v->key), "fds");
		return true;
	}
	return false;
}

/* After the injected error: does the device still work (the epilogue)? */
static bool judge_afterwards(const struct view *b, const struct view *w,
			     struct sweep_verdict *v)
{
	for (int i = 0; i < w->nepilogue && i < b->nepilogue; i++) {
		const struct result *r = &w->epilogue[i];

		if (!b->epilogue[i].ok || r->ok)
			continue;
		SET(SWEEP_WRONG, "afterwards: %s %s (errno %d)",
		    w->epilogue_text[i], r->ran ? "failed" : "did not run",
		    r->err);
		snprintf(v->key, sizeof(v->key), "afterwards:%.40s",
			 w->epilogue_text[i]);
		v->key[strcspn(v->key, " ")] = 0;
		return true;
	}
	return false;
}

/*
 * A device's driver probe that failed is the error of a step that goes
 * on (writing sriov_numvfs succeeds while a VF's driver refuses it): the
 * error was reported, by the driver core, and what fails later for want
 * of that driver is its consequence.
 */
static bool judge_probe(const char *base_dir, const char *dir,
			const struct view *b, const struct view *w,
			struct sweep_verdict *v)
{
	char drv[64] = "", bdrv[64];
	int err = 0, berr;

	if (probe_failures(dir, drv, sizeof(drv), &err) <=
	    probe_failures(base_dir, bdrv, sizeof(bdrv), &berr))
		return false;
	if (judge_afterwards(b, w, v))
		return true;
	SET(SWEEP_CLEAN, "the %s probe failed with error %d (step %d went on)",
	    drv, err, v->fired_step);
	snprintf(v->key, sizeof(v->key), "probe-failed=%d@step%d", err,
		 v->fired_step);
	return true;
}

static void judge_steps(const struct view *b, const struct view *w,
			const struct sweep_record *rec,
			struct sweep_verdict *v)
{
	int d;

	for (d = 0; d < rec->nsteps; d++) {
		int item = rec->steps[d].item;

		if (item < b->nitems && item < w->nitems &&
		    !same(&b->items[item], &w->items[item]))
			break;
	}
	if (d == rec->nsteps) {
		v->affected_step = 0;
		if (w->nmisses > b->nmisses) {
			SET(SWEEP_WRONG, "absorbed, but: %s",
			    w->misses[b->nmisses]);
			snprintf(v->key, sizeof(v->key), "expectation");
		} else if (!judge_afterwards(b, w, v)) {
			SET(SWEEP_CLEAN, "absorbed: every step as in the baseline");
			snprintf(v->key, sizeof(v->key), "absorbed");
		}
		return;
	}
	v->affected_step = d + 1;
	{
		const struct result *r = &w->items[rec->steps[d].item];
		const struct result *rb = &b->items[rec->steps[d].item];
		const char *text = rec->steps[d].text;

		/* An error where the baseline had none, or another one. */
		if (r->ran && !r->ok && r->err && (rb->ok || rb->err != r->err) &&
		    (v->fired_step < 1 || v->fired_step == d + 1)) {
			if (judge_afterwards(b, w, v))
				return;
			SET(SWEEP_CLEAN, "step %d failed with errno %d: %s", d + 1,
			    r->err, text);
			snprintf(v->key, sizeof(v->key), "errno=%d@step%d",
				 r->err, d + 1);
			return;
		}
		if (r->ran && !r->ok && r->err && rb->ok)
			SET(SWEEP_WRONG, "the fault was absorbed in step %d; "
			    "step %d failed later with errno %d: %s",
			    v->fired_step, d + 1, r->err, text);
		else if (!r->ran)
			SET(SWEEP_WRONG, "step %d did not run: %s", d + 1, text);
		else if (r->ok)
			SET(SWEEP_WRONG, "step %d succeeded; without the fault it "
			    "failed (errno %d): %s", d + 1, rb->err, text);
		else
			SET(SWEEP_WRONG, "step %d failed (errno %d, baseline %s "
			    "%d): %s", d + 1, r->err, rb->ok ? "ok" : "errno",
			    rb->err, text);
		snprintf(v->key, sizeof(v->key), "step%d:%s", d + 1,
			 !r->ran ? "not-run" : r->ok ? "ok" : "failed");
	}
}

static bool sim_error(int status, const struct view *w,
		      struct sweep_verdict *v)
{
	if (WIFSIGNALED(status))
		SET(SWEEP_SIM_ERROR, "the run's process died of signal %d",
		    WTERMSIG(status));
	else if (!WIFEXITED(status) || WEXITSTATUS(status) > 1)
		SET(SWEEP_SIM_ERROR, "the run's process exited with %d",
		    WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	else if (!w->summary || !strcmp(w->verdict, "error"))
		SET(SWEEP_SIM_ERROR, "the run did not start or left no "
		    "summary.txt");
	else
		return false;
	snprintf(v->key, sizeof(v->key), "simulator-error");
	return true;
}

int sweep_judge(const char *base_dir, const char *dir,
		const struct sweep_point *pt, const struct sweep_record *rec,
		int status, struct sweep_verdict *v)
{
	struct view *b = load(base_dir), *w = load(dir);
	char why[320] = "";
	bool fired;

	memset(v, 0, sizeof(*v));
	v->fired_step = SWEEP_OTHER;
	if (!b || !w) {
		SET(SWEEP_SIM_ERROR, "out of memory");
		goto out;
	}
	if (sim_error(status, w, v))
		goto out;
	if (pt->kind == SWEEP_ALLOC) {
		fired = alloc_fired(dir, w, pt, rec, why, sizeof(why),
				    &v->fault_refused);
		v->fired_step = pt->step;
		if (fired)
			alloc_site(dir, v);
	} else {
		fired = device_fired(dir, w, pt, rec, &v->fired_step);
	}
	if (judge_reports(b, w, v) || judge_state(b, w, dir, pt, v))
		goto out;
	if (!fired) {
		SET(SWEEP_NOT_REACHED, "the point did not occur in this run%s%s",
		    why[0] ? ": " : "", why);
		snprintf(v->key, sizeof(v->key), "not-reached");
		goto out;
	}
	if (!judge_probe(base_dir, dir, b, w, v))
		judge_steps(b, w, rec, v);
out:
	free(b);
	free(w);
	return 0;
}
