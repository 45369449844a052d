/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Device-side fault injection: faults armed at run time (by a scenario,
 * through the agent's requests) and fired at a precise point: on the Nth
 * matching event, for COUNT events from there, or with a seeded
 * probability.  The trigger logic is here; the device code asks
 * fault_hit() at each event ("the 3rd DEV_PARTS_GET", "an MSI of vf0").
 *
 * Contract: fault_parse() accepts "KIND key=value ..." and says what is
 * wrong in one line otherwise.  All of this runs on the bus thread.
 *
 * Faults belong to the run, not to a function: one armed on a VF before
 * the VF exists (VF Enable clear) waits for it, and VF Enable, FLR and
 * PF resets leave it armed; only "KIND off" disarms.  A VF's config
 * reads count as events only while it answers (sriov.h), so "the first
 * N reads" are the first N the enumeration of the VF makes.
 *
 * read-ones fn=FN reg=SPACE:OFF [nth=N]: the Nth read of that register
 * (config space, or a BAR's offset) answers all-ones once, as a read
 * that completes with an error does on PCIe (unlike cfg-ones, which is
 * the function gone for good).
 */
#ifndef VFSIM_FAULT_H
#define VFSIM_FAULT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum fault_kind {
	FAULT_ADMIN_FAIL,	/* answer status instead of executing */
	FAULT_ADMIN_DELAY,	/* complete after ms */
	FAULT_ADMIN_HANG,	/* never complete */
	FAULT_ADMIN_SHORT,	/* result shorter than it should be */
	FAULT_ADMIN_OVERSIZE,	/* used length beyond the buffers */
	FAULT_ADMIN_BAD_LEN,	/* used length without the status */
	FAULT_ADMIN_CORRUPT,	/* flip bytes of the result */
	FAULT_MSI_DROP,
	FAULT_MSI_DELAY,
	FAULT_MSI_DUP,
	FAULT_CFG_ONES,		/* config and BAR reads all-ones */
	FAULT_SLOW_REPLY,	/* every request answered after us */
	FAULT_CFG_VALUE,	/* config bytes [off, off+len) read val */
	FAULT_CAP_NEXT,		/* the last capability's next is ptr */
	FAULT_READ_ONES,	/* one read of one register: all-ones */
	FAULT_KINDS,
};

/* cap-next ptr= values that depend on the function's capability list. */
#define FAULT_PTR_FIRST 0x10000	/* the first capability: a loop */
#define FAULT_PTR_SELF 0x10001	/* the last one itself: a loop of one */

#define FAULT_MAX 32
#define FAULT_MAX_TEXT 255	/* characters of a fault_parse() text */

struct fault {
	enum fault_kind kind;
	char target[32];	/* admin opcode name, function name, or "any" */
	char reg[24];		/* read-ones: "cfg:0x6", "bar0:0x14"; "" any */
	uint64_t nth;		/* first matching event that fires (1-based) */
	uint64_t count;		/* events that fire from nth on; 0: all */
	double prob;		/* > 0: fire with this probability instead */
	uint32_t arg;		/* status, ms or us */
	uint16_t off;		/* cfg-value: config offset */
	uint8_t len;		/* cfg-value: 1, 2 or 4 bytes */
	bool ext;		/* cap-next: the extended list (>= 0x100) */
	uint32_t val;		/* cfg-value: the value; cap-next: the pointer
				   (0..0xfff or FAULT_PTR_*) */
	uint64_t seen, fired;
};

struct fault_set {
	struct fault f[FAULT_MAX];
	unsigned int n;
	uint64_t rng;		/* seeded: a run is reproducible */
};

const char *fault_kind_name(enum fault_kind k);

/* The kind named @name ("cfg-value"), or -1. */
int fault_kind_by_name(const char *name);
void fault_set_init(struct fault_set *s, uint64_t seed);

/*
 * Parse "admin-fail op=DEV_PARTS_GET nth=3 status=5" and the like, at most
 * FAULT_MAX_TEXT characters.  0, or -EINVAL with the reason in @err.
 */
int fault_parse(const char *text, struct fault *f, char *err, size_t len);

/* Arm @f; -ENOSPC when full.  "KIND off" disarms every fault of KIND. */
int fault_arm(struct fault_set *s, const struct fault *f);
void fault_disarm(struct fault_set *s, enum fault_kind k);

/* An event of @kind on @target happened: the fault that fires, or NULL. */
struct fault *fault_hit(struct fault_set *s, enum fault_kind kind,
			const char *target);

/*
 * For faults that act together (several cfg-value overlays on one read):
 * the next armed fault of @kind on @target from *@pos on, or NULL; the
 * caller decides whether the event concerns it, then asks fault_fires()
 * (which counts it as seen and, when it fires, traces it).
 */
struct fault *fault_next(struct fault_set *s, enum fault_kind kind,
			 const char *target, unsigned int *pos);
bool fault_fires(struct fault_set *s, struct fault *f, const char *target);

/*
 * fault_hit() for an event on register @reg of @target ("cfg:0x6" for the
 * config register at 0x6, "bar0:0x14" for offset 0x14 of BAR 0): faults
 * with a reg= match only that register, faults without match any.
 */
struct fault *fault_hit_reg(struct fault_set *s, enum fault_kind kind,
			    const char *target, const char *reg);

/* Whether a fault of @kind is armed (a cheap test before formatting). */
bool fault_armed(const struct fault_set *s, enum fault_kind kind);

#endif
