/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One run: start the simulated bus with its functions, boot UML against
 * it with the in-guest agent as init, collect everything into a run
 * directory, and tear it all down on every exit path.
 *
 * Run directory contents:
 *	console.log	everything UML printed (kernel log, agent output)
 *	trace.log	device-visible events (sim/trace.h)
 *	agent.log	the agent's results, "key=value" lines
 *	findings.txt	kernel reports found in the console (sim/kreport.h)
 *	summary.txt	verdict, why the run ended (ended=poweroff, timeout,
 *			panic, report, hung-task, interrupted), timings,
 *			statistics
 *	steps		the agent's steps, one per line
 *
 * Contract: run_uml() returns the verdict (RUN_PASS, RUN_FAIL, ...).
 * timeout_s counts from the agent's start (the boot gets as long again,
 * at least 60 s).  A run whose outcome is certain ends at once (see
 * end_on_report, end_on_hang).
 * Sockets and UML's own files live in a private 0700 directory under
 * $TMPDIR that is removed before returning; the UML process group is
 * killed and reaped; SIGINT/SIGTERM end the run the same way.
 */
#ifndef VFSIM_RUN_H
#define VFSIM_RUN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum run_verdict {
	RUN_PASS = 0,
	RUN_FAIL = 1,		/* agent failed or kernel reports found */
	RUN_ERROR = 2,		/* could not run (bad setup) */
	RUN_TIMEOUT = 3,
	RUN_INTERRUPTED = 4,
};

enum time_travel { TT_OFF, TT_BASIC, TT_INF_CPU };

struct pci_func;

/* A request from the agent, run on the bus thread; reply into @out. */
typedef void run_rpc_fn(void *ctx, const char *run_dir, const char *cmd,
			const char *a, const char *b, char *out, size_t len);

struct run_opts {
	struct pci_func **funcs;	/* in slot order */
	unsigned int nfuncs;
	run_rpc_fn *rpc;
	void *rpc_ctx;
	const char *kernel;
	const char *agent;
	const char *run_dir;
	const char *cmdline;		/* extra kernel arguments */
	char **steps;			/* agent steps */
	int nsteps;
	unsigned int timeout_s;
	unsigned int mem_mb;
	unsigned int spin_us;
	unsigned int max_delay_us;	/* virtio_pcidev.max_delay_us, 0: kernel's */
	unsigned int trace_mask;
	uint64_t seed;			/* all randomness (faults) */
	enum time_travel tt;
	unsigned int cpus;		/* > 1: UML's ncpus= (an SMP kernel) */
	bool seccomp;			/* UML's seccomp=on (SMP needs it) */
	bool echo;			/* copy the console to stdout */
	bool allow_findings;		/* kernel reports do not fail the run */
	/* Faults armed before UML starts ("admin-fail op=LIST_QUERY"). */
	const char *const *boot_faults;
	int nboot_faults;
	unsigned int hung_task_s;	/* hung-task timeout, 0: the kernel's */
	/*
	 * Seconds from UML's start to the agent's: past them the run is at
	 * its timeout (blocked-task dump, verdict timeout).  0: as long as
	 * timeout_s, at least 60.  A sweep sets it from its recording: the
	 * hung-task sysctl only applies once init starts, so a hang in the
	 * boot-time probe would otherwise wait for the kernel's own timeout.
	 */
	unsigned int boot_timeout_s;
	/*
	 * End the run once the first kernel report has been printed, unless
	 * its kind is in @expected_reports (space-separated kinds): what a
	 * sweep does, where any new report decides the outcome.  A panic
	 * always ends the run.
	 */
	bool end_on_report;
	const char *expected_reports;
	/*
	 * A hung-task report ends the run with RUN_TIMEOUT (ended=hung-task)
	 * once printed: the task will not come back, and waiting for the
	 * timeout only delays the verdict.  Scenario runs set it.
	 */
	bool end_on_hang;
	/*
	 * The agent step (1-based, as it numbers them) whose announcement
	 * (trace-steps) snapshots the models' account into
	 * summary-scenario.txt: the state the scenario's own steps (and
	 * their teardown) left, before a sweep's device checks add their
	 * own.  0: none.
	 */
	int stats_at_step;
};

int run_uml(const struct run_opts *o);

#endif
