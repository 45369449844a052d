/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vfsim sweep's injection points (doc/sweep.md): the places a scenario
 * passes through where one thing can be made to fail, recorded from one
 * clean run of the scenario.
 *
 *	admin-fail:OP#N	the Nth admin command OP since boot answers an
 *			error status (the device refuses it)
 *	admin-hang:OP#N	the Nth OP is executed but never completed
 *	msi-drop:FN#N	the Nth MSI function FN sends since boot is lost
 *	alloc:stepS#N	the Nth fault-injection site (slab or page
 *			allocation) the agent's task passes during the
 *			scenario's step S fails (the kernel's fail-nth)
 *	alloc:stepS@F<G<H  the allocation of step S whose call chain starts
 *			F < G < H (callers by name, innermost first: the
 *			site sweeps print): found by failing the 1st, 2nd
 *			... allocation under F (fail-nth within=F, slab
 *			then page) until the failed one's chain starts so;
 *			the same site whatever its ordinal in a run (F
 *			defined twice, a static copy like
 *			_kzalloc_noprof.constprop.0: under G instead)
 *	read-ones:FN/REG#N  the Nth read of register REG of FN since boot
 *			("cfg:0x4", "bar0:0x14") answers all-ones, as a
 *			read that completes with an error does; recorded for
 *			the first read of each register in each step
 *
 * S counts the scenario's `step` lines from 1 in file order, includes
 * expanded.  Device points say which step they happened in: 0 for boot
 * (before the first step), SWEEP_TEARDOWN for the release of everything
 * after the last one.
 *
 * Contract: sweep_record_read() reads a recording run's directory
 * (step-results.txt, agent.log, trace.log: a run with the agent's
 * trace-steps and "fail-nth count") into @rec, which the caller frees
 * with sweep_record_free().  It returns 0, or -1 with a one-line reason in
 * @err.  sweep_point_parse() accepts the names above and returns 0 or -1
 * with a reason in @err.
 */
#ifndef VFSIM_SWEEP_POINTS_H
#define VFSIM_SWEEP_POINTS_H

#include <stdbool.h>
#include <stddef.h>

enum sweep_kind {
	SWEEP_ADMIN_FAIL,
	SWEEP_ADMIN_HANG,
	SWEEP_MSI_DROP,
	SWEEP_ALLOC,
	SWEEP_READ_ONES,
	SWEEP_KINDS,
};

#define SWEEP_BOOT 0
#define SWEEP_TEARDOWN (-2)
#define SWEEP_OTHER (-1)	/* not a scenario step (checks, epilogue) */
#define SWEEP_MAX_STEPS 256

#define SWEEP_SITE_LEN 160
#define SWEEP_SITE_MAX_NTH 64	/* allocations under F tried, per kind */

struct sweep_point {
	enum sweep_kind kind;
	char target[32];	/* opcode, function, or FN/REG; "" for alloc */
	unsigned int nth;	/* 1-based; of a site: under F, this try */
	int step;		/* scenario step, SWEEP_BOOT, SWEEP_TEARDOWN ... */
	char site[SWEEP_SITE_LEN];	/* alloc by site: "F<G<H", else "" */
	bool page;		/* alloc by site: this try fails page allocs */
	unsigned int within_at;	/* ... under this frame of site (0: F) */
};

struct sweep_step {
	int item;		/* index in the scenario's items */
	int agent_step;		/* its number in the recording run */
	unsigned int calls;	/* fault-injection sites its task passed */
	bool included;		/* from an included file */
	bool check;		/* only reads state: probe, list, expect-... */
	char at[128];		/* FILE:LINE */
	char text[256];
};

struct sweep_record {
	struct sweep_step steps[SWEEP_MAX_STEPS];	/* [0] is step 1 */
	int nsteps;
	struct sweep_point *points;	/* device points, in trace order */
	int npoints;
	int teardown_step;		/* agent step of release-all, or 0 */
};

const char *sweep_kind_name(enum sweep_kind k);

/* "admin-fail:DEV_MODE_SET#2"; "alloc:step9#5"; "alloc:step9@f<g<h". */
void sweep_point_name(const struct sweep_point *p, char *buf, size_t len);
int sweep_point_parse(const char *name, struct sweep_point *p, char *err,
		      size_t len);

/*
 * The fault a device point arms before boot ("admin-fail op=X nth=N
 * status=S"), or the fault line an alloc point inserts before its step
 * ("fail-nth nth=N"; by site "fail-nth within=F nth=N [alloc=page]").
 * @status: the admin status of admin-fail.
 */
void sweep_point_fault(const struct sweep_point *p, unsigned int status,
		       char *buf, size_t len);

/*
 * The frame of a site point's chain its tries count under (within=):
 * frame @p->within_at, into @buf.  NULL if the chain has no such frame.
 */
const char *sweep_point_within(const struct sweep_point *p, char *buf,
			       size_t len);

/*
 * The frames of a site chain, "f<g<h" or "f < g < h" (a verdict's
 * site_name), with the spaces dropped, into @out of @len bytes, always
 * NUL-terminated when @len > 0.  False if it did not fit (@out then holds
 * what did) or @len is 0.
 */
bool sweep_site_chain(const char *in, char *out, size_t len);

/*
 * Whether an injected failure's site (a sweep verdict's site_name,
 * "f < g < h") starts with the chain of @p, a point by site; frames are
 * compared whole, spaces ignored.
 */
bool sweep_site_matches(const struct sweep_point *p, const char *site_name);

/* "step 9", "boot", "teardown". */
void sweep_step_name(int step, char *buf, size_t len);

int sweep_record_read(const char *dir, const char *top_file,
		      struct sweep_record *rec, char *err, size_t len);
void sweep_record_free(struct sweep_record *rec);

#endif
