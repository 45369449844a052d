/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vfsim-agent: the program UML runs as init.  It mounts what it needs,
 * runs the steps the host wrote into the run directory, reports each
 * result as one "key=value" line (to agent.log in the run directory and to
 * the console), and powers the guest off.
 *
 * Result lines:	step=N name=NAME status=ok|fail [key=value ...]
 * Last line:		agent=done status=ok|fail steps=N failed=N
 * Timing marks:	"vfsim-mark NAME" on the console, for the host.
 */
#ifndef VFSIM_AGENT_H
#define VFSIM_AGENT_H

#include <stdbool.h>
#include <stdio.h>

#include "step_spec.h"

struct step {
	int index;
	char *argv[AGENT_MAX_ARGS];
	int argc;
	bool cut;		/* the line had more than the agent takes */
};

/* Append "key=value" text to the current step's result line. */
void result(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Log a free-form line to the console (prefixed "vfsim-agent: "). */
void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A whole result line: to the console and agent.log (thread-safe). */
void agent_emit(const char *text);

/*
 * One line of the steps file into @buf (AGENT_MAX_LINE + 2 bytes); false
 * at its end.  A longer line is cut there, *@cut set, its rest skipped.
 */
bool agent_read_line(FILE *f, char *buf, bool *cut);

/*
 * A step line's words into @s (in place); returns the word count.  @cut:
 * the line was longer than the agent takes (the step then fails).
 */
int agent_split(char *text, bool cut, struct step *s);

/* Runs one step and emits its result line; 0 ok, -1 failed. */
typedef int agent_step_fn(struct step *s);

/*
 * A parallel block (threads.c): @begin is its "parallel-begin" line; reads
 * @f up to "parallel-end", numbers the steps from *@n on, runs every
 * branch in its own thread.  Returns the number of failed steps.
 */
int run_parallel(FILE *f, const char *begin, int *n, agent_step_fn *run);

/* Step implementations: 0 ok, -1 failed (with a reason in the result). */
int step_probe(const struct step *s);
int step_list(const struct step *s);
int step_cfg_bench(const struct step *s);
int step_expect_driver(const struct step *s);
int step_expect_netdev_mac(const struct step *s);

int step_sriov_autoprobe(const struct step *s);
int step_sriov_enable(const struct step *s);
int step_sriov_disable(const struct step *s);
int step_sriov_cycles(const struct step *s);
int step_expect_vfs(const struct step *s);
int step_bind(const struct step *s);
int step_unbind(const struct step *s);
int step_pci_remove(const struct step *s);
int step_pci_rescan(const struct step *s);
int step_vfio_noiommu(const struct step *s);
int step_vfio_open(const struct step *s);
int step_vfio_config(const struct step *s);
int step_vfio_bar_read(const struct step *s);
int step_vfio_bar_write(const struct step *s);
int step_vfio_reset(const struct step *s);
int step_vfio_close(const struct step *s);
int step_vfio_disable_while_open(const struct step *s);
int step_vfio_unbind_while_open(const struct step *s);
int step_vfio_req_arm(const struct step *s);
int step_vfio_req_disarm(const struct step *s);
int step_vfio_req_wait(const struct step *s);

int step_mig_info(const struct step *s);
int step_mig_state(const struct step *s);
int step_expect_mig_state(const struct step *s);
int step_mig_save(const struct step *s);
int step_mig_load(const struct step *s);
int step_mig_corrupt(const struct step *s);
int step_mig_migrate(const struct step *s);
int step_mig_bench(const struct step *s);
int step_mig_data_size(const struct step *s);
int step_mig_precopy(const struct step *s);
int step_program_queues(const struct step *s);
int step_sim_compare(const struct step *s);
int step_sim_compare_stream(const struct step *s);
int step_sim_evolve(const struct step *s);
int step_sim_fault(const struct step *s);
int step_sim_device(const struct step *s);

int step_legacy_probe(const struct step *s);
int step_legacy_tx(const struct step *s);
int step_legacy_reset(const struct step *s);
int step_legacy_stress(const struct step *s);
int step_keep_drivers(const struct step *s);

/*
 * Coverage (driver/agent/gcov.c): on a gcov kernel, gcov_start() readies
 * the copy of the counters into the run directory (and, with @poll, a
 * thread that saves them when the host asks); gcov_save() copies them now
 * and returns the number of files, or -errno.
 */
void gcov_start(const char *run_dir, bool poll);
int gcov_save(const char *why);

/* Release everything before power-off (shutdown waits for VFIO users). */
void vfio_close_all(void);
void mig_close_all(void);
void legacy_close_all(void);
void pci_unbind_for_poweroff(void);

/* vfsim sweep support (sweep.c): markers, fail-nth, release, checks. */
int step_fail_nth(const struct step *s);
int step_trace_steps(const struct step *s);
int step_release_fds(const struct step *s);
int step_check_vfs(const struct step *s);
void sweep_step_begin(const struct step *s);
void sweep_step_end(const struct step *s);
/* Leave the agent's own waiting out of a step's fail-nth sites. */
void fail_nth_pause(void);
void fail_nth_resume(void);

/* Helpers shared by steps. */
int vfio_device_fd(const char *bdf);
int read_text(const char *path, char *buf, size_t len);
/*
 * The last component of symbolic link @path's target into @buf of @len
 * bytes, NUL-terminated; 0 or -errno of readlink(2).  Not a fail-nth site.
 */
int read_link_name(const char *path, char *buf, size_t len);
int write_text(const char *path, const char *text);
int dev_attr_write(const char *bdf, const char *attr, const char *text);
int pci_driver_of(const char *bdf, char *buf, size_t len);
int vf_bdf(const char *pf, int i, char *buf, size_t len);
int sriov_set(const char *pf, int n, double *took);
double agent_now_s(void);

#endif
